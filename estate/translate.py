"""Turn each customer of a read estate into the stack config that describes it, and list what config cannot say.

Pure: no I/O. Per customer, the decisions (each one the report can explain):

- **Which relationship.** Config holds one relationship per customer. Live ones (active, expiring) come first, then
  ones on their way (created, approvalPending, approved, activating); a hand-made relationship before a
  Microsoft-led transition one (``MLT_...``), the latest end date first. Every other live or pending relationship is
  reported (it stays as it is, outside config); ended ones (expired, terminated, on their way to it) are never
  adopted and are reported too. ``mlt="replace"`` adopts no MLT relationship: the config declares a least-privilege
  relationship (the catalog's defaults) to replace it, and the report says so.
- **Delegation.** A chosen relationship: ``gdap`` (``legacyDap`` when DAP is still on). None, but DAP: ``dap``.
  Neither: the customer is not written (nothing to adopt), unless ``include_ended``: then it is written with a new
  least-privilege relationship to create.
- **Access.** Each active or pending assignment of a group the partner stack knows, adopted by id; one to any other
  group is reported.
- **Azure.** Per subscription, one grant of a known group at subscription scope (AdminAgents' Owner first: what a
  CSP subscription has) is adopted as ``existingSubscriptions``; a second grant on the same subscription, a grant
  below or above subscription scope, or to a group the partner stack does not know, is reported.
- **Lighthouse.** Adopted when config can say it: every delegated subscription is in ``existingSubscriptions`` and
  vice versa, all to one known group with the same roles, none Owner or User Access Administrator. Otherwise each
  delegation is reported.

Roles are written by name where ``catalog/roles.json`` knows them, as GUIDs otherwise (noted in the report).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Literal

import catalog
from azure_http import gdap

from .model import PENDING_STATUSES, CustomerEstate, LighthouseDelegation, RbacGrant, Relationship

MltMode = Literal["adopt", "replace"]
NOT_EXPRESSED = "not expressed"
"""Exists, but config cannot say it: left as it is, outside the stack."""
NOTE = "note"
"""In the config, with something to know about it."""
SKIPPED = "not written"
"""The customer is not written at all."""

ADOPTABLE_ACCESS = frozenset({"active", "pending"})
_NAME_MAX = 40


@dataclass(frozen=True)
class PartnerInfo:
    """The partner as its stack declares it: tenant, ids and the groups (key -> object id) it knows."""

    tenant_id: str
    partner_id: str
    display_name: str
    groups: dict[str, str]
    reader_groups: frozenset[str] | None = None
    """Object ids of the groups the identity reading the estate is in (lower case). None: AdminAgents and
    HelpdeskAgents, where Microsoft's CSP model and this toolkit's set-up put the partner's operators. A
    relationship that maps only other groups gives that identity no way into the customer's tenant."""

    def key_of(self, group_id: str) -> str | None:
        for key, object_id in self.groups.items():
            if object_id.lower() == group_id.lower():
                return key
        return None

    def reads_through(self, group_id: str) -> bool:
        """Whether the reading identity is in ``group_id`` (so reaches a tenant where it is mapped)."""
        if self.reader_groups is not None:
            return group_id.lower() in self.reader_groups
        return self.key_of(group_id) in ("adminAgents", "helpdeskAgents")


@dataclass(frozen=True)
class Finding:
    """One line of the import report: something the config does not hold, or holds with a caveat."""

    tenant_id: str
    customer: str
    """The customer's display name (untrusted text: renderers escape it)."""
    severity: str
    kind: str
    subject: str
    """The object's id (relationship, assignment, role assignment, delegation) or ''."""
    detail: str

    def to_json(self) -> dict[str, str]:
        return {
            "tenantId": self.tenant_id,
            "customer": self.customer,
            "severity": self.severity,
            "kind": self.kind,
            "subject": self.subject,
            "detail": self.detail,
        }


@dataclass
class CustomerImport:
    """The import's result for one customer: the config entry to write (None: not written) and its findings."""

    tenant_id: str
    display_name: str
    name: str
    entry: dict[str, Any] | None
    findings: list[Finding] = field(default_factory=list)
    adopted: dict[str, int] = field(default_factory=dict)
    """What the entry adopts, by kind (relationship, access assignment, role assignment, Lighthouse)."""


def role_names(role_ids: tuple[str, ...] | list[str], lookup) -> tuple[list[str], list[str]]:
    """Role names where the catalog knows them, GUIDs otherwise; and the GUIDs it did not know."""
    out, unknown = [], []
    for guid in role_ids:
        name = lookup(guid)
        out.append(name)
        if name == guid:
            unknown.append(guid)
    return out, unknown


def customer_name(display_name: str, tenant_id: str, taken: set[str]) -> str:
    """A stack/customer name (2-40 lowercase letters, digits, dashes) from a company name, unique in ``taken``."""
    ascii_text = unicodedata.normalize("NFKD", display_name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if not slug or not slug[0].isalpha():
        slug = f"c-{slug}" if slug else f"customer-{tenant_id[:8]}"
    base = slug[:_NAME_MAX].rstrip("-")
    if len(base) < 2:
        base = f"customer-{tenant_id[:8]}"
    name, n = base, 1
    while name in taken:
        n += 1
        suffix = f"-{n}"
        name = base[: _NAME_MAX - len(suffix)].rstrip("-") + suffix
    taken.add(name)
    return name


def _rank(rel: Relationship) -> tuple:
    """Lower first: live before pending, hand-made before MLT, the latest end first."""
    return (0 if rel.live else 1, 1 if rel.mlt else 0, _neg(rel.end or ""), rel.id)


def _neg(text: str) -> str:
    return "".join(chr(0x10FFFF - ord(c)) for c in text)


class _Customer:
    def __init__(self, c: CustomerEstate, partner: PartnerInfo, name: str) -> None:
        self.c, self.partner = c, partner
        self.result = CustomerImport(c.tenant_id, c.display_name, name, None)

    def find(self, severity: str, kind: str, subject: str, detail: str) -> None:
        self.result.findings.append(Finding(self.c.tenant_id, self.c.display_name, severity, kind, subject, detail))

    def adopted(self, kind: str) -> None:
        self.result.adopted[kind] = self.result.adopted.get(kind, 0) + 1

    # -- GDAP ----------------------------------------------------------------------------
    def choose(self, mlt: MltMode) -> tuple[Relationship | None, Relationship | None]:
        """(the relationship to adopt, an MLT relationship to replace)."""
        candidates = sorted((r for r in self.c.relationships if r.live or r.status in PENDING_STATUSES), key=_rank)
        replaced = None
        if mlt == "replace":
            mlts = [r for r in candidates if r.mlt]
            candidates = [r for r in candidates if not r.mlt]
            if not candidates and mlts:
                replaced = mlts[0]
        chosen = candidates[0] if candidates else None
        for rel in self.c.relationships:
            if rel is chosen:
                continue
            label = f"{rel.display_name!r} ({rel.status})"
            if rel.ended:
                self.find(
                    NOT_EXPRESSED,
                    "ended relationship",
                    rel.id,
                    f"relationship {label} has ended: never adopted (Microsoft purges it a year after it ends)",
                )
            elif rel is replaced:
                self.find(
                    NOTE,
                    "MLT replaced",
                    rel.id,
                    f"relationship {label} is not adopted (--mlt replace): the config declares a least-privilege "
                    "relationship to replace it; terminate this one once the customer has approved the new one",
                )
            elif rel.live or rel.status in PENDING_STATUSES:
                self.find(
                    NOT_EXPRESSED,
                    "another relationship",
                    rel.id,
                    f"relationship {label} is live too, and config holds one relationship per customer: it stays "
                    f"as it is, outside the config (adopted: {chosen.display_name!r})"
                    if chosen
                    else f"relationship {label} stays as it is, outside the config",
                )
            else:
                self.find(NOT_EXPRESSED, "relationship", rel.id, f"relationship {label}: a status nobody adopts")
        return chosen, replaced

    def gdap_entry(self, rel: Relationship) -> dict[str, Any]:
        roles, unknown = role_names(rel.role_ids, catalog.directory_role_name)
        for guid in unknown:
            self.find(NOTE, "role by GUID", rel.id, f"role {guid} is not in catalog/roles.json: written as its GUID")
        entry: dict[str, Any] = {"displayName": rel.display_name}
        days = gdap.duration_days(rel.duration) if rel.duration else None
        if days is not None:
            entry["duration"] = f"P{days}D"  # the form the intent declares: the same duration, never a change
            if rel.duration != entry["duration"]:
                self.find(
                    NOTE,
                    "duration",
                    rel.id,
                    f"duration {rel.duration!r} as Graph shows it: written as {entry['duration']!r}, the same "
                    "duration (what the config declares and Graph takes)",
                )
        elif rel.duration:
            self.find(NOTE, "duration", rel.id, f"duration {rel.duration!r} is not PnD/PnW/PnY: left to the default")
        entry["autoExtend"] = gdap.auto_extends(rel.auto_extend_duration)
        if catalog.GLOBAL_ADMINISTRATOR in rel.role_ids:
            entry["allowGlobalAdministrator"] = True
            self.find(
                NOTE,
                "Global Administrator",
                rel.id,
                f"relationship {rel.display_name!r} grants Global Administrator: adopted as it is "
                "(allowGlobalAdministrator: true); not least privilege",
            )
        if rel.mlt:
            self.find(
                NOTE,
                "MLT adopted",
                rel.id,
                f"{rel.display_name!r} is a Microsoft-led transition relationship (9 roles, 1 year): adopted as it is; "
                "--mlt replace plans a least-privilege one instead",
            )
        entry["roles"] = roles
        if rel.live:
            access = []
            for a in rel.access:
                key = self.partner.key_of(a.group_id)
                if a.status not in ADOPTABLE_ACCESS:
                    if a.status == "error":
                        self.find(NOT_EXPRESSED, "access assignment", a.id, f"access for group {a.group_id} failed")
                    continue
                if key is None:
                    names, _ = role_names(a.role_ids, catalog.directory_role_name)
                    self.find(
                        NOT_EXPRESSED,
                        "unknown group",
                        a.id,
                        f"access assignment gives group {a.group_id} ({', '.join(names)}) on {rel.display_name!r}; "
                        "the partner stack does not know that group (add it to partner.groups to adopt this)",
                    )
                    continue
                group_roles, _ = role_names(a.role_ids, catalog.directory_role_name)
                access.append({"group": key, "roles": group_roles, "adoptAssignmentId": a.id})
                self.adopted("access assignment")
            entry["access"] = access
        elif rel.status == gdap.CREATED:
            self.find(
                NOTE,
                "lockForApproval",
                rel.id,
                f"relationship {rel.display_name!r} is created and was never sent to the customer: adopted, and the "
                "first `pulumi up` sends lockForApproval (the customer then gets the approval link); its access "
                "assignments are made once the customer approves it",
            )
        else:
            self.find(
                NOTE,
                "pending",
                rel.id,
                f"relationship {rel.display_name!r} is {rel.status}: adopted; its access assignments are made once "
                "the customer approves it",
            )
        entry["adoptRelationshipId"] = rel.id
        self.adopted("relationship")
        return entry

    # -- Azure ---------------------------------------------------------------------------
    def not_visible(self) -> None:
        """Say so when the partner's view of the customer's Azure is empty because it cannot look, not because it
        is empty: grants the partner still holds there (role assignments, Lighthouse) are in no config."""
        c, azure = self.c, self.c.azure
        if (azure is not None and (azure.subscriptions or azure.errors)) or _reaches(c, self.partner):
            return
        mapped = _mapped_groups(c, self.partner)
        why = (
            f"its live relationships map only groups the reading identity is not in ({mapped})"
            if mapped
            else "no DAP and no active GDAP relationship"
        )
        self.find(
            NOT_EXPRESSED,
            "Azure not visible",
            "",
            f"{why}: the partner cannot see this tenant's subscriptions, so grants it may still hold there (role "
            "assignments, Lighthouse delegations) are not in the config; the customer's audit lists them",
        )

    def azure_entries(self) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        azure = self.c.azure
        if azure is None:
            return [], None
        for error in azure.errors:
            if _reaches(self.c, self.partner):
                self.find(NOT_EXPRESSED, "not read", "", f"Azure could not be read: {error}")
            else:  # expected: with no DAP and no active GDAP, Entra ID gives the partner no token for the tenant
                self.find(
                    NOT_EXPRESSED,
                    "Azure not visible",
                    "",
                    f"no DAP and no active GDAP relationship: the partner cannot read this tenant's Azure ({error})",
                )
        by_subscription: dict[str, list[RbacGrant]] = {}
        for grant in azure.grants:
            key = self.partner.key_of(grant.principal_id)
            role = catalog.azure_role_name(grant.role_id)
            if key is None:
                self.find(
                    NOT_EXPRESSED,
                    "unknown group",
                    grant.id,
                    f"{role} for principal {grant.principal_id} at {grant.scope}: the partner stack does not know "
                    "that principal (add it to partner.groups to adopt this)",
                )
            elif not grant.at_subscription:
                where = "inherited from above the subscription" if grant.inherited or not grant.subscription_id else ""
                self.find(
                    NOT_EXPRESSED,
                    "scope",
                    grant.id,
                    f"{role} for {key} at {grant.scope} {where}".rstrip()
                    + ": config grants roles on whole subscriptions only",
                )
            else:
                by_subscription.setdefault(grant.subscription_id or "", []).append(grant)
        existing: list[dict[str, Any]] = []
        for subscription_id, _ in azure.subscriptions:
            grants = sorted(
                by_subscription.get(subscription_id, []),
                key=lambda g: (
                    self.partner.key_of(g.principal_id) != "adminAgents",
                    g.role_id != catalog.OWNER,
                    g.id.lower(),
                ),
            )
            if not grants:
                continue
            first, rest = grants[0], grants[1:]
            role = catalog.azure_role_name(first.role_id)
            existing.append(
                {
                    "subscriptionId": subscription_id,
                    "role": role,
                    "group": self.partner.key_of(first.principal_id),
                    "adoptRoleAssignment": first.name,
                }
            )
            self.adopted("role assignment")
            if role == first.role_id:
                self.find(NOTE, "role by GUID", first.id, f"Azure role {role} is not in the catalog: written as GUID")
            for other in rest:
                self.find(
                    NOT_EXPRESSED,
                    "second grant",
                    other.id,
                    f"{catalog.azure_role_name(other.role_id)} for {self.partner.key_of(other.principal_id)} on "
                    f"subscription {subscription_id}: config holds one partner grant per subscription",
                )
        lighthouse = self.lighthouse(existing)
        return existing, lighthouse

    def lighthouse(self, existing: list[dict[str, Any]]) -> dict[str, Any] | None:
        azure = self.c.azure
        mine = (
            [d for d in azure.lighthouse if d.managed_by_tenant_id == self.partner.tenant_id.lower()] if azure else []
        )
        ours = [d for d in mine if d.whole_subscription]
        for d in mine:
            if not d.whole_subscription:
                self.find(
                    NOT_EXPRESSED,
                    "Lighthouse scope",
                    d.assignment_id,
                    f"Lighthouse delegation of {d.scope} ({_authorizations(d, self.partner)}): config delegates whole "
                    "subscriptions only, so it stays as it is, outside the stack",
                )
        reason = self._lighthouse_blocker(ours, existing) if ours else None
        for d in mine:
            for principal, role, longest in d.eligible:
                self.find(
                    NOT_EXPRESSED,
                    "eligible authorization",
                    d.assignment_id,
                    f"{catalog.azure_role_name(role)} can be activated just in time by "
                    f"{self.partner.key_of(principal) or principal}"
                    + (f" (up to {longest})" if longest else "")
                    + f" through the Lighthouse delegation of {d.scope or d.subscription_id}: config cannot declare "
                    "eligible authorizations; "
                    + (
                        "the adopted offer keeps them as they are"
                        if d in ours and reason is None
                        else "the delegation stays as it is"
                    ),
                )
        if not ours:
            return None
        if reason:
            for d in ours:
                self.find(
                    NOT_EXPRESSED,
                    "Lighthouse",
                    d.assignment_id,
                    f"Lighthouse delegation of subscription {d.subscription_id} "
                    f"({_authorizations(d, self.partner)}): {reason}",
                )
            return None
        first = ours[0]
        key = self.partner.key_of(first.authorizations[0][0])
        roles = list(dict.fromkeys(r for _, r in first.authorizations))  # the offer's order: adopted as it is
        if catalog.DELEGATION_DELETE_ROLE not in roles:
            self.find(
                NOTE,
                "Lighthouse removal",
                first.assignment_id,
                "the adopted offer grants no partner group the Managed Services Registration assignment Delete "
                "Role: only the customer can remove the delegation (offers this stack makes include it)",
            )
        by_sub = {d.subscription_id: d for d in ours}
        for sub in existing:
            d = by_sub[sub["subscriptionId"]]
            sub["adoptLighthouse"] = {
                "registrationDefinitionId": d.definition_id,
                "registrationAssignmentId": d.assignment_name,
            }
            self.adopted("Lighthouse delegation")
        return {"enabled": True, "group": key, "roles": [catalog.azure_role_name(r) for r in roles]}

    def _lighthouse_blocker(self, ours: list[LighthouseDelegation], existing: list[dict[str, Any]]) -> str | None:
        principals = {p for d in ours for p, _ in d.authorizations}
        role_sets = {frozenset(r for _, r in d.authorizations) for d in ours}
        role_orders = {tuple(dict.fromkeys(r for _, r in d.authorizations)) for d in ours}
        if len(principals) != 1:
            return "this customer's delegations name several principals, and config delegates to one group"
        (principal,) = principals
        if self.partner.key_of(principal) is None:
            return f"principal {principal} is not a group the partner stack knows"
        if len(role_sets) != 1 or len(role_orders) != 1:
            return "the customer's delegations differ in roles, and config gives every subscription the same roles"
        if any(len(d.authorizations) != len(set(d.authorizations)) for d in ours):
            return "an authorization is listed twice in the offer, and config lists each role once"
        if {catalog.OWNER, catalog.USER_ACCESS_ADMINISTRATOR} & next(iter(role_sets)):
            return "Owner and User Access Administrator cannot be declared for Lighthouse"
        if any(not catalog.is_guid(d.definition_id) or not catalog.is_guid(d.assignment_name) for d in ours):
            return "its ids are not GUIDs"
        delegated = {d.subscription_id for d in ours}
        granted = {s["subscriptionId"] for s in existing}
        if delegated != granted:
            return (
                "config delegates every subscription it lists, and this customer's delegated subscriptions "
                "are not the ones with a partner grant"
            )
        return None


def _authorizations(d: LighthouseDelegation, partner: PartnerInfo) -> str:
    return ", ".join(f"{catalog.azure_role_name(r)} to {partner.key_of(p) or p}" for p, r in d.authorizations)


def translate_customer(
    c: CustomerEstate, partner: PartnerInfo, name: str, *, mlt: MltMode = "adopt", include_ended: bool = False
) -> CustomerImport:
    """The config entry for one customer (None when there is nothing to adopt) and its findings."""
    t = _Customer(c, partner, name)
    if c.dap_error is not None:
        t.find(
            NOT_EXPRESSED,
            "not read",
            "",
            f"Partner Center's read of the customer failed, so whether DAP is on is unknown (not taken as off): "
            f"{c.dap_error}; run the import again",
        )
    chosen, replaced = t.choose(mlt)
    entry: dict[str, Any] = {
        "name": name,
        "displayName": c.display_name,
        "tenantId": c.tenant_id,
        "defaultDomain": c.default_domain,
    }
    if chosen is not None:
        entry["delegation"] = "gdap"
        entry["gdap"] = t.gdap_entry(chosen)
    elif replaced is not None:
        entry["delegation"] = "gdap"  # the catalog's least-privilege relationship, to be created
    elif c.dap:
        entry["delegation"] = "dap"
    elif c.dap_error is not None:
        t.azure_entries()  # DAP unknown: nothing is written on a guess; its grants are still listed
        return t.result
    elif include_ended:
        entry["delegation"] = "gdap"
        t.find(
            NOTE,
            "new relationship",
            "",
            "no live relationship and no DAP (--include-ended): the config declares a least-privilege relationship; "
            "the first `pulumi up` creates it and the customer must approve it",
        )
    else:
        t.find(
            SKIPPED,
            "nothing to adopt",
            "",
            "no live or pending GDAP relationship and no DAP: not written (--include-ended writes it with a new "
            "least-privilege relationship)",
        )
        t.azure_entries()  # its grants are still listed
        t.not_visible()
        return t.result
    if entry["delegation"] == "gdap" and c.dap:
        entry["legacyDap"] = True
        t.find(
            NOTE,
            "legacy DAP",
            "",
            "DAP is still on: legacyDap: true (Microsoft's order: remove it only once GDAP, with its Azure roles, "
            "is active)",
        )
    existing, lighthouse = t.azure_entries()
    if existing:
        entry["existingSubscriptions"] = existing
    if lighthouse:
        entry["lighthouse"] = lighthouse
    t.not_visible()
    t.result.entry = entry
    return t.result


def _reaches(c: CustomerEstate, partner: PartnerInfo) -> bool:
    """Whether the reading identity can sign in to the customer's tenant: DAP, or a live relationship with an active
    access assignment of a group it is in."""
    return bool(c.dap) or any(
        r.live and any(a.status == "active" and a.group_id and partner.reads_through(a.group_id) for a in r.access)
        for r in c.relationships
    )


def _mapped_groups(c: CustomerEstate, partner: PartnerInfo) -> str:
    groups = {a.group_id for r in c.relationships if r.live for a in r.access if a.group_id}
    return ", ".join(sorted(partner.key_of(g) or g for g in groups))
