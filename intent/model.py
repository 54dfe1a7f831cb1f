"""What should exist for a partner and each of its customers: frozen data, every decision already taken.

Roles are GUIDs, defaults are applied, names, scopes and hosts are chosen. The stack program turns this
into resources; audit, drift, the policy context, the demo, import and the fleet commands read the same
objects, so "what should this customer have" has one answer. Plain dataclasses (no pydantic, no Pulumi):
the policy pack's and the runbook's environments can hold them too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Lifecycle(StrEnum):
    """Where a customer stands with the partner; decides whether its delegated access should exist."""

    ACTIVE = "active"
    """Onboarded or being onboarded: everything declared should exist."""
    OFFBOARDED = "offboarded"
    """The partner's access was removed on purpose: nothing should exist, and a grant that reappears is drift."""


@dataclass(frozen=True)
class RoleGrant:
    """An Azure RBAC role for one of the partner's groups (resolved to its object id where the config knows it)."""

    role_id: str
    """Role definition GUID (lowercase)."""
    group: str
    """The partner group key (adminAgents, helpdeskAgents, ...)."""


@dataclass(frozen=True)
class ManagedGroup:
    """A partner security group this stack creates or adopts, and its members."""

    key: str
    display_name: str
    create: bool
    """True: this stack creates the group (protected); False: it adopts an existing one."""
    object_id: str | None
    description: str | None
    members: tuple[str, ...]
    """Object ids or user principal names."""


@dataclass(frozen=True)
class AutopilotSwitches:
    """The partner's reading of the Autopilot rules Microsoft had not settled (see autopilot/rules.py)."""

    require_delegated_admin_for_profiles: bool
    require_delegated_admin_to_remove_others_devices: bool
    require_gdap_for_device_management: bool


@dataclass(frozen=True)
class PartnerIntent:
    tenant_id: str
    partner_id: str
    display_name: str
    managed_groups: tuple[ManagedGroup, ...] | None
    """Groups this stack declares (a partner stack); None when they come from elsewhere."""
    groups_stack: str | None
    """The stack whose ``agentGroupIds`` output holds the group ids (a customer stack at scale)."""
    group_ids: dict[str, str]
    """Group key -> object id (lowercase) for every group whose id the config states."""
    unresolved_groups: tuple[str, ...]
    """Group keys whose object id is only known once deployed (created here, adopted by name, another stack)."""
    autopilot: AutopilotSwitches
    billing_account: str | None

    def group_id(self, key: str) -> str | None:
        return self.group_ids.get(key)


@dataclass(frozen=True)
class AccessIntent:
    """One GDAP access assignment: a partner group and the relationship roles it gets."""

    group: str
    role_ids: tuple[str, ...]
    """Sorted role template GUIDs."""
    adopt_id: str | None = None
    """An existing assignment this one is (``dapctl import``): adopted by id, never created again."""


@dataclass(frozen=True)
class GdapIntent:
    display_name: str
    """The base display name (a successor relationship is ``<base>-2``...: catalog/gdap_naming.py)."""
    role_ids: tuple[str, ...]
    """Sorted role template GUIDs."""
    duration: str
    """ISO 8601 days, as Graph takes it (``P730D``)."""
    auto_extend_duration: str
    """Graph's ``autoExtendDuration``: ``P180D`` or ``PT0S`` (never)."""
    protect: bool
    allow_global_administrator: bool
    access: tuple[AccessIntent, ...]
    adopt_id: str | None = None
    """An existing relationship this one is (``dapctl import``): adopted by id, never created again."""


@dataclass(frozen=True)
class NewSubscriptionIntent:
    alias: str
    display_name: str
    billing_scope: str
    """The Microsoft Partner Agreement billing scope the subscription is created under."""
    workload: str
    reseller_id: str | None
    grant: RoleGrant
    """Owner for AdminAgents, the CSP grant."""


@dataclass(frozen=True)
class ExistingSubscriptionIntent:
    subscription_id: str
    """Lowercase."""
    display_name: str | None
    grant: RoleGrant
    adopt_grant: str | None = None
    """Name (GUID) of the existing role assignment that is this grant: adopted, never created again."""
    adopt_lighthouse: tuple[str, str] | None = None
    """(registration definition GUID, registration assignment GUID) of the existing Lighthouse delegation."""

    @property
    def scope(self) -> str:
        return f"/subscriptions/{self.subscription_id}"


@dataclass(frozen=True)
class LighthouseIntent:
    group: str
    role_ids: tuple[str, ...]
    """The roles of an offer this stack makes: the config's, and the Managed Services Registration assignment Delete
    Role (Microsoft recommends it: without it only the customer can remove the delegation)."""
    offer_name: str
    managed_by_tenant_id: str
    declared_role_ids: tuple[str, ...] = ()
    """The config's roles as written, in order: what an adopted offer (``dapctl import``) is declared with, so that
    adopting it changes nothing in the customer's tenant."""


@dataclass(frozen=True)
class RunbookIntent:
    host: str
    """The subscription key (a new subscription's alias or an existing one's id) holding the Automation account."""
    resource_group: str
    location: str


@dataclass(frozen=True)
class AutopilotProfileIntent:
    name: str
    settings: tuple[str, ...]
    description: str | None


@dataclass(frozen=True)
class CustomerIntent:
    name: str
    display_name: str
    tenant_id: str
    default_domain: str
    lifecycle: Lifecycle
    delegation: str
    """``gdap`` or ``dap``."""
    legacy_dap: bool
    gdap: GdapIntent | None
    """None for a dap customer."""
    new_subscriptions: tuple[NewSubscriptionIntent, ...] = ()
    existing_subscriptions: tuple[ExistingSubscriptionIntent, ...] = ()
    lighthouse: LighthouseIntent | None = None
    runbook: RunbookIntent | None = None
    autopilot_profiles: tuple[AutopilotProfileIntent, ...] = ()
    declared: bool = True
    """False for a tenant no stack declares (``--tenant``): nothing is expected there, nothing is restored."""

    @property
    def expects_access(self) -> bool:
        """Whether the partner should hold anything in this tenant (False once offboarded, or undeclared)."""
        return self.declared and self.lifecycle is Lifecycle.ACTIVE

    @property
    def expects_dap(self) -> bool:
        """DAP should be there: a dap customer, or one moving to GDAP that still has it (legacyDap)."""
        return self.expects_access and (self.delegation == "dap" or self.legacy_dap)

    @property
    def has_subscriptions(self) -> bool:
        return bool(self.new_subscriptions or self.existing_subscriptions)


@dataclass(frozen=True)
class StackIntent:
    partner: PartnerIntent
    customers: tuple[CustomerIntent, ...] = field(default_factory=tuple)

    def customer(self, name: str) -> CustomerIntent:
        """The named customer; a ConfigError listing the known names otherwise."""
        from config.errors import customer_named

        return customer_named(self.customers, name)

    @property
    def active_customers(self) -> tuple[CustomerIntent, ...]:
        return tuple(c for c in self.customers if c.expects_access)
