"""Scenario files: a YAML description of the world the emulator starts in.

Tests, the demo and the benchmarks each need a known starting state (a partner, customers'
relationships in given statuses and dates, delays, faults). Top-level keys::

    name: dev                       # free text
    description: ...                # free text
    partner_tenant_id: <guid>
    clock: {now: "2026-01-01T00:00:00Z"}   # optional time travel at load
    settings: {activation_delay: 2, ...}   # emulator.core.state.Settings fields
    faults: [{path_prefix: ..., status: 429, times: 3, retry_after: 1}, ...]
    gdap: {relationships: [...]}           # one section per service, see its seed()

Unknown keys are errors, so a typo does not silently load an empty world.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from emulator.core.state import EmulatorState

FREE_TEXT_KEYS = ("name", "description")
CORE_KEYS = ("partner_tenant_id", "clock", "settings", "faults")


def load_scenario_file(path: str | Path) -> dict[str, Any]:
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: a scenario is a mapping of sections")
    return data


def apply_scenario(state: EmulatorState, scenario: dict[str, Any], *, reset: bool = True) -> None:
    """Load ``scenario`` into ``state`` (after a reset, unless told otherwise)."""
    service_names = [s.name for s in state.services]
    unknown = set(scenario) - set(FREE_TEXT_KEYS) - set(CORE_KEYS) - set(service_names)
    if unknown:
        known = sorted([*FREE_TEXT_KEYS, *CORE_KEYS, *service_names])
        raise ValueError(f"unknown scenario keys {sorted(unknown)}; known: {known}")
    with state.lock:
        if reset:
            state.reset()
        if "partner_tenant_id" in scenario:
            state.settings.partner_tenant_id = str(scenario["partner_tenant_id"])
        state.settings.update(scenario.get("settings") or {})
        clock = scenario.get("clock") or {}
        if set(clock) - {"now", "advance"}:
            raise ValueError("clock takes now (ISO 8601) or advance (seconds)")
        if "now" in clock:
            state.clock.set(clock["now"])  # YAML may already have parsed it to a datetime
        if "advance" in clock:
            state.clock.advance(float(clock["advance"]))
        for fault in scenario.get("faults") or []:
            state.faults.add(dict(fault))
        for service in state.services:
            if service.name in scenario and scenario[service.name] is not None:
                service.seed(state, scenario[service.name])
