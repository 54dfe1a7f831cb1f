"""`dapctl plan`: what a stack declares, offline, with the policy pack's findings."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from dapctl import exit_codes
from dapctl.options import check_endpoint
from dapctl.shell import DeadlineOption, ProjectDirOption, StackOption, console, guarded, stack_for


def plan(
    stack: str | None = StackOption,
    as_json: bool = typer.Option(False, "--json", help="Print the plan as one JSON document (for CI)."),
    project_dir: Path = ProjectDirOption,
    endpoint: str = typer.Option(
        "offline",
        "--endpoint",
        help="Where GDAP status is read before declaring: offline (default, reads nothing), azure, or an emulator URL.",
    ),
    deadline_seconds: float = DeadlineOption,
) -> None:
    """Show what a stack declares, offline: the real program on Pulumi's mock runtime, no cloud, no CLI.

    The policy pack's rules run over the plan; a mandatory violation exits 4.

    Example: dapctl plan --stack dev --json > plan.json
    """
    from dapctl.render.plan import render
    from operations.plan import load_plan_config, plan_offline

    check_endpoint(endpoint)
    stack = stack_for(stack, project_dir)
    with guarded():
        config, flat = load_plan_config(stack, project_dir)  # every config problem, before anything runs
    with guarded(deadline_seconds):  # reading GDAP status before declaring (--endpoint other than offline)
        planned = plan_offline(config, flat, stack, endpoint)
    report = planned.report()
    if as_json:
        sys.stdout.write(json.dumps(report, indent=2) + "\n")
    else:
        render(report, console)
    if planned.mandatory_violations:
        raise typer.Exit(exit_codes.POLICY)
