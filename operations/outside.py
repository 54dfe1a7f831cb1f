"""Customers outside any stack config (``--tenant <id>`` on audit, revoke and invite).

A partner with an estate it has not imported (or not yet) still needs to see and remove its access to a customer,
and to send an approval link. The customer is then a tenant id and nothing else: nothing is declared for it, so
everything the audit finds is out-of-band, and the invitation is the approval link of whatever relationship of
that tenant awaits the customer.
"""

from __future__ import annotations

import typer

import catalog
from azure_http.gdap import APPROVAL_PENDING
from azure_http.models import Relationship
from catalog.invitations import gdap_email
from config.schema import duration_days
from intent import CustomerIntent, Lifecycle, StackIntent
from operations.invitation import Invitation

TENANT_HINT = "'--tenant'"


def outside_customer(tenant_id: str) -> CustomerIntent:
    """A customer tenant no stack declares: a name and display name made from its id, and nothing declared."""
    tenant = tenant_id.lower()
    return CustomerIntent(
        name=f"tenant-{tenant[:8]}",
        display_name=f"tenant {tenant}",
        tenant_id=tenant,
        default_domain="",
        lifecycle=Lifecycle.ACTIVE,
        delegation="gdap",
        legacy_dap=False,
        gdap=None,
        declared=False,
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


def customer_for_tenant(cfg: StackIntent, tenant: str) -> CustomerIntent:
    """The stack's customer with this tenant id, or an outside customer; the partner's own tenant is refused."""
    if tenant == cfg.partner.tenant_id:
        raise typer.BadParameter(
            "this is the partner's own tenant: give a customer's tenant id", param_hint=TENANT_HINT
        )
    for customer in cfg.customers:
        if customer.tenant_id == tenant:
            return customer
    return outside_customer(tenant)


def outside_invitation(cfg: StackIntent, tenant: str, relationships: list[Relationship]) -> Invitation:
    """The approval link of the tenant's relationship awaiting the customer (any name), if there is one."""
    mine = [r for r in relationships if r.customer_tenant_id == tenant]
    pending = [r for r in mine if r.status == APPROVAL_PENDING]
    if not pending:
        seen = ", ".join(f"{r.display_name!r} {r.status}" for r in mine) or "none"
        return Invitation(
            f"no relationship of tenant {tenant} awaits approval (its relationships: {seen}): nothing to send",
            None,
            None,
            False,
        )
    rel = sorted(pending, key=lambda r: r.created or "")[-1]
    roles = [catalog.directory_role_name(r) for r in rel.role_ids]
    try:
        days = duration_days(rel.duration or "P730D")
    except ValueError:
        days = 730
    name = rel.customer_display_name or f"tenant {tenant}"
    email = gdap_email(cfg.partner.display_name, name, rel.approval_link, roles, days, rel.auto_extends)
    return Invitation(f"relationship {rel.id} awaits the customer's approval", rel.approval_link, email, True)
