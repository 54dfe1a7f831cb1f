"""Explicit per-tenant providers: every resource names the tenant it lives in.

Default providers are disabled in Pulumi.yaml, so a resource declared without one of these fails
instead of landing in whatever tenant the operator's credentials happen to point at.
"""

from __future__ import annotations

import pulumi
import pulumi_azuread as azuread
from pulumi_azure_native.provider import Provider as ArmProvider


def entra_provider(name: str, tenant_id: str, parent: pulumi.Resource | None = None) -> azuread.Provider:
    """An azuread provider pinned to one tenant (the partner's, for its security groups)."""
    return azuread.Provider(name, tenant_id=tenant_id, opts=pulumi.ResourceOptions(parent=parent))


def arm_provider(
    name: str,
    tenant_id: str,
    subscription_id: pulumi.Input[str] | None = None,
    parent: pulumi.Resource | None = None,
) -> ArmProvider:
    """An azure-native provider pinned to one tenant (and, for resources created in a subscription, to it).

    The partner's credentials reach a customer tenant through AdminAgents / GDAP; the token must be
    issued by the customer's tenant, hence one provider per customer tenant. Resources that live in a
    subscription (a resource group and what is in it) take it from the provider alone: without
    ``subscription_id`` they would land wherever ``ARM_SUBSCRIPTION_ID`` points.
    """
    return ArmProvider(
        name, tenant_id=tenant_id, subscription_id=subscription_id, opts=pulumi.ResourceOptions(parent=parent)
    )
