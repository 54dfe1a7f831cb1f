"""The one package in csp-delegation that speaks HTTP to Microsoft APIs.

Async clients on httpx over one shared request loop (``ApiClient``): tokens from azure-identity
fetched per request, retries honouring Retry-After, paging, If-Match, typed errors. Sync
callers (Pulumi dynamic providers and programs) use ``run_sync``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from azure_http.arm import ArmClient
    from azure_http.auth import AzureIdentityTokens, StaticToken, TokenProvider
    from azure_http.base import ApiClient
    from azure_http.emulator_tokens import EmulatorTokens
    from azure_http.endpoints import Endpoints
    from azure_http.errors import (
        ApiError,
        AzureHttpError,
        BadRequest,
        Conflict,
        ConsentMissing,
        Forbidden,
        NoCredential,
        NotFound,
        PreconditionFailed,
        PreconditionRequired,
        ServerError,
        Throttled,
        TransportFailed,
        Unauthorized,
        UnexpectedStatus,
        WaitTimeout,
    )
    from azure_http.gdap import approval_link
    from azure_http.graph import GraphClient
    from azure_http.partner_center import PartnerCenterClient
    from azure_http.polling import poll_until
    from azure_http.retry import NO_RETRY, RetryPolicy
    from azure_http.sync import run_sync
    from azure_http.throttle import ArmRateLimiter, BucketKey, BucketLimits

#: Where each public name lives. Imported on first use (PEP 562), so a command's --help, or code that needs
#: one small module, does not pay for httpx and every client.
_EXPORTS = {
    "ApiClient": "azure_http.base",
    "ApiError": "azure_http.errors",
    "ArmClient": "azure_http.arm",
    "ArmRateLimiter": "azure_http.throttle",
    "AzureHttpError": "azure_http.errors",
    "AzureIdentityTokens": "azure_http.auth",
    "BadRequest": "azure_http.errors",
    "BucketKey": "azure_http.throttle",
    "BucketLimits": "azure_http.throttle",
    "Conflict": "azure_http.errors",
    "ConsentMissing": "azure_http.errors",
    "EmulatorTokens": "azure_http.emulator_tokens",
    "Endpoints": "azure_http.endpoints",
    "Forbidden": "azure_http.errors",
    "GraphClient": "azure_http.graph",
    "NO_RETRY": "azure_http.retry",
    "NoCredential": "azure_http.errors",
    "NotFound": "azure_http.errors",
    "PartnerCenterClient": "azure_http.partner_center",
    "PreconditionFailed": "azure_http.errors",
    "PreconditionRequired": "azure_http.errors",
    "RetryPolicy": "azure_http.retry",
    "ServerError": "azure_http.errors",
    "StaticToken": "azure_http.auth",
    "Throttled": "azure_http.errors",
    "TokenProvider": "azure_http.auth",
    "TransportFailed": "azure_http.errors",
    "Unauthorized": "azure_http.errors",
    "UnexpectedStatus": "azure_http.errors",
    "WaitTimeout": "azure_http.errors",
    "approval_link": "azure_http.gdap",
    "poll_until": "azure_http.polling",
    "run_sync": "azure_http.sync",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'azure_http' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


__all__ = [
    "NO_RETRY",
    "ApiClient",
    "ApiError",
    "ArmClient",
    "ArmRateLimiter",
    "AzureHttpError",
    "AzureIdentityTokens",
    "BadRequest",
    "BucketKey",
    "BucketLimits",
    "Conflict",
    "ConsentMissing",
    "EmulatorTokens",
    "Endpoints",
    "Forbidden",
    "GraphClient",
    "NoCredential",
    "NotFound",
    "PartnerCenterClient",
    "PreconditionFailed",
    "PreconditionRequired",
    "RetryPolicy",
    "ServerError",
    "StaticToken",
    "Throttled",
    "TokenProvider",
    "TransportFailed",
    "Unauthorized",
    "UnexpectedStatus",
    "WaitTimeout",
    "approval_link",
    "poll_until",
    "run_sync",
]
