"""The shapes of a real estate the import must keep as they are or report (issue: adoption is a round trip):
Lighthouse at resource-group scope and with eligible authorizations, relationships with tenants that have no
contract, groups the reading identity is not in, Graph's ``P2Y``, a relationship never sent to the customer."""

from __future__ import annotations

import dataclasses

from azure_http import gdap
from azure_http.models import AccessAssignment
from emulator.worlds.brownfield import PARTNER_TENANT, TIER2_SUPPORT
from estate.importer import ImportOptions, plan_import
from estate.model import Estate, Relationship
from estate.translate import NOT_EXPRESSED, NOTE, SKIPPED, PartnerInfo, translate_customer
from estate.writer import index_project
from runbooks.audit import _lighthouse_grant
from tests.estate.test_import_estate import lighthouse_customer

ADMIN_AGENTS = "0b6c4e1a-2d3f-4a5b-9c6d-7e8f9a0b1c2d"
CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"
SUB = "11111111-2222-4333-8444-555555555555"


def partner() -> PartnerInfo:
    return PartnerInfo(
        PARTNER_TENANT, "7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f", "Northwind",
        {"adminAgents": ADMIN_AGENTS, "tier2Support": TIER2_SUPPORT},
    )  # fmt: skip


def relationship(status: str = "active", *, groups: tuple[str, ...] = (), duration: str = "P730D", **kw):
    access = tuple(
        AccessAssignment(id=f"a-{g[:4]}", group_id=g, role_ids=("x",), status="active", etag=None) for g in groups
    )
    return Relationship(
        id=kw.get("id", "r-1"),
        display_name=kw.get("name", "contoso-gdap"),
        status=status,
        customer_tenant_id=kw.get("tenant", "dddddddd-0000-4000-8000-000000000004"),
        customer_display_name=kw.get("entra"),
        role_ids=("88d8e3e3-8f55-4a1e-953a-9b9898b8876b",),
        duration=duration,
        access=access,
    )


def with_delegation(**changes):
    customer = lighthouse_customer([TIER2_SUPPORT])
    (d,) = customer.azure.lighthouse
    return dataclasses.replace(
        customer, azure=dataclasses.replace(customer.azure, lighthouse=(dataclasses.replace(d, **changes),))
    )


def test_a_resource_group_delegation_is_reported_never_adopted_as_the_subscriptions():
    rg = f"/subscriptions/{SUB}/resourceGroups/rg-app"
    customer = with_delegation(
        scope=rg,
        assignment_id=f"{rg}/providers/Microsoft.ManagedServices/registrationAssignments/bbbbbbbb-0000-4000-8000-00000000000b",
    )
    result = translate_customer(customer, partner(), "contoso")
    assert "lighthouse" not in result.entry
    assert all("adoptLighthouse" not in s for s in result.entry["existingSubscriptions"])
    (finding,) = [f for f in result.findings if f.kind == "Lighthouse scope"]
    assert finding.severity == NOT_EXPRESSED and rg in finding.detail and finding.subject.startswith(rg)


def test_eligible_authorizations_are_in_the_report_and_the_adopted_offer_keeps_them():
    customer = with_delegation(eligible=((TIER2_SUPPORT, CONTRIBUTOR, "PT8H"),))
    result = translate_customer(customer, partner(), "contoso")
    assert result.entry["lighthouse"]["roles"] == ["Contributor"]  # the standing roles, adopted
    (finding,) = [f for f in result.findings if f.kind == "eligible authorization"]
    assert finding.severity == NOT_EXPRESSED
    assert "Contributor" in finding.detail and "tier2Support" in finding.detail and "PT8H" in finding.detail


def test_the_audit_names_the_contributor_that_can_be_activated():
    """The expanded assignment as RegistrationAssignments_List returns it (managedservices 2022-10-01 examples)."""
    definition = {
        "registrationDefinitionName": "Managed services",
        "managedByTenantId": PARTNER_TENANT,
        "authorizations": [{"principalId": TIER2_SUPPORT, "roleDefinitionId": "acdd72a7-3385-48ef-bd42-f606fba81ae7"}],
        "eligibleAuthorizations": [
            {
                "principalId": TIER2_SUPPORT,
                "roleDefinitionId": CONTRIBUTOR,
                "justInTimeAccessPolicy": {"multiFactorAuthProvider": "Azure", "maximumActivationDuration": "PT8H"},
            }
        ],
    }
    assignment = {
        "id": f"/subscriptions/{SUB}/providers/Microsoft.ManagedServices/registrationAssignments/x",
        "properties": {"registrationDefinitionId": "d", "registrationDefinition": {"properties": definition}},
    }
    grant = _lighthouse_grant(assignment, SUB)
    assert "can activate Contributor" in grant.description and "PT8H" in grant.description
    assert grant.details["eligibleAuthorizations"] == [[TIER2_SUPPORT, CONTRIBUTOR, "PT8H"]]


def test_relationships_with_tenants_that_have_no_contract_are_findings(tmp_path):
    orphan = relationship("active", groups=(ADMIN_AGENTS,), tenant="eeeeeeee-0000-4000-8000-00000000000e", id="gone")
    plan = plan_import(
        Estate(PARTNER_TENANT, (), (orphan,)), partner(), index_project(tmp_path), tmp_path, ImportOptions()
    )
    (finding,) = plan.findings
    assert (finding.kind, finding.subject, finding.severity) == ("no contract", "gone", NOT_EXPRESSED)
    assert "still gives" in finding.detail


def test_a_customer_mapped_only_to_groups_the_reader_is_not_in_is_azure_not_visible():
    customer = dataclasses.replace(
        lighthouse_customer([TIER2_SUPPORT]),
        dap=False,
        relationships=(relationship(groups=(TIER2_SUPPORT,)),),
        azure=dataclasses.replace(
            lighthouse_customer([TIER2_SUPPORT]).azure, subscriptions=(), grants=(), lighthouse=()
        ),
    )
    result = translate_customer(customer, partner(), "contoso")
    (finding,) = [f for f in result.findings if f.kind == "Azure not visible"]
    assert "tier2Support" in finding.detail and "not in" in finding.detail
    mapped_to_admin_agents = dataclasses.replace(customer, relationships=(relationship(groups=(ADMIN_AGENTS,)),))
    assert not [f for f in translate_customer(mapped_to_admin_agents, partner(), "c").findings if "visible" in f.kind]


def test_a_customer_not_written_says_it_may_still_hold_grants_the_partner_cannot_see():
    customer = dataclasses.replace(
        lighthouse_customer([TIER2_SUPPORT]),
        dap=False,
        relationships=(relationship("terminated"),),
        azure=dataclasses.replace(
            lighthouse_customer([TIER2_SUPPORT]).azure, subscriptions=(), grants=(), lighthouse=()
        ),
    )
    result = translate_customer(customer, partner(), "contoso")
    assert result.entry is None and [f.severity for f in result.findings if f.kind == "nothing to adopt"] == [SKIPPED]
    (finding,) = [f for f in result.findings if f.kind == "Azure not visible"]
    assert "may still hold" in finding.detail


def test_p2y_is_written_as_the_intents_days_and_years_equal_days():
    customer = dataclasses.replace(lighthouse_customer([TIER2_SUPPORT]), relationships=(relationship(duration="P2Y"),))
    result = translate_customer(customer, partner(), "contoso")
    assert result.entry["gdap"]["duration"] == "P730D"
    assert [f.severity for f in result.findings if f.kind == "duration"] == [NOTE]
    assert gdap.same_duration("P2Y", "P730D") and gdap.same_duration("P1Y", "P365D")
    assert not gdap.same_duration("P2Y", "P729D") and gdap.duration_days("P2Y") == 730
    assert gdap.duration_days("P٣D") is None  # ASCII digits only


def test_adopting_a_created_relationship_says_the_first_up_locks_it_for_approval():
    customer = dataclasses.replace(lighthouse_customer([TIER2_SUPPORT]), relationships=(relationship("created"),))
    result = translate_customer(customer, partner(), "contoso")
    assert result.entry["gdap"]["adoptRelationshipId"] == "r-1"
    (finding,) = [f for f in result.findings if f.kind == "lockForApproval"]
    assert "first `pulumi up` sends lockForApproval" in finding.detail
