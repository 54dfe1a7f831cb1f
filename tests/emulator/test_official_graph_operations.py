"""Microsoft's official Graph client (msgraph-sdk), unchanged, reads the long-running operation of a Global
Administrator removal from the emulator: the relationship's ``operations`` collection and one operation, typed."""

from __future__ import annotations

import pytest
from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph.generated.models.delegated_admin_access_details import DelegatedAdminAccessDetails
from msgraph.generated.models.delegated_admin_relationship import DelegatedAdminRelationship
from msgraph.generated.models.long_running_operation_status import LongRunningOperationStatus
from msgraph.generated.models.unified_role import UnifiedRole

from tests.emulator.test_official_graph_client import (
    GLOBAL_ADMIN,
    HELPDESK,
    active_relationship,
    etag_of,
    graph,  # noqa: F401 - the fixture
    if_match,
    world,  # noqa: F401 - the fixture
)

pytestmark = pytest.mark.anyio


async def test_the_sdk_reads_the_operation_of_a_global_administrator_removal(world, graph) -> None:  # noqa: F811
    world.control.settings(gdap_operation_delay=60)
    rel_id = await active_relationship(graph, world, roles=(HELPDESK, GLOBAL_ADMIN))
    item = graph.tenant_relationships.delegated_admin_relationships.by_delegated_admin_relationship_id(rel_id)
    current = await item.get()
    without_ga = DelegatedAdminRelationship(
        access_details=DelegatedAdminAccessDetails(unified_roles=[UnifiedRole(role_definition_id=HELPDESK)])
    )
    await item.patch(without_ga, if_match(etag_of(current)))
    [operation] = (await item.operations.get()).value
    assert operation.status == LongRunningOperationStatus.NotStarted
    world.control.advance(60)
    config = RequestConfiguration()
    config.headers.add("Prefer", "include-unknown-enum-members")
    done = await item.operations.by_delegated_admin_relationship_operation_id(operation.id).get(config)
    assert done.status == LongRunningOperationStatus.Succeeded
    assert done.operation_type is not None and done.operation_type.value == "delegatedAdminRelationshipUpdate"
    after = await item.get()
    assert [r.role_definition_id for r in after.access_details.unified_roles] == [HELPDESK]
