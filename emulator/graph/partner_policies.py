"""Graph ``GET /v1.0/policies/crossTenantAccessPolicy/partners``: a tenant's partner-specific configurations.

What a customer can read about its partners without the partner's help (reference/azure-facts.md, "What a
customer can read about its partners"): one configuration per partner tenant, ``isServiceProvider: true``
for a CSP partner. The emulator derives them from the partner's own data, so the two never disagree: the
partner tenant appears in a customer's list while the customer is its Partner Center customer with DAP or
with a GDAP relationship not yet terminated or expired. The caller's token names the tenant whose policy
is read; the partner tenant itself has none here.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from emulator.core.identity import caller_of
from emulator.core.odata import page
from emulator.core.state import EmulatorState
from emulator.graph import gdap_model as gdap

GRAPH_ROOT = "/graph/v1.0"
PATH = f"{GRAPH_ROOT}/policies/crossTenantAccessPolicy/partners"
_ENDED = ("terminated", "expired")


def partner_json(tenant_id: str) -> dict[str, Any]:
    return {
        "tenantId": tenant_id,
        "isServiceProvider": True,
        "isInMultiTenantOrganization": False,
        "inboundTrust": None,
        "b2bCollaborationOutbound": None,
        "b2bCollaborationInbound": None,
        "b2bDirectConnectOutbound": None,
        "b2bDirectConnectInbound": None,
        "tenantRestrictions": None,
        "automaticUserConsentSettings": {"inboundAllowed": None, "outboundAllowed": None},
    }


class PartnerPoliciesService:
    """Cross-tenant access policy partners (``Service``): no store of its own."""

    name = "partner_policies"

    def new_store(self) -> None:
        return None

    def partners_of(self, state: EmulatorState, tenant_id: str) -> list[dict[str, Any]]:
        partner = state.settings.partner_tenant_id.lower()
        customer = state.stores["partner_center"].customers.get(tenant_id)
        linked = customer is not None and customer.allow_delegated_access
        now = state.clock.now()
        for rel in state.stores["gdap"].relationships.values():
            if ((rel.customer or {}).get("tenantId") or "").lower() != tenant_id:
                continue
            gdap.refresh(rel, now, state.settings)
            linked = linked or gdap.status_of(rel, now, state.settings) not in _ENDED
        return [partner_json(partner)] if linked and tenant_id != partner else []

    def routes(self, state: EmulatorState) -> list[BaseRoute]:
        svc = self

        async def partners(request: Request) -> Response:
            tenant = caller_of(request, state).tenant_id
            with state.lock:
                items = svc.partners_of(state, tenant)
            context = (
                str(request.base_url).rstrip("/") + f"{GRAPH_ROOT}/$metadata#policies/crossTenantAccessPolicy/partners"
            )
            return JSONResponse(page(request, items, max_page_size=state.settings.page_size, context=context))

        return [Route(PATH, partners, methods=["GET"])]

    def control_routes(self, state: EmulatorState) -> list[BaseRoute]:
        return []

    def seed(self, state: EmulatorState, section: Any) -> None:
        raise ValueError("cross-tenant partner policies come from partner_center and gdap; there is no section")

    def dump(self, state: EmulatorState) -> dict[str, list[dict[str, Any]]]:
        tenants = set(state.stores["partner_center"].customers)
        return {t: self.partners_of(state, t) for t in sorted(tenants)}


SERVICE = PartnerPoliciesService()
