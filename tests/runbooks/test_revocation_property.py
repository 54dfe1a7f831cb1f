"""The revocation guarantee as a property: random worlds, random sequences of selective revocations, faults, kills
and resumes, each step checked against what the emulator holds (Azure's permission model, real HTTP).

Worlds: ``strict_worlds`` of test_revoke_strict.py (two or three customers of the partner reached through GDAP, DAP
or both; subscriptions where AdminAgents is Owner and others the partner may not see; the partner's grants at
subscription, resource group, resource, management group and tenant root scope; another partner's grants; the
customers' own; Lighthouse delegations to the partner, and one customer managing another's subscription), run from
the partner's side. Each step: a revocation (``--only`` one of several selections) or, after a kill, ``--resume``;
at most one fault (a DELETE that fails, lies or is refused, a subscription's listing that fails, ARM's listings
lagging behind deletes) and maybe a kill after a few outcomes. Time is injected: the read-backs sleep on the
emulator's clock, the clients on a virtual one.

After every step:

1. nothing outside the customer's tenant, and nothing in it that is not the partner's, was touched;
2. no exit 0 (COMPLETE) while any partner grant of the selected areas remains anywhere in the customer's tenant
   (or its selected GDAP relationship is active, or its DAP on): the partner's intent declares the subscriptions;
3. no selected grant that the partner could remove before the step (an Owner or User Access Administrator of a
   group reaching the tenant through GDAP or DAP, at or above the grant) is out of its reach after it while it
   remains: rights and delegation are never cut while a removal they could still make is unproven.
"""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from azure_http import ArmClient, EmulatorTokens, Endpoints, GraphClient, RetryPolicy
from azure_http.partner_center import PartnerCenterClient
from runbooks.audit import Clients, Target, audit
from runbooks.expected_scope import ExpectedScope, record_path
from runbooks.journal import Journal
from runbooks.revoke import EXIT_COMPLETE, EXIT_FAILED, EXIT_INCOMPLETE, revoke
from runbooks.selection import parse_selection
from runbooks.verify import VerifyPolicy
from tests.helpers import VirtualTime
from tests.runbooks.test_revoke_strict import (
    ADMIN_AGENTS,
    HELPDESK_AGENTS,
    PARTNER,
    PARTNER_PRINCIPALS,
    everything,
    key_of,
    partner_grants,
    strict_worlds,
)
from tests.runbooks.test_runbook_world import examples, run

OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
UAA = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"
RA_MARKER = "/providers/microsoft.authorization/roleassignments/"
LH_MARKER = "/providers/microsoft.managedservices/registrationassignments/"
SELECTIONS = ["gdap,dap,rbac,lighthouse", "rbac", "lighthouse", "gdap,dap", "rbac,lighthouse", "lighthouse,gdap"]
FAULTS = [None, "fail", "lie", "refuse", "listing", "lag"]
TWO_TRIES = RetryPolicy(max_attempts=2, backoff_base=0.01, backoff_max=0.01)


class Killed(Exception):
    """The process stopped mid-run (what a kill leaves: the journal as flushed so far)."""


steps = st.lists(
    st.tuples(
        st.sampled_from(SELECTIONS),
        st.sampled_from(FAULTS),
        st.integers(0, 1000),  # which grant or subscription the fault picks
        st.one_of(st.none(), st.integers(1, 6)),  # kill after this many outcomes
    ),
    min_size=1,
    max_size=3,
)


@settings(
    max_examples=examples(40),
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)
@given(world=strict_worlds().filter(lambda w: w.runner == "partner"), plan=steps)
def test_no_step_claims_complete_strands_a_grant_or_touches_anything_else(emulator, world, plan):
    control = emulator.control
    control.reset(world.scenario)
    subscriptions = [s["id"] for s in world.scenario["arm"]["subscriptions"] if s["tenant"] == world.customer]
    with tempfile.TemporaryDirectory(prefix="revocation-property-") as folder:
        journal_dir, killed_selection = Path(folder) / "journal", None
        for selection_text, fault, pick, kill_after in plan:
            resume = killed_selection is not None
            selection = parse_selection([killed_selection or selection_text], [])
            before = control.state()
            _inject(control, world, before, fault, pick)
            expected = ExpectedScope.load(record_path(Path(folder), world.customer), world.customer, subscriptions)
            try:
                report = run(_step(emulator, world, Journal(journal_dir), expected, selection, resume, kill_after))
                killed_selection = None
            except Killed:
                report, killed_selection = None, killed_selection or selection_text
            outcome = report.status if report is not None else "killed"
            event(f"step: {'resume' if resume else selection_text}, fault {fault}, {outcome}")
            control.clear_faults()
            control.settings(arm_list_delay=0)
            after = control.state()
            _check(world, before, after, selection, report)


async def _step(emulator, world, journal, expected, selection, resume, kill_after):
    tokens, endpoints, clock = EmulatorTokens(world.identity), Endpoints.emulator(emulator.url), VirtualTime()
    target = Target.for_partner(world.customer, PARTNER, PARTNER_PRINCIPALS)
    outcomes = 0

    def progress(stage: str, done: int, total: int | None) -> None:
        nonlocal outcomes
        outcomes += 1
        if kill_after is not None and outcomes >= kill_after:
            raise Killed

    async def sleep(seconds: float) -> None:  # the read-backs wait on the emulator's clock: ARM's lag passes
        emulator.control.advance(seconds)

    async with contextlib.AsyncExitStack() as stack:
        kwargs: dict[str, Any] = {"retry": TWO_TRIES, "sleep": clock.sleep}
        arm = await stack.enter_async_context(ArmClient(tokens, endpoints, tenant_id=world.customer, **kwargs))
        graph = await stack.enter_async_context(GraphClient(tokens, endpoints, tenant_id=PARTNER, **kwargs))
        pc = await stack.enter_async_context(PartnerCenterClient(tokens, endpoints, tenant_id=PARTNER))
        clients = Clients(arm=arm, graph=graph, partner_center=pc)
        found = None if resume else await audit(target, clients)
        return await revoke(
            target,
            clients,
            found,
            apply=True,
            journal=journal,
            resume=resume,
            selection=None if resume else selection,
            verify=VerifyPolicy(attempts=3, delay=10.0),
            sleep=sleep,
            progress=progress,
            expected=expected,
        )


def _inject(control, world, state: dict[str, Any], fault: str | None, pick: int) -> None:
    spelt = {
        a["id"].lower(): a["id"] for a in state["arm"]["role_assignments"] + state["arm"]["registration_assignments"]
    }
    grants = sorted(spelt[g] for g in partner_grants(state, world.customer))  # as ARM spells them: faults match paths
    subscriptions = sorted(
        s["subscriptionId"] for s in state["arm"]["subscriptions"] if s["tenantId"] == world.customer
    )
    if fault in ("fail", "lie", "refuse") and grants:
        victim = grants[pick % len(grants)]
        shape = {"fail": {"status": 500}, "lie": {"lie": True}, "refuse": {"status": 403}}[fault]
        control.add_fault("/arm" + victim, method="DELETE", times=None, **shape)
    elif fault == "listing" and subscriptions:
        subscription = subscriptions[pick % len(subscriptions)]
        path = f"/arm/subscriptions/{subscription}/providers/Microsoft.Authorization/roleAssignments"
        control.add_fault(path, method="GET", status=500, after=pick % 3, times=None)
    elif fault == "lag":
        control.settings(arm_list_delay=15)


def _check(world, before: dict[str, Any], after: dict[str, Any], selection, report) -> None:
    customer = world.customer
    # 1. Only the partner's grants in this customer's tenant went; other customers' delegations are untouched.
    gone = everything(before) - everything(after)
    assert gone <= {key_of(before, g) for g in partner_grants(before, customer)}, sorted(gone)
    assert _directory(before, customer, other=True) == _directory(after, customer, other=True)
    left = {g for g in partner_grants(after, customer) if _kind(g) in selection.areas}
    # 2. Never complete while something selected remains.
    if report is not None:
        assert report.exit_code in (EXIT_COMPLETE, EXIT_FAILED, EXIT_INCOMPLETE)
        if report.exit_code == EXIT_COMPLETE:
            assert left == set(), sorted(left)
            relationships, dap = _directory(after, customer)
            if "gdap" in selection.areas:
                assert "active" not in relationships.values(), relationships
            if "dap" in selection.areas:
                assert not any(dap.values()), dap
    # 3. Nothing selected that the partner could remove before the step is out of its reach while it remains.
    stranded = {g for g in left if _reachable(before, customer, g) and not _reachable(after, customer, g)}
    assert stranded == set(), (sorted(stranded), report and [(o.outcome, o.message) for o in report.outcomes])


def _kind(grant_id: str) -> str:
    return "lighthouse" if LH_MARKER in grant_id else "rbac"


def _directory(state: dict[str, Any], customer: str, other: bool = False) -> tuple[dict, dict]:
    """GDAP relationship statuses and DAP flags of the customer (``other``: of every other customer)."""
    mine = (lambda tenant: tenant != customer) if other else (lambda tenant: tenant == customer)
    relationships = {r["id"]: r["status"] for r in state["gdap"]["relationships"] if mine(r["customer"]["tenantId"])}
    dap = {c["id"]: c["dap"] for c in state["partner_center"]["customers"] if mine(c["id"])}
    flags = {k: v for c in dap.values() for k, v in c.items()} if not other else dap
    return relationships, flags


def _groups_reaching(state: dict[str, Any], customer: str) -> set[str]:
    """The operator's groups that reach the customer's tenant (admin-on-behalf-of): DAP, or active GDAP."""
    groups = set()
    for c in state["partner_center"]["customers"]:
        if c["id"] == customer:
            groups |= {ADMIN_AGENTS} if c["dap"]["adminAgents"] else set()
            groups |= {HELPDESK_AGENTS} if c["dap"]["helpdeskAgents"] else set()
    for rel in state["gdap"]["relationships"]:
        if rel["customer"]["tenantId"] == customer and rel["status"] == "active":
            groups |= {
                a["accessContainer"]["accessContainerId"] for a in rel["accessAssignments"] if a["status"] == "active"
            }
    return groups


def _scopes_above(state: dict[str, Any], scope: str) -> set[str]:
    """The scope, its parents up to the subscription, and its management group chain (never the tenant root:
    a partner's group is never reached there)."""
    parts = [p for p in scope.lower().split("/") if p]
    found = {"/" + "/".join(parts[:n]) for n in range(2, len(parts) + 1, 2)}
    groups = {g["name"].lower(): g for g in state["arm"]["management_groups"]}
    group = None
    if parts[:1] == ["subscriptions"]:
        sub = next((s for s in state["arm"]["subscriptions"] if s["subscriptionId"].lower() == parts[1]), {})
        group = (sub.get("managementGroup") or "").lower() or None
    elif parts[:3] == ["providers", "microsoft.management", "managementgroups"]:
        group = parts[3]
    while group:
        found.add(f"/providers/microsoft.management/managementgroups/{group}")
        group = (groups.get(group, {}).get("parent") or "").lower() or None
    return found


def _reachable(state: dict[str, Any], customer: str, grant_id: str) -> bool:
    """Whether the partner's operator may delete the grant: a reaching group holds Owner or User Access
    Administrator at its scope or above."""
    groups = _groups_reaching(state, customer)
    marker = LH_MARKER if LH_MARKER in grant_id else RA_MARKER
    scopes = _scopes_above(state, grant_id[: grant_id.index(marker)] or "/")
    for ra in state["arm"]["role_assignments"]:
        props = ra["properties"]
        if ra["tenantId"] != customer or props["principalId"] not in groups:
            continue
        if props["roleDefinitionId"].rsplit("/", 1)[-1] in (OWNER, UAA) and props["scope"].lower() in scopes:
            return True
    return False
