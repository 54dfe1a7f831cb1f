"""dapctl's read of the partner's GDAP relationships, through the one HTTP package."""

from __future__ import annotations

import os

from azure_http import GraphClient, run_sync
from azure_http.connect import ENV, connect
from azure_http.models import Relationship


def use_endpoint(endpoint: str | None) -> None:
    """--endpoint wins over the environment; both name 'azure', 'offline' or an emulator URL."""
    if endpoint:
        os.environ[ENV] = endpoint


async def read_relationships(partner_tenant_id: str) -> list[Relationship]:
    """Every relationship of the partner, typed (one paged read)."""
    conn = connect()
    async with GraphClient(conn.tokens, conn.endpoints, tenant_id=partner_tenant_id) as graph:
        return [r async for r in graph.relationships()]


def fetch_relationships(partner_tenant_id: str) -> list[Relationship]:
    return run_sync(read_relationships(partner_tenant_id))
