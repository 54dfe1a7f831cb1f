"""The semantic rules of the config schema: what is well-typed yet wrong, each refused with its field path."""

from __future__ import annotations

import pytest

from config.errors import ConfigError
from config.schema import NIL_GUID, duration_days, parse_config
from tests.helpers import dev_raw


def problems(raw) -> dict[str, str]:
    with pytest.raises(ConfigError) as info:
        parse_config(raw)
    return {p.path: p.message for p in info.value.problems}


def test_the_same_member_twice_in_a_group():
    raw = dev_raw()
    raw["partner"]["groups"]["adminAgents"]["members"].append("Alice@NorthwindCSP.onmicrosoft.com")
    found = problems(raw)
    assert set(found) == {"partner.groups.adminAgents.members[2]"}
    assert "listed twice (also members[0])" in found["partner.groups.adminAgents.members[2]"]


def test_two_groups_adopting_the_same_object_id():
    raw = dev_raw()
    groups = raw["partner"]["groups"]
    groups["helpdeskAgents"]["objectId"] = groups["adminAgents"]["objectId"].upper()
    found = problems(raw)
    assert "partner.groups.adminAgents adopts the same group" in found["partner.groups.helpdeskAgents.objectId"]


def test_group_ids_from_config_must_differ():
    raw = dev_raw()
    raw["partner"].pop("groups")
    same = "0b6c4e1a-2d3f-4a5b-9c6d-7e8f9a0b1c2d"
    raw["partner"]["groupsFrom"] = {"objectIds": {"adminAgents": same, "helpdeskAgents": same, "tier2Support": same}}
    found = problems(raw)
    assert "the same object id as adminAgents" in found["partner.groupsFrom.objectIds.helpdeskAgents"]


def test_aliases_differing_only_in_case():
    raw = dev_raw()
    raw["customers"][2]["subscriptions"][0]["alias"] = "Contoso-PROD"
    found = problems(raw)
    assert "ARM ignores case" in found["customers[2].subscriptions[0].alias"]


def test_the_same_default_domain_on_two_customers():
    raw = dev_raw()
    raw["customers"][2]["defaultDomain"] = "CONTOSO.onmicrosoft.com"
    found = problems(raw)
    assert "already customers[0]'s" in found["customers[2].defaultDomain"]


def test_the_same_gdap_display_name_on_two_customers():
    raw = dev_raw()
    raw["customers"][2]["gdap"] = {"displayName": "Contoso-GDAP"}
    raw["customers"][0]["gdap"]["displayName"] = "contoso-gdap"
    found = problems(raw)
    assert "same GDAP relationship name" in found["customers[2].gdap.displayName"]


@pytest.mark.parametrize(
    ("where", "path"),
    [
        (lambda r: r["partner"].__setitem__("tenantId", NIL_GUID), "partner.tenantId"),
        (lambda r: r["partner"].__setitem__("partnerId", NIL_GUID), "partner.partnerId"),
        (lambda r: r["customers"][0].__setitem__("tenantId", NIL_GUID), "customers[0].tenantId"),
        (lambda r: r["partner"]["groups"]["adminAgents"].__setitem__("objectId", NIL_GUID), "objectId"),
        (lambda r: r["partner"]["groups"]["adminAgents"]["members"].append(NIL_GUID), "members[2]"),
    ],
)
def test_nil_guids_are_placeholders(where, path):
    raw = dev_raw()
    where(raw)
    found = problems(raw)
    (hit,) = [p for p in found if p.endswith(path)]
    assert "nil GUID" in found[hit]


@pytest.mark.parametrize("account", ["", "   ", "../../etc/passwd", "a/b", "acct\\x", "x..y", "a b", "x" * 300])
def test_billing_account_empty_or_path_like(account):
    raw = dev_raw()
    raw["partner"]["billingAccount"] = account
    found = problems(raw)
    assert "partner.billingAccount" in found


def test_a_real_billing_account_name_is_accepted():
    cfg = parse_config(dev_raw())
    assert cfg.partner.billing_account.endswith("_2019-05-31")


def test_a_lighthouse_role_listed_twice():
    raw = dev_raw()
    raw["customers"][0]["lighthouse"]["roles"] = ["Reader", "Support Request Contributor", "reader"]
    found = problems(raw)
    assert "listed twice (also roles[0])" in found["customers[0].lighthouse.roles[2]"]


@pytest.mark.parametrize("name", ["Contoso\x00Ltd", "Contoso\nLtd", "Contoso\x1b[31mLtd", "Contoso \u202eLtd"])
def test_control_characters_in_display_names(name):
    raw = dev_raw()
    raw["customers"][0]["displayName"] = name
    raw["partner"]["groups"]["tier2Support"]["displayName"] = name
    found = problems(raw)
    assert "control character" in found["customers[0].displayName"]
    assert "control character" in found["partner.groups.tier2Support.displayName"]


def test_descriptions_are_bounded():
    raw = dev_raw()
    raw["partner"]["groups"]["tier2Support"]["description"] = "x" * 1025
    found = problems(raw)
    assert "at most 1024 characters" in found["partner.groups.tier2Support.description"]
    raw["partner"]["groups"]["tier2Support"]["description"] = "x" * 1024
    parse_config(raw)


@pytest.mark.parametrize("duration", ["P\u0667\u0663\u0660D", "P\uff17\uff13\uff10D", "P" + "9" * 5000 + "D"])
def test_durations_take_ascii_digits_only(duration):
    raw = dev_raw()
    raw["customers"][0]["gdap"]["duration"] = duration
    found = problems(raw)
    assert "customers[0].gdap.duration" in found
    assert len(found["customers[0].gdap.duration"]) < 300


def test_duration_days_of_ascii_durations():
    assert duration_days("P2Y") == 730 and duration_days("P1W") == 7


@pytest.mark.parametrize("stack", ["../../x", "org/../x", "./x", "a/b/c/d"])
def test_groups_from_stack_is_a_stack_name_not_a_path(stack):
    raw = dev_raw()
    raw["partner"].pop("groups")
    raw["partner"]["groupsFrom"] = {"stack": stack}
    found = problems(raw)
    assert "is not a stack name" in found["partner.groupsFrom.stack"]


def test_unbounded_input_is_never_echoed_whole():
    raw = dev_raw()
    raw["customers"][0]["tenantId"] = "x" * 100_000
    raw["customers"][0]["delegation"] = "y" * 100_000
    for message in problems(raw).values():
        assert len(message) < 400


def test_an_unbounded_unknown_key_is_shown_cut_short():
    raw = dev_raw()
    raw["partner"]["k" * 100_000] = 1
    (path,) = problems(raw)
    assert path.startswith("partner['kkk") and len(path) < 100  # quoted (not a plain name) and cut
