"""Exceptions raised by the clients.

Callers branch on the class (``NotFound`` means "already gone", ``Conflict`` means "exists",
``PreconditionFailed`` means "re-read and retry"), and people read the text: it names the HTTP
status, the service's error code and message and the request id Microsoft support asks for.
Nothing here holds the request, its headers or a token.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from azure_http.redact import redact

if TYPE_CHECKING:  # only in annotations: the errors are raised and caught without httpx being imported
    import httpx

# Response headers carrying the server-side request id: Graph, then ARM / Partner Center.
REQUEST_ID_HEADERS = ("request-id", "x-ms-request-id", "ms-requestid", "x-ms-correlation-request-id")


class AzureHttpError(Exception):
    """Base class of everything the azure_http package raises."""


class NoCredential(AzureHttpError):
    """No Azure credential could produce a token: nothing was sent. The message says how to sign in."""

    def __init__(self, scope: str, tenant_id: str | None, cause: str) -> None:
        first = next((line.strip() for line in cause.splitlines() if line.strip()), "no detail")
        where = f"tenant {tenant_id}" if tenant_id else "the home tenant"
        super().__init__(
            f"no Azure credential could get a token for {scope} in {where}: sign in with `az login` (a partner "
            "admin), or set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_FEDERATED_TOKEN_FILE (workload identity in "
            f"CI), or use --endpoint with the local emulator's URL. First cause: {redact(first)[:300]}"
        )
        self.scope, self.tenant_id = scope, tenant_id


#: Entra's codes for "this application has no consent in this tenant" (learn.microsoft.com, Entra error codes):
#: 65001 DelegationDoesNotExist (a user's token), 700016 the application not found in the directory (its own).
CONSENT_CODES = (65001, 700016)


def consent_code(cause: str) -> int | None:
    """The AADSTS consent code in an Entra error text, if it is one of ``CONSENT_CODES``."""
    for code in CONSENT_CODES:
        if f"AADSTS{code}" in cause:
            return code
    return None


class ConsentMissing(NoCredential):
    """The partner's application has no consent in the tenant: Entra refused the token, nothing was sent."""

    def __init__(self, scope: str, tenant_id: str | None, cause: str, code: int) -> None:
        AzureHttpError.__init__(
            self,
            f"the partner's application has no consent in tenant {tenant_id} (AADSTS{code}): an administrator of "
            "that tenant must grant it once (see the README, 'Consent in customer tenants')",
        )
        self.scope, self.tenant_id, self.code = scope, tenant_id, code
        self.cause = redact(cause)[:500]


class ApiError(AzureHttpError):
    """The service answered with an error status (after any retries)."""

    def __init__(
        self,
        status: int,
        code: str | None,
        message: str,
        *,
        method: str = "",
        url: str = "",
        request_id: str | None = None,
        client_request_id: str | None = None,
        body: Any = None,
        retry_after: float | None = None,
        attempts: int = 1,
    ) -> None:
        self.status = status
        self.code = code
        self.message = redact(message)
        self.method = method
        self.url = redact(url)
        self.request_id = request_id
        self.client_request_id = client_request_id
        self.body = body
        self.retry_after = retry_after
        self.attempts = attempts
        super().__init__(self._text())

    def _text(self) -> str:
        where = f"{self.method} {self.url}: " if self.method else ""
        code = f" {self.code}" if self.code else ""
        text = f"{where}HTTP {self.status}{code}: {self.message}"
        if self.request_id:
            text += f" (request-id {self.request_id})"
        if self.attempts > 1:
            text += f" after {self.attempts} attempts"
        return text

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._text()!r})"


class BadRequest(ApiError):
    """400: the request was invalid (validation, wrong state for the operation)."""


class Unauthorized(ApiError):
    """401: no or invalid token."""


class Forbidden(ApiError):
    """403: authenticated but not allowed (missing permission or role)."""


class NotFound(ApiError):
    """404: the resource does not exist (or not yet, under eventual consistency)."""


class Conflict(ApiError):
    """409: the resource, or an equivalent one, already exists or is busy."""


class PreconditionFailed(ApiError):
    """412: the If-Match etag is stale; re-read the resource and decide again."""


class PreconditionRequired(ApiError):
    """428: the operation needs an If-Match etag."""


class Throttled(ApiError):
    """429 and the retry budget is exhausted (attempts or total wait)."""


class ServerError(ApiError):
    """5xx after any retries."""


class TransportFailed(AzureHttpError):
    """No HTTP answer at all (connection refused/dropped, timeout) after any retries."""

    def __init__(self, method: str, url: str, cause: BaseException, attempts: int) -> None:
        self.method = method
        self.url = redact(url)
        self.attempts = attempts
        detail = redact(str(cause))
        what = f"{type(cause).__name__}: {detail}" if detail else type(cause).__name__
        super().__init__(f"{method} {self.url}: {what} after {attempts} attempt(s)")


class WaitTimeout(AzureHttpError, TimeoutError):
    """A bounded poll (e.g. waiting for a GDAP relationship to become active) ran out of time."""

    def __init__(self, message: str, *, last: Any = None, waited: float = 0.0) -> None:
        self.last = last
        self.waited = waited
        super().__init__(message)


class UnexpectedStatus(AzureHttpError):
    """A poll reached a terminal state that is not the one asked for (e.g. terminated, not active)."""

    def __init__(self, message: str, *, last: Any = None) -> None:
        self.last = last
        super().__init__(message)


_BY_STATUS: dict[int, type[ApiError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    412: PreconditionFailed,
    428: PreconditionRequired,
    429: Throttled,
}


def parse_error_body(response: httpx.Response) -> tuple[str | None, str, Any]:
    """Return (code, message, parsed body) from Graph's / ARM's ``{"error": {"code", "message"}}``.

    Falls back to the reason phrase when the body is not that shape (gateways, HTML pages).
    """
    text = response.text
    try:
        body: Any = json.loads(text) if text else None
    except ValueError:
        body = None
    code: str | None = None
    message = ""
    if isinstance(body, dict):
        err = body.get("error", body)
        if isinstance(err, dict):
            raw_code = err.get("code")
            code = raw_code if isinstance(raw_code, str) else None
            if isinstance(raw_code, int) and not isinstance(raw_code, bool):  # Partner Center: numeric codes
                code = str(raw_code)
            msg = err.get("message") or err.get("description")  # (Partner Center says "description")
            if isinstance(msg, dict):  # OData v3 style {"message": {"value": ...}}
                msg = msg.get("value")
            message = msg if isinstance(msg, str) else ""
        elif isinstance(err, str):
            message = err
    if not message:
        message = response.reason_phrase or (text[:200] if text else "")
    return code, message, body if body is not None else (text[:2000] or None)


def request_id_of(response: httpx.Response, body: Any = None) -> str | None:
    """The server's request id, from the headers or Graph's ``error.innerError``."""
    for name in REQUEST_ID_HEADERS:
        if value := response.headers.get(name):
            return value
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        inner = body["error"].get("innerError") or body["error"].get("innererror") or {}
        if isinstance(inner, dict):
            return inner.get("request-id") or inner.get("requestId")
    return None


def error_from_response(
    response: httpx.Response,
    *,
    method: str,
    url: str,
    client_request_id: str | None = None,
    retry_after: float | None = None,
    attempts: int = 1,
    secrets: tuple[str, ...] = (),
) -> ApiError:
    """Build the ``ApiError`` subclass matching ``response.status_code``."""
    code, message, body = parse_error_body(response)
    request_id = request_id_of(response, body)
    if any(secret and secret in response.text for secret in secrets):
        # The service echoed a credential back: keep only redacted text, not the raw body.
        message = redact(message, secrets)
        code = redact(code, secrets) if code else code
        body = None
    status = response.status_code
    cls = _BY_STATUS.get(status) or (ServerError if status >= 500 else ApiError)
    return cls(
        status,
        code,
        message,
        method=method,
        url=url,
        request_id=request_id,
        client_request_id=client_request_id,
        body=body,
        retry_after=retry_after,
        attempts=attempts,
    )
