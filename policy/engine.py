"""Run the guardrails over plain resources: the one loop behind the offline evaluation and the tests.

(The policy pack does not use this loop: the CLI calls each policy itself, resource by resource and
once for the stack; see policy/pack.py.)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .context import PolicyContext
from .model import Finding, PlanResource, Rule, Violation
from .registry import RULES


def violation(rule: Rule, finding: Finding) -> Violation:
    resource = finding.resource
    return Violation(
        policy=rule.name,
        level=rule.level,
        urn=resource.urn if resource is not None else "",
        name=resource.name if resource is not None else "(stack)",
        message=finding.message,
    )


def run_rule(rule: Rule, resources: Sequence[PlanResource], context: PolicyContext) -> list[Violation]:
    findings: Iterable[Finding]
    if rule.scope == "resource":
        findings = [f for resource in resources for f in rule.check(resource, context)]
    else:
        findings = list(rule.check(resources, context))
    return [violation(rule, f) for f in findings]


def run_rules(
    resources: Sequence[PlanResource], context: PolicyContext, rules: Sequence[Rule] = RULES
) -> list[Violation]:
    """Every violation, mandatory ones first, each group in the registry's order of policies."""
    found = [v for rule in rules for v in run_rule(rule, resources, context)]
    return sorted(found, key=lambda v: not v.mandatory)
