"""Tokens for the local emulator that say which tenant and principal the caller is.

Real Entra ID tokens carry the tenant (``tid``) and the caller's object id (``oid``); ARM scopes
its checks and its throttling by them. ``EmulatorTokens`` mints **unsigned** JWTs (``alg: none``)
with those claims, per requested tenant, so code asks for customer-tenant tokens with
``tenant_id=`` exactly as it does with azure-identity, and the emulator (``emulator.core.identity``)
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
    ``login_url`` (the emulator's ``/login``): ask the emulator's Entra token endpoint, as azure-identity
    asks Entra, so a tenant without the application's consent refuses the token (``ConsentMissing``);
    without it, tokens are minted here.
    """

    def __init__(
        self,
        principal_id: str = DEFAULT_EMULATOR_PRINCIPAL,
        *,
        home_tenant_id: str | None = None,
        login_url: str | None = None,
    ) -> None:
        self.principal_id = principal_id
        self.home_tenant_id = home_tenant_id
        self.login_url = login_url.rstrip("/") if login_url else None
        self._cache: dict[tuple[str, str | None], str] = {}

    async def get_token(self, scope: str, tenant_id: str | None = None) -> str:
        tenant = tenant_id or self.home_tenant_id
        if self.login_url is None:
            return emulator_token(tenant, self.principal_id, scope)
        key = (scope, tenant)
        if key not in self._cache:
            self._cache[key] = await self._fetch(scope, tenant)
        return self._cache[key]

    async def _fetch(self, scope: str, tenant: str | None) -> str:
        """One token request to the emulator's Entra endpoint, bounded by the command's deadline like any request:
        a refusal is Entra's (``ConsentMissing`` / ``NoCredential``), anything else names the endpoint."""
        import asyncio

        import httpx

        from azure_http import deadline as _deadline
        from azure_http.answers import UnexpectedAnswer
        from azure_http.errors import ConsentMissing, NoCredential, TransportFailed, consent_code

        form = {"grant_type": "client_credentials", "scope": scope, "emulator_principal": self.principal_id}
        url = f"{self.login_url}/{tenant or 'organizations'}/oauth2/v2.0/token"
        limit = _deadline.current()

        async def post() -> httpx.Response:
            async with httpx.AsyncClient(timeout=30) as http:
                return await http.post(url, data=form)

        try:
            if limit is None:
                response = await post()
            else:
                response = await asyncio.wait_for(post(), max(0.0, limit.remaining()))
        except asyncio.TimeoutError:  # noqa: UP041 - as azure_http.base: Python 3.10 keeps it apart
            raise _deadline.DeadlineExceeded("POST", url, limit.seconds if limit else 0) from None
        except httpx.HTTPError as err:  # nothing listening, a dropped connection: no token, one clear error
            raise TransportFailed("POST", url, err, 1) from None
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            kind = response.headers.get("content-type", "")
            raise UnexpectedAnswer("POST", url, response.status_code, "not a token endpoint's JSON answer", kind)
        if response.status_code == 200 and isinstance(body.get("access_token"), str):
            return body["access_token"]
        if response.status_code in (400, 401) and isinstance(body.get("error_description"), str):
            cause = body["error_description"]
            if (code := consent_code(cause)) is not None:
                raise ConsentMissing(scope, tenant, cause, code)
            raise NoCredential(scope, tenant, cause)
        raise UnexpectedAnswer("POST", url, response.status_code, "not a token endpoint's answer")

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_cache": {}}  # tokens never go into a pickle

    def __repr__(self) -> str:
        return f"EmulatorTokens(principal_id={self.principal_id!r}, home_tenant_id={self.home_tenant_id!r})"
