"""Who is calling: the tenant and principal behind a bearer token.

Real ARM and Partner Center read the ``tid`` (tenant) and ``oid`` (principal object id) claims of
the caller's Entra ID token. The emulator does the same with an **unsigned** JWT (``alg: none``)
minted by ``azure_http.EmulatorTokens``: the client asks for a token per tenant exactly as it
does with azure-identity in production (``ApiClient(tenant_id=...)``), and no emulator-only
header exists. Rules, in order:

1. A token shaped like a JWT (``header.payload.signature``) whose payload is JSON: ``tid`` is
   the tenant (absent: the partner tenant, as a credential's home tenant would be), ``oid`` the
   principal (absent: the token itself).
2. An opaque token listed in the scenario's ``arm.tokens`` map: the tenant and principal given
   there (``{token: {tenant: <id>, principal: <id>}}``).
3. Any other opaque token (``StaticToken()``): the partner tenant, and the token string itself
   as the principal.

The principal is what ARM throttles per (with the subscription or tenant and the operation type),
so two tokens with different ``oid`` values get separate buckets. Nothing is verified: this is a
local test double, never a security boundary.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from emulator.core.state import EmulatorState


@dataclass(frozen=True)
class Caller:
    tenant_id: str
    """Lower-cased tenant id the token was issued for."""
    principal: str
    """Object id of the caller (lower-cased), or the opaque token itself."""
    kind: str
    """'jwt', 'mapped' (scenario arm.tokens) or 'static'."""


def _b64json(part: str) -> Any:
    padded = part + "=" * (-len(part) % 4)
    try:
        return json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeEncodeError):
        return None


def jwt_claims(token: str) -> dict[str, Any] | None:
    """The payload of an (unverified) JWT, or None when ``token`` is not one."""
    parts = token.split(".")
    if len(parts) != 3 or not parts[0] or not parts[1]:
        return None
    header, payload = _b64json(parts[0]), _b64json(parts[1])
    if not isinstance(header, dict) or not isinstance(payload, dict):
        return None
    return payload


def bearer_token(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def caller_of(request: Request, state: EmulatorState) -> Caller:
    """The caller of ``request`` (the bearer middleware has already refused requests without a token)."""
    token = bearer_token(request)
    partner = state.settings.partner_tenant_id.lower()
    claims = jwt_claims(token)
    if claims is not None:
        tenant = str(claims.get("tid") or partner).lower()
        principal = str(claims.get("oid") or token).lower()
        return Caller(tenant, principal, "jwt")
    arm = state.stores.get("arm")
    mapped = getattr(arm, "tokens", {}).get(token) if arm is not None else None
    if mapped:
        return Caller(mapped["tenant"].lower(), mapped["principal"].lower(), "mapped")
    return Caller(partner, token, "static")
