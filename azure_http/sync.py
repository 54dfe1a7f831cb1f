"""Run the async clients from synchronous code.

Pulumi dynamic providers and Pulumi programs call us synchronously, and a Pulumi program may
already be running inside an event loop, where ``asyncio.run`` is refused. In that case the
coroutine runs on a fresh loop in a worker thread and the caller blocks on the result. There
is deliberately no duplicated synchronous client: one implementation, one set of bugs.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` to completion and return its result (or raise its exception).

    Without a running loop in this thread: ``asyncio.run``. With one: a new loop in a worker
    thread (the calling loop is blocked meanwhile, as any sync call inside it would be).
    Context variables are carried over either way.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    context = contextvars.copy_context()
    with concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="azure_http.run_sync") as pool:
        return pool.submit(context.run, asyncio.run, coro).result()
