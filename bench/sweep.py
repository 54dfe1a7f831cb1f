"""Sweep benchmark: the audit and revoke runbooks at scale, against the emulator over real HTTP.

``make bench`` (or ``.venv/bin/python -m bench.sweep``) prints a table and exits 1 if a target is missed.

- **wide**: one customer tenant with 1,000 subscriptions of 20 role assignments each, 2 of them the
  partner's (AdminAgents Owner at the subscription, one more at resource group or resource scope),
  plus the partner's Reader on the customer's management group (inherited by every subscription):
  2,001 partner grants among 20,001 assignments. Every ARM request takes 20 ms in the emulator.
  The audit (one role-assignment listing per subscription; Lighthouse only where ``managedByTenants``
  says a matching tenant manages it) and the revoke (``--apply`` on the audit this process just made:
  the deletions) run with the runbooks' default limits, best of 2 runs each on a fresh load (the
  machine may be shared; ``--repeat``), and are compared with a baseline that does what a naive script
  does: one request at a time, per subscription list its role and Lighthouse assignments, then delete
  the partner's one by one. The baseline runs on a fresh load of the first 100 subscriptions of the same
  generated world (same seed: identical subscriptions and assignments) and is extrapolated linearly by
  subscriptions. The runbook's own code run sequentially (``Limits(1, 1)``) is reported beside it, to
  show what concurrency alone gives. Target: at least 20x faster than the baseline.
- **deep**: one subscription with 600 partner assignments to delete, under a delete bucket of 100
  refilling 100/s (``arm_set_throttle``), same 20 ms latency. The client's limiter is told the same
  bucket (as in production it knows ARM's documented one). Optimum: (600 - 100) / 100 = 5 s after
  the first deletion. Target: optimum / actual >= 0.9, and every assignment removed (checked in the
  emulator).
- **memory**: every measured run happens in a fresh worker process (the peak RSS reported is that
  process's high-water mark, VmHWM); the emulator runs in a process of its own (``python -m emulator``)
  and the worlds are generated and verified in this one, so neither counts. Target: under 200 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import resource
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from typing import Any

from emulator.core.client import EmulatorControl
from emulator.worlds.arm import ArmWorld, generate_world
from runbooks.audit import DEFAULT_LIMITS

LATENCY = 0.02
WIDE_SUBSCRIPTIONS = 1000
WIDE_ASSIGNMENTS = 20
WIDE_PARTNER = 2
BASELINE_SUBSCRIPTIONS = 100
DEEP_PARTNER = 600
DEEP_BUCKET = 100
DEEP_REFILL = 100.0
SEED = 2026
SPEEDUP_TARGET = 20.0
EFFICIENCY_TARGET = 0.9
MEMORY_TARGET_MB = 200.0
CLIENT_CPU_TARGET_MS = 1.0


# -- the emulator, in a process of its own ----------------------------------------------------------
class EmulatorProcess:
    """``python -m emulator --port 0`` as a child process; ``url`` once it listens."""

    def __enter__(self) -> EmulatorProcess:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "emulator", "--port", "0"],
            stdout=subprocess.PIPE,
            text=True,
        )
        line = self.process.stdout.readline() if self.process.stdout else ""
        if "listening on" not in line:
            self.process.kill()
            raise RuntimeError(f"the emulator did not start: {line!r}")
        self.url = line.split()[-1]
        self.control = EmulatorControl(self.url, timeout=300)
        return self

    def __exit__(self, *exc: object) -> None:
        self.control.close()
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


# -- one measured run, in a fresh worker process ------------------------------------------------------
def run_sweep(job: dict[str, Any]) -> dict[str, Any]:
    """Audit, then revoke --apply what it found; timings, request and 429 counts, peak RSS of this process."""
    from azure_http import ArmClient, ArmRateLimiter, BucketLimits, EmulatorTokens, Endpoints
    from runbooks.audit import Clients, Limits, Target, audit
    from runbooks.revoke import revoke

    limits = Limits(*job["limits"])
    client_buckets = {op: BucketLimits(*v) for op, v in (job.get("client_buckets") or {}).items()}
    limiter = ArmRateLimiter(client_buckets or None)
    target = Target.for_partner(job["customer"], job["partner"], job["principals"])

    def cpu() -> tuple[float, float, float]:
        return time.process_time(), process_cpu_seconds(job.get("emulator_pid")), machine_busy_seconds()

    control = EmulatorControl(job["url"], timeout=300)

    def logged() -> list[dict[str, Any]]:
        seen = control.requests("/arm")
        control.clear_requests()
        return seen

    async def go() -> dict[str, Any]:
        arm = ArmClient(
            EmulatorTokens(job["identity"]),
            Endpoints.emulator(job["url"]),
            tenant_id=job["customer"],
            rate_limiter=limiter,
        )
        out: dict[str, Any] = {}
        async with arm:
            control.clear_requests()
            started, before, cpu0 = time.perf_counter(), (limiter.stats.acquired, limiter.stats.throttled), cpu()
            report = await audit(target, Clients(arm=arm), limits=limits)
            out["audit"] = {
                "seconds": time.perf_counter() - started,
                "cpu": [b - a for a, b in zip(cpu0, cpu(), strict=True)],
                "requests": limiter.stats.acquired - before[0],
                "throttled": limiter.stats.throttled - before[1],
                "grants": sorted(g.id.lower() for g in report.grants),
                "errors": report.errors[:3],
                "subscriptions": report.subscriptions,
            }
            out["audit"]["floor"] = bucket_floor(logged(), job["customer"])  # (after the clock stopped)
            started, before, cpu0 = time.perf_counter(), (limiter.stats.acquired, limiter.stats.throttled), cpu()
            # As dapctl does: the audit this process just made is the plan (its listing is the live state).
            result = await revoke(target, Clients(arm=arm), report, apply=True, limits=limits)
            out["revoke"] = {
                "seconds": time.perf_counter() - started,
                "cpu": [b - a for a, b in zip(cpu0, cpu(), strict=True)],
                "requests": limiter.stats.acquired - before[0],
                "throttled": limiter.stats.throttled - before[1],
                "outcomes": dict(Counter(o.outcome for o in result.outcomes)),
                "complete": result.complete,
                "failures": [o.message for o in result.outcomes if o.outcome not in ("removed", "already-absent")][:3],
            }
            out["revoke"]["floor"] = bucket_floor(logged(), job["customer"])
        return out

    try:
        out = asyncio.run(go())
    finally:
        control.close()
    out["peak_mb"] = peak_rss_mb()
    return out


def naive_sweep(job: dict[str, Any]) -> dict[str, Any]:
    """The baseline: what a naive script does, one request at a time, over the same HTTP client.

    For each subscription: list its role assignments and its Lighthouse assignments; keep the partner's;
    then delete them one by one. No concurrency, no use of ``managedByTenants``.
    """
    from azure_http import ArmClient, EmulatorTokens, Endpoints

    principals = {p.lower() for p in job["principals"]}

    async def go() -> dict[str, Any]:
        out: dict[str, Any] = {}
        requests = 0
        tokens = EmulatorTokens(job["identity"])
        async with ArmClient(tokens, Endpoints.emulator(job["url"]), tenant_id=job["customer"]) as arm:
            started = time.perf_counter()
            found: dict[str, None] = {}
            subscriptions = [s["subscriptionId"] async for s in arm.list_subscriptions()]
            requests += 1
            for subscription in subscriptions:
                scope = f"/subscriptions/{subscription}"
                async for page in arm.pages(f"{scope}/providers/Microsoft.Authorization/roleAssignments"):
                    requests += 1
                    for a in page.get("value", []):
                        if (a["properties"].get("principalId") or "").lower() in principals:
                            found[a["id"].lower()] = None
                async for _page in arm.pages(
                    f"{scope}/providers/Microsoft.ManagedServices/registrationAssignments",
                    params={"api-version": "2022-10-01", "$expandRegistrationDefinition": "true"},
                ):
                    requests += 1
            out["audit"] = {"seconds": time.perf_counter() - started, "requests": requests, "grants": sorted(found)}
            started, requests = time.perf_counter(), 0
            for assignment_id in found:
                await arm.delete_role_assignment(assignment_id)
                requests += 1
            out["revoke"] = {"seconds": time.perf_counter() - started, "requests": requests}
        return out

    out = asyncio.run(go())
    out["peak_mb"] = peak_rss_mb()
    return out


def process_cpu_seconds(pid: int | None) -> float:
    """CPU seconds (user + system) a process has used so far (Linux /proc; 0 elsewhere or without a pid)."""
    if not pid:
        return 0.0
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def machine_busy_seconds() -> float:
    """CPU seconds every process on the machine has used since boot (Linux /proc/stat; 0 elsewhere): the
    difference over a run, less the client's and the emulator's, is what other processes took meanwhile."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            fields = [int(v) for v in stat.readline().split()[1:]]
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
        return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def bucket_floor(requests: list[dict[str, Any]], tenant: str) -> tuple[float, int]:
    """The least wall time ARM's documented token buckets allow for these requests (all sent at once), and how
    many buckets they fill: per (subscription or tenant, reads/writes/deletes) bucket of size S refilling R/s,
    N requests need max(0, (N - S) / R) seconds; the slowest bucket sets the floor."""
    from azure_http.throttle import ARM_LIMITS, arm_bucket_key

    counts = Counter(arm_bucket_key(r["method"], r["path"].removeprefix("/arm"), tenant) for r in requests)
    floor = 0.0
    for key, n in counts.items():
        limits = ARM_LIMITS[(key.level, key.operation)]
        floor = max(floor, (n - limits.size) / limits.refill_per_second)
    return floor, len(counts)


def peak_rss_mb() -> float:
    """This process's peak RSS. Linux: VmHWM, the high-water mark of this very program (``ru_maxrss`` would
    also count the parent's pages the spawning fork shared before the exec); elsewhere ``ru_maxrss``."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)


def in_fresh_process(job: dict[str, Any]) -> dict[str, Any]:
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        return pool.submit(naive_sweep if job.get("naive") else run_sweep, job).result()


# -- scenarios ----------------------------------------------------------------------------------------
@dataclass
class Row:
    scenario: str
    requests: int
    seconds: float
    baseline: str
    ratio: str
    throttled: int
    peak_mb: float
    target: str
    met: bool


#: The customer's runbook identity the runs act as (Azure's permission model: the emulator is strict).
RUNBOOK_IDENTITY = "e1000000-0000-4000-8000-0000000be4c1"


def as_customer_runbook(world: ArmWorld) -> ArmWorld:
    """Give the first customer's runbook identity what it holds in production: a role that removes
    assignments over the customer's management group (every subscription below it), and Reader at the
    tenant root so the verification can read it."""
    tenant = world.customer_tenant_ids[0]
    arm = world.scenario["arm"]
    group = next(g["name"] for g in arm["management_groups"] if g["tenant"] == tenant)
    arm["principals"].append({"id": RUNBOOK_IDENTITY, "kind": "ServicePrincipal", "tenant": tenant})
    arm["role_assignments"] += [
        {
            "scope": f"/providers/Microsoft.Management/managementGroups/{group}",
            "principalId": RUNBOOK_IDENTITY,
            "role": "Owner",
        },
        {"scope": "/", "tenant": tenant, "principalId": RUNBOOK_IDENTITY, "role": "Reader"},
    ]
    world.total_assignments += 2
    return world


def wide_world(subscriptions: int) -> ArmWorld:
    return as_customer_runbook(
        generate_world(
            subscriptions,
            WIDE_ASSIGNMENTS,
            WIDE_PARTNER,
            seed=SEED,
            subscriptions_per_customer=WIDE_SUBSCRIPTIONS,  # one customer tenant holds them all
            dap_every=0,
        )
    )


def job_for(emu: EmulatorProcess, world: ArmWorld, limits: tuple[int, int], **extra: Any) -> dict[str, Any]:
    return {
        "url": emu.url,
        "customer": world.customer_tenant_ids[0],
        "partner": world.partner_tenant_id,
        "principals": sorted(world.partner_principal_ids),
        "identity": RUNBOOK_IDENTITY,
        "limits": limits,
        "emulator_pid": emu.process.pid,
        **extra,
    }


def load(emu: EmulatorProcess, world: ArmWorld) -> None:
    emu.control.reset(world.scenario)
    emu.control.arm_set_latency(LATENCY)


def check_world_after(emu: EmulatorProcess, world: ArmWorld, found: list[str]) -> list[str]:
    """Problems, if any: the audit's findings against the world's answers; the emulator after revoke."""
    problems = []
    answers = {a["id"].lower() for a in world.partner_assignments + world.inherited_partner_assignments}
    if set(found) != answers:
        problems.append(f"audit found {len(found)} grants, the world has {len(answers)} (differences)")
    left = emu.control.arm_role_assignments()
    partners = [a for a in left if a["properties"]["principalId"] in world.partner_principal_ids]
    if partners:
        problems.append(f"{len(partners)} partner assignments still present after revoke")
    if len(left) != world.total_assignments - len(answers):
        problems.append(f"{len(left)} assignments left, expected {world.total_assignments - len(answers)}")
    return problems


def wide(emu: EmulatorProcess, args: argparse.Namespace, notes: list[str]) -> list[Row]:
    full, sample = wide_world(args.subscriptions), wide_world(args.baseline_subscriptions)
    if [s["id"] for s in sample.subscriptions] != [s["id"] for s in full.subscriptions[: len(sample.subscriptions)]]:
        raise RuntimeError("the baseline world is not a prefix of the full world")

    runs, problems = [], []
    for attempt in range(max(1, args.repeat)):  # best of N, each on a fresh load: the machine may be shared
        started = time.perf_counter()
        load(emu, full)
        if attempt == 0:
            notes.append(
                f"world load: {len(full.subscriptions)} subscriptions, {full.total_assignments} assignments "
                f"reset into the emulator in {time.perf_counter() - started:.2f} s (one control request)"
            )
        runs.append(in_fresh_process(job_for(emu, full, (args.overall, args.per_subscription))))
        problems += check_world_after(emu, full, runs[-1]["audit"]["grants"])
    fast = min(runs, key=lambda r: r["audit"]["seconds"] + r["revoke"]["seconds"])
    peak_mb = max(r["peak_mb"] for r in runs)

    load(emu, sample)
    slow = in_fresh_process(job_for(emu, sample, (1, 1)))
    problems += [f"sequential: {p}" for p in check_world_after(emu, sample, slow["audit"]["grants"])]
    load(emu, sample)
    naive = in_fresh_process(job_for(emu, sample, (1, 1), naive=True))
    problems += [f"naive baseline: {p}" for p in check_world_after(emu, sample, naive["audit"]["grants"])]
    scale = len(full.subscriptions) / len(sample.subscriptions)
    for name in ("audit", "revoke"):
        if fast[name].get("errors"):
            problems.append(f"{name} errors: {fast[name]['errors']}")
    if not fast["revoke"]["complete"]:
        problems.append(f"revoke incomplete: {fast['revoke']['outcomes']} {fast['revoke']['failures']}")

    rows = []
    for name, label in (
        ("audit", f"wide audit ({args.subscriptions} subs x {WIDE_ASSIGNMENTS})"),
        ("revoke", f"wide revoke ({len(fast['audit']['grants'])} grants)"),
    ):
        f, s, n = fast[name], slow[name], naive[name]
        per_request = s["seconds"] / s["requests"]
        baseline = n["seconds"] * scale
        ratio = baseline / f["seconds"]
        memory_ok = peak_mb < MEMORY_TARGET_MB
        rows.append(
            Row(
                label,
                f["requests"],
                f["seconds"],
                f"{baseline:.2f}*",
                f"{ratio:.1f}x",
                f["throttled"],
                peak_mb,
                f">={SPEEDUP_TARGET:g}x, <{MEMORY_TARGET_MB:g} MB, <={CLIENT_CPU_TARGET_MS:g} ms CPU/req",
                ratio >= SPEEDUP_TARGET
                and memory_ok
                and f["cpu"][0] / f["requests"] * 1000 <= CLIENT_CPU_TARGET_MS
                and not problems,
            )
        )
        notes.append(
            f"* {name} baseline: a naive script (one request at a time; per subscription, list its role and "
            f"Lighthouse assignments; then delete one by one) on the first {args.baseline_subscriptions} of the "
            f"{args.subscriptions} subscriptions: {n['requests']} requests in {n['seconds']:.2f} s, x {scale:g}"
        )
        notes.append(
            f"  {name} with the runbook's own code run sequentially (Limits(1, 1)) instead: "
            f"{per_request * 1000:.1f} ms/request x {f['requests']} requests = {per_request * f['requests']:.2f} s, "
            f"{per_request * f['requests'] / f['seconds']:.1f}x (concurrency alone)"
        )
        client_s, emulator_s, machine_s = f["cpu"]
        client_ms, emulator_ms = client_s / f["requests"] * 1000, emulator_s / f["requests"] * 1000
        cores = os.cpu_count() or 1
        others = max(0.0, machine_s - client_s - emulator_s)
        notes.append(
            f"  {name} CPU per request: client {client_ms:.2f} ms (target <= {CLIENT_CPU_TARGET_MS:g} ms: "
            f"{'met' if client_ms <= CLIENT_CPU_TARGET_MS else 'MISSED'}), emulator {emulator_ms:.2f} ms; one client "
            f"process can go no faster than {per_request * 1000 / client_ms:.1f}x the baseline at that cost"
            if client_ms
            else f"  {name}: CPU not measured"
        )
        notes.append(
            f"  {name} share of the machine ({cores} cores x {f['seconds']:.2f} s = {cores * f['seconds']:.2f} "
            f"core-seconds): client {client_s / (cores * f['seconds']):.0%}, emulator "
            f"{emulator_s / (cores * f['seconds']):.0%}, other processes {others / (cores * f['seconds']):.0%}"
        )
        floor, buckets = f["floor"]
        notes.append(
            f"  {name} physical limit: ARM's token buckets (documented sizes and refills, {buckets} buckets) allow "
            f"these {f['requests']} requests in {max(0.0, floor):.2f} s; at {LATENCY * 1000:g} ms per request and "
            f"{args.overall} at once, latency alone needs {f['requests'] / args.overall * LATENCY:.2f} s"
        )
    timings = ", ".join(f"{r['audit']['seconds']:.2f} + {r['revoke']['seconds']:.2f}" for r in runs)
    notes.append(
        f"  fast runs: Limits(overall={args.overall}, per_subscription={args.per_subscription}), best of "
        f"{len(runs)} (audit + revoke s: {timings}); "
        f"outcomes {fast['revoke']['outcomes']}; baseline peak {slow['peak_mb']:.0f} MB"
    )
    notes += [f"PROBLEM (wide): {p}" for p in problems]
    return rows


def deep(emu: EmulatorProcess, args: argparse.Namespace, notes: list[str]) -> list[Row]:
    world = as_customer_runbook(
        generate_world(
            1,
            DEEP_PARTNER + 20,
            DEEP_PARTNER,
            seed=SEED,
            subscriptions_per_customer=1,
            management_group_assignments=False,
            dap_every=0,
        )
    )
    load(emu, world)
    emu.control.arm_set_throttle(deletes=(DEEP_BUCKET, DEEP_REFILL))
    job = job_for(
        emu,
        world,
        (args.overall, args.per_subscription),
        client_buckets={"deletes": (DEEP_BUCKET, DEEP_REFILL)},
    )
    result = in_fresh_process(job)
    problems = check_world_after(emu, world, result["audit"]["grants"])
    server_429 = sum(b["throttled"] for b in emu.control.arm_throttle() if b["operation"] == "deletes")
    r = result["revoke"]
    removed = r["outcomes"].get("removed", 0)
    if removed != DEEP_PARTNER or not r["complete"]:
        problems.append(f"not every deletion went through: {r['outcomes']} {r['failures']}")
    optimum = max(0.0, (DEEP_PARTNER - DEEP_BUCKET) / DEEP_REFILL)
    efficiency = optimum / r["seconds"] if r["seconds"] else 0.0
    notes.append(
        f"  deep: {removed}/{DEEP_PARTNER} removed; optimum max(0, ({DEEP_PARTNER} - {DEEP_BUCKET}) / "
        f"{DEEP_REFILL:g}) = {optimum:.2f} s; 429s seen by the emulator: {server_429}; "
        f"audit of the subscription {result['audit']['seconds']:.2f} s (not counted)"
    )
    notes += [f"PROBLEM (deep): {p}" for p in problems]
    return [
        Row(
            f"deep revoke ({DEEP_PARTNER} deletes, {DEEP_BUCKET}@{DEEP_REFILL:g}/s)",
            r["requests"],
            r["seconds"],
            f"{optimum:.2f} opt",
            f"{efficiency:.2f} eff",
            r["throttled"],
            result["peak_mb"],
            f">={EFFICIENCY_TARGET:g} eff, <{MEMORY_TARGET_MB:g} MB",
            efficiency >= EFFICIENCY_TARGET and result["peak_mb"] < MEMORY_TARGET_MB and not problems,
        )
    ]


def render(rows: list[Row]) -> str:
    header = ("scenario", "requests", "seconds", "baseline s", "speed-up", "429s", "peak MB", "target", "met")
    cells = [
        (
            r.scenario,
            str(r.requests),
            f"{r.seconds:.2f}",
            r.baseline,
            r.ratio,
            str(r.throttled),
            f"{r.peak_mb:.0f}",
            r.target,
            "yes" if r.met else "NO",
        )
        for r in rows
    ]
    widths = [max(len(str(c)) for c in col) for col in zip(header, *cells, strict=True)]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in (header, *cells)]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sweep", description=__doc__.split("\n")[0])
    parser.add_argument("--subscriptions", type=int, default=WIDE_SUBSCRIPTIONS)
    parser.add_argument("--baseline-subscriptions", type=int, default=BASELINE_SUBSCRIPTIONS)
    parser.add_argument(
        "--overall", type=int, default=DEFAULT_LIMITS.overall, help="Limits.overall of the fast runs (runbook default)"
    )
    parser.add_argument(
        "--per-subscription",
        type=int,
        default=DEFAULT_LIMITS.per_subscription,
        help="Limits.per_subscription (runbook default)",
    )
    parser.add_argument("--repeat", type=int, default=2, help="wide fast runs (best of N, each on a fresh load)")
    parser.add_argument("--only", choices=("wide", "deep"), help="run one scenario")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    print(
        f"bench.sweep: Python {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.2f}; emulator latency {LATENCY * 1000:g} ms per ARM request",
        flush=True,
    )
    rows: list[Row] = []
    notes: list[str] = []
    with EmulatorProcess() as emu:
        if args.only in (None, "wide"):
            rows += wide(emu, args, notes)
        if args.only in (None, "deep"):
            rows += deep(emu, args, notes)
    print()
    print(render(rows))
    print()
    for note in notes:
        print(note)
    print(
        f"peak MB: the measuring worker process's peak RSS (emulator and world generation in other processes); "
        f"total {time.perf_counter() - started:.0f} s, load average now {os.getloadavg()[0]:.2f}"
    )
    missed = [r.scenario for r in rows if not r.met]
    if missed:
        print(f"TARGET MISSED: {', '.join(missed)}")
        return 1
    print("all targets met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
