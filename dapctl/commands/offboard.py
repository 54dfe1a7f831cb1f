"""`dapctl offboard`: revoke, then the config, then the state, in that order (see operations/offboard.py)."""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.markup import escape

from dapctl import exit_codes
from dapctl.commands.revoke import RevokeOptions, revoke_customer
from dapctl.options import YesOption, check_confirmable, check_endpoint
from dapctl.shell import (
    DeadlineOption,
    EndpointOption,
    ProjectDirOption,
    StackOption,
    console,
    customer_named,
    errors,
    fail,
    load,
    stack_for,
)

JournalOption = typer.Option(None, "--journal", help="Journal folder (default .dapctl/<customer>).")
JsonOption = typer.Option(False, "--json", help="Print the config edit and the state steps as JSON.")
AcceptUnverifiedOption = typer.Option(
    False,
    "--accept-unverified",
    help="Set `lifecycle: offboarded` although the revocation could not verify everything (exit 5); the stack "
    "file's edited line says so in a comment.",
)


@contextmanager
def _human_output_to_stderr(active: bool):
    """With --json, stdout carries the JSON document alone: every human line (the revocation's report too) goes
    to stderr meanwhile."""
    if not active:
        yield
        return
    console.file = sys.stderr
    try:
        yield
    finally:
        console.file = None  # rich: back to whatever sys.stdout is


def offboard(
    customer: str = typer.Argument(..., help="Customer name from the stack config."),
    stack: str | None = StackOption,
    project_dir: Path = ProjectDirOption,
    endpoint: str | None = EndpointOption,
    deadline_seconds: float = DeadlineOption,
    apply: bool = typer.Option(False, "--apply", help="Do it (default: show the steps, change nothing)."),
    yes: bool = YesOption,
    journal_dir: Path | None = JournalOption,
    as_json: bool = JsonOption,
    accept_unverified: bool = AcceptUnverifiedOption,
) -> None:
    """Take a customer out: revoke everything the partner holds (verified), set `lifecycle: offboarded` in
    the stack file (one line, ready for a pull request), and list the Pulumi state steps.

    Resumable: run it again after an interruption and the revocation continues from its journal; the
    config edit is made only once the revocation is verified complete (exit 0), or, when it exits 5 (nothing
    known to remain, but something could not be verified), with --accept-unverified, which the edited line
    records in a comment. After it, drift reports any partner access that reappears and never advises
    restoring it.

    The state steps (`pulumi state unprotect` / `pulumi state delete` with their URNs: the GDAP relationship,
    the subscription aliases, the customer's revocation runbook, which stays in the customer's subscription)
    are read from the plan with the customer still declared, before the edit, and printed with --apply too.
    --json prints one JSON document on stdout (the human report goes to stderr).

    Exit codes: 0 offboarded (or, without --apply, the steps shown); 5 not everything could be verified: the
    stack file is unchanged unless --accept-unverified (then offboarded, exit 5 still); 1 the revocation
    failed (the stack file is left as it is: run again to resume); 2 bad input.

    Example: dapctl offboard contoso                (what would happen)
             dapctl offboard contoso --apply --yes  (in automation)
    """
    from operations.offboard import config_edit, state_steps
    from operations.revocation import journal_for, journal_standing

    check_endpoint(endpoint)
    check_confirmable(apply, yes)
    stack = stack_for(stack, project_dir, customer)
    cfg = load(stack, project_dir)
    target = customer_named(cfg, customer)
    customer = target.name  # given by tenant id or domain: the stack file names it
    try:
        edit = config_edit(stack, project_dir, customer)
    except ValueError as err:
        fail(exit_codes.USAGE, f"[bold red]The stack file cannot be edited safely:[/] {escape(str(err))}")
    # Read while the stack still declares the customer: after the edit, its program declares nothing for it.
    steps = state_steps(stack, project_dir, customer) if edit.changed else []
    # An unfinished journal is resumed; an unreadable one is discarded (a fresh audit decides what is left).
    standing = journal_standing(journal_for(target, journal_dir)) if apply else "none"
    revocation = RevokeOptions(
        customer,
        stack,
        project_dir,
        endpoint,
        deadline_seconds,
        apply=apply and standing != "unfinished",
        resume=standing == "unfinished",
        restart=standing == "unreadable",
        journal_dir=journal_dir,
        yes=yes,
        intent=cfg,
    )
    with _human_output_to_stderr(as_json):
        code, written = _offboard(revocation, target.display_name, edit, steps, accept_unverified)
    if as_json:
        document = {
            "schemaVersion": 1,
            "customer": customer,
            "applied": apply,
            "revocationExitCode": code,
            "offboarded": written or not edit.changed,  # what the stack file now says
            "acceptedUnverified": written and code == exit_codes.INCOMPLETE,
            "configDiff": edit.diff(),
            "stateSteps": [{"urn": s.urn, "command": s.command, "why": s.why} for s in steps],
        }
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
    if code:
        raise typer.Exit(code)


def _offboard(revocation: RevokeOptions, display_name: str, edit, steps, accept_unverified: bool) -> tuple[int, bool]:
    """The three steps; returns the revocation's exit code and whether the stack file was written."""
    from operations.offboard import config_edit

    customer, apply = revocation.customer or "", revocation.apply or revocation.resume
    console.print(f"[bold]Step 1 of 3: revoke[/] the partner's access to {escape(display_name)}")
    try:
        code = revoke_customer(revocation)
    except typer.Exit as stop:  # a usage problem or an unreachable service, already said
        code = stop.exit_code
    if code not in (exit_codes.OK, exit_codes.INCOMPLETE):
        errors.print(
            f"[bold red]Offboarding stopped:[/] the revocation failed (exit {code}): something planned may remain, "
            f"so the stack file is unchanged. Fix what the report names, then run `dapctl offboard "
            f"{escape(customer)} --apply` again: it resumes.",
            highlight=False,
        )
        return code, False
    unverified = apply and code == exit_codes.INCOMPLETE
    if unverified and not accept_unverified and edit.changed:
        errors.print(
            "[bold yellow]Not offboarded yet:[/] nothing planned is known to remain, but the report lists what the "
            "partner could not verify from its side, so the stack file is unchanged (a partial offboarding is never "
            "recorded as a clean one). Have the customer check it (its own audit or revocation runbook), then run "
            f"`dapctl offboard {escape(customer)} --apply --accept-unverified` to record it as offboarded anyway.",
            highlight=False,
        )
        _print_state_steps(steps, pending=True)
        return code, False
    if unverified:
        errors.print(
            "[yellow]note:[/] nothing planned is known to remain, but the report lists what the partner cannot "
            "verify from its side; offboarding continues (--accept-unverified, recorded in the stack file) and "
            "exits 5.",
            highlight=False,
        )
        edit = config_edit(
            revocation.stack,
            revocation.project_dir,
            customer,
            f"set by dapctl offboard --accept-unverified on {datetime.now(UTC):%Y-%m-%d}: the revocation "
            "exited 5, not everything was verified gone",
        )

    console.print(f"\n[bold]Step 2 of 3: the stack file[/] {escape(edit.path.name)}")
    written = False
    if not edit.changed:
        console.print("already `lifecycle: offboarded`: nothing to change")
    else:
        console.print(escape(edit.diff()), soft_wrap=True, highlight=False)
        if apply:
            from config.stack_edit import replace_file

            replace_file(edit.path, edit.after)
            written = True
            console.print(f"written: commit {escape(edit.path.name)} and open a pull request")
        else:
            console.print("(written with --apply, once the revocation is verified)")
    _print_state_steps(steps)
    return code, written


def _print_state_steps(steps, pending: bool = False) -> None:
    when = "once the stack file is edited" if pending else "after the pull request merges, before its `pulumi up`"
    console.print(f"\n[bold]Step 3 of 3: Pulumi state[/] ({when})")
    for step in steps:
        console.print(f"  {escape(step.command)}\n    [dim]{escape(step.why)}[/]", soft_wrap=True)
    console.print(
        "  then `pulumi up`: the customer's revoked grants (role assignments, Lighthouse) leave the state; "
        "they are already gone in Azure"
    )
