"""`dapctl converge --select`: the stacks whose customer approved since the last deploy, for the scheduled pipeline."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from dapctl import exit_codes
from dapctl.commands.fleet import ExcludeOption, StacksOption, selected_stacks
from dapctl.options import check_days, check_endpoint
from dapctl.render.convergence import render_convergence
from dapctl.shell import DeadlineOption, EndpointOption, ProjectDirOption, connection, console, errors, guarded


def converge(
    select: bool = typer.Option(
        False, "--select", help="Print only the selected stack names, space-separated (for a pipeline's STACKS)."
    ),
    project_dir: Path = ProjectDirOption,
    patterns: list[str] = StacksOption,
    exclude: list[str] = ExcludeOption,
    max_stacks: int = typer.Option(10, "--max-stacks", min=1, max=1000, help="At most this many stacks per run."),
    stuck_days: int = typer.Option(7, "--stuck-days", help="List approvals waiting at least this many days."),
    endpoint: str | None = EndpointOption,
    deadline_seconds: float = DeadlineOption,
    as_json: bool = typer.Option(False, "--json", help="The selection, deferred stacks and stuck approvals as JSON."),
) -> None:
    """Stacks to deploy because a GDAP relationship is active while a declared group is not mapped yet (the
    first deploy after the customer's approval maps them); bounded per run, oldest activation first.

    Exit 0 (the selection may be empty), 1 Graph unreachable, 2 a stack's config is broken.

    Example: STACKS="$(dapctl converge --select)" pipelines/run-stacks.sh up
    """
    from azure_http import run_sync
    from operations.convergence import converge_selection

    check_endpoint(endpoint)
    check_days(stuck_days, "--stuck-days")
    if select and as_json:
        raise typer.BadParameter("--select prints stack names only: drop --json", param_hint="'--select' / '--json'")
    stacks = selected_stacks(project_dir, patterns, exclude)  # no stack at all: a usage error (exit 2), as for fleet
    conn = connection(endpoint)
    with guarded(deadline_seconds, failing="Could not read the GDAP relationships"):
        result = run_sync(converge_selection(conn, project_dir, stacks, max_stacks=max_stacks, stuck_days=stuck_days))
    for stack, lines in result.config_problems.items():
        errors.print(f"[bold red]config error[/] in stack {escape(stack)}: {escape('; '.join(lines))}")
    render_convergence(result, select, as_json, console)
    if result.config_problems:
        raise typer.Exit(exit_codes.USAGE)
