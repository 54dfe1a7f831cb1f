"""`dapctl access check` and the emulator's Entra token endpoint with per-tenant consent, over real HTTP.

Contoso is onboarded (GDAP active, groups mapped, AdminAgents Owner of two subscriptions); Fabrikam (a DAP
customer) has taken away the partner application's consent; Adatum has no relationship yet.
"""

from __future__ import annotations

import json

import httpx
import pytest

from azure_http import ConsentMissing, EmulatorTokens
from tests.support.cli import dapctl
from tests.support.dev_world import CONTOSO  # the fixtures come from tests/conftest.py

FABRIKAM = "4b9c0d1e-2f3a-4b4c-9d5e-6f7a8b9c0d1e"
ADATUM = "5c0d1e2f-3a4b-4c5d-8e6f-7a8b9c0d1e2f"
ARM_SCOPE = "https://management.azure.com/.default"

pytestmark = pytest.mark.anyio


async def test_the_token_endpoint_refuses_a_tenant_without_consent_as_entra_does(emulator) -> None:
    emulator.control.set_consent(FABRIKAM, False)
    url = f"{emulator.url}/login/{FABRIKAM}/oauth2/v2.0/token"
    app_only = httpx.post(url, data={"grant_type": "client_credentials", "client_id": "app-1", "scope": ARM_SCOPE})
    assert app_only.status_code == 400
    body = app_only.json()
    assert body["error"] == "unauthorized_client" and body["error_codes"] == [700016]
    assert body["error_description"].startswith(
        f"AADSTS700016: Application with identifier 'app-1' was not found in the directory '{FABRIKAM}'"
    )
    user = httpx.post(url, data={"grant_type": "refresh_token", "client_id": "app-1", "scope": ARM_SCOPE})
    assert user.status_code == 400 and user.json()["error"] == "invalid_grant" and user.json()["error_codes"] == [65001]

    tokens = EmulatorTokens(login_url=f"{emulator.url}/login")
    with pytest.raises(ConsentMissing, match=f"no consent in tenant {FABRIKAM}") as refused:
        await tokens.get_token(ARM_SCOPE, FABRIKAM)
    assert refused.value.code == 700016
    assert await tokens.get_token(ARM_SCOPE, CONTOSO)  # consent elsewhere is untouched

    # A token minted anyway (no token endpoint asked) is refused by the APIs.
    minted = await EmulatorTokens().get_token(ARM_SCOPE, FABRIKAM)
    listed = httpx.get(
        f"{emulator.url}/arm/subscriptions",
        params={"api-version": "2022-12-01"},
        headers={"Authorization": f"Bearer {minted}"},
    )
    assert listed.status_code == 401 and "no consent" in listed.json()["error"]["message"]
    emulator.control.set_consent(FABRIKAM, True)
    assert await EmulatorTokens(login_url=f"{emulator.url}/login").get_token(ARM_SCOPE, FABRIKAM)


def test_access_check_reports_paths_and_loses_nothing_quietly(onboarded):
    emulator, project_dir, relationship_id, subscriptions = onboarded
    ok = dapctl("access", "check", "contoso", "--json", "--project-dir", str(project_dir), endpoint=emulator.url)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    [contoso] = json.loads(ok.stdout)["customers"]
    assert contoso["token"] == "ok" and contoso["findings"] == []
    groups = {p["group"].split(" ")[0]: p for p in contoso["paths"]}
    assert set(groups) == {"adminAgents", "helpdeskAgents"}
    assert relationship_id in groups["adminAgents"]["via"] and "User Administrator" in groups["adminAgents"]["roles"]
    assert sorted(s.split(" ")[0] for s in contoso["subscriptions"]) == sorted(subscriptions)
    assert contoso["declared_subscriptions"] == 2

    emulator.control.set_consent(FABRIKAM, False)
    emulator.control.pc_add_customers([{"tenantId": FABRIKAM, "companyName": "Fabrikam", "dap": True}])
    fleet = dapctl("access", "check", "--all", "--json", "--project-dir", str(project_dir), endpoint=emulator.url)
    assert fleet.returncode == 3, fleet.stdout + fleet.stderr
    results = {c["customer"]: c for c in json.loads(fleet.stdout)["customers"]}
    assert results["contoso"]["findings"] == []
    fabrikam = results["fabrikam"]
    assert fabrikam["token"] == "consent-missing" and "AADSTS700016" in fabrikam["token_detail"]
    assert any("no consent in tenant" in f for f in fabrikam["findings"])
    assert [p["via"] for p in fabrikam["paths"]] == ["DAP"]  # Partner Center still says DAP: the token is what fails
    assert fabrikam["subscriptions"] == []
    adatum = results["adatum"]
    assert adatum["token"] == "ok"
    assert any("no active GDAP relationship" in f for f in adatum["findings"])

    # Access lost in Azure: the Owner grants go, the check says so.
    for assignment in emulator.control.arm_role_assignments():
        if assignment["properties"]["principalType"] == "ForeignGroup":
            emulator.control.arm_remove_role_assignment(assignment["id"])
    lost = dapctl("access", "check", "contoso", "--project-dir", str(project_dir), endpoint=emulator.url)
    assert lost.returncode == 3
    assert "no Azure subscription reachable" in " ".join(lost.stdout.split())
    usage = dapctl("access", "check", "--project-dir", str(project_dir), endpoint=emulator.url)
    assert usage.returncode == 2 and "name one customer, or pass --all" in usage.stderr
