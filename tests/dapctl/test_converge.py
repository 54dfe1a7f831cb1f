"""`dapctl converge --select`: only the stacks whose customer approved since the last deploy, bounded per run.

Three stacks against the emulator over HTTP: one whose relationship turned active with no group mapped yet
(selected), one whose groups are all mapped (not selected: its deploy already ran), one whose relationship
still awaits approval, for ten days (stuck, never selected).
"""

from __future__ import annotations

import asyncio
import copy
import json
from datetime import UTC, datetime, timedelta

import pytest
import yaml

from azure_http import GraphClient
from azure_http.connect import connect
from operations.convergence import select_stacks
from operations.relationships import read_relationships
from tests.helpers import REPO as ROOT
from tests.support.cli import dapctl

CONTOSO = "3a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d"
ADATUM = "5c0d1e2f-3a4b-4c5d-8e6f-7a8b9c0d1e2f"
NORTHWIND = "6e0d1e2f-3a4b-4c5d-8e6f-7a8b9c0d1e2f"
ADMIN_AGENTS = "0b6c4e1a-2d3f-4a5b-9c6d-7e8f9a0b1c2d"
HELPDESK_AGENTS = "1c7d5f2b-3e4a-4b6c-8d7e-8f9a0b1c2d3e"
TIER2 = "7f000000-0000-4000-8000-000000000002"
READER = "88d8e3e3-8f55-4a1e-953a-9b9898b8876b"


@pytest.fixture
def fleet(tmp_path, emulator, monkeypatch):
    monkeypatch.setenv("CSP_DELEGATION_ENDPOINT", emulator.url)
    document = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())
    customers = {c["name"]: c for c in document["config"]["csp-delegation:customers"]}
    mapped = copy.deepcopy(customers["contoso"])
    mapped.update(name="northwind", displayName="Northwind", tenantId=NORTHWIND, defaultDomain="nw.onmicrosoft.com")
    mapped["gdap"]["displayName"] = "northwind-gdap"
    mapped["subscriptions"] = [{"alias": "nw-prod", "displayName": "NW", "workload": "Production"}]
    mapped["revocationRunbook"]["subscription"] = "nw-prod"
    for stack, customer in (
        ("a-contoso", customers["contoso"]),
        ("b-adatum", customers["adatum"]),
        ("c-mapped", mapped),
    ):
        one = copy.deepcopy(document)
        one["config"]["csp-delegation:customers"] = [customer]
        (tmp_path / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump(one))
    now = datetime.now(UTC)
    roles = [READER]
    emulator.control.seed_relationship(
        displayName="contoso-gdap",
        customer={"tenantId": CONTOSO},
        roles=roles,
        status="active",
        activatedDateTime=(now - timedelta(hours=2)).isoformat(),
    )
    emulator.control.seed_relationship(
        displayName="adatum-gdap",
        customer={"tenantId": ADATUM},
        roles=roles,
        status="approvalPending",
        createdDateTime=(now - timedelta(days=10)).isoformat(),
    )
    done = emulator.control.seed_relationship(
        displayName="northwind-gdap",
        customer={"tenantId": NORTHWIND},
        roles=roles,
        status="active",
        activatedDateTime=(now - timedelta(hours=5)).isoformat(),
    )
    for group in (ADMIN_AGENTS, HELPDESK_AGENTS, TIER2):  # tier2Support is made by Pulumi: its id is not in config
        emulator.control.seed_access_assignment(done["id"], groupId=group, roles=roles)
    return tmp_path, emulator


def named(emulator, display_name: str) -> dict:
    return next(r for r in emulator.control.state()["gdap"]["relationships"] if r["displayName"] == display_name)


def test_select_names_only_the_newly_active_stack_and_lists_the_stuck_one(fleet):
    project, emulator = fleet
    selected = dapctl("converge", "--select", "--project-dir", str(project), endpoint=emulator.url)
    assert selected.returncode == 0, selected.stdout + selected.stderr
    assert selected.stdout.split() == ["a-contoso"]

    report = dapctl("converge", "--json", "--project-dir", str(project), endpoint=emulator.url)
    document = json.loads(report.stdout)
    assert document["stacks"] == ["a-contoso"]
    [why] = document["deploy"]
    assert "not mapped yet: adminAgents, helpdeskAgents, tier2Support" in why["reason"]
    [stuck] = document["stuck"]
    assert (stuck["stack"], stuck["customer"], stuck["days"]) == ("b-adatum", "adatum", 10)

    # Once the deploy has mapped the groups, the stack is no longer selected.
    relationship = next(
        r for r in emulator.control.state()["gdap"]["relationships"] if r["displayName"] == "contoso-gdap"
    )
    for group in (ADMIN_AGENTS, HELPDESK_AGENTS):
        emulator.control.seed_access_assignment(relationship["id"], groupId=group, roles=[READER])
    still = dapctl("converge", "--select", "--project-dir", str(project), endpoint=emulator.url)
    assert still.stdout.split() == ["a-contoso"]  # tier2Support is still missing
    emulator.control.seed_access_assignment(relationship["id"], groupId=TIER2, roles=[READER])
    converged = dapctl("converge", "--select", "--project-dir", str(project), endpoint=emulator.url)
    assert converged.returncode == 0 and converged.stdout.strip() == ""


def test_the_selection_is_bounded_per_run_oldest_activation_first(fleet):
    project, emulator = fleet
    relationship = named(emulator, "northwind-gdap")
    # Northwind loses a mapping (its group deleted by hand): both active stacks now need a deploy.
    emulator.state.stores["gdap"].assignments[relationship["id"]].clear()

    conn = connect(emulator.url)

    async def relationships(partner_tenant_id):
        return await read_relationships(conn, partner_tenant_id)

    async def assignments(partner_tenant_id, relationship_id):
        async with GraphClient(conn.tokens, conn.endpoints, tenant_id=partner_tenant_id) as graph:
            return [a async for a in graph.access_assignments(relationship_id)]

    stacks = ["a-contoso", "b-adatum", "c-mapped"]
    result = asyncio.run(select_stacks(project, stacks, relationships, assignments, max_stacks=1))
    assert result.stacks == ["c-mapped"]  # activated five hours ago, before Contoso (two hours)
    assert [c.stack for c in result.deferred] == ["a-contoso"]
    usage = dapctl("converge", "--select", "--json", "--project-dir", str(project), endpoint=emulator.url)
    assert usage.returncode == 2
