"""The per-customer record of the subscriptions a revocation must find (``runbooks.expected_scope``)."""

from __future__ import annotations

import pytest

from runbooks.expected_scope import ExpectedScope, ExpectedScopeError, customer_side_check, record_path

TENANT = "3a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d"
SUB_A, SUB_B = "11111111-0000-4000-8000-000000000001", "11111111-0000-4000-8000-000000000002"


def test_what_runs_saw_is_recorded_beside_the_journals_and_united_with_what_is_declared(tmp_path):
    path = record_path(tmp_path, TENANT.upper())
    assert path == tmp_path / ".dapctl" / "expected-scope" / f"{TENANT}.json"
    first = ExpectedScope.load(path, TENANT, [SUB_A.upper()])
    assert first.subscriptions == {SUB_A} and not path.exists()
    first.record([SUB_B.upper()], "audit")
    first.record([SUB_B], "revoke")
    first.record([SUB_B], "revoke")  # recorded once
    again = ExpectedScope.load(path, TENANT, [SUB_A])
    assert again.subscriptions == {SUB_A, SUB_B}
    assert again.why(SUB_B) == "seen by an earlier audit, seen by an earlier revoke"
    assert again.why(SUB_A) == "declared in the stack config"
    assert f"--scope /subscriptions/{SUB_B}" in customer_side_check(SUB_B)


@pytest.mark.parametrize(
    "content",
    [
        b"\xff\xfe not text",
        b"[]",
        b'{"customerTenantId": "other", "subscriptions": {}}',
        b'{"subscriptions": {"a": 1}}',
    ],
)
def test_a_record_that_cannot_be_read_is_an_error_naming_the_file_and_the_fix(tmp_path, content):
    path = record_path(tmp_path, TENANT)
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    with pytest.raises(ExpectedScopeError) as caught:
        ExpectedScope.load(path, TENANT)
    assert str(path) in str(caught.value) and "delete the file" in str(caught.value)
