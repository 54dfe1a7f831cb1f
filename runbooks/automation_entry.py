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
from azure_http.managed_identity import ManagedIdentityTokens

from .audit import Clients, Target, audit
from .report import revoke_markdown
from .revoke import revoke


async def _run(parameters: dict, apply: bool) -> int:
    target = Target.for_partner(
        parameters["customerTenantId"], parameters["partnerTenantId"], parameters.get("principalIds", [])
    )
    async with ArmClient(ManagedIdentityTokens(), tenant_id=target.customer_tenant_id) as arm:
        clients = Clients(arm=arm)
        found = await audit(target, clients)
        result = await revoke(target, clients, found, apply=apply)
    print(revoke_markdown(result))
    failed = result.with_outcome("failed")
    return 1 if failed else 0


def main(parameters: dict, argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="Remove-CspPartnerAccess")
    parser.add_argument("--apply", action="store_true", help="remove the grants (default: dry run)")
    args = parser.parse_args(argv)
    return asyncio.run(_run(parameters, args.apply))
