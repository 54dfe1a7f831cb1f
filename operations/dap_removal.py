"""When DAP may go: the last step of a DAP to GDAP move, refused while the partner still depends on DAP.

Microsoft's order is GDAP first (with the roles the partner needs, groups mapped), then Azure access that
no longer leans on DAP, then DAP removed; the other way round cuts the partner off (Partner Center GDAP
FAQ). ``dapctl revoke CUSTOMER --only dap`` (DAP removed, GDAP kept) runs these checks on the audit it
has just made, before anything is sent:

1. the config declares GDAP for the customer, and a GDAP relationship with the customer is **active** and
   holds every declared role (the roles ``tenant_access.declared_access`` computes from the config);
2. the partner's Azure access does not depend on DAP. The partner reaches a customer subscription through
   admin-on-behalf-of: a partner group's role assignment there (on a CSP subscription, AdminAgents'
   Owner as a ForeignGroup) is usable only while a delegation puts that group's members into the tenant.
   So each subscription where the partner holds an RBAC grant must have one whose principal is a group
   mapped by an access assignment of an active GDAP relationship; a subscription where no such group
   holds a grant reaches the partner through DAP alone, and removing DAP cuts it off. The operator may
   accept that loss explicitly (``--accept-azure-access-loss``); the refusal names the subscriptions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from azure_http.gdap import ASSIGNMENT_DELETED, ASSIGNMENT_DELETING, ASSIGNMENT_ERROR, USABLE_STATUSES
from runbooks.audit import AuditReport
from runbooks.declared import DeclaredAccess
from runbooks.grants import Kind

ACCEPT_FLAG = "--accept-azure-access-loss"
_NOT_MAPPING = (ASSIGNMENT_DELETING, ASSIGNMENT_DELETED, ASSIGNMENT_ERROR)


@dataclass
class DapRemovalCheck:
    blockers: list[str] = field(default_factory=list)
    """Why DAP may not go yet (empty: it may)."""
    azure_at_risk: list[str] = field(default_factory=list)
    """Subscriptions whose partner access leans on DAP alone (a blocker unless accepted)."""
    relationship: str | None = None
    """The active relationship with the declared roles, when there is one."""

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
    mapped = {
        (g.principal_id or "").lower()
        for g in report.by_kind(Kind.GDAP_ACCESS)
        if g.details.get("relationshipId") in usable
        and g.status not in (ASSIGNMENT_DELETING, ASSIGNMENT_DELETED, ASSIGNMENT_ERROR)
    }
    by_subscription: dict[str, set[str]] = {}
    for grant in report.by_kind(Kind.RBAC):
        if grant.subscription_id:
            by_subscription.setdefault(grant.subscription_id, set()).add((grant.principal_id or "").lower())
    check.azure_at_risk = sorted(s for s, principals in by_subscription.items() if not principals & mapped)
    if check.azure_at_risk and not accept_azure_loss:
        check.blockers.append(
            f"the partner's Azure access to {len(check.azure_at_risk)} subscription(s) "
            f"({', '.join(check.azure_at_risk)}) depends on DAP: no group mapped in an active GDAP relationship "
            "holds a role there. Map the group that holds it (e.g. AdminAgents) in the GDAP relationship, or "
            f"grant a mapped group an Azure role there; or pass {ACCEPT_FLAG} to remove DAP anyway"
        )
    return check
