"""`dapctl audit`: every access path the partner holds in one customer's tenant, as a report."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from dapctl import exit_codes
from dapctl.options import ReportFormat, check_endpoint, check_output, check_principals
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
    connection,
    console,
    errors,
    guarded,
    load,
    stack_for,
    write,
)

if TYPE_CHECKING:
    from intent import StackIntent


def customer_and_view(
    stack: str | None,
    project_dir: Path,
    customer: str | None,
    principals: list[str],
    all_partners: bool,
    endpoint: str | None,
    tenant: str | None = None,
    *,
    intent: StackIntent | None = None,
):
    """The stack's intent (read unless given), the customer (by name, or by --tenant), and the partner's view of
    its tenant."""
    from operations.customer_audit import partner_view
    from operations.outside import resolve_target

    if intent is None:
        stack = stack_for(stack, project_dir, customer or tenant, required=customer is not None)
    cfg = intent if intent is not None else load(stack, project_dir)
    with guarded():
        target = resolve_target(cfg, customer, tenant)
    view = partner_view(connection(endpoint), cfg, target, principals, all_partners)
    return cfg, target, view


def audit(
    customer: str | None = CustomerArgument,
    tenant: str | None = TenantOption,
    stack: str | None = StackOption,
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
    from azure_http import run_sync
    from dapctl.render.reports import Format, progress_bar, render_audit, report_names
    from operations.customer_audit import audit_customer
    from operations.expected_scope import remember_seen
    from operations.outside import check_target

    check_endpoint(endpoint)
    with guarded():
        tenant = check_target(customer, tenant)
    output = check_output(output, fmt)
    principals = check_principals(principals)
    cfg, target, view = customer_and_view(stack, project_dir, customer, principals, all_partners, endpoint, tenant)
    with progress_bar(errors, "auditing") as progress, guarded(deadline_seconds):
        report, _ = run_sync(audit_customer(cfg, target, view, progress))
    with guarded():  # a later revocation must find these again (expected scope)
        remember_seen(project_dir, target, report, "audit")
    names = report_names(cfg, target)
    write(lambda: render_audit(report, Format(fmt), output, console, view.notes, names))
    if report.errors:
        raise typer.Exit(exit_codes.INCOMPLETE)  # some part of the tenant could not be read: see the report
