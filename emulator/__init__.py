"""Local emulator of Microsoft Graph (GDAP, contracts), ARM and Partner Center on 127.0.0.1.

For tests, demo and benchmarks: real HTTP or https (Starlette on uvicorn; ``tls=True`` / ``--tls`` with
a throwaway CA, so Microsoft's own SDKs work against it with ``emulator.core.credential.EmulatorCredential``),
the documented request/response shapes and status machines, ARM's token-bucket throttling, injectable
faults and latency, and a control endpoint. Callers are told apart by their bearer token (``emulator.core.identity``).
Nothing in production imports this package.
"""

from emulator.app import SERVICES, create_app
from emulator.core.client import EmulatorControl
from emulator.core.clock import Clock
from emulator.core.scenario import apply_scenario, load_scenario_file
from emulator.core.state import EmulatorState, Settings
from emulator.server import EmulatorServer

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
