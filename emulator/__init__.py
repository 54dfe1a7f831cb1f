"""Local emulator of Microsoft Graph (GDAP) on 127.0.0.1, for tests, demo and benchmarks.

Real HTTP (Starlette on uvicorn), the documented request/response shapes and status machine,
injectable faults and a control endpoint. Later: ARM and Partner Center as sibling services.
Nothing in production imports this package.
"""

from emulator.app import SERVICES, create_app
from emulator.client import EmulatorControl
from emulator.clock import Clock
from emulator.scenario import apply_scenario, load_scenario_file
from emulator.server import EmulatorServer
from emulator.state import EmulatorState, Settings

__all__ = [
    "SERVICES",
    "Clock",
    "EmulatorControl",
    "EmulatorServer",
    "EmulatorState",
    "Settings",
    "apply_scenario",
    "create_app",
    "load_scenario_file",
]
