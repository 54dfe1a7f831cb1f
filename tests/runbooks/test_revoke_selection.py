"""Selective revocation (`dapctl revoke --only/--keep`) and DAP removal as the last step of DAP to GDAP.

The real command against the emulator over HTTP, in Azure's permission model: the partner reaches the
customer's subscriptions through admin-on-behalf-of, which lasts only while DAP or an active GDAP
relationship with a mapped group lets its users in.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os

import pytest
import yaml
from rich.console import Console

from azure_http.models import Relationship
from dapctl.demo import Demo, demo_scenario
from intent import load_intent
from intent.next_step import next_step
from runbooks.grants import Grant, Kind
from runbooks.journal import Journal
from runbooks.selection import ALL, Selection, SelectionError, parse_selection
from tests.helpers import REPO as ROOT
from tests.support.cli import dapctl
from tests.support.dev_world import CONTOSO

ADMIN_AGENTS = "0b6c4e1a-2d3f-4a5b-9c6d-7e8f9a0b1c2d"
OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"


def write_project(tmp_path, *, map_admin_agents: bool = True):
    """The dev stack: Contoso without Lighthouse or auto-extend; tier2Support (no object id) not mapped."""
    document = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())
    contoso = document["config"]["csp-delegation:customers"][0]
    contoso["lighthouse"] = {"enabled": False}
    contoso["gdap"]["autoExtend"] = False
    contoso["gdap"]["access"] = [
        a
        for a in contoso["gdap"]["access"]
        if a["group"] != "tier2Support" and (map_admin_agents or a["group"] != "adminAgents")
    ]
    project = tmp_path / "project"
    project.mkdir()
    (project / "Pulumi.dev.yaml").write_text(yaml.safe_dump(document))
    return project


class World:
    """Contoso onboarded step by step, as `pulumi up` and the customer would move it."""

    def __init__(self, emulator, monkeypatch, tmp_path, *, map_admin_agents: bool = True, dap: bool = False):
        monkeypatch.setenv("CSP_DELEGATION_ENDPOINT", emulator.url)
        self.emulator, self.tmp_path = emulator, tmp_path
        self.project = write_project(tmp_path, map_admin_agents=map_admin_agents)
        cfg = load_intent("dev", self.project)
        scenario = demo_scenario(cfg, cfg.customer("contoso"))
        scenario["partner_center"]["customers"][0]["dap"] = dap
        emulator.control.load_scenario(scenario)
        self.demo = Demo(cfg, Console(file=open(os.devnull, "w")), emulator.control, str(tmp_path / "j"))  # noqa: SIM115
        self.relationship_id, self.subscriptions = asyncio.run(self.demo.onboard())

    def approve_and_map(self) -> None:
        self.emulator.control.approve(self.relationship_id)
        self.emulator.control.advance(5)
        asyncio.run(self.demo.map_groups(self.relationship_id))
        self.emulator.control.advance(1)

    def adopt_owner_grants(self) -> None:
        asyncio.run(self.demo.adopt_owner_grants(self.subscriptions))

    def revoke(self, *args: str):
        return dapctl(
            "revoke",
            "contoso",
            *args,
            "--journal",
            str(self.tmp_path / "journal"),
            "-f",
            "json",
            "--project-dir",
            str(self.project),
            endpoint=self.emulator.url,
        )

    def owner_grants(self) -> list[dict]:
        return [
            a
            for a in self.emulator.control.arm_role_assignments()
            if a["properties"]["principalId"] == ADMIN_AGENTS and a["properties"]["roleDefinitionId"].endswith(OWNER)
        ]

    def relationship_status(self) -> str:
        return self.emulator.control.state()["gdap"]["relationships"][0]["status"]

    def has_dap(self) -> bool:
        return self.emulator.control.pc_customer(CONTOSO)["allowDelegatedAccess"]


@pytest.fixture
def active_world(emulator, monkeypatch, tmp_path):
    """GDAP active with every declared group mapped, DAP still held, AdminAgents Owner of both subscriptions."""
    world = World(emulator, monkeypatch, tmp_path, dap=True)
    world.approve_and_map()
    world.adopt_owner_grants()
    return world


# -- the selection itself ----------------------------------------------------------------------------


def test_only_and_keep_select_areas_and_refuse_bad_input():
    assert parse_selection([], []) == ALL
    assert parse_selection(["gdap,dap"], []).kept == ["rbac", "lighthouse"]
    assert parse_selection([], ["rbac"]).removed == ["gdap", "dap", "lighthouse"]
    assert parse_selection(["GDAP", " dap "], []).removed == ["gdap", "dap"]
    with pytest.raises(SelectionError, match="--only and --keep cannot be combined"):
        parse_selection(["gdap"], ["rbac"])
    with pytest.raises(SelectionError, match=r"--only: unknown area 'azure'.*gdap, dap, rbac, lighthouse"):
        parse_selection(["azure"], [])
    with pytest.raises(SelectionError, match="--keep: keeps every area"):
        parse_selection([], ["gdap,dap,rbac,lighthouse"])
    with pytest.raises(SelectionError, match="--only: empty"):
        parse_selection([","], [])


def test_the_journal_records_the_selection(tmp_path):
    journal = Journal(tmp_path / "j")
    grant = Grant(Kind.RBAC, "/subscriptions/x/providers/Microsoft.Authorization/roleAssignments/y", "a grant")
    journal.start(CONTOSO, None, [grant], Selection(frozenset({"rbac"})))
    assert journal.load().selection == Selection(frozenset({"rbac"}))
    document = json.loads((tmp_path / "j" / "plan.json").read_text())
    assert document["selection"] == ["rbac"]
    del document["selection"]  # a journal from before selections removed everything
    (tmp_path / "j" / "plan.json").write_text(json.dumps(document))
    assert journal.load().selection == ALL


def test_conflicting_options_are_refused_before_any_request(active_world):
    world = active_world
    world.emulator.control.clear_requests()
    result = world.revoke("--only", "gdap", "--keep", "rbac", "--apply", "--yes")
    assert result.returncode == 2
    assert "--only and --keep cannot be combined" in result.stderr
    unknown = world.revoke("--only", "azure")
    assert unknown.returncode == 2 and "--only: unknown area 'azure'" in unknown.stderr
    assert world.emulator.control.requests() == []


# -- the seed's cases ----------------------------------------------------------------------------------


def test_remove_delegated_admin_keep_rbac(active_world):
    """`--keep rbac`: GDAP terminated and DAP removed; the Owner grants stay, and the sweeps never take them."""
    world = active_world
    owners_before = world.owner_grants()
    assert len(owners_before) == 2 and world.has_dap()
    result = world.revoke("--keep", "rbac", "--apply", "--yes")
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["status"] == "complete"
    assert report["selection"] == {"removed": ["gdap", "dap", "lighthouse"], "kept": ["rbac"]}
    assert {o["grant"]["kind"] for o in report["outcomes"]} == {"gdap-relationship", "gdap-access-assignment", "dap"}
    assert {o["outcome"] for o in report["outcomes"]} == {"removed"}
    assert sorted(g["id"] for g in report["kept"]) == sorted(a["id"] for a in owners_before)
    # Lighthouse was selected, so Azure was read again: the kept Owner grants are reported as kept, not remaining.
    assert report["verification"]["remaining"] == []
    assert len(report["verification"]["kept"]) == 2
    assert world.relationship_status() in ("terminationRequested", "terminating", "terminated")
    assert not world.has_dap()
    assert world.owner_grants() == owners_before


def test_remove_rbac_keep_the_relationship(active_world):
    """`--only rbac`: the Owner grants go; GDAP (and DAP) stay, reported as kept."""
    world = active_world
    result = world.revoke("--only", "rbac", "--apply", "--yes")
    report = json.loads(result.stdout)
    # Everything selected is gone in every subscription; the tenant root, which a partner can never list, is a
    # documented limit with the customer-side command, not an unverified scope. The dev stack's partner group
    # without an object id is a gap (its grants are not attributed): incomplete for that reason alone.
    assert result.returncode == 5, result.stdout + result.stderr
    assert [u for u in report["unverified"] if "tier2Support" not in u] == []
    assert report["selection"] == {"removed": ["rbac"], "kept": ["gdap", "dap", "lighthouse"]}
    assert {o["grant"]["kind"] for o in report["outcomes"]} == {"rbac"}
    assert {o["outcome"] for o in report["outcomes"]} == {"removed"}
    assert {g["kind"] for g in report["kept"]} == {"gdap-relationship", "gdap-access-assignment", "dap"}
    assert report["verification"]["remaining"] == []
    assert not any("tenant root" in u for u in report["unverified"])
    assert any("tenant root" in u and "az role assignment list --scope /" in u for u in report["limits"])
    assert world.owner_grants() == []
    assert world.relationship_status() == "active"
    assert world.has_dap()

    # The journal carries the selection: --resume continues it, and refuses another one.
    resumed = world.revoke("--resume", "--yes")
    assert json.loads(resumed.stdout)["selection"]["removed"] == ["rbac"]
    other = world.revoke("--resume", "--yes", "--only", "gdap")
    assert other.returncode == 2 and "resume without --only/--keep" in other.stderr
    assert world.relationship_status() == "active"


def test_dry_run_lists_what_goes_and_what_stays(active_world):
    world = active_world
    before = world.emulator.control.arm_role_assignments()
    dry = dapctl(
        "revoke", "contoso", "--only", "gdap,dap", "--project-dir", str(world.project), endpoint=world.emulator.url
    )
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert "keeps rbac, lighthouse" in dry.stdout and "kept:" in dry.stdout
    assert world.emulator.control.arm_role_assignments() == before and world.has_dap()


# -- DAP removal: the last step of DAP to GDAP ----------------------------------------------------------


def test_dap_removal_is_refused_before_gdap_is_active_and_done_after(emulator, monkeypatch, tmp_path):
    world = World(emulator, monkeypatch, tmp_path, dap=True)
    world.adopt_owner_grants()  # reached through DAP while the relationship waits for approval
    assert world.relationship_status() == "approvalPending"
    emulator.control.clear_requests()
    refused = world.revoke("--only", "dap", "--apply", "--yes")
    assert refused.returncode == 3, refused.stdout + refused.stderr
    assert "Refused: DAP cannot be removed yet" in refused.stderr
    assert "no active GDAP relationship holds the 6 declared role(s)" in refused.stderr
    assert "approvalPending" in refused.stderr
    assert world.has_dap()
    assert not emulator.control.requests(method="PATCH")

    world.approve_and_map()
    done = world.revoke("--only", "dap", "--apply", "--yes")
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert [(o["grant"]["kind"], o["outcome"]) for o in report["outcomes"]] == [("dap", "removed")]
    assert not world.has_dap()
    assert world.relationship_status() == "active"
    # The partner still reaches the subscriptions, now through GDAP: its audit still sees the Owner grants.
    audit = dapctl("audit", "contoso", "-f", "json", "--project-dir", str(world.project), endpoint=emulator.url)
    assert audit.returncode == 0, audit.stderr
    assert {g["subscription_id"] for g in json.loads(audit.stdout)["grants"] if g["kind"] == "rbac"} == set(
        world.subscriptions
    )


def test_dap_removal_is_refused_while_azure_access_depends_on_it(emulator, monkeypatch, tmp_path):
    """GDAP active, but AdminAgents (Owner of the subscriptions) is not mapped: Azure access leans on DAP."""
    world = World(emulator, monkeypatch, tmp_path, map_admin_agents=False, dap=True)
    world.adopt_owner_grants()
    world.approve_and_map()
    refused = world.revoke("--only", "dap", "--apply", "--yes")
    assert refused.returncode == 3, refused.stdout + refused.stderr
    assert "depends on DAP" in refused.stderr and "--accept-azure-access-loss" in refused.stderr
    for subscription in world.subscriptions:
        assert subscription in refused.stderr
    assert world.has_dap()

    accepted = world.revoke("--only", "dap", "--apply", "--yes", "--accept-azure-access-loss")
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert not world.has_dap()
    # What the check predicted: the partner no longer reaches those subscriptions.
    audit = dapctl("audit", "contoso", "-f", "json", "--project-dir", str(world.project), endpoint=emulator.url)
    assert not [g for g in json.loads(audit.stdout)["grants"] if g["kind"] == "rbac"]


def test_the_next_step_names_the_command_that_exists(emulator, monkeypatch, tmp_path):
    cfg = load_intent("dev", write_project(tmp_path))
    customer = dataclasses.replace(cfg.customer("contoso"), legacy_dap=True)
    active = Relationship("rel-1", "contoso-gdap", "active", customer.tenant_id, None, ())
    step = next_step(customer, active, False)
    assert "dapctl revoke contoso --only dap --apply" in step
    help_text = dapctl("revoke", "--help", endpoint=emulator.url).stdout
    assert "--only" in help_text and "--accept-azure-access-loss" in help_text


# -- the customer's runbook ------------------------------------------------------------------------------


def test_the_runbook_takes_the_selection_and_refuses_a_bad_one_before_any_request(capsys):
    from runbooks.automation_entry import _relevant_gaps, main

    with pytest.raises(SystemExit) as exited:
        main({"customerTenantId": CONTOSO, "partnerTenantId": CONTOSO}, ["--only", "rbac", "--keep", "gdap"])
    assert exited.value.code == 2 and "--only and --keep cannot be combined" in capsys.readouterr().err
    notes = ["GDAP: only the partner can list", "DAP: no API shows it", "grants at the tenant root: not listed"]
    # --only rbac: the customer removes Azure access and keeps the relationship: GDAP/DAP are not its gaps.
    assert _relevant_gaps(notes, parse_selection(["rbac"], [])) == ["grants at the tenant root: not listed"]
    assert _relevant_gaps(notes, ALL) == notes


def test_an_interrupted_selective_run_is_resumed_with_its_selection(active_world):
    """A journal left by `--only rbac` before anything was removed: --resume removes the RBAC grants and keeps
    the relationship and DAP, as the interrupted run would have."""
    world = active_world
    audit = dapctl("audit", "contoso", "-f", "json", "--project-dir", str(world.project), endpoint=world.emulator.url)
    grants = [Grant.from_json(g) for g in json.loads(audit.stdout)["grants"]]
    rbac = [g for g in grants if g.kind is Kind.RBAC]
    assert len(rbac) == 2 and any(g.kind is Kind.GDAP_RELATIONSHIP for g in grants)
    journal = Journal(world.tmp_path / "journal")
    journal.start(CONTOSO, "2f4a9a1e-6c3b-4d8e-9f10-1a2b3c4d5e6f", rbac, Selection(frozenset({"rbac"})))

    resumed = world.revoke("--resume", "--yes")
    report = json.loads(resumed.stdout)
    assert report["selection"]["removed"] == ["rbac"], resumed.stderr
    assert {(o["grant"]["kind"], o["outcome"]) for o in report["outcomes"]} == {("rbac", "removed")}
    assert world.owner_grants() == []
    assert world.relationship_status() == "active" and world.has_dap()
