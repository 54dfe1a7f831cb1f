"""Guardrails on the partner's Azure RBAC grants in customer tenants.

- Principal type: the partner's groups are ForeignGroup in a customer tenant. azure-native defaults
  ``principalType`` to User, which fails (or, worse, races replication) for a foreign group; the only
  other principals the stack grants are identities it creates in the customer's tenant.
- Owner: the CSP model gives AdminAgents Owner on subscriptions the partner provisions. Owner is held
  only at exactly ``/subscriptions/{id}`` and only on a subscription an Alias in this stack created,
  or one the config names as an existing subscription with Owner (an explicit, reviewed exception,
  which the advisory rule then questions).

Unknown values: in a preview, a new subscription's id is unknown, and so are the grant's scope and
role definition id built from it. That is not a reason to refuse: the grant is proven to sit on a
provisioned subscription when its ``scope`` was computed from an Alias (the engine's property
dependencies; the offline plan, which does not record them, uses the Alias beside the grant in the
same component). Likewise a role definition id computed from a RoleDefinition of this stack is a
custom role, not Owner. Any other unknown scope or role fails closed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

import catalog

from .context import PolicyContext
from .model import ALIAS, MISSING, UNKNOWN, Finding, PlanResource, is_known, is_role_assignment

ROLE_DEFINITION = "azure-native:authorization:RoleDefinition"

FOREIGN_GROUP = "ForeignGroup"
SERVICE_PRINCIPAL = "ServicePrincipal"
_SUBSCRIPTION_SCOPE_RE = re.compile(r"^/subscriptions/([0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12})$")


def role_guid(assignment: PlanResource) -> str | Any:
    """The role definition GUID (last segment of roleDefinitionId, lowercase), or UNKNOWN / MISSING."""
    value = assignment.get("roleDefinitionId")
    if not is_known(value):
        return value
    return str(value).rstrip("/").rsplit("/", 1)[-1].lower()


def subscription_of(scope: Any) -> str | None:
    """The subscription id when ``scope`` is exactly a subscription scope, else None."""
    if not isinstance(scope, str):
        return None
    match = _SUBSCRIPTION_SCOPE_RE.match(scope)
    return match.group(1).lower() if match else None


def _role_name(guid: Any) -> str:
    return catalog.azure_role_name(guid) if isinstance(guid, str) else "a role not yet known"


def check_principal_type(resource: PlanResource, context: PolicyContext) -> Iterator[Finding]:
    """Partner groups are ForeignGroup; no grant relies on the User default or names a Group.

    The stack grants two kinds of principal: the partner's groups (ForeignGroup in the customer's
    tenant) and identities it creates in the customer's tenant, such as the revocation runbook's
    managed identity (ServicePrincipal). A principal the config names as a partner group must be a
    ForeignGroup whatever type it is given.
    """
    if not is_role_assignment(resource):
        return
    value = resource.get("principalType")
    principal = resource.get("principalId")
    partner_group = is_known(principal) and str(principal).lower() in context.partner_group_ids
    if value is MISSING:
        yield Finding(
            f"role assignment {resource.name} sets no principalType, so azure-native sends User: "
            f"set principal_type={FOREIGN_GROUP!r} for a partner group",
            resource,
        )
    elif value is UNKNOWN:
        yield Finding(f"role assignment {resource.name}: principalType is not known; set it explicitly", resource)
    elif str(value).lower() == FOREIGN_GROUP.lower():
        return
    elif partner_group:
        yield Finding(
            f"role assignment {resource.name} grants the partner's group {principal} as {value!r}: "
            f"a partner group in a customer tenant is a {FOREIGN_GROUP}",
            resource,
        )
    elif str(value).lower() != SERVICE_PRINCIPAL.lower():
        yield Finding(
            f"role assignment {resource.name} has principalType {value!r}: grants go to partner groups "
            f"({FOREIGN_GROUP}) or to identities this stack creates in the customer's tenant ({SERVICE_PRINCIPAL})",
            resource,
        )


def check_owner_scope(resource: PlanResource, context: PolicyContext) -> Iterator[Finding]:
    """Owner only at exactly /subscriptions/{id}: never a management group, the root, or a resource group."""
    if not is_role_assignment(resource):
        return
    role = role_guid(resource)
    scope = resource.get("scope")
    if role is MISSING:
        yield Finding(f"role assignment {resource.name} has no roleDefinitionId", resource)
        return
    if role is not UNKNOWN and role != catalog.OWNER:
        return
    if scope is MISSING:
        yield Finding(f"role assignment {resource.name} grants {_role_name(role)} and has no scope", resource)
    elif scope is UNKNOWN:
        return  # which subscription is decided by the stack rule, where the Alias is in sight
    elif subscription_of(scope) is None:
        what = "Owner" if role == catalog.OWNER else "a role not yet known (possibly Owner)"
        yield Finding(
            f"role assignment {resource.name} grants {what} at {scope}: Owner is allowed only at exactly "
            "/subscriptions/{id} of a subscription the partner provisioned",
            resource,
        )


class StackIndex:
    """What the stack rules look up for every grant, computed once per stack (the rules stay linear in the
    number of resources: a 1,000-customer stack has thousands of grants)."""

    def __init__(self, resources: Sequence[PlanResource]) -> None:
        aliases = [r for r in resources if r.type == ALIAS]
        self.alias_urns = {a.urn for a in aliases}
        self.alias_parents = {a.parent for a in aliases if a.parent is not None}
        self.alias_subscription_ids = {
            str(value).lower() for a in aliases if is_known(value := a.get("properties", "subscriptionId"))
        }
        self.custom_role_urns = {r.urn for r in resources if r.type == ROLE_DEFINITION}


def provisioned_here(assignment: PlanResource, index: StackIndex) -> bool:
    """True when the grant's subscription is one an Alias in this stack provisioned (see module doc)."""
    scope = assignment.get("scope")
    if is_known(scope):
        subscription = subscription_of(scope)
        return subscription is not None and subscription in index.alias_subscription_ids
    if scope is not UNKNOWN:
        return False
    if assignment.property_dependencies is not None:
        return any(urn in index.alias_urns for urn in assignment.property_dependencies.get("scope", ()))
    return assignment.parent is not None and assignment.parent in index.alias_parents


def may_be_owner(assignment: PlanResource, index: StackIndex) -> bool:
    """Owner, or a role not known yet that could be Owner.

    A role definition id computed from a RoleDefinition declared in this stack is a custom role (the
    revocation runbook's), never the built-in Owner, even while its id is unknown in a preview.
    """
    role = role_guid(assignment)
    if role is not UNKNOWN:
        return role == catalog.OWNER
    deps = (assignment.property_dependencies or {}).get("roleDefinitionId", ())
    return not (deps and all(urn in index.custom_role_urns for urn in deps))


def check_owner_on_provisioned(resources: Sequence[PlanResource], context: PolicyContext) -> Iterator[Finding]:
    """Owner only on a subscription this stack provisioned, or one the config declares with Owner."""
    index = StackIndex(resources)
    for grant in resources:
        if not is_role_assignment(grant) or not may_be_owner(grant, index) or provisioned_here(grant, index):
            continue
        scope = grant.get("scope")
        subscription = subscription_of(scope)
        if subscription is None:
            if scope is UNKNOWN:
                yield Finding(
                    f"role assignment {grant.name} grants {_role_name(role_guid(grant))} at a scope not known yet "
                    "that does not come from a subscription Alias in this stack",
                    grant,
                )
            continue  # a known non-subscription scope is the resource rule's finding
        role = role_guid(grant)
        if role == catalog.OWNER and catalog.OWNER in context.existing_roles(subscription):
            continue  # an explicit exception in the config; the advisory rule questions it
        if not context.config_known:
            why = "and the stack config, which could declare it as an existing subscription, is not visible"
        else:
            why = "and the config does not declare it under existingSubscriptions with role Owner"
        yield Finding(
            f"role assignment {grant.name} grants {_role_name(role)} on subscription {subscription}, which no "
            f"Alias in this stack provisioned, {why}",
            grant,
        )


def check_owner_on_existing(resources: Sequence[PlanResource], context: PolicyContext) -> Iterator[Finding]:
    """Advisory: Owner on a subscription the partner did not provision is more than most support needs."""
    index = StackIndex(resources)
    for grant in resources:
        if not is_role_assignment(grant) or role_guid(grant) != catalog.OWNER:
            continue
        subscription = subscription_of(grant.get("scope"))
        if subscription is None or provisioned_here(grant, index):
            continue
        if catalog.OWNER in context.existing_roles(subscription):
            yield Finding(
                f"Owner for a partner group on existing subscription {subscription} ({grant.name}): prefer Azure "
                "Lighthouse (Contributor or narrower) or a narrower role than Owner",
                grant,
            )
