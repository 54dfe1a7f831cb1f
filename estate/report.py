"""The import report: what was written (and what it adopts), what was already declared, and every item config could
not express, as a table for people or JSON / Markdown for tools and pull requests.

Company names, display names and ids come from the partner's services: untrusted text. The table escapes rich
markup, Markdown escapes every character with a meaning there (and HTML), JSON is JSON.
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
from collections import Counter
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .importer import ImportPlan
from .translate import NOT_EXPRESSED, NOTE, SKIPPED

SCHEMA_VERSION = 1
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
"""Characters with a meaning inside a Markdown table cell (HTML is escaped separately)."""


def visible(text: str) -> str:
    """Control and format characters (bidirectional overrides among them) shown as ``<U+XXXX>``: a name must not
    read differently than it is."""
    return "".join(f"<U+{ord(c):04X}>" if unicodedata.category(c) in ("Cc", "Cf") else c for c in str(text))


def md(text: str) -> str:
    """Untrusted text as literal Markdown (one line, no markup, no HTML, no invisible characters)."""
    one_line = " ".join(visible(" ".join(str(text).split())).split())
    return _MD_SPECIAL.sub(r"\\\1", html.escape(one_line, quote=False))


def summary(plan: ImportPlan, dry_run: bool) -> dict[str, Any]:
    adopted: Counter[str] = Counter()
    for c in plan.to_write():
        adopted.update(c.adopted)
    severities = Counter(f.severity for f in plan.findings)
    return {
        "customers": len(plan.customers) + len(plan.already),
        "toWrite": len(plan.to_write()),
        "written": 0 if dry_run else sum(len(f.tenant_ids) for f in plan.files if f.path in plan.written),
        "alreadyDeclared": len(plan.already),
        "notWritten": sum(1 for c in plan.customers if c.entry is None),
        "adopted": dict(sorted(adopted.items())),
        "notExpressed": severities.get(NOT_EXPRESSED, 0),
        "notes": severities.get(NOTE, 0),
    }


def to_json(plan: ImportPlan, partner_tenant_id: str, dry_run: bool) -> dict[str, Any]:
    files = {t: str(f.path) for f in plan.files for t in f.tenant_ids}
    return {
        "schemaVersion": SCHEMA_VERSION,
        "partnerTenantId": partner_tenant_id,
        "dryRun": dry_run,
        "summary": summary(plan, dry_run),
        "customers": [
            {
                "tenantId": c.tenant_id,
                "displayName": c.display_name,
                "name": c.name,
                "file": files.get(c.tenant_id),
                "written": c.entry is not None,
                "adopted": c.adopted,
            }
            for c in plan.customers
        ],
        "alreadyDeclared": [{"tenantId": t, "displayName": d, "stack": s} for t, d, s in plan.already],
        "findings": [f.to_json() for f in plan.findings],
    }


def to_markdown(plan: ImportPlan, partner_tenant_id: str, dry_run: bool) -> str:
    s = summary(plan, dry_run)
    verb = "would write" if dry_run else "wrote"
    lines = [
        f"# Import of partner tenant {md(partner_tenant_id)}",
        "",
        f"{s['customers']} customer(s): {verb} {s['toWrite']}, {s['alreadyDeclared']} already declared, "
        f"{s['notWritten']} not written; {s['notExpressed']} item(s) config cannot express, {s['notes']} note(s).",
        "",
        "| customer | tenant | stack | adopted |",
        "|---|---|---|---|",
    ]
    for c in plan.to_write():
        adopted = ", ".join(f"{n} {kind}" for kind, n in sorted(c.adopted.items())) or "nothing (new)"
        lines.append(f"| {md(c.display_name)} | {md(c.tenant_id)} | {md(c.name)} | {md(adopted)} |")
    if plan.already:
        lines += ["", "## Already declared (not written again)", "", "| customer | tenant | stack |", "|---|---|---|"]
        lines += [f"| {md(d)} | {md(t)} | {md(st)} |" for t, d, st in plan.already]
    for severity, title in (
        (SKIPPED, "Customers not written"),
        (NOT_EXPRESSED, "What config cannot express (left as it is, outside the stack)"),
        (NOTE, "Notes"),
    ):
        found = [f for f in plan.findings if f.severity == severity]
        if not found:
            continue
        lines += ["", f"## {title}", "", "| customer | kind | object | detail |", "|---|---|---|---|"]
        lines += [f"| {md(f.customer)} | {md(f.kind)} | {md(f.subject)} | {md(f.detail)} |" for f in found]
    return "\n".join(lines) + "\n"


def print_table(plan: ImportPlan, partner_tenant_id: str, dry_run: bool, console: Console) -> None:
    s = summary(plan, dry_run)
    table = Table(title=f"Import of partner tenant {partner_tenant_id}" + (" (dry run)" if dry_run else ""))
    for column in ("customer", "stack", "adopted"):
        table.add_column(column, overflow="fold")
    for c in plan.to_write():
        adopted = ", ".join(f"{n} {kind}" for kind, n in sorted(c.adopted.items())) or "nothing (new)"
        table.add_row(escape(f"{visible(c.display_name)}\n{c.tenant_id}"), escape(c.name), escape(adopted))
    console.print(table)
    if plan.findings:
        findings = Table(title="Not expressed in config, not written, and notes")
        for column in ("customer", "severity", "kind", "object", "detail"):
            findings.add_column(column, overflow="fold")
        for f in plan.findings:
            findings.add_row(
                escape(f.customer), escape(f.severity), escape(f.kind), escape(f.subject), escape(f.detail)
            )
        console.print(findings)
    verb = "would write" if dry_run else "wrote"
    console.print(
        f"{s['customers']} customer(s): {verb} {s['toWrite']}, {s['alreadyDeclared']} already declared, "
        f"{s['notWritten']} not written; {s['notExpressed']} item(s) config cannot express, {s['notes']} note(s)."
    )


def render(plan: ImportPlan, partner_tenant_id: str, dry_run: bool, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(to_json(plan, partner_tenant_id, dry_run), indent=2)
    return to_markdown(plan, partner_tenant_id, dry_run)
