"""An overall deadline for one command, on top of each request's own timeouts and retry budget.

A server that accepts connections and never answers would otherwise hold a command for every
attempt's read timeout in turn (60 s x 6 attempts). ``deadline(seconds)`` sets a limit for everything
the clients do in this context (asyncio tasks and ``run_sync`` carry it along as a context
variable): each attempt's wait is cut to what is left, a back-off that would outlast it is not
slept, and once it has passed every request fails with ``DeadlineExceeded`` naming the request.
The clock is injectable, so tests decide when time is up.
"""

from __future__ import annotations

import contextlib
import contextvars
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from azure_http.errors import AzureHttpError
from azure_http.redact import redact

Clock = Callable[[], float]


class DeadlineExceeded(AzureHttpError, TimeoutError):
    """The command's overall deadline passed before this request got its answer."""

    def __init__(self, method: str, url: str, seconds: float) -> None:
        self.method = method
        self.url = redact(url)
        self.seconds = seconds
        super().__init__(
            f"{method} {self.url}: no answer within the command's deadline of {seconds:g} s "
            "(the service is slow or not answering; raise it with --deadline or DAPCTL_DEADLINE)"
        )


@dataclass(frozen=True)
class Deadline:
    seconds: float
    ends_at: float
    clock: Clock

    def remaining(self) -> float:
        return self.ends_at - self.clock()


_current: contextvars.ContextVar[Deadline | None] = contextvars.ContextVar("azure_http_deadline", default=None)


def current() -> Deadline | None:
    return _current.get()


@contextlib.contextmanager
def deadline(seconds: float | None, *, clock: Clock = time.monotonic) -> Iterator[Deadline | None]:
    """Limit everything the clients do inside the block to ``seconds`` (None: no limit)."""
    if seconds is None:
        yield None
        return
    value = Deadline(float(seconds), clock() + float(seconds), clock)
    token = _current.set(value)
    try:
        yield value
    finally:
        _current.reset(token)
