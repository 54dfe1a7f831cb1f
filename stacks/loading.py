"""Where a stack's raw config comes from: the Pulumi runtime, or the stack's YAML file for dapctl."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import yaml

from .config import NAMESPACE, StackConfig, parse_config
from .errors import ConfigError, ConfigProblem

PROJECT_DIR = Path(__file__).resolve().parent.parent
"""The repository's own project (the sample dev stack); dapctl defaults to the current directory."""


def _strip_namespace(flat: dict[str, Any], source: str) -> dict[str, Any]:
    """Keep the project's keys without their ``csp-delegation:`` prefix; JSON strings become objects."""
    raw: dict[str, Any] = {}
    for key, value in flat.items():
        namespace, _, name = key.partition(":")
        if namespace != NAMESPACE or not name:
            continue
        if isinstance(value, dict) and "secure" in value:
            raise ConfigError(
                [
                    ConfigProblem(
                        name,
                        "secrets are not read from this file by dapctl; keep secrets out of the delegation config",
                    )
                ],
                source,
            )
        if isinstance(value, str):
            with contextlib.suppress(json.JSONDecodeError):
                value = json.loads(value)
        raw[name] = value
    return raw


def stack_file(stack: str, project_dir: Path = PROJECT_DIR) -> Path:
    return project_dir / f"Pulumi.{stack}.yaml"


def raw_from_stack_file(stack: str, project_dir: Path = PROJECT_DIR) -> dict[str, Any]:
    path = stack_file(stack, project_dir)
    if not path.is_file():
        known = sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in project_dir.glob("Pulumi.*.yaml"))
        raise ConfigError(
            [ConfigProblem("stack", f"no file {path.name}: known stacks are {', '.join(known) or 'none'}")],
            str(path),
        )
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as err:
        raise ConfigError([ConfigProblem("(file)", f"not valid YAML: {err}")], str(path)) from None
    return _strip_namespace(document.get("config") or {}, str(path))


def load_stack_file(stack: str, project_dir: Path = PROJECT_DIR) -> StackConfig:
    """The validated config of ``Pulumi.<stack>.yaml``, read without Pulumi (for dapctl)."""
    path = stack_file(stack, project_dir)
    try:
        return parse_config(raw_from_stack_file(stack, project_dir))
    except ConfigError as err:
        raise ConfigError(err.problems, str(path.name)) from None


def flat_config_for_runtime(stack: str, project_dir: Path = PROJECT_DIR) -> dict[str, str]:
    """The stack file's config as the Pulumi engine hands it to a program: namespaced keys, JSON values."""
    raw = raw_from_stack_file(stack, project_dir)
    return {f"{NAMESPACE}:{k}": v if isinstance(v, str) else json.dumps(v) for k, v in raw.items()}


def load_from_pulumi() -> StackConfig:
    """The validated config of the running Pulumi stack (every key in the project's namespace)."""
    from pulumi.runtime import config as runtime_config

    flat = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    return parse_config(_strip_namespace(flat, "stack config"))
