"""Partner Center REST client (``https://api.partnercenter.microsoft.com/v1``): customers and legacy DAP.

The partner-side calls the audit and revocation need (reference/azure-facts.md, "Legacy DAP"):
read a customer (``allowDelegatedAccess`` says whether the partner still holds DAP), remove DAP
(idempotent), and get the reseller relationship request link. Partner Center answers errors as
``{"code": <number>, "description": ...}``; they surface as the usual ``ApiError`` subclasses
with the number as ``code``. Needs app+user auth in production (a partner admin's token).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Mapping
from typing import Any
from urllib.parse import quote, urlsplit

from azure_http.answers import UnexpectedAnswer, json_object, page_items
from azure_http.auth import TokenProvider
from azure_http.base import ServiceClient
from azure_http.endpoints import Endpoints
from azure_http.throttle import READS, TENANT, ArmRateLimiter, BucketKey, BucketLimits

Json = dict[str, Any]

REMOVE_DAP_BODY: Json = {"AllowDelegatedAccess": False, "attributes": {"objectType": "Customer"}}


#: "The Customer resource has a rate limit of 500 requests per minute per tenant identifier"
#: (learn.microsoft.com/partner-center/developer/customer-resources): one bucket for the partner's customer reads
#: and updates, paced on the client so a read of a thousand customers by id waits instead of collecting 429s.
CUSTOMER_LIMIT = BucketLimits(500, 500 / 60)
#: ``/v1/customers`` and ``/v1/customers/{id}``: the Customer resource (not its sub-resources, Autopilot's say).
_CUSTOMER_PATH = re.compile(r"/v1/customers(/[^/]+)?/?$", re.IGNORECASE)

#: Customers asked for a page. "Get a list of customers" documents ``size`` without a maximum; its example asks 40.
CUSTOMER_PAGE = 100
CONTINUATION_HEADER = "MS-ContinuationToken"


def _next_page(page: Json, method: str, url: str) -> tuple[str | None, Mapping[str, Any] | None, dict[str, str]] | None:
    """Where the page after ``page`` is: (path or None for "the same request", its params, headers), or None."""
    links = page.get("links")
    following = links.get("next") if isinstance(links, dict) else None
    if following:
        uri = following.get("uri") if isinstance(following, dict) else None
        raw_headers = following.get("headers") or [] if isinstance(following, dict) else None
        if not isinstance(uri, str) or not uri or not isinstance(raw_headers, list):
            raise UnexpectedAnswer(method, url, 200, "links.next is not a continuation link")
        headers = {
            str(h["key"]): str(h["value"]) for h in raw_headers if isinstance(h, dict) and "key" in h and "value" in h
        }
        relative = uri.lstrip("/")
        if not relative.lower().startswith("v1/"):
            relative = "v1/" + relative
        return relative, None, headers
    token = page.get("continuationToken")
    if token is None or token == "":
        return None
    if not isinstance(token, str):
        raise UnexpectedAnswer(method, url, 200, "continuationToken is not a string")
    return None, None, {CONTINUATION_HEADER: token}


def _customer(customer_tenant_id: str) -> str:
    if not customer_tenant_id:
        raise ValueError("empty customer id")
    return f"v1/customers/{quote(customer_tenant_id, safe='-')}"


class PartnerCenterClient(ServiceClient):
    """Partner Center client for the partner tenant."""

    #: Partner Center's per-request id (kept across retries, so a retried PATCH is recognised).
    client_request_id_header = "MS-RequestId"

    service = "partner_center"

    def __init__(self, tokens: TokenProvider, endpoints: Endpoints | None = None, **options: Any) -> None:
        """``rate_limiter``: by default one paces the Customer resource at its documented limit (see
        ``CUSTOMER_LIMIT``); share one across the clients of a partner to pace them together."""
        options.setdefault("rate_limiter", ArmRateLimiter({(TENANT, READS): CUSTOMER_LIMIT}, probe=False))
        super().__init__(tokens, endpoints, **options)

    def rate_limit_key(self, method: str, url: str) -> BucketKey | None:
        """Every call on the Customer resource counts against the partner's one bucket; nothing else is paced."""
        if _CUSTOMER_PATH.search(urlsplit(url).path):
            return BucketKey(TENANT, (self.tenant_id or "home").lower(), READS)
        return None

    async def get_customer(self, customer_tenant_id: str) -> Json:
        """The customer (``NotFound`` if it is not this partner's); ``allowDelegatedAccess`` = DAP held, present
        only here, on the read by id (learn.microsoft.com/partner-center/developer/customer-resources)."""
        return await self.get_json(_customer(customer_tenant_id))

    async def collection(
        self, path: str, *, params: Mapping[str, Any] | None = None, method: str = "GET"
    ) -> AsyncIterator[Json]:
        """Every item of a Partner Center collection, page after page, following either continuation Partner
        Center documents:

        - ``links.next`` = ``{"uri", "method", "headers": [{"key": "MS-ContinuationToken", "value"}]}``, the
          seek-based paging of the customer list and the invoice line items (``uri`` relative to ``/v1`` or
          carrying it: both occur in Microsoft's examples);
        - ``continuationToken`` in the body, sent back on the same request as the ``MS-ContinuationToken``
          header: the Autopilot device list ("The collection contains 100 devices in a page. To retrieve the next
          page of 100 devices, the continuationToken in the response body must be included in the subsequent
          request as an MS-ContinuationToken header", partner-center/developer/
          get-a-list-of-devices-for-the-specified-batch-and-customer).

        A page that announces the continuation it just used (a server going round in circles) is an error."""
        url = self.url(path)
        page = await self.get_json(path, params=params)
        seen: set[str] = set()
        while True:
            for item in page_items(page, "items", method, url):
                yield item
            following = _next_page(page, method, url)
            if following is None:
                return
            next_path, next_params, headers = following
            if next_path is None:
                next_path, next_params = path, params
            marker = f"{next_path}|{sorted(headers.items())}"
            if marker in seen:
                raise UnexpectedAnswer(method, url, 200, "the continuation repeats itself")
            seen.add(marker)
            url = self.url(next_path)
            response = await self.request("GET", next_path, params=next_params, headers=headers)
            page = json_object(response, "GET", url)  # type: ignore[assignment]

    async def list_customers(self, *, page_size: int = CUSTOMER_PAGE) -> AsyncIterator[Json]:
        """Every customer of the partner, ``page_size`` a page ("Get a list of customers": ``size``), following
        Partner Center's continuation links. A listed customer has no ``allowDelegatedAccess``: read it with
        ``get_customer`` (Customer resource: "only available when getting a customer by ID, not by list")."""
        async for item in self.collection("v1/customers", params={"size": page_size}):
            yield item

    async def has_dap(self, customer_tenant_id: str) -> bool:
        return bool((await self.get_customer(customer_tenant_id)).get("allowDelegatedAccess"))

    async def remove_dap(self, customer_tenant_id: str) -> Json:
        """Remove the partner's delegated admin privileges (DAP) on a customer; idempotent.

        Returns the customer as Partner Center answers. Leaves GDAP, Azure RBAC and the reseller
        relationship alone: Microsoft's order is GDAP (with Azure roles) first, then RBAC, then DAP.
        """
        return await self.send_json("PATCH", _customer(customer_tenant_id), REMOVE_DAP_BODY)  # type: ignore[return-value]

    async def relationship_request_link(self) -> str:
        """The reseller relationship request URL to send to a new customer."""
        answer = await self.get_json("v1/customers/relationshiprequests")
        if not isinstance(answer.get("url"), str):
            raise UnexpectedAnswer("GET", self.url("v1/customers/relationshiprequests"), 200, "no 'url' in the answer")
        return answer["url"]
