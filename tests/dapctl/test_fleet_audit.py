"""``dapctl fleet audit`` over a generated fleet with subscriptions, against the emulator over real HTTP: the same
grants as ``dapctl audit`` per customer, the relationships read once, a run resumed from its JSON Lines file
without auditing again what it already wrote, names escaped in Markdown, bad options refused before any request."""

from __future__ import annotations

import json

import pytest

from emulator.worlds.fleet import HELPDESK_AGENTS, generate_fleet
from tests.helpers import REPO
from tests.support.cli import dapctl
from tests.support.dev_world import RELATIONSHIPS_PATH as RELS

READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"


@pytest.fixture
def fleet(emulator, tmp_path):
    world = generate_fleet(8, seed=4, subscriptions=2, assignments=20)  # active, expiring and pending
    hand_made = world.customers[2]
    sub = hand_made["existingSubscriptions"][1]["subscriptionId"]
    world.scenario["arm"]["role_assignments"].append(
        {
            "scope": f"/subscriptions/{sub}",
            "principalId": HELPDESK_AGENTS,
            "role": READER,
            "principalType": "ForeignGroup",
        }
    )
    world.customers[5]["displayName"] = "Evil | <script>alert(1)</script> `x`"
    emulator.control.reset(world.scenario)
    world.write_stacks(tmp_path, REPO / "Pulumi.yaml")
    return world, tmp_path


def _grants(row_or_report: dict) -> list[tuple[str, str, str]]:
    return sorted((g["kind"], g["id"].lower(), g["origin"]) for g in row_or_report["grants"])


def test_every_customer_is_audited_as_the_single_command_does_with_the_relationships_read_once(fleet, emulator):
    world, project = fleet
    emulator.control.clear_requests()
    result = dapctl("fleet", "audit", "--project-dir", str(project), "-f", "json", endpoint=emulator.url)
    assert result.returncode == 0, result.stderr
    listings = [r for r in emulator.control.requests(RELS, "GET") if r["path"].rstrip("/") == RELS]
    assert len(listings) == 1
    rows = {r["customer"]: r for r in json.loads(result.stdout)["customers"]}
    assert list(rows) == [c["name"] for c in world.customers]
    assert rows[world.customers[2]["name"]]["outOfBand"] == 1  # the hand-made Reader
    assert sum(r["outOfBand"] for r in rows.values()) == 1
    for customer in (world.customers[0], world.customers[2], world.customers[4]):
        name = customer["name"]
        single = dapctl(
            "audit", name, "--stack", name, "--project-dir", str(project), "-f", "json", endpoint=emulator.url
        )
        assert single.returncode == 0, single.stderr
        assert _grants(rows[name]) == _grants(json.loads(single.stdout)), name


def test_an_interrupted_run_resumes_from_its_file_without_auditing_again(fleet, emulator, tmp_path):
    world, project = fleet
    out = tmp_path / "audit.jsonl"
    first = dapctl(
        "fleet", "audit", "--project-dir", str(project), "-f", "json", "--out", str(out), endpoint=emulator.url
    )
    assert first.returncode == 0, first.stderr
    complete = json.loads(first.stdout)["customers"]
    lines = out.read_text(encoding="utf-8").splitlines(keepends=True)
    assert len(lines) == len(world.customers)
    kept = lines[:5]
    out.write_text("".join(kept) + lines[5][: len(lines[5]) // 2], encoding="utf-8")  # cut mid-line, as a kill would
    done = {json.loads(line)["customer"] for line in kept}
    emulator.control.clear_requests()
    again = dapctl(
        "fleet",
        "audit",
        "--project-dir",
        str(project),
        "-f",
        "json",
        "--out",
        str(out),
        "--resume",
        endpoint=emulator.url,
    )
    assert again.returncode == 0, again.stderr
    subscription_lists = emulator.control.requests("/arm/subscriptions", "GET")
    audited = len([r for r in subscription_lists if r["path"].rstrip("/") == "/arm/subscriptions"])
    assert audited == len(world.customers) - len(done)  # one subscription list per customer audited now
    resumed = json.loads(again.stdout)["customers"]
    assert [_grants(r) for r in resumed] == [_grants(r) for r in complete]
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]  # every line whole again
    assert sorted(r["customer"] for r in rows) == sorted(c["name"] for c in world.customers)


def test_markdown_escapes_names_and_bad_options_are_refused_before_any_request(fleet, emulator, tmp_path):
    _, project = fleet
    result = dapctl("fleet", "audit", "--project-dir", str(project), "-f", "markdown", endpoint=emulator.url)
    assert result.returncode == 0, result.stderr
    evil = next(line for line in result.stdout.splitlines() if "Evil" in line)
    assert "<script>" not in evil and "&lt;script&gt;" in evil and "Evil \\| " in evil and "\\`x\\`" in evil
    emulator.control.clear_requests()
    out = tmp_path / "exists.jsonl"
    out.write_text("", encoding="utf-8")
    for args in (
        ["--out", str(out)],  # would overwrite an earlier run
        ["--resume"],  # nothing named to resume
        ["--out", str(tmp_path / "none.jsonl"), "--resume"],
        ["-f", "yaml"],
    ):
        refused = dapctl("fleet", "audit", "--project-dir", str(project), *args, endpoint=emulator.url)
        assert refused.returncode == 2, (args, refused.stderr)
        assert "Traceback" not in refused.stderr
    assert emulator.control.requests("") == []
