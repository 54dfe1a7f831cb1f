"""ARM routes under ``/arm``: subscriptions, role assignments, Lighthouse, subscription aliases.

One catch-all route parses the ARM path itself (scopes nest: a role assignment can sit under a
subscription, a resource group, a resource or a management group), then every request goes
through the same front door, as in ARM:

1. the caller (tenant, principal) from the bearer token (``emulator.core.identity``);
2. the configured latency (``arm_latency``), awaited asynchronously so other requests proceed;
3. throttling (``emulator.arm.throttle``): the bucket of the subscription in the path, else of
   the caller's tenant, for the caller's principal and the operation type; 429 when empty;
4. ``api-version`` required; the handler; ARM-shaped errors ``{"error": {"code", "message"}}``.

Every answer, error or not, carries the remaining-requests header of the bucket it used.
A token must be issued for the tenant that owns the subscription or management group (or for a
tenant managing the subscription through Lighthouse), else 401 ``InvalidAuthenticationTokenTenant``
as ARM answers; then the caller's roles decide (``emulator.arm.authz``: 403 ``AuthorizationFailed``),
and a disabled subscription is read-only (409 ``ReadOnlyDisabledSubscription``).
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import uuid
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from emulator.arm import authz, roles
from emulator.arm import model as m
from emulator.arm import throttle as t
from emulator.arm.api_versions import check_api_version
from emulator.core.clock import iso, utc
from emulator.core.errors import ServiceError
from emulator.core.identity import Caller, caller_of
from emulator.core.state import EmulatorState

ROOT = "/arm"
NAMESPACE = uuid.UUID("0f7e2d52-3a8c-4d7e-9b1a-6c5d4e3f2a10")
SKIP_TOKEN = "$skiptoken"
_SUPPORTED_FILTER = "atScope(), principalId eq '{id}', or both joined by 'and'"

# Operation targets a path can name.
SUBSCRIPTIONS, SUBSCRIPTION = "subscriptions", "subscription"
ROLE_ASSIGNMENTS, ROLE_DEFINITIONS = "roleassignments", "roledefinitions"
REG_DEFINITIONS, REG_ASSIGNMENTS = "registrationdefinitions", "registrationassignments"
ALIASES = "aliases"
_PROVIDER_COLLECTIONS = {
    ("microsoft.authorization", "roleassignments"): ROLE_ASSIGNMENTS,
    ("microsoft.authorization", "roledefinitions"): ROLE_DEFINITIONS,
    ("microsoft.managedservices", "registrationdefinitions"): REG_DEFINITIONS,
    ("microsoft.managedservices", "registrationassignments"): REG_ASSIGNMENTS,
}


def arm_json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse(body, status_code=status, headers=headers)


def arm_error_response(exc: ServiceError, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse(
        {"error": {"code": exc.code, "message": exc.message}},
        status_code=exc.status,
        headers={**(headers or {}), **exc.headers},
    )


def _not_found_path(path: str) -> ServiceError:
    return m.arm_error(404, "InvalidResourceType", f"The resource path '{path}' is not served by this emulator.")


def _method_not_allowed(method: str, what: str) -> ServiceError:
    return m.arm_error(405, "MethodNotAllowed", f"The HTTP method '{method}' is not supported on {what}.")


class Target:
    """What an ARM path names: a collection or an item of one kind, at a scope."""

    __slots__ = ("kind", "name", "scope_text")

    def __init__(self, kind: str, scope_text: str | None = None, name: str | None = None) -> None:
        self.kind, self.scope_text, self.name = kind, scope_text, name


def parse_path(path: str) -> Target:
    """Split an ARM path (after ``/arm``) into a target; 404 for paths the emulator does not serve."""
    parts = [p for p in path.split("/") if p]
    lower = [p.lower() for p in parts]
    if lower == ["subscriptions"]:
        return Target(SUBSCRIPTIONS)
    if len(lower) == 2 and lower[0] == "subscriptions":
        return Target(SUBSCRIPTION, name=parts[1])
    if lower[:3] == ["providers", "microsoft.subscription", "aliases"] and len(parts) in (3, 4):
        return Target(ALIASES, name=parts[3] if len(parts) == 4 else None)
    # {scope}/providers/{namespace}/{collection}[/{name}]: the last such provider segment wins.
    for i in range(len(lower) - 3, -1, -1):
        if lower[i] != "providers":
            continue
        kind = _PROVIDER_COLLECTIONS.get((lower[i + 1], lower[i + 2]))
        if kind and len(parts) - (i + 3) in (0, 1):
            name = parts[i + 3] if len(parts) == i + 4 else None
            return Target(kind, "/" + "/".join(parts[:i]), name)
        break
    raise _not_found_path("/" + "/".join(parts))


def bucket_of(path: str, caller: Caller) -> tuple[str, str]:
    """(level, id) of the throttling bucket: the subscription in the path, else the caller's tenant."""
    parts = [p for p in path.split("/") if p]
    if len(parts) >= 2 and parts[0].lower() == "subscriptions":
        return t.SUBSCRIPTION, parts[1].lower()
    return t.TENANT, caller.tenant_id


def keyset_page(request: Request, items: list[Any], page_size: int, seq_of: Any, render: Any) -> dict[str, Any]:
    """One page of ``items`` (sorted by seq) after ``$skiptoken``, with an absolute ``nextLink`` if more.

    The token is the last seq returned, not an offset: deleting what a page returned (a
    revocation sweep does exactly that) never makes the next page skip anything.
    """
    # ARM reads query parameter names case-insensitively: the SDKs send `$skipToken` (the documented
    # spelling), nextLinks carry `$skiptoken`.
    token = next((v for k, v in request.query_params.multi_items() if k.lower() == SKIP_TOKEN), None)
    after = 0
    if token:
        try:
            after = int(base64.urlsafe_b64decode(token.encode()).decode())
        except ValueError:
            raise m.bad("InvalidSkipToken", "The $skiptoken is not valid.") from None
    start = 0
    if after:
        start = next((i for i, item in enumerate(items) if seq_of(item) > after), len(items))
    chunk = items[start : start + page_size]
    body: dict[str, Any] = {"value": [render(item) for item in chunk]}
    if start + page_size < len(items) and chunk:
        next_token = base64.urlsafe_b64encode(str(seq_of(chunk[-1])).encode()).decode()
        params = [(k, v) for k, v in request.query_params.multi_items() if k.lower() != SKIP_TOKEN]
        params.append((SKIP_TOKEN, next_token))
        body["nextLink"] = str(request.url.replace(query=urlencode(params, safe="$()'")))
    return body


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


def _properties(body: Any) -> dict[str, Any]:
    props = body.get("properties") if isinstance(body, dict) else None
    if not isinstance(props, dict):
        raise m.bad("InvalidRequestContent", "The request content must be a JSON object with 'properties'.")
    return props


class ArmService:
    """The ARM ``Service`` (see ``emulator.core.state.Service``)."""

    name = "arm"

    def new_store(self) -> m.ArmStore:
        return m.ArmStore()

    @staticmethod
    def _store(state: EmulatorState) -> m.ArmStore:
        return state.stores["arm"]

    # -- the front door -------------------------------------------------------------------
    def routes(self, state: EmulatorState) -> list[BaseRoute]:
        svc = self

        async def entry(request: Request) -> Response:
            path = request.path_params.get("path", "")
            caller = caller_of(request, state)
            latency = state.settings.arm_latency
            if latency > 0:
                request.scope["emulator.latency"] = request.scope.get("emulator.latency", 0.0) + latency
                generation = state.generation
                await asyncio.sleep(latency)
                if state.generation != generation:
                    return arm_error_response(m.arm_error(503, "ServiceUnavailable", "The emulator was reset."))
            method = request.method.upper()
            level, scope_id = bucket_of(path, caller)
            operation = t.operation_of(method)
            decision = svc._store(state).throttle.take((level, scope_id, caller.principal, operation), state.settings)
            headers = {t.remaining_header(level, operation): str(decision.remaining)}
            if not decision.allowed:
                wait = t.format_seconds(decision.retry_after)
                code = "SubscriptionRequestsThrottled" if level == t.SUBSCRIPTION else "TenantRequestsThrottled"
                message = (
                    f"Number of '{operation}' requests for {level} '{scope_id}' actor '{caller.principal}' "
                    f"exceeded. Please try again after '{wait}' seconds after the last request."
                )
                return arm_error_response(m.arm_error(429, code, message), {**headers, "Retry-After": wait})
            try:
                if not request.query_params.get("api-version"):
                    raise m.bad(
                        "MissingApiVersionParameter",
                        "The api-version query parameter (?api-version=) is required for all requests.",
                    )
                target = parse_path(path)
                check_api_version(target.kind, request.query_params["api-version"])
                body = None
                if method in ("PUT", "PATCH", "POST"):
                    raw = await request.body()
                    try:
                        body = json.loads(raw) if raw else {}
                    except ValueError:
                        raise m.bad("InvalidRequestContent", "The request content is not valid JSON.") from None
                with state.lock:
                    status, out, extra = svc.handle(state, request, caller, method, target, body)
            except ServiceError as exc:
                return arm_error_response(exc, headers)
            headers.update(extra)
            if out is None:
                return Response(status_code=status, headers=headers)
            return arm_json(out, status, headers)

        methods = ["GET", "PUT", "PATCH", "DELETE", "POST"]
        return [Route(ROOT + "/{path:path}", entry, methods=methods)]

    def handle(
        self, state: EmulatorState, request: Request, caller: Caller, method: str, target: Target, body: Any
    ) -> tuple[int, Any, dict[str, str]]:
        handler = {
            SUBSCRIPTIONS: self._subscriptions,
            SUBSCRIPTION: self._subscription,
            ROLE_ASSIGNMENTS: self._role_assignments,
            ROLE_DEFINITIONS: self._role_definitions,
            REG_DEFINITIONS: self._registration_definitions,
            REG_ASSIGNMENTS: self._registration_assignments,
            ALIASES: self._aliases,
        }[target.kind]
        return handler(state, request, caller, method, target, body)

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

    # -- subscriptions --------------------------------------------------------------------
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
            raise _method_not_allowed(method, "the subscriptions collection")
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
            raise _method_not_allowed(method, "a subscription (create one with an alias)")
        scope = m.parse_scope(f"/subscriptions/{target.name}")
        now = state.clock.now()
        self._access(state, scope, caller, now)
        sub = self._store(state).subscription(target.name, now)
        if not authz.Authorizer(state, caller).sees_subscription(sub):  # what ARM would list, it also shows
            raise authz.denied(caller, authz.SUBSCRIPTION_READ, scope.text)
        return 200, self.subscription_json(state, sub), {}

    # -- principals -------------------------------------------------------------------------
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

    # -- role assignments -------------------------------------------------------------------
    def _role_assignments(self, state, request, caller, method, target, body):
        store, now = self._store(state), state.clock.now()
        scope = m.parse_scope(target.scope_text or "/")
        tenant = self._access(state, scope, caller, now)
        who = authz.Authorizer(state, caller)
        if target.name is None:
            if method != "GET":
                raise _method_not_allowed(method, "the role assignments collection")
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
            raise _method_not_allowed(method, "a role assignment")
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
        props = _properties(body)
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
            raise _method_not_allowed(method, "role definitions (the emulator knows built-in roles only)")
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

    # -- Lighthouse ---------------------------------------------------------------------------
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
                raise _method_not_allowed(method, "the registration definitions collection")
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
            raise _method_not_allowed(method, "a registration definition")
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
        props = _properties(body)
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
                raise _method_not_allowed(method, "the registration assignments collection")
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
            raise _method_not_allowed(method, "a registration assignment")
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
        ref = _properties(body).get("registrationDefinitionId")
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

    # -- subscription aliases -------------------------------------------------------------------
    def _aliases(self, state, request, caller, method, target, body):
        store, now = self._store(state), state.clock.now()
        partner = state.settings.partner_tenant_id.lower()
        mine = {k: a for k, a in store.aliases.items() if caller.tenant_id == partner}
        if target.name is None:
            if method != "GET":
                raise _method_not_allowed(method, "the aliases collection")
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
            raise _method_not_allowed(method, "an alias")
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
        props = _properties(body)
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

    # -- control routes (/_emulator/arm/...) ----------------------------------------------------
    def control_routes(self, state: EmulatorState) -> list[BaseRoute]:
        svc = self

        async def read_body(request: Request) -> Any:
            raw = await request.body()
            try:
                return json.loads(raw) if raw else {}
            except ValueError:
                raise ServiceError(400, "The request body is not valid JSON.", "badRequest") from None

        async def seed(request: Request) -> Response:
            body = await read_body(request)
            with state.lock:
                counts = svc.seed(state, body)
            return JSONResponse(counts, status_code=201)

        async def role_assignments(request: Request) -> Response:
            store = svc._store(state)
            if request.method == "POST":
                body = await read_body(request)
                entries = body if isinstance(body, list) else [body]
                with state.lock:
                    out = [svc.seed_role_assignment(state, e).to_json() for e in entries]
                return JSONResponse(out if isinstance(body, list) else out[0], status_code=201)
            if request.method == "DELETE":
                assignment_id = request.query_params.get("id", "")
                with state.lock:
                    found = store.find_assignment(assignment_id.lower())
                    removed = store.remove_assignment(found.key) if found is not None else None
                if removed is None:
                    raise ServiceError(404, f"No role assignment {assignment_id}.", "itemNotFound")
                return Response(status_code=204)
            query = request.query_params
            with state.lock:
                if query.get("scope"):
                    scope = m.parse_scope(query["scope"])
                    home = (query.get("tenant") or state.settings.partner_tenant_id).lower()
                    tenant = store.scope_tenant(scope, home, utc("2100-01-01"))
                    items = store.assignments_for(scope, tenant)
                else:
                    items = list(store.iter_assignments())
                principal = (query.get("principalId") or "").lower()
                out = [ra.to_json() for ra in items if not principal or ra.principal_id == principal]
            return JSONResponse(out)

        async def throttle(request: Request) -> Response:
            store = svc._store(state)
            if request.method == "DELETE":
                store.throttle.reset()
                return Response(status_code=204)
            if request.method == "POST":
                body = await read_body(request)
                try:
                    key = (
                        body["level"],
                        body["id"].lower(),
                        body["principal"].lower(),
                        body["operation"],
                    )
                    tokens = float(body["tokens"])
                except (KeyError, TypeError, ValueError, AttributeError):
                    raise ServiceError(400, "Give level, id, principal, operation and tokens.", "badRequest") from None
                if key[0] not in (t.SUBSCRIPTION, t.TENANT) or key[3] not in t.OPERATIONS:
                    raise ServiceError(
                        400, "level is subscription|tenant; operation reads|writes|deletes.", "badRequest"
                    )
                store.throttle.set_tokens(key, tokens)
            return JSONResponse(store.throttle.snapshot(state.settings))

        return [
            Route("/seed", seed, methods=["POST"]),
            Route("/roleAssignments", role_assignments, methods=["GET", "POST", "DELETE"]),
            Route("/throttle", throttle, methods=["GET", "POST", "DELETE"]),
        ]

    # -- seeding ------------------------------------------------------------------------------
    SECTION_KEYS = (
        "tenants",
        "management_groups",
        "subscriptions",
        "principals",
        "role_definitions",
        "role_assignments",
        "registration_definitions",
        "registration_assignments",
        "tokens",
        "aliases",
        "group_members",
    )

    def seed(self, state: EmulatorState, section: Any) -> dict[str, int]:
        if not isinstance(section, dict) or set(section) - set(self.SECTION_KEYS):
            unknown = sorted(set(section) - set(self.SECTION_KEYS)) if isinstance(section, dict) else section
            raise ValueError(f"the arm section takes {', '.join(self.SECTION_KEYS)}; unknown: {unknown}")
        store = self._store(state)
        store.ensure_tenant(state.settings.partner_tenant_id)
        for entry in section.get("tenants") or []:
            tenant = store.ensure_tenant(_guid(entry, "id", "tenant"), entry.get("displayName"))
            tenant.default_domain = entry.get("defaultDomain", tenant.default_domain)
        for entry in section.get("management_groups") or []:
            name = entry.get("name")
            if not isinstance(name, str) or not name:
                raise ValueError(f"management group without a name: {entry}")
            tenant = _guid(entry, "tenant", "management group")
            store.ensure_tenant(tenant)
            parent = entry.get("parent")
            known = store.management_groups.get(name.lower())
            if known is not None and known.tenant_id != tenant:
                # Azure keys management groups per tenant; the emulator by name: refuse rather than overwrite.
                raise ValueError(f"management group {name!r} already belongs to tenant {known.tenant_id}")
            store.management_groups[name.lower()] = m.ManagementGroup(
                name.lower(), entry.get("displayName", name), tenant, parent.lower() if parent else None, name
            )
        for entry in section.get("subscriptions") or []:
            sub_id = _guid(entry, "id", "subscription")
            tenant = _guid(entry, "tenant", "subscription")
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
        for entry in section.get("principals") or []:
            kind = entry.get("kind")
            if kind not in m.PRINCIPAL_KINDS:
                raise ValueError(f"principal kind must be one of {m.PRINCIPAL_KINDS}: {entry}")
            pid = _guid(entry, "id", "principal")
            store.principals[pid] = m.Principal(
                pid, kind, _guid(entry, "tenant", "principal"), entry.get("displayName", "")
            )
        for role in section.get("role_definitions") or []:
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
        for group, members in (section.get("group_members") or {}).items():
            if not m.is_guid(group) or not isinstance(members, list) or not all(m.is_guid(x) for x in members):
                raise ValueError(f"group_members maps a group id to a list of member ids (GUIDs): {group!r}")
            store.group_members.setdefault(group.lower(), set()).update(x.lower() for x in members)
        for token, who in (section.get("tokens") or {}).items():
            store.tokens[str(token)] = {
                "tenant": _guid(who, "tenant", "token"),
                "principal": str(who["principal"]).lower(),
            }
        for entry in section.get("role_assignments") or []:
            self.seed_role_assignment(state, entry)
        for entry in section.get("aliases") or []:
            # An alias that already created its subscription (a `pulumi up` done before the scenario starts).
            sub = store.subscriptions.get(_guid(entry, "subscriptionId", "alias"))
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
        for entry in section.get("registration_definitions") or []:
            entry = dict(entry)
            scope = m.parse_scope(entry.pop("scope"))
            sub = store.subscriptions.get(scope.subscription_id or "")
            if scope.kind != m.SUBSCRIPTION or sub is None:
                raise ValueError(f"registration definition scope must be a known subscription: {scope.text}")
            def_id = str(entry.pop("id", None) or uuid.uuid4())
            d = self.build_definition(state, sub.id, sub.tenant_id, def_id, {"properties": entry})
            store.definitions[(sub.id, d.id)] = d
        for entry in section.get("registration_assignments") or []:
            scope = m.parse_scope(entry["scope"])
            ref = entry["registrationDefinitionId"]
            if m.is_guid(ref):
                ref = f"/subscriptions/{scope.subscription_id}{m.REG_DEFINITIONS_PATH}/{ref}"
            a = self.build_lh_assignment(
                state, scope, str(entry.get("id") or uuid.uuid4()), {"properties": {"registrationDefinitionId": ref}}
            )
            store.add_lh_assignment(a)
        return {
            "tenants": len(store.tenants),
            "management_groups": len(store.management_groups),
            "subscriptions": len(store.subscriptions),
            "principals": len(store.principals),
            "role_assignments": len(store.assignments),
            "registration_definitions": len(store.definitions),
            "registration_assignments": len(store.lh_assignments),
        }

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
            tenant = _guid(entry, "tenant", "root-scope role assignment")
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

    # -- dump ---------------------------------------------------------------------------------
    def dump(self, state: EmulatorState) -> dict[str, Any]:
        store, now = self._store(state), state.clock.now()
        return {
            "tenants": [
                {"id": x.id, "displayName": x.display_name, "defaultDomain": x.default_domain}
                for x in store.tenants.values()
            ],
            "management_groups": [
                {
                    "name": g.original_name or g.name,
                    "displayName": g.display_name,
                    "tenant": g.tenant_id,
                    "parent": g.parent,
                }
                for g in store.management_groups.values()
            ],
            "subscriptions": [
                {**self.subscription_json(state, s), "managementGroup": s.management_group, "visible": s.visible(now)}
                for s in store.subscriptions.values()
            ],
            "principals": [
                {"id": p.id, "kind": p.kind, "tenant": p.tenant_id, "displayName": p.display_name}
                for p in store.principals.values()
            ],
            "role_assignments": [{**ra.to_json(), "tenantId": ra.tenant_id} for ra in store.iter_assignments()],
            "group_members": {g: sorted(ms) for g, ms in store.group_members.items()},
            "registration_definitions": [d.to_json() for d in sorted(store.definitions.values(), key=lambda d: d.seq)],
            "registration_assignments": [
                a.to_json(store.definitions.get((a.scope.subscription_id or "", a.definition_id)), False)
                for a in sorted(store.lh_assignments.values(), key=lambda a: a.seq)
            ],
            "aliases": [a.to_json(now) for a in store.aliases.values()],
            "throttle": store.throttle.snapshot(state.settings),
        }


def _guid(entry: Any, key: str, what: str) -> str:
    value = entry.get(key) if isinstance(entry, dict) else None
    if not m.is_guid(value):
        raise ValueError(f"{what}: {key} must be a GUID, not {value!r}")
    return value.lower()


SERVICE = ArmService()


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
