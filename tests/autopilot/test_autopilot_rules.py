"""The Autopilot delegation rules, one test per sentence of the Partner Center article (allowed and refused),
plus the switches for the rules it marks "under consideration" and Microsoft's GDAP requirement."""

from __future__ import annotations

import itertools

import pytest

from autopilot.rules import (
    DEVICE_OPERATIONS,
    PROFILE_OPERATIONS,
    Delegation,
    Operation,
    Origin,
    Rule,
    Switches,
    decide,
)
from catalog import directory_role_id

DIRECTORY_READERS = directory_role_id("Directory Readers")
HELPDESK = directory_role_id("Helpdesk Administrator")

RESELLER_ONLY = Delegation(reseller=True)  # the customer removed delegated admin, kept the reseller relationship
WITH_DAP = Delegation(reseller=True, dap=True)
WITH_GDAP = Delegation(reseller=True, gdap_roles=frozenset({DIRECTORY_READERS}))
GDAP_WITHOUT_READERS = Delegation(reseller=True, gdap_roles=frozenset({HELPDESK}))
NO_RESELLER = Delegation(reseller=False, dap=True, gdap_roles=frozenset({DIRECTORY_READERS}))
SEED = Switches(require_gdap_for_device_management=False)  # the article's own world, before GDAP


@pytest.mark.parametrize("operation", sorted(PROFILE_OPERATIONS, key=str))
def test_profiles_may_be_managed_without_delegated_admin_if_the_reseller_relationship_is_kept(operation):
    decision = decide(operation, RESELLER_ONLY)
    assert decision.allowed and decision.rule is Rule.PROFILES_WITHOUT_DELEGATION


@pytest.mark.parametrize("operation", list(Operation))
def test_nothing_without_the_reseller_relationship(operation):
    decision = decide(operation, NO_RESELLER, Origin.THIS_PARTNER)
    assert not decision.allowed and decision.rule is Rule.RESELLER
    assert "reseller relationship" in str(decision)


@pytest.mark.parametrize(
    ("operation", "origin"),
    list(itertools.product(sorted(DEVICE_OPERATIONS, key=str), [Origin.THIS_PARTNER, Origin.OTHER_PARTNER])),
)
def test_devices_added_by_this_or_another_partner_may_be_managed(operation, origin):
    decision = decide(operation, RESELLER_ONLY, origin, SEED)
    assert decision.allowed and decision.rule is Rule.PARTNER_DEVICES
    assert origin.value in decision.reason


@pytest.mark.parametrize("operation", sorted(DEVICE_OPERATIONS, key=str))
@pytest.mark.parametrize("delegation", [RESELLER_ONLY, WITH_DAP, WITH_GDAP])
def test_devices_the_customer_added_may_never_be_managed(operation, delegation):
    for switches in (SEED, Switches()):
        decision = decide(operation, delegation, Origin.CUSTOMER, switches)
        assert not decision.allowed and decision.rule is Rule.CUSTOMER_DEVICES
        assert "Microsoft Store for Business" in decision.rule.value


def test_listing_and_registration_need_only_the_reseller_relationship():
    for operation, rule in ((Operation.LIST, Rule.READ), (Operation.UPLOAD, Rule.REGISTRATION)):
        decision = decide(operation, RESELLER_ONLY, switches=Switches(True, True, True))
        assert decision.allowed and decision.rule is rule


def test_switch_delegated_admin_for_profiles():
    switches = Switches(require_delegated_admin_for_profiles=True, require_gdap_for_device_management=False)
    for operation in PROFILE_OPERATIONS:
        refused = decide(operation, RESELLER_ONLY, switches=switches)
        assert not refused.allowed and refused.rule is Rule.DELEGATED_ADMIN_FOR_PROFILES
        assert decide(operation, WITH_DAP, switches=switches).allowed
        assert decide(operation, WITH_GDAP, switches=switches).allowed
    for operation in (Operation.PROFILE_ASSIGN, Operation.PROFILE_UNASSIGN):  # "on any device"
        for origin in (Origin.THIS_PARTNER, Origin.OTHER_PARTNER):
            refused = decide(operation, RESELLER_ONLY, origin, switches)
            assert not refused.allowed and refused.rule is Rule.DELEGATED_ADMIN_FOR_PROFILES
            assert decide(operation, WITH_DAP, origin, switches).allowed
    # Removing the partner's own device is not a profile operation: the switch leaves it alone.
    assert decide(Operation.DEVICE_REMOVE, RESELLER_ONLY, Origin.THIS_PARTNER, switches).allowed


def test_switch_delegated_admin_to_remove_devices_added_by_others():
    switches = Switches(require_delegated_admin_to_remove_others_devices=True, require_gdap_for_device_management=False)
    refused = decide(Operation.DEVICE_REMOVE, RESELLER_ONLY, Origin.OTHER_PARTNER, switches)
    assert not refused.allowed and refused.rule is Rule.DELEGATED_ADMIN_TO_REMOVE_OTHERS
    assert decide(Operation.DEVICE_REMOVE, RESELLER_ONLY, Origin.THIS_PARTNER, switches).allowed  # its own: yes
    assert decide(Operation.DEVICE_REMOVE, WITH_DAP, Origin.OTHER_PARTNER, switches).allowed
    assert decide(Operation.PROFILE_ASSIGN, RESELLER_ONLY, Origin.OTHER_PARTNER, switches).allowed  # only removal


def test_gdap_with_directory_readers_is_required_for_device_management_by_default():
    for operation in DEVICE_OPERATIONS:
        for delegation in (RESELLER_ONLY, WITH_DAP, GDAP_WITHOUT_READERS):
            refused = decide(operation, delegation, Origin.THIS_PARTNER)
            assert not refused.allowed and refused.rule is Rule.GDAP_FOR_DEVICES
            assert "Directory Readers" in refused.reason
        assert decide(operation, WITH_GDAP, Origin.THIS_PARTNER).allowed
        global_reader = Delegation(reseller=True, gdap_roles=frozenset({directory_role_id("Global Reader")}))
        assert decide(operation, global_reader, Origin.OTHER_PARTNER).allowed
    # Profiles themselves are not device management.
    assert decide(Operation.PROFILE_CREATE, RESELLER_ONLY).allowed


def test_an_operation_on_a_device_needs_its_origin():
    with pytest.raises(ValueError, match="origin"):
        decide(Operation.DEVICE_REMOVE, WITH_GDAP)


def test_every_decision_reads_as_a_sentence():
    decision = decide(Operation.DEVICE_REMOVE, WITH_GDAP, Origin.CUSTOMER)
    assert str(decision).startswith("remove a device: refused. ")
    assert "Rule: A partner may not manage devices the customer added" in str(decision)
