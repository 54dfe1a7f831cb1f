"""ARM's request throttling: token buckets per (subscription or tenant) x principal x operation type.

The 2024 model (reference/azure-facts.md, "ARM throttling"): each bucket starts full with
``bucket`` tokens and refills continuously at ``refill`` tokens per second up to that size; a
request takes one token, and a request that finds less than one token is answered 429 with
``Retry-After`` (the seconds until a token is back) and takes none. Every answer carries what
remains in the bucket the request used: ``x-ms-ratelimit-remaining-{subscription|tenant}-{reads|
writes|deletes}``.

Refill is continuous and exact, so "600 deletions against bucket B refilling R per second" can
finish no sooner than ``max(0, (600 - B) / R)`` seconds after the first one: a benchmark can
compare a client with that optimum. Time is the host's monotonic clock, not the emulator clock
(time travel must not refill buckets); ``reset()`` refills everything.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from emulator.core.state import Settings

SUBSCRIPTION = "subscription"
TENANT = "tenant"
READS, WRITES, DELETES = "reads", "writes", "deletes"
OPERATIONS = (READS, WRITES, DELETES)


def operation_of(method: str) -> str:
    """ARM's operation type: GET/HEAD read, DELETE deletes, everything else (PUT, PATCH, POST) writes."""
    method = method.upper()
    if method in ("GET", "HEAD", "OPTIONS"):
        return READS
    if method == "DELETE":
        return DELETES
    return WRITES


def remaining_header(level: str, operation: str) -> str:
    return f"x-ms-ratelimit-remaining-{level}-{operation}"


def limits_of(settings: Settings, operation: str) -> tuple[int, float]:
    """(bucket size, refill per second) for an operation type (the same for subscription and tenant)."""
    return getattr(settings, f"arm_{operation}_bucket"), getattr(settings, f"arm_{operation}_refill")


def format_seconds(seconds: float) -> str:
    return str(int(seconds)) if float(seconds).is_integer() else f"{seconds:g}"


@dataclass
class Bucket:
    tokens: float
    updated: float
    taken: int = 0
    throttled: int = 0


@dataclass(frozen=True)
class Decision:
    allowed: bool
    remaining: int
    """Whole tokens left after this request (what the header reports)."""
    retry_after: float
    """Seconds until a token is available (0 when allowed), rounded up to the configured granularity."""


BucketKey = tuple[str, str, str, str]
"""(level, subscription or tenant id, principal, operation), ids lower-cased."""


class ArmThrottle:
    """All buckets of the emulated ARM; thread-safe, created full on first use."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        #: Seconds on a monotonic clock; a test may swap in a virtual one shared with the client's sleep.
        self.clock = clock
        self._lock = threading.Lock()
        self.buckets: dict[BucketKey, Bucket] = {}

    def take(self, key: BucketKey, settings: Settings) -> Decision:
        size, refill = limits_of(settings, key[3])
        now = self.clock()
        with self._lock:
            bucket = self.buckets.get(key)
            if bucket is None:
                bucket = self.buckets[key] = Bucket(float(size), now)
            else:
                bucket.tokens = min(float(size), bucket.tokens + refill * (now - bucket.updated))
                bucket.updated = now
            if bucket.tokens >= 1.0 - 1e-9:  # (float refill may land a hair under a whole token)
                bucket.tokens -= 1.0
                bucket.taken += 1
                return Decision(True, int(bucket.tokens), 0.0)
            bucket.throttled += 1
            wait = (1.0 - bucket.tokens) / refill if refill > 0 else 3600.0
        granularity = settings.arm_retry_after_granularity or 0.001
        rounded = math.ceil(wait / granularity - 1e-9) * granularity
        return Decision(False, 0, max(granularity, round(rounded, 6)))

    def reset(self) -> None:
        with self._lock:
            self.buckets.clear()

    def set_tokens(self, key: BucketKey, tokens: float) -> None:
        with self._lock:
            self.buckets[key] = Bucket(float(tokens), self.clock())

    def snapshot(self, settings: Settings) -> list[dict[str, Any]]:
        """Every bucket as it stands now (tokens refilled to this instant)."""
        now = self.clock()
        out = []
        with self._lock:
            for (level, scope_id, principal, operation), bucket in self.buckets.items():
                size, refill = limits_of(settings, operation)
                tokens = min(float(size), bucket.tokens + refill * (now - bucket.updated))
                out.append(
                    {
                        "level": level,
                        "id": scope_id,
                        "principal": principal,
                        "operation": operation,
                        "tokens": round(tokens, 3),
                        "remaining": int(tokens),
                        "bucket": size,
                        "refill": refill,
                        "taken": bucket.taken,
                        "throttled": bucket.throttled,
                    }
                )
        return out
