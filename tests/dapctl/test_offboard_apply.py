"""`dapctl offboard --apply`: the state steps it prints are the ones the dry run lists (read before the stack file
is edited), the customer's revocation runbook among them; `--json` is one JSON document on stdout; and a
revocation that could not verify everything (exit 5) leaves the stack file alone unless `--accept-unverified`,
which the edited line records.

In-process (typer's CliRunner, explicit --endpoint) against the strict emulator, Contoso onboarded.
"""

from __future__ import annotations

import json

from intent import Lifecycle, load_intent
from tests.dapctl.test_offboard import cli  # noqa: F401 - the in-process dapctl fixture

RUNBOOK_TYPES = (
    "azure-native:resources:ResourceGroup",
    "azure-native:storage:StorageAccount",
    "azure-native:automation:AutomationAccount",
    "azure-native:authorization:RoleDefinition",
)


def state_commands(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip().startswith("pulumi state ")]


def test_apply_with_json_prints_one_json_document_with_the_dry_runs_state_steps(cli):  # noqa: F811
    run, _, project, _, _ = cli
    dry = run("offboard", "contoso", "--json")
    assert dry.exit_code == 0, dry.output
    planned = json.loads(dry.stdout)["stateSteps"]  # stdout is the JSON document alone
    commands = [s["command"] for s in planned]
    assert any("pulumi state unprotect" in c and "GdapRelationship" in c for c in commands), commands
    for kind in RUNBOOK_TYPES:  # the runbook stays in the customer's subscription: forgotten, not "gone in Azure"
        [step] = [s for s in planned if kind in s["urn"]]
        assert step["command"].startswith("pulumi state delete") and "runbook" in step["why"]

    applied = run("offboard", "contoso", "--apply", "--yes", "--json", "--accept-unverified")
    # 5 while the tenant root counts as unverifiable from the partner's side (0 once it is a documented limit)
    assert applied.exit_code in (0, 5), applied.output
    document = json.loads(applied.stdout)  # no human report before (or after) it
    assert document["applied"] is True and document["offboarded"] is True
    assert document["acceptedUnverified"] is (applied.exit_code == 5)
    assert document["stateSteps"] == planned  # computed before the edit, not after it (when nothing is declared)
    assert "Step 1 of 3" in applied.stderr and "Step 3 of 3" in applied.stderr
    assert load_intent("dev", project).customer("contoso").lifecycle is Lifecycle.OFFBOARDED


def test_apply_prints_the_state_steps_and_never_calls_the_runbook_gone(cli):  # noqa: F811
    run = cli[0]
    dry = run("offboard", "contoso")
    applied = run("offboard", "contoso", "--apply", "--yes", "--accept-unverified")
    assert applied.exit_code in (0, 5), applied.output
    assert state_commands(applied.stdout) == state_commands(dry.stdout) != []
    assert "Automation" in applied.stdout or "AutomationAccount" in applied.stdout
    assert "the customer's other resources leave the state (already gone in Azure)" not in applied.stdout


def test_an_unverified_revocation_does_not_mark_the_customer_offboarded_unless_accepted(cli):  # noqa: F811
    run, _, project, _, _ = cli
    stack_file = project / "Pulumi.dev.yaml"
    before = stack_file.read_text()

    partial = run("offboard", "contoso", "--apply", "--yes")
    assert partial.exit_code == 5, partial.output
    assert "Not offboarded yet" in partial.stderr and "--accept-unverified" in partial.stderr
    assert stack_file.read_text() == before  # a partial offboarding is not recorded as a clean one

    accepted = run("offboard", "contoso", "--apply", "--yes", "--accept-unverified")
    assert accepted.exit_code == 5, accepted.output
    [edited] = [line for line in stack_file.read_text().splitlines() if line not in before.splitlines()]
    assert edited.strip().startswith("lifecycle: offboarded  # set by dapctl offboard --accept-unverified on ")
    assert "not everything was verified" in edited
    assert load_intent("dev", project).customer("contoso").lifecycle is Lifecycle.OFFBOARDED


def test_a_subscription_that_could_not_be_listed_leaves_the_customer_declared(cli, onboarded):  # noqa: F811
    """One subscription's role assignments cannot be listed (ARM 500 throughout): the revocation cannot verify
    it, so the offboarding is partial and must not be recorded as clean."""
    run, _, project, _, _ = cli
    emulator, _, _, subscriptions = onboarded
    stack_file = project / "Pulumi.dev.yaml"
    before = stack_file.read_text()
    emulator.control.add_fault(
        f"/arm/subscriptions/{subscriptions[1]}/providers/Microsoft.Authorization/roleAssignments",
        method="GET",
        status=500,
        times=None,
    )
    partial = run("offboard", "contoso", "--apply", "--yes")
    assert partial.exit_code in (1, 5), partial.output
    assert stack_file.read_text() == before
