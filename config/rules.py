"""The config's semantic rules: what is well typed yet wrong, one small function per rule.

The schema (config/schema.py) checks each field alone; these rules check what spans fields: duplicates
across customers, references between sections (groups, subscriptions), and Microsoft's rules on GDAP and
Lighthouse. Each rule yields ``ConfigProblem``s with the field path and the fix. :func:`semantic_problems`
runs the partner's rules, then every customer's rules in turn, so the problems read in the file's order.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import catalog

from .errors import ConfigProblem, shown
from .names import ADMIN_AGENTS, GDAP_DISPLAY_NAME_MAX, HELPDESK_AGENTS

if TYPE_CHECKING:
    from .schema import Access, Customer, Partner, StackConfig

Problems = Iterator[ConfigProblem]


class FirstSeen:
    """Where each value was first seen, so a repeat can name the first occurrence."""

    def __init__(self) -> None:
        self._first: dict[Hashable, object] = {}

    def again(self, value: Hashable, where: object) -> object | None:
        """The first place of ``value`` when it was seen before (None the first time); ``where`` is remembered."""
        first = self._first.get(value)
        self._first.setdefault(value, where)
        return first


# --- the partner -------------------------------------------------------------------------------------------


def groups_declared_once(cfg: StackConfig) -> Problems:
    """The partner's groups come from exactly one place: partner.groups or partner.groupsFrom."""
    partner = cfg.partner
    if partner.groups is not None and partner.groups_from is not None:
        yield ConfigProblem("partner.groupsFrom", "set either partner.groups or partner.groupsFrom, not both")
    if partner.groups is None and partner.groups_from is None:
        if cfg.customers:
            yield ConfigProblem(
                "partner.groups",
                "customers need the partner's groups: declare partner.groups (this stack manages them) "
                "or partner.groupsFrom (stack: <partner stack> or objectIds: {adminAgents: <guid>, ...})",
            )
        else:
            yield ConfigProblem("partner", "nothing to declare: add partner.groups, customers, or both")


def groups_from_names_one_source(partner: Partner) -> Problems:
    source = partner.groups_from
    if source is not None and (source.stack is None) == (source.object_ids is None):
        yield ConfigProblem("partner.groupsFrom", "set exactly one of stack or objectIds")


def groups_from_ids_differ(partner: Partner) -> Problems:
    if partner.groups_from is None:
        return
    seen = FirstSeen()
    for key, object_id in (partner.groups_from.object_ids or {}).items():
        if (first := seen.again(object_id, key)) is not None:
            yield ConfigProblem(
                f"partner.groupsFrom.objectIds.{key}",
                f"the same object id as {first}: each partner group has its own id",
            )


def agent_groups_declared(partner: Partner) -> Problems:
    """A stack that manages the groups declares both of Partner Center's agent groups."""
    declared = partner.groups
    for key in (ADMIN_AGENTS, HELPDESK_AGENTS):
        if declared is not None and key not in declared:
            yield ConfigProblem(
                f"partner.groups.{key}",
                f"required: declare {key} (mode: adopt, as Partner Center created it) or mode: create",
            )


def one_key_per_adopted_group(partner: Partner) -> Problems:
    seen = FirstSeen()
    for key, spec in (partner.groups or {}).items():
        if spec.object_id is not None and (first := seen.again(spec.object_id, key)) is not None:
            yield ConfigProblem(
                f"partner.groups.{key}.objectId",
                f"partner.groups.{first} adopts the same group: one key per group (merge their members)",
            )


def members_listed_once(partner: Partner) -> Problems:
    for key, spec in (partner.groups or {}).items():
        seen = FirstSeen()
        for m, member in enumerate(spec.members):
            if (first := seen.again(member.casefold(), m)) is not None:
                yield ConfigProblem(
                    f"partner.groups.{key}.members[{m}]",
                    f"{shown(member)} is listed twice (also members[{first}]): remove one",
                )


def created_groups_have_no_object_id(partner: Partner) -> Problems:
    for key, spec in (partner.groups or {}).items():
        if spec.mode == "create" and spec.object_id is not None:
            yield ConfigProblem(
                f"partner.groups.{key}.objectId",
                "objectId is for adopting an existing group: remove it or set mode: adopt",
            )


PARTNER_RULES: tuple[Callable[[Partner], Problems], ...] = (
    groups_from_names_one_source,
    groups_from_ids_differ,
    agent_groups_declared,
    one_key_per_adopted_group,
    members_listed_once,
    created_groups_have_no_object_id,
)


# --- each customer -----------------------------------------------------------------------------------------


@dataclass
class Stack:
    """What a customer's rules see besides the customer: the partner, the group keys this stack can resolve,
    and the values that must be unique across customers (each with where it was first seen)."""

    partner: Partner
    known_groups: set[str] | None
    names: FirstSeen = field(default_factory=FirstSeen)
    tenants: FirstSeen = field(default_factory=FirstSeen)
    domains: FirstSeen = field(default_factory=FirstSeen)
    gdap_names: FirstSeen = field(default_factory=FirstSeen)
    aliases: FirstSeen = field(default_factory=FirstSeen)
    subscriptions: FirstSeen = field(default_factory=FirstSeen)


@dataclass(frozen=True)
class At:
    """A customer and its place in the config (``customers[2]``)."""

    customer: Customer
    index: int

    @property
    def path(self) -> str:
        return f"customers[{self.index}]"


def known_group(key: str, path: str, known_groups: set[str] | None) -> Problems:
    """``key`` names one of the partner's groups (unless they come from another stack, unknown until then)."""
    if known_groups is not None and key not in known_groups:
        yield ConfigProblem(
            path,
            f"unknown partner group {key!r}: use one of {', '.join(sorted(known_groups))} "
            "or declare it under partner.groups",
        )


def unique_name(at: At, stack: Stack) -> Problems:
    name = at.customer.name
    if (first := stack.names.again(name, at.index)) is not None:
        yield ConfigProblem(
            f"{at.path}.name", f"duplicate customer {name!r} (also customers[{first}]): names must be unique"
        )


def unique_tenant(at: At, stack: Stack) -> Problems:
    tenant = at.customer.tenant_id
    if (first := stack.tenants.again(tenant, at.index)) is not None:
        yield ConfigProblem(
            f"{at.path}.tenantId", f"tenant {tenant} is already customers[{first}]: one entry per customer tenant"
        )


def not_the_partner_tenant(at: At, stack: Stack) -> Problems:
    if at.customer.tenant_id == stack.partner.tenant_id:
        yield ConfigProblem(f"{at.path}.tenantId", "this is the partner's own tenant: use the customer's tenant id")


def unique_domain(at: At, stack: Stack) -> Problems:
    domain = at.customer.default_domain
    if (first := stack.domains.again(domain, at.index)) is not None:
        yield ConfigProblem(
            f"{at.path}.defaultDomain",
            f"{domain} is already customers[{first}]'s: a default domain belongs to one tenant",
        )


def unique_gdap_name(at: At, stack: Stack) -> Problems:
    if at.customer.delegation != "gdap":
        return
    if (first := stack.gdap_names.again(at.customer.gdap_display_name().casefold(), at.index)) is not None:
        yield ConfigProblem(
            f"{at.path}.gdap.displayName",
            f"customers[{first}] uses the same GDAP relationship name: "
            "Graph needs a unique display name per relationship (set gdap.displayName)",
        )


def legacy_dap_only_on_gdap(at: At, stack: Stack) -> Problems:
    if at.customer.delegation == "dap" and at.customer.legacy_dap:
        yield ConfigProblem(
            f"{at.path}.legacyDap",
            "legacyDap marks a gdap customer that still has DAP; a dap customer has it by definition: remove the key",
        )


def gdap_settings_only_on_gdap(at: At, stack: Stack) -> Problems:
    if at.customer.delegation == "dap" and at.customer.gdap is not None:
        yield ConfigProblem(
            f"{at.path}.gdap",
            "gdap settings apply only with delegation: gdap (remove them, or move the customer to gdap)",
        )


def gdap_relationship(at: At, stack: Stack) -> Problems:
    """Microsoft's rules on the GDAP relationship and its access assignments (gdap customers only)."""
    if at.customer.delegation != "gdap":
        return
    path = f"{at.path}.gdap"
    for rule in GDAP_RULES:
        yield from rule(at.customer, path, stack.known_groups)


def subscription_aliases_unique(at: At, stack: Stack) -> Problems:
    for j, sub in enumerate(at.customer.subscriptions):
        path = f"{at.path}.subscriptions[{j}].alias"
        # ARM resource names are case-insensitive
        if (first := stack.aliases.again(sub.alias.casefold(), path)) is not None:
            yield ConfigProblem(
                path,
                f"duplicate subscription alias {sub.alias!r} (also {first}; ARM ignores case): "
                "aliases are unique per partner",
            )


def subscriptions_billed(at: At, stack: Stack) -> Problems:
    for j, sub in enumerate(at.customer.subscriptions):
        if sub.billing_account is None and stack.partner.billing_account is None:
            yield ConfigProblem(
                f"{at.path}.subscriptions[{j}].billingAccount",
                "no billing account: set partner.billingAccount "
                "(your Microsoft Partner Agreement billing account) or this field",
            )


def existing_subscriptions_listed_once(at: At, stack: Stack) -> Problems:
    for j, sub in enumerate(at.customer.existing_subscriptions):
        path = f"{at.path}.existingSubscriptions[{j}]"
        if (first := stack.subscriptions.again(sub.subscription_id, path)) is not None:
            yield ConfigProblem(
                f"{path}.subscriptionId", f"subscription {sub.subscription_id} is listed twice (also {first})"
            )


def existing_subscription_groups_known(at: At, stack: Stack) -> Problems:
    for j, sub in enumerate(at.customer.existing_subscriptions):
        yield from known_group(sub.group, f"{at.path}.existingSubscriptions[{j}].group", stack.known_groups)


def adopted_lighthouse_needs_lighthouse(at: At, stack: Stack) -> Problems:
    if at.customer.lighthouse.enabled:
        return
    for j, sub in enumerate(at.customer.existing_subscriptions):
        if sub.adopt_lighthouse is not None:
            yield ConfigProblem(
                f"{at.path}.existingSubscriptions[{j}].adoptLighthouse",
                "a Lighthouse delegation is adopted but lighthouse is not enabled: set lighthouse.enabled "
                "(with its group and roles) or remove adoptLighthouse",
            )


def runbook_host_subscription(at: At, stack: Stack) -> Problems:
    """The revocation runbook lives in one of the customer's subscriptions (the chosen one, if named)."""
    customer = at.customer
    if not customer.revocation_runbook.enabled:
        return
    path = f"{at.path}.revocationRunbook"
    keys = {s.alias for s in customer.subscriptions} | {s.subscription_id for s in customer.existing_subscriptions}
    chosen = customer.revocation_runbook.subscription
    if not keys:
        yield ConfigProblem(
            f"{path}.enabled",
            "the runbook is deployed into one of the customer's "
            "subscriptions and this customer has none: add one or turn the runbook off",
        )
    elif chosen is not None and chosen.lower() not in {k.lower() for k in keys}:
        yield ConfigProblem(
            f"{path}.subscription",
            f"{shown(chosen)} is not one of this customer's subscriptions (aliases or ids: {', '.join(sorted(keys))})",
        )


def lighthouse_group_known(at: At, stack: Stack) -> Problems:
    if at.customer.lighthouse.enabled:
        yield from known_group(at.customer.lighthouse.group, f"{at.path}.lighthouse.group", stack.known_groups)


def lighthouse_has_subscriptions(at: At, stack: Stack) -> Problems:
    customer = at.customer
    if customer.lighthouse.enabled and not (customer.subscriptions or customer.existing_subscriptions):
        yield ConfigProblem(
            f"{at.path}.lighthouse.enabled",
            "Lighthouse delegates subscriptions and this customer has none: add subscriptions or turn Lighthouse off",
        )


def lighthouse_roles(at: At, stack: Stack) -> Problems:
    """Each role once, and none that Lighthouse refuses to delegate (Owner, User Access Administrator)."""
    if not at.customer.lighthouse.enabled:
        return
    seen = FirstSeen()
    for k, role in enumerate(at.customer.lighthouse.roles):
        path = f"{at.path}.lighthouse.roles[{k}]"
        guid = catalog.azure_role_id(role)
        if (first := seen.again(guid, k)) is not None:
            yield ConfigProblem(path, f"{shown(role)} is listed twice (also roles[{first}]): remove one")
        if guid in (catalog.OWNER, catalog.USER_ACCESS_ADMINISTRATOR):
            yield ConfigProblem(
                path,
                f"{catalog.azure_role_name(guid)} cannot be "
                "delegated through Lighthouse: use Contributor or a narrower role",
            )


CUSTOMER_RULES: tuple[Callable[[At, Stack], Problems], ...] = (
    unique_name,
    unique_tenant,
    not_the_partner_tenant,
    unique_domain,
    unique_gdap_name,
    legacy_dap_only_on_gdap,
    gdap_settings_only_on_gdap,
    gdap_relationship,
    subscription_aliases_unique,
    subscriptions_billed,
    existing_subscriptions_listed_once,
    existing_subscription_groups_known,
    adopted_lighthouse_needs_lighthouse,
    runbook_host_subscription,
    lighthouse_group_known,
    lighthouse_has_subscriptions,
    lighthouse_roles,
)


# --- a customer's GDAP relationship ------------------------------------------------------------------------


def gdap_role_ids(customer: Customer) -> list[str]:
    return [catalog.directory_role_id(r) for r in customer.gdap_settings.roles]


def gdap_roles_once_and_least_privilege(customer: Customer, path: str, known_groups: set[str] | None) -> Problems:
    """Each role once; Global Administrator only when the customer's config explicitly allows it."""
    gdap = customer.gdap_settings
    seen: set[str] = set()
    for k, guid in enumerate(gdap_role_ids(customer)):
        if guid in seen:
            yield ConfigProblem(f"{path}.roles[{k}]", f"{gdap.roles[k]!r} is listed twice")
        seen.add(guid)
        if guid == catalog.GLOBAL_ADMINISTRATOR and not gdap.allow_global_administrator:
            yield ConfigProblem(
                f"{path}.roles[{k}]",
                "Global Administrator is not least privilege: remove it, or set "
                "gdap.allowGlobalAdministrator: true if this customer really needs it",
            )


def global_admin_never_auto_extends(customer: Customer, path: str, known_groups: set[str] | None) -> Problems:
    if customer.gdap_settings.auto_extend and catalog.GLOBAL_ADMINISTRATOR in gdap_role_ids(customer):
        yield ConfigProblem(
            f"{path}.autoExtend",
            "a relationship with Global Administrator cannot auto-extend (Microsoft forbids it): set autoExtend: false",
        )


def adopted_assignments_need_the_relationship(customer: Customer, path: str, known_groups: set[str] | None) -> Problems:
    gdap = customer.gdap_settings
    if gdap.adopt_relationship_id is not None:
        return
    for a, access in enumerate(gdap.access or []):
        if access.adopt_assignment_id is not None:
            yield ConfigProblem(
                f"{path}.access[{a}].adoptAssignmentId",
                "an access assignment belongs to one relationship: set gdap.adoptRelationshipId too, "
                "or remove adoptAssignmentId",
            )


def gdap_display_name_fits(customer: Customer, path: str, known_groups: set[str] | None) -> Problems:
    if len(customer.gdap_display_name()) > GDAP_DISPLAY_NAME_MAX:
        yield ConfigProblem(f"{path}.displayName", f"over {GDAP_DISPLAY_NAME_MAX} characters")


def _access_paths(customer: Customer, path: str) -> Iterable[tuple[str, Access]]:
    """Each access assignment in force with its field path (the defaults are named by their group)."""
    explicit = customer.gdap_settings.access is not None
    for a, access in enumerate(customer.gdap_access()):
        yield (f"{path}.access[{a}]" if explicit else f"{path}.access (default for {access.group})"), access


def access_assignments(customer: Customer, path: str, known_groups: set[str] | None) -> Problems:
    """Each access assignment names a known group, once, with roles the relationship holds."""
    relationship_roles = set(gdap_role_ids(customer))
    assigned = FirstSeen()
    for a, (here, access) in enumerate(_access_paths(customer, path)):
        yield from known_group(access.group, f"{here}.group", known_groups)
        if (first := assigned.again(access.group, a)) is not None:
            yield ConfigProblem(
                f"{here}.group",
                f"group {access.group!r} already has an access assignment (access[{first}]): merge their roles",
            )
        for r, role in enumerate(access.roles):
            if catalog.directory_role_id(role) not in relationship_roles:
                yield ConfigProblem(
                    f"{here}.roles[{r}]",
                    f"{role!r} is not among gdap.roles: an access assignment can only use the relationship's roles",
                )


GDAP_RULES: tuple[Callable[[Customer, str, set[str] | None], Problems], ...] = (
    gdap_roles_once_and_least_privilege,
    global_admin_never_auto_extends,
    adopted_assignments_need_the_relationship,
    gdap_display_name_fits,
    access_assignments,
)


def semantic_problems(cfg: StackConfig) -> list[ConfigProblem]:
    """Every rule's problems: the partner's first, then each customer's, in the config's order."""
    problems = list(groups_declared_once(cfg))
    for partner_rule in PARTNER_RULES:
        problems.extend(partner_rule(cfg.partner))
    stack = Stack(partner=cfg.partner, known_groups=cfg.group_keys())
    for index, customer in enumerate(cfg.customers):
        at = At(customer, index)
        for customer_rule in CUSTOMER_RULES:
            problems.extend(customer_rule(at, stack))
    return problems
