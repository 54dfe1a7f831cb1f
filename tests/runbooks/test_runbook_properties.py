"""Audit and revoke over generated tenants, over real HTTP against the emulator.

For any world (sizes, seeds, other partners' foreign groups, the customer's own principals, grants at
tenant root, management group, subscription, resource group and resource scope, Lighthouse delegations
to the partner and to another tenant):

- the audit finds every partner grant the customer's subscriptions see, and nothing else;
- a dry run changes nothing and sends no write;
- revoke --apply removes every partner grant and nothing else: every other assignment, delegation and
  definition is still there, byte for byte; a second run finds them all already absent;
- with no partner named (``--all-partners``), every foreign principal's grant and every delegation.

And the safety rules: a plan (or a journal) listing what is not the partner's never removes it.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings

from runbooks.audit import Clients
from runbooks.grants import Grant, Kind
from runbooks.journal import DONE, Journal
from runbooks.revoke import revoke
from tests.runbooks.test_runbook_world import (
    OTHER_PARTNER,
    OTHER_PARTNER_GROUP,
    PARTNER,
    QUICK_VERIFY,
    RA,
    WorldSpec,
    arm_client,
    audit_world,
    build_world,
    examples,
    grant_key,
    ids_of,
    run,
    snapshot,
    world_specs,
)

PROPERTY = settings(
    max_examples=examples(25),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


async def _revoke(url, world, plan, target=None, **kwargs):
    async with arm_client(url, world.customer) as arm:
        return await revoke(target or world.target, Clients(arm=arm), plan, **{"verify": QUICK_VERIFY, **kwargs})


@PROPERTY
@given(spec=world_specs())
def test_audit_finds_exactly_the_partner_grants_and_revoke_removes_only_them(emulator, spec):
    world = build_world(spec)
    control = emulator.control
    control.reset(world.scenario)
    before = snapshot(control)

    report = run(audit_world(emulator.url, world))
    assert report.errors == []
    assert report.subscriptions == len(world.subscriptions)
    assert ids_of(report.grants, Kind.RBAC) == world.partner_rbac
    assert ids_of(report.grants, Kind.LIGHTHOUSE) == world.partner_lighthouse
    assert len(report.grants) == len(world.partner_rbac) + len(world.partner_lighthouse)  # each once
    for grant in report.grants:
        if grant.kind is Kind.RBAC:
            assert grant.principal_id in world.partner_ids
            in_subscription = grant.scope.lower().startswith("/subscriptions/")
            assert grant.inherited is not in_subscription
        else:
            assert grant.partner_tenant_id == PARTNER

    # Dry run: the plan is every grant, nothing is touched, no write is even sent.
    control.clear_requests()
    dry = run(_revoke(emulator.url, world, report.grants))
    assert Counter(o.outcome for o in dry.outcomes) == Counter({"planned": len(report.grants)})
    assert not dry.applied
    assert [r for r in control.requests() if r["method"] != "GET"] == []
    assert snapshot(control) == before

    applied = run(_revoke(emulator.url, world, report.grants, apply=True))
    assert applied.complete
    assert Counter(o.outcome for o in applied.outcomes) == Counter({"removed": len(report.grants)})
    after = snapshot(control)
    assert after == {k: v for k, v in before.items() if k not in world.partner_keys}

    assert run(audit_world(emulator.url, world)).grants == []
    again = run(_revoke(emulator.url, world, report.grants, apply=True))
    assert again.complete
    assert {o.outcome for o in again.outcomes} <= {"already-absent"}
    assert snapshot(control) == after


@settings(PROPERTY, max_examples=examples(10))
@given(spec=world_specs(max_subscriptions=6))
def test_all_partners_audit_and_revoke_cover_every_foreign_principal_and_delegation(emulator, spec):
    world = build_world(spec)
    control = emulator.control
    control.reset(world.scenario)
    before = snapshot(control)

    report = run(audit_world(emulator.url, world, world.any_partner))
    assert report.errors == []
    assert ids_of(report.grants, Kind.RBAC) == world.foreign_rbac
    assert ids_of(report.grants, Kind.LIGHTHOUSE) == world.all_lighthouse

    applied = run(_revoke(emulator.url, world, report.grants, world.any_partner, apply=True))
    # With no partner principals named, grants above subscriptions with none under them cannot be looked
    # for: never complete, and the report says so.
    assert applied.status == "incomplete" and applied.verification.remaining == []
    assert [u for u in applied.unverified if "all-partners mode" in u] == applied.unverified != []
    gone = {f"ra:{i}" for i in world.foreign_rbac} | {f"lh:{i}" for i in world.all_lighthouse}
    assert snapshot(control) == {k: v for k, v in before.items() if k not in gone}


# -- safety: what is not the partner's is never removed, whatever the plan or journal says -------------
@pytest.fixture
def fixed_world(emulator):
    world = build_world(WorldSpec(seed=11, subscriptions=4, subscriptions_per_customer=4))
    emulator.control.reset(world.scenario)
    return world


def _not_partners(world, control) -> list[Grant]:
    """Honest grants for every assignment and delegation that is not the partner's (as an audit of all
    principals would describe them): the customer's own users, groups and apps, the other partner."""
    arm = control.state()["arm"]
    grants = []
    for ra in arm["role_assignments"]:
        rid = ra["id"].lower()
        props = ra["properties"]
        if rid in world.partner_rbac or props["principalId"] in world.partner_ids:
            continue
        grants.append(
            Grant(
                kind=Kind.RBAC,
                id=ra["id"],
                description="not the partner's",
                principal_id=props["principalId"],
                principal_type=props["principalType"],
                scope=props["scope"],
                subscription_id=(
                    props["scope"].split("/")[2] if props["scope"].startswith("/subscriptions/") else None
                ),
            )
        )
    for a in arm["registration_assignments"]:
        if a["id"].lower() in world.partner_lighthouse:
            continue
        grants.append(
            Grant(
                kind=Kind.LIGHTHOUSE,
                id=a["id"],
                description="delegated to another tenant",
                partner_tenant_id=OTHER_PARTNER,
                subscription_id=a["id"].split("/")[2],
            )
        )
    return grants


def test_a_plan_listing_other_principals_removes_only_the_partners(emulator, fixed_world):
    world, control = fixed_world, emulator.control
    before = snapshot(control)
    strangers = _not_partners(world, control)
    assert any(g.principal_id == OTHER_PARTNER_GROUP for g in strangers)
    partner = run(audit_world(emulator.url, world)).grants

    report = run(_revoke(emulator.url, world, strangers + partner, apply=True))
    assert {grant_key(o.grant) for o in report.outcomes} == {grant_key(g) for g in partner}
    assert report.complete
    assert snapshot(control) == {k: v for k, v in before.items() if k not in world.partner_keys}


def test_a_tampered_journal_listing_other_principals_leaves_them(emulator, fixed_world, tmp_path):
    world, control = fixed_world, emulator.control
    before = snapshot(control)
    strangers = _not_partners(world, control)
    partner = run(audit_world(emulator.url, world)).grants
    journal = Journal(tmp_path)
    journal.start(world.customer, PARTNER, partner)
    document = json.loads(journal.plan_path.read_text())
    document["plan"] += [g.to_json() for g in strangers]  # edited by hand (or by an attacker)
    journal.plan_path.write_text(json.dumps(document))

    report = run(_revoke(emulator.url, world, None, apply=True, journal=Journal(tmp_path), resume=True))
    outcomes = {grant_key(o.grant): o for o in report.outcomes}
    for grant in strangers:
        assert outcomes[grant_key(grant)].outcome == "left"
        assert "never touched" in outcomes[grant_key(grant)].message
    assert all(outcomes[grant_key(g)].outcome == "removed" for g in partner)
    assert snapshot(control) == {k: v for k, v in before.items() if k not in world.partner_keys}


@pytest.mark.parametrize("through", ["plan", "journal"])
def test_a_plan_entry_claiming_a_customer_assignment_is_the_partners_never_removes_it(
    emulator, fixed_world, tmp_path, through
):
    """Forged entries: a customer's assignment said to be AdminAgents', another tenant's delegation said to be
    the partner's. Ownership is what ARM lists, not what the plan claims."""
    world, control = fixed_world, emulator.control
    before = snapshot(control)
    admin_agents = sorted(world.partner_ids)[0]
    strangers = _not_partners(world, control)
    own = next(g for g in strangers if g.kind is Kind.RBAC and g.principal_type in ("User", "Group"))
    other_lh = next(g for g in strangers if g.kind is Kind.LIGHTHOUSE)
    forged = [
        replace(own, principal_id=admin_agents, principal_type="ForeignGroup"),
        replace(other_lh, partner_tenant_id=PARTNER),
    ]
    if through == "plan":
        report = run(_revoke(emulator.url, world, forged, apply=True))
    else:
        Journal(tmp_path).start(world.customer, PARTNER, forged)
        report = run(_revoke(emulator.url, world, None, apply=True, journal=Journal(tmp_path), resume=True))
    assert snapshot(control) == before, [(o.grant.id, o.outcome) for o in report.outcomes]
    assert {o.outcome for o in report.outcomes} <= {"left", "failed"}


def test_audit_finds_a_partner_grant_on_a_management_group_without_subscriptions(emulator, fixed_world):
    world, control = fixed_world, emulator.control
    control.arm_seed({"management_groups": [{"name": "sandbox", "tenant": world.customer}]})
    grant = control.arm_add_role_assignment(
        "/providers/Microsoft.Management/managementGroups/sandbox",
        sorted(world.partner_ids)[0],
        "Owner",
        principal_type="ForeignGroup",
    )
    report = run(audit_world(emulator.url, world))
    assert grant["id"].lower() in ids_of(report.grants, Kind.RBAC)


@pytest.mark.parametrize("through", ["plan", "journal"])
def test_a_plan_entry_whose_scope_disagrees_with_its_id_is_never_reported_gone_while_present(
    emulator, fixed_world, tmp_path, through
):
    world, control = fixed_world, emulator.control
    grants = run(audit_world(emulator.url, world)).grants
    first, second = (s.lower() for s in world.subscriptions[:2])
    grant = next(g for g in grants if g.kind is Kind.RBAC and g.subscription_id == second)
    moved = replace(grant, subscription_id=first, scope=f"/subscriptions/{first}")  # stale, corrupt or edited
    if through == "plan":
        report = run(_revoke(emulator.url, world, [moved], apply=True))
    else:
        Journal(tmp_path).start(world.customer, PARTNER, [moved])
        report = run(_revoke(emulator.url, world, None, apply=True, journal=Journal(tmp_path), resume=True))
    present = set(snapshot(control))
    [outcome] = report.outcomes
    assert not (outcome.outcome in DONE and grant_key(grant) in present), (outcome.outcome, outcome.message)


def test_revoke_of_an_inherited_grant_without_rights_at_the_group_is_reported_failed(emulator, fixed_world):
    world, control = fixed_world, emulator.control
    report = run(audit_world(emulator.url, world))
    inherited = [g for g in report.grants if g.inherited and "managementGroups" in g.id]
    assert inherited
    control.add_fault("/arm/providers/Microsoft.Management/", status=403, times=None, method="DELETE")
    before = snapshot(control)
    result = run(_revoke(emulator.url, world, inherited, apply=True))
    assert not result.complete
    for outcome in result.outcomes:
        assert outcome.outcome == "failed"
        assert "not allowed to remove it at its scope above the subscription" in outcome.message
    assert snapshot(control) == before
    assert RA in inherited[0].id
