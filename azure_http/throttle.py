"""ARM throttle awareness: what the buckets say is left, and pacing so a sweep stays inside them.

ARM throttles per (subscription or tenant) x principal x operation type with token buckets
(reference/azure-facts.md: reads 250 refilling 25/s, writes and deletes 200 refilling 10/s) and
reports what is left in ``x-ms-ratelimit-remaining-{subscription|tenant}-{reads|writes|deletes}``.
Retrying 429s with Retry-After works (``ApiClient`` does it), but a sweep of a thousand concurrent
deletes that simply fires and retries wastes a round trip per 429 and waits in whole seconds.

``ArmRateLimiter`` is one client-side mirror of those buckets for ONE principal (credential),
shared by every ``ArmClient`` and task of a sweep (audit and revoke alike):

- ``acquire(key)`` before each attempt takes a token from the local bucket of ``key`` (a
  ``BucketKey``: level, subscription or tenant id, operation), or waits until one has refilled.
  Waiters are served in order with exact waits (no polling, no thundering herd): a burst of N
  over a bucket of B refilling R/s finishes in about ``(N - B) / R`` seconds, ARM's own optimum;
- the local bucket models ARM's, which holds at most its size: refill ARM could not hold while
  our requests were still on the wire (pessimistically: until answered) is lost to it, so
  pending reservations come due that much later (this is what keeps a burst after an idle spell,
  or after a Retry-After, from overrunning ARM);
- ``observe(key, ...)`` after each answer corrects the local estimate downwards with the
  server's ``remaining`` header (another process with the same principal, a bucket that was not
  full) and, on a 429, moves every pending reservation back to what ARM says and blocks the key
  until Retry-After has passed (ARM refuses anything sent earlier);
- until the first answer for a key has told us the real level, only one request per key is in
  flight (``probe=True``), so a cold start against a half-empty bucket does not become a storm;
- ``headroom`` tokens (default 1) are never spent, which absorbs jitter between the moment a
  request leaves and the moment ARM counts it; each 429 that still happens adds one more to that
  bucket's headroom, up to 5% of its size.

The local buckets use the documented sizes and refill rates (``ARM_LIMITS``) unless told
otherwise; ARM may be configured lower (the emulator, in tests): the remaining header corrects
the level (and a bigger size) but not the rate, so pass ``limits=`` to match. ``remaining(key)`` /
``snapshot()`` expose what the server last said; ``stats`` counts waits and 429s. With the
emulator at 20 ms per request, 600 concurrent deletes against a bucket of 100 refilling 100/s
finish within 3% of the optimum (5 s) without a single 429.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import threading
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

SUBSCRIPTION, TENANT = "subscription", "tenant"
READS, WRITES, DELETES = "reads", "writes", "deletes"
OPERATIONS = (READS, WRITES, DELETES)
HEADER_PREFIX = "x-ms-ratelimit-remaining-"
#: After each 429 a bucket keeps one more token spare, up to this share of its size.
ADAPTIVE_HEADROOM = 0.05


@dataclass(frozen=True)
class BucketKey:
    """One ARM throttle bucket of the limiter's principal."""

    level: str
    """'subscription' or 'tenant'."""
    id: str
    """Subscription id or tenant id (lower-cased; 'home' for a token of the credential's home tenant)."""
    operation: str
    """'reads', 'writes' or 'deletes'."""

    @property
    def header(self) -> str:
        return f"{HEADER_PREFIX}{self.level}-{self.operation}"


@dataclass(frozen=True)
class BucketLimits:
    size: int
    refill_per_second: float


#: ARM's documented buckets (reference/azure-facts.md, "ARM throttling"); keyed by (level, operation).
ARM_LIMITS: dict[tuple[str, str], BucketLimits] = {
    (SUBSCRIPTION, READS): BucketLimits(250, 25.0),
    (SUBSCRIPTION, WRITES): BucketLimits(200, 10.0),
    (SUBSCRIPTION, DELETES): BucketLimits(200, 10.0),
    (TENANT, READS): BucketLimits(250, 25.0),
    (TENANT, WRITES): BucketLimits(200, 10.0),
    (TENANT, DELETES): BucketLimits(200, 10.0),
}


def operation_of(method: str) -> str:
    method = method.upper()
    if method in ("GET", "HEAD", "OPTIONS"):
        return READS
    return DELETES if method == "DELETE" else WRITES


def arm_bucket_key(method: str, path: str, tenant_id: str | None) -> BucketKey:
    """The bucket an ARM request at ``path`` (e.g. ``/subscriptions/{id}/...``) counts against.

    Anything under ``/subscriptions/{id}`` is subscription level; everything else (the
    subscription list, management groups, ``/providers/...``) is tenant level for the tenant the
    token is issued for.
    """
    parts = [p for p in path.split("?", 1)[0].split("/") if p]
    if len(parts) >= 2 and parts[0].lower() == "subscriptions":
        return BucketKey(SUBSCRIPTION, parts[1].lower(), operation_of(method))
    return BucketKey(TENANT, (tenant_id or "home").lower(), operation_of(method))


def parse_remaining(headers: Mapping[str, str]) -> dict[tuple[str, str], int]:
    """{(level, operation): remaining} from ``x-ms-ratelimit-remaining-*`` headers (others ignored)."""
    out: dict[tuple[str, str], int] = {}
    for name, value in headers.items():
        name = name.lower()
        if not name.startswith(HEADER_PREFIX):
            continue
        level, _, operation = name[len(HEADER_PREFIX) :].partition("-")
        if level in (SUBSCRIPTION, TENANT) and operation in OPERATIONS:
            try:
                out[(level, operation)] = int(float(value))
            except ValueError:
                continue
    return out


class RateLimiter(Protocol):
    """What ``ApiClient`` needs from a pacer: one ``observe`` or ``release`` per ``acquire``."""

    async def acquire(self, key: Any) -> None: ...

    def observe(self, key: Any, status: int, headers: Mapping[str, str], retry_after: float | None = None) -> None: ...

    def release(self, key: Any) -> None: ...


@dataclass
class LimiterStats:
    acquired: int = 0
    waited: int = 0
    """Acquisitions that had to wait for a token, a probe or a Retry-After block."""
    wait_seconds: float = 0.0
    throttled: int = 0
    """429 answers observed."""


@dataclass
class _Bucket:
    size: float
    """ARM's bucket size minus ``headroom``: what we let ourselves spend."""
    rate: float
    tokens: float
    updated: float
    headroom: float
    max_headroom: float
    pending: int = 0
    """Reservations taken whose requests have not left yet."""
    shift: float = 0.0
    """Seconds every pending reservation was pushed back by corrections (429s) since the start."""
    known: bool = False
    probing: bool = False
    blocked_until: float = 0.0
    inflight: int = 0
    remaining: int | None = None
    remaining_at: float | None = None
    throttled: int = 0
    waiters: list[asyncio.Future[None]] = field(default_factory=list)


class ArmRateLimiter:
    """Client-side token buckets mirroring ARM's, for one principal; share one per credential."""

    def __init__(
        self,
        limits: Mapping[tuple[str, str], BucketLimits] | Mapping[str, BucketLimits] | None = None,
        *,
        headroom: int = 1,
        probe: bool = True,
        pace: bool = True,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        """``limits``: per (level, operation), or per operation for both levels, e.g.
        ``{"deletes": BucketLimits(20, 50)}``; unspecified ones keep ARM's documented values.
        ``pace=False``: never wait, only record what the answers report."""
        merged = dict(ARM_LIMITS)
        for key, value in (limits or {}).items():
            if isinstance(key, str):
                merged[(SUBSCRIPTION, key)] = merged[(TENANT, key)] = value
            else:
                merged[key] = value
        self.limits = merged
        self.headroom = max(0, headroom)
        self.probe = probe
        self.pace = pace
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._buckets: dict[BucketKey, _Bucket] = {}
        self.stats = LimiterStats()

    # -- bookkeeping --------------------------------------------------------------------
    def _bucket(self, key: BucketKey, now: float) -> _Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            limits = self.limits.get((key.level, key.operation)) or ARM_LIMITS[(SUBSCRIPTION, key.operation)]
            size = max(1.0, float(limits.size - self.headroom))
            ceiling = max(float(self.headroom), math.ceil(limits.size * ADAPTIVE_HEADROOM))
            bucket = _Bucket(size, float(limits.refill_per_second), size, now, float(self.headroom), ceiling)
            self._buckets[key] = bucket
        else:
            # Refill, but model ARM's bucket, which holds at most its size: what we have taken
            # (tokens) plus what is reserved or on the wire and maybe not counted by ARM yet
            # (pending, inflight) never exceeds it. Refill ARM could not hold is lost to it, so
            # every pending reservation comes due that much later.
            cap = max(bucket.tokens, bucket.size - bucket.pending - bucket.inflight)
            refilled = bucket.tokens + bucket.rate * (now - bucket.updated)
            if refilled > cap:
                if bucket.tokens < 0:  # reservations were waiting for that refill
                    bucket.shift += (refilled - cap) / bucket.rate
                refilled = cap
            bucket.tokens = refilled
            bucket.updated = now
        return bucket

    @staticmethod
    def _wake(bucket: _Bucket) -> None:
        waiters, bucket.waiters = bucket.waiters, []
        for fut in waiters:
            with contextlib.suppress(RuntimeError):  # (its loop is gone: nobody is waiting any more)
                fut.get_loop().call_soon_threadsafe(_resolve, fut)

    # -- the API ------------------------------------------------------------------------
    async def acquire(self, key: BucketKey) -> None:
        """Take one token from ``key``'s bucket, waiting as long as needed (in arrival order).

        Every ``acquire`` must be followed by exactly one ``observe`` (an answer came) or
        ``release`` (none did, or the caller gave up).
        """
        if not self.pace:  # record-only: headers are still read by observe()
            with self._lock:
                bucket = self._bucket(key, self._clock())
                bucket.tokens -= 1.0
                bucket.inflight += 1
                self.stats.acquired += 1
            return
        started = self._clock()
        waited = False
        while True:
            future: asyncio.Future[None] | None = None
            reservation: float | None = None
            with self._lock:
                now = self._clock()
                bucket = self._bucket(key, now)
                if now < bucket.blocked_until:
                    delay = bucket.blocked_until - now
                elif self.probe and not bucket.known and bucket.probing:
                    future = asyncio.get_running_loop().create_future()
                    bucket.waiters.append(future)
                else:
                    if self.probe and not bucket.known:
                        bucket.probing = True
                    # Take the token now, even if it only exists later: a reservation, so waiters
                    # are served in arrival order, each with one exact sleep.
                    bucket.tokens -= 1.0
                    self.stats.acquired += 1
                    if bucket.tokens >= 0:  # a token is here: go
                        bucket.inflight += 1  # on the wire from now until observe()/release()
                        if waited:
                            self._count_wait(started, locked=True)
                        return
                    bucket.pending += 1
                    shift0 = bucket.shift
                    reservation = -bucket.tokens / bucket.rate
            if reservation is not None:
                break
            waited = True
            if future is not None:
                await future
            else:
                await self._sleep(delay)
        try:
            delay = reservation
            while True:
                await self._sleep(delay)
                with self._lock:  # pushed back meanwhile (refill ARM lost, a 429)? blocked by a 429?
                    bucket = self._bucket(key, self._clock())
                    pushed, shift0 = bucket.shift - shift0, bucket.shift
                    delay = max(pushed, bucket.blocked_until - self._clock())
                    if delay <= 1e-6:
                        bucket.pending -= 1
                        bucket.inflight += 1  # on the wire from now until observe()/release()
                        break
        except BaseException:  # cancelled while holding a reservation (and maybe the probe)
            with self._lock:
                self._buckets[key].pending -= 1
            self._end_probe(key)
            raise
        self._count_wait(started)

    def _end_probe(self, key: BucketKey) -> None:
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is not None and bucket.probing:
                bucket.probing = False
                self._wake(bucket)

    def _count_wait(self, started: float, *, locked: bool = False) -> None:
        if not locked:
            with self._lock:
                self._count_wait(started, locked=True)
            return
        self.stats.waited += 1
        self.stats.wait_seconds += self._clock() - started

    def observe(
        self, key: BucketKey, status: int, headers: Mapping[str, str], retry_after: float | None = None
    ) -> None:
        """Account for the answer to a request that ``acquire(key)`` let through."""
        remaining = parse_remaining(headers).get((key.level, key.operation))
        with self._lock:
            now = self._clock()
            bucket = self._bucket(key, now)
            bucket.inflight = max(0, bucket.inflight - 1)
            if remaining is not None:
                bucket.remaining, bucket.remaining_at = remaining, now
                if bucket.probing and bucket.inflight == 0:
                    # The probe's answer with nothing else in flight is exact: adopt it, and learn a
                    # bigger bucket than the documented one if ARM reports more.
                    bucket.size = max(bucket.size, float(remaining + 1 - bucket.headroom))
                    bucket.tokens = float(remaining - bucket.headroom)
                else:
                    # Otherwise only ever lower the estimate: the header lags requests in flight.
                    bucket.tokens = min(bucket.tokens, float(remaining - bucket.headroom))
                bucket.known = True
            if status < 500:
                bucket.known = True  # (an answer without the header: nothing more to learn)
            if status == 429:
                self.stats.throttled += 1
                bucket.throttled += 1
                bucket.known = True
                # ARM has nothing left and has not counted what is on the wire: if we thought
                # otherwise, move the estimate and every pending reservation back by the difference,
                # and keep one more token spare from now on (up to 5% of the bucket).
                behind = bucket.tokens + bucket.pending + bucket.inflight
                if bucket.headroom < bucket.max_headroom:
                    bucket.headroom += 1
                    bucket.size = max(1.0, bucket.size - 1)
                    behind += 1
                if behind > 0:
                    bucket.tokens -= behind
                    bucket.shift += behind / bucket.rate
                wait = retry_after if retry_after is not None else 1.0 / bucket.rate
                bucket.blocked_until = max(bucket.blocked_until, now + wait)
            if bucket.probing:
                bucket.probing = False
                self._wake(bucket)

    def release(self, key: BucketKey) -> None:
        """The request got no answer (transport error): its token is spent, its probe is over."""
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                return
            bucket.inflight = max(0, bucket.inflight - 1)
            if bucket.probing:
                bucket.probing = False
                self._wake(bucket)

    def remaining(self, key: BucketKey) -> int | None:
        """What ARM last reported as remaining for ``key`` (None before any answer)."""
        with self._lock:
            bucket = self._buckets.get(key)
            return bucket.remaining if bucket else None

    def estimate(self, key: BucketKey) -> float:
        """The local estimate of tokens available now (negative: that many requests are queued)."""
        with self._lock:
            bucket = self._bucket(key, self._clock())
            return bucket.tokens

    def snapshot(self) -> list[dict[str, Any]]:
        """Every bucket seen: key, local estimate, last reported remaining, in flight, 429s."""
        with self._lock:
            now = self._clock()
            return [
                {
                    "level": key.level,
                    "id": key.id,
                    "operation": key.operation,
                    "estimate": round(self._bucket(key, now).tokens, 3),
                    "remaining": bucket.remaining,
                    "inflight": bucket.inflight,
                    "throttled": bucket.throttled,
                }
                for key, bucket in list(self._buckets.items())
            ]

    def __repr__(self) -> str:
        return (
            f"ArmRateLimiter(buckets={len(self._buckets)}, headroom={self.headroom}, "
            f"probe={self.probe}, pace={self.pace})"
        )


def _resolve(fut: asyncio.Future[None]) -> None:
    if not fut.done():
        fut.set_result(None)
