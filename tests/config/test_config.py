"""Every config rejection names the field path and the fix; valid configs parse with sane defaults."""

from __future__ import annotations

import pytest

import catalog
from config.errors import ConfigError
from config.schema import parse_config
from tests.helpers import dev_raw


def problems(raw) -> dict[str, str]:
    with pytest.raises(ConfigError) as info:
        parse_config(raw)
    return {p.path: p.message for p in info.value.problems}


def test_dev_stack_parses_with_three_customers():
    cfg = parse_config(dev_raw())
    assert [c.name for c in cfg.customers] == ["contoso", "fabrikam", "adatum"]
    assert {c.delegation for c in cfg.customers} == {"gdap", "dap"}
    assert all(c.subscriptions or c.existing_subscriptions for c in cfg.customers)


def test_defaults_are_least_privilege_without_global_admin():
    cfg = parse_config(dev_raw())
    adatum = cfg.customer("adatum")
    assert adatum.gdap is None
    role_ids = {catalog.directory_role_id(r) for r in adatum.gdap_settings.roles}
    assert catalog.GLOBAL_ADMINISTRATOR not in role_ids
    assert adatum.gdap_settings.duration == "P730D" and adatum.gdap_settings.auto_extend is False
    access = {a.group: a.roles for a in adatum.gdap_access()}
    assert set(access) == {"adminAgents", "helpdeskAgents"}
    for roles in access.values():
        assert {catalog.directory_role_id(r) for r in roles} <= role_ids


def test_unknown_key_is_named_with_the_allowed_keys():
    raw = dev_raw()
    raw["customers"][0]["gdap"]["rolez"] = ["Global Reader"]
    found = problems(raw)
    assert "customers[0].gdap.rolez" in found
    assert "unknown key" in found["customers[0].gdap.rolez"]
    assert "roles" in found["customers[0].gdap.rolez"] and "duration" in found["customers[0].gdap.rolez"]


def test_unknown_top_level_key():
    raw = dev_raw()
    raw["custommers"] = []
    assert "custommers" in problems(raw)


def test_malformed_guid_and_tenant_id():
    raw = dev_raw()
    raw["partner"]["partnerId"] = "not-a-guid"
    raw["customers"][1]["tenantId"] = "fabrikam.onmicrosoft.com"
    found = problems(raw)
    assert "GUID" in found["partner.partnerId"]
    assert "not a tenant id" in found["customers[1].tenantId"]
    assert "Tenant ID" in found["customers[1].tenantId"]


def test_duplicate_customers_and_tenants():
    raw = dev_raw()
    raw["customers"].append(dict(raw["customers"][2]))
    found = problems(raw)
    assert "duplicate customer 'adatum'" in found["customers[3].name"]
    assert "customers[2]" in found["customers[3].tenantId"]
    assert "customers[3].subscriptions[0].alias" in found  # its alias repeats as well


def test_duplicate_alias_across_customers():
    raw = dev_raw()
    raw["customers"][2]["subscriptions"][0]["alias"] = "contoso-prod"
    found = problems(raw)
    assert set(found) == {"customers[2].subscriptions[0].alias"}
    assert "customers[0].subscriptions[0].alias" in found["customers[2].subscriptions[0].alias"]


def test_unknown_role_name_names_the_role_path():
    raw = dev_raw()
    raw["customers"][0]["gdap"]["roles"][0] = "Global Admin"
    found = problems(raw)
    assert "customers[0].gdap.roles[0]" in found
    assert "unknown directory role 'Global Admin'" in found["customers[0].gdap.roles[0]"]
    assert "GUID" in found["customers[0].gdap.roles[0]"]


def test_role_guid_not_in_catalog_is_accepted():
    raw = dev_raw()
    new_role = "11111111-2222-4333-8444-555555555555"
    raw["customers"][0]["gdap"]["roles"].append(new_role)
    cfg = parse_config(raw)
    assert new_role in cfg.customers[0].gdap.roles


def test_global_admin_needs_explicit_allow():
    raw = dev_raw()
    raw["customers"][0]["gdap"]["roles"].append("Global Administrator")
    raw["customers"][0]["gdap"]["autoExtend"] = False
    found = problems(raw)
    assert "allowGlobalAdministrator" in found["customers[0].gdap.roles[6]"]


def test_global_admin_with_auto_extend_is_rejected():
    raw = dev_raw()
    gdap = raw["customers"][0]["gdap"]
    gdap["roles"].append("Global Administrator")
    gdap["allowGlobalAdministrator"] = True
    gdap["autoExtend"] = True
    found = problems(raw)
    assert set(found) == {"customers[0].gdap.autoExtend"}
    assert "autoExtend: false" in found["customers[0].gdap.autoExtend"]
    gdap["autoExtend"] = False
    assert parse_config(raw).customers[0].gdap.allow_global_administrator


@pytest.mark.parametrize("duration", ["P0D", "P731D", "P3Y", "P105W", "730 days", "PT24H"])
def test_duration_outside_limits_is_rejected(duration):
    raw = dev_raw()
    raw["customers"][0]["gdap"]["duration"] = duration
    found = problems(raw)
    assert "customers[0].gdap.duration" in found
    assert "P730D" in found["customers[0].gdap.duration"]


@pytest.mark.parametrize("duration", ["P1D", "P730D", "P2Y", "P104W"])
def test_duration_within_limits_is_accepted(duration):
    raw = dev_raw()
    raw["customers"][0]["gdap"]["duration"] = duration
    assert parse_config(raw).customers[0].gdap.duration == duration


def test_display_name_over_50_characters():
    raw = dev_raw()
    raw["customers"][0]["gdap"]["displayName"] = "x" * 51
    found = problems(raw)
    assert found["customers[0].gdap.displayName"] == "too long: at most 50 characters"


def test_access_roles_must_be_relationship_roles_and_groups_known():
    raw = dev_raw()
    access = raw["customers"][0]["gdap"]["access"]
    access[1]["roles"].append("Exchange Administrator")
    access[2]["group"] = "tier3Support"
    found = problems(raw)
    assert "not among gdap.roles" in found["customers[0].gdap.access[1].roles[3]"]
    assert "unknown partner group 'tier3Support'" in found["customers[0].gdap.access[2].group"]


def test_new_subscription_needs_a_billing_account():
    raw = dev_raw()
    del raw["partner"]["billingAccount"]
    found = problems(raw)
    assert set(found) == {
        "customers[0].subscriptions[0].billingAccount",
        "customers[0].subscriptions[1].billingAccount",
        "customers[2].subscriptions[0].billingAccount",
    }


def test_lighthouse_refuses_owner():
    raw = dev_raw()
    raw["customers"][0]["lighthouse"]["roles"] = ["Owner"]
    assert "cannot be delegated through Lighthouse" in problems(raw)["customers[0].lighthouse.roles[0]"]


def test_dap_customer_with_gdap_block():
    raw = dev_raw()
    raw["customers"][1]["gdap"] = {"duration": "P30D"}
    assert "delegation: gdap" in problems(raw)["customers[1].gdap"]


def test_bad_delegation_mode():
    raw = dev_raw()
    raw["customers"][2]["delegation"] = "gdpa"
    assert "'gdap' or 'dap'" in problems(raw)["customers[2].delegation"]


def test_customer_stack_needs_partner_groups_source():
    raw = dev_raw()
    del raw["partner"]["groups"]
    assert "groupsFrom" in problems(raw)["partner.groups"]
    raw["partner"]["groupsFrom"] = {"objectIds": {"adminAgents": "0b6c4e1a-2d3f-4a5b-9c6d-7e8f9a0b1c2d"}}
    found = problems(raw)  # the dev customers map helpdeskAgents and tier2Support, unknown here
    assert "customers[0].gdap.access[1].group" in found


def test_adopted_group_needs_no_object_id_but_created_group_must_not_have_one():
    raw = dev_raw()
    raw["partner"]["groups"]["tier2Support"]["objectId"] = "0b6c4e1a-2d3f-4a5b-9c6d-7e8f9a0b1c2d"
    assert "mode: adopt" in problems(raw)["partner.groups.tier2Support.objectId"]


def test_every_problem_is_reported_at_once():
    raw = dev_raw()
    raw["customers"][0]["gdap"]["duration"] = "P999D"
    raw["customers"][2]["defaultDomain"] = "not a domain"
    raw["partner"]["tenantId"] = "nope"
    assert len(problems(raw)) == 3
