"""Everything the emulator remembers, in one object shared by all route modules.

Route modules (Graph GDAP now; ARM and Partner Center later) keep their data in
``state.stores[name]``, created by their service's ``new_store``; the settings, the clock, the
faults and the request log are shared. A test holds the same object in-process (the pytest
fixture) or reaches it over HTTP (``/_emulator/...``). Handlers run on the server's event loop
and tests on their own thread, so every access goes through ``state.lock``.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import asdict, dataclass, fields
from typing import Any, Protocol

from starlette.routing import BaseRoute

from emulator.core.clock import Clock, iso
from emulator.core.faults import FaultSet

DEFAULT_PARTNER_TENANT_ID = "00000000-0000-4000-8000-00000000a001"


@dataclass
class Settings:
    """Tunable behaviour; every field can be set from a scenario or ``/_emulator/settings``.

    Delays are in seconds of (emulator) clock time; keep them small in tests.
    """

    partner_tenant_id: str = DEFAULT_PARTNER_TENANT_ID
    #: approved -> activating -> active takes this long after the customer approves.
    activation_delay: float = 0.0
    #: terminationRequested -> terminating -> terminated takes this long.
    termination_delay: float = 0.0
    #: access assignments stay pending (and deleting) this long.
    assignment_delay: float = 0.0
    #: a relationship update operation (Global Administrator removed from an active relationship) is
    #: "notStarted" for the first third of this (emulator clock seconds), "running" for the rest, then finished.
    gdap_operation_delay: float = 0.0
    #: how such operations end: "succeeded" (the role goes) or "failed" (the relationship keeps it).
    gdap_operation_outcome: str = "succeeded"
    #: Retry-After (seconds) on the 202 that starts such an operation (Graph's documented example: 10).
    gdap_operation_retry_after: float = 10.0
    #: an active relationship reports "expiring" this many days before its endDateTime.
    expiring_window_days: float = 30.0
    #: Graph's page size for GDAP collections.
    page_size: int = 300
    #: if set, only this bearer token is accepted (else any non-empty one).
    required_token: str | None = None

    # -- ARM (emulator.arm) --------------------------------------------------------------------
    #: token buckets per (subscription or tenant) x principal x operation type: size and refill
    #: per second (reference/azure-facts.md; the same numbers apply at subscription and tenant level).
    arm_reads_bucket: int = 250
    arm_reads_refill: float = 25.0
    arm_writes_bucket: int = 200
    arm_writes_refill: float = 10.0
    arm_deletes_bucket: int = 200
    arm_deletes_refill: float = 10.0
    #: Retry-After on a throttled answer is rounded up to a multiple of this (1: whole seconds, as ARM).
    arm_retry_after_granularity: float = 1.0
    #: seconds every ARM request waits before it is handled (asynchronously: others are served meanwhile).
    arm_latency: float = 0.0
    #: ARM list page size (nextLink beyond it).
    arm_page_size: int = 100
    #: a subscription alias stays "Accepted" this long (emulator clock seconds) before "Succeeded".
    alias_provisioning_delay: float = 0.0
    #: Retry-After (seconds) on an alias answer while it is "Accepted": how long SDK pollers wait before
    #: reading it again (ARM's async guidance: 10 s at least; tests set a fraction of a second).
    arm_lro_retry_after: float = 10.0
    #: "strict": Azure's permission model (emulator.arm.authz); "permissive": tenant checks only
    #: (an explicit opt-in for tests of API shapes written before the strict model).
    arm_authorization: str = "strict"
    #: a deleted role assignment still shows in listings this long (ARM's eventual consistency).
    arm_list_delay: float = 0.0

    # -- Partner Center (emulator.partner_center.customers, emulator.partner_center.autopilot) ----
    partner_center_latency: float = 0.0
    #: an Autopilot batch job is "queued" for the first half of this (emulator clock seconds), "processing"
    #: for the second, then finished; its devices appear when it finishes.
    autopilot_job_delay: float = 0.0
    #: Microsoft's current rule: managing a customer's devices needs an active GDAP relationship with one of the
    #: roles Partner Center names for Autopilot (emulator.partner_center.autopilot). False models the older rules only.
    autopilot_requires_gdap: bool = True
    #: a lying service, for tests: upload jobs report success but register nothing.
    autopilot_drop_uploads: bool = False

    def update(self, values: dict[str, Any]) -> None:
        """Set fields from a mapping, checking names and types (numbers must be >= 0)."""
        known = {f.name: f for f in fields(self)}
        unknown = set(values) - set(known)
        if unknown:
            raise ValueError(f"unknown settings: {sorted(unknown)}; known: {sorted(known)}")
        for name, value in values.items():
            default = known[name].default
            if isinstance(default, bool):
                if not isinstance(value, bool):
                    raise ValueError(f"setting {name} must be true or false, not {value!r}")
                setattr(self, name, value)
            elif isinstance(default, (int, float)):
                if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                    raise ValueError(f"setting {name} must be a number >= 0, not {value!r}")
                setattr(self, name, type(default)(value))
            elif name == "gdap_operation_outcome" and value not in ("succeeded", "failed"):
                raise ValueError(f"setting gdap_operation_outcome must be 'succeeded' or 'failed', not {value!r}")
            elif name == "arm_authorization" and value not in ("strict", "permissive"):
                raise ValueError(f"setting arm_authorization must be 'strict' or 'permissive', not {value!r}")
            elif value is None or isinstance(value, str):
                setattr(self, name, value)
            else:
                raise ValueError(f"setting {name} must be a string, not {value!r}")


@dataclass
class LoggedRequest:
    """One API request as the emulator saw it (control calls are not logged)."""

    at: str
    method: str
    path: str
    query: str
    status: int
    fault: str | None = None
    #: API requests being served when this one arrived, itself included: tests read concurrency from the
    #: server's side instead of timing the client.
    in_flight: int = 1
    #: Seconds the emulator held this request on purpose (latency settings and latency faults).
    latency: float = 0.0


class Service(Protocol):
    """What an emulated API area contributes to the emulator app (kept here, next to the state it is built on).

    Each area (Graph GDAP, ARM, Partner Center, Entra...) is one module exposing a ``Service``: its store, its API
    routes (full paths, e.g. ``/graph/v1.0/...`` or ``/arm/...``), its control routes (mounted under
    ``/_emulator/<name>``), how to seed it from the ``<name>:`` section of a scenario file and how to dump it.
    ``emulator.app.SERVICES`` lists them; adding an area is adding a module there.
    """

    #: Key in ``state.stores``, scenario section name and control sub-path.
    name: str

    def new_store(self) -> Any: ...

    def routes(self, state: EmulatorState) -> list[BaseRoute]: ...

    def control_routes(self, state: EmulatorState) -> list[BaseRoute]: ...

    def seed(self, state: EmulatorState, section: Any) -> None: ...

    def dump(self, state: EmulatorState) -> Any: ...


class EmulatorState:
    """Shared, lockable state: settings, clock, faults, request log and per-service stores."""

    def __init__(self, services: list[Service] | None = None, clock: Clock | None = None) -> None:
        self.lock = threading.RLock()
        self.clock = clock or Clock()
        self.services: list[Service] = list(services or [])
        self.settings = Settings()
        self.faults = FaultSet()
        self.request_log: deque[LoggedRequest] = deque(maxlen=20_000)
        self.in_flight = 0
        self.stores: dict[str, Any] = {}
        #: Bumped by every reset, so a request delayed across a reset does not touch the new world.
        self.generation = 0
        self.reset()

    def reset(self) -> None:
        """Forget everything: data, settings, faults, log; the clock goes back to real time."""
        with self.lock:
            self.generation += 1
            self.settings = Settings()
            self.faults.clear()
            self.request_log.clear()
            self.clock.reset()
            self.stores = {service.name: service.new_store() for service in self.services}

    def store(self, name: str) -> Any:
        return self.stores[name]

    def request_started(self) -> int:
        """Count an API request in; returns how many are in flight now, this one included."""
        with self.lock:
            self.in_flight += 1
            return self.in_flight

    def request_finished(self) -> None:
        with self.lock:
            self.in_flight -= 1

    def log_request(
        self,
        method: str,
        path: str,
        query: str,
        status: int,
        fault: str | None,
        in_flight: int = 1,
        latency: float = 0.0,
    ) -> None:
        entry = LoggedRequest(iso(self.clock.now()) or "", method, path, query, status, fault, in_flight, latency)
        self.request_log.append(entry)

    def dump(self) -> dict[str, Any]:
        """A JSON-able snapshot of everything, as the services would show it now."""
        with self.lock:
            return {
                "now": iso(self.clock.now()),
                "clock_offset_seconds": self.clock.offset_seconds,
                "settings": asdict(self.settings),
                "faults": self.faults.dump(),
                **{service.name: service.dump(self) for service in self.services},
            }
