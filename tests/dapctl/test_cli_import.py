"""`dapctl import` as a person runs it, against the emulator over HTTP: writes, dry runs, re-runs, refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from config.loading import load_stack_file
from emulator.worlds.brownfield import generate_brownfield
from tests.helpers import REPO
from tests.support.cli import dapctl

ROOT = REPO


def importing(emulator, project: Path, *args: str):
    """`dapctl import -C <project> <args>` against the emulator."""
    return dapctl("import", "-C", str(project), *args, endpoint=emulator.url, env={"COLUMNS": "200"})


@pytest.fixture(scope="module")
def world():
    return generate_brownfield(20, seed=8)


@pytest.fixture
def project(tmp_path, world, emulator):
    emulator.control.reset(world.scenario)
    world.write_partner_stack(tmp_path)
    return tmp_path


def stacks(project: Path) -> set[str]:
    return {p.name for p in project.glob("Pulumi.*.yaml")} - {"Pulumi.partner.yaml"}


def test_import_then_a_rerun_that_writes_nothing(emulator, project):
    first = importing(emulator, project, "-f", "json")
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    written = stacks(project)
    assert report["summary"]["written"] == len(written) == len(report["writtenFiles"]) > 0
    for name in written:  # every file loads through the project's loader
        load_stack_file(name[len("Pulumi.") : -len(".yaml")], project)
    before = {p: (project / p).read_text() for p in written}
    again = importing(emulator, project, "-f", "json")
    assert again.returncode == 0, again.stderr
    second = json.loads(again.stdout)
    assert second["writtenFiles"] == [] and second["summary"]["alreadyDeclared"] == len(written)
    assert {p: (project / p).read_text() for p in stacks(project)} == before


def test_dry_run_prints_the_files_and_writes_nothing(emulator, project):
    result = importing(emulator, project, "--dry-run")
    assert result.returncode == 0, result.stderr
    assert stacks(project) == set()
    assert "(not written: dry run)" in result.stdout and "adoptRelationshipId:" in result.stdout
    as_json = json.loads(importing(emulator, project, "--dry-run", "-f", "json").stdout)
    assert as_json["dryRun"] and as_json["files"] and stacks(project) == set()


def test_customers_by_name_tenant_or_file(emulator, project, world):
    chosen = [c for c in world.customers if c.dap or c.adopt_relationship_id][:4]
    dry = json.loads(importing(emulator, project, "--dry-run", "-f", "json").stdout)
    names = {c["tenantId"]: c["name"] for c in dry["customers"]}
    listing = project / "customers.txt"
    listing.write_text(f"# one a line\n{chosen[0].tenant_id}\n{chosen[1].domain}\n")
    both = f"{chosen[2].display_name},{names[chosen[3].tenant_id]}"  # a company name, and the name import gives
    result = importing(emulator, project, "--customers", f"@{listing}", "--customers", both, "-f", "json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert {c["tenantId"] for c in report["customers"]} == {c.tenant_id for c in chosen}
    assert len(stacks(project)) == 4


def test_an_unknown_customer_is_refused_and_nothing_is_written(emulator, project):
    result = importing(emulator, project, "--customers", "nobody.onmicrosoft.com")
    assert result.returncode == 2
    assert "nobody.onmicrosoft.com" in result.stderr and stacks(project) == set()


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--customers", "@missing.txt"], "--customers"),
        (["--mlt", "drop"], "--mlt"),
        (["--into", "nosuch"], "--into"),
        (["--partner-stack", "../x"], "stack"),
        (["-f", "table", "-o", "report.md"], "--output"),
        (["--partner-stack", "nosuch"], "Pulumi.nosuch.yaml"),
    ],
)
def test_bad_options_are_refused_before_any_request(emulator, project, args, says):
    emulator.control.clear_requests()
    result = importing(emulator, project, *args)
    assert result.returncode == 2, result.stdout
    assert says in result.stderr
    assert emulator.control.requests() == [] and stacks(project) == set()


def test_markdown_report_to_a_file(emulator, project, tmp_path):
    out = tmp_path / "import.md"
    result = importing(emulator, project, "-f", "markdown", "-o", str(out), "--mlt", "replace")
    assert result.returncode == 0, result.stderr
    text = out.read_text()
    assert text.startswith("# Import of partner tenant") and "What config cannot express" in text


def test_a_failed_azure_read_makes_the_import_incomplete(emulator, project, world):
    """ARM refusing (403) every subscription listing: the customers the partner can reach are reported as not
    read (exit 5); the ones it cannot reach anyway are reported as not visible, as without the fault."""
    emulator.control.add_fault("/arm/subscriptions", status=403, times=None, code="AuthorizationFailed")
    result = importing(emulator, project, "-f", "json")
    assert result.returncode == 5, result.stderr
    findings = json.loads(result.stdout)["findings"]
    not_read = {f["tenantId"] for f in findings if f["kind"] == "not read"}
    truth = world.by_tenant()
    assert not_read and all(truth[t].reachable for t in not_read)
    assert not any(truth[f["tenantId"]].reachable for f in findings if f["kind"] == "Azure not visible")
