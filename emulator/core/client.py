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

from emulator.core.scenario import load_scenario_file


@functools.cache
def _tls_context(ca_path: str | None = None) -> ssl.SSLContext:
    # One context per CA file: loading a CA bundle costs ~25 ms, and tests create many control clients.
    # ca_path is the CA of an emulator started with tls=True (server.ca_path); None: the system's.
    return ssl.create_default_context(cafile=ca_path)


class EmulatorControl:
    def __init__(self, url: str, *, timeout: float = 10.0, ca_path: str | None = None) -> None:
        self.url = url.rstrip("/")
        self._http = httpx.Client(base_url=f"{self.url}/_emulator", timeout=timeout, verify=_tls_context(ca_path))

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
        lie: bool = False,
    ) -> dict[str, Any]:
        """Inject a fault (``times=None``: forever; ``lie``: 200 and nothing done); returns the rule with its ``id``."""
        rule = {
            "lie": lie,
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

    # -- GDAP (customer side and seeding) ----------------------------------------------------------
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

    # -- ARM (emulator.arm) ------------------------------------------------------------------------
    def arm_seed(self, section: dict[str, Any]) -> dict[str, int]:
        """Merge an ``arm:`` scenario section into the current world (no reset); returns counts."""
        return self._call("POST", "/arm/seed", section)

    def arm_add_role_assignment(
        self,
        scope: str,
        principal_id: str,
        role: str,
        *,
        principal_type: str | None = None,
        name: str | None = None,
        description: str | None = None,
    ) -> dict[str, Any]:
        """Add an assignment out of band (as made in the portal): no throttling, no tenant check.

        ``role`` is a built-in role name, a role GUID or a full roleDefinitionId; ``principal_type``
        defaults to the principal's type in the scope's tenant. Returns the assignment as ARM shows it.
        """
        entry: dict[str, Any] = {"scope": scope, "principalId": principal_id, "role": role}
        for key, value in (("principalType", principal_type), ("name", name), ("description", description)):
            if value is not None:
                entry[key] = value
        return self._call("POST", "/arm/roleAssignments", entry)

    def arm_remove_role_assignment(self, assignment_id: str) -> None:
        """Remove an assignment out of band (404 if there is none with that id)."""
        self._call("DELETE", "/arm/roleAssignments", params={"id": assignment_id})

    def arm_role_assignments(
        self, scope: str | None = None, principal_id: str | None = None, tenant: str | None = None
    ) -> list[dict[str, Any]]:
        """Assignments as ARM shows them: all, or at/above/below ``scope`` (of ``tenant`` for ``/``, default the
        partner's); optionally one principal's."""
        params = {k: v for k, v in (("scope", scope), ("principalId", principal_id), ("tenant", tenant)) if v}
        return self._call("GET", "/arm/roleAssignments", params=params)

    def arm_throttle(self) -> list[dict[str, Any]]:
        """Every throttle bucket used so far: level, id, principal, operation, tokens, remaining, taken, throttled."""
        return self._call("GET", "/arm/throttle")

    def arm_bucket(
        self, level: str, scope_id: str, operation: str, principal: str | None = None
    ) -> dict[str, Any] | None:
        """One bucket (``principal`` None: the only one for that scope and operation), or None if unused."""
        for bucket in self.arm_throttle():
            if (
                bucket["level"] == level
                and bucket["id"] == scope_id.lower()
                and bucket["operation"] == operation
                and (principal is None or bucket["principal"] == principal.lower())
            ):
                return bucket
        return None

    def arm_set_bucket(self, level: str, scope_id: str, principal: str, operation: str, tokens: float) -> None:
        """Set a bucket's tokens (e.g. drain it to test pacing from a cold start)."""
        body = {"level": level, "id": scope_id, "principal": principal, "operation": operation, "tokens": tokens}
        self._call("POST", "/arm/throttle", body)

    def arm_reset_throttle(self) -> None:
        """Refill every bucket."""
        self._call("DELETE", "/arm/throttle")

    def arm_set_throttle(
        self,
        *,
        reads: tuple[int, float] | None = None,
        writes: tuple[int, float] | None = None,
        deletes: tuple[int, float] | None = None,
        retry_after_granularity: float | None = None,
    ) -> dict[str, Any]:
        """Set bucket sizes and refill rates per operation type, e.g. ``deletes=(20, 50.0)``."""
        changes: dict[str, Any] = {}
        for operation, limits in (("reads", reads), ("writes", writes), ("deletes", deletes)):
            if limits is not None:
                changes[f"arm_{operation}_bucket"], changes[f"arm_{operation}_refill"] = limits
        if retry_after_granularity is not None:
            changes["arm_retry_after_granularity"] = retry_after_granularity
        return self.settings(**changes)

    def arm_set_latency(self, seconds: float) -> dict[str, Any]:
        """Per-request ARM latency (awaited asynchronously: concurrent requests overlap)."""
        return self.settings(arm_latency=seconds)

    # -- Partner Center (emulator.partner_center.customers) ----------------------------------------
    def pc_add_customers(self, customers: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Add CSP customers (tenantId, companyName?, domain?, dap?, contractType?)."""
        return self._call("POST", "/partner_center/customers", customers)

    def pc_customer(self, customer_tenant_id: str) -> dict[str, Any]:
        """The customer as Partner Center shows it, plus ``dap: {adminAgents, helpdeskAgents}``."""
        return self._call("GET", f"/partner_center/customers/{customer_tenant_id}")

    def pc_set_dap(
        self, customer_tenant_id: str, *, admin_agents: bool | None = None, helpdesk_agents: bool | None = None
    ) -> dict[str, Any]:
        """Set which agent groups hold DAP on a customer (out of band)."""
        dap = {k: v for k, v in (("adminAgents", admin_agents), ("helpdeskAgents", helpdesk_agents)) if v is not None}
        return self._call("PATCH", f"/partner_center/customers/{customer_tenant_id}", {"dap": dap})

    # -- Entra (emulator.entra.tokens) -------------------------------------------------------------
    def set_consent(self, tenant_id: str, present: bool) -> dict[str, Any]:
        """Grant or take away the partner application's consent in a tenant (its token endpoint follows)."""
        return self._call("PUT" if present else "DELETE", f"/entra/consent/{tenant_id}")

    # -- Autopilot (emulator.partner_center.autopilot) ---------------------------------------------
    def autopilot_add_devices(self, customer: str, devices: list[dict[str, Any]], added_by: str = "customer") -> Any:
        """Register devices as the customer (``added_by="customer"``) or another partner (its tenant id) did."""
        return self._call("POST", f"/autopilot/customers/{customer}/devices", {"addedBy": added_by, "devices": devices})

    def autopilot_register_elsewhere(self, devices: list[dict[str, Any]], tenant_id: str | None = None) -> None:
        """Mark devices as registered in some other tenant (their upload then fails with 808)."""
        self._call("POST", "/autopilot/registered", {"devices": devices, "tenantId": tenant_id})


class EmulatorPace:
    """Time for a client that waits on the emulator: a ``sleep`` that moves the emulator's clock instead of
    waiting, and a ``clock`` that counts what was slept. A long-running wait (an access assignment becoming
    active) then costs round trips, not the seconds Graph would take; a wait that never ends still reaches its
    timeout on this clock."""

    def __init__(self, control: EmulatorControl) -> None:
        self.control = control
        self.seconds = 0.0

    def clock(self) -> float:
        return self.seconds

    async def sleep(self, seconds: float) -> None:
        seconds = max(0.0, seconds)
        self.control.advance(seconds)
        self.seconds += seconds
