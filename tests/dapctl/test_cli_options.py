"""Every option of audit, revoke and drift is checked before the first request: a bad one changes nothing.

The commands run in-process (typer's CliRunner) against the emulator; its request log proves that not
one API request was sent when an option is wrong, and that the same command with good options does
send them (so the empty log is not an accident of the set-up).
"""

from __future__ import annotations

import json
import re

import pytest
import yaml
from typer.testing import CliRunner

from dapctl.cli import app
from dapctl.demo import demo_scenario
from intent import load_intent
from tests.helpers import REPO

ROOT = REPO
CONTOSO_TENANT = "3a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d"


@pytest.fixture
def world(emulator, monkeypatch, tmp_path):
    """The dev stack in a temp project, Contoso's world in the emulator, the log emptied."""
    monkeypatch.setenv("CSP_DELEGATION_ENDPOINT", emulator.url)
    monkeypatch.chdir(tmp_path)
    document = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())
    (tmp_path / "Pulumi.dev.yaml").write_text(yaml.safe_dump(document))
    cfg = load_intent("dev", tmp_path)
    emulator.control.load_scenario(demo_scenario(cfg, cfg.customer("contoso")))
    emulator.control.clear_requests()
    return emulator, tmp_path


def invoke(*args: str):
    result = CliRunner().invoke(app, list(args), catch_exceptions=True)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def text(result) -> str:
    """The command's output as one line: rich's error box and its wrapping removed."""
    return " ".join(result.output.replace("│", " ").split())


BAD_OPTIONS = {
    "bad format": ["-f", "bogus"],
    "output under a file": ["-f", "html", "-o", "some-file/r.html"],
    "output is a folder": ["-f", "json", "-o", "."],
    "output in a missing folder": ["-f", "json", "-o", "missing/r.json"],
    "output with table format": ["-o", "r.txt"],
    "bad endpoint": ["--endpoint", "ftp://127.0.0.1:1"],
}


@pytest.mark.parametrize("command", ["revoke-apply", "revoke-resume", "audit", "drift"])
@pytest.mark.parametrize("case", sorted(BAD_OPTIONS))
def test_a_bad_option_sends_nothing(world, command, case):
    emulator, project = world
    (project / "some-file").write_text("a file, not a folder")
    base = {
        "revoke-apply": ["revoke", "contoso", "--apply", "--yes"],
        "revoke-resume": ["revoke", "contoso", "--resume", "--yes"],
        "audit": ["audit", "contoso"],
        "drift": ["drift", "--customer", "contoso"],
    }[command]
    result = invoke(*base, "--project-dir", str(project), *BAD_OPTIONS[case])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert emulator.control.requests() == []


def test_bad_principal_and_journal_send_nothing(world):
    emulator, project = world
    (project / "journal-file").write_text("x")
    for extra in (["--principal", "not-a-guid"], ["--journal", "journal-file"], ["--journal", "journal-file/sub"]):
        result = invoke("revoke", "contoso", "--apply", "--yes", "--project-dir", str(project), *extra)
        assert result.exit_code == 2, (extra, result.output)
    assert emulator.control.requests() == []


def test_bad_environment_endpoint_is_an_error_not_a_traceback(world, monkeypatch):
    emulator, project = world
    monkeypatch.setenv("CSP_DELEGATION_ENDPOINT", "http://127.0.0.1:1@attacker.example/")
    result = invoke("revoke", "contoso", "--apply", "--yes", "--project-dir", str(project))
    assert result.exit_code == 2
    assert "CSP_DELEGATION_ENDPOINT" in text(result) and "user name or password" in text(result)
    assert emulator.control.requests() == []


def test_good_options_do_reach_the_emulator_and_write_the_report(world):
    emulator, project = world
    out = project / "audit.json"
    result = invoke("audit", "contoso", "--project-dir", str(project), "-f", "json", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["customerTenantId"] == CONTOSO_TENANT
    assert emulator.control.requests() != []


def test_revoke_apply_with_good_options_writes_the_report_it_was_asked_for(world):
    emulator, project = world
    out = project / "revoke.html"
    result = invoke(
        "revoke", "contoso", "--apply", "--yes", "--project-dir", str(project), "-f", "html", "-o", str(out)
    )
    # Incomplete (5), never success: the partner cannot read the customer's tenant root to verify it.
    assert result.exit_code == 5, result.output
    assert "Partner access revocation" in out.read_text()
    assert emulator.control.requests() != []


TAMPERED_PLANS = {
    "a list": "[]",
    "not JSON": "{not json",
    "a missing field": json.dumps({"runId": "r", "plan": []}),
    "a grant of the wrong shape": json.dumps(
        {"runId": "r", "customerTenantId": CONTOSO_TENANT, "partnerTenantId": None, "plan": [{"kind": "rbac"}]}
    ),
    "an unknown kind": json.dumps(
        {
            "runId": "r",
            "customerTenantId": CONTOSO_TENANT,
            "plan": [{"kind": "everything", "id": "/x", "description": "x"}],
        }
    ),
    "a plan that is not a list": json.dumps({"runId": "r", "customerTenantId": CONTOSO_TENANT, "plan": "all"}),
}


@pytest.mark.parametrize("case", sorted(TAMPERED_PLANS))
def test_resume_refuses_a_tampered_journal_with_the_path_and_the_fix(world, case):
    emulator, project = world
    journal = project / "journal"
    journal.mkdir()
    (journal / "plan.json").write_text(TAMPERED_PLANS[case])
    result = invoke("revoke", "contoso", "--resume", "--yes", "--journal", str(journal), "--project-dir", str(project))
    assert result.exit_code == 2, result.output
    output = text(result)
    assert str(journal / "plan.json") in output
    assert "delete the journal folder and run revoke --apply again" in output
    assert emulator.control.requests() == []


def test_resume_without_a_journal_says_there_is_nothing_to_resume(world):
    emulator, project = world
    result = invoke(
        "revoke", "contoso", "--resume", "--yes", "--journal", str(project / "none"), "--project-dir", str(project)
    )
    assert result.exit_code == 2
    assert "nothing to resume" in text(result)
    assert emulator.control.requests() == []


def test_a_change_without_a_terminal_or_yes_is_refused_before_any_request(world, tmp_path):
    """Automation confirms with --yes; with neither --yes nor a terminal to ask on, nothing is sent."""
    emulator, project = world
    devices = tmp_path / "devices.csv"
    devices.write_text("Device Serial Number,Windows Product ID,Hardware Hash\nSN1,,SEFTSDE=\n")
    for args in (
        ["revoke", "contoso", "--apply"],
        ["revoke", "contoso", "--resume"],
        ["autopilot", "upload", "contoso", str(devices), "--apply"],
        ["autopilot", "remove", "contoso", "--all", "--apply"],
        ["autopilot", "assign", "contoso", "--profile", "Kiosk", "-d", "SN1", "--apply"],
    ):
        result = invoke(*args, "--project-dir", str(project))
        assert result.exit_code == 2, (args, result.output)
        assert "--yes" in text(result) and "no terminal to ask" in text(result), args
        assert emulator.control.requests() == [], args  # refused before the first request


def test_a_no_at_the_terminal_changes_nothing(world, monkeypatch):
    """At a terminal, revoke --apply shows the tenant and the counts and asks; "n" changes nothing."""
    emulator, project = world
    emulator.control.load_scenario(ROOT / "emulator" / "worlds" / "scenarios" / "dev.yaml")  # the dev stack in mid-life
    emulator.control.clear_requests()
    monkeypatch.setattr("dapctl.options.stdin_is_terminal", lambda: True)  # a person at a terminal
    result = CliRunner().invoke(app, ["revoke", "contoso", "--apply", "--project-dir", str(project)], input="n\n")
    assert result.exit_code == 0, result.output
    question = text(result)
    assert "Remove" in question and "of Northwind CSP in Contoso Ltd (tenant 3a8b9c0d" in question
    assert re.search(r"Remove \d+ grant\(s\) of Northwind CSP", question) and "rbac" in question
    assert "Nothing was changed." in result.output
    assert [r["method"] for r in emulator.control.requests()] and all(
        r["method"] == "GET" for r in emulator.control.requests()
    )  # the audit read; nothing was removed
