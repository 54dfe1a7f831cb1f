"""`dapctl gdap drop-global-admin`: the real command against the emulator over HTTP.

Dry run by default; --apply removes Global Administrator from each active relationship that holds it through
Graph's long-running operation, reads the relationship back, optionally switches auto-extend on; a run cut
short by its bound (an operation still running) is continued by the next run from its journal, without a
second PATCH.
"""

from __future__ import annotations

import json

import pytest

from dapctl.demo import demo_scenario
from intent import load_intent
from tests.helpers import REPO as ROOT
from tests.support.cli import dapctl
from tests.support.dev_world import CONTOSO

ADATUM = "5c0d1e2f-3a4b-4c5d-8e6f-7a8b9c0d1e2f"
HELPDESK = "729827e3-9c14-49f7-bb1b-9608f156bbb8"
GLOBAL_ADMIN = "62e90394-69f5-4237-9190-012177145e10"


@pytest.fixture
def fleet(emulator):
    """Contoso and Adatum each with an active relationship holding Global Administrator; a pending one too."""
    cfg = load_intent("dev", ROOT)
    emulator.control.load_scenario(demo_scenario(cfg, cfg.customer("contoso")))
    rels = {}
    for name, tenant, status in (("contoso", CONTOSO, "active"), ("adatum", ADATUM, "active")):
        rels[name] = emulator.control.seed_relationship(
            displayName=f"{name}-ga",
            customer={"tenantId": tenant},
            roles=[HELPDESK, GLOBAL_ADMIN],
            status=status,
        )["id"]
    rels["pending"] = emulator.control.seed_relationship(
        displayName="adatum-pending", customer={"tenantId": ADATUM}, roles=[HELPDESK, GLOBAL_ADMIN]
    )["id"]
    emulator.control.set_relationship(rels["pending"], status="approvalPending")
    return emulator, rels


def roles_of(emulator, rel_id: str) -> set[str]:
    for rel in emulator.control.state()["gdap"]["relationships"]:
        if rel["id"] == rel_id:
            return {r["roleDefinitionId"] for r in rel["accessDetails"]["unifiedRoles"]}
    raise AssertionError(rel_id)


def drop(emulator, tmp_path, *args: str):
    return dapctl(
        "gdap", "drop-global-admin", *args, "--journal", str(tmp_path / "ga.json"), "--json", endpoint=emulator.url
    )


def test_dry_run_lists_the_active_relationships_and_changes_nothing(fleet, tmp_path):
    emulator, rels = fleet
    emulator.control.clear_requests()
    dry = drop(emulator, tmp_path, "--all")
    assert dry.returncode == 0, dry.stdout + dry.stderr
    report = json.loads(dry.stdout)
    assert report["status"] == "dry-run"
    assert {r["candidate"]["relationship_id"] for r in report["relationships"]} == {rels["contoso"], rels["adatum"]}
    assert {r["outcome"] for r in report["relationships"]} == {"planned"}
    assert not emulator.control.requests(method="PATCH")
    assert GLOBAL_ADMIN in roles_of(emulator, rels["contoso"])

    both = dapctl("gdap", "drop-global-admin", "contoso", "--all", endpoint=emulator.url)
    assert both.returncode == 2 and "name one customer, or pass --all" in both.stderr
    unattended = dapctl("gdap", "drop-global-admin", "--all", "--apply", endpoint=emulator.url)
    assert unattended.returncode == 2 and "--yes" in unattended.stderr


def test_apply_removes_it_in_place_and_switches_auto_extend_on(fleet, tmp_path):
    emulator, rels = fleet
    emulator.control.settings(gdap_operation_delay=0.3, gdap_operation_retry_after=0.1)
    applied = drop(emulator, tmp_path, "--all", "--apply", "--yes", "--auto-extend")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    report = json.loads(applied.stdout)
    assert report["status"] == "complete"
    assert {(r["candidate"]["customer"], r["outcome"], r["auto_extend"]) for r in report["relationships"]} == {
        ("contoso", "removed", "P180D"),
        ("adatum", "removed", "P180D"),
    }
    assert all(r["operation_id"] for r in report["relationships"])
    state = {r["id"]: r for r in emulator.control.state()["gdap"]["relationships"]}
    for name in ("contoso", "adatum"):
        assert roles_of(emulator, rels[name]) == {HELPDESK}
        assert state[rels[name]]["status"] == "active" and state[rels[name]]["autoExtendDuration"] == "P180D"
    assert GLOBAL_ADMIN in roles_of(emulator, rels["pending"])  # not active: left alone

    again = drop(emulator, tmp_path, "contoso", "--apply", "--yes")
    assert again.returncode == 0
    assert json.loads(again.stdout)["relationships"] == []  # nothing holds it any more


def test_a_run_cut_short_is_continued_from_its_journal(fleet, tmp_path):
    emulator, rels = fleet
    emulator.control.settings(gdap_operation_delay=3600, gdap_operation_retry_after=0.2)
    first = drop(emulator, tmp_path, "contoso", "--apply", "--yes", "--timeout", "1")
    assert first.returncode == 5, first.stdout + first.stderr
    [row] = json.loads(first.stdout)["relationships"]
    assert row["outcome"] == "running" and "run the same command again" in row["message"]
    journal = json.loads((tmp_path / "ga.json").read_text())["relationships"][rels["contoso"]]
    assert journal == {"operation": row["operation_id"], "outcome": "running", "message": row["message"]}

    emulator.control.advance(3600)
    emulator.control.clear_requests()
    second = drop(emulator, tmp_path, "contoso", "--apply", "--yes")
    assert second.returncode == 0, second.stdout + second.stderr
    [done] = json.loads(second.stdout)["relationships"]
    assert (done["outcome"], done["operation_id"]) == ("removed", row["operation_id"])
    assert not emulator.control.requests(method="PATCH")  # the same operation, waited for: no second change
    assert roles_of(emulator, rels["contoso"]) == {HELPDESK}


def test_a_failed_operation_is_a_failure(fleet, tmp_path):
    emulator, rels = fleet
    emulator.control.settings(gdap_operation_delay=0.2, gdap_operation_retry_after=0.1, gdap_operation_outcome="failed")
    failed = drop(emulator, tmp_path, "adatum", "--apply", "--yes")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    [row] = json.loads(failed.stdout)["relationships"]
    assert row["outcome"] == "failed" and "failed" in row["message"]
    assert GLOBAL_ADMIN in roles_of(emulator, rels["adatum"])
