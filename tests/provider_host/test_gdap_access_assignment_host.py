"""GdapAccessAssignment through Pulumi's provider host over gRPC, against the emulator.

The update is Graph's long-running one (202 + the Location of an operation, v1.0
delegatedadminaccessassignment-update): the host's answer carries the roles Graph applied, so the next plan is
empty. An id alone cannot address an assignment (Graph nests it under its relationship): a clear error.
"""

from __future__ import annotations

import httpx
import pytest

from components.gdap_resources import GdapAccessAssignment
from tests.components.test_gdap_providers import (
    ADMIN_AGENTS,
    CUSTOMER,
    HELPDESK,
    HELPDESK_AGENTS,
    PARTNER,
    READER,
    USER_ADMIN,
)
from tests.provider_host.conftest import registered_provider
from tests.provider_host.host import Host, HostError

ROLES = sorted([READER, HELPDESK, USER_ADMIN])
GDAP = "/graph/v1.0/tenantRelationships/delegatedAdminRelationships"


@pytest.fixture(scope="module")
def serialized():
    return registered_provider(
        lambda: GdapAccessAssignment(
            "contoso-adminAgents",
            partner_tenant_id=PARTNER,
            relationship_id="rel",
            group_id=ADMIN_AGENTS,
            role_ids=[READER],
        )
    )


@pytest.fixture
def host(provider_host, serialized, emulator):
    provider, type_token = serialized
    assert type_token == "pulumi-python:dynamic/gdap:GdapAccessAssignment"
    h = Host(provider_host, provider, type_token, "contoso-adminAgents")
    h.configure()
    return h


@pytest.fixture
def relationship(emulator):
    return emulator.control.seed_relationship(
        displayName="contoso-gdap",
        customer={"tenantId": CUSTOMER, "displayName": "Contoso Limited"},
        roles=ROLES,
        status="active",
    )["id"]


def declared(rel_id, group=ADMIN_AGENTS, roles=(READER,), **overrides):
    return {
        "partnerTenantId": PARTNER,
        "adoptId": None,
        "relationshipId": rel_id,
        "groupId": group,
        "roleIds": sorted(roles),
        "status": None,
        "etag": None,
        **overrides,
    }


def assignments(emulator) -> list[dict]:
    return emulator.control.state()["gdap"]["relationships"][0]["accessAssignments"]


def test_the_lifecycle_through_the_engine_protocol(host, emulator, relationship):
    emulator.control.settings(gdap_operation_retry_after=0.01)
    news = host.check(declared(relationship))
    assignment_id, outs = host.create(news)
    assert outs["status"] == "active" and outs["roleIds"] == [READER]
    assert [(a["id"], a["status"]) for a in assignments(emulator)] == [(assignment_id, "active")]

    _, refreshed, _ = host.read(assignment_id, outs)
    assert host.diff(assignment_id, refreshed, news).none

    wider = declared(relationship, roles=(READER, USER_ADMIN))
    in_place = host.diff(assignment_id, refreshed, wider)
    assert in_place.some and in_place.replaces == []
    emulator.control.clear_requests()
    updated = host.update(assignment_id, refreshed, wider)
    assert updated["roleIds"] == sorted([READER, USER_ADMIN]) and updated["status"] == "active"
    log = [(r["method"], r["status"]) for r in emulator.control.requests(GDAP)]
    assert ("PATCH", 202) in log  # Graph's long-running update, waited for
    assert any("/operations/" in r["path"] for r in emulator.control.requests(GDAP, "GET"))
    _, after_update, _ = host.read(assignment_id, updated)
    assert host.diff(assignment_id, after_update, wider).none  # the next up: nothing to patch again

    other_group = host.diff(assignment_id, after_update, declared(relationship, group=HELPDESK_AGENTS))
    assert other_group.replaces == ["groupId"] and other_group.delete_before_replace

    with pytest.raises(HostError) as by_id:
        host.read(assignment_id, None)
    assert "needs relationshipId" in by_id.value.details and "KeyError" not in by_id.value.details

    host.delete(assignment_id, after_update)
    assert assignments(emulator)[0]["status"] in ("deleting", "deleted")
    emulator.control.advance(1)
    gone_id, gone, _ = host.read(assignment_id, after_update)
    assert gone_id == "" and gone == {}


def test_refresh_after_an_out_of_band_role_change(host, emulator, relationship):
    seeded = emulator.control.seed_access_assignment(relationship, groupId=ADMIN_AGENTS, roles=[READER, HELPDESK])
    news = host.check(declared(relationship, adoptId=seeded["id"], roles=(READER, HELPDESK)))
    emulator.control.clear_requests()
    assignment_id, outs = host.create(news)  # adoption: read, never written
    assert assignment_id == seeded["id"] and [r for r in emulator.control.requests(GDAP) if r["method"] != "GET"] == []
    # Someone narrows it behind Pulumi's back (Graph directly):
    with httpx.Client(base_url=emulator.url, headers={"Authorization": "Bearer x"}) as api:
        url = f"{GDAP}/{relationship}/accessAssignments/{assignment_id}"
        current = api.get(url).json()
        narrowed = {"accessDetails": {"unifiedRoles": [{"roleDefinitionId": READER}]}}
        assert api.patch(url, json=narrowed, headers={"If-Match": current["@odata.etag"]}).status_code == 202
    _, drifted, _ = host.read(assignment_id, outs)
    assert drifted["roleIds"] == [READER]
    diff = host.diff(assignment_id, drifted, news)
    assert diff.some and diff.replaces == []


def test_injected_failures_reach_the_engine_as_clear_errors(host, emulator, relationship):
    emulator.control.add_fault(f"{GDAP}/{relationship}/accessAssignments", method="POST", lie=True)
    with pytest.raises(HostError) as lied:
        host.create(host.check(declared(relationship)))
    assert "without the new object's id" in lied.value.details
    assert "During handling of the above exception" not in lied.value.details

    emulator.control.settings(gdap_operation_outcome="failed", gdap_operation_retry_after=0.01)
    assignment_id, outs = host.create(host.check(declared(relationship)))
    with pytest.raises(HostError) as failed:
        host.update(assignment_id, outs, declared(relationship, roles=(READER, HELPDESK)))
    assert "failed" in failed.value.details and "During handling" not in failed.value.details
    assert assignments(emulator)[0]["accessDetails"]["unifiedRoles"] == [{"roleDefinitionId": READER}]
