"""The config facts the guardrails need, read alike from raw config (the pack) and StackConfig (dapctl)."""

from __future__ import annotations

import json

import pytest
from pulumi.runtime import config as runtime_config

import catalog
from config.loading import flat_config_for_runtime
from config.schema import parse_config
from policy.context import PolicyContext, strip_namespace
from tests.helpers import dev_raw

CONTOSO = "3a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d"
ADATUM = "5c0d1e2f-3a4b-4c5d-8e6f-7a8b9c0d1e2f"
FABRIKAM_SUB = "6d1e2f3a-4b5c-4d6e-8f7a-8b9c0d1e2f3a"


def allowing_adatum() -> dict:
    raw = dev_raw()
    raw["customers"][2]["gdap"] = {
        "allowGlobalAdministrator": True,
        "roles": ["Global Administrator", "Directory Readers"],
    }
    return raw


def test_dev_config_allows_no_global_admin_and_declares_fabrikams_owner():
    context = PolicyContext.from_stack_config(parse_config(dev_raw()))
    assert context.config_known
    assert context.global_admin_tenants == frozenset()
    assert context.existing_subscriptions == {FABRIKAM_SUB: frozenset({catalog.OWNER})}


def test_raw_and_validated_config_agree():
    raw = allowing_adatum()
    from_raw = PolicyContext.from_raw(raw)
    from_model = PolicyContext.from_stack_config(parse_config(raw))
    assert from_raw == from_model
    assert from_raw.allows_global_admin(ADATUM.upper()) and not from_raw.allows_global_admin(CONTOSO)


def test_existing_subscription_without_a_role_gets_the_configs_default_owner():
    raw = dev_raw()
    del raw["customers"][1]["existingSubscriptions"][0]["role"]
    assert PolicyContext.from_raw(raw).existing_roles(FABRIKAM_SUB.upper()) == frozenset({catalog.OWNER})


def test_allowance_must_be_literally_true():
    raw = {"customers": [{"tenantId": CONTOSO, "gdap": {"allowGlobalAdministrator": "true"}}]}
    assert not PolicyContext.from_raw(raw).allows_global_admin(CONTOSO)


def test_no_config_fails_closed():
    for raw in (None, {}, {"unrelated": 1}, {"customers": "not a list"}):
        context = PolicyContext.from_raw(raw)
        assert not context.config_known
        assert context.existing_subscriptions == {}
    assert PolicyContext.from_stack_config(None) == PolicyContext.unknown()


@pytest.fixture
def fresh_runtime_config():
    """The mock-runtime runs of other tests leave their config in this process: start from none."""
    token = runtime_config.CONFIG.set({})
    yield
    runtime_config.CONFIG.reset(token)


def test_runtime_config_is_read_as_the_cli_passes_it(monkeypatch, fresh_runtime_config):
    """PULUMI_CONFIG holds namespaced keys with JSON text values: what the CLI gives the pack's process."""
    flat = {f"csp-delegation:{k}": json.dumps(v) for k, v in allowing_adatum().items()}
    flat["aws:region"] = "ignored"
    monkeypatch.setenv("PULUMI_CONFIG", json.dumps(flat))
    context = PolicyContext.from_pulumi_runtime()
    assert context.allows_global_admin(ADATUM)
    assert context == PolicyContext.from_raw(allowing_adatum())


def test_runtime_without_config_fails_closed(monkeypatch, fresh_runtime_config):
    monkeypatch.delenv("PULUMI_CONFIG", raising=False)
    assert PolicyContext.from_pulumi_runtime() == PolicyContext.unknown()


def test_strip_namespace_matches_the_stack_file_loader():
    flat = flat_config_for_runtime("dev")
    assert strip_namespace(flat) == dev_raw()


def test_partner_group_ids_come_from_adopted_groups_and_groups_from():
    dev = PolicyContext.from_raw(dev_raw())
    assert dev.partner_group_ids == {"0b6c4e1a-2d3f-4a5b-9c6d-7e8f9a0b1c2d", "1c7d5f2b-3e4a-4b6c-8d7e-8f9a0b1c2d3e"}
    group = "AB0C4E1A-2D3F-4A5B-9C6D-7E8F9A0B1C2D"
    partner = {**dev_raw()["partner"], "groups": None, "groupsFrom": {"objectIds": {"adminAgents": group}}}
    customer_only = PolicyContext.from_raw({"partner": partner})
    assert customer_only.partner_group_ids == {group.lower()}
