"""`dapctl revoke --only dap`: DAP goes only while the operators keep a way into every subscription they reach.

In-process (typer's CliRunner, explicit --endpoint) against the strict emulator: the partner reaches the
customer's subscriptions through admin-on-behalf-of, which lasts only while DAP or an active GDAP relationship
with an *active* access assignment for one of its groups lets its users in.
"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from dapctl.cli import app
from intent import load_intent
from tests.runbooks.test_revoke_selection import ADMIN_AGENTS, World

HELPDESK_AGENTS = "1c7d5f2b-3e4a-4b6c-8d7e-8f9a0b1c2d3e"
SOMEONE_ELSE = "6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b"  # a partner user who is not the operator


def revoke_only_dap(world: World, *extra: str):
    args = ["revoke", "contoso", "--only", "dap", "--apply", "--yes", "--journal", str(world.tmp_path / "journal")]
    args += ["-f", "json", "--project-dir", str(world.project), "--endpoint", world.emulator.url, *extra]
    return CliRunner().invoke(app, args, catch_exceptions=False)


@pytest.fixture(autouse=True)
def _journal_here(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)


def test_a_pending_access_assignment_keeps_nobody_in(emulator, monkeypatch, tmp_path):
    """Relationship active with the declared roles, AdminAgents mapped, but its assignment still `pending`."""
    w = World(emulator, monkeypatch, tmp_path, dap=True)
    w.adopt_owner_grants()  # reached through DAP
    emulator.control.approve(w.relationship_id)
    emulator.control.advance(5)
    # AdminAgents mapped with every declared role, as `pulumi up` asked: Graph has not finished the assignment
    # (it takes the emulator an hour of its clock here, so a loaded machine changes nothing).
    emulator.control.settings(assignment_delay=3600)
    cfg = load_intent("dev", w.project)
    [admin_access] = [a for a in cfg.customer("contoso").gdap.access if a.group == "adminAgents"]
    emulator.control.seed_access_assignment(
        w.relationship_id, groupId=ADMIN_AGENTS, roles=list(admin_access.role_ids), status="pending"
    )
    [relationship] = emulator.control.state()["gdap"]["relationships"]
    assert relationship["status"] == "active"
    assert [a["status"] for a in relationship["accessAssignments"]] == ["pending"]

    refused = revoke_only_dap(w)
    assert refused.exit_code == 3, refused.output
    assert "Refused: DAP cannot be removed yet" in refused.output
    for subscription in w.subscriptions:
        assert subscription in refused.output
    assert "access assignment pending" in refused.output
    assert w.has_dap()

    emulator.control.advance(3600)  # the assignment becomes active: now DAP may go
    done = revoke_only_dap(w)
    assert done.exit_code == 0, done.output
    assert not w.has_dap()


def test_a_mapped_group_of_other_people_with_reader_on_one_resource_group_keeps_the_operators_nothing(
    emulator, monkeypatch, tmp_path
):
    """AdminAgents (Owner of both subscriptions) is not mapped; the only mapped group, HelpdeskAgents, holds
    Reader on one resource group of the first subscription, and its members are someone else."""
    w = World(emulator, monkeypatch, tmp_path, map_admin_agents=False, dap=True)
    w.adopt_owner_grants()
    w.approve_and_map()
    emulator.control.arm_seed({"group_members": {HELPDESK_AGENTS: [SOMEONE_ELSE]}})
    first = w.subscriptions[0]
    emulator.control.arm_add_role_assignment(
        f"/subscriptions/{first}/resourceGroups/rg-app", HELPDESK_AGENTS, "Reader", principal_type="ForeignGroup"
    )

    refused = revoke_only_dap(w)
    assert refused.exit_code == 3, refused.output
    assert "depends on DAP" in refused.output
    for subscription in w.subscriptions:  # the first one too: a Reader on one resource group is no way in
        assert subscription in refused.output
    assert "not mapped" in refused.output
    assert w.has_dap()

    accepted = revoke_only_dap(w, "--accept-azure-access-loss")
    assert accepted.exit_code == 0, accepted.output
    assert not w.has_dap()
