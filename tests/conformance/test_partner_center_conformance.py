"""The emulated Partner Center customers against the Customer resource as its REST reference documents it.

``specs/partner_center_customers.json`` is transcribed from learn.microsoft.com (customer-resources,
utility-resources, headers): a customer by ID, the customer list (where ``allowDelegatedAccess`` is
"only available when getting a customer by ID, not by list") and the response headers.
"""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.arm_scenario import CONTOSO, scenario
from tests.conformance.spec import PARTNER_CENTER, spec

CUSTOMERS = "/partnercenter/v1/customers"


@pytest.fixture
def pc(emulator):
    emulator.control.reset(scenario())
    with httpx.Client(base_url=emulator.url, headers={"Authorization": "Bearer partner"}) as client:
        yield client


def test_customer_by_id_conforms(pc) -> None:
    response = pc.get(f"{CUSTOMERS}/{CONTOSO}")
    assert response.status_code == 200
    customer = response.json()
    assert not spec(PARTNER_CENTER).errors("Customer", customer), spec(PARTNER_CENTER).errors("Customer", customer)
    assert customer["id"] == CONTOSO and isinstance(customer["allowDelegatedAccess"], bool)


def test_customer_list_conforms(pc) -> None:
    response = pc.get(CUSTOMERS)
    assert response.status_code == 200
    problems = spec(PARTNER_CENTER).errors("CustomerCollection", response.json())
    assert not problems, problems


def test_answers_echo_the_partner_center_request_headers(pc) -> None:
    request_id, correlation_id = str(uuid.uuid4()), str(uuid.uuid4())
    response = pc.get(
        f"{CUSTOMERS}/{CONTOSO}", headers={"MS-RequestId": request_id, "MS-CorrelationId": correlation_id}
    )
    assert response.headers.get("MS-RequestId") == request_id
    assert response.headers.get("MS-CorrelationId") == correlation_id
    for undocumented in ("request-id", "x-ms-request-id", "client-request-id"):
        assert undocumented not in response.headers  # Graph's and ARM's, not on Partner Center's headers page


def test_refusals_before_partner_center_are_in_its_shape_with_its_headers(pc) -> None:
    """A request refused before it reaches a Partner Center route (no token, an unknown path) still answers in
    Partner Center's error shape with the MS-* echo: a client reads every answer of the service alike."""
    correlation_id = str(uuid.uuid4())
    echo = {"MS-CorrelationId": correlation_id}
    unauthenticated = httpx.get(f"{pc.base_url}{CUSTOMERS}/{CONTOSO}", headers=echo)
    unknown = pc.get("/partnercenter/v1/nosuchthing", headers=echo)
    for response, status in ((unauthenticated, 401), (unknown, 404)):
        assert response.status_code == status, response.text
        body = response.json()
        assert set(body) == {"code", "description", "source"} and body["code"] == str(status), body
        assert response.headers.get("MS-CorrelationId") == correlation_id and response.headers.get("MS-RequestId")
