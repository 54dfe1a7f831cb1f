"""Management groups: seeded from a scenario (``arm.management_groups``) and dumped; scopes of role assignments.

The emulator serves no management group routes of its own: a group is a scope (``/providers/
Microsoft.Management/managementGroups/{name}``) role assignments sit at, and the parent of subscriptions.
"""

from __future__ import annotations

from typing import Any

from emulator.arm import model as m
from emulator.arm.family import ArmFamily
from emulator.arm.routing import (
    required_guid,
)
from emulator.core.state import EmulatorState


class ManagementGroups(ArmFamily):
    """Seeding and dumping management groups."""

    def seed_management_groups(self, state: EmulatorState, entries: list[Any]) -> None:
        """Management groups (name, tenant, displayName?, parent?); one name belongs to one tenant."""
        store = self._store(state)
        for entry in entries:
            name = entry.get("name")
            if not isinstance(name, str) or not name:
                raise ValueError(f"management group without a name: {entry}")
            tenant = required_guid(entry, "tenant", "management group")
            store.ensure_tenant(tenant)
            parent = entry.get("parent")
            known = store.management_groups.get(name.lower())
            if known is not None and known.tenant_id != tenant:
                # Azure keys management groups per tenant; the emulator by name: refuse rather than overwrite.
                raise ValueError(f"management group {name!r} already belongs to tenant {known.tenant_id}")
            store.management_groups[name.lower()] = m.ManagementGroup(
                name.lower(), entry.get("displayName", name), tenant, parent.lower() if parent else None, name
            )

    @staticmethod
    def management_groups_json(store: m.ArmStore) -> list[dict[str, Any]]:
        """The dump's ``management_groups``: as a scenario declares them."""
        return [
            {
                "name": g.original_name or g.name,
                "displayName": g.display_name,
                "tenant": g.tenant_id,
                "parent": g.parent,
            }
            for g in store.management_groups.values()
        ]
