"""The revocation's read-back by principal (``runbooks.principal_sweep``): the same grants as the per-subscription
sweep, a few paged listings instead of one per subscription, and the per-subscription sweep whenever it cannot see
everything (no role at the tenant root, or no principals named). Against the emulator in Azure's permission model."""

from __future__ import annotations

from runbooks.audit import Clients, Target, audit, sweep_azure
from runbooks.principal_sweep import read_back, sweep_by_principal
from runbooks.revoke import revoke
from tests.runbooks.test_revoke_strict import (
    ADMIN_AGENTS,
    CUSTOMER_A,
    PARTNER,
    managing_world,
    partner_grants,
    runbook_arm,
)
from tests.runbooks.test_runbook_world import QUICK_VERIFY, run

TARGET = Target.for_partner(CUSTOMER_A, PARTNER, [ADMIN_AGENTS])


def _per_subscription_listings(emulator) -> list[dict]:
    """Role-assignment listings at a subscription (what the per-subscription sweep sends, one per subscription)."""
    return [
        r
        for r in emulator.control.requests("/arm/subscriptions/", "GET")
        if r["path"].endswith("/providers/Microsoft.Authorization/roleAssignments")
    ]


def test_by_principal_it_reads_what_the_per_subscription_sweep_reads(emulator):
    emulator.control.reset(managing_world(root_readable=True))

    async def go():
        async with runbook_arm(emulator) as arm:
            return await sweep_by_principal(TARGET, arm), await sweep_azure(TARGET, arm)

    fast, slow = run(go())
    assert fast is not None and not fast.errors
    assert {g.id.lower() for g in fast.grants} == {g.id.lower() for g in slow.grants} != set()
    assert sorted(fast.subscription_ids) == sorted(slow.subscription_ids)
    assert fast.excluded == slow.excluded  # customer B's subscription, seen through Lighthouse: never read


def test_a_revoke_that_may_read_the_root_verifies_without_a_listing_per_subscription(emulator):
    emulator.control.reset(managing_world(root_readable=True))

    async def go():
        async with runbook_arm(emulator) as arm:
            clients = Clients(arm=arm)
            plan = await audit(TARGET, clients)
            emulator.control.clear_requests()
            return await revoke(TARGET, clients, plan, apply=True, verify=QUICK_VERIFY)

    report = run(go())
    assert report.status == "complete", report.unverified
    assert partner_grants(emulator.control.state(), CUSTOMER_A) == set()  # read off the emulator, not the runbook
    assert _per_subscription_listings(emulator) == []
    roots = [r for r in emulator.control.requests("/arm/providers/Microsoft.Authorization/roleAssignments", "GET")]
    assert roots and all("principalId" in r["query"] for r in roots)


def test_without_a_role_at_the_root_it_reads_per_subscription_and_still_verifies(emulator):
    emulator.control.reset(managing_world(root_readable=False))

    async def go():
        async with runbook_arm(emulator) as arm:
            clients = Clients(arm=arm)
            assert await sweep_by_principal(TARGET, arm) is None  # refused at /: not an answer
            plan = await audit(TARGET, clients)
            emulator.control.clear_requests()
            return await revoke(TARGET, clients, plan, apply=True, verify=QUICK_VERIFY)

    report = run(go())
    assert _per_subscription_listings(emulator) != []  # the fallback read every subscription again
    assert partner_grants(emulator.control.state(), CUSTOMER_A) == set()
    # Everything it could read is verified gone; the root it could not read keeps the run from "complete".
    assert report.status == "incomplete" and any("tenant root" in u for u in report.unverified)


def test_with_no_principal_named_it_never_answers(emulator):
    emulator.control.reset(managing_world(root_readable=True))
    every_partner = Target.for_partner(CUSTOMER_A, None, [])

    async def go():
        async with runbook_arm(emulator) as arm:
            return await sweep_by_principal(every_partner, arm), await read_back(every_partner, arm)

    fast, fallback = run(go())
    assert fast is None  # every foreign principal is wanted: only the per-subscription listing shows them
    assert fallback.subscription_ids and not fallback.errors
