"""Fleet benchmark: the offline plan and the GDAP status of a generated fleet of one-customer stacks, each in one
``dapctl fleet`` process, against the same work done one process per stack (measured on a sample, scaled).

``.venv/bin/python -m bench.fleet`` (``--stacks 1000`` by default; ``--only plan|status|drift``). Prints wall seconds,
peak memory of the measured process (``/usr/bin/time``-free: ``wait4``'s rusage of that child), the ratio against the
baseline measured in the same run, and per-stack figures at 10, 100 and N stacks to show they stay flat. Targets
(issue: fleet scale): 1,000 stacks planned in at most 150 s and 300 MB; status of 1,000 customers at 50 ms per
emulated request in at most 120 s and 300 MB; drift + status of 1,000 customers with two subscriptions of 20 role
assignments each, 50 ms per Graph, ARM and Partner Center request, in at most 120 s and 300 MB (against
``dapctl drift`` + ``dapctl gdap status`` one process per stack); 10,000 such customers in at most 300 s and
300 MB. Requests are counted with the emulator's counters, not its request log (which keeps the last 20,000).
Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from azure_http.partner_center import CUSTOMER_LIMIT
from bench.sweep import EmulatorProcess
from emulator.core.client import EmulatorControl
from emulator.worlds.fleet import generate_fleet

ROOT = Path(__file__).resolve().parent.parent
DAPCTL = [sys.executable, "-m", "dapctl"]
PLAN_TARGET_S, STATUS_TARGET_S, MEMORY_TARGET_MB = 150.0, 120.0, 300.0
#: Drift + status beyond 1,000 customers (issue: the fleet at 10,000 customers): 10,000 in at most 300 s.
LARGE_FLEET, LARGE_TARGET_S = 1000, 300.0
#: The drift command's own deadline (900 s by default) would cut a 10,000-customer run short: Partner Center's
#: Customer resource alone needs 1,140 s for 10,000 DAP reads (``customer_floor``); every request after the
#: deadline fails at once and its customer is reported "not checked".
FLEET_DEADLINE_S = 7200
LATENCY = 0.05
SUBSCRIPTIONS, ASSIGNMENTS = 2, 20


def measured(command: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """Wall seconds, peak RSS in MB and exit code of one child process."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_maxrss / 1024, process.returncode


@dataclass
class Counted:
    """Requests the emulator served so far, from its counters (the request log keeps only the last 20,000: a
    fleet of 10,000 customers sends more): Graph and Partner Center from the ``matched`` count of the latency
    fault on each prefix (every request under it counts, uncapped), ARM from its throttle buckets (``taken`` +
    ``throttled`` per bucket: every ARM request passes one), with the least wall time the buckets allow."""

    graph: int = 0
    partner_center: int = 0
    subscription_level: int = 0
    tenant_level: int = 0
    floor: float = 0.0

    @property
    def arm(self) -> int:
        return self.subscription_level + self.tenant_level

    @property
    def total(self) -> int:
        return self.graph + self.partner_center + self.arm

    @classmethod
    def read(cls, control: EmulatorControl) -> Counted:
        matched = {rule["path_prefix"]: rule["matched"] for rule in control.faults()}
        counted = cls(graph=matched.get("/graph", 0), partner_center=matched.get("/partnercenter", 0))
        for bucket in control.arm_throttle():
            n = bucket["taken"] + bucket["throttled"]
            if bucket["level"] == "subscription":
                counted.subscription_level += n
            else:
                counted.tenant_level += n
            # N requests on a bucket of size S refilling R/s need at least (N - S) / R seconds.
            counted.floor = max(counted.floor, (n - bucket["bucket"]) / bucket["refill"])
        return counted


def environment(endpoint: str = "offline") -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "CSP_DELEGATION_ENDPOINT": endpoint}


def bench_plan(count: int, sample: int, lines: list[str]) -> bool:
    with tempfile.TemporaryDirectory() as folder:
        project = Path(folder)
        stacks = generate_fleet(count, seed=11).write_stacks(project, ROOT / "Pulumi.yaml")
        per_stack = []
        for size in sorted({min(10, count), min(100, count), count}):
            target = project
            if size != count:  # a folder of exactly `size` stacks
                target = Path(folder) / f"sub{size}"
                target.mkdir()
                generate_fleet(size, seed=11).write_stacks(target, ROOT / "Pulumi.yaml")
            command = [*DAPCTL, "fleet", "plan", "--project-dir", str(target), "--json"]
            wall, peak, code = measured(command, environment())
            per_stack.append((size, wall / size, peak, code))
        full_wall, full_peak, full_code = per_stack[-1][1] * count, per_stack[-1][2], per_stack[-1][3]
        baseline = 0.0
        for stack in stacks[:sample]:
            wall, _, _ = measured(
                [*DAPCTL, "plan", "--stack", stack, "--project-dir", str(project), "--json"], environment()
            )
            baseline += wall
        scaled = baseline / sample * count
    met = full_code == 0 and full_wall <= PLAN_TARGET_S and full_peak <= MEMORY_TARGET_MB
    lines.append(
        f"fleet plan, {count} one-customer stacks in one process: {full_wall:.1f} s, peak {full_peak:.0f} MB "
        f"(exit {full_code}); one process per stack (sample of {sample}, scaled): {scaled:.0f} s; "
        f"ratio {scaled / full_wall:.1f}x; target <= {PLAN_TARGET_S:g} s and {MEMORY_TARGET_MB:g} MB: "
        f"{'met' if met else 'NOT MET'}"
    )
    for size, seconds, peak, _ in per_stack:
        lines.append(f"  {size:>5} stacks: {seconds * 1000:.0f} ms per stack, peak {peak:.0f} MB")
    return met


def bench_status(count: int, sample: int, lines: list[str]) -> bool:
    with tempfile.TemporaryDirectory() as folder, EmulatorProcess() as emu:
        project = Path(folder)
        world = generate_fleet(count, seed=12)
        stacks = world.write_stacks(project, ROOT / "Pulumi.yaml")
        emu.control.reset(world.scenario)
        emu.control.settings(page_size=300)
        emu.control.add_fault("/graph", latency=LATENCY, times=None)
        wall, peak, code = measured(
            [*DAPCTL, "fleet", "status", "--project-dir", str(project), "--json"], environment(emu.url)
        )
        requests = Counted.read(emu.control).graph
        baseline = 0.0
        for stack in stacks[:sample]:
            one, _, _ = measured(
                [*DAPCTL, "gdap", "status", "--stack", stack, "--project-dir", str(project), "--json"],
                environment(emu.url),
            )
            baseline += one
        per_stack_requests = (Counted.read(emu.control).graph - requests) / sample
    scaled = baseline / sample * count
    optimum = requests * LATENCY  # pages are read one after another: nextLink chains them
    met = code in (0, 3) and wall <= STATUS_TARGET_S and peak <= MEMORY_TARGET_MB
    lines.append(
        f"fleet status, {count} customers at {LATENCY * 1000:g} ms per Graph request: {wall:.1f} s, "
        f"peak {peak:.0f} MB, {requests} Graph requests (physical limit {optimum:.1f} s); "
        f"one process per stack (sample of {sample}, "
        f"{per_stack_requests:.0f} requests each, scaled): {scaled:.0f} s; ratio {scaled / wall:.1f}x; "
        f"target <= {STATUS_TARGET_S:g} s and {MEMORY_TARGET_MB:g} MB: {'met' if met else 'NOT MET'}"
    )
    return met


def bench_drift(count: int, sample: int, lines: list[str]) -> bool:
    """``dapctl fleet drift`` then ``dapctl fleet status`` over a fleet with subscriptions, against the same two
    questions asked one stack at a time (``dapctl drift`` and ``dapctl gdap status`` per stack, sequentially)."""
    with tempfile.TemporaryDirectory() as folder, EmulatorProcess() as emu:
        project = Path(folder)
        world = generate_fleet(count, seed=13, subscriptions=SUBSCRIPTIONS, assignments=ASSIGNMENTS)
        stacks = world.write_stacks(project, ROOT / "Pulumi.yaml")
        emu.control.reset(world.scenario)
        emu.control.settings(page_size=300)
        emu.control.arm_set_latency(LATENCY)
        for prefix in ("/graph", "/partnercenter"):
            emu.control.add_fault(prefix, latency=LATENCY, times=None)
        env = environment(emu.url)
        started = time.perf_counter()
        drift_wall, drift_peak, drift_code = measured(
            [*DAPCTL, "fleet", "drift", "--project-dir", str(project), "--json", "--deadline", str(FLEET_DEADLINE_S)],
            env,
        )
        status_wall, status_peak, status_code = measured(
            [*DAPCTL, "fleet", "status", "--project-dir", str(project), "--json"], env
        )
        wall, peak = time.perf_counter() - started, max(drift_peak, status_peak)
        fleet = Counted.read(emu.control)
        emu.control.arm_reset_throttle()  # the baseline's ARM requests counted afresh (and on full buckets)
        before = Counted.read(emu.control)
        baseline = 0.0
        for stack in stacks[:sample]:
            for command in (["drift", "--stack", stack, "-f", "json"], ["gdap", "status", "--stack", stack, "--json"]):
                one, _, _ = measured([*DAPCTL, *command, "--project-dir", str(project)], env)
                baseline += one
        per_stack = (Counted.read(emu.control).total - before.total) / sample
    scaled = baseline / sample * count
    target = STATUS_TARGET_S if count <= LARGE_FLEET else LARGE_TARGET_S
    met = drift_code in (0, 3) and status_code in (0, 3) and wall <= target and peak <= MEMORY_TARGET_MB
    lines.append(
        f"fleet drift + status, {count} customers x {SUBSCRIPTIONS} subscriptions x {ASSIGNMENTS} role assignments "
        f"({world.arm_assignments} in all), {LATENCY * 1000:g} ms per request: {wall:.1f} s (drift {drift_wall:.1f} s, "
        f"exit {drift_code}; status {status_wall:.1f} s, exit {status_code}), peak {peak:.0f} MB; "
        f"one process per stack (sample of {sample}, {per_stack:.0f} requests each, scaled): {scaled:.0f} s; "
        f"ratio {scaled / wall:.1f}x; target <= {target:g} s and {MEMORY_TARGET_MB:g} MB: "
        f"{'met' if met else 'NOT MET'}"
    )
    lines.append(
        f"  requests (the emulator's counters): Graph {fleet.graph}, Partner Center {fleet.partner_center}, ARM "
        f"{fleet.arm} ({fleet.subscription_level} at subscription level, {fleet.tenant_level} at tenant level: "
        f"{fleet.tenant_level / max(1, count):.1f} per customer tenant), {fleet.total} in all; physical limit from "
        f"ARM's token buckets: {max(0.0, fleet.floor):.2f} s (no subscription or tenant bucket of 250 reads comes "
        f"near empty); the fleet's longest chain of dependent requests is its relationship pages "
        f"({-(-count // 300)} x {LATENCY * 1000:g} ms)"
    )
    lines.append(
        f"  physical limit from Partner Center's Customer resource: {customer_floor(fleet.partner_center):.0f} s "
        f"({fleet.partner_center} reads by id, the DAP check of each customer, at {CUSTOMER_LIMIT.size} requests "
        f"per minute per tenant, paced by the client; DAP is only read by id)"
    )
    return met


def customer_floor(reads: int) -> float:
    """The least wall time ``reads`` requests on Partner Center's Customer resource take: "The Customer resource
    has a rate limit of 500 requests per minute per tenant identifier", and ``allowDelegatedAccess`` (DAP) "is
    only available when getting a customer by ID, not by list"
    (learn.microsoft.com/partner-center/developer/customer-resources): one read per customer, 500 at once, then
    500 a minute."""
    return max(0.0, (reads - CUSTOMER_LIMIT.size) / CUSTOMER_LIMIT.refill_per_second)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fleet", description=__doc__.split("\n")[0])
    parser.add_argument("--stacks", type=int, default=1000)
    parser.add_argument("--sample", type=int, default=10, help="stacks run one process each, for the baseline")
    parser.add_argument("--only", choices=("plan", "status", "drift"))
    args = parser.parse_args(argv)
    print(f"bench.fleet: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}", flush=True)
    lines: list[str] = []
    met = True
    if args.only in (None, "plan"):
        met &= bench_plan(args.stacks, args.sample, lines)
    if args.only in (None, "status"):
        met &= bench_status(args.stacks, args.sample, lines)
    if args.only in (None, "drift"):
        met &= bench_drift(args.stacks, args.sample, lines)
    print("\n".join(lines))
    print(f"load average now {os.getloadavg()[0]:.2f}")
    print("all targets met" if met else "TARGET MISSED")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
