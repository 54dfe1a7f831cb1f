"""The one stack program: the validated config decides what this stack holds.

A partner stack declares the agent groups; a customer stack declares one or more customers and finds
the groups through config or a StackReference; a small partner may keep both in one stack.
"""

from __future__ import annotations

import pulumi

from components.agent_groups import PartnerAgentGroups, PartnerAgentGroupsArgs
from components.autopilot import AutopilotProfiles, AutopilotProfilesArgs, ProfileArgs
from components.customer import CustomerTenant, CustomerTenantArgs
from components.partner_groups_ref import GROUP_IDS_OUTPUT, PartnerGroupIds
from components.providers import arm_provider, entra_provider
from config.errors import ConfigError
from config.loading import load_from_pulumi
from config.schema import StackConfig

from .observe import Observation, observe_gdap


def main() -> None:
    """What Pulumi runs (via __main__.py) and what dapctl plan runs on the mock runtime."""
    try:
        config = load_from_pulumi()
    except ConfigError as err:
        # RunError ends the program with the message alone: no traceback, nothing declared.
        raise pulumi.RunError(str(err)) from None
    declare(config, observe_gdap(config))


def declare(cfg: StackConfig, observation: Observation) -> None:
    partner = cfg.partner
    if partner.groups is not None:
        groups = PartnerAgentGroups(
            "partner-groups",
            PartnerAgentGroupsArgs(groups=partner.groups, provider=entra_provider("partner-entra", partner.tenant_id)),
        )
        group_ids = PartnerGroupIds(groups.ids, "this stack's partner groups")
        pulumi.export(GROUP_IDS_OUTPUT, groups.object_ids)
    elif partner.groups_from is not None and partner.groups_from.stack is not None:
        group_ids = PartnerGroupIds.from_stack(partner.groups_from.stack)
    else:
        assert partner.groups_from is not None and partner.groups_from.object_ids is not None
        group_ids = PartnerGroupIds(partner.groups_from.object_ids, "partner.groupsFrom.objectIds")

    partner_arm = None
    if any(c.subscriptions for c in cfg.customers):
        partner_arm = arm_provider("partner-arm", partner.tenant_id)

    summary = {}
    for customer in cfg.customers:
        tenant = CustomerTenant(
            customer.name,
            CustomerTenantArgs(
                customer=customer,
                partner=partner,
                group_ids=group_ids,
                partner_arm=partner_arm,
                observation=observation,
            ),
        )
        if customer.autopilot.profiles:
            AutopilotProfiles(
                f"{customer.name}-autopilot",
                AutopilotProfilesArgs(
                    partner_tenant_id=partner.tenant_id,
                    customer_tenant_id=customer.tenant_id,
                    profiles=[
                        ProfileArgs(p.name, list(p.settings), p.description) for p in customer.autopilot.profiles
                    ],
                    require_delegated_admin=partner.autopilot.require_delegated_admin_for_profiles,
                ),
                pulumi.ResourceOptions(parent=tenant),
            )
        summary[customer.name] = {
            "tenantId": customer.tenant_id,
            "defaultDomain": customer.default_domain,
            "subscriptionIds": tenant.subscription_ids,
            "lighthouse": customer.lighthouse.enabled,
            "delegation": tenant.delegation.outputs,
        }
    pulumi.export("customers", summary)
