"""wait_until_status: bounded polling, and errors that say what is stuck where and for how long."""

from __future__ import annotations

import asyncio
import time

import pytest

from azure_http import Endpoints, GraphClient, StaticToken, UnexpectedStatus, WaitTimeout, approval_link

HELPDESK = "729827e3-9c14-49f7-bb1b-9608f156bbb8"

pytestmark = pytest.mark.anyio


@pytest.fixture
async def graph(emulator):
    async with GraphClient(StaticToken(), Endpoints.emulator(emulator.url)) as client:
        yield client


async def test_approval_that_never_comes_times_out_clearly(graph: GraphClient, emulator) -> None:
    rel = await graph.create_relationship("Never approved", [HELPDESK])
    await graph.lock_for_approval(rel["id"])
    started = time.monotonic()
    with pytest.raises(WaitTimeout) as caught:
        await graph.wait_until_status(rel["id"], "active", timeout=0.5, poll_interval=0.1)
    elapsed = time.monotonic() - started
    assert 0.5 <= elapsed < 1.0
    text = str(caught.value)
    assert rel["id"] in text and "'Never approved'" in text
    assert "still 'approvalPending'" in text and "limit 0.5s" in text and "active" in text
    assert approval_link(rel["id"]) in text
    assert caught.value.last["status"] == "approvalPending" and caught.value.waited >= 0.5
    assert isinstance(caught.value, TimeoutError)
    polls = emulator.control.requests(f"/graph/v1.0/tenantRelationships/delegatedAdminRelationships/{rel['id']}")
    assert 4 <= len(polls) <= 8  # every ~0.1 s, not a busy loop


async def test_never_locked_relationship_says_so(graph: GraphClient) -> None:
    rel = await graph.create_relationship("Not locked", [HELPDESK])
    with pytest.raises(WaitTimeout, match="never locked for approval"):
        await graph.wait_until_status(rel["id"], ["active", "expiring"], timeout=0.1, poll_interval=0.05)


async def test_a_final_status_fails_fast(graph: GraphClient, emulator) -> None:
    rel = await graph.create_relationship("Rejected", [HELPDESK])
    await graph.lock_for_approval(rel["id"])
    emulator.control.reject(rel["id"])
    started = time.monotonic()
    with pytest.raises(UnexpectedStatus, match="'terminated', which is final") as caught:
        await graph.wait_until_status(rel["id"], "active", timeout=30, poll_interval=0.05)
    assert time.monotonic() - started < 1
    assert caught.value.last["status"] == "terminated"


async def test_waits_through_eventual_consistency(graph: GraphClient, emulator) -> None:
    emulator.control.settings(activation_delay=0.4)
    rel = await graph.create_relationship("Slow activation", [HELPDESK])
    await graph.lock_for_approval(rel["id"])
    emulator.control.approve(rel["id"])
    seen = []
    started = time.monotonic()
    while (status := (await graph.get_relationship(rel["id"]))["status"]) != "active":
        seen.append(status)
        if time.monotonic() - started > 3:
            break
        await asyncio.sleep(0.02)
    assert status == "active"
    assert seen[0] == "approved" and "activating" in seen


async def test_time_travel_instead_of_waiting(graph: GraphClient, emulator) -> None:
    """A long activation delay, skipped by moving the emulator's clock."""
    emulator.control.settings(activation_delay=3600)
    rel = await graph.create_relationship("Hour-long activation", [HELPDESK])
    await graph.lock_for_approval(rel["id"])
    emulator.control.approve(rel["id"])
    assert (await graph.get_relationship(rel["id"]))["status"] == "approved"
    emulator.control.advance(3600)
    active = await graph.wait_until_status(rel["id"], "active", timeout=1, poll_interval=0.05)
    assert active["status"] == "active"


async def test_bad_arguments(graph: GraphClient) -> None:
    with pytest.raises(ValueError):
        await graph.wait_until_status("x", [], timeout=1, poll_interval=0.1)
    with pytest.raises(ValueError):
        await graph.wait_until_status("x", "active", timeout=1, poll_interval=0)
