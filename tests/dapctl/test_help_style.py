"""`dapctl --version`, shell completion, and help that reads alike everywhere: no `<bool>` label on switches,
usage lines in one convention (CUSTOMER required, [CUSTOMER] optional)."""

from __future__ import annotations

import re
from importlib.metadata import version

import pytest
import typer.main
from typer.core import TyperGroup

from dapctl.cli import app
from tests.support.cli import dapctl


def every_command_path() -> list[list[str]]:
    """Every command and group of the tree, as the words that name it."""
    paths: list[list[str]] = [[]]

    def walk(command, prefix: list[str]) -> None:
        if isinstance(command, TyperGroup):
            for name, sub in command.commands.items():
                paths.append([*prefix, name])
                walk(sub, [*prefix, name])

    walk(typer.main.get_command(app), [])
    return paths


def test_version_is_the_installed_packages():
    ran = dapctl("--version")
    assert ran.returncode == 0
    assert ran.stdout.strip() == f"dapctl {version('csp-delegation')}"


def test_shell_completion_is_offered():
    ran = dapctl("--show-completion", "bash")
    assert ran.returncode == 0
    assert "_DAPCTL_COMPLETE=complete_bash" in ran.stdout
    assert "--install-completion" in dapctl("--help", env={"COLUMNS": "160"}).stdout


@pytest.mark.parametrize("words", every_command_path(), ids=lambda words: " ".join(words) or "dapctl")
def test_help_has_no_type_label_on_switches_and_one_usage_convention(words: list[str]):
    ran = dapctl(*words, "--help", env={"COLUMNS": "200"})
    assert ran.returncode == 0, ran.output
    assert "<bool>" not in ran.stdout
    usage = next(line for line in ran.stdout.splitlines() if "Usage:" in line)
    assert "{" not in usage, usage
    arguments = re.findall(r"\[?\b[A-Za-z_]+\b\]?", usage.split("[OPTIONS]", 1)[-1])
    assert all(word.strip("[]").isupper() for word in arguments), usage
