"""The offline plan (an OfflineRun from Pulumi's mock runtime) as plain resources for the guardrails.

What the mock runtime records differs from what the CLI gives a policy pack in two ways, bridged here:
- The pack sees a created Alias's outputs, so ``properties.subscriptionId`` once the subscription
  exists. The mock runtime records inputs only; in a simulated update (``preview=False``) it gives a
  new alias the subscription id ``placeholder_id(type, name)`` (see ``CloudMocks.new_resource``), which
  is filled in here so the grants' scopes can be matched to their aliases as in the real run.
- The pack sees which resources each property was computed from; the mock runtime does not record
  them, so ``property_dependencies`` stays None and the rules fall back to the resource's parent.
If a later OfflineRun records ``outputs`` or ``property_dependencies`` on its resources, they are used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from stacks.mock_runtime import SECRET as MOCK_SECRET
from stacks.mock_runtime import Declared, OfflineRun, Unknown, placeholder_id

from .context import PolicyContext
from .engine import run_rules
from .model import ALIAS, SECRET, STACK, UNKNOWN, PlanResource, Violation

if TYPE_CHECKING:
    from config.schema import StackConfig

PROJECT = "csp-delegation"


def plain(value: Any) -> Any:
    """Mock-runtime values as the rules read them: Unknown -> UNKNOWN, the redacted secret -> SECRET."""
    if isinstance(value, Unknown):
        return UNKNOWN
    if isinstance(value, str) and value == MOCK_SECRET:
        return SECRET
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def _props(declared: Declared, preview: bool) -> dict[str, Any]:
    props = plain(declared.inputs)
    outputs = getattr(declared, "outputs", None)
    if outputs is not None:
        return {**props, **plain(outputs)}
    if declared.type == ALIAS and not preview:
        properties = dict(props.get("properties") or {})
        properties.setdefault("subscriptionId", placeholder_id(declared.type, declared.name))
        props["properties"] = properties
    return props


def _dependencies(declared: Declared) -> dict[str, tuple[str, ...]] | None:
    recorded = getattr(declared, "property_dependencies", None)
    if recorded is None:
        return None
    return {k: tuple(v) for k, v in recorded.items()}


def stack_urn(run: OfflineRun) -> str:
    for declared in run.resources:
        if "::pulumi:pulumi:Stack::" in declared.parent:
            return declared.parent
    return f"urn:pulumi:{run.stack}::{PROJECT}::{STACK}::{PROJECT}-{run.stack}"


def plan_resources(run: OfflineRun) -> list[PlanResource]:
    """Every declared resource (components included: rules skip types they do not know), then the stack."""
    resources = [
        PlanResource(
            urn=d.urn,
            type=d.type,
            name=d.name,
            props=_props(d, run.preview),
            protect=d.protect,
            parent=d.parent or None,
            property_dependencies=_dependencies(d),
        )
        for d in run.resources
    ]
    urn = stack_urn(run)
    resources.append(PlanResource(urn=urn, type=STACK, name=urn.rsplit("::", 1)[-1], props=plain(run.exports)))
    return resources


def evaluate_offline(run: OfflineRun, config: StackConfig | None) -> list[Violation]:
    return run_rules(plan_resources(run), PolicyContext.from_stack_config(config))
