"""The one package in csp-delegation that speaks HTTP to Microsoft APIs.

Async clients on httpx over one shared request loop (``ApiClient``): tokens from azure-identity
fetched per request, retries honouring Retry-After, paging, If-Match, typed errors. Sync
callers (Pulumi dynamic providers and programs) use ``run_sync``.
"""

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
    Forbidden,
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
    "EmulatorTokens",
    "Endpoints",
    "Forbidden",
    "GraphClient",
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
