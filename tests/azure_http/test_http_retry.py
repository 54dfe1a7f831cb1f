"""Retries against injected faults: 429 + Retry-After, 5xx, dropped connections, timeouts, budgets."""

from __future__ import annotations

import socket

import httpx
import pytest

from azure_http import (
    BadRequest,
    Endpoints,
    GraphClient,
    NotFound,
    RetryPolicy,
    ServerError,
    StaticToken,
    Throttled,
    TransportFailed,
)
from azure_http.retry import parse_retry_after
from tests.helpers import VirtualTime

HELPDESK = "729827e3-9c14-49f7-bb1b-9608f156bbb8"
RELS = "/graph/v1.0/tenantRelationships/delegatedAdminRelationships"

pytestmark = pytest.mark.anyio


def client(emulator, sleep: VirtualTime, **policy) -> GraphClient:
    retry = RetryPolicy(**{"backoff_base": 0.01, "backoff_max": 0.05, **policy})
    return GraphClient(StaticToken(), Endpoints.emulator(emulator.url), retry=retry, sleep=sleep)


def statuses(emulator, method: str | None = None) -> list[int]:
    return [r["status"] for r in emulator.control.requests(RELS, method)]


async def test_429_storm_is_ridden_out_honouring_retry_after(emulator) -> None:
    emulator.control.add_fault(RELS, status=429, times=3, retry_after=0.2)
    sleep = VirtualTime()
    async with client(emulator, sleep, max_attempts=5) as graph:
        rels = [r async for r in graph.list_relationships()]
    assert rels == []
    assert sleep.delays == [0.2, 0.2, 0.2]  # exactly what Retry-After said, before each retry
    assert statuses(emulator) == [429, 429, 429, 200]


async def test_whole_second_retry_after_is_honoured(emulator) -> None:
    emulator.control.add_fault(RELS, status=429, times=2, retry_after=7, method="POST")
    sleep = VirtualTime()
    async with client(emulator, sleep, max_attempts=4, max_total_wait=60) as graph:
        rel = await graph.create_relationship("Throttled create", [HELPDESK])
    assert rel["status"] == "created"
    assert sleep.delays == [7.0, 7.0]
    assert statuses(emulator, "POST") == [429, 429, 201]


async def test_retries_exhausted_raise_throttled(emulator) -> None:
    emulator.control.add_fault(RELS, status=429, times=None, retry_after=0.01)
    sleep = VirtualTime()
    async with client(emulator, sleep, max_attempts=4) as graph:
        with pytest.raises(Throttled) as caught:
            await graph.get_json(RELS.removeprefix("/graph/v1.0/"))
    err = caught.value
    assert err.status == 429 and err.attempts == 4 and err.retry_after == 0.01
    assert err.code == "TooManyRequests" and err.request_id
    assert "429" in str(err) and "after 4 attempts" in str(err)
    assert len(sleep.delays) == 3
    assert statuses(emulator) == [429] * 4


async def test_retry_after_beyond_the_wait_budget_fails_at_once(emulator) -> None:
    emulator.control.add_fault(RELS, status=429, times=None, retry_after=120)
    sleep = VirtualTime()
    async with client(emulator, sleep, max_attempts=6, max_total_wait=10) as graph:
        with pytest.raises(Throttled) as caught:
            [r async for r in graph.list_relationships()]
    assert caught.value.attempts == 1 and caught.value.retry_after == 120
    assert sleep.delays == []


async def test_total_wait_budget_bounds_the_loop(emulator) -> None:
    emulator.control.add_fault(RELS, status=429, times=None, retry_after=3)
    sleep = VirtualTime()
    async with client(emulator, sleep, max_attempts=10, max_total_wait=10) as graph:
        with pytest.raises(Throttled) as caught:
            [r async for r in graph.list_relationships()]
    assert sleep.delays == [3, 3, 3] and caught.value.attempts == 4


@pytest.mark.parametrize("status", [503, 504])
async def test_5xx_is_retried_with_jittered_backoff(emulator, status: int) -> None:
    emulator.control.add_fault(RELS, status=status, times=2)
    sleep = VirtualTime()
    async with client(emulator, sleep, max_attempts=4, backoff_base=0.5, backoff_max=30) as graph:
        assert [r async for r in graph.list_relationships()] == []
    assert statuses(emulator) == [status, status, 200]
    assert len(sleep.delays) == 2
    assert 0 <= sleep.delays[0] <= 0.5 and 0 <= sleep.delays[1] <= 1.0  # full jitter under the ceiling


async def test_5xx_exhausted_raises_server_error(emulator) -> None:
    emulator.control.add_fault(RELS, status=503, times=None, retry_after=0)
    async with client(emulator, VirtualTime(), max_attempts=3) as graph:
        with pytest.raises(ServerError) as caught:
            await graph.get_relationship("nope")
    assert caught.value.status == 503 and caught.value.attempts == 3


@pytest.mark.parametrize("status", [500, 502])
async def test_500_and_502_are_retried_for_idempotent_requests_only(emulator, status: int) -> None:
    """azure-core's default RetryPolicy: 500 and 502 retried for GET/PUT/DELETE, not for POST."""
    emulator.control.add_fault(RELS, status=status, times=1, method="GET")
    emulator.control.add_fault(RELS, status=status, times=1, method="POST")
    sleep = VirtualTime()
    async with client(emulator, sleep, max_attempts=5) as graph:
        assert [r async for r in graph.list_relationships()] == []
        with pytest.raises(ServerError) as caught:
            await graph.create_relationship("not-retried", [HELPDESK])
    assert caught.value.status == status
    assert statuses(emulator, "GET") == [status, 200]
    assert statuses(emulator, "POST") == [status]
    assert len(sleep.delays) == 1


async def test_400_and_404_are_not_retried(emulator) -> None:
    sleep = VirtualTime()
    async with client(emulator, sleep, max_attempts=5) as graph:
        with pytest.raises(NotFound) as missing:
            await graph.get_relationship("does-not-exist")
        with pytest.raises(BadRequest) as invalid:
            await graph.create_relationship("x" * 51, [HELPDESK])
    assert missing.value.code == "itemNotFound" and "does-not-exist" in missing.value.message
    assert "50 characters" in invalid.value.message
    assert sleep.delays == []
    assert statuses(emulator) == [404, 400]


async def test_dropped_connection_is_retried_for_get_only(emulator) -> None:
    emulator.control.add_fault(RELS, drop=True, times=1, method="GET")
    emulator.control.add_fault(RELS, drop=True, times=1, method="POST")
    sleep = VirtualTime()
    async with client(emulator, sleep, max_attempts=3) as graph:
        assert [r async for r in graph.list_relationships()] == []
        with pytest.raises(TransportFailed) as caught:
            await graph.create_relationship("Maybe created", [HELPDESK])
    assert caught.value.attempts == 1
    assert "RemoteProtocolError" in str(caught.value) or "ReadError" in str(caught.value)  # (timing decides)
    assert len(sleep.delays) == 1
    assert [r["method"] for r in emulator.control.requests(RELS)] == ["GET", "GET", "POST"]


async def test_read_timeout_is_retried_for_idempotent_methods(emulator) -> None:
    emulator.control.add_fault(RELS, latency=2.0, times=1)
    retry = RetryPolicy(max_attempts=2, backoff_base=0.01, backoff_max=0.01)
    async with GraphClient(
        StaticToken(), Endpoints.emulator(emulator.url), retry=retry, timeout=httpx.Timeout(1.0)
    ) as graph:
        assert [r async for r in graph.list_relationships()] == []
    assert emulator.control.faults()[0]["matched"] == 2  # the slow first answer was given up on; a second GET sent


async def test_read_timeout_is_not_retried_for_post(emulator) -> None:
    """A POST that timed out may have been applied: retrying could create it twice."""
    emulator.control.add_fault(RELS, latency=0.3, times=None, method="POST")
    retry = RetryPolicy(max_attempts=3, backoff_base=0.01, backoff_max=0.01)
    async with GraphClient(
        StaticToken(), Endpoints.emulator(emulator.url), retry=retry, timeout=httpx.Timeout(0.1)
    ) as graph:
        with pytest.raises(TransportFailed) as caught:
            await graph.create_relationship("Slow create", [HELPDESK])
    assert caught.value.attempts == 1 and "ReadTimeout" in str(caught.value)
    assert emulator.control.faults()[0]["matched"] == 1


async def test_connection_refused_is_retried_then_raises(emulator) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
        url = f"http://127.0.0.1:{closed.getsockname()[1]}"
        sleep = VirtualTime()
        retry = RetryPolicy(max_attempts=3, backoff_base=0.01, backoff_max=0.01)
        async with GraphClient(StaticToken(), Endpoints.emulator(url), retry=retry, sleep=sleep) as graph:
            with pytest.raises(TransportFailed) as caught:
                await graph.create_relationship("Never sent", [HELPDESK])  # not sent: safe to retry a POST
    assert caught.value.attempts == 3 and len(sleep.delays) == 2
    assert "ConnectError" in str(caught.value)


async def test_fault_scoped_by_method_and_after(emulator) -> None:
    """The second GET fails once; POSTs and the first GET are untouched."""
    emulator.control.add_fault(RELS, status=503, method="GET", after=1, times=1, retry_after=0)
    async with client(emulator, VirtualTime(), max_attempts=3) as graph:
        await graph.create_relationship("A", [HELPDESK])
        assert len([r async for r in graph.list_relationships()]) == 1
        assert len([r async for r in graph.list_relationships()]) == 1
    assert [(r["method"], r["status"]) for r in emulator.control.requests(RELS)] == [
        ("POST", 201),
        ("GET", 200),
        ("GET", 503),
        ("GET", 200),
    ]


def test_parse_retry_after() -> None:
    assert parse_retry_after("5") == 5.0
    assert parse_retry_after("0.25") == 0.25
    assert parse_retry_after("-3") == 0.0
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:10 GMT", now=1445412480.0) == 10.0


def test_backoff_is_bounded_full_jitter() -> None:
    policy = RetryPolicy(backoff_base=1.0, backoff_max=8.0)
    for retry in range(1, 12):
        ceiling = min(8.0, 2 ** (retry - 1))
        samples = [policy.backoff(retry) for _ in range(200)]
        assert all(0 <= s <= ceiling for s in samples)
    assert max(policy.backoff(10) for _ in range(200)) > 4  # reaches up toward the cap
