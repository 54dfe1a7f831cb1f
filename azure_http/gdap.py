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

# Actions of a relationship's requests. The partner may POST only lockForApproval and terminate ("The possible
# values are: lockForApproval, terminate", Graph v1.0 delegatedadminrelationship-post-requests); approve and reject
# are the customer's (Microsoft 365 admin center) and show up only in the request list.
LOCK_FOR_APPROVAL: Final = "lockForApproval"
APPROVE: Final = "approve"
TERMINATE: Final = "terminate"
REJECT: Final = "reject"
ACTIONS: Final = frozenset({LOCK_FOR_APPROVAL, TERMINATE})

# autoExtendDuration values the service accepts: "Supported values are: P0D, PT0S, P180D. The default value is
# PT0S" (Graph v1.0 delegatedAdminRelationship, microsoftgraph/microsoft-graph-docs-contrib
# api-reference/v1.0/resources/delegatedadminrelationship.md). PT0S and P0D both mean never.
NO_AUTO_EXTEND: Final = frozenset({"PT0S", "P0D"})
#: What this toolkit sends for "never" (Graph's own default).
NEVER_AUTO_EXTEND: Final = "PT0S"
AUTO_EXTEND_180_DAYS: Final = "P180D"

_DURATION = re.compile(
    r"^P(?:(?P<years>\d+)Y)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?$",
    re.ASCII,
)


def duration_seconds(value: str | None) -> int | None:
    """Seconds in a GDAP duration (``P730D``, ``P2Y``, ``P0D``, ``PT0S``; a year counts 365 days, as Graph counts
    ``P2Y`` = ``P730D``); None for None or anything else (months, fractions, free text), which then compares as
    written."""
    match = _DURATION.match(value) if isinstance(value, str) and value not in ("P", "PT") else None
    if match is None or value.endswith("T"):
        return None
    n = {k: int(v or 0) for k, v in match.groupdict().items()}
    days = n["years"] * 365 + n["weeks"] * 7 + n["days"]
    return ((days * 24 + n["hours"]) * 60 + n["minutes"]) * 60 + n["seconds"]


def same_duration(a: str | None, b: str | None) -> bool:
    """Whether two durations are the same length (``P0D`` is ``PT0S``, ``P2Y`` is ``P730D``): Graph may echo
    another spelling than the one sent, and a spelling is never a change."""
    if a == b:
        return True
    seconds_a, seconds_b = duration_seconds(a), duration_seconds(b)
    return seconds_a is not None and seconds_a == seconds_b


def auto_extends(value: str | None) -> bool:
    """Whether an ``autoExtendDuration`` extends the relationship at all (absent: Graph's default, never)."""
    return not (value is None or same_duration(value, NEVER_AUTO_EXTEND))


def duration_days(value: str | None) -> int | None:
    """Days in a duration of years, weeks and days (``P2Y`` is 730, ``P0D`` is 0); None for anything else, a time
    part included (``PT24H``): a relationship's duration is written in days. Import and policy read lengths
    through it."""
    seconds = duration_seconds(value) if value and "T" not in value else None
    return None if seconds is None else seconds // 86400


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
