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
from azure_http.models import Relationship
from intent import StackIntent
from intent.observed import pick


@dataclass
class Observation:
    source: str
    """'offline', 'azure' or the emulator URL."""
    relationships: dict[str, Relationship] = field(default_factory=dict)
    """Customer name -> its open relationship (absent: none found, or not read)."""

    @property
    def offline(self) -> bool:
        return self.source == "offline"


async def list_all_relationships(graph: GraphClient) -> list[Relationship]:
    return [r async for r in graph.relationships()]


def observe_gdap(intent: StackIntent, endpoint: str | None = None) -> Observation:
    """One paged read of the partner's relationships, matched to the stack's active gdap customers.

    ``endpoint``: as ``azure_http.connect.connect`` takes it (None: CSP_DELEGATION_ENDPOINT)."""
    target = current_target(endpoint)
    wanted = [c for c in intent.active_customers if c.gdap is not None]
    if is_offline(endpoint) or not wanted:
        return Observation(source="offline" if is_offline(endpoint) else target)
    conn = connect(endpoint)

    async def read() -> list[Relationship]:
        async with GraphClient(conn.tokens, conn.endpoints, tenant_id=intent.partner.tenant_id) as graph:
            return await list_all_relationships(graph)

    relationships = run_sync(read())
    observation = Observation(source=target)
    for customer in wanted:
        assert customer.gdap is not None
        found = pick(relationships, customer.gdap.display_name, customer.tenant_id, customer.gdap.adopt_id)
        if found is not None:
            observation.relationships[customer.name] = found
    return observation
