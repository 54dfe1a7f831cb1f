"""The one HTTP request loop shared by the Graph, ARM and Partner Center clients.

A service client is a thin subclass that knows its base URL, token scope and paths; this
class does everything that must behave the same for all of them: a fresh token per attempt,
retries with Retry-After and jittered backoff, ``If-Match``, ``nextLink`` paging, request ids
and error mapping. It is async so that sweeps can run thousands of calls concurrently;
synchronous callers wrap a coroutine in ``azure_http.run_sync``.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import importlib.util
import logging
import os
import ssl
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any, TypeVar
from urllib.parse import urlsplit

import certifi
import httpx

from azure_http import deadline as _deadline
from azure_http.answers import json_object, page_items, redirect_error
from azure_http.auth import TokenProvider
from azure_http.endpoints import Endpoints
from azure_http.errors import TransportFailed, error_from_response, request_id_of
from azure_http.paging import NEXT_LINK_KEYS, next_link_of
from azure_http.redact import redact
from azure_http.retry import RetryPolicy, parse_retry_after
from azure_http.throttle import RateLimiter
from azure_http.transport import ShardedTransport

try:  # optional: see _new_http_client
    from azure_http import aiohttp_transport as _aiohttp_transport
except ImportError:  # pragma: no cover - the runbook's Automation sandbox
    _aiohttp_transport = None  # type: ignore[assignment]

log = logging.getLogger("azure_http")

# httpcore (under httpx) runs ``import sniffio`` for every request it pools; when sniffio is not
# installed (recent anyio no longer pulls it in), each failed import searches sys.path again, which
# was a third of a 1,000-subscription sweep's CPU time. Remember the miss once.
if importlib.util.find_spec("sniffio") is None:
    sys.modules.setdefault("sniffio", None)  # type: ignore[assignment]

DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
#: Requests one pooled client has on the wire at once; more wait their turn in asyncio rather than
#: in httpcore's pool, whose bookkeeping grows with the square of what it holds. The connections are
#: spread over pools of 16 (``azure_http.transport``).
MAX_CONCURRENCY = 64
USER_AGENT = "csp-delegation/0.1 (+azure_http)"

Sleep = Callable[[float], Awaitable[Any]]


_Client = TypeVar("_Client", bound="ApiClient")
"""The client type itself (``typing.Self`` needs Python 3.11; the customer's runbook runs on 3.10)."""


class ApiClient:
    """Async client for one Microsoft REST API (base URL + token scope).

    ``tenant_id`` selects the tenant the token is issued for (the partner's, or a customer's
    under GDAP). ``http`` lets a caller share or replace the transport; by default the client
    owns an ``httpx.AsyncClient``, created lazily for the running event loop (so one client
    object survives being driven by several ``run_sync`` calls, each on its own loop).
    ``sleep`` is the coroutine used for back-off and polling waits, ``clock`` the monotonic clock polling
    deadlines are measured on (tests pass a virtual pair, so nothing depends on the machine's speed).
    """

    #: Header carrying our per-call correlation id (Graph's name; ARM uses x-ms-client-request-id).
    client_request_id_header = "client-request-id"
    #: Keys holding the next page's URL, in order of preference.
    next_link_keys: tuple[str, ...] = NEXT_LINK_KEYS

    def __init__(
        self,
        base_url: str,
        scope: str,
        tokens: TokenProvider,
        *,
        tenant_id: str | None = None,
        retry: RetryPolicy | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        http: httpx.AsyncClient | None = None,
        sleep: Sleep | None = None,
        clock: Callable[[], float] | None = None,
        default_params: Mapping[str, str] | None = None,
        rate_limiter: RateLimiter | None = None,
        max_concurrency: int = MAX_CONCURRENCY,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.scope = scope
        self.tokens = tokens
        self.tenant_id = tenant_id
        self.retry = retry or RetryPolicy()
        self.timeout = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
        self.default_params = dict(default_params or {})
        self._sleep: Sleep = sleep or asyncio.sleep
        self._clock: Callable[[], float] = clock or time.monotonic
        #: Paces requests and records the service's remaining-budget headers (ARM); see
        #: ``azure_http.throttle``. Used for requests ``rate_limit_key`` maps to a bucket.
        self.rate_limiter = rate_limiter
        self._external_http = http
        self._http: httpx.AsyncClient | None = None
        self._http_loop: asyncio.AbstractEventLoop | None = None
        self.max_concurrency = max(1, max_concurrency)
        self._slots: asyncio.Semaphore | None = None
        #: The aiohttp transport of this client's own pool, called without httpx.AsyncClient in front.
        self._direct: Any = None
        origin = urlsplit(self.base_url)
        self._origin = (origin.scheme, origin.netloc)

    # -- lifecycle ------------------------------------------------------------------------
    async def __aenter__(self: _Client) -> _Client:
        """Open a connection pool for this event loop, used until ``__aexit__`` / ``aclose``."""
        loop = asyncio.get_running_loop()
        if self._external_http is None and (self._http is None or self._http_loop is not loop):
            self._http, self._http_loop = _new_http_client(self.timeout, self.max_concurrency), loop
            self._slots = asyncio.Semaphore(self.max_concurrency)
            transport = self._http._transport
            self._direct = (
                transport if _aiohttp_transport and isinstance(transport, _aiohttp_transport.AiohttpTransport) else None
            )
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        http, loop = self._http, self._http_loop
        self._http = self._http_loop = None
        self._slots = None
        self._direct = None
        if http is not None and loop is asyncio.get_running_loop():
            await http.aclose()  # (a pool from a finished loop cannot be closed from this one)

    @contextlib.asynccontextmanager
    async def _connection(self) -> AsyncIterator[httpx.AsyncClient]:
        """The pooled client when one is open on this loop, else a client for this one request.

        Outside ``async with`` (e.g. ``run_sync(client.get_relationship(x))`` from a dynamic
        provider, each call on a fresh loop) a per-request client is opened and closed, so no
        connection outlives the loop it was made on.
        """
        if self._external_http is not None or (
            self._http is not None and self._http_loop is asyncio.get_running_loop()
        ):
            http = self._external_http or self._http
            if self._slots is None:  # (a caller's own transport: its limits are the caller's)
                yield http  # type: ignore[misc]
            else:
                async with self._slots:  # at most max_concurrency requests in the pool at once
                    yield http  # type: ignore[misc]
        else:
            async with _new_http_client(self.timeout, 1) as http:
                yield http

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r}, tenant_id={self.tenant_id!r})"

    def __getstate__(self) -> dict[str, Any]:
        raise TypeError(f"{type(self).__name__} holds a connection pool; create it at call time, do not pickle")

    # -- URLs -----------------------------------------------------------------------------
    def url(self, path: str) -> str:
        """Absolute URL for ``path`` (relative to the base URL), or ``path`` if already absolute.

        Absolute URLs (``nextLink``) must point at the same scheme and host as the base URL:
        the bearer token is never sent anywhere else.
        """
        if path.startswith(("http://", "https://")):
            parts = urlsplit(path)
            if (parts.scheme, parts.netloc) != self._origin:
                raise ValueError(f"refusing to send a token to {parts.scheme}://{parts.netloc}")
            return path
        return f"{self.base_url}/{path.lstrip('/')}"

    # -- the request loop -----------------------------------------------------------------
    def rate_limit_key(self, method: str, url: str) -> Any | None:
        """The throttle bucket a request counts against (None: not paced). ARM overrides this."""
        return None

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        if_match: str | None = None,
    ) -> httpx.Response:
        """Send one logical request, retrying as the policy allows; return a 2xx/3xx response.

        Raises an ``ApiError`` subclass for an error status and ``TransportFailed`` when no
        answer came. The token is fetched per attempt and appears in no message.
        """
        method = method.upper()
        url = self.url(path)
        if self.default_params and not path.startswith(("http://", "https://")):
            params = {**self.default_params, **(params or {})}  # next links carry their own
        client_request_id = str(uuid.uuid4())
        base_headers = {
            "User-Agent": USER_AGENT,
            self.client_request_id_header: client_request_id,
            "Accept": "application/json",
        }
        if headers:
            base_headers.update(headers)
        if if_match is not None:
            base_headers["If-Match"] = if_match

        policy = self.retry
        limiter = self.rate_limiter
        bucket = self.rate_limit_key(method, url) if limiter is not None else None
        waited = 0.0
        attempt = 0
        limit = _deadline.current()
        while True:
            attempt += 1
            if limit is not None and limit.remaining() <= 0:
                raise _deadline.DeadlineExceeded(method, url, limit.seconds)
            token = await self.tokens.get_token(self.scope, self.tenant_id)
            if bucket is not None:
                await limiter.acquire(bucket)  # type: ignore[union-attr]
            started = time.monotonic()
            try:
                async with self._connection() as http:
                    headers_now = {**base_headers, "Authorization": f"Bearer {token}"}
                    if self._direct is not None and getattr(http, "_transport", None) is self._direct:
                        send = self._direct.send(
                            method, url, params=params, json=json, headers=headers_now, timeout=self.timeout
                        )
                    else:
                        send = _send(http, method, url, params, json, headers_now)
                    response = await _within(limit, method, url, send)
            except BaseException as exc:
                if bucket is not None:
                    limiter.release(bucket)  # type: ignore[union-attr]
                if not isinstance(exc, httpx.TransportError):
                    raise
                if attempt < policy.max_attempts and policy.should_retry_exception(exc, method):
                    delay = policy.backoff(attempt)
                    if waited + delay <= policy.max_total_wait and _fits(delay, limit):
                        log.warning(
                            "%s %s: %s; retry %d/%d in %.2fs",
                            method,
                            url,
                            type(exc).__name__,
                            attempt,
                            policy.max_attempts - 1,
                            delay,
                        )
                        waited += delay
                        await self._sleep(delay)
                        continue
                raise TransportFailed(method, url, _scrubbed(exc, token), attempt) from None

            elapsed = time.monotonic() - started
            status = response.status_code
            if bucket is not None:
                limiter.observe(bucket, status, response.headers, _retry_after(response))  # type: ignore[union-attr]
            log.debug(
                "%s %s -> %d in %.3fs (request-id %s)",
                method,
                url,
                status,
                elapsed,
                request_id_of(response),
            )
            if status < 300:
                return response
            if status < 400:
                raise redirect_error(response, method, url)

            retry_after = _retry_after(response)
            if attempt < policy.max_attempts and policy.should_retry_status(status, method):
                delay = retry_after if retry_after is not None else policy.backoff(attempt)
                if waited + delay <= policy.max_total_wait and _fits(delay, limit):
                    log.warning(
                        "%s %s -> %d; retry %d/%d in %.2fs (%s)",
                        method,
                        url,
                        status,
                        attempt,
                        policy.max_attempts - 1,
                        delay,
                        "Retry-After" if retry_after is not None else "backoff",
                    )
                    waited += delay
                    await self._sleep(delay)
                    continue
            raise error_from_response(
                response,
                method=method,
                url=url,
                client_request_id=client_request_id,
                retry_after=retry_after,
                attempts=attempt,
                secrets=(token,),
            )

    # -- JSON conveniences ----------------------------------------------------------------
    async def get_json(
        self, path: str, *, params: Mapping[str, Any] | None = None, headers: Mapping[str, str] | None = None
    ) -> dict[str, Any]:
        """The JSON object of a GET (``UnexpectedAnswer`` for anything else: HTML, empty, an array)."""
        response = await self.request("GET", path, params=params, headers=headers)
        return json_object(response, "GET", self.url(path))  # type: ignore[return-value]

    async def send_json(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        if_match: str | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> dict[str, Any] | None:
        """Send a JSON body; return the JSON answer, or None for an empty one (204, 202)."""
        response = await self.request(method, path, json=body, if_match=if_match, params=params)
        return json_object(response, method.upper(), self.url(path), allow_empty=True)

    async def pages(
        self, path: str, *, params: Mapping[str, Any] | None = None, headers: Mapping[str, str] | None = None
    ) -> AsyncIterator[dict[str, Any]]:
        """Yield each page (the whole JSON object) of a collection, following next links."""
        page = await self.get_json(path, params=params, headers=headers)
        yield page
        while link := next_link_of(page, self.next_link_keys):
            page = await self.get_json(link, headers=headers)
            yield page

    async def paginate(
        self,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        items_key: str = "value",
        headers: Mapping[str, str] | None = None,
    ) -> AsyncIterator[dict[str, Any]]:
        """Yield every item of a paged collection (Graph ``@odata.nextLink``, ARM ``nextLink``)."""
        async for page in self.pages(path, params=params, headers=headers):
            for item in page_items(page, items_key, "GET", self.url(path)):
                yield item


async def _send(
    http: httpx.AsyncClient, method: str, url: str, params: Any, json: Any, headers: dict[str, str]
) -> httpx.Response:
    response = await http.request(method, url, params=params, json=json, headers=headers)
    await response.aread()
    return response


async def _within(limit: _deadline.Deadline | None, method: str, url: str, send: Awaitable[httpx.Response]):
    """``send``, cut off when the command's deadline (if any) passes first."""
    if limit is None:
        return await send
    try:
        return await asyncio.wait_for(send, max(0.0, limit.remaining()))
    except asyncio.TimeoutError:  # noqa: UP041 - the runbook's Python 3.10 keeps it apart from TimeoutError
        raise _deadline.DeadlineExceeded(method, url, limit.seconds) from None


def _fits(delay: float, limit: _deadline.Deadline | None) -> bool:
    """Whether a back-off of ``delay`` seconds ends before the deadline (no deadline: always)."""
    return limit is None or delay < limit.remaining()


def _tls_context() -> ssl.SSLContext:
    """certifi's CAs, plus the CA file named by ``SSL_CERT_FILE`` when set (the throwaway CA of the local
    emulator started with ``--tls``, which prints that variable); ``connect`` checks the file exists. Read at
    each client's creation (a later ``SSL_CERT_FILE`` counts); the context itself is cached per CA file."""
    return _tls_context_for(os.environ.get("SSL_CERT_FILE") or None)


@functools.cache
def _tls_context_for(extra_ca: str | None) -> ssl.SSLContext:
    # One TLS context per CA set for every client: building one (loading the CA bundle) costs milliseconds.
    context = ssl.create_default_context(cafile=certifi.where())
    if extra_ca:
        context.load_verify_locations(cafile=extra_ca)
    return context


def _new_http_client(timeout: httpx.Timeout, connections: int = MAX_CONCURRENCY) -> httpx.AsyncClient:
    # Every connection that may be in use is kept alive (httpx's default keeps 20, so a concurrent
    # sweep would reconnect for most requests). aiohttp underneath when installed (about half the CPU
    # per request: ``azure_http.aiohttp_transport``); else httpx's own pools, small enough for
    # httpcore to stay cheap (the customer's runbook in Azure Automation ships httpx only).
    transport: httpx.AsyncBaseTransport
    if _aiohttp_transport is not None:
        transport = _aiohttp_transport.AiohttpTransport(connections, verify=_tls_context())
    else:
        transport = ShardedTransport(connections, verify=_tls_context())
    return httpx.AsyncClient(timeout=timeout, headers={"User-Agent": USER_AGENT}, transport=transport)


def _retry_after(response: httpx.Response) -> float | None:
    """Server-requested wait: ``retry-after-ms`` / ``x-ms-retry-after-ms`` (ARM) or ``Retry-After``."""
    for name in ("retry-after-ms", "x-ms-retry-after-ms"):
        if value := response.headers.get(name):
            try:
                return max(0.0, float(value) / 1000.0)
            except ValueError:
                pass
    return parse_retry_after(response.headers.get("retry-after"))


def _scrubbed(exc: BaseException, token: str) -> BaseException:
    """The transport exception, or a plain copy of it with the token scrubbed from its text."""
    text = str(exc)
    if token and token in text:
        return RuntimeError(redact(text, (token,)))
    return exc


class ServiceClient(ApiClient):
    """An ``ApiClient`` for one of the Microsoft APIs in ``Endpoints``, named by ``service``.

    Graph, ARM and Partner Center clients differ only in which base URL and token scope they use; the
    endpoints object says where each lives (Azure, a sovereign cloud, or the local emulator).
    """

    service: str = ""
    """An ``Endpoints`` field: "graph", "arm" or "partner_center" (its scope is ``<service>_scope``)."""

    def __init__(self, tokens: TokenProvider, endpoints: Endpoints | None = None, **options: Any) -> None:
        """``options``: ApiClient's keywords (tenant_id, retry, timeout, http, sleep, max_concurrency...)."""
        endpoints = endpoints or Endpoints()
        super().__init__(
            getattr(endpoints, self.service), getattr(endpoints, f"{self.service}_scope"), tokens, **options
        )
