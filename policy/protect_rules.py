"""Guardrail: what cannot be put back by a second `pulumi up` is protected from a stray delete.

- A GDAP relationship: deleting it terminates the customer's delegation, and its successor needs the
  customer's approval again (and a new name: Graph never reuses one).
- A partner group this stack created: deleting it cuts every technician in it off from every customer.
- A subscription alias: the subscription holds the customer's workloads.

Protection is a resource option, so it is always known; a resource that does not set it is unprotected.
"""

from __future__ import annotations

from collections.abc import Iterator

from .context import PolicyContext
from .gdap_rules import is_relationship
from .model import ALIAS, GROUP, Finding, PlanResource


def protected_kind(resource: PlanResource) -> str | None:
    """What a resource is, when it is one that must be protected (None otherwise)."""
    if is_relationship(resource):
        return "GDAP relationship"
    if resource.type == GROUP:
        return "partner agent group created by this stack"
    if resource.type == ALIAS:
        return "subscription alias"
    return None


def check_protected(resource: PlanResource, context: PolicyContext) -> Iterator[Finding]:
    kind = protected_kind(resource)
    if kind is not None and not resource.protect:
        yield Finding(
            f"{kind} {resource.name} is not protected: declare it with protect=True "
            "(for a relationship, keep gdap.protect: true); remove protection deliberately with "
            "`pulumi state unprotect` when it really must go",
            resource,
        )
