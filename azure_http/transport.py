"""The HTTP transport behind every pooled client: several small connection pools, not one big one.

httpcore's pool (under httpx) re-examines every connection for every queued request each time a
request starts or ends, and checks each idle connection's socket while doing so: its cost grows
with the square of the pool size. A concurrent sweep with one pool of 64 connections spends more
CPU there than on anything else; 4 pools of 16 do the same work for a fraction of it. Each
request goes to the pool with the fewest requests in flight.
"""

from __future__ import annotations

import math
import ssl
from collections.abc import AsyncIterator

import httpx

#: Connections per pool: httpcore's bookkeeping stays cheap up to about this size.
CONNECTIONS_PER_POOL = 16


class _CountedStream(httpx.AsyncByteStream):
    """A response body that gives its pool's slot back when closed."""

    def __init__(self, stream: httpx.AsyncByteStream, release: _Release) -> None:
        self._stream = stream
        self._release = release

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._stream.aclose()
        finally:
            self._release()


class _Release:
    def __init__(self, busy: list[int], index: int) -> None:
        self._busy, self._index, self._done = busy, index, False

    def __call__(self) -> None:
        if not self._done:
            self._done = True
            self._busy[self._index] -= 1


class ShardedTransport(httpx.AsyncBaseTransport):
    """``connections`` connections spread over pools of at most ``per_pool``, all kept alive."""

    def __init__(self, connections: int, *, verify: ssl.SSLContext, per_pool: int = CONNECTIONS_PER_POOL) -> None:
        shards = max(1, math.ceil(connections / max(1, per_pool)))
        size = max(1, math.ceil(connections / shards))
        limits = httpx.Limits(max_connections=size, max_keepalive_connections=size)
        self._pools = [httpx.AsyncHTTPTransport(verify=verify, limits=limits) for _ in range(shards)]
        self._busy = [0] * shards

    @property
    def pools(self) -> int:
        return len(self._pools)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        index = min(range(len(self._pools)), key=self._busy.__getitem__)
        self._busy[index] += 1
        release = _Release(self._busy, index)
        try:
            response = await self._pools[index].handle_async_request(request)
        except BaseException:
            release()
            raise
        response.stream = _CountedStream(response.stream, release)  # type: ignore[arg-type]
        return response

    async def aclose(self) -> None:
        for pool in self._pools:
            await pool.aclose()
