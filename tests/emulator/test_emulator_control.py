"""The emulator's control endpoint, scenarios, faults, request log, and the command line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from emulator import EmulatorServer, load_scenario_file
from emulator.core.client import EmulatorControl
from tests.helpers import REPO, eventually

ROOT = REPO
DEV = ROOT / "emulator" / "worlds" / "scenarios" / "dev.yaml"
RELS = "/graph/v1.0/tenantRelationships/delegatedAdminRelationships"
HELPDESK = "729827e3-9c14-49f7-bb1b-9608f156bbb8"
AUTH = {"Authorization": "Bearer test"}


def test_dev_scenario_loads(emulator) -> None:
    dump = emulator.control.load_scenario(DEV)
    statuses = {r["displayName"]: r["status"] for r in dump["gdap"]["relationships"]}
    assert statuses == {"contoso-gdap": "active", "adatum-gdap": "approvalPending"}
    contoso = dump["gdap"]["relationships"][0]
    assert [a["status"] for a in contoso["accessAssignments"]] == ["active", "active"]
    assert dump["settings"]["activation_delay"] == 2
    assert emulator.settings.activation_delay == 2  # the in-process handle sees the same state


def test_reset_forgets_everything(emulator) -> None:
    emulator.control.load_scenario(DEV)
    emulator.control.add_fault("/graph", status=503, times=None)
    emulator.control.advance(days=10)
    emulator.control.reset()
    dump = emulator.control.state()
    assert dump["gdap"]["relationships"] == [] and dump["faults"] == []
    assert abs(dump["clock_offset_seconds"]) < 1
    assert dump["settings"]["activation_delay"] == 0


def test_reset_with_a_scenario(emulator) -> None:
    emulator.control.reset({"gdap": {"relationships": [{"displayName": "Only", "roles": [HELPDESK]}]}})
    assert [r["displayName"] for r in emulator.control.state()["gdap"]["relationships"]] == ["Only"]


def test_scenario_errors_are_400(emulator) -> None:
    with pytest.raises(httpx.HTTPStatusError, match="unknown scenario keys"):
        emulator.control.load_scenario({"gdpa": {}})
    with pytest.raises(httpx.HTTPStatusError, match="unknown settings"):
        emulator.control.load_scenario({"settings": {"activation_dealy": 1}})
    with pytest.raises(httpx.HTTPStatusError, match="GUID"):
        emulator.control.load_scenario({"gdap": {"relationships": [{"displayName": "x", "roles": ["Helpdesk"]}]}})


def test_scenario_clock_and_faults(emulator) -> None:
    emulator.control.load_scenario(
        {
            "clock": {"now": "2030-06-01T12:00:00Z"},
            "faults": [{"path_prefix": "/graph", "status": 429, "times": 1, "retry_after": 2}],
        }
    )
    assert emulator.control.now().startswith("2030-06-01T12:00")
    response = httpx.get(emulator.url + RELS, headers=AUTH)
    assert response.status_code == 429 and response.headers["retry-after"] == "2"
    assert response.json()["error"]["code"] == "TooManyRequests"
    assert httpx.get(emulator.url + RELS, headers=AUTH).status_code == 200


def test_fault_management(emulator) -> None:
    fault = emulator.control.add_fault(RELS, status=503, times=2, method="post")
    assert fault["id"] and fault["method"] == "POST"
    assert httpx.get(emulator.url + RELS, headers=AUTH).status_code == 200  # method-scoped
    assert httpx.post(emulator.url + RELS, headers=AUTH, json={}).status_code == 503
    assert emulator.control.fault(fault["id"])["fired"] == 1
    emulator.control.remove_fault(fault["id"])
    assert emulator.control.faults() == []
    with pytest.raises(httpx.HTTPStatusError, match="404"):
        emulator.control.remove_fault(fault["id"])
    with pytest.raises(httpx.HTTPStatusError, match="needs a status"):
        emulator.control.add_fault(RELS)
    with pytest.raises(httpx.HTTPStatusError, match="unknown fault fields"):
        emulator.control._call("POST", "/faults", {"status": 500, "colour": "red"})


def test_latency_fault_and_control_paths_are_never_faulted(emulator) -> None:
    fault = emulator.control.add_fault("/", latency=0.2, times=None)
    assert emulator.control.health()["ok"]
    assert emulator.control.faults()[0]["matched"] == 0  # the control call was not even considered
    assert httpx.get(emulator.url + RELS, headers=AUTH).status_code == 200
    [logged] = emulator.control.requests(RELS)
    assert logged["fault"] == fault["id"] and logged["latency"] == 0.2  # the emulator held it 0.2 s on purpose


def test_every_answered_request_is_already_in_the_log(emulator) -> None:
    """The log entry is written before the answer leaves, so a client that has its answer finds it there."""
    for n in range(1, 31):
        assert httpx.get(emulator.url + RELS, headers=AUTH).status_code == 200
        assert len(emulator.control.requests(RELS)) == n


def test_request_log(emulator) -> None:
    httpx.get(emulator.url + RELS, headers=AUTH)
    httpx.get(emulator.url + RELS + "?$top=5", headers=AUTH)
    httpx.post(emulator.url + RELS, json={}, headers=AUTH)
    httpx.get(emulator.url + RELS)  # unauthenticated: logged too
    emulator.control.state()  # control calls are not logged
    log = emulator.control.requests(RELS)
    assert [(r["method"], r["status"]) for r in log] == [("GET", 200), ("GET", 200), ("POST", 400), ("GET", 401)]
    assert log[1]["query"] == "$top=5"
    assert len(emulator.control.requests(RELS, method="POST")) == 1
    emulator.control.clear_requests()
    assert emulator.control.requests() == []


def test_settings_and_clock(emulator) -> None:
    assert emulator.control.settings(page_size=2)["page_size"] == 2
    with pytest.raises(httpx.HTTPStatusError, match="number"):
        emulator.control.settings(activation_delay="slow")
    before = emulator.control.now()
    after = emulator.control.advance(days=365)
    assert after[:4] == str(int(before[:4]) + 1) or after[:4] == str(int(before[:4]) + 2)
    assert emulator.clock.offset_seconds >= 365 * 86400 - 1
    emulator.control.reset_clock()
    assert abs(emulator.clock.offset_seconds) < 1


def test_errors_carry_request_ids(emulator) -> None:
    response = httpx.get(emulator.url + RELS + "/missing", headers={**AUTH, "client-request-id": "abc-123"})
    inner = response.json()["error"]["innerError"]
    assert response.headers["request-id"] == inner["request-id"]
    assert response.headers["client-request-id"] == inner["client-request-id"] == "abc-123"


def test_delayed_request_does_not_leak_across_reset(emulator) -> None:
    """A request held by a latency fault must not land in the next test's world."""
    emulator.control.add_fault(RELS, latency=0.3, method="POST")
    body = {
        "displayName": "Late",
        "duration": "P30D",
        "accessDetails": {"unifiedRoles": [{"roleDefinitionId": HELPDESK}]},
    }
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(emulator.url + RELS, json=body, headers=AUTH, timeout=0.1)
    emulator.control.reset()
    eventually(lambda: emulator.state.in_flight <= 0)  # (a reset zeroes the count: a late finisher goes below)
    statuses = [r["status"] for r in emulator.control.requests(RELS, "POST")]
    # Refused as stale. On a loaded machine an earlier test's held POST can finish after this reset too: it is
    # refused the same way, so every POST logged since the reset is a 503, and none made a relationship.
    assert statuses and set(statuses) == {503}, statuses
    assert emulator.control.state()["gdap"]["relationships"] == []


def test_standalone_server_context_manager() -> None:
    scenario = load_scenario_file(DEV)
    with EmulatorServer(scenario=scenario) as server, EmulatorControl(server.url) as control:
        assert server.url.startswith("http://127.0.0.1:")
        assert len(control.state()["gdap"]["relationships"]) == 2


def test_command_line_picks_a_free_port(tmp_path: Path) -> None:
    with subprocess.Popen(
        [sys.executable, "-m", "emulator", "--port", "0", "--scenario", str(DEV)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    ) as process:
        try:
            line = process.stdout.readline() if process.stdout else ""
            assert line.startswith("emulator listening on http://127.0.0.1:"), line
            url = line.split()[-1]
            assert not url.endswith(":0")
            response = httpx.get(url + RELS, headers=AUTH, timeout=5)
            assert len(response.json()["value"]) == 2
        finally:
            process.terminate()
            process.wait(timeout=10)
