"""``dapctl import``: read the partner's live estate and write the stack config that describes it, for adoption.

Every option is checked before the first request (exit 2); a read that failed for some customer makes the import
incomplete (exit 5: the report says which); a file that could not be written is an error (exit 1).
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path

import typer
from rich.markup import escape

from config.errors import ConfigError
from dapctl import exit_codes
from dapctl.options import check_endpoint, check_output
from dapctl.shell import DeadlineOption, EndpointOption, ProjectDirOption, console, errors, fail, guarded


class MltChoice(StrEnum):
    adopt = "adopt"
    replace = "replace"


class ImportFormat(StrEnum):
    table = "table"
    json = "json"
    markdown = "markdown"


class GroupsFrom(StrEnum):
    ids = "ids"
    stack = "stack"


PartnerStackOption = typer.Option(
    "partner",
    "--partner-stack",
    "-p",
    help="The stack that declares the partner and its groups (partner.groups with objectIds).",
)
IntoOption = typer.Option(
    None, "--into", help="Append the customers to this stack instead of writing one stack per customer."
)
CustomersOption = typer.Option(
    [],
    "--customers",
    help="Only these customers: names, tenant ids or domains, comma-separated; @file: one a line.",
)
DryRunOption = typer.Option(False, "--dry-run", help="Print what would be written; write nothing.")
IncludeEndedOption = typer.Option(
    False,
    "--include-ended",
    help="Also write customers with no live relationship and no DAP (with a new least-privilege relationship).",
)
MltOption = typer.Option(
    MltChoice.adopt,
    "--mlt",
    help="Microsoft-led transition relationships (MLT_...): adopt them as they are, or replace them by a "
    "least-privilege relationship.",
)
GroupsFromOption = typer.Option(
    GroupsFrom.ids,
    "--groups-from",
    help="How per-customer stacks find the partner's groups: ids (copied from the partner stack) or stack "
    "(groupsFrom.stack, read by Pulumi at run time).",
)
ImportFormatOption = typer.Option(ImportFormat.table, "--format", "-f", help="table, json or markdown.")
ImportOutputOption = typer.Option(None, "--output", "-o", help="Write the report to this file.")


def import_estate(
    partner_stack: str = PartnerStackOption,
    into: str | None = IntoOption,
    customers: list[str] = CustomersOption,
    dry_run: bool = DryRunOption,
    include_ended: bool = IncludeEndedOption,
    mlt: MltChoice = MltOption,
    groups_from: GroupsFrom = GroupsFromOption,
    fmt: ImportFormat = ImportFormatOption,
    output: Path | None = ImportOutputOption,
    project_dir: Path = ProjectDirOption,
    endpoint: str | None = EndpointOption,
    deadline_seconds: float = DeadlineOption,
) -> None:
    """Write the stack config of the partner's existing customers from what Graph, Partner Center and ARM show:
    the existing relationship, access assignments, Azure grants and Lighthouse delegations named for adoption.
    What config cannot express is listed in the report, never dropped; a customer already in a stack is not
    written again.

    Example: dapctl import --partner-stack partner --dry-run
             dapctl import --customers @customers.txt --mlt replace -f markdown -o import.md
    """
    from azure_http import run_sync
    from azure_http.connect import connect
    from config.loading import check_stack_name, stack_file
    from dapctl.render.reports import progress_bar
    from estate.importer import ImportOptions, matcher, parse_selectors, plan_import, write_import
    from estate.reader import read_estate
    from estate.writer import index_project, partner_from_stack

    check_endpoint(endpoint)
    output = check_output(output, fmt)
    try:
        selectors = parse_selectors(customers)
    except ValueError as err:
        raise typer.BadParameter(str(err), param_hint="'--customers'") from None
    with guarded():
        check_stack_name(partner_stack)
        into_text = None
        if into is not None:
            check_stack_name(into)
            path = stack_file(into, project_dir)
            if not path.is_file():
                raise typer.BadParameter(f"no file {path.name} in {project_dir}", param_hint="'--into'")
            into_text = path.read_text(encoding="utf-8")
        index = index_project(project_dir)
        partner = _partner(into, partner_stack, project_dir, partner_from_stack)
    options = ImportOptions(
        mlt=mlt.value,
        include_ended=include_ended,
        into=into,
        groups_from_stack=partner_stack if groups_from is GroupsFrom.stack and into is None else None,
    )
    select, unmatched = matcher(selectors)

    def declared(contract) -> bool:
        return contract.tenant_id in index.tenants

    with guarded(deadline_seconds, failing="Could not read the estate"):
        conn = connect(endpoint)
        with progress_bar(errors, "reading the estate") as bar:
            progress = (lambda done, total: bar("reading customers", done, total)) if bar else None
            estate = run_sync(
                read_estate(
                    partner.tenant_id,
                    partner.groups.values(),
                    conn.tokens,
                    conn.endpoints,
                    select=select,
                    skip_azure=declared,
                    progress=progress,
                )
            )
    if unmatched:
        names = ", ".join(sorted(unmatched))
        fail(exit_codes.USAGE, f"[bold red]Not customers of this partner[/] (no contract matches): {escape(names)}")
    try:
        plan = plan_import(estate, partner, index, project_dir, options, into_text)
    except (ConfigError, ValueError) as err:
        problems = "; ".join(f"{p.path}: {p.message}" for p in err.problems) if isinstance(err, ConfigError) else err
        fail(exit_codes.USAGE, f"[bold red]Cannot add the customers to {escape(str(into))}:[/] {escape(str(problems))}")
    if not dry_run:
        try:
            write_import(plan)
        except OSError as err:
            fail(exit_codes.ERROR, f"[bold red]Could not write the stack files:[/] {escape(str(err))}")
    _show(plan, partner.tenant_id, dry_run, fmt, output)
    if any(f.kind == "not read" for f in plan.findings):
        raise typer.Exit(exit_codes.INCOMPLETE)


def _partner(into, partner_stack, project_dir, partner_from_stack):
    """The partner and its groups: from the --into stack when it declares group ids, else the partner stack."""
    if into is not None:
        try:
            return partner_from_stack(into, project_dir)
        except ConfigError as err:
            if not any(p.path == "partner.groupsFrom" for p in err.problems):
                raise
    return partner_from_stack(partner_stack, project_dir)


def _show(plan, partner_tenant_id: str, dry_run: bool, fmt: ImportFormat, output: Path | None) -> None:
    from dapctl.render.reports import emit
    from estate import report

    if fmt is ImportFormat.table:
        report.print_table(plan, partner_tenant_id, dry_run, console)
        if dry_run:
            for planned in plan.files:
                console.print(f"\n[bold]# {escape(planned.path.name)}[/] (not written: dry run)")
                sys.stdout.write(planned.text)
        elif plan.written:
            console.print(f"Wrote {len(plan.written)} file(s) in {escape(str(plan.written[0].parent))}.")
        return
    if fmt is ImportFormat.json:
        document = report.to_json(plan, partner_tenant_id, dry_run)
        if dry_run:
            document["files"] = {p.path.name: p.text for p in plan.files}
        else:
            document["writtenFiles"] = [p.name for p in plan.written]
        text = json.dumps(document, indent=2)
    else:
        text = report.to_markdown(plan, partner_tenant_id, dry_run)
    emit(text, output, console)
