"""Interruptions: Ctrl-C (a real SIGINT to a real dapctl process) during `revoke --apply` and `fleet audit --out`
says what was done, where the journal is and the exact command that finishes the run (exit 130); and `revoke
--apply` over an unfinished journal of the customer is refused, naming --resume and --restart.

The process tests start dapctl as a process (signal handling is process behaviour); the refusal runs in-process
(typer's CliRunner with an explicit --endpoint). A request the emulator holds back (its latency fault) keeps each
run at a known step while the signal is sent; the tests wait for the journal, never for a wall-clock bound.
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dapctl.cli import app
from tests.dapctl.test_cli_access import ROOT

FABRIKAM = "4b9c0d1e-2f3a-4b4c-9d5e-6f7a8b9c0d1e"
TERMINATION = "/graph/v1.0/tenantRelationships/delegatedAdminRelationships"


def start_dapctl(*args: str, cwd: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("CSP_DELEGATION_ENDPOINT", None)
    return subprocess.Popen(
        [sys.executable, "-m", "dapctl", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # SIGINT as at a terminal, whatever the test runner's own handling of it
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def wait_for(condition, process: subprocess.Popen, what: str) -> None:
    """Until ``condition()`` holds; the process ending first is a failure that shows its output."""
    while not condition():
        if process.poll() is not None:
            out, err = process.communicate()
            pytest.fail(f"dapctl ended (exit {process.returncode}) before {what}:\n{out}\n{err}")
        time.sleep(0.05)


def lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines() if path.is_file() else []


def interrupt(process: subprocess.Popen) -> tuple[int, str, str]:
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=120)
    return process.returncode, out, err


def as_process(command: str) -> list[str]:
    """The printed `dapctl ...` command, run as this interpreter's module."""
    words = shlex.split(command)
    assert words[0] == "dapctl"
    return [sys.executable, "-m", "dapctl", *words[1:]]


def test_ctrl_c_during_revoke_apply_says_what_was_done_and_how_to_resume(onboarded, tmp_path):
    emulator, project, _, subscriptions = onboarded
    journal = tmp_path / "journal"
    # The Azure grants go; the GDAP termination is held back until the signal.
    held = emulator.control.add_fault(TERMINATION, method="POST", latency=300, times=None)
    process = start_dapctl(
        "revoke", "contoso", "--apply", "--yes", "--journal", str(journal), "--project-dir", str(project),
        "--endpoint", emulator.url, cwd=tmp_path,
    )  # fmt: skip
    wait_for(lambda: len(lines(journal / "outcomes.jsonl")) >= len(subscriptions), process, "removing the grants")

    code, _, err = interrupt(process)
    assert code == 130, err
    said = " ".join(err.split())
    assert f"Interrupted: {len(subscriptions)} of " in said and "nothing is verified yet" in said
    assert str(journal) in said
    command = (
        f"dapctl revoke contoso --stack dev --project-dir {project} --journal {journal} --endpoint {emulator.url} "
        "--resume"
    )
    assert f"Finish it (and verify): {command}" in said
    assert "Traceback" not in err

    # The printed command finishes the run, and its report counts what the interrupted run removed.
    emulator.control.remove_fault(held["id"])
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("CSP_DELEGATION_ENDPOINT", None)
    resumed = subprocess.run(
        [*as_process(command), "--yes", "-f", "json"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert resumed.returncode == 5, resumed.stderr  # (the tenant root stays unverifiable from the partner's side)
    outcomes = json.loads(resumed.stdout)["outcomes"]
    earlier = [o for o in outcomes if "(earlier run)" in o["message"]]
    assert len(earlier) == len(subscriptions) and all(o["outcome"] == "removed" for o in earlier)


def test_ctrl_c_during_fleet_audit_says_how_far_it_got_and_how_to_resume(onboarded, tmp_path):
    emulator, project, _, _ = onboarded
    out = tmp_path / "audit.jsonl"
    # Contoso is audited first (one at a time); Fabrikam's Partner Center read is held back until the signal.
    held = emulator.control.add_fault(f"/partnercenter/v1/customers/{FABRIKAM}", latency=300, times=None)
    process = start_dapctl(
        "fleet", "audit", "--project-dir", str(project), "--concurrency", "1", "--out", str(out), "-f", "json",
        "--endpoint", emulator.url, cwd=tmp_path,
    )  # fmt: skip
    wait_for(lambda: len(lines(out)) >= 1, process, "auditing the first customer")

    code, stdout, err = interrupt(process)
    assert code == 130, err
    said = " ".join(err.split())
    assert "Interrupted: 1 of 3 customer(s) audited" in said
    command = f"dapctl fleet audit --project-dir {project} --format json --endpoint {emulator.url} --out {out} --resume"
    assert f"Finish it: {command}" in said
    assert stdout == "" and "Traceback" not in err
    assert [json.loads(line)["customer"] for line in lines(out)] == ["contoso"]

    emulator.control.remove_fault(held["id"])
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("CSP_DELEGATION_ENDPOINT", None)
    resumed = subprocess.run(as_process(command), cwd=tmp_path, env=env, capture_output=True, text=True)
    assert resumed.returncode in (0, 5), resumed.stderr
    assert sorted(json.loads(line)["customer"] for line in lines(out)) == ["adatum", "contoso", "fabrikam"]


@pytest.fixture
def cli(onboarded, monkeypatch, tmp_path):
    emulator, project, _, _ = onboarded
    monkeypatch.delenv("CSP_DELEGATION_ENDPOINT", raising=False)
    monkeypatch.chdir(tmp_path)  # the revocation journal goes to .dapctl/ here
    runner = CliRunner()

    def run(*args: str):
        common = ["--project-dir", str(project), "--endpoint", emulator.url]
        return runner.invoke(app, ["revoke", "contoso", *args, *common], catch_exceptions=False)

    return run, emulator


def test_apply_over_an_unfinished_journal_is_refused_and_names_resume_and_restart(cli):
    run, emulator = cli
    # Graph refuses to terminate the relationship: the run ends with its directory side not done.
    fault = emulator.control.add_fault(TERMINATION, method="POST", status=500, times=None)
    first = run("--apply", "--yes")
    assert first.exit_code == 1, first.output

    emulator.control.clear_requests()
    again = run("--apply", "--yes")
    assert again.exit_code == 2, again.output
    said = " ".join(again.output.split())
    assert "an unfinished revocation of this customer is journalled in .dapctl/contoso" in said
    assert "dapctl revoke contoso --stack dev --project-dir" in said and "--resume" in said and "--restart" in said
    assert not emulator.control.requests()  # refused before any request

    emulator.control.remove_fault(fault["id"])
    resumed = run("--resume", "--yes", "-f", "json")
    assert resumed.exit_code == 5, resumed.output
    outcomes = json.loads(resumed.stdout)["outcomes"]
    assert any("(earlier run)" in o["message"] and o["grant"]["kind"] == "rbac" for o in outcomes)


def test_restart_discards_the_unfinished_journal(cli):
    run, emulator = cli
    emulator.control.add_fault(TERMINATION, method="POST", status=500, times=None)
    assert run("--apply", "--yes").exit_code == 1
    restarted = run("--apply", "--yes", "--restart", "-f", "json")
    assert restarted.exit_code == 1, restarted.output  # not refused: a fresh run (Graph still refuses)
    outcomes = json.loads(restarted.stdout)["outcomes"]
    assert not [o for o in outcomes if "(earlier run)" in o["message"]]
    usage = run("--resume", "--restart", "--yes")
    assert usage.exit_code == 2 and "--restart goes with --apply" in usage.output
