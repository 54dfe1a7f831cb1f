"""The fleet commands' tables for people, and their ``--json`` documents written as the results come
(``JsonDocument``): at 10,000 customers a fleet run keeps a summary, not every customer's result."""

from __future__ import annotations

import json
from typing import Any, TextIO

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


def _nested(value: Any, level: int) -> str:
    """``value`` as ``json.dumps(indent=2)`` writes it ``level`` levels deep (JSON strings hold no raw newline)."""
    return json.dumps(value, indent=2).replace("\n", "\n" + "  " * level)


class JsonMembers:
    """An object or array of a ``JsonDocument`` still open: members are written as they are added."""

    def __init__(self, out: TextIO, brackets: str, level: int) -> None:
        self._out, self._close, self._level, self._count = out, brackets[1], level, 0
        out.write(brackets[0])

    def add(self, *member: Any) -> None:
        """``add(value)`` to an array, ``add(key, value)`` to an object."""
        *key, value = member
        indent = "\n" + "  " * (self._level + 1)
        name = f"{json.dumps(key[0])}: " if key else ""
        self._out.write(("," if self._count else "") + indent + name + _nested(value, self._level + 1))
        self._count += 1

    def close(self) -> None:
        self._out.write(("\n" + "  " * self._level if self._count else "") + self._close)


class JsonDocument:
    """One JSON object written to ``out`` member by member, the same text ``json.dumps(document, indent=2)``
    gives plus a newline: a fleet's rows go out as they are read instead of being held until the end. A run
    that fails half-way leaves an incomplete document (and a non-zero exit)."""

    def __init__(self, out: TextIO, **first: Any) -> None:
        self._out, self._count = out, 0
        out.write("{")
        for key, value in first.items():
            self._key(key)
            out.write(_nested(value, 1))

    def _key(self, key: str) -> None:
        self._out.write(("," if self._count else "") + "\n  " + json.dumps(key) + ": ")
        self._count += 1

    def object(self, key: str) -> JsonMembers:
        self._key(key)
        return JsonMembers(self._out, "{}", 1)

    def array(self, key: str) -> JsonMembers:
        self._key(key)
        return JsonMembers(self._out, "[]", 1)

    def close(self, **last: Any) -> None:
        for key, value in last.items():
            self._key(key)
            self._out.write(_nested(value, 1))
        self._out.write(("\n}" if self._count else "}") + "\n")
