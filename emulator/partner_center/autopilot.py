"""Partner Center's Windows Autopilot routes under ``/partnercenter/v1/customers/{customer-id}``.

Shapes from Microsoft's Partner Center REST docs ("Device deployment"): device batches
(``GET/POST deviceBatches``; ``POST/GET deviceBatches/{batchId}/devices``; ``DELETE
deviceBatches/{batchId}/devices/{deviceId}``), upload jobs (``GET batchJobStatus/{trackingId}``: ``queued``,
``processing``, ``finished``, ``finished_with_errors``, per-device ``errorCode``/``errorDescription``),
configuration policies (``GET/POST policies``, ``GET/PUT/DELETE policies/{policyId}``, category ``o_o_b_e``)
and ``PATCH DevicePolicyUpdates``. An upload or a policy update answers 202 with ``Location:
/customers/{id}/batchJobStatus/{trackingId}``.

What decides, as in Microsoft's service:
- only the partner tenant's tokens (Partner Center serves the partner), only its CSP customers (reseller
  relationship: the customer is known to Partner Center) - 404 code 600 otherwise;
- a device is registered once: in another tenant it fails with 808 ``ZtdDeviceAssignedToOtherTenant``, in
  this tenant (or twice in one upload) with 806 ``ZtdDeviceAlreadyAssigned``;
- devices the customer added (Microsoft Store for Business / Education, Intune) are listed but cannot be
  changed or removed by the partner (403);
- with ``autopilot_requires_gdap`` (the default), changing or removing a device needs an active GDAP
  relationship for the customer holding one of the roles Partner Center names for Autopilot (403).

The Device served is the REST reference's ``Microsoft.Partner.Providers.Contracts.V1.Device``
(learn.microsoft.com/rest/api/partner-center/device-deployment/get-devices): ``id``, ``serialNumber``,
``productKey``, ``hardwareHash``, ``modelName``, ``oemManufacturerName``, ``policies``, ``uploadedBy``,
``uploadedDate``, ``allowedOperations``, ``attributes``; nothing else (no ``createdBy``: only a DeviceBatch has
one). How the partner rules show in it:

- ``allowedOperations`` is "the list of HTTP methods allowed on a device as GET, PATCH, DELETE" (the
  Partner Center .NET SDK's ``Device.AllowedOperations``, microsoft/Partner-Center-PowerShell
  ``src/PartnerCenter/Models/DevicesDeployment/Device.cs``; partner-center/developer/device-deployment-resources).
  Partner Center's rule "You can't manage devices your customer has uploaded to Microsoft Store for Business or
  the Microsoft Intune Portal" (partner-center "Use Windows Autopilot profiles ... to customize a customer's
  out-of-box experience", Autopilot profile management rules) shows as ``["GET"]`` on such a device; a device a
  partner uploaded allows ``["GET", "PATCH", "DELETE"]`` (the GDAP requirement is checked on the call itself);
- ``uploadedBy``: the REST reference types it as a string and says no more. Modelling choice: the tenant id of
  whoever uploaded the device (this partner, another partner, or the customer).

Device listings come "100 devices in a page. To retrieve the next page of 100 devices, the continuationToken in the
response body must be included in the subsequent request as an MS-ContinuationToken header"
(partner-center/developer/get-a-list-of-devices-for-the-specified-batch-and-customer).

A job's ``devicesStatus`` entries are the documented DeviceUploadDetails (partner-center/developer/
get-the-status-of-a-device-batch-upload and device-deployment-resources): ``deviceId``, ``serialNumber``,
``productKey``, ``status`` ("in-progress", "finished", "finished_with_errors"), ``errorCode``,
``errorDescription``: no hardware hash, so a device uploaded by hash alone is told apart only by reading the
customer's devices back. Creating a policy answers 200 with the policy (REST reference "Create Policies";
partner-center/developer/create-a-new-configuration-policy-for-the-specified-customer).

Modelling choices where the docs are silent (say so when relying on them): ``createdBy`` of a batch (documented
as "the name of the tenant that created the collection") is the tenant id of whoever created it; devices of an
upload appear once its job has finished on the emulator clock; an empty ``policies`` list in a
``DevicePolicyUpdates`` entry removes the device's profile; a deleted policy is removed from its devices.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from emulator.core.clock import iso
from emulator.core.state import EmulatorState
from emulator.graph.gdap_model import USABLE, status_of
from emulator.partner_center.front_door import ROOT, PartnerCenterError, continuation, encode_token, front_door

CATEGORY = "o_o_b_e"
POLICY_SETTINGS = (
    "remove_oem_preinstalls",
    "oobe_user_not_local_admin",
    "skip_express_settings",
    "skip_oem_registration",
    "skip_eula",
)
#: The GDAP roles of which Partner Center requires one for Autopilot device management ("Required GDAP roles",
#: learn.microsoft.com/partner-center/customers/autopilot): Intune Administrator, Cloud Device Administrator,
#: Windows 365 Administrator, Directory Readers, Global Reader, User Administrator, Privileged Role Administrator,
#: Directory Writers; and Global Administrator (modelling choice: it holds every permission of each of them).
DEVICE_MANAGEMENT_ROLES = frozenset(
    {
        "3a2c62db-5318-420d-8d74-23affee5d9d5",
        "7698a772-787b-4ac8-901f-60d6b08affd2",
        "11451d60-acb2-45eb-a7d6-43d0f0125c13",
        "88d8e3e3-8f55-4a1e-953a-9b9898b8876b",
        "f2ef992c-3afb-46b9-b7cf-a126ee74c451",
        "fe930be7-5e62-47db-91af-98c3a49a38b1",
        "e8611ab8-c189-46e8-94e1-60213ab1f814",
        "9360feb5-f418-4baa-8175-e2a00bac4301",
        "62e90394-69f5-4237-9190-012177145e10",
    }
)
ALREADY_ASSIGNED = ("806", "ZtdDeviceAlreadyAssigned")
OTHER_TENANT = ("808", "ZtdDeviceAssignedToOtherTenant")
IDENTITY_FIELDS = ("hardwareHash", "productKey", "serialNumber", "oemManufacturerName", "modelName")
#: "The collection contains 100 devices in a page" (Get a list of devices for the specified batch and customer).
DEVICE_PAGE = 100
#: What Partner Center lets a partner do with a device: all of it, or read only (the customer's own devices).
ALL_OPERATIONS = ["GET", "PATCH", "DELETE"]
READ_ONLY = ["GET"]


def _identity_keys(device: dict[str, Any]) -> set[str]:
    """The keys that make a device the same device, whichever way it was identified."""
    keys = set()
    if device.get("hardwareHash"):
        keys.add("hash:" + device["hardwareHash"])
    if device.get("productKey"):
        keys.add("pk:" + device["productKey"].upper())
    if device.get("serialNumber") and device.get("oemManufacturerName") and device.get("modelName"):
        keys.add(f"smm:{device['serialNumber']}|{device['oemManufacturerName']}|{device['modelName']}".lower())
    return keys


def _check_identity(index: int, device: Any) -> dict[str, Any]:
    """One uploaded device, with Partner Center's accepted combinations of identifying fields."""
    if not isinstance(device, dict):
        raise PartnerCenterError(400, 400, f"devices[{index}] must be an object.")
    fields_ = {k[0].lower() + k[1:]: v for k, v in device.items()}  # accept the SDK's PascalCase too
    values = {name: fields_.get(name) for name in IDENTITY_FIELDS}
    for name, value in values.items():
        if value is not None and (not isinstance(value, str) or len(value) > 8192):
            raise PartnerCenterError(400, 400, f"devices[{index}].{name} must be a string.")
    ok = bool(values["hardwareHash"] or values["productKey"]) or bool(
        values["serialNumber"] and values["oemManufacturerName"] and values["modelName"]
    )
    if not ok:
        raise PartnerCenterError(
            400,
            400,
            f"devices[{index}] needs a hardwareHash, a productKey, or serialNumber with oemManufacturerName and "
            "modelName.",
        )
    return {name: value for name, value in values.items() if value}


@dataclass
class Device:
    id: str
    batch_id: str
    identity: dict[str, Any]
    #: The tenant that uploaded it: this partner, another partner, or the customer itself.
    uploaded_by: str
    uploaded: datetime
    policy_id: str | None = None
    customer_added: bool = False

    def to_json(self) -> dict[str, Any]:
        policies = [{"key": CATEGORY, "value": self.policy_id}] if self.policy_id else []
        return {
            "id": self.id,
            "serialNumber": self.identity.get("serialNumber"),
            "productKey": self.identity.get("productKey"),
            "hardwareHash": self.identity.get("hardwareHash"),
            "modelName": self.identity.get("modelName"),
            "oemManufacturerName": self.identity.get("oemManufacturerName"),
            "policies": policies,
            "uploadedBy": self.uploaded_by,
            "uploadedDate": iso(self.uploaded),
            "allowedOperations": list(READ_ONLY if self.customer_added else ALL_OPERATIONS),
            "attributes": {"objectType": "Device"},
        }


@dataclass
class Job:
    id: str
    batch_id: str | None
    created_by: str
    started: datetime
    #: Each entry: the device's identity, and the error (code, description) it will end with, if any.
    items: list[tuple[dict[str, Any], tuple[str, str] | None]]
    #: For a policy update: device id -> new policy id (None removes it).
    policy_updates: dict[str, str | None] = field(default_factory=dict)
    applied: bool = False
    #: Index in ``items`` -> the id of the device it registered (once applied).
    device_ids: dict[int, str] = field(default_factory=dict)

    def status(self, now: datetime, delay: float) -> str:
        elapsed = (now - self.started).total_seconds()
        if elapsed < delay / 2:
            return "queued"
        if elapsed < delay:
            return "processing"
        return "finished_with_errors" if any(error for _, error in self.items) else "finished"


@dataclass
class Batch:
    id: str
    created_by: str
    created: datetime
    device_ids: list[str] = field(default_factory=list)


@dataclass
class CustomerAutopilot:
    batches: dict[str, Batch] = field(default_factory=dict)
    devices: dict[str, Device] = field(default_factory=dict)
    policies: dict[str, dict[str, Any]] = field(default_factory=dict)
    jobs: dict[str, Job] = field(default_factory=dict)


class AutopilotStore:
    def __init__(self) -> None:
        self.customers: dict[str, CustomerAutopilot] = {}
        #: identity key -> tenant id, for every device registered anywhere (other tenants included).
        self.registered: dict[str, str] = {}

    def of(self, customer_id: str) -> CustomerAutopilot:
        return self.customers.setdefault(customer_id.lower(), CustomerAutopilot())


class AutopilotService:
    name = "autopilot"

    def new_store(self) -> AutopilotStore:
        return AutopilotStore()

    @staticmethod
    def _store(state: EmulatorState) -> AutopilotStore:
        return state.stores["autopilot"]

    # -- the rules Partner Center applies --------------------------------------------------
    @staticmethod
    def _customer(state: EmulatorState, customer_id: str) -> str:
        state.stores["partner_center"].get(customer_id)  # 404 (600) unless a CSP customer of the partner
        return customer_id.lower()

    @staticmethod
    def _can_manage(state: EmulatorState, customer_id: str, device: Device) -> None:
        partner = state.settings.partner_tenant_id.lower()
        if device.customer_added:
            raise PartnerCenterError(
                403, 403, f"Device {device.id} was added by the customer; a partner cannot change or remove it."
            )
        if not state.settings.autopilot_requires_gdap:
            return
        now = state.clock.now()
        for rel in state.stores["gdap"].relationships.values():
            tenant = ((rel.customer or {}).get("tenantId") or "").lower()
            if tenant != customer_id or status_of(rel, now, state.settings) not in USABLE:
                continue
            if DEVICE_MANAGEMENT_ROLES & {r.lower() for r in rel.roles}:
                return
        raise PartnerCenterError(
            403,
            403,
            f"Partner {partner} has no active GDAP relationship with customer {customer_id} that includes "
            "Directory Readers (or another role Partner Center names for Autopilot): device management needs one.",
        )

    def _settle(self, state: EmulatorState, customer_id: str) -> None:
        """Apply every job of the customer that has finished on the emulator clock (lazily, on read)."""
        store, now = self._store(state), state.clock.now()
        mine = store.of(customer_id)
        for job in sorted(mine.jobs.values(), key=lambda j: j.started):
            if job.applied or job.status(now, state.settings.autopilot_job_delay) in ("queued", "processing"):
                continue
            job.applied = True
            for device_id, policy_id in job.policy_updates.items():
                if device_id in mine.devices:
                    mine.devices[device_id].policy_id = policy_id
            batch = mine.batches.get(job.batch_id or "")
            for index, (identity, error) in enumerate(job.items):
                if error is not None or batch is None or state.settings.autopilot_drop_uploads:
                    continue
                device = Device(str(uuid.uuid4()), batch.id, identity, job.created_by, job.started)
                job.device_ids[index] = device.id
                mine.devices[device.id] = device
                batch.device_ids.append(device.id)
                for key in _identity_keys(identity):
                    store.registered[key] = customer_id

    def _upload(self, state: EmulatorState, customer_id: str, batch: Batch, devices: Any) -> Job:
        if not isinstance(devices, list) or not devices:
            raise PartnerCenterError(400, 400, "devices must be a non-empty list.")
        identities = [_check_identity(i, d) for i, d in enumerate(devices)]
        store = self._store(state)
        seen: set[str] = set()
        items = []
        for identity in identities:
            keys = _identity_keys(identity)
            owners = {store.registered[k] for k in keys if k in store.registered}
            if owners - {customer_id}:
                error: tuple[str, str] | None = OTHER_TENANT
            elif owners or keys & seen:
                error = ALREADY_ASSIGNED
            else:
                error = None
            seen |= keys
            items.append((identity, error))
        job = Job(str(uuid.uuid4()), batch.id, batch.created_by, state.clock.now(), items)
        store.of(customer_id).jobs[job.id] = job
        return job

    @staticmethod
    def _accepted(customer_id: str, job: Job) -> Response:
        location = f"/customers/{customer_id}/batchJobStatus/{job.id}"
        return Response(status_code=202, headers={"Location": location})

    @staticmethod
    async def _body(request: Request) -> Any:
        try:
            return json.loads(await request.body() or b"null")
        except ValueError:
            raise PartnerCenterError(400, 400, "The request body is not valid JSON.") from None

    @staticmethod
    def _device_page(request: Request, devices: list[dict[str, Any]]) -> Response:
        """One page of 100 devices; ``continuationToken`` in the body while more follow."""
        start = continuation(request, len(devices))
        items = devices[start : start + DEVICE_PAGE]
        body: dict[str, Any] = {"totalCount": len(items), "items": items}
        if start + DEVICE_PAGE < len(devices):
            body["continuationToken"] = encode_token(start + DEVICE_PAGE)
        body["attributes"] = {"objectType": "Collection"}
        return JSONResponse(body)

    @staticmethod
    def _collection(items: list[dict[str, Any]]) -> Response:
        return JSONResponse({"totalCount": len(items), "items": items, "attributes": {"objectType": "Collection"}})

    @staticmethod
    def _policy_body(body: Any, policy_id: str, created: str | None, now: datetime) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise PartnerCenterError(400, 400, "The policy must be an object.")
        name = body.get("name")
        if not isinstance(name, str) or not name.strip() or len(name) > 256:
            raise PartnerCenterError(400, 400, "name is required (at most 256 characters).")
        if body.get("category", CATEGORY) != CATEGORY:
            raise PartnerCenterError(400, 400, f"category must be {CATEGORY!r}.")
        settings = body.get("policySettings")
        if not isinstance(settings, list) or any(s not in POLICY_SETTINGS for s in settings):
            raise PartnerCenterError(400, 400, f"policySettings must be a list of {', '.join(POLICY_SETTINGS)}.")
        description = body.get("description")
        if description is not None and (not isinstance(description, str) or len(description) > 1024):
            raise PartnerCenterError(400, 400, "description must be a string of at most 1024 characters.")
        return {
            "id": policy_id,
            "name": name,
            "category": CATEGORY,
            "description": description,
            "devicesAssigned": 0,
            "policySettings": list(dict.fromkeys(settings)),
            "createdDate": created or iso(now),
            "lastModifiedDate": iso(now),
            "attributes": {"objectType": "ConfigurationPolicy"},
        }

    def routes(self, state: EmulatorState) -> list[BaseRoute]:
        svc, partner = self, lambda: state.settings.partner_tenant_id.lower()
        base = f"{ROOT}/customers/{{customer_id}}"

        async def batches(request: Request) -> Response:
            customer_id = svc._customer(state, request.path_params["customer_id"])
            if request.method == "GET":
                with state.lock:
                    svc._settle(state, customer_id)
                    mine = svc._store(state).of(customer_id)
                    return svc._collection([svc._batch_json(customer_id, b) for b in mine.batches.values()])
            body = await svc._body(request)
            if not isinstance(body, dict) or not isinstance(body.get("batchId"), str) or not body["batchId"].strip():
                raise PartnerCenterError(400, 400, "batchId is required.")
            with state.lock:
                mine = svc._store(state).of(customer_id)
                if body["batchId"].lower() in {b.lower() for b in mine.batches}:
                    raise PartnerCenterError(409, 409, f"A device batch named {body['batchId']!r} already exists.")
                batch = Batch(body["batchId"], partner(), state.clock.now())
                job = svc._upload(state, customer_id, batch, body.get("devices"))
                mine.batches[batch.id] = batch
                return svc._accepted(customer_id, job)

        async def batch_devices(request: Request) -> Response:
            customer_id = svc._customer(state, request.path_params["customer_id"])
            with state.lock:
                svc._settle(state, customer_id)
                mine = svc._store(state).of(customer_id)
                batch = mine.batches.get(request.path_params["batch_id"])
                if batch is None:
                    raise PartnerCenterError(404, 404, f"Device batch {request.path_params['batch_id']} was not found.")
                if request.method == "GET":
                    listed = [mine.devices[d].to_json() for d in batch.device_ids if d in mine.devices]
                    return svc._device_page(request, listed)
            body = await svc._body(request)
            with state.lock:
                return svc._accepted(customer_id, svc._upload(state, customer_id, batch, body))

        async def device(request: Request) -> Response:
            customer_id = svc._customer(state, request.path_params["customer_id"])
            with state.lock:
                svc._settle(state, customer_id)
                store = svc._store(state)
                mine = store.of(customer_id)
                found = mine.devices.get(request.path_params["device_id"])
                if found is None or found.batch_id != request.path_params["batch_id"]:
                    raise PartnerCenterError(404, 404, f"Device {request.path_params['device_id']} was not found.")
                svc._can_manage(state, customer_id, found)
                del mine.devices[found.id]
                mine.batches[found.batch_id].device_ids.remove(found.id)
                for key in _identity_keys(found.identity):
                    store.registered.pop(key, None)
            return Response(status_code=204)

        async def job_status(request: Request) -> Response:
            customer_id = svc._customer(state, request.path_params["customer_id"])
            with state.lock:
                svc._settle(state, customer_id)
                job = svc._store(state).of(customer_id).jobs.get(request.path_params["tracking_id"])
                if job is None:
                    raise PartnerCenterError(404, 404, f"Batch job {request.path_params['tracking_id']} was not found.")
                return JSONResponse(svc._job_json(state, job))

        async def policies(request: Request) -> Response:
            customer_id = svc._customer(state, request.path_params["customer_id"])
            if request.method == "GET":
                with state.lock:
                    mine = svc._store(state).of(customer_id)
                    return svc._collection([svc._policy_json(mine, p) for p in mine.policies.values()])
            body = await svc._body(request)
            with state.lock:
                policy = svc._policy_body(body, str(uuid.uuid4()), None, state.clock.now())
                svc._store(state).of(customer_id).policies[policy["id"]] = policy
                return JSONResponse(policy)  # 200: REST reference "Create Policies"

        async def policy(request: Request) -> Response:
            customer_id = svc._customer(state, request.path_params["customer_id"])
            policy_id = request.path_params["policy_id"]
            body = await svc._body(request) if request.method == "PUT" else None
            with state.lock:
                mine = svc._store(state).of(customer_id)
                current = mine.policies.get(policy_id)
                if current is None:
                    raise PartnerCenterError(404, 404, f"Policy {policy_id} was not found.")
                if request.method == "GET":
                    return JSONResponse(svc._policy_json(mine, current))
                if request.method == "DELETE":
                    del mine.policies[policy_id]
                    for d in mine.devices.values():
                        if d.policy_id == policy_id:
                            d.policy_id = None
                    return Response(status_code=204)
                if isinstance(body, dict) and body.get("id", policy_id) != policy_id:
                    raise PartnerCenterError(400, 400, "The policy id cannot be changed.")
                updated = svc._policy_body(body, policy_id, current["createdDate"], state.clock.now())
                mine.policies[policy_id] = updated
                return JSONResponse(svc._policy_json(mine, updated))

        async def policy_updates(request: Request) -> Response:
            customer_id = svc._customer(state, request.path_params["customer_id"])
            body = await svc._body(request)
            entries = body.get("devices") if isinstance(body, dict) else None
            if not isinstance(entries, list) or not entries:
                raise PartnerCenterError(400, 400, "devices must be a non-empty list.")
            with state.lock:
                svc._settle(state, customer_id)
                mine = svc._store(state).of(customer_id)
                updates: dict[str, str | None] = {}
                items = []
                for index, entry in enumerate(entries):
                    if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
                        raise PartnerCenterError(400, 400, f"devices[{index}].id is required.")
                    chosen = [p for p in entry.get("policies") or [] if isinstance(p, dict)]
                    if any(p.get("key") != CATEGORY or p.get("value") not in mine.policies for p in chosen):
                        raise PartnerCenterError(400, 400, f"devices[{index}].policies names an unknown policy.")
                    found = mine.devices.get(entry["id"])
                    if found is None:
                        raise PartnerCenterError(404, 404, f"Device {entry['id']} was not found.")
                    svc._can_manage(state, customer_id, found)
                    updates[found.id] = chosen[0]["value"] if chosen else None
                    items.append((found.identity, None))
                job = Job(str(uuid.uuid4()), None, partner(), state.clock.now(), items, updates)
                job.device_ids = {index: entry["id"] for index, entry in enumerate(entries)}
                mine.jobs[job.id] = job
                return svc._accepted(customer_id, job)

        def pc(handler: Any) -> Any:
            return front_door(state, handler)

        return [
            Route(f"{base}/deviceBatches", pc(batches), methods=["GET", "POST"]),
            Route(f"{base}/deviceBatches/{{batch_id}}/devices", pc(batch_devices), methods=["GET", "POST"]),
            Route(f"{base}/deviceBatches/{{batch_id}}/devices/{{device_id}}", pc(device), methods=["DELETE"]),
            Route(f"{base}/batchJobStatus/{{tracking_id}}", pc(job_status), methods=["GET"]),
            Route(f"{base}/policies", pc(policies), methods=["GET", "POST"]),
            Route(f"{base}/policies/{{policy_id}}", pc(policy), methods=["GET", "PUT", "DELETE"]),
            Route(f"{base}/DevicePolicyUpdates", pc(policy_updates), methods=["PATCH"]),
        ]

    @staticmethod
    def _batch_json(customer_id: str, batch: Batch) -> dict[str, Any]:
        devices = f"/customers/{customer_id}/deviceBatches/{batch.id}/devices"
        return {
            "id": batch.id,
            "createdBy": batch.created_by,
            "creationDate": iso(batch.created),
            "deviceCount": len(batch.device_ids),
            "devicesLink": {"uri": devices, "method": "GET", "headers": []},
            "attributes": {"objectType": "DeviceBatch"},
        }

    @staticmethod
    def _policy_json(mine: CustomerAutopilot, policy: dict[str, Any]) -> dict[str, Any]:
        assigned = sum(1 for d in mine.devices.values() if d.policy_id == policy["id"])
        return {**policy, "devicesAssigned": assigned}

    @staticmethod
    def _job_json(state: EmulatorState, job: Job) -> dict[str, Any]:
        delay = state.settings.autopilot_job_delay
        status = job.status(state.clock.now(), delay)
        done = status.startswith("finished")
        devices = []
        for index, (identity, error) in enumerate(job.items):
            entry: dict[str, Any] = {
                "deviceId": job.device_ids.get(index),
                "serialNumber": identity.get("serialNumber"),
                "productKey": identity.get("productKey"),
                "status": ("finished_with_errors" if error else "finished") if done else "in-progress",
                "attributes": {"objectType": "DeviceUploadDetails"},
            }
            if done and error:
                entry["errorCode"], entry["errorDescription"] = error
            devices.append(entry)
        return {
            "batchTrackingId": job.id,
            "status": status,
            "startedTime": iso(job.started),
            "completedTime": iso(job.started + timedelta(seconds=delay)) if done else None,
            "devicesStatus": devices,
            "attributes": {"objectType": "BatchUploadDetails"},
        }

    # -- control, seeding, dump ----------------------------------------------------------
    def control_routes(self, state: EmulatorState) -> list[BaseRoute]:
        svc = self

        async def add_devices(request: Request) -> Response:
            """Devices added outside this partner's API calls: by the customer or by another partner."""
            body = json.loads(await request.body() or b"{}")
            try:
                with state.lock:
                    added = svc.seed_customer(state, request.path_params["customer_id"], body)
            except (ValueError, PartnerCenterError) as exc:
                return JSONResponse({"error": str(exc)}, status_code=400)
            return JSONResponse([d.to_json() for d in added], status_code=201)

        async def register_elsewhere(request: Request) -> Response:
            body = json.loads(await request.body() or b"{}")
            with state.lock:
                for device in body.get("devices") or []:
                    for key in _identity_keys(device):
                        svc._store(state).registered[key] = str(body.get("tenantId") or uuid.uuid4()).lower()
            return Response(status_code=204)

        return [
            Route("/customers/{customer_id}/devices", add_devices, methods=["POST"]),
            Route("/registered", register_elsewhere, methods=["POST"]),
        ]

    def seed_customer(self, state: EmulatorState, customer_id: str, body: dict[str, Any]) -> list[Device]:
        """``{"addedBy": "customer" | "<tenant id of another partner>", "batchId": ..., "devices": [...]}``:
        registers the devices at once (no job), as the customer or another partner did."""
        customer_id = customer_id.lower()
        added_by = str(body.get("addedBy") or "customer").lower()
        created_by = customer_id if added_by == "customer" else added_by
        by_customer = added_by == "customer"
        store, mine = self._store(state), self._store(state).of(customer_id)
        batch_id = body.get("batchId") or f"{added_by}-{len(mine.batches) + 1}"
        batch = mine.batches.setdefault(batch_id, Batch(batch_id, created_by, state.clock.now()))
        out = []
        for index, raw in enumerate(body.get("devices") or []):
            identity = _check_identity(index, raw)
            device = Device(str(uuid.uuid4()), batch.id, identity, created_by, state.clock.now(), None, by_customer)
            mine.devices[device.id] = device
            batch.device_ids.append(device.id)
            for key in _identity_keys(identity):
                store.registered[key] = customer_id
            out.append(device)
        return out

    def seed(self, state: EmulatorState, section: Any) -> None:
        if not isinstance(section, dict):
            raise ValueError("the autopilot section maps customer tenant ids to device lists")
        for customer_id, entries in section.items():
            for entry in entries if isinstance(entries, list) else [entries]:
                self.seed_customer(state, customer_id, entry)

    def dump(self, state: EmulatorState) -> dict[str, Any]:
        return {
            customer_id: {
                "batches": [self._batch_json(customer_id, b) for b in mine.batches.values()],
                "devices": [d.to_json() for d in mine.devices.values()],
                "policies": list(mine.policies.values()),
            }
            for customer_id, mine in self._store(state).customers.items()
        }


SERVICE = AutopilotService()
