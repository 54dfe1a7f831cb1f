"""``dapctl autopilot``: register, list, assign and remove a customer's Autopilot devices through Partner Center.

Every command that changes something is a dry run unless ``--apply``; each device is checked against the
delegation rules (``autopilot/rules.py``) before any call, and checked again by reading Partner Center back after.
Exit codes: 0 every device done, 2 bad input (config, options, CSV), 3 some devices refused or failed, 5 something
could not be confirmed by the read-back (incomplete), 1 Partner Center or Graph could not be reached.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from dapctl import exit_codes
from dapctl.options import YesOption, check_confirmable, check_endpoint, confirm
from dapctl.shell import (
    DeadlineOption,
    EndpointOption,
    ProjectDirOption,
    StackOption,
    connection,
    console,
    customer_named,
    fail,
    guarded,
    load,
    stack_for,
    stop_unchanged,
)

app = typer.Typer(
    help="Windows Autopilot for a customer: upload devices, list them, apply profiles, remove devices.",
    no_args_is_help=True,
)
ApplyOption = typer.Option(False, "--apply", help="Make the change (default: dry run, nothing changes).")
JsonOption = typer.Option(False, "--json", help="Print the result as one JSON document.")
DevicesOption = typer.Option([], "--device", "-d", help="Serial number, product key or device id; repeatable.")


def _context(customer: str, stack: str, project_dir: Path, endpoint: str | None):
    check_endpoint(endpoint)  # every option before the config is read or anything is sent
    stack = stack_for(stack, project_dir, customer)
    cfg = load(stack, project_dir)
    target = customer_named(cfg, customer)
    return cfg, target, connection(endpoint)


def _run(work: Any, deadline_seconds: float) -> Any:
    """Run the async work against Partner Center and Graph with the partner's identity, within the deadline."""
    from autopilot.delegation import read_delegation
    from autopilot.operations import ProfileNotFound
    from azure_http import GraphClient, run_sync
    from azure_http.autopilot import AutopilotClient

    async def go(cfg, customer, conn):
        async with (
            AutopilotClient(conn.tokens, conn.endpoints, tenant_id=cfg.partner.tenant_id) as pc,
            GraphClient(conn.tokens, conn.endpoints, tenant_id=cfg.partner.tenant_id) as graph,
        ):
            delegation = await read_delegation(pc, graph, customer.tenant_id)
            return await work(pc, delegation)

    def call(cfg, customer, conn):
        try:
            with guarded(deadline_seconds, failing="Could not reach Partner Center or Graph"):
                return run_sync(go(cfg, customer, conn))
        except ProfileNotFound as err:
            fail(exit_codes.USAGE, f"[bold red]Profile:[/] {escape(str(err))}")

    return call


def _confirm_or_stop(apply: bool, question: str, yes: bool) -> None:
    """With --apply: a person confirms at the terminal (or --yes did); a "no" changes nothing and exits 0."""
    if apply and not confirm(question, yes):
        stop_unchanged()


def _on_devices(operation: Any, cfg: Any, target: Any, **options: Any) -> Any:
    """The work of a device operation (assign, remove): the customer, the partner, the live delegation and the
    partner's rule switches, then the operation's own options."""

    async def work(pc, delegation):
        return await operation(pc, target.tenant_id, cfg.partner.tenant_id, delegation, _switches(cfg), **options)

    return work


def _switches(cfg):
    from autopilot.rules import Switches

    rules = cfg.partner.autopilot
    return Switches(
        rules.require_delegated_admin_for_profiles,
        rules.require_delegated_admin_to_remove_others_devices,
        rules.require_gdap_for_device_management,
    )


def _report(run, as_json: bool) -> None:
    if as_json:
        console.print_json(json.dumps(run.to_json()))
    else:
        verb = "applied" if run.applied else "dry run: nothing changed"
        table = Table(title=f"autopilot {run.command} for {escape(run.customer)} ({verb})", title_justify="left")
        for column in ("device", "outcome", "detail"):
            table.add_column(column, overflow="fold" if column == "detail" else None, no_wrap=column == "device")
        for outcome in run.outcomes:
            table.add_row(escape(outcome.device), outcome.outcome, escape(outcome.detail))
        console.print(table)
        console.print(", ".join(f"{n} {k}" for k, n in sorted(run.counts().items())) or "no devices")
        for note in run.notes:
            console.print(f"note: {escape(note)}")
        if not run.applied and any(o.outcome.startswith("would ") for o in run.outcomes):
            console.print("Run again with --apply to make these changes.")
    raise typer.Exit(run.exit_code)


@app.command(epilog=exit_codes.EPILOG)
def upload(
    customer: str = typer.Argument(..., help="Customer name from the stack config."),
    csv_file: Path = typer.Argument(..., help="The device list: Get-WindowsAutopilotInfo's CSV."),
    batch: str | None = typer.Option(
        None,
        "--batch",
        help="Batch name prefix in Partner Center (default: <customer>-<file>); batches are numbered -1, -2, ... "
        "skipping numbers already used.",
    ),
    stack: str | None = StackOption,
    project_dir: Path = ProjectDirOption,
    endpoint: str | None = EndpointOption,
    deadline_seconds: float = DeadlineOption,
    apply: bool = ApplyOption,
    as_json: bool = JsonOption,
    yes: bool = YesOption,
) -> None:
    """Register devices for the customer, in batches, each polled to the end; failures are explained per device.

    Example: dapctl autopilot upload contoso laptops.csv --apply
    """
    from autopilot.device_csv import DeviceCsvError, read_device_csv
    from autopilot.operations import upload as do_upload

    check_confirmable(apply, yes)
    try:
        devices = read_device_csv(csv_file)  # the whole file is checked before anything is sent
    except DeviceCsvError as err:
        fail(exit_codes.USAGE, f"[bold red]Device list error:[/] {escape(str(err))}")
    cfg, target, conn = _context(customer, stack, project_dir, endpoint)
    prefix = batch or f"{target.name}-{csv_file.stem}"[:60]
    _confirm_or_stop(
        apply, f"Register {len(devices.rows)} device(s) for {target.display_name} ({target.tenant_id})?", yes
    )

    async def work(pc, delegation):
        return await do_upload(pc, target.tenant_id, devices.rows, delegation, batch_prefix=prefix, apply=apply)

    run = _run(work, deadline_seconds)(cfg, target, conn)
    run.notes += devices.notes
    _report(run, as_json)


@app.command(epilog=exit_codes.EPILOG)
def devices(
    customer: str = typer.Argument(..., help="Customer name from the stack config."),
    stack: str | None = StackOption,
    project_dir: Path = ProjectDirOption,
    endpoint: str | None = EndpointOption,
    deadline_seconds: float = DeadlineOption,
    as_json: bool = JsonOption,
) -> None:
    """List the customer's Autopilot devices: who added each (this partner, another partner, the customer), its
    profile, and what the delegation rules let this partner do with it.

    Example: dapctl autopilot devices contoso --json
    """
    from autopilot.operations import inventory, origin_of
    from autopilot.rules import Operation, decide

    cfg, target, conn = _context(customer, stack, project_dir, endpoint)
    switches = _switches(cfg)

    async def work(pc, delegation):
        rows = await inventory(pc, target.tenant_id, cfg.partner.tenant_id)
        for row in rows:
            origin = origin_of(row, cfg.partner.tenant_id, target.tenant_id)
            row["partnerMay"] = {
                op.name.lower(): decide(op, delegation, origin, switches).allowed
                for op in (Operation.PROFILE_ASSIGN, Operation.DEVICE_REMOVE)
            }
        return rows

    rows = _run(work, deadline_seconds)(cfg, target, conn)
    if as_json:
        console.print_json(json.dumps({"schemaVersion": 1, "customer": target.name, "devices": rows}))
        return
    table = Table(title=f"Autopilot devices of {escape(target.display_name)}", title_justify="left")
    for column in ("serial number", "device id", "added by", "profile", "partner may"):
        table.add_column(column, no_wrap=column in ("serial number", "device id"))
    for row in rows:
        may = [k.replace("_", " ") for k, v in row["partnerMay"].items() if v] or ["nothing"]
        table.add_row(
            escape(str(row.get("serialNumber") or "")),
            escape(row["id"]),
            row["origin"],
            escape(str(row.get("profile") or "")),
            ", ".join(may),
        )
    console.print(table)
    console.print(f"{len(rows)} device(s)")


@app.command(epilog=exit_codes.EPILOG)
def assign(
    customer: str = typer.Argument(..., help="Customer name from the stack config."),
    profile: str | None = typer.Option(None, "--profile", "-p", help="Profile name; omit with --remove-profile."),
    device_names: list[str] = DevicesOption,
    remove_profile: bool = typer.Option(False, "--remove-profile", help="Take the profile off the devices."),
    stack: str | None = StackOption,
    project_dir: Path = ProjectDirOption,
    endpoint: str | None = EndpointOption,
    deadline_seconds: float = DeadlineOption,
    apply: bool = ApplyOption,
    as_json: bool = JsonOption,
    yes: bool = YesOption,
) -> None:
    """Apply an Autopilot profile to devices (or take it off), within the delegation rules.

    Example: dapctl autopilot assign contoso --profile "Standard laptop" -d SN001 -d SN002 --apply
    """
    from autopilot.operations import assign as do_assign

    if bool(profile) == remove_profile or not device_names:
        fail(exit_codes.USAGE, "[bold red]Usage:[/] give --profile NAME or --remove-profile, and at least one --device")
    check_confirmable(apply, yes)
    cfg, target, conn = _context(customer, stack, project_dir, endpoint)
    what = f"apply profile {profile!r} to" if profile else "remove the profile from"
    _confirm_or_stop(apply, f"{what.capitalize()} {len(device_names)} device(s) of {target.display_name}?", yes)
    work = _on_devices(
        do_assign, cfg, target, profile=None if remove_profile else profile, devices=device_names, apply=apply
    )
    _report(_run(work, deadline_seconds)(cfg, target, conn), as_json)


@app.command(epilog=exit_codes.EPILOG)
def remove(
    customer: str = typer.Argument(..., help="Customer name from the stack config."),
    device_names: list[str] = DevicesOption,
    all_allowed: bool = typer.Option(False, "--all", help="Every device this partner added."),
    stack: str | None = StackOption,
    project_dir: Path = ProjectDirOption,
    endpoint: str | None = EndpointOption,
    deadline_seconds: float = DeadlineOption,
    apply: bool = ApplyOption,
    as_json: bool = JsonOption,
    yes: bool = YesOption,
) -> None:
    """Deregister devices from the customer's Autopilot, within the delegation rules; verified by reading back.

    Example: dapctl autopilot remove contoso -d SN001 --apply
    """
    from autopilot.operations import remove as do_remove

    if bool(device_names) == all_allowed:
        fail(exit_codes.USAGE, "[bold red]Usage:[/] name devices with --device, or pass --all (not both)")
    check_confirmable(apply, yes)
    cfg, target, conn = _context(customer, stack, project_dir, endpoint)
    which = "every device this partner added" if all_allowed else f"{len(device_names)} device(s)"
    _confirm_or_stop(apply, f"Deregister {which} from {target.display_name}'s Autopilot ({target.tenant_id})?", yes)
    work = _on_devices(do_remove, cfg, target, devices=None if all_allowed else device_names, apply=apply)
    _report(_run(work, deadline_seconds)(cfg, target, conn), as_json)
