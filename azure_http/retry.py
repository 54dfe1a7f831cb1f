"""When to retry a request and how long to wait first.

Graph and ARM throttle with 429 + ``Retry-After`` (seconds) and shed load with 503/504. A
sweep over thousands of subscriptions must ride that out without hammering the service
(honour Retry-After; otherwise exponential backoff with full jitter so concurrent callers
spread out) and without hanging forever (a cap on attempts and on the total time spent
waiting).
"""

from __future__ import annotations

import email.utils
import random
import time
from dataclasses import dataclass, field

import httpx

# Methods that are safe to send twice: a retry after a dropped connection or a read timeout
# (where the first attempt may have been applied) cannot double-apply them.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})

# The request never left this machine (or never got a connection): safe for every method.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# The request may have been received and applied: retry only idempotent methods.
_MAYBE_SENT = (httpx.ReadTimeout, httpx.WriteTimeout, httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError)


@dataclass(frozen=True)
class RetryPolicy:
    """Bounds and backoff of the retry loop.

    ``max_attempts`` counts the first try. ``max_total_wait`` caps the sum of all sleeps: a
    ``Retry-After`` that would exceed what is left of it ends the loop at once rather than
    sleeping past the budget. Backoff without ``Retry-After`` is full jitter:
    ``uniform(0, min(backoff_max, backoff_base * 2**retry))``.
    """

    max_attempts: int = 6
    max_total_wait: float = 120.0
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    retry_statuses: frozenset[int] = frozenset({429, 503, 504})
    """Retried whatever the method: the service says it did not act (throttled, unavailable, gateway timeout)."""
    idempotent_retry_statuses: frozenset[int] = frozenset({408, 500, 502})
    """Retried for idempotent methods only (the request may have been applied): azure-core's default
    ``RetryPolicy`` retries 408, 429, 500, 502, 503 and 504 for HEAD, GET, PUT, DELETE, OPTIONS, TRACE."""
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def should_retry_status(self, status: int, method: str = "GET") -> bool:
        if status in self.retry_statuses:
            return True
        return status in self.idempotent_retry_statuses and method.upper() in IDEMPOTENT_METHODS

    @staticmethod
    def should_retry_exception(exc: BaseException, method: str) -> bool:
        if isinstance(exc, _NOT_SENT):
            return True
        return isinstance(exc, _MAYBE_SENT) and method.upper() in IDEMPOTENT_METHODS

    def backoff(self, retry_number: int) -> float:
        """Full-jitter delay before retry number ``retry_number`` (1 = first retry)."""
        ceiling = min(self.backoff_max, self.backoff_base * (2 ** (retry_number - 1)))
        return self.rng.uniform(0, ceiling)


NO_RETRY = RetryPolicy(max_attempts=1)


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds (fractions tolerated) or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    return max(0.0, seconds)
