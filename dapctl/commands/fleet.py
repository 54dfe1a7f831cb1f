"""``dapctl fleet``: the partner's questions over every stack of the project folder, in one process.

Exit codes: 0 all clean; 1 Graph or ARM could not be read; 2 a stack's config is broken (the others still run);
3 drift (``drift``) or a relationship needing attention (``status --fail-on-warning``); 4 a mandatory policy
violation (``plan``); 5 some customer could not be fully read (``audit``).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import typer
from rich.markup import escape

from dapctl import exit_codes
from dapctl.options import GraceDaysOption, check_endpoint
from dapctl.render.fleet import access_table, audit_table, drift_table, plan_table, status_table
from dapctl.shell import DeadlineOption, EndpointOption, ProjectDirOption, connection, console, errors, fail, guarded

app = typer.Typer(
    help="Every stack at once: offline plans, GDAP status, drift, the partner's access audit, the dashboard.",
    no_args_is_help=True,
)
StacksOption = typer.Option([], "--stacks", help="Only stacks whose names match this glob (repeatable).")
ExcludeOption = typer.Option([], "--exclude", help="Leave out stacks matching this glob (repeatable).")


def _config_problems(problems: dict[str, list[str]]) -> None:
    """Stacks whose config is broken: each named with its problems (the others ran); exit 2 after the report."""
    for stack, lines in problems.items():
        errors.print(f"[bold red]config error[/] in stack {escape(stack)}: {escape('; '.join(lines))}")


def _progress(bar, label: str):
    """One progress bar for the fleet on a terminal; in a log, a line every 100 customers and at the end."""

    def progress(done: int, total: int) -> None:
        if bar is not None:
            bar(label, done, total)
        elif done % 100 == 0 or done == total:
            errors.print(f"{label}: {done}/{total} customers")

    return progress


def _read_fleet(endpoint: str | None, deadline_seconds: float, label: str, work):
    """Run ``work(conn, progress)`` (a coroutine) on the command's connection, under one progress bar and the
    command's deadline; Graph/ARM failures are one line and exit 1."""
    from azure_http import run_sync
    from dapctl.render.reports import progress_bar

    conn = connection(endpoint)
    with progress_bar(errors, label) as bar, guarded(deadline_seconds, failing="Could not read the tenants"):
        return run_sync(work(conn, _progress(bar, label)))


def selected_stacks(project_dir: Path, patterns: list[str], exclude: list[str]) -> list[str]:
    """The stacks the options select; none at all is a usage error (exit 2)."""
    from operations.fleet import stack_names

    stacks = stack_names(project_dir, patterns, exclude)
    if not stacks:
        fail(
            exit_codes.USAGE,
            f"[bold red]No stack[/] matches in {escape(str(project_dir))} (Pulumi.<stack>.yaml files).",
        )
    return stacks


@app.command(epilog=exit_codes.EPILOG)
def plan(
    project_dir: Path = ProjectDirOption,
    patterns: list[str] = StacksOption,
    exclude: list[str] = ExcludeOption,
    as_json: bool = typer.Option(False, "--json", help="One JSON document (schemaVersion 1) for CI."),
) -> None:
    """The offline plan of every stack (with the policy pack), one process for the whole fleet.

    Example: dapctl fleet plan --stacks 'contoso*' --json
    """
    from operations.fleet import plan_stacks

    stacks = selected_stacks(project_dir, patterns, exclude)
    results = []
    for result in plan_stacks(project_dir, stacks):
        results.append(result)
        if not as_json and not sys.stdout.isatty() and len(results) % 100 == 0:
            errors.print(f"planned {len(results)}/{len(stacks)} stacks")
    if as_json:
        document = {"schemaVersion": 1, "stacks": [r.to_json() for r in results]}
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
    else:
        console.print(plan_table(results))
    if any(r.problems for r in results):
        raise typer.Exit(exit_codes.USAGE)
    if any(r.mandatory for r in results):
        raise typer.Exit(exit_codes.POLICY)


def _status_rows(fleet_status) -> Iterator[dict]:
    """The dashboard's rows as the fleet's status is read: the relationships, then the DAP customers."""
    from dapctl.render.dashboard import dashboard_rows

    for one in fleet_status:
        yield from dashboard_rows([one], [])
    yield from dashboard_rows([], fleet_status.dap)  # known once every stack is read


@app.command(epilog=exit_codes.EPILOG)
def status(
    project_dir: Path = ProjectDirOption,
    patterns: list[str] = StacksOption,
    exclude: list[str] = ExcludeOption,
    endpoint: str | None = EndpointOption,
    deadline_seconds: float = DeadlineOption,
    as_json: bool = typer.Option(False, "--json", help="One JSON document (schemaVersion 1)."),
    html: Path | None = typer.Option(None, "--html", help="Also write the fleet dashboard (static HTML) here."),
    fail_on_warning: bool = typer.Option(False, "--fail-on-warning", help="Exit 3 when something needs attention."),
) -> None:
    """GDAP status of every customer of every stack: the partner's relationships are read once for the fleet.

    Example: dapctl fleet status --html fleet.html --fail-on-warning
    """
    from dapctl.render.dashboard import render_dashboard
    from dapctl.render.fleet import JsonDocument
    from operations.fleet import status_of_fleet
    from operations.relationships import fetch_relationships

    check_endpoint(endpoint)
    if html is not None and not html.parent.is_dir():
        fail(exit_codes.USAGE, f"[bold red]--html:[/] folder {escape(str(html.parent))} does not exist")
    stacks = selected_stacks(project_dir, patterns, exclude)
    conn = connection(endpoint)
    keep = html is not None or not as_json  # the dashboard and the table show every row; JSON streams them
    kept: list[dict] = []
    attention = False
    document = JsonDocument(sys.stdout, schemaVersion=1) if as_json else None
    with guarded(deadline_seconds, failing="Could not read the GDAP relationships"):
        fleet_status = status_of_fleet(project_dir, stacks, lambda tenant: fetch_relationships(conn, tenant))
        rows = document.array("rows") if document else None
        for row in _status_rows(fleet_status):
            attention = attention or bool(row["attention"])
            if rows is not None:
                rows.add(row)
            if keep:
                kept.append(row)
    problems = fleet_status.problems
    if html is not None:
        html.write_text(render_dashboard(kept), encoding="utf-8")
    if document is not None:
        rows.close()
        document.close(configProblems=problems)
    else:
        console.print(status_table(stacks, kept))
        _config_problems(problems)
    if problems:
        raise typer.Exit(exit_codes.USAGE)
    if fail_on_warning and attention:
        raise typer.Exit(exit_codes.FINDINGS)


@app.command(epilog=exit_codes.EPILOG)
def drift(
    project_dir: Path = ProjectDirOption,
    patterns: list[str] = StacksOption,
    exclude: list[str] = ExcludeOption,
    endpoint: str | None = EndpointOption,
    deadline_seconds: float = DeadlineOption,
    concurrency: int = typer.Option(32, "--concurrency", min=1, max=64, help="Customers audited at once."),
    as_json: bool = typer.Option(False, "--json", help="One JSON document (schemaVersion 1)."),
) -> None:
    """Drift of every customer of every stack (what `pulumi preview --refresh` cannot see), in one process.

    Example: dapctl fleet drift --stacks 'contoso*' --json
    """
    from dapctl.render.fleet import JsonDocument
    from operations.fleet import drift_of_fleet

    check_endpoint(endpoint)
    stacks = selected_stacks(project_dir, patterns, exclude)
    drifted: dict[str, list] = {}  # only the stacks that drifted (the table shows only them; JSON: their names)
    document = JsonDocument(sys.stdout, schemaVersion=1) if as_json else None
    by_stack = document.object("stacks") if document else None

    def on_stack(stack: str, items: list) -> None:
        if by_stack is not None:
            by_stack.add(stack, [i.to_json() for i in items])
        if items:
            drifted[stack] = [] if by_stack is not None else items  # JSON: written already, not kept

    problems = _read_fleet(
        endpoint,
        deadline_seconds,
        "checking drift",
        lambda conn, progress: drift_of_fleet(conn, project_dir, stacks, on_stack, concurrency, progress=progress),
    )
    if document is not None:
        by_stack.close()
        document.close(configProblems=problems)
    else:
        console.print(drift_table(drifted, stacks))
        _config_problems(problems)
    if problems:
        raise typer.Exit(exit_codes.USAGE)
    if drifted:
        raise typer.Exit(exit_codes.FINDINGS)


def _audit_interrupted(done: int, total: int, out, project_dir, patterns, exclude, fmt, endpoint) -> None:
    """Ctrl-C: how many customers were audited, where they are, and the exact command that finishes the run."""
    import shlex

    errors.print(f"\n[bold yellow]Interrupted:[/] {done} of {total} customer(s) audited.", highlight=False)
    if out is None:
        errors.print("Nothing was written (no --out): run it again, with --out FILE to make it resumable.")
        raise typer.Exit(exit_codes.INTERRUPTED)
    words = ["dapctl", "fleet", "audit"]
    if Path(project_dir) != Path("."):
        words += ["--project-dir", str(project_dir)]
    for pattern in patterns:
        words += ["--stacks", pattern]
    for pattern in exclude:
        words += ["--exclude", pattern]
    if fmt != "table":
        words += ["--format", fmt]
    if endpoint:
        words += ["--endpoint", endpoint]
    words += ["--out", str(out), "--resume"]
    errors.print(f"Each audited customer is a line of {escape(str(out))}.", highlight=False)
    errors.print(f"Finish it: {escape(shlex.join(words))}", highlight=False)
    raise typer.Exit(exit_codes.INTERRUPTED)


@app.command(epilog=exit_codes.EPILOG)
def audit(
    project_dir: Path = ProjectDirOption,
    patterns: list[str] = StacksOption,
    exclude: list[str] = ExcludeOption,
    endpoint: str | None = EndpointOption,
    deadline_seconds: float = DeadlineOption,
    concurrency: int = typer.Option(32, "--concurrency", min=1, max=64, help="Customers audited at once."),
    fmt: str = typer.Option("table", "--format", "-f", help="table, json or markdown (on standard output)."),
    out: Path | None = typer.Option(
        None, "--out", help="Also write one JSON line per customer here as each finishes (what --resume reads)."
    ),
    resume: bool = typer.Option(
        False, "--resume", help="Finish the run whose --out file is given: skip its customers."
    ),
) -> None:
    """Every access path the partner holds in every customer of every stack (GDAP, DAP, Azure RBAC, Lighthouse),
    with the relationships read once for the fleet; exit 5 when some customer could not be fully read.

    Ctrl-C prints how many customers were audited and, with --out, the exact --resume command (exit 130).

    Example: dapctl fleet audit --out audit.jsonl -f markdown > audit.md   (then --resume after an interruption)
    """
    from azure_http import run_sync
    from dapctl.render.fleet_audit import AuditLog, audit_row, document, markdown
    from dapctl.render.reports import progress_bar
    from operations.expected_scope import remember_seen
    from operations.fleet import Fleet
    from operations.fleet_audit import audit_fleet

    check_endpoint(endpoint)
    if fmt not in ("table", "json", "markdown"):
        fail(exit_codes.USAGE, f"[bold red]--format:[/] {escape(fmt)} is not one of table, json, markdown")
    log = None
    if resume and out is None:
        fail(exit_codes.USAGE, "[bold red]--resume[/] needs --out: the file of the run to finish")
    if out is not None:
        log = AuditLog(out)
        if resume:
            if not out.is_file():
                fail(exit_codes.USAGE, f"[bold red]--resume:[/] {escape(str(out))} does not exist: nothing to finish")
            try:
                log.load()
            except (OSError, ValueError) as err:
                fail(exit_codes.USAGE, f"[bold red]--resume:[/] {escape(str(err))}")
        elif out.exists():
            fail(
                exit_codes.USAGE,
                f"[bold red]--out:[/] {escape(str(out))} exists: pass --resume to finish that run, or remove it",
            )
        elif not out.parent.is_dir():
            fail(exit_codes.USAGE, f"[bold red]--out:[/] folder {escape(str(out.parent))} does not exist")
    stacks = selected_stacks(project_dir, patterns, exclude)
    fleet = Fleet.load(project_dir, stacks)
    problems = fleet.problems
    jobs = fleet.customers()
    rows: dict[tuple[str, str], dict] = {}
    if log is not None:
        wanted = {(stack, customer.name) for stack, _, customer in jobs}
        rows.update({k: row for k, row in log.done.items() if k in wanted})

    def on_report(stack, cfg, customer, report, declared, relationships) -> None:
        remember_seen(project_dir, customer, report, "audit", keep_going=True)  # what a later revocation must find
        row = audit_row(stack, customer, report)
        rows[(stack, customer.name)] = row
        if log is not None:
            log.append(row)

    conn = connection(endpoint)
    with progress_bar(errors, "auditing customers") as bar:
        progress = _progress(bar, "auditing customers")
        try:
            if log is not None:
                log.open(resume)
            with guarded(deadline_seconds, failing="Could not read the partner's relationships"):
                run_sync(
                    audit_fleet(
                        conn,
                        jobs,
                        on_report,
                        concurrency=concurrency,
                        progress=progress,
                        skip=lambda s, c: (s, c.name) in rows,
                    )
                )
        except OSError as err:
            fail(exit_codes.ERROR, f"[bold red]--out:[/] could not write {escape(str(out))}: {escape(str(err))}")
        except KeyboardInterrupt:
            interrupted = True
        else:
            interrupted = False
        finally:
            if log is not None:
                log.close()
    if interrupted:
        _audit_interrupted(len(rows), len(jobs), out, project_dir, patterns, exclude, fmt, endpoint)
    ordered = [rows[(stack, customer.name)] for stack, _, customer in jobs if (stack, customer.name) in rows]
    if fmt == "json":
        sys.stdout.write(json.dumps(document(ordered, problems), indent=2) + "\n")
    elif fmt == "markdown":
        sys.stdout.write(markdown(ordered, problems))
    else:
        console.print(audit_table(ordered))
        _config_problems(problems)
    if problems:
        raise typer.Exit(exit_codes.USAGE)
    if any(r["errors"] for r in ordered):
        raise typer.Exit(exit_codes.INCOMPLETE)


@app.command(epilog=exit_codes.EPILOG)
def access(
    project_dir: Path = ProjectDirOption,
    patterns: list[str] = StacksOption,
    exclude: list[str] = ExcludeOption,
    endpoint: str | None = EndpointOption,
    deadline_seconds: float = DeadlineOption,
    concurrency: int = typer.Option(16, "--concurrency", min=1, max=64, help="Customers checked at once."),
    as_json: bool = typer.Option(False, "--json", help="One JSON document (schemaVersion 1)."),
    grace_days: float = GraceDaysOption,
) -> None:
    """Whether the partner still reaches every customer of every stack: a token in its tenant (the app's
    consent), the groups and roles that reach it through which relationship or DAP, its Azure subscriptions.
    Exit 3 when any access is lost (the scheduled drift run files it), 2 when a stack's config is broken. Access
    not granted yet (approval or an access assignment pending) is not lost until older than --grace-days.

    Example: dapctl fleet access --json
    """
    from operations.access_check import NOT_GRANTED_YET, check_fleet_access
    from operations.fleet import Fleet

    check_endpoint(endpoint)
    stacks = selected_stacks(project_dir, patterns, exclude)
    fleet = Fleet.load(project_dir, stacks)
    problems = fleet.problems
    jobs = fleet.customers(active=True)
    results = _read_fleet(
        endpoint,
        deadline_seconds,
        "checking access",
        lambda conn, progress: check_fleet_access(
            conn, jobs, concurrency=concurrency, progress=progress, grace_days=grace_days
        ),
    )
    lost = [(stack, r) for stack, r in results if r.findings]
    awaited = sum(1 for _, r in results if r.status == NOT_GRANTED_YET)
    if as_json:
        document = {
            "schemaVersion": 1,
            "customers": [{"stack": stack, **r.to_json()} for stack, r in results],
            "lost": len(lost),
            "notGrantedYet": awaited,
            "configProblems": problems,
        }
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
    else:
        console.print(access_table(lost, results))
        if awaited:
            console.print(f"{awaited} customer(s) not granted yet (within {grace_days:g} days): not counted as lost")
        _config_problems(problems)
    if problems:
        raise typer.Exit(exit_codes.USAGE)
    if lost:
        raise typer.Exit(exit_codes.FINDINGS)
