"""Graph's single-object answers: an ``@odata.context`` on every one, and ``$select`` applied.

Graph v1.0 annotates the JSON objects it answers with ``@odata.context`` naming the entity set and
``/$entity``: microsoft-graph-docs-contrib ``api-reference/v1.0/api/delegatedadminaccessassignment-get.md``
shows ``...$metadata#accessAssignments/$entity``, ``delegatedadminrelationship-get.md``
``...$metadata#delegatedAdminRelationships/$entity``. Get pages document ``$select``. One middleware does both
for every Graph route, so no route module can forget them: an answer whose handler already set a context keeps
it; collections (a ``value`` array) are left to ``emulator.core.odata.page``. The context is an opaque URL to
clients (no client parses it), so the emulator's ``$metadata`` sits under ``/graph/v1.0`` everywhere.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from starlette.datastructures import MutableHeaders
from starlette.types import Message, Receive, Scope, Send

from emulator.core.api_middleware import ApiOnlyMiddleware
from emulator.core.errors import ServiceError, error_response
from emulator.core.odata import apply_select, select_fields

GRAPH_ROOT = "/graph/v1.0"
#: Collections whose next path segment is a key (the emulated Graph's entity sets and navigations).
KEYED = frozenset({"delegatedAdminRelationships", "accessAssignments", "requests", "operations", "contracts"})


def entity_context(base_url: str, path: str) -> str:
    """The ``@odata.context`` of the object a Graph path names (or creates, for a POST on a collection)."""
    segments = [s for s in path[len(GRAPH_ROOT) :].split("/") if s]
    names = [s for i, s in enumerate(segments) if not (i and segments[i - 1] in KEYED)]
    return f"{base_url.rstrip('/')}{GRAPH_ROOT}/$metadata#{names[-1]}/$entity"


class GraphEntityMiddleware(ApiOnlyMiddleware):
    """Adds ``@odata.context`` to Graph's single-object JSON answers and applies ``$select`` to GETs."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope["path"]
        if not path.startswith(GRAPH_ROOT + "/"):
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        chunks: list[bytes] = []

        async def buffered(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] == "http.response.body" and start is not None:
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    await self._finish(scope, receive, send, start, b"".join(chunks))
                return
            await send(message)

        await self.app(scope, receive, buffered)

    async def _finish(self, scope: Scope, receive: Receive, send: Send, start: Message, body: bytes) -> None:
        headers = MutableHeaders(raw=list(start.get("headers", [])))
        rewritten = self._rewrite(scope, start["status"], headers, body)
        if isinstance(rewritten, ServiceError):
            response = error_response(
                rewritten.status,
                rewritten.message,
                rewritten.code,
                request_id=scope.get("emulator.request_id"),
                client_request_id=scope.get("emulator.client_request_id"),
            )
            await response(scope, receive, send)
            return
        if rewritten is not None:
            body = rewritten
            headers["content-length"] = str(len(body))
        await send({**start, "headers": headers.raw})
        await send({"type": "http.response.body", "body": body})

    @staticmethod
    def _rewrite(scope: Scope, status: int, headers: MutableHeaders, body: bytes) -> bytes | ServiceError | None:
        if status not in (200, 201) or "json" not in headers.get("content-type", ""):
            return None
        try:
            item: Any = json.loads(body)
        except ValueError:
            return None
        if not isinstance(item, dict) or "value" in item or "error" in item:
            return None
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True))
        select = query.get("$select")
        try:
            names = select_fields(select) if select is not None and scope["method"] == "GET" else None
        except ServiceError as exc:
            return exc
        if "@odata.context" not in item:
            host = dict(scope.get("headers") or []).get(b"host", b"").decode("latin-1")
            base = f"{scope.get('scheme', 'http')}://{host}"
            item = {"@odata.context": entity_context(base, scope["path"]), **item}
        return json.dumps(apply_select(item, names), separators=(",", ":")).encode()
