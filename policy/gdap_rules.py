"""Guardrails on GDAP relationships: Global Administrator only by explicit consent, never auto-extended,
and a duration Graph accepts.

The config refuses the same things before anything is declared; these rules check what the program
actually declared (a component bug, a raw role GUID, a hand-edited plan) and hold under the CLI for
every stack, whoever wrote its program. A value a rule needs that is unknown fails the rule: the
program sets every one of these inputs literally, so "unknown" means something changed that a
reviewer should look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import catalog
from azure_http.gdap import NO_AUTO_EXTEND, duration_days
from catalog.resource_kinds import GDAP_RELATIONSHIP_TYPE

from .context import PolicyContext
from .model import MISSING, UNKNOWN, Finding, PlanResource, is_known

GDAP_MIN_DAYS = 1
GDAP_MAX_DAYS = 730


def is_relationship(resource: PlanResource) -> bool:
    return resource.type == GDAP_RELATIONSHIP_TYPE


def role_ids(resource: PlanResource) -> frozenset[str] | Any:
    """The relationship's directory role GUIDs (lowercase), UNKNOWN if any is not known, MISSING if absent."""
    value = resource.get("roleIds")
    if not is_known(value):
        return value
    if not isinstance(value, list | tuple) or any(not is_known(v) for v in value):
        return UNKNOWN
    return frozenset(str(v).lower() for v in value)


def _label(resource: PlanResource) -> str:
    tenant = resource.get("customerTenantId")
    return f"GDAP relationship {resource.name} (customer tenant {tenant if is_known(tenant) else 'unknown'})"


def check_global_admin_consent(resource: PlanResource, context: PolicyContext) -> Iterator[Finding]:
    """Global Administrator only for a customer whose config sets gdap.allowGlobalAdministrator: true."""
    if not is_relationship(resource):
        return
    roles = role_ids(resource)
    if roles is UNKNOWN:
        yield Finding(
            f"{_label(resource)}: its roles are not known, so Global Administrator cannot be ruled out", resource
        )
        return
    if roles is MISSING or catalog.GLOBAL_ADMINISTRATOR not in roles:
        return
    tenant = resource.get("customerTenantId")
    if not is_known(tenant):
        yield Finding(
            f"{_label(resource)} requests Global Administrator and its customer is not known, "
            "so the customer's consent in the config cannot be checked",
            resource,
        )
    elif not context.config_known:
        yield Finding(
            f"{_label(resource)} requests Global Administrator, and the stack config (where "
            "gdap.allowGlobalAdministrator would allow it) is not visible to this policy run: refused",
            resource,
        )
    elif not context.allows_global_admin(str(tenant)):
        yield Finding(
            f"{_label(resource)} requests Global Administrator but the customer's config does not set "
            "gdap.allowGlobalAdministrator: true; remove the role or set it for this customer deliberately",
            resource,
        )


def check_no_auto_extend_with_global_admin(resource: PlanResource, context: PolicyContext) -> Iterator[Finding]:
    """Microsoft forbids auto-extending a relationship that holds Global Administrator."""
    if not is_relationship(resource):
        return
    extend = resource.get("autoExtendDuration")
    if extend is MISSING or extend in NO_AUTO_EXTEND:
        return
    roles = role_ids(resource)
    if roles is MISSING or (roles is not UNKNOWN and catalog.GLOBAL_ADMINISTRATOR not in roles):
        return
    if roles is UNKNOWN:
        yield Finding(f"{_label(resource)} auto-extends and its roles are not known: Global Administrator", resource)
    elif extend is UNKNOWN:
        yield Finding(
            f"{_label(resource)} holds Global Administrator and its autoExtendDuration is not known", resource
        )
    else:
        yield Finding(
            f"{_label(resource)} holds Global Administrator and auto-extends ({extend}): set gdap.autoExtend: false",
            resource,
        )


def check_duration(resource: PlanResource, context: PolicyContext) -> Iterator[Finding]:
    """Graph accepts P1D..P2Y; anything else fails at create time, after the plan was approved."""
    if not is_relationship(resource):
        return
    value = resource.get("duration")
    if value is MISSING:
        yield Finding(f"{_label(resource)} has no duration: set gdap.duration within P1D..P730D", resource)
        return
    if value is UNKNOWN:
        yield Finding(f"{_label(resource)}: its duration is not known, so P1D..P730D cannot be checked", resource)
        return
    days = duration_days(str(value))
    if days is None:
        yield Finding(f"{_label(resource)}: duration {value!r} is not PnD/PnW/PnY (use days, e.g. P730D)", resource)
    elif not GDAP_MIN_DAYS <= days <= GDAP_MAX_DAYS:
        yield Finding(
            f"{_label(resource)}: duration {value} ({days} days) is outside P{GDAP_MIN_DAYS}D..P{GDAP_MAX_DAYS}D",
            resource,
        )
