"""Read a partner's whole estate through ``azure_http``: customers, GDAP, DAP, Azure grants and Lighthouse.

The reads, and why each is the one chosen:

- Graph ``contracts``: every CSP customer of the partner (the list the import starts from);
- every ``delegatedAdminRelationship``, once, indexed by customer (not once per customer: at 1,000 customers that is
  the difference between a few pages and thousands of reads), and the access assignments of each live one;
- Partner Center's customer list (paged), then each selected customer it lists read by id: ``allowDelegatedAccess``
  says whether DAP is still on, and Partner Center documents it as "only available when getting a customer by ID,
  not by list" (learn.microsoft.com/partner-center/developer/customer-resources). The reads by id run a bounded
  number at once (the Customer resource allows 500 requests a minute per tenant; the client honours 429 and
  Retry-After); a customer whose read fails is "not read", never "DAP off";
- per selected customer, the Azure side as the audit sweeps it (``runbooks.audit.sweep_azure``): its subscriptions,
  the partner's role assignments there, and its Lighthouse delegations.

Concurrency stays inside the services' limits: one ARM client (so one rate limiter, ARM's token buckets) shared by
every customer's sweep, a bounded number of customers at once, and a bounded number of Graph reads at once (Graph
answers 429 with Retry-After beyond its limits; the client honours it). ``ReadLimits.sequential()`` reads one
request at a time: the bench's baseline.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import catalog
from azure_http import AzureHttpError, GraphClient
from azure_http.arm import ArmClient, role_guid_of
from azure_http.auth import TokenProvider
from azure_http.endpoints import Endpoints
from azure_http.partner_center import PartnerCenterClient
from runbooks.audit import Limits, Target, sweep_azure
from runbooks.grants import Grant, Kind

from .model import AzureSide, CustomerEstate, Estate, LighthouseDelegation, RbacGrant, Relationship

Progress = Callable[[int, int], None]
"""progress(customers done, customers in all)."""


@dataclass(frozen=True)
class ReadLimits:
    """How much is read at once."""

    graph: int = 16
    """Graph requests in flight (access assignments of live relationships)."""
    customers: int = 48
    """Customers whose Azure side is read at once (ARM's buckets are per tenant and per subscription)."""
    per_customer: int = 4
    """Subscriptions of one customer read at once."""
    partner_center: int = 8
    """Partner Center customers read by id at once (for ``allowDelegatedAccess``)."""

    @classmethod
    def sequential(cls) -> ReadLimits:
        """One request at a time: what a script reading customer after customer does."""
        return cls(graph=1, customers=1, per_customer=1, partner_center=1)


@dataclass(frozen=True)
class Contract:
    tenant_id: str
    display_name: str
    default_domain: str
    contract_type: str


def _azure_side(grants: Iterable[Grant], report) -> AzureSide:
    rbac, lighthouse = [], []
    for g in grants:
        if g.kind is Kind.RBAC:
            rbac.append(
                RbacGrant(
                    id=g.id,
                    scope=g.scope or "",
                    principal_id=(g.principal_id or "").lower(),
                    role_id=role_guid_of(g.details.get("roleDefinitionId") or "").lower(),
                    subscription_id=g.subscription_id,
                    inherited=g.inherited,
                )
            )
        elif g.kind is Kind.LIGHTHOUSE:
            # The audit keeps the authorizations as two parallel lists: principals, and role names (or GUIDs).
            principals = (g.principal_id or "").split(",") if g.principal_id else []
            roles = [r.strip() for r in (g.role or "").split(",")] if g.role else []
            pairs = tuple(
                (p.lower(), catalog.azure_role_id(r)) for p, r in zip(principals, roles, strict=False) if p and r
            )
            definition = str(g.details.get("registrationDefinitionId") or "").rstrip("/").rsplit("/", 1)[-1]
            lighthouse.append(
                LighthouseDelegation(
                    assignment_id=g.id,
                    definition_id=definition.lower(),
                    subscription_id=(g.subscription_id or "").lower(),
                    managed_by_tenant_id=(g.partner_tenant_id or "").lower(),
                    authorizations=pairs,
                    scope=g.scope or "",
                    eligible=tuple(
                        (str(p).lower(), str(r).lower(), d) for p, r, d in g.details.get("eligibleAuthorizations") or []
                    ),
                )
            )
    return AzureSide(
        subscriptions=tuple((s, "") for s in report.subscription_ids),
        grants=tuple(sorted(rbac, key=lambda x: x.id.lower())),
        lighthouse=tuple(sorted(lighthouse, key=lambda x: x.assignment_id.lower())),
        not_checked=tuple(report.not_checked),
        errors=tuple(report.errors),
    )


async def read_contracts(graph: GraphClient) -> list[Contract]:
    out = []
    async for raw in graph.list_contracts():
        tenant = str(raw.get("customerId") or "").lower()
        if not catalog.is_guid(tenant):
            continue
        out.append(
            Contract(
                tenant,
                str(raw.get("displayName") or tenant),
                str(raw.get("defaultDomainName") or ""),
                str(raw.get("contractType") or ""),
            )
        )
    return out


async def list_relationships(graph: GraphClient) -> list[Relationship]:
    """Every relationship of the partner (one paged read), without access assignments."""
    return [Relationship.from_graph(raw) async for raw in graph.list_relationships()]


async def with_access(graph: GraphClient, rel: Relationship, graph_slots: asyncio.Semaphore) -> Relationship:
    """The relationship with its access assignments (read only for a live one: Graph keeps none that mean anything
    on another)."""
    if not rel.live:
        return rel
    async with graph_slots:
        access = [a async for a in graph.access_assignments(rel.id)]
    return dataclasses.replace(rel, access=tuple(access))


async def _same(rel: Relationship) -> Relationship:
    return rel


@dataclass(frozen=True)
class DapRead:
    """What Partner Center says of DAP, per customer tenant."""

    dap: dict[str, bool]
    """Tenant -> ``allowDelegatedAccess`` as read by id."""
    unread: dict[str, str]
    """Tenant -> why its read by id failed (Partner Center lists it, but DAP is unknown)."""


async def listed_customers(partner_center: PartnerCenterClient) -> set[str]:
    """The tenants Partner Center lists as the partner's customers (every page)."""
    out = set()
    async for raw in partner_center.list_customers():
        tenant = str(raw.get("id") or (raw.get("companyProfile") or {}).get("tenantId") or "").lower()
        if tenant:
            out.add(tenant)
    return out


async def read_dap(partner_center: PartnerCenterClient, tenants: Iterable[str], at_once: int) -> DapRead:
    """``allowDelegatedAccess`` of each tenant, read by id (the list does not carry it), ``at_once`` at a time."""
    slots = asyncio.Semaphore(max(1, at_once))
    dap: dict[str, bool] = {}
    unread: dict[str, str] = {}

    async def one(tenant: str) -> None:
        async with slots:
            try:
                raw = await partner_center.get_customer(tenant)
            except AzureHttpError as err:
                unread[tenant] = str(err)
                return
        if isinstance(raw.get("allowDelegatedAccess"), bool):
            dap[tenant] = raw["allowDelegatedAccess"]
        else:
            unread[tenant] = "Partner Center's answer has no allowDelegatedAccess"

    await asyncio.gather(*(one(t) for t in sorted(set(tenants))))
    return DapRead(dap, unread)


async def read_azure(
    arm: ArmClient, partner_tenant_id: str, customer_tenant_id: str, principals: Iterable[str], per_customer: int
) -> AzureSide:
    """The customer's subscriptions and the partner's grants in them (the audit's sweep, reused)."""
    target = Target.for_partner(customer_tenant_id, partner_tenant_id, principals)
    report = await sweep_azure(target, arm.for_tenant(customer_tenant_id), Limits(per_customer, per_customer))
    return _azure_side(report.grants, report)


async def read_estate(
    partner_tenant_id: str,
    partner_principals: Iterable[str],
    tokens: TokenProvider,
    endpoints: Endpoints,
    *,
    select: Callable[[Contract], bool] | None = None,
    skip_azure: Callable[[Contract], bool] | None = None,
    limits: ReadLimits = ReadLimits(),
    progress: Progress | None = None,
) -> Estate:
    """Read the estate of the partner (tenant ``partner_tenant_id``).

    ``select`` picks the customers whose Azure side is read and who are returned (all by default); ``skip_azure``
    picks customers returned without their Azure side (``azure`` None: already declared in a stack, say).
    ``partner_principals``: the partner's groups known to its stack; the groups its access assignments name are
    added (they are the partner's security groups too)."""
    partner = partner_tenant_id.lower()
    graph_slots = asyncio.Semaphore(max(1, limits.graph))
    async with (
        GraphClient(tokens, endpoints, tenant_id=partner, max_concurrency=max(1, limits.graph)) as graph,
        PartnerCenterClient(
            tokens, endpoints, tenant_id=partner, max_concurrency=max(1, limits.partner_center)
        ) as partner_center,
        ArmClient(tokens, endpoints, tenant_id=partner, max_concurrency=max(1, limits.customers * 2)) as arm,
    ):
        if limits.graph == 1:  # one request at a time, really: no overlap between the three reads either
            contracts = await read_contracts(graph)
            relationships = await list_relationships(graph)
            listed = await listed_customers(partner_center)
        else:
            contracts, relationships, listed = await asyncio.gather(
                read_contracts(graph), list_relationships(graph), listed_customers(partner_center)
            )
        chosen = [c for c in contracts if select is None or select(c)]
        # DAP only where it can matter: the chosen customers Partner Center lists (the others have no DAP to read).
        dap_read = await read_dap(
            partner_center, (c.tenant_id for c in chosen if c.tenant_id in listed), limits.partner_center
        )
        dap, dap_unread = dap_read.dap, dap_read.unread
        # Access assignments only where they are used: the chosen customers whose estate is imported.
        full = {c.tenant_id for c in chosen if skip_azure is None or not skip_azure(c)}
        if limits.graph == 1:
            relationships = [
                await with_access(graph, r, graph_slots) if r.customer_tenant_id in full else r for r in relationships
            ]
        else:
            relationships = list(
                await asyncio.gather(
                    *(
                        with_access(graph, r, graph_slots) if r.customer_tenant_id in full else _same(r)
                        for r in relationships
                    )
                )
            )
        by_customer: dict[str, list[Relationship]] = {}
        for rel in relationships:
            by_customer.setdefault(rel.customer_tenant_id, []).append(rel)
        principals = {p.lower() for p in partner_principals}
        principals |= {a.group_id for rel in relationships for a in rel.access if a.group_id}
        customer_slots = asyncio.Semaphore(max(1, limits.customers))
        done = 0

        async def one(contract: Contract) -> CustomerEstate:
            nonlocal done
            if skip_azure is not None and skip_azure(contract):
                return CustomerEstate(
                    contract.tenant_id,
                    contract.display_name,
                    contract.default_domain,
                    contract.contract_type,
                    dap.get(contract.tenant_id),
                    tuple(by_customer.get(contract.tenant_id, ())),
                    dap_error=dap_unread.get(contract.tenant_id),
                )
            async with customer_slots:
                try:
                    azure = await read_azure(arm, partner, contract.tenant_id, principals, limits.per_customer)
                except AzureHttpError as err:  # the subscription list itself is read inside the sweep
                    azure = AzureSide(errors=(str(err),))
            done += 1
            if progress:
                progress(done, len(chosen))
            return CustomerEstate(
                tenant_id=contract.tenant_id,
                display_name=contract.display_name,
                default_domain=contract.default_domain,
                contract_type=contract.contract_type,
                dap=dap.get(contract.tenant_id),
                relationships=tuple(by_customer.get(contract.tenant_id, ())),
                azure=azure,
                dap_error=dap_unread.get(contract.tenant_id),
            )

        customers = await asyncio.gather(*(one(c) for c in chosen))
    known = {c.tenant_id for c in contracts}
    orphans = tuple(r for r in relationships if r.customer_tenant_id not in known)
    return Estate(partner, tuple(customers), orphans)
