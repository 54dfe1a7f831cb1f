"""`dapctl gdap`: the GDAP relationships' status, and Global Administrator taken out of active ones in place."""

from __future__ import annotations

from pathlib import Path

import typer

from dapctl import exit_codes
from dapctl.options import YesOption, check_confirmable, check_days, check_endpoint, check_journal_dir, confirm
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
    stop_unchanged,
)

app = typer.Typer(
    help="GDAP relationships: `status` shows each one's status, roles, expiry and pending approvals; "
    "`drop-global-admin` removes Global Administrator from active ones in place.",
    no_args_is_help=True,
)


@app.command("status", epilog=exit_codes.EPILOG)
def gdap_status(
    stack: str | None = StackOption,
    project_dir: Path = ProjectDirOption,
    endpoint: str | None = EndpointOption,
    deadline_seconds: float = DeadlineOption,
    as_json: bool = typer.Option(False, "--json", help="Print the rows as JSON."),
    fail_on_warning: bool = typer.Option(False, "--fail-on-warning", help="Exit 3 when any row has a warning."),
    expiring_days: int = typer.Option(
        30, "--expiring-days", help="Warn when a relationship ends within this many days."
    ),
    stuck_days: int = typer.Option(7, "--stuck-days", help="Warn when an approval has waited this many days."),
    every: bool = typer.Option(
        False, "--all", help="Every relationship of the partner, declared or not; the undeclared are marked."
    ),
) -> None:
    """Status, roles, end date and days left of each gdap customer's relationships, with warnings.

    Example: dapctl gdap status --stack dev --fail-on-warning --json
             dapctl gdap status --all     (also the relationships no customer of the stack declares)
    """
    from dapctl.render.reports import Format, render_gdap_status
    from operations.gdap_status import gdap_status as status

    check_endpoint(endpoint)
    check_days(expiring_days, "--expiring-days")
    check_days(stuck_days, "--stuck-days")
    stack = stack_for(stack, project_dir)
    cfg = load(stack, project_dir)
    conn = connection(endpoint)
    with guarded(deadline_seconds):
        rows = status(conn, cfg, expiring_days=expiring_days, stuck_days=stuck_days, every=every)
    render_gdap_status(stack, rows, Format.json if as_json else Format.table, console)
    if fail_on_warning and any(r.warnings for r in rows):
        raise typer.Exit(exit_codes.FINDINGS)


@app.command("drop-global-admin", epilog=exit_codes.EPILOG)
def gdap_drop_global_admin(
    customer: str | None = typer.Argument(None, help="Customer name from the stack config (or --all)."),
    all_customers: bool = typer.Option(False, "--all", help="Every gdap customer of the stack."),
    stack: str | None = StackOption,
    project_dir: Path = ProjectDirOption,
    endpoint: str | None = EndpointOption,
    deadline_seconds: float = DeadlineOption,
    apply: bool = typer.Option(False, "--apply", help="Remove it (default: dry run, nothing changes)."),
    yes: bool = YesOption,
    auto_extend: bool = typer.Option(
        False, "--auto-extend", help="Then switch auto-extend on (P180D): Graph allows it once the role is gone."
    ),
    concurrency: int = typer.Option(10, "--concurrency", min=1, max=25, help="Relationships changed at a time."),
    timeout: float = typer.Option(
        900.0, "--timeout", min=1.0, max=86400.0, help="Seconds to wait for each of Graph's operations."
    ),
    journal_path: Path | None = typer.Option(
        None, "--journal", help="Journal file (default .dapctl/drop-global-admin-<stack>.json)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Remove Global Administrator from active GDAP relationships in place (no new customer approval).

    Graph runs each removal as a long-running operation; this waits for each (bounded by --timeout) and reads
    the relationship back. Dry run by default. A run again continues operations still running (the journal
    records them) and skips what is done. Exit 0 done, 1 a removal failed, 5 an operation still running.

    Example: dapctl gdap drop-global-admin --all                 (dry run: which relationships hold it)
             dapctl gdap drop-global-admin contoso --apply --auto-extend
    """
    from dapctl.render.reports import render_global_admin_removal
    from operations.global_admin_removal import (
        RemovalJournal,
        apply_global_admin_removal,
        exit_status,
        plan_global_admin_removal,
        planned,
    )

    check_endpoint(endpoint)
    if (customer is None) == (not all_customers):
        raise typer.BadParameter("name one customer, or pass --all (not both)", param_hint="CUSTOMER / '--all'")
    check_confirmable(apply, yes)
    stack = stack_for(stack, project_dir, customer)
    cfg = load(stack, project_dir)
    selected = [customer_named(cfg, customer)] if customer else [c for c in cfg.customers if c.delegation == "gdap"]
    journal = None
    if apply:
        path = journal_path or Path(".dapctl") / f"drop-global-admin-{stack}.json"
        with guarded():
            journal = RemovalJournal(check_journal_dir(path.parent) / path.name)
    conn = connection(endpoint)
    with guarded(deadline_seconds):
        found = plan_global_admin_removal(conn, cfg, selected, journal)
        if journal is None or not found:
            removals = planned(found)
        else:
            tenants = sorted({c.tenant_id for c in found})
            question = (
                f"Remove Global Administrator from {len(found)} active relationship(s) of {len(tenants)} "
                f"customer(s) (tenants {', '.join(tenants)})?"
            )
            if not confirm(question, yes):
                stop_unchanged()
            removals = apply_global_admin_removal(
                conn, cfg, found, journal, concurrency=concurrency, timeout=timeout, auto_extend=auto_extend
            )
    render_global_admin_removal(stack, removals, apply, as_json, console)
    status = exit_status(removals) if apply else "nothing"
    if status in ("failed", "incomplete"):
        raise typer.Exit(exit_codes.ERROR if status == "failed" else exit_codes.INCOMPLETE)
