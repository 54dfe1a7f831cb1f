"""The customer's expected scope as the partner's operations use it: what a revocation must find, and what every
audit, drift and revocation of the customer adds to it (``runbooks/expected_scope.py`` holds the record itself).

Expected = the subscriptions the intent declares (existing subscriptions by id, new ones once their alias
resolved, Lighthouse scopes) united with every subscription an earlier run saw. A subscription the partner can
no longer read stays expected, so a later run reports it "not verified" instead of calling the tenant clean.
"""

from __future__ import annotations

from pathlib import Path

from intent import CustomerIntent
from runbooks.audit import AuditReport
from runbooks.declared import DeclaredAccess
from runbooks.expected_scope import ExpectedScope, ExpectedScopeError, record_path


def declared_subscriptions(customer: CustomerIntent, declared: DeclaredAccess | None) -> set[str]:
    """Subscription ids the intent declares for the customer (those whose id is known now)."""
    found = {s.subscription_id.lower() for s in customer.existing_subscriptions}
    if declared is not None:
        scopes = [scope for scope, _, _ in declared.rbac] + list(declared.lighthouse_scopes)
        found |= {
            parts[2].lower()
            for parts in (s.split("/") for s in scopes)
            if len(parts) > 2 and parts[1] == "subscriptions"
        }
    return found


def expected_scope(
    project_dir: Path | None, customer: CustomerIntent, declared: DeclaredAccess | None = None
) -> ExpectedScope:
    """The customer's expected scope, read from the project folder (``ExpectedScopeError`` when the record is
    damaged: it names the file and the fix). ``project_dir`` None: declared only, nothing recorded."""
    path = record_path(project_dir, customer.tenant_id) if project_dir is not None else None
    return ExpectedScope.load(path, customer.tenant_id, declared_subscriptions(customer, declared))


def remember_seen(
    project_dir: Path | None, customer: CustomerIntent, report: AuditReport, source: str, *, keep_going: bool = False
) -> None:
    """Add the subscriptions an audit or drift run saw to the customer's record. A damaged record raises
    ``ExpectedScopeError`` (the file and the fix named); with ``keep_going`` (a fleet run, where one customer's
    record must not stop the others) it becomes one of the report's errors, so that customer reads incomplete."""
    if project_dir is None or not report.subscription_ids:
        return
    try:
        expected_scope(project_dir, customer).record(report.subscription_ids, source)
    except ExpectedScopeError as err:
        if not keep_going:
            raise
        report.errors.append(f"expected scope not recorded: {err}")
