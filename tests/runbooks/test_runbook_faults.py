"""Fault storms on ARM during audit and revoke: 429 with and without Retry-After, 500/503/504, answers slower
than the client's timeout, connections dropped mid-answer; on reads, deletes, or both.

Whatever the storm:
- no outcome says "removed" or "already-absent" for a grant still present in the emulator afterwards;
- a grant not removed is reported "failed" or "left" with the error;
- nothing but the partner's grants is ever removed (byte for byte);
- once the storm is over, running again (``--resume``, or a fresh audit + revoke) finishes the job.
A finite storm of retryable faults (429, 503, 504, timeouts, drops) is ridden out by the retries:
the first audit finds every grant and the first revoke completes.
"""

from __future__ import annotations

import time
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from azure_http import ArmRateLimiter, AzureHttpError
from runbooks.audit import Clients, Limits, audit
from runbooks.grants import Kind
from runbooks.journal import DONE, Journal
from runbooks.revoke import gives_rights, revoke
from tests.helpers import VirtualTime
from tests.runbooks.test_runbook_world import (
    FAST_RETRY,
    QUICK_VERIFY,
    WorldSpec,
    arm_client,
    build_world,
    examples,
    grant_key,
    ids_of,
    run,
    snapshot,
)

WORLD = build_world(WorldSpec(seed=21, subscriptions=4, subscriptions_per_customer=4, lighthouse_every=2))
TIMEOUT = 0.25
SLOW = 0.6  # an injected latency fault answers after this: always past the client's timeout
# Back-offs and Retry-After waits asked for, not slept (the storms' correctness does not depend on them; pacing
# has tests of its own): each run's requests go out as fast as the emulator answers.
NO_WAITING = {"pace": False, "sleep": VirtualTime()}
RETRYABLE = {"429", "429-no-retry-after", "503", "504", "timeout", "drop"}

FAULT = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(sorted(RETRYABLE | {"500"})),
        "path": st.sampled_from(["/arm/subscriptions/", "/arm/providers/", "/arm/"]),
        "method": st.sampled_from([None, "GET", "DELETE"]),
        "times": st.one_of(st.integers(1, 4), st.none()),
        "after": st.integers(0, 12),
    }
).map(
    # An endless storm of answers slower than the client's timeout costs seconds of real time per request (each
    # attempt waits the timeout out): endless storms are the status faults'; a timeout storm passes (1-2 times).
    lambda fault: {**fault, "times": min(fault["times"] or 2, 2)} if fault["kind"] == "timeout" else fault
)


def inject(control, fault: dict) -> None:
    kind = fault["kind"]
    rule = {"times": fault["times"], "method": fault["method"], "after": fault["after"]}
    if kind == "429":
        rule.update(status=429, retry_after=0.05)
    elif kind == "429-no-retry-after":
        rule.update(status=429)
    elif kind == "timeout":
        rule.update(latency=SLOW)
    elif kind == "drop":
        rule.update(drop=True)
    else:
        rule.update(status=int(kind))
    control.add_fault(fault["path"], **rule)


async def audit_and_revoke(url, journal=None):
    async with arm_client(url, WORLD.customer, timeout=TIMEOUT, **NO_WAITING) as arm:
        try:
            report = await audit(WORLD.target, Clients(arm=arm))
        except AzureHttpError as err:  # the subscription list itself failed: nothing was found, nothing touched
            return None, err
        result = await revoke(
            WORLD.target, Clients(arm=arm), report.grants, apply=True, journal=journal, verify=QUICK_VERIFY
        )
        return report, result


@settings(
    max_examples=examples(15),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(storm=st.lists(FAULT, min_size=1, max_size=2))
def test_no_storm_makes_a_run_misreport_or_touch_anything_else(emulator, tmp_path_factory, storm):
    control = emulator.control
    control.reset(WORLD.scenario)
    before = snapshot(control)
    for fault in storm:
        inject(control, fault)
    journal = Journal(tmp_path_factory.mktemp("journal"))

    report, result = run(audit_and_revoke(emulator.url, journal))
    if any(f["kind"] == "timeout" for f in storm):
        time.sleep(SLOW + 0.1)  # let answers the client gave up on land before looking
    after = snapshot(control)

    # Only partner grants ever go, whatever failed.
    assert {k for k in before if k not in after} <= WORLD.partner_keys
    assert all(after[k] == before[k] for k in after)
    if report is not None:
        assert {grant_key(g) for g in report.grants} <= WORLD.partner_keys
        for outcome in result.outcomes:
            key = grant_key(outcome.grant)
            if outcome.outcome in DONE:
                assert key not in after, f"{outcome.outcome} but still present: {key}"
            else:
                assert outcome.outcome in ("failed", "left")
                assert outcome.message, outcome
        # A grant the audit could not see is named in its errors.
        if ids_of(report.grants, Kind.RBAC) != WORLD.partner_rbac:
            assert report.errors

    finite = all(f["times"] is not None for f in storm)
    if finite and all(f["kind"] in RETRYABLE for f in storm):
        assert report is not None and report.errors == []
        assert {grant_key(g) for g in report.grants} == WORLD.partner_keys
        assert result.complete, [(o.outcome, o.message) for o in result.outcomes if o.outcome not in DONE]
        assert after == {k: v for k, v in before.items() if k not in WORLD.partner_keys}

    # The storm passes: resuming the journal (if there is one), then a fresh run, finishes the job.
    control.clear_faults()
    if report is not None:
        resumed = run(_resume(emulator.url, journal))
        # Complete, unless the storm hid grants from the audit: a journal's plan is never widened, so the caller's
        # rights stay where they still are listed, and the report says what a fresh audit must remove.
        if not resumed.complete:
            assert report.errors and resumed.status == "failed"
            held = [o for o in resumed.outcomes if o.outcome == "failed"]
            assert held and all("kept:" in o.message and "revoke --apply" in o.message for o in held)
    report, result = run(audit_and_revoke(emulator.url))
    assert report.errors == [] and result.complete
    assert snapshot(control) == {k: v for k, v in before.items() if k not in WORLD.partner_keys}


async def _resume(url, journal):
    async with arm_client(url, WORLD.customer, timeout=TIMEOUT, **NO_WAITING) as arm:
        return await revoke(
            WORLD.target, Clients(arm=arm), None, apply=True, journal=journal, resume=True, verify=QUICK_VERIFY
        )


def test_an_endless_storm_on_deletes_reports_every_grant_failed_with_its_error(emulator, tmp_path):
    control = emulator.control
    control.reset(WORLD.scenario)
    before = snapshot(control)
    control.add_fault("/arm/", status=503, times=None, method="DELETE")

    report, result = run(audit_and_revoke(emulator.url, Journal(tmp_path)))
    assert {grant_key(g) for g in report.grants} == WORLD.partner_keys
    assert not result.complete
    for outcome in result.outcomes:
        assert outcome.outcome == "failed"
        if gives_rights(outcome.grant):  # never tried: the scope still lists what failed, so the rights stay
            assert outcome.message.startswith("kept: ") and "--resume" in outcome.message
        else:
            assert "HTTP 503" in outcome.message and "attempts" in outcome.message
    assert any(gives_rights(o.grant) for o in result.outcomes)
    assert snapshot(control) == before

    control.clear_faults()
    resumed = run(_resume(emulator.url, Journal(tmp_path)))
    assert resumed.complete
    assert {o.outcome for o in resumed.outcomes} == {"removed"}
    assert snapshot(control) == {k: v for k, v in before.items() if k not in WORLD.partner_keys}


@pytest.mark.parametrize("pace", [False, True])
def test_arm_throttling_is_ridden_out_with_retry_after_or_avoided_by_pacing(emulator, pace):
    """Real bucket throttling (not injected faults), against buckets far smaller than ARM's documented ones.
    Unpaced, the client runs into 429 + Retry-After and retries; paced, its limiter learns the buckets
    from the remaining-requests headers and sends nothing ARM would refuse."""
    control = emulator.control
    control.reset(WORLD.scenario)
    control.arm_set_throttle(deletes=(2, 20.0), reads=(4, 40.0), retry_after_granularity=0.05)
    before = snapshot(control)
    limiter = ArmRateLimiter(pace=pace)

    async def go():
        retry = replace(FAST_RETRY, max_attempts=40)
        async with arm_client(emulator.url, WORLD.customer, rate_limiter=limiter, retry=retry) as arm:
            report = await audit(WORLD.target, Clients(arm=arm), limits=Limits(overall=8, per_subscription=4))
            return report, await revoke(WORLD.target, Clients(arm=arm), report.grants, apply=True, verify=QUICK_VERIFY)

    report, result = run(go())
    assert report.errors == []
    assert result.complete
    assert {o.outcome for o in result.outcomes} == {"removed"}
    assert sum(b["throttled"] for b in control.arm_throttle()) == limiter.stats.throttled
    assert (limiter.stats.throttled > 0) is not pace
    assert snapshot(control) == {k: v for k, v in before.items() if k not in WORLD.partner_keys}
