"""What the guardrails need from the stack config, read the same way inside the pack and offline.

Two decisions depend on intent that only the config states: which customers allow Global
Administrator (``customers[].gdap.allowGlobalAdministrator``) and which subscriptions the partner did
not provision but declares a grant on (``customers[].existingSubscriptions``). The Pulumi CLI hands a
policy pack the stack's config (``PULUMI_CONFIG``, the same values the program reads), dapctl has the
validated :class:`config.schema.StackConfig`; both become one :class:`PolicyContext`.

Fail closed: when the config cannot be seen (an old CLI, a pack run against another project), no
customer allows Global Administrator and no existing subscription is declared, so those grants are
refused with a message that says why. This module reads raw config on purpose: the pack's own
virtualenv has no pydantic, and a guardrail must not trust the validation it double-checks.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import catalog

if TYPE_CHECKING:
    from config.schema import StackConfig

NAMESPACE = "csp-delegation"
DEFAULT_EXISTING_ROLE = "Owner"
"""The role ``existingSubscriptions`` grants when an entry names none (config/schema.py)."""


@dataclass(frozen=True)
class PolicyContext:
    config_known: bool
    global_admin_tenants: frozenset[str] = frozenset()
    """Customer tenant ids (lowercase) whose config sets gdap.allowGlobalAdministrator: true."""
    existing_subscriptions: Mapping[str, frozenset[str]] = field(default_factory=dict)
    """Subscription id (lowercase) -> Azure role GUIDs the config grants on it as an existing subscription."""
    partner_group_ids: frozenset[str] = frozenset()
    """Object ids (lowercase) of the partner's groups that the config names (adopted by id, groupsFrom.objectIds)."""

    @classmethod
    def unknown(cls) -> PolicyContext:
        """No config in sight: every decision that needs the config's explicit consent is refused."""
        return cls(config_known=False)

    @classmethod
    def from_raw(cls, raw: Mapping[str, Any] | None) -> PolicyContext:
        """From the project's config keys without their namespace (``partner``, ``customers``)."""
        if not raw or ("customers" not in raw and "partner" not in raw):
            return cls.unknown()
        customers = raw.get("customers") or []
        if not isinstance(customers, list):
            return cls.unknown()
        allowed: set[str] = set()
        existing: dict[str, set[str]] = {}
        for customer in customers:
            if not isinstance(customer, Mapping):
                continue
            gdap = customer.get("gdap") or {}
            tenant = str(customer.get("tenantId", "")).lower()
            if tenant and isinstance(gdap, Mapping) and gdap.get("allowGlobalAdministrator") is True:
                allowed.add(tenant)
            for sub in customer.get("existingSubscriptions") or []:
                if not isinstance(sub, Mapping) or not sub.get("subscriptionId"):
                    continue
                role = _azure_role(sub.get("role") or DEFAULT_EXISTING_ROLE)
                if role is not None:
                    existing.setdefault(str(sub["subscriptionId"]).lower(), set()).add(role)
        return cls(
            config_known=True,
            global_admin_tenants=frozenset(allowed),
            existing_subscriptions={k: frozenset(v) for k, v in existing.items()},
            partner_group_ids=_partner_group_ids(raw.get("partner")),
        )

    @classmethod
    def from_stack_config(cls, config: StackConfig | None) -> PolicyContext:
        """From dapctl's validated config (None: not available, so fail closed)."""
        if config is None:
            return cls.unknown()
        return cls.from_raw(config.model_dump(by_alias=True, mode="json"))

    @classmethod
    def from_pulumi_runtime(cls) -> PolicyContext:
        """Inside the policy pack: the stack config the CLI passed to the analyzer process."""
        from pulumi.runtime import config as runtime_config

        flat = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
        return cls.from_raw(strip_namespace(flat))

    def allows_global_admin(self, tenant_id: str) -> bool:
        return tenant_id.lower() in self.global_admin_tenants

    def existing_roles(self, subscription_id: str) -> frozenset[str]:
        return self.existing_subscriptions.get(subscription_id.lower(), frozenset())


def strip_namespace(flat: Mapping[str, Any]) -> dict[str, Any]:
    """``csp-delegation:customers`` -> ``customers``; JSON text (how the engine passes objects) parsed."""
    raw: dict[str, Any] = {}
    for key, value in flat.items():
        namespace, _, name = key.partition(":")
        if namespace != NAMESPACE or not name:
            continue
        if isinstance(value, str):
            with contextlib.suppress(json.JSONDecodeError):
                value = json.loads(value)
        raw[name] = value
    return raw


def _partner_group_ids(partner: Any) -> frozenset[str]:
    if not isinstance(partner, Mapping):
        return frozenset()
    ids: set[str] = set()
    groups = partner.get("groups")
    if isinstance(groups, Mapping):
        ids.update(str(g["objectId"]).lower() for g in groups.values() if isinstance(g, Mapping) and g.get("objectId"))
    source = partner.get("groupsFrom")
    if isinstance(source, Mapping) and isinstance(source.get("objectIds"), Mapping):
        ids.update(str(v).lower() for v in source["objectIds"].values() if v)
    return frozenset(ids)


def _azure_role(value: Any) -> str | None:
    try:
        return catalog.azure_role_id(str(value))
    except ValueError:
        return None
