"""Entra ID's token endpoint, ``POST /login/{tenant}/oauth2/v2.0/token``, with per-tenant consent.

A partner's multi-tenant application gets a token in a customer tenant only once an administrator there
has consented to it (which creates its service principal in that tenant). Without it Entra refuses at the
token endpoint, before any API is called, with an OAuth error body (learn.microsoft.com "Microsoft Entra
authentication and authorization error codes"):

- client credentials (the app itself): HTTP 400 ``unauthorized_client``, ``AADSTS700016`` "Application with
  identifier '<app id>' was not found in the directory '<tenant>'" (no service principal there);
- a user's token for the app (authorization code, refresh token, on-behalf-of): HTTP 400 ``invalid_grant``,
  ``AADSTS65001`` "The user or administrator has not consented to use the application".

The emulator issues the same unsigned tokens ``azure_http.emulator_tokens`` mints (``tid``, ``oid``), and
refuses them for a tenant without consent. Consent is present everywhere unless a scenario's
``entra.consent_missing`` (tenant ids) or ``/_emulator/entra/consent/{tenant}`` (DELETE) takes it away.
Token requests are neither logged as API traffic nor faulted: they are not calls to Graph, ARM or Partner
Center.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from azure_http.emulator_tokens import DEFAULT_EMULATOR_PRINCIPAL, emulator_token
from emulator.core.api_middleware import LOGIN_PREFIX
from emulator.core.clock import iso
from emulator.core.state import EmulatorState

#: The partner application's client id when a token request names none.
DEFAULT_APP_ID = "00000000-0000-4000-8000-0000000a9901"
TOKEN_LIFETIME_S = 3600


@dataclass
class EntraStore:
    consent_missing: set[str] = field(default_factory=set)
    """Customer tenants (lower-cased) where the partner's application has no consent."""

    def has_consent(self, tenant_id: str | None) -> bool:
        return (tenant_id or "").lower() not in self.consent_missing


def _error(status: int, error: str, code: int, description: str, now: datetime) -> JSONResponse:
    trace, correlation = str(uuid.uuid4()), str(uuid.uuid4())
    stamp = iso(now) or ""
    text = f"AADSTS{code}: {description}\r\nTrace ID: {trace}\r\nCorrelation ID: {correlation}\r\nTimestamp: {stamp}"
    body = {
        "error": error,
        "error_description": text,
        "error_codes": [code],
        "timestamp": stamp,
        "trace_id": trace,
        "correlation_id": correlation,
        "error_uri": f"https://login.microsoftonline.com/error?code={code}",
    }
    return JSONResponse(body, status_code=status)


def consent_error(tenant_id: str, client_id: str, grant_type: str, now: datetime) -> JSONResponse:
    """What Entra answers a token request for an application the tenant never consented to."""
    if grant_type == "client_credentials":
        return _error(
            400,
            "unauthorized_client",
            700016,
            f"Application with identifier '{client_id}' was not found in the directory '{tenant_id}'. This can "
            "happen if the application has not been installed by the administrator of the tenant or consented "
            "to by any user in the tenant. You may have sent your authentication request to the wrong tenant.",
            now,
        )
    return _error(
        400,
        "invalid_grant",
        65001,
        f"The user or administrator has not consented to use the application with ID '{client_id}'. Send an "
        "interactive authorization request for this user and resource.",
        now,
    )


class EntraService:
    name = "entra"

    def new_store(self) -> EntraStore:
        return EntraStore()

    @staticmethod
    def store(state: EmulatorState) -> EntraStore:
        return state.stores["entra"]

    def routes(self, state: EmulatorState) -> list[BaseRoute]:
        svc = self

        async def token(request: Request) -> Response:
            tenant = request.path_params["tenant"].lower()
            form = {k: v[0] for k, v in parse_qs((await request.body()).decode("utf-8", "replace")).items()}
            grant_type = form.get("grant_type", "")
            client_id = form.get("client_id") or DEFAULT_APP_ID
            scope = form.get("scope", "")
            now = state.clock.now()
            if not grant_type or not scope:
                return _error(
                    400, "invalid_request", 900144, "The request body must contain 'grant_type' and 'scope'.", now
                )
            with state.lock:
                consented = svc.store(state).has_consent(tenant)
            if not consented:
                return consent_error(tenant, client_id, grant_type, now)
            # Not an OAuth field: the emulator's stand-in for "who signed in" (the token's oid).
            principal = form.get("emulator_principal") or DEFAULT_EMULATOR_PRINCIPAL
            body = {
                "token_type": "Bearer",
                "expires_in": TOKEN_LIFETIME_S,
                "ext_expires_in": TOKEN_LIFETIME_S,
                "access_token": emulator_token(None if tenant == "organizations" else tenant, principal, scope),
            }
            return JSONResponse(body)

        return [Route(LOGIN_PREFIX + "{tenant}/oauth2/v2.0/token", token, methods=["POST"])]

    def control_routes(self, state: EmulatorState) -> list[BaseRoute]:
        svc = self

        async def consent(request: Request) -> Response:
            tenant = request.path_params["tenant"].lower()
            with state.lock:
                missing = svc.store(state).consent_missing
                if request.method == "DELETE":
                    missing.add(tenant)
                elif request.method == "PUT":
                    missing.discard(tenant)
                return JSONResponse({"tenantId": tenant, "consent": tenant not in missing})

        return [Route("/consent/{tenant}", consent, methods=["GET", "PUT", "DELETE"])]

    def seed(self, state: EmulatorState, section: Any) -> None:
        if not isinstance(section, dict) or set(section) - {"consent_missing"}:
            raise ValueError("the entra section takes one key: consent_missing (a list of tenant ids)")
        missing = section.get("consent_missing") or []
        if not isinstance(missing, list) or not all(isinstance(t, str) and t for t in missing):
            raise ValueError("entra.consent_missing must be a list of tenant ids")
        self.store(state).consent_missing.update(t.lower() for t in missing)

    def dump(self, state: EmulatorState) -> dict[str, Any]:
        return {"consent_missing": sorted(self.store(state).consent_missing)}


SERVICE = EntraService()
