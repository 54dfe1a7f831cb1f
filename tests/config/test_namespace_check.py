"""A misspelt project namespace is refused on every path that reads the config, with one message.

On the path Pulumi takes (``pulumi preview/up`` -> ``__main__.py`` -> ``config.loading.load_from_pulumi``) a
``csp-delegaton:customers`` key used to be skipped: the program saw no customers, and the next ``pulumi up``
would have deleted every unprotected customer resource. dapctl refused the same file. Both now run
:func:`config.namespace.project_keys`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pulumi
import pytest
from pulumi.runtime import config as runtime_config

from config.errors import ConfigError
from config.loading import load_from_pulumi, load_stack_file
from config.namespace import NAMESPACE, project_keys
from policy.context import PolicyContext
from stacks.mock_runtime import run_offline
from stacks.program import main as program
from tests.helpers import REPO, dev_raw

DEV = (REPO / "Pulumi.dev.yaml").read_text()
MISSPELT = ["csp-delegaton", "CSP-Delegation", "csp_delegation", "csp-delegations"]


def engine_config(namespace: str) -> dict[str, str]:
    """The dev stack's config as the engine hands it to the program (JSON text values), customers misfiled."""
    flat = {f"{NAMESPACE}:{k}": json.dumps(v) for k, v in dev_raw().items()}
    flat[f"{namespace}:customers"] = flat.pop(f"{NAMESPACE}:customers")
    flat["azure-native:location"] = "westeurope"  # a provider's namespace: fine
    return flat


@pytest.fixture
def no_runtime_config():
    """Start from an empty runtime config (mock-runtime runs of other tests leave theirs in this process)."""
    token = runtime_config.CONFIG.set({})
    yield
    runtime_config.CONFIG.reset(token)


def the_problem(err: ConfigError) -> str:
    (problem,) = err.problems
    return str(problem)


@pytest.mark.parametrize("namespace", MISSPELT)
def test_the_engine_path_refuses_a_misspelt_namespace(monkeypatch, no_runtime_config, namespace):
    """``pulumi up`` passes the stack's config in PULUMI_CONFIG: every namespace, JSON text values."""
    monkeypatch.setenv("PULUMI_CONFIG", json.dumps(engine_config(namespace)))
    with pytest.raises(ConfigError) as caught:
        load_from_pulumi()
    problem = the_problem(caught.value)
    assert f"config.{namespace}:customers" in problem
    assert f"did you mean {NAMESPACE}:customers?" in problem


@pytest.mark.parametrize("namespace", MISSPELT)
def test_the_stack_program_stops_before_declaring_anything(namespace):
    """The program on the mock runtime (what dapctl plan runs, config set as the language host sets it)."""
    with pytest.raises(pulumi.RunError) as caught:
        run_offline(program, engine_config(namespace), stack="typo", preview=True)
    message = str(caught.value)
    assert f"config.{namespace}:customers" in message and f"{NAMESPACE}:customers" in message
    assert "Traceback" not in message


@pytest.mark.parametrize("namespace", MISSPELT)
def test_dapctl_and_the_program_give_the_same_answer(tmp_path: Path, monkeypatch, no_runtime_config, namespace):
    (tmp_path / "Pulumi.typo.yaml").write_text(DEV.replace(f"{NAMESPACE}:customers:", f"{namespace}:customers:"))
    with pytest.raises(ConfigError) as from_file:
        load_stack_file("typo", tmp_path)
    monkeypatch.setenv("PULUMI_CONFIG", json.dumps(engine_config(namespace)))
    with pytest.raises(ConfigError) as from_runtime:
        load_from_pulumi()
    assert the_problem(from_file.value) == the_problem(from_runtime.value)


def test_the_correct_namespace_and_provider_settings_still_load(monkeypatch, no_runtime_config):
    monkeypatch.setenv("PULUMI_CONFIG", json.dumps(engine_config(NAMESPACE)))
    assert len(load_from_pulumi().customers) == 3


def test_every_misspelt_key_is_listed():
    flat = {"csp-delegaton:customers": "[]", "Csp-Delegation:partner": "{}", "pulumi:tags": "{}"}
    with pytest.raises(ConfigError) as caught:
        project_keys(flat)
    paths = [p.path for p in caught.value.problems]
    assert paths == ["config.csp-delegaton:customers", "config.Csp-Delegation:partner"]


def test_the_policy_pack_fails_closed_on_a_misspelt_namespace(monkeypatch, no_runtime_config):
    monkeypatch.setenv("PULUMI_CONFIG", json.dumps(engine_config("csp-delegaton")))
    assert PolicyContext.from_pulumi_runtime() == PolicyContext.unknown()
