"""GDAP relationships of a stack's customers: status, roles, end date, and what needs a person's attention.

Two things go wrong quietly with GDAP: a relationship runs out (nothing renews one with Global
Administrator, and auto-extend is off by default), and a request nobody approves sits there until
it lapses after 90 days. This report flags both, plus customers with no live relationship at all.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

import catalog
from azure_http import gdap
from azure_http.connect import Connection
from azure_http.gdap import FINAL_STATUSES
from azure_http.models import Relationship
from intent import StackIntent
from intent.observed import generations
from operations.relationships import fetch_relationships

EXPIRING_DAYS = 30
STUCK_DAYS = 7


@dataclass
class StatusRow:
    customer: str
    tenant_id: str
    relationship_id: str | None
    display_name: str | None
    status: str
    roles: list[str]
    end: str | None
    days_left: int | None
    auto_extend: bool
    warnings: list[str] = field(default_factory=list)
    """Needs a person (and fails `--fail-on-warning`)."""
    notes: list[str] = field(default_factory=list)
    """Worth knowing, nothing to do."""
    declared: bool = True
    """False for a relationship no customer of the stack declares (``gdap status --all``)."""

    def to_json(self) -> dict:
        return asdict(self)


def _parse(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def status_rows(
    intent: StackIntent,
    relationships: list[Relationship],
    now: datetime | None = None,
    expiring_days: int = EXPIRING_DAYS,
    stuck_days: int = STUCK_DAYS,
) -> list[StatusRow]:
    """One row per relationship of each gdap customer (a placeholder row when it has none open).

    An offboarded customer is expected to have none: an open one is the warning, a missing one is not."""
    now = now or datetime.now(UTC)
    rows: list[StatusRow] = []
    for customer in intent.customers:
        if customer.gdap is None:
            continue
        base = customer.gdap.display_name
        mine = generations(relationships, base, customer.tenant_id)
        for rel in mine:
            row = _row(customer.name, customer.tenant_id, rel, now, expiring_days, stuck_days)
            if not customer.expects_access:
                # Offboarded: an ended relationship is what was intended; an open one still grants access.
                row.notes += row.warnings
                row.warnings = []
                if rel.open:
                    row.warnings = [
                        f"{rel.status} although the customer is offboarded: the partner still has access through it "
                        f"(dapctl revoke {customer.name} --apply)"
                    ]
            rows.append(row)
        if customer.expects_access and not any(r.open for r in mine):
            rows.append(
                StatusRow(
                    customer.name,
                    customer.tenant_id,
                    None,
                    base,
                    "missing",
                    [],
                    None,
                    None,
                    False,
                    [
                        "no live GDAP relationship: run `pulumi up` to create one, then send the approval link (if "
                        f"the customer ended it on purpose, record that: `dapctl offboard {customer.name} --apply`)"
                    ],
                )
            )
    return rows


def _row(name: str, tenant: str, rel: Relationship, now: datetime, expiring_days: int, stuck_days: int) -> StatusRow:
    status = rel.status or "unknown"
    end = _parse(rel.end_date_time)
    days_left = None if end is None else (end - now).days
    roles = [catalog.directory_role_name(r) for r in gdap.role_ids_of(rel.raw)]
    warnings: list[str] = []
    notes: list[str] = []
    if rel.usable and days_left is not None and days_left <= expiring_days:
        if rel.auto_extends:
            notes.append(f"ends in {days_left} days, then auto-extends by 180 days")
        else:
            warnings.append(f"expires in {days_left} days: create a successor and send its approval link now")
    if status == gdap.APPROVAL_PENDING:
        since = _parse(rel.raw.get("lastModifiedDateTime")) or _parse(rel.created)
        waited = None if since is None else (now - since).days
        if waited is not None and waited >= stuck_days:
            warnings.append(f"awaiting approval for {waited} days (the request lapses after 90): chase the customer")
    if status in gdap.FINAL_STATUSES:
        warnings.append(f"{status}: the partner has no GDAP access through it")
    if status == gdap.CREATED:
        warnings.append("created but not locked for approval: the customer cannot see it yet")
    return StatusRow(
        name,
        tenant,
        rel.id,
        rel.display_name,
        status,
        roles,
        rel.end_date_time,
        days_left,
        rel.auto_extends,
        warnings,
        notes,
    )


# The partner's relationships no customer of the stack declares (``dapctl gdap status --all``). A partner's estate
# holds relationships made before (or beside) its stacks: Microsoft-led transition ones, old ones made by hand,
# ones of customers outside any config. They expire and await approval like the declared ones, so ``--all`` lists
# them too, each marked undeclared. An ended undeclared relationship is a note, not a warning: it grants nothing
# and nothing declares it.
UNDECLARED_NOTE = "undeclared: no customer of this stack declares this relationship (dapctl import adopts it)"


def undeclared_rows(
    cfg: StackIntent,
    relationships: list[Relationship],
    declared_rows: list[StatusRow],
    now: datetime | None = None,
    expiring_days: int = EXPIRING_DAYS,
    stuck_days: int = STUCK_DAYS,
) -> list[StatusRow]:
    """A row, marked undeclared, for each relationship no declared row shows."""
    now = now or datetime.now(UTC)
    shown = {r.relationship_id for r in declared_rows if r.relationship_id}
    adopted = {c.gdap.adopt_id.lower() for c in cfg.customers if c.gdap is not None and c.gdap.adopt_id is not None}
    names = {c.tenant_id: c.name for c in cfg.customers}
    rows = []
    for rel in sorted(relationships, key=lambda r: (r.customer_tenant_id, r.id)):
        if rel.id in shown or rel.id.lower() in adopted:
            continue
        tenant = rel.customer_tenant_id
        label = names.get(tenant) or rel.customer_display_name or tenant
        row = _row(label, tenant, rel, now, expiring_days, stuck_days)
        row.declared = False
        if row.status in FINAL_STATUSES:
            row.notes += row.warnings
            row.warnings = []
        row.notes.insert(0, UNDECLARED_NOTE)
        rows.append(row)
    return rows


def gdap_status(
    conn: Connection,
    intent: StackIntent,
    *,
    expiring_days: int = EXPIRING_DAYS,
    stuck_days: int = STUCK_DAYS,
    every: bool = False,
) -> list[StatusRow]:
    """Each gdap customer's relationship rows (one paged read of the partner's relationships), and with ``every``
    the partner's relationships no customer declares, marked undeclared."""
    relationships = fetch_relationships(conn, intent.partner.tenant_id)
    rows = status_rows(intent, relationships, expiring_days=expiring_days, stuck_days=stuck_days)
    if every:
        rows += undeclared_rows(intent, relationships, rows, expiring_days=expiring_days, stuck_days=stuck_days)
    return rows
