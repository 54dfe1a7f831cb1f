"""Stack discovery as Pulumi does it: the project folder found upwards from the working directory, the stack that
declares the customer, --stack / PULUMI_STACK winning, and every fix a command prints runnable as printed."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import yaml

from config.errors import ConfigError
from config.project import project_folder, select_stack
from tests.helpers import REPO
from tests.support.cli import dapctl

NS = "csp-delegation:customers"


def split_into_stacks(project: Path) -> Path:
    """The dev project as one stack per customer: Pulumi.<customer>.yaml each, the partner in every one, and the
    project file Pulumi.yaml beside them."""
    dev = project / "Pulumi.dev.yaml"
    document = yaml.safe_load(dev.read_text())
    for customer in document["config"][NS]:
        own = {**document, "config": {**document["config"], NS: [customer]}}
        (project / f"Pulumi.{customer['name']}.yaml").write_text(yaml.safe_dump(own))
    dev.unlink()
    (project / "Pulumi.yaml").write_text((REPO / "Pulumi.yaml").read_text())
    return project


@pytest.fixture
def stacks(project: Path) -> Path:
    return split_into_stacks(project)


@pytest.mark.parametrize(
    "given",
    [
        "contoso",
        "3a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d",
        "Contoso.onmicrosoft.com",
        "3A8B9C0D-1E2F-4A3B-8C4D-5E6F7A8B9C0D",
    ],
)
def test_the_stack_declaring_the_customer_by_name_tenant_or_domain(stacks: Path, given: str):
    assert select_stack(stacks, None, given) == "contoso"


def test_the_selected_stack_wins(stacks: Path):
    assert select_stack(stacks, "fabrikam", "contoso") == "fabrikam"


def test_a_customer_in_two_stacks_names_both(stacks: Path):
    (stacks / "Pulumi.contoso-copy.yaml").write_text((stacks / "Pulumi.contoso.yaml").read_text())
    with pytest.raises(ConfigError) as caught:
        select_stack(stacks, None, "contoso")
    message = str(caught.value)
    assert "contoso, contoso-copy" in message and str(stacks.resolve()) in message


def test_unknown_customer_names_the_folder_and_its_stacks(stacks: Path):
    with pytest.raises(ConfigError) as caught:
        select_stack(stacks, None, "nobody")
    assert str(stacks.resolve()) in str(caught.value)
    assert "adatum, contoso, fabrikam" in str(caught.value)


def test_no_customer_and_several_stacks_asks_for_one(stacks: Path):
    with pytest.raises(ConfigError, match="pass --stack or set PULUMI_STACK"):
        select_stack(stacks, None)


def test_the_project_folder_is_found_upwards(stacks: Path):
    deep = stacks / "docs" / "runbooks"
    deep.mkdir(parents=True)
    assert project_folder(None, deep) == stacks.resolve()
    assert project_folder(Path("elsewhere"), deep) == Path("elsewhere")


def test_from_a_subfolder_without_stack_the_command_finds_the_customers_stack(onboarded):
    emulator, project, _, _ = onboarded
    split_into_stacks(project)
    sub = project / "reports"
    sub.mkdir()
    result = dapctl("audit", "contoso", "-f", "json", endpoint=emulator.url, cwd=sub)
    assert result.returncode in (0, 3), result.output
    assert '"contoso"' in result.stdout or "contoso" in result.stdout


def test_pulumi_stack_selects_the_stack(onboarded):
    emulator, project, _, _ = onboarded
    split_into_stacks(project)
    result = dapctl("audit", "contoso", endpoint=emulator.url, cwd=project, env={"PULUMI_STACK": "fabrikam"})
    assert result.returncode == 2
    assert "no customer named 'contoso'" in result.stderr


def test_no_project_anywhere_names_the_folder(tmp_path: Path):
    result = dapctl("drift", "--customer", "contoso", cwd=tmp_path)
    assert result.returncode == 2
    assert str(tmp_path.resolve())[:40] in " ".join(result.stderr.split())
    assert "Traceback" not in result.output


FIX = re.compile(r"`(dapctl [^`]+)`")


def printed_fixes(text: str) -> list[list[str]]:
    """The commands a report tells the person to run, as words (each in backquotes, as the notes print them)."""
    return [shlex.split(command)[1:] for command in FIX.findall(" ".join(text.split()))]


def test_every_fix_a_command_prints_runs_from_the_project_folder(onboarded):
    """revoke's note (`dapctl offboard contoso --apply`) and drift's fixes, copied as printed and run in the
    project folder with no --stack: none is a usage error (exit 2). --yes stands in for the terminal's confirm."""
    emulator, project, _, _ = onboarded
    split_into_stacks(project)
    revoked = dapctl("revoke", "contoso", "--apply", "--yes", endpoint=emulator.url, cwd=project)
    assert revoked.returncode in (0, 5), revoked.output
    drift = dapctl("drift", "--customer", "contoso", endpoint=emulator.url, cwd=project)
    fixes = printed_fixes(revoked.output) + printed_fixes(drift.output)
    assert ["offboard", "contoso", "--apply"] in fixes
    assert ["gdap", "status", "--stack", "contoso"] in fixes  # the ended relationship's warning names its stack
    for words in fixes:
        extra = ["--yes"] if "--apply" in words else []
        ran = dapctl(*words, *extra, endpoint=emulator.url, cwd=project)
        assert ran.returncode != 2, (words, ran.output)
