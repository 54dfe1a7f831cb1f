"""What dapctl needs to look at one customer as the partner: the target, the clients, the declared access.

The partner's view reaches all three sides: Graph (its GDAP relationships), Partner Center (DAP) and
ARM in the customer's tenant (reached as AdminAgents or through GDAP). The partner's principals come
from the intent's group object ids, plus any given with --principal. What is declared comes from the
intent, so an offboarded customer declares nothing and every grant found there is out-of-band.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from dataclasses import dataclass

from azure_http import GraphClient, NotFound
from azure_http.arm import ArmClient
from azure_http.connect import Connection
from azure_http.partner_center import PartnerCenterClient
from intent import CustomerIntent, StackIntent
from runbooks.audit import AuditReport, Clients, Target, audit
from runbooks.declared import DeclaredAccess


@dataclass
class PartnerView:
    conn: Connection
    """Where the partner's requests go (Azure or the emulator) and with which tokens."""
    target: Target
    unresolved_groups: list[str]
    """Group keys with no object id in config: their grants count as another principal's."""

    @property
    def notes(self) -> list[str]:
        """What the audit cannot attribute, in words (shown before the report, listed in the revocation's)."""
        return [
            f"partner group {key!r} has no objectId in the stack config: its grants are not attributed to the "
            "partner (add objectId, or pass --principal)"
            for key in self.unresolved_groups
        ]


def unresolved_groups(intent: StackIntent) -> list[str]:
    if intent.partner.groups_stack is not None:
        return ["(groups come from another stack: pass their ids with --principal)"]
    return list(intent.partner.unresolved_groups)


def partner_view(
    conn: Connection, intent: StackIntent, customer: CustomerIntent, extra_principals: list[str], all_partners: bool
) -> PartnerView:
    if all_partners:
        return PartnerView(conn, Target.for_partner(customer.tenant_id, None, []), [])
    ids = intent.partner.group_ids
    target = Target.for_partner(customer.tenant_id, intent.partner.tenant_id, [*ids.values(), *extra_principals])
    return PartnerView(conn, target, unresolved_groups(intent))


@asynccontextmanager
async def partner_clients(conn: Connection, intent: StackIntent, customer: CustomerIntent):
    """Clients for the partner's run, sharing one connection target; closed on exit."""
    async with (
        ArmClient(conn.tokens, conn.endpoints, tenant_id=customer.tenant_id, **conn.client_options) as arm,
        GraphClient(conn.tokens, conn.endpoints, tenant_id=intent.partner.tenant_id, **conn.client_options) as graph,
        PartnerCenterClient(
            conn.tokens, conn.endpoints, tenant_id=intent.partner.tenant_id, **conn.client_options
        ) as partner_center,
    ):
        yield Clients(arm=arm, graph=graph, partner_center=partner_center)


async def resolve_aliases(conn: Connection, intent: StackIntent, customer: CustomerIntent) -> dict[str, str]:
    """Alias -> subscription id for the customer's new subscriptions that exist (partner tenant's ARM)."""
    if not customer.new_subscriptions:
        return {}
    resolved: dict[str, str] = {}
    async with ArmClient(conn.tokens, conn.endpoints, tenant_id=intent.partner.tenant_id) as arm:
        for sub in customer.new_subscriptions:
            try:
                alias = await arm.get_alias(sub.alias)
            except NotFound:
                continue
            subscription_id = (alias.get("properties") or {}).get("subscriptionId")
            if subscription_id:
                resolved[sub.alias] = subscription_id.lower()
    return resolved


def declared_access(intent: StackIntent, customer: CustomerIntent, aliases: dict[str, str]) -> DeclaredAccess:
    """The grants the intent declares for this customer, in the audit's terms (none once offboarded, none for a
    tenant outside any config: everything found there is out-of-band)."""
    declared = DeclaredAccess(dap=customer.expects_dap)
    if not customer.expects_access:
        return declared
    ids = intent.partner.group_ids
    scopes: list[str] = []
    for sub in customer.new_subscriptions:
        if sub.alias in aliases:
            scope = f"/subscriptions/{aliases[sub.alias]}"
            scopes.append(scope)
            declared.rbac.add((scope, sub.grant.role_id, ids.get(sub.grant.group, "")))
    for existing in customer.existing_subscriptions:
        scopes.append(existing.scope)
        declared.rbac.add((existing.scope, existing.grant.role_id, ids.get(existing.grant.group, "")))
    if customer.lighthouse is not None:
        declared.lighthouse_scopes.update(scopes)
    if customer.gdap is not None:
        declared.gdap_base_name = customer.gdap.display_name
        declared.gdap_role_ids = frozenset(customer.gdap.role_ids)
        for access in customer.gdap.access:
            if access.group in ids:
                declared.gdap_access.add((ids[access.group], frozenset(access.role_ids)))
    return declared


async def audit_customer(
    intent: StackIntent, customer: CustomerIntent, view: PartnerView, progress=None, *, autopilot: bool = True
) -> tuple[AuditReport, DeclaredAccess | None]:
    """The partner's audit of one customer, with what the intent declares (None in all-partners mode).

    ``autopilot``: also list the customer's Autopilot devices (Partner Center reads the audit and revocation
    reports show; drift, which does not use them, skips them)."""
    declared = None
    if not view.target.all_partners:
        declared = declared_access(intent, customer, await resolve_aliases(view.conn, intent, customer))
    async with partner_clients(view.conn, intent, customer) as clients:
        report = await audit(view.target, clients, declared, progress=progress)
    if autopilot:
        await add_autopilot(view.conn, intent, customer, report)
    return report, declared


async def add_autopilot(conn: Connection, intent: StackIntent, customer: CustomerIntent, report: AuditReport) -> None:
    """The Autopilot devices the partner manages for the customer, into the audit (they are not access)."""
    from autopilot.operations import inventory
    from azure_http import AzureHttpError
    from azure_http.autopilot import AutopilotClient

    try:
        async with AutopilotClient(conn.tokens, conn.endpoints, tenant_id=intent.partner.tenant_id) as pc:
            report.autopilot = await inventory(pc, customer.tenant_id, intent.partner.tenant_id)
    except AzureHttpError as err:
        report.not_checked.append(f"Windows Autopilot devices: Partner Center could not be read ({err})")
