"""The generated brownfield estate: deterministic, loads into the emulator, and is as messy as the issue says, as
Graph, Partner Center and ARM answer it over HTTP (the reads a partner's tools make)."""

from __future__ import annotations

from collections import Counter

from azure_http import EmulatorTokens, Endpoints, GraphClient, run_sync
from azure_http.arm import ArmClient
from azure_http.partner_center import PartnerCenterClient
from emulator.worlds.brownfield import (
    LEGACY_OPS,
    MLT_HELPDESK_ROLES,
    MLT_ROLES,
    OTHER_PARTNER_TENANT,
    PARTNER_TENANT,
    generate_brownfield,
)
from emulator.worlds.fleet import ADMIN_AGENTS, HELPDESK_AGENTS


def test_same_seed_same_world_and_another_seed_another():
    assert generate_brownfield(50, seed=4).scenario == generate_brownfield(50, seed=4).scenario
    assert generate_brownfield(50, seed=4).scenario != generate_brownfield(50, seed=5).scenario


def test_the_world_has_every_kind_of_mess():
    world = generate_brownfield(300, seed=2)
    kinds = Counter(c.kind for c in world.customers)
    assert set(kinds) == {
        "gdap",
        "mlt",
        "mlt-and-successor",
        "gdap-and-dap",
        "dap-only",
        "azure-no-delegation",
        "pending",
        "ended",
    }
    rels = world.scenario["gdap"]["relationships"]
    statuses = Counter(r["status"] for r in rels)
    assert {"active", "expiring", "approvalPending", "expired", "terminated"} <= set(statuses)
    per_customer = Counter(r["customer"]["tenantId"] for r in rels)
    assert max(per_customer.values()) >= 3  # two or three relationships per customer
    mlt = [r for r in rels if r["displayName"].startswith("MLT_") and r["status"] == "active"]
    assert mlt and all(r["duration"] == "P365D" and sorted(r["roles"]) == sorted(MLT_ROLES) for r in mlt)
    for r in mlt:  # AdminAgents mapped to all 9, HelpdeskAgents to Service Support + Helpdesk
        access = {a["groupId"]: sorted(a["roles"]) for a in r["accessAssignments"]}
        assert access == {ADMIN_AGENTS: sorted(MLT_ROLES), HELPDESK_AGENTS: sorted(MLT_HELPDESK_ROLES)}
    assert any(a["groupId"] == LEGACY_OPS for r in rels for a in r["accessAssignments"])
    arm = world.scenario["arm"]
    assert any(d["managedByTenantId"] == OTHER_PARTNER_TENANT for d in arm["registration_definitions"])
    assert any(len({a["principalId"] for a in d["authorizations"]}) > 1 for d in arm["registration_definitions"])
    truths = world.customers
    assert any(t.other_partner_grant_ids for t in truths) and any(t.inexpressible_grant_ids for t in truths)
    assert any(t.kind == "azure-no-delegation" and t.subscriptions for t in truths)


def test_the_emulator_serves_it_as_microsoft_does(emulator):
    world = generate_brownfield(30, seed=3)
    emulator.control.reset(world.scenario)
    endpoints, tokens = Endpoints.emulator(emulator.url), EmulatorTokens()

    async def read():
        async with (
            GraphClient(tokens, endpoints, tenant_id=PARTNER_TENANT) as graph,
            PartnerCenterClient(tokens, endpoints, tenant_id=PARTNER_TENANT) as pc,
        ):
            contracts = [c async for c in graph.list_contracts()]
            rels = [r async for r in graph.list_relationships()]
            # allowDelegatedAccess comes only with the read by id (Partner Center's Customer resource).
            customers = [await pc.get_customer(c["id"]) async for c in pc.list_customers()]
        return contracts, rels, customers

    contracts, rels, customers = run_sync(read())
    assert {c["customerId"] for c in contracts} == {t.tenant_id for t in world.customers}  # a contract for each
    truth = world.by_tenant()
    assert {c["id"]: c["allowDelegatedAccess"] for c in customers} == {t: truth[t].dap for t in truth}
    by_id = {r["id"]: r for r in rels}
    for t in world.customers:
        for rel in t.relationships:
            assert by_id[rel["id"]]["status"] == rel["status"]
            assert by_id[rel["id"]]["displayName"] == rel["displayName"]


def test_the_world_has_the_shapes_an_import_must_survive(emulator):
    """Names that differ between Entra ID and Partner Center, hand-made Lighthouse offers (resource group, eligible,
    the Delete Role, display names of their own), orphan relationships, unreachable groups, P2Y, created."""
    world = generate_brownfield(16, seed=47)
    truths, scenario = world.customers, world.scenario
    company = {c["tenantId"]: c["companyName"] for c in scenario["partner_center"]["customers"]}
    rels = scenario["gdap"]["relationships"]
    assert any(
        r["customer"]["displayName"] != company[r["customer"]["tenantId"]]
        for r in rels
        if r["customer"]["tenantId"] in company
    )
    assert "created" in {r["status"] for r in rels} and any(r["duration"] == "P2Y" for r in rels)
    orphans = [r for r in rels if r["id"] in world.orphan_relationship_ids]
    assert orphans and all(r["customer"]["tenantId"] not in company for r in orphans)
    assert any(r["status"] == "active" and r["accessAssignments"] for r in orphans)
    assert any(t.unreachable_groups and not t.reachable for t in truths)
    offers = [v for t in truths for v in t.lighthouse.values()]
    assert any("/resourceGroups/" in v["scope"] for v in offers) and any(v["eligible"] for v in offers)
    assert any("91c1777a-f3dc-4fae-b103-61d183457e46" in v["roles"] for v in offers)
    shown = {
        a["principalIdDisplayName"] for d in scenario["arm"]["registration_definitions"] for a in d["authorizations"]
    }
    assert "tier2Support" not in shown and len(shown) > 2

    emulator.control.reset(scenario)
    customer, offer = next(
        (t, v) for t in truths if t.reachable for v in t.lighthouse.values() if "/resourceGroups/" in v["scope"]
    )
    subscription = offer["scope"].split("/resourceGroups/")[0]

    async def listed():
        async with ArmClient(EmulatorTokens(), Endpoints.emulator(emulator.url), tenant_id=customer.tenant_id) as arm:
            return [a async for a in arm.list_registration_assignments(subscription)]

    (served,) = [a for a in run_sync(listed()) if a["id"] == offer["assignmentFullId"]]
    definition = served["properties"]["registrationDefinition"]["properties"]
    assert [a["roleDefinitionId"] for a in definition["authorizations"]] == offer["roles"]
    assert [e["roleDefinitionId"] for e in definition.get("eligibleAuthorizations", [])] == offer["eligible"]
