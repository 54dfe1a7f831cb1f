"""The offline plan as data: what a stack declares, by component, with the inputs that matter in Azure.

Built from an OfflineRun (the real program on Pulumi's mock runtime). It is what the stack *declares*,
not a diff against the cloud: only ``pulumi preview`` with credentials can say what would change.
"""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi

import catalog
from catalog.resource_kinds import (
    AUTOPILOT_PROFILE,
    GDAP_ACCESS_ASSIGNMENT,
    GDAP_RELATIONSHIP,
    PARTNER_ROLE_ASSIGNMENT,
    is_dynamic,
    kind_of,
)
from stacks.mock_runtime import SECRET, OfflineRun, Unknown

NOTICE = (
    "Offline plan: what this stack declares, computed on Pulumi's mock runtime without Azure. "
    "It is NOT a diff against the cloud; run `pulumi preview` with credentials for that."
)
UNKNOWN_TEXT = "(known after apply)"
#: 2: ``inputs`` became every declared input; the humanized subset moved to ``keyInputs``.
SCHEMA_VERSION = 2


def _show(value: Any) -> Any:
    if isinstance(value, Unknown):
        return UNKNOWN_TEXT
    if isinstance(value, pulumi.Asset | pulumi.Archive):
        # A runbook's code or a group's member list built as an asset: named, not inlined into the plan.
        size = len(value.text) if isinstance(value, pulumi.StringAsset) else None
        return f"({type(value).__name__}{f', {size} characters' if size is not None else ''})"
    if isinstance(value, dict):
        return {k: _show(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_show(v) for v in value]
    return value


def _role_from_definition_id(value: Any) -> Any:
    if isinstance(value, Unknown):
        return UNKNOWN_TEXT
    guid = str(value).rsplit("/", 1)[-1]
    return catalog.azure_role_name(guid)


def _directory_roles(value: Any) -> Any:
    if isinstance(value, list):
        return [catalog.directory_role_name(r) if isinstance(r, str) else r for r in value]
    return value


def key_inputs(type_: str, inputs: dict[str, Any]) -> dict[str, Any]:
    """The few inputs an operator checks for each resource type (all scalar inputs for other types)."""
    props = inputs.get("properties") if isinstance(inputs.get("properties"), dict) else {}
    kind = kind_of(type_)
    if kind is not None:
        if kind == GDAP_RELATIONSHIP:
            keys = ("displayName", "customerTenantId", "duration", "autoExtendDuration")
            return {"kind": kind, **{k: inputs.get(k) for k in keys}, "roles": _directory_roles(inputs.get("roleIds"))}
        if kind == AUTOPILOT_PROFILE:
            keys = ("name", "customerTenantId", "settings", "description", "requireDelegatedAdmin")
            return {"kind": kind, **{k: inputs.get(k) for k in keys}}
        if kind == GDAP_ACCESS_ASSIGNMENT:
            return {
                "kind": kind,
                "relationshipId": inputs.get("relationshipId"),
                "groupId": inputs.get("groupId"),
                "roles": _directory_roles(inputs.get("roleIds")),
            }
    if type_.startswith("pulumi:providers:"):
        return {"tenantId": inputs.get("tenantId")}
    if type_ == "azuread:index/group:Group":
        return {k: inputs.get(k) for k in ("displayName", "securityEnabled", "mailEnabled")}
    if type_ == "azuread:index/groupMember:GroupMember":
        return {"groupObjectId": inputs.get("groupObjectId"), "memberObjectId": inputs.get("memberObjectId")}
    if type_ == "azure-native:subscription:Alias":
        return {
            "aliasName": inputs.get("aliasName"),
            "displayName": props.get("displayName"),
            "billingScope": props.get("billingScope"),
            "workload": props.get("workload"),
        }
    if type_ == "azure-native:authorization:RoleAssignment" or kind == PARTNER_ROLE_ASSIGNMENT:
        return {
            "role": _role_from_definition_id(inputs.get("roleDefinitionId")),
            "principalId": inputs.get("principalId"),
            "principalType": inputs.get("principalType"),
            "scope": inputs.get("scope"),
            "name": inputs.get("roleAssignmentName") or inputs.get("name"),
            "description": inputs.get("description"),
        }
    if type_ == "azure-native:managedservices:RegistrationDefinition":
        return {
            "scope": inputs.get("scope"),
            "managedByTenantId": props.get("managedByTenantId"),
            "roles": [catalog.azure_role_name(a.get("roleDefinitionId", "")) for a in props.get("authorizations", [])],
            "principalId": [a.get("principalId") for a in props.get("authorizations", [])][:1],
        }
    if type_ == "azure-native:managedservices:RegistrationAssignment":
        return {"scope": inputs.get("scope")}
    # (Pulumi's own inputs, such as a dynamic resource's pickled ``__provider``, are not the stack's.)
    return {k: v for k, v in inputs.items() if not isinstance(v, dict | list) and not k.startswith("__")}


def _has_unknown(value: Any) -> bool:
    if isinstance(value, Unknown):
        return True
    if isinstance(value, dict):
        return any(_has_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_unknown(v) for v in value)
    return False


def build_report(run: OfflineRun, violations: list | None = None) -> dict[str, Any]:
    """One JSON-ready document: resources (with parent and tenant), look-ups, exports, policy results, summary."""
    violations = violations or []
    tenants: dict[str, str] = {}
    for r in run.resources:
        if r.type.startswith("pulumi:providers:"):
            tenants[r.urn] = r.inputs.get("tenantId", "")
    resources = []
    for r in run.resources:
        provider = run.provider_of(r)
        if is_dynamic(r.type):
            # Dynamic resources call Graph/ARM themselves; their tenant is an input, not a provider.
            tenant = r.inputs.get("tenantId") or r.inputs.get("partnerTenantId")
            provider_info = {"name": "dynamic provider (Graph/ARM)", "tenantId": tenant}
        else:
            provider_info = None if provider is None else {"name": provider.name, "tenantId": tenants[provider.urn]}
        resources.append(
            {
                "urn": r.urn,
                "type": r.type,
                "name": r.name,
                "component": not r.custom,
                "parent": r.parent,
                "provider": provider_info,
                # Every input as the program declared it (what Pulumi sends: role definition ids as ids, secrets
                # masked), and the few an operator checks, in words, for the table.
                "inputs": _show(r.inputs),
                "keyInputs": _show(key_inputs(r.type, r.inputs)),
                "protect": r.protect,
                "deleteBeforeReplace": r.delete_before_replace,
                "unknownInputs": _has_unknown(r.inputs),
                # What the first `pulumi up` does with it: take over an existing object (named by dapctl import,
                # Pulumi's import option or the provider's own adoption) or create a new one.
                "action": None
                if not r.custom or r.type.startswith("pulumi:providers:")
                else ("adopt" if r.adopts else "create"),
                "adopts": r.adopts,
                "aliases": r.aliases,
            }
        )
    custom = [r for r in resources if not r["component"]]
    summary = {
        "resources": len(custom),
        "components": len(resources) - len(custom),
        "byType": dict(sorted(Counter(r["type"] for r in custom).items())),
        "withUnknownInputs": sum(1 for r in custom if r["unknownInputs"]),
        "protected": sum(1 for r in custom if r["protect"]),
        "adopt": sum(1 for r in custom if r["action"] == "adopt"),
        "create": sum(1 for r in custom if r["action"] == "create"),
        "lookups": len(run.lookups),
        "policyMandatory": sum(1 for v in violations if v.mandatory),
        "policyAdvisory": sum(1 for v in violations if not v.mandatory),
    }
    notes = {
        name: (summary_ or {}).get("delegation", {}).get("nextStep")
        for name, summary_ in (run.exports.get("customers") or {}).items()
        if isinstance(summary_, dict)
    }
    return {
        "schemaVersion": SCHEMA_VERSION,
        "stack": run.stack,
        "notice": NOTICE,
        "nextSteps": notes,
        "resources": resources,
        "lookups": [{"token": lk.token, "args": _show(lk.args)} for lk in run.lookups],
        "exports": _show(run.exports),
        "policy": [v.to_json() for v in violations],
        "summary": summary,
        "secretPlaceholder": SECRET,
    }


class PlanError(Exception):
    """The stack program refused the stack's inputs (a ``pulumi.RunError``): a problem of the stack, not a bug."""

    def __init__(self, stack: str, message: str) -> None:
        super().__init__(f"in stack {stack}: {message[:2000]}")


@dataclass
class PlannedStack:
    """One stack's offline plan: its config, what the program declared, and the policy pack's findings."""

    config: Any
    run: OfflineRun
    violations: list

    @property
    def mandatory_violations(self) -> bool:
        return any(v.mandatory for v in self.violations)

    def report(self) -> dict[str, Any]:
        return build_report(self.run, self.violations)


def load_plan_config(stack: str, project_dir: Path) -> tuple[Any, dict[str, str]]:
    """The stack's config (every problem a ``ConfigError``, before anything runs) and the flat form the runtime
    reads."""
    from config.loading import flat_config_for_runtime, load_stack_file

    return load_stack_file(stack, project_dir), flat_config_for_runtime(stack, project_dir)


def plan_offline(config: Any, flat: dict[str, str], stack: str, endpoint: str = "offline") -> PlannedStack:
    """Run the real stack program on Pulumi's mock runtime and the policy pack over what it declares.

    ``endpoint``: where the program reads the GDAP status before declaring (``offline`` reads nothing; ``azure``
    or an emulator URL reads Graph), passed to the program as an argument: nothing is written to the
    environment."""
    import policy
    from stacks.mock_runtime import run_offline
    from stacks.program import main as program

    try:
        run = run_offline(functools.partial(program, endpoint), flat, stack=stack, preview=True)
    except pulumi.RunError as err:
        raise PlanError(stack, str(err)) from None
    return PlannedStack(config, run, policy.evaluate(run, config))
