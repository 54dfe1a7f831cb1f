"""Cross-cutting request handling: request ids, the request log, bearer-token checks.

Every API answer carries ``request-id`` / ``client-request-id`` headers as Graph's do (clients
put them in error messages), every API request is logged so tests can count attempts from the
server's side, and a request without ``Authorization: Bearer`` gets Graph's 401. Control
paths (``/_emulator``) are neither logged nor authenticated.
"""

from __future__ import annotations

import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from emulator.api_middleware import CONTROL_PREFIX, ApiOnlyMiddleware
from emulator.errors import error_response

# 401 wording per API prefix; Graph's is the default. (ARM: AuthenticationFailed.)
AUTH_ERRORS: dict[str, tuple[str, str]] = {
    "/arm": ("AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing."),
}
GRAPH_AUTH_ERROR = ("InvalidAuthenticationToken", "Access token is empty.")


class RequestLogMiddleware:
    """Outermost: assigns request ids, adds them to the response, logs method/path/status."""

    def __init__(self, app: ASGIApp, state: Any) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = str(uuid.uuid4())
        headers = dict(scope.get("headers") or [])
        client_id = (headers.get(b"client-request-id") or headers.get(b"x-ms-client-request-id") or b"").decode()
        scope["emulator.request_id"] = request_id
        scope["emulator.client_request_id"] = client_id or request_id
        control = scope["path"].startswith(CONTROL_PREFIX)
        status = 0

        async def send_with_ids(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                extra = [(b"request-id", request_id.encode()), (b"x-ms-request-id", request_id.encode())]
                if client_id:
                    extra.append((b"client-request-id", client_id.encode()))
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_ids)
        finally:
            if not control:
                query = scope.get("query_string", b"").decode("latin-1")
                self.state.log_request(scope["method"], scope["path"], query, status, scope.get("emulator.fault"))


class BearerAuthMiddleware(ApiOnlyMiddleware):
    """401 for API requests without ``Authorization: Bearer <token>`` (any token unless configured)."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope.get("headers") or [])
        auth = headers.get(b"authorization", b"").decode("latin-1")
        scheme, _, token = auth.partition(" ")
        required = self.state.settings.required_token
        if scheme.lower() == "bearer" and token.strip() and (required is None or token.strip() == required):
            await self.app(scope, receive, send)
            return
        code, message = next(
            (err for prefix, err in AUTH_ERRORS.items() if scope["path"].startswith(prefix)), GRAPH_AUTH_ERROR
        )
        if token.strip():
            message = "Access token validation failure."
        response = error_response(
            401,
            message,
            code,
            request_id=scope.get("emulator.request_id"),
            headers={"WWW-Authenticate": 'Bearer realm="", error="invalid_token"'},
        )
        await response(scope, receive, send)
