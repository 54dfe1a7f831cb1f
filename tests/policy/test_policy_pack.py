"""The policy pack as the Pulumi CLI runs it: the same rules behind pulumi-policy's API and its gRPC server.

The last test starts ``policy/`` the way the CLI does (``python -m pulumi.policy <engine> policy``,
with the stack config in PULUMI_CONFIG), with every package the pack's own virtualenv lacks made
unimportable, and talks to it over the analyzer protocol the CLI uses.
"""

from __future__ import annotations

import json
import select
import subprocess
import sys
from collections.abc import Iterator

import grpc
import pytest
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc
from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, unknown_checking_proxy

import catalog
from catalog.resource_kinds import GDAP_RELATIONSHIP_TYPE
from config.loading import flat_config_for_runtime
from policy.context import PolicyContext
from policy.model import UNKNOWN
from policy.pack import PACK_NAME, build_policies, plain
from policy.registry import RULES
from tests.helpers import REPO, dev_raw

ROOT = REPO
CONTOSO = "3a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d"
ADATUM = "5c0d1e2f-3a4b-4c5d-8e6f-7a8b9c0d1e2f"
OWNER_PATH = f"/providers/Microsoft.Authorization/roleDefinitions/{catalog.OWNER}"
STRICT = PolicyContext.from_raw(dev_raw())


def options(protect: bool = False, parent: str | None = None) -> PolicyResourceOptions:
    return PolicyResourceOptions(protect, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], parent)


def relationship_props(tenant: str) -> dict:
    return {
        "partnerTenantId": "2f4a9a1e-6c3b-4d8e-9f10-1a2b3c4d5e6f",
        "customerTenantId": tenant,
        "displayName": "x-gdap",
        "duration": "P730D",
        "autoExtendDuration": "PT0S",
        "roleIds": [catalog.GLOBAL_ADMINISTRATOR],
        "__provider": "serialized-provider",
    }


def run_resource_policy(name: str, type_: str, props: dict, protect: bool = False) -> list[str]:
    [policy] = [p for p in build_policies(lambda: STRICT) if p.name == name]
    assert isinstance(policy, ResourceValidationPolicy)
    reported: list[str] = []
    args = ResourceValidationArgs(type_, unknown_checking_proxy(props), "urn:x", "x", options(protect), None)
    policy.validate(args, lambda message, urn=None: reported.append(message))
    return reported


def test_one_policy_per_rule_with_its_level_and_kind():
    policies = build_policies(lambda: STRICT)
    assert [p.name for p in policies] == [r.name for r in RULES]
    for policy, rule in zip(policies, RULES, strict=True):
        assert policy.enforcement_level.value == rule.level
        expected = ResourceValidationPolicy if rule.scope == "resource" else StackValidationPolicy
        assert isinstance(policy, expected)


def test_sdk_proxies_become_plain_values_with_unknowns_marked():
    props = unknown_checking_proxy({"scope": UNKNOWN_STRING_VALUE, "nested": {"ids": ["a", UNKNOWN_STRING_VALUE]}})
    assert plain(props) == {"scope": UNKNOWN, "nested": {"ids": ["a", UNKNOWN]}}


def test_resource_policy_reports_through_the_sdk():
    assert run_resource_policy(
        "gdap-global-admin-needs-consent", GDAP_RELATIONSHIP_TYPE, relationship_props(CONTOSO), True
    )
    assert run_resource_policy(
        "protect-relationships-groups-subscriptions", GDAP_RELATIONSHIP_TYPE, relationship_props(CONTOSO)
    )
    grant = {"scope": UNKNOWN_STRING_VALUE, "roleDefinitionId": UNKNOWN_STRING_VALUE, "principalId": "p"}
    [message] = run_resource_policy(
        "rbac-partner-principal-is-foreign-group", "azure-native:authorization:RoleAssignment", grant
    )
    assert "azure-native sends User" in message
    assert (
        run_resource_policy("rbac-owner-at-subscription-scope", "azure-native:authorization:RoleAssignment", grant)
        == []
    )


def test_stack_policy_uses_the_engines_property_dependencies():
    alias = PolicyResource(
        "azure-native:subscription:Alias",
        unknown_checking_proxy({"aliasName": "contoso-prod", "properties": UNKNOWN_STRING_VALUE}),
        "urn:alias",
        "alias",
        options(protect=True),
        None,
        None,
        [],
        {},
    )

    def grant(name: str, deps: list[PolicyResource]) -> PolicyResource:
        props = {
            "scope": UNKNOWN_STRING_VALUE,
            "roleDefinitionId": UNKNOWN_STRING_VALUE,
            "principalType": "ForeignGroup",
        }
        return PolicyResource(
            "azure-native:authorization:RoleAssignment",
            unknown_checking_proxy(props),
            f"urn:{name}",
            name,
            options(),
            None,
            None,
            deps,
            {"scope": deps},
        )

    [policy] = [p for p in build_policies(lambda: STRICT) if p.name == "rbac-owner-on-provisioned-subscriptions"]
    reported: list[tuple[str, str | None]] = []
    args = StackValidationArgs([alias, grant("from-alias", [alias]), grant("stray", [])])
    policy.validate(args, lambda message, urn=None: reported.append((message, urn)))
    assert [urn for _, urn in reported] == ["urn:stray"]


# --- the pack over gRPC, as the CLI runs it -----------------------------------------------------------------

# The pack's own virtualenv (policy/requirements.txt) holds pulumi, pulumi-policy and pydantic (the config is read
# through the schema and the intent): anything else the pack imported would fail under the CLI.
BLOCKER = """
import importlib.abc, runpy, sys
BLOCKED = {"typer", "rich", "httpx", "azure", "starlette", "uvicorn", "hypothesis"}
class Blocker(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"{name} is not in the policy pack's virtualenv")
        return None
sys.meta_path.insert(0, Blocker())
sys.argv = ["pulumi-analyzer-policy-python", "127.0.0.1:1", "policy"]
runpy.run_module("pulumi.policy", run_name="__main__")
"""


@pytest.fixture(scope="module")
def analyzer() -> Iterator[analyzer_pb2_grpc.AnalyzerStub]:
    raw = dev_raw()
    raw["customers"][2]["gdap"] = {"allowGlobalAdministrator": True, "roles": ["Global Administrator"]}
    flat = flat_config_for_runtime("dev")
    flat["csp-delegation:customers"] = json.dumps(raw["customers"])
    env = {"PATH": "/usr/bin:/bin", "PULUMI_CONFIG": json.dumps(flat), "PYTHONDONTWRITEBYTECODE": "1"}
    process = subprocess.Popen(
        [sys.executable, "-u", "-c", BLOCKER],  # -u as the CLI's launcher: the port is written unflushed
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], 60)
        port = process.stdout.readline().strip() if ready else ""
        if not port.isdigit():
            process.kill()
            pytest.fail(f"the policy pack did not start: {process.communicate(timeout=10)[1][-3000:]}")
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            yield analyzer_pb2_grpc.AnalyzerStub(channel)
    finally:
        process.kill()
        process.wait(timeout=10)


def struct(values: dict) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    message.update(values)
    return message


def analyze(stub, type_: str, name: str, props: dict, protect: bool = False) -> list[tuple[str, str]]:
    request = analyzer_pb2.AnalyzeRequest(
        type=type_,
        properties=struct(props),
        urn=f"urn:pulumi:dev::csp-delegation::{type_}::{name}",
        name=name,
        options=analyzer_pb2.AnalyzerResourceOptions(protect=protect),
    )
    return [(d.policyName, d.message) for d in stub.Analyze(request).diagnostics]


def test_pack_describes_its_policies(analyzer):
    info = analyzer.GetAnalyzerInfo(empty_pb2.Empty())
    assert info.name == PACK_NAME
    levels = {p.name: p.enforcementLevel for p in info.policies}
    assert levels["gdap-global-admin-needs-consent"] == analyzer_pb2.MANDATORY
    assert levels["prefer-lighthouse-over-owner-on-existing-subscriptions"] == analyzer_pb2.ADVISORY


def test_pack_reads_global_admin_consent_from_the_stack_config(analyzer):
    dynamic = GDAP_RELATIONSHIP_TYPE
    assert analyze(analyzer, dynamic, "adatum-rel", relationship_props(ADATUM), protect=True) == []
    [(policy, message)] = analyze(analyzer, dynamic, "contoso-rel", relationship_props(CONTOSO), protect=True)
    assert policy == "gdap-global-admin-needs-consent"
    assert "does not set gdap.allowGlobalAdministrator" in message


def test_pack_judges_unknowns_itself(analyzer):
    """An unknown scope is left to the stack policy (no SDK 'cannot run during preview' warning)."""
    grant = {"scope": UNKNOWN_STRING_VALUE, "roleDefinitionId": UNKNOWN_STRING_VALUE, "principalType": "ForeignGroup"}
    assert analyze(analyzer, "azure-native:authorization:RoleAssignment", "g", grant) == []
    grant["principalType"] = "User"
    assert [p for p, _ in analyze(analyzer, "azure-native:authorization:RoleAssignment", "g", grant)] == [
        "rbac-partner-principal-is-foreign-group"
    ]


def test_pack_stack_policies_over_grpc(analyzer):
    alias_urn = "urn:pulumi:dev::csp-delegation::azure-native:subscription:Alias::a"
    stray_sub = "/subscriptions/11111111-2222-4333-8444-555555555555"

    def resource(type_: str, name: str, props: dict, deps: dict | None = None, protect: bool = False):
        return analyzer_pb2.AnalyzerResource(
            type=type_,
            properties=struct(props),
            urn=f"urn:pulumi:dev::csp-delegation::{type_}::{name}",
            name=name,
            options=analyzer_pb2.AnalyzerResourceOptions(protect=protect),
            propertyDependencies={
                k: analyzer_pb2.AnalyzerPropertyDependencies(urns=v) for k, v in (deps or {}).items()
            },
        )

    request = analyzer_pb2.AnalyzeStackRequest(
        resources=[
            resource("azure-native:subscription:Alias", "a", {"aliasName": "contoso-prod"}, protect=True),
            resource(
                "azure-native:authorization:RoleAssignment",
                "provisioned",
                {"scope": UNKNOWN_STRING_VALUE, "roleDefinitionId": UNKNOWN_STRING_VALUE},
                {"scope": [alias_urn]},
            ),
            resource(
                "azure-native:authorization:RoleAssignment",
                "stray",
                {"scope": stray_sub, "roleDefinitionId": stray_sub + OWNER_PATH},
            ),
            resource("pulumi:pulumi:Stack", "csp-delegation-dev", {"token": "plain"}),
        ]
    )
    found = {(d.policyName, d.urn.rsplit("::", 1)[-1]) for d in analyzer.AnalyzeStack(request).diagnostics}
    assert found == {
        ("rbac-owner-on-provisioned-subscriptions", "stray"),
        ("no-plaintext-secret-outputs", "csp-delegation-dev"),
    }
