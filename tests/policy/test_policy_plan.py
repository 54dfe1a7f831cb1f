"""policy.evaluate over the real stack program's offline plan: the dev stack passes, a bad one fails right."""

from __future__ import annotations

import dataclasses
import uuid

import pytest

import catalog
from config.schema import parse_config
from policy import evaluate
from policy.model import is_role_assignment
from policy.offline import plan_resources
from stacks.mock_runtime import Declared, OfflineRun
from tests.helpers import dev_raw, run

FABRIKAM_GRANT = "fabrikam-6d1e2f3a-4b5c-4d6e-8f7a-8b9c0d1e2f3a-grant"
ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"


@pytest.fixture(scope="module")
def applied() -> OfflineRun:
    return run(dev_raw(), preview=False)


@pytest.fixture(scope="module")
def previewed() -> OfflineRun:
    return run(dev_raw(), preview=True)


def summary(violations) -> set[tuple[str, str, str]]:
    return {(v.policy, v.level, v.name) for v in violations}


@pytest.mark.parametrize("mode", ["applied", "previewed"])
def test_dev_stack_has_no_mandatory_violation_and_one_advice(mode, request):
    """In a preview the new subscriptions' ids (and so the Owner grants' scopes) are unknown: still provable."""
    offline = request.getfixturevalue(mode)
    violations = evaluate(offline, parse_config(dev_raw()))
    assert summary(violations) == {
        ("prefer-lighthouse-over-owner-on-existing-subscriptions", "advisory", FABRIKAM_GRANT)
    }
    assert violations[0].urn.endswith(f"::{FABRIKAM_GRANT}")


def test_preview_really_has_unknown_owner_scopes(previewed):
    """Guards the test above: it must exercise the unknown-scope path, not only known scopes."""
    scopes = [r.get("scope") for r in plan_resources(previewed) if is_role_assignment(r) and r.name.endswith("-grant")]
    assert sum(1 for s in scopes if not isinstance(s, str)) == 3


def test_offline_alias_ids_are_the_ones_the_grants_use(applied):
    """The adapter fills a created alias's subscription id as the mock runtime assigns it: pinned here."""
    ids = {
        r.get("properties", "subscriptionId")
        for r in plan_resources(applied)
        if r.type == "azure-native:subscription:Alias"
    }
    exported = {sid for c in applied.exports["customers"].values() for sid in c["subscriptionIds"].values()}
    assert ids == exported - {"6d1e2f3a-4b5c-4d6e-8f7a-8b9c0d1e2f3a"}


def test_without_config_the_existing_owner_grant_is_refused(applied):
    violations = evaluate(applied, None)
    assert ("rbac-owner-on-provisioned-subscriptions", "mandatory", FABRIKAM_GRANT) in summary(violations)
    assert [v.name for v in violations if v.mandatory] == [FABRIKAM_GRANT]


def test_global_admin_with_consent_passes_over_the_real_program():
    raw = dev_raw()
    raw["customers"][2]["gdap"] = {"allowGlobalAdministrator": True, "roles": ["Global Administrator", "Global Reader"]}
    offline = run(raw)
    relationship = offline.named("adatum-delegation-relationship")
    assert catalog.GLOBAL_ADMINISTRATOR in relationship.inputs["roleIds"]
    assert [v for v in evaluate(offline, parse_config(raw)) if v.mandatory] == []
    # The same plan judged against a config that does not consent (the dev one) is refused.
    refused = summary(evaluate(offline, parse_config(dev_raw())))
    assert ("gdap-global-admin-needs-consent", "mandatory", "adatum-delegation-relationship") in refused


def _with_inputs(declared: Declared, **inputs) -> Declared:
    return dataclasses.replace(declared, inputs={**declared.inputs, **inputs})


def test_bad_config_and_tampered_plan_give_the_right_violations():
    """A valid but unsafe config (an unprotected relationship), then what a component bug could declare."""
    raw = dev_raw()
    raw["customers"][0]["gdap"]["protect"] = False
    offline = run(raw)
    contoso_rel = offline.named("contoso-delegation-relationship")
    adatum_grant = offline.named("adatum-adatum-prod-grant")
    owner = f"/providers/Microsoft.Authorization/roleDefinitions/{catalog.OWNER}"
    stray_sub = f"/subscriptions/{uuid.UUID(int=7)}"
    management_group = "/providers/Microsoft.Management/managementGroups/northwind"
    tampered = {
        # Global Administrator slipped into an auto-extending relationship whose customer never consented.
        contoso_rel.urn: _with_inputs(
            contoso_rel, roleIds=[*contoso_rel.inputs["roleIds"], catalog.GLOBAL_ADMINISTRATOR]
        ),
        # The azure-native default principal type.
        adatum_grant.urn: _with_inputs(adatum_grant, principalType="User"),
    }
    extra = [
        dataclasses.replace(
            adatum_grant,
            urn=adatum_grant.urn + "-mg",
            name="owner-on-management-group",
            inputs={**adatum_grant.inputs, "scope": management_group, "roleDefinitionId": management_group + owner},
        ),
        dataclasses.replace(
            adatum_grant,
            urn=adatum_grant.urn + "-stray",
            name="owner-on-stray-subscription",
            inputs={**adatum_grant.inputs, "scope": stray_sub, "roleDefinitionId": stray_sub + owner},
        ),
    ]
    bad = dataclasses.replace(
        offline,
        resources=[tampered.get(r.urn, r) for r in offline.resources] + extra,
        exports={**offline.exports, "runbookUrl": "https://acct.blob.core.windows.net/rb/x.py?sv=2024&sig=Zm9v"},
    )
    found = summary(evaluate(bad, parse_config(raw)))
    assert {v for v in found if v[1] == "mandatory"} == {
        ("gdap-global-admin-needs-consent", "mandatory", "contoso-delegation-relationship"),
        ("gdap-no-auto-extend-with-global-admin", "mandatory", "contoso-delegation-relationship"),
        ("protect-relationships-groups-subscriptions", "mandatory", "contoso-delegation-relationship"),
        ("rbac-partner-principal-is-foreign-group", "mandatory", "adatum-adatum-prod-grant"),
        ("rbac-owner-at-subscription-scope", "mandatory", "owner-on-management-group"),
        ("rbac-owner-on-provisioned-subscriptions", "mandatory", "owner-on-stray-subscription"),
        ("no-plaintext-secret-outputs", "mandatory", "csp-delegation-test"),
    }
    assert ("prefer-lighthouse-over-owner-on-existing-subscriptions", "advisory", FABRIKAM_GRANT) in found


def test_violations_serialise_for_dapctl_json(applied):
    [advice] = evaluate(applied, parse_config(dev_raw()))
    assert advice.to_json() == {
        "policy": "prefer-lighthouse-over-owner-on-existing-subscriptions",
        "level": "advisory",
        "urn": advice.urn,
        "name": FABRIKAM_GRANT,
        "message": advice.message,
    }
    assert not advice.mandatory


def test_recorded_property_dependencies_replace_the_parent_fallback(previewed):
    """If the offline runtime records property dependencies (as the engine gives the pack), they decide."""
    aliases = {d.parent: d.urn for d in previewed.resources if d.type == "azure-native:subscription:Alias"}
    resources = []
    for declared in previewed.resources:
        copy = dataclasses.replace(declared)
        if declared.name.endswith("-grant"):
            alias = aliases.get(declared.parent)
            # The adatum grant claims no dependency: in the engine's terms its scope comes from nowhere.
            copy.property_dependencies = {"scope": [alias] if alias and "adatum" not in declared.name else []}
        resources.append(copy)
    found = summary(evaluate(dataclasses.replace(previewed, resources=resources), parse_config(dev_raw())))
    assert {v for v in found if v[1] == "mandatory"} == {
        ("rbac-owner-on-provisioned-subscriptions", "mandatory", "adatum-adatum-prod-grant")
    }
