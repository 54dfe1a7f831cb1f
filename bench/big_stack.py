"""One stack of many customers planned offline: ``dapctl plan`` of a stack holding N dev-like customers.

``.venv/bin/python -m bench.big_stack`` (``--customers 1000``; ``--sizes 10,100`` for the per-customer curve). The
stack is the sample ``dev`` stack's partner with its three customers repeated (a GDAP customer with two new
subscriptions, a runbook and Lighthouse; a DAP customer with an existing subscription and a runbook; a GDAP
customer with defaults), each copy with its own name, tenant id, domain, aliases and subscription ids. Each size is
planned in a fresh ``dapctl plan --stack big --json`` process (wall seconds, peak RSS from ``wait4``); the
per-customer cost shows whether it stays flat. From the plan it also reports the resources a customer declares
(custom resources, components apart; ``Python3Package`` uploads, which the runbook bundle replaces when it carries
its pure-Python dependencies), and the size of the runbook file each customer's runbook publishes. Target (issue:
fleet scale): 1,000 customers in at most 60 s and 600 MB. Exits 1 when missed.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml

from bench.fleet import DAPCTL, ROOT, environment

PACKAGE_TYPE = "azure-native:automation:Python3Package"

TARGET_S, TARGET_MB = 60.0, 600.0
_NS = uuid.UUID("8a6f3c1e-2b4d-4e5f-9a7b-1c2d3e4f5a6b")


def big_stack(customers: int) -> dict:
    """The dev stack's config with ``customers`` customers (its three, repeated with fresh identities)."""
    dev = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text(encoding="utf-8"))
    config = dev["config"]
    templates = config["csp-delegation:customers"]
    out = []
    for n in range(customers):
        customer = copy.deepcopy(templates[n % len(templates)])
        name = f"{customer['name']}-{n:05d}"
        customer["name"] = name
        customer["displayName"] = f"{customer['displayName']} {n:05d}"
        customer["tenantId"] = str(uuid.uuid5(_NS, f"tenant:{name}"))
        customer["defaultDomain"] = f"{name}.onmicrosoft.com"
        renamed = {}
        for sub in customer.get("subscriptions", []):
            renamed[sub["alias"]] = f"{sub['alias']}-{n:05d}"
            sub["alias"] = renamed[sub["alias"]]
        for sub in customer.get("existingSubscriptions", []):
            sub["subscriptionId"] = str(uuid.uuid5(_NS, f"sub:{name}:{sub['subscriptionId']}"))
        runbook = customer.get("revocationRunbook") or {}
        if runbook.get("subscription") in renamed:
            runbook["subscription"] = renamed[runbook["subscription"]]
        out.append(customer)
    config["csp-delegation:customers"] = out
    return dev


@dataclass(frozen=True)
class Planned:
    """One ``dapctl plan --json`` run: its cost and what the plan declares."""

    customers: int
    wall: float
    peak_mb: float
    code: int
    resources: int = 0
    packages: int = 0

    def line(self) -> str:
        per = self.customers
        return (
            f"  {per:>5} customers: {self.wall:.1f} s ({self.wall / per * 1000:.0f} ms per customer), "
            f"peak {self.peak_mb:.0f} MB, {self.resources / per:.1f} resources per customer "
            f"({self.packages / per:.1f} Python3Package), exit {self.code}"
        )


def plan(stack: str, project: Path, customers: int) -> Planned:
    """Plan ``stack`` in a fresh process: wall seconds, peak RSS (``wait4``), and the plan's resource counts."""
    command = [*DAPCTL, "plan", "--stack", stack, "--project-dir", str(project), "--json"]
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, env=environment(), stdout=out, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        try:
            resources = json.load(out)["resources"]
        except (ValueError, KeyError, TypeError):
            return Planned(customers, wall, usage.ru_maxrss / 1024, code)
    custom = [r for r in resources if not r.get("component") and not r["type"].startswith("pulumi:providers:")]
    types = Counter(r["type"] for r in custom)
    return Planned(customers, wall, usage.ru_maxrss / 1024, code, len(custom), types[PACKAGE_TYPE])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.big_stack", description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--sizes", default="10,100", help="smaller stacks planned first, for the per-customer curve")
    args = parser.parse_args(argv)
    print(f"bench.big_stack: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}", flush=True)
    sizes = sorted({*(int(s) for s in args.sizes.split(",") if s), args.customers})
    from runbooks.packaging import build_runbook  # the bench's own checkout (not whatever dapctl is installed)

    runbook = build_runbook({"partnerTenantId": str(uuid.UUID(int=0)), "principalIds": []}).text
    print(f"  one customer's runbook file: {len(runbook.encode()) / 1024:.0f} KiB", flush=True)
    results = []
    with tempfile.TemporaryDirectory() as folder:
        project = Path(folder)
        (project / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text(encoding="utf-8"), encoding="utf-8")
        for size in sizes:
            stack = f"big{size}"
            (project / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump(big_stack(size)), encoding="utf-8")
            results.append(plan(stack, project, size))
            print(results[-1].line(), flush=True)
    if len(results) > 1:
        first, last = results[0], results[-1]
        extra = last.customers - first.customers
        print(
            f"  marginal cost per customer ({first.customers} -> {last.customers}): "
            f"{(last.wall - first.wall) / extra * 1000:.0f} ms, {(last.peak_mb - first.peak_mb) / extra:.2f} MB"
        )
    size, wall, peak, code = results[-1].customers, results[-1].wall, results[-1].peak_mb, results[-1].code
    met = code in (0, 4) and wall <= TARGET_S and peak <= TARGET_MB
    print(
        f"one stack of {size} customers planned offline (program, mock runtime, policy pack): {wall:.1f} s, "
        f"peak {peak:.0f} MB; target <= {TARGET_S:g} s and {TARGET_MB:g} MB: {'met' if met else 'NOT MET'}; "
        f"load average now {os.getloadavg()[0]:.2f}"
    )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
