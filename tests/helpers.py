"""Small builders shared by the tests: a valid config to mutate, and the program run on mocks."""

from __future__ import annotations

import asyncio
import copy
import json
import re
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from config.loading import raw_from_stack_file
from config.schema import NAMESPACE
from stacks.mock_runtime import OfflineRun, run_offline
from stacks.program import main as program

PARTNER_TENANT = "2f4a9a1e-6c3b-4d8e-9f10-1a2b3c4d5e6f"
ADMIN_AGENTS_ID = "0b6c4e1a-2d3f-4a5b-9c6d-7e8f9a0b1c2d"
HELPDESK_AGENTS_ID = "1c7d5f2b-3e4a-4b6c-8d7e-8f9a0b1c2d3e"


def dev_raw() -> dict[str, Any]:
    """A deep copy of the sample dev stack's config, to change one thing in a test."""
    return copy.deepcopy(raw_from_stack_file("dev"))


def flat(raw: dict[str, Any]) -> dict[str, str]:
    return {f"{NAMESPACE}:{k}": json.dumps(v) for k, v in raw.items()}


def run(raw: dict[str, Any], preview: bool = False, **kwargs: Any) -> OfflineRun:
    return run_offline(program, flat(raw), stack="test", preview=preview, **kwargs)


REPO = Path(__file__).resolve().parent.parent
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")


def canonical(name: str) -> str:
    """A distribution name as PEP 503 compares them."""
    return re.sub(r"[-_.]+", "-", name).lower()


def lock_pins(path: str) -> dict[str, str]:
    """The `name==version` lines of a lock or pin file of the repository, by canonical name."""
    pins = {}
    for line in (REPO / path).read_text(encoding="utf-8").splitlines():
        if match := _PIN.match(line):
            pins[canonical(match[1])] = match[2]
    return pins


def eventually(condition: Callable[[], bool]) -> None:
    """Wait for something the emulator finishes on its own (a request it is still holding, say).

    No deadline of its own: how long it takes depends on the machine's load, and pytest's timeout (pyproject)
    ends a test that would hang.
    """
    while not condition():
        time.sleep(0.01)


class VirtualTime:
    """A monotonic clock that moves only when someone sleeps on it.

    Give ``sleep`` to a client (and ``now`` to its rate limiter, or to the emulator's ARM buckets) and a test
    asserts the waits that were asked for and the time that would have passed, whatever the machine's load.
    """

    def __init__(self) -> None:
        self.seconds = 0.0
        self.delays: list[float] = []

    def now(self) -> float:
        return self.seconds

    async def sleep(self, seconds: float) -> None:
        """Time moves to this sleeper's wake-up, unless a concurrent sleeper already moved it further."""
        self.delays.append(seconds)
        wake = self.seconds + max(0.0, seconds)
        await asyncio.sleep(0)  # still a suspension point, as a real sleep is
        self.seconds = max(self.seconds, wake)

    async def __call__(self, seconds: float) -> None:
        """The instance itself is a ``sleep`` coroutine function, for clients that take one."""
        await self.sleep(seconds)


def virtual_buckets(emulator: Any) -> VirtualTime:
    """The in-process emulator's ARM buckets refill on a virtual clock that moves only when a client sleeps on
    it (or the test moves it): token counts no longer depend on how fast the machine sends requests."""
    time = VirtualTime()
    emulator.state.stores["arm"].throttle.clock = time.now
    return time


class EmulatorTime(VirtualTime):
    """Virtual time that moves the in-process emulator's clock too: a client that sleeps 30 s finds the
    emulator 30 s further on (jobs finished, relationships activated), without waiting."""

    def __init__(self, emulator: Any) -> None:
        super().__init__()
        self._emulator_clock = emulator.clock

    async def sleep(self, seconds: float) -> None:
        before = self.seconds
        await super().sleep(seconds)
        self._emulator_clock.advance(self.seconds - before)


#: Headless Chromium as this machine allows it: no sandbox (root), and none of its background connections.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
)


def headless_chromium(page: Path, profile: Path, *args: str) -> subprocess.CompletedProcess:
    """Run Chromium headless on a local page: Debian's (``make test`` installs it when missing), or the
    Chromium / Google Chrome a CI runner image already has."""
    import shutil

    found = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    assert found, "Chromium is needed for this test: `make test` installs it (Debian: apt-get install chromium)"
    command = [found, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args, page.as_uri()]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)
