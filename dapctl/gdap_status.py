"""GDAP relationships of a stack's customers: status, roles, end date, and what needs a person's attention.

Two things go wrong quietly with GDAP: a relationship runs out (nothing renews one with Global
Administrator, and auto-extend is off by default), and a request nobody approves sits there until
it lapses after 90 days. This report flags both, plus customers with no live relationship at all.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

import catalog
from catalog import gdap_naming
from stacks.config import StackConfig

EXPIRING_DAYS = 30
STUCK_DAYS = 7
LIVE = frozenset({"created", "approvalPending", "approved", "activating", "active", "expiring"})


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
    cfg: StackConfig,
    relationships: list[dict],
    now: datetime | None = None,
    expiring_days: int = EXPIRING_DAYS,
    stuck_days: int = STUCK_DAYS,
) -> list[StatusRow]:
    """One row per relationship of each gdap customer (a placeholder row when it has none live)."""
    now = now or datetime.now(UTC)
    rows: list[StatusRow] = []
    for customer in cfg.customers:
        if customer.delegation != "gdap":
            continue
        base = customer.gdap_display_name()
        mine = [
            r
            for r in relationships
            if (r.get("customer") or {}).get("tenantId") == customer.tenant_id
            and gdap_naming.matches(base, r.get("displayName") or "")
        ]
        for rel in sorted(mine, key=lambda r: r.get("createdDateTime") or ""):
            rows.append(_row(customer.name, customer.tenant_id, rel, now, expiring_days, stuck_days))
        if not any(r.get("status") in LIVE for r in mine):
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
                    ["no live GDAP relationship: run `pulumi up` to create one, then send the approval link"],
                )
            )
    return rows


def _row(name: str, tenant: str, rel: dict, now: datetime, expiring_days: int, stuck_days: int) -> StatusRow:
    status = rel.get("status", "unknown")
    end = _parse(rel.get("endDateTime"))
    days_left = None if end is None else (end - now).days
    auto_extend = rel.get("autoExtendDuration") not in (None, "PT0S", "P0D")
    roles = [
        catalog.directory_role_name(u["roleDefinitionId"])
        for u in (rel.get("accessDetails") or {}).get("unifiedRoles", [])
    ]
    warnings: list[str] = []
    notes: list[str] = []
    if status in ("active", "expiring") and days_left is not None and days_left <= expiring_days:
        if auto_extend:
            notes.append(f"ends in {days_left} days, then auto-extends by 180 days")
        else:
            warnings.append(f"expires in {days_left} days: create a successor and send its approval link now")
    if status == "approvalPending":
        since = _parse(rel.get("lastModifiedDateTime")) or _parse(rel.get("createdDateTime"))
        waited = None if since is None else (now - since).days
        if waited is not None and waited >= stuck_days:
            warnings.append(f"awaiting approval for {waited} days (the request lapses after 90): chase the customer")
    if status in ("expired", "terminated"):
        warnings.append(f"{status}: the partner has no GDAP access through it")
    if status == "created":
        warnings.append("created but not locked for approval: the customer cannot see it yet")
    return StatusRow(
        name,
        tenant,
        rel.get("id"),
        rel.get("displayName"),
        status,
        roles,
        rel.get("endDateTime"),
        days_left,
        auto_extend,
        warnings,
        notes,
    )
