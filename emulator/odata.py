"""The bits of OData the emulated Graph collections need: $filter, $top, paging, etags.

Only what our clients use is supported (``field eq 'value'`` joined by ``and``, dotted paths
like ``customer/tenantId``); anything else is a 400, so a client relying on an unsupported
filter finds out here rather than in production.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request

from emulator.errors import ServiceError

_CLAUSE = re.compile(r"^\s*([A-Za-z][\w/]*)\s+(eq|ne)\s+(?:'((?:[^']|'')*)'|(true|false|null|-?\d+))\s*$")


def parse_filter(expression: str | None) -> Callable[[dict[str, Any]], bool]:
    """A predicate over a JSON object for ``a eq 'x' and b/c ne 'y'``; raises 400 otherwise."""
    if not expression or not expression.strip():
        return lambda item: True
    clauses = []
    for part in re.split(r"\s+and\s+", expression.strip(), flags=re.IGNORECASE):
        m = _CLAUSE.match(part)
        if not m:
            raise ServiceError(400, f"Invalid or unsupported $filter clause: {part!r}", "badRequest")
        path, op, text, literal = m.groups()
        if text is not None:
            value: Any = text.replace("''", "'")
        else:
            value = {"true": True, "false": False, "null": None}.get(literal, literal)
            if literal not in ("true", "false", "null"):
                value = int(literal)
        clauses.append((path.split("/"), op, value))

    def predicate(item: dict[str, Any]) -> bool:
        for keys, op, value in clauses:
            current: Any = item
            for key in keys:
                current = current.get(key) if isinstance(current, dict) else None
            if isinstance(current, str) and isinstance(value, str):
                equal = current.lower() == value.lower()
            else:
                equal = current == value
            if equal != (op == "eq"):
                return False
        return True

    return predicate


def page(
    request: Request,
    items: Sequence[dict[str, Any]],
    *,
    max_page_size: int,
    context: str | None = None,
) -> dict[str, Any]:
    """One page of ``items`` as Graph returns it, with an absolute ``@odata.nextLink`` if more.

    ``$top`` sets the page size (capped at ``max_page_size``); ``$skiptoken`` is our offset.
    """
    query = request.query_params
    size = max_page_size
    if "$top" in query:
        try:
            size = int(query["$top"])
        except ValueError:
            raise ServiceError(400, f"Invalid $top value {query['$top']!r}", "badRequest") from None
        if size < 1:
            raise ServiceError(400, "$top must be positive", "badRequest")
        size = min(size, max_page_size)
    offset = 0
    if "$skiptoken" in query:
        try:
            offset = int(base64.urlsafe_b64decode(query["$skiptoken"].encode()).decode())
        except ValueError:
            raise ServiceError(400, "Invalid $skiptoken", "badRequest") from None
    body: dict[str, Any] = {}
    if context:
        body["@odata.context"] = context
    body["value"] = list(items[offset : offset + size])
    if offset + size < len(items):
        token = base64.urlsafe_b64encode(str(offset + size).encode()).decode()
        params = [(k, v) for k, v in query.multi_items() if k != "$skiptoken"] + [("$skiptoken", token)]
        body["@odata.nextLink"] = str(request.url.replace(query=urlencode(params, safe="$")))
    return body


def etag_for(*parts: Any) -> str:
    """A weak etag in Graph's style (``W/"base64"``) derived from what the client can observe."""
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()[:12]
    return 'W/"' + base64.b64encode(digest).decode() + '"'


def require_if_match(request: Request, current_etag: str) -> None:
    """428 without ``If-Match``, 412 when it does not match the current etag."""
    supplied = request.headers.get("if-match")
    if not supplied:
        raise ServiceError(428, "The If-Match header is required for this operation.", "preconditionRequired")
    candidates = [c.strip() for c in supplied.split(",")]
    if current_etag not in candidates:
        raise ServiceError(
            412,
            "The If-Match etag does not match the current version of the resource; read it again.",
            "preconditionFailed",
        )
