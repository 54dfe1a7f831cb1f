"""Audit and revocation reports a customer can read: Markdown (also the CI issue body) and HTML.

Plain string building with escaping, no template engine: the same code runs in the Automation sandbox.
"""

from __future__ import annotations

import html
from collections import Counter

from .audit import AuditReport
from .grants import Grant, Kind, Origin
from .revoke import RevokeReport

KIND_TITLES = {
    Kind.GDAP_RELATIONSHIP: "GDAP relationships",
    Kind.GDAP_ACCESS: "GDAP access assignments (partner groups and their roles)",
    Kind.DAP: "Legacy DAP",
    Kind.RBAC: "Azure RBAC role assignments",
    Kind.LIGHTHOUSE: "Azure Lighthouse delegations",
}
_COLUMNS = ("what", "principal", "scope", "origin")


def _cells(grant: Grant) -> list[str]:
    principal = grant.principal_id or ""
    if grant.principal_type:
        principal += f" ({grant.principal_type})"
    scope = grant.scope or grant.status or ""
    if grant.inherited:
        scope += " (inherited)"
    return [grant.description, principal, scope, str(grant.origin)]


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _who(report_target) -> str:
    if report_target.partner_tenant_id:
        return f"partner tenant `{report_target.partner_tenant_id}`"
    return "any partner (foreign principals and Lighthouse delegations)"


def audit_markdown(report: AuditReport) -> str:
    lines = [
        f"# Partner access audit: tenant `{report.target.customer_tenant_id}`",
        "",
        f"Access held by {_who(report.target)}: {len(report.grants)} grant(s) across "
        f"{report.subscriptions} subscription(s); {len(report.out_of_band())} out-of-band.",
        "",
    ]
    counts = Counter(g.kind for g in report.grants)
    for kind, title in KIND_TITLES.items():
        lines.append(f"## {title} ({counts.get(kind, 0)})")
        grants = [g for g in report.grants if g.kind is kind]
        if not grants:
            lines += ["", "None found.", ""]
            continue
        lines += ["", "| " + " | ".join(_COLUMNS) + " |", "|" + "---|" * len(_COLUMNS)]
        lines += ["| " + " | ".join(_md_escape(c) for c in _cells(g)) + " |" for g in grants]
        lines.append("")
    if report.autopilot:
        lines += [
            f"## Windows Autopilot devices ({len(report.autopilot)})",
            "",
            "Registered through Partner Center. Not access to the tenant: revocation leaves them; the partner "
            "removes its own with `dapctl autopilot remove`, the customer in Intune (Devices > Enrollment > "
            "Windows Autopilot).",
            "",
            "| serial number | device id | added by | profile |",
            "|---|---|---|---|",
        ]
        lines += [
            "| "
            + " | ".join(_md_escape(str(d.get(k) or "")) for k in ("serialNumber", "id", "origin", "profile"))
            + " |"
            for d in report.autopilot
        ]
        lines.append("")
    lines += service_providers_lines(report)
    if report.not_checked:
        lines += ["## Not checked by this run", ""] + [f"- {n}" for n in report.not_checked] + [""]
    if report.errors:
        lines += ["## Errors", ""] + [f"- {e}" for e in report.errors] + [""]
    lines += [
        "Removing DAP or GDAP does not remove Azure RBAC grants: a partner is gone only when every section "
        "above is empty.",
        "",
    ]
    return "\n".join(lines)


def service_providers_lines(report: AuditReport) -> list[str]:
    """The partners the customer's own cross-tenant access policy names as service providers (if read)."""
    if report.service_providers is None:
        return []
    lines = ["## Service providers in the tenant's cross-tenant access policy", ""]
    lines += [f"- `{_md_escape(t)}`" for t in report.service_providers] or ["None."]
    return [*lines, ""]


def revoke_markdown(report: RevokeReport) -> str:
    title = "Revocation" if report.applied else "Revocation plan (dry run: nothing was changed)"
    lines = [f"# {title}: tenant `{report.target.customer_tenant_id}`", ""]
    groups = (
        ("Removed", ("removed", "already-absent")),
        ("Would be removed" if not report.applied else "Planned", ("planned",)),
        ("Left in place", ("left",)),
        ("Failed (still present)", ("failed",)),
    )
    for heading, names in groups:
        outcomes = report.with_outcome(*names)
        if not outcomes:
            continue
        lines += [f"## {heading} ({len(outcomes)})", "", "| what | outcome | note |", "|---|---|---|"]
        lines += [f"| {_md_escape(o.grant.description)} | {o.outcome} | {_md_escape(o.message)} |" for o in outcomes]
        lines.append("")
    if report.applied:
        lines += _verification_lines(report)
        lines += [VERDICTS[report.status], "The reseller relationship is kept.", ""]
    return "\n".join(lines)


VERDICTS = {
    "complete": "COMPLETE: everything planned is gone, verified by reading Azure again (exit 0).",
    "failed": "FAILED: some access remains: see the failed rows and what is still present (exit 1).",
    "incomplete": "INCOMPLETE: nothing planned is known to remain, but not everything could be verified: "
    "see what was not verified and why (exit 5).",
    "dry-run": "Dry run: nothing was changed.",
}
ORDER_NOTE = (
    "Order: Lighthouse and Azure RBAC first (the grants that give this identity its right to remove "
    "role assignments last, narrowest scope first), then GDAP terminated, then DAP removed: the partner's "
    "right to delete in Azure comes from those very grants, used through GDAP or DAP."
)


def _verification_lines(report: RevokeReport) -> list[str]:
    lines = [ORDER_NOTE, ""]
    verification = report.verification
    if verification is not None and verification.remaining:
        lines += [f"## Still present after {verification.sweeps} verification sweep(s)", ""]
        lines += [f"- {_md_escape(g.description)} (`{_md_escape(g.id)}`)" for g in verification.remaining] + [""]
    if report.unverified:
        lines += ["## Not verified", ""] + [f"- {_md_escape(u)}" for u in report.unverified] + [""]
    if verification is not None and verification.access_ended:
        lines += [
            "## Access ended",
            "",
            "This identity no longer sees these subscriptions: the run removed its own last grant there.",
            "",
        ]
        lines += [f"- `{s}`" for s in verification.access_ended] + [""]
    return lines


def to_html(markdown_title: str, body_markdown: str) -> str:
    """A self-contained HTML page of a report (tables and headings; no external assets)."""
    out = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>{html.escape(markdown_title)}</title>",
        "<style>body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto}"
        "table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}"
        "th{background:#f3f3f3}code{background:#f6f6f6}</style></head><body>",
    ]
    in_table = False
    for line in body_markdown.splitlines():
        if line.startswith("|"):
            cells = [c.strip().replace("\\|", "|") for c in line.strip("|").split(" | ")]
            if set(line) <= {"|", "-"}:
                continue
            if not in_table:
                out.append("<table><tr>" + "".join(f"<th>{html.escape(c)}</th>" for c in cells) + "</tr>")
                in_table = True
            else:
                out.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
            continue
        if in_table:
            out.append("</table>")
            in_table = False
        text = html.escape(line)
        if line.startswith("## "):
            out.append(f"<h2>{html.escape(line[3:])}</h2>")
        elif line.startswith("# "):
            out.append(f"<h1>{html.escape(line[2:])}</h1>")
        elif line.startswith("- "):
            out.append(f"<li>{html.escape(line[2:])}</li>")
        elif line:
            out.append(f"<p>{text}</p>")
    if in_table:
        out.append("</table>")
    out.append("</body></html>")
    return "\n".join(out)


def origin_counts(grants: list[Grant]) -> dict[str, int]:
    return {str(o): sum(1 for g in grants if g.origin is o) for o in Origin}
