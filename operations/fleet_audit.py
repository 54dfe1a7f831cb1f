"""The partner's audit of every customer of every stack, in one process, on shared connections.

``dapctl audit`` (one customer) opens its own Graph, Partner Center and ARM clients and lists **all** of the
partner's GDAP relationships to find the customer's: at 1,000 customers that is 4,000 relationship pages and
3,000 connection pools. Here each partner tenant's relationships are read once and handed to every customer's
audit (``SharedRelationships``), and one ARM client per partner tenant serves every customer tenant
(``ArmClient.for_tenant``: one pool, one rate limiter for the principal, ARM's buckets kept per tenant and
subscription). At most ``concurrency`` customers are audited at once, and each customer's full report goes to
the caller's ``on_report`` as soon as it is done and is not kept: memory stays flat in the number of customers.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sized
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

from azure_http import AzureHttpError, GraphClient
from azure_http.arm import ArmClient
from azure_http.connect import Connection
from azure_http.models import AccessAssignment, Relationship
from azure_http.partner_center import PartnerCenterClient
from intent import CustomerIntent as Customer
from intent import StackIntent as StackConfig
from operations.customer_audit import declared_access, partner_view, resolve_aliases
from runbooks.audit import AuditReport, Clients, audit
from runbooks.declared import DeclaredAccess

#: Customers audited at once by default: each is a handful of dependent requests (relationships' access
#: assignments, DAP, the subscription list, one listing per subscription), so a few dozen keep the wire busy
#: while ARM's per-tenant buckets (one per customer) and Graph's per-app limits stay far away.
DEFAULT_CONCURRENCY = 32


class SharedRelationships:
    """What ``runbooks.audit`` asks of Graph, with the partner's relationships read once for the whole fleet.

    ``relationships`` yields only the customer's (the audit filters by customer anyway); access assignments
    are still read per relationship, from Graph, when the audit asks for them.
    """

    def __init__(self, graph: GraphClient, by_customer: dict[str, list[Relationship]], customer_tenant_id: str):
        self._graph = graph
        self._mine = by_customer.get(customer_tenant_id.lower(), [])

    async def relationships(self) -> AsyncIterator[Relationship]:
        for relationship in self._mine:
            yield relationship

    def access_assignments(self, relationship_id: str) -> AsyncIterator[AccessAssignment]:
        return self._graph.access_assignments(relationship_id)


@dataclass
class _Partner:
    """One partner tenant's clients and its relationships indexed by customer tenant."""

    arm: ArmClient
    graph: GraphClient
    partner_center: PartnerCenterClient
    by_customer: dict[str, list[Relationship]]


Job = tuple[str, StackConfig, Customer]
OnReport = Callable[[str, StackConfig, Customer, AuditReport, DeclaredAccess | None, list[Relationship]], Any]


async def audit_fleet(
    conn: Connection,
    jobs: Iterable[Job],
    on_report: OnReport,
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    progress: Callable[[int, int | None], None] | None = None,
    skip: Callable[[str, Customer], bool] | None = None,
) -> None:
    """Audit every (stack, config, customer) of ``jobs``; ``on_report(stack, cfg, customer, report, declared,
    the customer's relationships)`` gets each result (awaited if it returns an awaitable). ``skip``: customers
    already done (a resumed run): not audited, counted in the progress.

    ``jobs`` may be a lazy iterator (stacks loaded as they are reached): ``concurrency`` workers pull from it, so
    no more than that many jobs are alive at once, and the progress total is known once it is exhausted (a
    list's at once). Each partner tenant's clients and relationships are set up when its first customer comes."""
    partners: dict[str, _Partner] = {}
    partner_locks: dict[str, asyncio.Lock] = {}
    total = len(jobs) if isinstance(jobs, Sized) else None
    known = total is not None
    pending = iter(jobs)
    counted = 0
    done = 0
    async with AsyncExitStack() as stack:

        async def partner_of(cfg: StackConfig) -> _Partner:
            tenant = cfg.partner.tenant_id.lower()
            async with partner_locks.setdefault(tenant, asyncio.Lock()):
                if tenant not in partners:
                    arm = await stack.enter_async_context(ArmClient(conn.tokens, conn.endpoints, tenant_id=tenant))
                    graph = await stack.enter_async_context(GraphClient(conn.tokens, conn.endpoints, tenant_id=tenant))
                    pc = await stack.enter_async_context(
                        PartnerCenterClient(conn.tokens, conn.endpoints, tenant_id=tenant)
                    )
                    by_customer: dict[str, list[Relationship]] = {}
                    async for rel in graph.relationships():
                        by_customer.setdefault(rel.customer_tenant_id, []).append(rel)
                    partners[tenant] = _Partner(arm, graph, pc, by_customer)
            return partners[tenant]

        async def one(stack_name: str, cfg: StackConfig, customer: Customer) -> None:
            partner = await partner_of(cfg)
            view = partner_view(conn, cfg, customer, [], all_partners=False)
            aliases = await resolve_aliases(conn, cfg, customer)
            declared = declared_access(cfg, customer, aliases)
            clients = Clients(
                arm=partner.arm.for_tenant(customer.tenant_id),
                graph=SharedRelationships(partner.graph, partner.by_customer, customer.tenant_id),  # type: ignore[arg-type]
                partner_center=partner.partner_center,
            )
            try:
                report = await audit(view.target, clients, declared)
            except AzureHttpError as err:  # one customer's failure stops none of the others
                report = AuditReport(view.target)
                report.errors.append(str(err))
            if view.unresolved_groups:
                report.not_checked.append(f"partner groups without an object id: {view.unresolved_groups}")
            mine = partner.by_customer.get(customer.tenant_id.lower(), [])
            outcome = on_report(stack_name, cfg, customer, report, declared, mine)
            if isinstance(outcome, Awaitable):
                await outcome

        async def worker() -> None:
            nonlocal counted, done, total
            for stack_name, cfg, customer in pending:  # shared: each job goes to one worker
                counted += 1
                if skip is None or not skip(stack_name, customer):
                    await one(stack_name, cfg, customer)
                done += 1
                if progress:
                    progress(done, total)
            total = counted

        await asyncio.gather(*(worker() for _ in range(max(1, concurrency))))
    if progress and not known:
        progress(done, done)  # the total is known now
