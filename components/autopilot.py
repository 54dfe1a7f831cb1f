"""A customer's Windows Autopilot profiles as code: a dynamic resource per profile over Partner Center, and
the component that declares the customer's profiles.

Partner Center's "configuration policies" (category ``o_o_b_e``) are the profiles a partner manages; no
Pulumi provider package covers them, so the provider calls Partner Center through ``azure_http``. Like the
GDAP providers it is pickled into state holding no client or credential (a connection is made per call).
Before any change it reads the customer's delegation and asks ``autopilot.rules`` whether the change is
allowed: a refusal names the rule. A profile that already exists under the declared name is adopted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, ResourceProvider, UpdateResult

from autopilot.delegation import read_delegation
from autopilot.rules import Operation, Switches, decide
from azure_http import GraphClient, NotFound, run_sync
from azure_http.autopilot import AutopilotClient
from azure_http.connect import connect

from . import provider_io
from .legacy_types import with_legacy_dynamic_alias
from .provider_io import created_id, require_inputs

INPUTS = ("partnerTenantId", "customerTenantId", "name", "description", "settings", "requireDelegatedAdmin")
REPLACE_ON = ("partnerTenantId", "customerTenantId")


class AutopilotRuleError(RuntimeError):
    """The delegation rules refuse the change; the message quotes the rule."""


def _outs(policy: dict[str, Any]) -> dict[str, Any]:
    return {
        "devicesAssigned": policy.get("devicesAssigned", 0),
        "createdDate": policy.get("createdDate"),
        "lastModifiedDate": policy.get("lastModifiedDate"),
        "observedName": policy.get("name"),
        "observedSettings": sorted(policy.get("policySettings") or []),
        "observedDescription": policy.get("description"),
    }


class AutopilotProfileProvider(ResourceProvider):
    """CRUD of one Partner Center configuration policy, each change checked against the delegation rules."""

    @staticmethod
    async def _check(props: dict[str, Any], operation: Operation) -> None:
        conn = connect()
        async with (
            AutopilotClient(conn.tokens, conn.endpoints, tenant_id=props["partnerTenantId"]) as pc,
            GraphClient(conn.tokens, conn.endpoints, tenant_id=props["partnerTenantId"]) as graph,
        ):
            delegation = await read_delegation(pc, graph, props["customerTenantId"])
        switches = Switches(require_delegated_admin_for_profiles=bool(props.get("requireDelegatedAdmin")))
        decision = decide(operation, delegation, switches=switches)
        if not decision.allowed:
            raise AutopilotRuleError(f"Autopilot profile {props['name']!r}: {decision}")

    @staticmethod
    def _client(props: dict[str, Any]) -> AutopilotClient:
        conn = connect()
        return AutopilotClient(
            conn.tokens, conn.endpoints, tenant_id=props["partnerTenantId"], **provider_io.client_options
        )

    def create(self, props: dict[str, Any]) -> CreateResult:
        policy = run_sync(self._create(props))
        path = f"POST customers/{props['customerTenantId']}/policies"
        return CreateResult(created_id("Autopilot profile", policy, path), {**props, **_outs(policy)})

    async def _create(self, props: dict[str, Any]) -> dict[str, Any]:
        async with self._client(props) as pc:
            existing = [p for p in await pc.list_policies(props["customerTenantId"]) if p.get("name") == props["name"]]
            if len(existing) > 1:
                ids = ", ".join(p["id"] for p in existing)
                raise AutopilotRuleError(
                    f"{len(existing)} Autopilot profiles are named {props['name']!r} for customer "
                    f"{props['customerTenantId']} ({ids}): remove the duplicates in Partner Center, or rename this one"
                )
            if existing:
                pulumi.log.info(f"adopted existing Autopilot profile {existing[0]['id']} ({props['name']!r})")
                policy = existing[0]
                if sorted(policy.get("policySettings") or []) == props["settings"] and policy.get(
                    "description"
                ) == props.get("description"):
                    return policy
                await self._check(props, Operation.PROFILE_UPDATE)
                return await pc.update_policy(
                    props["customerTenantId"], policy["id"], props["name"], props["settings"], props.get("description")
                )
            await self._check(props, Operation.PROFILE_CREATE)
            return await pc.create_policy(
                props["customerTenantId"], props["name"], props["settings"], props.get("description")
            )

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        # Partner Center addresses a profile under its customer, with the partner's token: the id alone is not enough.
        require_inputs("Autopilot profile", id_, props, ("partnerTenantId", "customerTenantId"))
        policy = run_sync(self._get(id_, props))
        if policy is None:
            return ReadResult(None, {})
        return ReadResult(id_, {**props, **_outs(policy)})

    async def _get(self, id_: str, props: dict[str, Any]) -> dict[str, Any] | None:
        async with self._client(props) as pc:
            try:
                return await pc.get_policy(props["customerTenantId"], id_)
            except NotFound:
                return None

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        observed = {
            "name": olds.get("observedName", olds.get("name")),
            "settings": olds.get("observedSettings", olds.get("settings")),
            "description": olds.get("observedDescription", olds.get("description")),
        }
        changed = [k for k in INPUTS if olds.get(k) != news.get(k)]
        drifted = [k for k, value in observed.items() if value != news.get(k) and k not in changed]
        replaces = [k for k in changed if k in REPLACE_ON]
        return DiffResult(
            changes=bool(changed or drifted), replaces=replaces, delete_before_replace=True, stables=list(REPLACE_ON)
        )

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult({**news, **_outs(run_sync(self._update(id_, news)))})

    async def _update(self, id_: str, props: dict[str, Any]) -> dict[str, Any]:
        await self._check(props, Operation.PROFILE_UPDATE)
        async with self._client(props) as pc:
            return await pc.update_policy(
                props["customerTenantId"], id_, props["name"], props["settings"], props.get("description")
            )

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        run_sync(self._delete(id_, props))

    async def _delete(self, id_: str, props: dict[str, Any]) -> None:
        await self._check(props, Operation.PROFILE_DELETE)
        async with self._client(props) as pc:
            try:
                await pc.delete_policy(props["customerTenantId"], id_)
            except NotFound:
                return  # already gone: the state catches up


class AutopilotProfile(pulumi.dynamic.Resource, module="autopilot", name="AutopilotProfile"):
    """One Autopilot profile (Partner Center configuration policy) of a customer."""

    devicesAssigned: pulumi.Output[int]

    def __init__(
        self,
        name: str,
        *,
        partner_tenant_id: str,
        customer_tenant_id: str,
        profile_name: str,
        settings: list[str],
        description: str | None,
        require_delegated_admin: bool,
        opts: pulumi.ResourceOptions | None = None,
    ):
        props = {
            "partnerTenantId": partner_tenant_id,
            "customerTenantId": customer_tenant_id,
            "name": profile_name,
            "description": description,
            "settings": sorted(settings),
            "requireDelegatedAdmin": require_delegated_admin,
            "devicesAssigned": None,
            "createdDate": None,
            "lastModifiedDate": None,
            "observedName": None,
            "observedSettings": None,
            "observedDescription": None,
        }
        super().__init__(AutopilotProfileProvider(), name, props, with_legacy_dynamic_alias(opts))


@dataclass
class ProfileArgs:
    """One profile to declare."""

    name: str
    """The profile's name in Partner Center (what an existing profile is adopted by)."""
    settings: list[str]
    """Partner Center policy settings: remove_oem_preinstalls, oobe_user_not_local_admin, skip_express_settings,
    skip_oem_registration, skip_eula."""
    description: str | None = None
    """Free text shown in Partner Center."""


@dataclass
class AutopilotProfilesArgs:
    """What the component declares for one customer."""

    partner_tenant_id: str
    """The partner's tenant (Partner Center answers only its tokens)."""
    customer_tenant_id: str
    """The customer's tenant id (Partner Center's customer id)."""
    profiles: list[ProfileArgs] = field(default_factory=list)
    """The profiles to keep in Partner Center for this customer."""
    require_delegated_admin: bool = False
    """The rules switch require_delegated_admin_for_profiles (off by default: the reseller relationship suffices)."""


def profile_slug(name: str) -> str:
    """A Pulumi-name-safe, stable form of a profile name."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "profile"


class AutopilotProfiles(pulumi.ComponentResource):
    """A customer's Autopilot profiles in Partner Center."""

    def __init__(self, name: str, args: AutopilotProfilesArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("csp-delegation:autopilot:AutopilotProfiles", name, None, opts)
        self.profiles = {
            profile.name: AutopilotProfile(
                f"{name}-{profile_slug(profile.name)}",
                partner_tenant_id=args.partner_tenant_id,
                customer_tenant_id=args.customer_tenant_id,
                profile_name=profile.name,
                settings=profile.settings,
                description=profile.description,
                require_delegated_admin=args.require_delegated_admin,
                opts=pulumi.ResourceOptions(parent=self),
            )
            for profile in args.profiles
        }
        self.register_outputs({"profileIds": {k: p.id for k, p in self.profiles.items()}})
