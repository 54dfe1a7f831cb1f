"""Offboarding one customer, in order: revoke (verified), mark it offboarded in the stack file, then the state.

Removing access and removing the customer from the desired state must happen in this order: if the config
changed first, nothing would remove the grants; if it never changed, the next `pulumi up` (and the daily
drift run) would restore them. The state step is guidance, because only the Pulumi CLI changes state: the
customer's protected resources (the GDAP relationship, its subscriptions) are listed with the commands that
release them, so the next `pulumi up` forgets them without deleting the customer's subscriptions.
"""

from __future__ import annotations

import difflib
import functools
from dataclasses import dataclass, field
from pathlib import Path

from config.loading import flat_config_for_runtime, stack_file
from config.stack_edit import set_customer_field

#: Resources that hold the customer's own assets: released from state, never deleted by Pulumi.
KEEP_IN_AZURE = frozenset({"azure-native:subscription:Alias"})


@dataclass
class StateStep:
    urn: str
    command: str
    why: str


@dataclass
class ConfigEdit:
    path: Path
    before: str
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after

    def diff(self) -> str:
        return "".join(
            difflib.unified_diff(
                self.before.splitlines(keepends=True),
                self.after.splitlines(keepends=True),
                fromfile=f"a/{self.path.name}",
                tofile=f"b/{self.path.name}",
            )
        )


@dataclass
class OffboardPlan:
    customer: str
    edit: ConfigEdit
    state: list[StateStep] = field(default_factory=list)


def config_edit(stack: str, project_dir: Path, customer: str) -> ConfigEdit:
    """The stack file with ``lifecycle: offboarded`` for the customer (unchanged when it is already)."""
    path = stack_file(stack, project_dir)
    before = path.read_text(encoding="utf-8")
    return ConfigEdit(path, before, set_customer_field(before, customer, "lifecycle", "offboarded"))


def engine_urn(run, resource) -> str:
    """The URN the Pulumi engine gives ``resource``: its type qualified by every ancestor's type (below the
    stack), which the mock runtime shortens to the parent's alone."""
    types = [resource.type]
    parent = run.by_urn(resource.parent) if resource.parent else None
    while parent is not None and parent.type != "pulumi:pulumi:Stack":
        types.append(parent.type)
        parent = run.by_urn(parent.parent) if parent.parent else None
    head = resource.urn.split("::")[:2]
    return "::".join([*head, "$".join(reversed(types)), resource.name])


def state_steps(stack: str, project_dir: Path, customer: str) -> list[StateStep]:
    """What to release from the stack's state before the `pulumi up` that forgets the customer.

    Read from the stack's own plan with the customer still in it: the protected resources under the
    customer's component, in the order to run them."""
    from stacks.mock_runtime import run_offline
    from stacks.program import main as program

    # Offline: the plan reads nothing from Graph (the endpoint is the program's argument, not the environment).
    run = run_offline(
        functools.partial(program, "offline"), flat_config_for_runtime(stack, project_dir), stack=stack, preview=True
    )
    roots = [r.urn for r in run.resources if r.type == "csp-delegation:customers:CustomerTenant" and r.name == customer]
    mine: list = []
    frontier = list(roots)
    while frontier:
        parent = frontier.pop()
        children = run.children(parent)
        mine += children
        frontier += [c.urn for c in children]
    steps = []
    for r in sorted(mine, key=lambda r: r.urn):
        urn = engine_urn(run, r)
        if r.type in KEEP_IN_AZURE:
            steps.append(
                StateStep(
                    urn,
                    f"pulumi state delete --stack {stack} '{urn}'",
                    "the customer's subscription: forgotten by Pulumi, never deleted",
                )
            )
        elif r.protect:
            steps.append(
                StateStep(
                    urn,
                    f"pulumi state unprotect --stack {stack} '{urn}'",
                    "protected; already revoked, so the next `pulumi up` only removes it from state",
                )
            )
    return steps
