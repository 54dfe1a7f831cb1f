"""Tokens from the managed identity of an Azure Automation account (or any App Service-style host).

The revocation runbook runs in the customer's Automation account with a system-assigned identity.
Fetching its token takes one local HTTP call (IDENTITY_ENDPOINT + IDENTITY_HEADER), so the runbook
needs no azure-identity (and none of its compiled dependencies) in the Automation sandbox.
"""

from __future__ import annotations

import os
import time

import httpx

_API_VERSION = "2019-08-01"
_REFRESH_MARGIN_S = 300


class ManagedIdentityTokens:
    """TokenProvider for the host's managed identity; tokens cached in memory until near expiry."""

    def __init__(self, endpoint: str | None = None, header: str | None = None, client_id: str | None = None):
        self._endpoint = endpoint or os.environ.get("IDENTITY_ENDPOINT")
        self._header = header or os.environ.get("IDENTITY_HEADER")
        self._client_id = client_id
        if not self._endpoint or not self._header:
            raise RuntimeError(
                "no managed identity here: IDENTITY_ENDPOINT and IDENTITY_HEADER are unset "
                "(enable the Automation account's system-assigned identity)"
            )
        self._cache: dict[str, tuple[str, float]] = {}

    async def get_token(self, scope: str, tenant_id: str | None = None) -> str:
        resource = scope.removesuffix("/.default")
        hit = self._cache.get(resource)
        if hit and hit[1] - _REFRESH_MARGIN_S > time.time():
            return hit[0]
        params = {"resource": resource, "api-version": _API_VERSION}
        if self._client_id:
            params["client_id"] = self._client_id
        async with httpx.AsyncClient(timeout=30) as client:
            response = await client.get(self._endpoint, params=params, headers={"X-IDENTITY-HEADER": self._header})
        if response.status_code != 200:
            raise RuntimeError(f"managed identity token request failed with HTTP {response.status_code}")
        try:
            body = response.json()
            token, expires_on = body["access_token"], float(body.get("expires_on", time.time() + 3600))
        except (ValueError, KeyError, TypeError, AttributeError):
            raise RuntimeError("managed identity token endpoint answered without an access_token") from None
        self._cache[resource] = (token, expires_on)
        return token

    def __repr__(self) -> str:
        return "ManagedIdentityTokens(endpoint=***)"

    def __getstate__(self) -> dict:
        raise TypeError("ManagedIdentityTokens is created where it runs; it is never pickled")
