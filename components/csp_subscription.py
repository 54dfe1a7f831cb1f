"""A customer's Azure subscription under CSP, with the partner group's role on it.

New subscriptions are created through a subscription alias on the partner's Microsoft Partner
Agreement billing scope (the partner's credentials, the partner's tenant); the Owner grant to
AdminAgents is then made in the customer's tenant, as the foreign group it is there. The grant-only
form declares just the role assignment on a subscription that already exists.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import subscription

from .naming import subscription_scope
from .partner_grant import partner_role_assignment

TYPE = "csp-delegation:subscriptions:CspSubscription"


@dataclass
class NewSubscriptionSpec:
    alias: str
    """The subscription alias (the name the partner creates it under)."""
    display_name: str
    """The subscription's display name."""
    billing_scope: str
    """The Microsoft Partner Agreement billing scope (billing account and customer)."""
    workload: str
    """``Production`` or ``DevTest``."""
    reseller_id: str | None = None
    """An indirect reseller's Partner Center id, when one sells the subscription."""


@dataclass
class CspSubscriptionArgs:
    role_guid: str
    """The Azure role definition GUID granted to the partner group (Owner for the CSP grant)."""
    principal_id: pulumi.Input[str]
    """Object id of the partner group granted the role (AdminAgents for the CSP Owner grant)."""
    customer_tenant_id: str
    """The customer's tenant, where the role assignment lives."""
    group_key: str = "adminAgents"
    """The partner group's key (shown in the assignment's description)."""
    new: NewSubscriptionSpec | None = None
    """A subscription to create (alias on the MPA billing scope); exclusive with ``subscription_id``."""
    partner_provider: pulumi.ProviderResource | None = None
    """azure-native provider for the partner's tenant (creates the alias); required with ``new``."""
    subscription_id: str | None = None
    """An existing subscription to grant on; exclusive with ``new``."""
    adopt_grant: str | None = None
    """Name (GUID) of the existing role assignment that is this grant (``dapctl import``): adopted, not created."""


class CspSubscription(pulumi.ComponentResource):
    subscription_id: pulumi.Output[str]
    scope: pulumi.Output[str]

    def __init__(self, name: str, args: CspSubscriptionArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(TYPE, name, None, opts)
        if (args.new is None) == (args.subscription_id is None):
            raise ValueError(f"{name}: give exactly one of a new subscription or an existing subscription id")
        if args.new is not None:
            if args.partner_provider is None:
                raise ValueError(f"{name}: a new subscription needs the partner's azure-native provider")
            alias = subscription.Alias(
                f"{name}-alias",
                alias_name=args.new.alias,
                properties=subscription.PutAliasRequestPropertiesArgs(
                    billing_scope=args.new.billing_scope,
                    display_name=args.new.display_name,
                    workload=args.new.workload,
                    reseller_id=args.new.reseller_id,
                ),
                # A subscription holds the customer's workloads: never deleted by a stray `pulumi destroy`.
                opts=pulumi.ResourceOptions(parent=self, provider=args.partner_provider, protect=True),
            )
            self.subscription_id = alias.properties.subscription_id
        else:
            self.subscription_id = pulumi.Output.from_input(args.subscription_id)
        self.scope = self.subscription_id.apply(subscription_scope)
        self.grant = partner_role_assignment(
            f"{name}-grant",
            tenant_id=args.customer_tenant_id,
            scope=self.scope,
            role_guid=args.role_guid,
            principal_id=args.principal_id,
            parent=self,
            group_key=args.group_key,
            adopt_name=args.adopt_grant,
        )
        self.register_outputs({"subscriptionId": self.subscription_id, "scope": self.scope})
