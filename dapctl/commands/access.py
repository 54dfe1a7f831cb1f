"""`dapctl access check [CUSTOMER | --all]`: the partner's reach into each customer tenant, and what is lost."""

from __future__ import annotations

from pathlib import Path

import typer

from dapctl import exit_codes
from dapctl.options import check_endpoint
from dapctl.render.access_check import render_access_check
from dapctl.shell import (
    DeadlineOption,
    EndpointOption,
    ProjectDirOption,
    StackOption,
    connection,
    console,
    customer_named,
    guarded,
    load,
)

app = typer.Typer(
    help="Whether the partner can still reach its customers: `check` (token and consent, GDAP/DAP paths, Azure).",
    no_args_is_help=True,
)


@app.command("check", epilog=exit_codes.EPILOG)
def check(
    customer: str | None = typer.Argument(None, help="Customer name from the stack config (or --all)."),
    all_customers: bool = typer.Option(False, "--all", help="Every customer of the stack."),
    stack: str = StackOption,
    project_dir: Path = ProjectDirOption,
    endpoint: str | None = EndpointOption,
    deadline_seconds: float = DeadlineOption,
    as_json: bool = typer.Option(False, "--json", help="Print the results as JSON."),
) -> None:
    """Per customer: a token in its tenant (the partner application's consent), the groups and roles that reach it
    through which relationship (or DAP), and the Azure subscriptions reachable. Exit 3 when any access is lost.

    Example: dapctl access check --all --json
    """
    from azure_http import run_sync
    from operations.access_check import check_access

    check_endpoint(endpoint)
    if (customer is None) == (not all_customers):
        raise typer.BadParameter("name one customer, or pass --all (not both)", param_hint="CUSTOMER / '--all'")
    cfg = load(stack, project_dir)
    customers = [customer_named(cfg, customer)] if customer else list(cfg.active_customers)
    conn = connection(endpoint)
    with guarded(deadline_seconds):
        results = run_sync(check_access(conn, cfg, customers))
    render_access_check(results, as_json, console)
    if any(r.findings for r in results):
        raise typer.Exit(exit_codes.FINDINGS)
