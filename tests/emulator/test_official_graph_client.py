"""Microsoft's official Graph client (msgraph-sdk), unchanged, against the emulator over https.

The GDAP routes (relationships, requests, access assignments) and contracts, driven the way a
partner's own script would drive them: ``GraphServiceClient`` on a ``GraphRequestAdapter`` whose
base URL is the emulator's and whose httpx client trusts the emulator's throwaway CA, with
``EmulatorCredential`` for tokens. Assertions are on the typed models (and ``ODataError``) the SDK
returns. The customer's approval has no Graph API (Microsoft 365 admin center): the emulator's
control endpoint plays the customer.
"""

from __future__ import annotations

import datetime
import ssl
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from kiota_abstractions.base_request_configuration import RequestConfiguration
from kiota_authentication_azure.azure_identity_authentication_provider import AzureIdentityAuthenticationProvider
from msgraph import GraphRequestAdapter, GraphServiceClient
from msgraph.generated.models.contract import Contract
from msgraph.generated.models.cross_tenant_access_policy_configuration_partner import (
    CrossTenantAccessPolicyConfigurationPartner,
)
from msgraph.generated.models.delegated_admin_access_assignment import DelegatedAdminAccessAssignment
from msgraph.generated.models.delegated_admin_access_assignment_status import DelegatedAdminAccessAssignmentStatus
from msgraph.generated.models.delegated_admin_access_container import DelegatedAdminAccessContainer
from msgraph.generated.models.delegated_admin_access_container_type import DelegatedAdminAccessContainerType
from msgraph.generated.models.delegated_admin_access_details import DelegatedAdminAccessDetails
from msgraph.generated.models.delegated_admin_relationship import DelegatedAdminRelationship
from msgraph.generated.models.delegated_admin_relationship_customer_participant import (
    DelegatedAdminRelationshipCustomerParticipant,
)
from msgraph.generated.models.delegated_admin_relationship_request import DelegatedAdminRelationshipRequest
from msgraph.generated.models.delegated_admin_relationship_request_action import (
    DelegatedAdminRelationshipRequestAction,
)
from msgraph.generated.models.delegated_admin_relationship_status import DelegatedAdminRelationshipStatus
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.unified_role import UnifiedRole
from msgraph.generated.tenant_relationships.delegated_admin_relationships.delegated_admin_relationships_request_builder import (  # noqa: E501
    DelegatedAdminRelationshipsRequestBuilder,
)
from msgraph_core import GraphClientFactory

from emulator.core.credential import EmulatorCredential
from tests.arm_scenario import CONTOSO, FABRIKAM, PARTNER, scenario

pytestmark = pytest.mark.anyio

GRAPH_SCOPE = "https://graph.microsoft.com/.default"
HELPDESK = "729827e3-9c14-49f7-bb1b-9608f156bbb8"
GLOBAL_READER = "f2ef992c-3afb-46b9-b7cf-a126ee74c451"
GLOBAL_ADMIN = "62e90394-69f5-4237-9190-012177145e10"
USER_ADMIN = "fe930be7-5e62-47db-91af-98c3a49a38b1"
GROUP = "aa000000-0000-4000-8000-000000000001"
OTHER_GROUP = "aa000000-0000-4000-8000-000000000002"


@pytest.fixture
def world(emulator_tls):
    emulator_tls.control.reset(scenario())
    return emulator_tls


@pytest.fixture
async def graph(world) -> AsyncIterator[GraphServiceClient]:
    """The partner's Graph client: what a user builds to point msgraph-sdk at the emulator."""
    client, http = graph_client(world, PARTNER)
    try:
        yield client
    finally:
        await http.aclose()


def graph_client(emulator: Any, tenant: str) -> tuple[GraphServiceClient, httpx.AsyncClient]:
    auth = AzureIdentityAuthenticationProvider(
        EmulatorCredential(tenant_id=tenant), scopes=[GRAPH_SCOPE], allowed_hosts=["127.0.0.1"]
    )
    http = GraphClientFactory.create_with_default_middleware(
        client=httpx.AsyncClient(verify=ssl.create_default_context(cafile=emulator.ca_path))
    )
    adapter = GraphRequestAdapter(auth, client=http)
    adapter.base_url = f"{emulator.url}/graph/v1.0"
    return GraphServiceClient(request_adapter=adapter), http


def new_relationship(name: str = "Contoso-gdap", duration: Any = "P730D", roles=(HELPDESK, GLOBAL_READER)):
    return DelegatedAdminRelationship(
        display_name=name,
        duration=duration,
        customer=DelegatedAdminRelationshipCustomerParticipant(tenant_id=CONTOSO, display_name="Contoso"),
        access_details=DelegatedAdminAccessDetails(unified_roles=[UnifiedRole(role_definition_id=r) for r in roles]),
    )


def if_match(etag: str) -> RequestConfiguration:
    config = RequestConfiguration()
    config.headers.add("If-Match", etag)
    return config


def etag_of(entity: Any) -> str:
    return entity.additional_data["@odata.etag"]


def filtered(expression: str) -> RequestConfiguration:
    query = DelegatedAdminRelationshipsRequestBuilder.DelegatedAdminRelationshipsRequestBuilderGetQueryParameters(
        filter=expression
    )
    return RequestConfiguration(query_parameters=query)


async def active_relationship(
    graph: GraphServiceClient, world: Any, name: str = "Contoso-gdap", roles=(HELPDESK, GLOBAL_READER)
) -> str:
    """Create, lock for approval (the SDK), approve (the customer, via the control endpoint)."""
    rels = graph.tenant_relationships.delegated_admin_relationships
    rel = await rels.post(new_relationship(name, roles=roles))
    lock = DelegatedAdminRelationshipRequest(action=DelegatedAdminRelationshipRequestAction.LockForApproval)
    await rels.by_delegated_admin_relationship_id(rel.id).requests.post(lock)
    world.control.approve(rel.id)
    return rel.id


# -- relationships -------------------------------------------------------------------------------
async def test_create_get_and_list_relationships(graph) -> None:
    rels = graph.tenant_relationships.delegated_admin_relationships
    created = await rels.post(new_relationship())
    assert isinstance(created, DelegatedAdminRelationship)
    assert created.status == DelegatedAdminRelationshipStatus.Created
    assert created.duration == datetime.timedelta(days=730)
    assert created.customer.tenant_id == CONTOSO
    assert [r.role_definition_id for r in created.access_details.unified_roles] == [HELPDESK, GLOBAL_READER]
    assert etag_of(created).startswith('W/"')
    read = await rels.by_delegated_admin_relationship_id(created.id).get()
    assert (read.display_name, read.status) == ("Contoso-gdap", DelegatedAdminRelationshipStatus.Created)
    listed = await rels.get()
    assert [r.id for r in listed.value] == [created.id] and listed.odata_next_link is None


async def test_the_sdk_serialises_a_timedelta_duration_in_a_form_graph_refuses(graph) -> None:
    """msgraph-sdk writes ``str(timedelta)`` ("730 days, 0:00:00"), which Graph answers with 400 (SDK
    issue microsoftgraph/msgraph-sdk-python#1262); an ISO 8601 string works. The emulator is as strict."""
    rels = graph.tenant_relationships.delegated_admin_relationships
    with pytest.raises(ODataError) as caught:
        await rels.post(new_relationship(duration=datetime.timedelta(days=730)))
    assert caught.value.response_status_code == 400
    assert "ISO 8601" in caught.value.error.message


async def test_paging_follows_odata_next_links(world, graph) -> None:
    world.control.settings(page_size=2)
    rels = graph.tenant_relationships.delegated_admin_relationships
    made = [(await rels.post(new_relationship(f"Contoso-{i}"))).id for i in range(5)]
    page = await rels.get()
    seen = [r.id for r in page.value]
    while page.odata_next_link:
        page = await rels.with_url(page.odata_next_link).get()
        seen += [r.id for r in page.value]
    assert seen == made


async def test_filter_by_status_and_customer(world, graph) -> None:
    rels = graph.tenant_relationships.delegated_admin_relationships
    active = await active_relationship(graph, world, "Contoso-active")
    await rels.post(new_relationship("Contoso-draft"))
    found = await rels.get(filtered("status eq 'active'"))
    assert [r.id for r in found.value] == [active]
    assert found.value[0].status == DelegatedAdminRelationshipStatus.Active
    by_customer = await rels.get(filtered(f"customer/tenantId eq '{CONTOSO}'"))
    assert len(by_customer.value) == 2
    with pytest.raises(ODataError) as caught:
        await rels.get(filtered("startswith(displayName, 'C')"))
    assert caught.value.response_status_code == 400


async def test_patch_and_delete_need_the_current_etag(graph) -> None:
    rels = graph.tenant_relationships.delegated_admin_relationships
    created = await rels.post(new_relationship())
    item = rels.by_delegated_admin_relationship_id(created.id)
    change = DelegatedAdminRelationship(display_name="Contoso-renamed")
    with pytest.raises(ODataError) as caught:
        await item.patch(change)
    assert (caught.value.response_status_code, caught.value.error.code) == (428, "preconditionRequired")
    patched = await item.patch(change, if_match(etag_of(created)))
    assert patched.display_name == "Contoso-renamed" and etag_of(patched) != etag_of(created)
    with pytest.raises(ODataError) as caught:
        await item.delete(if_match(etag_of(created)))  # stale
    assert (caught.value.response_status_code, caught.value.error.code) == (412, "preconditionFailed")
    await item.delete(if_match(etag_of(patched)))
    with pytest.raises(ODataError) as caught:
        await item.get()
    assert (caught.value.response_status_code, caught.value.error.code) == (404, "itemNotFound")


async def test_an_active_relationship_drops_global_administrator_as_a_long_running_patch(world, graph) -> None:
    rels = graph.tenant_relationships.delegated_admin_relationships
    rel_id = await active_relationship(graph, world, roles=(HELPDESK, GLOBAL_ADMIN))
    item = rels.by_delegated_admin_relationship_id(rel_id)
    current = await item.get()
    with pytest.raises(ODataError) as caught:  # nothing but Global Administrator's removal, once active
        await item.patch(DelegatedAdminRelationship(display_name="renamed"), if_match(etag_of(current)))
    assert caught.value.response_status_code == 400
    without_ga = DelegatedAdminRelationship(
        access_details=DelegatedAdminAccessDetails(unified_roles=[UnifiedRole(role_definition_id=HELPDESK)])
    )
    assert await item.patch(without_ga, if_match(etag_of(current))) is None  # 202 Accepted, no body
    after = await item.get()
    assert [r.role_definition_id for r in after.access_details.unified_roles] == [HELPDESK]
    extended = await item.patch(DelegatedAdminRelationship(auto_extend_duration="P180D"), if_match(etag_of(after)))
    assert extended.auto_extend_duration == datetime.timedelta(days=180)


async def test_a_display_name_is_never_reused(graph) -> None:
    rels = graph.tenant_relationships.delegated_admin_relationships
    await rels.post(new_relationship())
    with pytest.raises(ODataError) as caught:
        await rels.post(new_relationship())
    assert caught.value.response_status_code in (400, 409)


# -- requests ---------------------------------------------------------------------------------------
async def test_requests_lock_approve_and_terminate(world, graph) -> None:
    rels = graph.tenant_relationships.delegated_admin_relationships
    rel_id = await active_relationship(graph, world)
    item = rels.by_delegated_admin_relationship_id(rel_id)
    assert (await item.get()).status == DelegatedAdminRelationshipStatus.Active
    terminate = DelegatedAdminRelationshipRequest(action=DelegatedAdminRelationshipRequestAction.Terminate)
    posted = await item.requests.post(terminate)
    assert isinstance(posted, DelegatedAdminRelationshipRequest)
    assert posted.action == DelegatedAdminRelationshipRequestAction.Terminate
    listed = await item.requests.get()
    actions = [r.action for r in listed.value]
    assert actions == [
        DelegatedAdminRelationshipRequestAction.LockForApproval,
        DelegatedAdminRelationshipRequestAction.Approve,  # the customer's, in the admin center
        terminate.action,
    ]
    one = await item.requests.by_delegated_admin_relationship_request_id(posted.id).get()
    assert one.id == posted.id
    assert (await item.get()).status in (
        DelegatedAdminRelationshipStatus.Terminated,
        DelegatedAdminRelationshipStatus.Terminating,
        DelegatedAdminRelationshipStatus.TerminationRequested,
    )


async def test_a_relationship_cannot_be_approved_before_it_is_locked(graph) -> None:
    rels = graph.tenant_relationships.delegated_admin_relationships
    created = await rels.post(new_relationship())
    terminate = DelegatedAdminRelationshipRequest(action=DelegatedAdminRelationshipRequestAction.Terminate)
    with pytest.raises(ODataError) as caught:
        await rels.by_delegated_admin_relationship_id(created.id).requests.post(terminate)
    assert caught.value.response_status_code == 400


# -- access assignments --------------------------------------------------------------------------------
def assignment(group: str = GROUP, roles=(HELPDESK,)) -> DelegatedAdminAccessAssignment:
    return DelegatedAdminAccessAssignment(
        access_container=DelegatedAdminAccessContainer(
            access_container_id=group, access_container_type=DelegatedAdminAccessContainerType.SecurityGroup
        ),
        access_details=DelegatedAdminAccessDetails(unified_roles=[UnifiedRole(role_definition_id=r) for r in roles]),
    )


async def test_access_assignments_create_list_patch_conflict_delete(world, graph) -> None:
    rel_id = await active_relationship(graph, world)
    assignments = graph.tenant_relationships.delegated_admin_relationships.by_delegated_admin_relationship_id(
        rel_id
    ).access_assignments
    created = await assignments.post(assignment())
    assert isinstance(created, DelegatedAdminAccessAssignment)
    assert created.access_container.access_container_id == GROUP
    assert created.access_container.access_container_type == DelegatedAdminAccessContainerType.SecurityGroup
    assert created.status == DelegatedAdminAccessAssignmentStatus.Pending
    listed = await assignments.get()
    assert [a.id for a in listed.value] == [created.id]

    with pytest.raises(ODataError) as caught:
        await assignments.post(assignment())  # a second one for the same group
    assert caught.value.response_status_code == 409
    with pytest.raises(ODataError) as caught:
        await assignments.post(assignment(OTHER_GROUP, roles=(USER_ADMIN,)))  # not in the relationship
    assert caught.value.response_status_code == 400

    item = assignments.by_delegated_admin_access_assignment_id(created.id)
    current = await item.get()
    assert current.status == DelegatedAdminAccessAssignmentStatus.Active
    change = DelegatedAdminAccessAssignment(
        access_details=DelegatedAdminAccessDetails(
            unified_roles=[UnifiedRole(role_definition_id=HELPDESK), UnifiedRole(role_definition_id=GLOBAL_READER)]
        )
    )
    accepted = await item.patch(change, if_match(etag_of(current)))
    assert accepted.access_details is None  # 202 with {}, as Graph documents it: the operation applies the change
    patched = await item.get()
    assert {r.role_definition_id for r in patched.access_details.unified_roles} == {HELPDESK, GLOBAL_READER}
    await item.delete(if_match(etag_of(patched)))
    assert (await item.get()).status in (
        DelegatedAdminAccessAssignmentStatus.Deleting,
        DelegatedAdminAccessAssignmentStatus.Deleted,
    )


async def test_access_assignments_need_an_active_relationship(graph) -> None:
    rels = graph.tenant_relationships.delegated_admin_relationships
    created = await rels.post(new_relationship())
    with pytest.raises(ODataError) as caught:
        await rels.by_delegated_admin_relationship_id(created.id).access_assignments.post(assignment())
    assert caught.value.response_status_code == 400


# -- contracts --------------------------------------------------------------------------------------
async def test_contracts_list_and_get(world, graph) -> None:
    listed = await graph.contracts.get()
    assert all(isinstance(c, Contract) for c in listed.value)
    by_customer = {str(c.customer_id): c for c in listed.value}  # the SDK types it as a UUID
    assert set(by_customer) == {CONTOSO, FABRIKAM}
    contoso = by_customer[CONTOSO]
    assert (contoso.contract_type, contoso.default_domain_name) == ("ResellerPartner", "contoso.onmicrosoft.com")
    one = await graph.contracts.by_contract_id(contoso.id).get()
    assert one.display_name == "Contoso"
    customer_graph, http = graph_client(world, CONTOSO)
    try:
        assert (await customer_graph.contracts.get()).value == []  # contracts live in the partner tenant only
        with pytest.raises(ODataError) as caught:
            await customer_graph.contracts.by_contract_id(contoso.id).get()
        assert caught.value.response_status_code == 404
    finally:
        await http.aclose()


# -- the customer's cross-tenant access policy -----------------------------------------------------------
async def test_a_customer_reads_its_service_providers_with_the_sdk(world) -> None:
    """``policies/crossTenantAccessPolicy/partners`` as the customer reads it: the partner, a service provider,
    while DAP (or a GDAP relationship) links them; nothing for a tenant with no partner; the partner has none."""
    for tenant, expected in ((CONTOSO, [PARTNER]), (PARTNER, [])):
        client, http = graph_client(world, tenant)
        try:
            listed = await client.policies.cross_tenant_access_policy.partners.get()
        finally:
            await http.aclose()
        assert all(isinstance(p, CrossTenantAccessPolicyConfigurationPartner) for p in listed.value)
        assert [p.tenant_id for p in listed.value] == expected
        assert all(p.is_service_provider for p in listed.value)
    world.control.pc_set_dap(CONTOSO, admin_agents=False, helpdesk_agents=False)  # DAP removed, no GDAP
    client, http = graph_client(world, CONTOSO)
    try:
        assert (await client.policies.cross_tenant_access_policy.partners.get()).value == []
    finally:
        await http.aclose()


# -- throttling -------------------------------------------------------------------------------------
async def test_the_sdk_retry_honours_retry_after_on_429(world, graph) -> None:
    # kiota reads whole seconds only: 1 s is the smallest Retry-After it honours (0 means "back off").
    world.control.add_fault("/graph/", status=429, times=1, retry_after=1)
    listed = await graph.tenant_relationships.delegated_admin_relationships.get()
    assert listed.value == []
    assert [r["status"] for r in world.control.requests("/graph")] == [429, 200]
