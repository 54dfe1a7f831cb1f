"""Lighthouse delegations as the customer sees and removes them, and CSP subscription aliases
(Accepted -> Succeeded, bounded polling, AdminAgents as Owner on the new subscription)."""

from __future__ import annotations

import uuid

import pytest

from azure_http import BadRequest, Forbidden, NotFound, WaitTimeout
from tests.arm_scenario import (
    ADMIN_AGENTS,
    CONTOSO,
    CONTRIBUTOR,
    DEV,
    HELPDESK_AGENTS,
    LH_ASSIGNMENT,
    LH_DEFINITION,
    OWNER,
    PARTNER,
    PROD,
    READER,
    SUB_DEV,
    SUB_PROD,
    arm,
    collect,
    scenario,
)

pytestmark = pytest.mark.anyio

LH_ASSIGNMENT_ID = f"{DEV}/providers/Microsoft.ManagedServices/registrationAssignments/{LH_ASSIGNMENT}"
LH_DEFINITION_ID = f"{DEV}/providers/Microsoft.ManagedServices/registrationDefinitions/{LH_DEFINITION}"
BILLING = "/providers/Microsoft.Billing/billingAccounts/nw-mpa:12345678_2019-05-31/customers/" + CONTOSO
USER_ACCESS_ADMINISTRATOR = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"


@pytest.fixture
def world(emulator):
    emulator.control.reset(scenario())
    return emulator


# -- Lighthouse -----------------------------------------------------------------------------------
async def test_customer_sees_who_manages_a_subscription(world) -> None:
    async with arm(world) as customer:
        expanded = await collect(customer.list_registration_assignments(DEV))
        plain = await collect(customer.list_registration_assignments(DEV, expand_definition=False))
        assert await collect(customer.list_registration_assignments(PROD)) == []
        subs = {s["subscriptionId"]: s for s in await collect(customer.list_subscriptions())}
    [assignment] = expanded
    assert (
        assignment["id"] == LH_ASSIGNMENT_ID
        and assignment["type"] == "Microsoft.ManagedServices/registrationAssignments"
    )
    props = assignment["properties"]
    assert props["registrationDefinitionId"] == LH_DEFINITION_ID and props["provisioningState"] == "Succeeded"
    definition = props["registrationDefinition"]["properties"]
    assert definition["managedByTenantId"] == PARTNER and definition["managedByTenantName"] == "Northwind CSP"
    assert (
        definition["manageeTenantId"] == CONTOSO
        and definition["registrationDefinitionName"] == "Northwind managed services"
    )
    assert definition["authorizations"] == [
        {"principalId": HELPDESK_AGENTS, "principalIdDisplayName": "HelpdeskAgents", "roleDefinitionId": READER}
    ]
    assert "registrationDefinition" not in plain[0]["properties"]
    assert subs[SUB_DEV]["managedByTenants"] == [{"tenantId": PARTNER}]
    assert subs[SUB_PROD]["managedByTenants"] == []


async def test_the_managing_tenant_reaches_a_delegated_subscription(world) -> None:
    async with arm(world, tenant_id=PARTNER) as partner:
        assert [s["subscriptionId"] for s in await collect(partner.list_subscriptions())] == [SUB_DEV]
        assert await collect(partner.list_role_assignments(DEV, at_scope=True))
        with pytest.raises(Exception) as refused:
            await partner.get_subscription(SUB_PROD)
    assert getattr(refused.value, "code", None) == "InvalidAuthenticationTokenTenant"


async def test_removing_a_delegation_is_idempotent_and_ends_access(world) -> None:
    async with arm(world) as customer:
        assert await customer.delete_registration_assignment(LH_ASSIGNMENT_ID) is True
        assert await customer.delete_registration_assignment(LH_ASSIGNMENT_ID) is False
        assert await collect(customer.list_registration_assignments(DEV)) == []
        with pytest.raises(NotFound):
            await customer.get_registration_assignment(LH_ASSIGNMENT_ID)
        # The definition stays until removed on its own.
        assert (await customer.get_registration_definition(LH_DEFINITION_ID))["name"] == LH_DEFINITION
        assert await customer.delete_registration_definition(LH_DEFINITION_ID) is True
        sub = await customer.get_subscription(SUB_DEV)
    assert sub["managedByTenants"] == []
    async with arm(world, tenant_id=PARTNER) as partner:
        assert await collect(partner.list_subscriptions()) == []


OTHER_MSP = "0e000000-0000-4000-8000-0000000000e1"


@pytest.mark.parametrize("path", ["registrationAssignments", "registrationDefinitions"])
async def test_lighthouse_lists_honour_the_documented_managed_by_tenant_filter(world, path) -> None:
    """Azure/azure-rest-api-specs managedservices 2022-10-01: ``$filter`` on both lists, with the examples'
    ``managedByTenantId eq '{id}'`` and ``managedByTenantId in (...)``; the emulator used to ignore it."""
    url = f"{DEV}/providers/Microsoft.ManagedServices/{path}"

    async def listed(where: str) -> list[str]:
        params = {"api-version": "2022-10-01", "$filter": where}
        return [item["name"] async for item in customer.paginate(url, params=params)]

    async with arm(world) as customer:
        assert len(await listed(f"managedByTenantId eq '{PARTNER}'")) == 1
        assert await listed(f"managedByTenantId eq '{OTHER_MSP}'") == []
        assert len(await listed(f"managedByTenantId in ({OTHER_MSP}, {PARTNER})")) == 1
        assert await listed(f"managedByTenantId in ({OTHER_MSP})") == []
        with pytest.raises(BadRequest) as refused:
            await listed("registrationDefinitionName eq 'x'")
    assert refused.value.code == "UnsupportedQueryFilter"


async def test_onboarding_a_delegation_and_its_rules(world) -> None:
    definition_id, assignment_id = str(uuid.uuid4()), str(uuid.uuid4())
    auth = [
        {"principalId": HELPDESK_AGENTS, "principalIdDisplayName": "HelpdeskAgents", "roleDefinitionId": CONTRIBUTOR}
    ]
    async with arm(world) as customer:
        d = await customer.create_registration_definition(
            PROD, definition_id, name="Tier 2", managed_by_tenant_id=PARTNER, authorizations=auth
        )
        a = await customer.create_registration_assignment(f"{PROD}/resourceGroups/app", assignment_id, d["id"])
        listed = await collect(customer.list_registration_assignments(PROD))  # includes resource group ones
        with pytest.raises(BadRequest) as owner:
            await customer.create_registration_definition(
                PROD,
                str(uuid.uuid4()),
                name="x",
                managed_by_tenant_id=PARTNER,
                authorizations=[{"principalId": HELPDESK_AGENTS, "roleDefinitionId": OWNER}],
            )
        with pytest.raises(BadRequest) as uaa:
            await customer.create_registration_definition(
                PROD,
                str(uuid.uuid4()),
                name="x",
                managed_by_tenant_id=PARTNER,
                authorizations=[{"principalId": HELPDESK_AGENTS, "roleDefinitionId": USER_ACCESS_ADMINISTRATOR}],
            )
        with pytest.raises(NotFound):
            await customer.create_registration_assignment(PROD, str(uuid.uuid4()), LH_DEFINITION_ID)  # dev's
    assert d["properties"]["managedByTenantId"] == PARTNER and d["properties"]["provisioningState"] == "Succeeded"
    assert a["properties"]["registrationDefinitionId"] == d["id"]
    assert listed[0]["properties"]["registrationDefinition"]["properties"]["authorizations"] == auth
    assert [x["name"] for x in listed] == [assignment_id]
    assert "Owner" in owner.value.message and "delegatedRoleDefinitionIds" in uaa.value.message


# -- subscription aliases ---------------------------------------------------------------------------
async def test_alias_is_accepted_then_succeeds_with_admin_agents_as_owner(world) -> None:
    world.control.settings(alias_provisioning_delay=0.3)
    async with arm(world, tenant_id=PARTNER) as partner:
        accepted = await partner.create_alias(
            "contoso-new", billing_scope=BILLING, display_name="Contoso New", workload="DevTest", wait=False
        )
        assert accepted["properties"]["provisioningState"] == "Accepted"
        assert accepted["properties"]["subscriptionId"] is None
        assert accepted["id"] == "/providers/Microsoft.Subscription/aliases/contoso-new"
        done = await partner.wait_for_alias("contoso-new", timeout=5, poll_interval=0.05)
        again = await partner.create_alias("contoso-new", billing_scope=BILLING, display_name="Contoso New")
    props = done["properties"]
    assert (
        props["provisioningState"] == "Succeeded"
        and props["billingScope"] == BILLING
        and props["workload"] == "DevTest"
    )
    sub_id = props["subscriptionId"]
    assert again["properties"]["subscriptionId"] == sub_id  # idempotent PUT: the same subscription
    polls = [r for r in world.control.requests("/arm/providers/Microsoft.Subscription/aliases", "GET")]
    assert len(polls) >= 2  # it really polled
    async with arm(world) as customer:
        sub = await customer.get_subscription(sub_id)
        grants = await collect(customer.list_role_assignments(f"/subscriptions/{sub_id}", at_scope=True))
    assert sub["tenantId"] == CONTOSO and sub["displayName"] == "Contoso New"
    assert [(g["properties"]["principalId"], g["properties"]["principalType"]) for g in grants] == [
        (ADMIN_AGENTS, "ForeignGroup")
    ]
    assert grants[0]["properties"]["roleDefinitionId"].endswith(OWNER)


async def test_a_subscription_is_invisible_until_its_alias_succeeds(world) -> None:
    world.control.settings(alias_provisioning_delay=3600)
    async with arm(world, tenant_id=PARTNER) as partner:
        accepted = await partner.create_alias("slow", billing_scope=BILLING, display_name="Slow", wait=False)
        with pytest.raises(WaitTimeout) as caught:
            await partner.wait_for_alias("slow", timeout=0.2, poll_interval=0.05)
    assert "'Accepted'" in str(caught.value)
    assert accepted["properties"]["provisioningState"] == "Accepted"
    sub_id = world.control.state()["arm"]["aliases"][0]["properties"]["subscriptionId"]
    assert sub_id is None
    async with arm(world) as customer:
        assert len(await collect(customer.list_subscriptions())) == 2
    world.control.advance(3600)
    async with arm(world) as customer:
        assert len(await collect(customer.list_subscriptions())) == 3


async def test_alias_errors(world) -> None:
    async with arm(world) as customer_token:
        with pytest.raises(Forbidden):
            await customer_token.create_alias("nope", billing_scope=BILLING, display_name="x")
    async with arm(world, tenant_id=PARTNER) as partner:
        with pytest.raises(NotFound) as unknown:
            await partner.create_alias(
                "nope", billing_scope=BILLING.replace(CONTOSO, str(uuid.uuid4())), display_name="x"
            )
        with pytest.raises(BadRequest) as shape:
            await partner.create_alias("nope", billing_scope="/providers/Microsoft.Billing/x", display_name="x")
        with pytest.raises(NotFound):
            await partner.get_alias("never-made")
    assert unknown.value.code == "BillingScopeNotFound" and shape.value.code == "InvalidBillingScope"
