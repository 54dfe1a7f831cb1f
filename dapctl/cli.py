"""The dapctl command line: every command registered here, by name, from the module that holds it.

A command module parses, calls an operation (``operations/``), renders and exits (``dapctl/shell.py``); none of them
imports this module, and registering a command is this explicit list, never a side effect of an import.
"""

from __future__ import annotations

import typer

from dapctl import exit_codes
from dapctl.commands import (
    access,
    audit,
    autopilot,
    converge,
    demo,
    drift,
    fleet,
    gdap,
    import_estate,
    invite,
    offboard,
    plan,
    revoke,
)
from dapctl.help_style import styled

app = typer.Typer(
    name="dapctl",
    help="Operate a CSP partner's delegated administration: plans, invitations, GDAP status, audits, revocation.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    epilog=exit_codes.EPILOG,
)


def _show_version(wanted: bool) -> None:
    """``--version``: the installed package's version (importlib.metadata), then exit."""
    if wanted:
        from importlib.metadata import PackageNotFoundError, version

        try:
            shown = version("csp-delegation")
        except PackageNotFoundError:  # run from a checkout that was never installed
            shown = "unknown (not installed: pip install -e .)"
        typer.echo(f"dapctl {shown}")
        raise typer.Exit(exit_codes.OK)


@app.callback()
def _root(
    _version: bool = typer.Option(
        False, "--version", is_eager=True, callback=_show_version, help="Show the version and exit."
    ),
) -> None:
    """Operate a CSP partner's delegated administration as code."""
    import logging

    # azure-identity logs every credential it tried, at length, before it fails: the command says it in one line.
    logging.getLogger("azure.identity").setLevel(logging.ERROR)


def _register() -> None:
    """The command tree, in the order `dapctl --help` lists it."""
    for command in (plan.plan, invite.invite):
        app.command(epilog=exit_codes.EPILOG)(command)
    app.add_typer(gdap.app, name="gdap")
    for command in (audit.audit, revoke.revoke, drift.drift, demo.demo):
        app.command(epilog=exit_codes.EPILOG)(command)
    app.command("import", epilog=exit_codes.EPILOG)(import_estate.import_estate)
    app.command("offboard", epilog=exit_codes.EPILOG)(offboard.offboard)
    app.add_typer(access.app, name="access")
    app.command("converge", epilog=exit_codes.EPILOG)(converge.converge)
    app.add_typer(autopilot.app, name="autopilot")
    app.add_typer(fleet.app, name="fleet")
    styled(app)


_register()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
