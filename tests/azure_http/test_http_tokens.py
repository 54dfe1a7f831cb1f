"""Tokens: fetched per call (per tenant), cached in memory only, never in messages, logs, reprs or pickles."""

from __future__ import annotations

import logging
import pickle
import socket
import time

import pytest
from azure.core.credentials import AccessToken

from azure_http import (
    ApiError,
    AzureHttpError,
    AzureIdentityTokens,
    Endpoints,
    GraphClient,
    RetryPolicy,
    StaticToken,
    Unauthorized,
)
from azure_http.redact import redact

HELPDESK = "729827e3-9c14-49f7-bb1b-9608f156bbb8"
RELS = "/graph/v1.0/tenantRelationships/delegatedAdminRelationships"
SECRET = "s3cr3t-T0KEN-value-never-shown"
JWT = "eyJhbGciOiJSUzI1NiJ9.eyJ0aWQiOiJwYXJ0bmVyIn0.c2lnbmF0dXJlLXBhcnQ"

pytestmark = pytest.mark.anyio


class FakeCredential:
    """Stands in for an azure-identity credential: records the (scope, tenant) it is asked for."""

    def __init__(self, token: str = SECRET, lifetime: float = 3600) -> None:
        self.calls: list[tuple[tuple[str, ...], str | None]] = []
        self.token, self.lifetime = token, lifetime

    def get_token(self, *scopes: str, tenant_id: str | None = None, **kwargs) -> AccessToken:
        self.calls.append((scopes, tenant_id))
        return AccessToken(f"{self.token}-{tenant_id or 'home'}", int(time.time() + self.lifetime))


class FakeAsyncCredential(FakeCredential):
    async def get_token(self, *scopes: str, tenant_id: str | None = None, **kwargs) -> AccessToken:  # type: ignore[override]
        return FakeCredential.get_token(self, *scopes, tenant_id=tenant_id)


def all_log_text(caplog: pytest.LogCaptureFixture) -> str:
    parts = []
    for record in caplog.records:
        parts.append(record.getMessage())
        if record.exc_info:
            parts.append(logging.Formatter().formatException(record.exc_info))
    return "\n".join(parts)


async def test_token_never_in_errors_or_logs(emulator, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)  # root: azure_http, httpx and httpcore at their most verbose
    emulator.control.add_fault(RELS, status=429, times=1, retry_after=0)
    # A service that echoes the credential back in its error message:
    emulator.control.add_fault(RELS, status=400, times=1, method="POST", message=f"bad header Bearer {SECRET} {JWT}")
    errors: list[BaseException] = []
    retry = RetryPolicy(max_attempts=2, backoff_base=0.01, backoff_max=0.01)
    for token in (SECRET, JWT):
        async with GraphClient(StaticToken(token), Endpoints.emulator(emulator.url), retry=retry) as graph:
            [r async for r in graph.list_relationships()]
            for call in (
                lambda g=graph: g.get_relationship("missing"),
                lambda g=graph: g.create_relationship("Echo", [HELPDESK]),
            ):
                try:
                    await call()
                except ApiError as exc:
                    errors.append(exc)
    emulator.control.settings(required_token="the-only-good-token")
    async with GraphClient(StaticToken(SECRET), Endpoints.emulator(emulator.url)) as graph:
        with pytest.raises(Unauthorized) as unauthorized:
            await graph.get_relationship("x")
        errors.append(unauthorized.value)
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{closed.getsockname()[1]}"
        async with GraphClient(StaticToken(SECRET), Endpoints.emulator(url), retry=retry) as graph:
            with pytest.raises(AzureHttpError) as refused:
                await graph.get_relationship("x")
            errors.append(refused.value)

    assert len(errors) >= 4
    texts = [str(e) for e in errors] + [repr(e) for e in errors] + [str(getattr(e, "body", "")) for e in errors]
    texts.append(all_log_text(caplog))
    for text in texts:
        assert SECRET not in text and JWT not in text and "eyJhbGci" not in text
    echoed = [e for e in errors if isinstance(e, ApiError) and "bad header" in e.message]
    assert echoed and all("***" in e.message for e in echoed)
    assert any("retry" in r.getMessage() for r in caplog.records)  # retries were logged, tokens not


def test_redact() -> None:
    assert redact(f"Authorization: Bearer {SECRET}") == "Authorization: Bearer ***"
    assert redact(f"token={JWT}!") == "token=***!"
    assert redact(f"x {SECRET} y", [SECRET]) == "x *** y"


def test_reprs_hide_tokens() -> None:
    assert SECRET not in repr(StaticToken(SECRET))
    tokens = AzureIdentityTokens(FakeCredential())
    assert SECRET not in repr(tokens) and "FakeCredential" in repr(tokens)


async def test_azure_identity_tokens_per_tenant_and_cached() -> None:
    credential = FakeCredential()
    tokens = AzureIdentityTokens(credential)
    scope = Endpoints().graph_scope
    assert await tokens.get_token(scope) == f"{SECRET}-home"
    assert await tokens.get_token(scope, "customer-tenant") == f"{SECRET}-customer-tenant"
    assert await tokens.get_token(scope, "customer-tenant") == f"{SECRET}-customer-tenant"
    assert credential.calls == [((scope,), None), ((scope,), "customer-tenant")]


async def test_azure_identity_tokens_refresh_near_expiry() -> None:
    credential = FakeCredential(lifetime=60)  # inside the refresh margin: never served from cache
    tokens = AzureIdentityTokens(credential)
    await tokens.get_token("scope")
    await tokens.get_token("scope")
    assert len(credential.calls) == 2


async def test_azure_identity_tokens_with_async_credential() -> None:
    credential = FakeAsyncCredential()
    tokens = AzureIdentityTokens(credential)
    assert await tokens.get_token("scope", "t1") == f"{SECRET}-t1"
    assert credential.calls == [(("scope",), "t1")]


async def test_client_asks_for_the_scope_and_tenant_on_every_call(emulator) -> None:
    credential = FakeCredential(lifetime=60)  # no caching, so every call reaches the credential
    tokens = AzureIdentityTokens(credential)
    async with GraphClient(tokens, Endpoints.emulator(emulator.url), tenant_id="partner-tenant") as graph:
        [r async for r in graph.list_relationships()]
        [r async for r in graph.list_relationships()]
    assert credential.calls == [(("https://graph.microsoft.com/.default",), "partner-tenant")] * 2


async def test_pickling_never_carries_a_token() -> None:
    tokens = AzureIdentityTokens()  # default credential, created lazily
    restored = pickle.loads(pickle.dumps(tokens))
    assert isinstance(restored, AzureIdentityTokens)
    cached = AzureIdentityTokens(FakeCredential())
    await cached.get_token("scope")
    with pytest.raises(TypeError, match="call time"):
        pickle.dumps(cached)  # an explicit credential (and its cache) is not pickled
    with pytest.raises(TypeError, match="do not pickle"):
        pickle.dumps(GraphClient(StaticToken(SECRET)))


async def test_no_credential_is_one_clear_error_naming_the_fix() -> None:
    from azure.core.exceptions import ClientAuthenticationError

    from azure_http import NoCredential

    class SignedOut:
        def get_token(self, *scopes, **kwargs):
            raise ClientAuthenticationError("DefaultAzureCredential failed to retrieve a token\nAttempted: ...")

    tokens = AzureIdentityTokens(SignedOut())
    with pytest.raises(NoCredential) as caught:
        await tokens.get_token("https://graph.microsoft.com/.default", "3a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d")
    text = str(caught.value)
    assert "in tenant 3a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d" in text and "`az login`" in text
    assert "First cause: DefaultAzureCredential failed to retrieve a token" in text and "Attempted" not in text
