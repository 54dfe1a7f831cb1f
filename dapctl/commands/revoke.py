"""`dapctl revoke`: plan the removal of the partner's access to a customer, confirm it, remove it, report it.

``revoke_customer`` is the command's work as a function: ``dapctl offboard`` calls it for its first step (the
typer command is only the options around it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.markup import escape

from dapctl import exit_codes
from dapctl.options import (
    ReportFormat,
    YesOption,
    check_confirmable,
    check_endpoint,
    check_journal_dir,
    check_output,
    check_principals,
    confirm,
)
from dapctl.shell import (
    CustomerArgument,
    DeadlineOption,
    EndpointOption,
    FormatOption,
    OutputOption,
    PrincipalOption,
    ProjectDirOption,
    StackOption,
    TenantOption,
    console,
    errors,
    fail,
    guarded,
    stack_for,
    write,
)

if TYPE_CHECKING:
    from intent import StackIntent


@dataclass
class RevokeOptions:
    """What a revocation run was asked to do (the command's options, checked)."""

    customer: str | None
    stack: str | None
    project_dir: Path
    endpoint: str | None
    deadline_seconds: float
    tenant: str | None = None
    apply: bool = False
    resume: bool = False
    restart: bool = False
    """With ``apply``: discard an unfinished journal of this customer and start afresh."""
    journal_dir: Path | None = None
    fmt: ReportFormat = ReportFormat.table
    output: Path | None = None
    principals: list[str] = field(default_factory=list)
    yes: bool = False
    only: list[str] = field(default_factory=list)
    keep: list[str] = field(default_factory=list)
    accept_azure_loss: bool = False
    intent: StackIntent | None = None
    """The stack's intent when the caller has loaded it already (offboard): not read again."""


def revoke(
    customer: str | None = CustomerArgument,
    tenant: str | None = TenantOption,
    stack: str | None = StackOption,
    project_dir: Path = ProjectDirOption,
    endpoint: str | None = EndpointOption,
    deadline_seconds: float = DeadlineOption,
    apply: bool = typer.Option(False, "--apply", help="Remove the grants (default: dry run, nothing changes)."),
    resume: bool = typer.Option(False, "--resume", help="Finish an interrupted --apply run from its journal."),
    restart: bool = typer.Option(
        False, "--restart", help="With --apply: discard an unfinished journal of this customer and start afresh."
    ),
    journal_dir: Path | None = typer.Option(None, "--journal", help="Journal folder (default .dapctl/<customer>)."),
    fmt: ReportFormat = FormatOption,
    output: Path | None = OutputOption,
    principals: list[str] = PrincipalOption,
    yes: bool = YesOption,
    only: list[str] = typer.Option(
        [], "--only", help="Remove only these areas (comma-separated: gdap, dap, rbac, lighthouse); repeatable."
    ),
    keep: list[str] = typer.Option([], "--keep", help="Keep these areas and remove the others; repeatable."),
    accept_azure_loss: bool = typer.Option(
        False,
        "--accept-azure-access-loss",
        help="With --only dap: remove DAP although the partner's Azure access to some subscription depends on it.",
    ),
) -> None:
    """Remove the partner's GDAP, DAP, Azure RBAC and Lighthouse access to a customer; keep the reseller link.

    --only / --keep select the areas (gdap, dap, rbac, lighthouse): `--only gdap,dap` removes delegated admin
    and keeps Azure RBAC; `--only rbac` removes Azure access and keeps the GDAP relationship. A resumed run
    continues its journal's selection. `--only dap` is the last step of a move to GDAP: refused (exit 3,
    nothing sent) unless a GDAP relationship is active with the declared roles and the partner's Azure access
    does not depend on DAP (a group mapped in active GDAP holds a role on each subscription the partner
    reaches), or --accept-azure-access-loss is given.

    With --apply, the plan (tenant, what and how many) is shown and confirmed at the terminal first; --yes
    confirms in automation, where there is no terminal (without it, nothing is sent).

    Every --apply run is journalled (.dapctl/<customer>, or --journal): --apply over an unfinished journal of
    the customer is refused (exit 2) and names --resume, which finishes it, or --restart, which discards it.
    Ctrl-C prints what was done, where the journal is and the exact --resume command (exit 130).

    Exit codes with --apply: 0 complete (every subscription, expected or found, verified clean by reading Azure
    again; the tenant root, which a partner never reads, is listed with the customer's elevated command), 1
    failed (something remains: the report says what to fix, then --resume; or Graph/ARM could not be read), 5
    incomplete (something at subscription scope or below, or an expected subscription, could not be verified:
    the report says what, why, and the customer-side check), 2 bad input, 130 interrupted. Expected
    subscriptions: those the stack declares and every one an earlier audit, drift or revocation saw
    (.dapctl/expected-scope/ in the project folder).

    Example: dapctl revoke contoso            (dry run: what would go)
             dapctl revoke contoso --apply -f html -o contoso-revocation.html
    """
    code = revoke_customer(
        RevokeOptions(
            customer,
            stack,
            project_dir,
            endpoint,
            deadline_seconds,
            tenant=tenant,
            apply=apply,
            resume=resume,
            restart=restart,
            journal_dir=journal_dir,
            fmt=fmt,
            output=output,
            principals=principals,
            yes=yes,
            only=only,
            keep=keep,
            accept_azure_loss=accept_azure_loss,
        )
    )
    if code:
        raise typer.Exit(code)


def revoke_customer(options: RevokeOptions) -> int:
    """Check the options, plan, confirm, apply and report one customer's revocation; the exit code.

    A usage problem, an unreachable service or a "no" at the terminal ends the command here (``typer.Exit``)."""
    from azure_http import run_sync
    from dapctl.commands.audit import customer_and_view
    from dapctl.render.reports import Format, progress_bar, render_revoke, report_names
    from operations.outside import check_target
    from operations.revocation import (
        DEFAULT_JOURNALS,
        apply_revocation,
        journal_for,
        plan_revocation,
        plan_stamp,
        resume_command,
        resumed_plan,
        resumed_selection,
    )
    from runbooks.selection import ALL, parse_selection

    o = options
    check_endpoint(o.endpoint)
    with guarded():
        tenant = check_target(o.customer, o.tenant)
        selection = parse_selection(o.only, o.keep)
    changes = o.apply or o.resume
    check_confirmable(changes, o.yes)
    output = check_output(o.output, o.fmt)
    principals = check_principals(o.principals)
    if o.intent is None:
        o.stack = stack_for(o.stack, o.project_dir, o.customer or tenant, required=o.customer is not None)
    cfg, target, view = customer_and_view(
        o.stack, o.project_dir, o.customer, principals, False, o.endpoint, tenant, intent=o.intent
    )
    if o.restart and (o.resume or not o.apply):
        raise typer.BadParameter("--restart goes with --apply (not --resume)", param_hint="'--restart'")
    journal = None
    if changes:
        journal = journal_for(target, check_journal_dir(o.journal_dir or DEFAULT_JOURNALS / target.name))
    resume_with = resume_command(o.customer, o.tenant, o.stack, o.project_dir, o.journal_dir, o.endpoint)
    if o.apply and not o.resume and not o.restart:
        _refuse_unfinished_journal(journal, resume_with)
    stamp = plan_stamp(journal)
    if o.resume:
        assert journal is not None
        with guarded():
            selection = resumed_selection(journal, target.tenant_id, o.only, o.keep)
    for note in view.notes:
        errors.print(f"[yellow]note:[/] {escape(note)}")

    try:
        with guarded(o.deadline_seconds, refusals=(ValueError,)):
            if o.resume:
                assert journal is not None
                plan = resumed_plan(cfg, target, selection, journal, o.project_dir)
            else:
                with progress_bar(errors, "auditing") as progress:
                    plan = run_sync(
                        plan_revocation(
                            cfg, target, view, selection, journal=journal, progress=progress, project_dir=o.project_dir
                        )
                    )
            # Asked with no progress bar drawing over the question.
            _refuse_early_dap_removal(plan.dap_removal(o.accept_azure_loss), o.apply)
            if changes and not plan.nothing and not confirm(plan.question(), o.yes):
                console.print("Nothing was changed.")
                return exit_codes.OK
            with progress_bar(errors, "revoking") as progress:
                report = run_sync(
                    apply_revocation(plan, view, apply=o.apply, resume=o.resume, gaps=view.notes, progress=progress)
                )
    except KeyboardInterrupt:
        _interrupted(journal, resume_with, o.resume or plan_stamp(journal) != stamp)
    names = report_names(cfg, target)
    write(lambda: render_revoke(report, Format(o.fmt), output, console, names))
    if plan.autopilot:
        ours = sum(1 for d in plan.autopilot if d.get("origin") == "this partner")
        errors.print(
            f"[yellow]note:[/] {len(plan.autopilot)} Windows Autopilot device(s) ({ours} added by this partner) stay "
            "registered: they are not access to the tenant. Remove the partner's own with `dapctl autopilot remove "
            f"{escape(target.name)} --all --apply` if the customer wants them gone.",
            highlight=False,
        )
    if changes and target.expects_access and selection.areas == ALL.areas:
        errors.print(
            f"[yellow]note:[/] the stack still declares access for {escape(target.name)}: its next "
            "`pulumi up` (and the daily drift run) would restore it. If the customer is leaving, record it: "
            f"`dapctl offboard {escape(target.name)} --apply` (sets lifecycle: offboarded).",
            highlight=False,
        )
    return report.exit_code


def _refuse_early_dap_removal(check, apply: bool) -> None:
    """DAP removed while GDAP stays: refused (exit 3, nothing sent) while the partner still depends on DAP."""
    if check is None:
        return  # not DAP alone, or no DAP to remove: the plan says so
    for subscription in check.azure_at_risk if check.allowed else []:
        errors.print(
            f"[yellow]note:[/] Azure access to subscription {escape(subscription)} depended on DAP: accepted "
            "(--accept-azure-access-loss)",
            highlight=False,
        )
    if check.allowed:
        return
    verb = "Refused" if apply else "Would be refused"
    errors.print(f"[bold red]{verb}: DAP cannot be removed yet.[/]", highlight=False)
    for blocker in check.blockers:
        errors.print(f"  - {escape(blocker)}", highlight=False)
    fail(exit_codes.FINDINGS, "Nothing was changed.")


def _refuse_unfinished_journal(journal, resume_with: str) -> None:
    """``--apply`` over a journal whose run is not finished would start a fresh one, and its report would omit what
    the earlier run removed: refused (exit 2, nothing sent), naming ``--resume`` and ``--restart``."""
    from runbooks.journal import JournalError

    if journal is None or not journal.exists():
        return
    try:
        state = journal.load()
    except JournalError as err:
        fail(
            exit_codes.USAGE,
            f"[bold red]Journal error:[/] {escape(str(err))}\nPass --restart to discard it and start afresh.",
        )
    pending = state.pending()
    if not pending:
        return
    fail(
        exit_codes.USAGE,
        f"[bold red]Refused:[/] an unfinished revocation of this customer is journalled in "
        f"{escape(str(journal.directory))} ({len(state.plan) - len(pending)} of {len(state.plan)} step(s) done, "
        f"{len(pending)} not). Finish it: `{escape(resume_with)}` (its report includes what the earlier run "
        "removed), or pass --restart to discard the journal and start afresh. Nothing was changed.",
    )


def _interrupted(journal, resume_with: str, started: bool) -> None:
    """Ctrl-C: what the run did (from its journal), where the journal is, and the command that finishes it.
    ``started``: this run wrote (or resumed) the journal; otherwise it was stopped before removing anything."""
    from runbooks.journal import DONE, JournalError

    if not started or journal is None:
        fail(exit_codes.INTERRUPTED, "\n[bold yellow]Interrupted[/] before anything was removed: nothing was changed.")
    try:
        state = journal.load()
    except JournalError as err:
        fail(exit_codes.INTERRUPTED, f"\n[bold yellow]Interrupted.[/] The journal cannot be read: {escape(str(err))}")
    done = [g for g in state.plan if state.outcomes.get(g.id, {}).get("outcome") in DONE]
    errors.print(
        f"\n[bold yellow]Interrupted:[/] {len(done)} of {len(state.plan)} step(s) done, {len(state.plan) - len(done)} "
        f"left; nothing is verified yet. The journal is in {escape(str(journal.directory))}.",
        highlight=False,
    )
    for grant in done:
        errors.print(f"  done: {escape(str(grant.kind))} {escape(grant.id)}", highlight=False)
    fail(exit_codes.INTERRUPTED, f"Finish it (and verify): {escape(resume_with)}")
