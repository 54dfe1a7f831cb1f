"""Bounded polling for eventually consistent state.

A just-approved GDAP relationship takes seconds to minutes to report ``active``; a subscription
alias takes a while to reach ``Succeeded``. Callers poll, but always with a deadline, and when
the deadline passes they get an error that says what was awaited, what was seen last and
how long it waited: never a silent hang in CI.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from azure_http.errors import UnexpectedStatus, WaitTimeout

T = TypeVar("T")


async def poll_until(
    fetch: Callable[[], Awaitable[T]],
    done: Callable[[T], bool],
    *,
    timeout: float,
    interval: float,
    describe: Callable[[T | None, float], str],
    failed: Callable[[T], bool] | None = None,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> T:
    """Call ``fetch`` every ``interval`` seconds until ``done(result)``; return that result.

    Raises ``UnexpectedStatus`` as soon as ``failed(result)`` (a terminal state that can never
    become ``done``) and ``WaitTimeout`` once ``timeout`` seconds have passed. ``describe(last,
    waited)`` words both errors. Always fetches at least once, and never sleeps past the deadline.
    ``sleep`` and ``clock`` are injected together by tests, so a wait is measured in the time it asked for.
    """
    if interval <= 0:
        raise ValueError("interval must be positive")
    started = clock()
    deadline = started + timeout
    last: T | None = None
    while True:
        last = await fetch()
        if done(last):
            return last
        waited = clock() - started
        if failed is not None and failed(last):
            raise UnexpectedStatus(describe(last, waited), last=last)
        remaining = deadline - clock()
        if remaining <= 0:
            raise WaitTimeout(describe(last, waited), last=last, waited=waited)
        await sleep(min(interval, remaining))
