"""Worlds for the runbook tests (audit, revoke, resume, fault storms), and checks of the worlds themselves.

The other ``test_runbook_*`` modules import from here. A world is ``emulator.arm_world.generate_world``
(customers with management groups, subscriptions, the partner's and the customers' own assignments at
subscription, resource group and resource scope, Lighthouse) plus what the generator does not make:

- another partner's foreign group with grants at every kind of scope of the audited customer;
- a management group above the customer's (nested groups: grants inherited two levels down);
- a partner grant at the customer's tenant root (``/``);
- Lighthouse delegations to another partner tenant, and to the partner at resource group scope.

The answers (which assignment ids are the partner's in the audited customer) are computed here from the
scenario itself, independently of the runbook code. Every assignment carries a fixed ``createdOn``, so
two loads of the same world dump byte for byte the same.
"""

from __future__ import annotations

import asyncio
import copy
import json
import os
import random
import uuid
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest
from hypothesis import strategies as st

from azure_http import ArmClient, EmulatorTokens, Endpoints, RetryPolicy
from emulator.core.state import DEFAULT_PARTNER_TENANT_ID
from emulator.worlds.arm import generate_world
from runbooks.audit import Clients, Target, audit
from runbooks.grants import Grant, Kind
from runbooks.verify import VerifyPolicy

PARTNER = DEFAULT_PARTNER_TENANT_ID
OTHER_PARTNER = "0b000000-0000-4000-8000-00000000b001"
OTHER_PARTNER_GROUP = "0b000000-0000-4000-8000-0000000000b2"
STAMP = "2026-01-02T03:04:05.000000Z"
RA = "providers/Microsoft.Authorization/roleAssignments"
LH = "providers/Microsoft.ManagedServices/registrationAssignments"
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"
SUPPORT = "cfd33db0-3dd1-45e3-aa9d-cdbdf3b6f24e"

# Fast retries: a storm is ridden out in milliseconds, not in production's seconds.
FAST_RETRY = RetryPolicy(max_attempts=10, max_total_wait=20.0, backoff_base=0.01, backoff_max=0.05)
# The verification sweep's waits for ARM's listings, without waiting (these worlds list at once).
QUICK_VERIFY = VerifyPolicy(attempts=2, delay=0.0)

T = TypeVar("T")


def examples(n: int) -> int:
    """Hypothesis examples for a property: ``n``, times ``RUNBOOK_EXAMPLES_SCALE`` for a deeper hunt."""
    return max(1, round(n * float(os.environ.get("RUNBOOK_EXAMPLES_SCALE", "1"))))


def run(coro: Awaitable[T]) -> T:
    """Run a coroutine on a loop of its own (the main thread's current loop is left alone: Pulumi mocks)."""
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(coro)
    finally:
        loop.close()


def arm_client(url: str, tenant: str, **kwargs: Any) -> ArmClient:
    kwargs.setdefault("retry", FAST_RETRY)
    return ArmClient(EmulatorTokens(), Endpoints.emulator(url), tenant_id=tenant, **kwargs)


def assignment_id(scope: str, name: str) -> str:
    return f"{'' if scope.strip('/') == '' else scope.rstrip('/')}/{RA}/{name}"


@dataclass
class World:
    scenario: dict[str, Any]
    customer: str
    """The customer tenant audited and revoked."""
    partner_ids: frozenset[str]
    subscriptions: list[str]
    """The audited customer's subscriptions."""
    partner_rbac: frozenset[str]
    """Lower-cased ids of the partner's role assignments the customer's subscriptions see."""
    partner_lighthouse: frozenset[str]
    """Lower-cased ids of the registration assignments delegating the customer's subscriptions to the partner."""
    foreign_rbac: frozenset[str]
    """Lower-cased ids of every foreign principal's assignment (any partner) the subscriptions see."""
    all_lighthouse: frozenset[str]
    """Lower-cased ids of every Lighthouse delegation of the customer's subscriptions (any tenant)."""

    @property
    def target(self) -> Target:
        return Target.for_partner(self.customer, PARTNER, self.partner_ids)

    @property
    def any_partner(self) -> Target:
        return Target.for_partner(self.customer, None, ())

    def snapshot_keys(self, ids: frozenset[str], kind: str) -> set[str]:
        return {f"{kind}:{i}" for i in ids}

    @property
    def partner_keys(self) -> set[str]:
        return self.snapshot_keys(self.partner_rbac, "ra") | self.snapshot_keys(self.partner_lighthouse, "lh")


@dataclass(frozen=True)
class WorldSpec:
    subscriptions: int = 6
    assignments_per_subscription: int = 6
    partner_per_subscription: int = 3
    seed: int = 0
    subscriptions_per_customer: int = 3
    lighthouse_every: int = 2
    management_group_assignments: bool = True
    other_partner: bool = True
    nested_group: bool = True
    root_grant: bool = True
    lighthouse_elsewhere: bool = True
    customer_index: int = 0
    authorization: str = "permissive"
    """These worlds test the runbook's contract (plans, journals, storms) with every grant readable: the
    emulator's permissive mode. Azure's permission model: tests/runbooks/test_revoke_strict.py."""


def build_world(spec: WorldSpec = WorldSpec()) -> World:
    generated = generate_world(
        spec.subscriptions,
        spec.assignments_per_subscription,
        spec.partner_per_subscription,
        seed=spec.seed,
        subscriptions_per_customer=spec.subscriptions_per_customer,
        lighthouse_every=spec.lighthouse_every,
        management_group_assignments=spec.management_group_assignments,
        dap_every=0,
    )
    scenario = copy.deepcopy(generated.scenario)
    arm = scenario["arm"]
    customer = generated.customer_tenant_ids[spec.customer_index % len(generated.customer_tenant_ids)]
    subs = [s for s in generated.subscriptions if s["tenant"] == customer]
    mg = subs[0]["managementGroup"]
    rng = random.Random(spec.seed)

    def name() -> str:
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))

    first = f"/subscriptions/{subs[0]['id']}"
    last = f"/subscriptions/{subs[-1]['id']}"
    mg_scope = f"/providers/Microsoft.Management/managementGroups/{mg}"
    own_group = next(p["id"] for p in arm["principals"] if p["tenant"] == customer and p["kind"] == "Group")
    if spec.other_partner:
        arm["tenants"].append({"id": OTHER_PARTNER, "displayName": "Other CSP"})
        arm["principals"].append(
            {"id": OTHER_PARTNER_GROUP, "kind": "Group", "tenant": OTHER_PARTNER, "displayName": "Other AdminAgents"}
        )
        for scope, role in (
            (mg_scope, READER),
            (first, CONTRIBUTOR),
            (f"{first}/resourceGroups/rg-other", READER),
            (f"{last}/resourceGroups/rg-1/providers/Microsoft.Storage/storageAccounts/stother", SUPPORT),
        ):
            arm["role_assignments"].append(
                {"scope": scope, "principalId": OTHER_PARTNER_GROUP, "role": role, "name": name()}
            )
    if spec.nested_group:
        top = f"mg-top-{mg}"
        arm["management_groups"].insert(0, {"name": top, "tenant": customer, "displayName": "Tenant root group"})
        for group in arm["management_groups"]:
            if group["name"] == mg:
                group["parent"] = top
        top_scope = f"/providers/Microsoft.Management/managementGroups/{top}"
        arm["role_assignments"] += [
            {
                "scope": top_scope,
                "principalId": generated.admin_agents_id,
                "role": SUPPORT,
                "principalType": "ForeignGroup",
                "name": name(),
            },
            {"scope": top_scope, "principalId": own_group, "role": READER, "name": name()},
        ]
    if spec.root_grant:
        arm["role_assignments"] += [
            {
                "scope": "/",
                "tenant": customer,
                "principalId": generated.partner_sp_id,
                "role": READER,
                "principalType": "ServicePrincipal",
                "name": name(),
            },
            {"scope": "/", "tenant": customer, "principalId": own_group, "role": READER, "name": name()},
        ]
    if spec.lighthouse_elsewhere:
        for scope, managing, assignment_scope in (
            (first, OTHER_PARTNER, first),
            (last, PARTNER, f"{last}/resourceGroups/rg-lighthouse"),
        ):
            definition = name()
            arm["registration_definitions"].append(
                {
                    "scope": scope,
                    "id": definition,
                    "registrationDefinitionName": f"Managed by {managing[:8]}",
                    "managedByTenantId": managing,
                    "authorizations": [{"principalId": OTHER_PARTNER_GROUP, "roleDefinitionId": READER}],
                }
            )
            arm["registration_assignments"].append(
                {"scope": assignment_scope, "id": name(), "registrationDefinitionId": definition}
            )
    for entry in arm["role_assignments"]:
        entry.setdefault("createdOn", STAMP)
    scenario["settings"] = {**scenario.get("settings", {}), "arm_authorization": spec.authorization}
    return _answers(scenario, customer, generated.partner_principal_ids)


def _answers(scenario: dict[str, Any], customer: str, partner_ids: frozenset[str]) -> World:
    """The grants the audit of ``customer`` must find, read off the scenario (not from the runbook)."""
    arm = scenario["arm"]
    tenants = {s["id"]: s["tenant"] for s in arm["subscriptions"]}
    groups = {g["name"].lower(): g for g in arm["management_groups"]}
    principals = {p["id"]: p for p in arm["principals"]}
    subs = [s for s in arm["subscriptions"] if s["tenant"] == customer]
    chains: set[str] = set()
    for sub in subs:
        group = (sub.get("managementGroup") or "").lower()
        while group and group not in chains:
            chains.add(group)
            group = (groups[group].get("parent") or "").lower()

    def seen_by_customer(entry: dict[str, Any]) -> bool:
        parts = [p for p in entry["scope"].split("/") if p]
        if not parts:
            return entry.get("tenant") == customer
        if parts[0].lower() == "subscriptions":
            return tenants[parts[1].lower()] == customer
        return parts[3].lower() in chains

    def principal_type(entry: dict[str, Any]) -> str:
        if entry.get("principalType"):
            return entry["principalType"]
        p = principals[entry["principalId"]]
        return "ForeignGroup" if p["kind"] == "Group" and p["tenant"] != customer else p["kind"]

    partner_rbac, foreign_rbac = set(), set()
    for entry in arm["role_assignments"]:
        if not seen_by_customer(entry):
            continue
        rid = assignment_id(entry["scope"], entry["name"]).lower()
        if entry["principalId"] in partner_ids:
            partner_rbac.add(rid)
        if principal_type(entry).startswith("Foreign"):
            foreign_rbac.add(rid)
    definitions = {(d["scope"].lower(), d["id"]): d for d in arm["registration_definitions"]}
    partner_lh, all_lh = set(), set()
    for a in arm["registration_assignments"]:
        sub_id = a["scope"].split("/")[2].lower()
        if tenants[sub_id] != customer:
            continue
        lid = f"{a['scope']}/{LH}/{a['id']}".lower()
        all_lh.add(lid)
        if definitions[(f"/subscriptions/{sub_id}", a["registrationDefinitionId"])]["managedByTenantId"] == PARTNER:
            partner_lh.add(lid)
    return World(
        scenario=scenario,
        customer=customer,
        partner_ids=partner_ids,
        subscriptions=[s["id"] for s in subs],
        partner_rbac=frozenset(partner_rbac),
        partner_lighthouse=frozenset(partner_lh),
        foreign_rbac=frozenset(foreign_rbac),
        all_lighthouse=frozenset(all_lh),
    )


@st.composite
def world_specs(draw: st.DrawFn, max_subscriptions: int = 8) -> WorldSpec:
    per_sub = draw(st.integers(1, 8))
    return WorldSpec(
        subscriptions=draw(st.integers(1, max_subscriptions)),
        assignments_per_subscription=per_sub,
        partner_per_subscription=draw(st.integers(0, per_sub)),
        seed=draw(st.integers(0, 2**32 - 1)),
        subscriptions_per_customer=draw(st.integers(1, 4)),
        lighthouse_every=draw(st.integers(0, 3)),
        management_group_assignments=draw(st.booleans()),
        other_partner=draw(st.booleans()),
        nested_group=draw(st.booleans()),
        root_grant=draw(st.booleans()),
        lighthouse_elsewhere=draw(st.booleans()),
        customer_index=draw(st.integers(0, 3)),
    )


# -- emulator state ------------------------------------------------------------------------------------
def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def snapshot(control) -> dict[str, str]:
    """Every role assignment, Lighthouse assignment and definition the emulator holds, as canonical JSON."""
    arm = control.state()["arm"]
    out: dict[str, str] = {}
    for prefix, items in (
        ("ra", arm["role_assignments"]),
        ("lh", arm["registration_assignments"]),
        ("ld", arm["registration_definitions"]),
    ):
        for item in items:
            out[f"{prefix}:{item['id'].lower()}"] = canonical(item)
    return out


def grant_key(grant: Grant) -> str:
    return f"{'lh' if grant.kind is Kind.LIGHTHOUSE else 'ra'}:{grant.id.lower()}"


def ids_of(grants, kind: Kind) -> set[str]:
    return {g.id.lower() for g in grants if g.kind is kind}


async def audit_world(url: str, world: World, target: Target | None = None, **client_kwargs: Any):
    async with arm_client(url, world.customer, **client_kwargs) as arm:
        return await audit(target or world.target, Clients(arm=arm))


# -- checks of the worlds themselves ------------------------------------------------------------------
def test_answers_count_every_partner_grant_of_the_customer():
    world = build_world(WorldSpec(subscriptions=6, subscriptions_per_customer=3, lighthouse_every=2))
    # 3 subscriptions x 3 partner grants, the inherited Reader at the customer's group, the group above it,
    # the tenant root; Lighthouse: 2 of 3 subscriptions (every 2nd of 6 overall) plus one at resource group scope.
    assert len(world.partner_rbac) == 3 * 3 + 1 + 1 + 1
    assert len(world.partner_lighthouse) == 2 + 1
    assert len(world.all_lighthouse) == 2 + 2
    entries = world.scenario["arm"]["role_assignments"]
    others = {assignment_id(e["scope"], e["name"]).lower() for e in entries if e["principalId"] == OTHER_PARTNER_GROUP}
    assert len(others) == 4
    assert others <= world.foreign_rbac
    assert not others & world.partner_rbac


def test_a_world_loads_and_dumps_the_same_twice(emulator):
    world = build_world(WorldSpec(seed=3))
    emulator.control.reset(world.scenario)
    first = snapshot(emulator.control)
    emulator.control.reset(world.scenario)
    assert snapshot(emulator.control) == first
    assert {k for k in first if k.startswith("ra:")} >= {f"ra:{i}" for i in world.partner_rbac}


@pytest.mark.parametrize("spec", [WorldSpec(), WorldSpec(subscriptions=1, subscriptions_per_customer=1, seed=9)])
def test_audit_of_a_fixed_world(emulator, spec):
    world = build_world(spec)
    emulator.control.reset(world.scenario)
    report = run(audit_world(emulator.url, world))
    assert report.errors == []
    assert ids_of(report.grants, Kind.RBAC) == world.partner_rbac
    assert ids_of(report.grants, Kind.LIGHTHOUSE) == world.partner_lighthouse
