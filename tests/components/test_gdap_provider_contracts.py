"""The GDAP providers against Graph's documented contracts, where the emulator used to be kinder than Graph.

- Updating an access assignment is long-running: 202 + Location of an operation, polled (on virtual time) until
  it succeeds and the assignment reads ``active`` with the new roles; the next diff sees nothing to do.
- Graph's customer display name ("as set by Microsoft Entra ID. Read-only") may differ from the config's
  (Partner Center's company name): never a change, never a replacement.
- ``P0D`` and ``PT0S`` are the same duration (and ``P2Y`` is ``P730D``).
- A create answered 200 ``{}`` and a Read given only an id end in clear errors, not ``KeyError``.
Over real HTTP against the emulator; only the cloud is emulated.
"""

from __future__ import annotations

import pytest

from components import provider_io
from components.arm_resources import PartnerRoleAssignmentProvider
from components.autopilot import AutopilotProfileProvider
from components.gdap_resources import GdapAccessAssignmentProvider, GdapRelationshipProvider, relationship_diff
from components.provider_io import ProviderAnswerError, ProviderInputError
from tests.components.test_gdap_providers import (
    ADMIN_AGENTS,
    CUSTOMER,
    HELPDESK,
    READER,
    USER_ADMIN,
    assignment_props,
    rel_props,
)
from tests.helpers import EmulatorTime

ROLES = sorted([READER, HELPDESK, USER_ADMIN])
GDAP = "/graph/v1.0/tenantRelationships/delegatedAdminRelationships"


@pytest.fixture
def graph_time(emulator, monkeypatch):
    """The emulator as the endpoint, and virtual time that moves the emulator's clock when a provider sleeps."""
    monkeypatch.setenv("CSP_DELEGATION_ENDPOINT", emulator.url)
    time = EmulatorTime(emulator)
    monkeypatch.setattr(provider_io, "client_options", {"sleep": time.sleep, "clock": time.now})
    return emulator, time


def seeded_active(emulator, **fields):
    entry = {
        "displayName": "contoso-gdap",
        "customer": {"tenantId": CUSTOMER, "displayName": "Contoso Limited"},
        "roles": ROLES,
        "status": "active",
        **fields,
    }
    return emulator.control.seed_relationship(**entry)


# -- defect 4: the access-assignment update is Graph's long-running operation ----------------------------------
def test_an_assignment_update_waits_for_the_operation_and_the_next_plan_is_empty(graph_time):
    emulator, time = graph_time
    emulator.control.settings(gdap_operation_delay=25, gdap_operation_retry_after=10, assignment_delay=5)
    rel = seeded_active(emulator)
    seeded = emulator.control.seed_access_assignment(rel["id"], groupId=ADMIN_AGENTS, roles=[READER])
    provider = GdapAccessAssignmentProvider()
    olds = provider.read(seeded["id"], assignment_props(rel["id"], ADMIN_AGENTS, [READER])).outs
    news = assignment_props(rel["id"], ADMIN_AGENTS, [READER, USER_ADMIN])

    outs = provider.update(seeded["id"], olds, news).outs

    assert outs["roleIds"] == sorted([READER, USER_ADMIN]) and outs["status"] == "active"
    assert time.delays == [10, 10, 10]  # Retry-After, until the operation succeeded at 25 s (virtual)
    patches = emulator.control.requests(f"{GDAP}/{rel['id']}/accessAssignments", "PATCH")
    assert [r["status"] for r in patches] == [202]  # one PATCH, answered as Graph documents it
    polled = emulator.control.requests(f"{GDAP}/{rel['id']}/operations/", "GET")
    assert len(polled) == 4  # at 0, 10, 20 and 30 s
    # The next `pulumi up`: refresh reads what Graph applied, and the diff has nothing to do.
    refreshed = provider.read(seeded["id"], {**news, **outs}).outs
    assert refreshed["roleIds"] == sorted([READER, USER_ADMIN])
    assert provider.diff(seeded["id"], refreshed, news).changes is False


def test_a_failed_assignment_operation_is_an_error_and_state_keeps_the_old_roles(graph_time):
    emulator, _ = graph_time
    emulator.control.settings(gdap_operation_delay=5, gdap_operation_retry_after=2, gdap_operation_outcome="failed")
    rel = seeded_active(emulator)
    seeded = emulator.control.seed_access_assignment(rel["id"], groupId=ADMIN_AGENTS, roles=[READER])
    provider = GdapAccessAssignmentProvider()
    olds = provider.read(seeded["id"], assignment_props(rel["id"], ADMIN_AGENTS, [READER])).outs
    with pytest.raises(Exception, match="failed") as caught:
        provider.update(seeded["id"], olds, assignment_props(rel["id"], ADMIN_AGENTS, [READER, USER_ADMIN]))
    assert caught.value.__context__ is None
    assert provider.read(seeded["id"], olds).outs["roleIds"] == [READER]


def test_a_new_assignment_is_waited_for_until_active(graph_time):
    emulator, time = graph_time
    emulator.control.settings(assignment_delay=30)
    rel = seeded_active(emulator)
    created = GdapAccessAssignmentProvider().create(assignment_props(rel["id"], ADMIN_AGENTS, [READER]))
    assert created.outs["status"] == "active" and sum(time.delays) >= 30
    posted = emulator.control.requests(f"{GDAP}/{rel['id']}/accessAssignments", "POST")
    assert [r["status"] for r in posted] == [201]


# -- defect 5: Graph's customer name is Entra's, read-only: never a change ---------------------------------------
def test_graph_and_partner_center_names_differ_and_nothing_is_replaced(graph_time):
    emulator, _ = graph_time
    rel = seeded_active(emulator)  # Graph: "Contoso Limited"
    declared = rel_props(customerDisplayName="Contoso Ltd", roleIds=ROLES)  # config (Partner Center): "Contoso Ltd"
    provider = GdapRelationshipProvider()
    outs = provider.read(rel["id"], declared).outs
    assert outs["customerDisplayName"] == "Contoso Ltd" and outs["graphCustomerDisplayName"] == "Contoso Limited"
    assert provider.diff(rel["id"], outs, declared).changes is False
    # State written by the earlier provider held Graph's name as the input: still no change, no replacement.
    legacy = {**outs, "customerDisplayName": "Contoso Limited"}
    assert provider.diff(rel["id"], legacy, declared).changes is False
    for status in ("created", "approvalPending", "active", "expiring"):
        result = relationship_diff({**legacy, "status": status}, declared)
        assert result.changes is False and not result.replaces


def test_the_display_name_is_never_patched(graph_time):
    emulator, _ = graph_time
    provider = GdapRelationshipProvider()
    made = emulator.control.seed_relationship(
        displayName="contoso-gdap", customer={"tenantId": CUSTOMER, "displayName": "Contoso Limited"}, roles=ROLES
    )  # status created: everything else could still be patched
    olds = provider.read(made["id"], rel_props(roleIds=ROLES)).outs
    news = rel_props(roleIds=ROLES, customerDisplayName="Contoso Ltd", duration="P365D")
    diff = provider.diff(made["id"], olds, news)
    assert diff.changes and not diff.replaces
    emulator.control.clear_requests()
    provider.update(made["id"], olds, news)
    (patch,) = emulator.control.requests(f"{GDAP}/{made['id']}", "PATCH")
    assert patch["status"] == 200
    live = emulator.control.state()["gdap"]["relationships"][0]
    assert live["customer"]["displayName"] == "Contoso Limited" and live["duration"] == "P365D"


# -- defect 6: P0D is PT0S ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("status", ["approvalPending", "active"])
def test_graph_reporting_p0d_is_no_change_for_a_config_sending_pt0s(graph_time, status):
    emulator, _ = graph_time
    rel = seeded_active(emulator, status=status, autoExtendDuration="P0D")
    declared = rel_props(roleIds=ROLES)  # autoExtendDuration PT0S, as the config always sends it
    provider = GdapRelationshipProvider()
    outs = provider.read(rel["id"], declared).outs
    assert outs["autoExtendDuration"] == "P0D"
    assert provider.diff(rel["id"], {**outs, **declared, "autoExtendDuration": "P0D"}, declared).changes is False
    assert provider.diff(rel["id"], outs, declared).changes is False


def test_years_and_days_are_the_same_duration():
    olds = {**rel_props(roleIds=ROLES, duration="P2Y"), "status": "active"}
    assert relationship_diff(olds, rel_props(roleIds=ROLES, duration="P730D")).changes is False
    assert relationship_diff(olds, rel_props(roleIds=ROLES, duration="P365D")).replaces == ["duration"]


# -- defect 7: clear errors ----------------------------------------------------------------------------------------
def test_a_create_answered_with_an_empty_object_is_a_clear_error(graph_time):
    emulator, _ = graph_time
    emulator.control.add_fault(GDAP, method="POST", lie=True)
    with pytest.raises(ProviderAnswerError, match="without the new object's id") as caught:
        GdapRelationshipProvider().create(rel_props())
    assert caught.value.__context__ is None and "KeyError" not in str(caught.value)


def test_a_relationship_reads_from_its_id_alone(graph_time):
    emulator, _ = graph_time
    rel = seeded_active(emulator, autoExtendDuration="P0D")
    result = GdapRelationshipProvider().read(rel["id"], {})
    assert result.id == rel["id"]
    assert result.inputs == {
        "customerTenantId": CUSTOMER,
        "customerDisplayName": "Contoso Limited",
        "displayName": "contoso-gdap",
        "duration": "P730D",
        "autoExtendDuration": "P0D",
        "roleIds": ROLES,
    }
    assert result.outs["status"] == "active" and result.outs["approvalLink"].endswith(rel["id"])
    # The program's own inputs (partner tenant named, the config's names and spelling) then plan no change.
    assert GdapRelationshipProvider().diff(rel["id"], result.outs, rel_props(roleIds=ROLES)).changes is False


@pytest.mark.parametrize(
    ("provider", "needs"),
    [
        (GdapAccessAssignmentProvider(), "relationshipId"),
        (PartnerRoleAssignmentProvider(), "tenantId"),
        (AutopilotProfileProvider(), "partnerTenantId, customerTenantId"),
    ],
)
def test_types_an_id_cannot_address_say_what_they_need(graph_time, provider, needs):
    with pytest.raises(ProviderInputError, match=f"needs {needs}") as caught:
        provider.read("0f0f0f0f-0000-4000-8000-000000000000", {})
    assert "pulumi state delete" in str(caught.value)
