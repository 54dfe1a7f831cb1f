"""The project's config namespace, and the one check of a stack's config keys against it.

Pulumi hands a program (and a policy pack) every key of the stack's config, of every namespace:
``csp-delegation:customers`` is the project's, ``azure-native:location`` a provider's. A key whose namespace
is close to the project's (``csp-delegaton:customers``, ``CSP-Delegation:customers``) is a typo, and a typo
that is skipped empties the desired state: the program sees no customers, and the next ``pulumi up`` deletes
every unprotected customer resource. So every reader of the config goes through :func:`project_keys`:
dapctl (the stack file), the stack program (the Pulumi runtime: ``PULUMI_CONFIG`` and the config the
language host or the mock runtime sets), and the policy pack. It refuses such keys, naming the key and the
right spelling, before anything is validated or declared.

Imports nothing beyond the standard library, :mod:`config.errors` and :mod:`azure_http.endpoint_url` (both standard
library only): the policy pack's virtualenv (pulumi, pulumi-policy, pydantic) loads it too.
"""

from __future__ import annotations

import contextlib
import difflib
import json
from collections.abc import Mapping
from typing import Any

from azure_http.endpoint_url import quoted

from .errors import ConfigError, ConfigProblem, child_path

NAMESPACE = "csp-delegation"
_SIMILARITY = 0.75
"""difflib's ratio from which a lowercased namespace counts as a misspelling of the project's."""


def looks_like_namespace(candidate: str, namespace: str = NAMESPACE) -> bool:
    """``candidate`` is not the project's namespace but a case, ``_`` or small edit away from it."""
    lowered = candidate.lower()
    if lowered == namespace or lowered.replace("_", "-") == namespace:
        return True
    return bool(difflib.get_close_matches(lowered, [namespace], n=1, cutoff=_SIMILARITY))


def key_problems(key: str, namespace: str = NAMESPACE) -> list[ConfigProblem]:
    """What is wrong with the config key ``key``: not ``<namespace>:<name>``, or a misspelt project namespace.

    Other namespaces are provider settings (``azure-native:location``) and fine."""
    where = child_path("config", key)
    name_space, colon, name = key.partition(":")
    if not colon or not name_space or not name:
        return [
            ConfigProblem(
                where,
                f"not a config key: Pulumi config keys are <namespace>:<name>, e.g. {namespace}:"
                f"{name_space or name or 'customers'}",
            )
        ]
    if name_space != namespace and looks_like_namespace(name_space, namespace):
        return [
            ConfigProblem(
                where,
                f"unknown namespace {quoted(name_space, 60)}: did you mean {namespace}:{name[:60]}? Rename the key "
                "(a key under another namespace is not read, so its settings would be missing from the stack; "
                "other namespaces are provider settings, ignored here)",
            )
        ]
    return []


def project_keys(flat: Mapping[str, Any], source: str = "stack config") -> dict[str, Any]:
    """The project's keys of a stack's whole config, without their ``csp-delegation:`` prefix.

    ``flat`` holds every namespace (as the stack file's ``config:`` section and the Pulumi runtime do); a
    misspelt project namespace, or a key that is not ``<namespace>:<name>``, is a ConfigError listing every
    such key. Text values that are JSON (how the engine passes objects and lists) become objects; a
    ``secure:`` value (an encrypted secret in a stack file) is refused: the delegation config holds none."""
    problems = [p for key in flat for p in key_problems(str(key))]
    if problems:
        raise ConfigError(problems, source)
    raw: dict[str, Any] = {}
    for key, value in flat.items():
        namespace, _, name = str(key).partition(":")
        if namespace != NAMESPACE:
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
            # plain text (or JSON nested too deep to be config) stays text: the schema says what is wrong
            with contextlib.suppress(ValueError, RecursionError):
                value = json.loads(value)
        raw[name] = value
    return raw
