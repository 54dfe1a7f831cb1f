"""The plain data every guardrail reads: a resource as the plan declares it, findings and violations.

The same rule functions run under the Pulumi CLI (inside the policy pack) and over the offline plan
(``dapctl plan``); each side converts what it has into these types, so a rule never sees a Pulumi
proxy, an ``Output`` or a mock. Values the cloud assigns later are the :data:`UNKNOWN` sentinel in
both, and a property that is not there at all reads as :data:`MISSING`: rules must tell the two apart
(a missing ``principalType`` means azure-native's default ``User``; an unknown one means "not yet").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from catalog.resource_kinds import PARTNER_ROLE_ASSIGNMENT_TYPE

MANDATORY = "mandatory"
ADVISORY = "advisory"
Level = Literal["mandatory", "advisory"]

STACK = "pulumi:pulumi:Stack"
ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"
ALIAS = "azure-native:subscription:Alias"
GROUP = "azuread:index/group:Group"


class _Sentinel:
    """A named marker that is equal only to itself and never mistaken for data."""

    def __init__(self, name: str):
        self._name = name

    def __repr__(self) -> str:
        return self._name

    def __bool__(self) -> bool:
        return False


UNKNOWN: Any = _Sentinel("UNKNOWN")
"""A value only the cloud will know (a new subscription's id, in a preview)."""
MISSING: Any = _Sentinel("MISSING")
"""A property the resource does not set at all."""
SECRET: Any = _Sentinel("SECRET")
"""A value the engine keeps encrypted (shown as ``[secret]``): its plaintext is not in the output."""


@dataclass(frozen=True)
class PlanResource:
    """One resource as declared: its properties, and the options and links the guardrails look at."""

    urn: str
    type: str
    name: str
    props: Mapping[str, Any]
    protect: bool = False
    parent: str | None = None
    property_dependencies: Mapping[str, tuple[str, ...]] | None = None
    """Property name -> URNs its value was computed from; None when the source did not record them."""

    def get(self, *path: str | int) -> Any:
        """The value at ``path`` (keys and list indexes), MISSING if absent, UNKNOWN if not known yet."""
        value: Any = self.props
        for key in path:
            if value is UNKNOWN:
                return UNKNOWN
            if isinstance(key, int):
                if not isinstance(value, Sequence) or isinstance(value, str) or key >= len(value):
                    return MISSING
            elif not isinstance(value, Mapping) or key not in value:
                return MISSING
            value = value[key]
        return value


@dataclass(frozen=True)
class Finding:
    """One problem a rule found: the resource it is about (None for the whole stack) and why."""

    message: str
    resource: PlanResource | None = None


@dataclass(frozen=True)
class Violation:
    """A finding with its policy's name and enforcement level, as dapctl and the pack report it."""

    policy: str
    level: Level
    urn: str
    name: str
    message: str

    @property
    def mandatory(self) -> bool:
        return self.level == MANDATORY

    def to_json(self) -> dict[str, str]:
        return {"policy": self.policy, "level": self.level, "urn": self.urn, "name": self.name, "message": self.message}


@dataclass(frozen=True)
class Rule:
    """A guardrail: resource rules see one resource at a time, stack rules see every resource at once.

    Resource rules run under the CLI before each resource is created or updated (so a mandatory one
    stops ``pulumi up`` before the change); stack rules run once the whole plan is known (end of a
    preview; after the changes in an ``up`` that skips its preview), which is what relating two
    resources (an Owner grant and the Alias that made its subscription) needs.
    """

    name: str
    description: str
    level: Level
    scope: Literal["resource", "stack"]
    check: Callable[..., Iterable[Finding]]
    """resource: ``check(resource, context)``; stack: ``check(resources, context)``."""
    remediation: str = ""
    tags: tuple[str, ...] = field(default_factory=tuple)


def is_role_assignment(resource: PlanResource) -> bool:
    """An Azure role assignment: azure-native's, or the partner-grant dynamic resource (adopts CSP grants)."""
    if resource.type == ROLE_ASSIGNMENT:
        return True
    return resource.type == PARTNER_ROLE_ASSIGNMENT_TYPE


def is_known(value: Any) -> bool:
    """True for a real value: not UNKNOWN, not MISSING."""
    return value is not UNKNOWN and value is not MISSING
