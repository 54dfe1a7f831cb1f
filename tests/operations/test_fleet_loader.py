"""The one fleet loader, and the fleet questions over it, without the command line."""

from __future__ import annotations

from emulator.worlds.fleet import generate_fleet
from operations.fleet import Fleet, FleetStream, stack_names, status_of_fleet
from tests.helpers import REPO


def fleet_project(tmp_path, customers: int = 6):
    world = generate_fleet(customers, seed=4)
    world.write_stacks(tmp_path, REPO / "Pulumi.yaml")
    return world


def test_every_stack_is_loaded_once_and_a_broken_one_is_reported_not_fatal(tmp_path):
    world = fleet_project(tmp_path)
    broken = tmp_path / "Pulumi.customer-00002.yaml"
    broken.write_text(broken.read_text().replace("delegation: gdap", "delegation: gdapp"))
    fleet = Fleet.load(tmp_path, stack_names(tmp_path))
    assert set(fleet.problems) == {"customer-00002"}
    assert "customers[0].delegation" in fleet.problems["customer-00002"][0]
    assert set(fleet.intents) == {c["name"] for c in world.customers} - {"customer-00002"}
    jobs = fleet.customers()
    assert [stack for stack, _, _ in jobs] == sorted(fleet.intents)  # one customer per stack, in stack order
    assert all(customer.name == stack for stack, _, customer in jobs)


def test_the_status_reads_each_partner_tenants_relationships_once(tmp_path):
    fleet_project(tmp_path)
    reads: list[str] = []

    def relationships(tenant: str):
        reads.append(tenant)
        return []

    status = status_of_fleet(tmp_path, stack_names(tmp_path), relationships)
    assert reads == []  # nothing is read before the rows are asked for
    rows = list(status)
    assert len(reads) == 1  # one partner for the whole fleet
    assert status.problems == {}
    assert {stack for stack, _, _ in rows} == set(stack_names(tmp_path))


def test_the_stream_loads_one_stack_at_a_time_and_reports_a_broken_one_when_met(tmp_path):
    """Walking the fleet keeps only the stack at hand alive: memory flat in the number of stacks."""
    import gc
    import weakref

    world = fleet_project(tmp_path)
    broken = tmp_path / "Pulumi.customer-00004.yaml"
    broken.write_text(broken.read_text().replace("delegation: gdap", "delegation: gdapp"))
    stream = FleetStream(tmp_path, stack_names(tmp_path))
    seen, alive = [], []
    for stack, intent, customer in stream.customers():
        seen.append((stack, customer.name))
        alive.append(weakref.ref(intent))
        del intent, customer
        gc.collect()
        assert sum(1 for ref in alive if ref() is not None) <= 1, stack  # the ones before it are gone
    assert seen == [(c["name"], c["name"]) for c in world.customers if c["name"] != "customer-00004"]
    assert set(stream.problems) == {"customer-00004"}


def test_fleet_drift_hands_over_each_stack_in_stack_order_as_soon_as_it_is_checked(tmp_path, emulator):
    """Customers are checked a few at a time, out of order; the stacks still come out in order, each once, and
    the relationships are read once for the fleet."""
    from azure_http import run_sync
    from azure_http.connect import connect
    from operations.fleet import drift_of_fleet

    world = generate_fleet(12, seed=5, subscriptions=1, assignments=2)
    world.write_stacks(tmp_path, REPO / "Pulumi.yaml")
    broken = tmp_path / "Pulumi.customer-00003.yaml"
    broken.write_text(broken.read_text().replace("delegation: gdap", "delegation: gdapp"))
    emulator.control.reset(world.scenario)
    handed: list[tuple[str, list]] = []
    problems = run_sync(
        drift_of_fleet(
            connect(emulator.url),
            tmp_path,
            stack_names(tmp_path),
            lambda stack, items: handed.append((stack, items)),
            concurrency=4,
        )
    )
    assert set(problems) == {"customer-00003"}
    assert [stack for stack, _ in handed] == [c["name"] for c in world.customers if c["name"] != "customer-00003"]
    for stack, items in handed:
        assert {i.customer for i in items} <= {stack}
        # An active relationship matches its stack; one about to expire, or none at all, is drift.
        if world.states[stack] == "active":
            assert items == [], stack
        elif world.states[stack] in ("expiring", "missing"):
            assert items, stack
    relationships = "/graph/v1.0/tenantRelationships/delegatedAdminRelationships"
    assert [r["path"] for r in emulator.control.requests(relationships, "GET")].count(relationships) == 1
