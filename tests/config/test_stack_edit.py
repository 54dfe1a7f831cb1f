"""A stack-file edit changes one line and keeps comments and layout; what it cannot edit safely, it refuses."""

from __future__ import annotations

import pytest

from config.loading import load_stack_file
from config.stack_edit import set_customer_field
from tests.helpers import REPO


def test_adds_the_field_after_the_name_and_keeps_every_other_line(tmp_path):
    text = (REPO / "Pulumi.dev.yaml").read_text()
    edited = set_customer_field(text, "fabrikam", "lifecycle", "offboarded")
    before, after = text.splitlines(), edited.splitlines()
    assert len(after) == len(before) + 1
    added = [line for line in after if line not in before]
    assert [line.strip() for line in added] == ["lifecycle: offboarded"]
    (tmp_path / "Pulumi.dev.yaml").write_text(edited)
    cfg = load_stack_file("dev", tmp_path)
    assert {c.name: c.lifecycle for c in cfg.customers} == {
        "contoso": "active",
        "fabrikam": "offboarded",
        "adatum": "active",
    }
    # a second edit replaces the value in place: the same file, one line different
    again = set_customer_field(edited, "fabrikam", "lifecycle", "active")
    assert len(again.splitlines()) == len(after) and "lifecycle: active" in again


def test_refuses_what_it_cannot_edit_safely():
    with pytest.raises(ValueError, match="no customer named"):
        set_customer_field((REPO / "Pulumi.dev.yaml").read_text(), "nosuch", "lifecycle", "offboarded")
    flow = "config:\n  csp-delegation:customers: [{name: a}]\n"
    with pytest.raises(ValueError, match="block list"):
        set_customer_field(flow, "a", "lifecycle", "offboarded")
