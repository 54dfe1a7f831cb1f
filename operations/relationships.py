"""dapctl's read of the partner's GDAP relationships, through the one HTTP package."""

from __future__ import annotations

from azure_http import GraphClient, run_sync
from azure_http.connect import Connection
from azure_http.models import Relationship


async def read_relationships(conn: Connection, partner_tenant_id: str) -> list[Relationship]:
    """Every relationship of the partner, typed (one paged read)."""
    async with GraphClient(conn.tokens, conn.endpoints, tenant_id=partner_tenant_id) as graph:
        return [r async for r in graph.relationships()]


def fetch_relationships(conn: Connection, partner_tenant_id: str) -> list[Relationship]:
    return run_sync(read_relationships(conn, partner_tenant_id))
