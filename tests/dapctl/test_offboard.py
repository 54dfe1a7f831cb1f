"""Offboarding: revoke (verified), then `lifecycle: offboarded`, then drift that never advises restoring access.

The commands run in-process: the connection is the --endpoint option, passed to every client (nothing is read
from or written to the environment by dapctl itself).
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from dapctl.cli import app
from intent import Lifecycle, load_intent
from tests.support.cli import with_emulator_time

CONTOSO = "3a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d"
DIRECTORY_READERS = "88d8e3e3-8f55-4a1e-953a-9b9898b8876b"


@pytest.fixture
def cli(onboarded, monkeypatch, tmp_path):
    emulator, project, relationship_id, subscriptions = onboarded
    with_emulator_time(monkeypatch, emulator)
    monkeypatch.delenv("CSP_DELEGATION_ENDPOINT", raising=False)
    monkeypatch.chdir(tmp_path)  # the revocation journal goes to .dapctl/ here
    runner = CliRunner()
    common = ["--stack", "dev", "--project-dir", str(project), "--endpoint", emulator.url]

    def run(*args: str):
        return runner.invoke(app, [*args, *common], catch_exceptions=False)

    return run, emulator, project, relationship_id, subscriptions


def test_revoke_alone_leaves_drift_advising_to_restore_what_offboard_then_stops(cli):
    run, emulator, project, _, _ = cli
    stack_file = project / "Pulumi.dev.yaml"
    before = stack_file.read_text()

    # The dry run shows the steps and changes nothing.
    dry = run("offboard", "contoso")
    assert dry.exit_code == 0, dry.output
    added = [line for line in dry.output.splitlines() if line.startswith("+") and not line.startswith("+++")]
    assert [line[1:].strip() for line in added] == ["lifecycle: offboarded"]
    assert "pulumi state unprotect" in dry.output
    assert stack_file.read_text() == before

    applied = run("offboard", "contoso", "--apply", "--yes", "--accept-unverified")
    # 5, not 0: the partner cannot list the tenant root (no elevated access), and says so; recorded as accepted
    assert applied.exit_code == 5, applied.output
    assert "cannot list role assignments at /" in applied.output
    after = stack_file.read_text()
    [edited] = [line.strip() for line in after.splitlines() if line not in before.splitlines()]
    assert edited.startswith("lifecycle: offboarded  # set by dapctl offboard --accept-unverified")
    assert load_intent("dev", project).customer("contoso").lifecycle is Lifecycle.OFFBOARDED

    clean = run("drift", "--customer", "contoso", "--format", "json")
    assert clean.exit_code == 0, clean.output
    assert json.loads(clean.stdout)["drift"] == []
    status = run("gdap", "status", "--json")
    rows = json.loads(status.stdout)["rows"]
    contoso = [r for r in rows if r["customer"] == "contoso"]
    assert contoso and not [r for r in contoso if r["warnings"]]  # terminated by the offboarding: expected

    # Access comes back (a relationship made by hand in Partner Center): drift says so and says to remove it,
    # never to restore anything. (Azure grants of an offboarded customer are out of the partner's sight: without
    # GDAP or DAP there is no admin-on-behalf-of; the customer's own audit sees them.)
    emulator.control.seed_relationship(
        displayName="contoso-by-hand", customer={"tenantId": CONTOSO}, roles=[DIRECTORY_READERS], status="active"
    )
    reappeared = run("drift", "--customer", "contoso", "--format", "json")
    assert reappeared.exit_code == 3
    items = json.loads(reappeared.stdout)["drift"]
    assert items and all(i["kind"] == "unexpected" and "dapctl revoke contoso" in i["fix"] for i in items)
    assert "pulumi up" not in reappeared.stdout

    # The stack declares nothing for the customer any more.
    plan = run("plan", "--json")
    resources = json.loads(plan.stdout)["resources"]
    assert not [r for r in resources if r["name"] == "contoso" or r["name"].startswith("contoso-")]


def test_an_interrupted_offboarding_resumes_and_changes_the_config_only_once_verified(cli):
    run, emulator, project, _, _ = cli
    stack_file = project / "Pulumi.dev.yaml"
    before = stack_file.read_text()
    # Graph refuses to terminate the relationship: the Azure grants are gone, the delegation is not.
    fault = emulator.control.add_fault(
        "/graph/v1.0/tenantRelationships/delegatedAdminRelationships", method="POST", status=500, times=None
    )

    stopped = run("offboard", "contoso", "--apply", "--yes")
    assert stopped.exit_code == 1, stopped.output
    assert "Offboarding stopped" in stopped.output
    assert stack_file.read_text() == before  # nothing verified: the config still expects the access

    emulator.control.remove_fault(fault["id"])
    resumed = run("offboard", "contoso", "--apply", "--yes", "--accept-unverified")
    assert resumed.exit_code == 5, resumed.output  # (the tenant root stays unverifiable from the partner's side)
    assert "lifecycle: offboarded" in stack_file.read_text()
    again = run("offboard", "contoso", "--apply", "--yes")  # a third run finds nothing to do
    assert again.exit_code == 5 and "already `lifecycle: offboarded`" in again.output
