"""GDAP relationships and access assignments as Pulumi dynamic resources, over Microsoft Graph.

No Pulumi provider package covers ``delegatedAdminRelationships``, so these providers call Graph
through ``azure_http``. They are pickled into the stack's state: they hold no client, credential or
token (a connection is made per call from ``CSP_DELEGATION_ENDPOINT`` and azure-identity), and the
serialized provider is a secret in state regardless.

What Graph allows depends on the relationship's status, and the diff follows it: in ``created``
everything can be patched; once active only ``autoExtendDuration``; anything else (roles, duration,
customer tenant) means a new relationship the customer must approve again, i.e. a replacement.

Two things are never a change. The customer's display name: Graph documents it as "the display name of the
customer tenant as set by Microsoft Entra ID. Read-only" (``delegatedAdminRelationshipCustomerParticipant``),
"configured either by the partner at the time the relationship is created or by the system after the customer
approves" (``delegatedAdminRelationship``), so it may differ from the Partner Center company name the config
holds; state keeps the declared name and Graph's is an output of its own (``graphCustomerDisplayName``). And a
duration's spelling: ``P0D`` is ``PT0S`` and ``P2Y`` is ``P730D`` (``azure_http.gdap.same_duration``).
Sources: microsoftgraph/microsoft-graph-docs-contrib api-reference/v1.0/resources/delegatedadminrelationship.md,
delegatedadminrelationshipcustomerparticipant.md, api/delegatedadminrelationship-update.md.
"""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, ResourceProvider, UpdateResult

from azure_http import Conflict, GraphClient, NotFound, PreconditionFailed, run_sync
from azure_http.connect import connect
from azure_http.gdap import (
    APPROVED_STATUSES,
    ASSIGNMENT_DELETED,
    ASSIGNMENT_DELETING,
    CREATED,
    ENDED_STATUSES,
    GLOBAL_ADMINISTRATOR,
    USABLE_STATUSES,
    approval_link,
    role_ids_of,
    same_duration,
    unified_roles,
)
from catalog import gdap_naming

from . import provider_io
from .legacy_types import with_legacy_dynamic_alias
from .provider_io import created_id, require_inputs

GONE_ASSIGNMENT = frozenset({ASSIGNMENT_DELETING, ASSIGNMENT_DELETED})
REL_INPUTS = (
    "partnerTenantId",
    "customerTenantId",
    "customerDisplayName",
    "displayName",
    "duration",
    "autoExtendDuration",
    "roleIds",
)
#: Inputs compared as durations (another spelling of the same length is no change).
DURATION_INPUTS = frozenset({"duration", "autoExtendDuration"})
#: Never a change: Graph's customer name is read-only and Entra's to set (see the module docstring).
NEVER_CHANGES = frozenset({"customerDisplayName"})
PATCHABLE_CREATED = frozenset({"displayName", "duration", "autoExtendDuration", "roleIds"})
PATCHABLE_ACTIVE = frozenset({"autoExtendDuration"})
ASSIGNMENT_INPUTS = ("partnerTenantId", "relationshipId", "groupId", "roleIds")


class GdapStateError(RuntimeError):
    """Graph refused what the plan needs; the message says why and what to do."""


def _graph(partner_tenant_id: str | None) -> GraphClient:
    """A Graph client for the partner tenant (None: the credential's own tenant, which is the partner's)."""
    conn = connect()
    return GraphClient(conn.tokens, conn.endpoints, tenant_id=partner_tenant_id, **provider_io.client_options)


def _role_ids(body: dict[str, Any]) -> list[str]:
    return sorted(role_ids_of(body))


def _relationship_outs(rel: dict[str, Any], partner_tenant_id: str | None) -> dict[str, Any]:
    """State as Graph reports it, inputs included, so a refresh shows drift against the config.

    The customer's display name is not among them: Graph's (Entra's) is ``graphCustomerDisplayName``, and the
    declared one stays as declared. ``partner_tenant_id`` None: read by id alone, with the credential's own
    tenant (the partner's), which is then left unsaid."""
    customer = rel.get("customer") or {}
    return {
        **({"partnerTenantId": partner_tenant_id} if partner_tenant_id else {}),
        "customerTenantId": customer.get("tenantId"),
        "graphCustomerDisplayName": customer.get("displayName"),
        "graphDisplayName": rel.get("displayName"),
        "duration": rel.get("duration"),
        "autoExtendDuration": rel.get("autoExtendDuration"),
        "roleIds": _role_ids(rel),
        "status": rel.get("status"),
        "etag": rel.get("@odata.etag"),
        "approvalLink": approval_link(rel["id"]),
        "createdDateTime": rel.get("createdDateTime"),
        "activatedDateTime": rel.get("activatedDateTime"),
        "endDateTime": rel.get("endDateTime"),
    }


def changed_inputs(olds: dict[str, Any], news: dict[str, Any]) -> list[str]:
    """The declared inputs that differ, as Graph would see them: durations by length, never the customer's
    display name, and not the partner tenant when the old state does not say it (read by id alone)."""
    changed = []
    for key in REL_INPUTS:
        old, new = olds.get(key), news.get(key)
        if key in NEVER_CHANGES or (key == "partnerTenantId" and old is None):
            continue
        if key in DURATION_INPUTS and same_duration(old, new):
            continue
        if old != new:
            changed.append(key)
    return changed


def relationship_diff(olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
    """What a change costs in the relationship's current status: nothing, a PATCH, or a new relationship."""
    status = olds.get("status")
    changed = changed_inputs(olds, news)
    if status in ENDED_STATUSES:
        # Terminated or expired (by the customer, by time or by hand): only a new relationship restores access.
        return DiffResult(changes=True, replaces=changed or ["status"], delete_before_replace=True)
    if not changed:
        return DiffResult(changes=False)
    allowed = frozenset()
    if status == CREATED:
        allowed = PATCHABLE_CREATED
    elif status in APPROVED_STATUSES:
        allowed = PATCHABLE_ACTIVE
    if drops_only_global_admin(olds, news):
        allowed = allowed | {"roleIds"}  # Graph removes it in place (a long-running PATCH): no new approval
    replaces = [k for k in changed if k not in allowed]
    # Terminate the old relationship before making its successor: two live relationships for one customer
    # with overlapping roles would leave the old one's access in place until someone notices it.
    return DiffResult(changes=True, replaces=replaces, delete_before_replace=True)


def drops_only_global_admin(olds: dict[str, Any], news: dict[str, Any]) -> bool:
    """Whether the role change is exactly Global Administrator removed from an active relationship."""
    if olds.get("status") not in USABLE_STATUSES:
        return False
    old, new = set(olds.get("roleIds") or []), set(news.get("roleIds") or [])
    return bool(new) and GLOBAL_ADMINISTRATOR in old and new == old - {GLOBAL_ADMINISTRATOR}


class GdapRelationshipProvider(ResourceProvider):
    """CRUD of one delegatedAdminRelationship; create also locks it for the customer's approval."""

    def create(self, props: dict[str, Any]) -> CreateResult:
        rel = run_sync(self._create(props))
        return CreateResult(rel["id"], {**props, **_relationship_outs(rel, props["partnerTenantId"])})

    async def _create(self, props: dict[str, Any]) -> dict[str, Any]:
        async with _graph(props["partnerTenantId"]) as graph:
            if props.get("adoptId"):
                rel = await self._adopt_named(graph, props)
            else:
                rel = await self._create_or_adopt(graph, props)
            created_id("GDAP relationship", rel, "POST tenantRelationships/delegatedAdminRelationships")
            if rel.get("status") == CREATED:
                await graph.lock_for_approval(rel["id"])
                rel = await graph.get_relationship(rel["id"])
            return rel

    async def _create_or_adopt(self, graph: GraphClient, props: dict[str, Any]) -> dict[str, Any]:
        """Create under the first free generation of the base name; adopt a live relationship holding one."""
        for generation in range(1, gdap_naming.MAX_GENERATION + 1):
            name = gdap_naming.generation_name(props["displayName"], generation)
            try:
                return await graph.create_relationship(
                    name,
                    props["roleIds"],
                    customer_tenant_id=props["customerTenantId"],
                    customer_display_name=props.get("customerDisplayName"),
                    duration=props["duration"],
                    auto_extend_duration=props["autoExtendDuration"],
                )
            except Conflict:
                quoted = name.replace("'", "''")
                holders = [r async for r in graph.list_relationships(filter=f"displayName eq '{quoted}'")]
                live = [r for r in holders if r.get("status") not in ENDED_STATUSES]
                if live:
                    return await self._adopt(graph, props, live[0])
                # Only an ended relationship holds this name (names are never reused): try the next generation.
        raise GdapStateError(
            f"{gdap_naming.MAX_GENERATION} relationships are named after {props['displayName']!r} already: "
            "set a new gdap.displayName for this customer"
        )

    async def _adopt_named(self, graph: GraphClient, props: dict[str, Any]) -> dict[str, Any]:
        """The relationship the config names for adoption (``gdap.adoptRelationshipId``): taken over, never created."""
        try:
            rel = await graph.get_relationship(props["adoptId"])
        except NotFound:
            raise GdapStateError(
                f"relationship {props['adoptId']} named by gdap.adoptRelationshipId does not exist: remove "
                "adoptRelationshipId to create a new one, or run `dapctl import` again"
            ) from None
        if rel.get("status") in ENDED_STATUSES:
            raise GdapStateError(
                f"relationship {props['adoptId']} named by gdap.adoptRelationshipId is {rel.get('status')}: an ended "
                "relationship grants nothing; remove adoptRelationshipId to create its successor"
            )
        return await self._adopt(graph, props, rel)

    async def _adopt(self, graph: GraphClient, props: dict[str, Any], rel: dict[str, Any]) -> dict[str, Any]:
        """A live relationship holds the name (a rerun after a lost state, or made by hand): take it over if it fits."""
        tenant = (rel.get("customer") or {}).get("tenantId")
        if tenant != props["customerTenantId"]:
            raise GdapStateError(
                f"GDAP display name {props['displayName']!r} is already used by relationship {rel['id']} for tenant "
                f"{tenant}: display names are unique per partner, set another gdap.displayName for this customer"
            )
        if _role_ids(rel) != sorted(props["roleIds"]):
            if rel.get("status") != CREATED:
                raise GdapStateError(
                    f"relationship {rel['id']} ({props['displayName']!r}, status {rel.get('status')}) exists with "
                    "other roles and can no longer be edited: terminate it or choose another gdap.displayName"
                )
            patch = {"accessDetails": unified_roles(props["roleIds"])}
            await graph.update_relationship(rel["id"], rel["@odata.etag"], patch)
            rel = await graph.get_relationship(rel["id"])
        pulumi.log.info(f"adopted existing GDAP relationship {rel['id']} ({props['displayName']!r})")
        return rel

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """Refresh from Graph; given only the id (a lost state, an import), read it with the credential's own
        tenant and return its inputs as Graph shows them (the declared display names then come from Graph)."""
        partner = props.get("partnerTenantId")
        rel = run_sync(self._get(partner, id_))
        if rel is None:
            return ReadResult(None, {})
        outs = _relationship_outs(rel, partner)
        if "displayName" in props:
            return ReadResult(id_, {**props, **outs})
        inputs = {
            **{k: outs.get(k) for k in REL_INPUTS if k in outs},
            "displayName": rel.get("displayName"),
            "customerDisplayName": outs["graphCustomerDisplayName"],
        }
        return ReadResult(id_, {**inputs, **outs}, inputs)

    async def _get(self, partner_tenant_id: str | None, rel_id: str) -> dict[str, Any] | None:
        async with _graph(partner_tenant_id) as graph:
            try:
                return await graph.get_relationship(rel_id)
            except NotFound:
                return None

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return relationship_diff(olds, news)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        rel = run_sync(self._update(id_, olds, news))
        return UpdateResult({**news, **_relationship_outs(rel, news["partnerTenantId"])})

    async def _update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> dict[str, Any]:
        if drops_only_global_admin(olds, news):
            return await self._drop_global_admin(id_, olds, news)
        changed = set(changed_inputs(olds, news))
        patch: dict[str, Any] = {}
        if "displayName" in changed:
            patch["displayName"] = gdap_naming.generation_name(news["displayName"], 1)
        if "duration" in changed:
            patch["duration"] = news["duration"]
        if "autoExtendDuration" in changed:
            patch["autoExtendDuration"] = news["autoExtendDuration"]
        if "roleIds" in changed:
            patch["accessDetails"] = unified_roles(news["roleIds"])
        # (Never the customer's display name: read-only in Graph.)
        async with _graph(news["partnerTenantId"]) as graph:
            if not patch:
                return await graph.get_relationship(id_)
            try:
                await graph.update_relationship(id_, olds["etag"], patch)
            except PreconditionFailed:
                raise GdapStateError(
                    f"relationship {id_} changed in Graph since Pulumi last read it (etag mismatch): run "
                    "`pulumi refresh`, review the change, then `pulumi up` again"
                ) from None
            return await graph.get_relationship(id_)

    async def _drop_global_admin(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> dict[str, Any]:
        """Graph's long-running removal, polled to the end (bounded); then auto-extend, which it now allows."""
        async with _graph(news["partnerTenantId"]) as graph:
            if (await graph.get_relationship(id_)).get("@odata.etag") != olds.get("etag"):
                raise GdapStateError(
                    f"relationship {id_} changed in Graph since Pulumi last read it (etag mismatch): run "
                    "`pulumi refresh`, review the change, then `pulumi up` again"
                )
            await graph.remove_global_administrator(id_)
            rel = await graph.get_relationship(id_)
            if not same_duration(rel.get("autoExtendDuration"), news["autoExtendDuration"]):
                await graph.update_relationship(
                    id_, rel["@odata.etag"], {"autoExtendDuration": news["autoExtendDuration"]}
                )
                rel = await graph.get_relationship(id_)
            return rel

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        run_sync(self._delete(id_, props))

    async def _delete(self, id_: str, props: dict[str, Any]) -> None:
        """DELETE while ``created``; terminate once the customer has acted; nothing left to do once ended."""
        async with _graph(props["partnerTenantId"]) as graph:
            try:
                rel = await graph.get_relationship(id_)
            except NotFound:
                return
            status = rel.get("status")
            if status in ENDED_STATUSES:
                return
            if status == CREATED:
                await graph.delete_relationship(id_, rel["@odata.etag"])
                return
            if status == "approvalPending":
                raise GdapStateError(
                    f"relationship {id_} is waiting for the customer's approval and Graph can neither delete nor "
                    "terminate it now: ask the customer to reject it (or approve, then run again to terminate); "
                    "an unanswered request expires after 90 days"
                )
            await graph.terminate_relationship(id_)


class GdapAccessAssignmentProvider(ResourceProvider):
    """CRUD of one access assignment: a partner security group mapped to some of the relationship's roles."""

    def create(self, props: dict[str, Any]) -> CreateResult:
        assignment = run_sync(self._create(props))
        return CreateResult(assignment["id"], {**props, **_assignment_outs(assignment)})

    async def _create(self, props: dict[str, Any]) -> dict[str, Any]:
        """Create (or adopt) and wait until Graph reports it ``active`` with the declared roles: a new assignment
        is ``pending`` at first (v1.0 delegatedadminrelationship-post-accessassignments)."""
        rel_id = props["relationshipId"]
        async with _graph(props["partnerTenantId"]) as graph:
            if props.get("adoptId"):
                return await self._adopt_named(graph, props)
            try:
                made = await graph.create_access_assignment(rel_id, props["groupId"], props["roleIds"])
                path = f"POST tenantRelationships/delegatedAdminRelationships/{rel_id}/accessAssignments"
                made_id = created_id("GDAP access assignment", made, path)
                return await graph.wait_for_access_assignment(rel_id, made_id, props["roleIds"])
            except Conflict:
                # The group already has an assignment (made by hand, or a lost state): adopt it, fixing its roles.
                existing = [
                    a
                    async for a in graph.list_access_assignments(rel_id)
                    if (a.get("accessContainer") or {}).get("accessContainerId") == props["groupId"]
                    and a.get("status") not in GONE_ASSIGNMENT
                ]
                if not existing:
                    raise
                current = existing[0]
                pulumi.log.info(f"adopted existing access assignment {current['id']} for group {props['groupId']}")
                if _role_ids(current) != sorted(props["roleIds"]):
                    return await graph.set_access_assignment_roles(
                        rel_id, current["id"], current["@odata.etag"], props["roleIds"]
                    )
                return await graph.wait_for_access_assignment(rel_id, current["id"], props["roleIds"])

    async def _adopt_named(self, graph: GraphClient, props: dict[str, Any]) -> dict[str, Any]:
        """The assignment the config names for adoption (``adoptAssignmentId``): taken over (its roles set to the
        declared ones if they differ), never created."""
        rel_id, wanted = props["relationshipId"], props["adoptId"]
        try:
            current = await graph.get_access_assignment(rel_id, wanted)
        except NotFound:
            current = None
        if current is None or current.get("status") in GONE_ASSIGNMENT:
            raise GdapStateError(
                f"access assignment {wanted} named by adoptAssignmentId is not in relationship {rel_id}: remove "
                "adoptAssignmentId to create it, or run `dapctl import` again"
            )
        group = ((current.get("accessContainer") or {}).get("accessContainerId") or "").lower()
        if group != str(props["groupId"]).lower():
            raise GdapStateError(
                f"access assignment {wanted} maps group {group}, not {props['groupId']}: fix the access entry's group "
                "or its adoptAssignmentId"
            )
        pulumi.log.info(f"adopted access assignment {wanted} for group {group}")
        if _role_ids(current) != sorted(props["roleIds"]):
            return await graph.set_access_assignment_roles(rel_id, wanted, current["@odata.etag"], props["roleIds"])
        return current

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        # Graph addresses an assignment under its relationship: the id alone cannot be read.
        require_inputs("GDAP access assignment", id_, props, ("relationshipId",))
        assignment = run_sync(self._get(id_, props))
        if assignment is None or assignment.get("status") in GONE_ASSIGNMENT:
            return ReadResult(None, {})
        return ReadResult(id_, {**props, **_assignment_outs(assignment)})

    async def _get(self, id_: str, props: dict[str, Any]) -> dict[str, Any] | None:
        async with _graph(props.get("partnerTenantId")) as graph:
            try:
                return await graph.get_access_assignment(props["relationshipId"], id_)
            except NotFound:
                return None

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changed = [k for k in ASSIGNMENT_INPUTS if olds.get(k) != news.get(k)]
        if not changed:
            return DiffResult(changes=False)
        replaces = [k for k in changed if k != "roleIds"]
        # One assignment per group and relationship: the old one must go before its successor is made.
        return DiffResult(changes=True, replaces=replaces, delete_before_replace=True)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        assignment = run_sync(self._update(id_, olds, news))
        return UpdateResult({**news, **_assignment_outs(assignment)})

    async def _update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> dict[str, Any]:
        async with _graph(news["partnerTenantId"]) as graph:
            try:
                # Graph's long-running update (202 + operation), waited for: state holds the roles Graph applied.
                return await graph.set_access_assignment_roles(
                    news["relationshipId"], id_, olds["etag"], news["roleIds"]
                )
            except PreconditionFailed:
                raise GdapStateError(
                    f"access assignment {id_} changed in Graph since Pulumi last read it (etag mismatch): run "
                    "`pulumi refresh`, review the change, then `pulumi up` again"
                ) from None

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        run_sync(self._delete(id_, props))

    async def _delete(self, id_: str, props: dict[str, Any]) -> None:
        async with _graph(props["partnerTenantId"]) as graph:
            try:
                current = await graph.get_access_assignment(props["relationshipId"], id_)
                if current.get("status") in GONE_ASSIGNMENT:
                    return
                await graph.delete_access_assignment(props["relationshipId"], id_, current["@odata.etag"])
            except NotFound:
                return


def _assignment_outs(assignment: dict[str, Any]) -> dict[str, Any]:
    return {"status": assignment.get("status"), "etag": assignment.get("@odata.etag"), "roleIds": _role_ids(assignment)}


class GdapRelationship(pulumi.dynamic.Resource, module="gdap", name="GdapRelationship"):
    """A GDAP relationship, created and locked for approval; the approval link is an output."""

    # Output names are the state keys (camelCase, as Graph spells them).
    status: pulumi.Output[str]
    approvalLink: pulumi.Output[str]
    endDateTime: pulumi.Output[str | None]

    def __init__(
        self,
        name: str,
        *,
        partner_tenant_id: str,
        customer_tenant_id: str,
        customer_display_name: str,
        display_name: str,
        duration: str,
        auto_extend_duration: str,
        role_ids: list[str],
        adopt_id: str | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ):
        props = {
            "partnerTenantId": partner_tenant_id,
            "adoptId": adopt_id,
            "customerTenantId": customer_tenant_id,
            "customerDisplayName": customer_display_name,
            "displayName": display_name,
            "duration": duration,
            "autoExtendDuration": auto_extend_duration,
            "roleIds": sorted(role_ids),
            "graphDisplayName": None,
            "graphCustomerDisplayName": None,
            "status": None,
            "etag": None,
            "approvalLink": None,
            "createdDateTime": None,
            "activatedDateTime": None,
            "endDateTime": None,
        }
        super().__init__(GdapRelationshipProvider(), name, props, with_legacy_dynamic_alias(opts))


class GdapAccessAssignment(pulumi.dynamic.Resource, module="gdap", name="GdapAccessAssignment"):
    """One partner group's roles in an active GDAP relationship."""

    status: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        *,
        partner_tenant_id: str,
        relationship_id: pulumi.Input[str],
        group_id: pulumi.Input[str],
        role_ids: list[str],
        adopt_id: str | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ):
        props = {
            "partnerTenantId": partner_tenant_id,
            "adoptId": adopt_id,
            "relationshipId": relationship_id,
            "groupId": group_id,
            "roleIds": sorted(role_ids),
            "status": None,
            "etag": None,
        }
        super().__init__(GdapAccessAssignmentProvider(), name, props, with_legacy_dynamic_alias(opts))
