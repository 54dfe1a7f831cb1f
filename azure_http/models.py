"""Typed views of what Graph and ARM return, parsed once here so no caller digs through the wire's dicts.

Each model keeps the fields the toolkit decides on, named in Python, with the status vocabulary of
:mod:`azure_http.gdap`. ``raw`` keeps the whole answer for what a model does not name (reports, etags of
other shapes). Standard library only: the customer's Automation runbook imports this.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import gdap


def _roles(body: dict[str, Any]) -> tuple[str, ...]:
    return tuple(sorted({r.lower() for r in gdap.role_ids_of(body)}))


@dataclass(frozen=True)
class Relationship:
    """A GDAP ``delegatedAdminRelationship``."""

    id: str
    display_name: str
    status: str
    customer_tenant_id: str
    customer_display_name: str | None
    role_ids: tuple[str, ...]
    """Sorted, lowercase role template ids."""
    duration: str | None = None
    auto_extend_duration: str | None = None
    etag: str | None = None
    created: str | None = None
    activated: str | None = None
    end_date_time: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_graph(cls, body: dict[str, Any]) -> Relationship:
        customer = body.get("customer") or {}
        return cls(
            id=body["id"],
            display_name=body.get("displayName") or "",
            status=body.get("status") or "",
            customer_tenant_id=(customer.get("tenantId") or "").lower(),
            customer_display_name=customer.get("displayName"),
            role_ids=_roles(body),
            duration=body.get("duration"),
            auto_extend_duration=body.get("autoExtendDuration"),
            etag=body.get("@odata.etag"),
            created=body.get("createdDateTime"),
            activated=body.get("activatedDateTime"),
            end_date_time=body.get("endDateTime"),
            raw=body,
        )

    @property
    def usable(self) -> bool:
        """It grants access now (active, or expiring)."""
        return self.status in gdap.USABLE_STATUSES

    @property
    def ended(self) -> bool:
        return self.status in gdap.ENDED_STATUSES

    @property
    def open(self) -> bool:
        """Not ended: made, waiting for the customer, approved or in force."""
        return self.status in gdap.OPEN_STATUSES

    @property
    def auto_extends(self) -> bool:
        return self.auto_extend_duration not in (None, *gdap.NO_AUTO_EXTEND)

    @property
    def approval_link(self) -> str:
        return gdap.approval_link(self.id)


@dataclass(frozen=True)
class AccessAssignment:
    """A GDAP access assignment: a partner security group and the relationship roles it holds."""

    id: str
    group_id: str
    """The partner security group's object id (lowercase)."""
    role_ids: tuple[str, ...]
    status: str
    etag: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_graph(cls, body: dict[str, Any]) -> AccessAssignment:
        return cls(
            id=body["id"],
            group_id=((body.get("accessContainer") or {}).get("accessContainerId") or "").lower(),
            role_ids=_roles(body),
            status=body.get("status") or "",
            etag=body.get("@odata.etag"),
            raw=body,
        )

    @property
    def gone(self) -> bool:
        return self.status in (gdap.ASSIGNMENT_DELETING, gdap.ASSIGNMENT_DELETED)


@dataclass(frozen=True)
class RoleAssignment:
    """An Azure RBAC role assignment."""

    id: str
    name: str
    scope: str
    role_definition_id: str
    principal_id: str
    principal_type: str | None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_arm(cls, body: dict[str, Any]) -> RoleAssignment:
        props = body.get("properties") or {}
        return cls(
            id=body["id"],
            name=body.get("name") or "",
            scope=props.get("scope") or "",
            role_definition_id=props.get("roleDefinitionId") or "",
            principal_id=(props.get("principalId") or "").lower(),
            principal_type=props.get("principalType"),
            raw=body,
        )

    @property
    def role_guid(self) -> str:
        """The role definition's GUID (the last segment of its id), lowercase."""
        return self.role_definition_id.rsplit("/", 1)[-1].lower()


@dataclass(frozen=True)
class Subscription:
    """An Azure subscription as ARM lists it."""

    id: str
    """The subscription GUID (lowercase)."""
    display_name: str
    state: str
    tenant_id: str | None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_arm(cls, body: dict[str, Any]) -> Subscription:
        return cls(
            id=(body.get("subscriptionId") or body["id"].rsplit("/", 1)[-1]).lower(),
            display_name=body.get("displayName") or "",
            state=body.get("state") or "",
            tenant_id=body.get("tenantId"),
            raw=body,
        )

    @property
    def scope(self) -> str:
        return f"/subscriptions/{self.id}"
