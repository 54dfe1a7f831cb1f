"""Write bodies checked at the door: too large or nested too deep is each service's own 400/413, never a 500.

Python's JSON parser recurses once per level, so a body of 10,000 nested arrays used to end in a
RecursionError and a plain-text 500 on every write route. Azure's front ends parse with a depth limit
(.NET's JSON readers stop at 64 levels) and answer 400 in the service's error shape. This middleware
does the same for every service and for the control API, before any handler reads the body: it
reads the body once (bounded), scans its nesting without recursion, and hands it on unchanged.
"""

from __future__ import annotations

import json

from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from emulator.core.api_middleware import CONTROL_PREFIX
from emulator.core.errors import error_response

MAX_DEPTH = 64
MAX_BODY = 4 * 1024 * 1024
"""ARM's request size limit (4 MB)."""
_WRITE_METHODS = frozenset({"POST", "PUT", "PATCH"})


def nesting_depth(body: bytes, limit: int = MAX_DEPTH) -> int:
    """The deepest ``[``/``{`` nesting of a JSON text (strings skipped); stops counting past ``limit``."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    return deepest
        elif byte in (0x5D, 0x7D) and depth:
            depth -= 1
    return deepest


def _too_deep(body: bytes, control: bool) -> bool:
    if not control:
        return nesting_depth(body) > MAX_DEPTH
    try:  # control bodies may be megabytes: only what Python's parser cannot take is refused, at C speed
        json.loads(body)
    except RecursionError:
        return True
    except ValueError:
        return False  # not JSON: the handler says so
    return False


def refusal(path: str, status: int, problem: str) -> Response:
    """``problem`` in the error shape of the service that owns ``path``."""
    if path.startswith("/arm"):
        code = "InvalidRequestContent" if status == 400 else "RequestEntityTooLarge"
        message = f"The request content was invalid and could not be deserialized: {problem}"
        return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)
    code = "BadRequest" if status == 400 else "RequestEntityTooLarge"
    if path.startswith("/_emulator"):
        code = "badRequest" if status == 400 else code
    return error_response(status, problem, code, path=path)


class BodyCheckMiddleware:
    """Refuse API write bodies over ``MAX_BODY`` bytes (413) or nested deeper than ``MAX_DEPTH`` (400), and
    control bodies nested deeper than Python's parser can take."""

    def __init__(self, app: ASGIApp, state: object = None) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _WRITE_METHODS:
            await self.app(scope, receive, send)
            return
        control = scope["path"].startswith(CONTROL_PREFIX)  # (scenarios of generated worlds are large)
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_BODY and not control:
                response = refusal(scope["path"], 413, f"the request body is larger than {MAX_BODY} bytes")
                await response(scope, receive, send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if _too_deep(body, control):
            response = refusal(scope["path"], 400, f"the JSON is nested more than {MAX_DEPTH} levels deep")
            await response(scope, receive, send)
            return
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
