"""Partner Center routes under ``/partnercenter/v1``: customers, legacy DAP removal, reseller invitations.

The partner's view of its CSP customers (reference/azure-facts.md, "Legacy DAP"):

- ``GET /v1/customers/{customer-tenant-id}``: the customer, with ``allowDelegatedAccess`` true while the
  partner's AdminAgents or HelpdeskAgents still hold DAP (the emulator tracks both;
  ``/_emulator/partner_center/customers/{id}`` shows them). ``allowDelegatedAccess`` is "only available when
  getting a customer by ID, not by list" (Customer resource, learn.microsoft.com/partner-center/developer/
  customer-resources), so ``GET /v1/customers`` leaves it out;
- ``GET /v1/customers?size={size}``: pages of ``size`` customers ("Get a list of customers",
  learn.microsoft.com/partner-center/developer/get-a-list-of-customers); a further page is announced as
  ``links.next`` = ``{"uri": "/customers?size={size}&seekOperation=Next", "method": "GET", "headers":
  [{"key": "MS-ContinuationToken", "value": ...}]}``, Partner Center's seek-based paging (the response examples of
  the invoice line-item pages, e.g. partner-center/developer/get-invoice-billed-consumption-lineitems); without
  ``size`` the whole list comes in one page (the SDK's "otherwise get all customers");
- ``PATCH /v1/customers/{id}`` with ``{"AllowDelegatedAccess": false, "attributes":
  {"objectType": "Customer"}}``: removes DAP (both groups), idempotent; DAP cannot be granted
  back through the API (Microsoft stopped granting it in 2023);
- ``GET /v1/customers/relationshiprequests``: the reseller relationship request URL.

Partner Center's token check, error shape and echoed headers are its front door's
(``emulator.partner_center.front_door``). The partner id in links defaults to the partner tenant id. Removing DAP
leaves Azure RBAC, GDAP and the reseller relationship (the customer's Graph ``contract``) alone, as in Microsoft's
services.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from emulator.core.ids import is_guid
from emulator.core.state import EmulatorState
from emulator.partner_center.front_door import (
    CONTINUATION_HEADER,
    ROOT,
    PartnerCenterError,
    continuation,
    encode_token,
    front_door,
    page_size,
)

CONTRACT_TYPES = ("ResellerPartner", "SyndicationPartner", "BreadthPartner")
RELATIONSHIP_REQUEST_URL = (
    "https://admin.microsoft.com/Adminportal/Home?invType=ResellerRelationship&partnerId={partner}"
    "&msppId=0&DAP=true#/BillingAccounts/partner-invitation"
)


@dataclass
class Customer:
    tenant_id: str
    company_name: str
    domain: str
    dap_admin_agents: bool = False
    dap_helpdesk_agents: bool = False
    relationship: str = "reseller"
    contract_type: str = "ResellerPartner"

    @property
    def allow_delegated_access(self) -> bool:
        return self.dap_admin_agents or self.dap_helpdesk_agents

    def to_json(self, *, by_id: bool = True) -> dict[str, Any]:
        """The Customer resource; ``allowDelegatedAccess`` only ``by_id`` (a list leaves it out)."""
        body = {
            "id": self.tenant_id,
            "companyProfile": {
                "tenantId": self.tenant_id,
                "domain": self.domain,
                "companyName": self.company_name,
                "attributes": {"objectType": "CustomerCompanyProfile"},
            },
            "relationshipToPartner": self.relationship,
            "allowDelegatedAccess": self.allow_delegated_access,
            "links": {"self": {"uri": f"/customers/{self.tenant_id}", "method": "GET", "headers": []}},
            "attributes": {"objectType": "Customer"},
        }
        if not by_id:
            del body["allowDelegatedAccess"]
        return body

    def dap_json(self) -> dict[str, bool]:
        return {"adminAgents": self.dap_admin_agents, "helpdeskAgents": self.dap_helpdesk_agents}


class PartnerCenterStore:
    def __init__(self) -> None:
        self.partner_id: str | None = None
        self.admin_agents_group_id: str | None = None
        self.helpdesk_agents_group_id: str | None = None
        self.customers: dict[str, Customer] = {}

    def agent_groups(self) -> dict[str, str]:
        """Display name -> object id of the partner's agent groups (partner-tenant security groups)."""
        out = {}
        if self.admin_agents_group_id:
            out["AdminAgents"] = self.admin_agents_group_id
        if self.helpdesk_agents_group_id:
            out["HelpdeskAgents"] = self.helpdesk_agents_group_id
        return out

    def get(self, customer_id: str) -> Customer:
        customer = self.customers.get(customer_id.lower())
        if customer is None:
            raise PartnerCenterError(404, 600, f"Customer {customer_id} was not found for this partner.")
        return customer


class PartnerCenterService:
    """The Partner Center ``Service`` (see ``emulator.core.state.Service``)."""

    name = "partner_center"

    def new_store(self) -> PartnerCenterStore:
        return PartnerCenterStore()

    @staticmethod
    def _store(state: EmulatorState) -> PartnerCenterStore:
        return state.stores["partner_center"]

    def partner_id(self, state: EmulatorState) -> str:
        return self._store(state).partner_id or state.settings.partner_tenant_id

    def routes(self, state: EmulatorState) -> list[BaseRoute]:
        svc = self

        async def customers(request: Request) -> Response:
            size = page_size(request)
            with state.lock:
                every = [c.to_json(by_id=False) for c in svc._store(state).customers.values()]
            start = continuation(request, len(every)) if size else 0
            end = start + size if size else len(every)
            items = every[start:end]
            links: dict[str, Any] = {}
            if size:
                links["self"] = {"uri": f"/customers?size={size}", "method": "GET", "headers": []}
            if end < len(every):
                links["next"] = {
                    "uri": f"/customers?size={size}&seekOperation=Next",
                    "method": "GET",
                    "headers": [{"key": CONTINUATION_HEADER, "value": encode_token(end)}],
                }
            body = {
                "totalCount": len(items),
                "items": items,
                "links": links,
                "attributes": {"objectType": "Collection"},
            }
            return JSONResponse(body)

        async def customer(request: Request) -> Response:
            customer_id = request.path_params["customer_id"]
            if request.method == "GET":
                with state.lock:
                    return JSONResponse(svc._store(state).get(customer_id).to_json())
            try:
                body = json.loads(await request.body() or b"{}")
            except ValueError:
                raise PartnerCenterError(400, 400, "The request body is not valid JSON.") from None
            fields = {k.lower(): v for k, v in body.items()} if isinstance(body, dict) else {}
            if "allowdelegatedaccess" not in fields:
                raise PartnerCenterError(400, 400, "Only AllowDelegatedAccess can be updated here.")
            if fields["allowdelegatedaccess"] is not False:
                raise PartnerCenterError(
                    400,
                    400,
                    "Delegated admin privileges can no longer be granted; only AllowDelegatedAccess=false is accepted.",
                )
            attributes = fields.get("attributes")
            if attributes is not None and (
                not isinstance(attributes, dict) or attributes.get("objectType") != "Customer"
            ):
                raise PartnerCenterError(400, 400, 'attributes must be {"objectType": "Customer"}.')
            with state.lock:
                c = svc._store(state).get(customer_id)
                c.dap_admin_agents = c.dap_helpdesk_agents = False
                return JSONResponse(c.to_json())

        async def relationship_requests(request: Request) -> Response:
            url = RELATIONSHIP_REQUEST_URL.format(partner=svc.partner_id(state))
            return JSONResponse({"url": url, "attributes": {"objectType": "CustomerRelationshipRequest"}})

        return [
            Route(f"{ROOT}/customers", front_door(state, customers), methods=["GET"]),
            Route(f"{ROOT}/customers/relationshiprequests", front_door(state, relationship_requests), methods=["GET"]),
            Route(f"{ROOT}/customers/{{customer_id}}", front_door(state, customer), methods=["GET", "PATCH"]),
        ]

    # -- control --------------------------------------------------------------------------
    def control_routes(self, state: EmulatorState) -> list[BaseRoute]:
        svc = self

        async def add(request: Request) -> Response:
            body = json.loads(await request.body() or b"[]")
            entries = body if isinstance(body, list) else [body]
            try:
                with state.lock:
                    out = [svc._detail(svc.seed_customer(state, e)) for e in entries]
            except ValueError as exc:
                return PartnerCenterError(400, 400, str(exc)).response()
            return JSONResponse(out if isinstance(body, list) else out[0], status_code=201)

        async def one(request: Request) -> Response:
            body = json.loads(await request.body() or b"{}") if request.method == "PATCH" else {}
            try:
                with state.lock:
                    c = svc._store(state).get(request.path_params["customer_id"])
                    if request.method == "PATCH":
                        dap = body.get("dap", body)
                        if "adminAgents" in dap:
                            c.dap_admin_agents = bool(dap["adminAgents"])
                        if "helpdeskAgents" in dap:
                            c.dap_helpdesk_agents = bool(dap["helpdeskAgents"])
                    return JSONResponse(svc._detail(c))
            except PartnerCenterError as exc:
                return exc.response()

        return [
            Route("/customers", add, methods=["POST"]),
            Route("/customers/{customer_id}", one, methods=["GET", "PATCH"]),
        ]

    @staticmethod
    def _detail(c: Customer) -> dict[str, Any]:
        return {**c.to_json(), "dap": c.dap_json(), "contractType": c.contract_type}

    # -- seeding --------------------------------------------------------------------------
    KEYS = ("partner_id", "admin_agents_group_id", "helpdesk_agents_group_id", "customers")

    def seed(self, state: EmulatorState, section: Any) -> None:
        if not isinstance(section, dict) or set(section) - set(self.KEYS):
            raise ValueError(f"the partner_center section takes {', '.join(self.KEYS)}")
        store = self._store(state)
        for key in ("partner_id", "admin_agents_group_id", "helpdesk_agents_group_id"):
            if section.get(key) is not None:
                if not is_guid(section[key]):
                    raise ValueError(f"partner_center.{key} must be a GUID")
                setattr(store, key, str(section[key]).lower())
        for entry in section.get("customers") or []:
            self.seed_customer(state, entry)

    def seed_customer(self, state: EmulatorState, entry: dict[str, Any]) -> Customer:
        """Keys: tenantId, companyName?, domain?, dap? (bool or {adminAgents, helpdeskAgents}), contractType?."""
        tenant = entry.get("tenantId") if isinstance(entry, dict) else None
        if not is_guid(tenant):
            raise ValueError(f"a customer needs tenantId (GUID): {entry}")
        tenant = tenant.lower()
        dap = entry.get("dap", False)
        admin, helpdesk = (
            (dap.get("adminAgents", False), dap.get("helpdeskAgents", False))
            if isinstance(dap, dict)
            else (bool(dap), bool(dap))
        )
        contract = entry.get("contractType", "ResellerPartner")
        if contract not in CONTRACT_TYPES:
            raise ValueError(f"contractType must be one of {CONTRACT_TYPES}")
        name = entry.get("companyName") or entry.get("displayName") or tenant
        customer = Customer(
            tenant,
            name,
            entry.get("domain") or entry.get("defaultDomainName") or f"{tenant[:8]}.onmicrosoft.com",
            bool(admin),
            bool(helpdesk),
            entry.get("relationship", "reseller"),
            contract,
        )
        self._store(state).customers[tenant] = customer
        arm = state.stores.get("arm")
        if arm is not None:
            arm.ensure_tenant(tenant, name).default_domain = customer.domain
        return customer

    def dump(self, state: EmulatorState) -> dict[str, Any]:
        store = self._store(state)
        return {
            "partner_id": self.partner_id(state),
            "admin_agents_group_id": store.admin_agents_group_id,
            "helpdesk_agents_group_id": store.helpdesk_agents_group_id,
            "customers": [self._detail(c) for c in store.customers.values()],
        }


SERVICE = PartnerCenterService()
