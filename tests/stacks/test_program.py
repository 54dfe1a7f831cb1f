"""The stack program on Pulumi's mock runtime: what it declares is what Azure needs."""

from __future__ import annotations

import uuid

import pulumi
import pytest

import catalog
from catalog.resource_kinds import PARTNER_ROLE_ASSIGNMENT_TYPE, is_dynamic
from components.naming import deterministic_guid
from stacks.mock_runtime import Unknown
from tests.helpers import ADMIN_AGENTS_ID, HELPDESK_AGENTS_ID, PARTNER_TENANT, dev_raw, run

ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"
ALIAS = "azure-native:subscription:Alias"
GROUP = "azuread:index/group:Group"
MEMBER = "azuread:index/groupMember:GroupMember"
CONTOSO, FABRIKAM, ADATUM = (
    "3a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d",
    "4b9c0d1e-2f3a-4b4c-9d5e-6f7a8b9c0d1e",
    "5c0d1e2f-3a4b-4c5d-8e6f-7a8b9c0d1e2f",
)


@pytest.fixture(scope="module")
def applied():
    return run(dev_raw(), preview=False)


@pytest.fixture(scope="module")
def previewed():
    return run(dev_raw(), preview=True)


def partner_grants(run_):
    """The partner groups' role assignments: the adopting dynamic resource (components/arm_resources.py)."""
    grants = run_.by_type(PARTNER_ROLE_ASSIGNMENT_TYPE)
    assert all(g.name.endswith("-grant") for g in grants)
    return grants


def tenant_of(run_, resource) -> str:
    provider = run_.provider_of(resource)
    assert provider is not None, f"{resource.name} has no explicit provider"
    return provider.inputs["tenantId"]


def test_every_cloud_resource_has_an_explicit_provider_for_the_right_tenant(applied):
    cloud = [
        r
        for r in applied.resources
        if r.custom and not r.type.startswith("pulumi:providers:") and not is_dynamic(r.type)
    ]
    assert len(cloud) == 12 + 2 * 7 + 3  # + two revocation runbooks: 7 resources each (no packages), 1 grant per sub
    for r in cloud:
        tenant = tenant_of(applied, r)
        if r.type in (GROUP, MEMBER, ALIAS):
            assert tenant == PARTNER_TENANT, r.name
        else:
            customer = r.name.split("-")[0]
            assert tenant == {"contoso": CONTOSO, "fabrikam": FABRIKAM, "adatum": ADATUM}[customer], r.name


def test_owner_grants_are_foreign_group_at_subscription_scope(applied):
    grants = partner_grants(applied)
    assert len(grants) == 4
    aliases = {a.name: a for a in applied.by_type(ALIAS)}
    for grant in grants:
        inputs = grant.inputs
        assert inputs["principalType"] == "ForeignGroup"
        assert inputs["principalId"] == ADMIN_AGENTS_ID
        assert inputs["scope"].startswith("/subscriptions/") and inputs["scope"].count("/") == 2
        assert inputs["roleDefinitionId"] == (
            f"{inputs['scope']}/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
        )
        assert inputs["name"] == deterministic_guid(inputs["scope"], catalog.OWNER, ADMIN_AGENTS_ID)
        uuid.UUID(inputs["name"])
        assert grant.delete_before_replace and not grant.protect
        # The grant lives in the customer's tenant: named by the dynamic resource's own input.
        customer = grant.name.split("-")[0]
        assert inputs["tenantId"] == {"contoso": CONTOSO, "fabrikam": FABRIKAM, "adatum": ADATUM}[customer]
    existing = applied.named("fabrikam-6d1e2f3a-4b5c-4d6e-8f7a-8b9c0d1e2f3a-grant")
    assert existing.inputs["scope"] == "/subscriptions/6d1e2f3a-4b5c-4d6e-8f7a-8b9c0d1e2f3a"
    assert set(aliases) == {
        "contoso-contoso-prod-alias",
        "contoso-contoso-dev-alias",
        "adatum-adatum-prod-alias",
    }


def test_new_subscriptions_use_the_mpa_billing_scope_and_are_protected(applied):
    alias = applied.named("contoso-contoso-dev-alias")
    props = alias.inputs["properties"]
    assert alias.inputs["aliasName"] == "contoso-dev"
    assert props["workload"] == "DevTest"
    assert props["billingScope"] == (
        "/providers/Microsoft.Billing/billingAccounts/"
        "99a13315-b3f4-4d5c-8e3a-1c2d3e4f5a6b:0d1e2f3a-4b5c-4d6e-8f7a-9b0c1d2e3f4a_2019-05-31/customers/" + CONTOSO
    )
    assert alias.protect


def test_component_tree_parents(applied):
    grant = applied.named("contoso-contoso-prod-grant")
    subscription = applied.by_urn(grant.parent)
    assert subscription.type == "csp-delegation:subscriptions:CspSubscription"
    assert subscription.name == "contoso-contoso-prod"
    customer = applied.by_urn(subscription.parent)
    assert (customer.type, customer.name) == ("csp-delegation:customers:CustomerTenant", "contoso")
    assert applied.by_urn(applied.named("contoso-contoso-prod-alias").parent) is subscription
    for member in applied.by_type(MEMBER):
        assert applied.by_urn(member.parent).type == "csp-delegation:groups:PartnerAgentGroups"


def test_adopted_groups_are_looked_up_created_groups_are_protected(applied):
    groups = applied.by_type(GROUP)
    assert [g.name for g in groups] == ["partner-groups-tier2Support"]
    created = groups[0]
    assert created.protect
    assert created.inputs["securityEnabled"] is True and created.inputs["mailEnabled"] is False
    assert "members" not in created.inputs  # members are GroupMember resources, never Group.members
    looked_up = [lk.args.get("objectId") for lk in applied.lookups if lk.token.endswith("getGroup")]
    assert sorted(looked_up) == sorted([ADMIN_AGENTS_ID, HELPDESK_AGENTS_ID])
    members = {(m.inputs["groupObjectId"], m.inputs["memberObjectId"]) for m in applied.by_type(MEMBER)}
    assert (ADMIN_AGENTS_ID, "5d2e8f1a-3b4c-4d5e-9f6a-7b8c9d0e1f2a") in members
    assert len(members) == 4
    assert applied.exports["agentGroupIds"]["adminAgents"] == ADMIN_AGENTS_ID


def test_adopt_by_display_name_looks_the_group_up_by_name():
    raw = dev_raw()
    del raw["partner"]["groups"]["adminAgents"]["objectId"]
    result = run(raw)
    by_name = [lk.args for lk in result.lookups if lk.token.endswith("getGroup") and "displayName" in lk.args]
    assert by_name == [{"displayName": "AdminAgents", "securityEnabled": True}]
    assert not any(g.name.endswith("adminAgents") for g in result.by_type(GROUP))


def test_create_mode_declares_admin_agents(applied):
    raw = dev_raw()
    spec = raw["partner"]["groups"]["adminAgents"]
    spec["mode"] = "create"
    del spec["objectId"]
    result = run(raw)
    group = result.named("partner-groups-adminAgents")
    assert group.protect and group.inputs["displayName"] == "AdminAgents"
    for grant in partner_grants(result):
        assert grant.inputs["principalId"] == group.inputs.get("objectId", grant.inputs["principalId"])


def test_preview_shows_new_subscription_values_as_unknown(previewed):
    new_grant = previewed.named("contoso-contoso-prod-grant")
    assert isinstance(new_grant.inputs["scope"], Unknown)
    assert new_grant.inputs["principalId"] == ADMIN_AGENTS_ID  # adopted group: known even in a preview
    existing = previewed.named("fabrikam-6d1e2f3a-4b5c-4d6e-8f7a-8b9c0d1e2f3a-grant")
    assert existing.inputs["scope"] == "/subscriptions/6d1e2f3a-4b5c-4d6e-8f7a-8b9c0d1e2f3a"


def test_lighthouse_delegates_to_the_configured_group_without_owner(applied):
    definitions = applied.by_type("azure-native:managedservices:RegistrationDefinition")
    assert len(definitions) == 2
    for definition in definitions:
        props = definition.inputs["properties"]
        assert props["managedByTenantId"] == PARTNER_TENANT
        roles = {a["roleDefinitionId"] for a in props["authorizations"]}
        assert roles == {
            catalog.azure_role_id("Reader"),
            catalog.azure_role_id("Support Request Contributor"),
            catalog.DELEGATION_DELETE_ROLE,  # by default: the partner can remove its own delegation
        }
        assert catalog.OWNER not in roles
        tier2 = applied.exports["agentGroupIds"]["tier2Support"]
        assert {a["principalId"] for a in props["authorizations"]} == {tier2}
    assert all(a.delete_before_replace for a in applied.by_type("azure-native:managedservices:RegistrationAssignment"))


def test_customer_stack_with_object_ids_declares_no_groups():
    raw = dev_raw()
    del raw["partner"]["groups"]
    raw["partner"]["groupsFrom"] = {"objectIds": {"adminAgents": ADMIN_AGENTS_ID, "helpdeskAgents": HELPDESK_AGENTS_ID}}
    raw["customers"] = [raw["customers"][2]]  # adatum: default GDAP access, one new subscription
    result = run(raw)
    assert not result.by_type("csp-delegation:groups:PartnerAgentGroups")
    assert not result.by_type("pulumi:providers:azuread")
    (grant,) = partner_grants(result)
    assert grant.inputs["principalId"] == ADMIN_AGENTS_ID
    assert "agentGroupIds" not in result.exports


def test_customer_stack_reads_groups_from_the_partner_stack():
    raw = dev_raw()
    del raw["partner"]["groups"]
    raw["partner"]["groupsFrom"] = {"stack": "northwind/csp-delegation/partner"}
    raw["customers"] = [raw["customers"][1]]
    outputs = {
        "northwind/csp-delegation/partner": {"agentGroupIds": {"adminAgents": "aaaaaaaa-0000-4000-8000-000000000001"}}
    }
    result = run(raw, stack_outputs=outputs)
    assert len(result.by_type("pulumi:pulumi:StackReference")) == 1
    (grant,) = partner_grants(result)
    assert grant.inputs["principalId"] == "aaaaaaaa-0000-4000-8000-000000000001"


def test_partner_stack_missing_a_group_fails_with_its_name():
    raw = dev_raw()
    del raw["partner"]["groups"]
    raw["partner"]["groupsFrom"] = {"stack": "northwind/csp-delegation/partner"}
    raw["customers"] = [raw["customers"][1]]
    outputs = {"northwind/csp-delegation/partner": {"agentGroupIds": {"helpdeskAgents": HELPDESK_AGENTS_ID}}}
    with pytest.raises(pulumi.RunError, match="'adminAgents' is not in stack northwind/csp-delegation/partner"):
        run(raw, stack_outputs=outputs)


def test_config_error_declares_nothing():
    raw = dev_raw()
    raw["customers"][0]["gdap"]["roles"][0] = "Global Admin"
    with pytest.raises(pulumi.RunError, match=r"customers\[0\]\.gdap\.roles\[0\]"):
        run(raw)


def test_assignment_names_are_stable_and_follow_the_principal(applied):
    again = run(dev_raw())
    names = lambda r: sorted(g.inputs["name"] for g in partner_grants(r))  # noqa: E731
    assert names(applied) == names(again)
    raw = dev_raw()
    raw["partner"]["groups"]["adminAgents"]["objectId"] = "9f9f9f9f-0000-4000-8000-000000000000"
    moved = run(raw)
    assert set(names(moved)).isdisjoint(names(applied))


def test_exports_summarise_each_customer(applied):
    customers = applied.exports["customers"]
    assert set(customers) == {"contoso", "fabrikam", "adatum"}
    assert customers["fabrikam"]["subscriptionIds"] == {
        "6d1e2f3a-4b5c-4d6e-8f7a-8b9c0d1e2f3a": "6d1e2f3a-4b5c-4d6e-8f7a-8b9c0d1e2f3a"
    }
    assert customers["contoso"]["delegation"]["mode"] == "gdap" and customers["contoso"]["lighthouse"] is True
    dap = customers["fabrikam"]["delegation"]
    assert dap["invitationLink"] == (
        "https://admin.microsoft.com/Adminportal/Home?invType=ResellerRelationship"
        "&partnerId=7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f&msppId=0&DAP=true#/BillingAccounts/partner-invitation"
    )
    assert dap["invitationLink"] in dap["emailDraft"] and "2023-10-09" in dap["emailDraft"]
    assert len(customers["contoso"]["subscriptionIds"]) == 2


def test_every_explicit_provider_has_something_under_it(applied):
    """A provider with nothing under it is a process Pulumi starts for nothing (and a question for the reader)."""
    used = {r.provider.rsplit("::", 1)[0] for r in applied.resources if r.provider}
    used |= {lk.provider.rsplit("::", 1)[0] for lk in applied.lookups if lk.provider}
    providers = [r for r in applied.resources if r.type.startswith("pulumi:providers:")]
    assert providers and [p.name for p in providers if p.urn not in used] == []
