"""dapctl's one mapping from a known error to its exit code and message (``dapctl/shell.py``), and what it does
not map: an unknown error is a bug and keeps its traceback."""

from __future__ import annotations

import pytest
import typer

from azure_http.connect import OfflineMode
from azure_http.deadline import DeadlineExceeded
from config.errors import ConfigError, ConfigProblem
from dapctl import exit_codes
from dapctl.render.reports import ReportNotWritten
from dapctl.shell import guarded
from operations.errors import InputError
from operations.global_admin_removal import RemovalJournalError
from operations.plan import PlanError
from runbooks.journal import JournalError
from runbooks.selection import SelectionError

KNOWN = [
    (DeadlineExceeded("GET", "https://graph.microsoft.com/v1.0/x", 5), exit_codes.ERROR, "Could not complete"),
    (OfflineMode("offline: this step needs Graph/ARM"), exit_codes.ERROR, "Could not complete"),
    (ReportNotWritten("could not write r.html"), exit_codes.ERROR, "could not write r.html"),
    (JournalError("plan.json: not JSON"), exit_codes.USAGE, "Journal error: plan.json"),
    (RemovalJournalError("ga.json: not a drop-global-admin journal"), exit_codes.USAGE, "Journal error: ga.json"),
    (SelectionError("unknown area 'everything'"), exit_codes.USAGE, "Usage error: unknown area"),
    (PlanError("dev", "the program refused it"), exit_codes.USAGE, "Plan error in stack dev"),
]


@pytest.mark.parametrize(("error", "code", "said"), KNOWN, ids=[type(e).__name__ for e, _, _ in KNOWN])
def test_a_known_error_is_its_exit_code_and_one_message(error, code, said, capsys):
    with pytest.raises(typer.Exit) as stopped, guarded():
        raise error
    assert stopped.value.exit_code == code
    err = capsys.readouterr().err
    assert said in err and "Traceback" not in err


def test_a_command_words_its_service_failure(capsys):
    with pytest.raises(typer.Exit), guarded(failing="Could not read the tenants"):
        raise OfflineMode("offline")
    assert capsys.readouterr().err.startswith("Could not read the tenants: offline")


def test_a_config_error_names_the_field_and_exits_2(capsys):
    with pytest.raises(typer.Exit) as stopped, guarded():
        raise ConfigError([ConfigProblem("customers[0].name", "required")], "Pulumi.dev.yaml")
    assert stopped.value.exit_code == exit_codes.USAGE
    assert "customers[0].name: required" in capsys.readouterr().err


def test_an_input_error_is_a_usage_error_of_its_option():
    with pytest.raises(typer.BadParameter) as bad, guarded():
        raise InputError("not a tenant id", "'--tenant'")
    assert bad.value.param_hint == "'--tenant'"


def test_refusals_are_usage_errors_only_where_a_step_names_them(capsys):
    with pytest.raises(typer.Exit) as stopped, guarded(refusals=(ValueError,)):
        raise ValueError("revoke needs a plan")
    assert stopped.value.exit_code == exit_codes.USAGE
    with pytest.raises(ValueError, match="a bug"), guarded():
        raise ValueError("a bug")  # unknown: raised as it is, never turned into an exit code
