"""``EmulatorCredential``: an azure-core ``TokenCredential`` for Microsoft's own SDKs against the emulator.

``AuthorizationManagementClient(EmulatorCredential(), sub_id, base_url=..., connection_verify=ca)`` or
``GraphServiceClient(EmulatorCredential())``: the SDKs ask it for a token exactly as they ask azure-identity,
and it hands out the same unsigned tokens the project's own clients use (``azure_http.emulator_tokens``),
naming the requested tenant and this credential's principal. No login, no network; useless against Azure
(nothing signs these tokens). Test and demo tooling only: production code never imports the emulator.
"""

from __future__ import annotations

import time

from azure.core.credentials import AccessToken

from azure_http.emulator_tokens import DEFAULT_EMULATOR_PRINCIPAL, emulator_token

#: How long a token claims to live; the emulator checks no expiry, the SDKs cache until it nears.
TOKEN_LIFETIME_S = 3600


class EmulatorCredential:
    """Tokens for ``tenant_id`` (per call, as a multi-tenant azure-identity credential; else the default)."""

    def __init__(self, principal_id: str = DEFAULT_EMULATOR_PRINCIPAL, *, tenant_id: str | None = None) -> None:
        self.principal_id = principal_id
        self.tenant_id = tenant_id

    def get_token(self, *scopes: str, tenant_id: str | None = None, **kwargs: object) -> AccessToken:
        scope = scopes[0] if scopes else ""
        token = emulator_token(tenant_id or self.tenant_id, self.principal_id, scope)
        return AccessToken(token, int(time.time()) + TOKEN_LIFETIME_S)

    def close(self) -> None:
        """Nothing to release; azure-core calls this when the client it was given to closes."""

    def __enter__(self) -> EmulatorCredential:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"EmulatorCredential(principal_id={self.principal_id!r}, tenant_id={self.tenant_id!r})"
