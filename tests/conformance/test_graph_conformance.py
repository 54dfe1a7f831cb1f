"""The emulated Graph v1.0, route by route, against Graph's schema (``specs/graph_v1.0.json``, from msgraph-sdk).

GDAP relationships and access assignments, contracts: every answer's body has only the properties the type
defines (plus ``@odata.*`` annotations), single objects carry ``@odata.context``, collections page by absolute
``@odata.nextLink``, the OData options each List page documents work (``$select``, ``$orderby``, ``$count``) and
the undocumented ones are refused, errors have Graph's ``ODataError`` shape, and every answer carries Graph's
``request-id`` / ``client-request-id``.
"""

from __future__ import annotations

import uuid
from urllib.parse import urlparse

import httpx
import pytest

from azure_http.emulator_tokens import emulator_token
from tests.arm_scenario import CONTOSO, FABRIKAM, scenario
from tests.conformance.spec import graph_collection_errors, graph_errors

RELS = "/graph/v1.0/tenantRelationships/delegatedAdminRelationships"
CONTRACTS = "/graph/v1.0/contracts"
PARTNERS = "/graph/v1.0/policies/crossTenantAccessPolicy/partners"
HELPDESK = "729827e3-9c14-49f7-bb1b-9608f156bbb8"
GLOBAL_READER = "f2ef992c-3afb-46b9-b7cf-a126ee74c451"
GLOBAL_ADMIN = "62e90394-69f5-4237-9190-012177145e10"
MISSING = "0e000000-0000-4000-8000-0000000000ff"
GROUP = "aaaaaaaa-0000-4000-8000-000000000001"


@pytest.fixture
def graph(emulator):
    emulator.control.reset(scenario(page_size=2))
    with httpx.Client(base_url=emulator.url, headers={"Authorization": "Bearer partner"}) as client:
        yield client


def new_relationship(graph, name: str, customer: str = CONTOSO, roles=(HELPDESK, GLOBAL_READER)) -> dict:
    body = {
        "displayName": name,
        "duration": "P730D",
        "customer": {"tenantId": customer, "displayName": name},
        "accessDetails": {"unifiedRoles": [{"roleDefinitionId": r} for r in roles]},
    }
    response = graph.post(RELS, json=body)
    assert response.status_code == 201
    return response.json()


def active_relationship(graph, emulator, name: str, roles=(HELPDESK, GLOBAL_READER)) -> dict:
    """A relationship the partner locked for approval and the customer approved (the emulator's control hand)."""
    rel = new_relationship(graph, name, roles=roles)
    locked = graph.post(f"{RELS}/{rel['id']}/requests", json={"action": "lockForApproval"})
    assert locked.status_code == 201 and not graph_errors("DelegatedAdminRelationshipRequest", locked.json())
    emulator.control.approve(rel["id"])
    return rel


def assert_entity(response: httpx.Response, definition: str, entity_set: str) -> dict:
    item = response.json()
    assert not graph_errors(definition, item), graph_errors(definition, item)
    assert item["@odata.context"].endswith(f"$metadata#{entity_set}/$entity")
    return item


def all_pages(graph, url: str, definition: str, params: dict | None = None) -> list[dict]:
    items, response = [], graph.get(url, params=params)
    while True:
        assert response.status_code == 200, response.text
        body = response.json()
        assert not graph_collection_errors(definition, body), graph_collection_errors(definition, body)
        assert "@odata.context" in body
        items += body["value"]
        link = body.get("@odata.nextLink")
        if not link:
            return items
        assert urlparse(link).scheme and urlparse(link).netloc  # absolute, followed as given
        response = graph.get(link)


# -- delegatedAdminRelationships -----------------------------------------------------------------------------
def test_relationship_create_get_and_list_conform(graph) -> None:
    created = graph.post(
        RELS,
        json={
            "displayName": "Contoso ops",
            "duration": "P730D",
            "customer": {"tenantId": CONTOSO, "displayName": "Contoso"},
            "accessDetails": {"unifiedRoles": [{"roleDefinitionId": HELPDESK}]},
        },
    )
    assert created.status_code == 201 and created.headers["Location"].endswith(created.json()["id"])
    rel = assert_entity(created, "DelegatedAdminRelationship", "delegatedAdminRelationships")
    assert_entity(graph.get(f"{RELS}/{rel['id']}"), "DelegatedAdminRelationship", "delegatedAdminRelationships")
    for name in ("b", "c"):
        new_relationship(graph, name)
    listed = all_pages(graph, RELS, "DelegatedAdminRelationship")  # three items, two a page
    assert len(listed) == 3


def test_relationship_list_serves_its_documented_options(graph) -> None:
    for name in ("alpha", "charlie", "bravo"):
        new_relationship(graph, name)
    page = graph.get(RELS, params={"$select": "displayName,status", "$orderby": "displayName desc", "$count": "true"})
    body = page.json()
    assert page.status_code == 200 and body["@odata.count"] == 3
    assert [r["displayName"] for r in body["value"]] == ["charlie", "bravo"]  # sorted before paging
    assert all(set(r) <= {"displayName", "status", "@odata.etag", "@odata.type"} for r in body["value"])
    rest = graph.get(body["@odata.nextLink"]).json()
    assert [r["displayName"] for r in rest["value"]] == ["alpha"] and rest["@odata.count"] == 3


def test_select_on_a_single_relationship(graph) -> None:
    rel = new_relationship(graph, "selected")
    got = graph.get(f"{RELS}/{rel['id']}", params={"$select": "status"}).json()
    assert set(got) - {"@odata.context", "@odata.etag", "@odata.type"} == {"status"}


def test_removing_global_administrator_is_a_long_running_operation(graph, emulator) -> None:
    """delegatedadminrelationship-update.md: on an active relationship, removing Global Administrator answers
    202 Accepted with a Location naming the delegatedAdminRelationshipOperation to poll."""
    rel = active_relationship(graph, emulator, "with GA", roles=(HELPDESK, GLOBAL_ADMIN))
    current = graph.get(f"{RELS}/{rel['id']}").json()
    patched = graph.patch(
        f"{RELS}/{rel['id']}",
        json={"accessDetails": {"unifiedRoles": [{"roleDefinitionId": HELPDESK}]}},
        headers={"If-Match": current["@odata.etag"]},
    )
    assert patched.status_code == 202 and float(patched.headers["Retry-After"]) > 0
    location = patched.headers["Location"]
    assert urlparse(location).scheme and f"{rel['id']}/operations/" in location
    operation = assert_entity(graph.get(location), "DelegatedAdminRelationshipOperation", "operations")
    assert operation["status"] in ("notStarted", "running", "succeeded")
    listed = all_pages(
        graph, f"{RELS}/{rel['id']}/operations", "DelegatedAdminRelationshipOperation", {"$count": "true"}
    )
    assert [o["id"] for o in listed] == [operation["id"]]


def test_options_a_list_does_not_document_are_refused(graph) -> None:
    rel = new_relationship(graph, "r")
    refused = graph.get(f"{RELS}/{rel['id']}/requests", params={"$orderby": "createdDateTime"})
    assert refused.status_code == 400 and not graph_errors("ODataError", refused.json())


# -- accessAssignments ---------------------------------------------------------------------------------------
def test_access_assignment_create_get_and_list_conform(graph, emulator) -> None:
    rel = active_relationship(graph, emulator, "with groups")
    url = f"{RELS}/{rel['id']}/accessAssignments"
    body = {
        "accessContainer": {"accessContainerId": GROUP, "accessContainerType": "securityGroup"},
        "accessDetails": {"unifiedRoles": [{"roleDefinitionId": HELPDESK}]},
    }
    created = graph.post(url, json=body)
    assert created.status_code == 201, created.text
    assignment = assert_entity(created, "DelegatedAdminAccessAssignment", "accessAssignments")
    assert_entity(graph.get(f"{url}/{assignment['id']}"), "DelegatedAdminAccessAssignment", "accessAssignments")
    listed = all_pages(graph, url, "DelegatedAdminAccessAssignment", {"$count": "true"})
    assert [a["id"] for a in listed] == [assignment["id"]]


def test_access_assignment_update_is_long_running(graph, emulator) -> None:
    rel = active_relationship(graph, emulator, "lro")
    url = f"{RELS}/{rel['id']}/accessAssignments"
    body = {
        "accessContainer": {"accessContainerId": GROUP, "accessContainerType": "securityGroup"},
        "accessDetails": {"unifiedRoles": [{"roleDefinitionId": HELPDESK}]},
    }
    assignment = graph.post(url, json=body).json()
    current = graph.get(f"{url}/{assignment['id']}").json()
    patched = graph.patch(
        f"{url}/{assignment['id']}",
        json={"accessDetails": {"unifiedRoles": [{"roleDefinitionId": GLOBAL_READER}]}},
        headers={"If-Match": current["@odata.etag"]},
    )
    assert patched.status_code == 202 and patched.headers["Location"]


# -- contracts -----------------------------------------------------------------------------------------------
def test_contracts_conform_and_filter_on_an_unquoted_guid(graph) -> None:
    contracts = all_pages(graph, CONTRACTS, "Contract")
    assert {c["customerId"] for c in contracts} == {CONTOSO, FABRIKAM}
    unquoted = graph.get(CONTRACTS, params={"$filter": f"customerId eq {CONTOSO}"}).json()["value"]
    quoted = graph.get(CONTRACTS, params={"$filter": f"customerId eq '{CONTOSO}'"}).json()["value"]
    assert [c["customerId"] for c in unquoted] == [c["customerId"] for c in quoted] == [CONTOSO]
    by_domain = graph.get(CONTRACTS, params={"$filter": "defaultDomainName eq 'fabrikam.onmicrosoft.com'"})
    assert [c["customerId"] for c in by_domain.json()["value"]] == [FABRIKAM]
    one = assert_entity(graph.get(f"{CONTRACTS}/{unquoted[0]['id']}"), "Contract", "contracts")
    assert one["customerId"] == CONTOSO


def test_contract_filters_on_undocumented_properties_are_refused(graph) -> None:
    refused = graph.get(CONTRACTS, params={"$filter": "contractType eq 'ResellerPartner'"})
    assert refused.status_code == 400 and "customerId" in refused.json()["error"]["message"]
    assert not graph_errors("ODataError", refused.json())


# -- errors and headers --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", f"{RELS}/{MISSING}-{MISSING}", 404),
        ("GET", f"{CONTRACTS}/{MISSING}", 404),
        ("GET", f"{RELS}?$filter=startswith(displayName,'a')", 400),
        ("POST", RELS, 400),
    ],
)
def test_errors_have_graphs_odata_error_shape(graph, method, path, status) -> None:
    refused = graph.request(method, path, json={} if method == "POST" else None)
    assert refused.status_code == status
    assert not graph_errors("ODataError", refused.json()), graph_errors("ODataError", refused.json())
    assert refused.json()["error"]["innerError"]["request-id"] == refused.headers["request-id"]


def test_every_answer_carries_graphs_request_ids(graph) -> None:
    mine = str(uuid.uuid4())
    answer = graph.get(RELS, headers={"client-request-id": mine})
    assert answer.headers["client-request-id"] == mine and uuid.UUID(answer.headers["request-id"])
    assert "x-ms-correlation-request-id" not in answer.headers and "x-ms-request-id" not in answer.headers  # ARM's


# -- crossTenantAccessPolicy partners (the customer's side) --------------------------------------------
def test_a_customers_partner_configurations_conform(emulator, graph) -> None:
    token = emulator_token(CONTOSO, "c0000000-0000-4000-8000-0000000000aa")
    response = graph.get(PARTNERS, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    body = response.json()
    problems = graph_collection_errors("CrossTenantAccessPolicyConfigurationPartner", body)
    assert not problems and body["value"] and body["value"][0]["isServiceProvider"] is True, problems
    assert graph.get(PARTNERS, params={"$select": "tenantId"}, headers={"Authorization": f"Bearer {token}"}).json()[
        "value"
    ] == [{"tenantId": body["value"][0]["tenantId"]}]
