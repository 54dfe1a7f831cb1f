"""`dapctl gdap drop-global-admin`: Global Administrator taken out of active GDAP relationships, in place.

Graph lets a partner remove Global Administrator from an **active** relationship without a new customer
approval: a PATCH that Graph runs as a long-running operation (``GraphClient.remove_global_administrator``).
Any other role change needs a new relationship. Once the role is gone the relationship may auto-extend
(Graph refuses auto-extend while Global Administrator is in it), so ``--auto-extend`` switches it on after.

Bulk over the fleet: every active relationship with Global Administrator of the selected customers, a bounded
number at a time (``--concurrency``, at most 25: the admin center's own batch; the client backs off on 429).
Resumable: each accepted operation's id and each outcome is written to a journal as it happens, and a run
again continues the operations still running and skips what is done (the client also leaves a relationship
without Global Administrator alone). Nothing is reported removed until the relationship reads back without it.
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import catalog
from azure_http import AzureHttpError, Conflict, GraphClient, UnexpectedStatus, WaitTimeout, run_sync
from azure_http.connect import Connection
from azure_http.gdap import AUTO_EXTEND_180_DAYS, GLOBAL_ADMINISTRATOR, role_ids_of
from azure_http.models import Relationship
from intent import CustomerIntent, StackIntent
from operations.relationships import fetch_relationships

MAX_CONCURRENCY = 25
_RUNNING = ("notStarted", "running")


@dataclass
class Candidate:
    customer: str
    tenant_id: str
    relationship_id: str
    display_name: str
    status: str
    roles: list[str]
    config_lists_global_admin: bool
    """The stack config still declares Global Administrator: the next deploy would want it back."""


@dataclass
class Removal:
    candidate: Candidate
    outcome: str
    """planned | removed | already-absent | running (not finished within the bound) | failed."""
    message: str = ""
    operation_id: str | None = None
    auto_extend: str | None = None
    """The relationship's autoExtendDuration as read back after --auto-extend (None: not asked)."""
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return {**asdict(self), "candidate": asdict(self.candidate)}


def _declares_global_admin(customer: CustomerIntent) -> bool:
    return customer.gdap is not None and GLOBAL_ADMINISTRATOR in customer.gdap.role_ids


def candidates(
    customers: list[CustomerIntent], relationships: list[Relationship], in_progress: frozenset[str] = frozenset()
) -> list[Candidate]:
    """Each active relationship holding Global Administrator with one of ``customers`` (config order), and
    those ``in_progress`` (an earlier run's operation, per its journal), whose role may be gone by now."""
    found = []
    for customer in customers:
        for rel in relationships:
            if rel.customer_tenant_id != customer.tenant_id.lower() or not rel.usable:
                continue
            if GLOBAL_ADMINISTRATOR not in rel.role_ids and rel.id not in in_progress:
                continue
            found.append(
                Candidate(
                    customer.name,
                    customer.tenant_id,
                    rel.id,
                    rel.display_name,
                    rel.status,
                    [catalog.directory_role_name(r) for r in role_ids_of(rel.raw)],
                    _declares_global_admin(customer),
                )
            )
    return found


class RemovalJournalError(ValueError):
    """The journal file exists but is not one this command wrote (the message says to delete it)."""


class RemovalJournal:
    """One JSON file: relationship id -> {operation, outcome, message}; rewritten atomically on every change."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.entries: dict[str, dict] = {}
        if self.path.is_file():
            try:
                loaded = json.loads(self.path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as err:
                raise RemovalJournalError(
                    f"{self.path}: not a readable journal ({err}); delete it and run again"
                ) from None
            entries = loaded.get("relationships") if isinstance(loaded, dict) else None
            if not isinstance(entries, dict) or not all(isinstance(v, dict) for v in entries.values()):
                raise RemovalJournalError(f"{self.path}: not a drop-global-admin journal; delete it and run again")
            self.entries = entries

    def record(self, relationship_id: str, **fields: str | None) -> None:
        self.entries.setdefault(relationship_id, {}).update(fields)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".journal-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump({"relationships": self.entries}, handle, indent=1)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.path)

    def in_progress(self) -> frozenset[str]:
        """Relationships whose operation an earlier run left running."""
        return frozenset(k for k, v in self.entries.items() if v.get("outcome") == "running" and v.get("operation"))

    def running_operation(self, relationship_id: str) -> str | None:
        entry = self.entries.get(relationship_id) or {}
        return entry.get("operation") if entry.get("outcome") == "running" else None


async def _running_operation_in_graph(graph: GraphClient, relationship_id: str) -> str | None:
    """The operation Graph is still running on the relationship (a run whose journal was lost)."""
    async for op in graph.list_operations(relationship_id):
        if op.get("status") in _RUNNING:
            return op.get("id")
    return None


async def _remove_one(
    graph: GraphClient, candidate: Candidate, journal: RemovalJournal, timeout: float, auto_extend: bool
) -> Removal:
    rel_id = candidate.relationship_id
    removal = Removal(candidate, "failed")
    try:
        operation_id = journal.running_operation(rel_id)
        if operation_id is None:
            try:
                result = await graph.remove_global_administrator(
                    rel_id,
                    timeout=timeout,
                    on_accepted=lambda op: journal.record(rel_id, operation=op, outcome="running"),
                )
                removal.operation_id = (result.operation or {}).get("id")
                removal.outcome = "removed" if result.changed else "already-absent"
            except Conflict:
                operation_id = await _running_operation_in_graph(graph, rel_id)
                if operation_id is None:
                    raise
        if operation_id is not None:  # an operation an earlier run started: wait for it, then read back
            removal.operation_id = operation_id
            await graph.wait_for_operation(rel_id, operation_id, timeout=timeout)
            after = await graph.get_relationship(rel_id)
            if GLOBAL_ADMINISTRATOR in {r.lower() for r in role_ids_of(after)}:
                raise UnexpectedStatus(f"operation {operation_id} succeeded but the relationship still holds it")
            removal.outcome = "removed"
        removal.message = "Global Administrator removed; the relationship stays active, no new approval needed"
        if removal.outcome == "already-absent":
            removal.message = "no Global Administrator in the relationship"
        if auto_extend:
            current = await graph.get_relationship(rel_id)
            if current.get("autoExtendDuration") != AUTO_EXTEND_180_DAYS:
                await graph.update_relationship(
                    rel_id, current["@odata.etag"], {"autoExtendDuration": AUTO_EXTEND_180_DAYS}
                )
            removal.auto_extend = (await graph.get_relationship(rel_id)).get("autoExtendDuration")
            if removal.auto_extend != AUTO_EXTEND_180_DAYS:
                removal.outcome = "failed"
                removal.message += f"; auto-extend reads back {removal.auto_extend}, not {AUTO_EXTEND_180_DAYS}"
    except WaitTimeout as err:
        removal.outcome = "running"
        removal.operation_id = (err.last or {}).get("id") or removal.operation_id
        removal.message = f"{err}: run the same command again to continue waiting (the journal has the operation)"
    except (UnexpectedStatus, AzureHttpError) as err:
        removal.outcome, removal.message = "failed", str(err)
    except ValueError as err:  # Global Administrator is the only role: nothing to keep
        removal.outcome, removal.message = "failed", str(err)
    if candidate.config_lists_global_admin and removal.outcome in ("removed", "already-absent"):
        removal.notes.append(
            f"the stack config still lists Global Administrator for {candidate.customer}: remove it from "
            "gdap.roles (and allowGlobalAdministrator), or the next deploy asks for a new relationship with it"
        )
    if auto_extend and removal.auto_extend == AUTO_EXTEND_180_DAYS:
        removal.notes.append(f"set gdap.autoExtend: true for {candidate.customer} in the stack config to keep it on")
    journal.record(rel_id, operation=removal.operation_id, outcome=removal.outcome, message=removal.message)
    return removal


async def drop_global_admin(
    graph: GraphClient,
    found: list[Candidate],
    journal: RemovalJournal,
    *,
    concurrency: int = 10,
    timeout: float = 900.0,
    auto_extend: bool = False,
) -> list[Removal]:
    """Remove Global Administrator from each candidate, ``concurrency`` at a time; outcomes in candidate order."""
    gate = asyncio.Semaphore(max(1, min(concurrency, MAX_CONCURRENCY)))

    async def one(candidate: Candidate) -> Removal:
        async with gate:
            return await _remove_one(graph, candidate, journal, timeout, auto_extend)

    return list(await asyncio.gather(*(one(c) for c in found)))


def exit_status(removals: list[Removal]) -> str:
    """complete | failed | incomplete (an operation still running) | nothing (no candidate)."""
    if not removals:
        return "nothing"
    if any(r.outcome == "failed" for r in removals):
        return "failed"
    if any(r.outcome == "running" for r in removals):
        return "incomplete"
    return "complete"


def plan_global_admin_removal(
    conn: Connection, intent: StackIntent, customers: list[CustomerIntent], journal: RemovalJournal | None
) -> list[Candidate]:
    """The relationships to change: read from Graph (one paged read), with those an earlier run left running."""
    relationships = fetch_relationships(conn, intent.partner.tenant_id)
    return candidates(customers, relationships, journal.in_progress() if journal else frozenset())


def planned(found: list[Candidate]) -> list[Removal]:
    """The dry run's report: each candidate, nothing sent."""
    return [Removal(c, "planned", "would remove Global Administrator in place") for c in found]


def apply_global_admin_removal(
    conn: Connection,
    intent: StackIntent,
    found: list[Candidate],
    journal: RemovalJournal,
    *,
    concurrency: int = 10,
    timeout: float = 900.0,
    auto_extend: bool = False,
) -> list[Removal]:
    """Remove Global Administrator from the candidates, journalled; each outcome read back from Graph."""

    async def run() -> list[Removal]:
        async with GraphClient(conn.tokens, conn.endpoints, tenant_id=intent.partner.tenant_id) as graph:
            return await drop_global_admin(
                graph, found, journal, concurrency=concurrency, timeout=timeout, auto_extend=auto_extend
            )

    return run_sync(run())
