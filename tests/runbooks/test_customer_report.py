"""The audit and revocation reports a customer's IT admin receives: names first, what each way in allows, how to
remove it without the partner; rendered by headless Chromium (no script, nothing loaded, a clean PDF)."""

from __future__ import annotations

import re

import pytest

from runbooks.audit import AuditReport, Target
from runbooks.grants import Grant, Kind, Origin
from runbooks.report import ReportNames, audit_markdown, to_html
from tests.helpers import REPO, headless_chromium
from tests.support.cli import dapctl

CONTOSO = "3a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d"
PARTNER = "2f4a9a1e-6c3b-4d8e-9f10-1a2b3c4d5e6f"
ADMIN_AGENTS = "0b6c4e1a-2d3f-4a5b-9c6d-7e8f9a0b1c2d"


def browse(page, tmp_path) -> str:
    dom = headless_chromium(page, tmp_path / "profile", "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    pdf = page.with_suffix(".pdf")
    printed = headless_chromium(page, tmp_path / "profile", f"--print-to-pdf={pdf}")
    assert printed.returncode == 0, printed.stderr[-2000:]
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 5_000  # "Save as PDF" gives a document
    return dom.stdout


@pytest.mark.parametrize("command", ["audit", "revoke"])
def test_the_reports_read_as_names_and_plain_words_in_a_real_browser(emulator, tmp_path, command):
    emulator.control.load_scenario(REPO / "emulator" / "worlds" / "scenarios" / "dev.yaml")
    page = tmp_path / f"{command}.html"
    result = dapctl(command, "contoso", "-f", "html", "-o", str(page), endpoint=emulator.url)
    assert result.returncode in (0, 3), result.stderr
    raw = page.read_text()
    assert "default-src 'none'" in raw and "<script" not in raw.lower()
    assert not re.search(r"""(src|href)\s*=""", raw)  # nothing to load, nothing to follow
    dom = browse(page, tmp_path)
    assert "Contoso Ltd (tenant 3a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d)" in dom and "Northwind CSP" in dom
    assert "Generated " in dom and "csp-delegation " in dom and f"dapctl {command} contoso" in dom
    assert "`" not in re.sub(r"<code>.*?</code>", "", dom, flags=re.S)  # Markdown backticks became <code>
    if command == "audit":
        assert "In short:" in dom and "What this allows" in dom
        assert "AdminAgents (0b6c4e1a-2d3f-4a5b-9c6d-7e8f9a0b1c2d)" in dom  # the group's name beside its id
        assert "az role assignment delete --ids /subscriptions/" in dom
        assert "Settings &gt; Partner relationships" in dom
    else:
        assert "Revocation plan (dry run: nothing was changed)" in dom


def test_every_name_in_a_report_is_escaped():
    evil = '<img src=x onerror="alert(1)">`**'
    grant = Grant(
        Kind.RBAC,
        f"/subscriptions/x/providers/Microsoft.Authorization/roleAssignments/{evil}",
        evil,
        principal_id=ADMIN_AGENTS,
        role="Owner",
        scope="/subscriptions/x",
        origin=Origin.OUT_OF_BAND,
    )
    report = AuditReport(Target.for_partner(CONTOSO, PARTNER, [ADMIN_AGENTS]), [grant], subscriptions=1)
    names = ReportNames(customer=evil, partner=evil, principals={ADMIN_AGENTS: evil})
    page = to_html("audit", audit_markdown(report, names))
    assert "<img" not in page and "&lt;img src=x" in page
