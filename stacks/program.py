"""The one stack program: config -> intent -> components.

It is the only place that reads the stack's config and Graph's view of the relationships; every decision
comes from the intent (intent/resolve.py), and the components receive plain inputs built here. A partner
stack declares the agent groups; a customer stack declares one or more customers and finds the groups
through config or a StackReference; a small partner may keep both in one stack.
"""

from __future__ import annotations

import pulumi

from catalog.invitations import dap_email, reseller_invitation_link
from components.agent_groups import AgentGroupArgs, PartnerAgentGroups, PartnerAgentGroupsArgs
from components.autopilot import AutopilotProfiles, AutopilotProfilesArgs, ProfileArgs
from components.csp_subscription import CspSubscriptionArgs, NewSubscriptionSpec
from components.customer import CustomerTenant, CustomerTenantArgs
from components.delegation import AccessAssignmentArgs, CustomerDelegationArgs, GdapRelationshipArgs
from components.lighthouse import LighthouseAdoption, LighthouseDelegationArgs
from components.partner_groups_ref import GROUP_IDS_OUTPUT, PartnerGroupIds
from components.providers import arm_provider, entra_provider
from components.revocation_runbook import RevocationRunbookArgs
from config.errors import ConfigError
from config.loading import load_from_pulumi
from intent import CustomerIntent, PartnerIntent, StackIntent, resolve
from intent.next_step import next_step

from .observe import Observation, observe_gdap


def main(endpoint: str | None = None) -> None:
    """What Pulumi runs (via __main__.py) and what dapctl plan runs on the mock runtime.

    ``endpoint``: where the GDAP status is read before declaring (``offline``, ``azure`` or an emulator URL);
    under Pulumi it is None and CSP_DELEGATION_ENDPOINT says (the engine passes nothing else to a program)."""
    try:
        intent = resolve(load_from_pulumi())
    except ConfigError as err:
        # RunError ends the program with the message alone: no traceback, nothing declared.
        raise pulumi.RunError(str(err)) from None
    declare(intent, observe_gdap(intent, endpoint))


def partner_group_ids(partner: PartnerIntent) -> PartnerGroupIds:
    """The partner's groups: declared by this stack, read from another stack, or named in config."""
    if partner.managed_groups is not None:
        groups = PartnerAgentGroups(
            "partner-groups",
            PartnerAgentGroupsArgs(
                groups={
                    g.key: AgentGroupArgs(
                        display_name=g.display_name,
                        create=g.create,
                        object_id=g.object_id,
                        description=g.description,
                        members=list(g.members),
                    )
                    for g in partner.managed_groups
                },
                provider=entra_provider("partner-entra", partner.tenant_id),
            ),
        )
        pulumi.export(GROUP_IDS_OUTPUT, groups.object_ids)
        return PartnerGroupIds(groups.ids, "this stack's partner groups")
    if partner.groups_stack is not None:
        return PartnerGroupIds.from_stack(partner.groups_stack)
    return PartnerGroupIds(partner.group_ids, "partner.groupsFrom.objectIds")


def delegation_args(
    customer: CustomerIntent, partner: PartnerIntent, group_ids: PartnerGroupIds, observation: Observation
) -> CustomerDelegationArgs:
    observed = observation.relationships.get(customer.name)
    args = CustomerDelegationArgs(
        mode=customer.delegation,
        partner_tenant_id=partner.tenant_id,
        customer_tenant_id=customer.tenant_id,
        next_step=next_step(customer, observed, observation.offline),
    )
    if customer.gdap is None:
        args.invitation_link = reseller_invitation_link(partner.partner_id, delegated_admin=True)
        args.email_draft = dap_email(partner.display_name, customer.display_name, args.invitation_link)
        return args
    gdap = customer.gdap
    args.relationship = GdapRelationshipArgs(
        display_name=gdap.display_name,
        customer_display_name=customer.display_name,
        role_ids=list(gdap.role_ids),
        duration=gdap.duration,
        auto_extend_duration=gdap.auto_extend_duration,
        protect=gdap.protect,
        adopt_id=gdap.adopt_id,
    )
    if observed is not None and observed.usable:
        args.active_relationship_id = observed.id
        args.access = {
            a.group: AccessAssignmentArgs(
                group_id=group_ids.get(a.group),
                role_ids=list(a.role_ids),
                # an assignment belongs to its relationship: adopted only on the relationship it was read from
                adopt_id=a.adopt_id if gdap.adopt_id == observed.id else None,
            )
            for a in gdap.access
        }
    return args


def customer_args(
    customer: CustomerIntent,
    partner: PartnerIntent,
    group_ids: PartnerGroupIds,
    partner_arm: pulumi.ProviderResource | None,
    observation: Observation,
) -> CustomerTenantArgs:
    subscriptions: dict[str, CspSubscriptionArgs] = {}
    for sub in customer.new_subscriptions:
        subscriptions[sub.alias] = CspSubscriptionArgs(
            role_guid=sub.grant.role_id,
            principal_id=group_ids.get(sub.grant.group),
            customer_tenant_id=customer.tenant_id,
            group_key=sub.grant.group,
            partner_provider=partner_arm,
            new=NewSubscriptionSpec(
                alias=sub.alias,
                display_name=sub.display_name,
                billing_scope=sub.billing_scope,
                workload=sub.workload,
                reseller_id=sub.reseller_id,
            ),
        )
    for existing in customer.existing_subscriptions:
        subscriptions[existing.subscription_id] = CspSubscriptionArgs(
            role_guid=existing.grant.role_id,
            principal_id=group_ids.get(existing.grant.group),
            group_key=existing.grant.group,
            customer_tenant_id=customer.tenant_id,
            subscription_id=existing.subscription_id,
            adopt_grant=existing.adopt_grant,
        )
    lighthouse = None
    if customer.lighthouse is not None:
        lighthouse = LighthouseDelegationArgs(
            managed_by_tenant_id=customer.lighthouse.managed_by_tenant_id,
            principal_id=group_ids.get(customer.lighthouse.group),
            principal_display_name=customer.lighthouse.group,
            role_guids=list(customer.lighthouse.role_ids),
            offer_name=customer.lighthouse.offer_name,
        )
    runbook = None
    if customer.runbook is not None:
        runbook = RevocationRunbookArgs(
            customer_name=customer.name,
            customer_tenant_id=customer.tenant_id,
            partner_tenant_id=partner.tenant_id,
            partner_principal_ids=group_ids.all_ids(),
            resource_group=customer.runbook.resource_group,
            location=customer.runbook.location,
        )
    return CustomerTenantArgs(
        tenant_id=customer.tenant_id,
        delegation=delegation_args(customer, partner, group_ids, observation),
        subscriptions=subscriptions,
        lighthouse=lighthouse,
        revocation_runbook=runbook,
        revocation_host=customer.runbook.host if customer.runbook is not None else None,
        lighthouse_adoptions={
            s.subscription_id: LighthouseAdoption(
                s.scope, *s.adopt_lighthouse, role_guids=list(customer.lighthouse.declared_role_ids)
            )
            for s in customer.existing_subscriptions
            if s.adopt_lighthouse is not None and customer.lighthouse is not None
        },
    )


def declare(intent: StackIntent, observation: Observation) -> None:
    partner = intent.partner
    group_ids = partner_group_ids(partner)
    customers = intent.active_customers
    partner_arm = None
    if any(c.new_subscriptions for c in customers):
        partner_arm = arm_provider("partner-arm", partner.tenant_id)

    summary = {}
    for customer in customers:
        tenant = CustomerTenant(customer.name, customer_args(customer, partner, group_ids, partner_arm, observation))
        if customer.autopilot_profiles:
            AutopilotProfiles(
                f"{customer.name}-autopilot",
                AutopilotProfilesArgs(
                    partner_tenant_id=partner.tenant_id,
                    customer_tenant_id=customer.tenant_id,
                    profiles=[
                        ProfileArgs(p.name, list(p.settings), p.description) for p in customer.autopilot_profiles
                    ],
                    require_delegated_admin=partner.autopilot.require_delegated_admin_for_profiles,
                ),
                pulumi.ResourceOptions(parent=tenant),
            )
        summary[customer.name] = {
            "tenantId": customer.tenant_id,
            "defaultDomain": customer.default_domain,
            "subscriptionIds": tenant.subscription_ids,
            "lighthouse": customer.lighthouse is not None,
            "delegation": tenant.delegation.outputs,
        }
    offboarded = [c.name for c in intent.customers if not c.expects_access]
    if offboarded:
        pulumi.export("offboarded", offboarded)
    pulumi.export("customers", summary)
