"""The Autopilot profile provider's lifecycle over real HTTP against the emulator (called as the Pulumi engine
calls it), and the component on the mock runtime."""

from __future__ import annotations

import pickle

import pytest

from autopilot.rules import Rule
from azure_http import EmulatorTokens, Endpoints, run_sync
from azure_http.autopilot import AutopilotClient
from catalog import directory_role_id
from catalog.resource_kinds import AUTOPILOT_PROFILE_TYPE, LEGACY_DYNAMIC
from components.autopilot import AutopilotProfileProvider, AutopilotRuleError
from config.errors import ConfigError
from config.schema import parse_config
from emulator.core.state import DEFAULT_PARTNER_TENANT_ID
from tests.arm_scenario import CONTOSO, scenario
from tests.helpers import dev_raw, run

PARTNER = DEFAULT_PARTNER_TENANT_ID


@pytest.fixture
def world(emulator, monkeypatch):
    emulator.control.reset(scenario())
    monkeypatch.setenv("CSP_DELEGATION_ENDPOINT", emulator.url)
    return emulator


def props(**overrides):
    base = {
        "partnerTenantId": PARTNER,
        "customerTenantId": CONTOSO,
        "name": "Standard",
        "description": "every new laptop",
        "settings": ["skip_eula", "skip_express_settings"],
        "requireDelegatedAdmin": False,
    }
    return {**base, **overrides}


def policies(world) -> list[dict]:
    async def go():
        async with AutopilotClient(EmulatorTokens(), Endpoints.emulator(world.url)) as pc:
            return await pc.list_policies(CONTOSO)

    return run_sync(go())


def test_profile_lifecycle(world) -> None:
    provider = pickle.loads(pickle.dumps(AutopilotProfileProvider()))  # as it travels through state
    created = provider.create(props())
    assert [p["id"] for p in policies(world)] == [created.id]
    assert created.outs["observedSettings"] == ["skip_eula", "skip_express_settings"]

    assert not provider.diff(created.id, created.outs, props()).changes
    changed = props(settings=["skip_eula"])
    diff = provider.diff(created.id, created.outs, changed)
    assert diff.changes and not diff.replaces  # settings are updatable in place
    updated = provider.update(created.id, created.outs, changed)
    assert updated.outs["observedSettings"] == ["skip_eula"] and policies(world)[0]["policySettings"] == ["skip_eula"]
    assert provider.diff(created.id, created.outs, props(customerTenantId="x")).replaces == ["customerTenantId"]

    read = provider.read(created.id, updated.outs)
    assert read.id == created.id and read.outs["devicesAssigned"] == 0
    provider.delete(created.id, updated.outs)
    assert policies(world) == []
    assert provider.read(created.id, updated.outs).id is None  # gone: a refresh drops it from state
    provider.delete(created.id, updated.outs)  # deleting what is gone is not an error


def test_an_existing_profile_is_adopted_by_name_not_created_twice(world) -> None:
    provider = AutopilotProfileProvider()
    first = provider.create(props(settings=["skip_eula"]))
    again = provider.create(props())  # lost state, same name: adopted and brought to the declared settings
    assert again.id == first.id and len(policies(world)) == 1
    assert policies(world)[0]["policySettings"] == ["skip_eula", "skip_express_settings"]


def test_a_profile_changed_by_hand_shows_as_drift(world) -> None:
    provider = AutopilotProfileProvider()
    created = provider.create(props())

    async def by_hand():
        async with AutopilotClient(EmulatorTokens(), Endpoints.emulator(world.url)) as pc:
            await pc.update_policy(CONTOSO, created.id, "Standard", ["skip_eula"], "edited in the portal")

    run_sync(by_hand())
    refreshed = provider.read(created.id, created.outs)
    assert provider.diff(created.id, refreshed.outs, props()).changes


def test_the_rules_switch_refuses_profiles_without_delegated_admin(world) -> None:
    provider = AutopilotProfileProvider()
    world.control.pc_set_dap(CONTOSO, admin_agents=False, helpdesk_agents=False)
    with pytest.raises(AutopilotRuleError, match=Rule.DELEGATED_ADMIN_FOR_PROFILES.value[:40]):
        provider.create(props(requireDelegatedAdmin=True))
    assert policies(world) == []  # nothing was created
    world.control.seed_relationship(
        displayName="contoso-gdap",
        customer={"tenantId": CONTOSO},
        roles=[directory_role_id("Directory Readers")],
        status="active",
    )
    assert provider.create(props(requireDelegatedAdmin=True)).id


def test_the_program_declares_the_customers_profiles_under_its_tenant_component() -> None:
    raw = dev_raw()
    contoso = next(c for c in raw["customers"] if c["name"] == "contoso")
    contoso["autopilot"] = {
        "profiles": [
            {"name": "Standard laptop", "settings": ["skip_eula", "oobe_user_not_local_admin"]},
            {"name": "Kiosk", "description": "front desk", "settings": ["skip_express_settings"]},
        ]
    }
    raw["partner"]["autopilot"] = {"requireDelegatedAdminForProfiles": True}
    applied = run(raw, preview=False)
    component = applied.named("contoso-autopilot")
    assert component.type == "csp-delegation:autopilot:AutopilotProfiles"
    assert component.parent == applied.named("contoso").urn
    standard, kiosk = applied.named("contoso-autopilot-standard-laptop"), applied.named("contoso-autopilot-kiosk")
    for profile in (standard, kiosk):
        assert profile.parent == component.urn
        assert profile.type == AUTOPILOT_PROFILE_TYPE
        assert profile.aliases == [profile.urn.replace(AUTOPILOT_PROFILE_TYPE, LEGACY_DYNAMIC)]
        assert profile.inputs["customerTenantId"] == contoso["tenantId"]
        assert profile.inputs["partnerTenantId"] == raw["partner"]["tenantId"]
        assert profile.inputs["requireDelegatedAdmin"] is True
    assert standard.inputs["settings"] == ["oobe_user_not_local_admin", "skip_eula"]
    assert kiosk.inputs["description"] == "front desk"
    assert not any(r.name.startswith("fabrikam-autopilot") for r in applied.resources)  # declared per customer


def test_profile_config_errors_name_the_field() -> None:
    raw = dev_raw()
    raw["customers"][0]["autopilot"] = {
        "profiles": [{"name": "A", "settings": ["format_disk"]}, {"name": "a", "settings": []}]
    }
    with pytest.raises(ConfigError) as caught:
        parse_config(raw)
    text = str(caught.value)
    assert "customers[0].autopilot.profiles[0].settings[0]" in text and "skip_eula" in text
    raw["customers"][0]["autopilot"]["profiles"][0]["settings"] = []
    with pytest.raises(ConfigError, match=r"customers\[0\].autopilot.profiles: profile 'a' is declared twice"):
        parse_config(raw)
