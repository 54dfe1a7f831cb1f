"""A customer's delegated administration: a GDAP relationship with its access assignments, or legacy DAP.

gdap: the relationship is created and locked for approval (the approval link is an output); access
assignments map the partner's groups to their roles, declared only for a relationship Graph reports
active (the program reads it before declaring), so a preview shows exactly what up will do.
dap: no cloud resource; the reseller invitation link and an email draft. A customer moving from dap to
gdap (``legacyDap: true``) gets GDAP first; DAP is removed only after GDAP is active, never by Pulumi.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi

from .gdap_resources import GdapAccessAssignment, GdapRelationship

TYPE = "csp-delegation:delegation:CustomerDelegation"


@dataclass
class GdapRelationshipArgs:
    """The relationship to keep, in Graph's terms."""

    display_name: pulumi.Input[str]
    """The base display name (unique per partner for ever; a successor gets ``-2``, ``-3``...)."""
    customer_display_name: pulumi.Input[str]
    """The customer's name as the relationship shows it to the customer."""
    role_ids: list[str]
    """Role template GUIDs the relationship grants."""
    duration: pulumi.Input[str]
    """ISO 8601 duration in days (``P730D``)."""
    auto_extend_duration: pulumi.Input[str]
    """``P180D`` or ``PT0S`` (never)."""
    protect: bool = True
    """Protect it from deletion: a replacement needs the customer's approval again."""
    adopt_id: str | None = None
    """An existing relationship to take over instead of creating one (``dapctl import``)."""


@dataclass
class AccessAssignmentArgs:
    """One partner group mapped to some of the relationship's roles."""

    group_id: pulumi.Input[str]
    """The partner security group's object id."""
    role_ids: list[str]
    """Role template GUIDs (a subset of the relationship's)."""
    adopt_id: str | None = None
    """An existing assignment to take over instead of creating one (``dapctl import``)."""


@dataclass
class CustomerDelegationArgs:
    mode: str
    """``gdap`` or ``dap``."""
    partner_tenant_id: str
    """The partner's tenant (GDAP relationships live there)."""
    customer_tenant_id: str
    """The customer's tenant."""
    next_step: str
    """What the operator should do next (an output)."""
    relationship: GdapRelationshipArgs | None = None
    """gdap: the relationship to keep."""
    active_relationship_id: str | None = None
    """gdap: the relationship Graph reported active before declaring; access assignments are declared on it
    (None: not active yet, or not read)."""
    access: dict[str, AccessAssignmentArgs] = field(default_factory=dict)
    """gdap: access assignments by partner group key, declared once ``active_relationship_id`` is known."""
    invitation_link: pulumi.Input[str] | None = None
    """dap: the reseller invitation link the customer accepts."""
    email_draft: pulumi.Input[str] | None = None
    """dap: an email to send with the link."""


class CustomerDelegation(pulumi.ComponentResource):
    def __init__(self, name: str, args: CustomerDelegationArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(TYPE, name, None, opts)
        self.next_step = args.next_step
        outputs: dict[str, pulumi.Input] = {"mode": args.mode, "nextStep": args.next_step}
        if args.mode == "dap":
            outputs["invitationLink"] = args.invitation_link
            outputs["emailDraft"] = args.email_draft
        else:
            spec = args.relationship
            assert spec is not None, "a gdap delegation needs its relationship"
            relationship = GdapRelationship(
                f"{name}-relationship",
                partner_tenant_id=args.partner_tenant_id,
                customer_tenant_id=args.customer_tenant_id,
                customer_display_name=spec.customer_display_name,
                display_name=spec.display_name,
                duration=spec.duration,
                auto_extend_duration=spec.auto_extend_duration,
                role_ids=spec.role_ids,
                adopt_id=spec.adopt_id,
                opts=pulumi.ResourceOptions(parent=self, protect=spec.protect, delete_before_replace=True),
            )
            outputs.update(
                relationshipId=relationship.id,
                status=relationship.status,
                approvalLink=relationship.approvalLink,
                endDateTime=relationship.endDateTime,
            )
            if args.active_relationship_id is not None:
                for key, access in args.access.items():
                    GdapAccessAssignment(
                        f"{name}-{key}",
                        partner_tenant_id=args.partner_tenant_id,
                        relationship_id=args.active_relationship_id,
                        group_id=access.group_id,
                        role_ids=access.role_ids,
                        adopt_id=access.adopt_id,
                        opts=pulumi.ResourceOptions(parent=self, depends_on=[relationship]),
                    )
        self.outputs = outputs
        self.register_outputs(outputs)
