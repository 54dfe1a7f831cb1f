"""Partner Center's front door, shared by its routes (customers and DAP, Autopilot): errors, paging, headers.

Only tokens for the partner tenant are accepted (401 otherwise). Errors use Partner Center's documented shape
(partner-center/developer/error-codes, "Error responses"): ``{"code": <string>, "description": ..., "source":
"PartnerFD"}`` (``data`` is "only returned for some error types": never here). Every answer echoes the request's
``MS-RequestId`` and ``MS-CorrelationId`` (a new GUID for one the caller did not send), as "Partner Center REST
headers" (partner-center/developer/headers) says: the request middleware adds them, to refusals made before
this door too. Further pages are announced with an ``MS-ContinuationToken``
(the emulator's own opaque encoding of an offset).
"""

from __future__ import annotations

import asyncio
import base64
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from emulator.core.errors import partner_center_error_body
from emulator.core.identity import caller_of
from emulator.core.state import EmulatorState

ROOT = "/partnercenter/v1"

CONTINUATION_HEADER = "MS-ContinuationToken"


class PartnerCenterError(Exception):
    def __init__(self, status: int, code: int | str, description: str) -> None:
        super().__init__(description)
        self.status, self.code, self.description = status, str(code), description

    def response(self) -> Response:
        return JSONResponse(partner_center_error_body(self.code, self.description), status_code=self.status)


def continuation(request: Request, total: int) -> int:
    """Where a page starts: 0, or the offset the caller's ``MS-ContinuationToken`` names (400 when it names none
    this emulator handed out)."""
    token = request.headers.get(CONTINUATION_HEADER)
    if token is None:
        return 0
    start = decode_token(token)
    if start is None or not 0 < start <= total:
        raise PartnerCenterError(400, 400, f"The {CONTINUATION_HEADER} header is not a continuation token.")
    return start


def encode_token(offset: int) -> str:
    """An opaque continuation token (the emulator's own encoding of an offset)."""
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def decode_token(token: str) -> int | None:
    try:
        text = base64.urlsafe_b64decode(token.encode()).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    kind, _, number = text.partition(":")
    return int(number) if kind == "offset" and number.isdigit() else None


def page_size(request: Request, name: str = "size") -> int | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    if not raw.isdigit() or int(raw) < 1:
        raise PartnerCenterError(400, 400, f"{name} must be a positive whole number.")
    return int(raw)


def front_door(state: EmulatorState, handler: Any) -> Any:
    """Partner Center's entry for a route: its latency, partner-tenant tokens only, its error shape, the
    ``MS-RequestId`` / ``MS-CorrelationId`` of the request echoed in every answer."""

    async def endpoint(request: Request) -> Response:
        latency = state.settings.partner_center_latency
        if latency > 0:
            await asyncio.sleep(latency)
        caller = caller_of(request, state)
        try:
            if caller.tenant_id != state.settings.partner_tenant_id.lower():
                raise PartnerCenterError(
                    401, 401, "The token is not for the partner tenant: Partner Center serves the partner only."
                )
            response = await handler(request)
        except PartnerCenterError as exc:
            response = exc.response()
        return response  # the MS-RequestId / MS-CorrelationId echo: emulator.core.middleware, on every answer

    return endpoint
