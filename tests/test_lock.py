"""The dependency locks: every package installed is pinned with hashes, the dev lock agrees with the runtime
lock, and the runbook's Automation pins agree with both (all three are written together by `make lock`)."""

from __future__ import annotations

import importlib.metadata
import re

from tests.helpers import REPO, canonical, lock_pins

LOCKS = ("requirements.txt", "requirements-dev.txt", "policy/requirements.txt")


def _requirements(path: str) -> list[str]:
    """Each requirement of a pip requirements file as one logical line (continuations joined)."""
    text = (REPO / path).read_text(encoding="utf-8").replace("\\\n", " ")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def test_every_locked_requirement_is_pinned_with_a_hash():
    for lock in LOCKS:
        requirements = _requirements(lock)
        assert requirements, lock
        for requirement in requirements:
            assert re.match(r"^[A-Za-z0-9][A-Za-z0-9._-]*==\S+", requirement), f"{lock}: not pinned: {requirement}"
            assert "--hash=sha256:" in requirement, f"{lock}: no hash: {requirement.split()[0]}"


def test_every_direct_dependency_is_in_its_lock_at_its_pin():
    for source, lock in (("requirements.in", "requirements.txt"), ("requirements-dev.in", "requirements-dev.txt")):
        direct, locked = lock_pins(source), lock_pins(lock)
        assert direct
        for name, version in direct.items():
            assert locked.get(name) == version, f"{name}: {source} pins {version}, {lock} has {locked.get(name)}"


def test_dev_lock_holds_the_runtime_lock_unchanged():
    runtime, dev = lock_pins("requirements.txt"), lock_pins("requirements-dev.txt")
    assert {name: dev.get(name) for name in runtime} == runtime


def test_policy_pack_lock_agrees_with_the_runtime_lock():
    runtime, policy = lock_pins("requirements.txt"), lock_pins("policy/requirements.txt")
    assert {"pulumi", "pulumi-policy"} <= set(policy)
    assert {name: version for name, version in policy.items() if name in runtime} == {
        name: runtime[name] for name in policy if name in runtime
    }
    assert set(policy) <= set(runtime), set(policy) - set(runtime)  # nothing the project does not lock


def test_runbook_pins_come_from_the_lock():
    runtime, backports = lock_pins("requirements.txt"), lock_pins("runbooks/automation_requirements.in")
    pins = lock_pins("runbooks/automation_requirements.txt")
    assert "httpx" in pins
    for name, version in pins.items():
        assert version == runtime.get(name, backports.get(name)), f"{name}: runbook {version}"


def test_what_is_installed_is_what_is_locked():
    """Nothing in this environment floats: each locked distribution is installed at its locked version."""
    dev = lock_pins("requirements-dev.txt")
    installed = {canonical(d.metadata["Name"]): d.version for d in importlib.metadata.distributions()}
    wrong = {
        name: (version, installed[name]) for name, version in dev.items() if installed.get(name, version) != version
    }
    assert not wrong, f"installed differs from requirements-dev.txt (locked, installed): {wrong}"
