"""What to send a customer, given its delegation mode and its relationship's status in Graph."""

from __future__ import annotations

from dataclasses import dataclass

import catalog
from azure_http.connect import Connection
from azure_http.gdap import APPROVAL_PENDING, AUTO_EXTEND_180_DAYS, CREATED
from azure_http.models import Relationship
from catalog.invitations import dap_email, gdap_email, reseller_invitation_link
from config.schema import duration_days
from intent import CustomerIntent, StackIntent
from intent.observed import pick
from operations.relationships import fetch_relationships


@dataclass
class Invitation:
    status: str
    link: str | None
    email: str | None
    sendable: bool
    """True when there is something for the customer to act on."""


def invitation_for(intent: StackIntent, customer: CustomerIntent, relationships: list[Relationship]) -> Invitation:
    partner = intent.partner
    if customer.delegation == "dap":
        link = reseller_invitation_link(partner.partner_id, delegated_admin=True)
        return Invitation(
            "reseller relationship invitation with delegated admin (legacy DAP)",
            link,
            dap_email(partner.display_name, customer.display_name, link),
            True,
        )
    assert customer.gdap is not None
    gdap = customer.gdap
    found = pick(relationships, gdap.display_name, customer.tenant_id)
    if found is None:
        return Invitation(
            f"no GDAP relationship named {gdap.display_name!r} yet: run `pulumi up` for this stack "
            "(it creates the relationship and locks it for approval), then run this again",
            None,
            None,
            False,
        )
    if found.status == APPROVAL_PENDING:
        link = found.approval_link
        roles = [catalog.directory_role_name(r) for r in found.role_ids]
        email = gdap_email(
            partner.display_name,
            customer.display_name,
            link,
            roles,
            int(gdap.duration[1:-1]),
            gdap.auto_extend_duration == AUTO_EXTEND_180_DAYS,
        )
        return Invitation(f"relationship {found.id} awaits the customer's approval", link, email, True)
    if found.status == CREATED:
        return Invitation(
            f"relationship {found.id} is not locked for approval yet: run `pulumi up` again", None, None, False
        )
    ends = f" until {found.end_date_time[:10]}" if found.end_date_time else ""
    return Invitation(f"relationship {found.id} is {found.status}{ends}: nothing to send", None, None, False)


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


def invitation(conn: Connection | None, intent: StackIntent, customer: CustomerIntent) -> Invitation:
    """What to send the customer: for a gdap customer, read from the partner's relationships in Graph (``conn``);
    for a tenant outside any config, the approval link of its relationship awaiting the customer."""
    relationships: list[Relationship] = []
    if customer.delegation == "gdap":
        assert conn is not None, "a gdap customer's invitation reads Graph"
        relationships = fetch_relationships(conn, intent.partner.tenant_id)
    if not customer.declared:
        return outside_invitation(intent, customer.tenant_id, relationships)
    return invitation_for(intent, customer, relationships)
