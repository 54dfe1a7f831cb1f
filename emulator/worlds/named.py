"""The emulator's worlds by name, for ``python -m emulator --scenario NAME`` (a path to a scenario YAML works too).

- ``dev``: the dev stack's partner and customers in mid-life (``scenarios/dev.yaml``), for the everyday commands;
- ``brownfield``: a partner of 12 customers who never used the toolkit (``brownfield.generate_brownfield``), for
  ``dapctl import``;
- ``fleet``: 20 customers with one stack each (``fleet.generate_fleet``), for ``dapctl fleet``;
- ``autopilot``: the dev world with Windows Autopilot devices the customer Contoso registered itself, for
  ``dapctl autopilot``.

Each world can also write the project a walk-through starts from (Pulumi.yaml and its stack files) into a folder:
``--project DIR``. Generated worlds are deterministic (fixed seeds).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emulator.core.scenario import load_scenario_file

SCENARIO_DIR = Path(__file__).resolve().parent / "scenarios"
REPO = Path(__file__).resolve().parents[2]
"""The repository: its Pulumi.yaml (the project file) and Pulumi.dev.yaml (the sample stack)."""

CONTOSO = "3a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d"
BROWNFIELD_CUSTOMERS = 12
FLEET_CUSTOMERS = 20


@dataclass(frozen=True)
class World:
    scenario: dict[str, Any]
    write_project: Callable[[Path], list[str]]
    """Writes Pulumi.yaml and the world's stack files into a folder; returns the stack names."""


def _dev_project(folder: Path) -> list[str]:
    for name in ("Pulumi.yaml", "Pulumi.dev.yaml"):
        shutil.copyfile(REPO / name, folder / name)
    return ["dev"]


def _dev() -> World:
    return World(load_scenario_file(SCENARIO_DIR / "dev.yaml"), _dev_project)


def _brownfield() -> World:
    from emulator.worlds.brownfield import generate_brownfield

    world = generate_brownfield(BROWNFIELD_CUSTOMERS, seed=1)

    def write(folder: Path) -> list[str]:
        shutil.copyfile(REPO / "Pulumi.yaml", folder / "Pulumi.yaml")
        return [world.write_partner_stack(folder)]

    return World(world.scenario, write)


def _fleet() -> World:
    from emulator.worlds.fleet import generate_fleet

    world = generate_fleet(FLEET_CUSTOMERS, seed=11)
    return World(world.scenario, lambda folder: world.write_stacks(folder, REPO / "Pulumi.yaml"))


def _autopilot() -> World:
    dev = _dev()
    devices = [
        {"serialNumber": f"CUST{n:04d}", "oemManufacturerName": "Contoso Hardware", "modelName": "Laptop 14"}
        for n in range(1, 4)
    ]
    scenario = {**dev.scenario, "autopilot": {CONTOSO: [{"addedBy": "customer", "devices": devices}]}}
    return World(scenario, _dev_project)


WORLDS: dict[str, Callable[[], World]] = {
    "dev": _dev,
    "brownfield": _brownfield,
    "fleet": _fleet,
    "autopilot": _autopilot,
}


def world_for(name_or_path: str) -> World:
    """The named world, or the scenario file at that path (which writes no project). A ValueError naming the
    worlds there are when it is neither; an OSError when the file cannot be read."""
    if name_or_path in WORLDS:
        return WORLDS[name_or_path]()
    path = Path(name_or_path)
    if not path.suffix and not path.exists():
        raise ValueError(f"no scenario named {name_or_path!r}: use {', '.join(WORLDS)}, or a scenario YAML file")

    def no_project(folder: Path) -> list[str]:
        raise ValueError(f"the scenario file {name_or_path!r} comes with no project: --project needs a named world")

    return World(load_scenario_file(path), no_project)
