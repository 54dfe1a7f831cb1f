"""The emulator's dev scenario is the dev stack in mid-life: dapctl finds exactly what it was seeded with."""

from __future__ import annotations

import json

import pytest

from tests.helpers import REPO
from tests.support.cli import dapctl

ROOT = REPO
SCENARIO = ROOT / "emulator" / "worlds" / "scenarios" / "dev.yaml"


@pytest.fixture
def dev_world(emulator):
    emulator.control.load_scenario(SCENARIO)
    return emulator


def test_drift_finds_the_hand_made_grant_and_the_missing_delegation(dev_world):
    result = dapctl("drift", "--format", "json", endpoint=dev_world.url)
    assert result.returncode == 3, result.stderr
    findings = {(d["customer"], d["kind"], d["what"].split(" at ")[0]) for d in json.loads(result.stdout)["drift"]}
    assert findings == {("contoso", "unexpected", "Contributor"), ("contoso", "missing", "Lighthouse delegation")}


def test_audit_sees_every_path_of_the_partner(dev_world):
    contoso = json.loads(dapctl("audit", "contoso", "-f", "json", endpoint=dev_world.url).stdout)["grants"]
    kinds = sorted(g["kind"] for g in contoso)
    assert kinds == ["gdap-access-assignment"] * 2 + ["gdap-relationship", "lighthouse"] + ["rbac"] * 3
    assert not any(g["principal_id"] == "7e7e7e7e-0000-4000-8000-000000000001" for g in contoso)  # the customer's
    fabrikam = json.loads(dapctl("audit", "fabrikam", "-f", "json", endpoint=dev_world.url).stdout)["grants"]
    assert {(g["kind"], g["origin"]) for g in fabrikam} == {("dap", "declared"), ("rbac", "declared")}


def test_gdap_status_of_the_dev_stack(dev_world):
    rows = json.loads(dapctl("gdap", "status", "--json", endpoint=dev_world.url).stdout)["rows"]
    assert {r["customer"]: r["status"] for r in rows} == {"contoso": "active", "adatum": "approvalPending"}
