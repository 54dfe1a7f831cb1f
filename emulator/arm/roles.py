"""Built-in Azure role definitions as ARM returns them, and the role definition ``$filter``.

``GET {scope}/providers/Microsoft.Authorization/roleDefinitions`` answers each role with its real
description and permissions (a client deciding what a role allows reads ``actions`` / ``notActions``),
and honours the filters clients send: ``roleName eq '{name}'`` (how ``az role definition list --name``
and SDK users find a role's GUID), ``type eq 'BuiltInRole'`` / ``'CustomRole'`` and ``atScopeAndBelow()``
(the one the SDK's docstring names).

Sources: learn.microsoft.com/azure/role-based-access-control/built-in-roles/general and
.../built-in-roles/privileged (Owner, Contributor, Reader, User Access Administrator), the same
catalogue's "Management and governance" and "Other" pages for Support Request Contributor and the
Managed Services Registration assignment Delete Role.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from emulator.arm.model import BUILTIN_ROLE_NAMES, ROLE_DEFINITIONS_PATH, bad

ROLE_DEFINITION_TYPE = "Microsoft.Authorization/roleDefinitions"
SUPPORTED_FILTERS = "roleName eq '{name}', type eq 'BuiltInRole' | 'CustomRole', atScopeAndBelow()"


@dataclass(frozen=True)
class BuiltInRole:
    description: str
    actions: tuple[str, ...]
    not_actions: tuple[str, ...] = field(default=())


#: GUID -> definition, for every role in ``arm_model.BUILTIN_ROLE_NAMES``.
BUILTIN_ROLES: dict[str, BuiltInRole] = {
    "8e3af657-a8ff-443c-a75c-2fe8c4bcb635": BuiltInRole(
        "Grants full access to manage all resources, including the ability to assign roles in Azure RBAC.",
        ("*",),
    ),
    "b24988ac-6180-42a0-ab88-20f7382dd24c": BuiltInRole(
        "Grants full access to manage all resources, but does not allow you to assign roles in Azure RBAC, "
        "manage assignments in Azure Blueprints, or share image galleries.",
        ("*",),
        (
            "Microsoft.Authorization/*/Delete",
            "Microsoft.Authorization/*/Write",
            "Microsoft.Authorization/elevateAccess/Action",
            "Microsoft.Blueprint/blueprintAssignments/write",
            "Microsoft.Blueprint/blueprintAssignments/delete",
            "Microsoft.Compute/galleries/share/action",
            "Microsoft.Purview/consents/write",
            "Microsoft.Purview/consents/delete",
            "Microsoft.Resources/deploymentStacks/manageDenySetting/action",
            "Microsoft.Subscription/cancel/action",
            "Microsoft.Subscription/enable/action",
        ),
    ),
    "acdd72a7-3385-48ef-bd42-f606fba81ae7": BuiltInRole(
        "View all resources, but does not allow you to make any changes.", ("*/read",)
    ),
    "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9": BuiltInRole(
        "Lets you manage user access to Azure resources.",
        ("*/read", "Microsoft.Authorization/*", "Microsoft.Support/*"),
    ),
    "cfd33db0-3dd1-45e3-aa9d-cdbdf3b6f24e": BuiltInRole(
        "Lets you create and manage Support requests",
        (
            "Microsoft.Authorization/*/read",
            "Microsoft.Resources/subscriptions/resourceGroups/read",
            "Microsoft.Support/*",
        ),
    ),
    "91c1777a-f3dc-4fae-b103-61d183457e46": BuiltInRole(
        "Managed Services Registration Assignment Delete Role allows the managing tenant users to delete the "
        "registration assignment assigned to their tenant.",
        (
            "Microsoft.ManagedServices/registrationAssignments/read",
            "Microsoft.ManagedServices/registrationAssignments/delete",
            "Microsoft.ManagedServices/operationStatuses/read",
        ),
    ),
}


def role_definition_json(guid: str, subscription_id: str | None) -> dict[str, Any]:
    """A role definition as ARM shows it (ids under the subscription when asked at a subscription scope).

    Custom roles are known by GUID only (``arm.role_definitions`` in a scenario): their name is the GUID
    and their permissions are not modelled.
    """
    prefix = f"/subscriptions/{subscription_id}" if subscription_id else ""
    builtin = BUILTIN_ROLES.get(guid)
    permissions = []
    if builtin is not None:
        permissions = [
            {
                "actions": list(builtin.actions),
                "notActions": list(builtin.not_actions),
                "dataActions": [],
                "notDataActions": [],
            }
        ]
    return {
        "id": f"{prefix}{ROLE_DEFINITIONS_PATH}/{guid}",
        "type": ROLE_DEFINITION_TYPE,
        "name": guid,
        "properties": {
            "roleName": BUILTIN_ROLE_NAMES.get(guid, guid),
            "type": "BuiltInRole" if builtin is not None else "CustomRole",
            "description": builtin.description if builtin is not None else None,
            "assignableScopes": ["/"],
            "permissions": permissions,
            # No createdOn/updatedOn/createdBy/updatedBy: RoleDefinitionProperties of 2022-04-01
            # (authorization-RoleDefinitionsCalls.json) has none of them (2022-05-01-preview added them).
        },
    }


_CLAUSE = re.compile(r"(roleName|type)\s+eq\s+'((?:[^']|'')*)'", re.IGNORECASE)


def role_definition_filter(text: str | None) -> dict[str, str]:
    """{'rolename': ..., 'type': ...} from a role definition ``$filter`` (values lower-cased); 400 otherwise."""
    if not text or not text.strip():
        return {}
    wanted: dict[str, str] = {}
    for clause in re.split(r"\s+and\s+", text.strip(), flags=re.IGNORECASE):
        if clause.strip().lower() == "atscopeandbelow()":
            # also roles defined below the scope: every role here is assignable at "/", so none is hidden
            continue
        match = _CLAUSE.fullmatch(clause.strip())
        if not match:
            raise bad(
                "UnsupportedQueryFilter",
                f"The $filter clause '{clause.strip()}' is not supported; use {SUPPORTED_FILTERS}.",
            )
        wanted[match.group(1).lower()] = match.group(2).replace("''", "'").lower()
    return wanted


def matches(definition: dict[str, Any], wanted: dict[str, str]) -> bool:
    props = definition["properties"]
    if "rolename" in wanted and props["roleName"].lower() != wanted["rolename"]:
        return False
    return "type" not in wanted or props["type"].lower() == wanted["type"]
