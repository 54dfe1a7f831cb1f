"""Offboarding one customer, in order: revoke (verified), mark it offboarded in the stack file, then the state.

Removing access and removing the customer from the desired state must happen in this order: if the config
changed first, nothing would remove the grants; if it never changed, the next `pulumi up` (and the daily
drift run) would restore them. The state step is guidance, because only the Pulumi CLI changes state: the
customer's protected resources (the GDAP relationship, its subscriptions) are listed with the commands that
release them, so the next `pulumi up` forgets them without deleting the customer's subscriptions. The
customer's revocation runbook (resource group, storage, Automation account, custom role) is not revoked
access: it stays in the customer's subscription, out of the partner's reach once the revocation is done, so
it is forgotten (``pulumi state delete``) rather than left to a `pulumi up` that could not delete it.

The steps are read from the stack's plan with the customer still in it, so they are computed before the
stack file is edited (after the edit the program declares nothing for the customer).
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


def config_edit(stack: str, project_dir: Path, customer: str, note: str | None = None) -> ConfigEdit:
    """The stack file with ``lifecycle: offboarded`` for the customer (unchanged when it is already); ``note``
    goes on the edited line as a YAML comment (why it was set although not everything was verified)."""
    path = stack_file(stack, project_dir)
    before = path.read_text(encoding="utf-8")
    after = set_customer_field(before, customer, "lifecycle", "offboarded")
    if note and after != before:
        after = _comment_edited_line(before, after, note)
    return ConfigEdit(path, before, after)


def _comment_edited_line(before: str, after: str, note: str) -> str:
    """``after`` with ``  # note`` at the end of the line where it first differs from ``before``."""
    at = next((i for i, (a, b) in enumerate(zip(before, after, strict=False)) if a != b), len(before))
    end = after.find("\n", at)
    end = len(after) if end < 0 else end
    text = " ".join(note.replace("#", "").split())  # one line, no nested comment marker
    return f"{after[:end]}  # {text}{after[end:]}"


#: The revocation runbook's resources (components/revocation_runbook.py), each after every resource that depends
#: on it: the order in which `pulumi state delete` accepts them. A type not listed goes first.
RUNBOOK_DELETE_ORDER = (
    "azure-native:authorization:RoleAssignment",
    "azure-native:authorization:RoleDefinition",
    "azure-native:automation:Runbook",
    "azure-native:automation:Python3Package",
    "azure-native:automation:AutomationAccount",
    "azure-native:storage:Blob",
    "azure-native:storage:BlobContainer",
    "azure-native:storage:StorageAccount",
    "azure-native:resources:ResourceGroup",
)


def _runbook_delete_rank(resource) -> tuple[int, str]:
    rank = RUNBOOK_DELETE_ORDER.index(resource.type) + 1 if resource.type in RUNBOOK_DELETE_ORDER else 0
    return rank, resource.urn


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
    from components.revocation_runbook import TYPE as RUNBOOK_COMPONENT
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
    runbook = {r.urn for r in mine if r.type == RUNBOOK_COMPONENT}
    steps = []
    for r in sorted(mine, key=lambda r: r.urn):
        urn = engine_urn(run, r)
        if r.parent in runbook:
            continue  # below, in the order `pulumi state delete` accepts
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
    # Dependents before what they depend on, as `pulumi state delete` requires.
    for r in sorted((r for r in mine if r.parent in runbook), key=_runbook_delete_rank):
        urn = engine_urn(run, r)
        steps.append(
            StateStep(
                urn,
                f"pulumi state delete --stack {stack} '{urn}'",
                "the customer's revocation runbook: stays in the customer's subscription (out of the partner's "
                "reach once revoked); forgotten by Pulumi, the customer deletes it when it wants",
            )
        )
    return steps
