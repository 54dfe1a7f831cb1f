"""`dapctl` run in this process: typer's runner over the real command tree, with the connection given explicitly.

A command started as a process costs about a second of interpreter start-up and imports; in-process it costs what
the command does. The result has the fields the tests read from a finished process (``returncode``, ``stdout``,
``stderr``), so a test asserts the same things either way. The tests of process behaviour (signals, start-up, the
console script) start real processes; nothing else does.

The connection is explicit: ``endpoint`` is the command's ``CSP_DELEGATION_ENDPOINT`` for this one run (the
emulator's URL, ``offline``, or ``None`` for what the test set already), and ``cwd`` the folder the command runs
in (journals and reports default to it). Both are restored when the command returns.

An exception that escapes a command is raised here, not turned into exit 1: a person would have seen a
traceback, and a test must not pass over one.
"""

from __future__ import annotations

import contextlib
import sys
from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner

from tests.helpers import REPO

ENDPOINT_ENV = "CSP_DELEGATION_ENDPOINT"


@dataclass(frozen=True)
class Ran:
    """A finished command: its exit code and what it wrote to standard output and standard error."""

    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


@contextlib.contextmanager
def _argv(argv: list[str]):
    """The command line as a process would see it (the reports quote the command that made them)."""
    saved = sys.argv
    sys.argv = argv
    try:
        yield
    finally:
        sys.argv = saved


def dapctl(
    *args: str,
    endpoint: str | None = None,
    cwd: Path = REPO,
    env: dict[str, str] | None = None,
    input: str | None = None,
) -> Ran:
    """Run ``dapctl <args>`` in this process against ``endpoint`` (see the module's docstring)."""
    from dapctl.cli import app

    overrides = dict(env or {})
    if endpoint is not None:
        overrides[ENDPOINT_ENV] = endpoint
    with contextlib.chdir(cwd), _argv(["dapctl", *args]):
        result = CliRunner().invoke(app, list(args), env=overrides, input=input, catch_exceptions=True)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Ran(result.exit_code, result.stdout, result.stderr)


def with_emulator_time(monkeypatch, emulator) -> None:
    """Every connection a command makes in this test waits on virtual time that moves the emulator's clock
    (``tests.helpers.EmulatorTime``): a client's back-off or a revocation's read-back costs no wall time, and no
    test depends on the machine's speed. The connection is the test's to give, as the cloud is."""
    import dataclasses

    import azure_http.connect as connect_module
    from tests.helpers import EmulatorTime

    time = EmulatorTime(emulator)
    real = connect_module.connect

    def connect(value: str | None = None):
        return dataclasses.replace(real(value), sleep=time.sleep, clock=time.now)

    monkeypatch.setattr(connect_module, "connect", connect)
