"""Tokens for the local emulator that say which tenant and principal the caller is.

Real Entra ID tokens carry the tenant (``tid``) and the caller's object id (``oid``); ARM scopes
its checks and its throttling by them. ``EmulatorTokens`` mints **unsigned** JWTs (``alg: none``)
with those claims, per requested tenant, so code asks for customer-tenant tokens with
``tenant_id=`` exactly as it does with azure-identity, and the emulator (``emulator.identity``)
knows who is calling. Useless anywhere else: nothing signs them.
"""

from __future__ import annotations

import base64
import json

#: The principal an ``EmulatorTokens()`` speaks for unless told otherwise.
DEFAULT_EMULATOR_PRINCIPAL = "00000000-0000-4000-8000-00000000e001"


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")


def emulator_token(tenant_id: str | None, principal_id: str = DEFAULT_EMULATOR_PRINCIPAL, scope: str = "") -> str:
    """An unsigned JWT with ``tid`` (omitted when None: the emulator's partner tenant) and ``oid``."""
    claims: dict[str, object] = {"aud": scope.removesuffix("/.default"), "oid": principal_id, "emulator": True}
    if tenant_id:
        claims["tid"] = tenant_id
        claims["iss"] = f"https://sts.windows.net/{tenant_id}/"
    return f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."


class EmulatorTokens:
    """``TokenProvider`` for the emulator: one principal, a token per tenant asked for.

    ``home_tenant_id`` is used when a client asks without a tenant (as a credential's home
    tenant would be); None leaves ``tid`` out, which the emulator reads as its partner tenant.
    """

    def __init__(self, principal_id: str = DEFAULT_EMULATOR_PRINCIPAL, *, home_tenant_id: str | None = None) -> None:
        self.principal_id = principal_id
        self.home_tenant_id = home_tenant_id

    async def get_token(self, scope: str, tenant_id: str | None = None) -> str:
        return emulator_token(tenant_id or self.home_tenant_id, self.principal_id, scope)

    def __repr__(self) -> str:
        return f"EmulatorTokens(principal_id={self.principal_id!r}, home_tenant_id={self.home_tenant_id!r})"
