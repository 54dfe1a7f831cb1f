"""The fleet dashboard: one static HTML file, every customer on one page, sortable and filterable in the
browser without a server, working offline.

Customer and relationship names come from config and from Graph: untrusted text, escaped by Jinja2's autoescape.
The page loads nothing (a Content-Security-Policy of ``default-src 'none'`` forbids it) and its small script only
sorts and filters the table it was given.
"""

from __future__ import annotations

from datetime import UTC, datetime
from importlib import resources
from typing import Any

import jinja2

TEMPLATE = "dashboard.html.j2"


def dashboard_rows(status: list[tuple[str, Any, Any]], dap_customers: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    """One row per relationship (GDAP customers) or per customer (DAP), with what a partner asks first."""
    rows = []
    for stack, customer, row in status:
        rows.append(
            {
                "stack": stack,
                "customer": customer.display_name,
                "name": customer.name,
                "tenant": customer.tenant_id,
                "mode": "GDAP",
                "relationship": row.display_name or "",
                "status": row.status,
                "days_left": row.days_left,
                "auto_extend": row.auto_extend,
                "subscriptions": len(customer.new_subscriptions) + len(customer.existing_subscriptions),
                "attention": row.warnings,
                "notes": row.notes,
            }
        )
    for stack, customer in dap_customers:
        rows.append(
            {
                "stack": stack,
                "customer": customer.display_name,
                "name": customer.name,
                "tenant": customer.tenant_id,
                "mode": "DAP",
                "relationship": "",
                "status": "dap",
                "days_left": None,
                "auto_extend": False,
                "subscriptions": len(customer.new_subscriptions) + len(customer.existing_subscriptions),
                "attention": ["legacy DAP: move this customer to GDAP"],
                "notes": [],
            }
        )
    return rows


def render_dashboard(rows: list[dict[str, Any]], *, title: str = "CSP delegation fleet", version: str = "") -> str:
    environment = jinja2.Environment(
        loader=jinja2.FunctionLoader(lambda name: resources.files(__package__).joinpath("templates", name).read_text()),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    attention = sum(1 for r in rows if r["attention"])
    return environment.get_template(TEMPLATE).render(
        rows=rows, title=title, generated=generated, version=version, attention=attention
    )
