"""wait_until_status: bounded polling, and errors that say what is stuck where and for how long."""

from __future__ import annotations

import pytest

from azure_http import Endpoints, GraphClient, StaticToken, UnexpectedStatus, WaitTimeout, approval_link
from tests.helpers import VirtualTime

HELPDESK = "729827e3-9c14-49f7-bb1b-9608f156bbb8"

pytestmark = pytest.mark.anyio


@pytest.fixture
def time() -> VirtualTime:
    return VirtualTime()


@pytest.fixture
async def graph(emulator, time: VirtualTime):
    async with GraphClient(StaticToken(), Endpoints.emulator(emulator.url), sleep=time, clock=time.now) as client:
        yield client


async def test_approval_that_never_comes_times_out_clearly(graph: GraphClient, emulator, time: VirtualTime) -> None:
    rel = await graph.create_relationship("Never approved", [HELPDESK])
    await graph.lock_for_approval(rel["id"])
    with pytest.raises(WaitTimeout) as caught:
        await graph.wait_until_status(rel["id"], "active", timeout=0.5, poll_interval=0.1)
    assert time.delays == pytest.approx([0.1] * 5)  # one poll every 0.1 s, never past the limit
    text = str(caught.value)
    assert rel["id"] in text and "'Never approved'" in text
    assert "still 'approvalPending' after waiting 0.5s" in text and "limit 0.5s" in text and "active" in text
    assert approval_link(rel["id"]) in text
    assert caught.value.last["status"] == "approvalPending" and caught.value.waited == pytest.approx(0.5)
    assert isinstance(caught.value, TimeoutError)
    polls = emulator.control.requests(f"/graph/v1.0/tenantRelationships/delegatedAdminRelationships/{rel['id']}", "GET")
    assert len(polls) == 6  # at 0, 0.1, ... 0.5 s: not a busy loop


async def test_never_locked_relationship_says_so(graph: GraphClient) -> None:
    rel = await graph.create_relationship("Not locked", [HELPDESK])
    with pytest.raises(WaitTimeout, match="never locked for approval"):
        await graph.wait_until_status(rel["id"], ["active", "expiring"], timeout=0.1, poll_interval=0.05)


async def test_a_final_status_fails_fast(graph: GraphClient, emulator, time: VirtualTime) -> None:
    rel = await graph.create_relationship("Rejected", [HELPDESK])
    await graph.lock_for_approval(rel["id"])
    emulator.control.reject(rel["id"])
    with pytest.raises(UnexpectedStatus, match="'terminated', which is final") as caught:
        await graph.wait_until_status(rel["id"], "active", timeout=30, poll_interval=0.05)
    assert time.delays == []  # the first answer was final: no waiting at all
    assert caught.value.last["status"] == "terminated"


async def test_waits_through_eventual_consistency(graph: GraphClient, emulator) -> None:
    """approved, then activating, then active, as the activation delay passes on the emulator's clock."""
    emulator.control.settings(activation_delay=600)
    rel = await graph.create_relationship("Slow activation", [HELPDESK])
    await graph.lock_for_approval(rel["id"])
    emulator.control.approve(rel["id"])
    seen = []
    for _ in range(4):
        seen.append((await graph.get_relationship(rel["id"]))["status"])
        emulator.control.advance(200)
    assert seen == ["approved", "approved", "activating", "active"]


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
