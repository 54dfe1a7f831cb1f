"""Each guardrail on its own: a passing, a failing, a missing-property and (where a preview has one)
an unknown-value case, on plain resources built here, as both the pack and the offline plan give them."""

from __future__ import annotations

from typing import Any

import pytest

import catalog
from catalog.resource_kinds import GDAP_ACCESS_ASSIGNMENT_TYPE, GDAP_RELATIONSHIP_TYPE
from policy.context import PolicyContext
from policy.engine import run_rule
from policy.model import ALIAS, GROUP, ROLE_ASSIGNMENT, SECRET, STACK, UNKNOWN, PlanResource
from policy.registry import RULES, rule

CUSTOMER = "3a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d"
OTHER_CUSTOMER = "5c0d1e2f-3a4b-4c5d-8e6f-7a8b9c0d1e2f"
SUB = "6d1e2f3a-4b5c-4d6e-8f7a-8b9c0d1e2f3a"
NEW_SUB = "4b83f254-6f30-5a1f-bb19-2a8391003a73"
GA = catalog.GLOBAL_ADMINISTRATOR
READER_DIR = catalog.directory_role_id("Directory Readers")
CONTRIBUTOR = catalog.azure_role_id("Contributor")
ADMIN_AGENTS = "0b6c4e1a-2d3f-4a5b-9c6d-7e8f9a0b1c2d"

ALLOWING = PolicyContext(
    config_known=True,
    global_admin_tenants=frozenset({CUSTOMER.lower()}),
    existing_subscriptions={SUB.lower(): frozenset({catalog.OWNER})},
)
STRICT = PolicyContext(config_known=True)
BLIND = PolicyContext.unknown()


def relationship(**overrides: Any) -> PlanResource:
    props = {
        "partnerTenantId": "2f4a9a1e-6c3b-4d8e-9f10-1a2b3c4d5e6f",
        "customerTenantId": CUSTOMER,
        "customerDisplayName": "Contoso",
        "displayName": "contoso-gdap",
        "duration": "P730D",
        "autoExtendDuration": "PT0S",
        "roleIds": [READER_DIR],
    }
    props.update(overrides)
    props = {k: v for k, v in props.items() if v is not None}
    return PlanResource(
        urn="urn:rel", type=GDAP_RELATIONSHIP_TYPE, name="contoso-rel", props=props, protect=True, parent="urn:deleg"
    )


def grant(
    scope: Any = f"/subscriptions/{SUB}",
    role: Any = catalog.OWNER,
    principal_type: Any = "ForeignGroup",
    **extra: Any,
) -> PlanResource:
    props: dict[str, Any] = {"principalId": ADMIN_AGENTS, "scope": scope}
    if role is not None:
        props["roleDefinitionId"] = (
            UNKNOWN
            if scope is UNKNOWN or role is UNKNOWN
            else f"{scope}/providers/Microsoft.Authorization/roleDefinitions/{role}"
        )
    if principal_type is not None:
        props["principalType"] = principal_type
    if scope is None:
        del props["scope"]
    return PlanResource(
        urn=extra.get("urn", "urn:grant"),
        type=ROLE_ASSIGNMENT,
        name=extra.get("name", "grant"),
        props=props,
        parent=extra.get("parent", "urn:cspsub"),
        property_dependencies=extra.get("deps"),
    )


def alias(subscription_id: Any = NEW_SUB, parent: str = "urn:cspsub", urn: str = "urn:alias") -> PlanResource:
    props: dict[str, Any] = {"aliasName": "contoso-prod", "properties": {"displayName": "Contoso"}}
    if subscription_id is not None:
        props["properties"]["subscriptionId"] = subscription_id
    return PlanResource(urn=urn, type=ALIAS, name="contoso-prod-alias", props=props, protect=True, parent=parent)


def messages(name: str, target: PlanResource | list[PlanResource], context: PolicyContext = ALLOWING) -> list[str]:
    resources = target if isinstance(target, list) else [target]
    return [v.message for v in run_rule(rule(name), resources, context)]


def test_registry_names_are_unique_and_pack_safe():
    names = [r.name for r in RULES]
    assert len(names) == len(set(names))
    assert all(n.replace("-", "").isalnum() for n in names)
    assert {r.level for r in RULES} == {"mandatory", "advisory"}


# --- gdap-global-admin-needs-consent ---------------------------------------------------------------


def test_global_admin_passes_when_the_customer_allows_it():
    assert messages("gdap-global-admin-needs-consent", relationship(roleIds=[GA, READER_DIR])) == []


def test_global_admin_fails_without_consent():
    [message] = messages("gdap-global-admin-needs-consent", relationship(roleIds=[GA.upper()]), STRICT)
    assert "does not set gdap.allowGlobalAdministrator: true" in message


def test_global_admin_fails_closed_when_the_config_is_not_visible():
    [message] = messages("gdap-global-admin-needs-consent", relationship(roleIds=[GA]), BLIND)
    assert "not visible" in message


def test_global_admin_consent_is_per_customer():
    other = relationship(roleIds=[GA], customerTenantId=OTHER_CUSTOMER)
    assert len(messages("gdap-global-admin-needs-consent", other)) == 1


def test_no_global_admin_needs_no_consent_and_missing_roles_mean_no_relationship():
    assert messages("gdap-global-admin-needs-consent", relationship(), BLIND) == []
    # Without roleIds the resource is not recognisable as a relationship (dapctl's dynamic_kind): nothing to judge.
    assert messages("gdap-global-admin-needs-consent", relationship(roleIds=None), BLIND) == []


def test_global_admin_unknown_roles_fail():
    assert len(messages("gdap-global-admin-needs-consent", relationship(roleIds=UNKNOWN))) == 1
    assert len(messages("gdap-global-admin-needs-consent", relationship(roleIds=[READER_DIR, UNKNOWN]))) == 1


# --- gdap-no-auto-extend-with-global-admin -------------------------------------------------------------


@pytest.mark.parametrize("extend", ["PT0S", "P0D", None])
def test_global_admin_without_auto_extend_passes(extend):
    """None: the property is missing, and Graph's default is PT0S (no auto-extend)."""
    assert (
        messages("gdap-no-auto-extend-with-global-admin", relationship(roleIds=[GA], autoExtendDuration=extend)) == []
    )


def test_global_admin_with_auto_extend_fails_even_with_consent():
    [message] = messages(
        "gdap-no-auto-extend-with-global-admin", relationship(roleIds=[GA], autoExtendDuration="P180D")
    )
    assert "auto-extends (P180D)" in message


def test_auto_extend_without_global_admin_passes():
    assert messages("gdap-no-auto-extend-with-global-admin", relationship(autoExtendDuration="P180D")) == []


def test_auto_extend_with_unknowns_fails():
    unknown_extend = relationship(roleIds=[GA], autoExtendDuration=UNKNOWN)
    unknown_roles = relationship(roleIds=UNKNOWN, autoExtendDuration="P180D")
    assert len(messages("gdap-no-auto-extend-with-global-admin", [unknown_extend, unknown_roles])) == 2
    assert messages("gdap-no-auto-extend-with-global-admin", relationship(roleIds=UNKNOWN)) == []


# --- gdap-duration-in-range ---------------------------------------------------------------------------


@pytest.mark.parametrize("duration", ["P1D", "P730D", "P2Y", "P1Y", "P104W", "P1Y30D"])
def test_duration_in_range_passes(duration):
    assert messages("gdap-duration-in-range", relationship(duration=duration)) == []


@pytest.mark.parametrize(
    ("duration", "expected"),
    [
        ("P0D", "outside P1D..P730D"),
        ("P731D", "outside P1D..P730D"),
        ("P3Y", "outside"),
        ("P", "is not PnD"),
        ("P6M", "is not PnD"),
        ("PT24H", "is not PnD"),
        ("730", "is not PnD"),
    ],
)
def test_duration_out_of_range_or_malformed_fails(duration, expected):
    [message] = messages("gdap-duration-in-range", relationship(duration=duration))
    assert expected in message


def test_duration_missing_or_unknown_fails():
    [missing] = messages("gdap-duration-in-range", relationship(duration=None))
    assert "has no duration" in missing
    [unknown] = messages("gdap-duration-in-range", relationship(duration=UNKNOWN))
    assert "not known" in unknown


def test_gdap_rules_ignore_access_assignments():
    assignment = PlanResource(
        urn="urn:aa",
        type=GDAP_ACCESS_ASSIGNMENT_TYPE,
        name="aa",
        props={"partnerTenantId": "p", "relationshipId": "r", "groupId": "g", "roleIds": [GA]},
    )
    for name in (
        "gdap-global-admin-needs-consent",
        "gdap-duration-in-range",
        "protect-relationships-groups-subscriptions",
    ):
        assert messages(name, assignment, BLIND) == []


# --- rbac-partner-principal-is-foreign-group -------------------------------------------------------------


def test_foreign_group_passes():
    assert messages("rbac-partner-principal-is-foreign-group", grant()) == []


@pytest.mark.parametrize(
    ("value", "expected"), [("User", "'User'"), ("Group", "'Group'"), ("Device", "'Device'"), (UNKNOWN, "not known")]
)
def test_other_principal_types_fail(value, expected):
    [message] = messages("rbac-partner-principal-is-foreign-group", grant(principal_type=value))
    assert expected in message


def test_missing_principal_type_fails_as_the_user_default():
    [message] = messages("rbac-partner-principal-is-foreign-group", grant(principal_type=None))
    assert "azure-native sends User" in message


def test_identities_of_the_customer_tenant_are_service_principals():
    """The revocation runbook's managed identity: not a partner group, so ServicePrincipal is right."""
    identity = grant(principal_type="ServicePrincipal", role=CONTRIBUTOR)
    identity = PlanResource(
        urn=identity.urn, type=identity.type, name=identity.name, props={**identity.props, "principalId": UNKNOWN}
    )
    assert messages("rbac-partner-principal-is-foreign-group", identity) == []


def test_a_partner_group_named_in_the_config_must_be_foreign_group_whatever_it_is_called():
    context = PolicyContext(config_known=True, partner_group_ids=frozenset({ADMIN_AGENTS.lower()}))
    [message] = messages("rbac-partner-principal-is-foreign-group", grant(principal_type="ServicePrincipal"), context)
    assert "the partner's group" in message
    assert messages("rbac-partner-principal-is-foreign-group", grant(principal_type="ServicePrincipal"), STRICT) == []


# --- rbac-owner-at-subscription-scope ---------------------------------------------------------------------


def test_owner_at_subscription_scope_passes():
    assert messages("rbac-owner-at-subscription-scope", grant()) == []


@pytest.mark.parametrize(
    "scope",
    [
        "/",
        "/providers/Microsoft.Management/managementGroups/partner-root",
        f"/subscriptions/{SUB}/resourceGroups/rg1",
        f"/subscriptions/{SUB}/",
        "/subscriptions/not-a-guid",
    ],
)
def test_owner_at_another_scope_fails(scope):
    [message] = messages("rbac-owner-at-subscription-scope", grant(scope=scope))
    assert f"at {scope}:" in message


def test_narrower_roles_may_use_any_scope():
    assert (
        messages(
            "rbac-owner-at-subscription-scope", grant(scope=f"/subscriptions/{SUB}/resourceGroups/rg", role=CONTRIBUTOR)
        )
        == []
    )


def test_owner_scope_missing_properties_fail_and_unknown_scope_is_left_to_the_stack_rule():
    [no_role] = messages("rbac-owner-at-subscription-scope", grant(role=None))
    assert "no roleDefinitionId" in no_role
    [no_scope] = messages("rbac-owner-at-subscription-scope", grant(scope=None))
    assert "has no scope" in no_scope
    assert messages("rbac-owner-at-subscription-scope", grant(scope=UNKNOWN)) == []


# --- rbac-owner-on-provisioned-subscriptions ----------------------------------------------------------------


def test_owner_on_a_subscription_an_alias_provisioned_passes():
    resources = [alias(NEW_SUB.upper()), grant(scope=f"/subscriptions/{NEW_SUB}")]
    assert messages("rbac-owner-on-provisioned-subscriptions", resources, BLIND) == []


def test_owner_on_an_undeclared_subscription_fails():
    resources = [alias(NEW_SUB), grant(scope="/subscriptions/11111111-2222-4333-8444-555555555555")]
    [message] = messages("rbac-owner-on-provisioned-subscriptions", resources)
    assert "which no Alias in this stack provisioned" in message and "existingSubscriptions" in message


def test_owner_on_a_declared_existing_subscription_passes_but_only_with_the_config():
    assert messages("rbac-owner-on-provisioned-subscriptions", [grant()]) == []
    [blind] = messages("rbac-owner-on-provisioned-subscriptions", [grant()], BLIND)
    assert "not visible" in blind
    # Declared, but with another role: Owner is still not what the config asked for.
    contributor_only = PolicyContext(config_known=True, existing_subscriptions={SUB.lower(): frozenset({CONTRIBUTOR})})
    assert len(messages("rbac-owner-on-provisioned-subscriptions", [grant()], contributor_only)) == 1


def test_unknown_scope_is_proven_by_its_dependency_on_an_alias():
    """The pack's case: the engine says which resources the scope was computed from."""
    from_alias = grant(scope=UNKNOWN, deps={"scope": ("urn:alias",)})
    from_elsewhere = grant(scope=UNKNOWN, deps={"scope": ("urn:something-else",)}, name="stray")
    no_dependency = grant(scope=UNKNOWN, deps={}, name="orphan")
    found = run_rule(
        rule("rbac-owner-on-provisioned-subscriptions"),
        [alias(UNKNOWN), from_alias, from_elsewhere, no_dependency],
        ALLOWING,
    )
    assert [v.name for v in found] == ["stray", "orphan"]
    assert "scope not known yet" in found[0].message


def test_unknown_scope_without_recorded_dependencies_needs_an_alias_beside_it():
    """The offline plan's case: no property dependencies recorded, so the Alias in the same component counts."""
    beside = grant(scope=UNKNOWN, parent="urn:cspsub")
    elsewhere = grant(scope=UNKNOWN, parent="urn:other-component", name="elsewhere")
    found = run_rule(rule("rbac-owner-on-provisioned-subscriptions"), [alias(None), beside, elsewhere], ALLOWING)
    assert [v.name for v in found] == ["elsewhere"]


def test_unknown_role_on_an_existing_subscription_is_proven_only_by_a_custom_role_of_this_stack():
    """The revocation runbook's grant: a RoleDefinition of this stack, unknown id in a preview."""
    custom_role = PlanResource(urn="urn:role", type="azure-native:authorization:RoleDefinition", name="role", props={})
    custom = grant(role=UNKNOWN, deps={"roleDefinitionId": ("urn:role",)}, name="runbook-identity")
    unexplained = grant(role=UNKNOWN, deps={"roleDefinitionId": ()}, name="unexplained")
    found = run_rule(rule("rbac-owner-on-provisioned-subscriptions"), [custom_role, custom, unexplained], ALLOWING)
    assert [v.name for v in found] == ["unexplained"]
    assert "a role not yet known" in found[0].message


def test_non_owner_grants_are_not_this_rules_business():
    resources = [grant(scope="/subscriptions/11111111-2222-4333-8444-555555555555", role=CONTRIBUTOR)]
    assert messages("rbac-owner-on-provisioned-subscriptions", resources, BLIND) == []


# --- prefer-lighthouse-over-owner-on-existing-subscriptions (advisory) -----------------------------------------


def test_advisory_on_owner_of_an_existing_subscription():
    [message] = messages("prefer-lighthouse-over-owner-on-existing-subscriptions", [alias(), grant()])
    assert "prefer Azure Lighthouse" in message
    assert rule("prefer-lighthouse-over-owner-on-existing-subscriptions").level == "advisory"


def test_no_advisory_for_provisioned_subscriptions_or_narrower_roles():
    provisioned = [alias(NEW_SUB), grant(scope=f"/subscriptions/{NEW_SUB}")]
    narrower = [grant(role=CONTRIBUTOR)]
    assert messages("prefer-lighthouse-over-owner-on-existing-subscriptions", provisioned) == []
    assert messages("prefer-lighthouse-over-owner-on-existing-subscriptions", narrower) == []
    assert messages("prefer-lighthouse-over-owner-on-existing-subscriptions", [grant(scope=None)]) == []


# --- protect-relationships-groups-subscriptions -------------------------------------------------------------


def _unprotected(resource: PlanResource) -> PlanResource:
    return PlanResource(urn=resource.urn, type=resource.type, name=resource.name, props=resource.props, protect=False)


def test_protected_resources_pass():
    group = PlanResource(urn="urn:g", type=GROUP, name="tier2", props={"displayName": "Tier 2"}, protect=True)
    assert messages("protect-relationships-groups-subscriptions", [relationship(), group, alias()]) == []


def test_unprotected_relationship_group_and_alias_fail():
    group = PlanResource(urn="urn:g", type=GROUP, name="tier2", props={"displayName": "Tier 2"})  # protect not set
    found = messages(
        "protect-relationships-groups-subscriptions", [_unprotected(relationship()), group, _unprotected(alias())]
    )
    assert [m.split(" is not protected")[0] for m in found] == [
        "GDAP relationship contoso-rel",
        "partner agent group created by this stack tier2",
        "subscription alias contoso-prod-alias",
    ]


def test_other_resources_need_no_protection():
    assert messages("protect-relationships-groups-subscriptions", grant()) == []


# --- no-plaintext-secret-outputs ------------------------------------------------------------------------------


def stack(outputs: dict[str, Any]) -> PlanResource:
    return PlanResource(urn="urn:stack", type=STACK, name="csp-delegation-dev", props=outputs)


def test_ordinary_outputs_pass():
    outputs = {
        "agentGroupIds": {"adminAgents": "0b6c4e1a-2d3f-4a5b-9c6d-7e8f9a0b1c2d"},
        "customers": {
            "fabrikam": {
                "invitationLink": "https://admin.microsoft.com/Adminportal/Home?invType=ResellerRelationship"
                "&partnerId=7c1d2e3f&msppId=0&DAP=true#/BillingAccounts/partner-invitation",
                "lighthouse": False,
            }
        },
        "webhookToken": SECRET,
        "runbookSasUrl": UNKNOWN,
    }
    assert messages("no-plaintext-secret-outputs", stack(outputs)) == []


@pytest.mark.parametrize(
    ("outputs", "expected"),
    [
        (
            {"runbook": {"contentUrl": "https://acct.blob.core.windows.net/c/r.py?sv=2022-11-02&sig=abc%3D"}},
            "SAS signature",
        ),
        (
            {"storage": "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=Zm9vYmFy;"},
            "account or shared access key",
        ),
        ({"hook": "https://x.webhook.we.azure-automation.net/webhooks?token=abc"}, "webhook token"),
        ({"id": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJl"}, "JSON web token"),
        (
            {"customers": {"contoso": {"clientSecret": "s3cr3t"}}},
            "customers.contoso.clientSecret is named like a credential",
        ),
        ({"items": [{"primaryAccessKey": "k"}]}, "items[0].primaryAccessKey"),
    ],
)
def test_credentials_in_plaintext_outputs_fail(outputs, expected):
    [message] = messages("no-plaintext-secret-outputs", [stack(outputs)])
    assert expected in message


def test_outputs_rule_reads_only_the_stack_outputs():
    """A resource input that looks like a credential is not an output (its secrecy is the provider's business)."""
    other = PlanResource(urn="urn:x", type="azure-native:automation:Runbook", name="rb", props={"password": "x"})
    assert messages("no-plaintext-secret-outputs", [other, stack({})]) == []


# --- lighthouse-offer-removable-by-partner ------------------------------------------------------------


def offer(*roles: Any) -> PlanResource:
    authorizations = [{"principalId": ADMIN_AGENTS, "roleDefinitionId": r} for r in roles]
    return PlanResource(
        urn="urn:offer",
        type="azure-native:managedservices:RegistrationDefinition",
        name="contoso-sub-lighthouse-definition",
        props={"properties": {"authorizations": authorizations}},
    )


def test_an_offer_with_the_delete_role_passes():
    assert messages("lighthouse-offer-removable-by-partner", offer(CONTRIBUTOR, catalog.DELEGATION_DELETE_ROLE)) == []


def test_an_offer_without_the_delete_role_is_flagged():
    (message,) = messages("lighthouse-offer-removable-by-partner", offer(CONTRIBUTOR))
    assert "Delete Role" in message and "only the customer" in message
    assert rule("lighthouse-offer-removable-by-partner").level == "advisory"


def test_an_offer_with_unknown_authorizations_is_flagged():
    unknown = PlanResource(
        urn="urn:offer",
        type="azure-native:managedservices:RegistrationDefinition",
        name="offer",
        props={"properties": {"authorizations": UNKNOWN}},
    )
    assert messages("lighthouse-offer-removable-by-partner", unknown) != []
