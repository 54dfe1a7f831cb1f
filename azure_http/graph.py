"""Microsoft Graph client, GDAP part (``tenantRelationships/delegatedAdminRelationships``).

Every method maps to one documented Graph call (see reference/azure-facts.md) and returns the
service's JSON as is (including ``@odata.etag``), so callers can pass etags back for
``If-Match`` and see exactly what Graph said. The ``wait_*`` methods, ``remove_global_administrator`` and
``set_access_assignment_roles`` add behaviour: bounded polling over eventual consistency and Graph's
long-running operations.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from azure_http import gdap
from azure_http.answers import UnexpectedAnswer
from azure_http.base import ServiceClient
from azure_http.errors import UnexpectedStatus
from azure_http.models import AccessAssignment, Relationship
from azure_http.polling import poll_until
from azure_http.retry import parse_retry_after

Json = dict[str, Any]

#: delegatedAdminRelationshipOperation statuses (Graph's longRunningOperationStatus).
OPERATION_SUCCEEDED, OPERATION_FAILED = "succeeded", "failed"
#: An access assignment in these statuses will not become active.
_ASSIGNMENT_FAILED = frozenset({gdap.ASSIGNMENT_ERROR, gdap.ASSIGNMENT_DELETING, gdap.ASSIGNMENT_DELETED})
#: Graph shows the operation type ``delegatedAdminRelationshipUpdate`` only to callers that ask for it.
_PREFER_UNKNOWN_ENUMS = {"Prefer": "include-unknown-enum-members"}


@dataclass(frozen=True)
class GlobalAdministratorRemoval:
    relationship: Json
    """The relationship as read back after the change."""
    operation: Json | None
    """The finished operation (None: nothing to remove, or Graph changed it at once)."""
    changed: bool


def _operation_id(location: str | None, rel_id: str) -> str | None:
    """The operation id from a 202's Location, only when it names this relationship's operations."""
    if not location:
        return None
    path = urlsplit(location).path.rstrip("/")
    head, _, operation_id = path.rpartition("/")
    if not operation_id or not head.endswith(f"{gdap.RELATIONSHIPS_PATH}/{rel_id}/operations"):
        return None
    return unquote(operation_id)


def _seg(value: str) -> str:
    """One URL path segment (ids are GUID-like, but never trust that)."""
    if not value:
        raise ValueError("empty id")
    return quote(value, safe="-_.")


class GraphClient(ServiceClient):
    """Graph v1.0 client for the partner tenant's GDAP relationships and access assignments."""

    service = "graph"

    # -- contracts (partner tenant) ---------------------------------------------------------
    def list_contracts(self, *, filter: str | None = None) -> AsyncIterator[Json]:
        """The partner tenant's contracts, one per CSP customer: ``contractType`` (ResellerPartner,
        SyndicationPartner, BreadthPartner), ``customerId`` (the customer's tenant id),
        ``defaultDomainName``, ``displayName``. Empty in any other tenant."""
        return self.paginate("contracts", params={"$filter": filter} if filter else None)

    def list_cross_tenant_partners(self) -> AsyncIterator[Json]:
        """This tenant's cross-tenant access policy partner configurations (``isServiceProvider`` marks a CSP
        partner): what a customer can read about its partners itself. Needs ``Policy.Read.All``."""
        return self.paginate("policies/crossTenantAccessPolicy/partners")

    # -- relationships --------------------------------------------------------------------
    @staticmethod
    def _rel(rel_id: str | None = None) -> str:
        return gdap.RELATIONSHIPS_PATH + (f"/{_seg(rel_id)}" if rel_id is not None else "")

    async def create_relationship(
        self,
        display_name: str,
        role_ids: Iterable[str],
        *,
        customer_tenant_id: str | None = None,
        customer_display_name: str | None = None,
        duration: str = "P730D",
        auto_extend_duration: str = gdap.NEVER_AUTO_EXTEND,
    ) -> Json:
        """POST a new relationship (status ``created``); returns it with ``id`` and ``@odata.etag``."""
        body: Json = {
            "displayName": display_name,
            "duration": duration,
            "accessDetails": gdap.unified_roles(list(role_ids)),
            "autoExtendDuration": auto_extend_duration,
        }
        if customer_tenant_id or customer_display_name:
            customer: Json = {}
            if customer_tenant_id:
                customer["tenantId"] = customer_tenant_id
            if customer_display_name:
                customer["displayName"] = customer_display_name
            body["customer"] = customer
        return await self.send_json("POST", self._rel(), body)  # type: ignore[return-value]

    async def get_relationship(self, rel_id: str) -> Json:
        """GET one relationship (raises ``NotFound``)."""
        return await self.get_json(self._rel(rel_id))

    def list_relationships(self, *, filter: str | None = None, top: int | None = None) -> AsyncIterator[Json]:
        """Every relationship of the partner, following ``@odata.nextLink`` (``$filter``/``$top`` optional)."""
        params: dict[str, Any] = {}
        if filter:
            params["$filter"] = filter
        if top:
            params["$top"] = str(top)
        return self.paginate(self._rel(), params=params or None)

    async def relationships(self, *, filter: str | None = None) -> AsyncIterator[Relationship]:
        """Every relationship of the partner (optionally ``$filter``ed), typed."""
        async for body in self.list_relationships(filter=filter):
            yield Relationship.from_graph(body)

    async def relationship(self, rel_id: str) -> Relationship:
        """One relationship, typed (raises ``NotFound``)."""
        return Relationship.from_graph(await self.get_relationship(rel_id))

    async def update_relationship(self, rel_id: str, etag: str, patch: Json) -> Json | None:
        """PATCH with ``If-Match``; returns the updated relationship (None when Graph answers 202/204)."""
        return await self.send_json("PATCH", self._rel(rel_id), patch, if_match=etag)

    async def delete_relationship(self, rel_id: str, etag: str) -> None:
        """DELETE with ``If-Match``; Graph allows it only in ``created`` (later: terminate)."""
        await self.request("DELETE", self._rel(rel_id), if_match=etag)

    # -- requests (lockForApproval, approve, terminate, reject) ---------------------------
    async def request_action(self, rel_id: str, action: str) -> Json:
        """POST ``{"action": action}`` to the relationship's requests; returns the request object.

        Only the partner's actions (lockForApproval, terminate): approving or rejecting is the customer's."""
        if action not in gdap.ACTIONS:
            raise ValueError(
                f"GDAP action {action!r} is not one a partner can request; expected one of {sorted(gdap.ACTIONS)} "
                "(approve and reject are the customer's, in the Microsoft 365 admin center)"
            )
        return await self.send_json("POST", f"{self._rel(rel_id)}/requests", {"action": action})  # type: ignore[return-value]

    async def lock_for_approval(self, rel_id: str) -> Json:
        return await self.request_action(rel_id, gdap.LOCK_FOR_APPROVAL)

    async def terminate_relationship(self, rel_id: str) -> Json:
        return await self.request_action(rel_id, gdap.TERMINATE)

    def list_requests(self, rel_id: str) -> AsyncIterator[Json]:
        return self.paginate(f"{self._rel(rel_id)}/requests")

    async def get_request(self, rel_id: str, request_id: str) -> Json:
        return await self.get_json(f"{self._rel(rel_id)}/requests/{_seg(request_id)}")

    # -- long-running operations (Global Administrator removed from an active relationship) --
    def list_operations(self, rel_id: str) -> AsyncIterator[Json]:
        """The relationship's long-running operations (``delegatedAdminRelationshipOperation``)."""
        return self.paginate(f"{self._rel(rel_id)}/operations", headers=_PREFER_UNKNOWN_ENUMS)

    async def get_operation(self, rel_id: str, operation_id: str) -> Json:
        """One operation; ``Prefer: include-unknown-enum-members`` so ``operationType`` reads
        ``delegatedAdminRelationshipUpdate`` (Graph shows ``unknownFutureValue`` without it)."""
        path = f"{self._rel(rel_id)}/operations/{_seg(operation_id)}"
        return await self.get_json(path, headers=_PREFER_UNKNOWN_ENUMS)

    async def remove_global_administrator(
        self,
        rel_id: str,
        *,
        timeout: float = 900.0,
        poll_interval: float = 10.0,
        on_accepted: Callable[[str], None] | None = None,
    ) -> GlobalAdministratorRemoval:
        """Remove Global Administrator from a relationship in place, and wait for Graph to finish.

        An active relationship keeps its approval: Graph accepts a PATCH (``If-Match``) whose
        ``accessDetails`` are the current roles minus Global Administrator and answers ``202`` with the
        ``Location`` of a ``delegatedAdminRelationshipOperation``; this polls it (every ``Retry-After`` or
        ``poll_interval`` seconds, at most ``timeout`` seconds on the client's injected clock) until it
        ``succeeded`` or ``failed``, then reads the relationship back: done only when Global Administrator
        is gone. Raises ``UnexpectedStatus`` (the operation failed, or the read-back still shows the role)
        and ``WaitTimeout`` (still running at the bound: ``last`` holds the operation to resume from).
        A relationship without Global Administrator is left alone (``changed`` False). ``on_accepted(operation
        id)`` is called as soon as Graph accepts the change (a journal records it, to resume the wait).
        """
        current = await self.get_relationship(rel_id)
        roles = gdap.role_ids_of(current)
        if gdap.GLOBAL_ADMINISTRATOR not in {r.lower() for r in roles}:
            return GlobalAdministratorRemoval(current, None, changed=False)
        remaining = [r for r in roles if r.lower() != gdap.GLOBAL_ADMINISTRATOR]
        if not remaining:
            raise ValueError(
                f"GDAP relationship {rel_id} holds Global Administrator only: removing it would leave no role "
                "(terminate the relationship instead)"
            )
        response = await self.request(
            "PATCH",
            self._rel(rel_id),
            json={"accessDetails": gdap.unified_roles(remaining)},
            if_match=current["@odata.etag"],
        )
        operation = None
        if response.status_code == 202:
            operation_id = _operation_id(response.headers.get("location"), rel_id)
            if operation_id is None:
                raise UnexpectedAnswer(
                    "PATCH", self.url(self._rel(rel_id)), 202, "no Location header naming the operation"
                )
            if on_accepted is not None:
                on_accepted(operation_id)
            interval = parse_retry_after(response.headers.get("retry-after")) or poll_interval
            operation = await self.wait_for_operation(rel_id, operation_id, timeout=timeout, poll_interval=interval)
        after = await self.get_relationship(rel_id)
        if gdap.GLOBAL_ADMINISTRATOR in {r.lower() for r in gdap.role_ids_of(after)}:
            raise UnexpectedStatus(
                f"GDAP relationship {rel_id}: Graph accepted the removal of Global Administrator"
                + (f" (operation {operation['id']} {operation.get('status')})" if operation else "")
                + " but the relationship still holds it",
                last=after,
            )
        return GlobalAdministratorRemoval(after, operation, changed=True)

    async def wait_for_operation(
        self, rel_id: str, operation_id: str, *, timeout: float = 900.0, poll_interval: float = 10.0
    ) -> Json:
        """Poll an operation until it ``succeeded`` (returned) or ``failed`` (``UnexpectedStatus``), at most
        ``timeout`` seconds (``WaitTimeout``)."""

        def describe(last: Json | None, waited: float) -> str:
            status = (last or {}).get("status", "unknown")
            if status == OPERATION_FAILED:
                return f"GDAP relationship {rel_id}: operation {operation_id} failed (the relationship is unchanged)"
            return (
                f"GDAP relationship {rel_id}: operation {operation_id} is still '{status}' after {waited:.1f}s "
                f"(limit {timeout:g}s); run again later to see it finish"
            )

        return await poll_until(
            lambda: self.get_operation(rel_id, operation_id),
            lambda op: op.get("status") == OPERATION_SUCCEEDED,
            timeout=timeout,
            interval=poll_interval,
            describe=describe,
            failed=lambda op: op.get("status") == OPERATION_FAILED,
            sleep=self._sleep,
            clock=self._clock,
        )

    # -- access assignments ---------------------------------------------------------------
    def _assignments(self, rel_id: str, assignment_id: str | None = None) -> str:
        path = f"{self._rel(rel_id)}/accessAssignments"
        return path + (f"/{_seg(assignment_id)}" if assignment_id is not None else "")

    async def create_access_assignment(self, rel_id: str, group_id: str, role_ids: Iterable[str]) -> Json:
        """Give a partner security group some of the relationship's roles (relationship must be active)."""
        body = {
            "accessContainer": {"accessContainerId": group_id, "accessContainerType": "securityGroup"},
            "accessDetails": gdap.unified_roles(list(role_ids)),
        }
        return await self.send_json("POST", self._assignments(rel_id), body)  # type: ignore[return-value]

    def list_access_assignments(self, rel_id: str, *, filter: str | None = None) -> AsyncIterator[Json]:
        return self.paginate(self._assignments(rel_id), params={"$filter": filter} if filter else None)

    async def get_access_assignment(self, rel_id: str, assignment_id: str) -> Json:
        return await self.get_json(self._assignments(rel_id, assignment_id))

    async def access_assignments(self, rel_id: str) -> AsyncIterator[AccessAssignment]:
        """The relationship's access assignments, typed."""
        async for body in self.list_access_assignments(rel_id):
            yield AccessAssignment.from_graph(body)

    async def update_access_assignment(
        self, rel_id: str, assignment_id: str, etag: str, roles_or_patch: Iterable[str] | Mapping[str, Any]
    ) -> Json | None:
        """PATCH the assignment (``If-Match``): a list of role ids, or a ready PATCH body.

        Returns the updated assignment, or None when Graph answers without a body.
        """
        if isinstance(roles_or_patch, Mapping):
            body: Json = dict(roles_or_patch)
        else:
            body = {"accessDetails": gdap.unified_roles(list(roles_or_patch))}
        return await self.send_json("PATCH", self._assignments(rel_id, assignment_id), body, if_match=etag)

    async def set_access_assignment_roles(
        self,
        rel_id: str,
        assignment_id: str,
        etag: str,
        role_ids: Iterable[str],
        *,
        timeout: float = 900.0,
        poll_interval: float = 10.0,
    ) -> Json:
        """Change an assignment's roles and wait until Graph has applied them; return the assignment as read then.

        Graph "typically returns a 202 Accepted response code with a URL to a long-running operation in the
        Location response header" and a Retry-After; "if the values specified in the call are identical to the
        values in the existing object", 200 with the object (v1.0 delegatedadminaccessassignment-update, in
        microsoftgraph/microsoft-graph-docs-contrib). The operation is polled (every ``Retry-After`` or
        ``poll_interval`` seconds, on the client's injected clock, at most ``timeout``) until it ``succeeded``
        (``UnexpectedStatus`` when it ``failed``), then the assignment until it is ``active`` with the roles asked
        for: what the next read returns, so the next ``pulumi up`` sees no drift.
        """
        wanted = gdap.unified_roles(list(role_ids))
        path = self._assignments(rel_id, assignment_id)
        response = await self.request("PATCH", path, json={"accessDetails": wanted}, if_match=etag)
        if response.status_code == 202:
            operation_id = _operation_id(response.headers.get("location"), rel_id)
            if operation_id is None:
                raise UnexpectedAnswer("PATCH", self.url(path), 202, "no Location header naming the operation")
            interval = parse_retry_after(response.headers.get("retry-after")) or poll_interval
            await self.wait_for_operation(rel_id, operation_id, timeout=timeout, poll_interval=interval)
        return await self.wait_for_access_assignment(
            rel_id,
            assignment_id,
            [r["roleDefinitionId"] for r in wanted["unifiedRoles"]],
            timeout=timeout,
            poll_interval=poll_interval,
        )

    async def wait_for_access_assignment(
        self,
        rel_id: str,
        assignment_id: str,
        role_ids: Iterable[str] | None = None,
        *,
        timeout: float = 900.0,
        poll_interval: float = 10.0,
    ) -> Json:
        """Poll an access assignment until it is ``active`` (with exactly ``role_ids``, when given); return it.

        A new assignment is ``pending`` until Graph has made it (v1.0 delegatedadminrelationship-post-accessassignments
        answers 201 with status ``pending``). ``UnexpectedStatus`` as soon as it is ``error``, ``deleting`` or
        ``deleted``; ``WaitTimeout`` after ``timeout`` seconds on the client's clock.
        """
        wanted = None if role_ids is None else sorted(r.lower() for r in role_ids)

        def done(assignment: Json) -> bool:
            roles = sorted(r.lower() for r in gdap.role_ids_of(assignment))
            return assignment.get("status") == gdap.ASSIGNMENT_ACTIVE and (wanted is None or roles == wanted)

        def describe(last: Json | None, waited: float) -> str:
            status = (last or {}).get("status", "unknown")
            what = f"GDAP access assignment {assignment_id} of relationship {rel_id}"
            if status in _ASSIGNMENT_FAILED:
                return f"{what} is '{status}': it will not become active with the roles asked for"
            return (
                f"{what} is still '{status}' after {waited:.1f}s (limit {timeout:g}s), not yet active with the roles "
                "asked for; run again later"
            )

        return await poll_until(
            lambda: self.get_access_assignment(rel_id, assignment_id),
            done,
            timeout=timeout,
            interval=poll_interval,
            describe=describe,
            failed=lambda assignment: assignment.get("status") in _ASSIGNMENT_FAILED,
            sleep=self._sleep,
            clock=self._clock,
        )

    async def delete_access_assignment(self, rel_id: str, assignment_id: str, etag: str) -> None:
        await self.request("DELETE", self._assignments(rel_id, assignment_id), if_match=etag)

    # -- waiting --------------------------------------------------------------------------
    async def wait_until_status(
        self,
        rel_id: str,
        statuses: str | Iterable[str],
        *,
        timeout: float = 600.0,
        poll_interval: float = 10.0,
    ) -> Json:
        """Poll the relationship until its status is one of ``statuses``; return it.

        Raises ``WaitTimeout`` after ``timeout`` seconds, and ``UnexpectedStatus`` as soon as the
        relationship reaches a final status (expired, terminated) not asked for. Both messages
        name the relationship, the status it was in and how long we waited.
        """
        wanted = frozenset([statuses] if isinstance(statuses, str) else statuses)
        if not wanted:
            raise ValueError("no status to wait for")

        def describe(last: Json | None, waited: float) -> str:
            status = (last or {}).get("status", "unknown")
            name = (last or {}).get("displayName")
            who = f"GDAP relationship {rel_id}" + (f" ({name!r})" if name else "")
            text = (
                f"{who} is still '{status}' after waiting {waited:.1f}s "
                f"(limit {timeout:g}s) for {' or '.join(sorted(wanted))}"
            )
            if status in gdap.FINAL_STATUSES:
                text = f"{who} is '{status}', which is final; it will never become {' or '.join(sorted(wanted))}"
            elif status == gdap.APPROVAL_PENDING:
                text += f"; the customer has not approved it yet: {gdap.approval_link(rel_id)}"
            elif status == gdap.CREATED:
                text += "; it was never locked for approval (lockForApproval)"
            return text

        return await poll_until(
            lambda: self.get_relationship(rel_id),
            lambda rel: rel.get("status") in wanted,
            timeout=timeout,
            interval=poll_interval,
            describe=describe,
            failed=lambda rel: rel.get("status") in gdap.FINAL_STATUSES,
            sleep=self._sleep,
            clock=self._clock,
        )
