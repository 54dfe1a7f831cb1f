"""Azure's permission model in the ARM emulator (strict, the default): who sees and does what, and when it stops.

The world: a partner whose operator (the emulator's default principal) is in AdminAgents; Contoso reached
through an active GDAP relationship (AdminAgents mapped), Fabrikam through DAP, Adatum through nothing.
Each has a subscription where AdminAgents is Owner (the CSP grant); Contoso has a second one it does not.
"""

from __future__ import annotations

import httpx
import pytest

from azure_http import EmulatorTokens, Forbidden, Unauthorized
from azure_http.emulator_tokens import DEFAULT_EMULATOR_PRINCIPAL
from components.revocation_runbook import REMOVAL_ACTIONS
from emulator.arm.authz import DEFAULT_OPERATOR
from tests.arm_scenario import arm, collect

pytestmark = pytest.mark.anyio

PARTNER = "00000000-0000-4000-8000-00000000a001"
CONTOSO = "c0000000-0000-4000-8000-000000000011"
FABRIKAM = "c0000000-0000-4000-8000-000000000012"
ADATUM = "c0000000-0000-4000-8000-000000000013"
ADMIN_AGENTS = "aa000000-0000-4000-8000-000000000011"
HELPDESK_AGENTS = "aa000000-0000-4000-8000-000000000012"
AZURE_MANAGERS = "aa000000-0000-4000-8000-000000000013"
CONTOSO_ADMIN = "a1000000-0000-4000-8000-000000000011"
FABRIKAM_ADMIN = "a1000000-0000-4000-8000-000000000012"
S_CONTOSO = "5b000000-0000-4000-8000-000000000011"
S_CONTOSO_OWN = "5b000000-0000-4000-8000-000000000012"
S_FABRIKAM = "5b000000-0000-4000-8000-000000000013"
S_ADATUM = "5b000000-0000-4000-8000-000000000014"
S_DISABLED = "5b000000-0000-4000-8000-000000000015"
DIRECTORY_READERS = "88d8e3e3-8f55-4a1e-953a-9b9898b8876b"
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
RA = "providers/Microsoft.Authorization/roleAssignments"
ROOT_NAME = "0a000000-0000-4000-8000-0000000000ff"


def sub(s: str) -> str:
    return f"/subscriptions/{s}"


def owner_of_admin_agents(subscription: str) -> dict:
    return {"scope": sub(subscription), "principalId": ADMIN_AGENTS, "role": "Owner", "principalType": "ForeignGroup"}


def world_scenario(**settings) -> dict:
    return {
        "partner_tenant_id": PARTNER,
        "settings": settings,
        "partner_center": {
            "admin_agents_group_id": ADMIN_AGENTS,
            "helpdesk_agents_group_id": HELPDESK_AGENTS,
            "customers": [
                {"tenantId": CONTOSO, "companyName": "Contoso"},
                {"tenantId": FABRIKAM, "companyName": "Fabrikam", "dap": True},
                {"tenantId": ADATUM, "companyName": "Adatum"},
            ],
        },
        "gdap": {
            "relationships": [
                {
                    "id": "rel-contoso",
                    "displayName": "contoso-gdap",
                    "customer": {"tenantId": CONTOSO, "displayName": "Contoso"},
                    "status": "active",
                    "roles": [DIRECTORY_READERS],
                    "accessAssignments": [{"groupId": ADMIN_AGENTS, "roles": [DIRECTORY_READERS]}],
                }
            ]
        },
        "arm": {
            "principals": [
                {"id": CONTOSO_ADMIN, "kind": "User", "tenant": CONTOSO, "displayName": "admin@contoso"},
                {"id": FABRIKAM_ADMIN, "kind": "User", "tenant": FABRIKAM, "displayName": "admin@fabrikam"},
                {"id": AZURE_MANAGERS, "kind": "Group", "tenant": PARTNER, "displayName": "Azure Managers"},
            ],
            "subscriptions": [
                {"id": S_CONTOSO, "tenant": CONTOSO, "displayName": "Contoso CSP"},
                {"id": S_CONTOSO_OWN, "tenant": CONTOSO, "displayName": "Contoso own"},
                {"id": S_FABRIKAM, "tenant": FABRIKAM, "displayName": "Fabrikam CSP"},
                {"id": S_ADATUM, "tenant": ADATUM, "displayName": "Adatum CSP"},
                {"id": S_DISABLED, "tenant": CONTOSO, "displayName": "Contoso old", "state": "Disabled"},
            ],
            "role_assignments": [
                owner_of_admin_agents(S_CONTOSO),
                owner_of_admin_agents(S_FABRIKAM),
                owner_of_admin_agents(S_ADATUM),
                {"scope": "/", "tenant": CONTOSO, "principalId": CONTOSO_ADMIN, "role": "User Access Administrator"},
                {"scope": sub(S_CONTOSO_OWN), "principalId": CONTOSO_ADMIN, "role": "Owner"},
                {"scope": sub(S_DISABLED), "principalId": CONTOSO_ADMIN, "role": "Owner"},
            ],
        },
    }


@pytest.fixture
def world(emulator):
    emulator.control.reset(world_scenario())
    return emulator


def as_customer_admin(emulator, tenant: str = CONTOSO, principal: str = CONTOSO_ADMIN):
    return arm(emulator, tenant, tokens=EmulatorTokens(principal))


async def subscription_ids(client) -> list[str]:
    return [s["subscriptionId"] for s in await collect(client.list_subscriptions())]


def test_the_default_emulator_principal_is_the_partners_operator():
    assert DEFAULT_OPERATOR == DEFAULT_EMULATOR_PRINCIPAL


async def test_a_partner_sees_and_acts_only_where_a_role_reaches_it(world):
    async with arm(world, CONTOSO) as contoso:
        assert await subscription_ids(contoso) == [S_CONTOSO]
        listed = await collect(contoso.list_role_assignments(sub(S_CONTOSO)))  # with the one at / above it
        assert {a["properties"]["principalId"] for a in listed} == {ADMIN_AGENTS, CONTOSO_ADMIN}
        with pytest.raises(Forbidden) as refused:
            await collect(contoso.list_role_assignments(sub(S_CONTOSO_OWN)))
        with pytest.raises(Forbidden):
            await contoso.get_subscription(S_CONTOSO_OWN)
    assert refused.value.code == "AuthorizationFailed"
    assert "microsoft.authorization/roleassignments/read" in refused.value.message
    async with arm(world, ADATUM) as adatum:  # no DAP, no GDAP: its Owner grant is there but unusable
        assert await subscription_ids(adatum) == []
        with pytest.raises(Forbidden):
            await collect(adatum.list_role_assignments(sub(S_ADATUM)))


async def test_the_refusal_has_azures_error_shape(world):
    response = httpx.get(
        f"{world.url}/arm/subscriptions/{S_CONTOSO_OWN}/{RA}",
        params={"api-version": "2022-04-01"},
        headers={"Authorization": f"Bearer {await EmulatorTokens().get_token('arm', CONTOSO)}"},
    )
    assert response.status_code == 403
    error = response.json()["error"]
    assert set(error) == {"code", "message"} and error["code"] == "AuthorizationFailed"
    assert error["message"].startswith(f"The client '{DEFAULT_OPERATOR}' with object id '{DEFAULT_OPERATOR}'")


async def test_listing_at_the_tenant_root_needs_elevated_access(world):
    async with arm(world, CONTOSO) as partner:
        with pytest.raises(Forbidden) as refused:
            await collect(partner.list_role_assignments("/", principal_id=ADMIN_AGENTS))
    assert refused.value.code == "AuthorizationFailed" and "over scope '/'" in refused.value.message
    async with as_customer_admin(world) as elevated:  # User Access Administrator at / (elevated access)
        listed = await collect(elevated.list_role_assignments("/", principal_id=ADMIN_AGENTS))
    assert {a["properties"]["scope"] for a in listed} == {sub(S_CONTOSO)}


async def test_root_assignments_are_per_tenant(world):
    for tenant in (CONTOSO, FABRIKAM):  # the same name at / in two tenants: two assignments
        world.control.arm_seed(
            {
                "role_assignments": [
                    {
                        "scope": "/",
                        "tenant": tenant,
                        "principalId": HELPDESK_AGENTS,
                        "role": "Reader",
                        "name": ROOT_NAME,
                    }
                ]
            }
        )
    root_id = f"/{RA}/{ROOT_NAME}"
    assert len([a for a in world.control.arm_role_assignments() if a["id"] == root_id]) == 2
    async with as_customer_admin(world) as contoso:
        assert (await contoso.delete_role_assignment(root_id))["id"] == root_id
        assert await contoso.delete_role_assignment(root_id) is None  # gone in Contoso
    fabrikam_root = world.control.arm_role_assignments("/", tenant=FABRIKAM)
    assert [a["id"] for a in fabrikam_root if a["properties"]["principalId"] == HELPDESK_AGENTS] == [root_id]


async def test_a_token_acts_in_its_own_tenant_only(world):
    async with arm(world, CONTOSO) as contoso:
        with pytest.raises(Unauthorized) as refused:
            await collect(contoso.list_role_assignments(sub(S_FABRIKAM)))
    assert refused.value.code == "InvalidAuthenticationTokenTenant"


async def test_removing_the_owner_that_gives_the_right_makes_the_next_delete_403(world):
    scope = sub(S_CONTOSO)
    async with arm(world, CONTOSO) as partner:
        reader = await partner.create_role_assignment(
            scope, "0c000000-0000-4000-8000-000000000001", READER, HELPDESK_AGENTS, "ForeignGroup"
        )
        owner = next(
            a
            for a in await collect(partner.list_role_assignments(scope))
            if a["properties"]["principalId"] == ADMIN_AGENTS
        )
        assert (await partner.delete_role_assignment(owner["id"]))["id"] == owner["id"]
        with pytest.raises(Forbidden) as refused:
            await partner.delete_role_assignment(reader["id"])
    assert "roleassignments/delete" in refused.value.message
    assert reader["id"] in {a["id"] for a in world.control.arm_role_assignments(scope)}


async def test_gdap_termination_and_dap_removal_end_the_partners_reach(world):
    async with arm(world, CONTOSO) as contoso, arm(world, FABRIKAM) as fabrikam:
        assert await subscription_ids(contoso) == [S_CONTOSO]
        assert await subscription_ids(fabrikam) == [S_FABRIKAM]
        world.control.set_relationship("rel-contoso", status="terminated")
        world.control.pc_set_dap(FABRIKAM, admin_agents=False, helpdesk_agents=False)
        for client, subscription in ((contoso, S_CONTOSO), (fabrikam, S_FABRIKAM)):
            assert await subscription_ids(client) == []
            with pytest.raises(Forbidden):
                await collect(client.list_role_assignments(sub(subscription)))
    # Azure keeps the grants themselves: removing DAP or GDAP does not remove RBAC.
    assert len(world.control.arm_role_assignments(sub(S_CONTOSO), principal_id=ADMIN_AGENTS)) == 1


async def test_a_group_nested_in_admin_agents_reaches_through_its_own_gdap_assignment(emulator):
    """Microsoft's Azure-with-GDAP pattern: users in "Azure Managers", nested in AdminAgents, mapped in GDAP."""
    scenario = world_scenario()
    relationship = scenario["gdap"]["relationships"][0]
    relationship["accessAssignments"] = [{"groupId": AZURE_MANAGERS, "roles": [DIRECTORY_READERS]}]
    scenario["arm"]["group_members"] = {AZURE_MANAGERS: [DEFAULT_OPERATOR], ADMIN_AGENTS: [AZURE_MANAGERS]}
    emulator.control.reset(scenario)
    async with arm(emulator, CONTOSO) as manager:
        assert await subscription_ids(manager) == [S_CONTOSO]
    scenario["arm"]["group_members"] = {ADMIN_AGENTS: [AZURE_MANAGERS]}  # the operator is in neither group
    emulator.control.reset(scenario)
    async with arm(emulator, CONTOSO) as outsider:
        assert await subscription_ids(outsider) == []


async def test_lighthouse_reach_follows_the_definitions_authorizations(world):
    async with as_customer_admin(world) as customer:
        definition = await customer.create_registration_definition(
            sub(S_CONTOSO_OWN),
            "d0000000-0000-4000-8000-000000000011",
            name="Partner support",
            managed_by_tenant_id=PARTNER,
            authorizations=[{"principalId": HELPDESK_AGENTS, "roleDefinitionId": READER}],
        )
        await customer.create_registration_assignment(
            sub(S_CONTOSO_OWN), "d1000000-0000-4000-8000-000000000011", definition["id"]
        )
    async with arm(world, PARTNER) as managing:  # the partner's own tenant: Lighthouse projects the subscription
        assert await subscription_ids(managing) == [S_CONTOSO_OWN]
        own = await collect(managing.list_role_assignments(sub(S_CONTOSO_OWN)))
        with pytest.raises(Forbidden):  # Reader reads, and no more
            await managing.delete_role_assignment(own[0]["id"])


DELEGATION_DELETE_ROLE = "91c1777a-f3dc-4fae-b103-61d183457e46"
CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"
DELETE_ONLY_ROLE = "0d000000-0000-4000-8000-0000000000d1"
"""A custom role with the delete action but not ``roleAssignments/write`` (the revocation runbook's old one)."""


async def delegate(world, authorizations: list[dict], n: int = 1) -> str:
    """Contoso's admin delegates its own subscription to the partner; the assignment's id."""
    async with as_customer_admin(world) as customer:
        definition = await customer.create_registration_definition(
            sub(S_CONTOSO_OWN),
            f"d0000000-0000-4000-8000-00000000002{n}",
            name="Partner operations",
            managed_by_tenant_id=PARTNER,
            authorizations=authorizations,
        )
        assignment = await customer.create_registration_assignment(
            sub(S_CONTOSO_OWN), f"d1000000-0000-4000-8000-00000000002{n}", definition["id"]
        )
    return assignment["id"]


async def test_a_managing_tenant_removes_a_delegation_only_with_the_delete_role(world):
    """learn.microsoft.com/azure/lighthouse/how-to/remove-delegation: without the Managed Services Registration
    Assignment Delete Role in the offer, only the customer's tenant can remove the delegation, Contributor or not."""
    assignment = await delegate(world, [{"principalId": ADMIN_AGENTS, "roleDefinitionId": CONTRIBUTOR}])
    async with arm(world, PARTNER) as managing:
        with pytest.raises(Forbidden) as refused:
            await managing.delete_registration_assignment(assignment)
    assert refused.value.code == "AuthorizationFailed"
    assert "microsoft.managedservices/registrationassignments/delete" in refused.value.message
    assert await delegate(world, [{"principalId": ADMIN_AGENTS, "roleDefinitionId": CONTRIBUTOR}]) == assignment

    granted = await delegate(
        world,
        [
            {"principalId": ADMIN_AGENTS, "roleDefinitionId": READER},
            {"principalId": ADMIN_AGENTS, "roleDefinitionId": DELEGATION_DELETE_ROLE},
        ],
        n=2,
    )
    async with arm(world, PARTNER) as managing:
        assert await managing.delete_registration_assignment(assignment) is True  # the role reaches the scope
        assert await managing.delete_registration_assignment(granted) is True


async def test_a_customer_removes_a_delegation_only_with_role_assignments_write(emulator):
    """The same page: in the customer's tenant, a role with ``Microsoft.Authorization/roleAssignments/write``
    (such as Owner); the delete action alone is not enough."""
    scenario = world_scenario()
    scenario["arm"]["principals"].append(
        {"id": FABRIKAM_ADMIN.replace("a1", "a2"), "kind": "ServicePrincipal", "tenant": CONTOSO, "displayName": "rb"}
    )
    runbook = FABRIKAM_ADMIN.replace("a1", "a2")
    scenario["arm"]["role_definitions"] = [
        {
            "id": DELETE_ONLY_ROLE,
            "actions": [
                "Microsoft.ManagedServices/registrationAssignments/read",
                "Microsoft.ManagedServices/registrationAssignments/delete",
            ],
        }
    ]
    scenario["arm"]["role_assignments"].append(
        {"scope": sub(S_CONTOSO_OWN), "principalId": runbook, "role": DELETE_ONLY_ROLE}
    )
    emulator.control.reset(scenario)
    assignment = await delegate(emulator, [{"principalId": ADMIN_AGENTS, "roleDefinitionId": READER}])
    async with as_customer_admin(emulator, principal=runbook) as identity:
        with pytest.raises(Forbidden) as refused:
            await identity.delete_registration_assignment(assignment)
    assert "microsoft.authorization/roleassignments/write" in refused.value.message
    async with as_customer_admin(emulator) as owner:
        assert await owner.delete_registration_assignment(assignment) is True


async def test_the_revocation_runbooks_role_removes_a_delegation(emulator):
    """The customer's runbook identity holds ``REMOVAL_ACTIONS`` (its custom role): enough in Azure's rule."""
    runbook = "a2000000-0000-4000-8000-000000000099"
    scenario = world_scenario()
    scenario["arm"]["principals"].append({"id": runbook, "kind": "ServicePrincipal", "tenant": CONTOSO})
    scenario["arm"]["role_definitions"] = [{"id": DELETE_ONLY_ROLE, "actions": REMOVAL_ACTIONS}]
    scenario["arm"]["role_assignments"].append(
        {"scope": sub(S_CONTOSO_OWN), "principalId": runbook, "role": DELETE_ONLY_ROLE}
    )
    emulator.control.reset(scenario)
    assignment = await delegate(emulator, [{"principalId": ADMIN_AGENTS, "roleDefinitionId": READER}])
    async with as_customer_admin(emulator, principal=runbook) as identity:
        assert await identity.delete_registration_assignment(assignment) is True


async def test_a_disabled_subscription_is_read_only(world):
    async with as_customer_admin(world) as customer:
        assert len(await collect(customer.list_role_assignments(sub(S_DISABLED), at_scope=True))) == 2  # with /
        with pytest.raises(Exception) as refused:
            await customer.create_role_assignment(
                sub(S_DISABLED), "0c000000-0000-4000-8000-000000000002", READER, CONTOSO_ADMIN, "User"
            )
    assert refused.value.status == 409 and refused.value.code == "ReadOnlyDisabledSubscription"


async def test_a_deleted_assignment_stays_listed_for_the_configured_delay(emulator):
    """ARM's listings are eventually consistent: a deleted assignment still shows for ``arm_list_delay``."""
    emulator.control.reset(world_scenario(arm_list_delay=30))
    scope = sub(S_CONTOSO_OWN)
    async with as_customer_admin(emulator) as customer:  # still User Access Administrator at / afterwards

        def at_subscription(items: list[dict]) -> list[str]:
            return [a["id"] for a in items if a["properties"]["scope"] == scope]

        (mine,) = at_subscription(await collect(customer.list_role_assignments(scope)))
        await customer.delete_role_assignment(mine)
        assert at_subscription(await collect(customer.list_role_assignments(scope))) == [mine]
        emulator.control.advance(29)
        assert at_subscription(await collect(customer.list_role_assignments(scope))) == [mine]
        emulator.control.advance(2)
        assert at_subscription(await collect(customer.list_role_assignments(scope))) == []


async def test_permissive_mode_is_an_explicit_opt_in(emulator):
    emulator.control.reset(world_scenario(arm_authorization="permissive"))
    async with arm(emulator, ADATUM) as adatum:
        assert await subscription_ids(adatum) == [S_ADATUM]
    with pytest.raises(Exception, match="arm_authorization"):
        emulator.control.reset(world_scenario(arm_authorization="lenient"))


async def test_a_customer_reads_its_service_providers_from_its_cross_tenant_access_policy(world):
    """What a customer sees of its partners without the partner: isServiceProvider entries, while DAP or a
    GDAP relationship links them; the runbook lists them in its report."""
    from azure_http import Endpoints, GraphClient
    from runbooks.audit import Clients, Target, audit
    from runbooks.report import audit_markdown

    async def providers(tenant: str, principal: str) -> list[dict]:
        async with GraphClient(EmulatorTokens(principal), Endpoints.emulator(world.url), tenant_id=tenant) as graph:
            return [p async for p in graph.list_cross_tenant_partners()]

    assert [(p["tenantId"], p["isServiceProvider"]) for p in await providers(CONTOSO, CONTOSO_ADMIN)] == [
        (PARTNER, True)
    ]
    assert [p["tenantId"] for p in await providers(FABRIKAM, FABRIKAM_ADMIN)] == [PARTNER]
    assert await providers(ADATUM, CONTOSO_ADMIN) == []
    world.control.set_relationship("rel-contoso", status="terminated")
    assert await providers(CONTOSO, CONTOSO_ADMIN) == []

    world.control.pc_set_dap(FABRIKAM, admin_agents=False, helpdesk_agents=False)
    world.control.pc_set_dap(CONTOSO, admin_agents=True)
    target = Target.for_partner(CONTOSO, PARTNER, [ADMIN_AGENTS])
    endpoints = Endpoints.emulator(world.url)
    async with (
        as_customer_admin(world) as arm,
        GraphClient(EmulatorTokens(CONTOSO_ADMIN), endpoints, tenant_id=CONTOSO) as graph,
    ):
        report = await audit(target, Clients(arm=arm, customer_graph=graph))
    assert report.service_providers == [PARTNER]
    assert f"- `{PARTNER}`" in audit_markdown(report)
