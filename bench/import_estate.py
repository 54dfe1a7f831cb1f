"""Import benchmark: ``dapctl import`` of a generated 1,000-customer brownfield estate at 50 ms per emulated request
(Graph, ARM and Partner Center alike), the emulator in its own process, against a sequential baseline measured in
the same run.

``.venv/bin/python -m bench.import_estate`` (``--customers 1000``, ``--sample 20``). The measured run is the real
command in a child process (``dapctl import -C <folder>``, writing one stack per customer): its wall time, its peak
memory (``wait4``'s rusage of that child) and its CPU, the emulator's CPU over the same span, and the requests the
emulator served. The baseline reads customer after customer, one request at a time (``ReadLimits.sequential()``):
the partner-wide reads (contracts, relationship pages, Partner Center's customer list) once, then ``--sample``
customers, scaled to all of them. Targets (issue: brownfield import): at most 60 s wall and 300 MB peak. Exits 1
when a target is missed, or when the import did not write a loadable stack for every customer it should have.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from azure_http import EmulatorTokens, Endpoints, run_sync
from bench.fleet import DAPCTL, environment
from bench.sweep import EmulatorProcess, process_cpu_seconds
from emulator.worlds.brownfield import PARTNER_GROUP_KEYS, PARTNER_TENANT, generate_brownfield
from estate.reader import ReadLimits, read_estate

WALL_TARGET_S, MEMORY_TARGET_MB = 60.0, 300.0
LATENCY = 0.05


def sequential_seconds(url: str, pick: set[str] | None) -> float:
    """Wall seconds of a one-request-at-a-time read of the partner-wide data and the customers in ``pick``."""
    started = time.perf_counter()
    run_sync(
        read_estate(
            PARTNER_TENANT,
            PARTNER_GROUP_KEYS.values(),
            EmulatorTokens(),
            Endpoints.emulator(url),
            select=lambda c: pick is not None and c.tenant_id in pick,
            limits=ReadLimits.sequential(),
        )
    )
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.import_estate", description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--sample", type=int, default=20, help="customers read sequentially, for the baseline")
    parser.add_argument("--seed", type=int, default=21)
    args = parser.parse_args(argv)
    print(f"bench.import_estate: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}", flush=True)
    world = generate_brownfield(args.customers, seed=args.seed)
    expected = sum(1 for c in world.customers if c.adopt_relationship_id or c.dap)
    with tempfile.TemporaryDirectory() as folder, EmulatorProcess() as emu:
        project = Path(folder)
        world.write_partner_stack(project)
        emu.control.reset(world.scenario)
        emu.control.add_fault("/", latency=LATENCY, times=None)  # every API request: Graph, ARM, Partner Center
        emu.control.clear_requests()
        emulator_cpu = process_cpu_seconds(emu.process.pid)
        command = [*DAPCTL, "import", "-C", str(project), "-f", "json", "-o", str(project / "report.json")]
        started = time.perf_counter()
        stderr = (project / "stderr.txt").open("w+")
        process = subprocess.Popen(command, env=environment(emu.url), stdout=subprocess.DEVNULL, stderr=stderr)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        code = os.waitstatus_to_exitcode(status)
        peak = usage.ru_maxrss / 1024
        client_cpu = usage.ru_utime + usage.ru_stime
        emulator_cpu = process_cpu_seconds(emu.process.pid) - emulator_cpu
        requests = len(emu.control.requests())
        written = len(list(project.glob("Pulumi.*.yaml"))) - 1
        stderr.seek(0)
        errors = stderr.read()
        stderr.close()
        emu.control.clear_requests()
        global_s = sequential_seconds(emu.url, None)
        global_requests = len(emu.control.requests())
        sample = {c.tenant_id for c in world.customers[: args.sample]}
        emu.control.clear_requests()
        sample_s = sequential_seconds(emu.url, sample)
        sample_requests = len(emu.control.requests()) - global_requests
    per_customer = (sample_s - global_s) / max(1, len(sample))
    baseline = global_s + per_customer * args.customers
    met = code == 0 and written == expected and wall <= WALL_TARGET_S and peak <= MEMORY_TARGET_MB
    print(
        f"import of {args.customers} customers at {LATENCY * 1000:g} ms per request: {wall:.1f} s, peak {peak:.0f} MB "
        f"(exit {code}), {written} stacks written (expected {expected}), {requests} requests; CPU: dapctl "
        f"{client_cpu:.1f} s ({client_cpu / max(1, requests) * 1000:.1f} ms per request), emulator {emulator_cpu:.1f} s"
    )
    print(
        f"sequential baseline (one request at a time; partner-wide reads {global_s:.1f} s, then "
        f"{per_customer:.2f} s per customer over a sample of {len(sample)}, "
        f"{sample_requests / max(1, len(sample)):.1f} requests each), scaled: {baseline:.0f} s; "
        f"ratio {baseline / wall:.1f}x"
    )
    print(f"target <= {WALL_TARGET_S:g} s and {MEMORY_TARGET_MB:g} MB: {'met' if met else 'NOT MET'}")
    print(f"load average now {os.getloadavg()[0]:.2f}")
    if code != 0:
        print(errors[-4000:], file=sys.stderr)
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
