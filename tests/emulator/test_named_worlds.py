"""`python -m emulator --scenario dev|brownfield|fleet|autopilot` (or a YAML path), `--project DIR` writing the
world's stacks, and a one-line error with exit 2 for a taken port or an unknown scenario."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from autopilot.rules import Origin
from config.loading import known_stacks
from emulator.__main__ import main
from emulator.app import SERVICES
from emulator.core.scenario import apply_scenario
from emulator.core.state import EmulatorState
from emulator.worlds.named import SCENARIO_DIR, WORLDS, world_for
from intent import load_intent
from tests.support.cli import dapctl


@pytest.mark.parametrize("name", list(WORLDS))
def test_each_named_world_loads_and_writes_a_project_dapctl_reads(name: str, tmp_path: Path):
    world = world_for(name)
    apply_scenario(EmulatorState(SERVICES), world.scenario)  # a ValueError if the emulator refused a section
    stacks = world.write_project(tmp_path)
    assert (tmp_path / "Pulumi.yaml").is_file()
    assert sorted(stacks) == known_stacks(tmp_path)
    if name != "brownfield":  # the partner stack alone: `dapctl import` writes the customers' stacks
        assert load_intent(stacks[0], tmp_path).customers


def test_a_scenario_file_path_still_works():
    assert world_for(str(SCENARIO_DIR / "dev.yaml")).scenario == world_for("dev").scenario


def test_autopilot_world_has_the_customers_own_devices(emulator, tmp_path: Path):
    world = world_for("autopilot")
    emulator.control.reset(world.scenario)
    world.write_project(tmp_path)
    listed = dapctl("autopilot", "devices", "contoso", "--json", endpoint=emulator.url, cwd=tmp_path)
    assert listed.returncode == 0, listed.output
    devices = json.loads(listed.stdout)["devices"]
    assert len(devices) == 3 and {d["origin"] for d in devices} == {Origin.CUSTOMER.value}


def test_a_taken_port_is_one_line_and_exit_2(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["--port", str(port), "--scenario", "dev"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"port {port} on 127.0.0.1 is taken" in err and "--port" in err


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--port", "0", "--scenario", "greenfield"], "no scenario named 'greenfield': use dev, brownfield"),
        (["--port", "0", "--scenario", "missing.yaml"], "No such file or directory: missing.yaml"),
    ],
)
def test_a_bad_scenario_is_one_line_and_exit_2(capsys, argv: list[str], says: str):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and says in err and "Traceback" not in err
