"""The role catalog: built-in Entra directory roles and Azure RBAC roles by name and GUID.

One data file (roles.json) holds the names so config, components, runbooks and policy agree on them.
Microsoft adds roles faster than any catalog follows, so every lookup accepts a raw GUID as well as a name.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources

GUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def is_guid(value: str) -> bool:
    return bool(GUID_RE.fullmatch(value))  # (match would let a trailing newline through)


@cache
def _data() -> dict:
    return json.loads(resources.files(__package__).joinpath("roles.json").read_text(encoding="utf-8"))


def directory_roles() -> dict[str, str]:
    """Entra built-in directory role name -> role template GUID."""
    return dict(_data()["directoryRoles"])


def azure_roles() -> dict[str, str]:
    """Azure RBAC built-in role name -> role definition GUID."""
    return dict(_data()["azureRoles"])


def gdap_default_roles() -> list[str]:
    """Names of the least-privilege relationship roles used when a customer's config names none."""
    return list(_data()["gdapDefaults"]["relationship"])


def gdap_default_access() -> dict[str, list[str]]:
    """Partner group key -> role names, the default access assignments for the default roles."""
    return {k: list(v) for k, v in _data()["gdapDefaults"]["access"].items()}


def _resolve(value: str, table: dict[str, str], kind: str) -> str:
    if is_guid(value):
        return value.lower()
    folded = {name.casefold(): guid for name, guid in table.items()}
    guid = folded.get(value.strip().casefold())
    if guid is None:
        raise ValueError(
            f"unknown {kind} {value!r}: use a name from catalog/roles.json "
            f"(for example {next(iter(table))!r}) or the role's GUID"
        )
    return guid


def directory_role_id(value: str) -> str:
    """Role template GUID for a directory role name or GUID (ValueError names the fix)."""
    return _resolve(value, directory_roles(), "directory role")


def azure_role_id(value: str) -> str:
    """Role definition GUID for an Azure RBAC role name or GUID (ValueError names the fix)."""
    return _resolve(value, azure_roles(), "Azure role")


def _name_of(guid: str, table: dict[str, str]) -> str:
    for name, known in table.items():
        if known == guid.lower():
            return name
    return guid


def directory_role_name(guid: str) -> str:
    """Display name of a directory role GUID, or the GUID itself when the catalog does not know it."""
    return _name_of(guid, directory_roles())


def azure_role_name(guid: str) -> str:
    """Display name of an Azure role GUID, or the GUID itself when the catalog does not know it."""
    return _name_of(guid, azure_roles())


GLOBAL_ADMINISTRATOR = "62e90394-69f5-4237-9190-012177145e10"
OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
USER_ACCESS_ADMINISTRATOR = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"
DELEGATION_DELETE_ROLE = "91c1777a-f3dc-4fae-b103-61d183457e46"
"""Managed Services Registration assignment Delete Role: lets the managing tenant remove its own Lighthouse delegation
(learn.microsoft.com/azure/lighthouse/how-to/remove-delegation)."""
