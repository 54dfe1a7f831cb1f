# ruff: noqa: F811 - `world` (the ARM scenario) is a fixture imported from the component tests
"""PartnerRoleAssignment through Pulumi's provider host over gRPC, against the emulator's ARM.

The id is the assignment's full ARM id, but the token must be the customer tenant's: given the tenant, a read by
id returns the whole object; given nothing, a clear error says what is missing.
"""

from __future__ import annotations

import pytest

import catalog
from components.arm_resources import PartnerRoleAssignment
from tests.components.test_partner_grant_provider import (  # noqa: F401
    ADMIN_AGENTS,
    CUSTOMER,
    EXISTING,
    HELPDESK_AGENTS,
    owner_assignments,
    props,
    world,
)
from tests.provider_host.conftest import registered_provider
from tests.provider_host.host import Host, HostError

ROLE_ASSIGNMENTS = "/providers/Microsoft.Authorization/roleAssignments"
ARM = "/arm/subscriptions/"


@pytest.fixture(scope="module")
def serialized():
    wanted = props(EXISTING)
    return registered_provider(
        lambda: PartnerRoleAssignment(
            "contoso-owner",
            tenant_id=CUSTOMER,
            scope=wanted["scope"],
            role_definition_id=wanted["roleDefinitionId"],
            principal_id=ADMIN_AGENTS,
            principal_type="ForeignGroup",
            assignment_name=wanted["name"],
            description=wanted["description"],
        )
    )


@pytest.fixture
def host(provider_host, serialized, world):
    provider, type_token = serialized
    assert type_token == "pulumi-python:dynamic/rbac:PartnerRoleAssignment"
    h = Host(provider_host, provider, type_token, "contoso-owner")
    h.configure()
    return h


def declared(**overrides):
    return {
        "adopt": None,
        **props(EXISTING),
        "assignmentId": None,
        "assignmentName": None,
        "adopted": None,
        **overrides,
    }


def arm_writes(emulator) -> list[tuple[str, int]]:
    return [(r["method"], r["status"]) for r in emulator.control.requests(ARM) if r["method"] != "GET"]


def test_the_lifecycle_through_the_engine_protocol(host, world):
    news = host.check(declared())
    assignment_id, outs = host.create(news)
    assert assignment_id.endswith(f"{ROLE_ASSIGNMENTS}/{news['name']}") and outs["adopted"] is False
    assert arm_writes(world) == [("PUT", 201)]
    (made,) = owner_assignments(world, EXISTING)
    assert made["id"] == assignment_id and made["properties"]["principalType"] == "ForeignGroup"

    _, refreshed, _ = host.read(assignment_id, outs)
    assert host.diff(assignment_id, refreshed, news).none
    reworded = declared(description="reworded")
    assert host.diff(assignment_id, refreshed, reworded).none  # ARM keeps its own description: nothing to do
    moved = host.diff(assignment_id, refreshed, declared(principalId=HELPDESK_AGENTS))
    assert moved.replaces == ["principalId"] and moved.delete_before_replace
    world.control.clear_requests()
    host.update(assignment_id, refreshed, reworded)
    assert arm_writes(world) == []

    with pytest.raises(HostError) as by_id:
        host.read(assignment_id, None)
    assert "needs tenantId" in by_id.value.details and "KeyError" not in by_id.value.details
    read_id, by_tenant, inputs = host.read(assignment_id, None, {"tenantId": CUSTOMER})
    assert read_id == assignment_id and inputs["principalId"] == ADMIN_AGENTS
    assert inputs["scope"] == f"/subscriptions/{EXISTING}" and inputs["principalType"] == "ForeignGroup"
    assert host.diff(assignment_id, by_tenant, news).none

    host.delete(assignment_id, refreshed)
    assert owner_assignments(world, EXISTING) == []
    gone_id, gone, _ = host.read(assignment_id, refreshed)
    assert gone_id == "" and gone == {}


def test_refresh_after_the_grant_was_removed_by_hand(host, world):
    assignment_id, outs = host.create(host.check(declared()))
    world.control.arm_remove_role_assignment(assignment_id)
    gone_id, _, _ = host.read(assignment_id, outs)
    assert gone_id == ""  # the engine drops it from state; the next up creates it again


def test_adopting_an_existing_assignment_writes_nothing(host, world):
    existing = world.control.arm_add_role_assignment(
        f"/subscriptions/{EXISTING}", ADMIN_AGENTS, "Owner", principal_type="ForeignGroup"
    )
    world.control.clear_requests()
    news = host.check(declared(adopt=True, name=existing["name"]))
    assignment_id, outs = host.create(news)
    assert assignment_id == existing["id"] and outs["adopted"] is True
    assert arm_writes(world) == []
    _, refreshed, _ = host.read(assignment_id, outs)
    assert host.diff(assignment_id, refreshed, news).none


def test_injected_failures_reach_the_engine_as_clear_errors(host, world):
    world.control.add_fault(f"{ARM}{EXISTING}{ROLE_ASSIGNMENTS}", method="PUT", status=500, times=None)
    with pytest.raises(HostError) as failed:
        host.create(host.check(declared()))
    assert "500" in failed.value.details and "During handling of the above exception" not in failed.value.details
    world.control.clear_faults()
    world.control.add_fault(f"{ARM}{EXISTING}{ROLE_ASSIGNMENTS}", method="PUT", lie=True)
    with pytest.raises(HostError) as lied:
        host.create(host.check(declared()))
    assert "without the new object's id" in lied.value.details
    assert owner_assignments(world, EXISTING) == [] and catalog.OWNER
