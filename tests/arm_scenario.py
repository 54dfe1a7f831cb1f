"""A small ARM + Partner Center world shared by the ARM, Lighthouse and Partner Center tests.

Contoso (management groups contoso-root > contoso-prod, subscriptions prod and dev) and
Fabrikam (one subscription, no group) are CSP customers of the emulator's default partner.
The partner holds: AdminAgents Owner on Contoso prod and on Fabrikam (the CSP grant, as a
ForeignGroup), HelpdeskAgents Reader on the contoso-root management group (inherited by both
Contoso subscriptions), and a Lighthouse delegation of Contoso dev. Contoso's own principals hold
assignments at resource group and resource scope.
"""

from __future__ import annotations

import copy
from typing import Any

from azure_http import ArmClient, EmulatorTokens, Endpoints, RetryPolicy

PARTNER = "00000000-0000-4000-8000-00000000a001"
CONTOSO = "c0000000-0000-4000-8000-000000000001"
FABRIKAM = "f0000000-0000-4000-8000-000000000002"
SUB_PROD = "5b000000-0000-4000-8000-000000000001"
SUB_DEV = "5b000000-0000-4000-8000-000000000002"
SUB_FAB = "5b000000-0000-4000-8000-000000000003"
ADMIN_AGENTS = "aa000000-0000-4000-8000-000000000001"
HELPDESK_AGENTS = "aa000000-0000-4000-8000-000000000002"
PARTNER_SP = "aa000000-0000-4000-8000-000000000003"
ALICE = "a1000000-0000-4000-8000-000000000001"
CONTOSO_OPS = "a1000000-0000-4000-8000-000000000002"
CONTOSO_APP = "a1000000-0000-4000-8000-000000000003"
LH_DEFINITION = "d0000000-0000-4000-8000-000000000001"
LH_ASSIGNMENT = "d1000000-0000-4000-8000-000000000001"

OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"

MG_ROOT = "/providers/Microsoft.Management/managementGroups/contoso-root"
MG_PROD = "/providers/Microsoft.Management/managementGroups/contoso-prod"
PROD = f"/subscriptions/{SUB_PROD}"
DEV = f"/subscriptions/{SUB_DEV}"
FAB = f"/subscriptions/{SUB_FAB}"
PROD_RG = f"{PROD}/resourceGroups/app"
PROD_SITE = f"{PROD_RG}/providers/Microsoft.Web/sites/web1"

ROLE_ASSIGNMENTS = "providers/Microsoft.Authorization/roleAssignments"

SCENARIO: dict[str, Any] = {
    "partner_tenant_id": PARTNER,
    "partner_center": {
        "admin_agents_group_id": ADMIN_AGENTS,
        "helpdesk_agents_group_id": HELPDESK_AGENTS,
        "customers": [
            {"tenantId": CONTOSO, "companyName": "Contoso", "domain": "contoso.onmicrosoft.com", "dap": True},
            {
                "tenantId": FABRIKAM,
                "companyName": "Fabrikam",
                "domain": "fabrikam.onmicrosoft.com",
                "dap": {"adminAgents": False, "helpdeskAgents": True},
            },
        ],
    },
    "arm": {
        "tenants": [{"id": PARTNER, "displayName": "Northwind CSP"}],
        "management_groups": [
            {"name": "contoso-root", "tenant": CONTOSO, "displayName": "Contoso"},
            {"name": "contoso-prod", "tenant": CONTOSO, "parent": "contoso-root"},
        ],
        "subscriptions": [
            {"id": SUB_PROD, "tenant": CONTOSO, "displayName": "Contoso Prod", "managementGroup": "contoso-prod"},
            {"id": SUB_DEV, "tenant": CONTOSO, "displayName": "Contoso Dev", "managementGroup": "contoso-root"},
            {"id": SUB_FAB, "tenant": FABRIKAM, "displayName": "Fabrikam"},
        ],
        "principals": [
            {"id": PARTNER_SP, "kind": "ServicePrincipal", "tenant": PARTNER, "displayName": "Partner automation"},
            {"id": ALICE, "kind": "User", "tenant": CONTOSO, "displayName": "Alice"},
            {"id": CONTOSO_OPS, "kind": "Group", "tenant": CONTOSO, "displayName": "Contoso Ops"},
            {"id": CONTOSO_APP, "kind": "ServicePrincipal", "tenant": CONTOSO, "displayName": "Contoso app"},
        ],
        "role_assignments": [
            {
                "scope": PROD,
                "principalId": ADMIN_AGENTS,
                "role": "Owner",
                "name": "0a000000-0000-4000-8000-000000000001",
            },
            {
                "scope": MG_ROOT,
                "principalId": HELPDESK_AGENTS,
                "role": "Reader",
                "name": "0a000000-0000-4000-8000-000000000002",
            },
            {
                "scope": PROD_RG,
                "principalId": ALICE,
                "role": "Contributor",
                "name": "0a000000-0000-4000-8000-000000000003",
            },
            {
                "scope": PROD_SITE,
                "principalId": CONTOSO_OPS,
                "role": "Reader",
                "name": "0a000000-0000-4000-8000-000000000004",
            },
            {"scope": DEV, "principalId": ALICE, "role": "Reader", "name": "0a000000-0000-4000-8000-000000000005"},
            {
                "scope": FAB,
                "principalId": ADMIN_AGENTS,
                "role": "Owner",
                "name": "0a000000-0000-4000-8000-000000000006",
            },
        ],
        "registration_definitions": [
            {
                "scope": DEV,
                "id": LH_DEFINITION,
                "registrationDefinitionName": "Northwind managed services",
                "description": "Tier 2 support",
                "managedByTenantId": PARTNER,
                "authorizations": [
                    {
                        "principalId": HELPDESK_AGENTS,
                        "principalIdDisplayName": "HelpdeskAgents",
                        "roleDefinitionId": READER,
                    }
                ],
            }
        ],
        "registration_assignments": [{"scope": DEV, "id": LH_ASSIGNMENT, "registrationDefinitionId": LH_DEFINITION}],
    },
}

RA_AA_PROD = f"{PROD}/{ROLE_ASSIGNMENTS}/0a000000-0000-4000-8000-000000000001"
RA_HA_MG = f"{MG_ROOT}/{ROLE_ASSIGNMENTS}/0a000000-0000-4000-8000-000000000002"
RA_ALICE_RG = f"{PROD_RG}/{ROLE_ASSIGNMENTS}/0a000000-0000-4000-8000-000000000003"
RA_OPS_SITE = f"{PROD_SITE}/{ROLE_ASSIGNMENTS}/0a000000-0000-4000-8000-000000000004"
RA_ALICE_DEV = f"{DEV}/{ROLE_ASSIGNMENTS}/0a000000-0000-4000-8000-000000000005"
RA_AA_FAB = f"{FAB}/{ROLE_ASSIGNMENTS}/0a000000-0000-4000-8000-000000000006"


def scenario(**settings: Any) -> dict[str, Any]:
    """This world for tests of ARM's API shapes, paging, throttling and tenant checks: callers are arbitrary
    principals, so it opts in to the permissive authorization (``arm_authorization="strict"`` to override).
    Azure's permission model itself is tested in tests/emulator/test_arm_permissions.py."""
    data = copy.deepcopy(SCENARIO)
    data["settings"] = {"arm_authorization": "permissive", **settings}
    return data


def fast_retry(**overrides: Any) -> RetryPolicy:
    return RetryPolicy(**{"max_attempts": 8, "backoff_base": 0.01, "backoff_max": 0.05, **overrides})


def arm(emulator, tenant_id: str | None = CONTOSO, **kwargs: Any) -> ArmClient:
    kwargs.setdefault("retry", fast_retry())
    tokens = kwargs.pop("tokens", None) or EmulatorTokens()
    return ArmClient(tokens, Endpoints.emulator(emulator.url), tenant_id=tenant_id, **kwargs)


async def collect(iterator) -> list[dict[str, Any]]:
    return [item async for item in iterator]


def ids(items: list[dict[str, Any]]) -> set[str]:
    return {item["id"].lower() for item in items}
