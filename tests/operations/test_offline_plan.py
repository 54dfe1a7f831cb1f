"""The offline plan as a function: the endpoint is its argument, never the environment."""

from __future__ import annotations

import os

import pytest

from operations.plan import PlanError, load_plan_config, plan_offline
from tests.helpers import REPO, dev_raw, flat


def test_the_plan_reads_nothing_offline_and_leaves_the_environment_alone(monkeypatch):
    monkeypatch.setenv("CSP_DELEGATION_ENDPOINT", "http://127.0.0.1:9")  # would be refused if it were read
    config, flat = load_plan_config("dev", REPO)
    planned = plan_offline(config, flat, "dev", endpoint="offline")
    assert os.environ["CSP_DELEGATION_ENDPOINT"] == "http://127.0.0.1:9"
    report = planned.report()
    assert report["summary"]["resources"] > 0
    assert not planned.mandatory_violations


def test_a_stack_the_program_refuses_is_a_plan_error_naming_the_stack():
    raw = dev_raw()
    raw["customers"][0]["gdap"]["roles"][0] = "Global Admin"  # the program refuses it (a RunError under Pulumi)
    with pytest.raises(PlanError, match=r"(?s)^in stack broken: .*customers\[0\]\.gdap\.roles\[0\]"):
        plan_offline(None, flat(raw), "broken")
