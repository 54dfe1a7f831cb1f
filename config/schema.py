"""The typed stack configuration: one schema for what a stack declares, checked before anything is declared.

Pulumi reads it from the stack's config (namespace ``csp-delegation``) when it runs the program;
dapctl reads the same keys straight from ``Pulumi.<stack>.yaml``. Both go through :func:`parse_config`,
so a mistake is caught the same way everywhere: every problem is listed with its field path
(``customers[2].gdap.roles[0]``) and the fix, and no resource is declared.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel

import catalog
from autopilot.profiles import ProfileSetting

from .errors import ConfigError, customer_named, problems_from_validation_error, shown
from .names import ADMIN_AGENTS, GDAP_DISPLAY_NAME_MAX
from .namespace import NAMESPACE as NAMESPACE  # the stack config's namespace, where the schema's keys live
from .rules import semantic_problems

GDAP_MAX_DAYS = 730

_SLUG_RE = re.compile(r"^[a-z][a-z0-9-]{0,38}[a-z0-9]$")
_GROUP_KEY_RE = re.compile(r"^[a-z][A-Za-z0-9]{0,39}$")
_DOMAIN_RE = re.compile(r"^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_UPN_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_ALIAS_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")
_DURATION_RE = re.compile(r"^P([0-9]{1,6})([DWY])\Z")  # [0-9]: \d also matches non-ASCII digits
_STACK_REF_RE = re.compile(r"^[A-Za-z0-9_.-]{1,100}(/[A-Za-z0-9_.-]{1,100}){0,2}\Z")
_BILLING_ACCOUNT_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9:_.-]{0,199}\Z")
_RESELLER_ID_RE = re.compile(r"^[A-Za-z0-9-]{1,64}\Z")
_GRAPH_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,99}\Z")
NIL_GUID = "00000000-0000-0000-0000-000000000000"
DESCRIPTION_MAX = 1024
"""Entra ID's limit on a group's description."""
# Bidirectional-text controls (Trojan Source): invisible, they make a name read differently than it is.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f")


def _not_nil(value: str) -> str:
    if value == NIL_GUID:
        raise ValueError(f"{NIL_GUID} is the nil GUID, a placeholder: put the real id here")
    return value


def _guid(value: str) -> str:
    if not catalog.is_guid(value):
        raise ValueError(
            f"{shown(value)} is not a GUID: write it as xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx "
            "(copy it from the Entra admin center or Partner Center)"
        )
    return _not_nil(value.lower())


def _tenant_id(value: str) -> str:
    if not catalog.is_guid(value):
        raise ValueError(
            f"{shown(value)} is not a tenant id: a tenant id is a GUID "
            "(Entra admin center > Overview > Tenant ID), not a domain name"
        )
    return _not_nil(value.lower())


def _display_text(value: str) -> str:
    """Names people read (display names, descriptions): no control or bidirectional-override characters."""
    for i, char in enumerate(value):
        if unicodedata.category(char) == "Cc" or char in _BIDI_CONTROLS:
            raise ValueError(
                f"control character U+{ord(char):04X} at position {i}: names are shown in portals, "
                "reports and emails; remove it"
            )
    return value


def _billing_account(value: str) -> str:
    if not _BILLING_ACCOUNT_RE.match(value) or ".." in value:
        raise ValueError(
            f"{shown(value)} is not a billing account name: copy the Microsoft Partner Agreement's "
            "billing account name (Cost Management > Billing scopes), e.g. <guid>:<guid>_2019-05-31"
        )
    return value


def _reseller_id(value: str) -> str:
    if not _RESELLER_ID_RE.match(value):
        raise ValueError(f"{shown(value)} is not a reseller id: the indirect reseller's Partner Center id")
    return value


def _graph_id(value: str) -> str:
    """A Graph object id as Graph answers it (GDAP relationship ids are two GUIDs joined by a hyphen)."""
    if not _GRAPH_ID_RE.match(value):
        raise ValueError(f"{shown(value)} is not a Graph id: copy it from `dapctl gdap status --all` or Graph")
    return value.lower()


def _slug(value: str) -> str:
    if not _SLUG_RE.match(value):
        raise ValueError(
            f"{shown(value)} is not a valid name: use 2-40 lowercase letters, digits and dashes, "
            "starting with a letter (it names Pulumi resources)"
        )
    return value


def _domain(value: str) -> str:
    if not _DOMAIN_RE.match(value.lower()):
        raise ValueError(f"{shown(value)} is not a domain name: use e.g. contoso.onmicrosoft.com")
    return value.lower()


def _member(value: str) -> str:
    if catalog.is_guid(value):
        return _not_nil(value.lower())
    if _UPN_RE.match(value) and len(value) <= 113:  # Entra: UPNs are at most 113 characters
        return value
    raise ValueError(f"{shown(value)} is neither a user principal name (name@domain) nor an object id (GUID)")


def _directory_role(value: str) -> str:
    catalog.directory_role_id(value)  # raises with the fix
    return value


def _azure_role(value: str) -> str:
    catalog.azure_role_id(value)
    return value


def _duration(value: str) -> str:
    match = _DURATION_RE.match(value)
    if match is None:
        raise ValueError(f"{shown(value)} is not an ISO 8601 duration of days, weeks or years: use e.g. P730D")
    if not 1 <= duration_days(value) <= GDAP_MAX_DAYS:
        raise ValueError(f"{shown(value)} is outside P1D..P{GDAP_MAX_DAYS}D: GDAP allows 1 day to 2 years")
    return value


def duration_days(value: str) -> int:
    """Days in a PnD / PnW / PnY duration (a year counts 365 days, as Graph does for P1Y..P2Y)."""
    match = _DURATION_RE.match(value)
    if match is None:
        raise ValueError(shown(value))
    number, unit = int(match.group(1)), match.group(2)
    return number * {"D": 1, "W": 7, "Y": 365}[unit]


def _alias(value: str) -> str:
    if not _ALIAS_RE.match(value):
        raise ValueError(f"{shown(value)} is not a valid subscription alias: 1-63 letters, digits, '-', '_', '.'")
    return value


def _group_key(value: str) -> str:
    if not _GROUP_KEY_RE.match(value):
        raise ValueError(f"{shown(value)} is not a group key: use camelCase letters and digits, e.g. tier2Support")
    return value


def _stack_ref(value: str) -> str:
    if not _STACK_REF_RE.match(value) or any(part in (".", "..") for part in value.split("/")):
        raise ValueError(f"{shown(value)} is not a stack name: use org/project/stack (or project/stack)")
    return value


Guid = Annotated[str, AfterValidator(_guid)]
TenantId = Annotated[str, AfterValidator(_tenant_id)]
Slug = Annotated[str, AfterValidator(_slug)]
Domain = Annotated[str, AfterValidator(_domain)]
Member = Annotated[str, AfterValidator(_member)]
DirectoryRole = Annotated[str, AfterValidator(_directory_role)]
AzureRole = Annotated[str, AfterValidator(_azure_role)]
GdapDuration = Annotated[str, AfterValidator(_duration)]
Alias = Annotated[str, AfterValidator(_alias)]
GroupKey = Annotated[str, AfterValidator(_group_key)]
StackRef = Annotated[str, AfterValidator(_stack_ref)]
DisplayName = Annotated[str, Field(min_length=1, max_length=256), AfterValidator(_display_text)]
Description = Annotated[str, Field(max_length=DESCRIPTION_MAX), AfterValidator(_display_text)]
BillingAccount = Annotated[str, AfterValidator(_billing_account)]
ResellerId = Annotated[str, AfterValidator(_reseller_id)]
GraphId = Annotated[str, AfterValidator(_graph_id)]


class _Model(BaseModel):
    """camelCase keys as in Pulumi YAML, unknown keys rejected, values immutable once checked."""

    model_config = ConfigDict(
        extra="forbid",
        alias_generator=to_camel,
        populate_by_name=True,
        frozen=True,
        str_strip_whitespace=True,
    )


class GroupSpec(_Model):
    """A partner security group: created by this stack, or adopted (Partner Center made AdminAgents already)."""

    display_name: DisplayName
    mode: Literal["adopt", "create"] = "adopt"
    object_id: Guid | None = None
    description: Description | None = None
    members: list[Member] = Field(default_factory=list, max_length=10_000)


class GroupsFrom(_Model):
    """Where a customer-only stack finds the partner's group object ids: another stack, or config."""

    stack: StackRef | None = None
    object_ids: dict[GroupKey, Guid] | None = None


class AutopilotRules(_Model):
    """The partner's reading of the Autopilot rules that Microsoft had not settled (see autopilot/rules.py)."""

    require_delegated_admin_for_profiles: bool = False
    require_delegated_admin_to_remove_others_devices: bool = False
    require_gdap_for_device_management: bool = True


class Partner(_Model):
    tenant_id: TenantId
    partner_id: Guid
    display_name: DisplayName
    billing_account: BillingAccount | None = None
    groups: dict[GroupKey, GroupSpec] | None = None
    groups_from: GroupsFrom | None = None
    autopilot: AutopilotRules = AutopilotRules()


class Access(_Model):
    """One GDAP access assignment: a partner group and the relationship roles it gets."""

    group: GroupKey
    roles: list[DirectoryRole] = Field(min_length=1)
    adopt_assignment_id: GraphId | None = None
    """Id of the existing access assignment this entry describes (written by ``dapctl import``): adopted, not
    created again. Only with ``gdap.adoptRelationshipId`` (an assignment belongs to one relationship)."""


class Gdap(_Model):
    display_name: (
        Annotated[str, Field(min_length=1, max_length=GDAP_DISPLAY_NAME_MAX), AfterValidator(_display_text)] | None
    ) = None
    duration: GdapDuration = "P730D"
    auto_extend: bool = False
    allow_global_administrator: bool = False
    protect: bool = True
    """Protect the relationship from deletion: a role change replaces it and needs the customer's approval."""
    roles: list[DirectoryRole] = Field(default_factory=catalog.gdap_default_roles, min_length=1)
    access: list[Access] | None = None
    adopt_relationship_id: GraphId | None = None
    """Id of the existing relationship this entry describes (written by ``dapctl import``): adopted, not created
    again. Its displayName, roles, duration and autoExtend are written as Graph shows them, so adopting changes
    nothing; a role change still needs a new relationship and the customer's approval."""

    def defaults_in_use(self) -> bool:
        """True when the config named no roles, so the catalog's least-privilege sets apply."""
        return "roles" not in self.model_fields_set


class NewSubscription(_Model):
    """A new Azure subscription the partner provisions on its Microsoft Partner Agreement."""

    alias: Alias
    display_name: DisplayName
    billing_account: BillingAccount | None = None
    billing_customer_id: Guid | None = None
    workload: Literal["Production", "DevTest"] = "Production"
    reseller_id: ResellerId | None = None


class ExistingSubscription(_Model):
    """A subscription that already exists: the stack only grants the partner group its role."""

    subscription_id: Guid
    display_name: DisplayName | None = None
    role: AzureRole = "Owner"
    group: GroupKey = ADMIN_AGENTS
    adopt_role_assignment: Guid | None = None
    """Name (GUID) of the existing role assignment that grants ``group`` ``role`` on this subscription (written by
    ``dapctl import``): adopted, not created again. Its ARM id is
    ``/subscriptions/{subscriptionId}/providers/Microsoft.Authorization/roleAssignments/{this}``."""
    adopt_lighthouse: AdoptedLighthouse | None = None
    """The existing Lighthouse delegation of this subscription (written by ``dapctl import``; needs
    ``lighthouse.enabled``): adopted, not created again."""


class AdoptedLighthouse(_Model):
    """An existing Lighthouse delegation of one subscription: its registration definition and assignment."""

    registration_definition_id: Guid
    """GUID of the registration definition (``.../registrationDefinitions/{this}``)."""
    registration_assignment_id: Guid
    """GUID of the registration assignment (``.../registrationAssignments/{this}``)."""


ExistingSubscription.model_rebuild()


def _lighthouse_shorthand(value: Any) -> Any:
    return {"enabled": value} if isinstance(value, bool) else value


class Lighthouse(_Model):
    """Azure Lighthouse delegation of the customer's subscriptions to a partner group."""

    enabled: bool = False
    group: GroupKey = ADMIN_AGENTS
    roles: list[AzureRole] = Field(default_factory=lambda: ["Contributor"], min_length=1)


class RevocationRunbook(_Model):
    """Where the customer's revocation runbook (Automation account) is deployed in its tenant."""

    enabled: bool = False
    subscription: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    """Alias of a new subscription or id of an existing one; default: the customer's first subscription."""
    resource_group: Annotated[str, Field(pattern=r"^[-\w\._\(\)]{1,90}$")] = "csp-partner-revocation"
    location: Annotated[str, Field(pattern=r"^[a-z0-9]{2,40}$")] = "westeurope"


class AutopilotProfile(_Model):
    """An Autopilot profile kept in Partner Center for the customer (adopted if one has this name)."""

    name: Annotated[str, Field(min_length=1, max_length=256)]
    description: Annotated[str, Field(max_length=1024)] | None = None
    settings: list[ProfileSetting] = Field(default_factory=list)


def _unique_profile_names(profiles: list[AutopilotProfile]) -> list[AutopilotProfile]:
    seen: set[str] = set()
    for profile in profiles:
        if profile.name.casefold() in seen:
            raise ValueError(f"profile {profile.name!r} is declared twice: Partner Center tells profiles apart by name")
        seen.add(profile.name.casefold())
    return profiles


class CustomerAutopilot(_Model):
    profiles: Annotated[list[AutopilotProfile], AfterValidator(_unique_profile_names)] = Field(default_factory=list)


class Customer(_Model):
    name: Slug
    display_name: DisplayName
    tenant_id: TenantId
    default_domain: Domain
    delegation: Literal["gdap", "dap"]
    gdap: Gdap | None = None
    subscriptions: list[NewSubscription] = Field(default_factory=list)
    existing_subscriptions: list[ExistingSubscription] = Field(default_factory=list)
    lighthouse: Annotated[Lighthouse, BeforeValidator(_lighthouse_shorthand)] = Lighthouse()
    revocation_runbook: RevocationRunbook = RevocationRunbook()
    autopilot: CustomerAutopilot = CustomerAutopilot()
    legacy_dap: bool = False
    """DAP is still in place on this customer (moving to GDAP): it is removed only once GDAP is active."""
    lifecycle: Literal["active", "offboarded"] = "active"
    """``offboarded``: the partner's access was removed on purpose (dapctl revoke / offboard); the stack declares
    nothing for this customer and drift reports any grant that reappears, never advising to restore one."""

    @property
    def gdap_settings(self) -> Gdap:
        """The GDAP settings in force: the configured ones, or the least-privilege defaults."""
        return self.gdap or Gdap()

    def gdap_display_name(self) -> str:
        return self.gdap_settings.display_name or f"{self.name}-gdap"[:GDAP_DISPLAY_NAME_MAX]

    def gdap_access(self) -> list[Access]:
        """The access assignments in force: configured, or each default group given its default roles."""
        settings = self.gdap_settings
        if settings.access is not None:
            return list(settings.access)
        if settings.defaults_in_use():
            return [Access(group=g, roles=r) for g, r in catalog.gdap_default_access().items()]
        return [Access(group=ADMIN_AGENTS, roles=list(settings.roles))]


class StackConfig(_Model):
    partner: Partner
    customers: list[Customer] = Field(default_factory=list)

    @property
    def manages_groups(self) -> bool:
        return self.partner.groups is not None

    def group_keys(self) -> set[str] | None:
        """Group keys this stack can resolve at plan time (None when they come from another stack)."""
        if self.partner.groups is not None:
            return set(self.partner.groups)
        if self.partner.groups_from is not None and self.partner.groups_from.object_ids is not None:
            return set(self.partner.groups_from.object_ids)
        return None

    def customer(self, name: str) -> Customer:
        return customer_named(self.customers, name)


def parse_config(raw: dict[str, Any]) -> StackConfig:
    """Validate a stack's config (keys without the namespace) or raise ConfigError listing every problem."""
    try:
        cfg = StackConfig.model_validate(raw)
    except ValidationError as err:
        raise ConfigError(problems_from_validation_error(err, StackConfig)) from None
    problems = semantic_problems(cfg)
    if problems:
        raise ConfigError(problems)
    return cfg
