"""What every ARM resource family stands on: the ARM store, the tenant check of a token, read-only subscriptions.

Each family (``subscriptions``, ``management_groups``, ``role_assignments``, ``lighthouse``) is a mixin of
``ArmService`` built on ``ArmFamily``; the service assembles them behind one front door (``emulator.arm.service``).
"""

from __future__ import annotations

from datetime import datetime

from emulator.arm import model as m
from emulator.core.errors import ServiceError
from emulator.core.identity import Caller
from emulator.core.state import EmulatorState


class ArmFamily:
    """The ARM store and the checks every family runs before it reads or writes."""

    @staticmethod
    def _store(state: EmulatorState) -> m.ArmStore:
        return state.stores["arm"]

    # -- access ---------------------------------------------------------------------------
    def _access(self, state: EmulatorState, scope: m.Scope, caller: Caller, now: datetime) -> str:
        """The scope's tenant, when the caller's token may touch it (404 / 401 otherwise)."""
        store = self._store(state)
        tenant = store.scope_tenant(scope, caller.tenant_id, now)
        if tenant == caller.tenant_id:
            return tenant
        if scope.subscription_id and caller.tenant_id in store.managed_by_tenants(scope.subscription_id):
            return tenant
        raise ServiceError(
            401,
            f"The access token is from the wrong issuer 'https://sts.windows.net/{caller.tenant_id}/'. It must "
            f"match the tenant 'https://sts.windows.net/{tenant}/' associated with this "
            f"{'subscription' if scope.subscription_id else 'scope'}. Please use the authority (URL) "
            f"'https://login.windows.net/{tenant}' to get the token.",
            "InvalidAuthenticationTokenTenant",
        )

    def _writable(self, state: EmulatorState, scope: m.Scope, now: datetime) -> None:
        """409 ``ReadOnlyDisabledSubscription`` for a write in a subscription that is not Enabled."""
        if not scope.subscription_id:
            return
        sub = self._store(state).subscription(scope.subscription_id, now)
        if sub.state.lower() != "enabled":
            raise m.arm_error(
                409,
                "ReadOnlyDisabledSubscription",
                f"The subscription '{sub.id}' is disabled and therefore marked as read only. You cannot perform "
                "any write actions on this subscription until it is re-enabled.",
            )
