"""The revocation guarantee across waves, runs and commands: one test per failure found by trying it.

1. A later (selective) run never claims COMPLETE while grants remain in a subscription an earlier run saw: the
   subscriptions a run must find are recorded per customer (``runbooks.expected_scope``).
2. The partner never cuts the branch it sits on: a removal that fails, answers 200 without effect, or a
   subscription whose listing fails keeps the partner's Owner there, and GDAP; ``--resume`` finishes the job.
3. A journal whose outcome log holds bytes that are not UTF-8 is an error naming the file and the line.

Against the dev emulator (Azure's permission model), Contoso onboarded, through ``dapctl`` in-process.
"""

from __future__ import annotations

import json

import pytest

from runbooks.journal import Journal, JournalError
from tests.dapctl.test_offboard import cli  # noqa: F401 - the in-process dapctl fixture

ADMIN_AGENTS = "0b6c4e1a-2d3f-4a5b-9c6d-7e8f9a0b1c2d"
HELPDESK_AGENTS = "1c7d5f2b-3e4a-4b6c-8d7e-8f9a0b1c2d3e"
PARTNER = "2f4a9a1e-6c3b-4d8e-9f10-1a2b3c4d5e6f"
OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"


def _revoke(run, *args: str):
    result = run("revoke", "contoso", *args, "--yes", "-f", "json")
    start = result.output.find("{")  # notes on stderr may follow the JSON in the runner's mixed output
    report = json.JSONDecoder().raw_decode(result.output, start)[0] if start >= 0 else {}
    return result.exit_code, report, result.output


def _partner_rbac(emulator, role: str | None = None) -> list[dict]:
    return [
        a
        for a in emulator.control.arm_role_assignments()
        if a["properties"]["principalId"] in (ADMIN_AGENTS, HELPDESK_AGENTS)
        and (role is None or a["properties"]["roleDefinitionId"].endswith(role))
    ]


def _lighthouse(emulator) -> list[dict]:
    return emulator.control.state()["arm"]["registration_assignments"]


def _relationship(emulator, relationship_id: str) -> str:
    return next(r for r in emulator.control.state()["gdap"]["relationships"] if r["id"] == relationship_id)["status"]


def _delegate(emulator, subscription: str) -> None:
    """A Lighthouse delegation of the subscription to the partner (HelpdeskAgents as Reader)."""
    definition = "d1000000-0000-4000-8000-000000000001"
    emulator.control.arm_seed(
        {
            "registration_definitions": [
                {
                    "scope": f"/subscriptions/{subscription}",
                    "id": definition,
                    "registrationDefinitionName": "Partner support",
                    "managedByTenantId": PARTNER,
                    "authorizations": [{"principalId": HELPDESK_AGENTS, "roleDefinitionId": READER}],
                }
            ],
            "registration_assignments": [
                {
                    "scope": f"/subscriptions/{subscription}",
                    "id": "d2000000-0000-4000-8000-000000000001",
                    "registrationDefinitionId": definition,
                }
            ],
        }
    )


# -- 1. a later run never claims COMPLETE while grants remain --------------------------------------------
def test_only_lighthouse_after_only_rbac_is_not_complete_while_the_delegation_remains(cli):  # noqa: F811
    run, emulator, _, _, subscriptions = cli
    _delegate(emulator, subscriptions[0])

    first, _, output = _revoke(run, "--only", "rbac", "--apply")
    assert first in (0, 5), output
    assert _partner_rbac(emulator, OWNER) == []  # the partner's view of both subscriptions is gone with it

    code, report, output = _revoke(run, "--only", "lighthouse", "--apply")
    assert _lighthouse(emulator), "the delegation is still there"
    assert code == 5 and report["status"] == "incomplete", output
    assert "COMPLETE" not in output.replace("INCOMPLETE", "")
    named = [u for u in report["unverified"] if subscriptions[0].lower() in u]
    assert named and "seen by an earlier revoke" in named[0] and "az managedservices assignment list" in named[0]


def test_only_rbac_after_only_delegated_admin_names_the_subscriptions_it_can_no_longer_read(cli):  # noqa: F811
    run, emulator, _, relationship_id, subscriptions = cli
    emulator.control.arm_add_role_assignment(f"/subscriptions/{subscriptions[1]}", HELPDESK_AGENTS, "Contributor")

    first, _, output = _revoke(run, "--only", "gdap,dap", "--apply")
    assert first in (0, 5), output
    assert _relationship(emulator, relationship_id) != "active"

    code, report, output = _revoke(run, "--only", "rbac", "--apply")
    assert len(_partner_rbac(emulator)) == 3  # two Owners and the Contributor: out of the partner's reach now
    assert code == 5 and report["status"] == "incomplete", output
    assert "nothing planned is known to remain" not in output
    for subscription in subscriptions:
        named = [u for u in report["unverified"] if subscription.lower() in u]
        assert named and "az role assignment list --scope /subscriptions/" in named[0], report["unverified"]


# -- 2. the partner never cuts the branch it sits on -----------------------------------------------------
@pytest.mark.parametrize("fault", ["fail", "lie", "listing"])
def test_a_removal_not_proven_keeps_the_owner_there_and_gdap_and_resume_finishes(cli, fault):  # noqa: F811
    run, emulator, _, relationship_id, subscriptions = cli
    scope = f"/subscriptions/{subscriptions[0]}"
    helpdesk = emulator.control.arm_add_role_assignment(f"{scope}/resourceGroups/app", HELPDESK_AGENTS, "Contributor")
    if fault == "listing":  # the subscription's listing fails after the audit read it (the read-back before cuts)
        rule = emulator.control.add_fault(
            f"/arm{scope}/providers/Microsoft.Authorization/roleAssignments",
            method="GET",
            status=500,
            after=1,
            times=None,
        )
    else:
        rule = emulator.control.add_fault(
            f"/arm{helpdesk['id']}",
            method="DELETE",
            times=None,
            **({"status": 500} if fault == "fail" else {"lie": True}),
        )

    code, report, output = _revoke(run, "--apply")
    owners = [a for a in _partner_rbac(emulator, OWNER) if a["id"].lower().startswith(scope.lower() + "/")]
    assert owners, "the partner's Owner in the subscription it could not prove clean is kept"
    assert _relationship(emulator, relationship_id) == "active", "GDAP is kept while a removal is unproven"
    assert code == 1 and report["status"] == "failed", output
    held = [o for o in report["outcomes"] if o["outcome"] == "failed" and "--resume" in o["message"]]
    assert {o["grant"]["kind"] for o in held} >= {"rbac", "gdap-relationship"}, report["outcomes"]

    emulator.control.remove_fault(rule["id"])
    code, report, output = _revoke(run, "--resume")
    assert _partner_rbac(emulator) == []
    assert _relationship(emulator, relationship_id) in ("terminationRequested", "terminating", "terminated")
    assert code in (0, 5), output


# -- 3. a journal with bytes that are not UTF-8 ------------------------------------------------------------
def test_an_outcome_log_with_bytes_that_are_not_utf8_is_an_error_naming_file_and_line(tmp_path):
    journal = Journal(tmp_path)
    journal.start("3a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d", PARTNER, [])
    journal.log_path.write_bytes(b'{"run": "x", "id": "a", "outcome": "removed"}\n{"id": "\xff\xfe"}\n')
    with pytest.raises(JournalError) as caught:
        Journal(tmp_path).load()
    assert f"{journal.log_path}, line 2: not UTF-8 text" in str(caught.value)
    # A crash may tear the last line in the middle of a character: that line alone is skipped.
    journal.log_path.write_bytes(b'{"run": "x", "id": "a", "outcome": "removed"}\n{"id": "\xc3')
    assert Journal(tmp_path).load().outcomes == {}


def test_resume_over_such_a_journal_exits_2_with_the_file_and_line_and_no_traceback(cli):  # noqa: F811
    run = cli[0]
    code, _, output = _revoke(run, "--only", "rbac", "--apply")
    assert code in (0, 5), output
    log = Journal(_journal_dir()).log_path
    log.write_bytes(log.read_bytes() + b"\xff\n" + b'{"id": "x"}\n')
    code, _, output = _revoke(run, "--resume")
    assert code == 2, output
    assert "line" in output and "not UTF-8 text" in output and "Traceback" not in output


def _journal_dir():
    from pathlib import Path

    return Path(".dapctl") / "contoso"
