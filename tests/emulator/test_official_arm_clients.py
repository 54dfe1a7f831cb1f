"""Microsoft's official ARM clients, unchanged, against the emulator over https.

azure-mgmt-authorization (role assignments, role definitions), azure-mgmt-managedservices
(Lighthouse) and azure-mgmt-subscription (subscriptions, aliases) talk to the emulator exactly as a
user's script would: ``base_url`` and ``connection_verify`` point at the emulator and its throwaway
CA, the credential is ``EmulatorCredential``; nothing in the clients is patched. Each test asserts on
the typed models the client returns, or on the typed exception it raises.

The world is ``tests.arm_scenario`` (Contoso with two subscriptions under management groups, Fabrikam,
the partner's AdminAgents / HelpdeskAgents grants, a Lighthouse delegation of Contoso dev).
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest
from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ResourceExistsError,
    ResourceNotFoundError,
    ServiceRequestError,
)
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.authorization.v2022_04_01.models import RoleAssignment, RoleAssignmentCreateParameters, RoleDefinition
from azure.mgmt.managedservices import ManagedServicesClient
from azure.mgmt.managedservices.models import (
    Authorization,
    RegistrationAssignment,
    RegistrationAssignmentProperties,
    RegistrationDefinition,
    RegistrationDefinitionProperties,
)
from azure.mgmt.subscription import SubscriptionClient
from azure.mgmt.subscription.models import PutAliasRequest, PutAliasRequestProperties

from azure_http.emulator_tokens import DEFAULT_EMULATOR_PRINCIPAL
from emulator.core.credential import EmulatorCredential
from tests.arm_scenario import (
    ADMIN_AGENTS,
    ALICE,
    CONTOSO,
    CONTOSO_APP,
    CONTOSO_OPS,
    CONTRIBUTOR,
    DEV,
    FABRIKAM,
    HELPDESK_AGENTS,
    LH_ASSIGNMENT,
    LH_DEFINITION,
    MG_ROOT,
    OWNER,
    PARTNER,
    PROD,
    PROD_RG,
    PROD_SITE,
    RA_AA_PROD,
    RA_ALICE_DEV,
    RA_ALICE_RG,
    RA_HA_MG,
    RA_OPS_SITE,
    READER,
    SUB_DEV,
    SUB_FAB,
    SUB_PROD,
    scenario,
)

ARM_SCOPE = "https://management.azure.com/.default"
CUSTOM_ROLE = "c5000000-0000-4000-8000-0000000000c1"
NEW_RA = "0b000000-0000-4000-8000-000000000001"
NEW_DEFINITION = "d0000000-0000-4000-8000-000000000002"
NEW_ASSIGNMENT = "d1000000-0000-4000-8000-000000000002"
BILLING_SCOPE = f"/providers/Microsoft.Billing/billingAccounts/acct-1/customers/{CONTOSO}"


@pytest.fixture
def world(emulator_tls):
    data = scenario()
    data["arm"]["role_definitions"] = [CUSTOM_ROLE]
    emulator_tls.control.reset(data)
    return emulator_tls


def sdk_options(emulator: Any, **extra: Any) -> dict[str, Any]:
    """What a user passes to point an ARM client at the emulator: its URL, its CA and ARM's token scope."""
    return {
        "base_url": f"{emulator.url}/arm",
        "connection_verify": emulator.ca_path,
        "credential_scopes": [ARM_SCOPE],
        **extra,
    }


@pytest.fixture
def clients(world) -> Iterator[Any]:
    """A factory of official clients for a tenant; every client made is closed after the test."""
    made: list[Any] = []

    def make(cls: type, tenant: str = CONTOSO, *args: Any, **extra: Any) -> Any:
        client = cls(EmulatorCredential(tenant_id=tenant), *args, **sdk_options(world, **extra))
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def auth(clients) -> AuthorizationManagementClient:
    return clients(AuthorizationManagementClient, CONTOSO, SUB_PROD)


def ids(items: list[Any]) -> list[str]:
    return [item.id.lower() for item in items]


def error_code(exc: HttpResponseError) -> str | None:
    return exc.error.code if exc.error is not None else None


# -- transport ----------------------------------------------------------------------------------
def test_the_sdk_sends_no_token_over_plain_http(emulator) -> None:
    """Why the emulator serves https: azure-core refuses a bearer token on an http URL."""
    client = AuthorizationManagementClient(
        EmulatorCredential(tenant_id=CONTOSO),
        SUB_PROD,
        base_url=f"{emulator.url}/arm",
        credential_scopes=[ARM_SCOPE],
        retry_total=0,  # azure-core would otherwise retry the refusal with backoff
    )
    with client, pytest.raises(ServiceRequestError, match="non-TLS"):
        client.role_definitions.get(PROD, READER)
    assert emulator.control.requests("/arm") == []


def test_the_emulator_ca_is_the_only_thing_the_client_is_told(world, auth) -> None:
    assert world.url.startswith("https://127.0.0.1:")
    assert auth.role_definitions.get(PROD, READER).role_name == "Reader"


# -- role assignments -----------------------------------------------------------------------------
def test_list_for_scope_follows_next_links_without_repeating_a_page(world, auth) -> None:
    world.control.settings(arm_page_size=2)
    found = list(auth.role_assignments.list_for_scope(MG_ROOT))
    assert all(isinstance(ra, RoleAssignment) for ra in found)
    # at the group, above it (nothing) and below it (both Contoso subscriptions), oldest first
    assert ids(found) == [x.lower() for x in (RA_AA_PROD, RA_HA_MG, RA_ALICE_RG, RA_OPS_SITE, RA_ALICE_DEV)]
    pages = [r for r in world.control.requests("/arm") if r["method"] == "GET"]
    assert len(pages) == 3 and "$skiptoken=" in pages[1]["query"] and "$skiptoken=" in pages[2]["query"]


def test_the_skip_token_parameter_as_the_sdk_sends_it_returns_the_next_page(world, auth) -> None:
    world.control.settings(arm_page_size=2)
    pages = auth.role_assignments.list_for_scope(MG_ROOT).by_page()
    first = list(next(pages))
    query = urllib.parse.parse_qs(urllib.parse.urlparse(pages.continuation_token).query)
    (token,) = query["$skiptoken"]
    rest = list(auth.role_assignments.list_for_scope(MG_ROOT, skip_token=token))  # sent as $skipToken
    assert any("$skipToken=" in r["query"] for r in world.control.requests("/arm"))  # the SDK's spelling
    assert ids(first) == [RA_AA_PROD.lower(), RA_HA_MG.lower()]
    assert ids(rest) == [x.lower() for x in (RA_ALICE_RG, RA_OPS_SITE, RA_ALICE_DEV)]


def test_list_for_scope_filters(auth) -> None:
    at_scope = list(auth.role_assignments.list_for_scope(PROD_RG, filter="atScope()"))
    assert ids(at_scope) == [x.lower() for x in (RA_AA_PROD, RA_HA_MG, RA_ALICE_RG)]
    alice = list(auth.role_assignments.list_for_scope(MG_ROOT, filter=f"principalId eq '{ALICE}'"))
    assert ids(alice) == [RA_ALICE_RG.lower(), RA_ALICE_DEV.lower()]
    assert {(ra.principal_type, ra.role_definition_id.rsplit("/", 1)[1]) for ra in alice} == {
        ("User", CONTRIBUTOR),
        ("User", READER),
    }
    with pytest.raises(HttpResponseError) as caught:
        list(auth.role_assignments.list_for_scope(PROD, filter="roleDefinitionId eq 'x'"))
    assert caught.value.status_code == 400 and error_code(caught.value) == "UnsupportedQueryFilter"


def test_list_for_subscription_resource_group_and_resource(auth) -> None:
    everything = list(auth.role_assignments.list_for_subscription())
    assert ids(everything) == [x.lower() for x in (RA_AA_PROD, RA_HA_MG, RA_ALICE_RG, RA_OPS_SITE)]
    in_group = list(auth.role_assignments.list_for_resource_group("app"))
    assert ids(in_group) == [x.lower() for x in (RA_AA_PROD, RA_HA_MG, RA_ALICE_RG, RA_OPS_SITE)]
    on_site = list(auth.role_assignments.list_for_resource("app", "Microsoft.Web", "sites", "web1"))
    assert RA_OPS_SITE.lower() in ids(on_site) and on_site[-1].principal_type == "Group"
    assert on_site[-1].scope == PROD_SITE


def test_create_get_conflict_and_delete_a_role_assignment(auth) -> None:
    params = RoleAssignmentCreateParameters(
        role_definition_id=f"{PROD}/providers/Microsoft.Authorization/roleDefinitions/{READER}",
        principal_id=CONTOSO_APP,
        principal_type="ServicePrincipal",
        description="app reads prod",
    )
    created = auth.role_assignments.create(PROD, NEW_RA, params)
    assert isinstance(created, RoleAssignment)
    assert (created.name, created.scope, created.principal_type) == (NEW_RA, PROD, "ServicePrincipal")
    assert created.description == "app reads prod" and created.created_by == DEFAULT_EMULATOR_PRINCIPAL
    again = auth.role_assignments.create(PROD, NEW_RA, params)  # same name, same content: 200, unchanged
    assert again.id == created.id and again.created_on == created.created_on
    assert auth.role_assignments.get(PROD, NEW_RA).principal_id == CONTOSO_APP
    assert auth.role_assignments.get_by_id(created.id).name == NEW_RA

    other_name = "0b000000-0000-4000-8000-000000000002"
    with pytest.raises(ResourceExistsError) as caught:
        auth.role_assignments.create(PROD, other_name, params)
    assert caught.value.status_code == 409 and error_code(caught.value) == "RoleAssignmentExists"

    deleted = auth.role_assignments.delete(PROD, NEW_RA)
    assert isinstance(deleted, RoleAssignment) and deleted.id == created.id
    assert auth.role_assignments.delete(PROD, NEW_RA) is None  # 204: already gone
    with pytest.raises(ResourceNotFoundError) as caught:
        auth.role_assignments.get(PROD, NEW_RA)
    assert error_code(caught.value) == "RoleAssignmentNotFound"


def test_create_by_id_and_delete_by_id(auth) -> None:
    ra_id = f"{PROD_RG}/providers/Microsoft.Authorization/roleAssignments/{NEW_RA}"
    params = RoleAssignmentCreateParameters(
        role_definition_id=f"/providers/Microsoft.Authorization/roleDefinitions/{CONTRIBUTOR}",
        principal_id=CONTOSO_OPS,
        principal_type="Group",
    )
    assert auth.role_assignments.create_by_id(ra_id, params).scope == PROD_RG
    assert auth.role_assignments.delete_by_id(ra_id).principal_id == CONTOSO_OPS
    assert auth.role_assignments.delete_by_id(ra_id) is None


def reader_for(principal_id: str, principal_type: str | None = None) -> RoleAssignmentCreateParameters:
    role = f"{PROD}/providers/Microsoft.Authorization/roleDefinitions/{READER}"
    return RoleAssignmentCreateParameters(
        role_definition_id=role, principal_id=principal_id, principal_type=principal_type
    )


def test_role_assignment_errors_come_back_typed(auth, clients) -> None:
    unknown = "0c000000-0000-4000-8000-00000000dead"
    with pytest.raises(HttpResponseError) as caught:
        auth.role_assignments.create(PROD, NEW_RA, reader_for(unknown))
    assert caught.value.status_code == 400 and error_code(caught.value) == "PrincipalNotFound"
    with pytest.raises(HttpResponseError) as caught:
        auth.role_assignments.create(
            PROD,
            NEW_RA,
            reader_for(ADMIN_AGENTS, "Group"),
        )
    assert error_code(caught.value) == "UnmatchedPrincipalType"  # the partner's group is a ForeignGroup here
    with pytest.raises(HttpResponseError) as caught:
        auth.role_assignments.create(PROD, "not-a-guid", reader_for(ALICE))
    assert error_code(caught.value) == "InvalidRoleAssignmentId"

    fabrikam = clients(AuthorizationManagementClient, FABRIKAM, SUB_PROD)
    with pytest.raises(ClientAuthenticationError) as caught:
        list(fabrikam.role_assignments.list_for_subscription())
    assert caught.value.status_code == 401 and error_code(caught.value) == "InvalidAuthenticationTokenTenant"


# -- role definitions -------------------------------------------------------------------------------
def test_role_definitions_carry_their_permissions(auth) -> None:
    owner = auth.role_definitions.get(PROD, OWNER)
    assert isinstance(owner, RoleDefinition)
    assert (owner.role_name, owner.role_type, owner.assignable_scopes) == ("Owner", "BuiltInRole", ["/"])
    assert [p.actions for p in owner.permissions] == [["*"]] and owner.permissions[0].not_actions == []
    assert owner.id == f"{PROD}/providers/Microsoft.Authorization/roleDefinitions/{OWNER}"
    contributor = auth.role_definitions.get_by_id(f"/providers/Microsoft.Authorization/roleDefinitions/{CONTRIBUTOR}")
    assert contributor.permissions[0].actions == ["*"]
    assert "Microsoft.Authorization/*/Write" in contributor.permissions[0].not_actions
    assert contributor.id == f"/providers/Microsoft.Authorization/roleDefinitions/{CONTRIBUTOR}"
    with pytest.raises(ResourceNotFoundError) as caught:
        auth.role_definitions.get(PROD, "0c000000-0000-4000-8000-00000000dead")
    assert error_code(caught.value) == "RoleDefinitionDoesNotExist"


def test_role_definitions_filter_by_name_and_type(auth) -> None:
    (reader,) = auth.role_definitions.list(PROD, filter="roleName eq 'Reader'")
    assert (reader.name, reader.permissions[0].actions) == (READER, ["*/read"])
    assert reader.description == "View all resources, but does not allow you to make any changes."
    builtin = list(auth.role_definitions.list(PROD, filter="type eq 'BuiltInRole'"))
    assert {d.role_name for d in builtin} >= {"Owner", "Contributor", "Reader", "User Access Administrator"}
    assert all(d.role_type == "BuiltInRole" and d.permissions for d in builtin)
    (custom,) = auth.role_definitions.list(PROD, filter="type eq 'CustomRole'")
    assert (custom.name, custom.role_type) == (CUSTOM_ROLE, "CustomRole")
    assert list(auth.role_definitions.list(PROD, filter="roleName eq 'No Such Role'")) == []
    (owner,) = auth.role_definitions.list(PROD, filter="atScopeAndBelow() and roleName eq 'Owner'")
    assert owner.name == OWNER
    with pytest.raises(HttpResponseError) as caught:
        list(auth.role_definitions.list(PROD, filter="roleName ne 'Reader'"))
    assert caught.value.status_code == 400 and error_code(caught.value) == "UnsupportedQueryFilter"


# -- throttling -------------------------------------------------------------------------------------
def test_the_sdk_retry_honours_retry_after_on_429(world, auth) -> None:
    # ARM rounds Retry-After up to whole seconds; a 50 ms granularity keeps the SDK's own sleep short.
    world.control.settings(arm_retry_after_granularity=0.05)
    world.control.arm_set_bucket("subscription", SUB_PROD, DEFAULT_EMULATOR_PRINCIPAL, "reads", 0)
    assert auth.role_assignments.get(PROD, RA_AA_PROD.rsplit("/", 1)[1]).principal_id == ADMIN_AGENTS
    statuses = [r["status"] for r in world.control.requests("/arm")]
    assert statuses[0] == 429 and statuses[-1] == 200


def test_the_sdk_gives_up_with_a_typed_429_when_throttling_persists(world, clients) -> None:
    # An endless 429 (an injected fault: a real empty bucket would say "come back in an hour").
    world.control.add_fault("/arm/", status=429, times=None, retry_after=0.05, code="SubscriptionRequestsThrottled")
    client = clients(AuthorizationManagementClient, CONTOSO, SUB_PROD, retry_total=2)
    with pytest.raises(HttpResponseError) as caught:
        client.role_definitions.get(PROD, READER)
    assert caught.value.status_code == 429 and error_code(caught.value) == "SubscriptionRequestsThrottled"
    assert [r["status"] for r in world.control.requests("/arm")] == [429, 429, 429]


# -- Lighthouse -------------------------------------------------------------------------------------
def test_registration_definitions_create_list_get_delete(clients) -> None:
    lighthouse = clients(ManagedServicesClient, CONTOSO)
    body = RegistrationDefinition(
        properties=RegistrationDefinitionProperties(
            registration_definition_name="Northwind operations",
            description="Tier 1",
            managed_by_tenant_id=PARTNER,
            authorizations=[
                Authorization(
                    principal_id=HELPDESK_AGENTS, principal_id_display_name="Helpdesk", role_definition_id=READER
                )
            ],
        )
    )
    created = lighthouse.registration_definitions.begin_create_or_update(NEW_DEFINITION, PROD, body).result()
    assert isinstance(created, RegistrationDefinition)
    assert created.name == NEW_DEFINITION and created.properties.provisioning_state == "Succeeded"
    assert (
        created.properties.managee_tenant_id == CONTOSO and created.properties.managed_by_tenant_name == "Northwind CSP"
    )
    assert created.properties.authorizations[0].role_definition_id == READER
    assert [d.name for d in lighthouse.registration_definitions.list(PROD)] == [NEW_DEFINITION]
    assert lighthouse.registration_definitions.get(PROD, NEW_DEFINITION).properties.description == "Tier 1"
    lighthouse.registration_definitions.delete(NEW_DEFINITION, PROD)
    with pytest.raises(ResourceNotFoundError) as caught:
        lighthouse.registration_definitions.get(PROD, NEW_DEFINITION)
    assert error_code(caught.value) == "RegistrationDefinitionNotFound"

    body.properties.authorizations[0].role_definition_id = OWNER
    with pytest.raises(HttpResponseError) as caught:
        lighthouse.registration_definitions.begin_create_or_update(NEW_DEFINITION, PROD, body).result()
    assert caught.value.status_code == 400 and error_code(caught.value) == "InvalidRegistrationDefinition"


def test_registration_assignments_create_expand_conflict_and_delete(clients) -> None:
    lighthouse = clients(ManagedServicesClient, CONTOSO)
    definition_id = f"{DEV}/providers/Microsoft.ManagedServices/registrationDefinitions/{LH_DEFINITION}"
    assert [a.name for a in lighthouse.registration_assignments.list(DEV)] == [LH_ASSIGNMENT]
    body = RegistrationAssignment(properties=RegistrationAssignmentProperties(registration_definition_id=definition_id))
    created = lighthouse.registration_assignments.begin_create_or_update(DEV, NEW_ASSIGNMENT, body).result()
    assert isinstance(created, RegistrationAssignment) and created.properties.provisioning_state == "Succeeded"
    expanded = lighthouse.registration_assignments.get(DEV, NEW_ASSIGNMENT, expand_registration_definition=True)
    definition = expanded.properties.registration_definition
    assert definition.properties.managed_by_tenant_id == PARTNER
    assert definition.properties.authorizations[0].principal_id == HELPDESK_AGENTS

    other = RegistrationAssignment(
        properties=RegistrationAssignmentProperties(
            registration_definition_id=f"{DEV}/providers/Microsoft.ManagedServices/registrationDefinitions/{NEW_DEFINITION}"
        )
    )
    with pytest.raises(ResourceNotFoundError) as caught:
        lighthouse.registration_assignments.begin_create_or_update(DEV, NEW_ASSIGNMENT, other).result()
    assert error_code(caught.value) == "RegistrationDefinitionNotFound"

    lighthouse.registration_assignments.begin_delete(DEV, NEW_ASSIGNMENT).result()
    assert [a.name for a in lighthouse.registration_assignments.list(DEV)] == [LH_ASSIGNMENT]
    with pytest.raises(ResourceNotFoundError) as caught:
        lighthouse.registration_assignments.get(DEV, NEW_ASSIGNMENT)
    assert error_code(caught.value) == "RegistrationAssignmentNotFound"


def test_a_registration_assignment_at_resource_group_scope(clients) -> None:
    lighthouse = clients(ManagedServicesClient, CONTOSO)
    group = f"{DEV}/resourceGroups/shared"
    body = RegistrationAssignment(
        properties=RegistrationAssignmentProperties(
            registration_definition_id=f"{DEV}/providers/Microsoft.ManagedServices/registrationDefinitions/{LH_DEFINITION}"
        )
    )
    created = lighthouse.registration_assignments.begin_create_or_update(group, NEW_ASSIGNMENT, body).result()
    assert created.id == f"{group}/providers/Microsoft.ManagedServices/registrationAssignments/{NEW_ASSIGNMENT}"
    assert [a.name for a in lighthouse.registration_assignments.list(group)] == [NEW_ASSIGNMENT]
    assert sorted(a.name for a in lighthouse.registration_assignments.list(DEV)) == [LH_ASSIGNMENT, NEW_ASSIGNMENT]


def test_only_the_customer_tenant_onboards_a_delegation(clients) -> None:
    partner = clients(ManagedServicesClient, PARTNER)
    # the partner sees the delegated subscription (Lighthouse) but cannot write to it
    assert [d.name for d in partner.registration_definitions.list(DEV)] == [LH_DEFINITION]
    body = RegistrationAssignment(
        properties=RegistrationAssignmentProperties(
            registration_definition_id=f"{DEV}/providers/Microsoft.ManagedServices/registrationDefinitions/{LH_DEFINITION}"
        )
    )
    with pytest.raises(HttpResponseError) as caught:
        partner.registration_assignments.begin_create_or_update(DEV, NEW_ASSIGNMENT, body).result()
    assert caught.value.status_code == 403 and error_code(caught.value) == "AuthorizationFailed"


# -- subscriptions and aliases ---------------------------------------------------------------------------
def test_subscriptions_list_page_and_get(world, clients) -> None:
    world.control.settings(arm_page_size=1)
    subs = clients(SubscriptionClient, CONTOSO)
    assert [(s.subscription_id, s.display_name, s.state) for s in subs.subscriptions.list()] == [
        (SUB_PROD, "Contoso Prod", "Enabled"),
        (SUB_DEV, "Contoso Dev", "Enabled"),
    ]
    dev = subs.subscriptions.get(SUB_DEV)
    assert dev.subscription_policies.quota_id == "CSP_2015-05-01" and dev.authorization_source == "RoleBased"
    partner = clients(SubscriptionClient, PARTNER)
    assert [s.subscription_id for s in partner.subscriptions.list()] == [SUB_DEV]  # through Lighthouse
    with pytest.raises(ResourceNotFoundError) as caught:
        subs.subscriptions.get("5b000000-0000-4000-8000-0000000000ff")
    assert error_code(caught.value) == "SubscriptionNotFound"
    with pytest.raises(ClientAuthenticationError):
        subs.subscriptions.get(SUB_FAB)


def alias_request(display_name: str = "Contoso Sandbox", billing_scope: str = BILLING_SCOPE) -> PutAliasRequest:
    return PutAliasRequest(
        properties=PutAliasRequestProperties(display_name=display_name, workload="DevTest", billing_scope=billing_scope)
    )


def test_alias_creation_is_a_long_running_operation_polled_as_retry_after_says(world, clients) -> None:
    world.control.settings(alias_provisioning_delay=0.3, arm_lro_retry_after=0.05)
    seen: list[tuple[int, str | None]] = []

    def record(response: Any) -> None:
        http = response.http_response
        if "/aliases/" in http.request.url:
            seen.append((http.status_code, http.headers.get("Retry-After")))

    subs = clients(SubscriptionClient, PARTNER)
    poller = subs.alias.begin_create("contoso-sandbox", alias_request(), raw_response_hook=record)
    assert poller.status() == "Accepted"
    done = poller.result()
    assert done.properties.provisioning_state == "Succeeded" and done.properties.subscription_id
    assert seen[0] == (201, "0.05")  # the PUT says when to look again...
    assert all(after == "0.05" for status, after in seen[1:-1])  # ...and so does every Accepted read
    assert seen[-1] == (200, None)

    assert subs.alias.get("contoso-sandbox").properties.subscription_id == done.properties.subscription_id
    assert [a.name for a in subs.alias.list().value] == ["contoso-sandbox"]
    again = subs.alias.begin_create("contoso-sandbox", alias_request()).result()  # idempotent PUT: 200
    assert again.properties.subscription_id == done.properties.subscription_id
    contoso = clients(SubscriptionClient, CONTOSO)
    assert done.properties.subscription_id in [s.subscription_id for s in contoso.subscriptions.list()]

    subs.alias.delete("contoso-sandbox")
    assert subs.alias.list().value == []
    with pytest.raises(ResourceNotFoundError):
        subs.alias.get("contoso-sandbox")


def test_alias_errors_come_back_typed(clients) -> None:
    partner = clients(SubscriptionClient, PARTNER)
    with pytest.raises(HttpResponseError) as caught:
        partner.alias.begin_create("bad", alias_request(billing_scope="/billingAccounts/x")).result()
    assert caught.value.status_code == 400 and error_code(caught.value) == "InvalidBillingScope"
    unknown = f"/providers/Microsoft.Billing/billingAccounts/acct-1/customers/{'0' * 8}-0000-4000-8000-000000000000"
    with pytest.raises(ResourceNotFoundError) as caught:
        partner.alias.begin_create("bad", alias_request(billing_scope=unknown)).result()
    assert error_code(caught.value) == "BillingScopeNotFound"
    customer = clients(SubscriptionClient, CONTOSO)
    with pytest.raises(HttpResponseError) as caught:
        customer.alias.begin_create("mine", alias_request()).result()
    assert caught.value.status_code == 403 and error_code(caught.value) == "AuthorizationFailed"
