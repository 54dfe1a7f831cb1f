"""The partner's relationships no customer of the stack declares, for ``dapctl gdap status --all``.

A partner's estate holds relationships made before (or beside) its stacks: Microsoft-led transition ones, old
ones made by hand, ones of customers outside any config. They expire and await approval like the declared ones,
so ``--all`` lists them too, each marked undeclared. An ended undeclared relationship is a note, not a warning: it
grants nothing and nothing declares it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from stacks.config import StackConfig

from .gdap_status import EXPIRING_DAYS, STUCK_DAYS, StatusRow, _row

ENDED = ("expired", "terminated")
UNDECLARED_NOTE = "undeclared: no customer of this stack declares this relationship (dapctl import adopts it)"


def undeclared_rows(
    cfg: StackConfig,
    relationships: list[dict],
    declared_rows: list[StatusRow],
    now: datetime | None = None,
    expiring_days: int = EXPIRING_DAYS,
    stuck_days: int = STUCK_DAYS,
) -> list[StatusRow]:
    """A row, marked undeclared, for each relationship no declared row shows."""
    now = now or datetime.now(UTC)
    shown = {r.relationship_id for r in declared_rows if r.relationship_id}
    adopted = {
        c.gdap.adopt_relationship_id.lower()
        for c in cfg.customers
        if c.gdap is not None and c.gdap.adopt_relationship_id is not None
    }
    names = {c.tenant_id: c.name for c in cfg.customers}
    rows = []
    for rel in sorted(
        relationships, key=lambda r: ((r.get("customer") or {}).get("tenantId") or "", r.get("id") or "")
    ):
        rel_id = rel.get("id") or ""
        if rel_id in shown or rel_id.lower() in adopted:
            continue
        customer = rel.get("customer") or {}
        tenant = (customer.get("tenantId") or "").lower()
        label = names.get(tenant) or customer.get("displayName") or tenant
        row = _row(label, tenant, rel, now, expiring_days, stuck_days)
        row.declared = False
        if row.status in ENDED:
            row.notes += row.warnings
            row.warnings = []
        row.notes.insert(0, UNDECLARED_NOTE)
        rows.append(row)
    return rows
