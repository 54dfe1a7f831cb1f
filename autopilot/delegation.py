"""What a customer has granted the partner, read live from Partner Center and Graph, for the rules engine.

The reseller relationship is the customer being known to Partner Center; DAP is its ``allowDelegatedAccess``;
GDAP is the roles of the customer's relationships that are active (or expiring). Read with the partner's own
identity: the customer is never asked.
"""

from __future__ import annotations

from autopilot.rules import Delegation
from azure_http import NotFound
from azure_http.gdap import USABLE_STATUSES
from azure_http.graph import GraphClient
from azure_http.partner_center import PartnerCenterClient


async def read_delegation(partner_center: PartnerCenterClient, graph: GraphClient, customer: str) -> Delegation:
    try:
        dap = bool((await partner_center.get_customer(customer)).get("allowDelegatedAccess"))
    except NotFound:
        return Delegation(reseller=False)
    roles: set[str] = set()
    # Graph's $filter on customer/tenantId is not documented for this collection: read them all and filter here.
    async for rel in graph.list_relationships():
        if ((rel.get("customer") or {}).get("tenantId") or "").lower() != customer.lower():
            continue
        if rel.get("status") not in USABLE_STATUSES:
            continue
        for role in (rel.get("accessDetails") or {}).get("unifiedRoles") or []:
            roles.add(str(role.get("roleDefinitionId", "")).lower())
    return Delegation(reseller=True, dap=dap, gdap_roles=frozenset(roles))
