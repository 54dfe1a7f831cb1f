"""GDAP vocabulary shared by the client, the components and the runbooks.

Status and action names, the Global Administrator template id (which forbids auto-extend)
and the customer approval link, all from reference/azure-facts.md, kept in one place so no
caller spells them differently.
"""

from __future__ import annotations

import re
from typing import Final

RELATIONSHIPS_PATH: Final = "tenantRelationships/delegatedAdminRelationships"

GLOBAL_ADMINISTRATOR: Final = "62e90394-69f5-4237-9190-012177145e10"

# Relationship statuses.
CREATED: Final = "created"
APPROVAL_PENDING: Final = "approvalPending"
APPROVED: Final = "approved"
ACTIVATING: Final = "activating"
ACTIVE: Final = "active"
EXPIRING: Final = "expiring"
EXPIRED: Final = "expired"
TERMINATION_REQUESTED: Final = "terminationRequested"
TERMINATING: Final = "terminating"
TERMINATED: Final = "terminated"

#: The relationship grants access in these statuses.
USABLE_STATUSES: Final = frozenset({ACTIVE, EXPIRING})
#: Nothing comes after these: waiting for anything else is pointless.
FINAL_STATUSES: Final = frozenset({EXPIRED, TERMINATED})
#: On the way out (terminate was requested).
ENDING_STATUSES: Final = frozenset({TERMINATION_REQUESTED, TERMINATING, TERMINATED})
#: Over, or on the way out: only a new relationship restores access, and its name is never free again.
ENDED_STATUSES: Final = ENDING_STATUSES | FINAL_STATUSES
#: Every status before the end (made, waiting for the customer, approved, in force).
OPEN_STATUSES: Final = frozenset({CREATED, APPROVAL_PENDING, APPROVED, ACTIVATING, ACTIVE, EXPIRING})
#: The customer approved and it has not ended: only ``autoExtendDuration`` can still be changed.
APPROVED_STATUSES: Final = frozenset({APPROVED, ACTIVATING, ACTIVE, EXPIRING})
#: The order in which a customer's several open relationships are preferred (the most advanced first).
PREFERENCE: Final = {ACTIVE: 0, EXPIRING: 1, APPROVED: 2, ACTIVATING: 2, APPROVAL_PENDING: 3, CREATED: 4}

# Actions for POST .../{id}/requests. approve and reject are the customer's.
LOCK_FOR_APPROVAL: Final = "lockForApproval"
APPROVE: Final = "approve"
TERMINATE: Final = "terminate"
REJECT: Final = "reject"
ACTIONS: Final = frozenset({LOCK_FOR_APPROVAL, APPROVE, TERMINATE, REJECT})

# autoExtendDuration values the service accepts ("PT0S" and "P0D" both mean never).
NO_AUTO_EXTEND: Final = frozenset({"PT0S", "P0D"})
#: What this toolkit sends for "never" (Graph's own default).
NEVER_AUTO_EXTEND: Final = "PT0S"
AUTO_EXTEND_180_DAYS: Final = "P180D"

# Durations: Graph documents ISO 8601 durations such as P730D and P2Y (delegatedAdminRelationship: "The duration
# of the relationship in ISO 8601 format ... between P1D and P2Y") and may echo either form.
_DURATION_RE: Final = re.compile(r"^P(?:([0-9]{1,6})Y)?(?:([0-9]{1,6})W)?(?:([0-9]{1,6})D)?\Z")  # ASCII digits


def duration_days(value: str) -> int | None:
    """Days in an ISO 8601 duration of years, weeks and days (a year counts 365 days, as Graph's P2Y = P730D);
    None when ``value`` is no such duration. The one normaliser: import, policy and diff compare through it."""
    match = _DURATION_RE.match(value or "")
    if match is None or not any(match.groups()):
        return None
    years, weeks, days = (int(g or 0) for g in match.groups())
    return years * 365 + weeks * 7 + days


def same_duration(a: str | None, b: str | None) -> bool:
    """Whether two durations are equal (``P2Y`` and ``P730D`` are), or the same text when either is no duration."""
    days_a, days_b = duration_days(a or ""), duration_days(b or "")
    return a == b if days_a is None or days_b is None else days_a == days_b


# Access assignment statuses.
ASSIGNMENT_PENDING: Final = "pending"
ASSIGNMENT_ACTIVE: Final = "active"
ASSIGNMENT_DELETING: Final = "deleting"
ASSIGNMENT_DELETED: Final = "deleted"
ASSIGNMENT_ERROR: Final = "error"

APPROVAL_LINK_TEMPLATE: Final = (
    "https://admin.microsoft.com/AdminPortal/Home#/partners/invitation/granularAdminRelationships/{relationship_id}"
)


def approval_link(relationship_id: str) -> str:
    """The link a customer's Global Administrator opens to approve a locked relationship."""
    if not relationship_id or "/" in relationship_id:
        raise ValueError(f"not a relationship id: {relationship_id!r}")
    return APPROVAL_LINK_TEMPLATE.format(relationship_id=relationship_id)


def unified_roles(role_ids: list[str] | tuple[str, ...] | set[str] | frozenset[str]) -> dict[str, list[dict[str, str]]]:
    """``accessDetails`` body for a list of role template ids (order kept, duplicates dropped)."""
    seen: dict[str, None] = dict.fromkeys(r.lower() for r in role_ids)
    return {"unifiedRoles": [{"roleDefinitionId": r} for r in seen]}


def role_ids_of(body: dict) -> list[str]:
    """Role template ids from a relationship's or assignment's ``accessDetails``."""
    return [r["roleDefinitionId"] for r in (body.get("accessDetails") or {}).get("unifiedRoles") or []]
