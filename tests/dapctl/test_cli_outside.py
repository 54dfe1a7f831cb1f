"""Customers outside any stack config: `--tenant` on audit, revoke and invite, and `gdap status --all`, against the
emulator over HTTP (the dev stack's partner, plus a customer its config does not declare)."""

from __future__ import annotations

import json

import pytest
import yaml

from emulator.core.scenario import load_scenario_file
from tests.helpers import REPO
from tests.support.cli import dapctl

ROOT = REPO
OUTSIDE = "6d7e8f9a-0b1c-4d2e-8f3a-4b5c6d7e8f9a"
OUTSIDE_SUB = "7e8f9a0b-1c2d-4e3f-9a4b-5c6d7e8f9a0b"
ADMIN_AGENTS = "0b6c4e1a-2d3f-4a5b-9c6d-7e8f9a0b1c2d"
DIRECTORY_READERS = "88d8e3e3-8f55-4a1e-953a-9b9898b8876b"
PENDING_ID = "aaaaaaaa-1111-4222-8333-444444444444-bbbbbbbb-5555-4666-8777-888888888888"
ENDED_ID = "cccccccc-1111-4222-8333-444444444444-dddddddd-5555-4666-8777-888888888888"


@pytest.fixture
def world(emulator):
    """The dev scenario, plus a customer no stack declares: DAP on, an Owner grant, one relationship awaiting
    approval and one expired."""
    scenario = load_scenario_file(ROOT / "emulator" / "worlds" / "scenarios" / "dev.yaml")
    scenario["arm"]["tenants"].append({"id": OUTSIDE, "displayName": "Outside & Co <b>", "defaultDomain": "o.com"})
    scenario["arm"]["subscriptions"].append({"id": OUTSIDE_SUB, "tenant": OUTSIDE, "displayName": "Outside sub"})
    scenario["arm"]["role_assignments"].append(
        {
            "scope": f"/subscriptions/{OUTSIDE_SUB}",
            "principalId": ADMIN_AGENTS,
            "role": "Owner",
            "principalType": "ForeignGroup",
        }
    )
    scenario["partner_center"]["customers"].append(
        {"tenantId": OUTSIDE, "companyName": "Outside & Co <b>", "domain": "outside.onmicrosoft.com", "dap": True}
    )
    customer = {"tenantId": OUTSIDE, "displayName": "Outside & Co <b>"}
    scenario["gdap"]["relationships"] += [
        {
            "id": PENDING_ID,
            "displayName": "outside-new",
            "customer": customer,
            "status": "approvalPending",
            "roles": [DIRECTORY_READERS],
        },
        {
            "id": ENDED_ID,
            "displayName": "MLT_outside",
            "customer": customer,
            "status": "expired",
            "roles": [DIRECTORY_READERS],
        },
    ]
    emulator.control.reset(scenario)
    return emulator


def test_audit_of_a_tenant_outside_any_config(world):
    result = dapctl("audit", "--tenant", OUTSIDE, "--format", "json", endpoint=world.url)
    assert result.returncode == 0, result.stderr
    grants = json.loads(result.stdout)["grants"]
    kinds = {g["kind"] for g in grants}
    assert {"dap", "rbac", "gdap-relationship"} <= kinds
    assert all(g["origin"] == "out-of-band" for g in grants)  # nothing declares anything there
    assert any(g["scope"] == f"/subscriptions/{OUTSIDE_SUB}" and g["role"] == "Owner" for g in grants)


def test_a_declared_tenant_by_id_is_the_configs_customer(world):
    by_id = dapctl("audit", "--tenant", "3A8B9C0D-1E2F-4A3B-8C4D-5E6F7A8B9C0D", "--format", "json", endpoint=world.url)
    by_name = dapctl("audit", "contoso", "--format", "json", endpoint=world.url)
    assert by_id.returncode == by_name.returncode
    origins = lambda r: sorted((g["id"], g["origin"]) for g in json.loads(r.stdout)["grants"])  # noqa: E731
    assert origins(by_id) == origins(by_name) and any(o == "declared" for _, o in origins(by_id))


def test_revoke_of_a_tenant_outside_any_config(world, tmp_path):
    dry = dapctl("revoke", "--tenant", OUTSIDE, "--format", "json", endpoint=world.url)
    assert dry.returncode == 0, dry.stderr
    assert world.control.pc_customer(OUTSIDE)["dap"]["adminAgents"] is True  # a dry run changes nothing
    applied = dapctl(
        "revoke",
        "--tenant",
        OUTSIDE,
        "--apply",
        "--yes",
        "--journal",
        str(tmp_path / "j"),
        "-f",
        "json",
        endpoint=world.url,
    )
    # The relationship awaiting approval cannot be terminated by the partner (Graph refuses until the customer
    # approves it): the revocation says so and fails; everything else went, verified.
    assert applied.returncode == 1, applied.stderr
    outcomes = {o["grant"]["kind"]: o for o in json.loads(applied.stdout)["outcomes"]}
    assert outcomes["rbac"]["outcome"] == "removed" and outcomes["dap"]["outcome"] == "removed"
    assert (
        outcomes["gdap-relationship"]["outcome"] == "failed"
        and "approvalPending" in outcomes["gdap-relationship"]["message"]
    )
    assert world.control.pc_customer(OUTSIDE)["dap"] == {"adminAgents": False, "helpdeskAgents": False}
    left = world.control.arm_role_assignments(f"/subscriptions/{OUTSIDE_SUB}")
    assert not [a for a in left if (a.get("properties") or a).get("principalId") == ADMIN_AGENTS]


def test_invite_sends_the_pending_relationships_link(world):
    result = dapctl("invite", "--tenant", OUTSIDE, endpoint=world.url)
    assert result.returncode == 0, result.stderr
    assert PENDING_ID in result.stdout and "Directory Readers" in result.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["audit", "contoso", "--tenant", OUTSIDE],
        ["audit"],
        ["revoke", "--tenant", "not-a-guid"],
        ["invite", "--tenant", "2f4a9a1e-6c3b-4d8e-9f10-1a2b3c4d5e6f"],  # the partner's own tenant
    ],
)
def test_bad_targets_are_refused_before_any_request(world, args):
    world.control.clear_requests()
    result = dapctl(*args, endpoint=world.url)
    assert result.returncode == 2, result.stdout
    assert "--tenant" in result.stderr
    assert world.control.requests() == []


def test_gdap_status_all_marks_the_undeclared(world):
    declared = json.loads(dapctl("gdap", "status", "--json", endpoint=world.url).stdout)["rows"]
    every = dapctl("gdap", "status", "--all", "--json", endpoint=world.url)
    assert every.returncode == 0, every.stderr
    rows = json.loads(every.stdout)["rows"]
    assert [r for r in rows if r["declared"]] == declared
    undeclared = {r["relationship_id"]: r for r in rows if not r["declared"]}
    assert set(undeclared) == {PENDING_ID, ENDED_ID}
    assert undeclared[ENDED_ID]["warnings"] == []  # ended and undeclared: a note, not a warning
    assert all("undeclared" in r["notes"][0] for r in undeclared.values())
    table = dapctl("gdap", "status", "--all", endpoint=world.url)
    assert "(undeclared)" in table.stdout and "<b>" in table.stdout  # the name shown as text


def test_config_declares_it_after_import(world, tmp_path):
    """Once the outside customer is imported, --all no longer calls its relationship undeclared."""
    document = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())
    document["config"]["csp-delegation:customers"].append(
        {
            "name": "outside",
            "displayName": "Outside",
            "tenantId": OUTSIDE,
            "defaultDomain": "outside.onmicrosoft.com",
            "delegation": "gdap",
            "gdap": {"displayName": "outside-new", "roles": ["Directory Readers"], "adoptRelationshipId": PENDING_ID},
        }
    )
    (tmp_path / "Pulumi.dev.yaml").write_text(yaml.safe_dump(document))
    rows = json.loads(dapctl("gdap", "status", "--all", "--json", "-C", str(tmp_path), endpoint=world.url).stdout)[
        "rows"
    ]
    assert {r["relationship_id"] for r in rows if not r["declared"]} == {ENDED_ID}
