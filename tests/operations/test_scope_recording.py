"""Every run that reads a customer's Azure adds what it saw to the customer's expected scope, so a later
revocation that can no longer see a subscription calls it "not verified", never "gone"."""

from __future__ import annotations

import json

from runbooks.expected_scope import record_path
from tests.support.cli import dapctl

CONTOSO = "3a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d"


def recorded(project) -> dict[str, list[str]]:
    return json.loads(record_path(project, CONTOSO).read_text())["subscriptions"]


def test_audit_drift_and_the_fleet_record_the_subscriptions_they_saw(onboarded):
    emulator, project, _, subscriptions = onboarded
    at = ["--project-dir", str(project)]
    assert not record_path(project, CONTOSO).exists()

    audited = dapctl("audit", "contoso", "--stack", "dev", *at, endpoint=emulator.url)
    assert audited.returncode in (0, 5), audited.output
    assert {s.lower() for s in subscriptions} <= set(recorded(project))
    assert all(sources == ["audit"] for sources in recorded(project).values())

    dapctl("drift", "--stack", "dev", "--customer", "contoso", *at, endpoint=emulator.url)
    dapctl("fleet", "drift", *at, endpoint=emulator.url)
    dapctl("fleet", "audit", *at, endpoint=emulator.url)
    for subscription in subscriptions:
        assert recorded(project)[subscription.lower()] == ["audit", "drift"]


def test_a_damaged_record_stops_one_command_with_its_name_and_only_that_customer_in_the_fleet(onboarded):
    emulator, project, _, _ = onboarded
    at = ["--project-dir", str(project)]
    path = record_path(project, CONTOSO)
    path.parent.mkdir(parents=True)
    path.write_text("{not json")

    audited = dapctl("audit", "contoso", "--stack", "dev", *at, endpoint=emulator.url)
    assert audited.returncode == 2 and str(path) in " ".join(audited.stderr.split()), audited.output
    assert "Traceback" not in audited.output

    fleet = dapctl("fleet", "drift", "--json", *at, endpoint=emulator.url)
    items = json.loads(fleet.stdout)["stacks"]["dev"]
    [unchecked] = [i for i in items if i["customer"] == "contoso" and i["kind"] == "not checked"]
    assert "expected scope not recorded" in unchecked["what"] and str(path) in unchecked["what"]
    assert {i["customer"] for i in items} >= {"fabrikam", "adatum"}  # the fleet ran on for the others
    assert path.read_text() == "{not json"  # never overwritten with a guess
