"""CustomerDelegation on the mock runtime, with GDAP status read from the Graph emulator before declaring."""

from __future__ import annotations

import pytest

import catalog
from catalog.resource_kinds import GDAP_ACCESS_ASSIGNMENT_TYPE, GDAP_RELATIONSHIP_TYPE
from tests.helpers import ADMIN_AGENTS_ID, HELPDESK_AGENTS_ID, PARTNER_TENANT, dev_raw, run

CONTOSO = "3a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d"
ADATUM = "5c0d1e2f-3a4b-4c5d-8e6f-7a8b9c0d1e2f"


@pytest.fixture
def graph_env(emulator, monkeypatch):
    monkeypatch.setenv("CSP_DELEGATION_ENDPOINT", emulator.url)
    return emulator


def seed(emulator, name, tenant, status, roles, **extra):
    return emulator.control.seed_relationship(
        displayName=name,
        customer={"tenantId": tenant, "displayName": name},
        duration="P730D",
        status=status,
        roles=roles,
        **extra,
    )


def relationships(result):
    return result.by_type(GDAP_RELATIONSHIP_TYPE)


def assignments(result):
    return result.by_type(GDAP_ACCESS_ASSIGNMENT_TYPE)


def contoso_roles():
    return [catalog.directory_role_id(r) for r in dev_raw()["customers"][0]["gdap"]["roles"]]


def test_active_relationship_gets_its_access_assignments(graph_env):
    active = seed(graph_env, "contoso-gdap", CONTOSO, "active", contoso_roles())
    result = run(dev_raw(), preview=True)
    by_group = {a.name: a for a in assignments(result)}
    assert set(by_group) == {
        "contoso-delegation-adminAgents",
        "contoso-delegation-helpdeskAgents",
        "contoso-delegation-tier2Support",
    }
    admin = by_group["contoso-delegation-adminAgents"].inputs
    assert admin["relationshipId"] == active["id"]
    assert admin["groupId"] == ADMIN_AGENTS_ID
    assert admin["roleIds"] == sorted(
        catalog.directory_role_id(r)
        for r in ["Directory Readers", "Global Reader", "User Administrator", "License Administrator"]
    )
    assert by_group["contoso-delegation-helpdeskAgents"].inputs["groupId"] == HELPDESK_AGENTS_ID
    # tier2Support is created in this run: its id is unknown in a preview, yet the assignment is declared.
    parent = result.by_urn(by_group["contoso-delegation-adminAgents"].parent)
    assert parent.type == "csp-delegation:delegation:CustomerDelegation"
    # adatum has no relationship yet: created by this run, no assignments.
    assert not [a for a in assignments(result) if a.name.startswith("adatum")]
    steps = {k: v["delegation"]["nextStep"] for k, v in result.exports["customers"].items()}
    assert "partner groups mapped" in steps["contoso"]
    assert "no relationship yet" in steps["adatum"]


def test_pending_relationship_declares_no_assignments_yet(graph_env):
    seed(graph_env, "contoso-gdap", CONTOSO, "approvalPending", contoso_roles())
    result = run(dev_raw(), preview=True)
    assert not assignments(result)
    step = result.exports["customers"]["contoso"]["delegation"]["nextStep"]
    assert "waiting for the customer's approval" in step


def test_relationship_inputs_follow_the_config(graph_env):
    result = run(dev_raw(), preview=True)
    rels = {r.name: r for r in relationships(result)}
    assert set(rels) == {"contoso-delegation-relationship", "adatum-delegation-relationship"}
    contoso = rels["contoso-delegation-relationship"]
    assert contoso.protect and contoso.delete_before_replace
    assert contoso.inputs["autoExtendDuration"] == "P180D" and contoso.inputs["duration"] == "P730D"
    assert contoso.inputs["partnerTenantId"] == PARTNER_TENANT
    adatum = rels["adatum-delegation-relationship"].inputs
    assert catalog.GLOBAL_ADMINISTRATOR not in adatum["roleIds"]
    assert adatum["roleIds"] == sorted(catalog.directory_role_id(r) for r in catalog.gdap_default_roles())
    assert adatum["autoExtendDuration"] == "PT0S"


def test_dap_customer_declares_no_cloud_resource(graph_env):
    result = run(dev_raw(), preview=True)
    fabrikam = [r for r in result.resources if r.name.startswith("fabrikam-delegation")]
    assert [r.type for r in fabrikam] == ["csp-delegation:delegation:CustomerDelegation"]


def test_dap_to_gdap_keeps_dap_until_gdap_is_active(graph_env):
    raw = dev_raw()
    raw["customers"][2]["legacyDap"] = True
    result = run(raw, preview=True)
    step = result.exports["customers"]["adatum"]["delegation"]["nextStep"]
    assert "DAP is still present and stays until GDAP is active" in step
    seed(
        graph_env, "adatum-gdap", ADATUM, "active", [catalog.directory_role_id(r) for r in catalog.gdap_default_roles()]
    )
    result = run(raw, preview=True)
    step = result.exports["customers"]["adatum"]["delegation"]["nextStep"]
    assert "can now be removed" in step
    assert {a.name for a in assignments(result)} >= {
        "adatum-delegation-adminAgents",
        "adatum-delegation-helpdeskAgents",
    }


def test_observation_pages_past_300_relationships(graph_env):
    others = [
        {
            "displayName": f"other-{i:04d}",
            "customer": {"tenantId": f"00000000-0000-4000-8000-{i:012d}"},
            "duration": "P90D",
            "status": "active",
            "roles": [catalog.directory_role_id("Global Reader")],
        }
        for i in range(650)
    ]
    graph_env.control.seed_relationships(others)
    # The successor of a terminated relationship is found under its next generation name.
    seed(graph_env, "contoso-gdap", CONTOSO, "terminated", contoso_roles())
    seed(graph_env, "contoso-gdap-2", CONTOSO, "active", contoso_roles())
    result = run(dev_raw(), preview=True)
    assert len(assignments(result)) == 3
    pages = graph_env.control.requests("/graph/v1.0/tenantRelationships/delegatedAdminRelationships", method="GET")
    assert len(pages) == 3  # 653 relationships at 300 a page
