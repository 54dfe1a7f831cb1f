"""What every dapctl command shares: its consoles, its options, the deadline, and the one mapping from a known error
to an exit code and a one-line message.

A command parses its options, calls an operation (``operations/``) inside ``guarded(...)``, renders the result and
exits with a code from ``exit_codes``: it catches nothing itself. An error a person can cause (a broken stack file,
an unreachable service, an unreadable journal) becomes its message and its exit code here, never a traceback.
Heavy modules (azure_http, config) are imported when an error is classified, not at start-up: ``dapctl --help``
stays fast.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from dapctl import exit_codes
from dapctl.options import ReportFormat

if TYPE_CHECKING:
    from azure_http.connect import Connection
    from config.errors import ConfigError
    from intent import CustomerIntent, StackIntent

# Wide when writing to a file or CI log (rich would wrap at 80 columns), the terminal's width otherwise.
console = Console(width=None if sys.stdout.isatty() else 160)
errors = Console(stderr=True, width=None if sys.stderr.isatty() else 160)


def _project_folder(value: Path | None) -> Path:
    """--project-dir as given, else the folder holding Pulumi.yaml from the working directory upwards."""
    from config.project import project_folder

    return project_folder(value)


StackOption = typer.Option(
    None,
    "--stack",
    "-s",
    envvar="PULUMI_STACK",
    show_default=False,
    help="Stack name (reads Pulumi.<stack>.yaml); default: the stack declaring the customer, or the only one.",
)
ProjectDirOption = typer.Option(
    None,
    "--project-dir",
    "-C",
    callback=_project_folder,
    show_default=False,
    help="The Pulumi project folder; default: the folder holding Pulumi.yaml, from here upwards.",
    envvar="DAPCTL_PROJECT_DIR",
)
DeadlineOption = typer.Option(
    900.0,
    "--deadline",
    min=1.0,
    max=86400.0,
    envvar="DAPCTL_DEADLINE",
    help="Seconds the whole command may spend on Graph/ARM/Partner Center, on top of each request's timeouts.",
)
EndpointOption = typer.Option(
    None,
    "--endpoint",
    help="azure (default), or the local emulator's URL; also read from CSP_DELEGATION_ENDPOINT.",
)
CustomerArgument = typer.Argument(None, help="Customer name from the stack config (or --tenant).")
TenantOption = typer.Option(
    None, "--tenant", help="A customer tenant id, for a customer outside any stack config (instead of a name)."
)
FormatOption = typer.Option(ReportFormat.table, "--format", "-f", help="table, json, markdown or html.")
OutputOption = typer.Option(None, "--output", "-o", help="Write the report to this file.")
PrincipalOption = typer.Option([], "--principal", help="Another partner principal (object id) to include; repeatable.")

SERVICE_FAILURE = "Could not complete the request"


def fail(code: int, message: str) -> NoReturn:
    """Say what went wrong (rich markup; every name in it already escaped) on standard error, and exit ``code``."""
    errors.print(message, highlight=False)
    raise typer.Exit(code)


def fail_config(err: ConfigError) -> NoReturn:
    """Print a config error the way a person fixes it (field path, problem, fix) and exit 2."""
    errors.print(f"[bold red]Config error[/] in {err.source}:", highlight=False)
    for problem in err.problems:
        errors.print(f"  - [bold]{problem.path}[/]: {problem.message}", highlight=False, markup=True)
    raise typer.Exit(exit_codes.USAGE)


def exit_code_for(err: BaseException) -> tuple[int, str] | None:
    """The one mapping: a known error's exit code and the message's lead, or None for an unknown one (a bug:
    it is raised, with its traceback)."""
    from azure_http import AzureHttpError
    from azure_http.connect import OfflineMode
    from dapctl.render.reports import ReportNotWritten
    from operations.global_admin_removal import RemovalJournalError
    from operations.plan import PlanError
    from runbooks.expected_scope import ExpectedScopeError
    from runbooks.journal import JournalError
    from runbooks.selection import SelectionError

    known: list[tuple[type[BaseException] | tuple[type[BaseException], ...], int, str]] = [
        ((AzureHttpError, OfflineMode), exit_codes.ERROR, SERVICE_FAILURE),
        (ReportNotWritten, exit_codes.ERROR, ""),
        ((JournalError, RemovalJournalError), exit_codes.USAGE, "Journal error:"),
        (SelectionError, exit_codes.USAGE, "Usage error:"),
        (ExpectedScopeError, exit_codes.USAGE, "Expected-scope error:"),
        (PlanError, exit_codes.USAGE, "Plan error"),
    ]
    for kinds, code, lead in known:
        if isinstance(err, kinds):
            return code, lead
    return None


@contextmanager
def guarded(
    deadline_seconds: float | None = None,
    *,
    failing: str = SERVICE_FAILURE,
    refusals: tuple[type[Exception], ...] = (),
) -> Iterator[None]:
    """Run a command's work within its deadline; a known error ends the command with its message and exit code.

    ``failing``: how this command words an unreachable or refusing service ("Could not read the tenants", say).
    ``refusals``: what this step's operation raises for input it refuses (the message alone, exit 2)."""
    from azure_http.deadline import deadline
    from config.errors import ConfigError
    from operations.errors import InputError

    try:
        with deadline(deadline_seconds):
            yield
    except ConfigError as err:
        fail_config(err)
    except InputError as err:  # shown by click with the usage, as every other bad option (exit 2)
        raise typer.BadParameter(str(err), param_hint=err.option) from None
    except (typer.Exit, typer.Abort, typer.TyperException):  # usage errors and exits: click's to show
        raise
    except Exception as err:
        mapped = exit_code_for(err)
        if mapped is None and isinstance(err, refusals):
            mapped = exit_codes.USAGE, ""
        if mapped is None:
            raise
        code, lead = mapped
        if lead == SERVICE_FAILURE:
            lead = f"{failing}:"
        text = escape(str(err)[:2000])
        fail(code, f"[bold red]{lead}[/] {text}" if lead else f"[bold red]{text}[/]")


def stack_for(stack: str | None, project_dir: Path, customer: str | None = None, *, required: bool = True) -> str:
    """The stack a command works on: --stack / PULUMI_STACK, else the one declaring ``customer``, else the
    folder's only stack (config.project.select_stack); a config error naming the folder otherwise (exit 2)."""
    from config.project import select_stack

    with guarded():
        return select_stack(project_dir, stack, customer, required=required)


def load(stack: str, project_dir: Path) -> StackIntent:
    """The stack's intent (what should exist for each customer), or a config error and exit 2."""
    from intent import load_intent

    with guarded():
        return load_intent(stack, project_dir)


def customer_named(intent: StackIntent, name: str) -> CustomerIntent:
    """The stack's customer of that name, or the config error naming the customers there are (exit 2)."""
    with guarded():
        return intent.customer(name)


def connection(endpoint: str | None) -> Connection:
    """The command's connection (endpoints and tokens), passed to every client it makes: --endpoint, else
    CSP_DELEGATION_ENDPOINT, else Azure. Nothing is written to the environment. Checked already by
    check_endpoint; offline is refused here, before any request."""
    from azure_http.connect import connect

    with guarded():
        return connect(endpoint)


def write(render: Callable[[], Any]) -> None:
    """Render a report; when its file cannot be written after all, it went to stdout instead: an error (exit 1)."""
    with guarded():
        render()


def stop_unchanged() -> NoReturn:
    """The person said no: nothing was changed, and that is not an error."""
    console.print("Nothing was changed.")
    raise typer.Exit(exit_codes.OK)
