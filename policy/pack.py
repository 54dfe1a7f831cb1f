"""The guardrails as a pulumi-policy pack: registry.RULES wrapped for the Pulumi CLI.

Each rule becomes a ResourceValidationPolicy (run before each resource's create or update) or a
StackValidationPolicy (run once over the whole stack). What the SDK hands a policy is converted to
the plain :class:`~policy.model.PlanResource` the rules read: its proxies raise UnknownValueError on a
value not known in a preview, which becomes UNKNOWN, so a rule decides about unknowns itself instead
of the SDK skipping it with a warning. The stack config comes from the CLI (see policy/context.py).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy import proxy as policy_proxy

from .context import PolicyContext
from .model import MANDATORY, UNKNOWN, PlanResource, Rule
from .registry import RULES

PACK_NAME = "csp-delegation-guardrails"
_UNKNOWN_SENTINELS = frozenset(
    {
        policy_proxy.UNKNOWN_BOOLEAN_VALUE,
        policy_proxy.UNKNOWN_NUMBER_VALUE,
        policy_proxy.UNKNOWN_STRING_VALUE,
        policy_proxy.UNKNOWN_ARRAY_VALUE,
        policy_proxy.UNKNOWN_ASSET_VALUE,
        policy_proxy.UNKNOWN_ARCHIVE_VALUE,
        policy_proxy.UNKNOWN_OBJECT_VALUE,
    }
)
ContextFactory = Callable[[], PolicyContext]


def plain(value: Any) -> Any:
    """SDK property values (proxies, unknown sentinels) as plain data with UNKNOWN in place of unknowns."""
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key in value:
            try:
                out[key] = plain(value[key])
            except policy_proxy.UnknownValueError:
                out[key] = UNKNOWN
        return out
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        items: list[Any] = []
        for index in range(len(value)):
            try:
                items.append(plain(value[index]))
            except policy_proxy.UnknownValueError:
                items.append(UNKNOWN)
        return items
    if isinstance(value, str) and value in _UNKNOWN_SENTINELS:
        return UNKNOWN
    return value


def from_resource_args(args: ResourceValidationArgs) -> PlanResource:
    return PlanResource(
        urn=args.urn,
        type=args.resource_type,
        name=args.name,
        props=plain(args.props),
        protect=bool(args.opts.protect),
        parent=args.opts.parent or None,
    )


def from_policy_resource(resource: PolicyResource) -> PlanResource:
    return PlanResource(
        urn=resource.urn,
        type=resource.resource_type,
        name=resource.name,
        props=plain(resource.props),
        protect=bool(resource.opts.protect),
        parent=resource.parent.urn if resource.parent is not None else resource.opts.parent or None,
        property_dependencies={k: tuple(r.urn for r in v) for k, v in resource.property_dependencies.items()},
    )


def _level(rule: Rule) -> EnforcementLevel:
    return EnforcementLevel.MANDATORY if rule.level == MANDATORY else EnforcementLevel.ADVISORY


def _resource_policy(rule: Rule, context: ContextFactory) -> ResourceValidationPolicy:
    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        for finding in rule.check(from_resource_args(args), context()):
            report_violation(finding.message, None)

    return ResourceValidationPolicy(
        name=rule.name,
        description=rule.description,
        validate=validate,
        enforcement_level=_level(rule),
        remediation_steps=rule.remediation or None,
        tags=list(rule.tags) or None,
    )


def _stack_policy(rule: Rule, context: ContextFactory) -> StackValidationPolicy:
    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        resources = [from_policy_resource(r) for r in args.resources]
        for finding in rule.check(resources, context()):
            report_violation(finding.message, finding.resource.urn if finding.resource is not None else None)

    return StackValidationPolicy(
        name=rule.name,
        description=rule.description,
        validate=validate,
        enforcement_level=_level(rule),
        remediation_steps=rule.remediation or None,
        tags=list(rule.tags) or None,
    )


@functools.cache
def runtime_context() -> PolicyContext:
    """The stack config the CLI passed to this analyzer process: read once, it does not change."""
    return PolicyContext.from_pulumi_runtime()


def build_policies(context: ContextFactory = runtime_context) -> list[Policy]:
    """One pulumi-policy Policy per rule, in the registry's order."""
    return [
        _resource_policy(rule, context) if rule.scope == "resource" else _stack_policy(rule, context) for rule in RULES
    ]
