"""`dapctl access check`: can the partner still reach each customer tenant, and by which path?

Access is lost quietly: a customer removes the partner application's consent, a relationship expires or is
terminated, a group's access assignment goes, an Azure grant is deleted. Per customer this reads:

1. **token**: Entra issues the partner's identity a token in the customer tenant (ARM's scope). An
   application the tenant never consented to is refused at the token endpoint (AADSTS65001 / AADSTS700016):
   nothing else can work until an administrator there consents;
2. **paths**: which partner group reaches the tenant with which roles through which relationship (active
   GDAP relationships and their active access assignments, read in the partner tenant), or DAP (Partner
   Center's ``allowDelegatedAccess``);
3. **Azure**: the customer's subscriptions ARM lists to the identity in that tenant (what admin-on-behalf-of
   reaches), against the number the config declares.

Every problem is a finding (the command exits 3); what could not be read is said as such, never as fine.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import asdict, dataclass, field

import catalog
from azure_http import AzureHttpError, ConsentMissing, GraphClient, NoCredential, NotFound
from azure_http.arm import ArmClient
from azure_http.connect import Connection
from azure_http.gdap import ASSIGNMENT_ACTIVE, role_ids_of
from azure_http.models import Relationship
from azure_http.partner_center import PartnerCenterClient
from intent import CustomerIntent as Customer
from intent import StackIntent as StackConfig


@dataclass
class AccessPath:
    via: str
    """'GDAP relationship <name> (<id>)' or 'DAP'."""
    group: str
    """The partner group (config key and object id) that reaches the tenant."""
    roles: list[str]
    ends: str | None = None


@dataclass
class CustomerAccess:
    customer: str
    tenant_id: str
    delegation: str
    token: str = "unknown"
    """ok | consent-missing | failed"""
    token_detail: str = ""
    paths: list[AccessPath] = field(default_factory=list)
    subscriptions: list[str] = field(default_factory=list)
    """Subscription id (display name) of the customer's that ARM lists to the identity."""
    declared_subscriptions: int = 0
    findings: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return asdict(self)


def _group_names(cfg: StackConfig) -> dict[str, str]:
    return {object_id: f"{key} ({object_id})" for key, object_id in cfg.partner.group_ids.items()}


async def _paths(
    graph: GraphClient, cfg: StackConfig, customer: Customer, relationships: list[Relationship], result: CustomerAccess
) -> None:
    names = _group_names(cfg)
    mine = [r for r in relationships if r.customer_tenant_id == result.tenant_id]
    usable = [r for r in mine if r.usable]
    for rel in usable:
        via = f"GDAP relationship {rel.display_name!r} ({rel.id})"
        async for assignment in graph.access_assignments(rel.id):
            if assignment.status != ASSIGNMENT_ACTIVE:
                continue
            roles = [catalog.directory_role_name(r) for r in role_ids_of(assignment.raw)]
            group = assignment.group_id
            result.paths.append(AccessPath(via, names.get(group, group), roles, rel.end_date_time))
    if customer.delegation == "gdap":
        if not usable:
            seen = ", ".join(sorted({r.status for r in mine})) or "none"
            result.findings.append(f"no active GDAP relationship (found: {seen}): the partner's users cannot sign in")
        elif not any(p.via.startswith("GDAP") for p in result.paths):
            result.findings.append("the GDAP relationship is active but no partner group is mapped to it")


async def _dap(partner_center: PartnerCenterClient, cfg: StackConfig, customer: Customer, result: CustomerAccess):
    try:
        held = await partner_center.has_dap(result.tenant_id)
    except NotFound:
        if customer.delegation == "dap" or customer.legacy_dap:
            result.findings.append("not a customer of this partner in Partner Center: DAP cannot be read")
        return
    if held:
        admin = cfg.partner.group_ids.get("adminAgents", "")
        result.paths.append(
            AccessPath("DAP", f"adminAgents ({admin})" if admin else "AdminAgents", ["Global Administrator"])
        )
    elif customer.delegation == "dap":
        result.findings.append("DAP is no longer held (allowDelegatedAccess is false): move the customer to GDAP")


async def _azure(conn: Connection, customer: Customer, result: CustomerAccess) -> None:
    result.declared_subscriptions = len(customer.new_subscriptions) + len(customer.existing_subscriptions)
    try:
        async with ArmClient(conn.tokens, conn.endpoints, tenant_id=result.tenant_id) as arm:
            async for sub in arm.subscriptions():
                if (sub.tenant_id or "").lower() == result.tenant_id:
                    result.subscriptions.append(f"{sub.id} ({sub.display_name})")
    except AzureHttpError as err:
        result.findings.append(f"ARM could not list the tenant's subscriptions: {err}")
        return
    if result.declared_subscriptions and not result.subscriptions:
        result.findings.append(
            f"no Azure subscription reachable ({result.declared_subscriptions} declared): the partner's Azure "
            "access is lost (or not granted yet)"
        )


async def check_customer(
    conn: Connection,
    graph: GraphClient,
    partner_center: PartnerCenterClient,
    cfg: StackConfig,
    customer: Customer,
    relationships: list[Relationship],
) -> CustomerAccess:
    result = CustomerAccess(customer.name, customer.tenant_id.lower(), customer.delegation)
    try:
        await conn.tokens.get_token(conn.endpoints.arm_scope, result.tenant_id)
        result.token = "ok"
    except ConsentMissing as err:
        result.token, result.token_detail = "consent-missing", err.cause
        result.findings.append(str(err))
    except NoCredential as err:
        result.token, result.token_detail = "failed", str(err)
        result.findings.append(f"no token in the tenant: {err}")
    await _paths(graph, cfg, customer, relationships, result)
    await _dap(partner_center, cfg, customer, result)
    if result.token == "ok":
        await _azure(conn, customer, result)
    else:
        result.declared_subscriptions = len(customer.new_subscriptions) + len(customer.existing_subscriptions)
    return result


async def check_access(conn: Connection, cfg: StackConfig, customers: list[Customer]) -> list[CustomerAccess]:
    """One result per customer, in config order (the partner tenant's Graph and Partner Center read once)."""
    async with (
        GraphClient(conn.tokens, conn.endpoints, tenant_id=cfg.partner.tenant_id) as graph,
        PartnerCenterClient(conn.tokens, conn.endpoints, tenant_id=cfg.partner.tenant_id) as partner_center,
    ):
        relationships = [r async for r in graph.relationships()]
        return [await check_customer(conn, graph, partner_center, cfg, c, relationships) for c in customers]


async def check_fleet_access(
    conn: Connection,
    jobs: list[tuple[str, StackConfig, Customer]],
    *,
    concurrency: int = 16,
    progress: Callable[[int, int], None] | None = None,
) -> list[tuple[str, CustomerAccess]]:
    """``check_customer`` for every (stack, intent, customer): each partner tenant's relationships read once,
    its Graph and Partner Center clients shared, ``concurrency`` customers at a time; results in job order."""
    results: list[tuple[str, CustomerAccess] | None] = [None] * len(jobs)
    slots = asyncio.Semaphore(max(1, concurrency))
    done = 0
    async with AsyncExitStack() as stack:
        partners: dict[str, tuple[GraphClient, PartnerCenterClient, list[Relationship]]] = {}
        for _, cfg, _ in jobs:
            tenant = cfg.partner.tenant_id
            if tenant not in partners:
                graph = await stack.enter_async_context(GraphClient(conn.tokens, conn.endpoints, tenant_id=tenant))
                pc = await stack.enter_async_context(PartnerCenterClient(conn.tokens, conn.endpoints, tenant_id=tenant))
                partners[tenant] = (graph, pc, [r async for r in graph.relationships()])

        async def one(index: int, stack_name: str, cfg: StackConfig, customer: Customer) -> None:
            nonlocal done
            graph, pc, relationships = partners[cfg.partner.tenant_id]
            async with slots:
                results[index] = (stack_name, await check_customer(conn, graph, pc, cfg, customer, relationships))
            done += 1
            if progress:
                progress(done, len(jobs))

        await asyncio.gather(*(one(i, *job) for i, job in enumerate(jobs)))
    return [r for r in results if r is not None]
