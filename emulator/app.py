"""The emulator's ASGI app: shared state + middleware + every service's routes + control.

``create_app`` is the single composition point. Services are listed in ``SERVICES``; ARM and
Partner Center modules are added there and get the same state, clock, faults, request log,
control endpoint and scenario loading for free.
"""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute

from emulator.arm import service as arm
from emulator.core.control import control_routes
from emulator.core.errors import ServiceError, error_response, service_error_handler
from emulator.core.faults import FaultMiddleware
from emulator.core.middleware import BearerAuthMiddleware, RequestLogMiddleware
from emulator.core.odata_entity import GraphEntityMiddleware
from emulator.core.request_body import BodyCheckMiddleware
from emulator.core.scenario import apply_scenario
from emulator.core.state import EmulatorState, Service
from emulator.entra import tokens as entra
from emulator.graph import contracts as graph_contracts
from emulator.graph import gdap as graph_gdap
from emulator.graph import partner_policies as graph_partner_policies
from emulator.partner_center import autopilot
from emulator.partner_center import customers as partner_center

# partner_center before arm: ARM seeds may name the partner's agent groups it declares.
SERVICES: list[Service] = [
    graph_gdap.SERVICE,
    partner_center.SERVICE,
    autopilot.SERVICE,
    arm.SERVICE,
    graph_contracts.SERVICE,
    graph_partner_policies.SERVICE,
    entra.SERVICE,
]


def _http_error_handler(status: int, message: str):
    async def handler(request: Request, exc: Exception) -> JSONResponse:
        return error_response(
            status,
            message,
            request_id=request.scope.get("emulator.request_id"),
            client_request_id=request.scope.get("emulator.client_request_id"),
            path=request.url.path,
        )

    return handler


def create_app(state: EmulatorState | None = None, scenario: dict[str, Any] | None = None) -> Starlette:
    """Build the app around ``state`` (a fresh one with all services by default)."""
    state = state or EmulatorState(SERVICES)
    if scenario:
        apply_scenario(state, scenario)
    routes: list[BaseRoute] = control_routes(state)
    for service in state.services:
        routes += service.routes(state)
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(RequestLogMiddleware, state=state),
            Middleware(FaultMiddleware, state=state),
            Middleware(BearerAuthMiddleware, state=state),
            Middleware(BodyCheckMiddleware, state=state),
            Middleware(GraphEntityMiddleware, state=state),
        ],
        exception_handlers={
            ServiceError: service_error_handler,
            404: _http_error_handler(404, "Resource not found for the segment."),
            405: _http_error_handler(405, "The HTTP method is not allowed on this resource."),
        },
    )
    app.state.emulator = state
    return app
