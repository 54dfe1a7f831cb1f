"""``resolve(StackConfig) -> StackIntent``: the one place where the config's defaults and names become decisions.

Every default (the least-privilege roles and access, the relationship's display name, its duration and
auto-extend value, the billing account fallback, the Lighthouse offer name, the runbook's host subscription)
is applied here, and roles become GUIDs here, so the program, audit, drift, policy and the demo agree.
"""

from __future__ import annotations

import catalog
from azure_http.gdap import AUTO_EXTEND_180_DAYS, NEVER_AUTO_EXTEND
from config.schema import ADMIN_AGENTS, Customer, Partner, StackConfig, duration_days

from .model import (
    AccessIntent,
    AutopilotProfileIntent,
    AutopilotSwitches,
    CustomerIntent,
    ExistingSubscriptionIntent,
    GdapIntent,
    Lifecycle,
    LighthouseIntent,
    ManagedGroup,
    NewSubscriptionIntent,
    PartnerIntent,
    RoleGrant,
    RunbookIntent,
    StackIntent,
)


def resolve(cfg: StackConfig) -> StackIntent:
    partner = resolve_partner(cfg.partner)
    return StackIntent(partner=partner, customers=tuple(resolve_customer(c, cfg.partner) for c in cfg.customers))


def resolve_partner(partner: Partner) -> PartnerIntent:
    managed: tuple[ManagedGroup, ...] | None = None
    ids: dict[str, str] = {}
    unresolved: list[str] = []
    stack = None
    if partner.groups is not None:
        managed = tuple(
            ManagedGroup(
                key=key,
                display_name=spec.display_name,
                create=spec.mode == "create",
                object_id=spec.object_id,
                description=spec.description,
                members=tuple(spec.members),
            )
            for key, spec in partner.groups.items()
        )
        for group in managed:
            if group.object_id:
                ids[group.key] = group.object_id.lower()
            else:
                unresolved.append(group.key)
    elif partner.groups_from is not None and partner.groups_from.object_ids is not None:
        ids = {k: v.lower() for k, v in partner.groups_from.object_ids.items()}
    elif partner.groups_from is not None:
        stack = partner.groups_from.stack
    rules = partner.autopilot
    return PartnerIntent(
        tenant_id=partner.tenant_id,
        partner_id=partner.partner_id,
        display_name=partner.display_name,
        managed_groups=managed,
        groups_stack=stack,
        group_ids=ids,
        unresolved_groups=tuple(sorted(unresolved)),
        autopilot=AutopilotSwitches(
            require_delegated_admin_for_profiles=rules.require_delegated_admin_for_profiles,
            require_delegated_admin_to_remove_others_devices=rules.require_delegated_admin_to_remove_others_devices,
            require_gdap_for_device_management=rules.require_gdap_for_device_management,
        ),
        billing_account=partner.billing_account,
    )


def mpa_billing_scope(billing_account: str, billing_customer_id: str) -> str:
    """The Microsoft Partner Agreement billing scope a CSP subscription is created under."""
    return f"/providers/Microsoft.Billing/billingAccounts/{billing_account}/customers/{billing_customer_id}"


def _role_ids(names: list[str], lookup) -> tuple[str, ...]:
    return tuple(sorted({lookup(n) for n in names}))


def _gdap(customer: Customer) -> GdapIntent:
    settings = customer.gdap_settings
    return GdapIntent(
        display_name=customer.gdap_display_name(),
        role_ids=_role_ids(settings.roles, catalog.directory_role_id),
        duration=f"P{duration_days(settings.duration)}D",
        auto_extend_duration=AUTO_EXTEND_180_DAYS if settings.auto_extend else NEVER_AUTO_EXTEND,
        protect=settings.protect,
        allow_global_administrator=settings.allow_global_administrator,
        access=tuple(
            AccessIntent(a.group, _role_ids(a.roles, catalog.directory_role_id), a.adopt_assignment_id)
            for a in customer.gdap_access()
        ),
        adopt_id=settings.adopt_relationship_id,
    )


def resolve_customer(customer: Customer, partner: Partner) -> CustomerIntent:
    new = tuple(
        NewSubscriptionIntent(
            alias=sub.alias,
            display_name=sub.display_name,
            # config validation guarantees one of the two billing accounts
            billing_scope=mpa_billing_scope(
                sub.billing_account or partner.billing_account or "", sub.billing_customer_id or customer.tenant_id
            ),
            workload=sub.workload,
            reseller_id=sub.reseller_id,
            grant=RoleGrant(catalog.OWNER, ADMIN_AGENTS),
        )
        for sub in customer.subscriptions
    )
    existing = tuple(
        ExistingSubscriptionIntent(
            subscription_id=sub.subscription_id.lower(),
            display_name=sub.display_name,
            grant=RoleGrant(catalog.azure_role_id(sub.role), sub.group),
            adopt_grant=sub.adopt_role_assignment,
            adopt_lighthouse=(
                (sub.adopt_lighthouse.registration_definition_id, sub.adopt_lighthouse.registration_assignment_id)
                if sub.adopt_lighthouse is not None
                else None
            ),
        )
        for sub in customer.existing_subscriptions
    )
    lighthouse = None
    if customer.lighthouse.enabled and (new or existing):
        declared = tuple(catalog.azure_role_id(r) for r in customer.lighthouse.roles)
        lighthouse = LighthouseIntent(
            group=customer.lighthouse.group,
            role_ids=declared + tuple(r for r in (catalog.DELEGATION_DELETE_ROLE,) if r not in declared),
            offer_name=f"{partner.display_name} managed services",
            managed_by_tenant_id=partner.tenant_id,
            declared_role_ids=declared,
        )
    runbook = None
    keys = [s.alias for s in new] + [s.subscription_id for s in customer.existing_subscriptions]
    if customer.revocation_runbook.enabled and keys:
        chosen = (customer.revocation_runbook.subscription or keys[0]).lower()
        runbook = RunbookIntent(
            host=next(k for k in keys if k.lower() == chosen),
            resource_group=customer.revocation_runbook.resource_group,
            location=customer.revocation_runbook.location,
        )
    return CustomerIntent(
        name=customer.name,
        display_name=customer.display_name,
        tenant_id=customer.tenant_id,
        default_domain=customer.default_domain,
        lifecycle=Lifecycle(customer.lifecycle),
        delegation=customer.delegation,
        legacy_dap=customer.legacy_dap,
        gdap=_gdap(customer) if customer.delegation == "gdap" else None,
        new_subscriptions=new,
        existing_subscriptions=existing,
        lighthouse=lighthouse,
        runbook=runbook,
        autopilot_profiles=tuple(
            AutopilotProfileIntent(p.name, tuple(p.settings), p.description) for p in customer.autopilot.profiles
        ),
    )
