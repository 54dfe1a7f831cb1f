"""Valid configs that once crashed the offline plan: adopted group ids (assets in JSON) and groupsFrom.stack."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from dapctl.cli import app
from stacks.mock_runtime import STACK_NOT_READ
from tests.helpers import REPO

ROOT = REPO
PARTNER_STACK = "northwind/csp-delegation/partner"


def stack_with_groups_from(tmp_path: Path, source: dict) -> Path:
    document = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())
    partner = document["config"]["csp-delegation:partner"]
    groups = partner.pop("groups")
    if "objectIds" in source:
        source = {"objectIds": {k: g.get("objectId") or source["objectIds"][k] for k, g in groups.items()}}
    partner["groupsFrom"] = source
    (tmp_path / "Pulumi.t.yaml").write_text(yaml.safe_dump(document))
    return tmp_path


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    monkeypatch.setenv("CSP_DELEGATION_ENDPOINT", "offline")


def test_plan_json_with_every_group_adopted_by_object_id(tmp_path):
    project = stack_with_groups_from(tmp_path, {"objectIds": {"tier2Support": "2c7d5f2b-3e4a-4b6c-8d7e-8f9a0b1c2d3e"}})
    result = CliRunner().invoke(app, ["plan", "-s", "t", "-C", str(project), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    sources = [r["inputs"].get("source") for r in report["resources"] if "source" in r["inputs"]]
    assert sources and all(s.startswith("(StringAsset, ") for s in sources)


def test_plan_json_of_the_dev_stack_is_json_too():
    result = CliRunner().invoke(app, ["plan", "-s", "dev", "-C", str(ROOT), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["stack"] == "dev"


def test_groups_from_another_stack_plans_with_placeholders_and_says_so(tmp_path):
    project = stack_with_groups_from(tmp_path, {"stack": PARTNER_STACK})
    result = CliRunner().invoke(app, ["plan", "-s", "t", "-C", str(project), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    (reference,) = [lk for lk in report["lookups"] if lk["token"] == "pulumi:pulumi:StackReference"]
    assert reference["args"] == {"name": PARTNER_STACK, "outputs": STACK_NOT_READ}
    grants = [r for r in report["resources"] if r["name"].endswith("-grant")]
    assert grants and all(g["inputs"]["principalId"] == "(known after apply)" for g in grants)
