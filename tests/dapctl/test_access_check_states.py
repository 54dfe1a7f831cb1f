"""`dapctl access check` per declared subscription and per declared group: partial loss is a finding, and access
not granted yet (approval pending, assignment pending) is its own status with its age, a finding only after the
grace period.

In-process (typer's CliRunner, explicit --endpoint) against the strict emulator; the ages are measured by a clock
passed to `check_access`, never by the wall clock.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from typer.testing import CliRunner

from azure_http import run_sync
from azure_http.connect import connect
from azure_http.graph import GraphClient
from dapctl.cli import app
from intent import load_intent
from operations.access_check import check_access
from tests.runbooks.test_revoke_selection import ADMIN_AGENTS, OWNER, World

HELPDESK_AGENTS = "1c7d5f2b-3e4a-4b6c-8d7e-8f9a0b1c2d3e"


def access_check(url: str, project, *extra: str):
    args = ["access", "check", "contoso", "--json", "--project-dir", str(project), "--endpoint", url, *extra]
    result = CliRunner().invoke(app, args, catch_exceptions=False)
    [contoso] = json.loads(result.stdout)["customers"]
    return result.exit_code, contoso


def owner_grants(emulator, subscription: str) -> list[dict]:
    return [
        a
        for a in emulator.control.arm_role_assignments(f"/subscriptions/{subscription}")
        if a["properties"]["principalId"] == ADMIN_AGENTS and a["properties"]["roleDefinitionId"].endswith(OWNER)
    ]


# -- partial loss ----------------------------------------------------------------------------------------------


def test_one_of_two_subscriptions_reached_is_a_finding(onboarded):
    emulator, project, _, subscriptions = onboarded
    code, contoso = access_check(emulator.url, project)
    assert code == 0 and contoso["findings"] == [], contoso

    for grant in owner_grants(emulator, subscriptions[1]):  # the partner's only way into the second one
        emulator.control.arm_remove_role_assignment(grant["id"])
    code, contoso = access_check(emulator.url, project)
    assert code == 3, contoso
    assert contoso["status"] == "lost" and len(contoso["subscriptions"]) == 1
    [finding] = contoso["findings"]
    assert subscriptions[1] in finding and "1 of 2 declared reached" in finding


def test_no_owner_grant_left_is_a_finding(onboarded):
    emulator, project, _, subscriptions = onboarded
    for subscription in subscriptions:  # Owner replaced by Reader: still reached, but not as declared
        emulator.control.arm_add_role_assignment(
            f"/subscriptions/{subscription}", ADMIN_AGENTS, "Reader", principal_type="ForeignGroup"
        )
        for grant in owner_grants(emulator, subscription):
            emulator.control.arm_remove_role_assignment(grant["id"])
    code, contoso = access_check(emulator.url, project)
    assert code == 3, contoso
    assert len(contoso["subscriptions"]) == 2
    assert sorted(d["status"] for d in contoso["declared"]) == ["grant missing", "grant missing"]
    assert len([f for f in contoso["findings"] if "the Owner grant of adminAgents" in f]) == 2


def test_a_declared_groups_access_assignment_gone_is_a_finding(onboarded):
    emulator, project, relationship_id, _ = onboarded
    conn, partner = connect(emulator.url), load_intent("dev", project).partner.tenant_id

    async def remove_helpdesk_mapping():
        async with GraphClient(conn.tokens, conn.endpoints, tenant_id=partner) as graph:
            async for assignment in graph.access_assignments(relationship_id):
                if assignment.group_id == HELPDESK_AGENTS:
                    await graph.delete_access_assignment(relationship_id, assignment.id, assignment.etag)

    run_sync(remove_helpdesk_mapping())
    emulator.control.advance(3600)  # deleting, then deleted
    code, contoso = access_check(emulator.url, project)
    assert code == 3, contoso
    groups = {g["name"].split(" ")[0]: g for g in contoso["groups"]}
    assert groups["adminAgents"]["status"] == "active" and groups["helpdeskAgents"]["status"] == "gone"
    assert any(f.startswith(f"declared group helpdeskAgents ({HELPDESK_AGENTS})") for f in contoso["findings"])


# -- not granted yet ---------------------------------------------------------------------------------------------


@pytest.fixture
def awaiting(emulator, monkeypatch, tmp_path):
    """Contoso's relationship created and locked for approval: the customer has not approved it yet."""
    monkeypatch.chdir(tmp_path)
    return World(emulator, monkeypatch, tmp_path)  # (its onboarding steps read the emulator from the environment)


def test_a_relationship_awaiting_approval_is_not_granted_yet_then_a_finding_after_the_grace_period(emulator, awaiting):
    code, contoso = access_check(emulator.url, awaiting.project)
    assert code == 0, contoso  # not "access lost": it never had any
    assert contoso["status"] == "not-granted-yet" and contoso["findings"] == []
    [waiting] = contoso["waiting"]
    assert "approvalPending" in waiting["what"] and waiting["since"] and waiting["age_days"] is not None

    cfg = load_intent("dev", awaiting.project)
    created = datetime.fromisoformat(waiting["since"].replace("Z", "+00:00"))

    def check(days: float, grace: float):
        [result] = run_sync(
            check_access(
                connect(emulator.url),
                cfg,
                [cfg.customer("contoso")],
                now=created + timedelta(days=days),
                grace_days=grace,
            )
        )
        return result

    young = check(days=3, grace=14)
    assert young.status == "not-granted-yet" and young.waiting[0].age_days == 3 and not young.findings
    old = check(days=30, grace=14)
    assert old.status == "lost"
    assert old.findings == [f"{old.waiting[0].what} for 30 days (more than 14)"]
    code, _ = access_check(emulator.url, awaiting.project, "--grace-days", "0")
    assert code == 0  # younger than a day: not more than 0 days old


def test_a_pending_access_assignment_is_not_granted_yet(emulator, awaiting):
    emulator.control.settings(assignment_delay=3600)  # Graph takes its time (the emulator's clock)
    emulator.control.approve(awaiting.relationship_id)
    emulator.control.advance(5)
    intent = load_intent("dev", awaiting.project)
    conn = connect(emulator.url)

    async def map_groups():  # as Graph answers a new mapping (201, pending); the provider would wait for active
        async with GraphClient(conn.tokens, conn.endpoints, tenant_id=intent.partner.tenant_id) as graph:
            for access in intent.customer("contoso").gdap.access:
                group = intent.partner.group_id(access.group)
                if group:
                    await graph.create_access_assignment(awaiting.relationship_id, group, access.role_ids)

    run_sync(map_groups())
    emulator.control.advance(1)  # still pending
    code, contoso = access_check(emulator.url, awaiting.project)
    assert code == 0, contoso
    assert contoso["status"] == "not-granted-yet" and contoso["findings"] == []
    assert {g["status"] for g in contoso["groups"]} == {"pending"}
    assert all("access assignment is pending" in w["what"] for w in contoso["waiting"])
