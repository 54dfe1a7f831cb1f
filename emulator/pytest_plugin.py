"""pytest fixtures for the emulator (loaded by tests/conftest.py).

One server per test session (starting uvicorn costs ~100 ms), reset before every test that
uses the ``emulator`` fixture so tests never see each other's data, settings or faults.

- ``emulator_server`` (session): the running ``EmulatorServer``.
- ``emulator`` (function): an ``EmulatorHandle`` with ``url``, ``control`` (EmulatorControl),
  ``state`` (the live EmulatorState), ``clock`` and ``settings``, freshly reset.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from emulator.client import EmulatorControl
from emulator.clock import Clock
from emulator.server import EmulatorServer
from emulator.state import EmulatorState, Settings


@dataclass
class EmulatorHandle:
    url: str
    control: EmulatorControl
    state: EmulatorState
    server: EmulatorServer

    @property
    def clock(self) -> Clock:
        return self.state.clock

    @property
    def settings(self) -> Settings:
        return self.state.settings


@pytest.fixture(scope="session")
def emulator_server() -> Iterator[EmulatorServer]:
    server = EmulatorServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def emulator(emulator_server: EmulatorServer) -> Iterator[EmulatorHandle]:
    emulator_server.state.reset()
    control = EmulatorControl(emulator_server.url)
    try:
        yield EmulatorHandle(emulator_server.url, control, emulator_server.state, emulator_server)
    finally:
        control.close()
        emulator_server.state.reset()
