"""Everything the partner holds in one customer's tenant, under one component.

The customer's own azure-native provider (its tenant) is created here when something azure-native is declared
in that tenant (Lighthouse), so every child names the customer's tenant explicitly and no provider is declared
with nothing under it; the partner-side provider comes in from the stack program. The program
decides what exists (from the intent); this component only lays it out under the customer.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import pulumi

from .csp_subscription import CspSubscription, CspSubscriptionArgs
from .delegation import CustomerDelegation, CustomerDelegationArgs
from .lighthouse import LighthouseAdoption, LighthouseDelegation, LighthouseDelegationArgs
from .providers import arm_provider
from .revocation_runbook import RevocationRunbook, RevocationRunbookArgs

TYPE = "csp-delegation:customers:CustomerTenant"


@dataclass
class CustomerTenantArgs:
    tenant_id: str
    """The customer's tenant: its own azure-native provider is pinned to it."""
    delegation: CustomerDelegationArgs
    """GDAP relationship and access assignments, or the DAP invitation."""
    subscriptions: dict[str, CspSubscriptionArgs] = field(default_factory=dict)
    """Subscriptions by key (a new one's alias, an existing one's id), each with the partner group's grant."""
    lighthouse: LighthouseDelegationArgs | None = None
    """Lighthouse delegation made on every subscription (its scope and provider are filled in here)."""
    revocation_runbook: RevocationRunbookArgs | None = None
    """The customer's revocation runbook (its host subscription, scopes and provider are filled in here)."""
    revocation_host: str | None = None
    """Key in ``subscriptions`` of the subscription that holds the runbook."""
    lighthouse_adoptions: dict[str, LighthouseAdoption] = field(default_factory=dict)
    """Existing Lighthouse delegations by subscription key (``dapctl import``): imported, not created."""


class CustomerTenant(pulumi.ComponentResource):
    """A customer: its ARM provider, CSP subscriptions with their grants, Lighthouse delegations."""

    subscription_ids: pulumi.Output[dict[str, str]]

    def __init__(self, name: str, args: CustomerTenantArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(TYPE, name, None, opts)
        self.delegation = CustomerDelegation(f"{name}-delegation", args.delegation, pulumi.ResourceOptions(parent=self))
        subscriptions: dict[str, CspSubscription] = {}
        if args.subscriptions:
            for key, sub_args in args.subscriptions.items():
                subscriptions[key] = CspSubscription(f"{name}-{key}", sub_args, pulumi.ResourceOptions(parent=self))
            if args.lighthouse is not None:
                # The customer tenant's provider, for what azure-native declares there; the grants are dynamic
                # resources (they name their tenant) and the runbook has a provider pinned to its subscription.
                self.arm = arm_provider(f"{name}-arm", args.tenant_id, parent=self)
                for key, sub in subscriptions.items():
                    LighthouseDelegation(
                        f"{name}-{key}-lighthouse",
                        dataclasses.replace(
                            args.lighthouse,
                            scope=sub.scope,
                            provider=self.arm,
                            adopt=args.lighthouse_adoptions.get(key),
                        ),
                        pulumi.ResourceOptions(parent=self),
                    )
            if args.revocation_runbook is not None and args.revocation_host is not None:
                host = subscriptions[args.revocation_host]
                RevocationRunbook(
                    f"{name}-revocation",
                    dataclasses.replace(
                        args.revocation_runbook,
                        host_subscription_id=host.subscription_id,
                        subscription_ids=[s.subscription_id for s in subscriptions.values()],
                        # Its resource group, storage and Automation account live in the host subscription:
                        # a provider pinned to it (the tenant-wide one has no subscription).
                        provider=arm_provider(
                            f"{name}-revocation-arm", args.tenant_id, subscription_id=host.subscription_id, parent=self
                        ),
                    ),
                    pulumi.ResourceOptions(parent=self),
                )
        self.subscription_ids = pulumi.Output.all(**{k: s.subscription_id for k, s in subscriptions.items()})
        self.register_outputs({"subscriptionIds": self.subscription_ids, "delegation": self.delegation.outputs})
