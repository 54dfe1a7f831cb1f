"""The emulator's Graph GDAP rules and shapes, exercised with raw HTTP (no client logic in between)."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
import pytest

HELPDESK = "729827e3-9c14-49f7-bb1b-9608f156bbb8"
GLOBAL_READER = "f2ef992c-3afb-46b9-b7cf-a126ee74c451"
GLOBAL_ADMIN = "62e90394-69f5-4237-9190-012177145e10"
CUSTOMER = "11111111-1111-4111-8111-111111111111"
GROUP = "aaaaaaaa-0000-4000-8000-000000000001"
RELS = "/graph/v1.0/tenantRelationships/delegatedAdminRelationships"


@pytest.fixture
def api(emulator):
    with httpx.Client(base_url=emulator.url, headers={"Authorization": "Bearer test"}, verify=False) as client:
        yield client


def body(name: str = "Contoso", roles=(HELPDESK,), **extra) -> dict:
    return {
        "displayName": name,
        "duration": "P730D",
        "customer": {"tenantId": CUSTOMER, "displayName": "Contoso"},
        "accessDetails": {"unifiedRoles": [{"roleDefinitionId": r} for r in roles]},
        **extra,
    }


def error_of(response: httpx.Response) -> tuple[int, str, str]:
    err = response.json()["error"]
    return response.status_code, err["code"], err["message"]


def parse(ts: str) -> datetime:
    return datetime.fromisoformat(ts.replace("Z", "+00:00"))


def test_create_shape(api) -> None:
    response = api.post(RELS, json=body(autoExtendDuration="P180D"))
    assert response.status_code == 201
    rel = response.json()
    assert response.headers["location"].endswith(f"{RELS}/{rel['id']}")
    assert response.headers["request-id"]
    assert rel["status"] == "created" and rel["@odata.etag"].startswith('W/"')
    assert rel["@odata.context"].endswith("$metadata#delegatedAdminRelationships/$entity")
    assert len(rel["id"]) == 73  # two GUIDs joined by a hyphen, as Graph's ids are
    assert set(rel) >= {
        "id",
        "displayName",
        "duration",
        "customer",
        "accessDetails",
        "status",
        "autoExtendDuration",
        "createdDateTime",
        "lastModifiedDateTime",
        "activatedDateTime",
        "endDateTime",
    }
    assert rel["createdDateTime"].endswith("Z")
    assert rel["autoExtendDuration"] == "P180D"


def test_401_without_bearer_token(emulator) -> None:
    response = httpx.get(emulator.url + RELS)
    assert error_of(response)[:2] == (401, "InvalidAuthenticationToken")
    response = httpx.get(emulator.url + RELS, headers={"Authorization": "Basic abc"})
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"displayName": "x" * 51}, "at most 50"),
        ({"displayName": ""}, "displayName is required"),
        ({"duration": "PT12H"}, "between P1D and P730D"),
        ({"duration": "P731D"}, "between P1D and P730D"),
        ({"duration": "two years"}, "not a valid ISO 8601"),
        ({"autoExtendDuration": "P90D"}, "autoExtendDuration must be one of"),
        ({"accessDetails": {"unifiedRoles": []}}, "non-empty"),
        ({"accessDetails": {"unifiedRoles": [{"roleDefinitionId": "Helpdesk"}]}}, "GUID"),
        ({"customer": {"tenantId": "contoso.com"}}, "GUID"),
        ({"status": "active"}, "read-only"),
        ({"colour": "blue"}, "does not exist"),
    ],
)
def test_create_validation(api, change: dict, fragment: str) -> None:
    status, code, message = error_of(api.post(RELS, json={**body(), **change}))
    assert (status, code) == (400, "badRequest")
    assert fragment in message


@pytest.mark.parametrize("duration", ["P1D", "P730D", "P2Y", "P1Y", "P12W"])
def test_duration_bounds_accepted(api, duration: str) -> None:
    assert api.post(RELS, json=body(f"d {duration}", duration=duration)).status_code == 201


@pytest.mark.parametrize("value", ["PT0S", "P0D", "P180D"])
def test_auto_extend_values(api, value: str) -> None:
    assert api.post(RELS, json=body(f"ae {value}", autoExtendDuration=value)).status_code == 201


def test_global_administrator_forbids_auto_extend(api) -> None:
    status, _, message = error_of(api.post(RELS, json=body(roles=(GLOBAL_ADMIN,), autoExtendDuration="P180D")))
    assert status == 400 and "Global Administrator" in message
    assert api.post(RELS, json=body(roles=(GLOBAL_ADMIN,), autoExtendDuration="PT0S")).status_code == 201


def test_display_name_unique_per_partner(api) -> None:
    assert api.post(RELS, json=body("Same")).status_code == 201
    status, code, message = error_of(api.post(RELS, json=body("same")))
    assert (status, code) == (409, "conflict") and "already exists" in message


def test_patch_needs_a_matching_if_match(api) -> None:
    rel = api.post(RELS, json=body()).json()
    url = f"{RELS}/{rel['id']}"
    assert error_of(api.patch(url, json={"displayName": "New"}))[:2] == (428, "preconditionRequired")
    assert error_of(api.patch(url, json={"displayName": "New"}, headers={"If-Match": 'W/"stale"'}))[0] == 412
    ok = api.patch(url, json={"displayName": "New", "duration": "P30D"}, headers={"If-Match": rel["@odata.etag"]})
    assert ok.status_code == 200 and ok.json()["duration"] == "P30D"
    assert api.get(url).json()["@odata.etag"] == ok.json()["@odata.etag"] != rel["@odata.etag"]


def test_patch_rules_per_status(api, emulator) -> None:
    rel = emulator.control.seed_relationship(displayName="Active", roles=[HELPDESK, GLOBAL_ADMIN], status="active")
    url = f"{RELS}/{rel['id']}"

    def patch(change: dict) -> httpx.Response:
        return api.patch(url, json=change, headers={"If-Match": api.get(url).json()["@odata.etag"]})

    assert error_of(patch({"duration": "P30D"}))[0] == 400
    assert patch({"displayName": "Active"}).status_code == 200  # unchanged value: no change
    # Global Administrator forbids auto-extend, and it is the one role that can be removed (long-running).
    assert "Global Administrator" in error_of(patch({"autoExtendDuration": "P180D"}))[2]
    assert error_of(patch({"accessDetails": {"unifiedRoles": [{"roleDefinitionId": GLOBAL_READER}]}}))[0] == 400
    removed = patch({"accessDetails": {"unifiedRoles": [{"roleDefinitionId": HELPDESK}]}})
    assert removed.status_code == 202
    assert patch({"autoExtendDuration": "P180D"}).json()["autoExtendDuration"] == "P180D"

    pending = emulator.control.seed_relationship(displayName="Pending", roles=[HELPDESK], status="approvalPending")
    response = api.patch(
        f"{RELS}/{pending['id']}", json={"autoExtendDuration": "P180D"}, headers={"If-Match": pending["@odata.etag"]}
    )
    assert "can no longer be updated" in error_of(response)[2]


def test_delete_only_in_created(api, emulator) -> None:
    rel = api.post(RELS, json=body()).json()
    url = f"{RELS}/{rel['id']}"
    assert api.delete(url).status_code == 428
    api.post(f"{url}/requests", json={"action": "lockForApproval"})
    locked = api.get(url).json()
    status, _, message = error_of(api.delete(url, headers={"If-Match": locked["@odata.etag"]}))
    assert status == 400 and "terminate" in message
    fresh = api.post(RELS, json=body("Fresh")).json()
    assert api.delete(f"{RELS}/{fresh['id']}", headers={"If-Match": fresh["@odata.etag"]}).status_code == 204
    assert error_of(api.get(f"{RELS}/{fresh['id']}"))[:2] == (404, "itemNotFound")


def test_requests_and_transitions(api, emulator) -> None:
    rel = api.post(RELS, json=body()).json()
    url = f"{RELS}/{rel['id']}"
    assert "delete it instead" in error_of(api.post(f"{url}/requests", json={"action": "terminate"}))[2]
    created = api.post(f"{url}/requests", json={"action": "lockForApproval"})
    assert created.status_code == 201 and created.json()["status"] == "created"
    assert created.headers["location"].endswith(created.json()["id"])
    assert api.get(f"{url}/requests/{created.json()['id']}").json()["status"] == "succeeded"
    assert error_of(api.post(f"{url}/requests", json={"action": "lockForApproval"}))[0] == 400
    assert "approvalPending" in error_of(api.post(f"{url}/requests", json={"action": "terminate"}))[2]
    assert error_of(api.post(f"{url}/requests", json={"action": "dance"}))[0] == 400
    emulator.control.approve(rel["id"])
    assert api.get(url).json()["status"] == "active"
    with pytest.raises(httpx.HTTPStatusError, match="409"):
        emulator.control.approve(rel["id"])
    requests = api.get(f"{url}/requests").json()["value"]
    assert [(r["action"], r["status"]) for r in requests] == [
        ("lockForApproval", "succeeded"),
        ("approve", "succeeded"),
    ]


def test_dates_follow_activation(api, emulator) -> None:
    emulator.control.set_time("2026-01-01T00:00:00Z")
    rel = api.post(RELS, json=body(duration="P90D")).json()
    api.post(f"{RELS}/{rel['id']}/requests", json={"action": "lockForApproval"})
    emulator.control.approve(rel["id"])
    active = api.get(f"{RELS}/{rel['id']}").json()
    activated, end = parse(active["activatedDateTime"]), parse(active["endDateTime"])
    assert activated.date().isoformat() == "2026-01-01"
    assert end - activated == timedelta(days=90)


def test_expiring_and_expired_by_time_travel(api, emulator) -> None:
    emulator.control.settings(expiring_window_days=30)
    rel = emulator.control.seed_relationship(displayName="Ages", roles=[HELPDESK], status="active", duration="P90D")
    url = f"{RELS}/{rel['id']}"
    end = parse(api.get(url).json()["endDateTime"])
    assert api.get(url).json()["status"] == "active"
    emulator.control.set_time(end - timedelta(days=10))
    assert api.get(url).json()["status"] == "expiring"
    emulator.control.set_time(end + timedelta(seconds=1))
    assert api.get(url).json()["status"] == "expired"
    # Nothing can be assigned on an expired relationship.
    assignment = {
        "accessContainer": {"accessContainerId": GROUP, "accessContainerType": "securityGroup"},
        "accessDetails": {"unifiedRoles": [{"roleDefinitionId": HELPDESK}]},
    }
    assert "expired" in error_of(api.post(f"{url}/accessAssignments", json=assignment))[2]


def test_auto_extend_moves_the_end_date(api, emulator) -> None:
    rel = emulator.control.seed_relationship(
        displayName="Extends", roles=[HELPDESK], status="active", duration="P30D", autoExtendDuration="P180D"
    )
    url = f"{RELS}/{rel['id']}"
    end = parse(api.get(url).json()["endDateTime"])
    emulator.control.set_time(end + timedelta(days=1))
    extended = api.get(url).json()
    assert extended["status"] == "active"
    assert parse(extended["endDateTime"]) == end + timedelta(days=180)


def test_seeded_statuses(api, emulator) -> None:
    emulator.control.settings(activation_delay=100, termination_delay=100)
    for status in (
        "created",
        "approvalPending",
        "approved",
        "activating",
        "active",
        "expiring",
        "expired",
        "terminationRequested",
        "terminating",
        "terminated",
    ):
        rel = emulator.control.seed_relationship(displayName=f"s {status}", roles=[HELPDESK], status=status)
        assert api.get(f"{RELS}/{rel['id']}").json()["status"] == status


def test_control_can_set_dates(api, emulator) -> None:
    rel = emulator.control.seed_relationship(displayName="Dated", roles=[HELPDESK], status="active")
    soon = datetime.fromisoformat(emulator.control.now().replace("Z", "+00:00")) + timedelta(days=5)
    updated = emulator.control.set_relationship(rel["id"], endDateTime=soon.isoformat())
    assert updated["status"] == "expiring"
    assert api.get(f"{RELS}/{rel['id']}").json()["@odata.etag"] != rel["@odata.etag"]


def test_access_assignment_rules(api, emulator) -> None:
    emulator.control.settings(assignment_delay=3600)
    rel = emulator.control.seed_relationship(displayName="Assign", roles=[HELPDESK, GLOBAL_READER], status="active")
    url = f"{RELS}/{rel['id']}/accessAssignments"

    def assignment(group: str = GROUP, roles=(HELPDESK,), kind: str = "securityGroup") -> dict:
        return {
            "accessContainer": {"accessContainerId": group, "accessContainerType": kind},
            "accessDetails": {"unifiedRoles": [{"roleDefinitionId": r} for r in roles]},
        }

    created = api.post(url, json=assignment())
    assert created.status_code == 201 and created.json()["status"] == "pending"
    aid, etag = created.json()["id"], created.json()["@odata.etag"]
    assert error_of(api.post(url, json=assignment()))[:2] == (409, "conflict")
    assert error_of(api.post(url, json=assignment("not-a-guid")))[0] == 400
    assert error_of(api.post(url, json=assignment(kind="user")))[0] == 400
    assert "not part of the relationship" in error_of(api.post(url, json=assignment(GROUP, (GLOBAL_ADMIN,))))[2]
    emulator.control.advance(3600)
    active = api.get(f"{url}/{aid}").json()
    assert active["status"] == "active" and active["@odata.etag"] != etag
    assert api.delete(f"{url}/{aid}").status_code == 428
    assert api.delete(f"{url}/{aid}", headers={"If-Match": etag}).status_code == 412
    assert api.delete(f"{url}/{aid}", headers={"If-Match": active["@odata.etag"]}).status_code == 204
    deleting = api.get(f"{url}/{aid}").json()
    assert deleting["status"] == "deleting"
    assert "already" in error_of(api.delete(f"{url}/{aid}", headers={"If-Match": deleting["@odata.etag"]}))[2]
    emulator.control.advance(3600)
    assert api.get(f"{url}/{aid}").json()["status"] == "deleted"
    # Once deleted, the group may be assigned again.
    assert api.post(url, json=assignment()).status_code == 201
    listed = api.get(url, params={"$filter": "status eq 'deleted'"}).json()["value"]
    assert [a["id"] for a in listed] == [aid]
    assert error_of(api.get(f"{url}/nope"))[0] == 404


def test_unknown_route_and_method(api) -> None:
    assert error_of(api.get("/graph/v1.0/nope"))[:2] == (404, "itemNotFound")
    assert error_of(api.put(RELS))[0] == 405
    assert error_of(api.post(RELS, content=b"{not json", headers={"Content-Type": "application/json"}))[0] == 400


def test_the_partner_can_request_only_lock_for_approval_and_terminate(api, emulator) -> None:
    """Graph v1.0 delegatedadminrelationship-post-requests: "The possible values are: lockForApproval, terminate"."""
    rel = api.post(RELS, json=body()).json()
    url = f"{RELS}/{rel['id']}"
    assert api.post(f"{url}/requests", json={"action": "lockForApproval"}).status_code == 201
    for action in ("approve", "reject"):
        status, code, message = error_of(api.post(f"{url}/requests", json={"action": action}))
        assert (status, code) == (400, "badRequest") and "customer" in message
    assert api.get(url).json()["status"] == "approvalPending"
    assert [r["action"] for r in api.get(f"{url}/requests").json()["value"]] == ["lockForApproval"]


def test_an_access_assignment_update_is_a_long_running_operation(api, emulator) -> None:
    """Graph v1.0 delegatedadminaccessassignment-update: 202 Accepted, Location of an operation of the relationship,
    Retry-After, body {}; identical values: 200 with the assignment as it is."""
    emulator.control.settings(gdap_operation_delay=30, gdap_operation_retry_after=10)
    rel = emulator.control.seed_relationship(displayName="Ops", roles=[HELPDESK, GLOBAL_READER], status="active")
    a = emulator.control.seed_access_assignment(rel["id"], groupId=GROUP, roles=[HELPDESK])
    url = f"{RELS}/{rel['id']}/accessAssignments/{a['id']}"
    same = api.patch(
        url,
        json={"accessDetails": {"unifiedRoles": [{"roleDefinitionId": HELPDESK}]}},
        headers={"If-Match": a["@odata.etag"]},
    )
    assert same.status_code == 200 and same.json()["id"] == a["id"] and "location" not in same.headers
    wider = {"accessDetails": {"unifiedRoles": [{"roleDefinitionId": HELPDESK}, {"roleDefinitionId": GLOBAL_READER}]}}
    accepted = api.patch(url, json=wider, headers={"If-Match": a["@odata.etag"]})
    assert accepted.status_code == 202 and accepted.json() == {} and accepted.headers["retry-after"] == "10"
    location = accepted.headers["location"]
    assert f"{RELS}/{rel['id']}/operations/" in location
    operation = api.get(location.removeprefix(emulator.url)).json()
    assert operation["operationType"] == "delegatedAdminAccessAssignmentUpdate"
    assert operation["status"] in ("notStarted", "running")
    assert [r["roleDefinitionId"] for r in api.get(url).json()["accessDetails"]["unifiedRoles"]] == [HELPDESK]
    assert error_of(api.patch(url, json=wider, headers={"If-Match": api.get(url).json()["@odata.etag"]}))[0] == 409
    emulator.control.advance(30)
    assert api.get(location.removeprefix(emulator.url)).json()["status"] == "succeeded"
    roles = [r["roleDefinitionId"] for r in api.get(url).json()["accessDetails"]["unifiedRoles"]]
    assert roles == [HELPDESK, GLOBAL_READER]
