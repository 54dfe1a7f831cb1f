# ruff: noqa: F811 - `world` (the Partner Center scenario) is a fixture imported from the component tests
"""AutopilotProfile through Pulumi's provider host over gRPC, against the emulator's Partner Center.

A profile lives under its customer and is reached with the partner's token: an id alone is a clear error.
"""

from __future__ import annotations

import pytest

from autopilot.rules import Rule
from azure_http import EmulatorTokens, Endpoints, run_sync
from azure_http.autopilot import AutopilotClient
from components.autopilot import AutopilotProfile
from tests.arm_scenario import CONTOSO
from tests.components.test_autopilot_profiles import PARTNER, policies, props, world  # noqa: F401
from tests.provider_host.conftest import registered_provider
from tests.provider_host.host import Host, HostError

POLICIES = f"/partnercenter/v1/customers/{CONTOSO}/policies"


@pytest.fixture(scope="module")
def serialized():
    return registered_provider(
        lambda: AutopilotProfile(
            "contoso-autopilot-standard",
            partner_tenant_id=PARTNER,
            customer_tenant_id=CONTOSO,
            profile_name="Standard",
            settings=["skip_eula", "skip_express_settings"],
            description="every new laptop",
            require_delegated_admin=False,
        )
    )


@pytest.fixture
def host(provider_host, serialized, world):
    provider, type_token = serialized
    assert type_token == "pulumi-python:dynamic/autopilot:AutopilotProfile"
    h = Host(provider_host, provider, type_token, "contoso-autopilot-standard")
    h.configure()
    return h


def declared(**overrides):
    outputs = dict.fromkeys(
        (
            "devicesAssigned",
            "createdDate",
            "lastModifiedDate",
            "observedName",
            "observedSettings",
            "observedDescription",
        )
    )
    return {**props(), **outputs, **overrides}


def pc_writes(emulator) -> list[tuple[str, int]]:
    return [(r["method"], r["status"]) for r in emulator.control.requests(POLICIES) if r["method"] != "GET"]


def test_the_lifecycle_through_the_engine_protocol(host, world):
    news = host.check(declared())
    profile_id, outs = host.create(news)
    assert [p["id"] for p in policies(world)] == [profile_id] and pc_writes(world) == [
        ("POST", 200)
    ]  # Create Policies answers 200 (REST reference)
    _, refreshed, _ = host.read(profile_id, outs)
    assert host.diff(profile_id, refreshed, news).none

    fewer = declared(settings=["skip_eula"])
    in_place = host.diff(profile_id, refreshed, fewer)
    assert in_place.some and in_place.replaces == []
    updated = host.update(profile_id, refreshed, fewer)
    assert updated["observedSettings"] == ["skip_eula"] and policies(world)[0]["policySettings"] == ["skip_eula"]
    moved = host.diff(profile_id, updated, declared(customerTenantId="9a9a9a9a-0000-4000-8000-000000000009"))
    assert moved.replaces == ["customerTenantId"] and moved.delete_before_replace

    with pytest.raises(HostError) as by_id:
        host.read(profile_id, None)
    assert "needs partnerTenantId, customerTenantId" in by_id.value.details
    assert "KeyError" not in by_id.value.details

    host.delete(profile_id, updated)
    assert policies(world) == []
    gone_id, gone, _ = host.read(profile_id, updated)
    assert gone_id == "" and gone == {}


def test_a_lost_state_adopts_the_profile_by_name_without_writes(host, world):
    profile_id, _ = host.create(host.check(declared()))
    world.control.clear_requests()
    again_id, adopted = host.create(host.check(declared()))  # a lost state: the profile is adopted by name
    assert again_id == profile_id and pc_writes(world) == []
    _, refreshed, _ = host.read(profile_id, adopted)
    assert host.diff(profile_id, refreshed, declared()).none


def test_injected_failures_and_refusals_reach_the_engine_as_clear_errors(host, world):
    world.control.pc_set_dap(CONTOSO, admin_agents=False, helpdesk_agents=False)
    with pytest.raises(HostError) as refused:
        host.create(host.check(declared(requireDelegatedAdmin=True)))
    assert Rule.DELEGATED_ADMIN_FOR_PROFILES.value[:40] in refused.value.details
    assert "During handling of the above exception" not in refused.value.details

    world.control.add_fault(POLICIES, method="POST", lie=True)
    with pytest.raises(HostError) as lied:
        host.create(host.check(declared()))
    assert "without the new object's id" in lied.value.details


def test_refresh_after_an_edit_in_the_portal_shows_drift(host, world):
    profile_id, outs = host.create(host.check(declared()))

    async def by_hand():
        async with AutopilotClient(EmulatorTokens(), Endpoints.emulator(world.url)) as pc:
            await pc.update_policy(CONTOSO, profile_id, "Standard", ["skip_eula"], "edited in the portal")

    run_sync(by_hand())
    _, refreshed, _ = host.read(profile_id, outs)
    assert refreshed["observedSettings"] == ["skip_eula"]
    assert refreshed["observedDescription"] == "edited in the portal"
    drift = host.diff(profile_id, refreshed, declared())
    assert drift.some and drift.replaces == []
