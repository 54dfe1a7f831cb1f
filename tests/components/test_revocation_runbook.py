"""The RevocationRunbook component on the mock runtime, and the runbook file it publishes."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import zipfile

import pytest

from components.revocation_runbook import REMOVAL_ACTIONS, sas_expiry
from config.errors import ConfigError
from config.schema import parse_config
from runbooks.packaging import build_runbook
from stacks.mock_runtime import placeholder_id
from tests.helpers import ADMIN_AGENTS_ID, HELPDESK_AGENTS_ID, dev_raw, run

CONTOSO = "3a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d"
PARTNER = "2f4a9a1e-6c3b-4d8e-9f10-1a2b3c4d5e6f"


@pytest.fixture(scope="module")
def applied():
    return run(dev_raw(), preview=False)


def test_runbook_is_python3_published_from_a_content_addressed_blob(applied):
    runbook = applied.named("contoso-revocation-runbook")
    blob = applied.named("contoso-revocation-script")
    assert runbook.inputs["runbookType"] == "Python3"
    assert runbook.inputs["publishContentLink"] == "[secret]"  # the SAS URL never lands in state in plain text
    text = blob.inputs["source"].text
    digest = hashlib.sha256(text.encode()).hexdigest()
    assert blob.inputs["blobName"] == f"csp-revocation-{digest[:16]}.py"
    assert f'"partnerTenantId": "{PARTNER}"' in text
    assert ADMIN_AGENTS_ID in text and HELPDESK_AGENTS_ID in text
    storage = applied.named("contoso-revocation-storage")
    assert storage.inputs["allowBlobPublicAccess"] is False
    sas = [lk for lk in applied.lookups if lk.token.endswith("listStorageAccountServiceSAS")]
    assert {lk.args["permissions"] for lk in sas} == {"r"}  # read-only, one blob
    assert all(lk.args["canonicalizedResource"].startswith("/blob/") for lk in sas)


def test_identity_holds_only_the_removal_role_on_the_customers_subscriptions(applied):
    role = applied.named("contoso-revocation-role")
    (permission,) = role.inputs["permissions"]
    assert permission["actions"] == REMOVAL_ACTIONS
    assert not any("*" in a for a in permission["actions"])
    assert role.inputs["roleType"] == "CustomRole"
    subscription_ids = applied.exports["customers"]["contoso"]["subscriptionIds"]
    assert sorted(role.inputs["assignableScopes"]) == sorted(f"/subscriptions/{s}" for s in subscription_ids.values())
    grants = [r for r in applied.resources if r.name.startswith("contoso-revocation-identity-")]
    assert len(grants) == 2
    for grant in grants:
        assert grant.inputs["principalType"] == "ServicePrincipal"
        role_id = placeholder_id("azure-native:authorization:RoleDefinition", role.name)
        assert grant.inputs["roleDefinitionId"] == role_id
        assert grant.inputs["principalId"] == placeholder_id("identity", "contoso-revocation-automation")
        assert grant.inputs["scope"] in role.inputs["assignableScopes"]
        assert grant.delete_before_replace
    account = applied.named("contoso-revocation-automation")
    assert account.inputs["identity"]["type"] == "SystemAssigned"
    assert account.inputs["disableLocalAuth"] is True


def test_runbook_lives_in_the_chosen_subscription_and_tenant(applied):
    role = applied.named("contoso-revocation-role")
    alias_subscription = applied.exports["customers"]["contoso"]["subscriptionIds"]["contoso-prod"]
    assert role.inputs["scope"] == f"/subscriptions/{alias_subscription}"
    for resource in applied.resources:
        if resource.name.startswith("contoso-revocation-") and resource.custom:
            if resource.type.startswith("pulumi:providers:"):
                continue
            provider = applied.provider_of(resource)
            assert provider.inputs["tenantId"] == CONTOSO
            # Resource group, storage, Automation account: in the customer's chosen subscription, not in
            # whatever ARM_SUBSCRIPTION_ID points at (the partner's state subscription in CI).
            assert provider.inputs["subscriptionId"] == alias_subscription


def test_no_automation_packages_are_declared(applied):
    """The runbook file carries its pure-Python dependencies (runbooks/packaging.py): the account needs none."""
    assert not [r for r in applied.resources if r.type.endswith("Python3Package")]
    assert applied.named("contoso-revocation-runbook").inputs["runbookType"] == "Python3"


def test_changing_the_partner_groups_changes_the_published_content():
    first = build_runbook({"partnerTenantId": PARTNER, "principalIds": [ADMIN_AGENTS_ID]})
    again = build_runbook({"partnerTenantId": PARTNER, "principalIds": [ADMIN_AGENTS_ID]})
    other = build_runbook({"partnerTenantId": PARTNER, "principalIds": [ADMIN_AGENTS_ID, HELPDESK_AGENTS_ID]})
    assert first.sha256 == again.sha256 and first.blob_name == again.blob_name
    assert other.blob_name != first.blob_name


def test_the_runbook_file_carries_the_projects_code():
    bundle = build_runbook({"partnerTenantId": PARTNER, "principalIds": []})
    compile(bundle.text, "runbook.py", "exec")
    chunks = re.findall(r'^    "([A-Za-z0-9+/=]+)"$', bundle.text, flags=re.MULTILINE)
    archive = zipfile.ZipFile(io.BytesIO(base64.b64decode("".join(chunks))))
    names = set(archive.namelist())
    assert {"runbooks/packaging.py", "azure_http/base.py", "catalog/roles.json"} <= names
    assert not any("__pycache__" in n or n.startswith(("tests/", "emulator/", "components/")) for n in names)
    # The emulator's unsigned tokens never ship to a customer's Automation account.
    assert "azure_http/emulator_tokens.py" not in names and not any(
        "EmulatorTokens(" in archive.read(n).decode() for n in names if n.endswith(".py")
    )
    assert json.loads(archive.read("catalog/roles.json"))["azureRoles"]["Owner"]


def test_sas_expiry_moves_once_a_year():
    from datetime import UTC, datetime

    assert sas_expiry(datetime(2026, 11, 24, tzinfo=UTC)) == "2028-01-01T00:00:00Z"
    assert sas_expiry(datetime(2026, 1, 1, tzinfo=UTC)) == sas_expiry(datetime(2026, 12, 31, tzinfo=UTC))


def test_runbook_host_must_be_one_of_the_customers_subscriptions():
    raw = dev_raw()
    raw["customers"][0]["revocationRunbook"]["subscription"] = "adatum-prod"
    with pytest.raises(ConfigError) as info:
        parse_config(raw)
    assert info.value.problems[0].path == "customers[0].revocationRunbook.subscription"
