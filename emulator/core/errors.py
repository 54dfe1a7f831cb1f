"""Microsoft-shaped error responses.

Graph and ARM both answer errors as ``{"error": {"code", "message"}}``. Graph adds an ``innerError``
with the request id and date (learn.microsoft.com/graph/errors); ARM's ErrorResponse has no such member
(Azure/azure-rest-api-specs ``common-types/resource-management/v5/types.json#/definitions/ErrorDetail``:
code, message, target, details, additionalInfo), so an error for an ``/arm`` path carries code and message only.
Handlers raise ``ServiceError``; the app turns it into that JSON so every route module fails the same way the
real services do.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

# Default error code per status, in Graph's vocabulary.
DEFAULT_CODES = {
    400: "badRequest",
    401: "InvalidAuthenticationToken",
    403: "accessDenied",
    404: "itemNotFound",
    405: "methodNotAllowed",
    409: "conflict",
    412: "preconditionFailed",
    428: "preconditionRequired",
    429: "TooManyRequests",
    500: "generalException",
    503: "serviceNotAvailable",
    504: "gatewayTimeout",
}


class ServiceError(Exception):
    """Raise from a handler to answer ``status`` with a Microsoft-shaped error body."""

    def __init__(
        self, status: int, message: str, code: str | None = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code or DEFAULT_CODES.get(status, "error")
        self.message = message
        self.headers = headers or {}


def error_body(
    code: str, message: str, request_id: str | None = None, client_request_id: str | None = None
) -> dict[str, Any]:
    return {
        "error": {
            "code": code,
            "message": message,
            "innerError": {
                "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
                "request-id": request_id,
                "client-request-id": client_request_id or request_id,
            },
        }
    }


#: Partner Center's paths: its own error shape and response headers (partner-center/developer/error-codes, headers).
PARTNER_CENTER_PREFIX = "/partnercenter/"
#: The request headers Partner Center echoes in its answer (partner-center/developer/headers, "Response headers").
PARTNER_CENTER_ECHOED_HEADERS = ("MS-RequestId", "MS-CorrelationId")


def partner_center_error_body(code: int | str, description: str) -> dict[str, Any]:
    """Partner Center's documented error shape (partner-center/developer/error-codes, "Error responses"): ``code``
    a string, ``description``, ``source``; ``data`` is "only returned for some error types": never here."""
    return {"code": str(code), "description": description, "source": "PartnerFD"}


def error_response(
    status: int,
    message: str,
    code: str | None = None,
    *,
    request_id: str | None = None,
    client_request_id: str | None = None,
    headers: dict[str, str] | None = None,
    path: str = "",
) -> JSONResponse:
    """The error in the shape of the service that owns ``path`` (ARM's for ``/arm``, Partner Center's for
    ``/partnercenter``, else Graph's)."""
    if path.startswith(PARTNER_CENTER_PREFIX):
        return JSONResponse(partner_center_error_body(status, message), status_code=status, headers=headers)
    code = code or DEFAULT_CODES.get(status, "error")
    if path.startswith("/arm/"):
        return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)
    body = error_body(code, message, request_id, client_request_id)
    return JSONResponse(body, status_code=status, headers=headers)


async def service_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ServiceError)
    return error_response(
        exc.status,
        exc.message,
        exc.code,
        request_id=request.scope.get("emulator.request_id"),
        client_request_id=request.scope.get("emulator.client_request_id"),
        headers=exc.headers,
        path=request.url.path,
    )
