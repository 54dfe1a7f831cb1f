"""The whole GDAP lifecycle through GraphClient, over real HTTP against the emulator."""

from __future__ import annotations

import pytest

from azure_http import (
    BadRequest,
    Conflict,
    Endpoints,
    GraphClient,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
    RetryPolicy,
    StaticToken,
    approval_link,
)
from azure_http.gdap import role_ids_of

HELPDESK = "729827e3-9c14-49f7-bb1b-9608f156bbb8"
GLOBAL_READER = "f2ef992c-3afb-46b9-b7cf-a126ee74c451"
USER_ADMIN = "fe930be7-5e62-47db-91af-98c3a49a38b1"
GLOBAL_ADMIN = "62e90394-69f5-4237-9190-012177145e10"
CUSTOMER = "11111111-1111-4111-8111-111111111111"
ADMIN_AGENTS = "aaaaaaaa-0000-4000-8000-000000000001"
HELPDESK_AGENTS = "aaaaaaaa-0000-4000-8000-000000000002"

pytestmark = pytest.mark.anyio


@pytest.fixture
async def graph(emulator):
    retry = RetryPolicy(max_attempts=3, max_total_wait=2, backoff_base=0.01, backoff_max=0.05)
    async with GraphClient(StaticToken(), Endpoints.emulator(emulator.url), retry=retry) as client:
        yield client


ACTIVATION, ASSIGNMENT, TERMINATION = 300, 60, 120  # seconds on the emulator's clock, moved by the test


async def assignment_after(graph: GraphClient, emulator, rel_id: str, assignment_id: str) -> dict:
    """The access assignment once its eventual consistency has run its course (the clock moved past it)."""
    emulator.control.advance(ASSIGNMENT)
    return await graph.get_access_assignment(rel_id, assignment_id)


async def test_full_lifecycle(graph: GraphClient, emulator) -> None:
    emulator.control.settings(activation_delay=ACTIVATION, assignment_delay=ASSIGNMENT, termination_delay=TERMINATION)

    # Create: 201, status created, an etag.
    rel = await graph.create_relationship(
        "Contoso GDAP",
        [HELPDESK, GLOBAL_READER, USER_ADMIN],
        customer_tenant_id=CUSTOMER,
        customer_display_name="Contoso",
        duration="P730D",
    )
    rel_id = rel["id"]
    assert rel["status"] == "created"
    assert rel["@odata.etag"].startswith('W/"')
    assert rel["customer"] == {"tenantId": CUSTOMER, "displayName": "Contoso"}
    assert sorted(role_ids_of(rel)) == sorted([HELPDESK, GLOBAL_READER, USER_ADMIN])
    assert rel["activatedDateTime"] is None and rel["endDateTime"] is None

    # PATCH while created; then the old etag is stale.
    updated = await graph.update_relationship(rel_id, rel["@odata.etag"], {"displayName": "Contoso GDAP 2"})
    assert updated is not None and updated["displayName"] == "Contoso GDAP 2"
    assert updated["@odata.etag"] != rel["@odata.etag"]
    with pytest.raises(PreconditionFailed) as stale:
        await graph.update_relationship(rel_id, rel["@odata.etag"], {"displayName": "Contoso GDAP 3"})
    assert stale.value.status == 412 and stale.value.request_id
    with pytest.raises(PreconditionRequired):
        await graph.request("PATCH", f"tenantRelationships/delegatedAdminRelationships/{rel_id}", json={})

    # DELETE works in created.
    spare = await graph.create_relationship("Spare", [HELPDESK], customer_tenant_id=CUSTOMER)
    await graph.delete_relationship(spare["id"], spare["@odata.etag"])
    with pytest.raises(NotFound):
        await graph.get_relationship(spare["id"])

    # Lock for approval: the request comes back, the relationship waits for the customer.
    request = await graph.lock_for_approval(rel_id)
    assert request["action"] == "lockForApproval"
    pending = await graph.get_relationship(rel_id)
    assert pending["status"] == "approvalPending"
    assert approval_link(rel_id).endswith(f"/granularAdminRelationships/{rel_id}")

    # No DELETE after created: the error says to terminate.
    with pytest.raises(BadRequest) as no_delete:
        await graph.delete_relationship(rel_id, pending["@odata.etag"])
    assert "terminate" in str(no_delete.value).lower()
    # No assignments before active.
    with pytest.raises(BadRequest, match="active"):
        await graph.create_access_assignment(rel_id, ADMIN_AGENTS, [HELPDESK])

    # The customer approves; activation takes the configured delay.
    emulator.control.approve(rel_id)
    assert (await graph.get_relationship(rel_id))["status"] == "approved"
    emulator.control.advance(ACTIVATION / 2)
    assert (await graph.get_relationship(rel_id))["status"] == "activating"
    emulator.control.advance(ACTIVATION / 2)
    active = await graph.wait_until_status(rel_id, "active", timeout=5, poll_interval=0.05)
    assert active["activatedDateTime"] and active["endDateTime"]

    # Access assignments for two groups.
    admin = await graph.create_access_assignment(rel_id, ADMIN_AGENTS, [HELPDESK, GLOBAL_READER, USER_ADMIN])
    helpdesk = await graph.create_access_assignment(rel_id, HELPDESK_AGENTS, [HELPDESK])
    assert admin["status"] == helpdesk["status"] == "pending"
    assert admin["accessContainer"] == {"accessContainerId": ADMIN_AGENTS, "accessContainerType": "securityGroup"}
    admin = await assignment_after(graph, emulator, rel_id, admin["id"])
    assert admin["status"] == "active"
    listed = [a async for a in graph.list_access_assignments(rel_id)]
    assert {a["accessContainer"]["accessContainerId"] for a in listed} == {ADMIN_AGENTS, HELPDESK_AGENTS}
    only_admin = [
        a
        async for a in graph.list_access_assignments(
            rel_id, filter=f"accessContainer/accessContainerId eq '{ADMIN_AGENTS}'"
        )
    ]
    assert [a["id"] for a in only_admin] == [admin["id"]]

    # A second assignment for the same group: 409. Roles outside the relationship: 400.
    with pytest.raises(Conflict) as duplicate:
        await graph.create_access_assignment(rel_id, ADMIN_AGENTS, [HELPDESK])
    assert duplicate.value.status == 409 and duplicate.value.code == "conflict"
    with pytest.raises(BadRequest, match="not part of the relationship") as not_subset:
        await graph.create_access_assignment(rel_id, "aaaaaaaa-0000-4000-8000-000000000003", [GLOBAL_ADMIN])
    assert GLOBAL_ADMIN in not_subset.value.message

    # Update an assignment: Graph's long-running update (202 + operation) waited for; then a stale etag fails.
    helpdesk = await assignment_after(graph, emulator, rel_id, helpdesk["id"])
    assert helpdesk["status"] == "active"
    changed = await graph.set_access_assignment_roles(rel_id, helpdesk["id"], helpdesk["@odata.etag"], [GLOBAL_READER])
    assert role_ids_of(changed) == [GLOBAL_READER] and changed["status"] == "active"
    with pytest.raises(PreconditionFailed):
        await graph.update_access_assignment(rel_id, helpdesk["id"], helpdesk["@odata.etag"], [HELPDESK])

    # Active relationship: autoExtendDuration is editable, the display name is not.
    active = await graph.get_relationship(rel_id)
    extended = await graph.update_relationship(rel_id, active["@odata.etag"], {"autoExtendDuration": "P180D"})
    assert extended is not None and extended["autoExtendDuration"] == "P180D"
    with pytest.raises(BadRequest, match="created"):
        await graph.update_relationship(rel_id, extended["@odata.etag"], {"displayName": "Renamed"})

    # Delete one assignment: deleting, then deleted.
    helpdesk = await assignment_after(graph, emulator, rel_id, helpdesk["id"])
    assert helpdesk["status"] == "active"
    await graph.delete_access_assignment(rel_id, helpdesk["id"], helpdesk["@odata.etag"])
    assert (await graph.get_access_assignment(rel_id, helpdesk["id"]))["status"] == "deleting"
    assert (await assignment_after(graph, emulator, rel_id, helpdesk["id"]))["status"] == "deleted"

    # Terminate: terminationRequested -> terminating -> terminated; assignments go with it.
    await graph.terminate_relationship(rel_id)
    assert (await graph.get_relationship(rel_id))["status"] == "terminationRequested"
    emulator.control.advance(TERMINATION)
    ended = await graph.wait_until_status(rel_id, "terminated", timeout=5, poll_interval=0.05)
    assert ended["status"] == "terminated"
    assert (await graph.get_access_assignment(rel_id, admin["id"]))["status"] == "deleted"
    with pytest.raises(BadRequest, match="already"):
        await graph.terminate_relationship(rel_id)

    actions = [(r["action"], r["status"]) async for r in graph.list_requests(rel_id)]
    assert actions == [("lockForApproval", "succeeded"), ("approve", "succeeded"), ("terminate", "succeeded")]


async def test_list_relationships_filter_and_top(graph: GraphClient, emulator) -> None:
    for name in ("Alpha", "Beta", "Gamma"):
        await graph.create_relationship(name, [HELPDESK], customer_tenant_id=CUSTOMER)
    emulator.control.seed_relationship(displayName="Delta", roles=[HELPDESK], status="active")
    names = [r["displayName"] async for r in graph.list_relationships(top=2)]
    assert names == ["Alpha", "Beta", "Gamma", "Delta"]
    active = [r["displayName"] async for r in graph.list_relationships(filter="status eq 'active'")]
    assert active == ["Delta"]
    by_name = [r["displayName"] async for r in graph.list_relationships(filter="displayName eq 'beta'")]
    assert by_name == ["Beta"]
    with pytest.raises(BadRequest, match="filter"):
        [r async for r in graph.list_relationships(filter="startswith(displayName, 'A')")]


async def test_reject_ends_the_relationship(graph: GraphClient, emulator) -> None:
    rel = await graph.create_relationship("Rejected", [HELPDESK], customer_tenant_id=CUSTOMER)
    await graph.lock_for_approval(rel["id"])
    emulator.control.reject(rel["id"])
    assert (await graph.get_relationship(rel["id"]))["status"] == "terminated"


async def test_the_partner_cannot_approve_its_own_relationship(graph: GraphClient, emulator) -> None:
    """approve/reject are the customer's: Graph documents only lockForApproval and terminate for the partner's
    requests (v1.0 delegatedadminrelationship-post-requests). The client refuses to send them, the emulator too."""
    rel = await graph.create_relationship("Via requests", [HELPDESK], customer_tenant_id=CUSTOMER)
    await graph.lock_for_approval(rel["id"])
    for action in ("approve", "reject", "approveAll"):
        with pytest.raises(ValueError, match="not one a partner can request"):
            await graph.request_action(rel["id"], action)
        with pytest.raises(BadRequest, match="lockForApproval"):
            await graph.send_json("POST", f"{graph._rel(rel['id'])}/requests", {"action": action})
    assert (await graph.get_relationship(rel["id"]))["status"] == "approvalPending"
    emulator.control.approve(rel["id"])  # the customer, in the admin center
    assert (await graph.get_relationship(rel["id"]))["status"] == "active"


async def test_update_access_assignment_accepts_a_patch_body(graph: GraphClient, emulator) -> None:
    rel = emulator.control.seed_relationship(displayName="Seeded", roles=[HELPDESK, GLOBAL_READER], status="active")
    assignment = emulator.control.seed_access_assignment(rel["id"], groupId=ADMIN_AGENTS, roles=[HELPDESK])
    patch = {"accessDetails": {"unifiedRoles": [{"roleDefinitionId": GLOBAL_READER}]}}
    out = await graph.update_access_assignment(rel["id"], assignment["id"], assignment["@odata.etag"], patch)
    assert out == {}  # 202 Accepted, as Graph's example shows it: the operation applies the change
    assert role_ids_of(await graph.get_access_assignment(rel["id"], assignment["id"])) == [GLOBAL_READER]
