"""A generated fleet with Azure subscriptions (emulator/worlds/fleet.py) and ``dapctl fleet drift`` over it, against
the emulator over real HTTP in Azure's permission model: the same drift as the per-stack command, the partner's
relationships read once for the whole fleet, a hand-made grant found in its own stack only."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from emulator.worlds.fleet import ADMIN_AGENTS, HELPDESK_AGENTS, generate_fleet
from tests.helpers import REPO
from tests.support.cli import dapctl
from tests.support.dev_world import RELATIONSHIPS_PATH as RELS

READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"


@pytest.fixture
def world():
    return generate_fleet(8, seed=4, subscriptions=2, assignments=20)  # active, expiring and pending


def test_each_customer_has_its_subscriptions_with_twenty_assignments_and_the_declared_grant(world, emulator):
    emulator.control.reset(world.scenario)
    state = emulator.control.state()["arm"]
    per_subscription = Counter(
        ra["properties"]["scope"].split("/")[2] for ra in state["role_assignments"] if ra["properties"]["scope"] != "/"
    )
    for customer in world.customers:
        subscriptions = [s["subscriptionId"] for s in customer["existingSubscriptions"]]
        assert len(subscriptions) == 2
        tenants = {s["subscriptionId"]: s["tenantId"] for s in state["subscriptions"]}
        assert {tenants[s] for s in subscriptions} == {customer["tenantId"]}  # in the customer's own tenant
        for subscription in subscriptions:
            assert per_subscription[subscription] == 20
            owners = [
                ra
                for ra in state["role_assignments"]
                if ra["properties"]["scope"] == f"/subscriptions/{subscription}"
                and ra["properties"]["principalId"] == ADMIN_AGENTS
            ]
            assert [ra["properties"]["roleDefinitionId"].rsplit("/", 1)[1] for ra in owners] == [OWNER]
    assert world.arm_assignments == 8 * 2 * 20


def test_fleet_drift_is_the_per_stack_drift_with_the_relationships_read_once(world, emulator, tmp_path):
    drifted = world.customers[1]
    sub = drifted["existingSubscriptions"][0]["subscriptionId"]
    world.scenario["arm"]["role_assignments"].append(  # a grant made by hand, outside the stack
        {
            "scope": f"/subscriptions/{sub}",
            "principalId": HELPDESK_AGENTS,
            "role": READER,
            "principalType": "ForeignGroup",
        }
    )
    emulator.control.reset(world.scenario)
    world.write_stacks(tmp_path, REPO / "Pulumi.yaml")
    emulator.control.clear_requests()
    fleet = dapctl("fleet", "drift", "--project-dir", str(tmp_path), "--json", endpoint=emulator.url)
    assert fleet.returncode == 3, fleet.stderr
    listings = [r for r in emulator.control.requests(RELS, "GET") if r["path"].rstrip("/") == RELS]
    assert len(listings) == 1  # one page of relationships for the whole fleet, not one listing per customer
    stacks = json.loads(fleet.stdout)["stacks"]
    assert set(stacks) == {c["name"] for c in world.customers}
    unexpected = {name for name, items in stacks.items() if any(i["kind"] == "unexpected" for i in items)}
    assert unexpected == {drifted["name"]}
    pending = next(c["name"] for c in world.customers if world.states[c["name"]] in ("approvalPending", "missing"))
    for name in (drifted["name"], pending, world.customers[0]["name"]):
        single = dapctl("drift", "--stack", name, "--project-dir", str(tmp_path), "-f", "json", endpoint=emulator.url)
        expected = sorted(json.dumps(i, sort_keys=True) for i in json.loads(single.stdout)["drift"])
        assert sorted(json.dumps(i, sort_keys=True) for i in stacks[name]) == expected, name
