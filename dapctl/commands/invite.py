"""`dapctl invite`: the link a customer must open (reseller/DAP invitation or GDAP approval) and an email draft."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from dapctl import exit_codes
from dapctl.options import check_endpoint
from dapctl.shell import (
    CustomerArgument,
    DeadlineOption,
    EndpointOption,
    ProjectDirOption,
    StackOption,
    TenantOption,
    connection,
    console,
    guarded,
    load,
    stack_for,
)


def invite(
    customer: str | None = CustomerArgument,
    tenant: str | None = TenantOption,
    stack: str | None = StackOption,
    project_dir: Path = ProjectDirOption,
    endpoint: str | None = EndpointOption,
    deadline_seconds: float = DeadlineOption,
) -> None:
    """Print the link the customer must open (reseller/DAP invitation or GDAP approval) and an email draft;
    exit 3 when there is nothing to send (the relationship is already active, or not created yet).

    Example: dapctl invite contoso --stack dev
             dapctl invite --tenant <customer tenant id>   (the pending relationship of a customer outside any config)
    """
    from operations.invitation import invitation
    from operations.outside import check_target, resolve_target

    check_endpoint(endpoint)
    with guarded():
        tenant = check_target(customer, tenant)
    stack = stack_for(stack, project_dir, customer or tenant, required=customer is not None)
    cfg = load(stack, project_dir)
    with guarded():
        target = resolve_target(cfg, customer, tenant)
    conn = connection(endpoint) if target.delegation == "gdap" else None
    with guarded(deadline_seconds):
        result = invitation(conn, cfg, target)
    console.print(f"[bold]{escape(target.display_name)}[/] ({target.delegation}): {escape(result.status)}")
    if result.link:
        console.print(f"\n[bold]Link[/]: {escape(result.link)}\n", soft_wrap=True)
    if result.email:
        console.print(escape(result.email), soft_wrap=True)
    if not result.sendable:
        raise typer.Exit(exit_codes.FINDINGS)  # nothing to send: the relationship is active, or not yet created
