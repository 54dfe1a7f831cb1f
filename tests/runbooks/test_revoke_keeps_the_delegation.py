"""A revocation does not end GDAP while an Azure grant it could not remove (the service failed) is still there:
the partner reaches Azure only through GDAP or DAP, so ending them first would strand the grant. A resumed run
finishes both. A refusal of the partner's rights is no reason to wait (keeping GDAP would not change it)."""

from __future__ import annotations

import asyncio

from azure_http import ArmClient, GraphClient
from azure_http.connect import connect
from azure_http.partner_center import PartnerCenterClient
from azure_http.retry import RetryPolicy
from runbooks.audit import Clients, Target, audit
from runbooks.grants import Kind
from runbooks.journal import Journal
from runbooks.revoke import revoke
from runbooks.verify import VerifyPolicy
from tests.helpers import VirtualTime

PARTNER = "2f4a9a1e-6c3b-4d8e-9f10-1a2b3c4d5e6f"
CONTOSO = "3a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d"
GROUPS = ["0b6c4e1a-2d3f-4a5b-9c6d-7e8f9a0b1c2d", "1c7d5f2b-3e4a-4b6c-8d7e-8f9a0b1c2d3e"]
NO_RETRY = RetryPolicy(max_attempts=1)


async def _revoke(url: str, journal: Journal, *, resume: bool = False):
    conn, clock = connect(url), VirtualTime()
    target = Target.for_partner(CONTOSO, PARTNER, GROUPS)
    async with (
        ArmClient(conn.tokens, conn.endpoints, tenant_id=CONTOSO, retry=NO_RETRY, sleep=clock.sleep) as arm,
        GraphClient(conn.tokens, conn.endpoints, tenant_id=PARTNER, retry=NO_RETRY, sleep=clock.sleep) as graph,
        PartnerCenterClient(conn.tokens, conn.endpoints, tenant_id=PARTNER) as pc,
    ):
        clients = Clients(arm=arm, graph=graph, partner_center=pc)
        plan = None if resume else await audit(target, clients)
        return await revoke(
            target,
            clients,
            plan,
            apply=True,
            resume=resume,
            journal=journal,
            verify=VerifyPolicy(attempts=2, delay=0.0),
            sleep=clock.sleep,
        )


def test_gdap_is_kept_while_an_azure_grant_could_not_be_removed_and_ended_on_resume(onboarded, tmp_path):
    emulator, _, relationship_id, _ = onboarded

    def relationship_status() -> str:
        relationships = emulator.control.state()["gdap"]["relationships"]
        return next(r for r in relationships if r["id"] == relationship_id)["status"]

    journal = Journal(tmp_path / "journal")
    fault = emulator.control.add_fault("/arm/subscriptions/", method="DELETE", status=503, times=None)
    first = asyncio.run(_revoke(emulator.url, journal))
    assert first.status == "failed"
    held = [o for o in first.outcomes if o.grant.kind is Kind.GDAP_RELATIONSHIP]
    assert held and all(o.outcome == "failed" and "out of the partner's reach" in o.message for o in held)
    assert relationship_status() == "active"

    emulator.control.remove_fault(fault["id"])
    resumed = asyncio.run(_revoke(emulator.url, journal, resume=True))
    assert resumed.status in ("complete", "incomplete"), [(o.grant.id, o.outcome, o.message) for o in resumed.outcomes]
    assert relationship_status() in ("terminationRequested", "terminating", "terminated")
