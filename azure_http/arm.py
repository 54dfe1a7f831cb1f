"""Azure Resource Manager client: subscriptions, role assignments, Lighthouse, subscription aliases.

Every method maps to one documented ARM call (reference/azure-facts.md) and returns ARM's JSON
as is. Made for concurrent sweeps over many subscriptions and customer tenants:

- one client per tenant the token must be issued for (``tenant_id``: the customer's, under
  DAP/GDAP; the partner's for aliases and Lighthouse-delegated subscriptions); ``for_tenant()``
  derives one that shares the credential, the connection pool and the throttle limiter;
- throttling is paced client side by an ``ArmRateLimiter`` (``azure_http.throttle``): pass the
  same one to every client of a sweep that runs as the same principal (``rate_limiter=``), or
  let ``for_tenant`` share it; 429s that still happen are retried after Retry-After;
- listing methods are async iterators that follow ``nextLink``; deletes are idempotent (None
  when already gone).

api-versions: role assignments 2022-04-01 (the client default), subscriptions 2022-12-01,
Lighthouse 2022-10-01, aliases 2021-10-01.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping
from typing import Any
from urllib.parse import quote, urlsplit

from azure_http.auth import TokenProvider
from azure_http.base import ServiceClient
from azure_http.endpoints import Endpoints
from azure_http.errors import NotFound
from azure_http.models import RoleAssignment, Subscription
from azure_http.polling import poll_until
from azure_http.throttle import ArmRateLimiter, BucketKey, arm_bucket_key

Json = dict[str, Any]

ROLE_ASSIGNMENTS_API = "2022-04-01"
SUBSCRIPTIONS_API = "2022-12-01"
MANAGED_SERVICES_API = "2022-10-01"
ALIASES_API = "2021-10-01"

ROLE_ASSIGNMENTS = "providers/Microsoft.Authorization/roleAssignments"
ROLE_DEFINITIONS = "providers/Microsoft.Authorization/roleDefinitions"
REGISTRATION_DEFINITIONS = "providers/Microsoft.ManagedServices/registrationDefinitions"
REGISTRATION_ASSIGNMENTS = "providers/Microsoft.ManagedServices/registrationAssignments"
ALIASES = "providers/Microsoft.Subscription/aliases"

ALIAS_SUCCEEDED = "Succeeded"
ALIAS_FINAL_FAILURES = frozenset({"Failed", "Canceled"})

_SAFE = "/:@!$&'()*+,;=-_.~"


def _path(resource_id: str) -> str:
    """An ARM id or scope as a URL path relative to the ARM base (ids are not URL-encoded)."""
    if not resource_id or not resource_id.strip("/"):
        raise ValueError(f"not an ARM id or scope: {resource_id!r}")
    return quote("/" + resource_id.strip("/"), safe=_SAFE)


def _scope(scope: str) -> str:
    """A scope for a path prefix: ``""`` for the tenant root ``/``, else ``/{scope}``."""
    stripped = scope.strip("/")
    return "" if not stripped else quote("/" + stripped, safe=_SAFE)


def subscription_id_of(resource_id: str) -> str | None:
    """The subscription an ARM id or scope sits in (lower-cased), or None (management group, tenant)."""
    parts = [p for p in resource_id.split("/") if p]
    if len(parts) >= 2 and parts[0].lower() == "subscriptions":
        return parts[1].lower()
    return None


def role_guid_of(role_definition_id: str) -> str:
    """The role GUID at the end of a roleDefinitionId (a bare GUID is returned as is)."""
    return role_definition_id.rstrip("/").rsplit("/", 1)[-1].lower()


def full_role_definition_id(scope: str, role: str) -> str:
    """The full roleDefinitionId for ``role`` (GUID or full id) as used at ``scope``."""
    if "/" in role:
        return role
    sub = subscription_id_of(scope)
    prefix = f"/subscriptions/{sub}" if sub else ""
    return f"{prefix}/{ROLE_DEFINITIONS}/{role.lower()}"


def scope_contains(outer: str, inner: str) -> bool:
    """True when ``inner`` is ``outer`` or below it by path (case-insensitive).

    Only path nesting: a management group's subscriptions are not below it by path.
    """
    o, i = outer.strip("/").lower(), inner.strip("/").lower()
    return not o or i == o or i.startswith(o + "/")


async def _of_principal(items: AsyncIterator[Json], principal_id: str) -> AsyncIterator[Json]:
    wanted = principal_id.lower()
    async for item in items:
        if str(item.get("properties", {}).get("principalId", "")).lower() == wanted:
            yield item


class ArmClient(ServiceClient):
    """ARM client for one tenant (the token's); see the module doc for sweeps."""

    client_request_id_header = "x-ms-client-request-id"

    service = "arm"

    def __init__(
        self,
        tokens: TokenProvider,
        endpoints: Endpoints | None = None,
        *,
        rate_limiter: ArmRateLimiter | None = None,
        pace: bool = True,
        **options: Any,
    ) -> None:
        """``rate_limiter``: share one across the clients and tasks of a sweep (one per principal);
        by default each client gets its own. ``pace=False`` (without a limiter) only records the
        remaining-budget headers and never waits before sending. ``max_concurrency`` (an ApiClient
        option): requests on the wire at once (more wait in asyncio, not in the connection pool);
        ``for_tenant`` clones share the budget along with the pool."""
        super().__init__(
            tokens,
            endpoints,
            default_params={"api-version": ROLE_ASSIGNMENTS_API},
            rate_limiter=rate_limiter or ArmRateLimiter(pace=pace),
            **options,
        )
        self._base_path = urlsplit(self.base_url).path.rstrip("/")

    # -- throttling ---------------------------------------------------------------------
    def rate_limit_key(self, method: str, url: str) -> BucketKey:
        path = urlsplit(url).path
        if self._base_path and path.startswith(self._base_path):
            path = path[len(self._base_path) :]
        return arm_bucket_key(method, path, self.tenant_id)

    @property
    def limiter(self) -> ArmRateLimiter:
        return self.rate_limiter  # type: ignore[return-value]

    def bucket(self, operation: str, subscription_id: str | None = None) -> BucketKey:
        """The key of a bucket this client uses: a subscription's, or (None) its tenant's."""
        if subscription_id:
            return BucketKey("subscription", subscription_id.lower(), operation)
        return BucketKey("tenant", (self.tenant_id or "home").lower(), operation)

    def remaining(self, operation: str, subscription_id: str | None = None) -> int | None:
        """What ARM last reported as left in that bucket (None before any answer from it)."""
        return self.limiter.remaining(self.bucket(operation, subscription_id))

    def for_tenant(self, tenant_id: str | None) -> ArmClient:
        """A client for another tenant sharing this one's credential, limiter, retry policy and pool.

        Call it inside this client's ``async with`` to share the open connection pool (the new
        client never closes it); outside, the new client opens connections per request.
        """
        clone = object.__new__(type(self))  # (copy.copy would go through the pickling guard)
        clone.__dict__.update(self.__dict__)
        clone.tenant_id = tenant_id
        shared = self._external_http or (self._http if self._http is not None else None)
        clone._external_http = shared
        clone._http = clone._http_loop = None
        return clone

    # -- subscriptions ------------------------------------------------------------------
    def list_subscriptions(self) -> AsyncIterator[Json]:
        """Subscriptions the token's tenant can see (its own and those delegated to it by Lighthouse)."""
        return self.paginate("subscriptions", params={"api-version": SUBSCRIPTIONS_API})

    async def subscriptions(self) -> AsyncIterator[Subscription]:
        """The subscriptions the token's tenant can see, typed."""
        async for body in self.list_subscriptions():
            yield Subscription.from_arm(body)

    async def get_subscription(self, subscription_id: str) -> Json:
        return await self.get_json(_path(f"subscriptions/{subscription_id}"), params={"api-version": SUBSCRIPTIONS_API})

    # -- role assignments ---------------------------------------------------------------
    def list_role_assignments(
        self, scope: str, *, principal_id: str | None = None, at_scope: bool = False
    ) -> AsyncIterator[Json]:
        """Role assignments at ``scope`` and above it (inherited, e.g. from management groups) and,
        unless ``at_scope``, below it (resource groups, resources); optionally one principal's.

        ``at_scope`` sends ``$filter=atScope()`` (the scope and above, as az CLI relies on; the
        docs and spec disagree about "above": compare ``properties.scope`` when it matters).
        With both arguments the principal is filtered here, not by ARM: clients in the wild avoid
        combining ARM filters ("combining filters is unsupported", azure-cli).
        """
        path = f"{_scope(scope)}/{ROLE_ASSIGNMENTS}"
        if at_scope:
            listing = self.paginate(path, params={"$filter": "atScope()"})
            return listing if not principal_id else _of_principal(listing, principal_id)
        params = {"$filter": f"principalId eq '{principal_id}'"} if principal_id else None
        return self.paginate(path, params=params)

    async def role_assignments(self, scope: str, *, principal_id: str | None = None) -> AsyncIterator[RoleAssignment]:
        """``list_role_assignments``, typed."""
        async for body in self.list_role_assignments(scope, principal_id=principal_id):
            yield RoleAssignment.from_arm(body)

    async def get_role_assignment(self, assignment_id: str) -> Json:
        """One assignment by its full id (``NotFound`` when it does not exist)."""
        return await self.get_json(_path(assignment_id))

    async def create_role_assignment(
        self,
        scope: str,
        name: str,
        role_definition_id: str,
        principal_id: str,
        principal_type: str,
        *,
        description: str | None = None,
    ) -> Json:
        """PUT an assignment (201 created, 200 when the same one exists under ``name``).

        ``role_definition_id``: the full id or a bare role GUID (expanded for ``scope``).
        ``principal_type`` is required on purpose: a partner group in a customer tenant is a
        ``ForeignGroup``, and leaving the type out invites the replication race. Raises
        ``Conflict`` (code RoleAssignmentExists) when the principal already holds the role at
        the scope under another name, ``BadRequest`` for PrincipalNotFound/UnmatchedPrincipalType.
        """
        properties: Json = {
            "roleDefinitionId": full_role_definition_id(scope, role_definition_id),
            "principalId": principal_id,
            "principalType": principal_type,
        }
        if description is not None:
            properties["description"] = description
        path = f"{_scope(scope)}/{ROLE_ASSIGNMENTS}/{quote(name, safe='-')}"
        return await self.send_json("PUT", path, {"properties": properties})  # type: ignore[return-value]

    async def delete_role_assignment(self, assignment_id: str) -> Json | None:
        """DELETE by full id; returns the deleted assignment, or None when it was already gone (204)."""
        return await self.send_json("DELETE", _path(assignment_id))

    # -- Lighthouse (customer side) ---------------------------------------------------------
    def list_registration_definitions(self, scope: str) -> AsyncIterator[Json]:
        return self.paginate(
            f"{_scope(scope)}/{REGISTRATION_DEFINITIONS}", params={"api-version": MANAGED_SERVICES_API}
        )

    async def get_registration_definition(self, definition_id: str) -> Json:
        return await self.get_json(_path(definition_id), params={"api-version": MANAGED_SERVICES_API})

    async def create_registration_definition(
        self,
        scope: str,
        definition_id: str,
        *,
        name: str,
        managed_by_tenant_id: str,
        authorizations: Iterable[Mapping[str, Any]],
        description: str | None = None,
        eligible_authorizations: Iterable[Mapping[str, Any]] | None = None,
    ) -> Json:
        """PUT a registration definition (``authorizations``: principalId, principalIdDisplayName?,
        roleDefinitionId as a bare GUID, delegatedRoleDefinitionIds?)."""
        properties: Json = {
            "registrationDefinitionName": name,
            "managedByTenantId": managed_by_tenant_id,
            "authorizations": [dict(a) for a in authorizations],
        }
        if description is not None:
            properties["description"] = description
        if eligible_authorizations is not None:
            properties["eligibleAuthorizations"] = [dict(a) for a in eligible_authorizations]
        path = f"{_scope(scope)}/{REGISTRATION_DEFINITIONS}/{quote(definition_id, safe='-')}"
        return await self.send_json(  # type: ignore[return-value]
            "PUT", path, {"properties": properties}, params={"api-version": MANAGED_SERVICES_API}
        )

    async def delete_registration_definition(self, definition_id: str) -> bool:
        """Remove a Lighthouse offer by full id; True when it existed (200), False when already gone (204).

        RegistrationDefinitions_Delete documents both answers without a body (managedservices.json
        2022-10-01), so the status is all there is to read.
        """
        return await self._delete_by_status(_path(definition_id), {"api-version": MANAGED_SERVICES_API})

    def list_registration_assignments(self, scope: str, expand_definition: bool = True) -> AsyncIterator[Json]:
        """Lighthouse delegations at ``scope`` (a subscription includes its resource groups').

        With ``expand_definition`` each carries ``properties.registrationDefinition`` with the
        managing tenant (``managedByTenantId``/``Name``) and the ``authorizations``: the
        customer's view of who manages it and how.
        """
        params = {"api-version": MANAGED_SERVICES_API}
        if expand_definition:
            params["$expandRegistrationDefinition"] = "true"
        return self.paginate(f"{_scope(scope)}/{REGISTRATION_ASSIGNMENTS}", params=params)

    async def get_registration_assignment(self, assignment_id: str, expand_definition: bool = True) -> Json:
        params = {"api-version": MANAGED_SERVICES_API}
        if expand_definition:
            params["$expandRegistrationDefinition"] = "true"
        return await self.get_json(_path(assignment_id), params=params)

    async def create_registration_assignment(
        self, scope: str, assignment_id: str, registration_definition_id: str
    ) -> Json:
        path = f"{_scope(scope)}/{REGISTRATION_ASSIGNMENTS}/{quote(assignment_id, safe='-')}"
        body = {"properties": {"registrationDefinitionId": registration_definition_id}}
        return await self.send_json("PUT", path, body, params={"api-version": MANAGED_SERVICES_API})  # type: ignore[return-value]

    async def delete_registration_assignment(self, assignment_id: str) -> bool:
        """Remove a Lighthouse delegation by full id; True when it existed (200), False when already gone (204).

        RegistrationAssignments_Delete documents both answers without a body (managedservices.json
        2022-10-01). A True is no proof it is gone: the caller reads it back.
        """
        return await self._delete_by_status(_path(assignment_id), {"api-version": MANAGED_SERVICES_API})

    async def _delete_by_status(self, path: str, params: Mapping[str, Any]) -> bool:
        try:
            response = await self.request("DELETE", path, params=params)
        except NotFound:
            return False
        return response.status_code != 204

    # -- subscription aliases (partner side, MPA billing) ------------------------------------
    async def get_alias(self, alias: str) -> Json:
        return await self.get_json(f"/{ALIASES}/{quote(alias, safe='-_.')}", params={"api-version": ALIASES_API})

    async def create_alias(
        self,
        alias: str,
        *,
        billing_scope: str,
        display_name: str,
        workload: str = "Production",
        reseller_id: str | None = None,
        wait: bool = True,
        timeout: float = 1800.0,
        poll_interval: float = 10.0,
    ) -> Json:
        """PUT a subscription alias on an MPA billing scope
        (``/providers/Microsoft.Billing/billingAccounts/{acct}/customers/{customerId}``).

        With ``wait`` (default), polls until ``provisioningState`` is Succeeded (raising
        ``WaitTimeout`` after ``timeout`` s, ``UnexpectedStatus`` on Failed/Canceled) and returns
        the final alias, whose ``properties.subscriptionId`` is the new subscription.
        """
        properties: Json = {"billingScope": billing_scope, "displayName": display_name, "workload": workload}
        if reseller_id:
            properties["resellerId"] = reseller_id
        created = await self.send_json(
            "PUT",
            f"/{ALIASES}/{quote(alias, safe='-_.')}",
            {"properties": properties},
            params={"api-version": ALIASES_API},
        )
        if not wait or (created or {}).get("properties", {}).get("provisioningState") == ALIAS_SUCCEEDED:
            return created or await self.get_alias(alias)
        return await self.wait_for_alias(alias, timeout=timeout, poll_interval=poll_interval)

    async def wait_for_alias(self, alias: str, *, timeout: float = 1800.0, poll_interval: float = 10.0) -> Json:
        """Poll the alias until Succeeded (bounded; see ``create_alias``)."""

        def state_of(value: Json) -> str:
            return str((value or {}).get("properties", {}).get("provisioningState", "unknown"))

        def describe(last: Json | None, waited: float) -> str:
            state = state_of(last or {})
            if state in ALIAS_FINAL_FAILURES:
                return f"subscription alias {alias!r} ended '{state}'; it will never succeed"
            return f"subscription alias {alias!r} is still '{state}' after {waited:.1f}s (limit {timeout:g}s)"

        return await poll_until(
            lambda: self.get_alias(alias),
            lambda value: state_of(value) == ALIAS_SUCCEEDED,
            timeout=timeout,
            interval=poll_interval,
            describe=describe,
            failed=lambda value: state_of(value) in ALIAS_FINAL_FAILURES,
            sleep=self._sleep,
            clock=self._clock,
        )
