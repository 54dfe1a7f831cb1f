"""``python -m emulator --port 8765 --scenario dev`` (port 0: any free port).

``--scenario`` names a world (dev, brownfield, fleet, autopilot: ``emulator.worlds.named``) or a scenario YAML
file; ``--project DIR`` writes the named world's Pulumi.yaml and stack files into DIR, to run dapctl there.
A taken port, an unknown scenario or an unreadable file is one line on standard error and exit 2.

``--tls`` serves https with a throwaway CA made at start (``emulator.core.tls``) and prints the CA
certificate's path and the environment that makes clients trust it; ``--ca-file`` puts the CA
certificate at a path of your choice, so scripts can name it before the emulator starts.
"""

from __future__ import annotations

import argparse
import errno
import signal
import sys
from pathlib import Path

import yaml

from emulator.server import EmulatorServer
from emulator.worlds.named import WORLDS, world_for

USAGE = 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m emulator", description="Local Graph/ARM/Partner Center emulator")
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port; 0 picks a free one (default 8765)")
    parser.add_argument(
        "--scenario", help=f"world to load at start: {', '.join(WORLDS)}, or a scenario YAML file (default: empty)"
    )
    parser.add_argument("--project", help="write the named world's Pulumi.yaml and stack files into this folder")
    parser.add_argument("--log-level", default="warning", help="uvicorn log level (default warning)")
    parser.add_argument("--tls", action="store_true", help="serve https with a throwaway CA made at start")
    parser.add_argument("--ca-file", help="with --tls: write the CA certificate here (default: a temporary file)")
    args = parser.parse_args(argv)
    if args.ca_file and not args.tls:
        parser.error("--ca-file needs --tls")
    if args.project and not args.scenario:
        parser.error("--project needs --scenario")
    try:
        world = world_for(args.scenario) if args.scenario else None
        server = EmulatorServer(
            host=args.host,
            port=args.port,
            scenario=world.scenario if world else None,
            log_level=args.log_level,
            tls=args.tls,
            ca_file=args.ca_file,
        )
        stacks = world.write_project(Path(args.project)) if world and args.project else []
    except OSError as err:  # the port is taken, the scenario, CA or project path cannot be read or written
        if err.errno == errno.EADDRINUSE:
            print(
                f"emulator: port {args.port} on {args.host} is taken (another emulator?): stop it, or pass "
                "--port with another port (0: any free one)",
                file=sys.stderr,
            )
        else:
            print(f"emulator: {err.strerror or err}: {err.filename or f'{args.host}:{args.port}'}", file=sys.stderr)
        return USAGE
    except (ValueError, yaml.YAMLError) as err:  # an unknown world, a scenario file that is not one
        print(f"emulator: {' '.join(str(err).split())[:500]}", file=sys.stderr)
        return USAGE
    print(f"emulator listening on {server.url}", flush=True)
    if server.tls is not None:
        print(f"  CA certificate: {server.tls.ca_path}", flush=True)
        exports = " ".join(f"{name}={value}" for name, value in server.tls.client_env().items())
        print(f"  trust it: export {exports}   (azure-core: connection_verify=<CA certificate>)", flush=True)
    print(f"  graph: {server.url}/graph/v1.0   control: {server.url}/_emulator/state", flush=True)
    print(f"  arm: {server.url}/arm   partner center: {server.url}/partnercenter/v1", flush=True)
    if stacks:
        print(f"  project: {args.project} (stacks: {', '.join(stacks)})", flush=True)
    # uvicorn re-raises the SIGTERM it caught once it has shut down; exit through Python then, so
    # serve_forever's clean-up (the TLS temporary directory) runs instead of the process just dying.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
