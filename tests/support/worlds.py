"""Worlds several test folders share: the dev stack in a folder of its own, and Contoso onboarded in the emulator
as two runs of `pulumi up` would leave it (the fixtures of ``tests/conftest.py`` build them from here)."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import yaml
from rich.console import Console

from dapctl.demo import Demo, demo_scenario
from intent import load_intent
from tests.helpers import REPO


def dev_project(folder: Path) -> Path:
    """The dev stack in ``folder``, with Contoso's Lighthouse off and no auto-extend (so expiry is a warning)."""
    document = yaml.safe_load((REPO / "Pulumi.dev.yaml").read_text())
    contoso = document["config"]["csp-delegation:customers"][0]
    contoso["lighthouse"] = {"enabled": False}
    contoso["gdap"]["autoExtend"] = False
    (folder / "Pulumi.dev.yaml").write_text(yaml.safe_dump(document))
    return folder


def onboard_contoso(emulator, project: Path, journal: Path) -> tuple[str, list[str]]:
    """Contoso onboarded in the emulator: relationship active, groups mapped, AdminAgents' Owner grants adopted.
    Returns the relationship id and the new subscriptions. The demo's providers read the endpoint from the
    environment (as under Pulumi): the caller sets CSP_DELEGATION_ENDPOINT to the emulator's URL first."""
    cfg = load_intent("dev", project)
    emulator.control.load_scenario(demo_scenario(cfg, cfg.customer("contoso")))
    demo = Demo(cfg, Console(file=open(os.devnull, "w")), emulator.control, str(journal))  # noqa: SIM115

    async def setup():
        relationship_id, subscriptions = await demo.onboard()
        emulator.control.approve(relationship_id)
        emulator.control.advance(5)
        await demo.map_groups(relationship_id)
        emulator.control.advance(1)  # the access assignments become active
        await demo.adopt_owner_grants(subscriptions)
        return relationship_id, subscriptions

    return asyncio.run(setup())
