"""`dapctl invite` and `dapctl gdap status` on the dev stack, against the Graph emulator over HTTP."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import catalog
from tests.helpers import REPO, dev_raw
from tests.support.cli import dapctl

ROOT = REPO
CONTOSO = "3a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d"
ADATUM = "5c0d1e2f-3a4b-4c5d-8e6f-7a8b9c0d1e2f"


def iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def seed_dev(emulator):
    now = datetime.now(UTC)
    roles = [catalog.directory_role_id(r) for r in dev_raw()["customers"][0]["gdap"]["roles"]]
    emulator.control.seed_relationship(
        displayName="contoso-gdap",
        customer={"tenantId": CONTOSO, "displayName": "Contoso Ltd"},
        duration="P730D",
        status="active",
        roles=roles,
        activatedDateTime=iso(now - timedelta(days=720)),
        endDateTime=iso(now + timedelta(days=10, hours=1)),
    )
    return emulator.control.seed_relationship(
        displayName="adatum-gdap",
        customer={"tenantId": ADATUM, "displayName": "Adatum"},
        duration="P730D",
        status="approvalPending",
        roles=[catalog.directory_role_id(r) for r in catalog.gdap_default_roles()],
        createdDateTime=iso(now - timedelta(days=20)),
    )


def test_gdap_status_flags_expiring_and_stuck(emulator):
    seed_dev(emulator)
    result = dapctl("gdap", "status", "--stack", "dev", "--json", endpoint=emulator.url)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    rows = {r["customer"]: r for r in report["rows"]}
    assert rows["contoso"]["status"] == "expiring" and rows["contoso"]["days_left"] == 10
    assert "expires in 10 days" in rows["contoso"]["warnings"][0]
    assert "Global Reader" in rows["contoso"]["roles"]
    assert "awaiting approval for 20 days" in rows["adatum"]["warnings"][0]
    assert "fabrikam" not in rows  # dap customers have no GDAP relationship
    assert report["warnings"] == 2

    failing = dapctl("gdap", "status", "--stack", "dev", "--fail-on-warning", endpoint=emulator.url)
    assert failing.returncode == 3
    assert "contoso-gdap" in failing.stdout and "2 needing attention" in failing.stdout


def test_gdap_status_is_clean_when_nothing_needs_attention(emulator):
    now = datetime.now(UTC)
    for name, tenant in (("contoso-gdap", CONTOSO), ("adatum-gdap", ADATUM)):
        emulator.control.seed_relationship(
            displayName=name,
            customer={"tenantId": tenant},
            duration="P730D",
            status="active",
            roles=[catalog.directory_role_id("Global Reader")],
            activatedDateTime=iso(now - timedelta(days=30)),
            endDateTime=iso(now + timedelta(days=700)),
        )
    result = dapctl("gdap", "status", "--stack", "dev", "--fail-on-warning", endpoint=emulator.url)
    assert result.returncode == 0, result.stdout
    assert "0 needing attention" in result.stdout


def test_gdap_status_reports_a_customer_without_relationship(emulator):
    result = dapctl("gdap", "status", "--stack", "dev", "--json", "--fail-on-warning", endpoint=emulator.url)
    assert result.returncode == 3
    rows = json.loads(result.stdout)["rows"]
    assert {r["customer"]: r["status"] for r in rows} == {"contoso": "missing", "adatum": "missing"}


def test_invite_prints_the_approval_link_of_a_pending_relationship(emulator):
    pending = seed_dev(emulator)
    result = dapctl("invite", "adatum", "--stack", "dev", endpoint=emulator.url)
    assert result.returncode == 0, result.stderr
    link = (
        f"https://admin.microsoft.com/AdminPortal/Home#/partners/invitation/granularAdminRelationships/{pending['id']}"
    )
    assert link in result.stdout
    assert "Helpdesk Administrator" in result.stdout and "730 days" in result.stdout

    active = dapctl("invite", "contoso", "--stack", "dev", endpoint=emulator.url)
    assert active.returncode == 3 and "nothing to send" in active.stdout


def test_invite_before_pulumi_up_says_what_to_do(emulator):
    result = dapctl("invite", "adatum", "--stack", "dev", endpoint=emulator.url)
    assert result.returncode == 3
    assert "run `pulumi up`" in result.stdout


def test_invite_unknown_customer_lists_the_known_ones(emulator):
    result = dapctl("invite", "northwind", "--stack", "dev", endpoint=emulator.url)
    assert result.returncode == 2
    assert "known: contoso, fabrikam, adatum" in result.stderr
