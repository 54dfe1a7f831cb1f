"""How `dapctl converge` shows its selection: stack names for a pipeline, JSON, or a line per stack for people."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape

if TYPE_CHECKING:
    from operations.convergence import Selection


def render_convergence(result: Selection, select: bool, as_json: bool, console: Console) -> None:
    """The stacks to deploy, those left for the next run, and the approvals stuck waiting."""
    if select:  # the stack names alone, for a pipeline's STACKS
        sys.stdout.write(" ".join(result.stacks) + "\n")
    elif as_json:
        sys.stdout.write(json.dumps(result.to_json(), indent=2) + "\n")
    else:
        for c in result.deploy:
            console.print(f"[green]deploy[/] {escape(c.stack)} ({escape(c.customer)}): {escape(c.reason)}")
        for c in result.deferred:
            console.print(f"[yellow]next run[/] {escape(c.stack)} ({escape(c.customer)}): {escape(c.reason)}")
        for s in result.stuck:
            console.print(
                f"[yellow]stuck[/] {escape(s.stack)} ({escape(s.customer)}): relationship {escape(s.relationship_id)} "
                f"awaits approval for {s.days} days"
            )
        if not (result.deploy or result.deferred or result.stuck):
            console.print("Nothing to converge.")
