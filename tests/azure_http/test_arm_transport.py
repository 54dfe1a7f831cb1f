"""The pooled transport under a concurrent sweep: bounded requests in flight, small pools, slots returned."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from azure_http.base import MAX_CONCURRENCY, _tls_context
from azure_http.transport import ShardedTransport
from tests.arm_scenario import FABRIKAM, SUB_FAB, SUB_PROD, arm, scenario

pytestmark = pytest.mark.anyio


@pytest.fixture
def world(emulator):
    emulator.control.reset(scenario())
    return emulator


async def test_requests_in_flight_are_bounded_and_shared_with_for_tenant_clones(world) -> None:
    world.control.arm_set_latency(0.3)
    async with arm(world, max_concurrency=3) as client:
        other = client.for_tenant(FABRIKAM)
        await asyncio.gather(
            *(client.get_subscription(SUB_PROD) for _ in range(3)), *(other.get_subscription(SUB_FAB) for _ in range(3))
        )
    seen = [r["in_flight"] for r in world.control.requests("/arm")]
    assert len(seen) == 6 and max(seen) == 3  # three at a time across both tenants' clients, never more


async def test_the_transport_spreads_requests_over_small_pools_and_frees_them(world) -> None:
    """httpx's own pools (what the runbook in Azure Automation uses: it ships httpx, not aiohttp)."""
    world.control.arm_set_latency(0.05)
    transport = ShardedTransport(MAX_CONCURRENCY, verify=_tls_context())
    assert transport.pools == MAX_CONCURRENCY // 16
    async with httpx.AsyncClient(transport=transport) as http, arm(world, http=http) as client:
        await asyncio.gather(*(client.get_subscription(SUB_PROD) for _ in range(40)))
        assert transport._busy == [0] * transport.pools  # every slot given back
        assert sum(1 for pool in transport._pools if pool._pool.connections) == transport.pools  # all used


def test_pool_sizes() -> None:
    import ssl

    context = ssl.create_default_context()
    assert ShardedTransport(64, verify=context).pools == 4
    assert ShardedTransport(1, verify=context).pools == 1
    assert ShardedTransport(40, verify=context, per_pool=16).pools == 3
