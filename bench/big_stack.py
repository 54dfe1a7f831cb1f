"""One stack of many customers planned offline: ``dapctl plan`` of a stack holding N dev-like customers.

``.venv/bin/python -m bench.big_stack`` (``--customers 1000``; ``--sizes 10,100`` for the per-customer curve). The
stack is the sample ``dev`` stack's partner with its three customers repeated (a GDAP customer with two new
subscriptions, a runbook and Lighthouse; a DAP customer with an existing subscription and a runbook; a GDAP
customer with defaults), each copy with its own name, tenant id, domain, aliases and subscription ids. Each size is
planned in a fresh ``dapctl plan --stack big --json`` process (wall seconds, peak RSS from ``wait4``); the
per-customer cost shows whether it stays flat. Target (issue: fleet scale): 1,000 customers in at most 60 s and
600 MB. Exits 1 when missed.
"""

from __future__ import annotations

import argparse
import copy
import os
import sys
import tempfile
import uuid
from pathlib import Path

import yaml

from bench.fleet import DAPCTL, ROOT, environment, measured

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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.big_stack", description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--sizes", default="10,100", help="smaller stacks planned first, for the per-customer curve")
    args = parser.parse_args(argv)
    print(f"bench.big_stack: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}", flush=True)
    sizes = sorted({*(int(s) for s in args.sizes.split(",") if s), args.customers})
    results = []
    with tempfile.TemporaryDirectory() as folder:
        project = Path(folder)
        (project / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text(encoding="utf-8"), encoding="utf-8")
        for size in sizes:
            stack = f"big{size}"
            (project / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump(big_stack(size)), encoding="utf-8")
            wall, peak, code = measured(
                [*DAPCTL, "plan", "--stack", stack, "--project-dir", str(project), "--json"], environment()
            )
            results.append((size, wall, peak, code))
            print(
                f"  {size:>5} customers: {wall:.1f} s ({wall / size * 1000:.0f} ms per customer), peak {peak:.0f} MB, "
                f"exit {code}",
                flush=True,
            )
    size, wall, peak, code = results[-1]
    met = code in (0, 4) and wall <= TARGET_S and peak <= TARGET_MB
    print(
        f"one stack of {size} customers planned offline (program, mock runtime, policy pack): {wall:.1f} s, "
        f"peak {peak:.0f} MB; target <= {TARGET_S:g} s and {TARGET_MB:g} MB: {'met' if met else 'NOT MET'}; "
        f"load average now {os.getloadavg()[0]:.2f}"
    )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
