"""The emulator refuses malformed input as Azure does: shaped 4xx for deep or huge bodies and unknown
api-versions, and a control API that validates faults instead of storing them and answering 500 later."""

from __future__ import annotations

import httpx
import pytest

from azure_http.emulator_tokens import emulator_token
from emulator.arm.api_versions import SUPPORTED
from emulator.core.request_body import MAX_BODY, MAX_DEPTH, nesting_depth

DEEP = b"[" * 10_000 + b"]" * 10_000
ROLE_ASSIGNMENT = (
    "/arm/subscriptions/00000000-0000-0000-0000-00000000aaaa/providers/Microsoft.Authorization/"
    "roleAssignments/11111111-2222-3333-4444-555555555555"
)


@pytest.fixture
def http(emulator):
    token = emulator_token(emulator.settings.partner_tenant_id)
    with httpx.Client(base_url=emulator.url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
        yield client


@pytest.mark.parametrize(
    ("method", "path", "code_of"),
    [
        ("PUT", ROLE_ASSIGNMENT + "?api-version=2022-04-01", lambda b: b["error"]["code"] == "InvalidRequestContent"),
        ("POST", "/graph/v1.0/tenantRelationships/delegatedAdminRelationships", lambda b: b["error"]["code"]),
        ("PATCH", "/partnercenter/v1/customers/x", lambda b: b["code"] == "400" and b["source"] == "PartnerFD"),
        ("POST", "/_emulator/faults", lambda b: b["error"]["code"] == "badRequest"),
    ],
)
def test_a_deeply_nested_body_is_a_shaped_400_on_every_service(http, method, path, code_of):
    response = http.request(method, path, content=DEEP, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert code_of(response.json())


def test_an_api_body_over_arms_limit_is_413(http):
    body = b'{"properties": {"description": "' + b"x" * (MAX_BODY + 1) + b'"}}'
    response = http.put(ROLE_ASSIGNMENT + "?api-version=2022-04-01", content=body)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "RequestEntityTooLarge"


def test_nesting_depth_skips_brackets_inside_strings():
    assert nesting_depth(b'{"a": "[[[[[[", "b": [1, {"c": "\\"]"}]}') == 3
    assert nesting_depth(b"[" * (MAX_DEPTH + 5)) == MAX_DEPTH + 1


def test_an_unknown_api_version_is_refused_as_arm_does(http):
    response = http.get("/arm/subscriptions", params={"api-version": "2099-01-01"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "InvalidApiVersionParameter"
    assert error["message"].startswith("The api-version '2099-01-01' is invalid. The supported versions are '")
    assert "2022-12-01" in error["message"]


def test_the_versions_the_project_and_pulumi_use_are_accepted(http):
    from azure_http import arm

    assert arm.SUBSCRIPTIONS_API in SUPPORTED["subscriptions"]
    assert arm.ROLE_ASSIGNMENTS_API in SUPPORTED["roleassignments"]
    assert arm.MANAGED_SERVICES_API in SUPPORTED["registrationassignments"]
    assert arm.ALIASES_API in SUPPORTED["aliases"]
    assert "2024-08-01-preview" in SUPPORTED["aliases"]  # pulumi-azure-native 3.x subscription.Alias
    assert "2022-05-01-preview" in SUPPORTED["roledefinitions"]  # pulumi-azure-native 3.x RoleDefinition
    assert http.get("/arm/subscriptions", params={"api-version": "2022-12-01"}).status_code == 200


@pytest.mark.parametrize(
    "fault",
    [
        {"status": "x"},
        {"status": 200},
        {"status": 503, "times": -1},
        {"status": 503, "retry_after": "soon"},
        {"latency": 1e9},
        {"drop": "yes"},
        {"status": 503, "path_prefix": 5},
        ["not an object"],
    ],
)
def test_the_control_api_validates_faults(emulator, http, fault):
    response = httpx.post(f"{emulator.url}/_emulator/faults", json=fault, timeout=30)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "badRequest"
    assert emulator.control.faults() == []
    assert http.get("/arm/subscriptions", params={"api-version": "2022-12-01"}).status_code == 200


@pytest.mark.parametrize("body", [{"advance": "x"}, {"set": "not a date"}, ["advance"]])
def test_the_control_clock_validates_its_input(emulator, body):
    response = httpx.post(f"{emulator.url}/_emulator/clock", json=body, timeout=30)
    assert response.status_code == 400, response.text
