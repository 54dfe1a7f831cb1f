"""Cross-cutting request handling: request ids, the request log, bearer-token checks.

Every API answer carries its service's request-id headers (clients put them in error messages):

- ARM (``/arm``): ``x-ms-request-id`` (service generated) and ``x-ms-correlation-request-id`` (the
  caller's, else a new GUID), per the ARM RPC's common API details (github.com/Azure/azure-resource-manager-rpc,
  ``v1.0/common-api-details.md``: "x-ms-correlation-request-id ... If the caller does not specify this header,
  ARM will randomly generate a unique GUID"; responses "must" carry ``x-ms-request-id``).
- Graph: ``request-id`` and ``client-request-id`` (the client's, when it sent one), the ids Graph's error
  ``innerError`` carries (learn.microsoft.com/graph/errors); nothing else.
- Partner Center: ``request-id``, ``x-ms-request-id`` and ``client-request-id`` as before (its documented
  ``MS-RequestId`` / ``MS-CorrelationId`` echo belongs to ``emulator.partner_center.front_door``).

Every API request is logged so tests can count attempts from the server's side, and a request without
``Authorization: Bearer`` gets Graph's 401. Control paths (``/_emulator``) are neither logged nor authenticated.
"""

from __future__ import annotations

import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from emulator.core.api_middleware import UNMEDIATED, ApiOnlyMiddleware
from emulator.core.errors import PARTNER_CENTER_ECHOED_HEADERS, PARTNER_CENTER_PREFIX, error_response

ARM_PREFIX = "/arm/"
GRAPH_PREFIX = "/graph/"
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
        if scope["path"].startswith(ARM_PREFIX):
            correlation = headers.get(b"x-ms-correlation-request-id", b"").decode("latin-1") or str(uuid.uuid4())
            id_headers = [
                (b"x-ms-request-id", request_id.encode()),
                (b"x-ms-correlation-request-id", correlation.encode()),
            ]
        elif scope["path"].startswith(PARTNER_CENTER_PREFIX):
            # Partner Center's own: the request's MS-RequestId / MS-CorrelationId echoed (a new GUID for one the
            # caller did not send), on every answer, its refusals included; no Graph or ARM request ids.
            id_headers = [
                (
                    name.encode(),
                    (headers.get(name.lower().encode(), b"").decode("latin-1") or str(uuid.uuid4())).encode(),
                )
                for name in PARTNER_CENTER_ECHOED_HEADERS
            ]
        else:
            id_headers = [(b"request-id", request_id.encode())]
            if not scope["path"].startswith(GRAPH_PREFIX):
                id_headers.append((b"x-ms-request-id", request_id.encode()))
            if client_id:
                id_headers.append((b"client-request-id", client_id.encode()))
        if scope["path"].startswith(UNMEDIATED):
            await self.app(scope, receive, self._with_ids(send, id_headers))
            return
        in_flight = self.state.request_started()
        logged = False

        def log(status: int) -> None:
            nonlocal logged
            if not logged:
                logged = True
                query = scope.get("query_string", b"").decode("latin-1")
                latency = scope.get("emulator.latency", 0.0)
                fault = scope.get("emulator.fault")
                self.state.log_request(scope["method"], scope["path"], query, status, fault, in_flight, latency)

        async def send_logged(message: Message) -> None:
            if message["type"] == "http.response.start":
                log(message["status"])  # before the answer leaves: a client that has it finds it in the log
            await send(message)

        try:
            await self.app(scope, receive, self._with_ids(send_logged, id_headers))
        finally:
            log(0)  # no answer was started (a dropped connection or a crash)
            self.state.request_finished()

    @staticmethod
    def _with_ids(send: Send, id_headers: list[tuple[bytes, bytes]]) -> Send:
        async def send_with_ids(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *id_headers]}
            await send(message)

        return send_with_ids


def _tenant_without_consent(state: Any, token: str) -> str | None:
    """The token's tenant when the partner's application has no consent there (emulator.entra.tokens), else None."""
    from emulator.core.identity import jwt_claims

    entra = state.stores.get("entra")
    claims = jwt_claims(token)
    if entra is None or claims is None or not claims.get("tid"):
        return None
    tenant = str(claims["tid"]).lower()
    return None if entra.has_consent(tenant) else tenant


class BearerAuthMiddleware(ApiOnlyMiddleware):
    """401 for API requests without ``Authorization: Bearer <token>`` (any token unless configured)."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope.get("headers") or [])
        auth = headers.get(b"authorization", b"").decode("latin-1")
        scheme, _, token = auth.partition(" ")
        required = self.state.settings.required_token
        if scheme.lower() == "bearer" and token.strip() and (required is None or token.strip() == required):
            tenant = _tenant_without_consent(self.state, token.strip())
            if tenant is None:
                await self.app(scope, receive, send)
                return
            # Entra never issues a token there (emulator.entra.tokens): one minted anyway is refused.
            code = next((err[0] for p, err in AUTH_ERRORS.items() if scope["path"].startswith(p)), GRAPH_AUTH_ERROR[0])
            response = error_response(
                401,
                f"Access token validation failure: the partner's application has no consent in tenant {tenant} "
                "(AADSTS65001).",
                code,
                request_id=scope.get("emulator.request_id"),
                headers={"WWW-Authenticate": 'Bearer realm="", error="invalid_token"'},
                path=scope["path"],
            )
            await response(scope, receive, send)
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
            path=scope["path"],
        )
        await response(scope, receive, send)
