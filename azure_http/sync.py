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

    Without a running loop in this thread: on a new loop, right here. With one: on a new loop
    in a worker thread (the calling loop is blocked meanwhile, as by any sync call inside it).
    Either way the calling thread's event-loop state is left untouched (``asyncio.run`` would
    leave the main thread with no current loop, which breaks code relying on
    ``asyncio.get_event_loop()``, such as Pulumi's runtime and its mocks). Context variables
    are carried over.
    """
    if not _loop_running():
        # Outside the ``except`` that found no loop: an error of the work is raised on its own, not as
        # "During handling of the above exception (RuntimeError: no running event loop) ...".
        return _run_on_new_loop(coro)
    context = contextvars.copy_context()
    with concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="azure_http.run_sync") as pool:
        return pool.submit(context.run, _run_on_new_loop, coro).result()


def _loop_running() -> bool:
    """Whether this thread runs an event loop (the question ``asyncio.get_running_loop`` answers by raising)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _run_on_new_loop(coro: Coroutine[Any, Any, T]) -> T:
    # What asyncio.Runner(loop_factory=asyncio.new_event_loop) does, written for Python 3.10 (the customer's
    # runbook bundles this package): the loop is never installed as the thread's current loop.
    loop = asyncio.new_event_loop()
    loop.set_exception_handler(_quiet_interrupts)
    try:
        return loop.run_until_complete(coro)
    finally:
        try:
            pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
            for task in pending:
                task.cancel()
            if pending:
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())
        finally:
            loop.close()


def _quiet_interrupts(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """Ctrl-C stops the work wherever it runs: the task it lands in ends with ``KeyboardInterrupt`` and nobody is
    left to retrieve it, so asyncio would print "Task exception was never retrieved" with a traceback after the
    command already said what was done and how to resume. That one is the command's to report; anything else is
    logged as asyncio does."""
    if isinstance(context.get("exception"), KeyboardInterrupt | SystemExit):
        return
    loop.default_exception_handler(context)
