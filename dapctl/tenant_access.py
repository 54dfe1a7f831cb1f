"""What dapctl needs to look at one customer as the partner: the target, the clients, the declared access.

The partner's view reaches all three sides: Graph (its GDAP relationships), Partner Center (DAP) and
ARM in the customer's tenant (reached as AdminAgents or through GDAP). The partner's principals come
from the stack config's group object ids, plus any given with --principal.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from dataclasses import dataclass

import catalog
from azure_http import GraphClient, NotFound
from azure_http.arm import ArmClient
from azure_http.connect import connect
from azure_http.partner_center import PartnerCenterClient
from runbooks.audit import AuditReport, Clients, Target, audit
from runbooks.declared import DeclaredAccess
from stacks.config import Customer, StackConfig

OWNER = catalog.OWNER


@dataclass
class PartnerView:
    target: Target
    unresolved_groups: list[str]
    """Group keys with no object id in config: their grants count as another principal's."""


def group_ids(cfg: StackConfig) -> tuple[dict[str, str], list[str]]:
    """Group key -> object id where the config knows it; the keys it does not know."""
    partner = cfg.partner
    if partner.groups is not None:
        known = {k: g.object_id for k, g in partner.groups.items() if g.object_id}
        return known, sorted(k for k, g in partner.groups.items() if not g.object_id)
    if partner.groups_from is not None and partner.groups_from.object_ids:
        return dict(partner.groups_from.object_ids), []
    return {}, ["(groups come from another stack: pass their ids with --principal)"]


def partner_view(cfg: StackConfig, customer: Customer, extra_principals: list[str], all_partners: bool) -> PartnerView:
    if all_partners:
        return PartnerView(Target.for_partner(customer.tenant_id, None, []), [])
    ids, unresolved = group_ids(cfg)
    target = Target.for_partner(customer.tenant_id, cfg.partner.tenant_id, [*ids.values(), *extra_principals])
    return PartnerView(target, unresolved)


@asynccontextmanager
async def partner_clients(cfg: StackConfig, customer: Customer):
    """Clients for the partner's run, sharing one connection target; closed on exit."""
    conn = connect()
    async with (
        ArmClient(conn.tokens, conn.endpoints, tenant_id=customer.tenant_id) as arm,
        GraphClient(conn.tokens, conn.endpoints, tenant_id=cfg.partner.tenant_id) as graph,
        PartnerCenterClient(conn.tokens, conn.endpoints, tenant_id=cfg.partner.tenant_id) as partner_center,
    ):
        yield Clients(arm=arm, graph=graph, partner_center=partner_center)


async def resolve_aliases(cfg: StackConfig, customer: Customer) -> dict[str, str]:
    """Alias -> subscription id for the customer's new subscriptions that exist (partner tenant's ARM)."""
    conn = connect()
    resolved: dict[str, str] = {}
    async with ArmClient(conn.tokens, conn.endpoints, tenant_id=cfg.partner.tenant_id) as arm:
        for sub in customer.subscriptions:
            try:
                alias = await arm.get_alias(sub.alias)
            except NotFound:
                continue
            subscription_id = (alias.get("properties") or {}).get("subscriptionId")
            if subscription_id:
                resolved[sub.alias] = subscription_id.lower()
    return resolved


def declared_access(cfg: StackConfig, customer: Customer, aliases: dict[str, str]) -> DeclaredAccess:
    """The grants the stack config declares for this customer, in the audit's terms (none for a tenant outside
    any config: everything found there is out-of-band)."""
    from .outside import OutsideCustomer

    if isinstance(customer, OutsideCustomer):
        return DeclaredAccess()
    ids, _ = group_ids(cfg)
    declared = DeclaredAccess(dap=customer.delegation == "dap" or customer.legacy_dap)
    admin = ids.get("adminAgents", "").lower()
    scopes: list[str] = []
    for sub in customer.subscriptions:
        if sub.alias in aliases:
            scope = f"/subscriptions/{aliases[sub.alias]}"
            scopes.append(scope)
            declared.rbac.add((scope, OWNER, admin))
    for existing in customer.existing_subscriptions:
        scope = f"/subscriptions/{existing.subscription_id}"
        scopes.append(scope)
        declared.rbac.add((scope, catalog.azure_role_id(existing.role), ids.get(existing.group, "").lower()))
    if customer.lighthouse.enabled:
        declared.lighthouse_scopes.update(scopes)
    if customer.delegation == "gdap":
        gdap = customer.gdap_settings
        declared.gdap_base_name = customer.gdap_display_name()
        declared.gdap_role_ids = frozenset(catalog.directory_role_id(r) for r in gdap.roles)
        for access in customer.gdap_access():
            if access.group in ids:
                roles = frozenset(catalog.directory_role_id(r) for r in access.roles)
                declared.gdap_access.add((ids[access.group].lower(), roles))
    return declared


async def audit_customer(
    cfg: StackConfig, customer: Customer, view: PartnerView, progress=None, *, autopilot: bool = True
) -> tuple[AuditReport, DeclaredAccess | None]:
    """The partner's audit of one customer, with what the config declares (None in all-partners mode).

    ``autopilot``: also list the customer's Autopilot devices (Partner Center reads the audit and revocation
    reports show; drift, which does not use them, skips them)."""
    declared = None
    if not view.target.all_partners:
        declared = declared_access(cfg, customer, await resolve_aliases(cfg, customer))
    async with partner_clients(cfg, customer) as clients:
        report = await audit(view.target, clients, declared, progress=progress)
    if autopilot:
        await add_autopilot(cfg, customer, report)
    return report, declared


async def add_autopilot(cfg: StackConfig, customer: Customer, report: AuditReport) -> None:
    """The Autopilot devices the partner manages for the customer, into the audit (they are not access)."""
    from autopilot.operations import inventory
    from azure_http import AzureHttpError
    from azure_http.autopilot import AutopilotClient

    conn = connect()
    try:
        async with AutopilotClient(conn.tokens, conn.endpoints, tenant_id=cfg.partner.tenant_id) as pc:
            report.autopilot = await inventory(pc, customer.tenant_id, cfg.partner.tenant_id)
    except AzureHttpError as err:
        report.not_checked.append(f"Windows Autopilot devices: Partner Center could not be read ({err})")
