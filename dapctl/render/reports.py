"""How dapctl shows audits, revocations, drift and GDAP status: tables for people, JSON/Markdown/HTML for tools."""

from __future__ import annotations

import importlib.metadata
import json
import sys
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from operations.drift import DriftItem, drift_markdown
from operations.gdap_status import StatusRow
from runbooks.audit import AuditReport
from runbooks.grants import Origin
from runbooks.report import (
    KIND_TITLES,
    ORDER_NOTE,
    VERDICTS,
    ReportNames,
    audit_markdown,
    kept_grants,
    revoke_markdown,
    to_html,
)
from runbooks.revoke import RevokeReport


class Format(StrEnum):
    table = "table"
    json = "json"
    markdown = "markdown"
    html = "html"


@contextmanager
def progress_bar(console: Console, label: str):
    """A progress callback for the sweeps: a bar on a terminal, nothing in a log."""
    if not console.is_terminal:
        yield None
        return
    with Progress(
        TextColumn("{task.description}"),  # the phase: auditing subscriptions, then removing grants
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=None)

        def update(stage: str, done: int, total: int | None) -> None:
            bar.update(task, completed=done, total=total, description=stage)

        yield update


class ReportNotWritten(OSError):
    """The report file could not be written (after the work was done): the report went to stdout instead."""


def emit(text: str, output: Path | None, console: Console) -> None:
    """Write the report to ``output`` (or stdout). Options are checked before any request
    (``dapctl.options.check_output``); should the file still fail, the report is not lost: it goes to stdout."""
    if output is not None:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as err:
            sys.stdout.write(text if text.endswith("\n") else text + "\n")
            raise ReportNotWritten(f"could not write {output} ({err.strerror or err}): the report is above") from None
        console.print(f"written to {escape(str(output))}")
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


def audit_table(report: AuditReport, console: Console, notes: list[str]) -> None:
    table = Table(title=f"Partner access in tenant {report.target.customer_tenant_id}")
    for column in ("kind", "what", "principal", "scope / status", "origin"):
        table.add_column(column, overflow="fold")
    for grant in report.grants:
        origin = str(grant.origin)
        style = "bold red" if grant.origin is Origin.OUT_OF_BAND else ""
        scope = (grant.scope or grant.status or "") + (" (inherited)" if grant.inherited else "")
        table.add_row(
            escape(KIND_TITLES[grant.kind].split(" (")[0]),
            escape(grant.description),
            escape(f"{grant.principal_id or ''} {grant.principal_type or ''}".strip()),
            escape(scope),
            f"[{style}]{escape(origin)}[/]" if style else escape(origin),
        )
    console.print(table)
    console.print(
        f"{len(report.grants)} grant(s) in {report.subscriptions} subscription(s); "
        f"[bold red]{len(report.out_of_band())} out-of-band[/]."
    )
    if report.autopilot:
        devices = Table(title=f"Windows Autopilot devices ({len(report.autopilot)}): managed, not access")
        for column in ("serial number", "device id", "added by", "profile"):
            devices.add_column(column, no_wrap=column != "profile")
        for d in report.autopilot:
            devices.add_row(*(escape(str(d.get(k) or "")) for k in ("serialNumber", "id", "origin", "profile")))
        console.print(devices)
    for line in report.not_checked + notes:
        console.print(f"[yellow]note:[/] {escape(line)}")
    for line in report.errors:
        console.print(f"[red]error:[/] {escape(line)}")


def report_names(cfg: Any, customer: Any) -> ReportNames:
    """The names the customer's report shows beside the ids: from the stack config, with when and how it ran."""
    partner = cfg.partner
    shown = {g.key: g.display_name for g in partner.managed_groups or ()}
    principals = {object_id: shown.get(key) or key[0].upper() + key[1:] for key, object_id in partner.group_ids.items()}
    try:
        version = importlib.metadata.version("csp-delegation")
    except importlib.metadata.PackageNotFoundError:
        version = "unknown"
    return ReportNames(
        customer=customer.display_name,
        partner=partner.display_name,
        principals=principals,
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        tool=f"csp-delegation {version}",
        command=" ".join(["dapctl", *sys.argv[1:]]).replace("`", "'")[:300],
    )


def render_audit(
    report: AuditReport,
    fmt: Format,
    output: Path | None,
    console: Console,
    notes: list[str],
    names: ReportNames | None = None,
) -> None:
    if fmt is Format.table:
        audit_table(report, console, notes)
    elif fmt is Format.json:
        emit(json.dumps({"schemaVersion": 1, **report.to_json(), "notes": notes}, indent=2), output, console)
    elif fmt is Format.markdown:
        emit(audit_markdown(report, names), output, console)
    else:
        emit(to_html("Partner access audit", audit_markdown(report, names)), output, console)


def render_revoke(
    report: RevokeReport, fmt: Format, output: Path | None, console: Console, names: ReportNames | None = None
) -> None:
    if fmt is Format.json:
        emit(json.dumps({"schemaVersion": 1, **report.to_json()}, indent=2), output, console)
    elif fmt is Format.html:
        emit(to_html("Partner access revocation", revoke_markdown(report, names)), output, console)
    elif fmt is Format.markdown:
        emit(revoke_markdown(report, names), output, console)
    else:
        table = Table(title=("Revocation" if report.applied else "Revocation plan (dry run: nothing changed)"))
        for column in ("what", "outcome", "note"):
            table.add_column(column, overflow="fold")
        colours = {"removed": "green", "already-absent": "green", "failed": "bold red", "left": "yellow"}
        for o in report.outcomes:
            colour = colours.get(o.outcome, "cyan")
            table.add_row(escape(o.grant.description), f"[{colour}]{o.outcome}[/]", escape(o.message))
        console.print(table)
        if not report.selection.everything:
            console.print(
                f"Selection: removes {', '.join(report.selection.removed)}; keeps {', '.join(report.selection.kept)}."
            )
            for grant in kept_grants(report):
                console.print(f"[cyan]kept:[/] {escape(grant.description)}")
        if report.applied:
            if report.verification is not None:
                for grant in report.verification.remaining:
                    console.print(f"[bold red]still present:[/] {escape(grant.description)} ({escape(grant.id)})")
            for gap in report.unverified:
                console.print(f"[yellow]not verified:[/] {escape(gap)}")
            for limit in report.limits:
                console.print(f"[cyan]beyond this identity's view (documented limit):[/] {escape(limit)}")
            console.print(escape(ORDER_NOTE))
            colour = {"complete": "green", "failed": "bold red"}.get(report.status, "yellow")
            console.print(f"[{colour}]{escape(VERDICTS[report.status])}[/]")
            console.print("The reseller relationship is kept.")
        else:
            console.print("Dry run. Run again with [bold]--apply[/] to remove these grants.")


def render_drift(stack: str, items: list[DriftItem], fmt: Format, output: Path | None, console: Console) -> None:
    if fmt is Format.json:
        document = {"schemaVersion": 1, "stack": stack, "drift": [i.to_json() for i in items]}
        emit(json.dumps(document, indent=2), output, console)
    elif fmt is Format.markdown:
        emit(drift_markdown(stack, items), output, console)
    else:
        table = Table(title=f"Drift in stack {stack}")
        for column in ("customer", "kind", "what", "fix"):
            table.add_column(column, overflow="fold")
        for item in items:
            table.add_row(escape(item.customer), escape(item.kind), escape(item.what), escape(item.fix))
        console.print(table)
        console.print(f"{len(items)} finding(s)." if items else "[green]No drift.[/]")


def render_gdap_status(stack: str, rows: list[StatusRow], fmt: Format, console: Console) -> None:
    warned = sum(1 for r in rows if r.warnings)
    if fmt is Format.json:
        document = {"schemaVersion": 1, "stack": stack, "rows": [r.to_json() for r in rows], "warnings": warned}
        emit(json.dumps(document, indent=2), None, console)
        return
    table = Table(title=f"GDAP relationships of stack {stack}")
    for column in ("customer", "relationship", "status", "roles", "ends", "days left", "attention"):
        table.add_column(column, overflow="fold")
    for row in rows:
        attention = "\n".join([f"[red]! {escape(w)}[/]" for w in row.warnings] + [escape(n) for n in row.notes])
        table.add_row(
            escape(row.customer) + ("" if row.declared else "\n[yellow](undeclared)[/]"),
            escape(f"{row.display_name or ''}\n{row.relationship_id or ''}".strip()),
            escape(row.status),
            escape(", ".join(row.roles)),
            escape((row.end or "")[:10]),
            "" if row.days_left is None else str(row.days_left),
            attention,
        )
    console.print(table)
    console.print(f"{len(rows)} relationship(s), {warned} needing attention.")


def render_global_admin_removal(stack: str, removals: list, applied: bool, as_json: bool, console: Console) -> None:
    """`dapctl gdap drop-global-admin`: one row per relationship, what happened and what to do next."""
    from operations.global_admin_removal import exit_status

    if as_json:
        document = {
            "schemaVersion": 1,
            "stack": stack,
            "applied": applied,
            "status": exit_status(removals) if applied else "dry-run",
            "relationships": [r.to_json() for r in removals],
        }
        console.print_json(json.dumps(document))
        return
    title = "Global Administrator removal" if applied else "Global Administrator removal (dry run: nothing changed)"
    table = Table(title=f"{title}: stack {escape(stack)}")
    for column in ("customer", "relationship", "status", "outcome", "note"):
        table.add_column(column, overflow="fold")
    colours = {"removed": "green", "already-absent": "green", "failed": "bold red", "running": "yellow"}
    for r in removals:
        c = r.candidate
        extra = f"; auto-extend {r.auto_extend}" if r.auto_extend else ""
        table.add_row(
            escape(c.customer),
            f"{escape(c.display_name)} ({escape(c.relationship_id)})",
            escape(c.status),
            f"[{colours.get(r.outcome, 'cyan')}]{r.outcome}[/]",
            escape(r.message + extra),
        )
    console.print(table)
    for note in sorted({n for r in removals for n in r.notes}):
        console.print(f"[yellow]note:[/] {escape(note)}")
    if not removals:
        console.print("No active relationship holds Global Administrator.")
    elif not applied:
        console.print("Dry run. Run again with [bold]--apply[/] to remove it (auto-extend: add --auto-extend).")
