"""run_sync: the async clients from synchronous code, with and without a running event loop."""

from __future__ import annotations

import asyncio
import contextvars
import threading

import pytest

from azure_http import Endpoints, GraphClient, NotFound, StaticToken, run_sync

HELPDESK = "729827e3-9c14-49f7-bb1b-9608f156bbb8"
request_label: contextvars.ContextVar[str] = contextvars.ContextVar("request_label", default="unset")


def make_graph(emulator) -> GraphClient:
    return GraphClient(StaticToken(), Endpoints.emulator(emulator.url))


def test_without_a_running_loop(emulator) -> None:
    async def create_and_read() -> tuple[str, str]:
        async with make_graph(emulator) as graph:
            rel = await graph.create_relationship("Sync caller", [HELPDESK])
            return rel["id"], (await graph.get_relationship(rel["id"]))["status"]

    rel_id, status = run_sync(create_and_read())
    assert status == "created" and rel_id


def test_one_client_across_several_run_sync_calls(emulator) -> None:
    """Each run_sync has its own loop; the client opens a connection pool per loop."""
    graph = make_graph(emulator)
    rel = run_sync(graph.create_relationship("Reused client", [HELPDESK]))
    assert run_sync(graph.get_relationship(rel["id"]))["displayName"] == "Reused client"
    assert [r["id"] for r in run_sync(_collect(graph))] == [rel["id"]]
    run_sync(graph.aclose())


async def _collect(graph: GraphClient) -> list[dict]:
    return [r async for r in graph.list_relationships()]


def test_exceptions_propagate(emulator) -> None:
    with pytest.raises(NotFound):
        run_sync(make_graph(emulator).get_relationship("missing"))


def test_inside_a_running_loop(emulator) -> None:
    """A Pulumi program may already run inside a loop: run_sync then uses a worker thread."""

    async def caller() -> tuple[str, bool, str]:
        outer = threading.get_ident()
        request_label.set("from-the-caller")

        async def work() -> tuple[str, bool, str]:
            async with make_graph(emulator) as graph:
                rel = await graph.create_relationship("Nested loop", [HELPDESK])
            return rel["status"], threading.get_ident() != outer, request_label.get()

        return run_sync(work())  # a synchronous call from async code, as a dynamic provider would make

    with asyncio.Runner(loop_factory=asyncio.new_event_loop) as runner:  # (leaves the main thread's loop alone)
        status, other_thread, label = runner.run(caller())
    assert status == "created"
    assert other_thread
    assert label == "from-the-caller"  # context variables carried over


def test_leaves_the_main_thread_event_loop_alone() -> None:
    """Pulumi's runtime (and its mocks) call asyncio.get_event_loop() in the main thread later."""
    # An earlier asyncio.run() in this process (another test) leaves the thread with no loop at all:
    # give it one, as the Pulumi runtime does, then check run_sync leaves exactly that one in place.
    before = asyncio.new_event_loop()
    asyncio.set_event_loop(before)

    async def nothing() -> None:
        await asyncio.sleep(0)

    try:
        run_sync(nothing())
        assert asyncio.get_event_loop_policy().get_event_loop() is before
    finally:
        asyncio.set_event_loop(None)
        before.close()


def test_returns_plain_values() -> None:
    async def answer() -> int:
        await asyncio.sleep(0)
        return 42

    assert run_sync(answer()) == 42


def test_an_error_of_the_work_is_raised_alone() -> None:
    """No "During handling of the above exception (no running event loop)" before every provider error."""
    import traceback

    async def fails() -> None:
        raise ValueError("the service refused")

    with pytest.raises(ValueError) as caught:
        run_sync(fails())
    assert caught.value.__context__ is None
    text = "".join(traceback.format_exception(caught.value))
    assert "During handling" not in text and "no running event loop" not in text


def test_a_ctrl_c_inside_the_work_leaves_no_unretrieved_task_traceback(caplog):
    """KeyboardInterrupt raised in a child task (where a real Ctrl-C lands) reaches the caller, and asyncio logs no
    "Task exception was never retrieved" for it once the task is collected."""
    import asyncio
    import gc
    import logging

    import pytest

    from azure_http.sync import run_sync

    async def child():
        await asyncio.sleep(0)
        raise KeyboardInterrupt

    async def work():
        await asyncio.wait_for(asyncio.ensure_future(child()), timeout=30)

    with caplog.at_level(logging.ERROR, logger="asyncio"), pytest.raises(KeyboardInterrupt):
        run_sync(work())
    gc.collect()
    assert not [r for r in caplog.records if "never retrieved" in r.getMessage()]
