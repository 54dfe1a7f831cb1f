"""Each dynamic resource has a type of its own; a stack deployed under the old shared type moves without a
replacement, because every resource declares its old URN as an alias (checked against a real old plan's URNs)."""

from __future__ import annotations

import json
from pathlib import Path

from catalog.resource_kinds import KINDS, LEGACY_DYNAMIC, is_dynamic
from config.loading import flat_config_for_runtime
from stacks.mock_runtime import run_offline
from stacks.program import main as program

OLD_STATE = Path(__file__).parent / "data" / "dev-state-before-own-types.json"


def test_every_old_urn_is_an_alias_of_exactly_one_resource_of_the_new_plan():
    old_urns = json.loads(OLD_STATE.read_text())["urns"]
    run = run_offline(program, flat_config_for_runtime("dev"), stack="dev", preview=True)
    dynamic = [r for r in run.resources if is_dynamic(r.type)]
    assert dynamic and all(r.type in KINDS and r.type != LEGACY_DYNAMIC for r in dynamic)
    for urn in old_urns:
        holders = [r for r in dynamic if urn in r.aliases]
        assert len(holders) == 1, urn
        assert holders[0].urn != urn and holders[0].name == urn.rsplit("::", 1)[1]
    # and nothing else claims an old URN: one old resource, one new one
    assert sorted(a for r in dynamic for a in r.aliases) == sorted(old_urns)


def test_components_keep_their_own_type_tokens():
    run = run_offline(program, flat_config_for_runtime("dev"), stack="dev", preview=True)
    components = {r.type for r in run.resources if not r.custom}
    assert components and all(t.startswith("csp-delegation:") for t in components)
