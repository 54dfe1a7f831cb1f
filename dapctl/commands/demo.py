"""`dapctl demo`: onboard, approve, audit, an out-of-band grant, revoke, against the local emulator."""

from __future__ import annotations

from pathlib import Path

import typer

from dapctl import exit_codes
from dapctl.shell import ProjectDirOption, console, load


def demo(project_dir: Path = ProjectDirOption) -> None:
    """Onboard, approve, audit, an out-of-band grant, revoke: end to end against the local emulator.

    Example: dapctl demo
    """
    import tempfile

    from dapctl.demo import run_demo

    cfg = load("dev", project_dir)
    console.print(
        "[bold]csp-delegation demo[/]: the dev stack's partner and its customer Contoso, against the "
        "local Graph/ARM/Partner Center emulator (no Azure account needed)."
    )
    with tempfile.TemporaryDirectory(prefix="dapctl-demo-") as journal:
        ok = run_demo(cfg, console, journal, on_url=lambda url: console.print(f"emulator listening on {url}"))
    if not ok:
        raise typer.Exit(exit_codes.ERROR)
