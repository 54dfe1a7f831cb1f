"""Shared pytest set-up: the local Azure emulator fixtures come from emulator.pytest_plugin; the dev stack in a
folder of its own and Contoso onboarded in the emulator (built in tests/support/worlds.py) are shared by the
dapctl, operations and runbook tests."""

import asyncio
import os

import pytest

from tests.support.worlds import dev_project, onboard_contoso

pytest_plugins = ["emulator.pytest_plugin"]

# No test reaches Azure by accident: programs and commands run offline unless a test points them
# at the local emulator (monkeypatch.setenv("CSP_DELEGATION_ENDPOINT", emulator.url), or the endpoint argument of
# tests/support/cli.py's dapctl).
os.environ["CSP_DELEGATION_ENDPOINT"] = "offline"


@pytest.fixture
def anyio_backend():
    """Async tests run on asyncio, each on a loop of its own: the main thread's current loop is left alone
    (Pulumi's mock runtime, used by other tests, relies on asyncio.get_event_loop())."""
    return ("asyncio", {"loop_factory": asyncio.new_event_loop})


@pytest.fixture
def project(tmp_path):
    """The dev stack with Contoso's Lighthouse off and no auto-extend (so expiry is a warning)."""
    return dev_project(tmp_path)


@pytest.fixture
def onboarded(emulator, monkeypatch, project, tmp_path):
    """Contoso onboarded as `pulumi up` twice would leave it: relationship active, groups mapped, Owner grants."""
    monkeypatch.setenv("CSP_DELEGATION_ENDPOINT", emulator.url)
    relationship_id, subscriptions = onboard_contoso(emulator, project, tmp_path / "journal")
    return emulator, project, relationship_id, subscriptions
