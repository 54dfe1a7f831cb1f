"""Entry point of the runbook in the customer's Azure Automation account.

The runbook file (built by runbooks.packaging) calls ``main(PARAMETERS, argv)``. It authenticates as
the Automation account's managed identity, audits the partner's Azure grants in this tenant, and with
``--apply`` removes them; GDAP and DAP are listed as manual steps (no customer-side API). The report
goes to the job's output stream.
"""

from __future__ import annotations

import argparse
import asyncio

from azure_http.arm import ArmClient
from azure_http.graph import GraphClient
from azure_http.managed_identity import ManagedIdentityTokens

from .audit import Clients, Target, audit
from .report import revoke_markdown, service_providers_lines
from .revoke import RevokeReport, revoke
from .selection import ALL, Selection, SelectionError, parse_selection


def _relevant_gaps(not_checked: list[str], selection: Selection) -> list[str]:
    """What the run could not check that matters to the selection (GDAP's and DAP's notes only when selected)."""
    skip = tuple(f"{area.upper()}:" for area in ("gdap", "dap") if area not in selection.areas)
    return [note for note in not_checked if not note.startswith(skip)] if skip else list(not_checked)


async def run_runbook(
    parameters: dict,
    apply: bool,
    arm: ArmClient,
    graph: GraphClient | None = None,
    selection: Selection = ALL,
) -> tuple[RevokeReport, str]:
    """Audit and (with ``apply``) revoke with ``arm`` (the customer's tenant): the report and its Markdown.

    ``graph`` (the customer tenant's): its cross-tenant access policy's service providers are listed too.

    What the customer cannot check by API (GDAP and DAP live with the partner) is a gap of the run:
    listed under "Not verified", so the run is at best incomplete while those manual steps remain (unless
    ``selection`` leaves GDAP and DAP out: e.g. ``--only rbac``, Azure access removed, the relationship kept).
    """
    target = Target.for_partner(
        parameters["customerTenantId"], parameters["partnerTenantId"], parameters.get("principalIds", [])
    )
    clients = Clients(arm=arm, customer_graph=graph)
    found = await audit(target, clients)
    gaps = _relevant_gaps(found.not_checked, selection)
    result = await revoke(target, clients, found, apply=apply, gaps=gaps, selection=selection)
    return result, "\n".join([revoke_markdown(result), *service_providers_lines(found)])


async def _run(parameters: dict, apply: bool, selection: Selection) -> int:
    target_tenant = parameters["customerTenantId"]
    tokens = ManagedIdentityTokens()
    async with (
        ArmClient(tokens, tenant_id=target_tenant) as arm,
        GraphClient(tokens, tenant_id=target_tenant) as graph,
    ):
        result, markdown = await run_runbook(parameters, apply, arm, graph, selection)
    print(markdown)
    # 0 complete (verified), 1 something remains, 5 incomplete (not everything could be verified); a dry
    # run exits 0. Automation marks a job with a non-zero exit as failed, so an incomplete run is never green.
    return result.exit_code


def main(parameters: dict, argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="Remove-CspPartnerAccess")
    parser.add_argument("--apply", action="store_true", help="remove the grants (default: dry run)")
    parser.add_argument("--only", action="append", help="remove only these areas: gdap,dap,rbac,lighthouse")
    parser.add_argument("--keep", action="append", help="keep these areas, remove the others")
    args = parser.parse_args(argv)
    try:
        selection = parse_selection(args.only, args.keep)
    except SelectionError as err:
        parser.error(str(err))  # exit 2 with the message, before any request
    return asyncio.run(_run(parameters, args.apply, selection))
