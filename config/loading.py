"""Where a stack's raw config comes from: the Pulumi runtime, or the stack's YAML file for dapctl."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from azure_http.endpoint_url import quoted

from .errors import ConfigError, ConfigProblem
from .namespace import NAMESPACE, project_keys
from .schema import StackConfig, parse_config
from .yaml_loader import read_config_section

#: Pulumi's stack names: letters, digits, '-', '_', '.' (a stack selector's org/project part is not a file name).
_STACK_NAME_RE = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,99}$")

PROJECT_DIR = Path(__file__).resolve().parent.parent
"""The repository's own project (the sample dev stack); dapctl defaults to the current directory."""


def check_stack_name(stack: str) -> str:
    """A stack name that names a file in the project folder, nothing else (no ``../../x``, no separators)."""
    if not _STACK_NAME_RE.fullmatch(stack) or stack in (".", ".."):
        raise ConfigError(
            [
                ConfigProblem(
                    "stack",
                    f"{quoted(stack, 60)} is not a stack name: use letters, digits, '-', '_' and '.' "
                    "(at most 100), e.g. dev; it names Pulumi.<stack>.yaml in the project folder",
                )
            ],
            "--stack",
        )
    return stack


def stack_file(stack: str, project_dir: Path = PROJECT_DIR) -> Path:
    return project_dir / f"Pulumi.{check_stack_name(stack)}.yaml"


def known_stacks(project_dir: Path) -> list[str]:
    """The stacks of a project folder, sorted: one per ``Pulumi.<stack>.yaml``."""
    return sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in project_dir.glob("Pulumi.*.yaml"))


def raw_from_stack_file(stack: str, project_dir: Path = PROJECT_DIR) -> dict[str, Any]:
    path = stack_file(stack, project_dir)
    if not path.is_file():
        known = ", ".join(known_stacks(project_dir)) or "none"
        where = quoted(str(project_dir.resolve()))
        raise ConfigError(
            [ConfigProblem("stack", f"no file {path.name} in {where}: known stacks are {known}")],
            str(path),
        )
    return project_keys(read_config_section(path, NAMESPACE), str(path))


def load_stack_file(stack: str, project_dir: Path = PROJECT_DIR) -> StackConfig:
    """The validated config of ``Pulumi.<stack>.yaml``, read without Pulumi (for dapctl)."""
    path = stack_file(stack, project_dir)
    try:
        return parse_config(raw_from_stack_file(stack, project_dir))
    except ConfigError as err:
        raise ConfigError(err.problems, str(path.name) if err.source != "--stack" else err.source) from None


def flat_config_for_runtime(stack: str, project_dir: Path = PROJECT_DIR) -> dict[str, str]:
    """The stack file's config as the Pulumi engine hands it to a program: namespaced keys, JSON values."""
    raw = raw_from_stack_file(stack, project_dir)
    return {f"{NAMESPACE}:{k}": v if isinstance(v, str) else json.dumps(v) for k, v in raw.items()}


def runtime_config_keys() -> dict[str, Any]:
    """Every key of the running stack's config, of every namespace, as the Pulumi SDK holds them: the engine's
    ``PULUMI_CONFIG`` (JSON of ``namespace:key`` -> text) and what the language host or the mock runtime set
    with ``pulumi.runtime.set_all_config``. ``pulumi.Config(name)`` reads one namespace of the same values."""
    from pulumi.runtime import config as runtime_config

    return {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}


def load_from_pulumi() -> StackConfig:
    """The validated config of the running Pulumi stack (every key in the project's namespace).

    All namespaces are checked first (:func:`config.namespace.project_keys`), exactly as dapctl checks the
    stack file: a misspelt ``csp-delegaton:customers`` stops the program instead of emptying the stack."""
    return parse_config(project_keys(runtime_config_keys(), "stack config"))
