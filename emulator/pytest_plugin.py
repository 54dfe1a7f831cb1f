"""pytest fixtures for the emulator (loaded by tests/conftest.py).

One server per test session (starting uvicorn costs ~100 ms), reset before every test that
uses the ``emulator`` fixture so tests never see each other's data, settings or faults.

- ``emulator_server`` (session): the running ``EmulatorServer``.
- ``emulator`` (function): an ``EmulatorHandle`` with ``url``, ``control`` (EmulatorControl),
  ``state`` (the live EmulatorState), ``clock`` and ``settings``, freshly reset.
- ``emulator_tls_server`` / ``emulator_tls``: the same over https, with a throwaway CA whose
  certificate is ``handle.ca_path`` (pass it as ``connection_verify=`` to Microsoft's SDKs, which
  send bearer tokens over https only). The process environment is left alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from emulator.core.client import EmulatorControl
from emulator.core.clock import Clock
from emulator.core.state import EmulatorState, Settings
from emulator.server import EmulatorServer


@dataclass
class EmulatorHandle:
    url: str
    control: EmulatorControl
    state: EmulatorState
    server: EmulatorServer

    @property
    def ca_path(self) -> str | None:
        """CA certificate to trust (https servers only)."""
        return self.server.ca_path

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


@pytest.fixture(scope="session")
def emulator_tls_server() -> Iterator[EmulatorServer]:
    server = EmulatorServer(tls=True).start()
    try:
        yield server
    finally:
        server.stop()


def _fresh_handle(server: EmulatorServer) -> Iterator[EmulatorHandle]:
    server.state.reset()
    control = EmulatorControl(server.url, ca_path=server.ca_path)
    try:
        yield EmulatorHandle(server.url, control, server.state, server)
    finally:
        control.close()
        server.state.reset()


@pytest.fixture
def emulator(emulator_server: EmulatorServer) -> Iterator[EmulatorHandle]:
    yield from _fresh_handle(emulator_server)


@pytest.fixture
def emulator_tls(emulator_tls_server: EmulatorServer) -> Iterator[EmulatorHandle]:
    yield from _fresh_handle(emulator_tls_server)
