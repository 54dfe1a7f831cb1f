"""Where bearer tokens come from.

Clients ask a ``TokenProvider`` for a token on every request instead of holding one: Pulumi
pickles dynamic providers into state, and a token stored on a pickled object would end up in
the state file. Providers here keep tokens in memory only and drop them when pickled; their
reprs never show a token.
"""

from __future__ import annotations

import asyncio
import inspect
import threading
import time
from typing import Any, Protocol, runtime_checkable

from azure_http.errors import ConsentMissing, NoCredential, consent_code

# Refresh a cached token this long before it expires, so a long request never starts with
# a token that dies mid-flight.
_REFRESH_MARGIN_S = 300


@runtime_checkable
class TokenProvider(Protocol):
    """Anything that can hand out a bearer token for a scope, optionally in another tenant."""

    async def get_token(self, scope: str, tenant_id: str | None = None) -> str: ...


class StaticToken:
    """A fixed token for the local emulator (which accepts any bearer token). Not for Azure."""

    def __init__(self, token: str = "emulator-token") -> None:
        self._token = token

    async def get_token(self, scope: str, tenant_id: str | None = None) -> str:
        return self._token

    def __repr__(self) -> str:
        return "StaticToken(token='***')"


class AzureIdentityTokens:
    """Tokens from an azure-identity credential, for the partner tenant or any customer tenant.

    The default credential is ``DefaultAzureCredential(additionally_allowed_tenants=["*"])`` so
    one credential serves the partner tenant and, via ``tenant_id=``, customer tenants (GDAP).
    It is created lazily: constructing this object costs nothing and needs no environment.

    Both sync credentials (``azure.identity``) and async ones (``azure.identity.aio``) work;
    sync ``get_token`` calls (which may spawn ``az`` or do blocking HTTP) run in a worker thread.
    Tokens are cached per (scope, tenant) until shortly before expiry, because some credentials
    (Azure CLI) do not cache and a sweep makes thousands of calls. The cache and a credential
    this object created are dropped when pickled.
    """

    def __init__(self, credential: Any = None, *, additionally_allowed_tenants: tuple[str, ...] = ("*",)):
        self._credential = credential
        self._owns_credential = credential is None
        self._allowed = tuple(additionally_allowed_tenants)
        self._cache: dict[tuple[str, str | None], tuple[str, float]] = {}
        self._lock = threading.Lock()

    def _get_credential(self) -> Any:
        if self._credential is None:
            from azure.identity import DefaultAzureCredential

            self._credential = DefaultAzureCredential(additionally_allowed_tenants=list(self._allowed))
        return self._credential

    def _cached(self, key: tuple[str, str | None]) -> str | None:
        hit = self._cache.get(key)
        if hit and hit[1] - _REFRESH_MARGIN_S > time.time():
            return hit[0]
        return None

    def _fetch_sync(self, scope: str, tenant_id: str | None) -> str:
        key = (scope, tenant_id)
        with self._lock:  # one fetch per key even when many coroutines ask at once
            if token := self._cached(key):
                return token
            kwargs = {"tenant_id": tenant_id} if tenant_id else {}
            access = self._get_credential().get_token(scope, **kwargs)
            self._cache[key] = (access.token, float(access.expires_on))
            return access.token

    async def get_token(self, scope: str, tenant_id: str | None = None) -> str:
        from azure.core.exceptions import ClientAuthenticationError

        try:
            return await self._get_token(scope, tenant_id)
        except ClientAuthenticationError as err:  # no sign-in, expired, consent missing: a person's fix, not a bug
            cause = err.message or str(err)
            if (code := consent_code(cause)) is not None:
                raise ConsentMissing(scope, tenant_id, cause, code) from None
            raise NoCredential(scope, tenant_id, cause) from None

    async def _get_token(self, scope: str, tenant_id: str | None) -> str:
        key = (scope, tenant_id)
        if token := self._cached(key):
            return token
        credential = self._get_credential()
        if inspect.iscoroutinefunction(credential.get_token):
            kwargs = {"tenant_id": tenant_id} if tenant_id else {}
            access = await credential.get_token(scope, **kwargs)
            self._cache[key] = (access.token, float(access.expires_on))
            return access.token
        return await asyncio.to_thread(self._fetch_sync, scope, tenant_id)

    def __getstate__(self) -> dict[str, Any]:
        if not self._owns_credential:
            raise TypeError(
                "AzureIdentityTokens with an explicit credential cannot be pickled; "
                "construct it at call time (e.g. inside the dynamic provider's method)"
            )
        return {"_allowed": self._allowed}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(additionally_allowed_tenants=state["_allowed"])  # type: ignore[misc]

    def __repr__(self) -> str:
        kind = "default" if self._owns_credential else type(self._credential).__name__
        return f"AzureIdentityTokens(credential={kind})"
