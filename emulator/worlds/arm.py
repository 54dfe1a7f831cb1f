"""Build a big, deterministic ARM + Partner Center world for benchmarks and sweep tests.

``generate_world(subscriptions=1000, assignments_per_subscription=20, partner_per_subscription=3,
seed=0)`` returns an ``ArmWorld``: a scenario dict (load it with ``EmulatorControl.reset(world.scenario)``
or ``apply_scenario(state, world.scenario)``) plus the answers a test or benchmark checks against
(which assignments are the partner's, which are inherited from a management group, which
subscriptions are delegated through Lighthouse, which customers still have DAP).

The world: ``subscriptions`` subscriptions spread over customer tenants
(``subscriptions_per_customer`` each), each customer with a management group holding its
subscriptions, each subscription with exactly ``assignments_per_subscription`` role assignments
at subscription, resource group and resource scopes, ``partner_per_subscription`` of them held by
the partner (AdminAgents as Owner at the subscription first, as on a CSP subscription; then
HelpdeskAgents and the partner's service principal at resource group / resource scopes), the
rest by the customer's own users, groups and service principals. Optionally one partner
assignment per customer management group (inherited by its subscriptions, not counted in the
per-subscription numbers), Lighthouse delegations and DAP. Same arguments, same world.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from typing import Any

from emulator.arm.model import BUILTIN_ROLES
from emulator.core.state import DEFAULT_PARTNER_TENANT_ID

OWNER = BUILTIN_ROLES["owner"]
CONTRIBUTOR = BUILTIN_ROLES["contributor"]
READER = BUILTIN_ROLES["reader"]
SUPPORT = BUILTIN_ROLES["support request contributor"]
CUSTOMER_ROLES = (OWNER, CONTRIBUTOR, READER, SUPPORT, BUILTIN_ROLES["user access administrator"])
PARTNER_ROLES = (CONTRIBUTOR, READER, SUPPORT)
RESOURCE_GROUPS = 4


@dataclass
class ArmWorld:
    scenario: dict[str, Any]
    partner_tenant_id: str
    admin_agents_id: str
    helpdesk_agents_id: str
    partner_sp_id: str
    customer_tenant_ids: list[str]
    subscriptions: list[dict[str, str]]
    """{"id", "tenant", "managementGroup"} per subscription, in order."""
    partner_assignments: list[dict[str, str]]
    """Partner role assignments inside subscriptions:
    {"id", "scope", "principalId", "roleDefinitionId", "subscriptionId"}."""
    inherited_partner_assignments: list[dict[str, str]] = field(default_factory=list)
    """Partner role assignments at customer management groups (inherited by their subscriptions)."""
    lighthouse_assignments: list[dict[str, str]] = field(default_factory=list)
    """{"id", "subscriptionId", "definitionId"} of each Lighthouse registration assignment."""
    dap_customers: list[str] = field(default_factory=list)
    total_assignments: int = 0

    @property
    def partner_principal_ids(self) -> frozenset[str]:
        return frozenset({self.admin_agents_id, self.helpdesk_agents_id, self.partner_sp_id})

    def partner_assignment_ids(self) -> list[str]:
        return [a["id"] for a in self.partner_assignments]


def _guid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def generate_world(
    subscriptions: int = 1000,
    assignments_per_subscription: int = 20,
    partner_per_subscription: int = 3,
    *,
    seed: int = 0,
    subscriptions_per_customer: int = 10,
    customer_principals: int = 8,
    partner_tenant_id: str = DEFAULT_PARTNER_TENANT_ID,
    management_group_assignments: bool = True,
    lighthouse_every: int = 0,
    dap_every: int = 2,
    agent_group_ids: tuple[str, str] | None = None,
    customer_tenant_ids: list[str] | None = None,
) -> ArmWorld:
    """A deterministic world (see the module doc). ``lighthouse_every=n``: every n-th subscription is
    delegated to the partner through Lighthouse (0: none); ``dap_every=n``: every n-th customer still
    has DAP (0: none). ``agent_group_ids`` (AdminAgents, HelpdeskAgents) and ``customer_tenant_ids`` (one per
    customer, in order): use these ids instead of generated ones (a fleet's stacks name them)."""
    if not 0 <= partner_per_subscription <= assignments_per_subscription:
        raise ValueError("partner_per_subscription must be between 0 and assignments_per_subscription")
    if subscriptions < 0 or subscriptions_per_customer < 1 or customer_principals < 1:
        raise ValueError("subscriptions >= 0, subscriptions_per_customer >= 1, customer_principals >= 1")
    rng = random.Random(seed)
    partner = partner_tenant_id.lower()
    admin_agents, helpdesk_agents, partner_sp = _guid(rng), _guid(rng), _guid(rng)
    if agent_group_ids is not None:
        admin_agents, helpdesk_agents = (g.lower() for g in agent_group_ids)
    customer_count = (subscriptions + subscriptions_per_customer - 1) // subscriptions_per_customer
    customers = [_guid(rng) for _ in range(customer_count)]
    if customer_tenant_ids is not None:
        if len(customer_tenant_ids) != customer_count:
            raise ValueError(f"customer_tenant_ids: {customer_count} needed, {len(customer_tenant_ids)} given")
        customers = [t.lower() for t in customer_tenant_ids]

    tenants, groups, subs, principals = [], [], [], []
    assignments: list[dict[str, Any]] = []
    partner_assignments: list[dict[str, str]] = []
    inherited: list[dict[str, str]] = []
    pools: list[list[tuple[str, str]]] = []
    principals.append(
        {"id": partner_sp, "kind": "ServicePrincipal", "tenant": partner, "displayName": "Partner automation"}
    )
    for c, tenant in enumerate(customers):
        tenants.append(
            {"id": tenant, "displayName": f"Customer {c:04d}", "defaultDomain": f"customer{c:04d}.onmicrosoft.com"}
        )
        mg = f"mg-customer-{c:04d}"
        groups.append({"name": mg, "tenant": tenant, "displayName": f"Customer {c:04d}"})
        pool = []
        for p in range(customer_principals):
            kind = ("User", "Group", "ServicePrincipal")[p % 3]
            pid = _guid(rng)
            principals.append(
                {"id": pid, "kind": kind, "tenant": tenant, "displayName": f"c{c:04d}-{kind.lower()}-{p}"}
            )
            pool.append((pid, kind))
        pools.append(pool)
        if management_group_assignments:
            name = _guid(rng)
            scope = f"/providers/Microsoft.Management/managementGroups/{mg}"
            entry = {
                "scope": scope,
                "principalId": helpdesk_agents,
                "role": READER,
                "principalType": "ForeignGroup",
                "name": name,
            }
            assignments.append(entry)
            inherited.append(_summary(entry, None))

    partner_cycle = [(helpdesk_agents, "ForeignGroup"), (partner_sp, "ServicePrincipal")]
    for i in range(subscriptions):
        c = i // subscriptions_per_customer
        tenant, mg = customers[c], f"mg-customer-{c:04d}"
        sub_id = _guid(rng)
        subs.append(
            {"id": sub_id, "tenant": tenant, "displayName": f"Customer {c:04d} sub {i:05d}", "managementGroup": mg}
        )
        base = f"/subscriptions/{sub_id}"
        used: set[tuple[str, str, str]] = set()

        def scope_for(n: int, base: str = base) -> str:
            kind = n % 3
            if kind == 0:
                return base
            rg = f"{base}/resourceGroups/rg-{n % RESOURCE_GROUPS}"
            return rg if kind == 1 else f"{rg}/providers/Microsoft.Storage/storageAccounts/st{n}"

        for k in range(assignments_per_subscription):
            if k < partner_per_subscription:
                if k == 0:
                    principal, ptype, role, scope = admin_agents, "ForeignGroup", OWNER, base
                else:
                    principal, ptype = partner_cycle[(k - 1) % 2]
                    role = PARTNER_ROLES[(k - 1) // 2 % len(PARTNER_ROLES)]
                    scope = scope_for(k)
            else:
                principal, ptype = rng.choice(pools[c])
                role = rng.choice(CUSTOMER_ROLES)
                scope = scope_for(k)
            while (scope.lower(), role, principal) in used:  # one assignment per principal+role+scope
                extra = f"st{k}x{rng.getrandbits(16)}"
                scope = f"{base}/resourceGroups/rg-x/providers/Microsoft.Storage/storageAccounts/{extra}"
            used.add((scope.lower(), role, principal))
            entry = {"scope": scope, "principalId": principal, "role": role, "principalType": ptype, "name": _guid(rng)}
            assignments.append(entry)
            if k < partner_per_subscription:
                partner_assignments.append(_summary(entry, sub_id))

    definitions, lh_assignments, lh_summary = [], [], []
    if lighthouse_every:
        for i, sub in enumerate(subs):
            if i % lighthouse_every:
                continue
            def_id, assignment_id = _guid(rng), _guid(rng)
            scope = f"/subscriptions/{sub['id']}"
            definitions.append(
                {
                    "scope": scope,
                    "id": def_id,
                    "registrationDefinitionName": "Partner managed services",
                    "managedByTenantId": partner,
                    "authorizations": [
                        {
                            "principalId": helpdesk_agents,
                            "principalIdDisplayName": "HelpdeskAgents",
                            "roleDefinitionId": READER,
                        },
                        {
                            "principalId": partner_sp,
                            "principalIdDisplayName": "Partner automation",
                            "roleDefinitionId": CONTRIBUTOR,
                        },
                    ],
                }
            )
            lh_assignments.append({"scope": scope, "id": assignment_id, "registrationDefinitionId": def_id})
            lh_summary.append(
                {
                    "id": f"{scope}/providers/Microsoft.ManagedServices/registrationAssignments/{assignment_id}",
                    "subscriptionId": sub["id"],
                    "definitionId": def_id,
                }
            )

    dap = [t for c, t in enumerate(customers) if dap_every and c % dap_every == 0]
    pc_customers = [
        {
            "tenantId": t,
            "companyName": f"Customer {c:04d}",
            "domain": f"customer{c:04d}.onmicrosoft.com",
            "dap": t in dap,
        }
        for c, t in enumerate(customers)
    ]
    scenario = {
        "name": f"generated world (seed {seed})",
        "partner_tenant_id": partner,
        "partner_center": {
            "admin_agents_group_id": admin_agents,
            "helpdesk_agents_group_id": helpdesk_agents,
            "customers": pc_customers,
        },
        "arm": {
            "tenants": tenants,
            "management_groups": groups,
            "subscriptions": subs,
            "principals": principals,
            "role_assignments": assignments,
            "registration_definitions": definitions,
            "registration_assignments": lh_assignments,
        },
    }
    return ArmWorld(
        scenario=scenario,
        partner_tenant_id=partner,
        admin_agents_id=admin_agents,
        helpdesk_agents_id=helpdesk_agents,
        partner_sp_id=partner_sp,
        customer_tenant_ids=customers,
        subscriptions=[{"id": s["id"], "tenant": s["tenant"], "managementGroup": s["managementGroup"]} for s in subs],
        partner_assignments=partner_assignments,
        inherited_partner_assignments=inherited,
        lighthouse_assignments=lh_summary,
        dap_customers=dap,
        total_assignments=len(assignments),
    )


def _summary(entry: dict[str, Any], subscription_id: str | None) -> dict[str, str]:
    scope = entry["scope"]
    return {
        "id": f"{scope}/providers/Microsoft.Authorization/roleAssignments/{entry['name']}",
        "scope": scope,
        "principalId": entry["principalId"],
        "roleDefinitionId": entry["role"],
        "subscriptionId": subscription_id or "",
    }
