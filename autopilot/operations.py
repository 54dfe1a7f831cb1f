"""Autopilot operations on behalf of a customer: register devices, apply or remove a profile, list, remove.

Each operation asks ``autopilot.rules`` first, for every device, and calls Partner Center only for what the rules
allow; a refusal names its rule. Whatever changes is read back afterwards: a device is "registered", "removed"
or "assigned" only when Partner Center's own listing shows it so, otherwise it is "not confirmed" and the run
is incomplete. Dry run unless ``apply``.

A device is matched by what identified it in the upload: its hardware hash when one was uploaded, else its
product key, else serial number with manufacturer and model (the identifying combinations Partner Center accepts,
partner-center/developer/device-deployment-resources, DeviceBatchCreationRequest). A serial number alone never
matches: two devices of one customer may share one (models of different makers do), and a dropped upload must
not be taken for the device that is already there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from autopilot.device_csv import DeviceRow
from autopilot.rules import Decision, Delegation, Operation, Origin, Switches, decide
from azure_http.autopilot import AutopilotClient
from azure_http.errors import AzureHttpError

#: Partner Center's upload errors in words: what happened and what to do.
ERROR_WORDS = {
    "806": "already registered to this customer: nothing to do",
    "808": (
        "registered to another organisation's tenant: it must be deregistered there first (by that organisation, "
        "its partner, or Microsoft support)"
    ),
}
SUCCESS = frozenset(
    {
        "registered",
        "already registered",
        "removed",
        "assigned",
        "unassigned",
        "would register",
        "would remove",
        "would assign",
    }
)
#: Exit codes: every device done (0), some refused or failed (3), something not confirmed by a read-back (5).
EXIT_OK, EXIT_FINDINGS, EXIT_INCOMPLETE = 0, 3, 5


class ProfileNotFound(ValueError):
    """The profile named for an assignment does not exist (or is ambiguous): nothing was sent."""


@dataclass
class DeviceOutcome:
    device: str
    outcome: str
    detail: str = ""


@dataclass
class AutopilotRun:
    command: str
    customer: str
    applied: bool
    outcomes: list[DeviceOutcome] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, device: str, outcome: str, detail: str = "") -> None:
        self.outcomes.append(DeviceOutcome(device, outcome, detail))

    @property
    def exit_code(self) -> int:
        outcomes = {o.outcome for o in self.outcomes}
        if "not confirmed" in outcomes:
            return EXIT_INCOMPLETE
        return EXIT_OK if outcomes <= SUCCESS else EXIT_FINDINGS

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for o in self.outcomes:
            out[o.outcome] = out.get(o.outcome, 0) + 1
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "schemaVersion": 1,
            "command": self.command,
            "customer": self.customer,
            "applied": self.applied,
            "counts": self.counts(),
            "outcomes": [o.__dict__ for o in self.outcomes],
            "notes": self.notes,
        }


#: The HTTP methods of ``allowedOperations`` that change a device (a profile assignment, a removal).
CHANGING = frozenset({"PATCH", "DELETE"})


def origin_of(device: dict[str, Any], partner_tenant: str, customer_tenant: str) -> Origin:
    """Who added the device, from the documented Device fields (REST reference, device-deployment/get-devices):

    - ``allowedOperations``, "the list of HTTP methods allowed on a device as GET, PATCH, DELETE" (Partner Center
      SDK ``Device.AllowedOperations``): a device on which Partner Center allows this partner no change is one the
      partner may not manage, which Partner Center's rules say of the devices the customer added (Microsoft Store
      for Business / Education, Intune);
    - ``uploadedBy``: the uploader; this partner when it names the partner's tenant.

    Without ``allowedOperations`` an uploader that is neither this partner nor named at all counts as the
    customer's: the device the partner may not touch (the safe reading)."""
    uploaded_by = str(device.get("uploadedBy") or "").lower()
    operations = device.get("allowedOperations")
    if isinstance(operations, list):
        if not CHANGING & {str(o).upper() for o in operations}:
            return Origin.CUSTOMER
        return Origin.THIS_PARTNER if uploaded_by == partner_tenant.lower() else Origin.OTHER_PARTNER
    if uploaded_by == partner_tenant.lower():
        return Origin.THIS_PARTNER
    if uploaded_by and uploaded_by != customer_tenant.lower():
        return Origin.OTHER_PARTNER
    return Origin.CUSTOMER


def label(device: dict[str, Any]) -> str:
    return device.get("serialNumber") or device.get("productKey") or device.get("id") or "?"


def _every_key(device: dict[str, Any]) -> set[str]:
    """Each way a listed device can be recognised (hardware hash, product key, serial + maker + model)."""
    keys = set()
    if device.get("hardwareHash"):
        keys.add("hash:" + str(device["hardwareHash"]))
    if device.get("productKey"):
        keys.add("pk:" + str(device["productKey"]).upper())
    if device.get("serialNumber") and device.get("oemManufacturerName") and device.get("modelName"):
        parts = (device["serialNumber"], device["oemManufacturerName"], device["modelName"])
        keys.add("smm:" + "|".join(str(p).lower() for p in parts))
    return keys


def upload_key(identity: dict[str, Any]) -> str:
    """The one key an uploaded device is recognised by: what identified it in the upload, strongest first."""
    if identity.get("hardwareHash"):
        return "hash:" + str(identity["hardwareHash"])
    if identity.get("productKey"):
        return "pk:" + str(identity["productKey"]).upper()
    return next(iter(_every_key(identity)), "")


def _index(devices: Iterable[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {key: device for device in devices for key in _every_key(device)}


def _job_errors(job: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """The per-device errors of a finished job, by product key and by serial number: the identifying fields a
    DeviceUploadDetails carries (it has no hardware hash). Used to explain a device that is not listed."""
    errors = {}
    for status in job.get("devicesStatus") or []:
        if isinstance(status, dict) and status.get("errorCode"):
            error = (str(status["errorCode"]), str(status.get("errorDescription") or ""))
            if status.get("productKey"):
                errors["pk:" + str(status["productKey"]).upper()] = error
            if status.get("serialNumber"):
                errors["sn:" + str(status["serialNumber"]).lower()] = error
    return errors


def _error_of(identity: dict[str, Any], errors: dict[str, tuple[str, str]]) -> tuple[str, str] | None:
    for key in (
        "pk:" + str(identity.get("productKey") or "").upper(),
        "sn:" + str(identity.get("serialNumber") or "").lower(),
    ):
        if key in errors and key[3:]:
            return errors[key]
    return None


def _free_batch_names(prefix: str, taken: set[str], count: int) -> list[str]:
    """``count`` batch names ``<prefix>-<n>`` that no batch of the customer has yet (compared case-insensitively)."""
    names, number = [], 0
    while len(names) < count:
        number += 1
        name = f"{prefix}-{number}"
        if name.lower() not in taken:
            names.append(name)
    return names


async def upload(
    client: AutopilotClient,
    customer: str,
    rows: list[DeviceRow],
    delegation: Delegation,
    *,
    batch_prefix: str,
    apply: bool,
    chunk_size: int = 500,
    timeout: float = 900,
    interval: float = 15,
    progress: Callable[[int, int], None] | None = None,
) -> AutopilotRun:
    """Register ``rows`` in batches of ``chunk_size``, each polled to the end; then verify by listing.

    A device the customer already has registered is "already registered" (success) and is not sent again, so a
    rerun of the same upload sends nothing new. Batches are named ``<batch_prefix>-<n>`` with numbers no batch of
    the customer uses yet: a rerun never collides with the batches of an earlier run."""
    run = AutopilotRun("upload", customer, apply)
    decision = decide(Operation.UPLOAD, delegation)
    if not decision.allowed:
        for row in rows:
            run.add(row.label, "refused", str(decision))
        return run
    before = _index(await client.list_devices(customer))
    to_send = []
    for row in rows:
        found = before.get(upload_key(row.identity))
        if found is None:
            to_send.append(row)
        else:
            run.add(row.label, "already registered", f"device {found.get('id')} in batch {found.get('batchId')!r}")
    if not apply:
        for row in to_send:
            run.add(row.label, "would register")
        return run
    chunks = [to_send[start : start + chunk_size] for start in range(0, len(to_send), chunk_size)]
    taken = {str(b.get("id") or "").lower() for b in await client.list_batches(customer)}
    sent: list[tuple[DeviceRow, tuple[str, str] | None]] = []
    done = 0
    for batch, chunk in zip(_free_batch_names(batch_prefix, taken, len(chunks)), chunks, strict=True):
        try:
            tracking = await client.upload(customer, batch, [row.identity for row in chunk])
            job = await client.wait_for_job(customer, tracking, timeout=timeout, interval=interval)
        except (AzureHttpError, TimeoutError) as err:
            for row in chunk:
                run.add(row.label, "not confirmed", f"batch {batch!r}: {err}")
            continue
        errors = _job_errors(job)
        sent += [(row, _error_of(row.identity, errors)) for row in chunk]
        done += len(chunk)
        if progress:
            progress(done, len(to_send))
    if not sent:
        return run
    after = _index(await client.list_devices(customer))
    for row, failure in sent:
        listed = after.get(upload_key(row.identity))
        if listed is not None:
            already = failure is not None and failure[0] == "806"
            run.add(row.label, "already registered" if already else "registered")
        elif failure is not None:
            code, name = failure
            run.add(row.label, "failed", f"{name} ({code}): {ERROR_WORDS.get(code, 'see Partner Center')}")
        else:
            run.add(row.label, "not confirmed", "the job reported no error but the device is not listed")
    return run


async def inventory(client: AutopilotClient, customer: str, partner_tenant: str) -> list[dict[str, Any]]:
    """Every registered device with who added it and its profile's name."""
    names = {p["id"]: p.get("name") for p in await client.list_policies(customer)}
    out = []
    for device in await client.list_devices(customer):
        policy = next((p.get("value") for p in device.get("policies") or [] if p.get("key") == "o_o_b_e"), None)
        out.append(
            {
                **device,
                "origin": origin_of(device, partner_tenant, customer).value,
                "profile": names.get(policy, policy) if policy else None,
            }
        )
    return out


def _select(devices: list[dict[str, Any]], wanted: Iterable[str] | None) -> tuple[list[dict[str, Any]], list[str]]:
    """The devices named by serial number, product key or id (all when None); and the names not found."""
    if wanted is None:
        return devices, []
    wanted = list(wanted)
    chosen, missing = [], []
    for name in wanted:
        hits = [
            d
            for d in devices
            if name.lower() in {str(d.get(k) or "").lower() for k in ("serialNumber", "productKey", "id")}
        ]
        if hits:
            chosen += [d for d in hits if d not in chosen]
        else:
            missing.append(name)
    return chosen, missing


def _decisions(
    devices: list[dict[str, Any]],
    operation: Operation,
    delegation: Delegation,
    switches: Switches,
    partner: str,
    customer: str,
) -> list[tuple[dict[str, Any], Decision]]:
    return [(d, decide(operation, delegation, origin_of(d, partner, customer), switches)) for d in devices]


async def remove(
    client: AutopilotClient,
    customer: str,
    partner: str,
    delegation: Delegation,
    switches: Switches,
    *,
    devices: Iterable[str] | None,
    apply: bool,
) -> AutopilotRun:
    """Remove the named devices (``None``: every device this partner added); verify by listing."""
    run = AutopilotRun("remove", customer, apply)
    listed = await client.list_devices(customer)
    if devices is None:
        listed = [d for d in listed if origin_of(d, partner, customer) is Origin.THIS_PARTNER]
    chosen, missing = _select(listed, devices)
    for name in missing:
        run.add(name, "failed", "no such device registered for this customer")
    allowed = []
    for device, decision in _decisions(chosen, Operation.DEVICE_REMOVE, delegation, switches, partner, customer):
        if not decision.allowed:
            run.add(label(device), "refused", str(decision))
            continue
        allowed.append(device)
    if not apply:
        for device in allowed:
            run.add(label(device), "would remove")
        return run
    for device in allowed:
        try:
            await client.delete_device(customer, device["batchId"], device["id"])
        except AzureHttpError as err:
            run.add(label(device), "failed", str(err))
            allowed = [d for d in allowed if d is not device]
    remaining = {d["id"] for d in await client.list_devices(customer)}
    for device in allowed:
        if device["id"] in remaining:
            run.add(label(device), "not confirmed", "Partner Center accepted the removal but still lists the device")
        else:
            run.add(label(device), "removed")
    return run


async def assign(
    client: AutopilotClient,
    customer: str,
    partner: str,
    delegation: Delegation,
    switches: Switches,
    *,
    profile: str | None,
    devices: Iterable[str],
    apply: bool,
    timeout: float = 900,
    interval: float = 15,
) -> AutopilotRun:
    """Apply the profile named ``profile`` to the devices (``None``: remove their profile); verify by listing."""
    run = AutopilotRun("assign" if profile else "unassign", customer, apply)
    policy_id = None
    if profile is not None:
        policies = await client.list_policies(customer)
        matches = [p for p in policies if p.get("name") == profile]
        if len(matches) != 1:
            known = ", ".join(sorted(repr(p.get("name")) for p in policies)) or "none"
            problem = "no profile" if not matches else f"{len(matches)} profiles"
            raise ProfileNotFound(
                f"{problem} named {profile!r} for this customer (its profiles: {known}): declare it under "
                "customers[].autopilot.profiles and run `pulumi up`, or choose one of these"
            )
        policy_id = matches[0]["id"]
    operation = Operation.PROFILE_ASSIGN if profile else Operation.PROFILE_UNASSIGN
    chosen, missing = _select(await client.list_devices(customer), devices)
    for name in missing:
        run.add(name, "failed", "no such device registered for this customer")
    allowed = []
    for device, decision in _decisions(chosen, operation, delegation, switches, partner, customer):
        if decision.allowed:
            allowed.append(device)
        else:
            run.add(label(device), "refused", str(decision))
    if not allowed:
        return run
    if not apply:
        for device in allowed:
            run.add(label(device), "would assign")
        return run
    try:
        tracking = await client.assign_profiles(customer, dict.fromkeys((d["id"] for d in allowed), policy_id))
        await client.wait_for_job(customer, tracking, timeout=timeout, interval=interval)
    except (AzureHttpError, TimeoutError) as err:
        for device in allowed:
            run.add(label(device), "not confirmed", str(err))
        return run
    now = {d["id"]: d for d in await client.list_devices(customer)}
    for device in allowed:
        current = now.get(device["id"], {})
        applied = next((p.get("value") for p in current.get("policies") or [] if p.get("key") == "o_o_b_e"), None)
        if applied == policy_id:
            run.add(label(device), "assigned" if profile else "unassigned")
        else:
            run.add(label(device), "not confirmed", f"Partner Center shows profile {applied!r} on the device")
    return run
