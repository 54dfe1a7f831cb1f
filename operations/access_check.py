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

And per declared group and per declared subscription, so that partial loss is seen: a declared group whose
access assignment is gone (or was never made), a declared subscription the partner no longer reaches (1 of 2),
a declared Owner (or other role) grant no longer there, are each a finding.

Access **not granted yet** is not access lost: a relationship still ``created`` or ``approvalPending`` (the
customer has not approved it) or an access assignment still ``pending`` (Graph has not finished it) is its
own status (``not-granted-yet``, exit 0) with its age, from the object's documented ``createdDateTime``
(https://learn.microsoft.com/graph/api/resources/delegatedadminrelationship,
https://learn.microsoft.com/graph/api/resources/delegatedadminaccessassignment); it becomes a finding only
once older than ``grace_days`` (``--grace-days``; the clock is a parameter). While the directory side is not
granted yet, unreached subscriptions are expected too.

Every problem is a finding (the command exits 3); what could not be read is said as such, never as fine.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

import catalog
from azure_http import AzureHttpError, ConsentMissing, GraphClient, NoCredential, NotFound
from azure_http.arm import ArmClient, role_guid_of
from azure_http.connect import Connection
from azure_http.gdap import ASSIGNMENT_ACTIVE, ASSIGNMENT_PENDING, role_ids_of
from azure_http.models import Relationship
from azure_http.partner_center import PartnerCenterClient
from intent import CustomerIntent as Customer
from intent import StackIntent as StackConfig
from operations.access_defaults import DEFAULT_GRACE_DAYS


@dataclass
class AccessPath:
    via: str
    """'GDAP relationship <name> (<id>)' or 'DAP'."""
    group: str
    """The partner group (config key and object id) that reaches the tenant."""
    roles: list[str]
    ends: str | None = None


#: Relationship statuses before the customer's approval: access not granted yet (Graph delegatedAdminRelationship).
NOT_APPROVED_YET = ("created", "approvalPending")
OK, NOT_GRANTED_YET, LOST = "ok", "not-granted-yet", "lost"


@dataclass
class Waiting:
    """Something declared that is not granted yet (not a finding while younger than the grace period)."""

    what: str
    since: str | None
    """The object's createdDateTime, as Graph gives it (None: Graph gave none)."""
    age_days: int | None = None


@dataclass
class DeclaredCheck:
    """One declared group or subscription: what was found."""

    name: str
    status: str
    """group: active | pending | gone | not checked; subscription: ok | not reached | grant missing |
    not created | waiting"""
    detail: str = ""


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
    status: str = OK
    """ok | not-granted-yet (nothing lost, something declared still awaited) | lost (findings)"""
    waiting: list[Waiting] = field(default_factory=list)
    groups: list[DeclaredCheck] = field(default_factory=list)
    """Per declared GDAP group."""
    declared: list[DeclaredCheck] = field(default_factory=list)
    """Per declared subscription."""

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
    by_group: dict[str, list[tuple[Relationship, object]]] = {}
    for rel in usable:
        via = f"GDAP relationship {rel.display_name!r} ({rel.id})"
        async for assignment in graph.access_assignments(rel.id):
            by_group.setdefault(assignment.group_id, []).append((rel, assignment))
            if assignment.status != ASSIGNMENT_ACTIVE:
                continue
            roles = [catalog.directory_role_name(r) for r in role_ids_of(assignment.raw)]
            group = assignment.group_id
            result.paths.append(AccessPath(via, names.get(group, group), roles, rel.end_date_time))
    if customer.delegation != "gdap":
        return
    if not usable:
        awaiting = [r for r in mine if r.status in NOT_APPROVED_YET]
        if awaiting:
            for rel in awaiting:
                result.waiting.append(
                    Waiting(f"GDAP relationship {rel.display_name!r} ({rel.id}) is {rel.status}", rel.created)
                )
            return
        seen = ", ".join(sorted({r.status for r in mine})) or "none"
        result.findings.append(f"no active GDAP relationship (found: {seen}): the partner's users cannot sign in")
        return
    _declared_groups(cfg, customer, by_group, result)
    if not any(p.via.startswith("GDAP") for p in result.paths) and not result.waiting:
        result.findings.append("the GDAP relationship is active but no partner group is mapped to it")


def _declared_groups(cfg: StackConfig, customer: Customer, by_group: dict, result: CustomerAccess) -> None:
    """Per group the config maps in GDAP: an active access assignment, one still pending, or none (a finding)."""
    ids = cfg.partner.group_ids
    for access in customer.gdap.access if customer.gdap else ():
        group_id = ids.get(access.group, "").lower()
        name = f"{access.group} ({group_id})" if group_id else access.group
        if not group_id:
            result.groups.append(DeclaredCheck(name, "not checked", "no object id in the stack config"))
            continue
        found = by_group.get(group_id, [])
        if any(a.status == ASSIGNMENT_ACTIVE for _, a in found):
            result.groups.append(DeclaredCheck(name, "active"))
            continue
        pending = [(rel, a) for rel, a in found if a.status == ASSIGNMENT_PENDING]
        if pending:
            rel, assignment = pending[0]
            result.groups.append(DeclaredCheck(name, "pending", f"in {rel.display_name!r}"))
            since = assignment.raw.get("createdDateTime")
            result.waiting.append(Waiting(f"group {name}'s access assignment is pending", since))
            continue
        statuses = ", ".join(sorted({a.status for _, a in found})) or "none"
        result.groups.append(DeclaredCheck(name, "gone", f"access assignments found: {statuses}"))
        result.findings.append(
            f"declared group {name} has no active access assignment in the active relationship (found: {statuses}): "
            "its members cannot sign in; `pulumi up` maps it again"
        )


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


async def _azure(conn: Connection, cfg: StackConfig, customer: Customer, result: CustomerAccess) -> None:
    result.declared_subscriptions = len(customer.new_subscriptions) + len(customer.existing_subscriptions)
    reached: set[str] = set()
    try:
        async with ArmClient(conn.tokens, conn.endpoints, tenant_id=result.tenant_id) as arm:
            async for sub in arm.subscriptions():
                if (sub.tenant_id or "").lower() == result.tenant_id:
                    result.subscriptions.append(f"{sub.id} ({sub.display_name})")
                    reached.add(sub.id.lower())
            declared = await _declared_subscriptions(conn, cfg, customer)
            for name, subscription_id, grant in declared:
                await _check_subscription(arm, cfg, name, subscription_id, grant, reached, result)
    except AzureHttpError as err:
        result.findings.append(f"ARM could not list the tenant's subscriptions: {err}")
        return
    if result.declared_subscriptions and not result.subscriptions and not result.waiting:
        result.findings.append(
            f"no Azure subscription reachable ({result.declared_subscriptions} declared): the partner's Azure "
            "access is lost"
        )


async def _declared_subscriptions(conn: Connection, cfg: StackConfig, customer: Customer) -> list[tuple]:
    """(name, subscription id or None when its alias does not exist yet, the declared grant) per subscription."""
    from operations.customer_audit import resolve_aliases

    aliases = await resolve_aliases(conn, cfg, customer)
    declared = [(s.alias, aliases.get(s.alias), s.grant) for s in customer.new_subscriptions]
    for s in customer.existing_subscriptions:
        declared.append((s.display_name or s.subscription_id, s.subscription_id, s.grant))
    return declared


async def _check_subscription(arm, cfg, name, subscription_id, grant, reached, result: CustomerAccess) -> None:
    """One declared subscription: reached, and the declared grant (AdminAgents' Owner on a CSP subscription)
    still there at its scope or above."""
    from operations.dap_removal import covers_subscription

    label = f"{name} ({subscription_id})" if subscription_id and subscription_id != name else name
    if subscription_id is None:
        result.declared.append(DeclaredCheck(label, "not created", "its alias does not exist yet (`pulumi up`)"))
        return
    if subscription_id.lower() not in reached:
        if result.waiting:
            result.declared.append(DeclaredCheck(label, "waiting", "the directory side is not granted yet"))
            return
        result.declared.append(DeclaredCheck(label, "not reached"))
        if result.subscriptions:  # some reached: this one is a partial loss (none reached: one finding says so)
            result.findings.append(
                f"declared subscription {label} is not reachable ({len(reached)} of "
                f"{result.declared_subscriptions} declared reached)"
            )
        return
    group_id = cfg.partner.group_ids.get(grant.group, "").lower()
    role = catalog.azure_role_name(grant.role_id)
    if not group_id:
        result.declared.append(DeclaredCheck(label, "ok", f"{grant.group}'s {role} not checked: no object id"))
        return
    scope = f"/subscriptions/{subscription_id}"
    held = [
        ra
        async for ra in arm.role_assignments(scope, principal_id=group_id)
        if role_guid_of(ra.role_definition_id) == grant.role_id.lower()
        and covers_subscription(ra.scope, subscription_id)
    ]
    if held:
        result.declared.append(DeclaredCheck(label, "ok", f"{grant.group} holds {role}"))
        return
    result.declared.append(DeclaredCheck(label, "grant missing", f"{grant.group} holds no {role}"))
    result.findings.append(
        f"declared subscription {label}: the {role} grant of {grant.group} ({group_id}) is gone: "
        "`pulumi up` grants it again"
    )


def _age(result: CustomerAccess, now: datetime, grace_days: float) -> None:
    """Each wait's age; an old one is a finding. The status says which of the three the customer is in."""
    for wait in result.waiting:
        since = _parse(wait.since)
        if since is None:
            continue
        wait.age_days = max(0, (now - since).days)
        if wait.age_days > grace_days:
            result.findings.append(f"{wait.what} for {wait.age_days} days (more than {grace_days:g})")
    result.status = LOST if result.findings else NOT_GRANTED_YET if result.waiting else OK


def _parse(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


async def check_customer(
    conn: Connection,
    graph: GraphClient,
    partner_center: PartnerCenterClient,
    cfg: StackConfig,
    customer: Customer,
    relationships: list[Relationship],
    *,
    now: datetime | None = None,
    grace_days: float = DEFAULT_GRACE_DAYS,
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
        await _azure(conn, cfg, customer, result)
    else:
        result.declared_subscriptions = len(customer.new_subscriptions) + len(customer.existing_subscriptions)
    _age(result, now or datetime.now(UTC), grace_days)
    return result


async def check_access(
    conn: Connection,
    cfg: StackConfig,
    customers: list[Customer],
    *,
    now: datetime | None = None,
    grace_days: float = DEFAULT_GRACE_DAYS,
) -> list[CustomerAccess]:
    """One result per customer, in config order (the partner tenant's Graph and Partner Center read once);
    ``now``: the clock the ages of what is not granted yet are measured by."""
    async with (
        GraphClient(conn.tokens, conn.endpoints, tenant_id=cfg.partner.tenant_id) as graph,
        PartnerCenterClient(conn.tokens, conn.endpoints, tenant_id=cfg.partner.tenant_id) as partner_center,
    ):
        relationships = [r async for r in graph.relationships()]
        return [
            await check_customer(conn, graph, partner_center, cfg, c, relationships, now=now, grace_days=grace_days)
            for c in customers
        ]


async def check_fleet_access(
    conn: Connection,
    jobs: list[tuple[str, StackConfig, Customer]],
    *,
    concurrency: int = 16,
    progress: Callable[[int, int], None] | None = None,
    now: datetime | None = None,
    grace_days: float = DEFAULT_GRACE_DAYS,
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
                checked = await check_customer(
                    conn, graph, pc, cfg, customer, relationships, now=now, grace_days=grace_days
                )
                results[index] = (stack_name, checked)
            done += 1
            if progress:
                progress(done, len(jobs))

        await asyncio.gather(*(one(i, *job) for i, job in enumerate(jobs)))
    return [r for r in results if r is not None]
