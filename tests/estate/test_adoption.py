"""After `dapctl import`, the first `pulumi up` creates nothing that exists: every imported object is adopted.

The import writes the brownfield world's stacks; each is planned by the real program on the mock runtime
against the emulator (the relationships read from Graph, as `pulumi up` reads them), then every dynamic
resource it declares is handed to its own provider's create against the emulator, as `pulumi up` would: the
emulator's request log shows reads only. Resources adopted through Pulumi's import option name objects that
exist.
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
from emulator.brownfield_world import generate_brownfield
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


@pytest.fixture
def imported(emulator, tmp_path):
    world = generate_brownfield(16, seed=5)
    emulator.control.reset(world.scenario)
    world.write_partner_stack(tmp_path)
    (tmp_path / "Pulumi.yaml").write_text((REPO / "Pulumi.yaml").read_text())
    result = dapctl("import", "-C", str(tmp_path), "-f", "json", endpoint=emulator.url)
    assert result.returncode == 0, result.stderr
    stacks = [c["name"] for c in json.loads(result.stdout)["customers"] if c["written"]]
    assert len(stacks) >= 8
    return emulator, tmp_path, stacks


async def exists(url: str, arm_id: str) -> bool:
    conn = connect(url)
    tenant = next(t for t, subs in TENANT_OF.items() if arm_id.split("/")[2] in subs)
    async with ArmClient(conn.tokens, conn.endpoints, tenant_id=tenant) as arm:
        try:
            if "/registrationDefinitions/" in arm_id:
                await arm.get_registration_definition(arm_id)
            else:
                await arm.get_registration_assignment(arm_id)
        except NotFound:
            return False
    return True


TENANT_OF: dict[str, set[str]] = {}


def test_the_first_up_after_import_creates_nothing_that_exists(imported, monkeypatch):
    emulator, project, stacks = imported
    monkeypatch.setenv("CSP_DELEGATION_ENDPOINT", emulator.url)
    adopted: dict[str, int] = {}
    for stack in stacks:
        run = run_offline(program, flat_config_for_runtime(stack, project), stack=stack, preview=True)
        report = build_report(run)
        for customer in run.exports["customers"].values():
            TENANT_OF.setdefault(customer["tenantId"], set()).update(customer["subscriptionIds"] or {})
        creates = [r["name"] for r in report["resources"] if r["action"] == "create"]
        assert creates == [], f"{stack} would create {creates}"
        emulator.control.clear_requests()
        for resource in run.resources:
            provider = PROVIDERS.get(resource.type)
            if provider is not None:
                inputs = {k: v for k, v in resource.inputs.items() if not k.startswith("__")}
                result = provider().create(inputs)
                assert result.id == resource.adopts or resource.type == PARTNER_ROLE_ASSIGNMENT_TYPE
                adopted[resource.type] = adopted.get(resource.type, 0) + 1
            elif resource.import_id:
                # Pulumi's import reads the object by this id, in the customer's tenant: it must exist.
                assert asyncio.run(exists(emulator.url, resource.import_id)), resource.import_id
                adopted[resource.type] = adopted.get(resource.type, 0) + 1
        writes = [r for r in emulator.control.requests() if r["method"] not in ("GET", "HEAD")]
        assert writes == [], f"{stack}: {[(w['method'], w['path']) for w in writes]}"
    # The world holds relationships to adopt, mapped groups and CSP grants: all three kinds were taken over.
    assert adopted.get(GDAP_RELATIONSHIP_TYPE, 0) >= 5
    assert adopted.get(GDAP_ACCESS_ASSIGNMENT_TYPE, 0) >= 5
    assert adopted.get(PARTNER_ROLE_ASSIGNMENT_TYPE, 0) >= 3
