"""The GDAP provider drops Global Administrator from an active relationship in place, not by replacement.

When the only change is that role leaving an active relationship, the diff is an update and the update runs
Graph's long-running operation to the end (then switches auto-extend on when the config asks): the customer
approves nothing again. Over real HTTP against the emulator.
"""

from __future__ import annotations

import pytest

import catalog
from azure_http.gdap import GLOBAL_ADMINISTRATOR
from components.gdap_resources import GdapRelationshipProvider, relationship_diff
from tests.components.test_gdap_providers import CUSTOMER, HELPDESK, READER, get_rel, rel_props

WITH_GA = sorted([READER, HELPDESK, GLOBAL_ADMINISTRATOR])
WITHOUT_GA = sorted([READER, HELPDESK])


@pytest.mark.parametrize(
    ("status", "roles", "auto_extend", "replaces"),
    [
        ("active", WITHOUT_GA, "P180D", []),  # the in-place path, auto-extend switched on with it
        ("expiring", WITHOUT_GA, "PT0S", []),
        ("active", [READER], "PT0S", ["roleIds"]),  # another role gone too: a new relationship
        ("active", sorted([READER, GLOBAL_ADMINISTRATOR]), "PT0S", ["roleIds"]),  # a role other than GA gone
        ("approvalPending", WITHOUT_GA, "PT0S", ["roleIds"]),  # not active yet: nothing can change
    ],
)
def test_the_diff_updates_in_place_only_when_global_administrator_alone_leaves_an_active_relationship(
    status, roles, auto_extend, replaces
):
    olds = {**rel_props(roleIds=WITH_GA), "status": status}
    result = relationship_diff(olds, rel_props(roleIds=roles, autoExtendDuration=auto_extend))
    assert result.changes is True and result.replaces == replaces


def test_the_update_runs_the_operation_to_the_end_and_keeps_the_relationship(emulator, monkeypatch):
    monkeypatch.setenv("CSP_DELEGATION_ENDPOINT", emulator.url)
    graph_env = emulator
    graph_env.control.settings(gdap_operation_delay=0.3, gdap_operation_retry_after=0.1)
    seeded = graph_env.control.seed_relationship(
        displayName="contoso-gdap",
        customer={"tenantId": CUSTOMER, "displayName": "Contoso Ltd"},
        roles=WITH_GA,
        status="active",
    )
    provider = GdapRelationshipProvider()
    olds = provider.read(seeded["id"], rel_props(roleIds=WITH_GA)).outs
    news = rel_props(roleIds=WITHOUT_GA, autoExtendDuration="P180D")
    assert provider.diff(seeded["id"], olds, news).replaces == []
    outs = provider.update(seeded["id"], olds, news).outs
    assert outs["roleIds"] == WITHOUT_GA and outs["autoExtendDuration"] == "P180D" and outs["status"] == "active"
    live = get_rel(graph_env, seeded["id"])
    assert GLOBAL_ADMINISTRATOR not in {r["roleDefinitionId"] for r in live["accessDetails"]["unifiedRoles"]}
    assert [r["displayName"] for r in graph_env.control.state()["gdap"]["relationships"]] == ["contoso-gdap"]
    operations = graph_env.control.requests("/graph/v1.0/tenantRelationships/delegatedAdminRelationships/", "GET")
    assert any("/operations/" in r["path"] for r in operations)
    assert catalog.directory_role_name(GLOBAL_ADMINISTRATOR) == "Global Administrator"
