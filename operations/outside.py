"""Customers outside any stack config (``--tenant <id>`` on audit, revoke and invite).

A partner with an estate it has not imported (or not yet) still needs to see and remove its access to a customer,
and to send an approval link. The customer is then a tenant id and nothing else: nothing is declared for it, so
everything the audit finds is out-of-band, and the invitation is the approval link of whatever relationship of
that tenant awaits the customer.
"""

from __future__ import annotations

import catalog
from intent import CustomerIntent, Lifecycle, StackIntent
from operations.errors import InputError

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
        raise InputError(
            "name a customer from the stack config, or give --tenant <tenant id> for one outside any config (not both)",
            TENANT_HINT,
        )
    if tenant is not None and not catalog.is_guid(tenant):
        raise InputError(f"{tenant[:60]!r} is not a tenant id (a GUID)", TENANT_HINT)
    return tenant.lower() if tenant else None


def resolve_target(cfg: StackIntent, customer: str | None, tenant: str | None) -> CustomerIntent:
    """The stack's customer by name, or (``tenant``) by tenant id, or a tenant outside any config."""
    if tenant is not None:
        return customer_for_tenant(cfg, tenant)
    assert customer is not None  # check_target: exactly one of the two
    return cfg.customer(customer)


def customer_for_tenant(cfg: StackIntent, tenant: str) -> CustomerIntent:
    """The stack's customer with this tenant id, or an outside customer; the partner's own tenant is refused."""
    if tenant == cfg.partner.tenant_id:
        raise InputError("this is the partner's own tenant: give a customer's tenant id", TENANT_HINT)
    for customer in cfg.customers:
        if customer.tenant_id == tenant:
            return customer
    return outside_customer(tenant)
