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
from azure_http.deadline import deadline
from config.errors import ConfigError

from . import exit_codes
from .options import (
    DriftFormat,
    ReportFormat,
    YesOption,
    check_confirmable,
    check_days,
    check_endpoint,
    check_journal_dir,
    check_output,
    check_principals,
    confirm,
)

app = typer.Typer(
    name="dapctl",
    help="Operate a CSP partner's delegated administration: plans, invitations, GDAP status, audits, revocation.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    epilog=exit_codes.EPILOG,
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
    import logging

    # azure-identity logs every credential it tried, at length, before it fails: the command says it in one line.
    logging.getLogger("azure.identity").setLevel(logging.ERROR)


DeadlineOption = typer.Option(
    900.0,
    "--deadline",
    min=1.0,
    max=86400.0,
    envvar="DAPCTL_DEADLINE",
    help="Seconds the whole command may spend on Graph/ARM/Partner Center, on top of each request's timeouts.",
)


@app.command(epilog=exit_codes.EPILOG)
def plan(
    stack: str = StackOption,
    as_json: bool = typer.Option(False, "--json", help="Print the plan as one JSON document (for CI)."),
    project_dir: Path = ProjectDirOption,
    endpoint: str = typer.Option(
        "offline",
        "--endpoint",
        help="Where GDAP status is read before declaring: offline (default, reads nothing), azure, or an emulator URL.",
    ),
    deadline_seconds: float = DeadlineOption,
) -> None:
    """Show what a stack declares, offline: the real program on Pulumi's mock runtime, no cloud, no CLI.

    The policy pack's rules run over the plan; a mandatory violation exits 4.

    Example: dapctl plan --stack dev --json > plan.json
    """
    import pulumi

    from config.loading import flat_config_for_runtime, load_stack_file
    from stacks.mock_runtime import run_offline
    from stacks.program import main as program

    from .plan_report import build_report
    from .plan_view import render

    check_endpoint(endpoint)
    os.environ[ENDPOINT_ENV] = endpoint
    import policy

    try:
        config = load_stack_file(stack, project_dir)  # every config problem, before anything runs
        flat = flat_config_for_runtime(stack, project_dir)
    except ConfigError as err:
        fail_config(err)
    from azure_http import AzureHttpError

    try:
        with deadline(deadline_seconds):
            run = run_offline(program, flat, stack=stack, preview=True)
    except AzureHttpError as err:  # reading GDAP status before declaring (--endpoint other than offline)
        _fail_http(err)
    except pulumi.RunError as err:  # a problem the program reports about the stack's inputs
        errors.print(f"[bold red]Plan error[/] in stack {escape(stack)}: {escape(str(err)[:2000])}", highlight=False)
        raise typer.Exit(2) from None
    violations = policy.evaluate(run, config)
    report = build_report(run, violations)
    if as_json:
        sys.stdout.write(json.dumps(report, indent=2) + "\n")
    else:
        render(report, console)
    if any(v.mandatory for v in violations):
        raise typer.Exit(exit_codes.POLICY)


EndpointOption = typer.Option(
    None,
    "--endpoint",
    help="azure (default), or the local emulator's URL; also read from CSP_DELEGATION_ENDPOINT.",
)


def _load(stack: str, project_dir: Path):
    """The stack's intent (what should exist for each customer), or a config error and exit 2."""
    from intent import load_intent

    try:
        return load_intent(stack, project_dir)
    except ConfigError as err:
        fail_config(err)


def _write(render) -> None:
    """Render a report; when its file cannot be written after all, it went to stdout instead: an error."""
    from .access_commands import ReportNotWritten

    try:
        render()
    except ReportNotWritten as err:
        errors.print(f"[bold red]{escape(str(err))}[/]", highlight=False)
        raise typer.Exit(exit_codes.ERROR) from None


def _check_resumable(journal, customer_tenant_id: str):
    """--resume needs a journal of this customer that reads back whole; checked before any request."""
    from runbooks.journal import JournalError

    if not journal.exists():
        raise typer.BadParameter(
            f"nothing to resume: no journal at {journal.plan_path} (run revoke --apply first, or pass --journal)",
            param_hint="'--resume'",
        )
    try:
        state = journal.load()
    except JournalError as err:
        errors.print(f"[bold red]Journal error:[/] {escape(str(err))}", highlight=False)
        raise typer.Exit(2) from None
    if state.customer_tenant_id != customer_tenant_id:
        errors.print(
            f"[bold red]Journal error:[/] {escape(str(journal.plan_path))} is for tenant "
            f"{escape(state.customer_tenant_id)}, not this customer's {customer_tenant_id}: pass the right --journal",
            highlight=False,
        )
        raise typer.Exit(2)
    return state.selection


def _expected_scope(project_dir: Path, customer):
    """The subscriptions a revocation must find: declared, and seen by earlier runs (recorded in the project)."""
    from runbooks.expected_scope import ExpectedScope, ExpectedScopeError, record_path

    declared = [s.subscription_id for s in customer.existing_subscriptions]
    try:
        return ExpectedScope.load(record_path(project_dir, customer.tenant_id), customer.tenant_id, declared)
    except ExpectedScopeError as err:
        errors.print(f"[bold red]Expected-scope error:[/] {escape(str(err))}", highlight=False)
        raise typer.Exit(exit_codes.USAGE) from None


def _confirmed(cfg, customer, plan, journal, yes: bool, selection=None) -> bool:
    """Ask the person at the terminal, naming the tenant and what will go (``--yes`` answers for them)."""
    from collections import Counter

    if plan is not None:
        going = [g for g in plan.grants if selection is None or selection.includes(g)]
        counts = Counter(str(g.kind) for g in going)
        what = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items())) or "nothing found"
        if selection is not None and not selection.everything:
            what += f" (kept: {', '.join(selection.kept)})"
        total = len(going)
    else:
        total = len(journal.load().plan)
        what = f"the rest of the {total} grant(s) in the journal"
    question = (
        f"Remove {total} grant(s) of {cfg.partner.display_name} in {customer.display_name} "
        f"(tenant {customer.tenant_id}): {what}?"
    )
    return confirm(question, yes)


def _refuse_early_dap_removal(plan, declared, accept_azure_loss: bool, apply: bool) -> None:
    """DAP removed while GDAP stays: refused (exit 3, nothing sent) while the partner still depends on DAP."""
    from runbooks.grants import Kind

    from .dap_removal import check_dap_removal

    if not plan.by_kind(Kind.DAP):
        return  # no DAP to remove: the plan says so
    check = check_dap_removal(plan, declared, accept_azure_loss)
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
    errors.print("Nothing was changed.", highlight=False)
    raise typer.Exit(exit_codes.FINDINGS)


def _fail_http(err: Exception) -> None:
    errors.print(f"[bold red]Could not complete the request:[/] {escape(str(err)[:2000])}", highlight=False)
    raise typer.Exit(exit_codes.ERROR)


def _connection(endpoint: str | None):
    """The command's connection (endpoints and tokens), passed to every client it makes: --endpoint, else
    CSP_DELEGATION_ENDPOINT, else Azure. Nothing is written to the environment. Checked already by
    check_endpoint; offline is refused here, before any request."""
    from azure_http.connect import OfflineMode, connect

    try:
        return connect(endpoint)
    except OfflineMode as err:
        _fail_http(err)


CustomerArgument = typer.Argument(None, help="Customer name from the stack config (or --tenant).")
TenantOption = typer.Option(
    None, "--tenant", help="A customer tenant id, for a customer outside any stack config (instead of a name)."
)


@app.command(epilog=exit_codes.EPILOG)
def invite(
    customer: str | None = CustomerArgument,
    tenant: str | None = TenantOption,
    stack: str = StackOption,
    project_dir: Path = ProjectDirOption,
    endpoint: str | None = EndpointOption,
    deadline_seconds: float = DeadlineOption,
) -> None:
    """Print the link the customer must open (reseller/DAP invitation or GDAP approval) and an email draft;
    exit 3 when there is nothing to send (the relationship is already active, or not created yet).

    Example: dapctl invite contoso --stack dev
             dapctl invite --tenant <customer tenant id>   (the pending relationship of a customer outside any config)
    """
    from azure_http import AzureHttpError
    from azure_http.connect import OfflineMode

    from .graph_access import fetch_relationships
    from .invitation import invitation_for
    from .outside import check_target, outside_invitation

    check_endpoint(endpoint)
    tenant = check_target(customer, tenant)
    cfg = _load(stack, project_dir)
    target = _resolve_customer(cfg, customer, tenant)
    relationships: list = []
    if target.delegation == "gdap":
        conn = _connection(endpoint)
        try:
            with deadline(deadline_seconds):
                relationships = fetch_relationships(conn, cfg.partner.tenant_id)
        except (AzureHttpError, OfflineMode) as err:
            _fail_http(err)
    if not target.declared:
        result = outside_invitation(cfg, target.tenant_id, relationships)
    else:
        result = invitation_for(cfg, target, relationships)
    console.print(f"[bold]{escape(target.display_name)}[/] ({target.delegation}): {escape(result.status)}")
    if result.link:
        console.print(f"\n[bold]Link[/]: {escape(result.link)}\n", soft_wrap=True)
    if result.email:
        console.print(escape(result.email), soft_wrap=True)
    if not result.sendable:
        raise typer.Exit(exit_codes.FINDINGS)  # nothing to send: the relationship is active, or not yet created


gdap_app = typer.Typer(
    help="GDAP relationships: `status` shows each one's status, roles, expiry and pending approvals; "
    "`drop-global-admin` removes Global Administrator from active ones in place.",
    no_args_is_help=True,
)
app.add_typer(gdap_app, name="gdap")


@gdap_app.command("status", epilog=exit_codes.EPILOG)
def gdap_status(
    stack: str = StackOption,
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

    from azure_http import AzureHttpError
    from azure_http.connect import OfflineMode

    from .access_commands import Format, render_gdap_status
    from .gdap_status import status_rows
    from .graph_access import fetch_relationships

    check_endpoint(endpoint)
    check_days(expiring_days, "--expiring-days")
    check_days(stuck_days, "--stuck-days")
    cfg = _load(stack, project_dir)
    conn = _connection(endpoint)
    try:
        with deadline(deadline_seconds):
            relationships = fetch_relationships(conn, cfg.partner.tenant_id)
    except (AzureHttpError, OfflineMode) as err:
        _fail_http(err)
    rows = status_rows(cfg, relationships, expiring_days=expiring_days, stuck_days=stuck_days)
    if every:
        from .undeclared import undeclared_rows

        rows += undeclared_rows(cfg, relationships, rows, expiring_days=expiring_days, stuck_days=stuck_days)
    render_gdap_status(stack, rows, Format.json if as_json else Format.table, console)
    if fail_on_warning and any(r.warnings for r in rows):
        raise typer.Exit(exit_codes.FINDINGS)


@gdap_app.command("drop-global-admin", epilog=exit_codes.EPILOG)
def gdap_drop_global_admin(
    customer: str | None = typer.Argument(None, help="Customer name from the stack config (or --all)."),
    all_customers: bool = typer.Option(False, "--all", help="Every gdap customer of the stack."),
    stack: str = StackOption,
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
    from azure_http import AzureHttpError, GraphClient, run_sync
    from azure_http.connect import OfflineMode

    from .access_commands import render_global_admin_removal
    from .global_admin_removal import Removal, RemovalJournal, candidates, drop_global_admin, exit_status
    from .graph_access import fetch_relationships

    check_endpoint(endpoint)
    if (customer is None) == (not all_customers):
        raise typer.BadParameter("name one customer, or pass --all (not both)", param_hint="CUSTOMER / '--all'")
    check_confirmable(apply, yes)
    cfg = _load(stack, project_dir)
    try:
        selected = [cfg.customer(customer)] if customer else [c for c in cfg.customers if c.delegation == "gdap"]
    except ConfigError as err:
        fail_config(err)
    journal = None
    if apply:
        path = journal_path or Path(".dapctl") / f"drop-global-admin-{stack}.json"
        try:
            journal = RemovalJournal(check_journal_dir(path.parent) / path.name)
        except ValueError as err:
            errors.print(f"[bold red]Journal error:[/] {escape(str(err))}", highlight=False)
            raise typer.Exit(exit_codes.USAGE) from None
    conn = _connection(endpoint)
    try:
        with deadline(deadline_seconds):
            found = candidates(
                selected,
                fetch_relationships(conn, cfg.partner.tenant_id),
                journal.in_progress() if journal else frozenset(),
            )
            if not apply or not found:
                removals = [Removal(c, "planned", "would remove Global Administrator in place") for c in found]
            else:
                tenants = sorted({c.tenant_id for c in found})
                question = (
                    f"Remove Global Administrator from {len(found)} active relationship(s) of {len(tenants)} "
                    f"customer(s) (tenants {', '.join(tenants)})?"
                )
                if not confirm(question, yes):
                    console.print("Nothing was changed.")
                    raise typer.Exit(exit_codes.OK)

                async def run() -> list[Removal]:
                    async with GraphClient(conn.tokens, conn.endpoints, tenant_id=cfg.partner.tenant_id) as graph:
                        return await drop_global_admin(
                            graph, found, journal, concurrency=concurrency, timeout=timeout, auto_extend=auto_extend
                        )

                removals = run_sync(run())
    except (AzureHttpError, OfflineMode) as err:
        _fail_http(err)
    render_global_admin_removal(stack, removals, apply, as_json, console)
    status = exit_status(removals) if apply else "nothing"
    if status in ("failed", "incomplete"):
        raise typer.Exit(exit_codes.ERROR if status == "failed" else exit_codes.INCOMPLETE)


FormatOption = typer.Option(ReportFormat.table, "--format", "-f", help="table, json, markdown or html.")
OutputOption = typer.Option(None, "--output", "-o", help="Write the report to this file.")
PrincipalOption = typer.Option([], "--principal", help="Another partner principal (object id) to include; repeatable.")


def _resolve_customer(cfg, customer: str | None, tenant: str | None):
    """The stack's customer by name, or (--tenant) by tenant id, or a tenant outside any config."""
    from .outside import customer_for_tenant

    if tenant is not None:
        return customer_for_tenant(cfg, tenant)
    try:
        return cfg.customer(customer)
    except ConfigError as err:
        fail_config(err)


def _customer_and_view(
    stack: str,
    project_dir: Path,
    customer: str | None,
    principals: list[str],
    all_partners: bool,
    endpoint: str | None,
    tenant: str | None = None,
):
    from .tenant_access import partner_view

    cfg = _load(stack, project_dir)
    target_customer = _resolve_customer(cfg, customer, tenant)
    view = partner_view(_connection(endpoint), cfg, target_customer, principals, all_partners)
    notes = [
        f"partner group {key!r} has no objectId in the stack config: its grants are not attributed to the "
        "partner (add objectId, or pass --principal)"
        for key in view.unresolved_groups
    ]
    return cfg, target_customer, view, notes


@app.command(epilog=exit_codes.EPILOG)
def audit(
    customer: str | None = CustomerArgument,
    tenant: str | None = TenantOption,
    stack: str = StackOption,
    project_dir: Path = ProjectDirOption,
    endpoint: str | None = EndpointOption,
    deadline_seconds: float = DeadlineOption,
    fmt: ReportFormat = FormatOption,
    output: Path | None = OutputOption,
    principals: list[str] = PrincipalOption,
    all_partners: bool = typer.Option(False, "--all-partners", help="Every foreign principal and delegation."),
) -> None:
    """Every access path the partner holds in the customer's tenant: GDAP, DAP, Azure RBAC, Lighthouse; exit 5
    when a read failed. What this identity can never read (the tenant root, for a partner) is listed under
    "Not checked" in the report and does not change the exit code.

    Example: dapctl audit contoso -f html -o contoso-audit.html   (a report the customer's admin can read)
             dapctl audit --tenant <customer tenant id>            (a customer outside any stack config)
    """
    from azure_http import AzureHttpError, run_sync
    from azure_http.connect import OfflineMode

    from .access_commands import Format, progress_bar, render_audit, report_names
    from .outside import check_target
    from .tenant_access import audit_customer

    check_endpoint(endpoint)
    tenant = check_target(customer, tenant)
    output = check_output(output, fmt)
    principals = check_principals(principals)
    cfg, target_customer, view, notes = _customer_and_view(
        stack, project_dir, customer, principals, all_partners, endpoint, tenant
    )
    with progress_bar(errors, "auditing") as progress:
        try:
            with deadline(deadline_seconds):
                report, _ = run_sync(audit_customer(cfg, target_customer, view, progress))
        except (AzureHttpError, OfflineMode) as err:
            _fail_http(err)
    names = report_names(cfg, target_customer)
    _write(lambda: render_audit(report, Format(fmt), output, console, notes, names))
    if report.errors:
        raise typer.Exit(exit_codes.INCOMPLETE)  # some part of the tenant could not be read: see the report


@app.command(epilog=exit_codes.EPILOG)
def revoke(
    customer: str | None = CustomerArgument,
    tenant: str | None = TenantOption,
    stack: str = StackOption,
    project_dir: Path = ProjectDirOption,
    endpoint: str | None = EndpointOption,
    deadline_seconds: float = DeadlineOption,
    apply: bool = typer.Option(False, "--apply", help="Remove the grants (default: dry run, nothing changes)."),
    resume: bool = typer.Option(False, "--resume", help="Finish an interrupted --apply run from its journal."),
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

    Exit codes with --apply: 0 complete (every subscription, expected or found, verified clean by reading Azure
    again; the tenant root, which a partner never reads, is listed with the customer's elevated command), 1
    failed (something remains: the report says what to fix, then --resume; or Graph/ARM could not be read), 5
    incomplete (something at subscription scope or below, or an expected subscription, could not be verified:
    the report says what, why, and the customer-side check), 2 bad input. Expected subscriptions: those the
    stack declares and every one an earlier run saw (.dapctl/expected-scope/ in the project folder).

    Example: dapctl revoke contoso            (dry run: what would go)
             dapctl revoke contoso --apply -f html -o contoso-revocation.html
    """
    from azure_http import AzureHttpError, run_sync
    from azure_http.connect import OfflineMode
    from runbooks.journal import Journal
    from runbooks.revoke import revoke as run_revoke
    from runbooks.selection import ALL, SelectionError, parse_selection

    from .access_commands import Format, progress_bar, render_revoke, report_names
    from .outside import check_target
    from .tenant_access import audit_customer, partner_clients

    check_endpoint(endpoint)
    tenant = check_target(customer, tenant)
    try:
        selection = parse_selection(only, keep)
    except SelectionError as err:
        errors.print(f"[bold red]Usage error:[/] {escape(str(err))}", highlight=False)
        raise typer.Exit(exit_codes.USAGE) from None
    check_confirmable(apply or resume, yes)
    output = check_output(output, fmt)
    principals = check_principals(principals)
    cfg, target_customer, view, notes = _customer_and_view(
        stack, project_dir, customer, principals, False, endpoint, tenant
    )
    journal = expected = None
    if apply or resume:
        journal = Journal(check_journal_dir(journal_dir or Path(".dapctl") / target_customer.name))
        expected = _expected_scope(project_dir, target_customer)
    if resume:
        recorded = _check_resumable(journal, target_customer.tenant_id)
        if (only or keep) and selection != recorded:
            errors.print(
                f"[bold red]Usage error:[/] the journal's run removes {escape(recorded.describe())}, not "
                f"{escape(selection.describe())}: resume without --only/--keep (it continues the journal's selection)",
                highlight=False,
            )
            raise typer.Exit(exit_codes.USAGE)
        selection = recorded
    for note in notes:
        errors.print(f"[yellow]note:[/] {escape(note)}")

    left_in_place: list[dict] = []
    declared_for: list = []

    async def audit_first():
        found, declared = await audit_customer(cfg, target_customer, view, progress)  # the bar says "auditing" first
        left_in_place.extend(found.autopilot)
        declared_for.append(declared)
        return found

    async def run(plan):
        async with partner_clients(view.conn, cfg, target_customer) as clients:
            return await run_revoke(
                view.target,
                clients,
                plan,
                apply=apply or resume,
                journal=journal,
                resume=resume,
                progress=progress,
                gaps=notes if "rbac" in selection.areas else [],  # the notes are about RBAC principals
                selection=selection,
                expected=expected,
            )

    try:
        with deadline(deadline_seconds):
            plan = None
            if not resume:
                with progress_bar(errors, "auditing") as progress:
                    plan = run_sync(audit_first())
            # Asked with no progress bar drawing over the question.
            if plan is not None and "dap" in selection.areas and "gdap" not in selection.areas:
                _refuse_early_dap_removal(plan, declared_for[0], accept_azure_loss, apply)
            nothing = plan is not None and not [g for g in plan.grants if selection.includes(g)]  # nothing to ask
            if (
                (apply or resume)
                and not nothing
                and not _confirmed(cfg, target_customer, plan, journal, yes, selection)
            ):
                console.print("Nothing was changed.")
                raise typer.Exit(exit_codes.OK)
            with progress_bar(errors, "revoking") as progress:
                report = run_sync(run(plan))
    except (AzureHttpError, OfflineMode) as err:
        _fail_http(err)
    except ValueError as err:
        errors.print(f"[bold red]{escape(str(err))}[/]")
        raise typer.Exit(2) from None
    names = report_names(cfg, target_customer)
    _write(lambda: render_revoke(report, Format(fmt), output, console, names))
    if left_in_place:
        ours = sum(1 for d in left_in_place if d.get("origin") == "this partner")
        errors.print(
            f"[yellow]note:[/] {len(left_in_place)} Windows Autopilot device(s) ({ours} added by this partner) stay "
            "registered: they are not access to the tenant. Remove the partner's own with `dapctl autopilot remove "
            f"{escape(target_customer.name)} --all --apply` if the customer wants them gone.",
            highlight=False,
        )
    if (apply or resume) and target_customer.expects_access and selection.areas == ALL.areas:
        errors.print(
            f"[yellow]note:[/] the stack still declares access for {escape(target_customer.name)}: its next "
            "`pulumi up` (and the daily drift run) would restore it. If the customer is leaving, record it: "
            f"`dapctl offboard {escape(target_customer.name)} --apply` (sets lifecycle: offboarded).",
            highlight=False,
        )
    if report.exit_code:
        raise typer.Exit(report.exit_code)


@app.command(epilog=exit_codes.EPILOG)
def drift(
    stack: str = StackOption,
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

    from azure_http import AzureHttpError, run_sync
    from azure_http.connect import OfflineMode

    from .access_commands import Format, render_drift
    from .drift import customer_drift
    from .graph_access import read_relationships
    from .tenant_access import audit_customer, partner_view

    check_endpoint(endpoint)
    output = check_output(output, fmt)
    cfg = _load(stack, project_dir)
    try:
        customers = [cfg.customer(customer)] if customer else list(cfg.customers)
    except ConfigError as err:
        fail_config(err)
    conn = _connection(endpoint)

    async def collect():
        relationships = await read_relationships(conn, cfg.partner.tenant_id)
        items = []
        for c in customers:
            view = partner_view(conn, cfg, c, [], all_partners=False)
            report, declared = await audit_customer(cfg, c, view, autopilot=False)
            items += customer_drift(cfg, c, report, declared, relationships)
        return items

    try:
        with deadline(deadline_seconds):
            items = run_sync(collect())
    except (AzureHttpError, OfflineMode) as err:
        _fail_http(err)
    _write(lambda: render_drift(stack, items, Format(fmt), output, console))
    if items:
        raise typer.Exit(exit_codes.FINDINGS)


@app.command(epilog=exit_codes.EPILOG)
def demo(project_dir: Path = ProjectDirOption) -> None:
    """Onboard, approve, audit, an out-of-band grant, revoke: end to end against the local emulator.

    Example: dapctl demo
    """
    import tempfile

    from .demo import run_demo

    cfg = _load("dev", project_dir)
    console.print(
        "[bold]csp-delegation demo[/]: the dev stack's partner and its customer Contoso, against the "
        "local Graph/ARM/Partner Center emulator (no Azure account needed)."
    )
    with tempfile.TemporaryDirectory(prefix="dapctl-demo-") as journal:
        ok = run_demo(cfg, console, journal, on_url=lambda url: console.print(f"emulator listening on {url}"))
    if not ok:
        raise typer.Exit(1)


def _add_subcommands() -> None:
    from . import import_command  # noqa: F401  (registers `dapctl import`)
    from .access_check_commands import app as access_app
    from .autopilot_commands import app as autopilot_app
    from .converge_commands import converge
    from .fleet_commands import app as fleet_app
    from .offboard_commands import offboard  # noqa: F401  (registers `dapctl offboard`)

    app.add_typer(access_app, name="access")
    app.command("converge", epilog=exit_codes.EPILOG)(converge)
    app.add_typer(autopilot_app, name="autopilot")
    app.add_typer(fleet_app, name="fleet")


_add_subcommands()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
