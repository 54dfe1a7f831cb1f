#!/usr/bin/env python3
"""Which stacks a pipeline run concerns, split into at most N matrix legs.

GitHub Actions refuses a matrix over 256 jobs and every leg costs a runner's start-up, so the stacks are never one
leg each: they are split into at most ``--max-legs`` shards (default 20), each leg running its shard's stacks
with bounded concurrency (``pipelines/run-stacks.sh``). Shards are contiguous runs of the sorted stack names,
sizes differing by one at most, named ``shard_01``... (Azure DevOps allows only letters, digits and ``_`` in leg
names). Both GitHub Actions and Azure Pipelines call this one script, so they agree on what a run concerns.

Standard library only: it runs before any virtualenv exists.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

STACK_FILE = re.compile(r"^Pulumi\.(?P<stack>[A-Za-z0-9][A-Za-z0-9_.-]*)\.yaml$")
#: Changes that cannot alter what any stack declares or how it is deployed; anything else concerns every stack.
NO_STACK_EFFECT = re.compile(r"^(docs/|tests/|bench/|emulator/worlds/scenarios/|[^/]+\.md$|\.gitignore$)")
DEFAULT_MAX_LEGS = 20


def stacks_in(project_dir: Path) -> list[str]:
    return sorted(m["stack"] for p in project_dir.iterdir() if (m := STACK_FILE.match(p.name)))


def concerned(all_stacks: list[str], changed: list[str] | None) -> list[str]:
    """Every stack when ``changed`` is None (no base) or touches shared code; else the stacks whose file changed."""
    if changed is None:
        return list(all_stacks)
    own = {m["stack"] for f in changed if (m := STACK_FILE.match(f))}
    if any(not STACK_FILE.match(f) and not NO_STACK_EFFECT.match(f) for f in changed):
        return list(all_stacks)
    return [s for s in all_stacks if s in own]


def shard(stacks: list[str], max_legs: int = DEFAULT_MAX_LEGS) -> list[dict[str, object]]:
    """Contiguous, balanced shards of ``stacks`` (at most ``max_legs``), as matrix entries."""
    if max_legs < 1:
        raise ValueError("max_legs must be at least 1")
    legs = min(max_legs, len(stacks))
    width = max(2, len(str(legs)))
    out, start = [], 0
    for index in range(legs):
        size = len(stacks) // legs + (1 if index < len(stacks) % legs else 0)
        chunk = stacks[start : start + size]
        start += size
        out.append({"shard": f"shard_{index + 1:0{width}d}", "stacks": " ".join(chunk), "count": len(chunk)})
    return out


def changed_files(base: str) -> list[str] | None:
    """Files changed since ``base``; None when there is no usable base (schedules, first pushes)."""
    if not base or set(base) == {"0"}:
        return None
    known = subprocess.run(["git", "cat-file", "-e", f"{base}^{{commit}}"], capture_output=True, check=False)
    if known.returncode != 0:
        return None
    diff = subprocess.run(["git", "diff", "--name-only", base, "HEAD"], capture_output=True, text=True, check=True)
    return [line for line in diff.stdout.splitlines() if line]


def outputs(selected: list[str], exclude: list[str], max_legs: int) -> dict[str, object]:
    cloud = [s for s in selected if s not in set(exclude)]
    return {
        "stacks": selected,
        "cloud": cloud,
        "shards": {"include": shard(selected, max_legs)},
        "cloud-shards": {"include": shard(cloud, max_legs)},
        "any": bool(selected),
        "any-cloud": bool(cloud),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", default="", help="commit to compare HEAD with; empty: every stack")
    parser.add_argument("--exclude", default="", help="space-separated stacks that never reach the cloud")
    parser.add_argument("--only", default="", help="space-separated stacks to run, whatever changed (manual runs)")
    parser.add_argument("--max-legs", type=int, default=DEFAULT_MAX_LEGS)
    parser.add_argument("--project-dir", type=Path, default=Path("."))
    parser.add_argument("--format", choices=("json", "github", "ado"), default="json")
    args = parser.parse_args(argv)
    if not 1 <= args.max_legs <= 256:
        parser.error("--max-legs must be between 1 and 256 (GitHub's matrix limit)")
    known = stacks_in(args.project_dir)
    if args.only.strip():
        unknown = sorted(set(args.only.split()) - set(known))
        if unknown:
            parser.error(f"--only names no stack file: {', '.join(unknown)} (known: {', '.join(known) or 'none'})")
        selected = [s for s in known if s in set(args.only.split())]
    else:
        selected = concerned(known, changed_files(args.base))
    result = outputs(selected, args.exclude.split(), args.max_legs)
    if args.format == "json":
        print(json.dumps(result, indent=2))
    elif args.format == "github":  # lines for $GITHUB_OUTPUT
        for key, value in result.items():
            print(f"{key}={json.dumps(value) if not isinstance(value, bool) else str(value).lower()}")
    else:  # Azure Pipelines: matrices are objects keyed by leg name
        for key in ("shards", "cloud-shards"):
            legs = result[key]["include"]  # type: ignore[index]
            matrix = {leg["shard"]: {"STACKS": leg["stacks"], "SHARD": leg["shard"]} for leg in legs}
            print(f"##vso[task.setvariable variable={key.replace('-', '_')};isOutput=true]{json.dumps(matrix)}")
        print(f"##vso[task.setvariable variable=any;isOutput=true]{str(result['any']).lower()}")
        print(f"##vso[task.setvariable variable=any_cloud;isOutput=true]{str(result['any-cloud']).lower()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
