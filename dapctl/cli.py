"""The dapctl command line (typer + rich). Each command is a thin shell over a module that does the work."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import typer
from rich.console import Console

from azure_http.connect import ENV as ENDPOINT_ENV
from stacks.errors import ConfigError

app = typer.Typer(
    name="dapctl",
    help="Operate a CSP partner's delegated administration: plans, invitations, GDAP status, audits, revocation.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
# Wide when writing to a file or CI log (rich would wrap at 80 columns), the terminal's width otherwise.
console = Console(width=None if sys.stdout.isatty() else 160)
errors = Console(stderr=True, width=None if sys.stderr.isatty() else 160)

StackOption = typer.Option("dev", "--stack", "-s", help="Stack name: reads Pulumi.<stack>.yaml.")
ProjectDirOption = typer.Option(
    Path("."),
    "--project-dir",
    "-C",
    help="The Pulumi project folder holding Pulumi.<stack>.yaml.",
    envvar="DAPCTL_PROJECT_DIR",
)


def fail_config(err: ConfigError) -> None:
    """Print a config error the way a person fixes it (field path, problem, fix) and exit 2."""
    errors.print(f"[bold red]Config error[/] in {err.source}:", highlight=False)
    for problem in err.problems:
        errors.print(f"  - [bold]{problem.path}[/]: {problem.message}", highlight=False, markup=True)
    raise typer.Exit(2)


@app.callback()
def _root() -> None:
    """Operate a CSP partner's delegated administration as code."""


@app.command()
def plan(
    stack: str = StackOption,
    as_json: bool = typer.Option(False, "--json", help="Print the plan as one JSON document (for CI)."),
    project_dir: Path = ProjectDirOption,
    endpoint: str = typer.Option(
        "offline",
        "--endpoint",
        help="Where GDAP status is read before declaring: offline (default, reads nothing), azure, or an emulator URL.",
    ),
) -> None:
    """Show what a stack declares, offline: the real program on Pulumi's mock runtime, no cloud, no CLI."""
    from stacks.loading import flat_config_for_runtime, load_stack_file
    from stacks.mock_runtime import run_offline
    from stacks.program import main as program

    from .plan_report import build_report
    from .plan_view import render

    os.environ[ENDPOINT_ENV] = endpoint
    try:
        load_stack_file(stack, project_dir)  # every config problem, before anything runs
        flat = flat_config_for_runtime(stack, project_dir)
    except ConfigError as err:
        fail_config(err)
    report = build_report(run_offline(program, flat, stack=stack, preview=True))
    if as_json:
        sys.stdout.write(json.dumps(report, indent=2) + "\n")
    else:
        render(report, console)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
