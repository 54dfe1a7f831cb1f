"""Deterministic Azure names, so a re-run or a replacement finds the same object instead of a twin."""

from __future__ import annotations

import uuid

# A fixed namespace for this project's uuid5 names; changing it would rename every assignment.
_NAMESPACE = uuid.UUID("6f1c3f0e-3f5a-5d0b-9a53-7c3c2c4b8d11")


def deterministic_guid(*parts: str) -> str:
    """uuid5 of the parts (case-folded): the same scope, role and principal always give the same name.

    Azure allows one assignment per principal+role+scope; a random name would make a replacement
    collide with its predecessor (409 RoleAssignmentExists).
    """
    return str(uuid.uuid5(_NAMESPACE, "|".join(p.lower() for p in parts)))


def subscription_scope(subscription_id: str) -> str:
    return f"/subscriptions/{subscription_id}"


def role_definition_id(scope: str, role_guid: str) -> str:
    """The full roleDefinitionId ARM expects in a role assignment at ``scope``."""
    return f"{scope}/providers/Microsoft.Authorization/roleDefinitions/{role_guid}"
