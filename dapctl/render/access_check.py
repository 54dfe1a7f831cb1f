"""How `dapctl access check` shows the partner's reach into each customer: a table, or JSON for tools."""

from __future__ import annotations

import json
import sys

from rich.console import Console
from rich.markup import escape
from rich.table import Table


def render_access_check(results: list, as_json: bool, console: Console) -> None:
    """Per customer: the token, the paths that reach it, Azure, and what is lost (or one JSON document)."""
    if as_json:
        document = {"schemaVersion": 1, "customers": [r.to_json() for r in results]}
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
        return
    table = Table(title="Partner access per customer")
    for column in ("customer", "status", "token", "reached through", "Azure", "findings / not granted yet"):
        table.add_column(column, overflow="fold")
    status_colour = {"ok": "green", "not-granted-yet": "yellow", "lost": "bold red"}
    for r in results:
        paths = "\n".join(f"{p.group}: {', '.join(p.roles)} via {p.via}" for p in r.paths) or "-"
        azure = f"{len(r.subscriptions)} of {r.declared_subscriptions} declared" if r.token == "ok" else "not read"
        azure += "".join(f"\n{d.name}: {d.status}" for d in r.declared if d.status != "ok")
        colour = "green" if r.token == "ok" else "bold red"
        waits = [f"waiting: {w.what}" + (f" ({w.age_days} days)" if w.age_days is not None else "") for w in r.waiting]
        table.add_row(
            f"{escape(r.customer)}\n{r.tenant_id}",
            f"[{status_colour.get(r.status, 'white')}]{r.status}[/]",
            f"[{colour}]{r.token}[/]",
            escape(paths),
            escape(azure),
            escape("\n".join([*r.findings, *waits])) or "[green]none[/]",
        )
    console.print(table)
