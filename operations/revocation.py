"""The partner's revocation of one customer, in two calls with a person's confirmation between them.

``plan_revocation`` audits the customer (what the partner holds there, what the intent declares) and says what the
selected areas would remove; ``apply_revocation`` removes it (or, resuming, what the journal left), verified by
reading back (``runbooks.revoke``). The caller asks in between: ``dapctl revoke`` and ``dapctl offboard`` at the
terminal, a pipeline with ``--yes``. Nothing here prints or asks.
"""

from __future__ import annotations

import asyncio
import shlex
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from intent import CustomerIntent, StackIntent
from operations.customer_audit import PartnerView, audit_customer, partner_clients
from operations.dap_removal import DapRemovalCheck, check_dap_removal
from operations.errors import InputError
from operations.expected_scope import expected_scope
from runbooks.audit import AuditReport
from runbooks.declared import DeclaredAccess
from runbooks.expected_scope import ExpectedScope
from runbooks.grants import Grant, Kind
from runbooks.journal import Journal, JournalError
from runbooks.revoke import RevokeReport, revoke
from runbooks.selection import ALL, Selection, SelectionError, parse_selection

DEFAULT_JOURNALS = Path(".dapctl")


@dataclass
class RevocationPlan:
    """What a run would remove: the fresh audit's grants in the selection, or (resuming) the journal's rest."""

    intent: StackIntent
    customer: CustomerIntent
    selection: Selection
    found: AuditReport | None = None
    """The audit this plan comes from (None: resuming, the journal holds the plan)."""
    declared: DeclaredAccess | None = None
    """What the intent declares for the customer (None in all-partners mode, or resuming)."""
    journal: Journal | None = None
    autopilot: list[dict] = field(default_factory=list)
    """The customer's Autopilot devices: listed, never removed (they are not access to the tenant)."""
    expected: ExpectedScope | None = None
    """What the run must find (declared and seen before: see operations/expected_scope.py)."""

    @property
    def going(self) -> list[Grant]:
        if self.found is None:
            return []
        return [g for g in self.found.grants if self.selection.includes(g)]

    @property
    def nothing(self) -> bool:
        """The audit found nothing of the selection: there is nothing to confirm."""
        return self.found is not None and not self.going

    @property
    def removes_dap_alone(self) -> bool:
        """DAP goes and GDAP stays: the last step of a move to GDAP, checked before anything is sent."""
        return "dap" in self.selection.areas and "gdap" not in self.selection.areas

    def dap_removal(self, accept_azure_loss: bool) -> DapRemovalCheck | None:
        """Whether DAP may go now (None: the run does not remove DAP alone, or there is no DAP to remove)."""
        if self.found is None or not self.removes_dap_alone or not self.found.by_kind(Kind.DAP):
            return None
        return check_dap_removal(self.found, self.declared, accept_azure_loss)

    def question(self) -> str:
        """What a person confirms: the tenant, and what will go (counts by kind, what is kept)."""
        if self.found is not None:
            counts = Counter(str(g.kind) for g in self.going)
            what = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items())) or "nothing found"
            if not self.selection.everything:
                what += f" (kept: {', '.join(self.selection.kept)})"
            total = len(self.going)
        else:
            assert self.journal is not None
            total = len(self.journal.load().plan)
            what = f"the rest of the {total} grant(s) in the journal"
        return (
            f"Remove {total} grant(s) of {self.intent.partner.display_name} in {self.customer.display_name} "
            f"(tenant {self.customer.tenant_id}): {what}?"
        )


def journal_for(customer: CustomerIntent, directory: Path | None) -> Journal:
    """The run's journal: the folder given, or ``.dapctl/<customer>``."""
    return Journal(directory or DEFAULT_JOURNALS / customer.name)


def journal_standing(journal: Journal) -> str:
    """Where an earlier ``--apply`` run of this journal stands: "none" (no journal), "finished" (nothing pending),
    "unfinished" (grants pending: finish it with ``--resume``) or "unreadable" (a fresh audit must decide)."""
    if not journal.exists():
        return "none"
    try:
        return "unfinished" if journal.load().pending() else "finished"
    except JournalError:
        return "unreadable"


def resume_command(
    customer: str | None,
    tenant: str | None,
    stack: str,
    project_dir: Path,
    journal_dir: Path | None,
    endpoint: str | None = None,
) -> str:
    """The exact command that continues this customer's journalled revocation (printed on refusal and on Ctrl-C)."""
    words = ["dapctl", "revoke", *([customer] if customer else ["--tenant", tenant or ""]), "--stack", stack]
    if Path(project_dir) != Path("."):
        words += ["--project-dir", str(project_dir)]
    if journal_dir is not None:
        words += ["--journal", str(journal_dir)]
    if endpoint:
        words += ["--endpoint", endpoint]
    return shlex.join([*words, "--resume"])


def plan_stamp(journal: Journal | None) -> int | None:
    """When the journal's plan was last written (None: no plan): tells this run's journal from an earlier one's."""
    return journal.plan_path.stat().st_mtime_ns if journal is not None and journal.exists() else None


def resumed_selection(journal: Journal, customer_tenant_id: str, only: list[str], keep: list[str]) -> Selection:
    """What a resumed run removes: its journal's selection. The journal must be this customer's and read back
    whole; ``--only``/``--keep``, when given, must say the same. Checked before any request."""
    if not journal.exists():
        raise InputError(
            f"nothing to resume: no journal at {journal.plan_path} (run revoke --apply first, or pass --journal)",
            "'--resume'",
        )
    state = journal.load()  # JournalError when it does not read back whole
    if state.customer_tenant_id != customer_tenant_id:
        raise JournalError(
            f"{journal.plan_path} is for tenant {state.customer_tenant_id}, not this customer's "
            f"{customer_tenant_id}: pass the right --journal"
        )
    if only or keep:
        asked = parse_selection(only, keep)
        if asked != state.selection:
            raise SelectionError(
                f"the journal's run removes {state.selection.describe()}, not {asked.describe()}: resume without "
                "--only/--keep (it continues the journal's selection)"
            )
    return state.selection


async def plan_revocation(
    intent: StackIntent,
    customer: CustomerIntent,
    view: PartnerView,
    selection: Selection = ALL,
    *,
    journal: Journal | None = None,
    progress=None,
    project_dir: Path | None = None,
) -> RevocationPlan:
    """Audit the customer as the partner sees it, and plan the removal of the selected areas. With
    ``project_dir``, the customer's expected scope is read from it (and the run adds what it sees)."""
    found, declared = await audit_customer(intent, customer, view, progress)
    expected = expected_scope(project_dir, customer, declared) if project_dir is not None else None
    return RevocationPlan(intent, customer, selection, found, declared, journal, list(found.autopilot), expected)


def resumed_plan(
    intent: StackIntent,
    customer: CustomerIntent,
    selection: Selection,
    journal: Journal,
    project_dir: Path | None = None,
):
    """A resumed run's plan: the journal's unfinished grants, no fresh audit (the expected scope as recorded)."""
    expected = expected_scope(project_dir, customer) if project_dir is not None else None
    return RevocationPlan(intent, customer, selection, journal=journal, expected=expected)


async def apply_revocation(
    plan: RevocationPlan,
    view: PartnerView,
    *,
    apply: bool,
    resume: bool = False,
    gaps: list[str] | None = None,
    progress=None,
) -> RevokeReport:
    """Remove what the plan holds (dry run unless ``apply``), verified by reading back; with ``resume``, continue
    the journal's run. ``gaps``: what the caller knows it cannot attribute (partner groups without an id)."""
    async with partner_clients(view.conn, plan.intent, plan.customer) as clients:
        return await revoke(
            view.target,
            clients,
            plan.found,
            apply=apply or resume,
            journal=plan.journal,
            resume=resume,
            progress=progress,
            gaps=gaps if "rbac" in plan.selection.areas else [],  # the gaps are about RBAC principals
            selection=plan.selection,
            expected=plan.expected,
            sleep=view.conn.sleep or asyncio.sleep,
        )
