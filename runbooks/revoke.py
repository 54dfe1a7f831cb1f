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

from .audit import DEFAULT_LIMITS, AuditReport, Clients, Limits, Target
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
                "grants that give the caller its rights, narrowest scope first",
                "GDAP terminated (read back)",
                "DAP removed (read back)",
            ],
            "verification": self.verification.to_json() if self.verification is not None else None,
            "unverified": self.unverified if self.applied else [],
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
            if grant.kind is Kind.RBAC:
                props = (await self.clients.arm.get_role_assignment(grant.id)).get("properties") or {}
                return props.get("principalId"), props.get("principalType")
            return _managing_tenant(await self.clients.arm.get_registration_assignment(grant.id)), None
        except NotFound:
            return None

    def _finish(self, grant: Grant, outcome: str, message: str = "", retriable: bool = False) -> Outcome:
        if self.journal is not None:
            self.journal.record(grant, outcome, message)
        self.done += 1
        if self.progress:
            self.progress("removing grants", self.done, self.total)
        return Outcome(grant, outcome, message, retriable)

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
            if grant.kind is Kind.RBAC and not self.target.owns_principal(live[0], live[1]):
                return self._finish(grant, "left", f"held by {live[0]}, not the partner's principal: never touched")
            if grant.kind is Kind.LIGHTHOUSE and not self.target.owns_tenant(live[0]):
                return self._finish(grant, "left", f"delegated to tenant {live[0]}, not the partner: never touched")
            try:
                deleted = await delete(grant.id)
            except NotFound:
                deleted = None
            except Forbidden as err:
                where = "its scope above the subscription" if grant.inherited else "its scope"
                return self._finish(grant, "failed", f"not allowed to remove it at {where}: {err.message}")
        return self._finish(grant, "removed" if deleted else "already-absent")

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
) -> RevokeReport:
    """Remove the partner's grants in ``plan`` (or, with ``resume``, the journal's unfinished ones).

    ``plan``: the AuditReport this process just produced (its listing is trusted as the live state), or
    grants from elsewhere (a file, a journal: each is checked against what ARM lists before removal).
    ``resume`` always applies: it finishes a run that was applying. ``verify`` and ``sleep``: how the
    verification sweep waits for ARM's listings to catch up. ``gaps``: what the caller already knows it
    cannot see (e.g. partner groups without an object id): the run is then incomplete, never complete.
    ``selection``: the areas to remove (None: everything, or on ``resume`` the journal's own selection; a
    different one is refused): other areas' grants are kept, reported, and never swept up.
    """
    audited = plan if isinstance(plan, AuditReport) else None
    if audited is not None:
        plan = audited.grants
    apply = apply or resume
    report = RevokeReport(target, applied=apply, gaps=list(gaps or []))
    if resume:
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
        selection = state.selection
        report.selection = selection
    else:
        if plan is None:
            raise ValueError("revoke needs a plan (the audit's grants) unless it resumes a journal")
        selection = selection or ALL
        report.selection = selection
        ours = revocation_plan(plan, target)
        plan = [g for g in ours if selection.includes(g)]
        report.kept = [g for g in ours if not selection.includes(g)]
        if not apply:
            report.outcomes = [Outcome(g, "planned", _dry_run_note(g, clients)) for g in plan]
            return report
        state = (
            journal.start(target.customer_tenant_id, target.partner_tenant_id, plan, selection)
            if journal
            else JournalState(target.customer_tenant_id, target.partner_tenant_id, plan, selection=selection)
        )

    finished = [
        Outcome(g, state.outcomes[g.id]["outcome"], state.outcomes[g.id].get("message", "") + " (earlier run)")
        for g in state.plan
        if state.outcomes.get(g.id, {}).get("outcome") in DONE
    ]
    pending = state.pending()
    executor = _Executor(target, clients, journal, limits, progress, len(pending))
    if audited is not None:
        executor.trust(audited)
    for grant in state.plan:  # relationships an earlier (resumed) run ended take their access assignments along
        if grant.kind is Kind.GDAP_RELATIONSHIP and state.outcomes.get(grant.id, {}).get("outcome") in DONE:
            executor.relationships[grant.id] = state.outcomes[grant.id]["outcome"]
    try:
        azure = [g for g in pending if g.kind in (Kind.RBAC, Kind.LIGHTHOUSE)]
        directory = [g for g in pending if g.kind in (Kind.GDAP_RELATIONSHIP, Kind.GDAP_ACCESS, Kind.DAP)]
        directory.sort(key=lambda g: [Kind.GDAP_RELATIONSHIP, Kind.GDAP_ACCESS, Kind.DAP].index(g.kind))
        await executor.read_live(azure)
        await executor.confirm_tenancy(azure)
        # 1. Azure grants that give the caller no right to remove others (Lighthouse included).
        outcomes = list(await asyncio.gather(*(executor.remove(g) for g in azure if not gives_rights(g))))
        rights = [g for g in azure if gives_rights(g)]
        # 2. While the caller still sees: remove what appeared meanwhile or survived a delete. Only for a
        # full revocation (the plan is this process's audit of the tenant): a plan from a file or a
        # journal is never widened.
        seen_before, access_removed = set(audited.subscription_ids if audited else []), set()
        handled = {g.id.lower() for g in pending}
        rounds = (MOP_UP_ROUNDS if audited is not None else 1) if selection.azure else 0  # no Azure area: no sweep
        for _ in range(rounds):
            sweep = await read_back(target, clients.arm, limits)
            seen_before |= set(sweep.subscription_ids)
            if sweep.errors:
                break  # a partial view: the verification sweep reports what could not be read
            if audited is None:  # a partial plan: only note where the caller's own rights are about to go
                rights_ids = {g.id.lower() for g in rights}
                access_removed |= {s for s, seen in sweep.seen_at.items() if seen & rights_ids}
                break
            executor.trust(sweep)
            selected = [g for g in sweep.grants if selection.includes(g)]  # a kept area is never swept up
            extra = [g for g in selected if not gives_rights(g)]
            rights += [g for g in selected if gives_rights(g) and g.id.lower() not in handled]
            handled |= {g.id.lower() for g in selected}
            rights_ids = {g.id.lower() for g in rights}
            # The audit listed per subscription (inherited grants included); a read back by principal
            # attributes only what sits in each subscription: both say where the caller's rights go.
            for subscription, seen in [*audited.seen_at.items(), *sweep.seen_at.items()]:
                if seen & rights_ids:
                    access_removed.add(subscription)
            if not extra:
                break
            await executor.confirm_tenancy(extra)
            outcomes += await asyncio.gather(*(executor.remove(g) for g in extra))
        # 3. The grants that give the caller its rights: narrowest scope first, broadest last.
        for level in sorted({breadth(g) for g in rights}):
            wave = [g for g in rights if breadth(g) == level]
            await executor.confirm_tenancy(wave)
            outcomes += await asyncio.gather(*(executor.remove(g) for g in wave))
        # A run that keeps RBAC but removes GDAP or DAP ends the caller's own sight of Azure with the directory
        # side (admin-on-behalf-of lasts only while a delegation does): its Azure removals are verified first.
        verify_first = "rbac" not in selection.areas and bool(directory)
        if verify_first:
            report.verification = await _verify(
                target, clients, state, audited, seen_before, access_removed, verify, sleep, limits, selection
            )
        # 4. The directory side last, in Microsoft's order: GDAP, then DAP. Not while an Azure grant this run
        # was to remove is still there: the caller reaches Azure only through GDAP or DAP (admin-on-behalf-of),
        # so ending them now would put that grant out of its reach for good. A resumed run retries both. (A
        # refusal of the caller's rights is no reason to wait: keeping the delegation would not change it.)
        stuck = [o for o in outcomes if o.retriable and o.grant.kind in (Kind.RBAC, Kind.LIGHTHOUSE)]
        if stuck and directory:
            held = (
                f"not ended: {len(stuck)} Azure grant(s) could not be removed, and ending the delegation now would "
                "put them out of the partner's reach; fix what failed, then run again (--resume)"
            )
            outcomes += [executor._finish(g, "failed", held) for g in directory]
        else:
            outcomes += [await executor.remove(g) for g in directory]
    finally:
        if journal is not None:
            journal.close()
    # 5. Verified, or not complete.
    if not verify_first:
        report.verification = await _verify(
            target, clients, state, audited, seen_before, access_removed, verify, sleep, limits, selection
        )
    still = {g.id.lower() for g in report.verification.remaining}
    last: dict[tuple[Kind, str], Outcome] = {}  # a grant removed again by the sweep: its last outcome counts
    for o in finished + outcomes:
        last[(o.grant.kind, o.grant.id.lower())] = o
    report.outcomes = [
        Outcome(o.grant, "failed", "ARM answered the removal but still lists the grant")
        if o.outcome in DONE and o.grant.id.lower() in still
        else o
        for o in last.values()
    ]
    return report


async def _verify(
    target: Target,
    clients: Clients,
    state: JournalState,
    audited: AuditReport | None,
    seen_before: set[str],
    access_removed: set[str],
    verify: VerifyPolicy,
    sleep: Sleep,
    limits: Limits,
    selection: Selection,
) -> Verification:
    return await verify_azure(
        target,
        clients.arm,
        seen_before=sorted(seen_before),
        access_removed=access_removed,
        policy=verify,
        sleep=sleep,
        limits=limits,
        only=None if audited is not None else {g.id.lower() for g in state.plan},
        selection=selection,
    )


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
