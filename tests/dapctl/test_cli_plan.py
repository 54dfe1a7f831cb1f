"""`dapctl plan` end to end: the real CLI, the real program, Pulumi's mock runtime, no cloud."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from tests.helpers import REPO
from tests.support.cli import dapctl

ROOT = REPO


def test_plan_dev_shows_groups_customers_subscriptions_and_owner_grants():
    result = dapctl("plan", "--stack", "dev")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "NOT a diff against the cloud" in out
    for name in ("partner-groups", "contoso", "fabrikam", "adatum", "contoso-prod", "adatum-prod"):
        assert name in out
    assert out.count("principalType: ForeignGroup") == 4
    assert "role: Owner" in out
    assert "(known after apply)" in out
    # a provider per runbook host subscription, and the customer tenant's own only where Lighthouse needs it
    assert "Summary: 40 resources in 15 components" in out
    assert "Graph not read (offline plan)" in out
    assert "policy: 0 mandatory, 1 advisory violation(s)" in out


def test_plan_json_is_one_document_for_ci():
    result = dapctl("plan", "--stack", "dev", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    # The runbook identity's grants are azure-native; the partner's own are the adopting dynamic resource.
    assert report["summary"]["byType"]["azure-native:authorization:RoleAssignment"] == 3
    by_type = report["summary"]["byType"]
    assert by_type["pulumi-python:dynamic/gdap:GdapRelationship"] == 2
    assert by_type["pulumi-python:dynamic/rbac:PartnerRoleAssignment"] == 4
    assert report["summary"]["byType"]["azure-native:subscription:Alias"] == 3
    grants = [r for r in report["resources"] if r["name"].endswith("-grant")]
    assert len(grants) == 4 and all(g["inputs"]["principalType"] == "ForeignGroup" for g in grants)
    assert {g["provider"]["tenantId"] for g in grants} == {
        "3a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d",
        "4b9c0d1e-2f3a-4b4c-9d5e-6f7a8b9c0d1e",
        "5c0d1e2f-3a4b-4c5d-8e6f-7a8b9c0d1e2f",
    }
    assert all(g["deleteBeforeReplace"] for g in grants)
    assert report["summary"]["policyMandatory"] == 0
    (advisory,) = report["policy"]
    assert advisory["level"] == "advisory" and advisory["name"].startswith("fabrikam-")
    customers = {r["name"] for r in report["resources"] if r["type"] == "csp-delegation:customers:CustomerTenant"}
    assert customers == {"contoso", "fabrikam", "adatum"}


def test_config_error_exits_2_with_the_field_path_and_no_traceback(tmp_path):
    document = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())
    document["config"]["csp-delegation:customers"][2]["gdap"] = {
        "roles": ["Global Admin"],
        "duration": "P900D",
    }
    (tmp_path / "Pulumi.broken.yaml").write_text(yaml.safe_dump(document))
    result = dapctl("plan", "--stack", "broken", "--project-dir", str(tmp_path))
    assert result.returncode == 2
    assert "customers[2].gdap.roles[0]" in result.stderr
    assert "customers[2].gdap.duration" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stdout == ""


def test_unknown_stack_names_the_known_ones(tmp_path: Path):
    """The stacks of the project folder asked about, whatever stacks the repository itself holds."""
    for name in ("Pulumi.yaml", "Pulumi.dev.yaml"):
        (tmp_path / name).write_text((ROOT / name).read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "Pulumi.contoso-prod.yaml").write_text((ROOT / "Pulumi.dev.yaml").read_text(encoding="utf-8"))
    result = dapctl("plan", "--stack", "prod", "--project-dir", str(tmp_path))
    assert result.returncode == 2
    assert "known stacks are contoso-prod, dev" in result.stderr
