"""Audit and revocation reports a customer can read: Markdown (also the CI issue body) and HTML.

Written for the customer's IT admin as much as for the partner's engineer: names first (GUIDs beside them), a
summary first, then one section per way in with what it allows in plain words and how the customer removes it
without the partner's help. Every name is untrusted input: escaped in Markdown tables, and the HTML escapes all
it did not write itself, loads nothing and runs no script. Plain string building, no template engine: the same
code runs in the Automation sandbox (Python 3.10).
"""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass, field

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
_COLUMNS = ("what", "who", "where / status", "origin", "how to remove it yourself")

#: What each way in lets the partner do, in words a customer's IT admin reads once.
ALLOWS = {
    Kind.GDAP_RELATIONSHIP: "Lets the partner's people use the Microsoft Entra roles listed in the relationship in "
    "your tenant, until it ends (time-bound, least-privilege delegated administration).",
    Kind.GDAP_ACCESS: "Gives one partner group the listed roles of a GDAP relationship: the people in that group "
    "act in your tenant with those roles.",
    Kind.DAP: "Legacy delegated admin: the partner's AdminAgents act as Global Administrator and its "
    "HelpdeskAgents as Helpdesk Administrator in your tenant, with no end date.",
    Kind.RBAC: "An Azure role (Owner, Contributor, Reader...) for a partner principal on a subscription, "
    "resource group or management group. Removing DAP or GDAP does not remove these.",
    Kind.LIGHTHOUSE: "Azure Lighthouse: the partner's tenant manages the subscription or resource group from its "
    "own tenant with the roles of the delegation.",
}
#: Where the customer removes each way in, without the partner.
REMOVE = {
    Kind.GDAP_RELATIONSHIP: "Microsoft 365 admin center > Settings > Partner relationships > the partner > "
    "terminate the relationship (role: Customer Delegated Admin Relationship Administrator, or Global Administrator)",
    Kind.GDAP_ACCESS: "terminate the GDAP relationship it belongs to (Microsoft 365 admin center > Settings > "
    "Partner relationships)",
    Kind.DAP: "Microsoft 365 admin center > Settings > Partner relationships > the partner > remove its admin roles",
}
EXPLAIN_ORIGIN = (
    "Origin: **declared** means the partner's own configuration (in code, reviewed) says this access should exist; "
    "**out-of-band** means nothing declares it (made by hand, or left over): ask the partner why, or remove it."
)


@dataclass(frozen=True)
class ReportNames:
    """Names for the ids the report shows (from the partner's config): the ids stay beside them."""

    customer: str | None = None
    partner: str | None = None
    principals: dict = field(default_factory=dict)
    """Object id (lower-case) -> display name."""
    generated: str = ""
    tool: str = ""
    command: str = ""

    def principal(self, principal_id: str | None) -> str:
        if not principal_id:
            return ""
        name = self.principals.get(principal_id.lower())
        return f"{name} ({principal_id})" if name else principal_id


def _remove_how(grant: Grant) -> str:
    if grant.kind is Kind.RBAC:
        portal = "Azure portal > the scope > Access control (IAM) > Role assignments"
        return f"{portal}, or `az role assignment delete --ids {grant.id}`"
    if grant.kind is Kind.LIGHTHOUSE:
        portal = "Azure portal > Service providers > Delegations"
        return f"{portal}, or `az managedservices assignment delete --assignment {grant.id}`"
    return REMOVE.get(grant.kind, "")


def _cells(grant: Grant, names: ReportNames) -> list[str]:
    principal = names.principal(grant.principal_id)
    if grant.principal_type:
        principal += f" ({grant.principal_type})"
    scope = grant.scope or grant.status or ""
    if grant.inherited:
        scope += " (inherited)"
    return [grant.description, principal, scope, str(grant.origin), _remove_how(grant)]


def _md_code(text: str) -> str:
    """Inline code for an untrusted value: backticks in it cannot end the span."""
    return "`" + text.replace("`", "'") + "`"


def _heading_names(report_target, names: ReportNames) -> tuple[str, str]:
    tenant = report_target.customer_tenant_id
    customer = f"{names.customer} (tenant {tenant})" if names.customer else f"tenant {tenant}"
    if report_target.partner_tenant_id:
        partner = (
            f"{names.partner} (tenant {report_target.partner_tenant_id})"
            if names.partner
            else f"partner tenant {report_target.partner_tenant_id}"
        )
    else:
        partner = "any partner (foreign principals and Lighthouse delegations)"
    return customer, partner


def _provenance(names: ReportNames) -> list[str]:
    parts = [
        p
        for p in (
            names.generated and f"Generated {names.generated}",
            names.tool,
            names.command and f"by `{names.command}`",
        )
        if p
    ]
    return [" · ".join(parts), ""] if parts else []


def _summary(report: AuditReport, partner: str) -> list[str]:
    counts = Counter(g.kind for g in report.grants)
    if not report.grants:
        return [f"**In short:** {partner} holds no access that this run could see.", ""]
    rbac = report.by_kind(Kind.RBAC)
    owners = sum(1 for g in rbac if (g.role or "").lower() == "owner")
    live = [g for g in report.by_kind(Kind.GDAP_RELATIONSHIP) if g.status in ("active", "expiring")]
    ends = sorted(str(g.details.get("endDateTime") or "")[:10] for g in live if g.details.get("endDateTime"))
    lines = [f"**In short:** {partner} holds {len(report.grants)} way(s) in:", ""]
    if counts.get(Kind.GDAP_RELATIONSHIP):
        until = f", the first ending {ends[0]}" if ends else ""
        lines.append(f"- GDAP: {counts[Kind.GDAP_RELATIONSHIP]} relationship(s), {len(live)} active{until};")
    if counts.get(Kind.DAP):
        lines.append("- legacy DAP (Global Administrator and Helpdesk Administrator, no end date);")
    if rbac:
        where = f"{report.subscriptions} subscription(s)"
        lines.append(f"- Azure: {len(rbac)} role assignment(s) in {where}, {owners} of them Owner;")
    if counts.get(Kind.LIGHTHOUSE):
        lines.append(f"- Azure Lighthouse: {counts[Kind.LIGHTHOUSE]} delegation(s);")
    lines += [f"- {len(report.out_of_band())} out-of-band (not in the partner's declared configuration).", ""]
    return lines


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def audit_markdown(report: AuditReport, names: ReportNames | None = None) -> str:
    names = names or ReportNames()
    customer, partner = _heading_names(report.target, names)
    lines = [
        f"# Partner access audit: {_md_escape(customer)}",
        "",
        *_provenance(names),
        *_summary(report, _md_escape(partner)),
        EXPLAIN_ORIGIN,
        "",
    ]
    counts = Counter(g.kind for g in report.grants)
    for kind, title in KIND_TITLES.items():
        lines.append(f"## {title} ({counts.get(kind, 0)})")
        lines += ["", f"What this allows: {ALLOWS[kind]}", ""]
        grants = [g for g in report.grants if g.kind is kind]
        if not grants:
            lines += ["None found.", ""]
            continue
        lines += ["| " + " | ".join(_COLUMNS) + " |", "|" + "---|" * len(_COLUMNS)]
        lines += ["| " + " | ".join(_md_escape(c) for c in _cells(g, names)) + " |" for g in grants]
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


def revoke_markdown(report: RevokeReport, names: ReportNames | None = None) -> str:
    names = names or ReportNames()
    customer, partner = _heading_names(report.target, names)
    title = "Revocation" if report.applied else "Revocation plan (dry run: nothing was changed)"
    lines = [f"# {title}: {_md_escape(customer)}", "", *_provenance(names), f"Access of {_md_escape(partner)}.", ""]
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
    lines += _kept_lines(report)
    if report.applied:
        lines += _verification_lines(report)
        lines += [VERDICTS[report.status], "The reseller relationship is kept.", ""]
    return "\n".join(lines)


def kept_grants(report: RevokeReport) -> list:
    """The partner's grants a selective run keeps: as the audit found them, or as verification read them back."""
    found = {g.id.lower(): g for g in report.kept}
    if report.verification is not None:
        for grant in report.verification.kept:
            found.setdefault(grant.id.lower(), grant)
    return list(found.values())


def _kept_lines(report: RevokeReport) -> list[str]:
    if report.selection.everything:
        return []
    kept = kept_grants(report)
    lines = [
        f"Selection: removes {', '.join(report.selection.removed)}; keeps {', '.join(report.selection.kept)}.",
        "",
        f"## Kept by the selection ({len(kept)})",
        "",
    ]
    lines += [f"- {_md_escape(g.description)}" for g in kept] or ["- (none of the kept areas' grants were found)"]
    return [*lines, ""]


VERDICTS = {
    "complete": "COMPLETE: everything selected is gone in every subscription this customer is expected to have, "
    "verified by reading Azure again (exit 0).",
    "failed": "FAILED: some access remains: see the failed rows (what to fix, then `--resume`) and what is still "
    "present (exit 1).",
    "incomplete": "INCOMPLETE: something could not be verified, so what remains there is unknown: see what was "
    "not verified, why, and the customer-side command that checks it (exit 5).",
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
    if report.limits:
        lines += ["## Beyond this identity's view (documented limit, not counted as unverified)", ""]
        lines += [f"- {_md_escape(u)}" for u in report.limits] + [""]
    if verification is not None and verification.access_ended:
        lines += [
            "## Access ended",
            "",
            "This identity no longer sees these subscriptions: the run removed its own last grant there.",
            "",
        ]
        lines += [f"- `{s}`" for s in verification.access_ended] + [""]
    return lines


_INLINE_CODE = re.compile(r"`([^`]*)`")
_STYLE = (
    "body{font:15px/1.45 system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#1b1f24}"
    "table{border-collapse:collapse;width:100%;margin:.5em 0 1.2em}td,th{border:1px solid #ccc;padding:4px 8px;"
    "text-align:left;vertical-align:top}th{background:#f3f3f3}code{background:#f6f6f6;font-size:90%;"
    "overflow-wrap:anywhere}h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.6em}"
    "@media print{body{max-width:none;margin:0;font-size:11pt}h2{break-after:avoid}tr{break-inside:avoid}"
    "th{background:#eee !important;-webkit-print-color-adjust:exact;print-color-adjust:exact}}"
)


def _inline(text: str) -> str:
    """One line of the report's Markdown as HTML: escaped, `code` spans and **bold** kept, nothing else."""
    parts = _INLINE_CODE.split(text)
    out = []
    for index, part in enumerate(parts):
        escaped = html.escape(part)
        if index % 2:
            out.append(f"<code>{escaped}</code>")
        else:
            out.append(re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", escaped))
    return "".join(out)


def to_html(markdown_title: str, body_markdown: str) -> str:
    """A self-contained HTML page of a report: no script, nothing loaded (the policy forbids both), a print
    stylesheet so the browser's "Save as PDF" gives a clean document."""
    out = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        f"<title>{html.escape(markdown_title)}</title>",
        f"<style>{_STYLE}</style></head><body>",
    ]
    in_table = in_list = False
    for line in body_markdown.splitlines():
        if line.startswith("|"):
            cells = [c.strip().replace("\\|", "|") for c in line.strip("|").split(" | ")]
            if set(line) <= {"|", "-"}:
                continue
            if not in_table:
                out.append("<table><tr>" + "".join(f"<th>{_inline(c)}</th>" for c in cells) + "</tr>")
                in_table = True
            else:
                out.append("<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in cells) + "</tr>")
            continue
        if in_table:
            out.append("</table>")
            in_table = False
        if in_list and not line.startswith("- "):
            out.append("</ul>")
            in_list = False
        if line.startswith("## "):
            out.append(f"<h2>{_inline(line[3:])}</h2>")
        elif line.startswith("# "):
            out.append(f"<h1>{_inline(line[2:])}</h1>")
        elif line.startswith("- "):
            if not in_list:
                out.append("<ul>")
                in_list = True
            out.append(f"<li>{_inline(line[2:])}</li>")
        elif line:
            out.append(f"<p>{_inline(line)}</p>")
    if in_table:
        out.append("</table>")
    if in_list:
        out.append("</ul>")
    out.append("</body></html>")
    return "\n".join(out)


def origin_counts(grants: list[Grant]) -> dict[str, int]:
    return {str(o): sum(1 for g in grants if g.origin is o) for o in Origin}
