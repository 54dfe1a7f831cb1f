#!/usr/bin/env python3
"""One Markdown summary of a pipeline action over every stack (the results folders of pipelines/run-stacks.sh):
the pull request's single preview comment, and the fleet summary of a drift run.

Stack output is untrusted text: it goes inside fenced blocks whose fence is longer than any backtick run in it, and
the whole body stays under GitHub's comment limit (65,536 characters): each output is cut to its tail, and the
sections that do not fit are left to the run's artifacts, never cut in the middle.
Standard library only.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

LIMIT = 60_000
RESOURCE_LINE = re.compile(r"^\s*(?:[+~-]|\+-)?\s*\d+ to (?:create|update|delete|replace)|^\s*\d+ unchanged", re.M)


def _fence(text: str) -> str:
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}\n{text}\n{fence}"


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def summarize(results: Path, title: str, run_url: str = "") -> str:
    rows, details = [], []
    stacks = sorted(p for p in results.iterdir() if p.is_dir())
    budget = max(2000, (LIMIT - 120 * len(stacks)) // max(1, len(stacks)))
    for stack in stacks:
        status = _read(stack / "status").strip() or "did not run"
        attention = _read(stack / "attention").strip()
        output = _read(stack / "report.md") or _read(stack / "output.txt")
        verdict = "ok" if status == "0" else ("needs attention" if attention == "true" else f"exit {status}")
        changes = "; ".join(m.strip() for m in RESOURCE_LINE.findall(output)) or ""
        rows.append(f"| `{stack.name}` | {verdict} | {changes} |")
        if status != "0" or changes:
            shown = output if len(output) <= budget else "[...]\n" + output[-budget:]
            details.append(f"<details><summary>{stack.name}: {verdict}</summary>\n\n{_fence(shown)}\n\n</details>")
    failed = sum(1 for r in rows if "| ok |" not in r)
    head = [f"## {title}: {len(rows)} stack(s), {failed} not ok", ""]
    if run_url:
        head += [f"Run: {run_url}", ""]
    body = "\n".join([*head, "| stack | result | changes |", "|---|---|---|", *rows, ""])
    # Whole sections only, never a cut inside one: what does not fit is in the run's artifacts.
    for index, section in enumerate(details):
        if len(body) + len(section) + 200 > LIMIT:
            body += f"\n{len(details) - index} more stack(s) with output: see the run's artifacts.\n"
            break
        body += "\n" + section
    return body


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("results", type=Path)
    parser.add_argument("--title", required=True)
    parser.add_argument("--run-url", default="")
    args = parser.parse_args(argv)
    print(summarize(args.results, args.title, args.run_url))
    return 0


if __name__ == "__main__":
    sys.exit(main())
