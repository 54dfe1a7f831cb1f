"""GdapRelationship through Pulumi's provider host (``python -m pulumi.dynamic`` over gRPC), against the emulator.

Each call is the one the engine makes in ``pulumi up`` / ``refresh`` / ``destroy``; the assertions are on what the
host answers and on the emulator's state and request log. Worlds where Graph's customer name is not the config's
(Graph sets it from Entra) and where Graph reports ``P0D`` where the config sends ``PT0S``.
"""

from __future__ import annotations

import pytest

from components.gdap_resources import GdapRelationship
from tests.components.test_gdap_providers import CUSTOMER, HELPDESK, PARTNER, READER, USER_ADMIN, rel_props
from tests.provider_host.conftest import registered_provider
from tests.provider_host.host import Host, HostError

ROLES = sorted([READER, HELPDESK, USER_ADMIN])
GDAP = "/graph/v1.0/tenantRelationships/delegatedAdminRelationships"
LICENSE_ADMIN = "4d6ac14f-3453-41d0-bef9-a3e0c569773a"


def declared(**overrides):
    """The inputs the program registers (as ``GdapRelationship`` declares them), the config's names."""
    return {
        **rel_props(roleIds=ROLES, customerDisplayName="Contoso Ltd"),
        "adoptId": None,
        "graphDisplayName": None,
        "graphCustomerDisplayName": None,
        "status": None,
        "etag": None,
        "approvalLink": None,
        "createdDateTime": None,
        "activatedDateTime": None,
        "endDateTime": None,
        **overrides,
    }


@pytest.fixture(scope="module")
def serialized():
    return registered_provider(
        lambda: GdapRelationship(
            "contoso-gdap",
            partner_tenant_id=PARTNER,
            customer_tenant_id=CUSTOMER,
            customer_display_name="Contoso Ltd",
            display_name="contoso-gdap",
            duration="P730D",
            auto_extend_duration="PT0S",
            role_ids=ROLES,
        )
    )


@pytest.fixture
def host(provider_host, serialized, emulator):
    provider, type_token = serialized
    assert type_token == "pulumi-python:dynamic/gdap:GdapRelationship"
    h = Host(provider_host, provider, type_token, "contoso-gdap")
    h.configure()
    return h


def writes(emulator) -> list[tuple[str, str, int]]:
    return [(r["method"], r["path"], r["status"]) for r in emulator.control.requests(GDAP) if r["method"] != "GET"]


def test_the_lifecycle_through_the_engine_protocol(host, emulator):
    news = host.check(declared())
    assert news["customerDisplayName"] == "Contoso Ltd" and news["roleIds"] == ROLES
    rel_id, outs = host.create(news)
    assert outs["status"] == "approvalPending" and outs["approvalLink"].endswith(rel_id)
    (live,) = emulator.control.state()["gdap"]["relationships"]
    assert live["id"] == rel_id and [r["action"] for r in live["requests"]] == ["lockForApproval"]

    emulator.control.approve(rel_id)  # the customer, in the admin center
    same_id, refreshed, inputs = host.read(rel_id, outs)  # refresh with the full state
    assert same_id == rel_id and refreshed["status"] == "active" and inputs is None
    assert host.diff(rel_id, refreshed, news).none

    extended = declared(autoExtendDuration="P180D")
    in_place = host.diff(rel_id, refreshed, extended)
    assert in_place.some and in_place.replaces == []
    emulator.control.clear_requests()
    updated = host.update(rel_id, refreshed, extended)
    assert updated["autoExtendDuration"] == "P180D"
    assert writes(emulator) == [("PATCH", f"{GDAP}/{rel_id}", 200)]
    assert emulator.control.state()["gdap"]["relationships"][0]["autoExtendDuration"] == "P180D"

    wider = declared(autoExtendDuration="P180D", roleIds=sorted([*ROLES, LICENSE_ADMIN]))
    replacing = host.diff(rel_id, updated, wider)
    assert replacing.some and replacing.replaces == ["roleIds"] and replacing.delete_before_replace

    # Read with only the id (a lost state; what an import sends): the object's own inputs come back.
    read_id, by_id, by_id_inputs = host.read(rel_id, None)
    assert read_id == rel_id and by_id["status"] == "active"
    assert by_id_inputs["customerTenantId"] == CUSTOMER and by_id_inputs["roleIds"] == ROLES
    assert by_id_inputs["autoExtendDuration"] == "P180D" and "partnerTenantId" not in by_id_inputs
    assert host.diff(rel_id, by_id, extended).none  # the program's inputs then plan nothing

    emulator.control.clear_requests()
    host.delete(rel_id, updated)  # active: terminated, not deleted
    assert writes(emulator) == [("POST", f"{GDAP}/{rel_id}/requests", 201)]
    _, after, _ = host.read(rel_id, updated)  # read after delete: ending, and the next plan replaces it
    assert after["status"] in ("terminationRequested", "terminating", "terminated")
    assert host.diff(rel_id, after, extended).replaces == ["status"]


def test_a_deleted_draft_reads_as_gone(host, emulator):
    rel_id, outs = host.create(host.check(declared()))
    emulator.control.set_relationship(rel_id, status="created")  # as if lockForApproval had not happened yet
    _, created, _ = host.read(rel_id, outs)
    host.delete(rel_id, created)
    assert emulator.control.state()["gdap"]["relationships"] == []
    gone_id, gone, _ = host.read(rel_id, created)
    assert gone_id == "" and gone == {}


def test_adopting_a_relationship_whose_names_differ_writes_nothing(host, emulator):
    """`dapctl import` writes Partner Center's company name ("Contoso Ltd"); Graph shows Entra's ("Contoso
    Limited") and P0D for never. The first up adopts it without a write, and the second plans nothing."""
    seeded = emulator.control.seed_relationship(
        displayName="contoso-gdap",
        customer={"tenantId": CUSTOMER, "displayName": "Contoso Limited"},
        roles=ROLES,
        status="active",
        autoExtendDuration="P0D",
    )
    emulator.control.clear_requests()
    news = host.check(declared(adoptId=seeded["id"]))
    rel_id, outs = host.create(news)
    assert rel_id == seeded["id"] and writes(emulator) == []
    assert outs["customerDisplayName"] == "Contoso Ltd" and outs["graphCustomerDisplayName"] == "Contoso Limited"
    assert outs["autoExtendDuration"] == "P0D"
    _, refreshed, _ = host.read(rel_id, outs)
    second = host.diff(rel_id, refreshed, news)
    assert second.none and second.replaces == []
    # A state written before this fix held Graph's name as the input: no replacement either.
    assert host.diff(rel_id, {**refreshed, "customerDisplayName": "Contoso Limited"}, news).none
    assert writes(emulator) == []


def test_a_pending_relationship_reported_with_p0d_plans_nothing(host, emulator):
    seeded = emulator.control.seed_relationship(
        displayName="contoso-gdap",
        customer={"tenantId": CUSTOMER, "displayName": "Contoso Limited"},
        roles=ROLES,
        status="approvalPending",
        autoExtendDuration="P0D",
    )
    _, state, _ = host.read(seeded["id"], declared(status="approvalPending"))
    assert state["autoExtendDuration"] == "P0D" and host.diff(seeded["id"], state, declared()).none


def test_refresh_after_the_customer_ended_it_out_of_band(host, emulator):
    rel_id, outs = host.create(host.check(declared()))
    emulator.control.approve(rel_id)
    _, active, _ = host.read(rel_id, outs)
    emulator.control.set_relationship(rel_id, status="terminated")  # the customer, in the admin center
    _, ended, _ = host.read(rel_id, active)
    assert ended["status"] == "terminated"
    diff = host.diff(rel_id, ended, declared())
    assert diff.some and diff.replaces == ["status"] and diff.delete_before_replace


def test_injected_failures_reach_the_engine_as_clear_errors(host, emulator):
    emulator.control.add_fault(GDAP, method="POST", lie=True)  # 200 {} and nothing done
    with pytest.raises(HostError) as lied:
        host.create(host.check(declared()))
    assert "without the new object's id" in lied.value.details and "KeyError" not in lied.value.details
    assert "During handling of the above exception" not in lied.value.details
    assert "no running event loop" not in lied.value.details

    emulator.control.add_fault(GDAP, method="POST", status=400, code="badRequest", message="The customer is invalid")
    with pytest.raises(HostError) as refused:
        host.create(host.check(declared()))
    assert "The customer is invalid" in refused.value.details
    assert "During handling of the above exception" not in refused.value.details
    assert emulator.control.state()["gdap"]["relationships"] == []
