"""Role assignments and role definitions (Microsoft.Authorization), and the directory's principals they name.

Role assignments at any scope (root, management group, subscription, resource group, resource) with
``$filter`` ``atScope()`` / ``principalId eq`` and keyset paging; built-in role definitions and a scenario's
custom roles; the principals (users, groups, service principals) assignments are checked against.
"""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import Any

from emulator.arm import authz, roles
from emulator.arm import model as m
from emulator.arm.family import ArmFamily
from emulator.arm.routing import (
    NAMESPACE,
    keyset_page,
    method_not_allowed,
    properties_of,
    required_guid,
)
from emulator.core.clock import iso
from emulator.core.errors import ServiceError
from emulator.core.state import EmulatorState

_SUPPORTED_FILTER = "atScope(), principalId eq '{id}', or both joined by 'and'"


def parse_role_assignment_filter(text: str | None) -> tuple[bool, str | None]:
    """(atScope, principalId) from a role assignment ``$filter``; 400 for anything else."""
    if not text or not text.strip():
        return False, None
    at_scope, principal = False, None
    for clause in re.split(r"\s+and\s+", text.strip(), flags=re.IGNORECASE):
        clause = clause.strip()
        if clause.lower() == "atscope()":
            at_scope = True
            continue
        match = re.fullmatch(r"principalId\s+eq\s+'([^']*)'", clause, flags=re.IGNORECASE)
        if match and m.is_guid(match.group(1)):
            principal = match.group(1).lower()
            continue
        raise m.bad(
            "UnsupportedQueryFilter",
            f"The $filter clause '{clause}' is not supported; use {_SUPPORTED_FILTER}.",
        )
    return at_scope, principal


class RoleAssignments(ArmFamily):
    """The role assignment and definition routes, the principals, and their seeding."""

    def lookup_principal(self, state: EmulatorState, principal_id: str) -> m.Principal | None:
        found = self._store(state).principals.get(principal_id)
        if found is not None:
            return found
        pc = state.stores.get("partner_center")
        groups = pc.agent_groups() if pc is not None else {}
        for name, group_id in groups.items():
            if group_id == principal_id:
                return m.Principal(group_id, "Group", state.settings.partner_tenant_id.lower(), name)
        return None

    def _role_assignments(self, state, request, caller, method, target, body):
        store, now = self._store(state), state.clock.now()
        scope = m.parse_scope(target.scope_text or "/")
        tenant = self._access(state, scope, caller, now)
        who = authz.Authorizer(state, caller)
        if target.name is None:
            if method != "GET":
                raise method_not_allowed(method, "the role assignments collection")
            at_scope, principal = parse_role_assignment_filter(request.query_params.get("$filter"))
            who.require(scope, tenant, authz.RA_READ)
            lag = state.settings.arm_list_delay
            deleted_after = now - timedelta(seconds=lag) if lag > 0 else None
            items = store.assignments_for(
                scope, tenant, above=True, below=not at_scope, deleted_after=deleted_after, principal=principal
            )
            page = keyset_page(
                request, items, state.settings.arm_page_size, lambda ra: ra.seq, m.RoleAssignment.to_json
            )
            return 200, page, {}
        name = target.name
        id_key = (
            f"{'' if scope.key == '/' else scope.key}/providers/microsoft.authorization/roleassignments/{name.lower()}"
        )
        key = m.assignment_key(id_key, scope, tenant)
        if method == "GET":
            who.require(scope, tenant, authz.RA_READ)
            ra = store.assignments.get(key)
            if ra is None:
                raise m.arm_error(404, "RoleAssignmentNotFound", f"The role assignment '{name}' is not found.")
            return 200, ra.to_json(), {}
        if method == "DELETE":
            who.require(scope, tenant, authz.RA_DELETE)
            self._writable(state, scope, now)
            ra = store.remove_assignment(key, now)
            return (204, None, {}) if ra is None else (200, ra.to_json(), {})
        if method != "PUT":
            raise method_not_allowed(method, "a role assignment")
        who.require(scope, tenant, authz.RA_WRITE)
        self._writable(state, scope, now)
        return self._put_role_assignment(state, caller, scope, tenant, name, body, now)

    def _put_role_assignment(self, state, caller, scope, tenant, name, body, now):
        store = self._store(state)
        if not m.is_guid(name):
            raise m.bad(
                "InvalidRoleAssignmentId",
                f"The role assignment ID '{name}' is not valid. The role assignment ID must be a GUID.",
            )
        props = properties_of(body)
        principal_id = props.get("principalId")
        if not m.is_guid(principal_id):
            raise m.bad("InvalidPrincipalId", f"The principal ID '{principal_id}' is not valid: it must be a GUID.")
        principal_id = principal_id.lower()
        role = store.role_guid(props.get("roleDefinitionId", ""))
        given_type = props.get("principalType")
        if given_type is not None and given_type not in m.PRINCIPAL_KINDS:
            raise m.bad(
                "InvalidPrincipalType",
                f"The principalType '{given_type}' is not valid; use one of {', '.join(m.PRINCIPAL_KINDS)}.",
            )
        principal = self.lookup_principal(state, principal_id)
        if principal is None:
            raise m.bad(
                "PrincipalNotFound",
                f"Principal {principal_id.replace('-', '')} does not exist in the directory {tenant}. Check that "
                "you have the correct principal ID. If you are creating this principal and then immediately "
                "assigning a role, this error might be related to a replication delay. In this case, set the "
                "role assignment principalType property to a value, such as ServicePrincipal, User, or Group. "
                "See https://aka.ms/docs-principaltype",
            )
        actual = principal.type_in(tenant)
        if given_type is not None and given_type != actual:
            raise m.bad(
                "UnmatchedPrincipalType",
                f"The PrincipalId '{principal_id.replace('-', '')}' has type '{actual}' , which is different "
                f"from specified PrincipalType '{given_type}'.",
            )
        wanted = (scope.key, role, principal_id)
        id_key = (
            f"{'' if scope.key == '/' else scope.key}/providers/microsoft.authorization/roleassignments/{name.lower()}"
        )
        existing = store.assignments.get(m.assignment_key(id_key, scope, tenant))
        if existing is not None:
            if (existing.scope.key, existing.role_guid, existing.principal_id) == wanted:
                return 200, existing.to_json(), {}
            raise m.bad(
                "RoleAssignmentUpdateNotPermitted",
                "Tenant ID, application ID, principal ID, and scope are not allowed to be updated.",
            )
        duplicate = store.duplicate_of(scope, role, principal_id, tenant)
        if duplicate is not None:
            raise m.arm_error(
                409, "RoleAssignmentExists", f"The role assignment already exists. (existing: {duplicate.name})"
            )
        stamp = iso(now) or ""
        ra = m.RoleAssignment(
            name=name.lower(),
            scope=scope,
            root=scope.root(tenant),
            role_guid=role,
            principal_id=principal_id,
            principal_type=actual,
            created_on=stamp,
            updated_on=stamp,
            created_by=caller.principal if m.is_guid(caller.principal) else None,
            description=props.get("description"),
            tenant_id=tenant,
        )
        store.add_assignment(ra)
        return 201, ra.to_json(), {}

    def _role_definitions(self, state, request, caller, method, target, body):
        if method != "GET":
            raise method_not_allowed(method, "role definitions (the emulator knows built-in roles only)")
        store = self._store(state)
        scope = m.parse_scope(target.scope_text or "/")
        tenant = self._access(state, scope, caller, state.clock.now())
        authz.Authorizer(state, caller).require(scope, tenant, authz.RD_READ)
        known = [*m.BUILTIN_ROLE_NAMES, *sorted(store.custom_roles)]
        if target.name is None:
            wanted = roles.role_definition_filter(request.query_params.get("$filter"))
            found = [roles.role_definition_json(g, scope.subscription_id) for g in known]
            return 200, {"value": [d for d in found if roles.matches(d, wanted)]}, {}
        if target.name.lower() not in known:
            raise m.arm_error(404, "RoleDefinitionDoesNotExist", f"The role definition '{target.name}' does not exist.")
        return 200, roles.role_definition_json(target.name.lower(), scope.subscription_id), {}

    def seed_principals(self, state: EmulatorState, entries: list[Any]) -> None:
        """Principals (id, kind, tenant, displayName?)."""
        store = self._store(state)
        for entry in entries:
            kind = entry.get("kind")
            if kind not in m.PRINCIPAL_KINDS:
                raise ValueError(f"principal kind must be one of {m.PRINCIPAL_KINDS}: {entry}")
            pid = required_guid(entry, "id", "principal")
            store.principals[pid] = m.Principal(
                pid, kind, required_guid(entry, "tenant", "principal"), entry.get("displayName", "")
            )

    def seed_role_definitions(self, state: EmulatorState, entries: list[Any]) -> None:
        """Custom roles: a GUID (no permissions) or {id, actions, notActions?}."""
        store = self._store(state)
        for role in entries:
            # A custom role: its GUID (no permissions), or {id, actions: [...], notActions?: [...]}.
            entry = role if isinstance(role, dict) else {"id": role}
            if not m.is_guid(entry.get("id")):
                raise ValueError(f"role_definitions lists custom role GUIDs or {{id, actions}}, not {role!r}")
            guid = entry["id"].lower()
            store.custom_roles.add(guid)
            store.custom_role_actions[guid] = (
                tuple(a.lower() for a in entry.get("actions") or []),
                tuple(a.lower() for a in entry.get("notActions") or []),
            )

    def seed_group_members(self, state: EmulatorState, entries: dict[str, Any]) -> None:
        """Group id -> member ids (what a group's role assignment reaches)."""
        store = self._store(state)
        for group, members in entries.items():
            if not m.is_guid(group) or not isinstance(members, list) or not all(m.is_guid(x) for x in members):
                raise ValueError(f"group_members maps a group id to a list of member ids (GUIDs): {group!r}")
            store.group_members.setdefault(group.lower(), set()).update(x.lower() for x in members)

    def seed_role_assignment(self, state: EmulatorState, entry: dict[str, Any]) -> m.RoleAssignment:
        """Add an assignment as if made out of band (portal, another tool): no throttling, no tenant check.

        Keys: scope, principalId, role (name or GUID) or roleDefinitionId, principalType? (else the
        principal's type in the scope's tenant), name?, createdOn?, description?.
        """
        store = self._store(state)
        try:
            scope = m.parse_scope(entry["scope"])
            principal_id = str(entry["principalId"]).lower()
            role_value = entry.get("role") or entry["roleDefinitionId"]
        except (KeyError, TypeError):
            raise ValueError(f"a role assignment needs scope, principalId and role: {entry}") from None
        role = store.role_guid(role_value, allow_bare=True, allow_name=True)
        if scope.subscription_id:
            sub = store.subscriptions.get(scope.subscription_id)
            if sub is None:
                raise ValueError(f"role assignment at an unknown subscription: {scope.text}")
            tenant = sub.tenant_id
        elif scope.management_group:
            tenant = store.management_group(scope.management_group).tenant_id
        else:
            tenant = required_guid(entry, "tenant", "root-scope role assignment")
        principal_type = entry.get("principalType")
        if principal_type is None:
            principal = self.lookup_principal(state, principal_id)
            if principal is None:
                raise ValueError(f"role assignment for unknown principal {principal_id}: give principalType")
            principal_type = principal.type_in(tenant)
        name = str(entry.get("name") or uuid.uuid5(NAMESPACE, f"{scope.key}|{role}|{principal_id}")).lower()
        duplicate = store.duplicate_of(scope, role, principal_id, tenant)
        if duplicate is not None:
            raise ServiceError(409, f"The role assignment already exists ({duplicate.id}).", "RoleAssignmentExists")
        stamp = entry.get("createdOn") or iso(state.clock.now()) or ""
        ra = m.RoleAssignment(
            name=name,
            scope=scope,
            root=scope.root(tenant),
            role_guid=role,
            principal_id=principal_id,
            principal_type=principal_type,
            created_on=str(stamp),
            updated_on=str(stamp),
            description=entry.get("description"),
            tenant_id=tenant,
        )
        if ra.key in store.assignments:
            raise ServiceError(409, f"A role assignment {ra.id} already exists.", "RoleAssignmentExists")
        return store.add_assignment(ra)
