"""dapctl's read of the partner's GDAP relationships, through the one HTTP package."""

from __future__ import annotations

import os

from azure_http import GraphClient, run_sync
from azure_http.connect import ENV, connect
from config.schema import StackConfig
from stacks.observe import list_all_relationships


def use_endpoint(endpoint: str | None) -> None:
    """--endpoint wins over the environment; both name 'azure', 'offline' or an emulator URL."""
    if endpoint:
        os.environ[ENV] = endpoint


async def read_relationships(cfg: StackConfig) -> list[dict]:
    conn = connect()
    async with GraphClient(conn.tokens, conn.endpoints, tenant_id=cfg.partner.tenant_id) as graph:
        return await list_all_relationships(graph)


def fetch_relationships(cfg: StackConfig) -> list[dict]:
    return run_sync(read_relationships(cfg))
