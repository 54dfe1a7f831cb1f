"""Everything the partner holds in one customer's tenant, under one component.

The customer's own azure-native provider (its tenant) is created here, so every child names the
customer's tenant explicitly; the partner-side provider comes in from the stack program.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

import catalog
from config.schema import ADMIN_AGENTS, Customer, Partner
from stacks.observe import Observation

from .csp_subscription import CspSubscription, CspSubscriptionArgs, NewSubscriptionSpec, mpa_billing_scope
from .delegation import CustomerDelegation, CustomerDelegationArgs
from .lighthouse import LighthouseDelegation, LighthouseDelegationArgs
from .partner_groups_ref import PartnerGroupIds
from .providers import arm_provider
from .revocation_runbook import RevocationRunbook, RevocationRunbookArgs

TYPE = "csp-delegation:customers:CustomerTenant"


@dataclass
class CustomerTenantArgs:
    customer: Customer
    partner: Partner
    group_ids: PartnerGroupIds
    partner_arm: pulumi.ProviderResource | None
    """azure-native provider for the partner tenant; needed when the customer gets new subscriptions."""
    observation: Observation
    """GDAP relationships as Graph reported them before anything was declared."""


class CustomerTenant(pulumi.ComponentResource):
    """A customer: its ARM provider, CSP subscriptions with their grants, Lighthouse delegations."""

    subscription_ids: pulumi.Output[dict[str, str]]

    def __init__(self, name: str, args: CustomerTenantArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(TYPE, name, None, opts)
        customer, partner = args.customer, args.partner
        self.delegation = CustomerDelegation(
            f"{name}-delegation",
            CustomerDelegationArgs(
                customer=customer,
                partner=partner,
                group_ids=args.group_ids,
                observed=args.observation.relationships.get(customer.name),
                observed_offline=args.observation.offline,
            ),
            pulumi.ResourceOptions(parent=self),
        )
        subscriptions: dict[str, CspSubscription] = {}
        if customer.subscriptions or customer.existing_subscriptions:
            self.arm = arm_provider(f"{name}-arm", customer.tenant_id, parent=self)
            owner = catalog.OWNER
            for sub in customer.subscriptions:
                billing_account = sub.billing_account or partner.billing_account
                assert billing_account is not None  # config validation guarantees it
                subscriptions[sub.alias] = CspSubscription(
                    f"{name}-{sub.alias}",
                    CspSubscriptionArgs(
                        role_guid=owner,
                        principal_id=args.group_ids.get(ADMIN_AGENTS),
                        customer_tenant_id=customer.tenant_id,
                        partner_provider=args.partner_arm,
                        new=NewSubscriptionSpec(
                            alias=sub.alias,
                            display_name=sub.display_name,
                            billing_scope=mpa_billing_scope(
                                billing_account, sub.billing_customer_id or customer.tenant_id
                            ),
                            workload=sub.workload,
                            reseller_id=sub.reseller_id,
                        ),
                    ),
                    pulumi.ResourceOptions(parent=self),
                )
            for existing in customer.existing_subscriptions:
                subscriptions[existing.subscription_id] = CspSubscription(
                    f"{name}-{existing.subscription_id}",
                    CspSubscriptionArgs(
                        role_guid=catalog.azure_role_id(existing.role),
                        principal_id=args.group_ids.get(existing.group),
                        group_key=existing.group,
                        customer_tenant_id=customer.tenant_id,
                        subscription_id=existing.subscription_id,
                    ),
                    pulumi.ResourceOptions(parent=self),
                )
            if customer.lighthouse.enabled:
                lighthouse = customer.lighthouse
                for key, sub in subscriptions.items():
                    LighthouseDelegation(
                        f"{name}-{key}-lighthouse",
                        LighthouseDelegationArgs(
                            scope=sub.scope,
                            managed_by_tenant_id=partner.tenant_id,
                            principal_id=args.group_ids.get(lighthouse.group),
                            principal_display_name=lighthouse.group,
                            role_guids=[catalog.azure_role_id(r) for r in lighthouse.roles],
                            offer_name=f"{partner.display_name} managed services",
                            provider=self.arm,
                        ),
                        pulumi.ResourceOptions(parent=self),
                    )
            if customer.revocation_runbook.enabled:
                runbook = customer.revocation_runbook
                chosen = (runbook.subscription or next(iter(subscriptions))).lower()
                host = next(sub for key, sub in subscriptions.items() if key.lower() == chosen)
                RevocationRunbook(
                    f"{name}-revocation",
                    RevocationRunbookArgs(
                        customer_name=customer.name,
                        customer_tenant_id=customer.tenant_id,
                        partner_tenant_id=partner.tenant_id,
                        partner_principal_ids=args.group_ids.all_ids(),
                        host_subscription_id=host.subscription_id,
                        subscription_ids=[s.subscription_id for s in subscriptions.values()],
                        resource_group=runbook.resource_group,
                        location=runbook.location,
                        # Its resource group, storage and Automation account live in the host subscription:
                        # a provider pinned to it (the tenant-wide one has no subscription).
                        provider=arm_provider(
                            f"{name}-revocation-arm",
                            customer.tenant_id,
                            subscription_id=host.subscription_id,
                            parent=self,
                        ),
                    ),
                    pulumi.ResourceOptions(parent=self),
                )
        self.subscription_ids = pulumi.Output.all(**{k: s.subscription_id for k, s in subscriptions.items()})
        self.register_outputs({"subscriptionIds": self.subscription_ids, "delegation": self.delegation.outputs})
