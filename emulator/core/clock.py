"""The emulator's notion of "now".

Statuses that depend on time (approved -> active after the activation delay, active ->
expiring -> expired at endDateTime) are computed from this clock rather than stored, so a test
can jump two years ahead instead of waiting. Time keeps flowing after a jump: the clock is
real time plus an offset.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta


def utc(value: datetime | str) -> datetime:
    """A timezone-aware UTC datetime from a datetime or an ISO 8601 string (``Z`` allowed)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def iso(value: datetime | None) -> str | None:
    """Graph's timestamp format: ISO 8601 UTC with a ``Z`` (None stays None)."""
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Clock:
    """Real UTC time plus an adjustable offset; thread-safe."""

    def __init__(self) -> None:
        self._offset = timedelta()
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return datetime.now(UTC) + self._offset

    def advance(self, seconds: float) -> datetime:
        """Move time forward (or back, if negative) by ``seconds``; returns the new now."""
        with self._lock:
            self._offset += timedelta(seconds=seconds)
        return self.now()

    def set(self, when: datetime | str) -> datetime:
        """Make ``now()`` return ``when`` (and keep flowing from there)."""
        target = utc(when)
        with self._lock:
            self._offset = target - datetime.now(UTC)
        return self.now()

    def reset(self) -> None:
        with self._lock:
            self._offset = timedelta()

    @property
    def offset_seconds(self) -> float:
        with self._lock:
            return self._offset.total_seconds()
