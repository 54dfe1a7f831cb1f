"""Graph ``GET /v1.0/contracts``: the partner tenant's contracts, one per CSP customer.

Derived from the Partner Center customers (``partner_center.customers`` in a scenario), so the
two never disagree: removing DAP keeps the contract (the reseller relationship stays). Only the
partner tenant has contracts; a token for any other tenant sees an empty collection.
(reference/azure-facts.md, "Legacy DAP"; learn.microsoft.com/graph/api/contract-list and the contract resource
page: id, contractType, customerId, defaultDomainName, displayName, deletedDateTime from directoryObject.)
Single contracts get their ``@odata.context`` from ``emulator.core.odata_entity``.
"""

from __future__ import annotations

import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from emulator.core.errors import ServiceError
from emulator.core.identity import caller_of
from emulator.core.odata import page, parse_filter
from emulator.core.state import EmulatorState

GRAPH_ROOT = "/graph/v1.0"
#: contract-list.md: "Filtering is supported for customerId, defaultDomainName, and displayName."
#: customerId is an Edm.Guid: OData takes it unquoted (``customerId eq 6e5b...``); quoted is accepted too.
FILTERABLE = ("customerId", "defaultDomainName", "displayName")
_NAMESPACE = uuid.UUID("3d0c1f5e-8f2a-4b6e-a1c9-2e7d5b4a3c21")


def contract_json(customer: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid5(_NAMESPACE, customer.tenant_id)),
        "deletedDateTime": None,
        "contractType": customer.contract_type,
        "customerId": customer.tenant_id,
        "defaultDomainName": customer.domain,
        "displayName": customer.company_name,
    }


class ContractsService:
    """Graph contracts (``Service``); no store of its own: it reads the partner_center store."""

    name = "contracts"

    def new_store(self) -> None:
        return None

    def _contracts(self, state: EmulatorState, request: Request) -> list[dict[str, Any]]:
        if caller_of(request, state).tenant_id != state.settings.partner_tenant_id.lower():
            return []
        with state.lock:
            return [contract_json(c) for c in state.stores["partner_center"].customers.values()]

    def routes(self, state: EmulatorState) -> list[BaseRoute]:
        svc = self

        async def contracts(request: Request) -> Response:
            predicate = parse_filter(request.query_params.get("$filter"), fields=FILTERABLE)
            items = [c for c in svc._contracts(state, request) if predicate(c)]
            context = str(request.base_url).rstrip("/") + f"{GRAPH_ROOT}/$metadata#contracts"
            return JSONResponse(page(request, items, max_page_size=state.settings.page_size, context=context))

        async def contract(request: Request) -> Response:
            wanted = request.path_params["contract_id"].lower()
            for item in svc._contracts(state, request):
                if item["id"] == wanted:
                    return JSONResponse(item)
            raise ServiceError(404, f"Resource '{wanted}' does not exist.", "Request_ResourceNotFound")

        return [
            Route(f"{GRAPH_ROOT}/contracts", contracts, methods=["GET"]),
            Route(f"{GRAPH_ROOT}/contracts/{{contract_id}}", contract, methods=["GET"]),
        ]

    def control_routes(self, state: EmulatorState) -> list[BaseRoute]:
        return []

    def seed(self, state: EmulatorState, section: Any) -> None:
        raise ValueError("contracts come from partner_center.customers; there is no contracts section")

    def dump(self, state: EmulatorState) -> list[dict[str, Any]]:
        return [contract_json(c) for c in state.stores["partner_center"].customers.values()]


SERVICE = ContractsService()
