"""Remove a partner's access to a customer tenant: GDAP, DAP, Azure RBAC, Lighthouse. Reseller relationship kept.

Dry run by default: the plan is the audit's grants of that partner, and nothing is touched. With
``apply`` every grant is removed in the order that keeps the caller's own rights until the end. In
Azure the partner's right to delete comes from the very grants being removed: its Owner (or User
Access Administrator) assignments, used through admin-on-behalf-of, which itself lasts only while
GDAP or DAP does. So:

1. Azure first: Lighthouse delegations and every RBAC grant that gives no right to remove role
   assignments (concurrently, bounded per subscription and overall, paced inside ARM's buckets);
2. a sweep of the customer's subscriptions that removes what appeared meanwhile (grants added
   mid-run, deletes that answered without effect), while the caller can still see;
3. the grants that give the caller its rights (Owner, User Access Administrator, custom roles),
   narrowest scope first, so each delete is still authorised by a broader grant or by itself;
4. the directory side last, in Microsoft's order: GDAP terminated (read back as terminating or
   terminated), then DAP removed (``allowDelegatedAccess`` read back as false);
5. verification (``runbooks.verify``): Azure swept again with bounded retries; the outcome is
   ``complete`` only when nothing remains and nothing went unchecked.

Steps 2 and 5 read Azure back by the partner's principals where the caller can list at the tenant root
(``runbooks.principal_sweep``: a few pages instead of one listing per subscription), else per subscription.

Every subscription a grant sits in is confirmed to belong to the customer's tenant before anything
there is touched (a customer can manage another tenant's subscription through Lighthouse, and its
token then reaches it). Safety rules:

- only grants in the plan are touched, and each is checked again against the target before its
  DELETE: a principal that is not the partner's (another partner's foreign group, the customer's own
  groups) is never removed, whatever the plan file says;
- an outcome is "removed" only when Azure answered the DELETE (or says it is already gone); a grant
  whose removal failed is reported as left, with the error, never as removed;
- every outcome goes to the journal as it happens, so ``resume`` finishes an interrupted run.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import catalog
from azure_http import AzureHttpError, BadRequest, Forbidden, NotFound
from azure_http.arm import role_guid_of, subscription_id_of

from .audit import DEFAULT_LIMITS, AuditReport, Clients, Limits, Target, _lighthouse_grant, _rbac_grant
from .expected_scope import ExpectedScope
from .grants import Grant, Kind
from .journal import DONE, Journal, JournalState
from .principal_sweep import read_back
from .selection import ALL, Selection
from .verify import DEFAULT_VERIFY, Sleep, Verification, VerifyPolicy, verify_azure

#: Exit codes of `dapctl revoke --apply` and of the customer's runbook.
EXIT_COMPLETE, EXIT_FAILED, EXIT_INCOMPLETE = 0, 1, 5
#: Sweeps that remove what appeared during the run before the caller's own rights go (bounded).
MOP_UP_ROUNDS = 3
_RIGHTS_ROLES = frozenset({catalog.OWNER, catalog.USER_ACCESS_ADMINISTRATOR})
_TERMINATING = ("terminationRequested", "terminating", "terminated")

ProgressFn = Callable[[str, int, int | None], None]
_RBAC_MARKER = "/providers/microsoft.authorization/roleassignments/"
_LIGHTHOUSE_MARKER = "/providers/microsoft.managedservices/registrationassignments/"


def _managing_tenant(assignment: dict) -> str | None:
    props = assignment.get("properties") or {}
    definition = (props.get("registrationDefinition") or {}).get("properties") or {}
    return definition.get("managedByTenantId")


#: Entra built-in role (template id) that may accept, view and terminate GDAP relationships from the customer's
#: side: the least-privileged one for the manual step (entra-docs permissions reference).
CUSTOMER_GDAP_ROLE = ("Customer Delegated Admin Relationship Administrator", "fc8ad4e2-40e4-4724-8317-bcda7503ecbf")

CUSTOMER_SIDE_STEPS = {
    Kind.GDAP_RELATIONSHIP: "Microsoft 365 admin center > Settings > Partner relationships > the partner > "
    "Granular delegated admin privileges: select the relationship and terminate it (least-privileged role: "
    f"{CUSTOMER_GDAP_ROLE[0]}, template id {CUSTOMER_GDAP_ROLE[1]})",
    Kind.GDAP_ACCESS: "ends with its GDAP relationship (terminate the relationship)",
    Kind.DAP: "Microsoft 365 admin center > Settings > Partner relationships > the partner > Remove roles "
    "(no API exists on the customer's side; the reseller relationship stays)",
}


@dataclass
class Outcome:
    grant: Grant
    outcome: str
    """removed | already-absent | failed | left | planned (dry run)."""
    message: str = ""
    retriable: bool = False
    """A failure another run may get past (the service failed or throttled, not a refusal of the caller's rights)."""
    refused: bool = False
    """ARM refused the caller's rights (403): out of its reach unless a rights-giving grant still covers it."""

    def to_json(self) -> dict:
        return {"grant": self.grant.to_json(), "outcome": self.outcome, "message": self.message}


@dataclass
class RevokeReport:
    target: Target
    applied: bool
    outcomes: list[Outcome] = field(default_factory=list)
    verification: Verification | None = None
    """The sweep after the deletes (None: a dry run)."""
    gaps: list[str] = field(default_factory=list)
    """What the caller knows it cannot see (unresolved partner groups...): the run cannot be complete."""
    selection: Selection = ALL
    """The areas removed (``--only`` / ``--keep``); the others' grants stay and are listed in ``kept``."""
    kept: list[Grant] = field(default_factory=list)
    """The partner's grants the selection keeps, as the audit found them (never touched)."""

    def with_outcome(self, *names: str) -> list[Outcome]:
        return [o for o in self.outcomes if o.outcome in names]

    @property
    def unverified(self) -> list[str]:
        """Everything not checked, and why: the caller's gaps, the sweep's, the manual steps left."""
        manual = [
            f"{o.grant.description}: {o.message}"
            for o in self.with_outcome("left")
            if o.grant.kind in (Kind.GDAP_RELATIONSHIP, Kind.GDAP_ACCESS, Kind.DAP)
        ]
        swept = self.verification.unverified if self.verification is not None else ["no verification sweep ran"]
        return [*self.gaps, *swept, *manual]

    @property
    def limits(self) -> list[str]:
        """What this identity can never read (the partner: the tenant root and management groups), with the
        customer-side command that checks it: documented, not counted as unverified."""
        return self.verification.limits if self.verification is not None else []

    @property
    def status(self) -> str:
        """dry-run | complete (verified gone) | failed (something remains) | incomplete (not all verified)."""
        if not self.applied:
            return "dry-run"
        if self.with_outcome("failed") or (self.verification is not None and self.verification.remaining):
            return "failed"
        if self.unverified or not all(o.outcome in DONE or o.outcome == "left" for o in self.outcomes):
            return "incomplete"
        return "complete"

    @property
    def complete(self) -> bool:
        """Everything planned is gone, and the verification sweep saw nothing left and nothing unchecked."""
        return self.status == "complete"

    @property
    def exit_code(self) -> int:
        return {"failed": EXIT_FAILED, "incomplete": EXIT_INCOMPLETE}.get(self.status, EXIT_COMPLETE)

    def to_json(self) -> dict:
        return {
            "customerTenantId": self.target.customer_tenant_id,
            "partnerTenantId": self.target.partner_tenant_id,
            "applied": self.applied,
            "selection": {"removed": self.selection.removed, "kept": self.selection.kept},
            "status": self.status,
            "complete": self.complete,
            "outcomes": [o.to_json() for o in self.outcomes],
            "kept": [g.to_json() for g in self.kept],
            "order": [
                "lighthouse and RBAC grants that give no right to remove role assignments",
                "sweep: what appeared meanwhile or survived a delete",
                "per subscription, once it reads clean: the grants that give the caller its rights, narrowest "
                "scope first, each wave read back",
                "GDAP terminated (read back), only when every scope reads clean",
                "DAP removed (read back)",
            ],
            "verification": self.verification.to_json() if self.verification is not None else None,
            "unverified": self.unverified if self.applied else [],
            "limits": self.limits if self.applied else [],
        }


def gives_rights(grant: Grant) -> bool:
    """Whether an RBAC grant may be what lets the caller remove role assignments: Owner, User Access
    Administrator, or a role the catalog does not know (a custom role's actions are not read here)."""
    if grant.kind is not Kind.RBAC:
        return False
    role = role_guid_of((grant.details or {}).get("roleDefinitionId") or "")
    return role in _RIGHTS_ROLES or role not in catalog.azure_roles().values()


def breadth(grant: Grant) -> int:
    """0 resource, 1 resource group, 2 subscription, 3 management group, 4 tenant root: removal order."""
    scope = _Executor.scope_of(grant).strip("/").lower()
    parts = scope.split("/") if scope else []
    if not parts:
        return 4
    if parts[0] == "providers":
        return 3
    return {2: 2, 4: 1}.get(len(parts), 0)


def revocation_plan(grants: list[Grant], target: Target) -> list[Grant]:
    """The grants this run may remove: the target partner's, nothing else."""
    plan = []
    for grant in grants:
        if grant.kind is Kind.RBAC and not target.owns_principal(grant.principal_id, grant.principal_type):
            continue
        if grant.kind is Kind.LIGHTHOUSE and not target.owns_tenant(grant.partner_tenant_id):
            continue
        plan.append(grant)
    return plan


class _Executor:
    def __init__(
        self,
        target: Target,
        clients: Clients,
        journal: Journal | None,
        limits: Limits,
        progress: ProgressFn | None,
        total: int,
    ):
        self.target, self.clients, self.journal, self.limits = target, clients, journal, limits
        self.progress, self.total, self.done = progress, total, 0
        self.overall = asyncio.Semaphore(limits.overall)
        self.per_subscription: dict[str, asyncio.Semaphore] = defaultdict(
            lambda: asyncio.Semaphore(limits.per_subscription)
        )
        self.relationships: dict[str, str] = {}
        """Outcome of each GDAP relationship handled (by this run or, resumed, an earlier one)."""
        self.live: dict[str, tuple[str | None, str | None]] = {}
        """Lower-cased ARM id -> (principal id, principal type) of RBAC grants, or (tenant, None) of
        Lighthouse ones, as ARM lists them now: ownership is checked against this, never the plan."""
        self.unverified: dict[str, str] = {}
        """Listing scope -> error, where ARM could not be read: nothing there is removed."""
        self.tenancy: dict[str, str | None] = {}
        """Subscription id -> the tenant ARM says it belongs to (None: could not be read)."""

    @staticmethod
    def scope_of(grant: Grant) -> str:
        """The scope the grant's id names (never the plan's own scope field, which may be stale or edited)."""
        lower = grant.id.lower()
        for marker in (_RBAC_MARKER, _LIGHTHOUSE_MARKER):
            at = lower.find(marker)
            if at >= 0:
                return grant.id[:at] or "/"
        return grant.scope or "/"

    @classmethod
    def listing(cls, grant: Grant) -> tuple[str, bool]:
        """Where to list to see the grant: its subscription, or its own scope (atScope) above subscriptions."""
        scope = cls.scope_of(grant)
        subscription = subscription_id_of(scope)
        return (f"/subscriptions/{subscription}", False) if subscription else (scope, True)

    def trust(self, report: AuditReport) -> None:
        """Ownership and tenancy as the audit just listed them in this process (no second read needed): the
        audit keeps only subscriptions whose listing says they belong to the customer's tenant."""
        for subscription in report.subscription_ids:
            self.tenancy[subscription] = self.target.customer_tenant_id
        for grant in report.grants:
            if grant.kind is Kind.RBAC:
                self.live[grant.id.lower()] = (grant.principal_id, grant.principal_type)
            elif grant.kind is Kind.LIGHTHOUSE:
                self.live[grant.id.lower()] = (grant.partner_tenant_id, None)

    async def read_live(self, grants: list[Grant]) -> None:
        """One listing per scope the Azure grants sit in (bounded like the deletions)."""
        wanted = {g.id.lower() for g in grants}
        rbac_scopes = {self.listing(g) for g in grants if g.kind is Kind.RBAC and g.id.lower() not in self.live}
        lighthouse_scopes = {
            self.listing(g)[0] for g in grants if g.kind is Kind.LIGHTHOUSE and g.id.lower() not in self.live
        }

        async def list_rbac(scope: str, at_scope: bool) -> None:
            async with self.overall:
                try:
                    async for a in self.clients.arm.list_role_assignments(scope, at_scope=at_scope):
                        if a["id"].lower() in wanted:
                            props = a.get("properties") or {}
                            self.live[a["id"].lower()] = (props.get("principalId"), props.get("principalType"))
                except AzureHttpError as err:
                    self.unverified[scope.lower()] = str(err)

        async def list_lighthouse(scope: str) -> None:
            async with self.overall:
                try:
                    async for a in self.clients.arm.list_registration_assignments(scope, expand_definition=True):
                        if a["id"].lower() in wanted:
                            self.live[a["id"].lower()] = (_managing_tenant(a), None)
                except AzureHttpError as err:
                    self.unverified[scope.lower()] = str(err)

        await asyncio.gather(
            *(list_rbac(scope, at_scope) for scope, at_scope in rbac_scopes),
            *(list_lighthouse(scope) for scope in lighthouse_scopes),
        )

    async def confirm_tenancy(self, grants: list[Grant]) -> None:
        """Read the tenant of every subscription the grants sit in (invariant: only the customer's)."""
        found = {subscription_id_of(self.scope_of(g)) for g in grants}
        subscriptions = {s.lower() for s in found if s} - set(self.tenancy)

        async def read(subscription: str) -> None:
            async with self.overall:
                try:
                    found = await self.clients.arm.get_subscription(subscription)
                    self.tenancy[subscription] = (found.get("tenantId") or "").lower() or None
                except AzureHttpError as err:
                    self.tenancy[subscription] = None
                    self.unverified.setdefault(f"/subscriptions/{subscription}", str(err))

        await asyncio.gather(*(read(s) for s in subscriptions))  # type: ignore[arg-type]

    def foreign(self, grant: Grant) -> str | None:
        """Why the grant is not in the customer's tenant (None: it is, or it is above subscriptions)."""
        subscription = subscription_id_of(self.scope_of(grant))
        if subscription is None:
            return None  # root and management groups: read with the customer's token, so in its tenant
        tenant = self.tenancy.get(subscription.lower(), "unknown")
        if tenant == self.target.customer_tenant_id:
            return None
        if tenant is None:
            return f"could not confirm that subscription {subscription} belongs to the customer's tenant"
        return f"subscription {subscription} belongs to tenant {tenant}, not the customer's: never touched"

    async def _confirm(self, grant: Grant) -> tuple[str | None, str | None] | None:
        """A grant its scope's listing did not show: look it up by id; None only when ARM says it is gone."""
        try:
            found = await self._confirm_raw(grant)
        except NotFound:
            return None
        if grant.kind is Kind.RBAC:
            props = found.get("properties") or {}
            return props.get("principalId"), props.get("principalType")
        return _managing_tenant(found), None

    async def _confirm_raw(self, grant: Grant) -> dict:
        """The grant as ARM reads it by id (``NotFound`` when it is gone)."""
        if grant.kind is Kind.RBAC:
            return await self.clients.arm.get_role_assignment(grant.id)
        return await self.clients.arm.get_registration_assignment(grant.id)

    def _finish(
        self, grant: Grant, outcome: str, message: str = "", retriable: bool = False, refused: bool = False
    ) -> Outcome:
        if self.journal is not None:
            self.journal.record(grant, outcome, message)
        self.done += 1
        if self.progress:
            self.progress("removing grants", self.done, self.total)
        return Outcome(grant, outcome, message, retriable, refused)

    async def remove(self, grant: Grant) -> Outcome:
        try:
            if grant.kind is Kind.RBAC:
                return await self._azure(grant, self.clients.arm.delete_role_assignment)
            if grant.kind is Kind.LIGHTHOUSE:
                return await self._azure(grant, self.clients.arm.delete_registration_assignment)
            if grant.kind is Kind.GDAP_RELATIONSHIP:
                return await self._gdap(grant)
            if grant.kind is Kind.GDAP_ACCESS:
                relationship = grant.details.get("relationshipId", "")
                if self.relationships.get(relationship) in DONE:
                    return self._finish(grant, "removed", f"ended with relationship {relationship}")
                return self._finish(grant, "left", "ends only with its relationship, which was not terminated")
            if grant.kind is Kind.DAP:
                return await self._dap(grant)
        except AzureHttpError as err:  # the service failed (after the client's retries): another run may not
            return self._finish(grant, "failed", str(err), retriable=True)
        return self._finish(grant, "left", f"no removal for {grant.kind}")

    async def _azure(self, grant: Grant, delete) -> Outcome:
        # Ownership is checked against what ARM says now, not what the plan (or a journal file) claims:
        # a tampered or stale plan can neither widen the run nor report a grant gone while it stays.
        scope, _ = self.listing(grant)
        elsewhere = self.foreign(grant)
        if elsewhere is not None:
            return self._finish(grant, "left" if "never touched" in elsewhere else "failed", elsewhere)
        if scope.lower() in self.unverified:
            return self._finish(
                grant, "failed", f"could not read {scope} to verify it: {self.unverified[scope.lower()]}"
            )
        async with self.overall, self.per_subscription[scope.lower()]:
            live = self.live.get(grant.id.lower()) or await self._confirm(grant)
            if live is None:
                return self._finish(grant, "already-absent", "ARM has no assignment with this id")
            stranger = self.stranger(grant, live)
            if stranger:
                return self._finish(grant, "left", stranger)
            try:
                deleted = await delete(grant.id)
            except NotFound:
                deleted = None
            except Forbidden as err:
                where = "its scope above the subscription" if grant.inherited else "its scope"
                message = f"not allowed to remove it at {where}: {err.message}"
                return self._finish(grant, "failed", message, refused=True)
        return self._finish(grant, "removed" if deleted else "already-absent")

    def stranger(self, grant: Grant, live: tuple[str | None, str | None]) -> str:
        """Why a grant as ARM lists it is not the partner's ("never touched"), or empty when it is."""
        if grant.kind is Kind.RBAC and not self.target.owns_principal(live[0], live[1]):
            return f"held by {live[0]}, not the partner's principal: never touched"
        if grant.kind is Kind.LIGHTHOUSE and not self.target.owns_tenant(live[0]):
            return f"delegated to tenant {live[0]}, not the partner: never touched"
        return ""

    async def _gdap(self, grant: Grant) -> Outcome:
        outcome = await self._terminate(grant)
        self.relationships[grant.id] = outcome.outcome
        return outcome

    async def _terminate(self, grant: Grant) -> Outcome:
        if self.clients.graph is None:
            return self._finish(grant, "left", CUSTOMER_SIDE_STEPS[Kind.GDAP_RELATIONSHIP])
        try:
            current = await self.clients.graph.get_relationship(grant.id)
        except NotFound:
            return self._finish(grant, "already-absent")
        status = current.get("status")
        if status in ("terminationRequested", "terminating", "terminated", "expired"):
            return self._finish(grant, "already-absent", f"status {status}")
        if status == "created":
            await self.clients.graph.delete_relationship(grant.id, current["@odata.etag"])
            return self._finish(grant, "removed", "deleted before approval")
        try:
            await self.clients.graph.terminate_relationship(grant.id)
        except BadRequest as err:
            return self._finish(grant, "failed", f"Graph refused to terminate it ({status}): {err.message}")
        after = (await self.clients.graph.get_relationship(grant.id)).get("status")
        if after not in _TERMINATING:
            return self._finish(grant, "failed", f"termination was accepted but the relationship reads back {after}")
        return self._finish(grant, "removed", f"termination requested; reads back {after}")

    async def _dap(self, grant: Grant) -> Outcome:
        if self.clients.partner_center is None:
            return self._finish(grant, "left", CUSTOMER_SIDE_STEPS[Kind.DAP])
        await self.clients.partner_center.remove_dap(self.target.customer_tenant_id)
        if await self.clients.partner_center.has_dap(self.target.customer_tenant_id):
            return self._finish(grant, "failed", "DAP removal was accepted but allowDelegatedAccess reads back true")
        return self._finish(grant, "removed", "allowDelegatedAccess reads back false; reseller relationship kept")


_AZURE = (Kind.RBAC, Kind.LIGHTHOUSE)
_DIRECTORY = (Kind.GDAP_RELATIONSHIP, Kind.GDAP_ACCESS, Kind.DAP)
_RESUME = "fix it, then run again (--resume)"
STILL_LISTED = "ARM answered the removal but still lists the grant"


@dataclass
class ScopeRead:
    """One subscription's partner grants as ARM lists them now; ``error``: it could not be read."""

    grants: list[Grant] = field(default_factory=list)
    error: str = ""


@dataclass
class RevocationRun:
    """What the phases of one applied revocation share: the journal's plan, what was seen, what was done."""

    target: Target
    clients: Clients
    state: JournalState
    selection: Selection
    executor: _Executor
    audited: AuditReport | None
    policy: VerifyPolicy
    sleep: Sleep
    limits: Limits
    expected: ExpectedScope | None = None
    finished: list[Outcome] = field(default_factory=list)
    """Outcomes an earlier (resumed) run already recorded as done."""
    outcomes: list[Outcome] = field(default_factory=list)
    rights: list[Grant] = field(default_factory=list)
    """The grants that may give the caller its right to remove others: cut last, per scope, narrowest first."""
    handled: set[str] = field(default_factory=set)
    to_clean: set[str] = field(default_factory=set)
    """Subscriptions (of the customer's tenant) this run removes Azure grants in."""
    seen_before: set[str] = field(default_factory=set)
    seen_at: dict[str, set[str]] = field(default_factory=dict)
    rights_seen: dict[str, Grant] = field(default_factory=dict)
    """Every rights-giving partner grant any read of this run saw, whatever the selection: what may still let
    the caller remove a grant (a refusal under such a grant is no proof that the grant is out of reach)."""
    access_removed: set[str] = field(default_factory=set)
    held: dict[str, str] = field(default_factory=dict)
    """Scope -> why the caller's rights there (and GDAP and DAP) are kept."""
    read_clean: bool = False
    """The sweep's last read of the whole tenant, after every removal, listed no selected grant left to remove:
    every scope reads clean, and no scope needs a listing of its own before its rights go."""
    verification: Verification | None = None

    @property
    def pending(self) -> list[Grant]:
        return self.state.pending()

    def note_seen(self, report: AuditReport) -> None:
        """What a read of Azure showed: subscriptions (recorded as expected from now on), grants, rights."""
        self.seen_before |= set(report.subscription_ids)
        for subscription, ids in report.seen_at.items():
            self.seen_at.setdefault(subscription, set()).update(ids)
        self.rights_seen.update({g.id.lower(): g for g in report.grants if gives_rights(g)})
        if self.expected is not None:
            self.expected.record(report.subscription_ids, "revoke")

    def removed(self) -> set[str]:
        return {o.grant.id.lower() for o in [*self.finished, *self.outcomes] if o.outcome in DONE}

    def within_reach(self, scope: str) -> bool:
        """Whether a rights-giving partner grant not removed yet covers ``scope``: its removals may still work."""
        gone, scope = self.removed(), scope.lower().rstrip("/")
        subscription = (subscription_id_of(scope) or "").lower()
        for key, grant in self.rights_seen.items():
            if key in gone:
                continue
            at = _Executor.scope_of(grant).lower().rstrip("/")
            if not at or scope.startswith(at + "/") or scope == at or key in self.seen_at.get(subscription, ()):
                return True
        return False

    def hold(self, scope: str, reason: str, grants: list[Grant]) -> None:
        """Keep the caller's rights in ``scope`` (and so GDAP and DAP): what to fix is in each outcome."""
        self.held[scope] = reason
        note = f"kept: {reason}; removing it now would put what is left out of the partner's reach; {_RESUME}"
        for grant in grants:  # what is not the partner's (a forged plan) is left, as a removal would leave it
            live = self.executor.live.get(grant.id.lower())
            stranger = self.executor.stranger(grant, live) if live is not None else ""
            elsewhere = self.executor.foreign(grant) or ""
            if "never touched" in elsewhere:
                stranger = elsewhere
            self.outcomes.append(self.executor._finish(grant, "left" if stranger else "failed", stranger or note))


def plan_revocation(
    target: Target,
    clients: Clients,
    plan: AuditReport | list[Grant] | None,
    *,
    apply: bool,
    journal: Journal | None,
    resume: bool,
    selection: Selection | None,
    gaps: list[str] | None,
) -> tuple[RevokeReport, JournalState | None]:
    """Phase 1, plan: the report's frame and the journal's state (None: a dry run, whose report is complete)."""
    report = RevokeReport(target, applied=apply or resume, gaps=list(gaps or []))
    if resume:
        state = _resumable(target, journal, selection)
        report.selection = state.selection
        return report, state
    if plan is None:
        raise ValueError("revoke needs a plan (the audit's grants) unless it resumes a journal")
    selection = selection or ALL
    report.selection = selection
    ours = revocation_plan(plan.grants if isinstance(plan, AuditReport) else plan, target)
    chosen = [g for g in ours if selection.includes(g)]
    report.kept = [g for g in ours if not selection.includes(g)]
    if not apply:
        report.outcomes = [Outcome(g, "planned", _dry_run_note(g, clients)) for g in chosen]
        return report, None
    if journal is not None:
        return report, journal.start(target.customer_tenant_id, target.partner_tenant_id, chosen, selection)
    return report, JournalState(target.customer_tenant_id, target.partner_tenant_id, chosen, selection=selection)


def _resumable(target: Target, journal: Journal | None, selection: Selection | None) -> JournalState:
    if journal is None or not journal.exists():
        raise ValueError("nothing to resume: no journal from an earlier run")
    state = journal.load()
    if state.customer_tenant_id != target.customer_tenant_id:
        raise ValueError(f"the journal is for tenant {state.customer_tenant_id}, not {target.customer_tenant_id}")
    if selection is not None and selection != state.selection:
        raise ValueError(
            f"the journal's run removes {state.selection.describe()}, not {selection.describe()}: "
            "resume without --only/--keep (it continues the journal's selection)"
        )
    return state


def open_run(
    target: Target,
    clients: Clients,
    state: JournalState,
    audited: AuditReport | None,
    executor: _Executor,
    *,
    verify: VerifyPolicy,
    sleep: Sleep,
    limits: Limits,
    expected: ExpectedScope | None,
) -> RevocationRun:
    """The shared state of the phases; what the audit saw is recorded as expected before anything is removed."""
    done = {g.id: state.outcomes[g.id] for g in state.plan if state.outcomes.get(g.id, {}).get("outcome") in DONE}
    run = RevocationRun(target, clients, state, state.selection, executor, audited, verify, sleep, limits, expected)
    run.finished = [
        Outcome(g, done[g.id]["outcome"], done[g.id].get("message", "") + " (earlier run)")
        for g in state.plan
        if g.id in done
    ]
    for grant in state.plan:
        if grant.id not in done:
            continue
        if grant.kind is Kind.GDAP_RELATIONSHIP:  # an ended relationship takes its access assignments along
            executor.relationships[grant.id] = done[grant.id]["outcome"]
        if gives_rights(grant) and (subscription := subscription_id_of(_Executor.scope_of(grant))):
            run.access_removed.add(subscription.lower())  # an earlier run cut the caller's rights there
    if audited is not None:
        executor.trust(audited)
        run.note_seen(audited)
    return run


async def sweep_azure_grants(run: RevocationRun) -> None:
    """Phase 2, Azure sweep: every planned Azure grant that gives the caller no right to remove others (Lighthouse
    included), then, while the caller still sees, what appeared meanwhile or survived a delete (an audited plan
    only: a plan from a file or a journal is never widened)."""
    executor = run.executor
    azure = [g for g in run.pending if g.kind in _AZURE]
    await executor.read_live(azure)
    await executor.confirm_tenancy(azure)
    run.outcomes += await asyncio.gather(*(executor.remove(g) for g in azure if not gives_rights(g)))
    run.rights = [g for g in azure if gives_rights(g)]
    run.handled = {g.id.lower() for g in run.pending}
    run.to_clean |= _subscriptions_of(run, azure)
    rounds = MOP_UP_ROUNDS if run.selection.azure else 0
    for _ in range(rounds):
        if not await _mop_up(run):
            break


async def _mop_up(run: RevocationRun) -> bool:
    """One read of the tenant; True when it removed something (another round may find more)."""
    sweep = await read_back(run.target, run.clients.arm, run.limits)
    run.note_seen(sweep)
    if sweep.errors:
        return False  # a partial view: each scope is read before its rights go, and the verification says what
    run.executor.trust(sweep)
    selected = [g for g in sweep.grants if run.selection.includes(g)]  # a kept area is never swept up
    unplanned = []
    if run.audited is None:  # a plan from a journal or a file is never widened (what it lacks: a fresh audit)
        planned = {g.id.lower() for g in run.state.plan}
        unplanned = [g for g in selected if g.id.lower() not in planned and not gives_rights(g)]
        selected = [g for g in selected if g.id.lower() in planned]
    extra = [g for g in selected if not gives_rights(g)]
    run.rights += [g for g in selected if gives_rights(g) and g.id.lower() not in run.handled]
    run.handled |= {g.id.lower() for g in selected}
    if not extra:
        run.read_clean = not run.executor.unverified and not unplanned
        return False
    await run.executor.confirm_tenancy(extra)
    run.to_clean |= _subscriptions_of(run, extra)
    run.outcomes += await asyncio.gather(*(run.executor.remove(g) for g in extra))
    return True


def _subscriptions_of(run: RevocationRun, grants: list[Grant]) -> set[str]:
    """The customer's subscriptions the grants sit in (tenancy confirmed: another tenant's is never read)."""
    found = {(subscription_id_of(_Executor.scope_of(g)) or "").lower() for g in grants} - {""}
    return {s for s in found if run.executor.tenancy.get(s) == run.target.customer_tenant_id}


async def rights_waves(run: RevocationRun) -> None:
    """Phase 3, rights waves: per subscription, only once it reads clean, the caller's rights there go, narrowest
    first, each wave read back; the rights above subscriptions last, only when nothing anywhere holds them."""
    if not run.selection.azure:
        return
    by_scope: dict[str, list[Grant]] = defaultdict(list)
    above: list[Grant] = []
    for grant in run.rights:
        subscription = (subscription_id_of(_Executor.scope_of(grant)) or "").lower()
        (by_scope[subscription] if subscription else above).append(grant)
    run.to_clean |= _subscriptions_of(run, run.rights)
    scopes = sorted(run.to_clean | set(by_scope))
    await asyncio.gather(*(_cut_scope(run, s, by_scope.get(s, [])) for s in scopes))
    if above:
        reason = blocking(run)
        if reason:
            run.hold("above subscriptions", reason, above)
        else:
            await _cut_waves(run, "above subscriptions", above)


async def _cut_scope(run: RevocationRun, subscription: str, rights: list[Grant]) -> None:
    await run.executor.confirm_tenancy(rights)
    if run.executor.tenancy.get(subscription) != run.target.customer_tenant_id:
        reason = ""  # not the customer's (or unconfirmed): never read; each removal says why it was not made
    else:
        reason = "" if run.read_clean else await _reason_to_keep(run, subscription, rights)
    if reason:
        run.hold(f"/subscriptions/{subscription}", reason, rights)
        return
    await _cut_waves(run, f"/subscriptions/{subscription}", rights)


async def _cut_waves(run: RevocationRun, scope: str, rights: list[Grant]) -> None:
    """The rights grants of one scope, narrowest first; a wave that does not read back gone keeps the rest."""
    for level in sorted({breadth(g) for g in rights}):
        wave = [g for g in rights if breadth(g) == level]
        await run.executor.confirm_tenancy(wave)
        done = list(await asyncio.gather(*(run.executor.remove(g) for g in wave)))
        run.outcomes += done
        for outcome in done:
            if outcome.outcome in DONE:
                run.access_removed |= _reached_by(run, outcome.grant)
        reason = await _wave_reason(run, done)
        if reason:
            run.hold(scope, reason, [g for g in rights if breadth(g) > level])
            return


def _reached_by(run: RevocationRun, grant: Grant) -> set[str]:
    """The subscriptions whose view may have come from ``grant`` (its own, or those listing it, inherited)."""
    key = grant.id.lower()
    found = {s for s, ids in run.seen_at.items() if key in ids}
    subscription = subscription_id_of(_Executor.scope_of(grant))
    return found | ({subscription.lower()} if subscription else set())


async def _reason_to_keep(run: RevocationRun, subscription: str, rights: list[Grant]) -> str:
    """Why the caller's rights in this subscription must stay (empty: it reads clean, or nothing could help)."""
    scope = f"/subscriptions/{subscription}"
    stuck: list[Grant] = []
    for attempt in range(max(1, run.policy.attempts)):
        if attempt:
            await run.sleep(run.policy.delay * 2 ** (attempt - 1))  # ARM's listings lag behind deletes
        read = await _read_scope(run, subscription)
        if read.error:
            reachable = bool(rights) or run.within_reach(scope)
            return f"{scope} could not be read to verify it ({read.error})" if reachable else ""
        stuck = [g for g in read.grants if _must_go_first(run, g)]
        if not stuck:
            return ""
    what = "; ".join(g.description for g in stuck[:5]) + (f" (and {len(stuck) - 5} more)" if len(stuck) > 5 else "")
    unplanned = [g for g in stuck if g.id.lower() not in run.handled]
    fresh = " (not in this run's plan: a fresh audit removes it, revoke --apply)" if unplanned else ""
    return f"{scope} still lists {what}{fresh}"


def _must_go_first(run: RevocationRun, grant: Grant) -> bool:
    """A selected grant still listed that the caller's rights may yet remove: its scope must read clean first."""
    if not run.selection.includes(grant) or gives_rights(grant):
        return False
    last = next((o for o in reversed(run.outcomes) if o.grant.id.lower() == grant.id.lower()), None)
    refused = last is not None and last.refused
    return not (refused and not run.within_reach(_Executor.scope_of(grant)))


async def _read_scope(run: RevocationRun, subscription: str) -> ScopeRead:
    scope, target, arm = f"/subscriptions/{subscription}", run.target, run.clients.arm
    read = ScopeRead()
    try:
        async with run.executor.overall:
            async for a in arm.list_role_assignments(scope):
                props = a.get("properties") or {}
                if target.owns_principal(props.get("principalId"), props.get("principalType")):
                    read.grants.append(_rbac_grant(a, subscription))
            if "lighthouse" in run.selection.areas:
                async for a in arm.list_registration_assignments(scope, expand_definition=True):
                    grant = _lighthouse_grant(a, subscription)
                    if target.owns_tenant(grant.partner_tenant_id):
                        read.grants.append(grant)
    except AzureHttpError as err:
        read.error = str(err)
    return read


async def _wave_reason(run: RevocationRun, done: list[Outcome]) -> str:
    """Why a wave of rights removals is not proven (empty: each is gone, or the caller's view there ended)."""
    failed = [o for o in done if o.outcome == "failed"]
    if failed:
        return "could not remove " + "; ".join(f"{o.grant.description} ({o.message})" for o in failed[:5])
    still: list[Grant] = []
    for attempt in range(max(1, run.policy.attempts)):
        if attempt:
            await run.sleep(run.policy.delay * 2 ** (attempt - 1))
        still = [o.grant for o in done if o.outcome in DONE and await _still_there(run, o.grant)]
        if not still:
            return ""
    return "ARM answered the removal but still shows " + "; ".join(g.description for g in still[:5])


async def _still_there(run: RevocationRun, grant: Grant) -> bool:
    """Read one grant back by id. Refused: the caller's own access there ended with it, so it took effect."""
    try:
        await run.executor._confirm_raw(grant)
    except (NotFound, Forbidden):
        return False
    except AzureHttpError:
        return True  # not readable: not proven gone
    return True


def blocking(run: RevocationRun) -> str:
    """Why the caller's remaining rights above subscriptions and the directory side must stay (empty: nothing).

    Every Azure scope the run was to clean must read clean: a held subscription, a listing that failed, or a
    removal that failed while the caller may still reach the grant (a refusal under no rights of the partner
    is out of its reach whatever it keeps)."""
    if not run.selection.azure:
        return ""
    if run.held:
        _, reason = min(run.held.items())
        return f"{reason}" + (f" (and {len(run.held) - 1} more scope(s))" if len(run.held) > 1 else "")
    if run.audited is not None and len(run.audited.errors) > len(run.audited.refused):
        # A refused listing means no read there, so no way to remove anything there: no reason to wait.
        failed = [e for e in run.audited.errors if not any(s in e.lower() for s in run.audited.refused)]
        return f"a listing failed: {(failed or run.audited.errors)[0]}"
    last: dict[str, Outcome] = {}
    for outcome in run.outcomes:
        last[outcome.grant.id.lower()] = outcome
    for outcome in last.values():
        if outcome.grant.kind not in _AZURE or outcome.outcome != "failed":
            continue
        if outcome.refused and not run.within_reach(_Executor.scope_of(outcome.grant)):
            continue
        return f"{outcome.grant.description} could not be removed ({outcome.message})"
    return ""


async def directory_side(run: RevocationRun) -> None:
    """Phase 4, directory side, in Microsoft's order (GDAP, then DAP), only when every Azure scope the run was to
    clean reads clean: the caller reaches Azure only through GDAP or DAP (admin-on-behalf-of)."""
    directory = sorted((g for g in run.pending if g.kind in _DIRECTORY), key=lambda g: _DIRECTORY.index(g.kind))
    if not directory:
        return
    reason = blocking(run)
    if reason:
        note = f"not ended: {reason}; ending the delegation now would put it out of the partner's reach; {_RESUME}"
        run.outcomes += [run.executor._finish(g, "failed", note) for g in directory]
        return
    run.outcomes += [await run.executor.remove(g) for g in directory]


async def verify_run(run: RevocationRun) -> Verification:
    """Phase 5, verify: Azure read again; every subscription seen or expected must read clean or have ended."""
    expected = run.expected.subscriptions if run.expected is not None else set()
    return await verify_azure(
        run.target,
        run.clients.arm,
        seen_before=sorted(run.seen_before | expected),
        access_removed=run.access_removed,
        policy=run.policy,
        sleep=run.sleep,
        limits=run.limits,
        only=None if run.audited is not None else {g.id.lower() for g in run.state.plan},
        selection=run.selection,
        expected=run.expected,
        partner_side=run.clients.graph is not None or run.clients.partner_center is not None,
    )


def finish_report(run: RevocationRun, report: RevokeReport) -> RevokeReport:
    """The last outcome of each grant; "removed" but still listed by the verification is failed."""
    report.verification = run.verification
    still = {g.id.lower() for g in run.verification.remaining} if run.verification is not None else set()
    last: dict[tuple[Kind, str], Outcome] = {}  # a grant removed again by the sweep: its last outcome counts
    for o in run.finished + run.outcomes:
        last[(o.grant.kind, o.grant.id.lower())] = o
    report.outcomes = [
        Outcome(o.grant, "failed", STILL_LISTED) if o.outcome in DONE and o.grant.id.lower() in still else o
        for o in last.values()
    ]
    return report


async def revoke(
    target: Target,
    clients: Clients,
    plan: AuditReport | list[Grant] | None = None,
    *,
    apply: bool = False,
    journal: Journal | None = None,
    resume: bool = False,
    limits: Limits = DEFAULT_LIMITS,
    progress: ProgressFn | None = None,
    verify: VerifyPolicy = DEFAULT_VERIFY,
    sleep: Sleep = asyncio.sleep,
    gaps: list[str] | None = None,
    selection: Selection | None = None,
    expected: ExpectedScope | None = None,
) -> RevokeReport:
    """Remove the partner's grants in ``plan`` (or, with ``resume``, the journal's unfinished ones).

    ``plan``: the AuditReport this process just produced (its listing is trusted as the live state), or
    grants from elsewhere (a file, a journal: each is checked against what ARM lists before removal).
    ``resume`` always applies: it finishes a run that was applying. ``verify`` and ``sleep``: how the
    read-backs wait for ARM's listings to catch up. ``gaps``: what the caller already knows it cannot see
    (e.g. partner groups without an object id): the run is then incomplete, never complete.
    ``selection``: the areas to remove (None: everything, or on ``resume`` the journal's own selection; a
    different one is refused): other areas' grants are kept, reported, and never swept up. ``expected``: the
    subscriptions the run must find (declared, or seen before: ``runbooks.expected_scope``); what this run sees
    is added to it before anything is removed.

    The phases: ``plan_revocation``, ``sweep_azure_grants``, ``rights_waves``, ``directory_side``, ``verify_run``.
    """
    audited = plan if isinstance(plan, AuditReport) else None
    report, state = plan_revocation(
        target, clients, plan, apply=apply, journal=journal, resume=resume, selection=selection, gaps=gaps
    )
    if state is None:
        return report
    pending = state.pending()
    executor = _Executor(target, clients, journal, limits, progress, len(pending))
    run = open_run(
        target, clients, state, audited, executor, verify=verify, sleep=sleep, limits=limits, expected=expected
    )
    # A run that keeps RBAC but ends GDAP or DAP ends the caller's own sight of Azure with the directory side:
    # its Azure removals are verified first.
    verify_first = "rbac" not in state.selection.areas and any(g.kind in _DIRECTORY for g in pending)
    try:
        await sweep_azure_grants(run)
        await rights_waves(run)
        if verify_first:
            run.verification = await verify_run(run)
        await directory_side(run)
    finally:
        if journal is not None:
            journal.close()
    if run.verification is None:
        run.verification = await verify_run(run)
    report = finish_report(run, report)
    if journal is not None:  # "removed" but still listed: failed in the journal too, so --resume removes it again
        for outcome in report.outcomes:
            if outcome.outcome == "failed" and outcome.message == STILL_LISTED:
                journal.record(outcome.grant, "failed", STILL_LISTED)
        journal.close()
    return report


def _dry_run_note(grant: Grant, clients: Clients) -> str:
    if grant.kind in (Kind.GDAP_RELATIONSHIP, Kind.DAP) and (
        (grant.kind is Kind.GDAP_RELATIONSHIP and clients.graph is None)
        or (grant.kind is Kind.DAP and clients.partner_center is None)
    ):
        return "manual step: " + CUSTOMER_SIDE_STEPS[grant.kind]
    if grant.kind is Kind.GDAP_ACCESS:
        return CUSTOMER_SIDE_STEPS[Kind.GDAP_ACCESS]
    if grant.inherited:
        return "inherited from a management group: removed there (needs rights at that scope)"
    return "would be removed"
