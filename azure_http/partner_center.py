"""Partner Center REST client (``https://api.partnercenter.microsoft.com/v1``): customers and legacy DAP.

The partner-side calls the audit and revocation need (reference/azure-facts.md, "Legacy DAP"):
read a customer (``allowDelegatedAccess`` says whether the partner still holds DAP), remove DAP
(idempotent), and get the reseller relationship request link. Partner Center answers errors as
``{"code": <number>, "description": ...}``; they surface as the usual ``ApiError`` subclasses
with the number as ``code``. Needs app+user auth in production (a partner admin's token).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

from azure_http.answers import UnexpectedAnswer, json_object, page_items
from azure_http.base import ServiceClient

Json = dict[str, Any]

REMOVE_DAP_BODY: Json = {"AllowDelegatedAccess": False, "attributes": {"objectType": "Customer"}}


def _customer(customer_tenant_id: str) -> str:
    if not customer_tenant_id:
        raise ValueError("empty customer id")
    return f"v1/customers/{quote(customer_tenant_id, safe='-')}"


class PartnerCenterClient(ServiceClient):
    """Partner Center client for the partner tenant."""

    #: Partner Center's per-request id (kept across retries, so a retried PATCH is recognised).
    client_request_id_header = "MS-RequestId"

    service = "partner_center"

    async def get_customer(self, customer_tenant_id: str) -> Json:
        """The customer (``NotFound`` if it is not this partner's); ``allowDelegatedAccess`` = DAP held."""
        return await self.get_json(_customer(customer_tenant_id))

    async def list_customers(self) -> AsyncIterator[Json]:
        """Every customer of the partner, following Partner Center's continuation links."""
        url = self.url("v1/customers")
        page = await self.get_json("v1/customers")
        while True:
            for item in page_items(page, "items", "GET", url):
                yield item
            links = page.get("links") or {}
            following = (links.get("next") if isinstance(links, dict) else None) or {}
            uri = following.get("uri") if isinstance(following, dict) else None
            if not uri:
                return
            if not isinstance(uri, str) or not isinstance(following.get("headers") or [], list):
                raise UnexpectedAnswer("GET", url, 200, "links.next is not a continuation link")
            headers = {
                h["key"]: h["value"]
                for h in following.get("headers") or ()
                if isinstance(h, dict) and "key" in h and "value" in h
            }
            response = await self.request("GET", "v1/" + uri.lstrip("/"), headers=headers)
            url = self.url("v1/" + uri.lstrip("/"))
            page = json_object(response, "GET", url)  # type: ignore[assignment]

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
