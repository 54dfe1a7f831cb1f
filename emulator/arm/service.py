"""ARM under ``/arm``: one front door before the resource families (subscriptions and aliases, role
assignments and definitions, Lighthouse, management groups: one module each, mixed into ``ArmService``).

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
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from emulator.arm import model as m
from emulator.arm import throttle as t
from emulator.arm.api_versions import check_api_version
from emulator.arm.lighthouse import Lighthouse
from emulator.arm.management_groups import ManagementGroups
from emulator.arm.role_assignments import RoleAssignments
from emulator.arm.routing import (
    ALIASES,
    REG_ASSIGNMENTS,
    REG_DEFINITIONS,
    ROLE_ASSIGNMENTS,
    ROLE_DEFINITIONS,
    ROOT,
    SUBSCRIPTION,
    SUBSCRIPTIONS,
    Target,
    arm_error_response,
    arm_json,
    bucket_of,
    parse_path,
    required_guid,
)
from emulator.arm.subscriptions import Subscriptions
from emulator.core.clock import utc
from emulator.core.errors import ServiceError
from emulator.core.identity import Caller, caller_of
from emulator.core.state import EmulatorState


class ArmService(Subscriptions, ManagementGroups, RoleAssignments, Lighthouse):
    """The ARM ``Service`` (see ``emulator.core.state.Service``)."""

    name = "arm"

    def new_store(self) -> m.ArmStore:
        return m.ArmStore()

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
            tenant = store.ensure_tenant(required_guid(entry, "id", "tenant"), entry.get("displayName"))
            tenant.default_domain = entry.get("defaultDomain", tenant.default_domain)
        self.seed_management_groups(state, section.get("management_groups") or [])
        self.seed_subscriptions(state, section.get("subscriptions") or [])
        self.seed_principals(state, section.get("principals") or [])
        self.seed_role_definitions(state, section.get("role_definitions") or [])
        self.seed_group_members(state, section.get("group_members") or {})
        for token, who in (section.get("tokens") or {}).items():
            store.tokens[str(token)] = {
                "tenant": required_guid(who, "tenant", "token"),
                "principal": str(who["principal"]).lower(),
            }
        for entry in section.get("role_assignments") or []:
            self.seed_role_assignment(state, entry)
        self.seed_aliases(state, section.get("aliases") or [])
        self.seed_registration_definitions(state, section.get("registration_definitions") or [])
        self.seed_registration_assignments(state, section.get("registration_assignments") or [])
        return {
            "tenants": len(store.tenants),
            "management_groups": len(store.management_groups),
            "subscriptions": len(store.subscriptions),
            "principals": len(store.principals),
            "role_assignments": len(store.assignments),
            "registration_definitions": len(store.definitions),
            "registration_assignments": len(store.lh_assignments),
        }

    # -- dump ---------------------------------------------------------------------------------
    def dump(self, state: EmulatorState) -> dict[str, Any]:
        store, now = self._store(state), state.clock.now()
        return {
            "tenants": [
                {"id": x.id, "displayName": x.display_name, "defaultDomain": x.default_domain}
                for x in store.tenants.values()
            ],
            "management_groups": self.management_groups_json(store),
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


SERVICE = ArmService()
