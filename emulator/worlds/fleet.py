"""A generated fleet: N one-customer stacks (``Pulumi.<customer>.yaml``) and the emulator scenario that matches
them (each customer's GDAP relationship in a chosen mix of states), for the fleet tests and benchmarks.

With ``subscriptions=n`` each customer also has n Azure subscriptions in its tenant (declared in its stack as
existing subscriptions where AdminAgents is Owner), each with ``assignments`` role assignments: AdminAgents'
Owner (the CSP grant the stack declares) and the customer's own (``emulator.worlds.arm``). Each live
relationship then carries the access assignment its stack declares (AdminAgents), which is what lets the
partner's operator reach the tenant in Azure's permission model; a customer whose relationship is pending or
missing cannot be read there (403), as in Azure.

Deterministic for a seed. The partner is the dev stack's partner, reading its groups from config
(``groupsFrom.objectIds``), as a per-customer stack at scale does.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

PARTNER_TENANT = "2f4a9a1e-6c3b-4d8e-9f10-1a2b3c4d5e6f"
PARTNER_ID = "7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f"
ADMIN_AGENTS = "0b6c4e1a-2d3f-4a5b-9c6d-7e8f9a0b1c2d"
HELPDESK_AGENTS = "1c7d5f2b-3e4a-4b6c-8d7e-8f9a0b1c2d3e"
DIRECTORY_READERS = "88d8e3e3-8f55-4a1e-953a-9b9898b8876b"
HELPDESK_ADMIN = "729827e3-9c14-49f7-bb1b-9608f156bbb8"
NAMESPACE = uuid.UUID("6f1c9a52-3d0e-4b8f-9a71-2c5e8d4b7f10")
#: How the generated relationships are spread over the states a partner must watch.
MIX = (("active", 0.8), ("expiring", 0.1), ("approvalPending", 0.05), ("missing", 0.05))


@dataclass
class FleetWorld:
    customers: list[dict[str, Any]] = field(default_factory=list)
    states: dict[str, str] = field(default_factory=dict)
    scenario: dict[str, Any] = field(default_factory=dict)
    arm_assignments: int = 0
    """Role assignments in the customers' subscriptions (0 without subscriptions)."""

    def write_stacks(self, project_dir: Path, pulumi_yaml: Path) -> list[str]:
        """Write Pulumi.yaml and one Pulumi.<customer>.yaml per customer; return the stack names."""
        (project_dir / "Pulumi.yaml").write_text(pulumi_yaml.read_text(encoding="utf-8"), encoding="utf-8")
        for customer in self.customers:
            config = {
                "config": {
                    "csp-delegation:partner": {
                        "tenantId": PARTNER_TENANT,
                        "partnerId": PARTNER_ID,
                        "displayName": "Northwind CSP",
                        "groupsFrom": {"objectIds": {"adminAgents": ADMIN_AGENTS, "helpdeskAgents": HELPDESK_AGENTS}},
                    },
                    "csp-delegation:customers": [customer],
                }
            }
            path = project_dir / f"Pulumi.{customer['name']}.yaml"
            path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
        return [c["name"] for c in self.customers]


def generate_fleet(
    count: int, seed: int = 1, now: datetime | None = None, *, subscriptions: int = 0, assignments: int = 20
) -> FleetWorld:
    rng = random.Random(seed)
    now = now or datetime.now(UTC)
    world = FleetWorld()
    relationships = []
    for n in range(count):
        name = f"customer-{n:05d}"
        tenant = str(uuid.uuid5(NAMESPACE, f"{seed}:{name}"))
        customer = {
            "name": name,
            "displayName": f"Customer {n:05d} Ltd",
            "tenantId": tenant,
            "defaultDomain": f"{name}.onmicrosoft.com",
            "delegation": "gdap",
            "gdap": {
                "roles": ["Directory Readers", "Helpdesk Administrator"],
                "access": [{"group": "adminAgents", "roles": ["Directory Readers", "Helpdesk Administrator"]}],
            },
        }
        world.customers.append(customer)
        state = rng.choices([s for s, _ in MIX], weights=[w for _, w in MIX])[0]
        world.states[name] = state
        if state == "missing":
            continue
        ends = now + timedelta(days=rng.randint(5, 25) if state == "expiring" else rng.randint(60, 700))
        entry: dict[str, Any] = {
            "id": str(uuid.uuid5(NAMESPACE, f"rel:{seed}:{name}")),
            "displayName": f"{name}-gdap",
            "customer": {"tenantId": tenant, "displayName": customer["displayName"]},
            "roles": [DIRECTORY_READERS, HELPDESK_ADMIN],
            "status": "active" if state == "expiring" else state,
        }
        if state in ("active", "expiring"):
            entry["endDateTime"] = ends.strftime("%Y-%m-%dT%H:%M:%SZ")
        relationships.append(entry)
    world.scenario = {"partner_tenant_id": PARTNER_TENANT, "gdap": {"relationships": relationships}}
    if subscriptions:
        _add_subscriptions(world, relationships, subscriptions, assignments, seed)
    return world


def _add_subscriptions(
    world: FleetWorld, relationships: list[dict[str, Any]], per_customer: int, assignments: int, seed: int
) -> None:
    from emulator.worlds.arm import generate_world

    arm = generate_world(
        len(world.customers) * per_customer,
        assignments,
        1,  # AdminAgents' Owner at the subscription, as on a CSP subscription
        seed=seed,
        subscriptions_per_customer=per_customer,
        partner_tenant_id=PARTNER_TENANT,
        management_group_assignments=False,
        dap_every=0,
        agent_group_ids=(ADMIN_AGENTS, HELPDESK_AGENTS),
        customer_tenant_ids=[c["tenantId"] for c in world.customers],
    )
    for n, customer in enumerate(world.customers):
        mine = arm.scenario["arm"]["subscriptions"][n * per_customer : (n + 1) * per_customer]
        customer["existingSubscriptions"] = [{"subscriptionId": s["id"], "displayName": s["displayName"]} for s in mine]
    for entry in relationships:
        if entry["status"] == "active":
            entry["accessAssignments"] = [{"groupId": ADMIN_AGENTS, "roles": [DIRECTORY_READERS, HELPDESK_ADMIN]}]
    world.scenario["partner_center"] = arm.scenario["partner_center"]
    world.scenario["arm"] = arm.scenario["arm"]
    world.arm_assignments = arm.total_assignments
