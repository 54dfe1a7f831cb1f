"""Global Administrator removed from an active GDAP relationship in place: Graph's long-running operation.

Over real HTTP against the emulator: PATCH (If-Match) with the roles minus Global Administrator answers
202 with the Location of a delegatedAdminRelationshipOperation (notStarted, running, then succeeded or
failed on the emulator's clock); the relationship keeps its roles, and refuses auto-extend, until the
operation has succeeded. GraphClient.remove_global_administrator polls it to the end with an injected
clock, within a bound.
"""

from __future__ import annotations

import httpx
import pytest

from azure_http import BadRequest, Endpoints, GraphClient, StaticToken, UnexpectedStatus, WaitTimeout
from azure_http.gdap import role_ids_of
from tests.helpers import EmulatorTime

HELPDESK = "729827e3-9c14-49f7-bb1b-9608f156bbb8"
GLOBAL_READER = "f2ef992c-3afb-46b9-b7cf-a126ee74c451"
GLOBAL_ADMIN = "62e90394-69f5-4237-9190-012177145e10"
USER_ADMIN = "fe930be7-5e62-47db-91af-98c3a49a38b1"
RELS = "/graph/v1.0/tenantRelationships/delegatedAdminRelationships"
OPERATION = 90  # seconds on the emulator's clock: notStarted for 30, running until 90

pytestmark = pytest.mark.anyio


@pytest.fixture
def api(emulator):
    with httpx.Client(base_url=emulator.url, headers={"Authorization": "Bearer t"}) as client:
        yield client


def active(emulator, roles=(HELPDESK, GLOBAL_READER, GLOBAL_ADMIN), name="With GA") -> dict:
    return emulator.control.seed_relationship(displayName=name, roles=list(roles), status="active")


def test_the_operation_runs_on_the_clock_and_the_roles_change_only_when_it_succeeds(api, emulator) -> None:
    emulator.control.settings(gdap_operation_delay=OPERATION, gdap_operation_retry_after=15)
    rel = active(emulator)
    url = f"{RELS}/{rel['id']}"
    without = {"accessDetails": {"unifiedRoles": [{"roleDefinitionId": HELPDESK}, {"roleDefinitionId": GLOBAL_READER}]}}
    assert api.patch(url, json=without).status_code == 428  # If-Match is required
    accepted = api.patch(url, json=without, headers={"If-Match": rel["@odata.etag"]})
    assert accepted.status_code == 202 and accepted.content == b""
    assert accepted.headers["Retry-After"] == "15"
    location = accepted.headers["Location"]
    assert location.startswith(f"{emulator.url}{url}/operations/")

    def operation(**headers) -> dict:
        return api.get(location.removeprefix(emulator.url), headers=headers).json()

    first = operation()
    assert first["status"] == "notStarted" and first["operationType"] == "unknownFutureValue"
    assert operation(Prefer="include-unknown-enum-members")["operationType"] == "delegatedAdminRelationshipUpdate"
    assert GLOBAL_ADMIN in role_ids_of(api.get(url).json())  # not removed yet
    # While it runs: no second role change, and auto-extend is still refused (Global Administrator is there).
    current = api.get(url).json()
    again = api.patch(url, json=without, headers={"If-Match": current["@odata.etag"]})
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"
    extend = api.patch(url, json={"autoExtendDuration": "P180D"}, headers={"If-Match": current["@odata.etag"]})
    assert extend.status_code == 400 and "Global Administrator" in extend.json()["error"]["message"]

    emulator.control.advance(45)
    assert operation()["status"] == "running"
    emulator.control.advance(45)
    done = operation()
    assert done["status"] == "succeeded" and done["lastModifiedDateTime"] > done["createdDateTime"]
    after = api.get(url).json()
    assert sorted(role_ids_of(after)) == sorted([HELPDESK, GLOBAL_READER])
    assert after["status"] == "active" and after["@odata.etag"] != current["@odata.etag"]
    listed = api.get(f"{url}/operations").json()["value"]
    assert [o["id"] for o in listed] == [done["id"]]
    # Now auto-extend may be switched on.
    extended = api.patch(url, json={"autoExtendDuration": "P180D"}, headers={"If-Match": after["@odata.etag"]})
    assert extended.status_code == 200 and extended.json()["autoExtendDuration"] == "P180D"


def test_only_global_administrator_may_leave_an_active_relationship(api, emulator) -> None:
    rel = active(emulator)
    url = f"{RELS}/{rel['id']}"
    # Two roles gone, another role gone instead of Global Administrator, a role added: all refused.
    for roles in ([HELPDESK], [HELPDESK, GLOBAL_ADMIN], [HELPDESK, GLOBAL_READER, GLOBAL_ADMIN, USER_ADMIN]):
        body = {"accessDetails": {"unifiedRoles": [{"roleDefinitionId": r} for r in roles]}}
        refused = api.patch(url, json=body, headers={"If-Match": api.get(url).json()["@odata.etag"]})
        assert refused.status_code == 400 and "only role change allowed" in refused.json()["error"]["message"]
    assert api.get(f"{url}/operations").json()["value"] == []
    pending = emulator.control.seed_relationship(displayName="Pending", roles=[HELPDESK, GLOBAL_ADMIN])
    emulator.control.set_relationship(pending["id"], status="approvalPending")
    locked = api.get(f"{RELS}/{pending['id']}").json()
    body = {"accessDetails": {"unifiedRoles": [{"roleDefinitionId": HELPDESK}]}}
    refused = api.patch(f"{RELS}/{pending['id']}", json=body, headers={"If-Match": locked["@odata.etag"]})
    assert refused.status_code == 400 and "can no longer be updated" in refused.json()["error"]["message"]
    assert api.get(f"{RELS}/{rel['id']}/operations/nope").status_code == 404


@pytest.fixture
def time(emulator) -> EmulatorTime:
    return EmulatorTime(emulator)


async def graph_client(emulator, time: EmulatorTime) -> GraphClient:
    return GraphClient(StaticToken(), Endpoints.emulator(emulator.url), sleep=time.sleep, clock=time.now)


async def test_the_client_polls_the_operation_to_the_end(emulator, time) -> None:
    emulator.control.settings(gdap_operation_delay=OPERATION, gdap_operation_retry_after=20)
    rel = active(emulator)
    async with await graph_client(emulator, time) as graph:
        result = await graph.remove_global_administrator(rel["id"], timeout=600)
        assert result.changed and result.operation["status"] == "succeeded"
        assert GLOBAL_ADMIN not in role_ids_of(result.relationship)
        assert time.delays == [20, 20, 20, 20, 20]  # Graph's Retry-After, until the operation finished at 90 s
        # Nothing left to remove: no request that changes anything.
        emulator.control.clear_requests()
        again = await graph.remove_global_administrator(rel["id"])
        assert not again.changed and not emulator.control.requests(method="PATCH")


async def test_the_client_stops_at_its_bound_and_reports_a_failed_operation(emulator, time) -> None:
    emulator.control.settings(gdap_operation_delay=OPERATION, gdap_operation_retry_after=10)
    rel = active(emulator)
    async with await graph_client(emulator, time) as graph:
        with pytest.raises(WaitTimeout, match="still 'running'") as timed_out:
            await graph.remove_global_administrator(rel["id"], timeout=40)
        assert time.seconds == 40
        operation_id = timed_out.value.last["id"]
        finished = await graph.wait_for_operation(rel["id"], operation_id, timeout=600)
        assert finished["status"] == "succeeded"

        emulator.control.settings(gdap_operation_outcome="failed")
        other = active(emulator, name="Fails")
        with pytest.raises(UnexpectedStatus, match="failed"):
            await graph.remove_global_administrator(other["id"], timeout=600)
        assert GLOBAL_ADMIN in role_ids_of(await graph.get_relationship(other["id"]))


async def test_the_client_refuses_what_graph_refuses(emulator, time) -> None:
    only_ga = active(emulator, roles=(GLOBAL_ADMIN,), name="GA only")
    expired = emulator.control.seed_relationship(displayName="Old", roles=[HELPDESK, GLOBAL_ADMIN], status="expired")
    async with await graph_client(emulator, time) as graph:
        with pytest.raises(ValueError, match="Global Administrator only"):
            await graph.remove_global_administrator(only_ga["id"])
        with pytest.raises(BadRequest, match="can no longer be updated"):
            await graph.remove_global_administrator(expired["id"])
