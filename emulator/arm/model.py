"""ARM data: tenants, management groups, subscriptions, principals, role assignments, Lighthouse, aliases.

No HTTP here (that is ``emulator.arm.service``): this module parses scopes, validates and stores, and
answers scope queries the way ARM does. Shapes and rules: reference/azure-facts.md (Azure RBAC,
Lighthouse, CSP subscriptions).

Role assignments are indexed by their *root*: the subscription they sit in (subscription,
resource group and resource scopes), the management group, or the tenant root ``/``. A query at
a scope reads only the roots that can hold assignments at, above or below it (its subscription,
the management group chain above, the tenant root; for a management group also the groups and
subscriptions below), never every assignment of the world.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from emulator.arm.throttle import ArmThrottle
from emulator.core.clock import iso
from emulator.core.errors import ServiceError
from emulator.core.ids import is_guid

# -- constants ------------------------------------------------------------------------------
RA_TYPE = "Microsoft.Authorization/roleAssignments"
RD_TYPE = "Microsoft.ManagedServices/registrationDefinitions"
RAS_TYPE = "Microsoft.ManagedServices/registrationAssignments"
ROLE_DEFINITIONS_PATH = "/providers/Microsoft.Authorization/roleDefinitions"
REG_DEFINITIONS_PATH = "/providers/Microsoft.ManagedServices/registrationDefinitions"
ALIAS_TYPE = "Microsoft.Subscription/aliases"

#: Built-in roles the emulator knows (reference/azure-facts.md, Azure RBAC): GUID -> role name.
BUILTIN_ROLE_NAMES = {
    "8e3af657-a8ff-443c-a75c-2fe8c4bcb635": "Owner",
    "b24988ac-6180-42a0-ab88-20f7382dd24c": "Contributor",
    "acdd72a7-3385-48ef-bd42-f606fba81ae7": "Reader",
    "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9": "User Access Administrator",
    "cfd33db0-3dd1-45e3-aa9d-cdbdf3b6f24e": "Support Request Contributor",
    "91c1777a-f3dc-4fae-b103-61d183457e46": "Managed Services Registration assignment Delete Role",
}
#: lower-cased role name -> GUID (scenario files may name built-in roles).
BUILTIN_ROLES = {name.lower(): guid for guid, name in BUILTIN_ROLE_NAMES.items()}
OWNER = BUILTIN_ROLES["owner"]
USER_ACCESS_ADMINISTRATOR = BUILTIN_ROLES["user access administrator"]

PRINCIPAL_KINDS = ("User", "Group", "ServicePrincipal", "ForeignGroup", "Device")

_seq = itertools.count(1)


def arm_error(status: int, code: str, message: str) -> ServiceError:
    return ServiceError(status, message, code)


def bad(code: str, message: str) -> ServiceError:
    return ServiceError(400, message, code)


# -- scopes ---------------------------------------------------------------------------------
SUBSCRIPTION, RESOURCE_GROUP, RESOURCE, MANAGEMENT_GROUP, ROOT = (
    "subscription",
    "resourceGroup",
    "resource",
    "managementGroup",
    "root",
)

Root = tuple[str, str]
"""Where an assignment is indexed: ("sub", subscription id) | ("mg", group name) | ("root", tenant id)."""


@dataclass(frozen=True)
class Scope:
    text: str
    """As the caller wrote it, without a trailing slash (``/`` for the tenant root)."""
    key: str
    """Lower-cased ``text``: ARM compares scopes case-insensitively."""
    kind: str
    subscription_id: str | None = None
    management_group: str | None = None

    def root(self, tenant_id: str) -> Root:
        if self.subscription_id:
            return ("sub", self.subscription_id)
        if self.management_group:
            return ("mg", self.management_group)
        return ("root", tenant_id)


@functools.lru_cache(maxsize=1 << 16)  # a Scope is immutable; permission checks parse the same few thousand
def parse_scope(text: str) -> Scope:
    """A scope from a path: ``/``, a management group, a subscription, a resource group or a resource."""
    raw = "/" + text.strip("/") if text.strip("/") else "/"
    parts = [p for p in raw.split("/") if p]
    lower = [p.lower() for p in parts]
    if not parts:
        return Scope("/", "/", ROOT)
    if lower[0] == "subscriptions" and len(parts) >= 2:
        sub = lower[1]
        if not is_guid(sub):
            raise arm_error(
                400,
                "InvalidSubscriptionId",
                f"The provided subscription identifier '{parts[1]}' is malformed or invalid.",
            )
        if len(parts) == 2:
            return Scope(raw, raw.lower(), SUBSCRIPTION, sub)
        if lower[2] == "resourcegroups" and len(parts) >= 4:
            if len(parts) == 4:
                return Scope(raw, raw.lower(), RESOURCE_GROUP, sub)
            # .../providers/{namespace}/{type}/{name}[/{type}/{name}...]
            rest = lower[4:]
            if rest[0] == "providers" and len(rest) >= 4 and (len(rest) - 2) % 2 == 0:
                return Scope(raw, raw.lower(), RESOURCE, sub)
    elif lower[:3] == ["providers", "microsoft.management", "managementgroups"] and len(parts) == 4:
        return Scope(raw, raw.lower(), MANAGEMENT_GROUP, management_group=lower[3])
    raise bad("InvalidScope", f"The scope '{raw}' is not a valid scope for this operation.")


def assignment_key(id_key: str, scope: Scope, tenant_id: str) -> str:
    """Where the store keeps an assignment: its id, with the tenant first above subscriptions."""
    return id_key if scope.subscription_id else f"{tenant_id}|{id_key}"


# -- data -----------------------------------------------------------------------------------
@dataclass
class Tenant:
    id: str
    display_name: str
    default_domain: str | None = None


@dataclass
class ManagementGroup:
    name: str
    """Lower-cased group name (its id's last segment)."""
    display_name: str
    tenant_id: str
    parent: str | None = None
    original_name: str = ""


@dataclass
class Subscription:
    id: str
    tenant_id: str
    display_name: str
    management_group: str | None = None
    state: str = "Enabled"
    quota_id: str = "CSP_2015-05-01"
    visible_from: datetime | None = None
    """Set for subscriptions an alias creates: hidden until the alias reports Succeeded."""

    def visible(self, now: datetime) -> bool:
        return self.visible_from is None or now >= self.visible_from


@dataclass
class Principal:
    id: str
    kind: str
    tenant_id: str
    display_name: str = ""

    def type_in(self, tenant_id: str) -> str:
        """The principalType ARM sees for this principal in ``tenant_id``: another tenant's group is a ForeignGroup."""
        if self.kind == "Group" and self.tenant_id != tenant_id:
            return "ForeignGroup"
        return self.kind


@dataclass(slots=True)
class RoleAssignment:
    name: str
    scope: Scope
    root: Root
    role_guid: str
    principal_id: str
    principal_type: str
    created_on: str
    updated_on: str
    created_by: str | None = None
    description: str | None = None
    tenant_id: str = ""
    """The tenant the scope belongs to."""
    seq: int = 0
    id: str = ""
    id_key: str = ""
    key: str = ""
    """Store key: the lower-cased id, prefixed with the tenant where the id alone does not name one
    (tenant root and management group scopes: every tenant has its own ``/``)."""

    def __post_init__(self) -> None:
        prefix = "" if self.scope.text == "/" else self.scope.text
        self.id = f"{prefix}/providers/Microsoft.Authorization/roleAssignments/{self.name}"
        self.id_key = self.id.lower()
        self.key = assignment_key(self.id_key, self.scope, self.tenant_id)
        if not self.seq:
            self.seq = next(_seq)

    def role_definition_id(self) -> str:
        if self.scope.subscription_id:
            return f"/subscriptions/{self.scope.subscription_id}{ROLE_DEFINITIONS_PATH}/{self.role_guid}"
        return f"{ROLE_DEFINITIONS_PATH}/{self.role_guid}"

    def to_json(self) -> dict[str, Any]:
        return {
            "properties": {
                "roleDefinitionId": self.role_definition_id(),
                "principalId": self.principal_id,
                "principalType": self.principal_type,
                "scope": self.scope.text,
                "condition": None,
                "conditionVersion": None,
                "createdOn": self.created_on,
                "updatedOn": self.updated_on,
                "createdBy": self.created_by,
                "updatedBy": self.created_by,
                "delegatedManagedIdentityResourceId": None,
                "description": self.description,
            },
            "id": self.id,
            "type": RA_TYPE,
            "name": self.name,
        }


@dataclass
class RegistrationDefinition:
    id: str
    subscription_id: str
    name: str
    managed_by_tenant_id: str
    managed_by_tenant_name: str | None
    authorizations: list[dict[str, Any]]
    eligible_authorizations: list[dict[str, Any]]
    description: str | None
    managee_tenant_id: str
    managee_tenant_name: str | None
    plan: dict[str, Any] | None = None
    seq: int = field(default_factory=lambda: next(_seq))

    @property
    def full_id(self) -> str:
        return f"/subscriptions/{self.subscription_id}{REG_DEFINITIONS_PATH}/{self.id}"

    def to_json(self) -> dict[str, Any]:
        props: dict[str, Any] = {
            "registrationDefinitionName": self.name,
            "description": self.description,
            "managedByTenantId": self.managed_by_tenant_id,
            "managedByTenantName": self.managed_by_tenant_name,
            "manageeTenantId": self.managee_tenant_id,
            "manageeTenantName": self.managee_tenant_name,
            "authorizations": self.authorizations,
            "provisioningState": "Succeeded",
        }
        if self.eligible_authorizations:
            props["eligibleAuthorizations"] = self.eligible_authorizations
        return {"properties": props, "plan": self.plan, "id": self.full_id, "type": RD_TYPE, "name": self.id}


@dataclass
class RegistrationAssignment:
    id: str
    scope: Scope
    definition_id: str
    """Bare id of the registration definition (same subscription)."""
    seq: int = field(default_factory=lambda: next(_seq))

    @property
    def full_id(self) -> str:
        return f"{self.scope.text}/providers/Microsoft.ManagedServices/registrationAssignments/{self.id}"

    def definition_full_id(self) -> str:
        return f"/subscriptions/{self.scope.subscription_id}{REG_DEFINITIONS_PATH}/{self.definition_id}"

    def to_json(self, definition: RegistrationDefinition | None, expand: bool) -> dict[str, Any]:
        props: dict[str, Any] = {
            "registrationDefinitionId": self.definition_full_id(),
            "provisioningState": "Succeeded",
        }
        if expand and definition is not None:
            d = definition.to_json()
            props["registrationDefinition"] = {
                "properties": {k: v for k, v in d["properties"].items()},
                "plan": d["plan"],
                "id": d["id"],
                "type": d["type"],
                "name": d["name"],
            }
        return {"properties": props, "id": self.full_id, "type": RAS_TYPE, "name": self.id}


@dataclass
class Alias:
    name: str
    subscription_id: str
    billing_scope: str
    display_name: str
    workload: str
    reseller_id: str | None
    customer_tenant_id: str
    created: datetime
    ready_at: datetime
    management_group_id: str | None = None

    def state(self, now: datetime) -> str:
        return "Succeeded" if now >= self.ready_at else "Accepted"

    def to_json(self, now: datetime) -> dict[str, Any]:
        state = self.state(now)
        props: dict[str, Any] = {
            "subscriptionId": self.subscription_id if state == "Succeeded" else None,
            "provisioningState": state,
            "billingScope": self.billing_scope,
            "displayName": self.display_name,
            "workload": self.workload,
            "resellerId": self.reseller_id,
            "createdTime": iso(self.created),
            "managementGroupId": self.management_group_id,
        }
        return {
            "id": f"/providers/Microsoft.Subscription/aliases/{self.name}",
            "name": self.name,
            "type": ALIAS_TYPE,
            "properties": props,
        }


# -- the store ------------------------------------------------------------------------------
class ArmStore:
    """All ARM data of the emulated world (every tenant), plus the throttle buckets."""

    def __init__(self) -> None:
        self.tenants: dict[str, Tenant] = {}
        self.management_groups: dict[str, ManagementGroup] = {}
        self.subscriptions: dict[str, Subscription] = {}
        self.principals: dict[str, Principal] = {}
        self.custom_roles: set[str] = set()
        #: custom role GUID -> (actions, notActions), lower-cased (emulator.arm.authz reads them).
        self.custom_role_actions: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
        self.tokens: dict[str, dict[str, str]] = {}
        # role assignments: by id, by root (insertion order = seq order), by principal+role+scope
        self.assignments: dict[str, RoleAssignment] = {}
        self.by_root: dict[Root, dict[str, RoleAssignment]] = {}
        self.by_triple: dict[tuple[str, str, str, str], str] = {}
        #: store key -> (assignment, when deleted): still listed until ``arm_list_delay`` has passed.
        self.tombstones: dict[str, tuple[RoleAssignment, datetime]] = {}
        #: group object id -> member object ids (users, service principals, nested groups).
        self.group_members: dict[str, set[str]] = {}
        # Lighthouse
        self.definitions: dict[tuple[str, str], RegistrationDefinition] = {}
        self.lh_assignments: dict[str, RegistrationAssignment] = {}
        self.lh_by_sub: dict[str, dict[str, RegistrationAssignment]] = {}
        self.aliases: dict[str, Alias] = {}
        self.throttle = ArmThrottle()

    # -- tenants, groups, subscriptions ----------------------------------------------------
    def ensure_tenant(self, tenant_id: str, display_name: str | None = None) -> Tenant:
        key = tenant_id.lower()
        tenant = self.tenants.get(key)
        if tenant is None:
            tenant = self.tenants[key] = Tenant(key, display_name or key)
        elif display_name:
            tenant.display_name = display_name
        return tenant

    def subscription(self, sub_id: str, now: datetime) -> Subscription:
        sub = self.subscriptions.get(sub_id.lower())
        if sub is None or not sub.visible(now):
            raise arm_error(404, "SubscriptionNotFound", f"The subscription '{sub_id}' could not be found.")
        return sub

    def management_group(self, name: str) -> ManagementGroup:
        mg = self.management_groups.get(name.lower())
        if mg is None:
            raise arm_error(
                404,
                "ManagementGroupNotFound",
                f"The management group '{name}' was not found (or you have no access to it).",
            )
        return mg

    def mg_chain(self, name: str | None) -> list[str]:
        """``name`` and its ancestors, nearest first."""
        chain: list[str] = []
        while name and name not in chain:
            chain.append(name)
            mg = self.management_groups.get(name)
            name = mg.parent if mg else None
        return chain

    def mg_descendants(self, name: str) -> tuple[list[str], list[str]]:
        """(management groups strictly below ``name``, subscriptions anywhere below it)."""
        children: dict[str, list[str]] = {}
        for mg in self.management_groups.values():
            if mg.parent:
                children.setdefault(mg.parent, []).append(mg.name)
        groups: list[str] = []
        todo = list(children.get(name, []))
        while todo:
            current = todo.pop()
            if current in groups:
                continue
            groups.append(current)
            todo.extend(children.get(current, []))
        under = {name, *groups}
        subs = [s.id for s in self.subscriptions.values() if s.management_group in under]
        return groups, subs

    def managed_by_tenants(self, sub_id: str) -> list[str]:
        """Tenants managing ``sub_id`` through Lighthouse (one entry per managing tenant)."""
        out: list[str] = []
        for a in self.lh_by_sub.get(sub_id, {}).values():
            d = self.definitions.get((sub_id, a.definition_id))
            if d and d.managed_by_tenant_id not in out:
                out.append(d.managed_by_tenant_id)
        return out

    def scope_tenant(self, scope: Scope, caller_tenant: str, now: datetime) -> str:
        """The tenant ``scope`` belongs to (404 when its subscription or group does not exist)."""
        if scope.subscription_id:
            return self.subscription(scope.subscription_id, now).tenant_id
        if scope.management_group:
            return self.management_group(scope.management_group).tenant_id
        return caller_tenant

    # -- principals and roles ----------------------------------------------------------------
    def role_guid(self, value: str, *, allow_bare: bool = False, allow_name: bool = False) -> str:
        """The role GUID from a full roleDefinitionId (or a bare GUID / a built-in name when allowed)."""
        text = value.strip() if isinstance(value, str) else ""
        guid = None
        if allow_name and text.lower() in BUILTIN_ROLES:
            guid = BUILTIN_ROLES[text.lower()]
        elif is_guid(text):
            if not allow_bare:
                raise bad(
                    "InvalidRoleDefinitionId",
                    f"The role definition ID '{text}' is not valid: pass the full id "
                    "(/subscriptions/{id}/providers/Microsoft.Authorization/roleDefinitions/{guid}).",
                )
            guid = text.lower()
        else:
            parts = text.split("/")
            if (
                len(parts) >= 4
                and parts[-3].lower() == "microsoft.authorization"
                and parts[-2].lower() == "roledefinitions"
                and is_guid(parts[-1])
            ):
                guid = parts[-1].lower()
        if guid is None:
            raise bad("InvalidRoleDefinitionId", f"The role definition ID '{text}' is not valid.")
        if guid not in BUILTIN_ROLE_NAMES and guid not in self.custom_roles:
            raise bad("RoleDefinitionDoesNotExist", f"The specified role definition with ID '{guid}' does not exist.")
        return guid

    # -- role assignments ---------------------------------------------------------------------
    def add_assignment(self, ra: RoleAssignment) -> RoleAssignment:
        self.assignments[ra.key] = ra
        self.by_root.setdefault(ra.root, {})[ra.key] = ra
        self.by_triple[(ra.tenant_id, ra.scope.key, ra.role_guid, ra.principal_id)] = ra.key
        self.tombstones.pop(ra.key, None)
        return ra

    def remove_assignment(self, key: str, now: datetime | None = None) -> RoleAssignment | None:
        """Remove by store key (``RoleAssignment.key``); ``now`` keeps it in listings for a while
        (``arm_list_delay``: ARM's listings are eventually consistent)."""
        ra = self.assignments.pop(key, None)
        if ra is not None:
            self.by_root.get(ra.root, {}).pop(key, None)
            triple = (ra.tenant_id, ra.scope.key, ra.role_guid, ra.principal_id)
            if self.by_triple.get(triple) == key:
                del self.by_triple[triple]
            if now is not None:
                self.tombstones[key] = (ra, now)
        return ra

    def find_assignment(self, id_key: str) -> RoleAssignment | None:
        """An assignment by lower-cased id alone, whatever its tenant (control routes only)."""
        found = self.assignments.get(id_key)
        if found is None:
            found = next((ra for ra in self.assignments.values() if ra.id_key == id_key), None)
        return found

    def duplicate_of(self, scope: Scope, role_guid: str, principal_id: str, tenant_id: str) -> RoleAssignment | None:
        key = self.by_triple.get((tenant_id, scope.key, role_guid, principal_id))
        return self.assignments.get(key) if key else None

    def assignments_for(
        self,
        scope: Scope,
        tenant_id: str,
        *,
        above: bool = True,
        below: bool = True,
        deleted_after: datetime | None = None,
        principal: str | None = None,
    ) -> list[RoleAssignment]:
        """Assignments at ``scope``, and above and/or below it, oldest first.

        ``deleted_after``: also those deleted after that moment (a listing that has not caught up yet).
        ``principal``: only that principal's (filtered before sorting: a tenant-wide listing by principal
        sorts its few, not the tenant's every assignment, for each page).
        """
        roots_above: list[Root] = []
        roots_below: list[Root] = []
        own: Root = scope.root(tenant_id)
        if scope.subscription_id:
            sub = self.subscriptions.get(scope.subscription_id)
            roots_above = [("mg", m) for m in self.mg_chain(sub.management_group if sub else None)]
        elif scope.management_group:
            roots_above = [("mg", m) for m in self.mg_chain(scope.management_group)[1:]]
            groups, subs = self.mg_descendants(scope.management_group)
            roots_below = [("mg", g) for g in groups] + [("sub", s) for s in subs]
        else:  # tenant root: everything of the tenant is below
            roots_below = [("mg", m.name) for m in self.management_groups.values() if m.tenant_id == tenant_id]
            roots_below += [("sub", s.id) for s in self.subscriptions.values() if s.tenant_id == tenant_id]
        if own[0] != "root":
            roots_above.append(("root", tenant_id))
        prefix = scope.key.rstrip("/") + "/"

        def in_own_root(ra: RoleAssignment) -> bool:
            return (
                ra.scope.key == scope.key
                or (above and prefix.startswith(ra.scope.key.rstrip("/") + "/"))
                or (below and ra.scope.key.startswith(prefix))
            )

        if below and own[0] == "sub" and scope.key == f"/subscriptions/{own[1]}":
            # The whole subscription: everything its root holds is at or below it (no per-item test; the
            # permission checks ask this for every subscription a listing shows).
            out = list(self.by_root.get(own, {}).values())
        else:
            out = [ra for ra in self.by_root.get(own, {}).values() if in_own_root(ra)]
        other_roots = (roots_above if above else []) + (roots_below if below else [])
        for root in other_roots:
            out.extend(self.by_root.get(root, {}).values())
        if deleted_after is not None:
            wanted = set(other_roots)
            out.extend(
                ra
                for ra, when in self.tombstones.values()
                if when > deleted_after and ((ra.root == own and in_own_root(ra)) or ra.root in wanted)
            )
        if principal is not None:
            out = [ra for ra in out if ra.principal_id == principal]
        out.sort(key=lambda ra: ra.seq)
        return out

    def iter_assignments(self) -> Iterator[RoleAssignment]:
        return iter(sorted(self.assignments.values(), key=lambda ra: ra.seq))

    # -- Lighthouse ---------------------------------------------------------------------------
    def add_lh_assignment(self, a: RegistrationAssignment) -> None:
        key = a.full_id.lower()
        self.lh_assignments[key] = a
        self.lh_by_sub.setdefault(a.scope.subscription_id or "", {})[key] = a

    def remove_lh_assignment(self, key: str) -> RegistrationAssignment | None:
        a = self.lh_assignments.pop(key, None)
        if a is not None:
            self.lh_by_sub.get(a.scope.subscription_id or "", {}).pop(key, None)
        return a

    def lh_assignments_for(self, scope: Scope) -> list[RegistrationAssignment]:
        prefix = scope.key + "/"
        items = self.lh_by_sub.get(scope.subscription_id or "", {}).values()
        return sorted(
            (a for a in items if a.scope.key == scope.key or a.scope.key.startswith(prefix)), key=lambda a: a.seq
        )
