"""The bits of OData the emulated Graph collections need: $filter, $top, $select, $orderby, $count, paging, etags.

``$filter``: ``field eq 'value'`` (or ``ne``) joined by ``and``, dotted paths like ``customer/tenantId``;
the literal may be a quoted string, true/false/null, an integer, or an unquoted GUID (OData v4's
Edm.Guid literal, what ``contract.customerId`` takes: learn.microsoft.com/graph/api/contract-list,
"Filtering is supported for customerId, defaultDomainName, and displayName"). Anything else is a 400,
so a client relying on an unsupported filter finds out here rather than in production.

``$select``, ``$orderby`` and ``$count`` are served on the collections whose Graph v1.0 page
documents them (``DOCUMENTED_OPTIONS``, keyed by the collection's last path segment, each with its
page) and refused with 400 elsewhere: a client never learns to rely on an option Graph does not
promise on that route. ``$select`` on single objects is applied by ``GraphEntityMiddleware``.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request

from emulator.core.errors import ServiceError

_GUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_CLAUSE = re.compile(
    r"^\s*([A-Za-z][\w/]*)\s+(eq|ne)\s+(?:'((?:[^']|'')*)'|(" + _GUID + r")|(true|false|null|-?\d+))\s*$"
)

#: Graph v1.0 collections (last path segment) -> the OData options among $select/$orderby/$count their
#: List page documents (microsoftgraph/microsoft-graph-docs-contrib, api-reference/v1.0/api/...).
DOCUMENTED_OPTIONS: dict[str, frozenset[str]] = {
    # tenantrelationship-list-delegatedadminrelationships.md: $select, $filter, $top, $orderby, $count, $skipToken
    "delegatedAdminRelationships": frozenset({"$select", "$orderby", "$count"}),
    # delegatedadminrelationship-list-accessassignments.md: the same
    "accessAssignments": frozenset({"$select", "$orderby", "$count"}),
    # delegatedadminrelationship-list-operations.md / -list-requests.md: $expand, $select, $filter, $top, $count
    "operations": frozenset({"$select", "$count"}),
    "requests": frozenset({"$select", "$count"}),
    # contract-list.md: "supports the OData Query Parameters" (filtering on three properties only)
    "contracts": frozenset({"$select", "$orderby", "$count"}),
    # crosstenantaccesspolicy-list-partners.md: $select and $expand
    "partners": frozenset({"$select"}),
}
_OPTION_NAMES = ("$select", "$orderby", "$count")


def parse_filter(expression: str | None, *, fields: tuple[str, ...] | None = None) -> Callable[[dict[str, Any]], bool]:
    """A predicate over a JSON object for ``a eq 'x' and b/c ne 'y'``; raises 400 otherwise.

    ``fields``: the properties the route documents as filterable (None: any).
    """
    if not expression or not expression.strip():
        return lambda item: True
    clauses = []
    for part in re.split(r"\s+and\s+", expression.strip(), flags=re.IGNORECASE):
        m = _CLAUSE.match(part)
        if not m:
            raise ServiceError(400, f"Invalid or unsupported $filter clause: {part!r}", "badRequest")
        path, op, text, guid, literal = m.groups()
        if fields is not None and path not in fields:
            raise ServiceError(
                400, f"Filtering on '{path}' is not supported; filter on {', '.join(fields)}.", "badRequest"
            )
        if text is not None:
            value: Any = text.replace("''", "'")
        elif guid is not None:
            value = guid
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


def query_options(request: Request) -> dict[str, str]:
    """The $select/$orderby/$count the request gives; 400 for one its collection does not document."""
    given = {name: request.query_params[name] for name in _OPTION_NAMES if name in request.query_params}
    collection = request.url.path.rstrip("/").rsplit("/", 1)[-1]
    allowed = DOCUMENTED_OPTIONS.get(collection, frozenset())
    for name in given:
        if name not in allowed:
            raise ServiceError(400, f"Query option '{name}' is not allowed on '{collection}'.", "BadRequest")
    return given


def _value_at(item: dict[str, Any], path: str) -> Any:
    current: Any = item
    for key in path.split("/"):
        current = current.get(key) if isinstance(current, dict) else None
    return current


def select_fields(text: str | None) -> list[str] | None:
    """The property names of a ``$select`` (None when absent); 400 when empty or malformed."""
    if text is None:
        return None
    names = [n.strip() for n in text.split(",")]
    if not names or any(not re.fullmatch(r"[A-Za-z]\w*", n) for n in names):
        raise ServiceError(400, f"Invalid $select value {text!r}", "BadRequest")
    return names


def apply_select(item: dict[str, Any], names: list[str] | None) -> dict[str, Any]:
    """``item`` with only the selected properties and its ``@odata.*`` annotations."""
    if names is None:
        return item
    return {k: v for k, v in item.items() if k.startswith("@odata.") or k in names}


def _sorted(items: Sequence[dict[str, Any]], text: str) -> list[dict[str, Any]]:
    """``items`` in ``$orderby`` order (``a/b [asc|desc], c``); nulls first ascending, as OData orders them."""
    out = list(items)
    keys = []
    for clause in text.split(","):
        m = re.fullmatch(r"\s*([A-Za-z][\w/]*)(?:\s+(asc|desc))?\s*", clause, flags=re.IGNORECASE)
        if not m:
            raise ServiceError(400, f"Invalid $orderby clause {clause!r}", "BadRequest")
        keys.append((m.group(1), (m.group(2) or "asc").lower() == "desc"))
    for path, descending in reversed(keys):  # stable sorts, last key first
        out.sort(
            key=lambda i, p=path: (_value_at(i, p) is not None, str(_value_at(i, p) or "").lower()), reverse=descending
        )
    return out


def page(
    request: Request,
    items: Sequence[dict[str, Any]],
    *,
    max_page_size: int,
    context: str | None = None,
) -> dict[str, Any]:
    """One page of ``items`` as Graph returns it, with an absolute ``@odata.nextLink`` if more.

    ``$top`` sets the page size (capped at ``max_page_size``); ``$skiptoken`` is our offset.
    ``$orderby`` sorts before paging, ``$count=true`` adds ``@odata.count`` (all matching items, not
    the page) and ``$select`` trims each item, where the collection documents them (``query_options``).
    """
    query = request.query_params
    options = query_options(request)
    if "$orderby" in options:
        items = _sorted(items, options["$orderby"])
    names = select_fields(options.get("$select"))
    count = options.get("$count", "false").lower()
    if count not in ("true", "false"):
        raise ServiceError(400, f"Invalid $count value {options['$count']!r}: use true or false.", "BadRequest")
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
        body["@odata.context"] = context if names is None else f"{context}({','.join(names)})"
    if count == "true":
        body["@odata.count"] = len(items)
    body["value"] = [apply_select(i, names) for i in items[offset : offset + size]]
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
