"""How long ``dapctl --help`` takes, as a whole process, against the bare interpreter's start in the same run.

``.venv/bin/python -m bench.startup [--runs 15]``: median, min and max wall seconds of each, the ratio, and the target
(``dapctl --help`` at most 0.3 s on this 2-core machine: commands import their heavy modules only when they run).
Exits 1 when the median misses the target.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

TARGET_S = 0.3
ROOT = Path(__file__).resolve().parent.parent


def timed(command: list[str], runs: int) -> list[float]:
    subprocess.run(command, capture_output=True, check=True, cwd=ROOT)  # warm the file cache
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True, cwd=ROOT)
        out.append(time.perf_counter() - started)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.startup", description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args(argv)
    bare = timed([sys.executable, "-c", "pass"], args.runs)
    helped = timed([sys.executable, "-m", "dapctl", "--help"], args.runs)
    median = statistics.median(helped)
    print(f"bench.startup: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}, {args.runs} runs each")
    for name, values in (("python -c pass", bare), ("dapctl --help", helped)):
        print(f"  {name:15} median {statistics.median(values):.3f} s (min {min(values):.3f}, max {max(values):.3f})")
    print(f"  ratio dapctl --help / bare interpreter: {median / statistics.median(bare):.1f}x")
    met = median <= TARGET_S
    print(f"  target: dapctl --help <= {TARGET_S} s: {'met' if met else 'NOT MET'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
