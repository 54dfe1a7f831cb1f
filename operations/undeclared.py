"""The partner's relationships no customer of the stack declares, for ``dapctl gdap status --all``.

A partner's estate holds relationships made before (or beside) its stacks: Microsoft-led transition ones, old
ones made by hand, ones of customers outside any config. They expire and await approval like the declared ones,
so ``--all`` lists them too, each marked undeclared. An ended undeclared relationship is a note, not a warning: it
grants nothing and nothing declares it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from azure_http.gdap import FINAL_STATUSES
from azure_http.models import Relationship
from intent import StackIntent
from operations.gdap_status import EXPIRING_DAYS, STUCK_DAYS, StatusRow, _row

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
