"""`dapctl access check [CUSTOMER | --all]`: the partner's reach into each customer tenant, and what is lost."""

from __future__ import annotations

from pathlib import Path

import typer

from dapctl import exit_codes
from dapctl.options import GraceDaysOption, check_endpoint
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
    stack_for,
)

app = typer.Typer(
    help="Whether the partner can still reach its customers: `check` (token and consent, GDAP/DAP paths, Azure).",
    no_args_is_help=True,
)


@app.command("check", epilog=exit_codes.EPILOG)
def check(
    customer: str | None = typer.Argument(None, help="Customer name from the stack config (or --all)."),
    all_customers: bool = typer.Option(False, "--all", help="Every customer of the stack."),
    stack: str | None = StackOption,
    project_dir: Path = ProjectDirOption,
    endpoint: str | None = EndpointOption,
    deadline_seconds: float = DeadlineOption,
    as_json: bool = typer.Option(False, "--json", help="Print the results as JSON."),
    grace_days: float = GraceDaysOption,
) -> None:
    """Per customer: a token in its tenant (the partner application's consent), the groups and roles that reach it
    through which relationship (or DAP), and the Azure subscriptions reachable; per declared group its access
    assignment, per declared subscription whether it is reached and its declared grant (AdminAgents' Owner) is
    still there. Exit 3 when any access is lost, in part too (1 of 2 subscriptions, a group's assignment gone).

    Access not granted yet (a relationship awaiting the customer's approval, an access assignment still
    pending) is status `not-granted-yet` with its age, exit 0, until it is older than --grace-days.

    Example: dapctl access check --all --json --grace-days 14
    """
    from azure_http import run_sync
    from operations.access_check import check_access

    check_endpoint(endpoint)
    if (customer is None) == (not all_customers):
        raise typer.BadParameter("name one customer, or pass --all (not both)", param_hint="CUSTOMER / '--all'")
    stack = stack_for(stack, project_dir, customer)
    cfg = load(stack, project_dir)
    customers = [customer_named(cfg, customer)] if customer else list(cfg.active_customers)
    conn = connection(endpoint)
    with guarded(deadline_seconds):
        results = run_sync(check_access(conn, cfg, customers, grace_days=grace_days))
    render_access_check(results, as_json, console)
    if any(r.findings for r in results):
        raise typer.Exit(exit_codes.FINDINGS)
