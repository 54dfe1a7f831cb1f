"""Injected failures: throttling, server errors, latency, dropped connections, answers that lie.

Clients must be shown to survive what Azure does under load (429 + Retry-After, 503/504, slow
answers, connections cut mid-response). A ``FaultRule`` matches requests by path prefix and/or
method, lets ``after`` matching requests through, then fires ``times`` times (None = forever).
``FaultMiddleware`` applies the first rule that fires; control paths are never faulted. A ``lie``
answers 200 with an empty JSON object and does nothing: what a code that trusts the answer instead of
reading back never notices.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from starlette.responses import JSONResponse
from starlette.types import Receive, Scope, Send

from emulator.core.api_middleware import ApiOnlyMiddleware
from emulator.core.errors import DEFAULT_CODES, error_response


class ConnectionDropped(Exception):
    """Raised after sending response headers, so the server cuts the connection mid-response."""


@dataclass
class FaultRule:
    """One injected fault. ``status`` None with ``latency`` = slow but successful answers."""

    path_prefix: str = "/"
    method: str | None = None
    status: int | None = None
    times: int | None = 1
    after: int = 0
    retry_after: float | None = None
    latency: float = 0.0
    drop: bool = False
    lie: bool = False
    code: str | None = None
    message: str | None = None
    id: str = ""
    matched: int = field(default=0)
    fired: int = field(default=0)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FaultRule:
        allowed = {f.name for f in fields(cls)} - {"matched", "fired"}
        unknown = set(data) - allowed
        if unknown:
            raise ValueError(f"unknown fault fields: {sorted(unknown)}; known: {sorted(allowed)}")
        _check_types(data)
        rule = cls(**data)
        if rule.status is None and not rule.drop and not rule.latency and not rule.lie:
            raise ValueError("a fault needs a status, drop: true, lie: true or a latency")
        if rule.method:
            rule.method = rule.method.upper()
        return rule

    def matches(self, method: str, path: str) -> bool:
        return path.startswith(self.path_prefix) and (self.method is None or self.method == method)

    def exhausted(self) -> bool:
        return self.times is not None and self.fired >= self.times


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value == value  # (NaN != NaN)


def _check_types(data: dict[str, Any]) -> None:
    """Each field of a fault as the middleware will use it; a ValueError (400) names the field otherwise."""

    def need(name: str, ok: bool, what: str) -> None:
        if name in data and not ok:
            raise ValueError(f"fault field {name} must be {what}, not {str(data[name])[:40]!r}")

    status, times = data.get("status"), data.get("times")
    need("status", status is None or (type(status) is int and 400 <= status <= 599), "an HTTP error status 400-599")
    need("times", times is None or (type(times) is int and times >= 1), "a whole number >= 1, or null for always")
    need("after", type(data.get("after")) is int and data["after"] >= 0, "a whole number >= 0")
    retry_after = data.get("retry_after")
    need("retry_after", retry_after is None or (_is_number(retry_after) and retry_after >= 0), "seconds >= 0")
    need("latency", _is_number(data.get("latency")) and 0 <= data["latency"] <= 300, "seconds from 0 to 300")
    need("drop", isinstance(data.get("drop"), bool), "true or false")
    need("path_prefix", isinstance(data.get("path_prefix"), str) and data["path_prefix"].startswith("/"), "a path")
    for name in ("method", "code", "message", "id"):
        need(name, data.get(name) is None or isinstance(data[name], str), "text")


class FaultSet:
    """The active rules, in the order they were added (first firing rule wins)."""

    def __init__(self) -> None:
        self._rules: list[FaultRule] = []
        self._lock = threading.Lock()
        self._ids = itertools.count(1)

    def add(self, rule: FaultRule | dict[str, Any]) -> FaultRule:
        if isinstance(rule, dict):
            rule = FaultRule.from_dict(rule)
        with self._lock:
            if not rule.id:
                rule.id = f"fault-{next(self._ids)}"
            self._rules.append(rule)
        return rule

    def remove(self, rule_id: str) -> bool:
        with self._lock:
            before = len(self._rules)
            self._rules = [r for r in self._rules if r.id != rule_id]
            return len(self._rules) != before

    def clear(self) -> None:
        with self._lock:
            self._rules = []

    def pick(self, method: str, path: str) -> FaultRule | None:
        """Count the request against every matching rule; return the one that fires, if any."""
        chosen: FaultRule | None = None
        with self._lock:
            for rule in self._rules:
                if not rule.matches(method, path):
                    continue
                rule.matched += 1
                if chosen is None and rule.matched > rule.after and not rule.exhausted():
                    rule.fired += 1
                    chosen = rule
        return chosen

    def dump(self) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(r) for r in self._rules]

    def get(self, rule_id: str) -> FaultRule | None:
        with self._lock:
            return next((r for r in self._rules if r.id == rule_id), None)


def _retry_after_header(seconds: float) -> str:
    return str(int(seconds)) if float(seconds).is_integer() else f"{seconds:g}"


class FaultMiddleware(ApiOnlyMiddleware):
    """ASGI middleware applying ``state.faults`` to every non-control HTTP request."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        rule = self.state.faults.pick(scope["method"], scope["path"])
        if rule is None:
            await self.app(scope, receive, send)
            return
        scope["emulator.fault"] = rule.id
        if rule.latency:
            scope["emulator.latency"] = scope.get("emulator.latency", 0.0) + rule.latency
            generation = self.state.generation
            await asyncio.sleep(rule.latency)
            if self.state.generation != generation:  # the emulator was reset meanwhile: a stale request
                response = error_response(
                    503, "The emulator was reset while this request was delayed.", path=scope["path"]
                )
                await response(scope, receive, send)
                return
        if rule.drop:
            await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"64")]})
            raise ConnectionDropped(f"fault {rule.id}: connection dropped")
        if rule.lie:
            await JSONResponse({}, status_code=200)(scope, receive, send)
            return
        if rule.status is None:
            await self.app(scope, receive, send)
            return
        headers = {}
        if rule.retry_after is not None:
            headers["Retry-After"] = _retry_after_header(rule.retry_after)
        message = rule.message or (
            f"Injected fault {rule.id}."
            + (f" Retry after {headers['Retry-After']} seconds." if "Retry-After" in headers else "")
        )
        response = error_response(
            rule.status,
            message,
            rule.code or DEFAULT_CODES.get(rule.status, "error"),
            request_id=scope.get("emulator.request_id"),
            headers=headers,
            path=scope["path"],
        )
        await response(scope, receive, send)
