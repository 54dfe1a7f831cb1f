"""A partner group's Azure role assignment in a customer tenant, as a Pulumi dynamic resource over ARM.

Why not azure-native's RoleAssignment: when the partner provisions a CSP subscription, Microsoft itself
gives AdminAgents Owner on it, under a name of its own choosing. ARM allows one assignment per
principal + role + scope, so declaring the same grant under our deterministic name fails the very
first `pulumi up` with 409 RoleAssignmentExists. This provider creates the assignment under the
deterministic name when it is absent and adopts the existing one when ARM says it exists, so the grant
is declared, kept (a refresh sees it removed, the next up restores it) and removed with the stack.

Like the GDAP providers, it holds no client or credential (tokens are fetched per call for the tenant
named in its inputs) and the serialized provider is a secret in state.
"""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, ResourceProvider, UpdateResult

from azure_http import Conflict, NotFound, run_sync
from azure_http.arm import ArmClient, role_guid_of
from azure_http.connect import connect
from azure_http.models import RoleAssignment

from . import provider_io
from .legacy_types import with_legacy_dynamic_alias
from .provider_io import created_id, require_inputs

IDENTITY_INPUTS = ("tenantId", "scope", "roleDefinitionId", "principalId", "principalType")
ROLE_ASSIGNMENTS = "providers/Microsoft.Authorization/roleAssignments"


def _same_grant(assignment: RoleAssignment, props: dict[str, Any]) -> bool:
    """The assignment grants the declared role to the declared principal (at any name)."""
    return assignment.principal_id == str(props["principalId"]).lower() and assignment.role_guid == role_guid_of(
        str(props["roleDefinitionId"])
    )


def _arm(tenant_id: str) -> ArmClient:
    conn = connect()
    return ArmClient(conn.tokens, conn.endpoints, tenant_id=tenant_id, **provider_io.client_options)


def _outs(props: dict[str, Any], assignment: dict[str, Any], adopted: bool) -> dict[str, Any]:
    actual = assignment.get("properties") or {}
    return {
        **props,
        # What ARM reports, so a refresh shows drift (a grant re-made by hand as another type, say).
        "principalType": actual.get("principalType", props.get("principalType")),
        "roleDefinitionId": actual.get("roleDefinitionId", props.get("roleDefinitionId")),
        "assignmentId": assignment["id"],
        "assignmentName": assignment.get("name"),
        "adopted": adopted,
    }


class PartnerRoleAssignmentProvider(ResourceProvider):
    def create(self, props: dict[str, Any]) -> CreateResult:
        assignment, adopted = run_sync(self._create(props))
        path = f"PUT {props['scope']}/{ROLE_ASSIGNMENTS}/{props['name']}"
        return CreateResult(created_id("Azure role assignment", assignment, path), _outs(props, assignment, adopted))

    async def _create(self, props: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        async with _arm(props["tenantId"]) as arm:
            if props.get("adopt"):
                # Named by `dapctl import` as an existing assignment: read it, never write it.
                try:
                    existing = await arm.get_role_assignment(f"{props['scope']}/{ROLE_ASSIGNMENTS}/{props['name']}")
                except NotFound:
                    existing = None
                if existing is not None and _same_grant(RoleAssignment.from_arm(existing), props):
                    pulumi.log.info(f"adopted role assignment {existing['id']} (named by adoptRoleAssignment)")
                    return existing, True
                pulumi.log.warn(
                    f"role assignment {props['name']} named by adoptRoleAssignment is gone or grants something else: "
                    "the declared grant is created"
                )
            try:
                created = await arm.create_role_assignment(
                    props["scope"],
                    props["name"],
                    props["roleDefinitionId"],
                    props["principalId"],
                    props["principalType"],
                    description=props.get("description"),
                )
                return created, False
            except Conflict as err:
                if err.code != "RoleAssignmentExists":
                    raise
                existing = await self._find(arm, props)
                if existing is None:
                    raise
                pulumi.log.info(f"adopted existing role assignment {existing['id']} (made outside this stack)")
                return existing, True

    @staticmethod
    async def _find(arm: ArmClient, props: dict[str, Any]) -> dict[str, Any] | None:
        """The principal's assignment of this role at exactly this scope (not inherited, not below)."""
        wanted_role = role_guid_of(props["roleDefinitionId"])
        async for assignment in arm.role_assignments(props["scope"], principal_id=props["principalId"]):
            if assignment.scope.lower() == props["scope"].lower() and assignment.role_guid == wanted_role:
                return assignment.raw
        return None

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """Refresh from ARM. The id is the assignment's full ARM id, but the token must come from the customer's
        tenant, which only the state knows: an id alone is a clear error. Given the tenant and the id, the
        inputs are read back from ARM."""
        require_inputs("Azure role assignment", id_, props, ("tenantId",))
        assignment = run_sync(self._get(id_, props["tenantId"]))
        if assignment is None:
            return ReadResult(None, {})
        if props.get("scope"):
            return ReadResult(id_, _outs(props, assignment, bool(props.get("adopted"))))
        actual = assignment.get("properties") or {}
        inputs = {
            "tenantId": props["tenantId"],
            "scope": actual.get("scope"),
            "roleDefinitionId": actual.get("roleDefinitionId"),
            "principalId": actual.get("principalId"),
            "principalType": actual.get("principalType"),
            "name": assignment.get("name"),
            "description": actual.get("description"),
        }
        return ReadResult(id_, _outs(inputs, assignment, False), inputs)

    async def _get(self, id_: str, tenant_id: str) -> dict[str, Any] | None:
        async with _arm(tenant_id) as arm:
            try:
                return await arm.get_role_assignment(id_)
            except NotFound:
                return None

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changed = [k for k in IDENTITY_INPUTS if str(olds.get(k, "")).lower() != str(news.get(k, "")).lower()]
        if not changed:
            return DiffResult(changes=False)
        # One assignment per principal + role + scope: the old one goes before its successor is made.
        return DiffResult(changes=True, replaces=changed, delete_before_replace=True)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult({**olds, **news})  # only the description can differ, and ARM keeps its own

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        async def remove() -> None:
            async with _arm(props["tenantId"]) as arm:
                await arm.delete_role_assignment(id_)  # None when already gone

        run_sync(remove())


class PartnerRoleAssignment(pulumi.dynamic.Resource, module="rbac", name="PartnerRoleAssignment"):
    """Role ``roleDefinitionId`` for ``principalId`` at ``scope`` in tenant ``tenantId``: created or adopted."""

    assignmentId: pulumi.Output[str]
    adopted: pulumi.Output[bool]

    def __init__(
        self,
        name: str,
        *,
        tenant_id: str,
        scope: pulumi.Input[str],
        role_definition_id: pulumi.Input[str],
        principal_id: pulumi.Input[str],
        principal_type: str,
        assignment_name: pulumi.Input[str],
        description: str,
        adopt: bool = False,
        opts: pulumi.ResourceOptions | None = None,
    ):
        props = {
            "adopt": adopt or None,
            "tenantId": tenant_id,
            "scope": scope,
            "roleDefinitionId": role_definition_id,
            "principalId": principal_id,
            "principalType": principal_type,
            "name": assignment_name,
            "description": description,
            "assignmentId": None,
            "assignmentName": None,
            "adopted": None,
        }
        super().__init__(PartnerRoleAssignmentProvider(), name, props, with_legacy_dynamic_alias(opts))
