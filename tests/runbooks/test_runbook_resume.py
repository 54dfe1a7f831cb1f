"""Crash and resume: ``revoke --apply`` killed (SIGKILL) at random points, then ``--resume``.

A child process audits and revokes a world with a journal, one deletion at a time over a slowed ARM,
and is killed after N journal lines or after a random delay (before its plan exists, mid-way, or after
it finished); sometimes its last journal line is torn, as a crash in the middle of a write leaves it.
The parent then resumes from the journal (or, when the crash came before the plan was written, runs
again): the emulator's end state must equal that of an uninterrupted run on the same world, and the
resumed report must be complete with one outcome per planned grant.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from azure_http import EmulatorTokens, Endpoints, GraphClient
from runbooks.audit import Clients, Limits, audit
from runbooks.grants import Kind
from runbooks.journal import DONE, Journal
from runbooks.revoke import revoke
from tests.helpers import REPO
from tests.runbooks.test_runbook_world import (
    FAST_RETRY,
    PARTNER,
    QUICK_VERIFY,
    WorldSpec,
    arm_client,
    audit_world,
    build_world,
    examples,
    grant_key,
    run,
    snapshot,
)

ROOT = REPO
LATENCY = 0.015
WORLD = build_world(
    WorldSpec(
        seed=5,
        subscriptions=6,
        assignments_per_subscription=6,
        partner_per_subscription=4,
        subscriptions_per_customer=6,
        lighthouse_every=2,
    )
)

# The child: what `dapctl revoke --apply` does (audit, then revoke with a journal), one deletion at a time.
CHILD = r"""
import asyncio, json, sys
from azure_http import ArmClient, EmulatorTokens, Endpoints
from runbooks.audit import Clients, Limits, Target, audit
from runbooks.journal import Journal
from runbooks.revoke import revoke
from tests.helpers import REPO

a = json.loads(sys.argv[1])
target = Target.for_partner(a["customer"], a["partner"], a["principals"])

async def main():
    async with ArmClient(EmulatorTokens(), Endpoints.emulator(a["url"]), tenant_id=a["customer"]) as arm:
        report = await audit(target, Clients(arm=arm))
        result = await revoke(
            target, Clients(arm=arm), report.grants, apply=True, journal=Journal(a["journal"]), limits=Limits(1, 1)
        )
        print("complete" if result.complete else "incomplete", flush=True)

asyncio.run(main())
"""


def _lines(path: Path) -> int:
    try:
        return path.read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


def crash(url: str, journal: Path, *, after_lines: int | None = None, after_seconds: float | None = None) -> bool:
    """Run the child and SIGKILL it at the given point; True if it was killed before it finished."""
    args = {
        "url": url,
        "customer": WORLD.customer,
        "partner": PARTNER,
        "principals": sorted(WORLD.partner_ids),
        "journal": str(journal),
    }
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, json.dumps(args)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    started = time.monotonic()
    log, plan = journal / "outcomes.jsonl", journal / "plan.json"
    killed = False
    try:
        while child.poll() is None:
            due = after_seconds is not None and time.monotonic() - started >= after_seconds
            if after_lines is not None and plan.exists() and _lines(log) >= after_lines:
                due = True
            if due:
                child.send_signal(signal.SIGKILL)
                killed = True
                break
            time.sleep(0.001)
    finally:
        _, stderr = child.communicate(timeout=30)
    if not killed:
        assert child.returncode == 0, stderr.decode()
    return killed and child.returncode == -signal.SIGKILL


def tear(log: Path, fraction: float) -> None:
    """Cut the last line of the log part-way, as a crash in the middle of its write leaves it."""
    data = log.read_bytes()
    if not data:
        return
    start = data.rstrip(b"\n").rfind(b"\n") + 1
    last = len(data.rstrip(b"\n")) - start
    log.write_bytes(data[: start + max(1, min(last - 1, int(fraction * last)))])


_reference: dict[str, dict[str, str]] = {}


def reference_end_state(emulator) -> dict[str, str]:
    """The emulator's state after one uninterrupted audit + revoke --apply of WORLD."""
    if "end" not in _reference:
        emulator.control.reset(WORLD.scenario)
        before = snapshot(emulator.control)
        grants = run(audit_world(emulator.url, WORLD)).grants
        report = run(_revoke(emulator.url, grants, apply=True))
        assert report.complete
        _reference["end"] = snapshot(emulator.control)
        assert _reference["end"] == {k: v for k, v in before.items() if k not in WORLD.partner_keys}
    return _reference["end"]


async def _revoke(url, plan, **kwargs):
    async with arm_client(url, WORLD.customer) as arm:
        return await revoke(WORLD.target, Clients(arm=arm), plan, **{"verify": QUICK_VERIFY, **kwargs})


KILL = st.one_of(
    st.tuples(st.just("lines"), st.integers(0, len(WORLD.partner_keys) + 2)),
    st.tuples(st.just("seconds"), st.floats(0.0, 1.5)),
)


@settings(
    max_examples=examples(5),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(kill=KILL, torn=st.one_of(st.none(), st.floats(0.0, 1.0)))
@example(kill=("lines", 0), torn=None)
@example(kill=("lines", 1), torn=0.5)
@example(kill=("lines", 12), torn=0.0)
@example(kill=("seconds", 0.05), torn=None)
def test_a_killed_revoke_resumes_to_the_end_state_of_an_uninterrupted_run(emulator, tmp_path_factory, kill, torn):
    expected = reference_end_state(emulator)
    journal = tmp_path_factory.mktemp("journal")
    emulator.control.reset(WORLD.scenario)
    emulator.control.arm_set_latency(LATENCY)

    mode, point = kill
    killed = crash(emulator.url, journal, **({"after_lines": point} if mode == "lines" else {"after_seconds": point}))
    if killed and torn is not None and (journal / "outcomes.jsonl").exists():
        tear(journal / "outcomes.jsonl", torn)

    if Journal(journal).exists():
        plan = Journal(journal).load().plan
        report = run(_revoke(emulator.url, None, apply=True, journal=Journal(journal), resume=True))
    else:  # killed before its plan was written: nothing was removed, the operator runs it again
        assert killed
        plan = run(audit_world(emulator.url, WORLD)).grants
        report = run(_revoke(emulator.url, plan, apply=True, journal=Journal(journal)))

    assert report.complete, [(o.grant.id, o.outcome, o.message) for o in report.outcomes if o.outcome not in DONE]
    assert sorted(grant_key(o.grant) for o in report.outcomes) == sorted(grant_key(g) for g in plan)
    assert {grant_key(g) for g in plan} == WORLD.partner_keys
    assert snapshot(emulator.control) == expected


def test_resume_needs_a_journal_of_the_same_customer(emulator, tmp_path):
    emulator.control.reset(WORLD.scenario)
    with pytest.raises(ValueError, match="nothing to resume"):
        run(_revoke(emulator.url, None, apply=True, journal=Journal(tmp_path), resume=True))
    Journal(tmp_path).start("0c000000-0000-4000-8000-000000000001", PARTNER, [])
    with pytest.raises(ValueError, match="journal is for tenant"):
        run(_revoke(emulator.url, None, apply=True, journal=Journal(tmp_path), resume=True))


def test_resuming_after_a_torn_line_keeps_every_outcome_in_the_journal(emulator, tmp_path):
    emulator.control.reset(WORLD.scenario)
    grants = run(audit_world(emulator.url, WORLD)).grants
    assert run(_revoke(emulator.url, grants, apply=True, journal=Journal(tmp_path))).complete
    tear(tmp_path / "outcomes.jsonl", 0.5)  # the crash came while the last outcome was being written
    resumed = run(_revoke(emulator.url, None, apply=True, journal=Journal(tmp_path), resume=True))
    assert resumed.complete
    assert Journal(tmp_path).load().pending() == []


def test_a_crash_between_new_plan_and_old_log_never_reports_stale_outcomes(emulator, tmp_path):
    control = emulator.control
    control.reset(WORLD.scenario)
    grants = run(audit_world(emulator.url, WORLD)).grants
    assert run(_revoke(emulator.url, grants, apply=True, journal=Journal(tmp_path))).complete
    earlier_log = (tmp_path / "outcomes.jsonl").read_bytes()

    # The partner grants come back (same deterministic names, as Pulumi or CSP provisioning makes them).
    control.reset(WORLD.scenario)
    Journal(tmp_path).start(WORLD.customer, PARTNER, grants)  # the next run writes its plan...
    (tmp_path / "outcomes.jsonl").write_bytes(earlier_log)  # ...and is killed before the old log is gone

    report = run(_revoke(emulator.url, None, apply=True, journal=Journal(tmp_path), resume=True))
    present = set(snapshot(control))
    claimed_gone = [o.grant.id for o in report.outcomes if o.outcome in DONE and grant_key(o.grant) in present]
    assert claimed_gone == []


def test_resume_after_the_relationship_was_terminated_completes_its_access_assignments(emulator, tmp_path):
    control = emulator.control
    control.reset(WORLD.scenario)
    admin_agents = sorted(WORLD.partner_ids)[0]
    control.seed_relationship(
        displayName="Contoso GDAP",
        customer={"tenantId": WORLD.customer, "displayName": "Customer"},
        status="active",
        roles=["f2ef992c-3afb-46b9-b7cf-a126ee74c451"],
        accessAssignments=[{"groupId": admin_agents, "roles": ["f2ef992c-3afb-46b9-b7cf-a126ee74c451"]}],
    )

    async def go(**kwargs):
        graph = GraphClient(EmulatorTokens(), Endpoints.emulator(emulator.url), retry=FAST_RETRY)
        async with arm_client(emulator.url, WORLD.customer) as arm, graph:
            clients = Clients(arm=arm, graph=graph)
            if kwargs.get("resume"):
                return await revoke(WORLD.target, clients, None, verify=QUICK_VERIFY, **kwargs)
            report = await audit(WORLD.target, clients)
            return await revoke(WORLD.target, clients, report.grants, limits=Limits(), verify=QUICK_VERIFY, **kwargs)

    first = run(go(apply=True, journal=Journal(tmp_path)))
    assert first.complete
    assert {o.grant.kind for o in first.outcomes} >= {Kind.GDAP_RELATIONSHIP, Kind.GDAP_ACCESS}
    # Killed right after the relationship's outcome was flushed: the log ends with that line.
    log = tmp_path / "outcomes.jsonl"
    lines = log.read_text().splitlines(keepends=True)
    cut = next(i for i, line in enumerate(lines) if "accessAssignments" in json.loads(line)["id"])
    log.write_text("".join(lines[:cut]))

    resumed = run(go(apply=True, journal=Journal(tmp_path), resume=True))
    assert resumed.complete, [(o.grant.kind, o.outcome, o.message) for o in resumed.outcomes]
