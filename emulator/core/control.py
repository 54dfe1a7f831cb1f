"""The control endpoint, ``/_emulator/...``: what tests and the demo do that no real API offers.

Reset, load a scenario, dump state, change settings, travel in time, inject faults, read the
request log; each service adds its own routes under ``/_emulator/<service>`` (GDAP: the
customer approving or rejecting, seeding relationships, setting their dates). No auth, never
faulted, never logged. Errors use the same ``{"error": {...}}`` shape as the APIs.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from emulator.core.api_middleware import CONTROL_PREFIX
from emulator.core.clock import iso
from emulator.core.errors import ServiceError
from emulator.core.scenario import apply_scenario
from emulator.core.state import EmulatorState


async def _body(request: Request) -> Any:
    raw = await request.body()
    if not raw:
        return {}
    try:
        return await request.json()
    except ValueError:
        raise ServiceError(400, "The request body is not valid JSON.", "badRequest") from None


def _value_error(exc: ValueError) -> ServiceError:
    return ServiceError(400, str(exc), "badRequest")


def control_routes(state: EmulatorState) -> list[BaseRoute]:
    async def health(request: Request) -> Response:
        return JSONResponse({"ok": True, "services": [s.name for s in state.services]})

    async def reset(request: Request) -> Response:
        body = await _body(request)
        try:
            apply_scenario(state, body or {}, reset=True)
        except ValueError as exc:
            raise _value_error(exc) from None
        return JSONResponse({"ok": True})

    async def scenario(request: Request) -> Response:
        body = await _body(request)
        try:
            apply_scenario(state, body, reset=request.query_params.get("reset", "true") != "false")
        except ValueError as exc:
            raise _value_error(exc) from None
        return JSONResponse(state.dump())

    async def dump(request: Request) -> Response:
        return JSONResponse(state.dump())

    async def settings(request: Request) -> Response:
        if request.method == "PATCH":
            try:
                body = await _body(request)
                if not isinstance(body, dict):
                    raise ValueError("settings take a JSON object of setting: value")
                with state.lock:
                    state.settings.update(body)
            except ValueError as exc:
                raise _value_error(exc) from None
        return JSONResponse(asdict(state.settings))

    async def clock(request: Request) -> Response:
        if request.method == "POST":
            body = await _body(request)
            if not isinstance(body, dict) or set(body) - {"advance", "set", "reset"}:
                raise ServiceError(400, "clock takes advance (seconds), set (ISO 8601) or reset (true)")
            try:
                if body.get("reset"):
                    state.clock.reset()
                if "set" in body:
                    state.clock.set(body["set"])
                if "advance" in body:
                    state.clock.advance(float(body["advance"]))
            except (TypeError, ValueError, OverflowError) as exc:
                raise ServiceError(400, f"clock: {str(exc)[:200]}", "badRequest") from None
        return JSONResponse({"now": iso(state.clock.now()), "offset_seconds": state.clock.offset_seconds})

    async def faults(request: Request) -> Response:
        if request.method == "POST":
            body = await _body(request)
            try:
                entries = body if isinstance(body, list) else [body]
                if not all(isinstance(r, dict) for r in entries):
                    raise ValueError("a fault is a JSON object (or a list of them)")
                rules = [state.faults.add(dict(r)) for r in entries]
            except (TypeError, ValueError) as exc:
                raise ServiceError(400, str(exc), "badRequest") from None
            out = [asdict(r) for r in rules]
            return JSONResponse(out if isinstance(body, list) else out[0], status_code=201)
        if request.method == "DELETE":
            state.faults.clear()
            return Response(status_code=204)
        return JSONResponse(state.faults.dump())

    async def fault(request: Request) -> Response:
        fault_id = request.path_params["fault_id"]
        if request.method == "DELETE":
            if not state.faults.remove(fault_id):
                raise ServiceError(404, f"No fault {fault_id}.", "itemNotFound")
            return Response(status_code=204)
        rule = state.faults.get(fault_id)
        if rule is None:
            raise ServiceError(404, f"No fault {fault_id}.", "itemNotFound")
        return JSONResponse(asdict(rule))

    async def requests(request: Request) -> Response:
        if request.method == "DELETE":
            state.request_log.clear()
            return Response(status_code=204)
        prefix = request.query_params.get("path_prefix", "")
        method = request.query_params.get("method", "").upper()
        with state.lock:
            entries = [
                asdict(e)
                for e in list(state.request_log)
                if e.path.startswith(prefix) and (not method or e.method == method)
            ]
        return JSONResponse(entries)

    routes: list[BaseRoute] = [
        Route("/health", health, methods=["GET"]),
        Route("/reset", reset, methods=["POST"]),
        Route("/scenario", scenario, methods=["POST"]),
        Route("/state", dump, methods=["GET"]),
        Route("/settings", settings, methods=["GET", "PATCH"]),
        Route("/clock", clock, methods=["GET", "POST"]),
        Route("/faults", faults, methods=["GET", "POST", "DELETE"]),
        Route("/faults/{fault_id}", fault, methods=["GET", "DELETE"]),
        Route("/requests", requests, methods=["GET", "DELETE"]),
    ]
    routes += [Mount(f"/{service.name}", routes=service.control_routes(state)) for service in state.services]
    return [Mount(CONTROL_PREFIX, routes=routes)]
