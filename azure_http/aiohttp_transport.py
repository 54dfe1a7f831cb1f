"""An httpx transport that sends over aiohttp: the same ``httpx.AsyncClient`` API, a fraction of the CPU.

A concurrent sweep is bound by the client's CPU, and most of it went to httpx's own stack (httpcore's pool
bookkeeping, anyio, h11's pure-Python parser): measured on a 1,000-subscription sweep, about 1.5 ms per
request, 80 % of the samples there. aiohttp parses HTTP in C and pools connections per host in one dict, so
under the very same ``httpx.AsyncClient`` (requests, responses, timeouts, the retry loop: unchanged) a
request costs about half. httpx allows exactly this: a custom ``AsyncBaseTransport``.

Failures come back as the httpx exceptions the retry policy already knows (``azure_http.retry``): a refused
or timed-out connection is ``ConnectError``/``ConnectTimeout`` (never sent: retried for any method), a
dropped connection or a cut body is ``RemoteProtocolError``/``ReadError`` and a slow answer ``ReadTimeout``
(maybe applied: retried for idempotent methods only).

aiohttp is optional: the customer's runbook in Azure Automation ships httpx only, and ``base`` falls back
to ``azure_http.transport.ShardedTransport`` when aiohttp cannot be imported.
"""

from __future__ import annotations

import asyncio
import json as jsonlib
import ssl
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import aiohttp
import httpx

#: What httpx sends on every request unless told otherwise (the client's User-Agent comes with ``headers``).
_DEFAULT_HEADERS = {"Accept": "*/*", "Accept-Encoding": "gzip, deflate"}
#: Seconds an idle connection stays open for the next request (httpx's default keep-alive expiry is 5 s).
KEEPALIVE_SECONDS = 5.0


class AiohttpTransport(httpx.AsyncBaseTransport):
    """At most ``connections`` connections (all kept alive), TLS verified against ``verify``."""

    def __init__(self, connections: int, *, verify: ssl.SSLContext) -> None:
        self.connections = max(1, connections)
        self._ssl = verify
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        # Created on first use, inside the running loop (aiohttp binds its connector to it).
        if self._session is None:
            connector = aiohttp.TCPConnector(
                limit=self.connections,
                limit_per_host=self.connections,
                ssl=self._ssl,
                keepalive_timeout=KEEPALIVE_SECONDS,
                enable_cleanup_closed=False,
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                cookie_jar=aiohttp.DummyCookieJar(),  # the APIs set no cookies; a token never rides one
                auto_decompress=False,  # httpx decodes Content-Encoding itself, from the headers
                skip_auto_headers=("User-Agent", "Accept-Encoding", "Accept", "Content-Type"),
                timeout=aiohttp.ClientTimeout(total=None),
            )
        return self._session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        limits = request.extensions.get("timeout") or {}
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=limits.get("pool"),  # waiting for a free connection and opening it
            sock_connect=limits.get("connect"),
            sock_read=limits.get("read"),
        )
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw]
        body = await request.aread()
        return await self._exchange(request.method, str(request.url), headers, body, timeout, request)

    async def send(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None,
        json: Any,
        headers: Mapping[str, str],
        timeout: httpx.Timeout,
    ) -> httpx.Response:
        """The same exchange without ``httpx.AsyncClient`` in front: what ``ApiClient`` calls on its own pool.

        httpx parses and validates every URL twice per request in pure Python (the URL, then again with the
        query merged), about a fifth of a sweep's client CPU. Here the query is encoded as httpx encodes it
        (``urlencode``, booleans as ``true``/``false``), the JSON body as httpx writes it (compact, UTF-8),
        and yarl parses the URL once. The answer is the same ``httpx.Response`` (its ``request`` is not set:
        nothing here reads it).
        """
        if params:
            query = urlencode([(k, _query_value(v)) for k, v in params.items()])
            url = f"{url}{'&' if '?' in url else '?'}{query}"
        all_headers = {**_DEFAULT_HEADERS, **headers}
        body = None
        if json is not None:
            body = jsonlib.dumps(json, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()
            all_headers["Content-Type"] = "application/json"
        limits = aiohttp.ClientTimeout(
            total=None, connect=timeout.pool, sock_connect=timeout.connect, sock_read=timeout.read
        )
        return await self._exchange(method, url, all_headers, body, limits, None)

    async def _exchange(
        self,
        method: str,
        url: str,
        headers: Any,
        body: bytes | None,
        timeout: aiohttp.ClientTimeout,
        request: httpx.Request | None,
    ) -> httpx.Response:
        session = self._open()
        try:
            async with session.request(
                method,
                url,
                headers=headers,
                data=body or None,
                allow_redirects=False,  # a token must not follow a redirect (answers.redirect_error)
                timeout=timeout,
                compress=None,
            ) as answer:
                content = await answer.read()
                return httpx.Response(
                    answer.status,
                    headers=[(k.decode("latin-1"), v.decode("latin-1")) for k, v in answer.raw_headers],
                    content=content,
                    request=request,
                    extensions={"http_version": f"HTTP/{answer.version.major}.{answer.version.minor}".encode()},
                )
        except aiohttp.ConnectionTimeoutError as exc:
            raise httpx.ConnectTimeout(str(exc) or "timed out connecting", request=request) from exc
        except aiohttp.SocketTimeoutError as exc:
            raise httpx.ReadTimeout(str(exc) or "timed out reading the answer", request=request) from exc
        except asyncio.TimeoutError as exc:  # noqa: UP041 - Python 3.10 keeps it apart from TimeoutError
            raise httpx.ReadTimeout("timed out", request=request) from exc
        except aiohttp.ClientConnectorError as exc:
            raise httpx.ConnectError(str(exc), request=request) from exc
        except (aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError, aiohttp.ClientResponseError) as exc:
            raise httpx.RemoteProtocolError(str(exc) or type(exc).__name__, request=request) from exc
        except aiohttp.ClientOSError as exc:
            raise httpx.ReadError(str(exc), request=request) from exc
        except aiohttp.ClientError as exc:
            raise httpx.TransportError(f"{type(exc).__name__}: {exc}", request=request) from exc
        except ValueError as exc:  # yarl: a URL it cannot parse (httpx would say InvalidURL)
            raise httpx.InvalidURL(str(exc)) from exc

    async def aclose(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()


def _query_value(value: Any) -> str:
    """A query value as httpx writes it: ``true``/``false`` for booleans, empty for None."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    return "" if value is None else str(value)
