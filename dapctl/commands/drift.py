"""`dapctl drift`: the stack config against the live tenants."""

from __future__ import annotations

from pathlib import Path

import typer

from dapctl import exit_codes
from dapctl.options import DriftFormat, check_endpoint, check_output
from dapctl.shell import (
    DeadlineOption,
    EndpointOption,
    OutputOption,
    ProjectDirOption,
    StackOption,
    connection,
    console,
    customer_named,
    guarded,
    load,
    stack_for,
    write,
)


def drift(
    stack: str | None = StackOption,
    project_dir: Path = ProjectDirOption,
    endpoint: str | None = EndpointOption,
    deadline_seconds: float = DeadlineOption,
    customer: str | None = typer.Option(None, "--customer", "-c", help="Only this customer."),
    fmt: DriftFormat = typer.Option(
        DriftFormat.table, "--format", "-f", help="table, json or markdown (an issue body)."
    ),
    output: Path | None = OutputOption,
) -> None:
    """Compare the stack config with the live tenants; exit 0 when they match, 3 on drift.

    Example: dapctl drift --stack contoso --format markdown > drift.md
    """
    from azure_http import run_sync
    from dapctl.render.reports import Format, render_drift
    from operations.drift import stack_drift
    from operations.expected_scope import remember_seen

    check_endpoint(endpoint)
    output = check_output(output, fmt)
    stack = stack_for(stack, project_dir, customer)
    cfg = load(stack, project_dir)
    customers = [customer_named(cfg, customer)] if customer else list(cfg.customers)
    conn = connection(endpoint)
    with guarded(deadline_seconds):
        items = run_sync(
            stack_drift(
                conn,
                cfg,
                customers,
                seen=lambda c, report: remember_seen(project_dir, c, report, "drift"),
                stack=stack,
            )
        )
    write(lambda: render_drift(stack, items, Format(fmt), output, console))
    if items:
        raise typer.Exit(exit_codes.FINDINGS)
