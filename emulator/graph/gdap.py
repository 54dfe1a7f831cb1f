"""Graph v1.0 GDAP routes: ``/graph/v1.0/tenantRelationships/delegatedAdminRelationships...``.

The HTTP face of ``gdap_model``: request parsing, status codes, Location headers, If-Match,
paging, plus the customer-side control routes (approve, reject), seeding from scenarios and
the state dump. Shapes and rules: reference/azure-facts.md, GDAP section.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from emulator.core.clock import utc
from emulator.core.errors import ServiceError
from emulator.core.odata import page, parse_filter, require_if_match
from emulator.core.state import EmulatorState
from emulator.graph import gdap_model as m

GRAPH_ROOT = "/graph/v1.0"
BASE = f"{GRAPH_ROOT}/tenantRelationships/delegatedAdminRelationships"


async def read_json(request: Request, *, allow_list: bool = False) -> Any:
    """The JSON body (an object; or a list too, for bulk control calls), else a Graph-shaped 400."""
    try:
        body = await request.json()
    except ValueError:
        raise ServiceError(400, "The request body is not valid JSON.", "badRequest") from None
    if not isinstance(body, dict) and not (allow_list and isinstance(body, list)):
        raise ServiceError(400, "The request body must be a JSON object.", "badRequest")
    return body


def graph_url(request: Request, path: str) -> str:
    return str(request.base_url).rstrip("/") + path


def context_url(request: Request, fragment: str) -> str:
    return graph_url(request, f"{GRAPH_ROOT}/$metadata#{fragment}")


class GdapService:
    """The Graph GDAP ``Service`` (see ``emulator.core.state.Service``)."""

    name = "gdap"

    def new_store(self) -> m.GdapStore:
        return m.GdapStore()

    # -- helpers --------------------------------------------------------------------------
    @staticmethod
    def _store(state: EmulatorState) -> m.GdapStore:
        return state.stores["gdap"]

    @staticmethod
    def _status(state: EmulatorState, rel: m.Relationship, now: datetime) -> str:
        m.refresh(rel, now, state.settings)
        return m.status_of(rel, now, state.settings)

    def _rel_json(self, state: EmulatorState, rel: m.Relationship, now: datetime) -> dict[str, Any]:
        return m.relationship_json(rel, now, state.settings)

    def _assignment_json(
        self, state: EmulatorState, rel: m.Relationship, a: m.Assignment, now: datetime
    ) -> dict[str, Any]:
        return m.assignment_json(a, self._status(state, rel, now), now, state.settings)

    # -- API routes -----------------------------------------------------------------------
    def routes(self, state: EmulatorState) -> list[BaseRoute]:
        svc = self

        async def relationships(request: Request) -> Response:
            if request.method == "GET":
                predicate = parse_filter(request.query_params.get("$filter"))
                with state.lock:
                    now = state.clock.now()
                    store = svc._store(state)
                    rels = sorted(store.relationships.values(), key=lambda r: r.seq)
                    items = [svc._rel_json(state, r, now) for r in rels]
                items = [i for i in items if predicate(i)]
                body = page(
                    request,
                    items,
                    max_page_size=state.settings.page_size,
                    context=context_url(request, "tenantRelationships/delegatedAdminRelationships"),
                )
                return JSONResponse(body)
            body = await read_json(request)
            with state.lock:
                now = state.clock.now()
                rel = svc._create(state, body, now)
                out = svc._rel_json(state, rel, now)
            out = {"@odata.context": context_url(request, "delegatedAdminRelationships/$entity"), **out}
            return JSONResponse(out, status_code=201, headers={"Location": graph_url(request, f"{BASE}/{rel.id}")})

        async def relationship(request: Request) -> Response:
            rel_id = request.path_params["rel_id"]
            if request.method == "GET":
                with state.lock:
                    now = state.clock.now()
                    out = svc._rel_json(state, svc._store(state).get(rel_id), now)
                out = {"@odata.context": context_url(request, "delegatedAdminRelationships/$entity"), **out}
                return JSONResponse(out)
            if request.method == "DELETE":
                with state.lock:
                    now = state.clock.now()
                    store = svc._store(state)
                    rel = store.get(rel_id)
                    require_if_match(request, svc._rel_json(state, rel, now)["@odata.etag"])
                    status = svc._status(state, rel, now)
                    if status != m.CREATED:
                        raise m.bad(
                            f"The relationship is '{status}': only relationships in status 'created' can be "
                            "deleted. Terminate it instead (POST .../requests with action 'terminate')."
                        )
                    store.delete(rel_id)
                return Response(status_code=204)
            body = await read_json(request)  # PATCH
            with state.lock:
                now = state.clock.now()
                rel = svc._store(state).get(rel_id)
                require_if_match(request, svc._rel_json(state, rel, now)["@odata.etag"])
                operation = svc._patch(state, rel, body, now)
                out = svc._rel_json(state, rel, now)
            if operation is not None:  # long-running change (Global Administrator removal): 202 + Location
                headers = {
                    "Location": graph_url(request, f"{BASE}/{rel_id}/operations/{operation.id}"),
                    "Retry-After": f"{state.settings.gdap_operation_retry_after:g}",
                }
                return Response(status_code=202, headers=headers)  # no body (Graph's example for the
                # analogous access-assignment update shows "{}": clients must take both)
            return JSONResponse(out)

        def wants_unknown_enum_members(request: Request) -> bool:
            return "include-unknown-enum-members" in request.headers.get("prefer", "").lower()

        async def operations(request: Request) -> Response:
            rel_id = request.path_params["rel_id"]
            predicate = parse_filter(request.query_params.get("$filter"))
            with state.lock:
                now = state.clock.now()
                rel = svc._store(state).get(rel_id)
                svc._status(state, rel, now)
                unknown = wants_unknown_enum_members(request)
                items = [op.to_json(now, include_unknown_enum_members=unknown) for op in rel.operations]
            body = page(
                request,
                [i for i in items if predicate(i)],
                max_page_size=state.settings.page_size,
                context=context_url(request, f"tenantRelationships/delegatedAdminRelationships('{rel_id}')/operations"),
            )
            return JSONResponse(body)

        async def one_operation(request: Request) -> Response:
            rel_id, op_id = request.path_params["rel_id"], request.path_params["op_id"]
            with state.lock:
                now = state.clock.now()
                rel = svc._store(state).get(rel_id)
                svc._status(state, rel, now)
                for op in rel.operations:
                    if op.id == op_id:
                        unknown = wants_unknown_enum_members(request)
                        return JSONResponse(op.to_json(now, include_unknown_enum_members=unknown))
            raise ServiceError(404, f"The operation {op_id} was not found on {rel_id}.", "itemNotFound")

        async def requests(request: Request) -> Response:
            rel_id = request.path_params["rel_id"]
            if request.method == "GET":
                with state.lock:
                    svc._store(state).get(rel_id)
                    items = [r.to_json() for r in svc._store(state).requests.get(rel_id, [])]
                predicate = parse_filter(request.query_params.get("$filter"))
                body = page(
                    request,
                    [i for i in items if predicate(i)],
                    max_page_size=state.settings.page_size,
                    context=context_url(
                        request, f"tenantRelationships/delegatedAdminRelationships('{rel_id}')/requests"
                    ),
                )
                return JSONResponse(body)
            body = await read_json(request)
            m.check_body_fields(body, ("action",))
            with state.lock:
                now = state.clock.now()
                req = svc._apply_action(state, rel_id, body.get("action"), now)
                out = req.to_json()
            out["status"] = "created"  # as Graph answers the POST; reads show the outcome
            location = graph_url(request, f"{BASE}/{rel_id}/requests/{req.id}")
            return JSONResponse(out, status_code=201, headers={"Location": location})

        async def one_request(request: Request) -> Response:
            rel_id, req_id = request.path_params["rel_id"], request.path_params["req_id"]
            with state.lock:
                svc._store(state).get(rel_id)
                for req in svc._store(state).requests.get(rel_id, []):
                    if req.id == req_id:
                        return JSONResponse(req.to_json())
            raise ServiceError(404, f"The request {req_id} was not found on {rel_id}.", "itemNotFound")

        async def assignments(request: Request) -> Response:
            rel_id = request.path_params["rel_id"]
            if request.method == "GET":
                predicate = parse_filter(request.query_params.get("$filter"))
                with state.lock:
                    now = state.clock.now()
                    store = svc._store(state)
                    rel = store.get(rel_id)
                    items = [
                        svc._assignment_json(state, rel, a, now)
                        for a in sorted(store.assignments.get(rel_id, {}).values(), key=lambda a: a.seq)
                    ]
                body = page(
                    request,
                    [i for i in items if predicate(i)],
                    max_page_size=state.settings.page_size,
                    context=context_url(
                        request, f"tenantRelationships/delegatedAdminRelationships('{rel_id}')/accessAssignments"
                    ),
                )
                return JSONResponse(body)
            body = await read_json(request)
            with state.lock:
                now = state.clock.now()
                rel = svc._store(state).get(rel_id)
                a = svc._create_assignment(state, rel, body, now)
                out = svc._assignment_json(state, rel, a, now)
            out["status"] = "pending" if out["status"] == "active" else out["status"]
            location = graph_url(request, f"{BASE}/{rel_id}/accessAssignments/{a.id}")
            return JSONResponse(out, status_code=201, headers={"Location": location})

        async def assignment(request: Request) -> Response:
            rel_id, aid = request.path_params["rel_id"], request.path_params["assignment_id"]
            if request.method == "GET":
                with state.lock:
                    now = state.clock.now()
                    store = svc._store(state)
                    rel = store.get(rel_id)
                    out = svc._assignment_json(state, rel, store.get_assignment(rel_id, aid), now)
                return JSONResponse(out)
            body = await read_json(request) if request.method == "PATCH" else {}
            with state.lock:
                now = state.clock.now()
                store = svc._store(state)
                rel = store.get(rel_id)
                a = store.get_assignment(rel_id, aid)
                current = svc._assignment_json(state, rel, a, now)
                require_if_match(request, current["@odata.etag"])
                if request.method == "DELETE":
                    if current["status"] in ("deleting", "deleted"):
                        raise m.bad(f"The access assignment is already '{current['status']}'.")
                    a.set_phase("deleting", now)
                    return Response(status_code=204)
                operation = svc._patch_assignment(state, rel, a, current["status"], body, now)
            if operation is None:  # "If the values specified ... are identical ...: 200 OK with the original object"
                return JSONResponse(current)
            # "typically returns a 202 Accepted response code with a URL to a long-running operation in the Location
            # response header", with Retry-After and, in Graph's example, the body {} (v1.0
            # delegatedadminaccessassignment-update).
            headers = {
                "Location": graph_url(request, f"{BASE}/{rel_id}/operations/{operation.id}"),
                "Retry-After": f"{state.settings.gdap_operation_retry_after:g}",
            }
            return JSONResponse({}, status_code=202, headers=headers)

        return [
            Route(BASE, relationships, methods=["GET", "POST"]),
            Route(BASE + "/{rel_id}", relationship, methods=["GET", "PATCH", "DELETE"]),
            Route(BASE + "/{rel_id}/requests", requests, methods=["GET", "POST"]),
            Route(BASE + "/{rel_id}/requests/{req_id}", one_request, methods=["GET"]),
            Route(BASE + "/{rel_id}/operations", operations, methods=["GET"]),
            Route(BASE + "/{rel_id}/operations/{op_id}", one_operation, methods=["GET"]),
            Route(BASE + "/{rel_id}/accessAssignments", assignments, methods=["GET", "POST"]),
            Route(BASE + "/{rel_id}/accessAssignments/{assignment_id}", assignment, methods=["GET", "PATCH", "DELETE"]),
        ]

    # -- operations -----------------------------------------------------------------------
    def _create(self, state: EmulatorState, body: dict[str, Any], now: datetime) -> m.Relationship:
        m.check_body_fields(body, m.RELATIONSHIP_FIELDS)
        name = m.validate_display_name(body.get("displayName"))
        duration = m.validate_duration(body.get("duration"))
        roles = m.validate_roles(body.get("accessDetails"))
        auto_extend = m.validate_auto_extend(body.get("autoExtendDuration", "PT0S"), roles)
        customer = m.validate_customer(body.get("customer"))
        rel = m.Relationship(
            id=m.new_relationship_id(),
            display_name=name,
            duration=duration,
            customer=customer,
            roles=roles,
            auto_extend=auto_extend,
            created=now,
            last_modified=now,
            phase=m.CREATED,
            phase_since=now,
        )
        self._store(state).add(rel)
        return rel

    def _patch(
        self, state: EmulatorState, rel: m.Relationship, body: dict[str, Any], now: datetime
    ) -> m.Operation | None:
        """Apply a PATCH; returns the operation of a long-running change (answered with 202), else None."""
        m.check_body_fields(body, m.RELATIONSHIP_FIELDS)
        status = self._status(state, rel, now)
        if status == m.CREATED:
            name = m.validate_display_name(body.get("displayName", rel.display_name))
            if self._store(state).name_taken(name, rel.id):
                raise ServiceError(409, f"A delegated admin relationship named '{name}' already exists.", "conflict")
            duration = m.validate_duration(body.get("duration", rel.duration))
            roles = m.validate_roles(body["accessDetails"]) if "accessDetails" in body else rel.roles
            auto_extend = m.validate_auto_extend(body.get("autoExtendDuration", rel.auto_extend), roles)
            customer = m.validate_customer(body["customer"]) if "customer" in body else rel.customer
            rel.display_name, rel.duration, rel.roles = name, duration, roles
            rel.auto_extend, rel.customer = auto_extend, customer
            rel.touch(now)
            return None
        if status not in m.USABLE:
            raise m.bad(f"The relationship is '{status}' and can no longer be updated.")
        # Active: autoExtendDuration is editable; Global Administrator may be removed (long-running);
        # anything else must stay as it is (changing roles after approval means a new relationship).
        for key in ("displayName", "duration", "customer"):
            if key in body and body[key] != self._rel_json(state, rel, now)[key]:
                raise m.bad(f"'{key}' can only be changed while the relationship is 'created' (it is '{status}').")
        operation = None
        if "accessDetails" in body:
            new_roles = m.validate_roles(body["accessDetails"])
            if set(new_roles) != set(rel.roles):
                if set(new_roles) != set(rel.roles) - {m.GLOBAL_ADMINISTRATOR} or not new_roles:
                    raise m.bad(
                        "On an active relationship the only role change allowed is removing Global "
                        "Administrator; changing roles after approval needs a new relationship."
                    )
                if rel.pending_operation(now) is not None:
                    raise ServiceError(
                        409, "An update operation is already in progress on this relationship.", "conflict"
                    )
                s = state.settings
                data = json.dumps({"accessDetails": body["accessDetails"]}, separators=(",", ":"))
                operation = m.Operation(
                    str(uuid.uuid4()), new_roles, data, now, s.gdap_operation_delay, s.gdap_operation_outcome
                )
        # The roles change only when the operation finishes: until then Global Administrator is still
        # there, and auto-extend stays refused (set it once the operation has succeeded).
        auto_extend = m.validate_auto_extend(body.get("autoExtendDuration", rel.auto_extend), rel.roles)
        rel.auto_extend = auto_extend
        if operation is not None:
            rel.operations.append(operation)
        rel.touch(now)
        return operation

    def _apply_action(self, state: EmulatorState, rel_id: str, action: Any, now: datetime) -> m.RelationshipRequest:
        store = self._store(state)
        rel = store.get(rel_id)
        status = self._status(state, rel, now)
        if action == "lockForApproval":
            if status != m.CREATED:
                raise m.bad(f"lockForApproval needs a relationship in status 'created'; it is '{status}'.")
            rel.set_phase(m.APPROVAL_PENDING, now)
        elif action in ("approve", "reject"):
            # Graph documents the partner's actions as lockForApproval and terminate only ("The possible values
            # are: lockForApproval, terminate", api-reference/v1.0/api/delegatedadminrelationship-post-requests.md
            # in microsoftgraph/microsoft-graph-docs-contrib); the customer approves or rejects in the Microsoft
            # 365 admin center (here: the control route /_emulator/gdap/relationships/{id}/approve).
            raise m.bad(
                f"The action '{action}' is the customer's: a partner can request only lockForApproval or terminate. "
                "The customer approves or rejects in the Microsoft 365 admin center."
            )
        elif action == "terminate":
            if status == m.CREATED:
                raise m.bad("The relationship is 'created': delete it instead of terminating it.")
            if status == m.APPROVAL_PENDING:
                # Read strictly: until the customer answers, the partner can neither delete nor terminate.
                raise m.bad(
                    "The relationship is 'approvalPending': it can be terminated once the customer has "
                    "approved it; until then the customer can reject it, or the request expires after 90 days."
                )
            if status in ("expired", "terminationRequested", "terminating", "terminated"):
                raise m.bad(f"The relationship is already '{status}'.")
            rel.set_phase(m.TERMINATING, now)
        else:
            raise m.bad(f"action must be lockForApproval or terminate, not {action!r}.")
        return store.add_request(rel_id, action, now)

    def customer_decides(self, state: EmulatorState, rel: m.Relationship, *, approve: bool, now: datetime) -> None:
        status = self._status(state, rel, now)
        if status != m.APPROVAL_PENDING:
            word = "approve" if approve else "reject"
            raise ServiceError(
                409, f"Cannot {word}: the relationship is '{status}', not 'approvalPending'.", "conflict"
            )
        rel.set_phase(m.APPROVING if approve else m.TERMINATED, now)

    def _create_assignment(
        self, state: EmulatorState, rel: m.Relationship, body: dict[str, Any], now: datetime, *, seeding: bool = False
    ) -> m.Assignment:
        m.check_body_fields(body, ("accessContainer", "accessDetails"))
        status = self._status(state, rel, now)
        if status not in m.USABLE and not seeding:
            raise m.bad(f"Access assignments can only be created on an active relationship; this one is '{status}'.")
        container = body.get("accessContainer")
        if not isinstance(container, dict) or not m.is_guid(container.get("accessContainerId")):
            raise m.bad("accessContainer.accessContainerId must be the object id (GUID) of a security group.")
        if container.get("accessContainerType", "securityGroup") != "securityGroup":
            raise m.bad("accessContainer.accessContainerType must be 'securityGroup'.")
        roles = self._subset_roles(rel, body.get("accessDetails"))
        group = container["accessContainerId"].lower()
        for other in self._store(state).assignments.get(rel.id, {}).values():
            other_status = m.assignment_status(other, status, now, state.settings)
            if other.group_id == group and other_status != "deleted":
                raise ServiceError(
                    409,
                    f"The security group {group} already has an access assignment ({other.id}) "
                    "on this relationship; update that one instead.",
                    "conflict",
                )
        a = m.Assignment(
            id=str(uuid.uuid4()),
            group_id=group,
            container_type="securityGroup",
            roles=roles,
            created=now,
            last_modified=now,
            phase="pending",
            phase_since=now,
        )
        self._store(state).assignments.setdefault(rel.id, {})[a.id] = a
        return a

    @staticmethod
    def _subset_roles(rel: m.Relationship, access_details: Any) -> list[str]:
        roles = m.validate_roles(access_details)
        extra = [r for r in roles if r not in rel.roles]
        if extra:
            raise m.bad(
                f"Roles {', '.join(extra)} are not part of the relationship; an access assignment can only "
                "use roles the relationship grants."
            )
        return roles

    def _patch_assignment(
        self,
        state: EmulatorState,
        rel: m.Relationship,
        a: m.Assignment,
        status: str,
        body: dict[str, Any],
        now: datetime,
    ) -> m.Operation | None:
        """Validate a PATCH of an access assignment; returns the long-running operation that will apply it, or None
        when it changes nothing (answered 200 with the assignment as it is)."""
        m.check_body_fields(body, ("accessContainer", "accessDetails"))
        if status not in ("pending", "active"):
            raise m.bad(f"The access assignment is '{status}' and cannot be updated.")
        if self._status(state, rel, now) not in m.USABLE:
            raise m.bad("The relationship is no longer active.")
        container = body.get("accessContainer")
        if container is not None and (container or {}).get("accessContainerId", a.group_id).lower() != a.group_id:
            raise m.bad("accessContainer cannot be changed; create a new access assignment for another group.")
        if "accessDetails" not in body:
            return None
        roles = self._subset_roles(rel, body["accessDetails"])
        if set(roles) == set(a.roles):
            return None
        if rel.pending_operation(now, a) is not None:
            raise ServiceError(409, "An update of this access assignment is already in progress.", "conflict")
        s = state.settings
        data = json.dumps({"accessDetails": body["accessDetails"]}, separators=(",", ":"))
        operation = m.Operation(
            str(uuid.uuid4()), roles, data, now, s.gdap_operation_delay, s.gdap_operation_outcome, assignment=a
        )
        rel.operations.append(operation)
        return operation

    # -- control routes (/_emulator/gdap/...) ----------------------------------------------
    def control_routes(self, state: EmulatorState) -> list[BaseRoute]:
        svc = self

        async def approve_or_reject(request: Request) -> Response:
            rel_id, verb = request.path_params["rel_id"], request.path_params["verb"]
            if verb not in ("approve", "reject"):
                raise ServiceError(404, f"Unknown customer action {verb!r}.", "itemNotFound")
            with state.lock:
                now = state.clock.now()
                store = svc._store(state)
                rel = store.get(rel_id)
                svc.customer_decides(state, rel, approve=verb == "approve", now=now)
                store.add_request(rel_id, verb, now)
                out = svc._rel_json(state, rel, now)
            return JSONResponse(out)

        async def seed_relationships(request: Request) -> Response:
            body = await read_json(request, allow_list=True)
            entries = body if isinstance(body, list) else [body]
            with state.lock:
                out = [svc._rel_json(state, svc.seed_relationship(state, e), state.clock.now()) for e in entries]
            return JSONResponse(out if isinstance(body, list) else out[0], status_code=201)

        async def set_relationship(request: Request) -> Response:
            body = await read_json(request)
            with state.lock:
                rel = svc._store(state).get(request.path_params["rel_id"])
                svc.set_fields(state, rel, body)
                out = svc._rel_json(state, rel, state.clock.now())
            return JSONResponse(out)

        async def seed_assignment(request: Request) -> Response:
            body = await read_json(request)
            with state.lock:
                now = state.clock.now()
                rel = svc._store(state).get(request.path_params["rel_id"])
                a = svc.seed_assignment(state, rel, body)
                out = svc._assignment_json(state, rel, a, now)
            return JSONResponse(out, status_code=201)

        return [
            Route("/relationships", seed_relationships, methods=["POST"]),
            Route("/relationships/{rel_id}", set_relationship, methods=["PATCH"]),
            Route("/relationships/{rel_id}/accessAssignments", seed_assignment, methods=["POST"]),
            Route("/relationships/{rel_id}/{verb}", approve_or_reject, methods=["POST"]),
        ]

    # -- seeding ----------------------------------------------------------------------------
    def seed(self, state: EmulatorState, section: Any) -> None:
        if not isinstance(section, dict) or set(section) - {"relationships"}:
            raise ValueError("the gdap section takes one key: relationships (a list)")
        for entry in section.get("relationships") or []:
            self.seed_relationship(state, entry)

    def seed_relationship(self, state: EmulatorState, entry: dict[str, Any]) -> m.Relationship:
        """Add a relationship in any status, with chosen or plausible dates.

        Keys: id?, displayName, customer?, roles (list of GUIDs) or accessDetails, duration?,
        autoExtendDuration?, status?, createdDateTime?, activatedDateTime?, endDateTime?,
        accessAssignments? (list of {id?, groupId, roles, status?}).
        """
        entry = dict(entry)
        assignments = entry.pop("accessAssignments", []) or []
        status = entry.pop("status", "created")
        if status not in m.ALL_STATUSES:
            raise m.bad(f"status must be one of {', '.join(m.ALL_STATUSES)}, not {status!r}.")
        if "roles" in entry:
            entry["accessDetails"] = {"unifiedRoles": [{"roleDefinitionId": r} for r in entry.pop("roles")]}
        dates = {k: entry.pop(k) for k in ("createdDateTime", "activatedDateTime", "endDateTime") if k in entry}
        rel_id = entry.pop("id", None) or m.new_relationship_id()
        if rel_id in self._store(state).relationships:
            raise ServiceError(409, f"A relationship with id {rel_id} already exists.", "conflict")
        entry.setdefault("duration", "P730D")
        now = state.clock.now()
        rel = self._create(state, entry, now)
        store = self._store(state)
        store.relationships.pop(rel.id)
        rel.id = rel_id
        store.relationships[rel_id] = rel
        store.requests[rel_id], store.assignments[rel_id] = [], {}
        self._place(state, rel, status, dates, now)
        for a in assignments:
            self.seed_assignment(state, rel, a)
        return rel

    def _place(
        self, state: EmulatorState, rel: m.Relationship, status: str, dates: dict[str, Any], now: datetime
    ) -> None:
        """Put ``rel`` in ``status`` with the given dates, filling in plausible ones."""
        s = state.settings
        span = m.parse_duration(rel.duration)
        created = utc(dates["createdDateTime"]) if "createdDateTime" in dates else None
        activated = utc(dates["activatedDateTime"]) if "activatedDateTime" in dates else None
        end = utc(dates["endDateTime"]) if "endDateTime" in dates else None
        if status in ("active", "expiring", "expired", "terminationRequested", "terminating", "terminated"):
            if end is None and activated is None:
                if status == "expiring":
                    end = now + timedelta(days=s.expiring_window_days / 2)
                elif status == "expired":
                    end = now - timedelta(days=1)
                else:
                    activated = now - timedelta(days=1)
            if activated is None:
                activated = end - span  # type: ignore[operator]
            if end is None:
                end = activated + span
            rel.activated, rel.end = activated, end
        rel.created = created or min(now, activated or now)
        rel.last_modified = max(rel.created, activated or rel.created)
        phase = {
            "approved": m.APPROVING,
            "activating": m.APPROVING,
            "expiring": m.ACTIVE,
            "expired": m.ACTIVE,
            "terminationRequested": m.TERMINATING,
        }.get(status, status)
        rel.phase = phase
        rel.phase_since = now
        if status == "activating":
            rel.phase_since = now - timedelta(seconds=s.activation_delay / 2)
        elif status == "terminating":
            rel.phase_since = now - timedelta(seconds=s.termination_delay / 2)
        rel.version += 1

    def seed_assignment(self, state: EmulatorState, rel: m.Relationship, entry: dict[str, Any]) -> m.Assignment:
        entry = dict(entry)
        status = entry.pop("status", "active")
        if status not in m.ASSIGNMENT_PHASES:
            raise m.bad(f"assignment status must be one of {', '.join(m.ASSIGNMENT_PHASES)}, not {status!r}.")
        assignment_id = entry.pop("id", None)
        if "groupId" in entry:
            entry["accessContainer"] = {
                "accessContainerId": entry.pop("groupId"),
                "accessContainerType": "securityGroup",
            }
        if "roles" in entry:
            entry["accessDetails"] = {"unifiedRoles": [{"roleDefinitionId": r} for r in entry.pop("roles")]}
        now = state.clock.now()
        a = self._create_assignment(state, rel, entry, now, seeding=True)
        if assignment_id:
            store = self._store(state).assignments[rel.id]
            store.pop(a.id)
            a.id = assignment_id
            store[a.id] = a
        a.created = a.last_modified = rel.activated or now
        a.phase = status
        a.phase_since = now
        return a

    def set_fields(self, state: EmulatorState, rel: m.Relationship, body: dict[str, Any]) -> None:
        """Control-side edit: dates, status, autoExtendDuration (no Graph validation of state)."""
        allowed = {"status", "createdDateTime", "activatedDateTime", "endDateTime", "autoExtendDuration"}
        unknown = set(body) - allowed
        if unknown:
            raise m.bad(f"unknown fields {sorted(unknown)}; settable: {sorted(allowed)}")
        now = state.clock.now()
        if "autoExtendDuration" in body:
            rel.auto_extend = m.validate_auto_extend(body["autoExtendDuration"], rel.roles)
        if "status" in body:
            if body["status"] not in m.ALL_STATUSES:
                raise m.bad(f"status must be one of {', '.join(m.ALL_STATUSES)}")
            dates = {k: body[k] for k in ("createdDateTime", "activatedDateTime", "endDateTime") if k in body}
            self._place(state, rel, body["status"], dates, now)
        else:
            for key, attr in (
                ("createdDateTime", "created"),
                ("activatedDateTime", "activated"),
                ("endDateTime", "end"),
            ):
                if key in body:
                    setattr(rel, attr, utc(body[key]) if body[key] else None)
            rel.version += 1

    # -- dump -------------------------------------------------------------------------------
    def dump(self, state: EmulatorState) -> dict[str, Any]:
        now = state.clock.now()
        store = self._store(state)
        out = []
        for rel in sorted(store.relationships.values(), key=lambda r: r.seq):
            item = self._rel_json(state, rel, now)
            item["requests"] = [r.to_json() for r in store.requests.get(rel.id, [])]
            item["accessAssignments"] = [
                self._assignment_json(state, rel, a, now)
                for a in sorted(store.assignments.get(rel.id, {}).values(), key=lambda a: a.seq)
            ]
            out.append(item)
        return {"relationships": out}


SERVICE = GdapService()
