"""The read-only use cases on the dev stack in mid-life (the emulator's dev scenario), called as functions over an
explicit connection: GDAP status, invitations, drift, the Global Administrator removal's dry run."""

from __future__ import annotations

import asyncio

import pytest

from azure_http.connect import connect
from intent import load_intent
from operations.drift import stack_drift
from operations.gdap_status import gdap_status
from operations.global_admin_removal import plan_global_admin_removal, planned
from operations.invitation import invitation
from operations.outside import outside_customer
from tests.helpers import REPO

SCENARIO = REPO / "emulator" / "worlds" / "scenarios" / "dev.yaml"
OUTSIDE = "6d7e8f9a-0b1c-4d2e-8f3a-4b5c6d7e8f9a"


@pytest.fixture
def dev(emulator, monkeypatch):
    """The dev stack's intent and a connection to the emulator seeded with its world (the environment unset)."""
    monkeypatch.delenv("CSP_DELEGATION_ENDPOINT")
    emulator.control.load_scenario(SCENARIO)
    return emulator, load_intent("dev", REPO), connect(emulator.url)


def test_gdap_status_rows_and_the_undeclared_with_every(dev):
    _, intent, conn = dev
    rows = gdap_status(conn, intent)
    assert {r.customer: r.status for r in rows} == {"contoso": "active", "adatum": "approvalPending"}
    every = gdap_status(conn, intent, every=True)
    assert every[: len(rows)] == rows  # the declared first, then any the stack does not declare


def test_invitations_follow_the_delegation_and_the_relationship(dev):
    _, intent, conn = dev
    pending = invitation(conn, intent, intent.customer("adatum"))
    assert pending.sendable and pending.link and "adatum" in (pending.email or "").lower()
    active = invitation(conn, intent, intent.customer("contoso"))
    assert not active.sendable  # already active: nothing to send
    dap = invitation(None, intent, intent.customer("fabrikam"))  # DAP: no Graph read at all
    assert dap.sendable and "DAP=true" in (dap.link or "")
    outside = invitation(conn, intent, outside_customer(OUTSIDE))
    assert not outside.sendable and OUTSIDE in outside.status


def test_drift_of_the_dev_stack(dev):
    _, intent, conn = dev
    items = asyncio.run(stack_drift(conn, intent, list(intent.customers)))
    found = {(i.customer, i.kind, i.what.split(" at ")[0]) for i in items}
    assert found == {("contoso", "unexpected", "Contributor"), ("contoso", "missing", "Lighthouse delegation")}


def test_the_global_admin_removal_dry_run_sends_nothing(dev):
    emulator, intent, conn = dev
    emulator.control.clear_requests()
    found = plan_global_admin_removal(conn, intent, [c for c in intent.customers if c.delegation == "gdap"], None)
    removals = planned(found)
    assert all(r.outcome == "planned" for r in removals)
    assert all(r["method"] == "GET" for r in emulator.control.requests())
