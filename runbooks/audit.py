"""Every access path a partner holds into one customer tenant: GDAP, DAP, Azure RBAC and Lighthouse.

The customer's admin portals do not show it all in one place (GDAP roles are not listed as role
members; RBAC grants to a partner's group show up as an unnamed foreign principal in each
subscription), and removing DAP or GDAP leaves the RBAC grants. The audit sweeps every subscription
the caller can see in the customer tenant, concurrently but inside ARM's throttling buckets (the
clients pace themselves through a shared limiter), keeping only the partner's grants, so memory
stays flat however many subscriptions there are.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from azure_http import AzureHttpError, Forbidden, GraphClient, NotFound
from azure_http.arm import ArmClient, role_guid_of, subscription_id_of
from azure_http.partner_center import PartnerCenterClient
from catalog import azure_role_name, directory_role_name

from .declared import DeclaredAccess
from .grants import Grant, Kind, Origin

ProgressFn = Callable[[str, int, int | None], None]
"""progress(stage, done, total): called as the sweep advances (dapctl draws a progress bar)."""
#: What an identity without a role at the tenant root cannot see (a partner never has one in a customer's tenant).
ROOT_NOT_READABLE = (
    "grants at the tenant root and management groups: this identity cannot list "
    "role assignments at / (needs a role at the tenant root: a Global Administrator's elevated access)"
)


@dataclass(frozen=True)
class Target:
    """Whose access to look for, in which customer tenant."""

    customer_tenant_id: str
    partner_tenant_id: str | None
    """None: every partner (any foreign principal, any Lighthouse delegation)."""
    principal_ids: frozenset[str] = frozenset()
    """The partner's principals in its tenant (AdminAgents, HelpdeskAgents, other groups), lower-case."""

    @classmethod
    def for_partner(cls, customer_tenant_id: str, partner_tenant_id: str | None, principal_ids) -> Target:
        return cls(
            customer_tenant_id.lower(),
            partner_tenant_id and partner_tenant_id.lower(),
            frozenset(p.lower() for p in principal_ids),
        )

    @property
    def all_partners(self) -> bool:
        return self.partner_tenant_id is None and not self.principal_ids

    def owns_principal(self, principal_id: str | None, principal_type: str | None) -> bool:
        """Whether an RBAC principal is this partner's (never true for the customer's own principals)."""
        if principal_id and principal_id.lower() in self.principal_ids:
            return True
        return self.all_partners and (principal_type or "").startswith("Foreign")

    def owns_tenant(self, tenant_id: str | None) -> bool:
        if not tenant_id:
            return False
        return self.partner_tenant_id is None or tenant_id.lower() == self.partner_tenant_id


@dataclass(frozen=True)
class Limits:
    """Concurrency bounds: overall, and per subscription (ARM's buckets are per subscription).

    ``overall`` is what the HTTP client keeps on the wire at once (``azure_http.base.MAX_CONCURRENCY``): ARM
    limits a principal by token buckets per subscription and tenant (which the client's rate limiter paces),
    not by requests in flight, and at 32 a 2,000-grant revocation waited on round trips, not on ARM.
    """

    overall: int = 64
    per_subscription: int = 4


DEFAULT_LIMITS = Limits()


@dataclass
class Clients:
    """What this run can reach. A customer's runbook has ARM only; a partner's run has all three."""

    arm: ArmClient
    """For the customer's tenant."""
    graph: GraphClient | None = None
    """The partner tenant's Graph (GDAP relationships): partner side only."""
    partner_center: PartnerCenterClient | None = None
    """The partner's Partner Center (DAP): partner side only."""
    customer_graph: GraphClient | None = None
    """The customer tenant's Graph (its cross-tenant access policy): customer side only."""


@dataclass
class AuditReport:
    target: Target
    grants: list[Grant] = field(default_factory=list)
    subscriptions: int = 0
    subscription_ids: list[str] = field(default_factory=list)
    """The customer's subscriptions this identity can see (lower-cased), in listing order."""
    seen_at: dict[str, set[str]] = field(default_factory=dict)
    """Subscription -> ids (lower-cased) of the target's grants its listing showed, inherited ones included."""
    excluded: list[str] = field(default_factory=list)
    """Subscriptions listed to this identity that belong to another tenant (Lighthouse): never read."""
    service_providers: list[str] | None = None
    """Tenants the customer's cross-tenant access policy marks ``isServiceProvider`` (None: not read)."""
    not_checked: list[str] = field(default_factory=list)
    """What this run could not see (and why): a customer-side run cannot read the partner's GDAP."""
    errors: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    """Subscriptions whose listing ARM refused (403): this identity holds no read there, so no right to remove
    anything there either (each is also in ``errors``)."""
    autopilot: list[dict] = field(default_factory=list)
    """Autopilot devices registered for the customer (partner-side audits, from Partner Center): listed because
    the partner manages them, but they are not access to the tenant, and revocation leaves them."""

    def by_kind(self, kind: Kind) -> list[Grant]:
        return [g for g in self.grants if g.kind is kind]

    def out_of_band(self) -> list[Grant]:
        return [g for g in self.grants if g.origin is Origin.OUT_OF_BAND]

    def to_json(self) -> dict:
        return {
            "customerTenantId": self.target.customer_tenant_id,
            "partnerTenantId": self.target.partner_tenant_id,
            "subscriptions": self.subscriptions,
            "excludedSubscriptions": self.excluded,
            "serviceProviders": self.service_providers,
            "grants": [g.to_json() for g in self.grants],
            "notChecked": self.not_checked,
            "errors": self.errors,
            "autopilot": self.autopilot,
        }


def _rbac_grant(assignment: dict, subscription_id: str | None) -> Grant:
    props = assignment.get("properties") or {}
    scope = props.get("scope") or ""
    role_guid = role_guid_of(props.get("roleDefinitionId") or "")
    inherited = subscription_id is None or not scope.lower().startswith(f"/subscriptions/{subscription_id.lower()}")
    return Grant(
        kind=Kind.RBAC,
        id=assignment["id"],
        description=f"{azure_role_name(role_guid)} at {scope}",
        principal_id=(props.get("principalId") or "").lower(),
        principal_type=props.get("principalType"),
        role=azure_role_name(role_guid),
        scope=scope,
        subscription_id=None if inherited or subscription_id is None else subscription_id.lower(),
        inherited=inherited,
        details={"roleDefinitionId": props.get("roleDefinitionId")},
    )


def _lighthouse_grant(assignment: dict, subscription_id: str) -> Grant:
    props = assignment.get("properties") or {}
    definition = (props.get("registrationDefinition") or {}).get("properties") or {}
    roles = [azure_role_name(a.get("roleDefinitionId", "")) for a in definition.get("authorizations") or []]
    scope = assignment["id"].split("/providers/Microsoft.ManagedServices/")[0]
    # Just-in-time roles the managing tenant can activate (EligibleAuthorization, managedservices 2022-10-01 in
    # Azure/azure-rest-api-specs): a way in as real as the standing ones, so the audit names them.
    eligible = [
        (
            (a.get("principalId") or "").lower(),
            a.get("roleDefinitionId", ""),
            (a.get("justInTimeAccessPolicy") or {}).get("maximumActivationDuration"),
        )
        for a in definition.get("eligibleAuthorizations") or []
    ]
    can_activate = "; can activate " + ", ".join(
        f"{azure_role_name(r)} for {p}" + (f" (up to {d})" if d else "") for p, r, d in eligible
    )
    return Grant(
        kind=Kind.LIGHTHOUSE,
        id=assignment["id"],
        description=f"Lighthouse delegation {definition.get('registrationDefinitionName', '')!r} "
        f"to tenant {definition.get('managedByTenantId')} ({', '.join(roles)}{can_activate if eligible else ''})",
        role=", ".join(roles),
        scope=scope,
        subscription_id=subscription_id.lower(),
        partner_tenant_id=(definition.get("managedByTenantId") or "").lower() or None,
        principal_id=",".join(a.get("principalId", "") for a in definition.get("authorizations") or []) or None,
        details={
            "registrationDefinitionId": props.get("registrationDefinitionId"),
            "eligibleAuthorizations": [list(e) for e in eligible],
        },
    )


def _delegated_to_target(subscription: dict, target: Target) -> bool:
    """Whether the subscription list says a Lighthouse delegation could be the target's.

    ARM lists the tenants managing each subscription (``managedByTenants``): a subscription no partner
    manages needs no Lighthouse read, which halves the requests of a sweep over an ordinary tenant.
    """
    managing = [(m.get("tenantId") or "").lower() for m in subscription.get("managedByTenants") or []]
    if "managedByTenants" not in subscription:
        return True  # an older API or a proxy that drops the field: look, rather than miss one
    return any(target.owns_tenant(t) for t in managing)


def admit_subscription(subscription: dict, target: Target, report: AuditReport) -> str | None:
    """The listed subscription's id (lower-cased, counted in ``report``) when it is the customer's tenant's; None
    when another tenant's. A customer that manages another tenant's subscription through Lighthouse sees it
    listed with its own token: that subscription is not the customer's, and is named as excluded, never read."""
    owner = (subscription.get("tenantId") or "").lower()
    if owner != target.customer_tenant_id:
        report.excluded.append(
            f"subscription {subscription.get('subscriptionId')} belongs to tenant {owner or 'unknown'}, "
            "not the customer's (listed through Lighthouse): not read, never touched"
        )
        return None
    report.subscriptions += 1
    report.subscription_ids.append(subscription["subscriptionId"].lower())
    return subscription["subscriptionId"].lower()


async def _sweep_subscription(
    arm: ArmClient, target: Target, subscription: dict, seen: set[str], report: AuditReport
) -> None:
    subscription_id = subscription["subscriptionId"]
    scope = f"/subscriptions/{subscription_id}"
    try:
        async for assignment in arm.list_role_assignments(scope):
            props = assignment.get("properties") or {}
            if not target.owns_principal(props.get("principalId"), props.get("principalType")):
                continue
            report.seen_at.setdefault(subscription_id.lower(), set()).add(assignment["id"].lower())
            if assignment["id"].lower() in seen:
                continue  # an inherited grant seen from another subscription under the same parent
            seen.add(assignment["id"].lower())
            report.grants.append(_rbac_grant(assignment, subscription_id))
        if not _delegated_to_target(subscription, target):
            return
        async for assignment in arm.list_registration_assignments(scope, expand_definition=True):
            grant = _lighthouse_grant(assignment, subscription_id)
            if target.owns_tenant(grant.partner_tenant_id) and grant.id.lower() not in seen:
                seen.add(grant.id.lower())
                report.grants.append(grant)
    except Forbidden as err:  # listed to this identity, but it may not read the role assignments there
        report.refused.append(subscription_id.lower())
        report.errors.append(f"subscription {subscription_id}: {err}")
    except AzureHttpError as err:
        report.errors.append(f"subscription {subscription_id}: {err}")


async def _sweep_azure(
    clients: Clients, target: Target, report: AuditReport, limits: Limits, progress: ProgressFn | None
) -> None:
    """Each subscription by a bounded pool of workers fed from the paged subscription list."""
    queue: asyncio.Queue[dict | None] = asyncio.Queue(maxsize=limits.overall * 2)
    seen: set[str] = set()
    done = 0

    async def worker() -> None:
        nonlocal done
        while (subscription := await queue.get()) is not None:
            await _sweep_subscription(clients.arm, target, subscription, seen, report)
            done += 1
            if progress:
                progress("auditing subscriptions", done, None)

    workers = [asyncio.create_task(worker()) for _ in range(limits.overall)]
    try:
        async for subscription in clients.arm.list_subscriptions():
            if admit_subscription(subscription, target, report) is not None:
                await queue.put(subscription)
    finally:
        for _ in workers:
            await queue.put(None)
        await asyncio.gather(*workers)
    await _sweep_above_subscriptions(clients.arm, target, seen, report)


async def sweep_azure(
    target: Target, arm: ArmClient, limits: Limits = DEFAULT_LIMITS, progress: ProgressFn | None = None
) -> AuditReport:
    """The Azure side of the audit alone (RBAC and Lighthouse): what the revocation's verification re-reads."""
    report = AuditReport(target)
    try:
        await _sweep_azure(Clients(arm=arm), target, report, limits, progress)
    except AzureHttpError as err:  # the subscription list itself: nothing below it was seen
        report.errors.append(f"the subscription list could not be read: {err}")
    return report


async def _sweep_above_subscriptions(arm: ArmClient, target: Target, seen: set[str], report: AuditReport) -> None:
    """The partner's grants anywhere in the tenant, by principal: catches a management group with no
    subscription under it (yet), which no subscription's listing shows."""
    if not target.principal_ids:
        report.not_checked.append(
            "grants above subscriptions with no subscription under them: name the partner's "
            "principals (all-partners mode lists foreign principals per subscription only)"
        )
        return
    for principal in sorted(target.principal_ids):
        try:
            async for assignment in arm.list_role_assignments("/", principal_id=principal):
                if assignment["id"].lower() in seen:
                    continue
                seen.add(assignment["id"].lower())
                report.grants.append(_rbac_grant(assignment, subscription_id_of(assignment["id"])))
        except Forbidden:
            report.not_checked.append(ROOT_NOT_READABLE)
            return
        except AzureHttpError as err:
            report.errors.append(f"tenant-wide listing for principal {principal}: {err}")


async def _gdap(graph: GraphClient, target: Target, report: AuditReport) -> None:
    async for rel in graph.relationships():
        if rel.customer_tenant_id != target.customer_tenant_id or not rel.open:
            continue
        report.grants.append(
            Grant(
                kind=Kind.GDAP_RELATIONSHIP,
                id=rel.id,
                description=f"GDAP relationship {rel.display_name!r} ({rel.status}, ends {rel.end_date_time})",
                role=", ".join(directory_role_name(r) for r in rel.role_ids),
                status=rel.status,
                partner_tenant_id=target.partner_tenant_id,
                details={
                    "displayName": rel.display_name,
                    "roleIds": list(rel.role_ids),
                    "endDateTime": rel.end_date_time,
                },
            )
        )
        if not rel.usable:
            continue
        async for access in graph.access_assignments(rel.id):
            if access.gone:
                continue
            roles = ", ".join(directory_role_name(r) for r in access.role_ids)
            report.grants.append(
                Grant(
                    kind=Kind.GDAP_ACCESS,
                    id=f"{rel.id}/accessAssignments/{access.id}",
                    description=f"group {access.group_id} holds {roles} through {rel.display_name!r}",
                    principal_id=access.group_id,
                    principal_type="Group",
                    role=roles,
                    status=access.status,
                    partner_tenant_id=target.partner_tenant_id,
                    details={"relationshipId": rel.id, "roleIds": list(access.role_ids)},
                )
            )


async def _dap(partner_center: PartnerCenterClient, target: Target, report: AuditReport) -> None:
    try:
        has_dap = await partner_center.has_dap(target.customer_tenant_id)
    except NotFound:
        report.not_checked.append("DAP: the customer is not in this partner's Partner Center")
        return
    if has_dap:
        report.grants.append(
            Grant(
                kind=Kind.DAP,
                id=f"dap:{target.customer_tenant_id}",
                description="legacy DAP: AdminAgents as Global Administrator, HelpdeskAgents as Helpdesk "
                "Administrator (not listed as role members in the customer tenant)",
                role="Global Administrator, Helpdesk Administrator",
                partner_tenant_id=target.partner_tenant_id,
            )
        )


async def _service_providers(graph: GraphClient, report: AuditReport) -> None:
    """What the customer itself can read of its partners: the cross-tenant access policy's partner entries."""
    try:
        found = [
            (p.get("tenantId") or "").lower()
            async for p in graph.list_cross_tenant_partners()
            if p.get("isServiceProvider")
        ]
        report.service_providers = sorted(found)
    except AzureHttpError as err:
        report.not_checked.append(
            f"the cross-tenant access policy's partners could not be read (needs Policy.Read.All): {err}"
        )


async def audit(
    target: Target,
    clients: Clients,
    declared: DeclaredAccess | None = None,
    limits: Limits = DEFAULT_LIMITS,
    progress: ProgressFn | None = None,
) -> AuditReport:
    """Find every grant of the target partner (or of any partner) in the customer tenant."""
    report = AuditReport(target)
    if clients.graph is not None and target.partner_tenant_id:
        await _gdap(clients.graph, target, report)
    else:
        report.not_checked.append(
            "GDAP: only the partner can list its relationships; the customer sees and terminates them in the "
            "Microsoft 365 admin center under Settings > Partner relationships (least-privileged role: Customer "
            "Delegated Admin Relationship Administrator, template id fc8ad4e2-40e4-4724-8317-bcda7503ecbf)"
        )
    if clients.partner_center is not None:
        await _dap(clients.partner_center, target, report)
    else:
        report.not_checked.append(
            "DAP: no API shows it to the customer; check Settings > Partner relationships in the Microsoft 365 "
            "admin center (the partner's roles column)"
        )
    if clients.customer_graph is not None:
        await _service_providers(clients.customer_graph, report)
    await _sweep_azure(clients, target, report, limits, progress)
    origin = (lambda g: declared.origin(g)) if declared is not None else (lambda g: Origin.UNKNOWN)
    report.grants = sorted((g.with_origin(origin(g)) for g in report.grants), key=lambda g: (g.kind, g.id))
    return report
