"""PartnerCenterClient and Graph contracts over real HTTP: customers, DAP removal (idempotent, nothing
else touched), the reseller relationship link, tenant checks, errors and faults."""

from __future__ import annotations

import ssl
import uuid

import httpx
import pytest

from azure_http import (
    BadRequest,
    EmulatorTokens,
    Endpoints,
    GraphClient,
    NotFound,
    PartnerCenterClient,
    StaticToken,
    Unauthorized,
)
from azure_http.throttle import READS, TENANT, ArmRateLimiter, BucketLimits
from tests.arm_scenario import (
    CONTOSO,
    FABRIKAM,
    PARTNER,
    PROD,
    RA_AA_PROD,
    arm,
    collect,
    fast_retry,
    scenario,
)
from tests.helpers import VirtualTime

pytestmark = pytest.mark.anyio


@pytest.fixture
def world(emulator):
    emulator.control.reset(scenario())
    return emulator


def pc(world, tokens=None, **kwargs) -> PartnerCenterClient:
    kwargs.setdefault("retry", fast_retry())
    return PartnerCenterClient(tokens or EmulatorTokens(), Endpoints.emulator(world.url), **kwargs)


async def test_get_customer_shows_dap(world) -> None:
    async with pc(world) as client:
        contoso = await client.get_customer(CONTOSO)
        fabrikam = await client.get_customer(FABRIKAM)
        customers = await collect(client.list_customers())
    assert contoso["id"] == CONTOSO and contoso["allowDelegatedAccess"] is True
    assert contoso["companyProfile"] == {
        "tenantId": CONTOSO,
        "domain": "contoso.onmicrosoft.com",
        "companyName": "Contoso",
        "attributes": {"objectType": "CustomerCompanyProfile"},
    }
    assert contoso["relationshipToPartner"] == "reseller" and contoso["attributes"] == {"objectType": "Customer"}
    assert fabrikam["allowDelegatedAccess"] is True  # HelpdeskAgents only still counts
    assert {c["id"] for c in customers} == {CONTOSO, FABRIKAM}


async def test_remove_dap_is_idempotent_and_leaves_the_rest(world) -> None:
    async with pc(world) as client:
        first = await client.remove_dap(CONTOSO)
        second = await client.remove_dap(CONTOSO)
        assert await client.has_dap(CONTOSO) is False
        assert await client.has_dap(FABRIKAM) is True
    assert first["allowDelegatedAccess"] is False and second == first
    assert world.control.pc_customer(CONTOSO)["dap"] == {"adminAgents": False, "helpdeskAgents": False}
    patches = world.control.requests("/partnercenter/v1/customers", "PATCH")
    assert [p["status"] for p in patches] == [200, 200]
    # DAP removal does not touch Azure RBAC, nor the reseller relationship (the contract).
    async with arm(world) as customer:
        assert RA_AA_PROD.lower() in {a["id"].lower() async for a in customer.list_role_assignments(PROD)}
    async with GraphClient(EmulatorTokens(), Endpoints.emulator(world.url)) as graph:
        assert CONTOSO in {c["customerId"] async for c in graph.list_contracts()}


async def test_dap_set_out_of_band_is_seen(world) -> None:
    world.control.pc_set_dap(FABRIKAM, helpdesk_agents=False)
    async with pc(world) as client:
        assert await client.has_dap(FABRIKAM) is False
    world.control.pc_set_dap(FABRIKAM, admin_agents=True)
    async with pc(world) as client:
        assert await client.has_dap(FABRIKAM) is True


async def test_relationship_request_link(world) -> None:
    async with pc(world, tokens=StaticToken()) as client:
        link = await client.relationship_request_link()
    assert link == (
        "https://admin.microsoft.com/Adminportal/Home?invType=ResellerRelationship"
        f"&partnerId={PARTNER}&msppId=0&DAP=true#/BillingAccounts/partner-invitation"
    )


async def test_errors(world) -> None:
    async with pc(world) as client:
        with pytest.raises(NotFound) as missing:
            await client.get_customer(str(uuid.uuid4()))
        with pytest.raises(NotFound):
            await client.remove_dap(str(uuid.uuid4()))
        with pytest.raises(BadRequest) as grant:
            await client.send_json("PATCH", f"v1/customers/{CONTOSO}", {"AllowDelegatedAccess": True})
    assert missing.value.code == "600" and "was not found" in missing.value.message
    assert "can no longer be granted" in grant.value.message
    async with pc(world, tokens=EmulatorTokens(), tenant_id=CONTOSO) as customer_token:
        with pytest.raises(Unauthorized):
            await customer_token.get_customer(CONTOSO)


async def test_faults_apply_to_partner_center(world) -> None:
    world.control.add_fault("/partnercenter", status=503, times=2, retry_after=0)
    world.control.add_fault("/partnercenter/v1/customers/relationshiprequests", drop=True, times=1)
    async with pc(world) as client:
        assert (await client.remove_dap(CONTOSO))["allowDelegatedAccess"] is False
        assert "partnerId=" in await client.relationship_request_link()
    statuses = [r["status"] for r in world.control.requests("/partnercenter")]
    assert statuses[:3] == [503, 503, 200]


async def test_contracts_one_per_customer_in_the_partner_tenant_only(world) -> None:
    async with GraphClient(EmulatorTokens(), Endpoints.emulator(world.url)) as graph:
        contracts = await collect(graph.list_contracts())
        filtered = await collect(graph.list_contracts(filter=f"customerId eq '{FABRIKAM}'"))
    assert sorted((c["customerId"], c["displayName"], c["defaultDomainName"]) for c in contracts) == [
        (CONTOSO, "Contoso", "contoso.onmicrosoft.com"),
        (FABRIKAM, "Fabrikam", "fabrikam.onmicrosoft.com"),
    ]
    assert all(c["contractType"] == "ResellerPartner" and c["id"] for c in contracts)
    assert [c["customerId"] for c in filtered] == [FABRIKAM]
    async with GraphClient(EmulatorTokens(), Endpoints.emulator(world.url), tenant_id=CONTOSO) as graph:
        assert await collect(graph.list_contracts()) == []


async def test_contracts_page_like_graph(world) -> None:
    world.control.pc_add_customers([{"tenantId": str(uuid.uuid4()), "companyName": f"C{i}"} for i in range(7)])
    world.control.settings(page_size=4)
    async with GraphClient(EmulatorTokens(), Endpoints.emulator(world.url)) as graph:
        pages = [len(p["value"]) async for p in graph.pages("contracts")]
        assert len(await collect(graph.list_contracts())) == 9
    assert pages == [4, 4, 1]


async def test_the_customer_collection_has_the_documented_envelope_over_https(emulator_tls) -> None:
    """Partner Center has no official Python client: the collection is checked against the response example
    of Microsoft's REST reference ("Get a list of customers", partner-center/developer/get-a-list-of-customers)."""
    emulator_tls.control.reset(scenario())
    token = await EmulatorTokens().get_token("https://api.partnercenter.microsoft.com/.default", PARTNER)
    verify = ssl.create_default_context(cafile=emulator_tls.ca_path)
    async with httpx.AsyncClient(base_url=emulator_tls.url, verify=verify) as http:
        response = await http.get(
            "/partnercenter/v1/customers", params={"size": 40}, headers={"Authorization": f"Bearer {token}"}
        )
    body = response.json()
    assert response.status_code == 200 and set(body) == {"totalCount", "items", "links", "attributes"}
    assert body["attributes"] == {"objectType": "Collection"} and body["totalCount"] == len(body["items"]) == 2
    assert {item["attributes"]["objectType"] for item in body["items"]} == {"Customer"}


async def test_the_customer_list_leaves_dap_out_and_the_read_by_id_has_it(world) -> None:
    """Customer resource (learn.microsoft.com/partner-center/developer/customer-resources): allowDelegatedAccess
    "is only available when getting a customer by ID, not by list"."""
    async with pc(world) as client:
        listed = await collect(client.list_customers())
        by_id = await client.get_customer(CONTOSO)
    assert listed and all("allowDelegatedAccess" not in c for c in listed)
    assert by_id["allowDelegatedAccess"] is True


async def test_the_customer_list_pages_by_size_and_the_client_reads_every_page(world) -> None:
    """ "Get a list of customers" takes ``size``; further pages come as ``links.next`` with an MS-ContinuationToken
    header. 250 more customers than the scenario's two: three pages of 100."""
    world.control.pc_add_customers([{"tenantId": str(uuid.uuid4()), "companyName": f"C{i}"} for i in range(250)])
    token = await EmulatorTokens().get_token("https://api.partnercenter.microsoft.com/.default", PARTNER)
    async with httpx.AsyncClient(base_url=world.url) as http:
        first = await http.get(
            "/partnercenter/v1/customers", params={"size": 40}, headers={"Authorization": f"Bearer {token}"}
        )
    body = first.json()
    assert len(body["items"]) == 40 and body["links"]["next"]["method"] == "GET"
    assert body["links"]["next"]["uri"] == "/customers?size=40&seekOperation=Next"
    assert [h["key"] for h in body["links"]["next"]["headers"]] == ["MS-ContinuationToken"]
    world.control.clear_requests()
    async with pc(world) as client:
        customers = await collect(client.list_customers())
    assert len(customers) == len({c["id"] for c in customers}) == 252
    sent = world.control.requests("/partnercenter/v1/customers", "GET")
    assert len(sent) == 3 and all("size=100" in r["query"] for r in sent), sent


async def test_errors_have_the_documented_shape_and_every_answer_echoes_the_request_ids(world) -> None:
    """ "Partner Center REST error codes" (partner-center/developer/error-codes): ``code`` (a string),
    ``description``, ``source``; "Partner Center REST headers": MS-RequestId and MS-CorrelationId come back."""
    token = await EmulatorTokens().get_token("https://api.partnercenter.microsoft.com/.default", PARTNER)
    ids = {"MS-RequestId": str(uuid.uuid4()), "MS-CorrelationId": str(uuid.uuid4())}
    async with httpx.AsyncClient(base_url=world.url, headers={"Authorization": f"Bearer {token}"}) as http:
        missing = await http.get(f"/partnercenter/v1/customers/{uuid.uuid4()}", headers=ids)
        found = await http.get(f"/partnercenter/v1/customers/{CONTOSO}", headers=ids)
        unnamed = await http.get(f"/partnercenter/v1/customers/{CONTOSO}")
    assert missing.status_code == 404 and set(missing.json()) == {"code", "description", "source"}
    assert missing.json()["code"] == "600" and missing.json()["description"]
    for answer in (missing, found):
        assert {k: answer.headers[k] for k in ids} == ids
    assert uuid.UUID(unnamed.headers["MS-RequestId"]) and uuid.UUID(unnamed.headers["MS-CorrelationId"])


async def test_customer_reads_are_paced_at_the_documented_rate_and_nothing_else_is(world) -> None:
    """ "The Customer resource has a rate limit of 500 requests per minute per tenant identifier" (Customer
    resource): the client keeps to it (here a bucket of 5 refilling 1 a second, on a virtual clock) instead of
    collecting 429s; Autopilot's sub-resources of a customer are not in that bucket."""
    time = VirtualTime()
    limiter = ArmRateLimiter({(TENANT, READS): BucketLimits(5, 1.0)}, probe=False, clock=time.now, sleep=time)
    async with pc(world, rate_limiter=limiter) as client:
        for _ in range(10):
            await client.get_customer(CONTOSO)
        waited = sum(time.delays)
        await client.get_json(f"v1/customers/{CONTOSO}/deviceBatches")
    assert 5 <= waited <= 7 and sum(time.delays) == waited  # 10 reads, 4 from the bucket, the rest paced
    assert [r["status"] for r in world.control.requests("/partnercenter")] == [200] * 11
    assert PartnerCenterClient(EmulatorTokens()).rate_limiter.limits[(TENANT, READS)] == BucketLimits(500, 500 / 60)
