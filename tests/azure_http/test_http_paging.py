"""@odata.nextLink paging: every item exactly once, across Graph's 300-item pages."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from azure_http import Endpoints, GraphClient, StaticToken

HELPDESK = "729827e3-9c14-49f7-bb1b-9608f156bbb8"

pytestmark = pytest.mark.anyio


def seed(emulator, count: int) -> set[str]:
    entries = [
        {"displayName": f"Customer {i:04d}", "roles": [HELPDESK], "status": "active" if i % 2 else "created"}
        for i in range(count)
    ]
    return {r["id"] for r in emulator.control.seed_relationships(entries)}


async def test_650_relationships_come_back_exactly_once(emulator) -> None:
    ids = seed(emulator, 650)
    async with GraphClient(StaticToken(), Endpoints.emulator(emulator.url)) as graph:
        seen = [r["id"] async for r in graph.list_relationships()]
        pages = [len(p["value"]) async for p in graph.pages("tenantRelationships/delegatedAdminRelationships")]
    assert len(seen) == 650
    assert set(seen) == ids
    assert pages == [300, 300, 50]
    gets = emulator.control.requests("/graph/v1.0/tenantRelationships/delegatedAdminRelationships", "GET")
    assert len(gets) == 2 * 3  # two listings of three pages each


async def test_paging_keeps_top_and_filter_in_next_links(emulator) -> None:
    seed(emulator, 650)
    async with GraphClient(StaticToken(), Endpoints.emulator(emulator.url)) as graph:
        active = [r async for r in graph.list_relationships(filter="status eq 'active'", top=100)]
        first = await graph.get_json("tenantRelationships/delegatedAdminRelationships", params={"$top": "100"})
    assert len(active) == 325 and {r["status"] for r in active} == {"active"}
    assert len({r["id"] for r in active}) == 325
    query = parse_qs(urlsplit(first["@odata.nextLink"]).query)
    assert query["$top"] == ["100"] and "$skiptoken" in query
    assert first["@odata.nextLink"].startswith(emulator.url)


async def test_page_size_is_capped_at_300(emulator) -> None:
    seed(emulator, 320)
    async with GraphClient(StaticToken(), Endpoints.emulator(emulator.url)) as graph:
        page = await graph.get_json("tenantRelationships/delegatedAdminRelationships", params={"$top": "999"})
    assert len(page["value"]) == 300 and "@odata.nextLink" in page


async def test_next_link_to_another_host_is_refused(emulator) -> None:
    """A nextLink pointing elsewhere would receive our bearer token: refuse to follow it."""
    async with GraphClient(StaticToken(), Endpoints.emulator(emulator.url)) as graph:
        with pytest.raises(ValueError, match="refusing to send a token"):
            await graph.get_json("https://evil.example.com/graph/v1.0/tenantRelationships")
