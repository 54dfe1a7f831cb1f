"""When DAP may go: the last step of a DAP to GDAP move, refused while the partner still depends on DAP.

Microsoft's order is GDAP first (with the roles the partner needs, groups mapped), then Azure access that
no longer leans on DAP, then DAP removed; the other way round cuts the partner off (Partner Center GDAP
FAQ). ``dapctl revoke CUSTOMER --only dap`` (DAP removed, GDAP kept) runs these checks on the audit it
has just made, before anything is sent:

1. the config declares GDAP for the customer, and a GDAP relationship with the customer is **active** and
   holds every declared role (the roles ``customer_audit.declared_access`` computes from the config);
2. the partner's Azure access does not depend on DAP. The partner reaches a customer subscription through
   admin-on-behalf-of: a partner group's role assignment there (on a CSP subscription, AdminAgents'
   Owner as a ForeignGroup) is usable only while a delegation puts that group's members into the tenant.
   The operators reach a subscription today through the groups whose grants cover all of it (scope the
   subscription, a management group above it or the tenant root; when the partner holds only narrower
   grants there, through those). At least one of those very groups must be mapped by an **active** access
   assignment of an active GDAP relationship: a ``pending`` assignment lets nobody in yet (Graph
   ``delegatedAdminAccessAssignment.status``), and another group that holds a role on one resource group
   keeps the operators nothing (its members are other people as far as this check can tell: group
   membership is not read, so only the group that reaches the subscription today counts). A subscription
   where no such group is mapped reaches the partner through DAP alone, and removing DAP cuts it off. The
   operator may accept that loss explicitly (``--accept-azure-access-loss``); the refusal names the
   subscriptions and, per subscription, the groups and what their mapping lacks.

Sources: Graph delegatedAdminAccessAssignment status values (pending, active, deleting, deleted, error),
https://learn.microsoft.com/graph/api/resources/delegatedadminaccessassignment; Azure RBAC scope inheritance,
https://learn.microsoft.com/azure/role-based-access-control/scope-overview.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from azure_http.gdap import ASSIGNMENT_ACTIVE, USABLE_STATUSES
from runbooks.audit import AuditReport
from runbooks.declared import DeclaredAccess
from runbooks.grants import Kind

ACCEPT_FLAG = "--accept-azure-access-loss"


@dataclass
class DapRemovalCheck:
    blockers: list[str] = field(default_factory=list)
    """Why DAP may not go yet (empty: it may)."""
    azure_at_risk: list[str] = field(default_factory=list)
    """Subscriptions whose partner access leans on DAP alone (a blocker unless accepted)."""
    relationship: str | None = None
    """The active relationship with the declared roles, when there is one."""
    why: dict[str, str] = field(default_factory=dict)
    """Per subscription at risk: the groups the operators reach it through, and what their mapping lacks."""

    @property
    def allowed(self) -> bool:
        return not self.blockers


def check_dap_removal(report: AuditReport, declared: DeclaredAccess | None, accept_azure_loss: bool) -> DapRemovalCheck:
    """Whether DAP may be removed while GDAP stays, from this run's audit and the config's declared access."""
    check = DapRemovalCheck()
    if declared is None or not declared.gdap_role_ids:
        check.blockers.append(
            "the stack config declares no GDAP relationship for this customer (delegation: dap): set "
            "delegation: gdap with its roles, let `pulumi up` create it and the customer approve it, then remove DAP "
            "(to end delegated admin altogether instead: --only gdap,dap)"
        )
        return check
    relationships = report.by_kind(Kind.GDAP_RELATIONSHIP)
    suitable = [
        g
        for g in relationships
        if g.status in USABLE_STATUSES and declared.gdap_role_ids <= frozenset(g.details.get("roleIds") or [])
    ]
    if suitable:
        check.relationship = suitable[0].id
    else:
        seen = "; ".join(f"{g.details.get('displayName')!r} is {g.status}" for g in relationships) or "none found"
        check.blockers.append(
            f"no active GDAP relationship holds the {len(declared.gdap_role_ids)} declared role(s) ({seen}): "
            "removing DAP now cuts the partner off. Wait for the customer's approval (`dapctl gdap status`), "
            "then run this again"
        )
    usable = {g.id for g in relationships if g.status in USABLE_STATUSES}
    access = [g for g in report.by_kind(Kind.GDAP_ACCESS) if g.details.get("relationshipId") in usable]
    mapped = {(g.principal_id or "").lower() for g in access if g.status == ASSIGNMENT_ACTIVE}
    waiting = {(g.principal_id or "").lower(): g.status for g in access if g.status != ASSIGNMENT_ACTIVE}
    reached = operator_groups(report)
    check.azure_at_risk = sorted(s for s, groups in reached.items() if not groups & mapped)
    check.why = {s: _why(reached[s], waiting) for s in check.azure_at_risk}
    if check.azure_at_risk and not accept_azure_loss:
        check.blockers.append(
            f"the partner's Azure access to {len(check.azure_at_risk)} subscription(s) "
            f"({'; '.join(f'{s}: {check.why[s]}' for s in check.azure_at_risk)}) depends on DAP: no group the "
            "operators reach it through is mapped by an active access assignment of an active GDAP relationship. "
            "Map the group that holds it (e.g. AdminAgents) in the GDAP relationship and wait until its access "
            f"assignment is active; or pass {ACCEPT_FLAG} to remove DAP anyway"
        )
    return check


def covers_subscription(scope: str | None, subscription_id: str) -> bool:
    """Whether a grant at ``scope`` reaches all of the subscription: the subscription itself, or a scope above it
    (a management group, the tenant root) that the audit listed in that subscription."""
    scope = (scope or "").rstrip("/").lower()
    return not scope.startswith("/subscriptions/") or scope == f"/subscriptions/{subscription_id.lower()}"


def operator_groups(report: AuditReport) -> dict[str, set[str]]:
    """Per subscription the partner reaches: the principals of the grants that reach all of it (or, where the
    partner holds only narrower grants there, of those)."""
    holders: dict[str, list] = {}
    for grant in report.by_kind(Kind.RBAC):
        if grant.subscription_id:
            holders.setdefault(grant.subscription_id, []).append(grant)
    reached = {}
    for subscription, grants in holders.items():
        whole = [g for g in grants if covers_subscription(g.scope, subscription)] or grants
        reached[subscription] = {(g.principal_id or "").lower() for g in whole}
    return reached


def _why(groups: set[str], waiting: dict[str, str]) -> str:
    said = [f"{g} (access assignment {waiting[g]})" if g in waiting else f"{g} (not mapped)" for g in sorted(groups)]
    return "reached through " + ", ".join(said)
