"""Convergence in the pipelines: the hourly schedule selects the stacks whose customer approved since their last
deploy (`dapctl converge`) and deploys those only, through the same deploy path (GitHub: the deploy workflow,
dispatched with the selection; Azure DevOps: `pipelines/run-stacks.sh up` with the deploying connection).
The linters and schemas run in tests/pipelines/test_workflows.py; this asserts the wiring.
"""

from __future__ import annotations

from tests.pipelines.test_workflows import ADO, load, scripts, steps_using, workflow

DAILY, HOURLY = "17 5 * * *", "47 * * * *"


def test_github_converges_hourly_and_drifts_daily():
    document = workflow("drift.yml")
    assert [s["cron"] for s in document["on"]["schedule"]] == [DAILY, HOURLY]
    jobs = document["jobs"]
    assert jobs["stacks"]["if"] == f"github.event_name != 'schedule' || github.event.schedule == '{DAILY}'"
    assert "needs" not in jobs["converge"]  # independent of the drift legs
    converge = jobs["converge"]
    assert converge["permissions"] == {"contents": "read", "id-token": "write", "actions": "write"}
    assert converge["env"]["ARM_CLIENT_ID"] == "${{ vars.AZURE_PREVIEW_CLIENT_ID || vars.AZURE_CLIENT_ID }}"
    assert steps_using(converge, "azure/login")
    body = scripts(converge)
    assert '.venv/bin/dapctl converge --json "${args[@]}"' in body and '--max-stacks "$MAX_STACKS"' in body
    dispatch = next(s for s in converge["steps"] if s.get("name") == "Deploy those stacks only")
    assert dispatch["if"] == "steps.select.outputs.stacks != ''"
    assert dispatch["run"] == 'gh workflow run deploy.yml --ref "$GITHUB_REF_NAME" -f stacks="$STACKS"'


def test_the_dispatched_deploy_runs_only_the_selected_stacks():
    deploy = workflow("deploy.yml")
    assert "stacks" in deploy["on"]["workflow_dispatch"]["inputs"]
    assert deploy["jobs"]["changes"]["with"]["only"] == "${{ inputs.stacks }}"
    assert "pipelines/run-stacks.sh up" in scripts(deploy["jobs"]["up"])


def test_azure_devops_converges_on_its_own_schedule_with_the_deploying_connection():
    document = load(ADO)
    schedules = {s["displayName"]: s["cron"] for s in document["schedules"]}
    assert schedules == {"Daily drift detection": DAILY, "Hourly convergence": HOURLY}
    stages = {s["stage"]: s for s in document["stages"]}
    assert "ne(variables['Build.CronSchedule.DisplayName'], 'Hourly convergence')" in stages["drift"]["condition"]
    converge = stages["converge"]
    assert "eq(variables['Build.CronSchedule.DisplayName'], 'Hourly convergence')" in converge["condition"]
    select, up = converge["jobs"]
    task = next(s for s in select["steps"] if s.get("task") == "AzureCLI@2")
    assert (
        task["name"] == "converge"
        and task["inputs"]["azureSubscription"] == "${{ parameters.previewServiceConnection }}"
    )
    assert ".venv/bin/dapctl converge --select" in task["inputs"]["inlineScript"]
    assert "##vso[task.setvariable variable=stacks;isOutput=true]" in task["inputs"]["inlineScript"]
    assert up["dependsOn"] == "select" and "dependencies.select.outputs['converge.stacks']" in up["condition"]
    assert up["variables"]["CONVERGE_STACKS"] == "$[ dependencies.select.outputs['converge.stacks'] ]"
    deploy = next(s for s in up["steps"] if s.get("task") == "AzureCLI@2")
    assert deploy["inputs"]["azureSubscription"] == "${{ parameters.deployServiceConnection }}"
    assert "pipelines/run-stacks.sh up" in deploy["inputs"]["inlineScript"]
    assert deploy["env"]["STACKS"] == "$(CONVERGE_STACKS)"


def test_the_daily_drift_run_alerts_when_access_is_lost():
    from tests.pipelines.test_workflows import run_stacks_action

    look = run_stacks_action("drift")
    assert '.venv/bin/dapctl access check --all --stack "$stack" --json' in look
    assert '[ "$access" -ne 0 ]' in look  # a lost access makes the stack need attention: its issue is filed
