"""The one desired-state model: resolve(config) takes every decision once, and every consumer reads it."""

from __future__ import annotations

import re
from pathlib import Path

import catalog
from azure_http import gdap
from config.schema import parse_config
from intent import Lifecycle, resolve
from tests.helpers import REPO, dev_raw

CONTOSO = "3a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d"


def test_defaults_names_and_roles_are_resolved_once():
    intent = resolve(parse_config(dev_raw()))
    contoso, fabrikam, adatum = (intent.customer(n) for n in ("contoso", "fabrikam", "adatum"))
    assert contoso.gdap is not None and adatum.gdap is not None
    assert contoso.gdap.display_name == "contoso-gdap" and contoso.gdap.duration == "P730D"
    assert contoso.gdap.auto_extend_duration == gdap.AUTO_EXTEND_180_DAYS
    assert adatum.gdap.auto_extend_duration == gdap.NEVER_AUTO_EXTEND
    assert all(catalog.is_guid(r) and r == r.lower() for r in contoso.gdap.role_ids)
    assert list(contoso.gdap.role_ids) == sorted(contoso.gdap.role_ids)
    # The least-privilege default access: each default group with its default roles, as GUIDs.
    defaults = {g: {catalog.directory_role_id(r) for r in rs} for g, rs in catalog.gdap_default_access().items()}
    assert {a.group: set(a.role_ids) for a in adatum.gdap.access} == defaults
    assert fabrikam.gdap is None and fabrikam.expects_dap
    # The CSP grant and the runbook host: Owner for AdminAgents, the first subscription unless one is named.
    assert {s.grant for s in contoso.new_subscriptions} == {s.grant for s in adatum.new_subscriptions}
    assert contoso.new_subscriptions[0].grant.role_id == catalog.OWNER
    assert contoso.new_subscriptions[0].billing_scope.startswith("/providers/Microsoft.Billing/billingAccounts/")
    assert contoso.runbook is not None and contoso.runbook.host == contoso.new_subscriptions[0].alias
    assert fabrikam.runbook is not None and fabrikam.runbook.host == fabrikam.existing_subscriptions[0].subscription_id
    assert contoso.lighthouse is not None and contoso.lighthouse.offer_name == "Northwind CSP managed services"


def test_offers_the_stack_makes_include_the_delete_role_and_adopted_ones_are_declared_as_written():
    """Microsoft recommends the Managed Services Registration assignment Delete Role in every offer (else only the
    customer can remove the delegation); an adopted offer is declared with the config's roles only, in order."""
    contoso = resolve(parse_config(dev_raw())).customer("contoso")
    assert contoso.lighthouse is not None
    written = tuple(catalog.azure_role_id(r) for r in dev_raw()["customers"][0]["lighthouse"]["roles"])
    assert contoso.lighthouse.declared_role_ids == written
    assert contoso.lighthouse.role_ids == (*written, catalog.DELEGATION_DELETE_ROLE)
    raw = dev_raw()
    raw["customers"][0]["lighthouse"]["roles"] = ["Managed Services Registration assignment Delete Role", "Reader"]
    again = resolve(parse_config(raw)).customer("contoso").lighthouse
    assert again is not None and again.role_ids == again.declared_role_ids  # never twice


def test_group_ids_known_at_plan_time_and_those_that_are_not():
    intent = resolve(parse_config(dev_raw()))
    assert intent.partner.group_ids["adminAgents"] == "0b6c4e1a-2d3f-4a5b-9c6d-7e8f9a0b1c2d"
    assert intent.partner.unresolved_groups == ("tier2Support",)  # created by the stack: id known after apply


def test_an_offboarded_customer_expects_nothing():
    raw = dev_raw()
    raw["customers"][0]["lifecycle"] = "offboarded"
    contoso = resolve(parse_config(raw)).customer("contoso")
    assert contoso.lifecycle is Lifecycle.OFFBOARDED
    assert not contoso.expects_access and not contoso.expects_dap
    assert contoso not in resolve(parse_config(raw)).active_customers


def test_the_gdap_vocabulary_is_spelled_once():
    """Status sets, the auto-extend values and the approval link live in azure_http/gdap.py, nowhere else."""
    patterns = {
        "auto-extend literal": re.compile(r"[\"'](P180D|PT0S)[\"']"),
        "status set": re.compile(r"frozenset\(\{[^}]*[\"']terminat"),
        "approval link": re.compile(r"granularAdminRelationships"),
    }
    offenders = []
    for package in (
        "azure_http",
        "components",
        "config",
        "intent",
        "stacks",
        "dapctl",
        "runbooks",
        "policy",
        "catalog",
    ):
        for path in sorted((REPO / package).rglob("*.py")):
            if path == REPO / "azure_http" / "gdap.py":
                continue
            text = path.read_text(encoding="utf-8")
            offenders += [f"{path.relative_to(REPO)}: {name}" for name, p in patterns.items() if p.search(text)]
    assert offenders == [], offenders


def test_components_import_neither_the_config_nor_the_stack_program():
    imports = re.compile(r"^\s*(?:from|import)\s+(stacks|config|intent)\b", re.MULTILINE)
    found = [
        f"{p.relative_to(REPO)}: {m.group(1)}"
        for p in sorted(Path(REPO / "components").rglob("*.py"))
        for m in imports.finditer(p.read_text(encoding="utf-8"))
    ]
    assert found == []
