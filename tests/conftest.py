"""Shared pytest set-up: the local Azure emulator fixtures come from emulator.pytest_plugin."""

import asyncio
import os

import pytest

pytest_plugins = ["emulator.pytest_plugin"]

# No test reaches Azure by accident: programs and commands run offline unless a test points them
# at the local emulator (monkeypatch.setenv("CSP_DELEGATION_ENDPOINT", emulator.url)).
os.environ["CSP_DELEGATION_ENDPOINT"] = "offline"


@pytest.fixture
def anyio_backend():
    """Async tests run on asyncio, each on a loop of its own: the main thread's current loop is left alone
    (Pulumi's mock runtime, used by other tests, relies on asyncio.get_event_loop())."""
    return ("asyncio", {"loop_factory": asyncio.new_event_loop})
