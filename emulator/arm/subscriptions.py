"""Subscriptions and subscription aliases (Microsoft.Resources subscriptions, Microsoft.Subscription aliases).

``GET /subscriptions`` lists what the caller sees (its tenant's, and those its tenant manages through
Lighthouse); ``PUT /providers/Microsoft.Subscription/aliases/{name}`` creates a customer's subscription as a
long-running operation (the CSP reseller's Owner assignment included).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from emulator.arm import authz
from emulator.arm import model as m
from emulator.arm import throttle as t
from emulator.arm.family import ArmFamily
from emulator.arm.routing import (
    NAMESPACE,
    keyset_page,
    method_not_allowed,
    properties_of,
    required_guid,
)
from emulator.core.clock import iso
from emulator.core.state import EmulatorState


class Subscriptions(ArmFamily):
    """The subscription and alias routes, and their seeding."""

    def subscription_json(self, state: EmulatorState, sub: m.Subscription) -> dict[str, Any]:
        store = self._store(state)
        return {
            "id": f"/subscriptions/{sub.id}",
            "authorizationSource": "RoleBased",
            "managedByTenants": [{"tenantId": tid} for tid in store.managed_by_tenants(sub.id)],
            "subscriptionId": sub.id,
            "tenantId": sub.tenant_id,
            "displayName": sub.display_name,
            "state": sub.state,
            "subscriptionPolicies": {
                "locationPlacementId": "Public_2014-09-01",
                "quotaId": sub.quota_id,
                "spendingLimit": "Off",
            },
        }

    def _subscriptions(self, state, request, caller, method, target, body):
        if method != "GET":
            raise method_not_allowed(method, "the subscriptions collection")
        store, now = self._store(state), state.clock.now()
        who = authz.Authorizer(state, caller)
        subs = [
            s
            for s in store.subscriptions.values()
            if s.visible(now)
            and (s.tenant_id == caller.tenant_id or caller.tenant_id in store.managed_by_tenants(s.id))
            and who.sees_subscription(s)
        ]
        indexed = list(enumerate(subs, start=1))
        out = keyset_page(
            request,
            indexed,
            state.settings.arm_page_size,
            lambda pair: pair[0],
            lambda pair: self.subscription_json(state, pair[1]),
        )
        # No "count": SubscriptionListResult (Microsoft.Resources 2022-12-01 subscriptions.json) has value and
        # nextLink only, so the emulator sends nothing more.
        return 200, out, {}

    def _subscription(self, state, request, caller, method, target, body):
        if method != "GET":
            raise method_not_allowed(method, "a subscription (create one with an alias)")
        scope = m.parse_scope(f"/subscriptions/{target.name}")
        now = state.clock.now()
        self._access(state, scope, caller, now)
        sub = self._store(state).subscription(target.name, now)
        if not authz.Authorizer(state, caller).sees_subscription(sub):  # what ARM would list, it also shows
            raise authz.denied(caller, authz.SUBSCRIPTION_READ, scope.text)
        return 200, self.subscription_json(state, sub), {}

    # -- subscription aliases -------------------------------------------------------------------
    def _aliases(self, state, request, caller, method, target, body):
        store, now = self._store(state), state.clock.now()
        partner = state.settings.partner_tenant_id.lower()
        mine = {k: a for k, a in store.aliases.items() if caller.tenant_id == partner}
        if target.name is None:
            if method != "GET":
                raise method_not_allowed(method, "the aliases collection")
            return 200, {"value": [a.to_json(now) for a in mine.values()]}, {}
        key = target.name.lower()
        if method == "GET":
            alias = mine.get(key)
            if alias is None:
                raise m.arm_error(404, "ResourceNotFound", f"The alias '{target.name}' was not found.")
            return 200, alias.to_json(now), self._alias_poll_headers(state, alias, now)
        if method == "DELETE":
            # Alias_Delete documents 200 "Deleted the alias" and 204 "Alias does not exist", neither with a body
            # (subscriptions.json 2021-10-01).
            alias = store.aliases.pop(key, None) if key in mine else None
            return (204 if alias is None else 200), None, {}
        if method != "PUT":
            raise method_not_allowed(method, "an alias")
        if caller.tenant_id != partner:
            raise m.arm_error(
                403,
                "AuthorizationFailed",
                f"The client '{caller.principal}' does not have authorization to perform action "
                "'Microsoft.Subscription/aliases/write' over the billing scope.",
            )
        existing = store.aliases.get(key)
        if existing is not None:
            return 200, existing.to_json(now), self._alias_poll_headers(state, existing, now)
        alias = self.build_alias(state, target.name, body, now)
        store.aliases[key] = alias
        return 201, alias.to_json(now), self._alias_poll_headers(state, alias, now)

    @staticmethod
    def _alias_poll_headers(state: EmulatorState, alias: m.Alias, now: datetime) -> dict[str, str]:
        """While an alias is "Accepted" (a long-running PUT polled on the resource itself, as ARM's async
        guidance describes for 201 + non-terminal provisioningState), say when to read it again: without
        Retry-After, azure-core's ARM poller waits its default 30 s between reads."""
        if alias.state(now) != "Accepted":
            return {}
        return {"Retry-After": t.format_seconds(state.settings.arm_lro_retry_after)}

    def build_alias(self, state: EmulatorState, name: str, body: Any, now: datetime) -> m.Alias:
        store = self._store(state)
        props = properties_of(body)
        billing = props.get("billingScope")
        parts = billing.strip("/").split("/") if isinstance(billing, str) else []
        if [p.lower() for p in parts[:2]] == ["providers", "microsoft.billing"]:
            parts = parts[2:]
        lower = [p.lower() for p in parts]
        # Both documented spellings of a Microsoft Partner Agreement customer: the spec's BillingScope
        # ("For PartnerLed - /billingAccounts/{billingAccountName}/customers/{customerName}",
        # Azure/azure-rest-api-specs specification/subscription/.../stable/2021-10-01/subscriptions.json) and the
        # customer's full id the MPA how-to passes (/providers/Microsoft.Billing/billingAccounts/.../customers/...,
        # learn.microsoft.com/azure/cost-management-billing/manage/
        # programmatically-create-subscription-microsoft-partner-agreement).
        if len(parts) != 4 or lower[0] != "billingaccounts" or lower[2] != "customers":
            raise m.bad(
                "InvalidBillingScope",
                "properties.billingScope must be /billingAccounts/{account}/customers/{customerId} "
                "(optionally prefixed with /providers/Microsoft.Billing).",
            )
        customer = lower[3]
        pc = state.stores.get("partner_center")
        known = set(getattr(pc, "customers", {})) | set(store.tenants)
        if customer not in known:
            raise m.arm_error(
                404, "BillingScopeNotFound", f"The customer '{parts[3]}' was not found on billing account '{parts[1]}'."
            )
        display = props.get("displayName")
        if not isinstance(display, str) or not display.strip():
            raise m.bad("InvalidRequestContent", "properties.displayName is required.")
        workload = props.get("workload", "Production")
        if workload not in ("Production", "DevTest"):
            raise m.bad("InvalidRequestContent", "properties.workload must be Production or DevTest.")
        if props.get("subscriptionId"):
            raise m.bad("InvalidRequestContent", "Aliasing an existing subscription is not emulated.")
        sub_id = str(uuid.uuid5(NAMESPACE, f"alias|{name.lower()}"))
        ready = now + timedelta(seconds=state.settings.alias_provisioning_delay)
        alias = m.Alias(
            name=name,
            subscription_id=sub_id,
            billing_scope=billing,
            display_name=display,
            workload=workload,
            reseller_id=props.get("resellerId"),
            customer_tenant_id=customer,
            created=now,
            ready_at=ready,
        )
        store.ensure_tenant(customer)
        store.subscriptions[sub_id] = m.Subscription(
            sub_id,
            customer,
            display,
            quota_id="CSP_2015-05-01" if workload == "Production" else "CSP_MS-AZR-DEVTEST_2015-05-01",
            visible_from=ready,
        )
        # A CSP subscription comes with Owner for the partner's AdminAgents, as a ForeignGroup.
        admin_agents = getattr(pc, "admin_agents_group_id", None)
        if admin_agents:
            scope = m.parse_scope(f"/subscriptions/{sub_id}")
            stamp = iso(ready) or ""
            store.add_assignment(
                m.RoleAssignment(
                    name=str(uuid.uuid5(NAMESPACE, f"csp-owner|{sub_id}")),
                    scope=scope,
                    root=scope.root(customer),
                    role_guid=m.OWNER,
                    principal_id=admin_agents,
                    principal_type="ForeignGroup",
                    created_on=stamp,
                    updated_on=stamp,
                    tenant_id=customer,
                )
            )
        return alias

    def seed_subscriptions(self, state: EmulatorState, entries: list[Any]) -> None:
        """Subscriptions (id, tenant, displayName?, managementGroup?, state?); seed their groups first."""
        store = self._store(state)
        for entry in entries:
            sub_id = required_guid(entry, "id", "subscription")
            tenant = required_guid(entry, "tenant", "subscription")
            store.ensure_tenant(tenant)
            group = entry.get("managementGroup")
            if group and group.lower() not in store.management_groups:
                raise ValueError(f"subscription {sub_id}: unknown management group {group!r}")
            store.subscriptions[sub_id] = m.Subscription(
                sub_id,
                tenant,
                entry.get("displayName", sub_id),
                group.lower() if group else None,
                entry.get("state", "Enabled"),
            )

    def seed_aliases(self, state: EmulatorState, entries: list[Any]) -> None:
        """Aliases that already created their subscription (a `pulumi up` done before the scenario starts)."""
        store = self._store(state)
        for entry in entries:
            # An alias that already created its subscription (a `pulumi up` done before the scenario starts).
            sub = store.subscriptions.get(required_guid(entry, "subscriptionId", "alias"))
            if sub is None:
                raise ValueError(f"alias {entry.get('name')!r}: seed its subscription under subscriptions first")
            now = state.clock.now()
            store.aliases[str(entry["name"]).lower()] = m.Alias(
                name=str(entry["name"]),
                subscription_id=sub.id,
                billing_scope=str(entry.get("billingScope", "")),
                display_name=sub.display_name,
                workload=str(entry.get("workload", "Production")),
                reseller_id=None,
                customer_tenant_id=sub.tenant_id,
                created=now,
                ready_at=now,
            )
