"""The GDAP dynamic providers' CRUD, over real HTTP against the local Graph emulator.

The providers are called as the Pulumi engine calls them (create / read / diff / update / delete with
plain dicts); only the cloud is emulated.
"""

from __future__ import annotations

import pickle

import pytest

import catalog
from azure_http import GraphClient, StaticToken, run_sync
from azure_http.endpoints import Endpoints
from components.gdap_resources import (
    GdapAccessAssignmentProvider,
    GdapRelationshipProvider,
    GdapStateError,
    relationship_diff,
)

PARTNER = "2f4a9a1e-6c3b-4d8e-9f10-1a2b3c4d5e6f"
CUSTOMER = "3a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d"
ADMIN_AGENTS = "0b6c4e1a-2d3f-4a5b-9c6d-7e8f9a0b1c2d"
HELPDESK_AGENTS = "1c7d5f2b-3e4a-4b6c-8d7e-8f9a0b1c2d3e"
READER = catalog.directory_role_id("Global Reader")
HELPDESK = catalog.directory_role_id("Helpdesk Administrator")
USER_ADMIN = catalog.directory_role_id("User Administrator")


@pytest.fixture
def graph_env(emulator, monkeypatch):
    monkeypatch.setenv("CSP_DELEGATION_ENDPOINT", emulator.url)
    return emulator


def graph(emulator) -> GraphClient:
    return GraphClient(StaticToken(), Endpoints.emulator(emulator.url), tenant_id=PARTNER)


def get_rel(emulator, rel_id):
    async def go():
        async with graph(emulator) as g:
            return await g.get_relationship(rel_id)

    return run_sync(go())


def rel_props(**overrides):
    props = {
        "partnerTenantId": PARTNER,
        "customerTenantId": CUSTOMER,
        "customerDisplayName": "Contoso Ltd",
        "displayName": "contoso-gdap",
        "duration": "P730D",
        "autoExtendDuration": "PT0S",
        "roleIds": sorted([READER, HELPDESK, USER_ADMIN]),
    }
    props.update(overrides)
    return props


def assignment_props(rel_id, group, roles):
    return {"partnerTenantId": PARTNER, "relationshipId": rel_id, "groupId": group, "roleIds": sorted(roles)}


def test_whole_lifecycle(graph_env):
    emulator = graph_env
    rels, assigns = GdapRelationshipProvider(), GdapAccessAssignmentProvider()

    created = rels.create(rel_props())
    rel_id = created.id
    assert created.outs["status"] == "approvalPending"  # created, then locked for approval
    assert created.outs["approvalLink"].endswith(f"/granularAdminRelationships/{rel_id}")
    assert created.outs["roleIds"] == sorted([READER, HELPDESK, USER_ADMIN])

    emulator.control.approve(rel_id)  # the customer approves through the link
    refreshed = rels.read(rel_id, created.outs)
    assert refreshed.outs["status"] == "active"
    assert refreshed.outs["endDateTime"] and refreshed.outs["activatedDateTime"]
    assert rels.diff(rel_id, refreshed.outs, rel_props()).changes is False

    admin = assigns.create(assignment_props(rel_id, ADMIN_AGENTS, [READER, USER_ADMIN]))
    helpdesk = assigns.create(assignment_props(rel_id, HELPDESK_AGENTS, [HELPDESK]))
    assert admin.outs["status"] in ("pending", "active") and helpdesk.id != admin.id

    # Narrowing a group's roles is an in-place PATCH of the assignment.
    narrower = assignment_props(rel_id, ADMIN_AGENTS, [READER])
    diff = assigns.diff(admin.id, admin.outs, narrower)
    assert diff.changes and not diff.replaces
    updated = assigns.update(admin.id, admin.outs, narrower)
    assert updated.outs["roleIds"] == [READER]
    assert assigns.read(admin.id, updated.outs).outs["roleIds"] == [READER]

    # Adding a role to an active relationship cannot be patched: a new relationship (replacement).
    wider = rel_props(
        roleIds=sorted([READER, HELPDESK, USER_ADMIN, catalog.directory_role_id("License Administrator")])
    )
    diff = rels.diff(rel_id, refreshed.outs, wider)
    assert diff.replaces == ["roleIds"] and diff.delete_before_replace
    # Auto-extend alone can change on an active relationship.
    diff = rels.diff(rel_id, refreshed.outs, rel_props(autoExtendDuration="P180D"))
    assert diff.changes and not diff.replaces
    extended = rels.update(rel_id, refreshed.outs, rel_props(autoExtendDuration="P180D"))
    assert extended.outs["autoExtendDuration"] == "P180D"

    # The replacement: the old relationship is terminated first (delete before replace), then a new one made.
    assigns.delete(admin.id, updated.outs)
    rels.delete(rel_id, extended.outs)
    assert get_rel(emulator, rel_id)["status"] in ("terminationRequested", "terminating", "terminated")
    successor = rels.create(wider)
    assert successor.id != rel_id and successor.outs["status"] == "approvalPending"
    # Graph never reuses a display name, even a terminated one's: the successor is the next generation.
    assert successor.outs["graphDisplayName"] == "contoso-gdap-2" and successor.outs["displayName"] == "contoso-gdap"

    # A relationship the customer ended shows up on refresh and is replaced by the next up.
    emulator.control.approve(successor.id)
    run_sync(_terminate(emulator, successor.id))
    ended = rels.read(successor.id, successor.outs)
    assert ended.outs["status"] in ("terminationRequested", "terminating", "terminated")
    assert rels.diff(successor.id, ended.outs, wider).replaces == ["status"]


async def _terminate(emulator, rel_id):
    async with graph(emulator) as g:
        await g.terminate_relationship(rel_id)


def test_delete_while_created_deletes_and_refresh_sees_it_gone(graph_env):
    async def make():
        async with graph(graph_env) as g:
            return await g.create_relationship("draft-gdap", [READER], customer_tenant_id=CUSTOMER)

    draft = run_sync(make())
    props = {**rel_props(displayName="draft-gdap", roleIds=[READER]), "status": "created"}
    GdapRelationshipProvider().delete(draft["id"], props)
    assert GdapRelationshipProvider().read(draft["id"], props).id is None


def test_create_adopts_an_existing_relationship_on_409(graph_env):
    async def make():
        async with graph(graph_env) as g:
            return await g.create_relationship(
                "contoso-gdap", [READER], customer_tenant_id=CUSTOMER, customer_display_name="Contoso Ltd"
            )

    existing = run_sync(make())
    created = GdapRelationshipProvider().create(rel_props())
    assert created.id == existing["id"]  # adopted, not duplicated
    assert created.outs["roleIds"] == sorted([READER, HELPDESK, USER_ADMIN])  # roles fixed while still editable
    assert created.outs["status"] == "approvalPending"


def test_adopting_a_name_used_for_another_customer_is_refused(graph_env):
    GdapRelationshipProvider().create(rel_props(customerTenantId="9a9a9a9a-0000-4000-8000-000000000009"))
    with pytest.raises(GdapStateError, match="unique per partner"):
        GdapRelationshipProvider().create(rel_props())


def test_assignment_create_adopts_on_409_and_etag_conflict_is_explained(graph_env):
    rel = GdapRelationshipProvider().create(rel_props())
    graph_env.control.approve(rel.id)
    graph_env.control.seed_access_assignment(rel.id, groupId=ADMIN_AGENTS, roles=[READER], status="active")
    provider = GdapAccessAssignmentProvider()
    adopted = provider.create(assignment_props(rel.id, ADMIN_AGENTS, [READER, USER_ADMIN]))
    assert adopted.outs["roleIds"] == sorted([READER, USER_ADMIN])

    async def change_behind_pulumis_back():
        async with graph(graph_env) as g:
            current = await g.get_access_assignment(rel.id, adopted.id)
            await g.update_access_assignment(
                rel.id,
                adopted.id,
                current["@odata.etag"],
                {"accessDetails": {"unifiedRoles": [{"roleDefinitionId": READER}]}},
            )

    run_sync(change_behind_pulumis_back())
    with pytest.raises(GdapStateError, match="pulumi refresh"):
        provider.update(adopted.id, adopted.outs, assignment_props(rel.id, ADMIN_AGENTS, [USER_ADMIN]))


def test_a_429_storm_is_ridden_out(graph_env):
    graph_env.control.add_fault(
        "/graph/v1.0/tenantRelationships/delegatedAdminRelationships", status=429, times=4, retry_after=0.05
    )
    created = GdapRelationshipProvider().create(rel_props())
    assert created.outs["status"] == "approvalPending"
    statuses = [r["status"] for r in graph_env.control.requests("/graph/v1.0/tenantRelationships")]
    assert statuses.count(429) == 4
    assert statuses[-1] == 200


def test_deleting_a_relationship_awaiting_approval_is_refused_with_the_way_out(graph_env):
    created = GdapRelationshipProvider().create(rel_props())
    with pytest.raises(GdapStateError, match="reject"):
        GdapRelationshipProvider().delete(created.id, created.outs)


def test_provider_pickles_without_credentials(graph_env):
    blob = pickle.dumps(GdapRelationshipProvider()) + pickle.dumps(GdapAccessAssignmentProvider())
    assert graph_env.url.encode() not in blob and b"token" not in blob.lower()


@pytest.mark.parametrize(
    ("status", "changed", "replaces"),
    [
        ("created", {"roleIds": [READER]}, []),
        ("created", {"duration": "P30D"}, []),
        ("created", {"customerTenantId": "9a9a9a9a-0000-4000-8000-000000000009"}, ["customerTenantId"]),
        ("approvalPending", {"duration": "P30D"}, ["duration"]),
        ("active", {"autoExtendDuration": "P180D"}, []),
        ("active", {"displayName": "renamed"}, ["displayName"]),
        ("expiring", {"roleIds": [READER]}, ["roleIds"]),
        ("terminated", {}, ["status"]),
        ("expired", {"duration": "P30D"}, ["duration"]),
    ],
)
def test_diff_follows_what_graph_allows_per_status(status, changed, replaces):
    olds = {**rel_props(), "status": status}
    result = relationship_diff(olds, rel_props(**changed))
    assert result.changes is True
    assert result.replaces == replaces
