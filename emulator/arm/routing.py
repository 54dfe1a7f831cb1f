"""The pieces of ARM's front door every resource family shares: paths to targets, keyset pages, ARM answers.

``parse_path`` names what a path addresses (a collection or an item, at a scope); ``keyset_page`` pages a list
with ``$skiptoken`` as ARM does; ``arm_json`` / ``arm_error_response`` shape the answers (common-types v2
``ErrorResponse``: ``{"error": {"code", "message"}}``).
"""

from __future__ import annotations

import base64
import uuid
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from emulator.arm import model as m
from emulator.arm import throttle as t
from emulator.core.errors import ServiceError
from emulator.core.identity import Caller

ROOT = "/arm"
NAMESPACE = uuid.UUID("0f7e2d52-3a8c-4d7e-9b1a-6c5d4e3f2a10")
SKIP_TOKEN = "$skiptoken"

# Operation targets a path can name.
SUBSCRIPTIONS, SUBSCRIPTION = "subscriptions", "subscription"
ROLE_ASSIGNMENTS, ROLE_DEFINITIONS = "roleassignments", "roledefinitions"
REG_DEFINITIONS, REG_ASSIGNMENTS = "registrationdefinitions", "registrationassignments"
ALIASES = "aliases"
_PROVIDER_COLLECTIONS = {
    ("microsoft.authorization", "roleassignments"): ROLE_ASSIGNMENTS,
    ("microsoft.authorization", "roledefinitions"): ROLE_DEFINITIONS,
    ("microsoft.managedservices", "registrationdefinitions"): REG_DEFINITIONS,
    ("microsoft.managedservices", "registrationassignments"): REG_ASSIGNMENTS,
}


def arm_json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse(body, status_code=status, headers=headers)


def arm_error_response(exc: ServiceError, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse(
        {"error": {"code": exc.code, "message": exc.message}},
        status_code=exc.status,
        headers={**(headers or {}), **exc.headers},
    )


def _not_found_path(path: str) -> ServiceError:
    return m.arm_error(404, "InvalidResourceType", f"The resource path '{path}' is not served by this emulator.")


def method_not_allowed(method: str, what: str) -> ServiceError:
    return m.arm_error(405, "MethodNotAllowed", f"The HTTP method '{method}' is not supported on {what}.")


class Target:
    """What an ARM path names: a collection or an item of one kind, at a scope."""

    __slots__ = ("kind", "name", "scope_text")

    def __init__(self, kind: str, scope_text: str | None = None, name: str | None = None) -> None:
        self.kind, self.scope_text, self.name = kind, scope_text, name


def parse_path(path: str) -> Target:
    """Split an ARM path (after ``/arm``) into a target; 404 for paths the emulator does not serve."""
    parts = [p for p in path.split("/") if p]
    lower = [p.lower() for p in parts]
    if lower == ["subscriptions"]:
        return Target(SUBSCRIPTIONS)
    if len(lower) == 2 and lower[0] == "subscriptions":
        return Target(SUBSCRIPTION, name=parts[1])
    if lower[:3] == ["providers", "microsoft.subscription", "aliases"] and len(parts) in (3, 4):
        return Target(ALIASES, name=parts[3] if len(parts) == 4 else None)
    # {scope}/providers/{namespace}/{collection}[/{name}]: the last such provider segment wins.
    for i in range(len(lower) - 3, -1, -1):
        if lower[i] != "providers":
            continue
        kind = _PROVIDER_COLLECTIONS.get((lower[i + 1], lower[i + 2]))
        if kind and len(parts) - (i + 3) in (0, 1):
            name = parts[i + 3] if len(parts) == i + 4 else None
            return Target(kind, "/" + "/".join(parts[:i]), name)
        break
    raise _not_found_path("/" + "/".join(parts))


def bucket_of(path: str, caller: Caller) -> tuple[str, str]:
    """(level, id) of the throttling bucket: the subscription in the path, else the caller's tenant."""
    parts = [p for p in path.split("/") if p]
    if len(parts) >= 2 and parts[0].lower() == "subscriptions":
        return t.SUBSCRIPTION, parts[1].lower()
    return t.TENANT, caller.tenant_id


def keyset_page(request: Request, items: list[Any], page_size: int, seq_of: Any, render: Any) -> dict[str, Any]:
    """One page of ``items`` (sorted by seq) after ``$skiptoken``, with an absolute ``nextLink`` if more.

    The token is the last seq returned, not an offset: deleting what a page returned (a
    revocation sweep does exactly that) never makes the next page skip anything.
    """
    # ARM reads query parameter names case-insensitively: the SDKs send `$skipToken` (the documented
    # spelling), nextLinks carry `$skiptoken`.
    token = next((v for k, v in request.query_params.multi_items() if k.lower() == SKIP_TOKEN), None)
    after = 0
    if token:
        try:
            after = int(base64.urlsafe_b64decode(token.encode()).decode())
        except ValueError:
            raise m.bad("InvalidSkipToken", "The $skiptoken is not valid.") from None
    start = 0
    if after:
        start = next((i for i, item in enumerate(items) if seq_of(item) > after), len(items))
    chunk = items[start : start + page_size]
    body: dict[str, Any] = {"value": [render(item) for item in chunk]}
    if start + page_size < len(items) and chunk:
        next_token = base64.urlsafe_b64encode(str(seq_of(chunk[-1])).encode()).decode()
        params = [(k, v) for k, v in request.query_params.multi_items() if k.lower() != SKIP_TOKEN]
        params.append((SKIP_TOKEN, next_token))
        body["nextLink"] = str(request.url.replace(query=urlencode(params, safe="$()'")))
    return body


def properties_of(body: Any) -> dict[str, Any]:
    """A request body's ``properties`` object; 400 ``InvalidRequestContent`` without one."""
    props = body.get("properties") if isinstance(body, dict) else None
    if not isinstance(props, dict):
        raise m.bad("InvalidRequestContent", "The request content must be a JSON object with 'properties'.")
    return props


def required_guid(entry: Any, key: str, what: str) -> str:
    """``entry[key]`` lower-cased, when it is a GUID (a scenario's ids); ValueError naming the key otherwise."""
    value = entry.get(key) if isinstance(entry, dict) else None
    if not m.is_guid(value):
        raise ValueError(f"{what}: {key} must be a GUID, not {value!r}")
    return value.lower()
