"""`dapctl offboard`: revoke, then the config, then the state, in that order (see dapctl/offboard.py)."""

from __future__ import annotations

import json
import sys
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
)

JournalOption = typer.Option(None, "--journal", help="Journal folder (default .dapctl/<customer>).")
JsonOption = typer.Option(False, "--json", help="Print the config edit and the state steps as JSON.")


def offboard(
    customer: str = typer.Argument(..., help="Customer name from the stack config."),
    stack: str = StackOption,
    project_dir: Path = ProjectDirOption,
    endpoint: str | None = EndpointOption,
    deadline_seconds: float = DeadlineOption,
    apply: bool = typer.Option(False, "--apply", help="Do it (default: show the steps, change nothing)."),
    yes: bool = YesOption,
    journal_dir: Path | None = JournalOption,
    as_json: bool = JsonOption,
) -> None:
    """Take a customer out: revoke everything the partner holds (verified), set `lifecycle: offboarded` in
    the stack file (one line, ready for a pull request), and list the Pulumi state steps.

    Resumable: run it again after an interruption and the revocation continues from its journal; the
    config edit is made only once the revocation is verified complete. After it, drift reports any partner
    access that reappears and never advises restoring it.

    Exit codes: 0 offboarded (or, without --apply, the steps shown); 5 offboarded, but the report lists what
    the partner cannot verify from its side (the tenant root, say); 1 the revocation failed (the stack file is
    left as it is: run again to resume); 2 bad input.

    Example: dapctl offboard contoso                (what would happen)
             dapctl offboard contoso --apply --yes  (in automation)
    """
    from operations.offboard import config_edit, state_steps
    from operations.revocation import journal_for, unfinished

    check_endpoint(endpoint)
    check_confirmable(apply, yes)
    cfg = load(stack, project_dir)
    target = customer_named(cfg, customer)
    try:
        edit = config_edit(stack, project_dir, customer)
    except ValueError as err:
        fail(exit_codes.USAGE, f"[bold red]The stack file cannot be edited safely:[/] {escape(str(err))}")
    resume = apply and unfinished(journal_for(target, journal_dir))

    console.print(f"[bold]Step 1 of 3: revoke[/] the partner's access to {escape(target.display_name)}")
    try:
        code = revoke_customer(
            RevokeOptions(
                customer,
                stack,
                project_dir,
                endpoint,
                deadline_seconds,
                apply=apply and not resume,
                resume=resume,
                journal_dir=journal_dir,
                yes=yes,
                intent=cfg,
            )
        )
    except typer.Exit as stop:  # a usage problem or an unreachable service, already said
        code = stop.exit_code
    if code not in (exit_codes.OK, exit_codes.INCOMPLETE):
        errors.print(
            f"[bold red]Offboarding stopped:[/] the revocation failed (exit {code}): something planned may remain, "
            f"so the stack file is unchanged. Fix what the report names, then run `dapctl offboard "
            f"{escape(customer)} --apply` again: it resumes.",
            highlight=False,
        )
        raise typer.Exit(code)
    if code == exit_codes.INCOMPLETE:
        errors.print(
            "[yellow]note:[/] nothing planned is known to remain, but the report lists what the partner cannot "
            "verify from its side (the customer's own audit or runbook can); offboarding continues and exits 5.",
            highlight=False,
        )

    console.print(f"\n[bold]Step 2 of 3: the stack file[/] {escape(edit.path.name)}")
    if not edit.changed:
        console.print("already `lifecycle: offboarded`: nothing to change")
    else:
        console.print(escape(edit.diff()), soft_wrap=True, highlight=False)
        if apply:
            from config.stack_edit import replace_file

            replace_file(edit.path, edit.after)
            console.print(f"written: commit {escape(edit.path.name)} and open a pull request")
        else:
            console.print("(written with --apply, once the revocation is verified)")

    steps = state_steps(stack, project_dir, customer) if edit.changed or not apply else []
    console.print("\n[bold]Step 3 of 3: Pulumi state[/] (after the pull request merges, before its `pulumi up`)")
    for step in steps:
        console.print(f"  {escape(step.command)}\n    [dim]{escape(step.why)}[/]", soft_wrap=True)
    console.print("  then `pulumi up`: the customer's other resources leave the state (already gone in Azure)")
    if as_json:
        document = {
            "customer": customer,
            "applied": apply,
            "configDiff": edit.diff(),
            "stateSteps": [{"urn": s.urn, "command": s.command, "why": s.why} for s in steps],
        }
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
    if code:
        raise typer.Exit(code)
