"""The dapctl command line (typer + rich). Each command is a thin shell over a module that does the work."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

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


EndpointOption = typer.Option(
    None,
    "--endpoint",
    help="azure (default), or the local emulator's URL; also read from CSP_DELEGATION_ENDPOINT.",
)


def _load(stack: str, project_dir: Path):
    from stacks.loading import load_stack_file

    try:
        return load_stack_file(stack, project_dir)
    except ConfigError as err:
        fail_config(err)


def _fail_http(err: Exception) -> None:
    errors.print(f"[bold red]Could not read from Microsoft Graph:[/] {escape(str(err))}", highlight=False)
    raise typer.Exit(3)


@app.command()
def invite(
    customer: str = typer.Argument(..., help="Customer name from the stack config."),
    stack: str = StackOption,
    project_dir: Path = ProjectDirOption,
    endpoint: str | None = EndpointOption,
) -> None:
    """Print the link the customer must open (reseller/DAP invitation or GDAP approval) and an email draft."""
    from azure_http import AzureHttpError
    from azure_http.connect import OfflineMode

    from .graph_access import fetch_relationships, use_endpoint
    from .invitation import invitation_for

    cfg = _load(stack, project_dir)
    try:
        target = cfg.customer(customer)
    except ConfigError as err:
        fail_config(err)
    use_endpoint(endpoint)
    relationships: list[dict] = []
    if target.delegation == "gdap":
        try:
            relationships = fetch_relationships(cfg)
        except (AzureHttpError, OfflineMode) as err:
            _fail_http(err)
    result = invitation_for(cfg, target, relationships)
    console.print(f"[bold]{escape(target.display_name)}[/] ({target.delegation}): {escape(result.status)}")
    if result.link:
        console.print(f"\n[bold]Link[/]: {escape(result.link)}\n", soft_wrap=True)
    if result.email:
        console.print(escape(result.email), soft_wrap=True)
    if not result.sendable:
        raise typer.Exit(1)


gdap_app = typer.Typer(help="GDAP relationships: status, expiry, approvals.", no_args_is_help=True)
app.add_typer(gdap_app, name="gdap")


@gdap_app.command("status")
def gdap_status(
    stack: str = StackOption,
    project_dir: Path = ProjectDirOption,
    endpoint: str | None = EndpointOption,
    as_json: bool = typer.Option(False, "--json", help="Print the rows as JSON."),
    fail_on_warning: bool = typer.Option(False, "--fail-on-warning", help="Exit 1 when any row has a warning."),
    expiring_days: int = typer.Option(
        30, "--expiring-days", help="Warn when a relationship ends within this many days."
    ),
    stuck_days: int = typer.Option(7, "--stuck-days", help="Warn when an approval has waited this many days."),
) -> None:
    """Status, roles, end date and days left of each gdap customer's relationships, with warnings."""
    from rich.table import Table

    from azure_http import AzureHttpError
    from azure_http.connect import OfflineMode

    from .gdap_status import status_rows
    from .graph_access import fetch_relationships, use_endpoint

    cfg = _load(stack, project_dir)
    use_endpoint(endpoint)
    try:
        relationships = fetch_relationships(cfg)
    except (AzureHttpError, OfflineMode) as err:
        _fail_http(err)
    rows = status_rows(cfg, relationships, expiring_days=expiring_days, stuck_days=stuck_days)
    warned = [r for r in rows if r.warnings]
    if as_json:
        sys.stdout.write(
            json.dumps({"stack": stack, "rows": [r.to_json() for r in rows], "warnings": len(warned)}, indent=2) + "\n"
        )
    else:
        table = Table(title=f"GDAP relationships of stack {stack}")
        for column in ("customer", "relationship", "status", "roles", "ends", "days left", "attention"):
            table.add_column(column, overflow="fold")
        for row in rows:
            attention = "\n".join([f"[red]! {escape(w)}[/]" for w in row.warnings] + [escape(n) for n in row.notes])
            table.add_row(
                escape(row.customer),
                escape(f"{row.display_name or ''}\n{row.relationship_id or ''}".strip()),
                escape(row.status),
                escape(", ".join(row.roles)),
                escape((row.end or "")[:10]),
                "" if row.days_left is None else str(row.days_left),
                attention,
            )
        console.print(table)
        console.print(f"{len(rows)} relationship(s), {len(warned)} needing attention.")
    if fail_on_warning and warned:
        raise typer.Exit(1)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
