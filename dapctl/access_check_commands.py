"""`dapctl access check [CUSTOMER | --all]`: the partner's reach into each customer tenant, and what is lost."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from azure_http.deadline import deadline
from config.errors import ConfigError

from . import exit_codes
from .access_check import DEFAULT_GRACE_DAYS
from .cli import (
    DeadlineOption,
    EndpointOption,
    ProjectDirOption,
    StackOption,
    _fail_http,
    _load,
    console,
    fail_config,
)
from .options import check_endpoint

app = typer.Typer(
    help="Whether the partner can still reach its customers: `check` (token and consent, GDAP/DAP paths, Azure).",
    no_args_is_help=True,
)


def render(results: list, as_json: bool) -> None:
    if as_json:
        document = {"schemaVersion": 1, "customers": [r.to_json() for r in results]}
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
        return
    table = Table(title="Partner access per customer")
    for column in ("customer", "status", "token", "reached through", "Azure", "findings / not granted yet"):
        table.add_column(column, overflow="fold")
    status_colour = {"ok": "green", "not-granted-yet": "yellow", "lost": "bold red"}
    for r in results:
        paths = "\n".join(f"{p.group}: {', '.join(p.roles)} via {p.via}" for p in r.paths) or "-"
        azure = f"{len(r.subscriptions)} of {r.declared_subscriptions} declared" if r.token == "ok" else "not read"
        azure += "".join(f"\n{d.name}: {d.status}" for d in r.declared if d.status != "ok")
        colour = "green" if r.token == "ok" else "bold red"
        waits = [f"waiting: {w.what}" + (f" ({w.age_days} days)" if w.age_days is not None else "") for w in r.waiting]
        table.add_row(
            f"{escape(r.customer)}\n{r.tenant_id}",
            f"[{status_colour.get(r.status, 'white')}]{r.status}[/]",
            f"[{colour}]{r.token}[/]",
            escape(paths),
            escape(azure),
            escape("\n".join([*r.findings, *waits])) or "[green]none[/]",
        )
    console.print(table)


@app.command("check", epilog=exit_codes.EPILOG)
def check(
    customer: str | None = typer.Argument(None, help="Customer name from the stack config (or --all)."),
    all_customers: bool = typer.Option(False, "--all", help="Every customer of the stack."),
    stack: str = StackOption,
    project_dir: Path = ProjectDirOption,
    endpoint: str | None = EndpointOption,
    deadline_seconds: float = DeadlineOption,
    as_json: bool = typer.Option(False, "--json", help="Print the results as JSON."),
    grace_days: float = typer.Option(
        DEFAULT_GRACE_DAYS,
        "--grace-days",
        min=0,
        help="Days a relationship awaiting approval or a pending access assignment is 'not granted yet' (exit 0) "
        "before it is a finding.",
    ),
) -> None:
    """Per customer: a token in its tenant (the partner application's consent), the groups and roles that reach it
    through which relationship (or DAP), and the Azure subscriptions reachable; per declared group its access
    assignment, per declared subscription whether it is reached and its declared grant (AdminAgents' Owner) is
    still there. Exit 3 when any access is lost, in part too (1 of 2 subscriptions, a group's assignment gone).

    Access not granted yet (a relationship awaiting the customer's approval, an access assignment still
    pending) is status `not-granted-yet` with its age, exit 0, until it is older than --grace-days.

    Example: dapctl access check --all --json --grace-days 14
    """
    from azure_http import AzureHttpError, run_sync
    from azure_http.connect import OfflineMode

    from .access_check import check_access
    from .cli import _connection

    check_endpoint(endpoint)
    if (customer is None) == (not all_customers):
        raise typer.BadParameter("name one customer, or pass --all (not both)", param_hint="CUSTOMER / '--all'")
    cfg = _load(stack, project_dir)
    try:
        customers = [cfg.customer(customer)] if customer else list(cfg.active_customers)
    except ConfigError as err:
        fail_config(err)
    conn = _connection(endpoint)
    try:
        with deadline(deadline_seconds):
            results = run_sync(check_access(conn, cfg, customers, grace_days=grace_days))
    except (AzureHttpError, OfflineMode) as err:
        _fail_http(err)
    render(results, as_json)
    if any(r.findings for r in results):
        raise typer.Exit(exit_codes.FINDINGS)
