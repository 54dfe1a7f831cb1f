"""ArmClient role assignments over real HTTP against the emulator: CRUD, conflicts, principal types,
filters, inheritance from management groups, assignments below the scope, paging, idempotent delete."""

from __future__ import annotations

import uuid

import pytest

from azure_http import BadRequest, Conflict, NotFound, Unauthorized
from azure_http.arm import full_role_definition_id, role_guid_of, scope_contains, subscription_id_of
from tests.arm_scenario import (
    ADMIN_AGENTS,
    ALICE,
    CONTOSO,
    CONTOSO_APP,
    CONTOSO_OPS,
    CONTRIBUTOR,
    DEV,
    FAB,
    FABRIKAM,
    HELPDESK_AGENTS,
    MG_PROD,
    MG_ROOT,
    OWNER,
    PARTNER_SP,
    PROD,
    PROD_RG,
    PROD_SITE,
    RA_AA_FAB,
    RA_AA_PROD,
    RA_ALICE_DEV,
    RA_ALICE_RG,
    RA_HA_MG,
    RA_OPS_SITE,
    READER,
    SUB_PROD,
    arm,
    collect,
    ids,
    scenario,
)

pytestmark = pytest.mark.anyio


@pytest.fixture
def world(emulator):
    emulator.control.reset(scenario())
    return emulator


def lower(*values: str) -> set[str]:
    return {v.lower() for v in values}


async def test_create_get_delete_round_trip(world) -> None:
    name = str(uuid.uuid4())
    async with arm(world) as client:
        created = await client.create_role_assignment(PROD, name, READER, CONTOSO_APP, "ServicePrincipal")
        assert created["name"] == name and created["type"] == "Microsoft.Authorization/roleAssignments"
        assert created["id"] == f"{PROD}/providers/Microsoft.Authorization/roleAssignments/{name}"
        props = created["properties"]
        assert props["roleDefinitionId"] == f"{PROD}/providers/Microsoft.Authorization/roleDefinitions/{READER}"
        assert props["principalId"] == CONTOSO_APP and props["principalType"] == "ServicePrincipal"
        assert props["scope"] == PROD and props["createdOn"] and props["updatedOn"]
        assert props["createdBy"] == "00000000-0000-4000-8000-00000000e001"  # the EmulatorTokens principal
        again = await client.create_role_assignment(PROD, name, READER, CONTOSO_APP, "ServicePrincipal")
        assert again == created  # unchanged: 200 with the same assignment
        assert await client.get_role_assignment(created["id"]) == created
        deleted = await client.delete_role_assignment(created["id"])
        assert deleted is not None and deleted["id"] == created["id"]
        assert await client.delete_role_assignment(created["id"]) is None  # 204: already gone
        with pytest.raises(NotFound) as missing:
            await client.get_role_assignment(created["id"])
    assert missing.value.code == "RoleAssignmentNotFound"
    puts = [(r["method"], r["status"]) for r in world.control.requests("/arm") if r["method"] != "GET"]
    assert puts == [("PUT", 201), ("PUT", 200), ("DELETE", 200), ("DELETE", 204)]


async def test_same_principal_role_and_scope_under_another_name_is_409(world) -> None:
    async with arm(world) as client:
        with pytest.raises(Conflict) as caught:
            await client.create_role_assignment(PROD, str(uuid.uuid4()), OWNER, ADMIN_AGENTS, "ForeignGroup")
        # Another role, or another scope, is a different assignment.
        await client.create_role_assignment(PROD, str(uuid.uuid4()), READER, ADMIN_AGENTS, "ForeignGroup")
        await client.create_role_assignment(DEV, str(uuid.uuid4()), OWNER, ADMIN_AGENTS, "ForeignGroup")
        # Reusing a name for something else is refused too.
        with pytest.raises(BadRequest) as update:
            await client.create_role_assignment(PROD, RA_AA_PROD.rsplit("/", 1)[1], READER, ALICE, "User")
    assert caught.value.status == 409 and caught.value.code == "RoleAssignmentExists"
    assert update.value.code == "RoleAssignmentUpdateNotPermitted"


async def test_partner_group_is_a_foreign_group_in_the_customer_tenant(world) -> None:
    async with arm(world) as client:
        with pytest.raises(BadRequest) as wrong:
            await client.create_role_assignment(DEV, str(uuid.uuid4()), OWNER, ADMIN_AGENTS, "Group")
        ok = await client.create_role_assignment(DEV, str(uuid.uuid4()), OWNER, ADMIN_AGENTS, "ForeignGroup")
        # The customer's own group is a Group, not a ForeignGroup.
        with pytest.raises(BadRequest) as own:
            await client.create_role_assignment(DEV, str(uuid.uuid4()), READER, CONTOSO_OPS, "ForeignGroup")
        group = await client.create_role_assignment(DEV, str(uuid.uuid4()), READER, CONTOSO_OPS, "Group")
    assert wrong.value.code == "UnmatchedPrincipalType"
    assert "different from specified PrincipalType 'Group'" in wrong.value.message
    assert own.value.code == "UnmatchedPrincipalType"
    assert ok["properties"]["principalType"] == "ForeignGroup"
    assert group["properties"]["principalType"] == "Group"


async def test_unknown_principal_and_bad_requests(world) -> None:
    async with arm(world) as client:
        with pytest.raises(BadRequest) as unknown:
            await client.create_role_assignment(PROD, str(uuid.uuid4()), READER, str(uuid.uuid4()), "User")
        with pytest.raises(BadRequest) as bad_name:
            await client.create_role_assignment(PROD, "not-a-guid", READER, ALICE, "User")
        with pytest.raises(BadRequest) as bad_role:
            await client.create_role_assignment(PROD, str(uuid.uuid4()), str(uuid.uuid4()), ALICE, "User")
        with pytest.raises(BadRequest) as bare_role:
            await client.send_json(
                "PUT",
                f"{PROD}/providers/Microsoft.Authorization/roleAssignments/{uuid.uuid4()}",
                {"properties": {"roleDefinitionId": READER, "principalId": ALICE}},
            )
        with pytest.raises(NotFound) as no_sub:
            await client.create_role_assignment(
                f"/subscriptions/{uuid.uuid4()}", str(uuid.uuid4()), READER, ALICE, "User"
            )
        with pytest.raises(BadRequest) as no_version:
            await client.get_json(
                f"{PROD}/providers/Microsoft.Authorization/roleAssignments", params={"api-version": ""}
            )
    assert unknown.value.code == "PrincipalNotFound" and "principalType" in unknown.value.message
    assert bad_name.value.code == "InvalidRoleAssignmentId"
    assert bad_role.value.code == "RoleDefinitionDoesNotExist"
    assert bare_role.value.code == "InvalidRoleDefinitionId"
    assert no_sub.value.code == "SubscriptionNotFound"
    assert no_version.value.code == "MissingApiVersionParameter"


async def test_a_token_for_another_tenant_is_refused(world) -> None:
    async with arm(world, tenant_id=FABRIKAM) as client:
        with pytest.raises(Unauthorized) as caught:
            await collect(client.list_role_assignments(PROD))
        assert ids(await collect(client.list_role_assignments(FAB))) == lower(RA_AA_FAB)
    assert caught.value.code == "InvalidAuthenticationTokenTenant"
    assert CONTOSO in caught.value.message


async def test_list_at_a_subscription_includes_inherited_and_below(world) -> None:
    async with arm(world) as client:
        everything = await collect(client.list_role_assignments(PROD))
        at_scope = await collect(client.list_role_assignments(PROD, at_scope=True))
        partner = await collect(client.list_role_assignments(PROD, principal_id=HELPDESK_AGENTS))
        admin_at = await collect(client.list_role_assignments(PROD, principal_id=ADMIN_AGENTS, at_scope=True))
    # at (AdminAgents), above (HelpdeskAgents on contoso-root, two levels up), below (resource group, resource)
    assert ids(everything) == lower(RA_AA_PROD, RA_HA_MG, RA_ALICE_RG, RA_OPS_SITE)
    assert ids(at_scope) == lower(RA_AA_PROD, RA_HA_MG)
    assert ids(partner) == lower(RA_HA_MG)
    assert ids(admin_at) == lower(RA_AA_PROD)
    inherited = next(a for a in everything if a["id"].lower() == RA_HA_MG.lower())
    assert inherited["properties"]["scope"] == MG_ROOT
    assert inherited["properties"]["roleDefinitionId"] == f"/providers/Microsoft.Authorization/roleDefinitions/{READER}"
    assert inherited["properties"]["principalType"] == "ForeignGroup"


async def test_list_at_resource_group_resource_and_management_group(world) -> None:
    async with arm(world) as client:
        rg = await collect(client.list_role_assignments(PROD_RG))
        site = await collect(client.list_role_assignments(PROD_SITE, at_scope=True))
        mg = await collect(client.list_role_assignments(MG_ROOT))
        mg_at = await collect(client.list_role_assignments(MG_ROOT, at_scope=True))
        child_mg = await collect(client.list_role_assignments(MG_PROD, at_scope=True))
    assert ids(rg) == lower(RA_AA_PROD, RA_HA_MG, RA_ALICE_RG, RA_OPS_SITE)
    assert ids(site) == lower(RA_AA_PROD, RA_HA_MG, RA_ALICE_RG, RA_OPS_SITE)  # all above or at the resource
    # Below a management group: its child group's subscription and its own subscription, all scopes.
    assert ids(mg) == lower(RA_HA_MG, RA_AA_PROD, RA_ALICE_RG, RA_OPS_SITE, RA_ALICE_DEV)
    assert ids(mg_at) == lower(RA_HA_MG)
    assert ids(child_mg) == lower(RA_HA_MG)


async def test_management_group_assignment_round_trip(world) -> None:
    async with arm(world) as client:
        created = await client.create_role_assignment(
            MG_PROD, str(uuid.uuid4()), READER, PARTNER_SP, "ServicePrincipal"
        )
        assert created["properties"]["roleDefinitionId"].startswith("/providers/Microsoft.Authorization/")
        seen_from_sub = ids(await collect(client.list_role_assignments(PROD, principal_id=PARTNER_SP)))
        assert seen_from_sub == lower(created["id"])
        assert await client.delete_role_assignment(created["id"]) is not None
    buckets = {(b["level"], b["operation"]) for b in world.control.arm_throttle()}
    assert ("tenant", "writes") in buckets and ("tenant", "deletes") in buckets  # management groups: tenant level


async def test_paging_past_the_page_size_yields_everything_once(world) -> None:
    world.control.settings(arm_page_size=7)
    principals = [str(uuid.uuid4()) for _ in range(30)]
    world.control.arm_seed(
        {
            "principals": [{"id": p, "kind": "User", "tenant": CONTOSO} for p in principals],
            "role_assignments": [
                {"scope": f"{PROD}/resourceGroups/rg{i}", "principalId": p, "role": "Reader"}
                for i, p in enumerate(principals)
            ],
        }
    )
    async with arm(world) as client:
        items = await collect(client.list_role_assignments(PROD))
        pages = [
            len(p["value"]) async for p in client.pages(f"{PROD}/providers/Microsoft.Authorization/roleAssignments")
        ]
    assert len(items) == 34 and len(ids(items)) == 34
    assert pages == [7, 7, 7, 7, 6]


async def test_deleting_while_paging_skips_nothing(world) -> None:
    """A revocation lists and deletes at once; the next page must not shift past survivors."""
    world.control.settings(arm_page_size=5)
    principals = [str(uuid.uuid4()) for _ in range(20)]
    world.control.arm_seed(
        {
            "principals": [{"id": p, "kind": "User", "tenant": CONTOSO} for p in principals],
            "role_assignments": [{"scope": DEV, "principalId": p, "role": "Reader"} for p in principals],
        }
    )
    seen = []
    async with arm(world) as client:
        async for item in client.list_role_assignments(DEV):
            seen.append(item["id"])
            if item["properties"]["scope"] == DEV:  # (the inherited one is removable only at its group)
                await client.delete_role_assignment(item["id"])
        left = await collect(client.list_role_assignments(DEV))
    assert len(seen) == 22  # 20 seeded + Alice on dev + HelpdeskAgents inherited from contoso-root
    assert ids(left) == lower(RA_HA_MG)


async def test_out_of_band_assignments_are_seen_by_the_client(world) -> None:
    made = world.control.arm_add_role_assignment(PROD, ADMIN_AGENTS, "Contributor")
    assert made["properties"]["principalType"] == "ForeignGroup"
    async with arm(world) as client:
        assert made["id"].lower() in ids(await collect(client.list_role_assignments(PROD, principal_id=ADMIN_AGENTS)))
        world.control.arm_remove_role_assignment(made["id"])
        assert made["id"].lower() not in ids(await collect(client.list_role_assignments(PROD)))
    assert {a["id"] for a in world.control.arm_role_assignments(PROD, ADMIN_AGENTS)} == {RA_AA_PROD}


def test_id_helpers() -> None:
    assert subscription_id_of(f"{PROD_RG}/providers/Microsoft.Authorization/roleAssignments/x") == SUB_PROD
    assert subscription_id_of(MG_ROOT) is None
    assert role_guid_of(f"{PROD}/providers/Microsoft.Authorization/roleDefinitions/{OWNER.upper()}") == OWNER
    assert full_role_definition_id(PROD_RG, CONTRIBUTOR).startswith(f"/subscriptions/{SUB_PROD}/providers/")
    assert (
        full_role_definition_id(MG_ROOT, CONTRIBUTOR)
        == f"/providers/Microsoft.Authorization/roleDefinitions/{CONTRIBUTOR}"
    )
    assert scope_contains(PROD, PROD_SITE) and not scope_contains(PROD_RG, PROD) and scope_contains("/", MG_ROOT)
    assert not scope_contains(f"{PROD}/resourceGroups/ap", PROD_RG)
