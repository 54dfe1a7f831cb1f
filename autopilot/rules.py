"""Which Autopilot operations a CSP partner may perform for a customer, and why.

One pure function, ``decide``, answers for every command and component before any Partner Center call. The
rules come from the Partner Center article "Customers delegate administration privileges to partners"
(section Windows Autopilot), each kept as the sentence it is, so a refusal can quote the rule that refused:

- ``RESELLER``: without a reseller relationship the customer is not the partner's CSP customer: nothing.
- ``PROFILES_WITHOUT_DELEGATION``: a partner may manage Autopilot profiles without delegated admin
  privileges if the customer removed them but kept the reseller relationship.
- ``PARTNER_DEVICES``: a partner may manage customer devices that it or another partner added.
- ``CUSTOMER_DEVICES``: a partner may not manage devices the customer added through Microsoft Store for
  Business / Education or the Intune portal.

Two rules the article marks "under consideration" are switches, off by default, named after what they do:

- ``require_delegated_admin_for_profiles``: delegated admin required to add, update or remove profiles and
  to apply or remove a profile on any device;
- ``require_delegated_admin_to_remove_others_devices``: delegated admin required to remove devices added by
  others; without it, only the partner's own devices.

And Microsoft's current requirement for device management through Partner Center, a GDAP relationship in
which Directory Readers is the least-privileged role that suffices, is the switch
``require_gdap_for_device_management`` (on by default: the stricter reading wins until it is confirmed
otherwise). It covers applying or removing a profile on a device and removing a device; registering
devices needs only the reseller relationship (Microsoft's Autopilot docs, "Reseller, distributor, or
partner registration": Windows Autopilot doesn't require delegated administrator permissions).

"Delegated admin" means legacy DAP or an active GDAP relationship: either is the customer's grant of
administrative rights to the partner.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from catalog import directory_role_id

#: The GDAP roles Partner Center requires at least one of for Autopilot device management ("Required GDAP roles",
#: learn.microsoft.com/partner-center/customers/autopilot): Intune Administrator, Cloud Device Administrator,
#: Windows 365 Administrator, Directory Readers, Global Reader, User Administrator, Privileged Role Administrator,
#: Directory Writers; and Global Administrator, which holds every permission of each of them.
DEVICE_MANAGEMENT_ROLES = frozenset(
    directory_role_id(name)
    for name in (
        "Intune Administrator",
        "Cloud Device Administrator",
        "11451d60-acb2-45eb-a7d6-43d0f0125c13",  # Windows 365 Administrator (not in catalog/roles.json)
        "Directory Readers",
        "Global Reader",
        "User Administrator",
        "Privileged Role Administrator",
        "9360feb5-f418-4baa-8175-e2a00bac4301",  # Directory Writers (not in catalog/roles.json)
        "Global Administrator",
    )
)


class Operation(StrEnum):
    """What the partner wants to do."""

    LIST = "list devices and profiles"
    UPLOAD = "register devices"
    PROFILE_CREATE = "add a profile"
    PROFILE_UPDATE = "update a profile"
    PROFILE_DELETE = "remove a profile"
    PROFILE_ASSIGN = "apply a profile to a device"
    PROFILE_UNASSIGN = "remove a profile from a device"
    DEVICE_REMOVE = "remove a device"


class Origin(StrEnum):
    """Who added a device to the customer's Autopilot registrations."""

    THIS_PARTNER = "this partner"
    OTHER_PARTNER = "another partner"
    CUSTOMER = "the customer (Microsoft Store for Business / Education or Intune)"


PROFILE_OPERATIONS = frozenset({Operation.PROFILE_CREATE, Operation.PROFILE_UPDATE, Operation.PROFILE_DELETE})
DEVICE_PROFILE_OPERATIONS = frozenset({Operation.PROFILE_ASSIGN, Operation.PROFILE_UNASSIGN})
DEVICE_OPERATIONS = DEVICE_PROFILE_OPERATIONS | {Operation.DEVICE_REMOVE}


class Rule(StrEnum):
    """Each rule as its sentence: what a decision quotes."""

    RESELLER = "Without a reseller relationship the customer is not the partner's CSP customer."
    PROFILES_WITHOUT_DELEGATION = (
        "A partner may manage Autopilot profiles without delegated admin privileges if the customer removed "
        "them but kept the reseller relationship."
    )
    PARTNER_DEVICES = "A partner may manage customer devices that it or another partner added."
    CUSTOMER_DEVICES = (
        "A partner may not manage devices the customer added through Microsoft Store for Business / Education "
        "or the Intune portal."
    )
    REGISTRATION = "Registering devices needs the reseller relationship, not delegated admin privileges."
    READ = "A partner may list the Autopilot devices and profiles of its CSP customers."
    DELEGATED_ADMIN_FOR_PROFILES = (
        "Switch require_delegated_admin_for_profiles: delegated admin is required to add, update or remove "
        "profiles and to apply or remove a profile on any device."
    )
    DELEGATED_ADMIN_TO_REMOVE_OTHERS = (
        "Switch require_delegated_admin_to_remove_others_devices: delegated admin is required to remove devices "
        "added by others; without it, only the partner's own devices."
    )
    GDAP_FOR_DEVICES = (
        "Switch require_gdap_for_device_management: managing devices needs an active GDAP relationship with one "
        "of the roles Partner Center names for Autopilot (Directory Readers is the least privileged)."
    )


@dataclass(frozen=True)
class Switches:
    """The partner's choice of the rules that are not settled; the defaults are the safe reading."""

    require_delegated_admin_for_profiles: bool = False
    require_delegated_admin_to_remove_others_devices: bool = False
    require_gdap_for_device_management: bool = True


@dataclass(frozen=True)
class Delegation:
    """What the customer has granted the partner, as read from Partner Center and Graph."""

    reseller: bool
    dap: bool = False
    #: Role definition ids of the customer's active (or expiring) GDAP relationships with the partner.
    gdap_roles: frozenset[str] = field(default_factory=frozenset)

    @property
    def delegated_admin(self) -> bool:
        return self.dap or bool(self.gdap_roles)

    @property
    def gdap_for_devices(self) -> bool:
        return bool(self.gdap_roles & DEVICE_MANAGEMENT_ROLES)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    operation: Operation
    rule: Rule
    #: Plain words for the report: what was decided and what would change it.
    reason: str

    def __str__(self) -> str:
        verdict = "allowed" if self.allowed else "refused"
        return f"{self.operation.value}: {verdict}. {self.reason} (Rule: {self.rule.value})"


def decide(
    operation: Operation,
    delegation: Delegation,
    origin: Origin | None = None,
    switches: Switches = Switches(),
) -> Decision:
    """Whether ``operation`` is allowed for a customer with this ``delegation`` (and, for an operation on one
    device, the device's ``origin``), and which rule decided."""

    def yes(rule: Rule, reason: str) -> Decision:
        return Decision(True, operation, rule, reason)

    def no(rule: Rule, reason: str) -> Decision:
        return Decision(False, operation, rule, reason)

    if not delegation.reseller:
        return no(Rule.RESELLER, "Ask the customer to accept a reseller relationship first.")
    if operation is Operation.LIST:
        return yes(Rule.READ, "Listing changes nothing.")
    if operation is Operation.UPLOAD:
        return yes(Rule.REGISTRATION, "The customer's reseller relationship is in place.")

    if operation in PROFILE_OPERATIONS:
        if switches.require_delegated_admin_for_profiles and not delegation.delegated_admin:
            return no(Rule.DELEGATED_ADMIN_FOR_PROFILES, "The customer has not granted delegated admin (DAP or GDAP).")
        return yes(Rule.PROFILES_WITHOUT_DELEGATION, "The reseller relationship is in place.")

    # An operation on one device.
    if origin is None:
        raise ValueError(f"{operation.value} is about one device: its origin is needed")
    if origin is Origin.CUSTOMER:
        return no(Rule.CUSTOMER_DEVICES, "The customer manages this device itself, in Intune.")
    if switches.require_gdap_for_device_management and not delegation.gdap_for_devices:
        return no(
            Rule.GDAP_FOR_DEVICES,
            "No active GDAP relationship with Directory Readers: add the role to the customer's relationship "
            "(or approve a new one) first.",
        )
    if (
        operation in DEVICE_PROFILE_OPERATIONS
        and switches.require_delegated_admin_for_profiles
        and not delegation.delegated_admin
    ):
        return no(Rule.DELEGATED_ADMIN_FOR_PROFILES, "The customer has not granted delegated admin (DAP or GDAP).")
    if (
        operation is Operation.DEVICE_REMOVE
        and origin is Origin.OTHER_PARTNER
        and switches.require_delegated_admin_to_remove_others_devices
        and not delegation.delegated_admin
    ):
        return no(
            Rule.DELEGATED_ADMIN_TO_REMOVE_OTHERS,
            "Another partner added this device and the customer has not granted delegated admin.",
        )
    return yes(Rule.PARTNER_DEVICES, f"The device was added by {origin.value}.")
