"""The partner grant's dynamic provider over real HTTP against the ARM emulator.

The point of it: Microsoft gives AdminAgents Owner on a new CSP subscription by itself, so the grant
the stack declares must adopt that assignment instead of failing with 409 RoleAssignmentExists.
"""

from __future__ import annotations

import asyncio

import pytest

import catalog
from azure_http.arm import ArmClient
from azure_http.connect import connect
from components.arm_resources import PartnerRoleAssignmentProvider
from components.naming import deterministic_guid, role_definition_id
from intent.resolve import mpa_billing_scope

PARTNER = "2f4a9a1e-6c3b-4d8e-9f10-1a2b3c4d5e6f"
CUSTOMER = "3a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d"
ADMIN_AGENTS = "0b6c4e1a-2d3f-4a5b-9c6d-7e8f9a0b1c2d"
HELPDESK_AGENTS = "1c7d5f2b-3e4a-4b6c-8d7e-8f9a0b1c2d3e"
EXISTING = "6d1e2f3a-4b5c-4d6e-8f7a-8b9c0d1e2f3a"


@pytest.fixture
def world(emulator, monkeypatch):
    monkeypatch.setenv("CSP_DELEGATION_ENDPOINT", emulator.url)
    emulator.control.load_scenario(
        {
            "partner_tenant_id": PARTNER,
            "arm": {
                "tenants": [{"id": PARTNER}, {"id": CUSTOMER}],
                "subscriptions": [{"id": EXISTING, "tenant": CUSTOMER}],
                "principals": [
                    {"id": ADMIN_AGENTS, "kind": "Group", "tenant": PARTNER, "displayName": "AdminAgents"},
                    {"id": HELPDESK_AGENTS, "kind": "Group", "tenant": PARTNER, "displayName": "HelpdeskAgents"},
                ],
                # Azure's permission model: the partner's operator (in AdminAgents, signed in through DAP)
                # may grant roles on the customer's existing subscription because the customer made
                # AdminAgents User Access Administrator there.
                "role_assignments": [
                    {
                        "scope": f"/subscriptions/{EXISTING}",
                        "principalId": ADMIN_AGENTS,
                        "role": "User Access Administrator",
                    }
                ],
            },
            "partner_center": {
                "admin_agents_group_id": ADMIN_AGENTS,
                "customers": [{"tenantId": CUSTOMER, "dap": {"adminAgents": True}}],
            },
        }
    )
    return emulator


def props(subscription_id: str, principal: str = ADMIN_AGENTS, role: str = catalog.OWNER) -> dict:
    scope = f"/subscriptions/{subscription_id}"
    return {
        "tenantId": CUSTOMER,
        "scope": scope,
        "roleDefinitionId": role_definition_id(scope, role),
        "principalId": principal,
        "principalType": "ForeignGroup",
        "name": deterministic_guid(scope, role, principal),
        "description": "Owner for the CSP partner's adminAgents group (csp-delegation)",
    }


def provision_csp_subscription(alias: str) -> str:
    async def create() -> str:
        conn = connect()
        async with ArmClient(conn.tokens, conn.endpoints, tenant_id=PARTNER) as arm:
            created = await arm.create_alias(
                alias,
                billing_scope=mpa_billing_scope("acct:1_2019-05-31", CUSTOMER),
                display_name=alias,
                poll_interval=0.05,
                timeout=10,
            )
            return created["properties"]["subscriptionId"]

    return asyncio.run(create())


def owner_assignments(emulator, subscription_id: str) -> list[dict]:
    return [
        a
        for a in emulator.control.arm_role_assignments(f"/subscriptions/{subscription_id}", principal_id=ADMIN_AGENTS)
        if a["properties"]["roleDefinitionId"].endswith(catalog.OWNER)
    ]


def test_new_csp_subscription_grant_adopts_microsofts_owner_assignment(world):
    subscription_id = provision_csp_subscription("contoso-prod")
    (automatic,) = owner_assignments(world, subscription_id)  # made by Microsoft with the subscription
    created = PartnerRoleAssignmentProvider().create(props(subscription_id))
    assert created.outs["adopted"] is True
    assert created.id == automatic["id"]
    assert len(owner_assignments(world, subscription_id)) == 1  # adopted, not duplicated, no 409


def test_grant_on_an_existing_subscription_is_created_under_the_deterministic_name(world):
    wanted = props(EXISTING)
    created = PartnerRoleAssignmentProvider().create(wanted)
    assert created.outs["adopted"] is False
    assert created.id.endswith(f"/roleAssignments/{wanted['name']}")
    (assignment,) = owner_assignments(world, EXISTING)
    assert assignment["properties"]["principalType"] == "ForeignGroup"


def test_refresh_sees_a_removed_grant_and_delete_is_idempotent(world):
    provider = PartnerRoleAssignmentProvider()
    created = provider.create(props(EXISTING))
    assert provider.read(created.id, created.outs).id == created.id
    world.control.arm_remove_role_assignment(created.id)  # removed by hand in the portal
    assert provider.read(created.id, created.outs).id is None  # the next up re-creates it
    again = provider.create(props(EXISTING))
    provider.delete(again.id, again.outs)
    provider.delete(again.id, again.outs)
    assert owner_assignments(world, EXISTING) == []


def test_another_principal_holding_the_role_is_not_adopted(world):
    world.control.arm_add_role_assignment(
        f"/subscriptions/{EXISTING}", HELPDESK_AGENTS, "Owner", principal_type="ForeignGroup"
    )
    created = PartnerRoleAssignmentProvider().create(props(EXISTING))
    assert created.outs["adopted"] is False
    assert len(world.control.arm_role_assignments(f"/subscriptions/{EXISTING}")) == 3  # with the UAA above


def test_diff_replaces_on_identity_changes_only():
    provider = PartnerRoleAssignmentProvider()
    olds = props(EXISTING)
    assert provider.diff("id", olds, {**olds, "description": "reworded"}).changes is False
    moved = provider.diff("id", olds, props(EXISTING, principal=HELPDESK_AGENTS))
    assert moved.replaces == ["principalId"] and moved.delete_before_replace
    assert provider.diff("id", olds, props(EXISTING, role=catalog.azure_role_id("Reader"))).replaces == [
        "roleDefinitionId"
    ]
