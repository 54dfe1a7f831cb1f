"""``python -m emulator --port 8765 --scenario emulator/scenarios/dev.yaml`` (port 0: any free port)."""

from __future__ import annotations

import argparse
import sys

from emulator.scenario import load_scenario_file
from emulator.server import EmulatorServer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m emulator", description="Local Graph/ARM/Partner Center emulator")
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port; 0 picks a free one (default 8765)")
    parser.add_argument("--scenario", help="scenario YAML file to load at start")
    parser.add_argument("--log-level", default="warning", help="uvicorn log level (default warning)")
    args = parser.parse_args(argv)
    scenario = load_scenario_file(args.scenario) if args.scenario else None
    server = EmulatorServer(host=args.host, port=args.port, scenario=scenario, log_level=args.log_level)
    print(f"emulator listening on {server.url}", flush=True)
    print(f"  graph: {server.url}/graph/v1.0   control: {server.url}/_emulator/state", flush=True)
    print(f"  arm: {server.url}/arm   partner center: {server.url}/partnercenter/v1", flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
