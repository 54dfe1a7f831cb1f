"""The revocation as two calls, without the command line: plan (an audit, nothing sent), then apply (removed and
verified), with the resume checks a caller runs before any request."""

from __future__ import annotations

import asyncio
import os

import pytest

from azure_http.connect import connect
from intent import load_intent
from operations.customer_audit import partner_view
from operations.errors import InputError
from operations.revocation import apply_revocation, journal_for, journal_standing, plan_revocation, resumed_selection
from runbooks.journal import Journal, JournalError
from runbooks.selection import ALL, SelectionError, parse_selection
from tests.support.dev_world import CONTOSO


@pytest.fixture
def contoso(onboarded, monkeypatch):
    """Contoso onboarded, and the partner's view of it over an explicit connection (the environment unset)."""
    emulator, project, _, subscriptions = onboarded
    monkeypatch.delenv("CSP_DELEGATION_ENDPOINT")
    intent = load_intent("dev", project)
    customer = intent.customer("contoso")
    view = partner_view(connect(emulator.url), intent, customer, [], all_partners=False)
    return emulator, intent, customer, view, subscriptions


def test_the_plan_sends_nothing_and_names_what_would_go(contoso):
    emulator, intent, customer, view, _ = contoso
    emulator.control.clear_requests()
    plan = asyncio.run(plan_revocation(intent, customer, view, ALL))
    assert not [r for r in emulator.control.requests() if r["method"] not in ("GET", "POST")]  # reads only
    kinds = {str(g.kind) for g in plan.going}
    assert {"rbac", "gdap-relationship"} <= kinds
    assert not plan.nothing
    question = plan.question()
    assert f"(tenant {CONTOSO})" in question and "in Contoso" in question
    assert plan.dap_removal(accept_azure_loss=False) is None  # not a DAP-only run
    assert "CSP_DELEGATION_ENDPOINT" not in os.environ  # the connection was passed, never written


def test_a_selection_plans_only_its_areas_and_says_what_it_keeps(contoso):
    _, intent, customer, view, _ = contoso
    plan = asyncio.run(plan_revocation(intent, customer, view, parse_selection(["rbac"], [])))
    assert {str(g.kind) for g in plan.going} == {"rbac"}
    assert "(kept: " in plan.question()


def test_apply_removes_the_plan_and_verifies_it(contoso, tmp_path):
    emulator, intent, customer, view, _ = contoso
    plan = asyncio.run(plan_revocation(intent, customer, view, ALL, journal=Journal(tmp_path / "journal")))
    report = asyncio.run(apply_revocation(plan, view, apply=True))
    # Every subscription reads clean: complete. The tenant root, which a partner cannot read, is a stated limit
    # with the customer's elevated command, not something unverified.
    assert report.exit_code == 0 and not report.unverified
    assert any("az role assignment list --scope /" in limit for limit in report.limits)
    left = [a for a in emulator.control.arm_role_assignments() if a["properties"]["principalType"] == "ForeignGroup"]
    assert left == []


def test_resume_checks_refuse_before_any_request(contoso, tmp_path):
    _, intent, customer, view, _ = contoso
    missing = journal_for(customer, tmp_path / "none")
    with pytest.raises(InputError, match="nothing to resume") as refused:
        resumed_selection(missing, customer.tenant_id, [], [])
    assert refused.value.option == "'--resume'"

    journal = Journal(tmp_path / "journal")
    plan = asyncio.run(plan_revocation(intent, customer, view, parse_selection(["rbac"], []), journal=journal))
    asyncio.run(apply_revocation(plan, view, apply=True))
    assert resumed_selection(journal, customer.tenant_id, [], []).areas == {"rbac"}
    with pytest.raises(SelectionError, match="resume without --only/--keep"):
        resumed_selection(journal, customer.tenant_id, ["gdap"], [])
    with pytest.raises(JournalError, match="pass the right --journal"):
        resumed_selection(journal, "6d7e8f9a-0b1c-4d2e-8f3a-4b5c6d7e8f9a", [], [])


def test_the_default_journal_is_named_for_the_customer(contoso):
    _, _, customer, _, _ = contoso
    assert journal_for(customer, None).directory.as_posix() == ".dapctl/contoso"


def test_where_a_journal_stands_decides_resume_or_restart(contoso, tmp_path):
    _, intent, customer, view, _ = contoso
    assert journal_standing(Journal(tmp_path / "none")) == "none"  # no earlier run
    journal = Journal(tmp_path / "journal")
    plan = asyncio.run(plan_revocation(intent, customer, view, ALL, journal=journal))
    asyncio.run(apply_revocation(plan, view, apply=True))
    assert journal_standing(journal) == "finished"  # every planned grant has its outcome
    (tmp_path / "journal" / "plan.json").write_text("{not json")
    assert journal_standing(journal) == "unreadable"  # a fresh audit decides what is left (offboard restarts)
