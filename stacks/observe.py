"""What Graph says about each customer's GDAP relationship, read before anything is declared.

Access assignments can only be made on an active relationship, and Pulumi must know at plan time
whether to declare them (a resource created inside an apply would be invisible to preview). So the
program reads the relationships first and declares assignments only for active ones; the next run
after the customer approves maps the groups. Offline (``CSP_DELEGATION_ENDPOINT=offline``), nothing
is read and the plan says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from azure_http import GraphClient, run_sync
from azure_http.connect import connect, current_target, is_offline
from catalog import gdap_naming
from config.schema import StackConfig

ACTIVE = frozenset({"active", "expiring"})
ENDED = frozenset({"terminationRequested", "terminating", "terminated", "expired"})
_PREFERENCE = {"active": 0, "expiring": 1, "approved": 2, "activating": 2, "approvalPending": 3, "created": 4}


@dataclass(frozen=True)
class ObservedRelationship:
    id: str
    status: str
    display_name: str
    customer_tenant_id: str
    end_date_time: str | None
    role_ids: tuple[str, ...]

    @property
    def active(self) -> bool:
        return self.status in ACTIVE


@dataclass
class Observation:
    source: str
    """'offline', 'azure' or the emulator URL."""
    relationships: dict[str, ObservedRelationship] = field(default_factory=dict)
    """Customer name -> its live relationship (absent: none found, or not read)."""

    @property
    def offline(self) -> bool:
        return self.source == "offline"


def pick(relationships: list[dict], display_name: str, tenant_id: str) -> ObservedRelationship | None:
    """The customer's live relationship of that name (the most advanced one if several)."""
    matching = [
        r
        for r in relationships
        if gdap_naming.matches(display_name, r.get("displayName") or "")
        and (r.get("customer") or {}).get("tenantId") == tenant_id
        and r.get("status") not in ENDED
    ]
    if not matching:
        return None
    best = min(matching, key=lambda r: _PREFERENCE.get(r.get("status", ""), 9))
    roles = tuple(sorted(u["roleDefinitionId"] for u in (best.get("accessDetails") or {}).get("unifiedRoles", [])))
    return ObservedRelationship(
        id=best["id"],
        status=best["status"],
        display_name=best["displayName"],
        customer_tenant_id=tenant_id,
        end_date_time=best.get("endDateTime"),
        role_ids=roles,
    )


async def list_all_relationships(graph: GraphClient) -> list[dict]:
    return [r async for r in graph.list_relationships()]


def observe_gdap(cfg: StackConfig) -> Observation:
    """One paged read of the partner's relationships, matched to the stack's gdap customers."""
    target = current_target()
    if is_offline() or not any(c.delegation == "gdap" for c in cfg.customers):
        return Observation(source="offline" if is_offline() else target)
    conn = connect()

    async def read() -> list[dict]:
        async with GraphClient(conn.tokens, conn.endpoints, tenant_id=cfg.partner.tenant_id) as graph:
            return await list_all_relationships(graph)

    relationships = run_sync(read())
    observation = Observation(source=target)
    for customer in cfg.customers:
        if customer.delegation != "gdap":
            continue
        found = pick(relationships, customer.gdap_display_name(), customer.tenant_id)
        if found is not None:
            observation.relationships[customer.name] = found
    return observation
