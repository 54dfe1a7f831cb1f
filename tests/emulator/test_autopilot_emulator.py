"""Partner Center's Autopilot routes over real HTTP through AutopilotClient: uploads as jobs that progress on the
emulator clock with per-device errors, who may change which device, profiles and their assignment."""

from __future__ import annotations

import pytest

from azure_http import EmulatorTokens, Endpoints, Forbidden, NotFound, Unauthorized
from azure_http.autopilot import AutopilotClient
from azure_http.errors import BadRequest
from catalog import directory_role_id
from tests.arm_scenario import CONTOSO, FABRIKAM, fast_retry, scenario
from tests.helpers import VirtualTime

pytestmark = pytest.mark.anyio

OTHER_PARTNER = "7a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d"
SOMEONE_ELSE = "9f8e7d6c-5b4a-4c3d-9e2f-1a0b9c8d7e6f"


def hashed(n: int) -> dict:
    return {"hardwareHash": f"T0H{n:05d}AAAAAA==", "serialNumber": f"SN{n:05d}"}


@pytest.fixture
def world(emulator):
    emulator.control.reset(scenario())
    return emulator


@pytest.fixture
def time() -> VirtualTime:
    return VirtualTime()


def autopilot(world, time: VirtualTime | None = None, tokens=None) -> AutopilotClient:
    time = time or VirtualTime()
    return AutopilotClient(
        tokens or EmulatorTokens(), Endpoints.emulator(world.url), retry=fast_retry(), sleep=time, clock=time.now
    )


async def done(client: AutopilotClient, customer: str, tracking: str) -> dict:
    """The job once finished (at once: the emulator's job delay is 0 unless a test sets it)."""
    return await client.wait_for_job(customer, tracking, timeout=1, interval=1)


def give_gdap(world, customer: str, role: str = "Directory Readers") -> None:
    world.control.seed_relationship(
        displayName=f"gdap-{customer[:8]}-{role}",
        customer={"tenantId": customer},
        roles=[directory_role_id(role)],
        status="active",
    )


async def test_an_upload_of_hundreds_is_a_job_that_ends_with_per_device_errors(world, time) -> None:
    world.control.settings(autopilot_job_delay=600)
    world.control.autopilot_register_elsewhere([hashed(n) for n in range(10)], SOMEONE_ELSE)  # 808
    world.control.autopilot_add_devices(CONTOSO, [hashed(n) for n in range(10, 15)])  # the customer's: 806
    devices = [hashed(n) for n in range(300)] + [hashed(299)]  # and one twice in the same upload: 806
    async with autopilot(world, time) as client:
        tracking = await client.upload(CONTOSO, "contoso-2026-11", devices)
        assert (await client.job_status(CONTOSO, tracking))["status"] == "queued"
        world.control.advance(400)
        job = await client.job_status(CONTOSO, tracking)
        assert job["status"] == "processing" and "errorCode" not in job["devicesStatus"][0]
        assert len(await client.list_devices(CONTOSO)) == 5  # nothing of the upload yet: only the customer's
        world.control.advance(200)
        job = await client.wait_for_job(CONTOSO, tracking, timeout=60, interval=5)
        assert time.delays == []  # finished at the first look
        listed = await client.list_devices(CONTOSO)
    assert job["status"] == "finished_with_errors"
    errors = {
        d["serialNumber"]: (d["errorCode"], d["errorDescription"]) for d in job["devicesStatus"] if "errorCode" in d
    }
    assert {s for s, e in errors.items() if e == ("808", "ZtdDeviceAssignedToOtherTenant")} == {
        f"SN{n:05d}" for n in range(10)
    }
    assert {s for s, e in errors.items() if e == ("806", "ZtdDeviceAlreadyAssigned")} == {
        *(f"SN{n:05d}" for n in range(10, 15)),
        "SN00299",
    }
    assert len(job["devicesStatus"]) == 301
    partner_devices = [d for d in listed if d["batchId"] == "contoso-2026-11"]
    assert len(partner_devices) == 285 and {d["uploadedBy"] for d in partner_devices} == {
        world.state.settings.partner_tenant_id
    }


async def test_waiting_for_a_job_polls_until_it_ends_and_never_past_its_limit(world, time) -> None:
    world.control.settings(autopilot_job_delay=3600)
    async with autopilot(world, time) as client:
        tracking = await client.upload(CONTOSO, "slow", [hashed(1)])
        with pytest.raises(TimeoutError, match="still 'queued'"):
            await client.wait_for_job(CONTOSO, tracking, timeout=60, interval=20)
    assert time.delays == [20, 20, 20]


async def test_the_same_batch_twice_and_bad_devices_are_refused(world) -> None:
    async with autopilot(world) as client:
        await client.upload(CONTOSO, "b1", [hashed(1)])
        with pytest.raises(Exception, match="already exists") as conflict:
            await client.upload(CONTOSO, "B1", [hashed(2)])
        assert conflict.value.status == 409
        with pytest.raises(BadRequest, match="hardwareHash, a productKey, or serialNumber"):
            await client.upload(CONTOSO, "b2", [{"serialNumber": "only-a-serial"}])
        with pytest.raises(BadRequest, match="non-empty"):
            await client.upload(CONTOSO, "b3", [])
    assert world.control.state()["autopilot"][CONTOSO]["batches"][0]["id"] == "b1"


async def test_partner_center_serves_only_the_partner_and_its_customers(world) -> None:
    async with autopilot(world, tokens=EmulatorTokens(home_tenant_id=CONTOSO)) as client:  # a customer's token
        with pytest.raises(Unauthorized):
            await client.list_batches(CONTOSO)
    async with autopilot(world) as client:
        with pytest.raises(NotFound) as unknown:
            await client.list_batches("00000000-0000-4000-8000-0000000000aa")
    assert unknown.value.code == "600"  # Partner Center's number for an unknown customer


async def test_who_may_change_which_device(world) -> None:
    world.control.autopilot_add_devices(CONTOSO, [hashed(1)])  # the customer's own (Intune)
    world.control.autopilot_add_devices(CONTOSO, [hashed(2)], added_by=OTHER_PARTNER)
    async with autopilot(world) as client:
        await done(client, CONTOSO, await client.upload(CONTOSO, "ours", [hashed(3)]))
        devices = {d["serialNumber"]: d for d in await client.list_devices(CONTOSO)}
        assert devices["SN00001"]["uploadedBy"] == CONTOSO and devices["SN00002"]["uploadedBy"] == OTHER_PARTNER
        # Partner Center's rules, as the API shows them: the customer's own device allows this partner only GET.
        assert devices["SN00001"]["allowedOperations"] == ["GET"]
        assert (
            devices["SN00002"]["allowedOperations"]
            == devices["SN00003"]["allowedOperations"]
            == [
                "GET",
                "PATCH",
                "DELETE",
            ]
        )

        # Without GDAP (Directory Readers), no device may be changed, not even the partner's own.
        with pytest.raises(Forbidden, match="Directory Readers"):
            await client.delete_device(CONTOSO, "ours", devices["SN00003"]["id"])
        give_gdap(world, CONTOSO, "Helpdesk Administrator")
        with pytest.raises(Forbidden, match="Directory Readers"):
            await client.delete_device(CONTOSO, "ours", devices["SN00003"]["id"])
        give_gdap(world, CONTOSO)

        # The customer's device: never. Another partner's and its own: yes.
        with pytest.raises(Forbidden, match="added by the customer"):
            await client.delete_device(CONTOSO, devices["SN00001"]["batchId"], devices["SN00001"]["id"])
        await client.delete_device(CONTOSO, devices["SN00002"]["batchId"], devices["SN00002"]["id"])
        await client.delete_device(CONTOSO, "ours", devices["SN00003"]["id"])
        assert [d["serialNumber"] for d in await client.list_devices(CONTOSO)] == ["SN00001"]
        # A removed device may be registered again.
        job = await client.wait_for_job(
            CONTOSO, await client.upload(CONTOSO, "again", [hashed(3)]), timeout=1, interval=1
        )
    assert job["status"] == "finished"


async def test_the_older_rules_without_gdap(world) -> None:
    world.control.settings(autopilot_requires_gdap=False)
    async with autopilot(world) as client:
        await done(client, CONTOSO, await client.upload(CONTOSO, "ours", [hashed(3)]))
        [device] = await client.list_devices(CONTOSO)
        await client.delete_device(CONTOSO, "ours", device["id"])


async def test_profiles_are_created_read_updated_assigned_and_deleted(world) -> None:
    give_gdap(world, FABRIKAM)
    world.control.autopilot_add_devices(FABRIKAM, [hashed(9)])
    async with autopilot(world) as client:
        created = await client.create_policy(FABRIKAM, "Kiosk", ["skip_eula", "skip_express_settings"], "front desk")
        assert created["category"] == "o_o_b_e" and created["attributes"]["objectType"] == "ConfigurationPolicy"
        assert [p["name"] for p in await client.list_policies(FABRIKAM)] == ["Kiosk"]
        updated = await client.update_policy(FABRIKAM, created["id"], "Kiosk", ["skip_eula"], "front desk")
        assert updated["policySettings"] == ["skip_eula"] and updated["createdDate"] == created["createdDate"]
        with pytest.raises(BadRequest, match="policySettings"):
            await client.create_policy(FABRIKAM, "Bad", ["format_c"], None)

        await client.wait_for_job(
            FABRIKAM, await client.upload(FABRIKAM, "ours", [hashed(1), hashed(2)]), timeout=1, interval=1
        )
        devices = {d["serialNumber"]: d for d in await client.list_devices(FABRIKAM)}
        ours = [devices["SN00001"]["id"], devices["SN00002"]["id"]]
        job = await client.wait_for_job(
            FABRIKAM, await client.assign_profiles(FABRIKAM, dict.fromkeys(ours, created["id"])), timeout=1, interval=1
        )
        assert job["status"] == "finished"
        assert (await client.get_policy(FABRIKAM, created["id"]))["devicesAssigned"] == 2
        with pytest.raises(Forbidden, match="added by the customer"):
            await client.assign_profiles(FABRIKAM, {devices["SN00009"]["id"]: created["id"]})
        await client.wait_for_job(
            FABRIKAM, await client.assign_profiles(FABRIKAM, {ours[0]: None}), timeout=1, interval=1
        )
        assert (await client.get_policy(FABRIKAM, created["id"]))["devicesAssigned"] == 1

        await client.delete_policy(FABRIKAM, created["id"])
        with pytest.raises(NotFound):
            await client.get_policy(FABRIKAM, created["id"])
        assert all(not d["policies"] for d in await client.list_devices(FABRIKAM))


#: The Device of the REST reference (learn.microsoft.com/rest/api/partner-center/device-deployment/get-devices,
#: Microsoft.Partner.Providers.Contracts.V1.Device), less ``links`` (the emulator sends none).
DOCUMENTED_DEVICE = {
    "allowedOperations",
    "attributes",
    "hardwareHash",
    "id",
    "modelName",
    "oemManufacturerName",
    "policies",
    "productKey",
    "serialNumber",
    "uploadedBy",
    "uploadedDate",
}
#: DeviceUploadDetails (partner-center/developer/device-deployment-resources).
DOCUMENTED_UPLOAD_DETAILS = {
    "deviceId",
    "serialNumber",
    "productKey",
    "status",
    "errorCode",
    "errorDescription",
    "attributes",
}


async def test_devices_job_status_and_profiles_have_the_documented_shape(world) -> None:
    world.control.settings(autopilot_job_delay=10)
    world.control.autopilot_add_devices(CONTOSO, [hashed(1)])
    async with autopilot(world) as client:
        tracking = await client.upload(CONTOSO, "ours", [hashed(2), hashed(1)])
        running = await client.job_status(CONTOSO, tracking)
        world.control.advance(10)
        finished = await client.job_status(CONTOSO, tracking)
        devices = await client.list_devices(CONTOSO)
        created = await client.request(
            "POST",
            f"v1/customers/{CONTOSO}/policies",
            json={"name": "Kiosk", "category": "o_o_b_e", "policySettings": ["skip_eula"]},
        )
    assert all(set(d) - {"batchId"} == DOCUMENTED_DEVICE for d in devices)  # no createdBy on a device
    assert {d["status"] for d in running["devicesStatus"]} == {"in-progress"}
    assert all(set(d) <= DOCUMENTED_UPLOAD_DETAILS for d in running["devicesStatus"] + finished["devicesStatus"])
    registered, refused = finished["devicesStatus"]
    assert registered["status"] == "finished" and registered["deviceId"] in {d["id"] for d in devices}
    assert refused["status"] == "finished_with_errors" and refused["errorCode"] == "806"
    assert created.status_code == 200  # REST reference "Create Policies": 200 with the new policy


async def test_devices_are_listed_100_a_page_and_the_client_reads_every_page(world) -> None:
    """ "The collection contains 100 devices in a page. To retrieve the next page of 100 devices, the
    continuationToken in the response body must be included in the subsequent request as an MS-ContinuationToken
    header" (partner-center/developer/get-a-list-of-devices-for-the-specified-batch-and-customer)."""
    async with autopilot(world) as client:
        await done(client, CONTOSO, await client.upload(CONTOSO, "big", [hashed(n) for n in range(500)]))
        first = await client.get_json(f"v1/customers/{CONTOSO}/deviceBatches/big/devices")
        world.control.clear_requests()
        listed = await client.list_devices(CONTOSO)
    assert len(first["items"]) == 100 and isinstance(first["continuationToken"], str)
    assert sorted(d["serialNumber"] for d in listed) == [f"SN{n:05d}" for n in range(500)]
    pages = world.control.requests(f"/partnercenter/v1/customers/{CONTOSO}/deviceBatches/big/devices", "GET")
    assert len(pages) == 5


@pytest.mark.parametrize("role", ["Intune Administrator", "Cloud Device Administrator", "User Administrator"])
async def test_any_gdap_role_partner_center_names_for_autopilot_lets_the_partner_manage_devices(world, role) -> None:
    """ "Required GDAP roles" (learn.microsoft.com/partner-center/customers/autopilot): Intune Administrator, Cloud
    Device Administrator, Windows 365 Administrator, Directory Readers, Global Reader, User Administrator,
    Privileged Role Administrator, Directory Writers. The toolkit's rules agree with the service."""
    from autopilot.rules import Delegation, Operation, Origin, decide

    give_gdap(world, CONTOSO, role)
    async with autopilot(world) as client:
        await done(client, CONTOSO, await client.upload(CONTOSO, "ours", [hashed(3)]))
        [device] = await client.list_devices(CONTOSO)
        await client.delete_device(CONTOSO, "ours", device["id"])
        assert await client.list_devices(CONTOSO) == []
    allowed = decide(
        Operation.DEVICE_REMOVE,
        Delegation(reseller=True, gdap_roles=frozenset({directory_role_id(role)})),
        Origin.THIS_PARTNER,
    )
    assert allowed.allowed, allowed
