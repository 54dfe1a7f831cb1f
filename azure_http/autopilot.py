"""Partner Center's Windows Autopilot calls (``/v1/customers/{id}/...``): device batches, devices, upload
jobs, configuration policies (Autopilot profiles) and profile assignment.

Shapes from Microsoft's Partner Center REST docs, "Device deployment". An upload or a profile assignment
answers 202 with ``Location: /customers/{id}/batchJobStatus/{trackingId}``; ``wait_for_job`` polls it to
``finished`` or ``finished_with_errors`` within a deadline. Partner Center serves the partner tenant only
(app+user tokens for uploads, as Microsoft documents).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from azure_http.errors import ApiError
from azure_http.partner_center import PartnerCenterClient
from azure_http.polling import poll_until

Json = dict[str, Any]
CATEGORY = "o_o_b_e"
JOB_DONE = ("finished", "finished_with_errors")


def _seg(value: str) -> str:
    if not value:
        raise ValueError("empty path segment")
    return quote(value, safe="-_.")


def _base(customer: str) -> str:
    return f"v1/customers/{_seg(customer)}"


class UnexpectedAnswer(ApiError):
    """Partner Center answered 2xx without what the call needs (a 202 with no Location, say)."""


class AutopilotClient(PartnerCenterClient):
    """Autopilot on behalf of the partner's customers."""

    # -- devices ----------------------------------------------------------------------------
    async def list_batches(self, customer: str) -> list[Json]:
        return [batch async for batch in self.collection(f"{_base(customer)}/deviceBatches")]

    async def list_devices(self, customer: str) -> list[Json]:
        """Every device registered for the customer, each with the ``batchId`` it belongs to: every page of every
        batch (100 devices a page, continued by ``continuationToken``, see ``collection``)."""
        devices = []
        for batch in await self.list_batches(customer):
            path = f"{_base(customer)}/deviceBatches/{_seg(batch['id'])}/devices"
            devices += [{**device, "batchId": batch["id"]} async for device in self.collection(path)]
        return devices

    async def upload(self, customer: str, batch_id: str, devices: list[Json], *, new_batch: bool = True) -> str:
        """Register devices in a new batch (or add them to an existing one); returns the job's tracking id."""
        if new_batch:
            response = await self.request(
                "POST", f"{_base(customer)}/deviceBatches", json={"batchId": batch_id, "devices": devices}
            )
        else:
            response = await self.request(
                "POST", f"{_base(customer)}/deviceBatches/{_seg(batch_id)}/devices", json=devices
            )
        return self._tracking_id(response.status_code, response.headers)

    async def delete_device(self, customer: str, batch_id: str, device_id: str) -> None:
        await self.request("DELETE", f"{_base(customer)}/deviceBatches/{_seg(batch_id)}/devices/{_seg(device_id)}")

    async def assign_profiles(self, customer: str, assignments: Mapping[str, str | None]) -> str:
        """Apply a profile to devices (device id -> policy id; None removes the profile); returns the job id."""
        devices = [
            {"id": device_id, "policies": [{"key": CATEGORY, "value": policy}] if policy else []}
            for device_id, policy in assignments.items()
        ]
        body = {"devices": devices, "attributes": {"objectType": "DevicePolicyUpdateRequest"}}
        response = await self.request("PATCH", f"{_base(customer)}/DevicePolicyUpdates", json=body)
        return self._tracking_id(response.status_code, response.headers)

    # -- jobs -------------------------------------------------------------------------------
    async def job_status(self, customer: str, tracking_id: str) -> Json:
        return await self.get_json(f"{_base(customer)}/batchJobStatus/{_seg(tracking_id)}")

    async def wait_for_job(
        self, customer: str, tracking_id: str, *, timeout: float = 900, interval: float = 15
    ) -> Json:
        """Poll an upload or assignment job until it has finished (with or without errors)."""

        def describe(last: Json | None, waited: float) -> str:
            status = (last or {}).get("status", "unknown")
            return f"Autopilot job {tracking_id} is still '{status}' after {waited:.0f}s (limit {timeout:g}s)"

        return await poll_until(
            lambda: self.job_status(customer, tracking_id),
            lambda job: job.get("status") in JOB_DONE,
            timeout=timeout,
            interval=interval,
            describe=describe,
            sleep=self._sleep,
            clock=self._clock,
        )

    def _tracking_id(self, status: int, headers: Mapping[str, str]) -> str:
        location = headers.get("Location") or headers.get("location") or ""
        tracking = location.rstrip("/").rsplit("/", 1)[-1] if "/batchjobstatus/" in location.lower() else ""
        if status != 202 or not tracking:
            raise UnexpectedAnswer(
                status, "NoJobLocation", f"Partner Center answered {status} without a job Location ({location!r})"
            )
        return tracking

    # -- profiles (configuration policies) --------------------------------------------------------
    async def list_policies(self, customer: str) -> list[Json]:
        return list((await self.get_json(f"{_base(customer)}/policies")).get("items") or [])

    async def get_policy(self, customer: str, policy_id: str) -> Json:
        return await self.get_json(f"{_base(customer)}/policies/{_seg(policy_id)}")

    async def create_policy(self, customer: str, name: str, settings: list[str], description: str | None) -> Json:
        body = {"name": name, "category": CATEGORY, "description": description, "policySettings": settings}
        return await self.send_json("POST", f"{_base(customer)}/policies", body)  # type: ignore[return-value]

    async def update_policy(
        self, customer: str, policy_id: str, name: str, settings: list[str], description: str | None
    ) -> Json:
        body = {
            "id": policy_id,
            "name": name,
            "category": CATEGORY,
            "description": description,
            "policySettings": settings,
        }
        return await self.send_json("PUT", f"{_base(customer)}/policies/{_seg(policy_id)}", body)  # type: ignore[return-value]

    async def delete_policy(self, customer: str, policy_id: str) -> None:
        await self.request("DELETE", f"{_base(customer)}/policies/{_seg(policy_id)}")
