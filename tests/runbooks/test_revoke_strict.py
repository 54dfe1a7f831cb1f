"""Revocation in Azure's permission model (the emulator's strict mode), over generated multi-customer worlds.

Each world: two or three customers of the partner, reached through GDAP, DAP or both; subscriptions where
AdminAgents is Owner (the CSP grant) and others the partner cannot see; the partner's other grants at
subscription, resource group and resource scope, at a management group and at the tenant root; another
partner's grants; the customers' own; Lighthouse delegations to the partner, and one customer managing
another customer's subscription through Lighthouse. Runs come from the partner (dapctl revoke: its
operator in AdminAgents, through admin-on-behalf-of) or the customer (the runbook's managed identity with
the removal role on the customer's subscriptions, sometimes with Reader at the tenant root), with faults
that lie (200 without effect) and a grant added mid-run.

For every world: revoke removes every grant of the partner in that customer that its rights can reach,
nothing else anywhere, and is ``complete`` (exit 0) only when no grant of the partner is left in the
customer's tenant; the directory side (GDAP, DAP) goes only after every Azure delete.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from azure_http import ArmClient, EmulatorTokens, Endpoints, GraphClient
from azure_http.partner_center import PartnerCenterClient
from components.revocation_runbook import REMOVAL_ACTIONS
from emulator.arm.authz import DEFAULT_OPERATOR
from emulator.core.state import DEFAULT_PARTNER_TENANT_ID
from runbooks.audit import Clients, Target, audit
from runbooks.automation_entry import run_runbook
from runbooks.expected_scope import ExpectedScope
from runbooks.grants import Kind
from runbooks.revoke import EXIT_COMPLETE, EXIT_FAILED, EXIT_INCOMPLETE, revoke
from runbooks.verify import VerifyPolicy
from tests.emulator.test_arm_permissions import ADMIN_AGENTS as PERM_ADMIN_AGENTS
from tests.emulator.test_arm_permissions import CONTOSO as PERM_CONTOSO
from tests.emulator.test_arm_permissions import world_scenario as permission_world
from tests.runbooks.test_runbook_world import FAST_RETRY, QUICK_VERIFY, examples, run

PARTNER = DEFAULT_PARTNER_TENANT_ID
ADMIN_AGENTS = "aa000000-0000-4000-8000-0000000000a1"
HELPDESK_AGENTS = "aa000000-0000-4000-8000-0000000000a2"
PARTNER_SP = "aa000000-0000-4000-8000-0000000000a3"
PARTNER_PRINCIPALS = frozenset({ADMIN_AGENTS, HELPDESK_AGENTS, PARTNER_SP})
OTHER_PARTNER = "0b000000-0000-4000-8000-00000000b001"
OTHER_GROUP = "0b000000-0000-4000-8000-0000000000b2"
REMOVAL_ROLE = "e0000000-0000-4000-8000-00000000e0e0"
DIRECTORY_READERS = "88d8e3e3-8f55-4a1e-953a-9b9898b8876b"
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
UAA = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"
RA = "providers/Microsoft.Authorization/roleAssignments"
LH = "providers/Microsoft.ManagedServices/registrationAssignments"
PARTNER_ROLES = ("Reader", "Contributor", "Support Request Contributor")


def guid(kind: int, n: int) -> str:
    return f"{kind:08x}-0000-4000-8000-{n:012x}"


@dataclass
class StrictWorld:
    scenario: dict[str, Any]
    customer: str
    """The customer revoked."""
    runner: str
    """'partner' (dapctl) or 'customer' (the runbook's identity)."""
    identity: str
    """Object id the run acts as."""
    reachable: set[str] = field(default_factory=set)
    """Lower-cased ids of the partner's grants in the customer that the runner may delete."""
    relationship: str | None = None
    dap: bool = False
    mid_run_scope: str | None = None


@st.composite
def strict_worlds(draw: st.DrawFn) -> StrictWorld:
    customers = draw(st.integers(2, 3))
    target = draw(st.integers(0, customers - 1))
    runner = draw(st.sampled_from(["partner", "customer"]))
    root_readable = runner == "customer" and draw(st.booleans())
    identity = DEFAULT_OPERATOR if runner == "partner" else guid(0xE1, target)
    counter = iter(range(1, 10_000))
    tenants, subscriptions, principals, assignments = [], [], [], []
    definitions, lh_assignments, relationships, pc_customers = [], [], [], []
    management_groups: list[dict[str, Any]] = []
    world = StrictWorld({}, guid(0xC0, target), runner, identity)
    principals += [
        {"id": ADMIN_AGENTS, "kind": "Group", "tenant": PARTNER, "displayName": "AdminAgents"},
        {"id": HELPDESK_AGENTS, "kind": "Group", "tenant": PARTNER, "displayName": "HelpdeskAgents"},
        {"id": PARTNER_SP, "kind": "ServicePrincipal", "tenant": PARTNER, "displayName": "Partner automation"},
        {"id": OTHER_GROUP, "kind": "Group", "tenant": OTHER_PARTNER, "displayName": "Other AdminAgents"},
    ]
    tenants += [{"id": PARTNER}, {"id": OTHER_PARTNER}]

    def grant(scope: str, principal: str, role: str, tenant: str | None = None) -> str:
        entry = {"scope": scope, "principalId": principal, "role": role, "name": guid(0x0A, next(counter))}
        if tenant:
            entry["tenant"] = tenant
        assignments.append(entry)
        return f"{'' if scope == '/' else scope}/{RA}/{entry['name']}".lower()

    for c in range(customers):
        tenant = guid(0xC0, c)
        mine = c == target
        tenants.append({"id": tenant, "displayName": f"Customer {c}"})
        delegation = draw(st.sampled_from(["gdap", "dap", "both"]))
        pc_customers.append({"tenantId": tenant, "companyName": f"Customer {c}", "dap": delegation != "gdap"})
        if delegation != "dap":
            rel = f"rel-{c}"
            relationships.append(
                {
                    "id": rel,
                    "displayName": f"customer-{c}-gdap",
                    "customer": {"tenantId": tenant, "displayName": f"Customer {c}"},
                    "status": "active",
                    "roles": [DIRECTORY_READERS],
                    "accessAssignments": [{"groupId": ADMIN_AGENTS, "roles": [DIRECTORY_READERS]}],
                }
            )
            if mine:
                world.relationship = rel
        if mine:
            world.dap = delegation != "gdap"
        own_user = guid(0xA1, c)
        principals.append({"id": own_user, "kind": "User", "tenant": tenant, "displayName": f"admin{c}"})
        mg = None
        if draw(st.booleans()):
            mg = f"mg-{c}"
            management_groups.append({"name": mg, "tenant": tenant})
            if draw(st.integers(0, 3)) == 0:  # inherited by the subscriptions below; nobody here may delete it
                grant(f"/providers/Microsoft.Management/managementGroups/{mg}", HELPDESK_AGENTS, "Reader")
        if draw(st.integers(0, 3)) == 0:  # at the tenant root: invisible without elevated access
            grant("/", PARTNER_SP, "Reader", tenant)
        if mine and runner == "customer":
            principals.append({"id": identity, "kind": "ServicePrincipal", "tenant": tenant, "displayName": "mi"})
            if root_readable:
                grant("/", identity, "Reader", tenant)
        for s in range(draw(st.integers(1, 3))):
            sub = guid(0x5B, c * 16 + s)
            scope = f"/subscriptions/{sub}"
            subscriptions.append({"id": sub, "tenant": tenant, **({"managementGroup": mg} if mg else {})})
            csp = draw(st.booleans()) or s == 0  # AdminAgents Owner: the partner sees and acts there
            partner_here: list[str] = []
            if csp:
                partner_here.append(grant(scope, ADMIN_AGENTS, "Owner"))
            for kind, principal, role in draw(
                st.lists(
                    st.tuples(
                        st.sampled_from(["sub", "rg", "res"]),
                        st.sampled_from([HELPDESK_AGENTS, PARTNER_SP]),
                        st.sampled_from(PARTNER_ROLES),
                    ),
                    max_size=3,
                    unique=True,
                )
            ):
                at = {"sub": scope, "rg": f"{scope}/resourceGroups/rg-1"}.get(
                    kind, f"{scope}/resourceGroups/rg-1/providers/Microsoft.Storage/storageAccounts/st{s}"
                )
                partner_here.append(grant(at, principal, role))
            if draw(st.booleans()):
                grant(scope, OTHER_GROUP, "Reader")
            grant(scope, own_user, "Owner")
            if mine and runner == "customer":
                grant(scope, identity, REMOVAL_ROLE)
            lighthouse = draw(st.booleans())
            if lighthouse:
                definition = guid(0xD0, c * 16 + s)
                definitions.append(
                    {
                        "scope": scope,
                        "id": definition,
                        "registrationDefinitionName": "Partner support",
                        "managedByTenantId": PARTNER,
                        "authorizations": [{"principalId": HELPDESK_AGENTS, "roleDefinitionId": READER}],
                    }
                )
                lh_id = guid(0xD1, c * 16 + s)
                lh_assignments.append({"scope": scope, "id": lh_id, "registrationDefinitionId": definition})
                partner_here.append(f"{scope}/{LH}/{lh_id}".lower())
            if mine and (csp or runner == "customer"):
                world.reachable.update(partner_here)
                if csp and world.mid_run_scope is None and draw(st.booleans()):
                    world.mid_run_scope = f"{scope}/resourceGroups/rg-mid"
    # One customer manages another's subscription through Lighthouse (its own principals hold the roles).
    manager, managed = target, (target + 1) % customers
    managed_sub = guid(0x5B, managed * 16)
    definition = guid(0xD2, 1)
    definitions.append(
        {
            "scope": f"/subscriptions/{managed_sub}",
            "id": definition,
            "registrationDefinitionName": f"Managed by customer {manager}",
            "managedByTenantId": guid(0xC0, manager),
            "authorizations": [
                {
                    "principalId": identity if runner == "customer" else guid(0xA1, manager),
                    "roleDefinitionId": UAA,
                    "delegatedRoleDefinitionIds": [READER],
                },
                {"principalId": identity if runner == "customer" else guid(0xA1, manager), "roleDefinitionId": READER},
            ],
        }
    )
    lh_assignments.append(
        {"scope": f"/subscriptions/{managed_sub}", "id": guid(0xD3, 1), "registrationDefinitionId": definition}
    )
    world.scenario = {
        "partner_tenant_id": PARTNER,
        "partner_center": {
            "admin_agents_group_id": ADMIN_AGENTS,
            "helpdesk_agents_group_id": HELPDESK_AGENTS,
            "customers": pc_customers,
        },
        "gdap": {"relationships": relationships},
        "arm": {
            "tenants": tenants,
            "management_groups": management_groups,
            "subscriptions": subscriptions,
            "principals": principals,
            "role_definitions": [{"id": REMOVAL_ROLE, "actions": REMOVAL_ACTIONS}],
            "role_assignments": assignments,
            "registration_definitions": definitions,
            "registration_assignments": lh_assignments,
        },
    }
    return world


def partner_grants(state: dict[str, Any], customer: str) -> set[str]:
    """Every grant of the partner in ``customer``'s tenant, read off the emulator's state (not the runbook)."""
    arm = state["arm"]
    tenants = {s["subscriptionId"]: s["tenantId"] for s in arm["subscriptions"]}
    definitions = {d["id"].lower(): d for d in arm["registration_definitions"]}
    out = set()
    for ra in arm["role_assignments"]:
        if ra["properties"]["principalId"] in PARTNER_PRINCIPALS and ra["tenantId"] == customer:
            out.add(ra["id"].lower())
    for a in arm["registration_assignments"]:
        sub = a["id"].split("/")[2].lower()
        definition = definitions[a["properties"]["registrationDefinitionId"].lower()]
        if tenants[sub] == customer and definition["properties"]["managedByTenantId"] == PARTNER:
            out.add(a["id"].lower())
    return out


def everything(state: dict[str, Any]) -> set[str]:
    arm = state["arm"]
    return {f"{ra['tenantId']}|{ra['id'].lower()}" for ra in arm["role_assignments"]} | {
        a["id"].lower() for a in arm["registration_assignments"]
    }


def key_of(state: dict[str, Any], grant_id: str) -> str:
    return next(
        (
            f"{ra['tenantId']}|{ra['id'].lower()}"
            for ra in state["arm"]["role_assignments"]
            if ra["id"].lower() == grant_id
        ),
        grant_id,
    )


async def run_revocation(url: str, world: StrictWorld, on_progress, principals=PARTNER_PRINCIPALS) -> Any:
    tokens = EmulatorTokens(world.identity)
    target = Target.for_partner(world.customer, PARTNER, principals)
    endpoints = Endpoints.emulator(url)
    async with contextlib.AsyncExitStack() as stack:
        arm = await stack.enter_async_context(ArmClient(tokens, endpoints, tenant_id=world.customer, retry=FAST_RETRY))
        clients = Clients(arm=arm)
        if world.runner == "partner":
            clients.graph = await stack.enter_async_context(GraphClient(tokens, endpoints, tenant_id=PARTNER))
            clients.partner_center = await stack.enter_async_context(
                PartnerCenterClient(tokens, endpoints, tenant_id=PARTNER)
            )
        plan = await audit(target, clients)
        # The partner's intent declares the customer's subscriptions (it put its Owner there, or had it): one it
        # cannot read is unverified, never clean by omission.
        subscriptions = [s["id"] for s in world.scenario["arm"]["subscriptions"] if s["tenant"] == world.customer]
        expected = ExpectedScope.load(None, world.customer, subscriptions) if world.runner == "partner" else None
        return await revoke(
            target, clients, plan, apply=True, verify=QUICK_VERIFY, progress=on_progress, expected=expected
        )


LIE = st.sampled_from([None, "delete-once", "delete-always", "dap", "gdap"])


@settings(
    max_examples=examples(20),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(world=strict_worlds(), lie=LIE, lie_pick=st.integers(0, 50))
def test_revoke_removes_what_its_rights_reach_nothing_else_and_is_complete_only_when_verified(
    emulator, world, lie, lie_pick
):
    control = emulator.control
    control.reset(world.scenario)
    before = control.state()
    everything_before = everything(before)
    partner_before = partner_grants(before, world.customer)
    reachable = sorted(world.reachable & partner_before)
    if lie in ("delete-once", "delete-always") and reachable:
        victim = reachable[lie_pick % len(reachable)]
        control.add_fault("/arm" + victim, method="DELETE", lie=True, times=1 if lie == "delete-once" else None)
    elif lie == "dap":
        control.add_fault(f"/partnercenter/v1/customers/{world.customer}", method="PATCH", lie=True, times=None)
    elif lie == "gdap" and world.relationship:
        control.add_fault(
            f"/graph/v1.0/tenantRelationships/delegatedAdminRelationships/{world.relationship}/requests",
            method="POST",
            lie=True,
            times=None,
        )
    added: list[str] = []

    def on_progress(stage: str, done: int, total: int | None) -> None:
        if world.mid_run_scope and not added and stage == "revoke":
            created = control.arm_add_role_assignment(world.mid_run_scope, HELPDESK_AGENTS, "Contributor")
            added.append(created["id"].lower())

    control.clear_requests()
    report = run(run_revocation(emulator.url, world, on_progress))
    after = control.state()
    partner_after = partner_grants(after, world.customer)
    event(f"{world.runner} run: {report.status}")

    # Nothing else anywhere: only the partner's grants in this customer's tenant went.
    gone = everything_before - everything(after)
    assert gone <= {key_of(before, g) for g in partner_before}, sorted(gone)
    # Every partner grant its rights reach is gone (a delete that lied once is caught and redone). A grant
    # added during the run is removed when it lands before the caller's own rights go; after that the run
    # may not see it, and then it is never reported complete (below).
    expected_gone = set(reachable)
    if lie == "delete-always":
        expected_gone -= {reachable[lie_pick % len(reachable)]} if reachable else set()
    assert not expected_gone & partner_after, sorted(expected_gone & partner_after)
    # Complete (exit 0) only when nothing of the partner is left and the directory side is verified gone.
    if report.status == "complete":
        assert partner_after == set()
        assert report.exit_code == EXIT_COMPLETE
    if partner_after:
        assert report.status in ("failed", "incomplete") and report.exit_code != EXIT_COMPLETE
    if world.runner == "partner":
        # The partner can never read the customer's tenant root: a documented limit of its view, named with the
        # customer's elevated command; what sits there is inherited into the subscriptions it reads, so a grant
        # left at the root (or a management group above them) is still seen and keeps the run from "complete".
        assert any("tenant root" in limit for limit in report.limits)
        assert not any("cannot list role assignments at /" in u for u in report.unverified)
        relationship_status = {r["id"]: r["status"] for r in after["gdap"]["relationships"]}.get(world.relationship)
        dap = next(c for c in after["partner_center"]["customers"] if c["id"] == world.customer)["dap"]
        if (lie == "dap" and world.dap) or (lie == "gdap" and world.relationship):
            assert report.status == "failed"  # read back: the directory side did not change
        if lie is None:
            assert relationship_status in (None, "terminated", "terminating", "terminationRequested")
            assert dap == {"adminAgents": False, "helpdeskAgents": False}
        # The directory side goes last: no ARM delete after GDAP's termination or DAP's removal.
        log = control.requests()
        directory = [
            i
            for i, r in enumerate(log)
            if (r["method"] == "POST" and r["path"].endswith("/requests")) or r["method"] == "PATCH"
        ]
        deletes = [i for i, r in enumerate(log) if r["method"] == "DELETE" and r["path"].startswith("/arm/")]
        if directory and deletes:
            assert max(deletes) < min(directory)
        # With admin-on-behalf-of still in place while it worked, no delete it was entitled to was refused.
        refused = [r for r in log if r["method"] == "DELETE" and r["status"] == 403]
        assert all(r["path"][4:].lower() not in world.reachable for r in refused), refused
    else:
        assert report.status in ("complete", "failed", "incomplete")


CUSTOMER_A, CUSTOMER_B = guid(0xC0, 0xA), guid(0xC0, 0xB)
SUB_A, SUB_B = guid(0x5B, 0xA), guid(0x5B, 0xB)
RUNBOOK_MI = guid(0xE1, 0xA)


def managing_world(*, root_readable: bool) -> dict[str, Any]:
    """Customer A's runbook identity holds the removal role on A's subscription and, through Lighthouse,
    User Access Administrator on customer B's subscription (A manages B). The partner is Owner in both."""
    return {
        "partner_tenant_id": PARTNER,
        "partner_center": {
            "admin_agents_group_id": ADMIN_AGENTS,
            "customers": [{"tenantId": CUSTOMER_A, "dap": True}, {"tenantId": CUSTOMER_B}],
        },
        "arm": {
            "tenants": [{"id": PARTNER}, {"id": CUSTOMER_A}, {"id": CUSTOMER_B}],
            "subscriptions": [{"id": SUB_A, "tenant": CUSTOMER_A}, {"id": SUB_B, "tenant": CUSTOMER_B}],
            "principals": [
                {"id": ADMIN_AGENTS, "kind": "Group", "tenant": PARTNER},
                {"id": RUNBOOK_MI, "kind": "ServicePrincipal", "tenant": CUSTOMER_A},
            ],
            "role_definitions": [{"id": REMOVAL_ROLE, "actions": REMOVAL_ACTIONS}],
            "role_assignments": [
                {"scope": f"/subscriptions/{SUB_A}", "principalId": ADMIN_AGENTS, "role": "Owner"},
                {"scope": f"/subscriptions/{SUB_B}", "principalId": ADMIN_AGENTS, "role": "Owner"},
                {"scope": f"/subscriptions/{SUB_A}", "principalId": RUNBOOK_MI, "role": REMOVAL_ROLE},
                *(
                    [{"scope": "/", "tenant": CUSTOMER_A, "principalId": RUNBOOK_MI, "role": "Reader"}]
                    if root_readable
                    else []
                ),
            ],
            "registration_definitions": [
                {
                    "scope": f"/subscriptions/{SUB_B}",
                    "id": guid(0xD2, 0xB),
                    "registrationDefinitionName": "Managed by A",
                    "managedByTenantId": CUSTOMER_A,
                    "authorizations": [
                        {"principalId": RUNBOOK_MI, "roleDefinitionId": UAA, "delegatedRoleDefinitionIds": [READER]}
                    ],
                }
            ],
            "registration_assignments": [
                {"scope": f"/subscriptions/{SUB_B}", "id": guid(0xD3, 0xB), "registrationDefinitionId": guid(0xD2, 0xB)}
            ],
        },
    }


def runbook_arm(emulator) -> ArmClient:
    return ArmClient(
        EmulatorTokens(RUNBOOK_MI), Endpoints.emulator(emulator.url), tenant_id=CUSTOMER_A, retry=FAST_RETRY
    )


def test_a_customer_managing_another_through_lighthouse_never_touches_the_other(emulator):
    """Invariant 1, and 5: the runbook of customer A sees B's subscription (Lighthouse) and could delete there;
    it never reads it for grants nor touches it, exits non-zero while anything is unverified, and prints the
    same report dapctl writes."""
    emulator.control.reset(managing_world(root_readable=False))
    parameters = {"customerTenantId": CUSTOMER_A, "partnerTenantId": PARTNER, "principalIds": [ADMIN_AGENTS]}

    async def go():
        graph = GraphClient(EmulatorTokens(RUNBOOK_MI), Endpoints.emulator(emulator.url), tenant_id=CUSTOMER_A)
        async with runbook_arm(emulator) as arm, graph:
            assert {s["subscriptionId"] async for s in arm.list_subscriptions()} == {SUB_A, SUB_B}
            return await run_runbook(parameters, True, arm, graph)

    report, markdown = run(go())
    state = emulator.control.state()
    assert partner_grants(state, CUSTOMER_B) != set()  # B's Owner for the partner: untouched
    assert partner_grants(state, CUSTOMER_A) == set()
    assert not [
        r
        for r in emulator.control.requests(f"/arm/subscriptions/{SUB_B}")
        if r["method"] != "GET" or "roleAssignments" in r["path"]
    ]
    assert report.status == "incomplete" and report.exit_code == EXIT_INCOMPLETE
    assert any("cannot list role assignments at /" in u for u in report.unverified)
    assert any(u.startswith("GDAP:") for u in report.unverified)  # the partner's side: manual, not verifiable
    assert "INCOMPLETE" in markdown and "## Not verified" in markdown
    # What the customer can read of its partners itself: the cross-tenant access policy's service providers.
    assert f"## Service providers in the tenant's cross-tenant access policy\n\n- `{PARTNER}`" in markdown


def test_a_customer_side_run_that_can_read_everything_is_complete(emulator):
    emulator.control.reset(managing_world(root_readable=True))
    target = Target.for_partner(CUSTOMER_A, PARTNER, [ADMIN_AGENTS])

    async def go():
        async with runbook_arm(emulator) as arm:
            clients = Clients(arm=arm)
            return await revoke(target, clients, await audit(target, clients), apply=True, verify=QUICK_VERIFY)

    report = run(go())
    assert report.status == "complete" and report.exit_code == EXIT_COMPLETE, report.unverified
    assert partner_grants(emulator.control.state(), CUSTOMER_A) == set()
    assert partner_grants(emulator.control.state(), CUSTOMER_B) != set()


def test_the_verification_waits_for_arms_listings_with_the_injected_sleep(emulator):
    """Invariant 3: ARM's listings lag behind deletes; the sweep retries (bounded), sleeping through the
    injected sleep (here: the emulator's clock), and is complete once the listing caught up."""
    scenario = managing_world(root_readable=True)
    scenario["settings"] = {"arm_list_delay": 20}
    target = Target.for_partner(CUSTOMER_A, PARTNER, [ADMIN_AGENTS])
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        emulator.control.advance(seconds)

    async def go(policy):
        async with runbook_arm(emulator) as arm:
            clients = Clients(arm=arm)
            plan = await audit(target, clients)
            return await revoke(target, clients, plan, apply=True, verify=policy, sleep=sleep)

    emulator.control.reset(scenario)
    patient = run(go(VerifyPolicy(attempts=4, delay=15)))
    assert patient.status == "complete" and slept == [15, 30] and patient.verification.sweeps == 3

    emulator.control.reset(scenario)
    slept.clear()
    before = partner_grants(emulator.control.state(), CUSTOMER_A)
    hasty = run(go(VerifyPolicy(attempts=1, delay=15)))  # gone in fact, but not yet seen gone: never complete
    assert slept == [] and hasty.status == "failed" and hasty.exit_code == EXIT_FAILED
    assert {g.id.lower() for g in hasty.verification.remaining} == before != set()


@pytest.mark.parametrize("lie", [None, "gdap", "dap"])
def test_gdap_termination_and_dap_removal_are_read_back(emulator, lie):
    """Invariant 4: the relationship must read back terminating/terminated and allowDelegatedAccess false; an
    answer that lies (200, nothing done) leaves the outcome failed, never removed."""
    scenario = permission_world()
    scenario["partner_center"]["customers"][0]["dap"] = True  # Contoso: GDAP and DAP
    emulator.control.reset(scenario)
    if lie == "gdap":
        emulator.control.add_fault(
            "/graph/v1.0/tenantRelationships/delegatedAdminRelationships/rel-contoso/requests",
            method="POST",
            lie=True,
            times=None,
        )
    elif lie == "dap":
        emulator.control.add_fault(f"/partnercenter/v1/customers/{PERM_CONTOSO}", method="PATCH", lie=True, times=None)
    world = StrictWorld(scenario, PERM_CONTOSO, "partner", DEFAULT_OPERATOR)
    report = run(run_revocation(emulator.url, world, None, principals=[PERM_ADMIN_AGENTS]))
    outcomes = {o.grant.kind: o for o in report.outcomes}
    gdap, dap = outcomes[Kind.GDAP_RELATIONSHIP], outcomes[Kind.DAP]
    if lie == "gdap":
        assert gdap.outcome == "failed" and "reads back active" in gdap.message
    else:
        assert gdap.outcome == "removed" and "reads back terminat" in gdap.message
    if lie == "dap":
        assert dap.outcome == "failed" and "reads back true" in dap.message
    else:
        assert dap.outcome == "removed" and "allowDelegatedAccess reads back false" in dap.message
    # The partner never reads the tenant root: a documented limit (with the customer-side command), not unverified.
    # Contoso's second subscription, which the partner was never given, is declared: named as not verified.
    assert report.status == ("failed" if lie else "incomplete"), (report.unverified, report.outcomes)
    assert any("not visible to this identity" in u for u in report.unverified)
    assert any("tenant root" in limit and "--scope /" in limit for limit in report.limits)


def test_the_partners_own_rights_go_last(emulator):
    """Invariant 2, on a fixed world: within the subscription, the Owner that lets the partner delete is
    removed after every other grant there (each delete still authorised), then GDAP is terminated, then DAP
    removed. The other order fails (the Owner gone first, the next delete is a 403: test_arm_permissions.py
    test_removing_the_owner_that_gives_the_right_makes_the_next_delete_403)."""
    scenario = permission_world()
    scenario["partner_center"]["customers"][0]["dap"] = True
    helpdesk = "aa000000-0000-4000-8000-000000000012"
    sub = "/subscriptions/5b000000-0000-4000-8000-000000000011"
    scenario["arm"]["role_assignments"] += [
        {"scope": sub, "principalId": helpdesk, "role": "Reader", "principalType": "ForeignGroup"},
        {"scope": f"{sub}/resourceGroups/app", "principalId": helpdesk, "role": "Contributor"},
    ]
    emulator.control.reset(scenario)
    (owner,) = [
        a["id"]
        for a in emulator.control.arm_role_assignments(sub, principal_id=PERM_ADMIN_AGENTS)
        if a["properties"]["roleDefinitionId"].endswith("8e3af657-a8ff-443c-a75c-2fe8c4bcb635")
    ]
    world = StrictWorld(scenario, PERM_CONTOSO, "partner", DEFAULT_OPERATOR)
    report = run(run_revocation(emulator.url, world, None, principals=[PERM_ADMIN_AGENTS, helpdesk]))
    assert {o.outcome for o in report.outcomes} == {"removed"}
    log = [r for r in emulator.control.requests() if r["method"] in ("DELETE", "PATCH", "POST")]
    order = ["owner" if r["path"] == f"/arm{owner}" else r["method"] for r in log]
    assert order == ["DELETE", "DELETE", "owner", "POST", "PATCH"], log
    assert all(r["status"] in (200, 201, 204) for r in log)
