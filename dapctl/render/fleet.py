"""The fleet commands' tables for people (``--json`` documents are written by the commands themselves)."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table


def plan_table(results: list) -> Table:
    """Offline plan of each stack: customers, resources, components, policy findings, problems."""
    table = Table(title=f"Offline plan of {len(results)} stack(s)", title_justify="left")
    for column in ("stack", "customers", "resources", "components", "mandatory", "advisory", "problems"):
        table.add_column(column, overflow="fold" if column == "problems" else None)
    for r in results:
        table.add_row(
            escape(r.stack),
            str(r.customers),
            str(r.resources),
            str(r.components),
            str(r.mandatory),
            str(r.advisory),
            escape("; ".join(r.problems)),
        )
    return table


def status_table(stacks: list[str], table_rows: list[dict]) -> Table:
    """Every customer's GDAP status and what needs attention (the dashboard's rows)."""
    table = Table(title=f"GDAP status of {len(stacks)} stack(s)", title_justify="left")
    for column in ("customer", "stack", "tenant id", "status", "days left", "attention"):
        table.add_column(column, no_wrap=column == "tenant id", overflow="fold")
    for r in table_rows:
        table.add_row(
            escape(r["customer"]),
            escape(r["stack"]),
            r["tenant"],
            escape(r["status"]),
            "" if r["days_left"] is None else str(r["days_left"]),
            escape("; ".join(r["attention"])),
        )
    return table


def drift_table(drifted: dict[str, list], stacks: list[str]) -> Table:
    """The drift of every stack that drifted."""
    table = Table(title=f"Drift in {len(drifted)} of {len(stacks)} stack(s)", title_justify="left")
    for column in ("stack", "customer", "kind", "what", "fix"):
        table.add_column(column, overflow="fold")
    for stack, items in sorted(drifted.items()):
        for item in items:
            table.add_row(escape(stack), escape(item.customer), item.kind, escape(item.what), escape(item.fix))
    return table


def audit_table(ordered: list[dict]) -> Table:
    """Partner access per customer: counts by kind, out-of-band grants, errors."""
    table = Table(title=f"Partner access in {len(ordered)} customer(s)", title_justify="left")
    for column in (
        "stack",
        "customer",
        "tenant id",
        "GDAP",
        "DAP",
        "Azure RBAC",
        "Lighthouse",
        "out-of-band",
        "errors",
    ):
        table.add_column(column, no_wrap=column == "tenant id", overflow="fold")
    for r in ordered:
        counts = r["counts"]
        table.add_row(
            escape(r["stack"]),
            escape(r["displayName"] or r["customer"]),
            r["tenantId"],
            str(counts["gdap-relationship"]),
            str(counts["dap"]),
            str(counts["rbac"]),
            str(counts["lighthouse"]),
            f"[bold red]{r['outOfBand']}[/]" if r["outOfBand"] else "0",
            escape("; ".join(r["errors"])),
        )
    return table


def access_table(lost: list, results: list) -> Table:
    """The customers the partner no longer reaches, with why."""
    table = Table(title=f"Access lost to {len(lost)} of {len(results)} customer(s)", title_justify="left")
    for column in ("stack", "customer", "token", "findings"):
        table.add_column(column, overflow="fold")
    for stack, r in lost:
        table.add_row(escape(stack), escape(r.customer), r.token, escape("\n".join(r.findings)))
    return table
