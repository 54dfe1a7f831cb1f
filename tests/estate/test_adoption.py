"""Adoption is a round trip: after `dapctl import`, for every imported stack the plan adopts exactly what exists,
the first `pulumi up` sends no write that changes a customer object, the second plans nothing, and everything config
cannot express is in the report.

The import writes the brownfield world's stacks (names that differ between Entra ID and Partner Center, hand-made
Lighthouse offers, resource-group and eligible Lighthouse, orphan relationships, unreachable groups, P2Y, created);
each is planned by the real program on the mock runtime against the emulator (the relationships read from Graph, as
`pulumi up` reads them). Every dynamic resource is handed to its own provider's create against the emulator, as
`pulumi up` would, then to its diff against what create returned (the second up). A resource adopted through
Pulumi's import option names an object that exists, and its declared inputs, less what ``ignore_changes`` keeps,
equal the object's: Pulumi's import then changes nothing ("inputs to import do not match" otherwise).
"""

from __future__ import annotations

import asyncio
import json

import pytest

from azure_http import NotFound
from azure_http.arm import ArmClient
from azure_http.connect import connect
from catalog.resource_kinds import (
    GDAP_ACCESS_ASSIGNMENT_TYPE,
    GDAP_RELATIONSHIP_TYPE,
    PARTNER_ROLE_ASSIGNMENT_TYPE,
)
from components.arm_resources import PartnerRoleAssignmentProvider
from components.gdap_resources import GdapAccessAssignmentProvider, GdapRelationshipProvider
from config.loading import flat_config_for_runtime
from emulator.worlds.brownfield import generate_brownfield
from operations.plan import build_report
from stacks.mock_runtime import run_offline
from stacks.program import main as program
from tests.helpers import REPO
from tests.support.cli import dapctl

PROVIDERS = {
    GDAP_RELATIONSHIP_TYPE: GdapRelationshipProvider,
    GDAP_ACCESS_ASSIGNMENT_TYPE: GdapAccessAssignmentProvider,
    PARTNER_ROLE_ASSIGNMENT_TYPE: PartnerRoleAssignmentProvider,
}


WORLD = (16, 47)
"""A world with every shape the round trip must survive (the test checks they are there)."""


@pytest.fixture
def imported(emulator, tmp_path):
    world = generate_brownfield(*WORLD)
    emulator.control.reset(world.scenario)
    world.write_partner_stack(tmp_path)
    (tmp_path / "Pulumi.yaml").write_text((REPO / "Pulumi.yaml").read_text())
    result = dapctl("import", "-C", str(tmp_path), "-f", "json", endpoint=emulator.url)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    stacks = [c["name"] for c in report["customers"] if c["written"]]
    assert len(stacks) >= 8
    return emulator, tmp_path, stacks, report, world


async def live(url: str, arm_id: str, tenant: str) -> dict | None:
    """The object an import id names, read in the customer's tenant (None: it does not exist)."""
    conn = connect(url)
    async with ArmClient(conn.tokens, conn.endpoints, tenant_id=tenant) as arm:
        try:
            if "/registrationDefinitions/" in arm_id:
                return await arm.get_registration_definition(arm_id)
            return await arm.get_registration_assignment(arm_id, expand_definition=False)
        except NotFound:
            return None


def without_ignored(properties: dict, ignored: list[str]) -> dict:
    """``properties`` less the paths ``ignore_changes`` names (``properties.a``, ``properties.a[*].b``)."""
    out = json.loads(json.dumps(properties))
    for path in ignored:
        parts = path.removeprefix("properties.").split(".")
        if len(parts) == 1:
            out.pop(parts[0], None)
        elif parts[0].endswith("[*]"):
            for item in out.get(parts[0][:-3]) or []:
                item.pop(parts[1], None)
    return out


def declared_as_is(resource, existing: dict) -> list[str]:
    """Where the declared inputs differ from the existing object (after ``ignore_changes``)."""
    declared = without_ignored(resource.inputs["properties"], resource.ignore_changes)
    actual = without_ignored(existing["properties"], resource.ignore_changes)
    return [k for k, v in declared.items() if isinstance(v, str | list | dict) and actual.get(k) != v]


def lock_requests(writes: list[dict], locked: set[str]) -> list[dict]:
    """The writes that are the reported lockForApproval of a relationship adopted in ``created`` status."""
    return [
        w
        for w in writes
        if w["method"] == "POST" and w["path"].endswith("/requests") and w["path"].split("/")[-2] in locked
    ]


def test_adoption_is_a_round_trip(imported, monkeypatch):
    emulator, project, stacks, report, world = imported
    monkeypatch.setenv("CSP_DELEGATION_ENDPOINT", emulator.url)
    findings = report["findings"]
    locked = {f["subject"] for f in findings if f["kind"] == "lockForApproval"}
    adopted: dict[str, set[str]] = {}
    second_up: list[tuple[str, str, list]] = []
    for stack in stacks:
        run = run_offline(program, flat_config_for_runtime(stack, project), stack=stack, preview=True)
        (customer,) = run.exports["customers"].values()
        creates = [r["name"] for r in build_report(run)["resources"] if r["action"] == "create"]
        assert creates == [], f"{stack} would create {creates}"
        emulator.control.clear_requests()
        for resource in run.resources:
            provider = PROVIDERS.get(resource.type)
            if provider is not None:
                inputs = {k: v for k, v in resource.inputs.items() if not k.startswith("__")}
                result = provider().create(inputs)
                assert result.id == resource.adopts or resource.type == PARTNER_ROLE_ASSIGNMENT_TYPE
                adopted.setdefault(resource.type, set()).add(result.id)
                diff = provider().diff(result.id, result.outs, inputs)
                if diff.changes:
                    second_up.append((stack, resource.name, list(diff.replaces or [])))
            elif resource.import_id:
                existing = asyncio.run(live(emulator.url, resource.import_id, customer["tenantId"]))
                assert existing is not None, f"{stack}: {resource.import_id} does not exist"
                if resource.type.endswith("RegistrationDefinition"):
                    assert declared_as_is(resource, existing) == [], f"{stack}: {resource.name} would be updated"
                adopted.setdefault(resource.type, set()).add(resource.import_id.lower())
        writes = [r for r in emulator.control.requests() if r["method"] not in ("GET", "HEAD")]
        unreported = [w for w in writes if w not in lock_requests(writes, locked)]
        assert unreported == [], f"{stack}: {[(w['method'], w['path']) for w in unreported]}"
    relationship_changes = [c for c in second_up if c[1].endswith("-relationship")]
    assert [c for c in second_up if c not in relationship_changes] == []

    # The plan adopts exactly what exists: every relationship and delegation the ground truth says is adoptable.
    written = {c["tenantId"] for c in report["customers"] if c["written"]}
    truths = [t for t in world.customers if t.tenant_id in written]
    assert adopted[GDAP_RELATIONSHIP_TYPE] == {t.adopt_relationship_id for t in truths} - {None}
    lighthouse = {
        lh["assignmentFullId"].lower()
        for t in truths
        if t.reachable
        for lh in t.lighthouse.values()
        if "/resourceGroups/" not in lh["scope"] and len(set(lh["principals"])) == 1
    }
    subjects = {f["subject"].lower() for f in findings}
    adopted_lighthouse = adopted.get("azure-native:managedservices:RegistrationAssignment", set())
    assert lighthouse and lighthouse <= adopted_lighthouse | subjects
    assert adopted_lighthouse, "the world has a Lighthouse delegation to adopt"
    assert len(adopted.get(GDAP_ACCESS_ASSIGNMENT_TYPE, ())) >= 5
    assert len(adopted.get(PARTNER_ROLE_ASSIGNMENT_TYPE, ())) >= 3

    # Everything config cannot express is in the report.
    by_tenant = {}
    for f in findings:
        by_tenant.setdefault(f["tenantId"], []).append(f)
    shapes = {"resource group": 0, "eligible": 0, "unreachable": 0, "created": 0, "P2Y": 0}
    for t in world.customers:
        mine = by_tenant.get(t.tenant_id, [])
        for lh in t.lighthouse.values() if t.reachable else ():
            if "/resourceGroups/" in lh["scope"]:
                shapes["resource group"] += 1
                assert any(f["kind"] == "Lighthouse scope" and f["subject"] == lh["assignmentFullId"] for f in mine)
            if lh["eligible"]:
                shapes["eligible"] += 1
                assert any(f["kind"] == "eligible authorization" and "Contributor" in f["detail"] for f in mine)
        if t.unreachable_groups:
            shapes["unreachable"] += 1
            assert any(f["kind"] == "Azure not visible" for f in mine), t.display_name
        for rel in t.relationships:
            if rel["status"] == "created" and rel["id"] == t.adopt_relationship_id:
                shapes["created"] += 1
                assert rel["id"] in locked
    for rel in world.scenario["gdap"]["relationships"]:
        if rel["duration"] == "P2Y" and rel["id"] in adopted[GDAP_RELATIONSHIP_TYPE]:
            shapes["P2Y"] += 1
            assert any(f["kind"] == "duration" and f["subject"] == rel["id"] for f in findings)
    assert all(shapes.values()), shapes
    assert world.orphan_relationship_ids and set(world.orphan_relationship_ids) <= subjects
    assert any(t.entra_name for t in truths)


def test_the_second_up_plans_nothing_for_adopted_relationships(imported, monkeypatch):
    emulator, project, stacks, _, _ = imported
    monkeypatch.setenv("CSP_DELEGATION_ENDPOINT", emulator.url)
    changes = []
    for stack in stacks:
        run = run_offline(program, flat_config_for_runtime(stack, project), stack=stack, preview=True)
        for resource in run.by_type(GDAP_RELATIONSHIP_TYPE):
            inputs = {k: v for k, v in resource.inputs.items() if not k.startswith("__")}
            result = GdapRelationshipProvider().create(inputs)
            diff = GdapRelationshipProvider().diff(result.id, result.outs, inputs)
            if diff.changes:
                changes.append((stack, diff.replaces))
    assert changes == []
