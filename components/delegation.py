"""A customer's delegated administration: a GDAP relationship with its access assignments, or legacy DAP.

gdap: the relationship is created and locked for approval (the approval link is an output); access
assignments map the partner's groups to their roles, declared only once Graph reports the relationship
active (read before declaring: see stacks/observe.py), so a preview shows exactly what up will do.
dap: no cloud resource; the reseller invitation link and an email draft. A customer moving from dap to
gdap (``legacyDap: true``) gets GDAP first; DAP is removed only after GDAP is active, never by Pulumi.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

import catalog
from catalog.invitations import dap_email, reseller_invitation_link
from stacks.config import Customer, Partner, duration_days
from stacks.observe import ObservedRelationship

from .gdap_resources import GdapAccessAssignment, GdapRelationship
from .partner_groups_ref import PartnerGroupIds

TYPE = "csp-delegation:delegation:CustomerDelegation"
AUTO_EXTEND = "P180D"
NO_AUTO_EXTEND = "PT0S"


@dataclass
class CustomerDelegationArgs:
    customer: Customer
    partner: Partner
    group_ids: PartnerGroupIds
    observed: ObservedRelationship | None
    """The customer's relationship as Graph reported it before declaring (None: none yet, or offline)."""
    observed_offline: bool = False


def next_step(customer: Customer, observed: ObservedRelationship | None, offline: bool) -> str:
    """One sentence for the operator: where this customer's delegation stands and what comes next."""
    if customer.delegation == "dap":
        return "legacy DAP: send the reseller invitation (dapctl invite); move the customer to gdap when ready"
    if offline:
        step = "Graph not read (offline plan): access assignments are declared once the relationship is active"
    elif observed is None:
        step = "no relationship yet: `pulumi up` creates it and locks it for approval; send the approval link"
    elif observed.active:
        step = f"relationship {observed.id} is {observed.status}: partner groups mapped by access assignments"
    else:
        step = (
            f"relationship {observed.id} is {observed.status}: waiting for the customer's approval; "
            "access assignments are declared by the first run after it turns active"
        )
    if customer.legacy_dap:
        if observed is not None and observed.active:
            step += f"; DAP is still present and can now be removed (dapctl revoke {customer.name} --only dap --apply)"
        else:
            step += "; DAP is still present and stays until GDAP is active (removing it first cuts access)"
    return step


class CustomerDelegation(pulumi.ComponentResource):
    def __init__(self, name: str, args: CustomerDelegationArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(TYPE, name, None, opts)
        customer, partner = args.customer, args.partner
        self.next_step = next_step(customer, args.observed, args.observed_offline)
        outputs: dict[str, pulumi.Input] = {"mode": customer.delegation, "nextStep": self.next_step}
        if customer.delegation == "dap":
            link = reseller_invitation_link(partner.partner_id, delegated_admin=True)
            outputs["invitationLink"] = link
            outputs["emailDraft"] = dap_email(partner.display_name, customer.display_name, link)
        else:
            gdap = customer.gdap_settings
            role_ids = [catalog.directory_role_id(r) for r in gdap.roles]
            relationship = GdapRelationship(
                f"{name}-relationship",
                partner_tenant_id=partner.tenant_id,
                customer_tenant_id=customer.tenant_id,
                customer_display_name=customer.display_name,
                display_name=customer.gdap_display_name(),
                duration=f"P{duration_days(gdap.duration)}D",
                auto_extend_duration=AUTO_EXTEND if gdap.auto_extend else NO_AUTO_EXTEND,
                role_ids=role_ids,
                opts=pulumi.ResourceOptions(parent=self, protect=gdap.protect, delete_before_replace=True),
            )
            outputs.update(
                relationshipId=relationship.id,
                status=relationship.status,
                approvalLink=relationship.approvalLink,
                endDateTime=relationship.endDateTime,
            )
            if args.observed is not None and args.observed.active:
                for access in customer.gdap_access():
                    GdapAccessAssignment(
                        f"{name}-{access.group}",
                        partner_tenant_id=partner.tenant_id,
                        relationship_id=args.observed.id,
                        group_id=args.group_ids.get(access.group),
                        role_ids=[catalog.directory_role_id(r) for r in access.roles],
                        opts=pulumi.ResourceOptions(parent=self, depends_on=[relationship]),
                    )
        self.outputs = outputs
        self.register_outputs(outputs)
