"""GDAP relationships and access assignments: data, validation and the status machine.

No HTTP here (that is ``graph_gdap``): this module decides what Graph would decide. Stored
``phase`` is what an action set; the reported ``status`` is computed from the phase, the
emulator clock and the settings, which is how eventual consistency (approved -> activating ->
active after a delay) and expiry (expiring, expired at endDateTime) happen without timers,
and why tests can time-travel. Rules and shapes follow reference/azure-facts.md.
"""

from __future__ import annotations

import itertools
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from emulator.core.clock import iso
from emulator.core.errors import ServiceError
from emulator.core.ids import is_guid
from emulator.core.odata import etag_for
from emulator.core.state import Settings

GLOBAL_ADMINISTRATOR = "62e90394-69f5-4237-9190-012177145e10"
AUTO_EXTEND_VALUES = ("PT0S", "P0D", "P180D")
NO_AUTO_EXTEND = ("PT0S", "P0D")
MAX_DISPLAY_NAME = 50
MIN_DURATION = timedelta(days=1)
MAX_DURATION = timedelta(days=730)

# Stored phases (what the last action did); reported statuses are derived in status_of().
CREATED = "created"
APPROVAL_PENDING = "approvalPending"
APPROVING = "approving"  # customer approved: reported as approved, then activating, then active
ACTIVE = "active"  # reported as active, expiring or expired depending on endDateTime
TERMINATING = "terminating"  # reported as terminationRequested, then terminating, then terminated
TERMINATED = "terminated"

ALL_STATUSES = (
    "created",
    "approvalPending",
    "approved",
    "activating",
    "active",
    "expiring",
    "expired",
    "terminationRequested",
    "terminating",
    "terminated",
)
USABLE = ("active", "expiring")

RELATIONSHIP_FIELDS = ("displayName", "duration", "customer", "accessDetails", "autoExtendDuration")
READ_ONLY_FIELDS = (
    "id",
    "status",
    "createdDateTime",
    "activatedDateTime",
    "lastModifiedDateTime",
    "endDateTime",
    "partner",
    "operations",
    "requests",
    "accessAssignments",
)

ASSIGNMENT_PHASES = ("pending", "active", "deleting", "deleted", "error")

_DURATION = re.compile(
    r"^P(?:(?P<y>\d+)Y)?(?:(?P<mo>\d+)M)?(?:(?P<w>\d+)W)?(?:(?P<d>\d+)D)?"
    r"(?:T(?:(?P<h>\d+)H)?(?:(?P<mi>\d+)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?$"
)
_seq = itertools.count()


def bad(message: str, code: str = "badRequest") -> ServiceError:
    return ServiceError(400, message, code)


def parse_duration(value: Any) -> timedelta:
    """ISO 8601 duration to timedelta (a year is 365 days, a month 30, as Graph counts P2Y = P730D)."""
    m = _DURATION.match(value) if isinstance(value, str) else None
    if not m or value in ("P", "PT") or value.endswith("T"):
        raise bad(f"'{value}' is not a valid ISO 8601 duration.")
    g = {k: float(v) if v else 0.0 for k, v in m.groupdict().items()}
    days = g["y"] * 365 + g["mo"] * 30 + g["w"] * 7 + g["d"]
    return timedelta(days=days, hours=g["h"], minutes=g["mi"], seconds=g["s"])


def validate_roles(access_details: Any, what: str = "accessDetails") -> list[str]:
    """Role template ids from ``{"unifiedRoles": [{"roleDefinitionId"}]}``, lower-cased, deduplicated."""
    roles = access_details.get("unifiedRoles") if isinstance(access_details, dict) else None
    if not isinstance(roles, list) or not roles:
        raise bad(f"{what}.unifiedRoles must be a non-empty list of {{roleDefinitionId}}.")
    out: list[str] = []
    for role in roles:
        rid = role.get("roleDefinitionId") if isinstance(role, dict) else None
        if not is_guid(rid):
            raise bad(f"{what}.unifiedRoles: roleDefinitionId {rid!r} is not a role template id (GUID).")
        if rid.lower() not in out:
            out.append(rid.lower())
    return out


def validate_duration(value: Any) -> str:
    if value is None:
        raise bad("duration is required (ISO 8601, P1D to P730D).")
    span = parse_duration(value)
    if not MIN_DURATION <= span <= MAX_DURATION:
        raise bad(f"duration {value} is out of range: it must be between P1D and P730D (2 years).")
    return value


def validate_auto_extend(value: Any, roles: list[str]) -> str:
    if value not in AUTO_EXTEND_VALUES:
        raise bad(f"autoExtendDuration must be one of {', '.join(AUTO_EXTEND_VALUES)}, not {value!r}.")
    if value not in NO_AUTO_EXTEND and GLOBAL_ADMINISTRATOR in roles:
        raise bad("A relationship that includes the Global Administrator role cannot be auto-extended.")
    return value


def validate_customer(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) - {"tenantId", "displayName", "@odata.type"}:
        raise bad("customer must be an object with tenantId and displayName.")
    tenant = value.get("tenantId")
    if tenant is not None and not is_guid(tenant):
        raise bad(f"customer.tenantId {tenant!r} is not a tenant id (GUID).")
    name = value.get("displayName")
    if name is not None and not isinstance(name, str):
        raise bad("customer.displayName must be a string.")
    return {"tenantId": tenant, "displayName": name}


def validate_display_name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise bad("displayName is required.")
    if len(value) > MAX_DISPLAY_NAME:
        raise bad(f"displayName must be at most {MAX_DISPLAY_NAME} characters (got {len(value)}).")
    return value


#: Graph's delegatedAdminRelationshipOperation statuses (longRunningOperationStatus).
OPERATION_NOT_STARTED, OPERATION_RUNNING, OPERATION_SUCCEEDED, OPERATION_FAILED = (
    "notStarted",
    "running",
    "succeeded",
    "failed",
)
#: The evolvable enum member Graph shows only to callers sending ``Prefer: include-unknown-enum-members``.
RELATIONSHIP_UPDATE = "delegatedAdminRelationshipUpdate"
#: The documented v1.0 member ("The possible values are: delegatedAdminAccessAssignmentUpdate, unknownFutureValue",
#: api-reference/v1.0/resources/delegatedadminrelationshipoperation.md).
ACCESS_ASSIGNMENT_UPDATE = "delegatedAdminAccessAssignmentUpdate"


@dataclass
class Operation:
    """A long-running update under a relationship: Global Administrator removed from an active relationship, or
    an access assignment's roles changed (``assignment`` set: Graph answers that PATCH with 202 and the Location
    of an operation of the relationship, api-reference/v1.0/api/delegatedadminaccessassignment-update.md).

    The relationship (or assignment) keeps its roles until the operation finishes (emulator clock); a failed one
    changes nothing. ``data`` is the requested change as a JSON string, as Graph's ``data`` property holds it.
    """

    id: str
    roles: list[str]
    """The relationship's roles once the operation succeeds."""
    data: str
    created: datetime
    delay: float
    outcome: str
    applied: bool = False
    assignment: Assignment | None = None
    """The access assignment this operation updates (None: the relationship itself)."""

    def status(self, now: datetime) -> str:
        elapsed = (now - self.created).total_seconds()
        if elapsed >= self.delay:
            return self.outcome
        return OPERATION_NOT_STARTED if elapsed < self.delay / 3 else OPERATION_RUNNING

    def _operation_type(self, include_unknown_enum_members: bool) -> str:
        if self.assignment is not None:
            return ACCESS_ASSIGNMENT_UPDATE
        return RELATIONSHIP_UPDATE if include_unknown_enum_members else "unknownFutureValue"

    def finished_at(self) -> datetime:
        return self.created + timedelta(seconds=self.delay)

    def to_json(self, now: datetime, *, include_unknown_enum_members: bool) -> dict[str, Any]:
        status = self.status(now)
        modified = self.finished_at() if status in (OPERATION_SUCCEEDED, OPERATION_FAILED) else self.created
        return {
            "@odata.type": "#microsoft.graph.delegatedAdminRelationshipOperation",
            "@odata.etag": etag_for("op", self.id, status),
            "id": self.id,
            "operationType": self._operation_type(include_unknown_enum_members),
            "data": self.data,
            "status": status,
            "createdDateTime": iso(self.created),
            "lastModifiedDateTime": iso(modified),
        }


@dataclass
class Relationship:
    id: str
    display_name: str
    duration: str
    customer: dict[str, Any] | None
    roles: list[str]
    auto_extend: str
    created: datetime
    last_modified: datetime
    phase: str
    phase_since: datetime
    activated: datetime | None = None
    end: datetime | None = None
    version: int = 0
    seq: int = field(default_factory=lambda: next(_seq))
    operations: list[Operation] = field(default_factory=list)

    def pending_operation(self, now: datetime, assignment: Assignment | None = None) -> Operation | None:
        """The update operation of the relationship (or of ``assignment``) still notStarted or running, if any."""
        for op in self.operations:
            if op.assignment is assignment and op.status(now) in (OPERATION_NOT_STARTED, OPERATION_RUNNING):
                return op
        return None

    def touch(self, now: datetime) -> None:
        self.version += 1
        self.last_modified = now

    def set_phase(self, phase: str, now: datetime) -> None:
        self.phase = phase
        self.phase_since = now
        self.touch(now)


@dataclass
class RelationshipRequest:
    id: str
    action: str
    status: str
    created: datetime
    last_modified: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "@odata.type": "#microsoft.graph.delegatedAdminRelationshipRequest",
            "id": self.id,
            "action": self.action,
            "status": self.status,
            "createdDateTime": iso(self.created),
            "lastModifiedDateTime": iso(self.last_modified),
        }


@dataclass
class Assignment:
    id: str
    group_id: str
    container_type: str
    roles: list[str]
    created: datetime
    last_modified: datetime
    phase: str
    phase_since: datetime
    version: int = 0
    seq: int = field(default_factory=lambda: next(_seq))

    def set_phase(self, phase: str, now: datetime) -> None:
        self.phase = phase
        self.phase_since = now
        self.version += 1
        self.last_modified = now


class GdapStore:
    """All GDAP data of the (single) emulated partner tenant."""

    def __init__(self) -> None:
        self.relationships: dict[str, Relationship] = {}
        self.requests: dict[str, list[RelationshipRequest]] = {}
        self.assignments: dict[str, dict[str, Assignment]] = {}

    def get(self, rel_id: str) -> Relationship:
        rel = self.relationships.get(rel_id)
        if rel is None:
            raise ServiceError(404, f"The delegated admin relationship {rel_id} was not found.", "itemNotFound")
        return rel

    def get_assignment(self, rel_id: str, assignment_id: str) -> Assignment:
        assignment = self.assignments.get(rel_id, {}).get(assignment_id)
        if assignment is None:
            raise ServiceError(404, f"The access assignment {assignment_id} was not found on {rel_id}.", "itemNotFound")
        return assignment

    def name_taken(self, name: str, exclude_id: str | None = None) -> bool:
        # Unique per partner across all its relationships (terminated ones included): the
        # stricter reading of "unique per partner" in azure-facts.md.
        folded = name.casefold()
        return any(r.display_name.casefold() == folded and r.id != exclude_id for r in self.relationships.values())

    def add(self, rel: Relationship) -> None:
        if self.name_taken(rel.display_name, rel.id):
            raise ServiceError(
                409,
                f"A delegated admin relationship named '{rel.display_name}' already exists for this partner.",
                "conflict",
            )
        self.relationships[rel.id] = rel
        self.requests.setdefault(rel.id, [])
        self.assignments.setdefault(rel.id, {})

    def delete(self, rel_id: str) -> None:
        self.relationships.pop(rel_id, None)
        self.requests.pop(rel_id, None)
        self.assignments.pop(rel_id, None)

    def add_request(self, rel_id: str, action: str, now: datetime) -> RelationshipRequest:
        request = RelationshipRequest(str(uuid.uuid4()), action, "succeeded", now, now)
        self.requests.setdefault(rel_id, []).append(request)
        return request


def new_relationship_id() -> str:
    """Graph's GDAP ids are two GUIDs joined by a hyphen."""
    return f"{uuid.uuid4()}-{uuid.uuid4()}"


# -- the status machine --------------------------------------------------------------------
def refresh(rel: Relationship, now: datetime, settings: Settings) -> None:
    """Apply the transitions that time has made happen (activation, termination, auto-extend)."""
    for op in rel.operations:
        if not op.applied and op.status(now) in (OPERATION_SUCCEEDED, OPERATION_FAILED):
            op.applied = True
            if op.status(now) == OPERATION_SUCCEEDED:
                if op.assignment is not None:
                    op.assignment.roles = list(op.roles)
                    op.assignment.version += 1
                    op.assignment.last_modified = op.finished_at()
                else:
                    rel.roles = list(op.roles)
                    rel.touch(op.finished_at())
    if rel.phase == APPROVING:
        done_at = rel.phase_since + timedelta(seconds=settings.activation_delay)
        if now >= done_at:
            rel.activated = done_at
            rel.end = done_at + parse_duration(rel.duration)
            rel.phase = ACTIVE
            rel.phase_since = done_at
            rel.touch(done_at)
    if rel.phase == ACTIVE and rel.end is not None and rel.auto_extend not in NO_AUTO_EXTEND:
        step = parse_duration(rel.auto_extend)
        while now >= rel.end:
            rel.end += step
            rel.touch(rel.end - step)
    if rel.phase == TERMINATING:
        done_at = rel.phase_since + timedelta(seconds=settings.termination_delay)
        if now >= done_at:
            rel.phase = TERMINATED
            rel.phase_since = done_at
            rel.touch(done_at)


def status_of(rel: Relationship, now: datetime, settings: Settings) -> str:
    """The status Graph would report now (call ``refresh`` first)."""
    if rel.phase == APPROVING:
        half = timedelta(seconds=settings.activation_delay / 2)
        return "approved" if now < rel.phase_since + half else "activating"
    if rel.phase == ACTIVE:
        if rel.end is not None:
            if now >= rel.end:
                return "expired"
            if now >= rel.end - timedelta(days=settings.expiring_window_days):
                return "expiring"
        return "active"
    if rel.phase == TERMINATING:
        half = timedelta(seconds=settings.termination_delay / 2)
        return "terminationRequested" if now < rel.phase_since + half else "terminating"
    return rel.phase


def relationship_json(rel: Relationship, now: datetime, settings: Settings) -> dict[str, Any]:
    refresh(rel, now, settings)
    status = status_of(rel, now, settings)
    return {
        "@odata.type": "#microsoft.graph.delegatedAdminRelationship",
        "@odata.etag": etag_for("rel", rel.id, rel.version, status, iso(rel.end)),
        "id": rel.id,
        "displayName": rel.display_name,
        "duration": rel.duration,
        "customer": dict(rel.customer) if rel.customer else None,
        "accessDetails": {"unifiedRoles": [{"roleDefinitionId": r} for r in rel.roles]},
        "status": status,
        "autoExtendDuration": rel.auto_extend,
        "createdDateTime": iso(rel.created),
        "lastModifiedDateTime": iso(rel.last_modified),
        "activatedDateTime": iso(rel.activated),
        "endDateTime": iso(rel.end),
    }


def assignment_status(assignment: Assignment, rel_status: str, now: datetime, settings: Settings) -> str:
    """Reported status: the relationship ending takes its assignments with it."""
    if rel_status in ("terminated", "expired"):
        return "deleted"
    if rel_status in ("terminationRequested", "terminating") and assignment.phase != "deleted":
        return "deleting"
    delay = timedelta(seconds=settings.assignment_delay)
    if assignment.phase == "pending" and now >= assignment.phase_since + delay:
        assignment.set_phase("active", assignment.phase_since + delay)
    elif assignment.phase == "deleting" and now >= assignment.phase_since + delay:
        assignment.set_phase("deleted", assignment.phase_since + delay)
    return assignment.phase


def assignment_json(assignment: Assignment, rel_status: str, now: datetime, settings: Settings) -> dict[str, Any]:
    status = assignment_status(assignment, rel_status, now, settings)
    return {
        "@odata.type": "#microsoft.graph.delegatedAdminAccessAssignment",
        "@odata.etag": etag_for("assignment", assignment.id, assignment.version, status),
        "id": assignment.id,
        "status": status,
        "createdDateTime": iso(assignment.created),
        "lastModifiedDateTime": iso(assignment.last_modified),
        "accessContainer": {
            "accessContainerId": assignment.group_id,
            "accessContainerType": assignment.container_type,
        },
        "accessDetails": {"unifiedRoles": [{"roleDefinitionId": r} for r in assignment.roles]},
    }


def check_body_fields(body: dict[str, Any], allowed: tuple[str, ...]) -> None:
    for key in body:
        if key.startswith("@odata."):
            continue
        if key in READ_ONLY_FIELDS:
            raise bad(f"Property '{key}' is read-only.")
        if key not in allowed:
            raise bad(f"Property '{key}' does not exist on this resource.")
