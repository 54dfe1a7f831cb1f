"""Azure Lighthouse (Microsoft.ManagedServices): registration definitions and registration assignments.

A definition delegates a customer subscription to a managing tenant's principals (``authorizations``,
``eligibleAuthorizations``); an assignment puts it in force, after which the managing tenant's tokens reach
the subscription (``ArmFamily._access``).
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from emulator.arm import authz
from emulator.arm import model as m
from emulator.arm.family import ArmFamily
from emulator.arm.routing import (
    method_not_allowed,
    properties_of,
)
from emulator.core.state import EmulatorState

_MANAGED_BY_EQ = re.compile(r"managedByTenantId\s+eq\s+'([0-9a-fA-F-]{36})'", re.IGNORECASE)
_MANAGED_BY_IN = re.compile(r"managedByTenantId\s+in\s+\(([^)]*)\)", re.IGNORECASE)


def managed_by_filter(text: str | None) -> set[str] | None:
    """The managing tenants a Lighthouse list ``$filter`` keeps (None: no filter); 400 for any other filter."""
    if text is None or not text.strip():
        return None
    text = text.strip()
    if (eq := _MANAGED_BY_EQ.fullmatch(text)) is not None:
        return {eq.group(1).lower()}
    if (within := _MANAGED_BY_IN.fullmatch(text)) is not None:
        tenants = [t.strip().strip("'").lower() for t in within.group(1).split(",")]
        if tenants and all(m.is_guid(t) for t in tenants):
            return set(tenants)
    raise m.bad(
        "UnsupportedQueryFilter",
        f"The $filter '{text[:80]}' is not supported; use managedByTenantId eq '{{tenantId}}' or "
        "managedByTenantId in ({tenantId}, ...).",
    )


class Lighthouse(ArmFamily):
    """The registration definition and assignment routes, and their seeding."""

    # Lists take ``$filter`` (parameter "Filter" of RegistrationDefinitions_List and RegistrationAssignments_List in
    # Azure/azure-rest-api-specs specification/managedservices/resource-manager/Microsoft.ManagedServices/stable/
    # 2022-10-01/managedservices.json): the documented forms are the examples' ``managedByTenantId eq '{id}'`` and
    # ``managedByTenantId in ({id}, {id})`` (GetRegistration{Assignments,Definitions}WithManagedByTenantId{Eq,In}
    # Filter.json). Anything else is refused rather than ignored.
    def _registration_definitions(self, state, request, caller, method, target, body):
        store, now = self._store(state), state.clock.now()
        scope = m.parse_scope(target.scope_text or "/")
        if scope.kind != m.SUBSCRIPTION:
            raise m.bad("InvalidScope", "Registration definitions live at subscription scope.")
        tenant = self._access(state, scope, caller, now)
        who = authz.Authorizer(state, caller)
        sub_id = scope.subscription_id or ""
        if method == "GET":
            who.require(scope, tenant, authz.REG_DEF_READ)
        if target.name is None:
            if method != "GET":
                raise method_not_allowed(method, "the registration definitions collection")
            managing = managed_by_filter(request.query_params.get("$filter"))
            items = sorted((d for (s, _), d in store.definitions.items() if s == sub_id), key=lambda d: d.seq)
            items = [d for d in items if managing is None or d.managed_by_tenant_id in managing]
            return 200, {"value": [d.to_json() for d in items]}, {}
        key = (sub_id, target.name.lower())
        if method == "GET":
            d = store.definitions.get(key)
            if d is None:
                raise m.arm_error(
                    404, "RegistrationDefinitionNotFound", f"The registration definition '{target.name}' was not found."
                )
            return 200, d.to_json(), {}
        if method == "DELETE":
            who.require(scope, tenant, authz.REG_DEF_DELETE)
            self._writable(state, scope, now)
            d = store.definitions.pop(key, None)
            # RegistrationDefinitions_Delete documents 200 and 204, neither with a body (managedservices.json
            # 2022-10-01).
            return (204 if d is None else 200), None, {}
        if method != "PUT":
            raise method_not_allowed(method, "a registration definition")
        if tenant != caller.tenant_id:
            raise m.arm_error(403, "AuthorizationFailed", "Only the customer tenant can onboard a delegation.")
        who.require(scope, tenant, authz.REG_DEF_WRITE, authz.RA_WRITE)
        self._writable(state, scope, now)
        existed = key in store.definitions
        d = self.build_definition(state, sub_id, tenant, target.name, body)
        store.definitions[key] = d
        return (200 if existed else 201), d.to_json(), {}

    def build_definition(
        self, state: EmulatorState, sub_id: str, tenant: str, definition_id: str, body: Any
    ) -> m.RegistrationDefinition:
        store = self._store(state)
        if not m.is_guid(definition_id):
            raise m.bad("InvalidRegistrationDefinitionId", "A registration definition id must be a GUID.")
        props = properties_of(body)
        name = props.get("registrationDefinitionName")
        if not isinstance(name, str) or not name.strip():
            raise m.bad("InvalidRegistrationDefinition", "properties.registrationDefinitionName is required.")
        managing = props.get("managedByTenantId")
        if not m.is_guid(managing):
            raise m.bad("InvalidRegistrationDefinition", "properties.managedByTenantId must be a tenant id (GUID).")
        managing = managing.lower()
        if managing == tenant:
            raise m.bad("InvalidRegistrationDefinition", "A tenant cannot delegate a subscription to itself.")
        authorizations = self._authorizations(props.get("authorizations"), "authorizations", required=True)
        eligible = self._authorizations(props.get("eligibleAuthorizations"), "eligibleAuthorizations", required=False)
        managing_tenant = store.tenants.get(managing)
        managee = store.tenants.get(tenant)
        return m.RegistrationDefinition(
            id=definition_id.lower(),
            subscription_id=sub_id,
            name=name,
            managed_by_tenant_id=managing,
            managed_by_tenant_name=managing_tenant.display_name if managing_tenant else None,
            authorizations=authorizations,
            eligible_authorizations=eligible,
            description=props.get("description"),
            managee_tenant_id=tenant,
            managee_tenant_name=managee.display_name if managee else None,
            plan=body.get("plan") if isinstance(body, dict) else None,
        )

    @staticmethod
    def _authorizations(value: Any, what: str, *, required: bool) -> list[dict[str, Any]]:
        if value is None and not required:
            return []
        if not isinstance(value, list) or (required and not value):
            raise m.bad("InvalidRegistrationDefinition", f"properties.{what} must be a non-empty list.")
        out = []
        for item in value:
            if not isinstance(item, dict) or not m.is_guid(item.get("principalId")):
                raise m.bad("InvalidRegistrationDefinition", f"{what}: every entry needs a principalId (GUID).")
            role = item.get("roleDefinitionId")
            if not m.is_guid(role):
                raise m.bad(
                    "InvalidRegistrationDefinition",
                    f"{what}: roleDefinitionId must be the bare GUID of a built-in role, not {role!r}.",
                )
            role = role.lower()
            if role == m.OWNER:
                raise m.bad(
                    "InvalidRegistrationDefinition", f"{what}: Owner cannot be delegated with Azure Lighthouse."
                )
            if role not in m.BUILTIN_ROLE_NAMES:
                raise m.bad(
                    "InvalidRegistrationDefinition",
                    f"{what}: role {role} is not a supported built-in role (custom roles are not allowed).",
                )
            delegated = item.get("delegatedRoleDefinitionIds")
            if role == m.USER_ACCESS_ADMINISTRATOR and not delegated:
                raise m.bad(
                    "InvalidRegistrationDefinition",
                    f"{what}: User Access Administrator needs delegatedRoleDefinitionIds "
                    "(it may only assign roles to managed identities).",
                )
            entry = {**item, "principalId": item["principalId"].lower(), "roleDefinitionId": role}
            out.append(entry)
        return out

    def _registration_assignments(self, state, request, caller, method, target, body):
        store, now = self._store(state), state.clock.now()
        scope = m.parse_scope(target.scope_text or "/")
        if scope.kind not in (m.SUBSCRIPTION, m.RESOURCE_GROUP):
            raise m.bad("InvalidScope", "Registration assignments live at subscription or resource group scope.")
        tenant = self._access(state, scope, caller, now)
        who = authz.Authorizer(state, caller)
        sub_id = scope.subscription_id or ""
        if method == "GET":
            who.require(scope, tenant, authz.REG_READ)
        expand = request.query_params.get("$expandRegistrationDefinition", "").lower() == "true"

        def render(a: m.RegistrationAssignment, expand: bool = expand) -> dict[str, Any]:
            return a.to_json(store.definitions.get((sub_id, a.definition_id)), expand)

        if target.name is None:
            if method != "GET":
                raise method_not_allowed(method, "the registration assignments collection")
            managing = managed_by_filter(request.query_params.get("$filter"))

            def listed(a: m.RegistrationAssignment) -> bool:
                d = store.definitions.get((sub_id, a.definition_id))
                return managing is None or (d is not None and d.managed_by_tenant_id in managing)

            return 200, {"value": [render(a) for a in store.lh_assignments_for(scope) if listed(a)]}, {}
        key = f"{scope.key}/providers/microsoft.managedservices/registrationassignments/{target.name.lower()}"
        if method == "GET":
            a = store.lh_assignments.get(key)
            if a is None:
                raise m.arm_error(
                    404, "RegistrationAssignmentNotFound", f"The registration assignment '{target.name}' was not found."
                )
            return 200, render(a), {}
        if method == "DELETE":
            who.require_delegation_removal(scope, tenant)
            self._writable(state, scope, now)
            a = store.remove_lh_assignment(key)
            # RegistrationAssignments_Delete documents 200 and 204, neither with a body (managedservices.json
            # 2022-10-01).
            return (204 if a is None else 200), None, {}
        if method != "PUT":
            raise method_not_allowed(method, "a registration assignment")
        if tenant != caller.tenant_id:
            raise m.arm_error(403, "AuthorizationFailed", "Only the customer tenant can onboard a delegation.")
        who.require(scope, tenant, authz.REG_WRITE, authz.RA_WRITE)
        self._writable(state, scope, now)
        existing = store.lh_assignments.get(key)
        a = self.build_lh_assignment(state, scope, target.name, body)
        if existing is not None:
            if existing.definition_id == a.definition_id:
                return 200, render(existing), {}
            raise m.arm_error(
                409, "RegistrationAssignmentUpdateNotAllowed", "A registration assignment cannot change its definition."
            )
        store.add_lh_assignment(a)
        return 201, render(a), {}

    def build_lh_assignment(
        self, state: EmulatorState, scope: m.Scope, assignment_id: str, body: Any
    ) -> m.RegistrationAssignment:
        store = self._store(state)
        if not m.is_guid(assignment_id):
            raise m.bad("InvalidRegistrationAssignmentId", "A registration assignment id must be a GUID.")
        ref = properties_of(body).get("registrationDefinitionId")
        parts = ref.split("/") if isinstance(ref, str) else []
        if len(parts) < 2 or parts[-2].lower() != "registrationdefinitions" or not m.is_guid(parts[-1]):
            raise m.bad(
                "InvalidRegistrationAssignment",
                "properties.registrationDefinitionId must be the full id of a registration definition.",
            )
        definition_sub = parts[2].lower() if len(parts) > 2 and parts[1].lower() == "subscriptions" else None
        definition_id = parts[-1].lower()
        if definition_sub != scope.subscription_id or (scope.subscription_id, definition_id) not in store.definitions:
            raise m.arm_error(
                404,
                "RegistrationDefinitionNotFound",
                f"The registration definition '{ref}' was not found in subscription '{scope.subscription_id}'.",
            )
        return m.RegistrationAssignment(assignment_id.lower(), scope, definition_id)

    def seed_registration_definitions(self, state: EmulatorState, entries: list[Any]) -> None:
        """Registration definitions at a known subscription (scope, id?, properties)."""
        store = self._store(state)
        for entry in entries:
            entry = dict(entry)
            scope = m.parse_scope(entry.pop("scope"))
            sub = store.subscriptions.get(scope.subscription_id or "")
            if scope.kind != m.SUBSCRIPTION or sub is None:
                raise ValueError(f"registration definition scope must be a known subscription: {scope.text}")
            def_id = str(entry.pop("id", None) or uuid.uuid4())
            d = self.build_definition(state, sub.id, sub.tenant_id, def_id, {"properties": entry})
            store.definitions[(sub.id, d.id)] = d

    def seed_registration_assignments(self, state: EmulatorState, entries: list[Any]) -> None:
        """Registration assignments (scope, registrationDefinitionId: a GUID or a full id, id?)."""
        store = self._store(state)
        for entry in entries:
            scope = m.parse_scope(entry["scope"])
            ref = entry["registrationDefinitionId"]
            if m.is_guid(ref):
                ref = f"/subscriptions/{scope.subscription_id}{m.REG_DEFINITIONS_PATH}/{ref}"
            a = self.build_lh_assignment(
                state, scope, str(entry.get("id") or uuid.uuid4()), {"properties": {"registrationDefinitionId": ref}}
            )
            store.add_lh_assignment(a)
