"""``EmulatorControl``: a small synchronous Python wrapper of the ``/_emulator`` control endpoint.

Test and demo tooling (it speaks httpx directly; production code never imports it). Every
method is one control call; errors raise ``httpx.HTTPStatusError`` with the emulator's message.
"""

from __future__ import annotations

import functools
import ssl
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from emulator.scenario import load_scenario_file


@functools.cache
def _tls_context() -> ssl.SSLContext:
    # The emulator speaks plain HTTP; sharing one context just avoids httpx loading the CA
    # bundle (~25 ms) for every control client a test creates.
    return ssl.create_default_context()


class EmulatorControl:
    def __init__(self, url: str, *, timeout: float = 10.0) -> None:
        self.url = url.rstrip("/")
        self._http = httpx.Client(base_url=f"{self.url}/_emulator", timeout=timeout, verify=_tls_context())

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> EmulatorControl:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, method: str, path: str, body: Any = None, params: dict[str, str] | None = None) -> Any:
        response = self._http.request(method, path, json=body, params=params)
        if response.is_error:
            try:
                detail = response.json()["error"]["message"]
            except (ValueError, KeyError, TypeError):
                detail = response.text
            raise httpx.HTTPStatusError(
                f"emulator control {method} {path}: {response.status_code} {detail}",
                request=response.request,
                response=response,
            )
        return response.json() if response.content else None

    # -- whole state ----------------------------------------------------------------------
    def health(self) -> dict[str, Any]:
        return self._call("GET", "/health")

    def reset(self, scenario: dict[str, Any] | None = None) -> None:
        """Forget everything (then load ``scenario`` if given)."""
        self._call("POST", "/reset", scenario or {})

    def load_scenario(self, scenario: dict[str, Any] | str | Path, *, reset: bool = True) -> dict[str, Any]:
        """Load a scenario (dict or YAML path); returns the state dump."""
        data = scenario if isinstance(scenario, dict) else load_scenario_file(scenario)
        return self._call("POST", "/scenario", data, params={"reset": "true" if reset else "false"})

    def state(self) -> dict[str, Any]:
        return self._call("GET", "/state")

    def settings(self, **changes: Any) -> dict[str, Any]:
        """Change settings (activation_delay=0.2, page_size=..., ...); returns all settings."""
        if changes:
            return self._call("PATCH", "/settings", changes)
        return self._call("GET", "/settings")

    # -- clock ----------------------------------------------------------------------------
    def now(self) -> str:
        return self._call("GET", "/clock")["now"]

    def advance(self, seconds: float = 0, *, days: float = 0) -> str:
        return self._call("POST", "/clock", {"advance": seconds + days * 86400})["now"]

    def set_time(self, when: datetime | str) -> str:
        value = when.isoformat() if isinstance(when, datetime) else when
        return self._call("POST", "/clock", {"set": value})["now"]

    def reset_clock(self) -> str:
        return self._call("POST", "/clock", {"reset": True})["now"]

    # -- faults ---------------------------------------------------------------------------
    def add_fault(
        self,
        path_prefix: str = "/",
        *,
        status: int | None = None,
        times: int | None = 1,
        method: str | None = None,
        retry_after: float | None = None,
        latency: float = 0.0,
        drop: bool = False,
        after: int = 0,
        code: str | None = None,
        message: str | None = None,
    ) -> dict[str, Any]:
        """Inject a fault (``times=None``: forever); returns the rule with its ``id``."""
        rule = {
            "path_prefix": path_prefix,
            "status": status,
            "times": times,
            "method": method,
            "retry_after": retry_after,
            "latency": latency,
            "drop": drop,
            "after": after,
            "code": code,
            "message": message,
        }
        return self._call("POST", "/faults", rule)

    def faults(self) -> list[dict[str, Any]]:
        return self._call("GET", "/faults")

    def fault(self, fault_id: str) -> dict[str, Any]:
        return self._call("GET", f"/faults/{fault_id}")

    def remove_fault(self, fault_id: str) -> None:
        self._call("DELETE", f"/faults/{fault_id}")

    def clear_faults(self) -> None:
        self._call("DELETE", "/faults")

    # -- request log ----------------------------------------------------------------------
    def requests(self, path_prefix: str = "", method: str | None = None) -> list[dict[str, Any]]:
        """API requests seen (method, path, query, status, fault), oldest first."""
        params = {"path_prefix": path_prefix}
        if method:
            params["method"] = method
        return self._call("GET", "/requests", params=params)

    def clear_requests(self) -> None:
        self._call("DELETE", "/requests")

    # -- GDAP (customer side and seeding) -------------------------------------------------
    def approve(self, relationship_id: str) -> dict[str, Any]:
        """The customer approves a relationship in approvalPending."""
        return self._call("POST", f"/gdap/relationships/{relationship_id}/approve")

    def reject(self, relationship_id: str) -> dict[str, Any]:
        return self._call("POST", f"/gdap/relationships/{relationship_id}/reject")

    def seed_relationship(self, **fields: Any) -> dict[str, Any]:
        """Add a relationship in any status (keys as in a scenario's gdap.relationships entry)."""
        return self._call("POST", "/gdap/relationships", fields)

    def seed_relationships(self, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return self._call("POST", "/gdap/relationships", entries)

    def set_relationship(self, relationship_id: str, **fields: Any) -> dict[str, Any]:
        """Set status / createdDateTime / activatedDateTime / endDateTime / autoExtendDuration."""
        return self._call("PATCH", f"/gdap/relationships/{relationship_id}", fields)

    def seed_access_assignment(self, relationship_id: str, **fields: Any) -> dict[str, Any]:
        """Add an assignment (groupId, roles, status?) whatever the relationship's status."""
        return self._call("POST", f"/gdap/relationships/{relationship_id}/accessAssignments", fields)
