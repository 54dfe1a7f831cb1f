"""Shared pytest set-up: the local Azure emulator fixtures come from emulator.pytest_plugin; the dev stack in a
folder of its own and Contoso onboarded in the emulator are shared by the dapctl and runbook tests."""

import asyncio
import os

import pytest
import yaml
from rich.console import Console

from dapctl.demo import Demo, demo_scenario
from intent import load_intent
from tests.helpers import REPO

pytest_plugins = ["emulator.pytest_plugin"]

# No test reaches Azure by accident: programs and commands run offline unless a test points them
# at the local emulator (monkeypatch.setenv("CSP_DELEGATION_ENDPOINT", emulator.url)).
os.environ["CSP_DELEGATION_ENDPOINT"] = "offline"


@pytest.fixture
def anyio_backend():
    """Async tests run on asyncio, each on a loop of its own: the main thread's current loop is left alone
    (Pulumi's mock runtime, used by other tests, relies on asyncio.get_event_loop())."""
    return ("asyncio", {"loop_factory": asyncio.new_event_loop})


@pytest.fixture
def project(tmp_path):
    """The dev stack with Contoso's Lighthouse off and no auto-extend (so expiry is a warning)."""
    document = yaml.safe_load((REPO / "Pulumi.dev.yaml").read_text())
    contoso = document["config"]["csp-delegation:customers"][0]
    contoso["lighthouse"] = {"enabled": False}
    contoso["gdap"]["autoExtend"] = False
    (tmp_path / "Pulumi.dev.yaml").write_text(yaml.safe_dump(document))
    return tmp_path


@pytest.fixture
def onboarded(emulator, monkeypatch, project, tmp_path):
    """Contoso onboarded as `pulumi up` twice would leave it: relationship active, groups mapped, Owner grants."""
    monkeypatch.setenv("CSP_DELEGATION_ENDPOINT", emulator.url)
    cfg = load_intent("dev", project)
    emulator.control.load_scenario(demo_scenario(cfg, cfg.customer("contoso")))
    demo = Demo(cfg, Console(file=open(os.devnull, "w")), emulator.control, str(tmp_path / "journal"))  # noqa: SIM115

    async def setup():
        relationship_id, subscriptions = await demo.onboard()
        emulator.control.approve(relationship_id)
        emulator.control.advance(5)
        await demo.map_groups(relationship_id)
        emulator.control.advance(1)  # the access assignments become active
        await demo.adopt_owner_grants(subscriptions)
        return relationship_id, subscriptions

    relationship_id, subscriptions = asyncio.run(setup())
    return emulator, project, relationship_id, subscriptions
