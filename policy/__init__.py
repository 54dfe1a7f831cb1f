"""Least-privilege guardrails for csp-delegation stacks: one set of rules, two ways to run them.

- Under the Pulumi CLI: ``pulumi preview --policy-pack policy`` runs this folder as a policy pack
  (``__main__.py``; pulumi-policy), with the stack's config passed in by the CLI.
- Offline: :func:`evaluate` runs the same rule functions over the offline plan (``dapctl plan``).

The rules live in small modules that import neither the engine nor pulumi-policy (gdap_rules,
rbac_rules, protect_rules, output_rules; the list is registry.RULES), so both runs judge alike.
This module stays import-light: the pack's own virtualenv has pulumi and pulumi-policy only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .model import ADVISORY, MANDATORY, Violation

if TYPE_CHECKING:
    from config.schema import StackConfig
    from stacks.mock_runtime import OfflineRun

__all__ = ["ADVISORY", "MANDATORY", "Violation", "evaluate"]


def evaluate(run: OfflineRun, config: StackConfig | None) -> list[Violation]:
    """Every policy violation in an offline plan, mandatory ones first.

    ``config`` is the stack's validated config: it says which customers allow Global Administrator
    and which existing subscriptions are declared. Without it (None) those are refused (fail closed).
    """
    from .offline import evaluate_offline

    return evaluate_offline(run, config)
