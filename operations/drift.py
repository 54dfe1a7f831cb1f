"""Drift between what a stack declares and what the partner really holds, seen through the audit.

`pulumi preview --refresh --expect-no-changes` sees what Pulumi manages. This sees the rest: grants
made by hand (out-of-band), declared grants that disappeared, GDAP relationships that ended, are about
to, or were never approved, and DAP still present after GDAP took over.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime

from azure_http.connect import Connection
from azure_http.models import Relationship
from intent import CustomerIntent, StackIntent
from operations.customer_audit import audit_customer, partner_view
from operations.gdap_status import status_rows
from operations.relationships import read_relationships
from runbooks.audit import AuditReport
from runbooks.declared import DeclaredAccess
from runbooks.grants import Kind, Origin


@dataclass
class DriftItem:
    customer: str
    kind: str
    """unexpected | missing | gdap | dap"""
    what: str
    fix: str

    def to_json(self) -> dict:
        return asdict(self)


def _or_offboard(name: str) -> str:
    """Access that disappeared may have been removed on purpose: say how to record that instead of restoring it."""
    return f"; if the customer's access was removed on purpose, record it: `dapctl offboard {name} --apply`"


def offboarded_drift(customer: CustomerIntent, report: AuditReport) -> list[DriftItem]:
    """An offboarded customer should hold nothing of the partner's: everything found came back, or stayed."""
    return [
        DriftItem(
            customer.name,
            "unexpected",
            f"{grant.description}: present although the customer is offboarded",
            f"remove it: `dapctl revoke {customer.name} --apply` (the stack declares nothing for this customer)",
        )
        for grant in report.grants
    ]


def customer_drift(
    intent: StackIntent,
    customer: CustomerIntent,
    report: AuditReport,
    declared: DeclaredAccess,
    relationships: list[Relationship],
    now: datetime | None = None,
    stack: str | None = None,
) -> list[DriftItem]:
    """What differs for one customer, each with its fix. ``stack`` names the stack in the fixes that need it, so
    each runs as printed from the project folder."""
    if not customer.expects_access:
        return offboarded_drift(customer, report)
    items: list[DriftItem] = []
    name = customer.name
    for grant in report.grants:
        if grant.origin is Origin.OUT_OF_BAND and grant.kind is not Kind.GDAP_RELATIONSHIP:
            items.append(
                DriftItem(
                    name,
                    "unexpected",
                    grant.description,
                    "declare it in the stack config, or remove it (dapctl revoke, or the portal)",
                )
            )
    present_rbac = {
        (
            (g.scope or "").lower(),
            (g.details.get("roleDefinitionId") or "").rsplit("/", 1)[-1].lower(),
            (g.principal_id or "").lower(),
        )
        for g in report.by_kind(Kind.RBAC)
    }
    for scope, role, principal in sorted(declared.rbac - present_rbac):
        if principal:
            items.append(
                DriftItem(
                    name,
                    "missing",
                    f"role {role} for {principal} at {scope}",
                    f"run `pulumi up` for this stack (it re-creates the declared grant){_or_offboard(name)}",
                )
            )
    present_lighthouse = {(g.scope or "").lower() for g in report.by_kind(Kind.LIGHTHOUSE)}
    for scope in sorted(declared.lighthouse_scopes - present_lighthouse):
        items.append(
            DriftItem(
                name,
                "missing",
                f"Lighthouse delegation at {scope}",
                f"run `pulumi up` for this stack{_or_offboard(name)}",
            )
        )

    gdap_active = False
    if customer.delegation == "gdap":
        for row in status_rows(intent, relationships, now=now):
            if row.customer != name:
                continue
            gdap_active = gdap_active or row.status in ("active", "expiring")
            for warning in row.warnings:
                items.append(
                    DriftItem(
                        name,
                        "gdap",
                        f"{row.display_name or 'relationship'}: {warning}",
                        f"see `dapctl gdap status --stack {stack}`" if stack else "see `dapctl gdap status`",
                    )
                )
        for grant in report.by_kind(Kind.GDAP_RELATIONSHIP):
            if grant.origin is Origin.OUT_OF_BAND:
                items.append(
                    DriftItem(
                        name,
                        "gdap",
                        f"{grant.description}: not as declared (name or roles differ)",
                        "a role change needs a new relationship: `pulumi up` replaces it",
                    )
                )
        if gdap_active:
            present_access = {
                ((g.principal_id or "").lower(), frozenset(g.details.get("roleIds", [])))
                for g in report.by_kind(Kind.GDAP_ACCESS)
            }
            for group, roles in sorted(declared.gdap_access - present_access, key=lambda x: x[0]):
                items.append(
                    DriftItem(
                        name,
                        "missing",
                        f"GDAP access assignment for group {group} ({len(roles)} roles)",
                        "run `pulumi up` (it maps active relationships)",
                    )
                )
    dap_present = bool(report.by_kind(Kind.DAP))
    if dap_present and customer.delegation == "gdap" and gdap_active:
        items.append(
            DriftItem(
                name,
                "dap",
                "DAP still present although GDAP is active",
                f"remove DAP: `dapctl revoke {name} --only dap --apply` (checks GDAP is active first)",
            )
        )
    elif dap_present and customer.delegation == "gdap" and not customer.legacy_dap:
        items.append(
            DriftItem(
                name,
                "dap",
                "DAP present on a GDAP customer the config does not mark legacyDap",
                "set legacyDap: true while moving it to GDAP, then remove DAP once GDAP is active",
            )
        )
    if customer.delegation == "dap" and not dap_present and "DAP" not in " ".join(report.not_checked):
        items.append(
            DriftItem(
                name,
                "missing",
                "DAP is gone (the customer removed it)",
                "move the customer to delegation: gdap and send the approval link",
            )
        )
    return items


def drift_markdown(stack: str, items: list[DriftItem]) -> str:
    if not items:
        return f"# Drift in stack `{stack}`\n\nNo drift: the tenants match the stack config.\n"
    lines = [
        f"# Drift in stack `{stack}`",
        "",
        f"{len(items)} finding(s).",
        "",
        "| customer | kind | what | fix |",
        "|---|---|---|---|",
    ]
    lines += [f"| {i.customer} | {i.kind} | {i.what.replace('|', '/')} | {i.fix} |" for i in items]
    return "\n".join(lines) + "\n"


async def stack_drift(
    conn: Connection,
    intent: StackIntent,
    customers: list[CustomerIntent],
    seen: Callable[[CustomerIntent, AuditReport], None] | None = None,
    stack: str | None = None,
) -> list[DriftItem]:
    """Drift of the given customers of one stack: the partner's relationships read once, each customer audited as
    the partner sees it (Autopilot devices are not access: not read). ``seen`` is told each customer's audit
    (the command adds its subscriptions to the customer's expected scope)."""
    relationships = await read_relationships(conn, intent.partner.tenant_id)
    items: list[DriftItem] = []
    for customer in customers:
        view = partner_view(conn, intent, customer, [], all_partners=False)
        report, declared = await audit_customer(intent, customer, view, autopilot=False)
        if seen is not None:
            seen(customer, report)
        items += customer_drift(intent, customer, report, declared, relationships, stack=stack)
    return items
