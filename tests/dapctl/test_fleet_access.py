"""`dapctl fleet access`: the per-customer access check over every stack, in one process, the relationships
read once per partner tenant; the same answers as `dapctl access check --all` per stack."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from dapctl.cli import app

FABRIKAM = "4b9c0d1e-2f3a-4b4c-9d5e-6f7a8b9c0d1e"


def test_fleet_access_finds_what_the_per_stack_check_finds(onboarded, monkeypatch):
    emulator, project, _, _ = onboarded
    monkeypatch.delenv("CSP_DELEGATION_ENDPOINT", raising=False)
    emulator.control.set_consent(FABRIKAM, False)
    emulator.control.pc_add_customers([{"tenantId": FABRIKAM, "companyName": "Fabrikam", "dap": True}])
    runner = CliRunner()
    where = ["--project-dir", str(project), "--endpoint", emulator.url]

    single = runner.invoke(app, ["access", "check", "--all", "--json", "--stack", "dev", *where])
    emulator.control.clear_requests()
    fleet = runner.invoke(app, ["fleet", "access", "--json", *where])
    assert fleet.exit_code == 3, fleet.output
    document = json.loads(fleet.stdout)
    per_stack = {c["customer"]: c for c in json.loads(single.stdout)["customers"]}

    def essentials(c: dict) -> tuple:  # (Entra's answers carry a trace id and a timestamp of their own)
        return c["token"], c["paths"], c["subscriptions"], c["declared_subscriptions"], len(c["findings"])

    by_fleet = {c["customer"]: essentials(c) for c in document["customers"]}
    assert by_fleet == {name: essentials(c) for name, c in per_stack.items()}
    assert {c["stack"] for c in document["customers"]} == {"dev"}
    assert document["lost"] == 2  # Fabrikam's consent, Adatum's missing relationship
    listings = emulator.control.requests("/graph/v1.0/tenantRelationships/delegatedAdminRelationships", "GET")
    assert len([r for r in listings if r["path"].endswith("delegatedAdminRelationships")]) == 1
