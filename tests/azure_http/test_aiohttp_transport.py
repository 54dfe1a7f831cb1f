"""The aiohttp transport under the pooled clients: the same requests on the wire as httpx sends, the same answers,
and failures mapped to the httpx errors the retry policy knows (against the emulator over real HTTP)."""

from __future__ import annotations

import socket
from urllib.parse import parse_qsl

import httpx
import pytest

from azure_http import Endpoints, GraphClient, RetryPolicy, StaticToken, TransportFailed
from azure_http.aiohttp_transport import AiohttpTransport
from azure_http.base import _tls_context
from tests.arm_scenario import SUB_PROD, arm, scenario
from tests.helpers import VirtualTime

pytestmark = pytest.mark.anyio
RELS = "/graph/v1.0/tenantRelationships/delegatedAdminRelationships"
QUERY = {
    "$filter": "principalId eq '11111111-2222-4333-8444-555555555555'",
    "api-version": "2022-04-01",
    "x": "a/b:c+d é",
    "flag": True,
    "none": None,
}


@pytest.fixture
def world(emulator):
    emulator.control.reset(scenario())
    return emulator


async def test_the_pooled_client_sends_over_aiohttp(world) -> None:
    async with arm(world) as client:
        assert isinstance(client._http._transport, AiohttpTransport)
        assert client._direct is client._http._transport  # called without httpx.AsyncClient in front
        subscription = await client.get_subscription(SUB_PROD)
    assert subscription["subscriptionId"] == SUB_PROD


async def test_query_and_body_are_what_httpx_itself_sends(world) -> None:
    """The direct path encodes the query and the JSON body exactly as httpx does (booleans, None, quoting)."""
    path = f"/subscriptions/{SUB_PROD}/providers/Microsoft.Authorization/roleAssignments"
    async with arm(world) as direct:
        await direct.request("GET", path, params=QUERY)
    via_httpx = httpx.AsyncClient()  # a caller's own client: the plain httpx path
    async with arm(world, http=via_httpx) as plain:
        await plain.request("GET", path, params=QUERY)
    await via_httpx.aclose()
    first, second = world.control.requests(f"/arm{path}")[-2:]
    # The same parameters and values (httpx leaves $, ' and / unescaped, urlencode escapes them, as requests and
    # azure-core do: equal once decoded, which is all a server reads).
    assert parse_qsl(first["query"], keep_blank_values=True) == parse_qsl(second["query"], keep_blank_values=True)
    assert ("$filter", QUERY["$filter"]) in parse_qsl(first["query"])
    assert ("flag", "true") in parse_qsl(first["query"]) and ("none", "") in parse_qsl(first["query"], True)


async def test_a_json_body_is_sent_and_its_answer_read(emulator) -> None:
    async with GraphClient(StaticToken(), Endpoints.emulator(emulator.url)) as graph:
        created = await graph.create_relationship("Über Partner (é)", ["729827e3-9c14-49f7-bb1b-9608f156bbb8"])
        again = await graph.get_relationship(created["id"])
    assert again["displayName"] == "Über Partner (é)"
    posted = emulator.control.requests(RELS, "POST")[-1]
    assert posted["status"] == 201


async def test_a_dropped_connection_is_retried_for_a_get_and_counted(emulator) -> None:
    emulator.control.add_fault(RELS, drop=True, times=2)
    sleep = VirtualTime()
    retry = RetryPolicy(backoff_base=0.01, backoff_max=0.05)
    async with GraphClient(StaticToken(), Endpoints.emulator(emulator.url), retry=retry, sleep=sleep) as graph:
        assert [r async for r in graph.list_relationships()] == []
    assert len(sleep.delays) == 2  # two drops, each mapped to an httpx error the policy retries


async def test_a_closed_port_is_a_connect_error_retried_then_transport_failed() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sleep = VirtualTime()
    retry = RetryPolicy(max_attempts=3, backoff_base=0.01, backoff_max=0.05)
    graph = GraphClient(StaticToken(), Endpoints.emulator(f"http://127.0.0.1:{port}"), retry=retry, sleep=sleep)
    async with graph:
        with pytest.raises(TransportFailed) as caught:
            await graph.get_relationship("x")
    assert caught.value.attempts == 3 and len(sleep.delays) == 2
    assert "ConnectError" in str(caught.value) or "onnect" in str(caught.value)


async def test_a_read_timeout_is_an_httpx_read_timeout(emulator) -> None:
    emulator.control.add_fault(RELS, latency=2.0, times=1)
    transport = AiohttpTransport(1, verify=_tls_context())
    try:
        with pytest.raises(httpx.ReadTimeout):
            await transport.send(
                "GET",
                f"{emulator.url}{RELS}",
                params=None,
                json=None,
                headers={"Authorization": "Bearer x"},
                timeout=httpx.Timeout(0.2, connect=5.0),
            )
    finally:
        await transport.aclose()
