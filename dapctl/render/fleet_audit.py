"""``dapctl fleet audit``'s result: one row per customer (its grants by kind, the out-of-band ones, what could not be
read), as JSON, a Markdown table or a terminal table, and a JSON Lines file written as each customer finishes, so
an interrupted run over thousands of customers resumes where it stopped (``--resume``) instead of starting over.

Names in the rows come from stack files and from Azure: untrusted, escaped wherever they are rendered.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from runbooks.audit import AuditReport
from runbooks.grants import Kind, Origin

SCHEMA_VERSION = 1
KINDS = (Kind.GDAP_RELATIONSHIP, Kind.GDAP_ACCESS, Kind.DAP, Kind.RBAC, Kind.LIGHTHOUSE)


def audit_row(stack: str, customer: Any, report: AuditReport) -> dict[str, Any]:
    """One customer's audit as a JSON row (the full grants included: the row is the record of the audit)."""
    return {
        "stack": stack,
        "customer": customer.name,
        "displayName": customer.display_name,
        "tenantId": report.target.customer_tenant_id,
        "subscriptions": report.subscriptions,
        "counts": {str(k): len(report.by_kind(k)) for k in KINDS},
        "outOfBand": sum(1 for g in report.grants if g.origin is Origin.OUT_OF_BAND),
        "grants": [g.to_json() for g in report.grants],
        "notChecked": list(report.not_checked),
        "errors": list(report.errors),
    }


def key_of(row: dict[str, Any]) -> tuple[str, str]:
    return row["stack"], row["customer"]


@dataclass
class AuditLog:
    """The JSON Lines file of a fleet audit: one row per customer, appended (and flushed) as each finishes."""

    path: Path
    done: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    _file: IO[str] | None = None

    def load(self) -> None:
        """The rows an earlier run wrote; a last line cut short by the interruption is dropped (redone)."""
        with self.path.open(encoding="utf-8") as lines:
            for number, line in enumerate(lines, start=1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                    self.done[key_of(row)] = row
                except (ValueError, KeyError, TypeError):
                    if line.endswith("\n"):  # a whole line that is not a row: not this command's file
                        raise ValueError(f"{self.path}: line {number} is not a fleet audit row") from None

    def open(self, resume: bool) -> None:
        if resume:  # drop a last line cut short by the interruption, so the next row starts a line of its own
            data = self.path.read_bytes()
            if data and not data.endswith(b"\n"):
                with self.path.open("r+b") as cut:
                    cut.truncate(data.rfind(b"\n") + 1)
        self._file = self.path.open("a" if resume else "x", encoding="utf-8")

    def append(self, row: dict[str, Any]) -> None:
        assert self._file is not None
        self._file.write(json.dumps(row, sort_keys=True) + "\n")
        self._file.flush()
        self.done[key_of(row)] = row

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def document(rows: list[dict[str, Any]], problems: dict[str, list[str]]) -> dict[str, Any]:
    return {"schemaVersion": SCHEMA_VERSION, "customers": rows, "configProblems": problems}


def _md(text: Any) -> str:
    """A Markdown table cell: pipes, backslashes, HTML and line breaks neutralised."""
    value = str(text)
    for raw, safe in (("\\", "\\\\"), ("|", "\\|"), ("<", "&lt;"), (">", "&gt;"), ("`", "\\`")):
        value = value.replace(raw, safe)
    return " ".join(value.split())


def markdown(rows: list[dict[str, Any]], problems: dict[str, list[str]]) -> str:
    lines = [
        f"# Partner access audit of {len(rows)} customer(s)",
        "",
        f"{sum(r['outOfBand'] for r in rows)} out-of-band grant(s) in "
        f"{sum(1 for r in rows if r['outOfBand'])} customer(s); "
        f"{sum(1 for r in rows if r['errors'])} customer(s) not fully read.",
        "",
        "| stack | customer | tenant | GDAP | GDAP access | DAP | Azure RBAC | Lighthouse | out-of-band | errors |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        counts = r["counts"]
        lines.append(
            "| "
            + " | ".join(
                [
                    _md(r["stack"]),
                    _md(r["displayName"] or r["customer"]),
                    f"`{_md(r['tenantId'])}`",
                    *(str(counts.get(str(k), 0)) for k in KINDS),
                    f"**{r['outOfBand']}**" if r["outOfBand"] else "0",
                    _md("; ".join(r["errors"])),
                ]
            )
            + " |"
        )
    if problems:
        lines += ["", "## Stacks whose config could not be read", ""]
        lines += [f"- {_md(stack)}: {_md('; '.join(p))}" for stack, p in problems.items()]
    return "\n".join(lines) + "\n"
