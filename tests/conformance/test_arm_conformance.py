"""The emulated ARM, route by route, against the vendored OpenAPI extracts (``specs/arm_*.json``).

Each test drives one resource type over real HTTP and checks every answer with ``Spec.check``: a status the
operation documents, a body of the documented definition with no member the spec does not list (or no body
where the spec gives none), paging by absolute ``nextLink``, the long-running-operation headers, ARM's error
shape, and the request-id headers ARM's RPC requires. Tests marked ``xfail(strict=True)`` name a deviation
another change owns: they turn into failures the moment it is fixed, to be unmarked then.
"""

from __future__ import annotations

import uuid
from urllib.parse import urlparse

import httpx
import pytest

from azure_http.emulator_tokens import emulator_token
from tests.arm_scenario import (
    ALICE,
    CONTOSO,
    CONTOSO_OPS,
    DEV,
    HELPDESK_AGENTS,
    LH_ASSIGNMENT,
    LH_DEFINITION,
    PARTNER,
    PROD,
    READER,
    SUB_DEV,
    SUB_PROD,
    scenario,
)
from tests.conformance.spec import ALIASES, AUTHORIZATION, MANAGED_SERVICES, SUBSCRIPTIONS, spec

RA = "providers/Microsoft.Authorization/roleAssignments"
RD = "providers/Microsoft.Authorization/roleDefinitions"
REG_DEF = "providers/Microsoft.ManagedServices/registrationDefinitions"
REG_ASG = "providers/Microsoft.ManagedServices/registrationAssignments"
AUTHZ_API = {"api-version": "2022-04-01"}
MS_API = {"api-version": "2022-10-01"}
SUBS_API = {"api-version": "2022-12-01"}
ALIAS_API = {"api-version": "2021-10-01"}


def caller(tenant: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {emulator_token(tenant, '11111111-2222-4333-8444-555555555555')}"}


@pytest.fixture
def world(emulator):
    emulator.control.reset(scenario(arm_page_size=2))
    return emulator


def follow_pages(world, operation: str, first: httpx.Response, headers: dict[str, str]) -> list[dict]:
    """Every item of a paged list, each page checked; ``nextLink`` is absolute, on the same host, followed as given."""
    items, response = [], first
    while True:
        body = spec(AUTHORIZATION if operation.startswith("Role") else SUBSCRIPTIONS).check(operation, response)
        items += body["value"]
        link = body.get("nextLink")
        if not link:
            return items
        assert urlparse(link).netloc == urlparse(world.url).netloc and urlparse(link).scheme
        response = httpx.get(link, headers=headers)


# -- Microsoft.Authorization ------------------------------------------------------------------------------------
def test_role_assignment_lifecycle_conforms(world) -> None:
    authz, headers = spec(AUTHORIZATION), caller(CONTOSO)
    name = str(uuid.uuid4())
    url = f"{world.url}/arm{PROD}/{RA}/{name}"
    body = {"properties": {"roleDefinitionId": f"{PROD}/{RD}/{READER}", "principalId": ALICE, "principalType": "User"}}
    created = authz.check("RoleAssignments_Create", httpx.put(url, params=AUTHZ_API, json=body, headers=headers))
    assert httpx.put(url, params=AUTHZ_API, json=body, headers=headers).status_code == 200  # unchanged: 200
    read = authz.check("RoleAssignments_Get", httpx.get(url, params=AUTHZ_API, headers=headers))
    assert read["id"] == created["id"] and read["properties"]["principalType"] == "User"
    deleted = authz.check("RoleAssignments_Delete", httpx.delete(url, params=AUTHZ_API, headers=headers))
    assert deleted["name"] == name
    gone = httpx.delete(url, params=AUTHZ_API, headers=headers)
    assert gone.status_code == 204 and authz.check("RoleAssignments_Delete", gone) is None


def test_role_assignment_list_pages_by_absolute_next_links(world) -> None:
    headers = caller(CONTOSO)
    first = httpx.get(f"{world.url}/arm{PROD}/{RA}", params=AUTHZ_API, headers=headers)
    items = follow_pages(world, "RoleAssignments_ListForScope", first, headers)
    assert len(items) > 2  # more than one page of two
    assert len({i["id"] for i in items}) == len(items)
    filtered = httpx.get(
        f"{world.url}/arm{PROD}/{RA}",
        params={**AUTHZ_API, "$filter": f"principalId eq '{CONTOSO_OPS}'"},
        headers=headers,
    )
    assert {
        i["properties"]["principalId"] for i in follow_pages(world, "RoleAssignments_ListForScope", filtered, headers)
    } == {CONTOSO_OPS}


def test_role_definitions_conform(world) -> None:
    authz, headers = spec(AUTHORIZATION), caller(CONTOSO)
    listed = authz.check(
        "RoleDefinitions_List", httpx.get(f"{world.url}/arm{PROD}/{RD}", params=AUTHZ_API, headers=headers)
    )
    assert READER in {d["name"] for d in listed["value"]}
    one = authz.check(
        "RoleDefinitions_Get", httpx.get(f"{world.url}/arm{PROD}/{RD}/{READER}", params=AUTHZ_API, headers=headers)
    )
    assert one["properties"]["roleName"] == "Reader"


# -- Microsoft.Resources subscriptions -----------------------------------------------------------------------------
def test_subscriptions_conform(world) -> None:
    subs, headers = spec(SUBSCRIPTIONS), caller(CONTOSO)
    first = httpx.get(f"{world.url}/arm/subscriptions", params=SUBS_API, headers=headers)
    listed = follow_pages(world, "Subscriptions_List", first, headers)
    assert {s["subscriptionId"] for s in listed} == {SUB_PROD, SUB_DEV}
    one = subs.check("Subscriptions_Get", httpx.get(f"{world.url}/arm{PROD}", params=SUBS_API, headers=headers))
    assert one["state"] == "Enabled"


# -- Microsoft.Subscription aliases ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "billing_scope",
    [
        # the spec's BillingScope: "For PartnerLed - /billingAccounts/{billingAccountName}/customers/{customerName}"
        f"/billingAccounts/acct:1_2019-05-31/customers/{CONTOSO}",
        # the MPA how-to's full id of the customer
        f"/providers/Microsoft.Billing/billingAccounts/acct:1_2019-05-31/customers/{CONTOSO}",
    ],
)
def test_alias_lifecycle_conforms_for_both_documented_billing_scopes(world, billing_scope) -> None:
    aliases, headers = spec(ALIASES), caller(PARTNER)
    world.control.settings(alias_provisioning_delay=30, arm_lro_retry_after=5)
    url = f"{world.url}/arm/providers/Microsoft.Subscription/aliases/contoso-new"
    body = {"properties": {"billingScope": billing_scope, "displayName": "Contoso New", "workload": "Production"}}
    put = httpx.put(url, params=ALIAS_API, json=body, headers=headers)
    created = aliases.check("Alias_Create", put)
    # Long-running: 201 with a non-terminal provisioningState, polled on the resource itself, with Retry-After.
    assert put.status_code == 201 and created["properties"]["provisioningState"] == "Accepted"
    assert put.headers["Retry-After"] == "5"
    assert created["properties"]["billingScope"] == billing_scope
    world.control.advance(31)
    done = aliases.check("Alias_Get", httpx.get(url, params=ALIAS_API, headers=headers))
    assert done["properties"]["provisioningState"] == "Succeeded" and done["properties"]["subscriptionId"]
    listed = aliases.check("Alias_List", httpx.get(url.rsplit("/", 1)[0], params=ALIAS_API, headers=headers))
    assert [a["name"] for a in listed["value"]] == ["contoso-new"]
    assert aliases.check("Alias_Delete", httpx.delete(url, params=ALIAS_API, headers=headers)) is None
    gone = httpx.delete(url, params=ALIAS_API, headers=headers)
    assert gone.status_code == 204 and aliases.check("Alias_Delete", gone) is None


def test_alias_with_an_undocumented_billing_scope_is_refused_in_the_spec_error_shape(world) -> None:
    url = f"{world.url}/arm/providers/Microsoft.Subscription/aliases/bad"
    body = {"properties": {"billingScope": f"/customers/{CONTOSO}", "displayName": "x", "workload": "Production"}}
    refused = httpx.put(url, params=ALIAS_API, json=body, headers=caller(PARTNER))
    assert refused.status_code == 400
    assert spec(ALIASES).check("Alias_Create", refused)["error"]["code"] == "InvalidBillingScope"


# -- Microsoft.ManagedServices (Lighthouse) ----------------------------------------------------------------------------
def test_lighthouse_reads_conform(world) -> None:
    ms, headers = spec(MANAGED_SERVICES), caller(CONTOSO)
    defs = ms.check(
        "RegistrationDefinitions_List", httpx.get(f"{world.url}/arm{DEV}/{REG_DEF}", params=MS_API, headers=headers)
    )
    assert [d["name"] for d in defs["value"]] == [LH_DEFINITION]
    ms.check(
        "RegistrationDefinitions_Get",
        httpx.get(f"{world.url}/arm{DEV}/{REG_DEF}/{LH_DEFINITION}", params=MS_API, headers=headers),
    )
    for expand in ("false", "true"):
        params = {**MS_API, "$expandRegistrationDefinition": expand}
        listed = ms.check(
            "RegistrationAssignments_List", httpx.get(f"{world.url}/arm{DEV}/{REG_ASG}", params=params, headers=headers)
        )
        assert [a["name"] for a in listed["value"]] == [LH_ASSIGNMENT]
        one = ms.check(
            "RegistrationAssignments_Get",
            httpx.get(f"{world.url}/arm{DEV}/{REG_ASG}/{LH_ASSIGNMENT}", params=params, headers=headers),
        )
        assert ("registrationDefinition" in one["properties"]) == (expand == "true")


def test_lighthouse_onboarding_writes_conform(world) -> None:
    ms, headers = spec(MANAGED_SERVICES), caller(CONTOSO)
    definition_id, assignment_id = str(uuid.uuid4()), str(uuid.uuid4())
    body = {
        "properties": {
            "registrationDefinitionName": "Second offer",
            "managedByTenantId": PARTNER,
            "authorizations": [
                {"principalId": HELPDESK_AGENTS, "principalIdDisplayName": "HelpdeskAgents", "roleDefinitionId": READER}
            ],
        }
    }
    url = f"{world.url}/arm{PROD}/{REG_DEF}/{definition_id}"
    ms.check("RegistrationDefinitions_CreateOrUpdate", httpx.put(url, params=MS_API, json=body, headers=headers))
    assignment = {"properties": {"registrationDefinitionId": f"{PROD}/{REG_DEF}/{definition_id}"}}
    put = httpx.put(f"{world.url}/arm{PROD}/{REG_ASG}/{assignment_id}", params=MS_API, json=assignment, headers=headers)
    assert ms.check("RegistrationAssignments_CreateOrUpdate", put)["properties"]["provisioningState"] == "Succeeded"


def test_lighthouse_deletes_answer_without_a_body(world) -> None:
    ms, headers = spec(MANAGED_SERVICES), caller(CONTOSO)
    ms.check(
        "RegistrationAssignments_Delete",
        httpx.delete(f"{world.url}/arm{DEV}/{REG_ASG}/{LH_ASSIGNMENT}", params=MS_API, headers=headers),
    )
    ms.check(
        "RegistrationDefinitions_Delete",
        httpx.delete(f"{world.url}/arm{DEV}/{REG_DEF}/{LH_DEFINITION}", params=MS_API, headers=headers),
    )


def test_lighthouse_lists_honour_the_managed_by_tenant_filter(world) -> None:
    other = "0e000000-0000-4000-8000-000000000009"
    params = {**MS_API, "$filter": f"managedByTenantId eq '{other}'"}
    listed = spec(MANAGED_SERVICES).check(
        "RegistrationDefinitions_List",
        httpx.get(f"{world.url}/arm{DEV}/{REG_DEF}", params=params, headers=caller(CONTOSO)),
    )
    assert listed["value"] == []


# -- what every ARM answer carries -------------------------------------------------------------------------------------
def test_every_answer_carries_arms_request_ids_and_echoes_the_correlation_id(world) -> None:
    url = f"{world.url}/arm{PROD}/{RA}"
    mine = str(uuid.uuid4())
    echoed = httpx.get(url, params=AUTHZ_API, headers={**caller(CONTOSO), "x-ms-correlation-request-id": mine})
    assert echoed.headers["x-ms-correlation-request-id"] == mine
    fresh = httpx.get(url, params=AUTHZ_API, headers=caller(CONTOSO))
    assert uuid.UUID(fresh.headers["x-ms-correlation-request-id"]) and uuid.UUID(fresh.headers["x-ms-request-id"])
    refused = httpx.get(url, params=AUTHZ_API)  # no token: 401 from the front door
    assert refused.status_code == 401 and "x-ms-correlation-request-id" in refused.headers
    assert "request-id" not in refused.headers  # Graph's header, not ARM's


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        (f"{PROD}/{RA}", {}, 400),  # no api-version
        (f"{PROD}/{RA}", {**AUTHZ_API, "$filter": "assignedTo('x')"}, 400),
        (f"{PROD}/{RA}/0a000000-0000-4000-8000-0000000000ff", AUTHZ_API, 404),
        (f"{PROD}/providers/Microsoft.Compute/virtualMachines", AUTHZ_API, 404),
    ],
)
def test_errors_have_arms_error_shape(world, path, params, status) -> None:
    refused = httpx.get(f"{world.url}/arm{path}", params=params, headers=caller(CONTOSO))
    assert refused.status_code == status
    spec(AUTHORIZATION).check_error(refused)


def test_an_unauthenticated_call_is_refused_in_arms_error_shape(world) -> None:
    refused = httpx.get(f"{world.url}/arm{PROD}/{RA}", params=AUTHZ_API)
    assert refused.status_code == 401
    assert spec(AUTHORIZATION).check_error(refused)["error"]["code"] == "AuthenticationFailed"
