"""The revocation journal: what a run set out to remove and what it has done, safe against a crash.

A run first writes its plan (the grants to remove) with write-to-temp-and-rename, so the plan file is
either complete or absent. Each outcome is then appended as one JSON line and flushed to the OS before
the run moves on (a killed process loses nothing flushed), and fsynced in groups (a power cut loses at
most the last group: those deletions are simply redone, and a DELETE of what is gone is harmless).
A line torn by a crash is ignored on reading. `--resume` loads the plan and the
outcomes, skips what is done, and carries on: the end state is the same as one uninterrupted run.
"""

from __future__ import annotations

import json
import os
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from .grants import Grant
from .selection import ALL, Selection

DONE = frozenset({"removed", "already-absent"})
FIX = "delete the journal folder and run revoke --apply again (it audits afresh)"


class JournalError(ValueError):
    """The journal on disk cannot be trusted (not JSON, wrong shape): the message names the file and the fix."""


@dataclass
class JournalState:
    customer_tenant_id: str
    partner_tenant_id: str | None
    plan: list[Grant]
    outcomes: dict[str, dict] = field(default_factory=dict)
    run_id: str = ""
    selection: Selection = ALL
    """The areas the run removes (``--only`` / ``--keep``): a resumed run continues the same selection."""

    def pending(self) -> list[Grant]:
        return [g for g in self.plan if self.outcomes.get(g.id, {}).get("outcome") not in DONE]


class Journal:
    """A plan file (atomic) plus an append-only outcome log (one flushed JSON line per outcome)."""

    FSYNC_EVERY = 64

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self.plan_path = self.directory / "plan.json"
        self.log_path = self.directory / "outcomes.jsonl"
        self._log = None
        self._unsynced = 0
        self._run_id = ""

    def exists(self) -> bool:
        return self.plan_path.is_file()

    def start(
        self, customer_tenant_id: str, partner_tenant_id: str | None, plan: list[Grant], selection: Selection = ALL
    ) -> JournalState:
        self.directory.mkdir(parents=True, exist_ok=True)
        # Outcome lines carry the run id of their plan: lines a crash left from an earlier run (the old
        # log outlives the new plan for a moment) are never taken for this run's.
        self._run_id = uuid.uuid4().hex
        document = {
            "runId": self._run_id,
            "customerTenantId": customer_tenant_id,
            "partnerTenantId": partner_tenant_id,
            "selection": selection.to_json(),
            "plan": [g.to_json() for g in plan],
        }
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".plan-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(document, handle, indent=1)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.plan_path)
        self.log_path.unlink(missing_ok=True)
        return JournalState(customer_tenant_id, partner_tenant_id, list(plan), run_id=self._run_id, selection=selection)

    def record(self, grant: Grant, outcome: str, message: str = "") -> None:
        if self._log is None:
            torn = self._ends_without_newline()
            self._log = open(self.log_path, "a", encoding="utf-8")  # noqa: SIM115 - closed by close()
            if torn:
                self._log.write("\n")  # end the line a crash tore, so the next outcome stands on its own line
        entry = {"run": self._run_id, "id": grant.id, "outcome": outcome, "message": message}
        self._log.write(json.dumps(entry) + "\n")
        self._log.flush()
        self._unsynced += 1
        if self._unsynced >= self.FSYNC_EVERY:
            os.fsync(self._log.fileno())
            self._unsynced = 0

    def _ends_without_newline(self) -> bool:
        if not self.log_path.is_file() or self.log_path.stat().st_size == 0:
            return False
        with open(self.log_path, "rb") as handle:
            handle.seek(-1, os.SEEK_END)
            return handle.read(1) != b"\n"

    def close(self) -> None:
        if self._log is not None:
            self._log.flush()
            os.fsync(self._log.fileno())
            self._log.close()
            self._log = None
            self._unsynced = 0

    def load(self) -> JournalState:
        """The plan and this run's outcomes; ``JournalError`` when plan.json is not what ``start`` wrote."""
        from .journal_schema import read_plan  # pydantic: dapctl only (the Automation runbook never resumes)

        document = read_plan(self.plan_path)
        self._run_id = document.run_id
        state = JournalState(
            document.customer_tenant_id,
            document.partner_tenant_id,
            [Grant.from_json(g.model_dump()) for g in document.plan],
            run_id=self._run_id,
            selection=Selection.from_json(document.selection),
        )
        if self.log_path.is_file():
            for entry in self._entries():
                if entry.get("run", "") == self._run_id:
                    state.outcomes[entry["id"]] = entry
        return state

    def _entries(self) -> list[dict]:
        """The outcome lines; a ``JournalError`` naming the file and the line for bytes that are not UTF-8 text.

        A line a crash tore (the last one, without its newline) is skipped whatever its bytes: a multi-byte
        character may be cut in two there. Anywhere else, bytes that are not UTF-8 were not written by a run.
        """
        try:
            data = self.log_path.read_bytes()
        except OSError as err:
            raise JournalError(f"{self.log_path}: cannot be read ({err.strerror}); {FIX}") from None
        lines = data.split(b"\n")
        entries = []
        for number, raw in enumerate(lines, start=1):
            torn = number == len(lines)  # after the last newline: empty, or the line a crash tore
            try:
                entry = json.loads(raw.decode("utf-8")) if raw.strip() else None
            except UnicodeDecodeError:
                if torn:
                    continue
                raise JournalError(f"{self.log_path}, line {number}: not UTF-8 text; {FIX}") from None
            except (json.JSONDecodeError, RecursionError):
                continue  # the line a crash tore, or a hand edit: its step is redone
            if isinstance(entry, dict) and isinstance(entry.get("id"), str):
                entries.append(entry)  # anything else is not an outcome line: its step is redone
        return entries
