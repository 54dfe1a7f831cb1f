"""Each phase of the revocation on its own (``runbooks.revoke``): plan, Azure sweep, rights waves, directory side,
verify. Contoso of the permission world (tests/emulator/test_arm_permissions.py): AdminAgents Owner on its CSP
subscription through active GDAP, a second subscription the partner was never given; the partner's operator runs.
"""

from __future__ import annotations

import contextlib

import pytest

from azure_http import ArmClient, EmulatorTokens, Endpoints, GraphClient
from azure_http.partner_center import PartnerCenterClient
from runbooks.audit import DEFAULT_LIMITS, Clients, Target, audit
from runbooks.expected_scope import ExpectedScope
from runbooks.grants import Kind
from runbooks.journal import JournalState
from runbooks.revoke import (
    RevocationRun,
    _Executor,
    blocking,
    directory_side,
    open_run,
    plan_revocation,
    rights_waves,
    sweep_azure_grants,
    verify_run,
)
from runbooks.selection import ALL, parse_selection
from tests.emulator.test_arm_permissions import ADMIN_AGENTS, CONTOSO, HELPDESK_AGENTS, S_CONTOSO, S_CONTOSO_OWN
from tests.emulator.test_arm_permissions import world_scenario as permission_world
from tests.runbooks.test_runbook_world import FAST_RETRY, QUICK_VERIFY, run

PARTNER = "00000000-0000-4000-8000-00000000a001"
TARGET = Target.for_partner(CONTOSO, PARTNER, [ADMIN_AGENTS, HELPDESK_AGENTS])
SCOPE = f"/subscriptions/{S_CONTOSO}"


@pytest.fixture
def contoso(emulator):
    scenario = permission_world()
    scenario["arm"]["role_assignments"] += [
        {"scope": f"{SCOPE}/resourceGroups/app", "principalId": HELPDESK_AGENTS, "role": "Contributor"},
        {"scope": SCOPE, "principalId": HELPDESK_AGENTS, "role": "Reader", "principalType": "ForeignGroup"},
    ]
    emulator.control.reset(scenario)
    return emulator


async def _opened(url: str, stack: contextlib.AsyncExitStack, selection=ALL, expected=None) -> RevocationRun:
    tokens, endpoints = EmulatorTokens(), Endpoints.emulator(url)
    arm = await stack.enter_async_context(ArmClient(tokens, endpoints, tenant_id=CONTOSO, retry=FAST_RETRY))
    graph = await stack.enter_async_context(GraphClient(tokens, endpoints, tenant_id=PARTNER, retry=FAST_RETRY))
    pc = await stack.enter_async_context(PartnerCenterClient(tokens, endpoints, tenant_id=PARTNER))
    clients = Clients(arm=arm, graph=graph, partner_center=pc)
    found = await audit(TARGET, clients)
    _, state = plan_revocation(
        TARGET, clients, found, apply=True, journal=None, resume=False, selection=selection, gaps=[]
    )
    executor = _Executor(TARGET, clients, None, DEFAULT_LIMITS, None, len(state.plan))
    return open_run(
        TARGET,
        clients,
        state,
        found,
        executor,
        verify=QUICK_VERIFY,
        sleep=_no_wait,
        limits=DEFAULT_LIMITS,
        expected=expected,
    )


async def _no_wait(seconds: float) -> None:
    return None


def _owner_present(emulator) -> bool:
    return any(a["properties"]["principalId"] == ADMIN_AGENTS for a in emulator.control.arm_role_assignments(SCOPE))


def test_plan_is_the_partners_selected_grants_and_a_dry_run_stops_there(contoso):
    async def go():
        async with contextlib.AsyncExitStack() as stack:
            run_ = await _opened(contoso.url, stack)
            dry, state = plan_revocation(
                TARGET, run_.clients, run_.audited, apply=False, journal=None, resume=False, selection=None, gaps=[]
            )
            only, _ = plan_revocation(
                TARGET,
                run_.clients,
                run_.audited,
                apply=False,
                journal=None,
                resume=False,
                selection=parse_selection(["rbac"], []),
                gaps=[],
            )
            return run_, dry, state, only

    opened, dry, state, only = run(go())
    assert state is None and {o.outcome for o in dry.outcomes} == {"planned"}
    assert {o.grant.kind for o in only.outcomes} == {Kind.RBAC} and {g.kind for g in only.kept} >= {
        Kind.GDAP_RELATIONSHIP
    }
    assert isinstance(opened.state, JournalState) and opened.seen_before == {S_CONTOSO}
    with pytest.raises(ValueError, match="nothing to resume"):
        plan_revocation(TARGET, opened.clients, None, apply=True, journal=None, resume=True, selection=None, gaps=[])


def test_the_azure_sweep_removes_what_gives_no_rights_and_keeps_the_owner(contoso):
    async def go():
        async with contextlib.AsyncExitStack() as stack:
            opened = await _opened(contoso.url, stack)
            await sweep_azure_grants(opened)
            return opened

    opened = run(go())
    assert {o.grant.role for o in opened.outcomes} == {"Contributor", "Reader"}
    assert {o.outcome for o in opened.outcomes} == {"removed"}
    assert [g.role for g in opened.rights] == ["Owner"] and opened.read_clean
    assert _owner_present(contoso)


def test_rights_waves_keep_the_owner_while_its_subscription_does_not_read_clean(contoso):
    (helpdesk,) = [
        a["id"]
        for a in contoso.control.arm_role_assignments(f"{SCOPE}/resourceGroups/app")
        if a["properties"]["principalId"] == HELPDESK_AGENTS and a["properties"]["scope"].endswith("/app")
    ]
    contoso.control.add_fault(f"/arm{helpdesk}", method="DELETE", lie=True, times=None)

    async def go():
        async with contextlib.AsyncExitStack() as stack:
            opened = await _opened(contoso.url, stack)
            await sweep_azure_grants(opened)
            await rights_waves(opened)
            reason = blocking(opened)
            await directory_side(opened)
            return opened, reason

    opened, reason = run(go())
    assert _owner_present(contoso)
    assert list(opened.held) == [SCOPE] and "still lists Contributor" in opened.held[SCOPE]
    assert "still lists Contributor" in reason
    directory = [o for o in opened.outcomes if o.grant.kind is Kind.GDAP_RELATIONSHIP]
    assert directory and directory[0].outcome == "failed" and "--resume" in directory[0].message
    assert next(r for r in contoso.control.state()["gdap"]["relationships"])["status"] == "active"


def test_rights_waves_then_directory_side_when_everything_reads_clean(contoso):
    async def go():
        async with contextlib.AsyncExitStack() as stack:
            opened = await _opened(contoso.url, stack)
            await sweep_azure_grants(opened)
            await rights_waves(opened)
            assert blocking(opened) == ""
            await directory_side(opened)
            return opened

    opened = run(go())
    assert not _owner_present(contoso) and opened.access_removed == {S_CONTOSO}
    assert {o.outcome for o in opened.outcomes} == {"removed"}
    assert next(r for r in contoso.control.state()["gdap"]["relationships"])["status"] != "active"


def test_verify_names_an_expected_subscription_it_cannot_read_with_the_customer_side_check(contoso):
    async def go():
        async with contextlib.AsyncExitStack() as stack:
            expected = ExpectedScope.load(None, CONTOSO, [S_CONTOSO_OWN])
            opened = await _opened(contoso.url, stack, expected=expected)
            await sweep_azure_grants(opened)
            await rights_waves(opened)
            return await verify_run(opened)

    verification = run(go())
    assert verification.access_ended == [S_CONTOSO]
    (named,) = [u for u in verification.unverified if S_CONTOSO_OWN in u]
    assert "declared in the stack config" in named and f"--scope /subscriptions/{S_CONTOSO_OWN}" in named
    assert any("--scope / --assignee" in limit for limit in verification.limits)
