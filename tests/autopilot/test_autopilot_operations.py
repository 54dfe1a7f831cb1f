"""Autopilot operations against the emulator: a few hundred devices uploaded with some failing (explained per
device), verified by reading back; removal and assignment within the rules; the device CSV reader; the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from autopilot.delegation import read_delegation
from autopilot.device_csv import DeviceCsvError, read_device_csv
from autopilot.operations import (
    EXIT_FINDINGS,
    EXIT_INCOMPLETE,
    EXIT_OK,
    assign,
    inventory,
    origin_of,
    remove,
    upload,
)
from autopilot.rules import Delegation, Origin, Switches
from azure_http import EmulatorTokens, Endpoints, GraphClient
from azure_http.autopilot import AutopilotClient
from catalog import directory_role_id
from emulator.core.state import DEFAULT_PARTNER_TENANT_ID as PARTNER
from tests.arm_scenario import CONTOSO, fast_retry, scenario
from tests.helpers import REPO, EmulatorTime
from tests.support.cli import dapctl

pytestmark = pytest.mark.anyio
OTHER_PARTNER = "7a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d"
HEADER = "Device Serial Number,Windows Product ID,Hardware Hash,Group Tag\n"


def device(n: int) -> dict:
    return {"serialNumber": f"SN{n:05d}", "hardwareHash": f"T0H{n:05d}AAAAAA=="}


def write_csv(path: Path, numbers, group_tag: str = "") -> Path:
    lines = [f"SN{n:05d},,T0H{n:05d}AAAAAA==,{group_tag}\n" for n in numbers]
    path.write_text(HEADER + "".join(lines), encoding="utf-8")
    return path


@pytest.fixture
def world(emulator):
    emulator.control.reset(scenario())
    return emulator


def clients(world):
    time = EmulatorTime(world)
    endpoints = Endpoints.emulator(world.url)
    pc = AutopilotClient(EmulatorTokens(), endpoints, retry=fast_retry(), sleep=time, clock=time.now)
    return pc, GraphClient(EmulatorTokens(), endpoints, retry=fast_retry())


def give_gdap(world) -> None:
    world.control.seed_relationship(
        displayName="contoso-devices",
        customer={"tenantId": CONTOSO},
        roles=[directory_role_id("Directory Readers")],
        status="active",
    )


async def test_an_upload_of_hundreds_with_failures_is_explained_and_verified(world, tmp_path) -> None:
    world.control.settings(autopilot_job_delay=30)
    world.control.autopilot_register_elsewhere([device(n) for n in range(7)])
    world.control.autopilot_add_devices(CONTOSO, [device(n) for n in range(7, 10)])
    rows = read_device_csv(write_csv(tmp_path / "laptops.csv", range(320), group_tag="Sales")).rows
    pc, graph = clients(world)
    async with pc, graph:
        delegation = await read_delegation(pc, graph, CONTOSO)
        dry = await upload(pc, CONTOSO, rows, delegation, batch_prefix="laptops", apply=False)
        assert dry.counts() == {"would register": 317, "already registered": 3} and dry.exit_code == EXIT_OK
        assert [b["id"] for b in await pc.list_batches(CONTOSO)] == ["customer-1"]  # the dry run sent nothing
        run = await upload(pc, CONTOSO, rows, delegation, batch_prefix="laptops", apply=True, chunk_size=100)
        batches = {b["id"] for b in await pc.list_batches(CONTOSO)}
    assert run.counts() == {"failed": 7, "already registered": 3, "registered": 310}
    assert run.exit_code == EXIT_FINDINGS
    failed = {o.device: o.detail for o in run.outcomes if o.outcome == "failed"}
    assert all(
        "ZtdDeviceAssignedToOtherTenant (808): registered to another organisation" in failed[f"SN{n:05d}"]
        for n in range(7)
    )
    # The customer's own registrations of three of them: already there, nothing to do, not a failure.
    assert {o.device for o in run.outcomes if o.outcome == "already registered"} == {"SN00007", "SN00008", "SN00009"}
    assert {"laptops-1", "laptops-2", "laptops-3", "laptops-4"} <= batches  # 317 devices in batches of 100


async def test_an_upload_not_seen_in_the_listing_is_not_confirmed(world, tmp_path) -> None:
    """Partner Center says the job finished without errors, but the devices never show: not success."""
    world.control.settings(autopilot_drop_uploads=True)
    rows = read_device_csv(write_csv(tmp_path / "one.csv", [1, 2])).rows
    pc, graph = clients(world)
    async with pc, graph:
        delegation = await read_delegation(pc, graph, CONTOSO)
        run = await upload(pc, CONTOSO, rows, delegation, batch_prefix="one", apply=True)
    assert run.counts() == {"not confirmed": 2} and run.exit_code == EXIT_INCOMPLETE
    assert "not listed" in run.outcomes[0].detail


async def test_a_dropped_upload_is_not_taken_for_another_device_with_the_same_serial_number(world, tmp_path) -> None:
    """Issue 21.7: the customer already has a device with serial SN00001 (another machine: another hash). An upload
    of SN00001 with its own hash that Partner Center silently drops is not "registered": the read-back matches by
    the hardware hash that was uploaded, never by serial number alone."""
    world.control.autopilot_add_devices(CONTOSO, [{"serialNumber": "SN00001", "hardwareHash": "T0HOTHERMACHINE="}])
    world.control.settings(autopilot_drop_uploads=True)
    rows = read_device_csv(write_csv(tmp_path / "one.csv", [1])).rows
    pc, graph = clients(world)
    async with pc, graph:
        delegation = await read_delegation(pc, graph, CONTOSO)
        run = await upload(pc, CONTOSO, rows, delegation, batch_prefix="one", apply=True)
    assert run.counts() == {"not confirmed": 1} and run.exit_code == EXIT_INCOMPLETE


async def test_a_rerun_of_the_same_upload_is_idempotent(world, tmp_path) -> None:
    """Issue 21.7: running the same upload again registers nothing twice, fails nothing and needs no new batch
    name; a third upload with more devices takes the next free batch name."""
    pc, graph = clients(world)
    csv = write_csv(tmp_path / "laptops.csv", range(5))
    async with pc, graph:
        delegation = await read_delegation(pc, graph, CONTOSO)
        first = await upload(pc, CONTOSO, read_device_csv(csv).rows, delegation, batch_prefix="laptops", apply=True)
        again = await upload(pc, CONTOSO, read_device_csv(csv).rows, delegation, batch_prefix="laptops", apply=True)
        more = write_csv(tmp_path / "laptops.csv", range(7))
        third = await upload(pc, CONTOSO, read_device_csv(more).rows, delegation, batch_prefix="laptops", apply=True)
        batches = sorted(b["id"] for b in await pc.list_batches(CONTOSO))
        devices = await pc.list_devices(CONTOSO)
    assert first.counts() == {"registered": 5} and first.exit_code == EXIT_OK
    assert again.counts() == {"already registered": 5} and again.exit_code == EXIT_OK
    assert third.counts() == {"already registered": 5, "registered": 2} and third.exit_code == EXIT_OK
    assert batches == ["laptops-1", "laptops-2"] and len(devices) == 7


def test_ownership_is_decided_from_the_documented_device_fields() -> None:
    """Issue 22.2: the documented Device has ``uploadedBy`` and ``allowedOperations`` and no ``createdBy``."""
    every = ["GET", "PATCH", "DELETE"]
    assert origin_of({"uploadedBy": PARTNER, "allowedOperations": every}, PARTNER, CONTOSO) is Origin.THIS_PARTNER
    assert origin_of({"uploadedBy": OTHER_PARTNER, "allowedOperations": every}, PARTNER, CONTOSO) is (
        Origin.OTHER_PARTNER
    )
    # Partner Center lets this partner only read it: a device the partner may not manage, whoever uploaded it.
    assert origin_of({"uploadedBy": PARTNER, "allowedOperations": ["GET"]}, PARTNER, CONTOSO) is Origin.CUSTOMER
    assert origin_of({"uploadedBy": PARTNER.upper()}, PARTNER, CONTOSO) is Origin.THIS_PARTNER
    assert origin_of({"createdBy": PARTNER}, PARTNER, CONTOSO) is Origin.CUSTOMER  # an undocumented field: ignored


async def test_remove_and_assign_follow_the_rules_and_read_back(world) -> None:
    give_gdap(world)
    world.control.autopilot_add_devices(CONTOSO, [device(1)])  # the customer's
    world.control.autopilot_add_devices(CONTOSO, [device(2)], added_by=OTHER_PARTNER)
    pc, graph = clients(world)
    async with pc, graph:
        await pc.wait_for_job(CONTOSO, await pc.upload(CONTOSO, "ours", [device(3), device(4)]), timeout=1, interval=1)
        await pc.create_policy(CONTOSO, "Standard", ["skip_eula"], None)
        delegation = await read_delegation(pc, graph, CONTOSO)
        seed_rules = Switches()

        assigned = await assign(
            pc,
            CONTOSO,
            PARTNER,
            delegation,
            seed_rules,
            profile="Standard",
            devices=["SN00001", "SN00003", "SN00404"],
            apply=True,
        )
        assert {(o.device, o.outcome) for o in assigned.outcomes} == {
            ("SN00001", "refused"),
            ("SN00003", "assigned"),
            ("SN00404", "failed"),
        }
        assert "Microsoft Store for Business" in next(o.detail for o in assigned.outcomes if o.device == "SN00001")

        strict = Switches(
            require_delegated_admin_to_remove_others_devices=True, require_gdap_for_device_management=False
        )
        reseller_only = Delegation(reseller=True)
        others = await remove(pc, CONTOSO, PARTNER, reseller_only, strict, devices=["SN00002", "SN00003"], apply=False)
        assert {(o.device, o.outcome) for o in others.outcomes} == {("SN00002", "refused"), ("SN00003", "would remove")}
        own = await remove(pc, CONTOSO, PARTNER, delegation, seed_rules, devices=None, apply=False)
        assert {(o.device, o.outcome) for o in own.outcomes} == {
            ("SN00003", "would remove"),
            ("SN00004", "would remove"),
        }
        removed = await remove(pc, CONTOSO, PARTNER, delegation, seed_rules, devices=["SN00003", "SN00001"], apply=True)
        assert {(o.device, o.outcome) for o in removed.outcomes} == {("SN00003", "removed"), ("SN00001", "refused")}
        assert removed.exit_code == EXIT_FINDINGS
        left = {d["serialNumber"]: d for d in await inventory(pc, CONTOSO, PARTNER)}
    assert set(left) == {"SN00001", "SN00002", "SN00004"}
    assert left["SN00001"]["origin"].startswith("the customer") and left["SN00002"]["origin"] == "another partner"


async def test_without_gdap_every_device_change_is_refused_before_any_call(world) -> None:
    world.control.autopilot_add_devices(CONTOSO, [device(2)], added_by=OTHER_PARTNER)
    pc, graph = clients(world)
    async with pc, graph:
        delegation = await read_delegation(pc, graph, CONTOSO)
        world.control.clear_requests()
        run = await remove(pc, CONTOSO, PARTNER, delegation, Switches(), devices=["SN00002"], apply=True)
    assert [o.outcome for o in run.outcomes] == ["refused"] and "Directory Readers" in run.outcomes[0].detail
    sent = [(r["method"], r["path"]) for r in world.control.requests("/partnercenter")]
    assert {method for method, _ in sent} == {"GET"}, sent  # listed, nothing deleted


def test_device_csv_errors_name_the_line_and_nothing_is_half_read(tmp_path) -> None:
    good = write_csv(tmp_path / "ok.csv", [1, 2], group_tag="Kiosk")
    listed = read_device_csv(good)
    assert [r.label for r in listed.rows] == ["SN00001", "SN00002"] and "Group Tag" in listed.notes[0]
    utf16 = tmp_path / "ps.csv"
    utf16.write_bytes(good.read_text().encode("utf-16"))
    assert len(read_device_csv(utf16).rows) == 2
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "SN1,,,\nSN2,,SEFTSDI=,\nSN3,,SEFTSDI=,\nSN4,,not-base64!!,\n")
    with pytest.raises(DeviceCsvError) as caught:
        read_device_csv(bad)
    assert "line 2: needs a Hardware Hash" in str(caught.value) and "line 4: the same device as line 3" in str(
        caught.value
    )
    assert "line 5: the Hardware Hash is not base64" in str(caught.value)
    (tmp_path / "x.csv").write_text("Serial,Hash\n1,2\n")
    with pytest.raises(DeviceCsvError, match="unknown column"):
        read_device_csv(tmp_path / "x.csv")
    with pytest.raises(DeviceCsvError, match="cannot be read"):
        read_device_csv(tmp_path / "missing.csv")


def test_the_cli_dry_runs_then_uploads_and_lists(world, tmp_path) -> None:
    world.control.load_scenario(REPO / "emulator" / "worlds" / "scenarios" / "dev.yaml")
    csv = write_csv(tmp_path / "batch.csv", [1, 2, 3])
    dry = dapctl("autopilot", "upload", "contoso", str(csv), "--json", endpoint=world.url)
    assert dry.returncode == EXIT_OK, dry.stderr
    assert json.loads(dry.stdout)["counts"] == {"would register": 3}
    done = dapctl("autopilot", "upload", "contoso", str(csv), "--apply", "--yes", endpoint=world.url)
    assert done.returncode == EXIT_OK, done.stderr
    assert "3 registered" in done.stdout and "Traceback" not in done.stderr
    listed = dapctl("autopilot", "devices", "contoso", "--json", endpoint=world.url)
    devices = json.loads(listed.stdout)["devices"]
    assert sorted(d["serialNumber"] for d in devices) == ["SN00001", "SN00002", "SN00003"]
    assert {d["origin"] for d in devices} == {"this partner"}
    bad = dapctl("autopilot", "upload", "contoso", str(tmp_path / "nope.csv"), endpoint=world.url)
    assert bad.returncode == 2 and "cannot be read" in bad.stderr and "Traceback" not in bad.stderr
    usage = dapctl("autopilot", "remove", "contoso", endpoint=world.url)
    assert usage.returncode == 2 and "--device" in usage.stderr


def test_the_audit_lists_autopilot_devices_and_revocation_says_it_leaves_them(world, tmp_path) -> None:
    world.control.load_scenario(REPO / "emulator" / "worlds" / "scenarios" / "dev.yaml")
    contoso = next(
        c for c in world.control.state()["partner_center"]["customers"] if "contoso" in c["companyProfile"]["domain"]
    )
    world.control.autopilot_add_devices(contoso["id"], [device(1)])
    world.control.autopilot_add_devices(
        contoso["id"], [{"serialNumber": "<b>x</b>", "productKey": "PK-1"}], added_by=OTHER_PARTNER
    )
    audit = dapctl("audit", "contoso", "-f", "json", endpoint=world.url)
    assert audit.returncode in (0, 3), audit.stderr
    listed = {d["serialNumber"]: d["origin"] for d in json.loads(audit.stdout)["autopilot"]}
    assert listed == {
        "SN00001": "the customer (Microsoft Store for Business / Education or Intune)",
        "<b>x</b>": "another partner",
    }
    markdown = dapctl("audit", "contoso", "-f", "markdown", endpoint=world.url).stdout
    assert "## Windows Autopilot devices (2)" in markdown and "revocation leaves them" in markdown
    html = dapctl("audit", "contoso", "-f", "html", endpoint=world.url).stdout
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html  # a device name is untrusted input
    revoke = dapctl("revoke", "contoso", endpoint=world.url)
    assert "2 Windows Autopilot device(s) (0 added by this partner) stay registered" in revoke.stderr


def test_assigning_a_profile_that_does_not_exist_is_one_error_before_anything_is_sent(world):
    world.control.load_scenario(REPO / "emulator" / "worlds" / "scenarios" / "dev.yaml")
    result = dapctl("autopilot", "assign", "contoso", "--profile", "Standard laptop", "-d", "SN001", endpoint=world.url)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "no profile named 'Standard laptop' for this customer (its profiles: none)" in " ".join(
        result.stderr.split()
    )
    assert "--apply" not in result.stdout and "Traceback" not in result.stderr
