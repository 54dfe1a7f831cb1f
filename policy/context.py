"""What the guardrails need from the stack config, read the same way inside the pack and offline.

Two decisions depend on intent that only the config states: which customers allow Global
Administrator (``customers[].gdap.allowGlobalAdministrator``) and which subscriptions the partner did
not provision but declares a grant on (``customers[].existingSubscriptions``). The Pulumi CLI hands a
policy pack the stack's config (``PULUMI_CONFIG``, the same values the program reads), dapctl has the
validated :class:`config.schema.StackConfig`; both become one :class:`PolicyContext`.

Fail closed: when the config cannot be seen (an old CLI, a pack run against another project), no
customer allows Global Administrator and no existing subscription is declared, so those grants are
refused with a message that says why. The context is computed from the intent (intent/resolve.py), the
same model the program declares from, so the guardrails and the program cannot read the config apart; a
config the schema refuses gives the unknown context.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from config.errors import ConfigError
from config.namespace import project_keys as strip_namespace  # the one reader of namespaced keys, for the pack too

if TYPE_CHECKING:
    from config.schema import StackConfig
    from intent import StackIntent

__all__ = ["PolicyContext", "strip_namespace"]


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
    def from_intent(cls, intent: StackIntent) -> PolicyContext:
        """From the one desired-state model (what dapctl and the pack both compute from the config)."""
        existing: dict[str, set[str]] = {}
        for customer in intent.customers:
            for sub in customer.existing_subscriptions:
                existing.setdefault(sub.subscription_id, set()).add(sub.grant.role_id)
        return cls(
            config_known=True,
            global_admin_tenants=frozenset(
                c.tenant_id.lower()
                for c in intent.customers
                if c.gdap is not None and c.gdap.allow_global_administrator
            ),
            existing_subscriptions={k: frozenset(v) for k, v in existing.items()},
            partner_group_ids=frozenset(intent.partner.group_ids.values()),
        )

    @classmethod
    def from_raw(cls, raw: Mapping[str, Any] | None) -> PolicyContext:
        """From the project's config keys without their namespace (``partner``, ``customers``).

        Read through the same schema and intent as the program; a config that does not validate gives the
        unknown context (fail closed: the program refuses such a config anyway)."""
        if not raw or ("customers" not in raw and "partner" not in raw):
            return cls.unknown()
        from config.schema import parse_config
        from intent import resolve

        try:
            return cls.from_intent(resolve(parse_config(dict(raw))))
        except ConfigError:
            return cls.unknown()

    @classmethod
    def from_stack_config(cls, config: StackConfig | None) -> PolicyContext:
        """From dapctl's validated config (None: not available, so fail closed)."""
        if config is None:
            return cls.unknown()
        from intent import resolve

        return cls.from_intent(resolve(config))

    @classmethod
    def from_pulumi_runtime(cls) -> PolicyContext:
        """Inside the policy pack: the stack config the CLI passed to the analyzer process."""
        from config.loading import runtime_config_keys

        try:
            raw = strip_namespace(runtime_config_keys(), "stack config")
        except ConfigError:  # a misspelt namespace: the program refuses the stack, the pack fails closed
            return cls.unknown()
        return cls.from_raw(raw)

    def allows_global_admin(self, tenant_id: str) -> bool:
        return tenant_id.lower() in self.global_admin_tenants

    def existing_roles(self, subscription_id: str) -> frozenset[str]:
        return self.existing_subscriptions.get(subscription_id.lower(), frozenset())
