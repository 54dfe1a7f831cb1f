"""Command options checked before the first request: report formats, output files, journals, principals, endpoint.

A destructive command that fails on its own options after it has changed something leaves the person
with grants removed and no report. So every option a command takes is checked here first, each
mistake a ``typer.BadParameter`` naming the option and the fix (click prints it with the usage and
exits 2); only then does the command read config, reach the network, or delete anything.
"""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from pathlib import Path

import typer

import catalog
from azure_http.endpoint_url import EndpointError, quoted
from operations.access_defaults import DEFAULT_GRACE_DAYS

OUTPUT_HINT = "'--output' / '-o'"


class ReportFormat(StrEnum):
    """Formats of audit and revoke reports."""

    table = "table"
    json = "json"
    markdown = "markdown"
    html = "html"


class DriftFormat(StrEnum):
    """Formats of the drift report (markdown: an issue body)."""

    table = "table"
    json = "json"
    markdown = "markdown"


def check_output(output: Path | None, fmt: str) -> Path | None:
    """The report file, when it can be written: its folder exists and is writable, it is not a folder."""
    if output is None:
        return None
    if fmt == "table":
        raise typer.BadParameter(
            "a table is printed, not written to a file: add --format json, markdown or html", param_hint=OUTPUT_HINT
        )
    text = str(output)
    if not text.strip():
        raise typer.BadParameter("empty file name", param_hint=OUTPUT_HINT)
    if output.is_dir():
        raise typer.BadParameter(f"{quoted(text)} is a folder: name a file in it", param_hint=OUTPUT_HINT)
    parent = output.parent if str(output.parent) else Path(".")
    if not parent.is_dir():
        what = "is not a folder" if parent.exists() else "does not exist"
        raise typer.BadParameter(
            f"{quoted(str(parent))} {what}: create the folder first or name another file", param_hint=OUTPUT_HINT
        )
    if output.exists() and not os.access(output, os.W_OK):
        raise typer.BadParameter(f"{quoted(text)} is not writable", param_hint=OUTPUT_HINT)
    if not output.exists() and not os.access(parent, os.W_OK | os.X_OK):
        raise typer.BadParameter(f"cannot create files in {quoted(str(parent))}", param_hint=OUTPUT_HINT)
    return output


def check_journal_dir(directory: Path) -> Path:
    """A journal folder that exists as a folder, or can be created (its nearest existing ancestor is one)."""
    hint = "'--journal'"
    if directory.exists() and not directory.is_dir():
        raise typer.BadParameter(f"{quoted(str(directory))} is a file, not a folder", param_hint=hint)
    ancestor = directory
    while not ancestor.exists():
        if ancestor.parent == ancestor:
            break
        ancestor = ancestor.parent
    if ancestor.exists() and not ancestor.is_dir():
        raise typer.BadParameter(f"{quoted(str(ancestor))} is a file: the journal needs a folder", param_hint=hint)
    if ancestor.exists() and not os.access(ancestor, os.W_OK | os.X_OK):
        raise typer.BadParameter(f"{quoted(str(ancestor))} is not writable", param_hint=hint)
    return directory


def check_principals(values: list[str]) -> list[str]:
    """--principal values: object ids (GUIDs), lower-cased."""
    out = []
    for value in values:
        if not catalog.is_guid(value):
            raise typer.BadParameter(
                f"{quoted(value)} is not an object id: give the principal's GUID", param_hint="'--principal'"
            )
        out.append(value.lower())
    return out


def check_endpoint(endpoint: str | None) -> None:
    """--endpoint (or, when not given, CSP_DELEGATION_ENDPOINT) names Azure, offline or a loopback URL."""
    from azure_http.connect import check

    try:
        check(endpoint)  # the URL, and for an https emulator its CA, before any request
    except EndpointError as err:
        raise typer.BadParameter(str(err), param_hint="'--endpoint'" if endpoint is not None else None) from None


def check_days(value: int, option: str, maximum: int = 3650) -> int:
    if not 0 <= value <= maximum:
        raise typer.BadParameter(f"{value} is outside 0..{maximum} days", param_hint=f"'{option}'")
    return value


GraceDaysOption = typer.Option(
    DEFAULT_GRACE_DAYS,
    "--grace-days",
    min=0,
    help="Days a relationship awaiting approval or a pending access assignment is 'not granted yet' (exit 0) "
    "before it is a finding.",
)
YesOption = typer.Option(False, "--yes", "-y", help="Confirm the change without asking (for automation).")


def stdin_is_terminal() -> bool:
    """Whether a person can be asked (the tests stand in for a terminal here)."""
    return sys.stdin.isatty()


def check_confirmable(changes: bool, yes: bool) -> None:
    """A change to a customer's tenant is confirmed by a person at a terminal, or by --yes in automation. With
    neither (no terminal to ask on), refuse before any request."""
    if changes and not yes and not stdin_is_terminal():
        raise typer.BadParameter(
            "this changes the customer's tenant and there is no terminal to ask for confirmation: add --yes "
            "(after a dry run without --apply has shown what would change)",
            param_hint="'--apply' / '--resume'",
        )


def confirm(question: str, yes: bool) -> bool:
    """True when --yes was given, or the person at the terminal answers yes (the default is no)."""
    return yes or typer.confirm(question, default=False)
