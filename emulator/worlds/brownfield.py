"""A generated brownfield estate: a partner with N customers in the messy state real partners have, for the import
tests and the import benchmark.

``generate_brownfield(count, seed)`` returns a ``BrownfieldWorld``: the emulator scenario (load it with
``EmulatorControl.reset(world.scenario)``), the partner's own stack (``Pulumi.<partner>.yaml``: its groups, adopted by
object id, as a partner stack declares them) and the ground truth per customer that the tests check an import against.

What a partner who never used the toolkit has (reference/azure-facts.md, "GDAP details seen in real estates"):

- Microsoft-led transition relationships (``MLT_<guid>``: 9 roles, 1 year, AdminAgents mapped to all 9 and
  HelpdeskAgents to Service Support + Helpdesk), next to relationships made by hand in Partner Center;
- two or three relationships per customer, in different states: active, expiring, approvalPending, expired,
  terminated; sometimes two live ones (an MLT and its intended successor);
- DAP still on old customers, alone or next to GDAP; customers with Azure subscriptions but no GDAP and no DAP
  (the partner cannot reach them any more);
- access assignments and Azure grants to partner groups the partner stack does not know ("Legacy Ops"), grants
  below subscription scope, other partners' grants (a foreign group of another tenant, another tenant's Lighthouse);
- Lighthouse delegations to one or several partner groups, made by hand (their principals' display names are
  whatever the person onboarding typed), some on a resource group rather than the subscription, some with eligible
  (just-in-time) authorizations, some with the Managed Services Registration assignment Delete Role;
- a Graph ``contract`` for every customer (they come from the Partner Center customers);
- company names that differ between Entra ID (what Graph shows on a relationship, ``customer.displayName``) and
  Partner Center (the contract and the customer);
- relationships with tenants that have no contract (a customer that left), an active one among them;
- relationships that map only a group the reading identity is not in (Tier 2: the operator is in AdminAgents and
  HelpdeskAgents only), so the partner cannot read that customer's Azure;
- relationships of ``P2Y`` (Graph's years) and relationships in ``created`` status (never sent to the customer).

The shapes added after the first version draw from their own random stream, so the customers' kinds stay those of
the same seed before them.

Deterministic: the same arguments give the same world, ids included.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from typing import Any

from emulator.worlds.fleet import ADMIN_AGENTS, HELPDESK_AGENTS, PARTNER_ID, PARTNER_TENANT

NAMESPACE = uuid.UUID("0c5b7e2a-41d9-4f3e-8a6b-9d2e1f0a7c34")
PARTNER_NAME = "Northwind CSP"
TIER2_SUPPORT = "3e9f7a4d-5c6b-4d8e-9f0a-1b2c3d4e5f60"
"""A partner group the partner stack knows (key tier2Support)."""
LEGACY_OPS = "4f0a8b5e-6d7c-4e9f-8a1b-2c3d4e5f6a71"
"""A partner group made by hand that the partner stack does not know: what is granted to it cannot be expressed."""
OTHER_PARTNER_TENANT = "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a"
OTHER_PARTNER_GROUP = "8c7b6a5f-4e3d-4c2b-9a1f-0e9d8c7b6a5f"
PARTNER_GROUP_KEYS = {"adminAgents": ADMIN_AGENTS, "helpdeskAgents": HELPDESK_AGENTS, "tier2Support": TIER2_SUPPORT}

# Directory role template ids (reference/azure-facts.md).
DIRECTORY_READERS = "88d8e3e3-8f55-4a1e-953a-9b9898b8876b"
DIRECTORY_WRITERS = "9360feb5-f418-4baa-8175-e2a00bac4301"
"""Not in catalog/roles.json: an import writes it as its GUID."""
GLOBAL_READER = "f2ef992c-3afb-46b9-b7cf-a126ee74c451"
LICENSE_ADMIN = "4d6ac14f-3453-41d0-bef9-a3e0c569773a"
SERVICE_SUPPORT = "f023fd81-a637-4b56-95fd-791ac0226033"
USER_ADMIN = "fe930be7-5e62-47db-91af-98c3a49a38b1"
PRIVILEGED_ROLE_ADMIN = "e8611ab8-c189-46e8-94e1-60213ab1f814"
HELPDESK_ADMIN = "729827e3-9c14-49f7-bb1b-9608f156bbb8"
PRIVILEGED_AUTH_ADMIN = "7be44c8a-adaf-4e2a-84d6-ab2649e08a13"
GLOBAL_ADMIN = "62e90394-69f5-4237-9190-012177145e10"
MLT_ROLES = (
    DIRECTORY_READERS,
    DIRECTORY_WRITERS,
    GLOBAL_READER,
    LICENSE_ADMIN,
    SERVICE_SUPPORT,
    USER_ADMIN,
    PRIVILEGED_ROLE_ADMIN,
    HELPDESK_ADMIN,
    PRIVILEGED_AUTH_ADMIN,
)
MLT_HELPDESK_ROLES = (SERVICE_SUPPORT, HELPDESK_ADMIN)
LEAST_ROLES = (DIRECTORY_READERS, GLOBAL_READER, SERVICE_SUPPORT, USER_ADMIN, HELPDESK_ADMIN, LICENSE_ADMIN)
ADMIN_LEAST = (DIRECTORY_READERS, GLOBAL_READER, SERVICE_SUPPORT, USER_ADMIN, LICENSE_ADMIN)
HELPDESK_LEAST = (DIRECTORY_READERS, HELPDESK_ADMIN, SERVICE_SUPPORT)

# Azure built-in role definition ids.
OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
DELEGATION_DELETE_ROLE = "91c1777a-f3dc-4fae-b103-61d183457e46"
"""Managed Services Registration assignment Delete Role."""

#: The kinds of customer and how often each occurs.
KINDS = (
    ("gdap", 0.50),  # one active relationship made in Partner Center (plus ended ones)
    ("mlt", 0.15),  # the Microsoft-led transition relationship only
    ("mlt-and-successor", 0.05),  # the MLT relationship and a least-privilege one, both active
    ("gdap-and-dap", 0.06),  # GDAP active, DAP never removed
    ("dap-only", 0.08),
    ("azure-no-delegation", 0.06),  # subscriptions, but no DAP and no live GDAP: unreachable
    ("pending", 0.05),  # a relationship the customer has not approved yet
    ("ended", 0.05),  # only expired and terminated relationships
)
#: Relationship statuses nobody should adopt.
ENDED = ("expired", "terminated")


@dataclass
class CustomerTruth:
    """What an import must find for one customer (the tests compare the written config and report with it)."""

    tenant_id: str
    display_name: str
    domain: str
    kind: str
    dap: bool = False
    relationships: list[dict[str, Any]] = field(default_factory=list)
    """Every relationship of this customer: {id, displayName, status, mlt, roles, assignments: [{id, groupId}]}."""
    adopt_relationship_id: str | None = None
    """The relationship an import with ``--mlt adopt`` adopts (None: none live)."""
    other_live_relationship_ids: list[str] = field(default_factory=list)
    """Live relationships besides the adopted one: one relationship per customer in config, so reported."""
    unknown_group_assignment_ids: list[str] = field(default_factory=list)
    """Access assignments (on the adopted relationship) to a group the partner stack does not know."""
    reachable: bool = False
    """Whether the partner can read the customer's Azure side (DAP, or live GDAP with an agent group mapped)."""
    subscriptions: list[str] = field(default_factory=list)
    adoptable_grants: dict[str, dict[str, str]] = field(default_factory=dict)
    """Subscription id -> {assignmentName, role, group}: the subscription-scope grant the import adopts."""
    inexpressible_grant_ids: list[str] = field(default_factory=list)
    """The partner's RBAC grants config cannot express (below subscription scope, an unknown group, a second one
    on the same subscription): each must be in the report."""
    other_partner_grant_ids: list[str] = field(default_factory=list)
    """Grants of another partner: never the import's business, never in a config."""
    lighthouse: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Subscription id -> {definitionId, assignmentId, assignmentFullId, scope, principals: [group ids],
    roles: [role ids], eligible: [role ids]} (this partner's)."""
    entra_name: str = ""
    """The company name as Entra ID has it (on the relationships); Partner Center's is ``display_name``."""
    unreachable_groups: bool = False
    """Its live relationship maps only groups the reading identity is not in."""


@dataclass
class BrownfieldWorld:
    scenario: dict[str, Any]
    partner_config: dict[str, Any]
    """The partner stack's ``config`` section (partner.groups adopted by object id)."""
    customers: list[CustomerTruth]
    orphan_relationship_ids: list[str] = field(default_factory=list)
    """Relationships with a tenant that has no contract: each must be in the import report."""

    def by_tenant(self) -> dict[str, CustomerTruth]:
        return {c.tenant_id: c for c in self.customers}

    def write_partner_stack(self, project_dir: Any, name: str = "partner") -> str:
        """Write ``Pulumi.<name>.yaml`` (the partner stack) into ``project_dir``; return the stack name."""
        import yaml

        path = project_dir / f"Pulumi.{name}.yaml"
        path.write_text(yaml.safe_dump({"config": self.partner_config}, sort_keys=False), encoding="utf-8")
        return name


def _partner_config() -> dict[str, Any]:
    groups = {
        "adminAgents": {"displayName": "AdminAgents", "mode": "adopt", "objectId": ADMIN_AGENTS},
        "helpdeskAgents": {"displayName": "HelpdeskAgents", "mode": "adopt", "objectId": HELPDESK_AGENTS},
        "tier2Support": {"displayName": "Northwind Tier 2 Support", "mode": "adopt", "objectId": TIER2_SUPPORT},
    }
    partner = {"tenantId": PARTNER_TENANT, "partnerId": PARTNER_ID, "displayName": PARTNER_NAME, "groups": groups}
    return {"csp-delegation:partner": partner}


class _Builder:
    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.shapes = random.Random(f"{seed}-shapes")
        """The later shapes' own stream (see the module doc)."""
        self.relationships: list[dict[str, Any]] = []
        self.pc_customers: list[dict[str, Any]] = []
        self.tenants: list[dict[str, Any]] = [{"id": PARTNER_TENANT, "displayName": PARTNER_NAME}]
        self.subscriptions: list[dict[str, Any]] = []
        self.principals: list[dict[str, Any]] = [
            {"id": ADMIN_AGENTS, "kind": "Group", "tenant": PARTNER_TENANT, "displayName": "AdminAgents"},
            {"id": HELPDESK_AGENTS, "kind": "Group", "tenant": PARTNER_TENANT, "displayName": "HelpdeskAgents"},
            {"id": TIER2_SUPPORT, "kind": "Group", "tenant": PARTNER_TENANT, "displayName": "Northwind Tier 2 Support"},
            {"id": LEGACY_OPS, "kind": "Group", "tenant": PARTNER_TENANT, "displayName": "Legacy Ops"},
            {"id": OTHER_PARTNER_GROUP, "kind": "Group", "tenant": OTHER_PARTNER_TENANT, "displayName": "Fabrikam MSP"},
        ]
        self.tenants.append({"id": OTHER_PARTNER_TENANT, "displayName": "Another partner"})
        self.role_assignments: list[dict[str, Any]] = []
        self.definitions: list[dict[str, Any]] = []
        self.lh_assignments: list[dict[str, Any]] = []

    def guid(self, *parts: object) -> str:
        return str(uuid.uuid5(NAMESPACE, ":".join(str(p) for p in (self.seed, *parts))))

    def relationship_id(self, *parts: object) -> str:
        """Graph's GDAP ids: two GUIDs joined by a hyphen."""
        return f"{self.guid('rel-a', *parts)}-{self.guid('rel-b', *parts)}"

    def relationship(
        self,
        truth: CustomerTruth,
        tag: str,
        *,
        status: str,
        mlt: bool = False,
        roles: tuple[str, ...] = LEAST_ROLES,
        access: list[tuple[str, tuple[str, ...]]] | None = None,
        auto_extend: bool = False,
        name: str | None = None,
        duration: str | None = None,
    ) -> dict[str, Any]:
        rel_id = self.relationship_id(truth.tenant_id, tag)
        display = f"MLT_{self.guid('mlt', truth.tenant_id, tag)}" if mlt else (name or f"{truth.domain[:30]}-{tag}")
        if access is None:
            access = (
                [(ADMIN_AGENTS, MLT_ROLES), (HELPDESK_AGENTS, MLT_HELPDESK_ROLES)]
                if mlt
                else [(ADMIN_AGENTS, ADMIN_LEAST), (HELPDESK_AGENTS, HELPDESK_LEAST)]
            )
        live = status in ("active", "expiring")
        assignments = []
        for group, group_roles in access if live else []:
            assignments.append(
                {
                    "id": self.guid("access", rel_id, group),
                    "groupId": group,
                    "roles": list(group_roles),
                    "status": "active",
                }
            )
        entry: dict[str, Any] = {
            "id": rel_id,
            "displayName": display,
            "customer": {"tenantId": truth.tenant_id, "displayName": truth.entra_name or truth.display_name},
            "roles": list((mlt and MLT_ROLES) or roles),
            "duration": duration or ("P365D" if mlt else "P730D"),
            "status": status,
            "accessAssignments": assignments,
        }
        if auto_extend and GLOBAL_ADMIN not in entry["roles"]:
            entry["autoExtendDuration"] = "P180D"
        self.relationships.append(entry)
        summary = {
            "id": rel_id,
            "displayName": display,
            "status": status,
            "mlt": mlt,
            "roles": entry["roles"],
            "assignments": [{"id": a["id"], "groupId": a["groupId"]} for a in assignments],
        }
        truth.relationships.append(summary)
        return summary

    def ended(self, truth: CustomerTruth, count: int) -> None:
        for k in range(count):
            status = ENDED[self.rng.randrange(2)]
            self.relationship(truth, f"old{k}", status=status, mlt=self.rng.random() < 0.4)

    def azure(self, truth: CustomerTruth, n: int) -> None:
        """Subscriptions with the CSP grant (AdminAgents Owner), and the mess around it."""
        rng = self.rng
        # Some customers delegate every subscription alike to Tier 2 (what config can adopt), on the whole subscription.
        uniform = (False, *self.lighthouse_shape()[1:]) if self.shapes.random() < 0.25 else None
        for s in range(rng.choice((0, 1, 1, 2, 3))):
            sub = self.guid("sub", truth.tenant_id, s)
            truth.subscriptions.append(sub)
            self.subscriptions.append(
                {"id": sub, "tenant": truth.tenant_id, "displayName": f"Customer {n:05d} sub {s}"}
            )
            base = f"/subscriptions/{sub}"
            owner = self.rbac(base, ADMIN_AGENTS, OWNER, "ForeignGroup")
            truth.adoptable_grants[sub] = {"assignmentName": owner, "role": "Owner", "group": "adminAgents"}
            roll = rng.random()
            if roll < 0.15:  # Reader for HelpdeskAgents on a resource group: below subscription scope
                truth.inexpressible_grant_ids.append(
                    self.rbac(f"{base}/resourceGroups/rg-app", HELPDESK_AGENTS, READER, "ForeignGroup", full=True)
                )
            elif roll < 0.25:  # a grant to a partner group made by hand, unknown to the partner stack
                truth.inexpressible_grant_ids.append(
                    self.rbac(base, LEGACY_OPS, CONTRIBUTOR, "ForeignGroup", full=True)
                )
            elif roll < 0.32:  # a second grant of a known group on the same subscription
                truth.inexpressible_grant_ids.append(self.rbac(base, TIER2_SUPPORT, READER, "ForeignGroup", full=True))
            if rng.random() < 0.2:  # another partner's grant
                truth.other_partner_grant_ids.append(
                    self.rbac(base, OTHER_PARTNER_GROUP, CONTRIBUTOR, "ForeignGroup", full=True)
                )
            if rng.random() < 0.12:
                several = rng.random() < 0.4
                principals = [TIER2_SUPPORT, *([HELPDESK_AGENTS] if several else [])]
                self.lighthouse(truth, sub, PARTNER_TENANT, principals, [CONTRIBUTOR] if not several else [READER])
            elif uniform is not None:
                self.lighthouse(truth, sub, PARTNER_TENANT, [TIER2_SUPPORT], [CONTRIBUTOR], shape=uniform)
            if rng.random() < 0.05:
                self.lighthouse(truth, sub, OTHER_PARTNER_TENANT, [OTHER_PARTNER_GROUP], [READER])

    def orphans(self, count: int) -> list[str]:
        """Relationships with tenants that have no contract (customers that left): the first active and mapped."""
        ids = []
        for k in range(count):
            gone = CustomerTruth(self.guid("gone-tenant", k), f"Former customer {k}", f"gone{k}.onmicrosoft.com", "")
            status = "active" if k == 0 else self.shapes.choice(("active", "expired", "terminated"))
            ids.append(self.relationship(gone, f"gone{k}", status=status)["id"])
        return ids

    def rbac(self, scope: str, principal: str, role: str, ptype: str, *, full: bool = False) -> str:
        name = self.guid("ra", scope, principal, role)
        self.role_assignments.append(
            {"scope": scope, "principalId": principal, "role": role, "principalType": ptype, "name": name}
        )
        return f"{scope}/providers/Microsoft.Authorization/roleAssignments/{name}" if full else name

    def lighthouse_shape(self) -> tuple[bool, bool, bool]:
        """(on a resource group, with the Delete Role, with an eligible Contributor) for one offer."""
        return self.shapes.random() < 0.3, self.shapes.random() < 0.4, self.shapes.random() < 0.35

    def lighthouse(
        self,
        truth: CustomerTruth,
        sub: str,
        managed_by: str,
        principals: list[str],
        roles: list[str],
        shape: tuple[bool, bool, bool] | None = None,
    ) -> None:
        def_id, assignment_id = self.guid("lh-def", sub, managed_by), self.guid("lh-as", sub, managed_by)
        shapes = self.shapes
        on_group, removable, eligible_contributor = shape or self.lighthouse_shape()
        definition_scope = f"/subscriptions/{sub}"
        # Made by hand: the display names are whatever was typed, never the partner stack's group keys.
        names = {
            TIER2_SUPPORT: shapes.choice(("Tier 2", "MSP Operators", "Northwind T2 (do not delete)")),
            HELPDESK_AGENTS: shapes.choice(("Helpdesk", "Service desk")),
            OTHER_PARTNER_GROUP: "Fabrikam MSP",
        }
        scope = f"{definition_scope}/resourceGroups/rg-app" if on_group else definition_scope
        authorizations = [
            {"principalId": p, "principalIdDisplayName": names[p], "roleDefinitionId": r}
            for p in principals
            for r in roles
        ]
        if removable:  # Microsoft's recommendation: the managing tenant can remove the delegation
            authorizations.append(
                {
                    "principalId": principals[0],
                    "principalIdDisplayName": names[principals[0]],
                    "roleDefinitionId": DELEGATION_DELETE_ROLE,
                }
            )
        eligible = []
        if eligible_contributor:  # just in time: Contributor the group can activate for up to 8 hours
            eligible.append(
                {
                    "principalId": principals[0],
                    "principalIdDisplayName": names[principals[0]],
                    "roleDefinitionId": CONTRIBUTOR,
                    "justInTimeAccessPolicy": {"multiFactorAuthProvider": "Azure", "maximumActivationDuration": "PT8H"},
                }
            )
        definition: dict[str, Any] = {
            "scope": definition_scope,
            "id": def_id,
            "registrationDefinitionName": "Managed services",
            "managedByTenantId": managed_by,
            "authorizations": authorizations,
        }
        if eligible:
            definition["eligibleAuthorizations"] = eligible
        self.definitions.append(definition)
        self.lh_assignments.append({"scope": scope, "id": assignment_id, "registrationDefinitionId": def_id})
        if managed_by == PARTNER_TENANT:
            truth.lighthouse[sub] = {
                "definitionId": def_id,
                "assignmentId": assignment_id,
                "assignmentFullId": f"{scope}/providers/Microsoft.ManagedServices/registrationAssignments/"
                f"{assignment_id}",
                "scope": scope,
                "principals": principals,
                "roles": [a["roleDefinitionId"] for a in authorizations],
                "eligible": [e["roleDefinitionId"] for e in eligible],
            }


def generate_brownfield(count: int, seed: int = 1) -> BrownfieldWorld:
    """A partner with ``count`` customers (see the module doc); the same arguments give the same world."""
    if count < 0:
        raise ValueError("count must be >= 0")
    b = _Builder(seed)
    rng = b.rng
    truths: list[CustomerTruth] = []
    for n in range(count):
        tenant = b.guid("tenant", n)
        kind = rng.choices([k for k, _ in KINDS], weights=[w for _, w in KINDS])[0]
        # Company names real partners see: punctuation, accents, duplicates in all but tenant.
        display = rng.choice(("Contoso", "Fabrikam", "Adatum", "Woodgrove", "Tailspin", "Lamna", "Wingtip"))
        display = f"{display} {rng.choice(('Ltd', 'GmbH', 'S.A.', 'Inc.', '& Söhne', 'Holdings'))} {n:05d}"
        truth = CustomerTruth(tenant, display, f"cust{n:05d}.onmicrosoft.com", kind)
        if b.shapes.random() < 0.5:  # Entra ID's name is not Partner Center's company name
            truth.entra_name = b.shapes.choice((display.upper(), display.replace(" ", "  "), f"{display} (EU)"))
        truths.append(truth)
        dap = kind in ("dap-only", "gdap-and-dap")
        truth.dap = dap
        b.pc_customers.append({"tenantId": tenant, "companyName": display, "domain": truth.domain, "dap": dap})
        b.tenants.append({"id": tenant, "displayName": truth.entra_name or display, "defaultDomain": truth.domain})
        if kind in ("gdap", "gdap-and-dap"):
            access = [(ADMIN_AGENTS, ADMIN_LEAST), (HELPDESK_AGENTS, HELPDESK_LEAST)]
            roles = LEAST_ROLES
            if rng.random() < 0.15:
                access.append((TIER2_SUPPORT, (DIRECTORY_READERS, SERVICE_SUPPORT)))
            legacy = rng.random() < 0.15
            if legacy:
                access.append((LEGACY_OPS, (DIRECTORY_READERS,)))
            if rng.random() < 0.05:
                roles = (*LEAST_ROLES, GLOBAL_ADMIN)
            status = "expiring" if rng.random() < 0.1 else "active"
            if kind == "gdap" and b.shapes.random() < 0.12:  # mapped to a group the reading identity is not in
                access = [(TIER2_SUPPORT, (DIRECTORY_READERS, SERVICE_SUPPORT))]
                truth.unreachable_groups = True
            duration = "P2Y" if b.shapes.random() < 0.25 else None
            rel = b.relationship(
                truth,
                "gdap",
                status=status,
                roles=roles,
                access=access,
                auto_extend=rng.random() < 0.5,
                duration=duration,
            )
            truth.adopt_relationship_id = rel["id"]
            truth.unknown_group_assignment_ids = [a["id"] for a in rel["assignments"] if a["groupId"] == LEGACY_OPS]
            b.ended(truth, rng.choice((0, 1, 1, 2)))
        elif kind == "mlt":
            truth.adopt_relationship_id = b.relationship(truth, "mlt", status="active", mlt=True)["id"]
            b.ended(truth, rng.choice((0, 1)))
        elif kind == "mlt-and-successor":
            mlt = b.relationship(truth, "mlt", status="active", mlt=True)
            successor = b.relationship(truth, "gdap", status="active")
            truth.adopt_relationship_id = successor["id"]
            truth.other_live_relationship_ids = [mlt["id"]]
            b.ended(truth, rng.choice((0, 1)))
        elif kind == "pending":
            status = "created" if b.shapes.random() < 0.4 else "approvalPending"  # created: never sent
            truth.adopt_relationship_id = b.relationship(truth, "gdap", status=status)["id"]
            b.ended(truth, rng.choice((0, 1)))
        elif kind in ("ended", "azure-no-delegation"):
            b.ended(truth, rng.choice((1, 2, 3)) if kind == "ended" else rng.choice((0, 1)))
        elif kind == "dap-only":
            b.ended(truth, rng.choice((0, 0, 1)))
        truth.reachable = dap or (
            kind in ("gdap", "gdap-and-dap", "mlt", "mlt-and-successor") and not truth.unreachable_groups
        )
        if kind != "ended":
            b.azure(truth, n)
    orphans = b.orphans(max(1, count // 10))
    scenario = {
        "name": f"brownfield estate of {count} customers (seed {seed})",
        "partner_tenant_id": PARTNER_TENANT,
        "gdap": {"relationships": b.relationships},
        "partner_center": {
            "partner_id": PARTNER_ID,
            "admin_agents_group_id": ADMIN_AGENTS,
            "helpdesk_agents_group_id": HELPDESK_AGENTS,
            "customers": b.pc_customers,
        },
        "arm": {
            "tenants": b.tenants,
            "subscriptions": b.subscriptions,
            "principals": b.principals,
            "role_assignments": b.role_assignments,
            "registration_definitions": b.definitions,
            "registration_assignments": b.lh_assignments,
        },
    }
    return BrownfieldWorld(
        scenario=scenario, partner_config=_partner_config(), customers=truths, orphan_relationship_ids=orphans
    )
