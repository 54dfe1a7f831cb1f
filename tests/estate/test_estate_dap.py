"""The estate's DAP read: Partner Center's ``allowDelegatedAccess`` is "only available when getting a customer by ID,
not by list" (learn.microsoft.com/partner-center/developer/customer-resources), so the reader reads each customer
by id, and a customer whose read fails is "not read", never "DAP off"."""

from __future__ import annotations

import pytest

from azure_http import EmulatorTokens, Endpoints, run_sync
from estate.model import CustomerEstate
from estate.reader import ReadLimits, read_estate
from estate.translate import NOT_EXPRESSED, PartnerInfo, translate_customer
from tests.arm_scenario import CONTOSO, FABRIKAM, PARTNER, scenario


@pytest.fixture
def world(emulator):
    emulator.control.reset(scenario())
    return emulator


def read(world, limits: ReadLimits | None = None) -> dict[str, CustomerEstate]:
    estate = run_sync(
        read_estate(
            PARTNER,
            [],
            EmulatorTokens(),
            Endpoints.emulator(world.url),
            skip_azure=lambda c: True,
            limits=limits or ReadLimits(),
        )
    )
    return {c.tenant_id: c for c in estate.customers}


@pytest.mark.parametrize("limits", [ReadLimits(), ReadLimits.sequential()], ids=["concurrent", "sequential"])
def test_dap_is_read_by_id_for_every_customer(world, limits) -> None:
    customers = read(world, limits)
    assert customers[CONTOSO].dap is True and customers[FABRIKAM].dap is True  # HelpdeskAgents alone is DAP
    assert customers[CONTOSO].dap_error is None
    by_id = {r["path"].rsplit("/", 1)[-1] for r in world.control.requests("/partnercenter/v1/customers/", "GET")}
    assert {CONTOSO, FABRIKAM} <= by_id


def test_a_customer_whose_read_fails_is_not_read_rather_than_dap_off(world) -> None:
    world.control.add_fault(f"/partnercenter/v1/customers/{FABRIKAM}", status=403, times=None, method="GET")
    customers = read(world)
    fabrikam = customers[FABRIKAM]
    assert fabrikam.dap is None and "403" in (fabrikam.dap_error or "")
    assert customers[CONTOSO].dap is True
    # No live GDAP relationship with Fabrikam in this world: the import neither drops it as "no DAP" nor writes it.
    result = translate_customer(fabrikam, PartnerInfo(PARTNER, PARTNER, "Partner", {}), "fabrikam")
    assert result.entry is None
    assert [(f.severity, f.kind) for f in result.findings] == [(NOT_EXPRESSED, "not read")]
    assert "DAP is on is unknown" in result.findings[0].detail
