"""Answers that are not what the API documents: typed errors naming the endpoint, never a stray traceback.

A proxy's HTML login page with 200, an empty 200, a redirect, a JSON array where Graph or ARM answer
with an object: each used to surface as JSONDecodeError, AttributeError or TypeError somewhere far
from the request. The clients check the answer where they parse it and raise ``UnexpectedAnswer``,
which says which request got what (status, content type, a bounded sample), so the person can tell a
misconfigured endpoint or proxy from a bug.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from azure_http.errors import AzureHttpError
from azure_http.redact import redact

_SAMPLE = 120


class UnexpectedAnswer(AzureHttpError):
    """The endpoint answered, but not with what the API returns (not JSON, wrong shape, a redirect)."""

    def __init__(self, method: str, url: str, status: int, problem: str, content_type: str = "") -> None:
        self.method = method
        self.url = redact(url)
        self.status = status
        self.problem = problem
        kind = f", {content_type[:60]}" if content_type else ""
        super().__init__(
            f"{method} {self.url}: HTTP {status}{kind}: {problem} "
            "(is the endpoint right, or is a proxy answering in its place?)"
        )


def _sample(response: httpx.Response) -> str:
    text = response.content[:_SAMPLE].decode("utf-8", "replace")
    text = " ".join(text.split())
    return repr(text) + ("..." if len(response.content) > _SAMPLE else "")


def unexpected(response: httpx.Response, method: str, url: str, problem: str) -> UnexpectedAnswer:
    return UnexpectedAnswer(method, url, response.status_code, problem, response.headers.get("content-type", ""))


def redirect_error(response: httpx.Response, method: str, url: str) -> UnexpectedAnswer:
    """A 3xx: Graph, ARM and Partner Center do not redirect API calls, and a token must not follow one."""
    location = response.headers.get("location", "")
    where = f" to {redact(location)[:200]}" if location else ""
    return unexpected(response, method, url, f"a redirect{where}, which these APIs never send")


def json_body(response: httpx.Response, method: str, url: str, *, allow_empty: bool) -> Any:
    """The JSON document of a 2xx answer (None when empty and ``allow_empty``), else ``UnexpectedAnswer``."""
    if not response.content.strip():
        if allow_empty:
            return None
        raise unexpected(response, method, url, "an empty body where a JSON object was expected")
    try:
        return json.loads(response.content)
    except (ValueError, RecursionError):
        raise unexpected(response, method, url, f"not JSON: {_sample(response)}") from None


def json_object(response: httpx.Response, method: str, url: str, *, allow_empty: bool = False) -> dict | None:
    """The JSON object of a 2xx answer, refusing anything else (an array, a string, HTML)."""
    body = json_body(response, method, url, allow_empty=allow_empty)
    if body is None and allow_empty:
        return None
    if not isinstance(body, dict):
        raise unexpected(response, method, url, f"a JSON {_json_kind(body)} where a JSON object was expected")
    return body


def page_items(page: dict, items_key: str, method: str, url: str, status: int = 200) -> list[dict]:
    """The items of one collection page: a list of objects (missing or null: none)."""
    items = page.get(items_key)
    if items is None:
        return []
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise UnexpectedAnswer(method, url, status, f"'{items_key}' is not a list of JSON objects")
    return items


def _json_kind(value: Any) -> str:
    return {list: "array", str: "string", bool: "boolean", int: "number", float: "number"}.get(
        type(value), "null" if value is None else type(value).__name__
    )
