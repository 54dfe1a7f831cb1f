"""Customers outside any stack config (``--tenant <id>`` on audit, revoke and invite).

A partner with an estate it has not imported (or not yet) still needs to see and remove its access to a customer,
and to send an approval link. The customer is then a tenant id and nothing else: nothing is declared for it, so
everything the audit finds is out-of-band, and the invitation is the approval link of whatever relationship of
that tenant awaits the customer.
"""

from __future__ import annotations

import typer

import catalog
from catalog.invitations import gdap_approval_link, gdap_email
from stacks.config import Customer, CustomerAutopilot, Lighthouse, RevocationRunbook, StackConfig, duration_days

from .invitation import Invitation

TENANT_HINT = "'--tenant'"


class OutsideCustomer(Customer):
    """A customer tenant no stack declares: a name and display name made from its id, and nothing declared."""


def outside_customer(tenant_id: str) -> OutsideCustomer:
    tenant = tenant_id.lower()
    return OutsideCustomer.model_construct(
        name=f"tenant-{tenant[:8]}",
        display_name=f"tenant {tenant}",
        tenant_id=tenant,
        default_domain="",
        delegation="gdap",
        gdap=None,
        subscriptions=[],
        existing_subscriptions=[],
        lighthouse=Lighthouse(),
        revocation_runbook=RevocationRunbook(),
        autopilot=CustomerAutopilot(),
        legacy_dap=False,
    )


def check_target(customer: str | None, tenant: str | None) -> str | None:
    """Exactly one of a customer name and ``--tenant``; the tenant a GUID (lower-cased). Checked before any request."""
    if (customer is None) == (tenant is None):
        raise typer.BadParameter(
            "name a customer from the stack config, or give --tenant <tenant id> for one outside any config (not both)",
            param_hint=TENANT_HINT,
        )
    if tenant is not None and not catalog.is_guid(tenant):
        raise typer.BadParameter(f"{tenant[:60]!r} is not a tenant id (a GUID)", param_hint=TENANT_HINT)
    return tenant.lower() if tenant else None


def customer_for_tenant(cfg: StackConfig, tenant: str) -> Customer:
    """The stack's customer with this tenant id, or an outside customer; the partner's own tenant is refused."""
    if tenant == cfg.partner.tenant_id:
        raise typer.BadParameter(
            "this is the partner's own tenant: give a customer's tenant id", param_hint=TENANT_HINT
        )
    for customer in cfg.customers:
        if customer.tenant_id == tenant:
            return customer
    return outside_customer(tenant)


def outside_invitation(cfg: StackConfig, tenant: str, relationships: list[dict]) -> Invitation:
    """The approval link of the tenant's relationship awaiting the customer (any name), if there is one."""
    mine = [r for r in relationships if ((r.get("customer") or {}).get("tenantId") or "").lower() == tenant]
    pending = [r for r in mine if r.get("status") == "approvalPending"]
    if not pending:
        seen = ", ".join(f"{r.get('displayName')!r} {r.get('status')}" for r in mine) or "none"
        return Invitation(
            f"no relationship of tenant {tenant} awaits approval (its relationships: {seen}): nothing to send",
            None,
            None,
            False,
        )
    rel = sorted(pending, key=lambda r: r.get("createdDateTime") or "")[-1]
    link = gdap_approval_link(rel["id"])
    roles = [
        catalog.directory_role_name(u.get("roleDefinitionId", ""))
        for u in (rel.get("accessDetails") or {}).get("unifiedRoles") or []
    ]
    try:
        days = duration_days(str(rel.get("duration") or "P730D"))
    except ValueError:
        days = 730
    auto_extend = rel.get("autoExtendDuration") not in (None, "PT0S", "P0D")
    name = (rel.get("customer") or {}).get("displayName") or f"tenant {tenant}"
    email = gdap_email(cfg.partner.display_name, name, link, roles, days, auto_extend)
    return Invitation(f"relationship {rel['id']} awaits the customer's approval", link, email, True)
