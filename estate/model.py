"""What the import reads about a partner's estate: typed, frozen, one object per thing Microsoft's APIs show.

Plain data (no clients, no config): the reader fills it, the translation reads it, the tests compare it. Ids keep the
case the services answer with; tenant, group and subscription ids are lower-cased for matching.
"""

from __future__ import annotations

from dataclasses import dataclass

from azure_http import gdap
from azure_http.models import AccessAssignment
from azure_http.models import Relationship as GraphRelationship

PENDING_STATUSES = gdap.OPEN_STATUSES - gdap.USABLE_STATUSES
"""On the way to active: adoptable, nothing to map yet."""


@dataclass(frozen=True)
class Relationship(GraphRelationship):
    """One GDAP relationship of the partner (Graph's, typed once in azure_http) with the access assignments the
    import read for it."""

    access: tuple[AccessAssignment, ...] = ()

    @property
    def mlt(self) -> bool:
        """Made by Microsoft's led transition (display name ``MLT_<guid>``: 9 roles, 1 year)."""
        return self.display_name.startswith("MLT_")

    @property
    def live(self) -> bool:
        """It grants access (and has access assignments)."""
        return self.usable

    @property
    def end(self) -> str | None:
        return self.end_date_time


@dataclass(frozen=True)
class RbacGrant:
    """A role assignment of one of the partner's principals in the customer's tenant."""

    id: str
    """Full ARM id (``{scope}/providers/Microsoft.Authorization/roleAssignments/{name}``)."""
    scope: str
    principal_id: str
    role_id: str
    subscription_id: str | None
    """The subscription it was found in (None when above any subscription: a management group)."""
    inherited: bool = False

    @property
    def name(self) -> str:
        return self.id.rsplit("/", 1)[-1]

    @property
    def at_subscription(self) -> bool:
        return (
            self.subscription_id is not None
            and not self.inherited
            and self.scope.rstrip("/").lower() == f"/subscriptions/{self.subscription_id}"
        )


@dataclass(frozen=True)
class LighthouseDelegation:
    """A Lighthouse registration assignment on one subscription, with its definition's authorizations."""

    assignment_id: str
    """Full ARM id of the registration assignment."""
    definition_id: str
    """The registration definition's GUID."""
    subscription_id: str
    managed_by_tenant_id: str
    authorizations: tuple[tuple[str, str], ...]
    """(principal id, role definition GUID) pairs, in the offer's order."""
    offer_name: str = ""
    scope: str = ""
    """Where the assignment sits: ``/subscriptions/{id}`` or one of its resource groups (a way in as well)."""
    eligible: tuple[tuple[str, str, str | None], ...] = ()
    """Just-in-time authorizations: (principal id, role definition GUID, maximum activation duration)."""

    @property
    def assignment_name(self) -> str:
        return self.assignment_id.rsplit("/", 1)[-1]

    @property
    def whole_subscription(self) -> bool:
        """Whether it delegates the whole subscription (config can declare no other scope)."""
        return not self.scope or self.scope.rstrip("/").lower() == f"/subscriptions/{self.subscription_id}"


@dataclass(frozen=True)
class AzureSide:
    """What the partner could read of the customer's Azure: its subscriptions and the partner's grants there."""

    subscriptions: tuple[tuple[str, str], ...] = ()
    """(subscription id, display name), in listing order."""
    grants: tuple[RbacGrant, ...] = ()
    lighthouse: tuple[LighthouseDelegation, ...] = ()
    not_checked: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()


@dataclass(frozen=True)
class CustomerEstate:
    """One CSP customer as the partner's services show it."""

    tenant_id: str
    display_name: str
    default_domain: str
    contract_type: str
    dap: bool | None
    """Partner Center's ``allowDelegatedAccess``, read by id (None: Partner Center does not list the customer, or its
    read failed: see ``dap_error``)."""
    relationships: tuple[Relationship, ...] = ()
    azure: AzureSide | None = None
    """None when the Azure side was not read."""
    dap_error: str | None = None
    """Why Partner Center's read of this customer by id failed: DAP is then unknown (``dap`` None), not off."""


@dataclass(frozen=True)
class Estate:
    partner_tenant_id: str
    customers: tuple[CustomerEstate, ...] = ()
    orphan_relationships: tuple[Relationship, ...] = ()
    """Relationships with a customer that has no contract (a customer who left the reseller relationship)."""
