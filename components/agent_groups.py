"""The partner's agent groups (AdminAgents, HelpdeskAgents, and any of its own) in the partner tenant.

Partner Center created AdminAgents and HelpdeskAgents when the partner enrolled, so the normal case
is to adopt them (by object id or display name) and manage only their members. A group this stack
creates is protected: deleting it would cut every technician off from every customer at once.
Members are azuread.GroupMember resources, never Group.members (the two fight over the same list).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_azuread as azuread

import catalog

TYPE = "csp-delegation:groups:PartnerAgentGroups"


@dataclass
class AgentGroupArgs:
    """One partner security group."""

    display_name: str
    """The group's display name (what an adopted group is found by when no object id is given)."""
    create: bool = False
    """True: this stack creates the group (protected); False: it adopts an existing one."""
    object_id: str | None = None
    """Adopt the group by object id (preferred: display names are not unique)."""
    description: str | None = None
    """A created group's description."""
    members: list[str] = field(default_factory=list)
    """Object ids or user principal names kept as members."""


@dataclass
class PartnerAgentGroupsArgs:
    groups: dict[str, AgentGroupArgs]
    """The groups by key (adminAgents, helpdeskAgents, or the partner's own)."""
    provider: pulumi.ProviderResource
    """azuread provider for the partner tenant."""


class PartnerAgentGroups(pulumi.ComponentResource):
    """Creates or adopts each partner group and manages its members; outputs the object ids by key."""

    object_ids: pulumi.Output[dict[str, str]]
    ids: dict[str, pulumi.Output[str]]
    """The same ids one output per key (a created group's id is unknown in a preview; the others are not)."""

    def __init__(self, name: str, args: PartnerAgentGroupsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(TYPE, name, None, opts)
        ids: dict[str, pulumi.Output[str]] = {}
        for key, spec in args.groups.items():
            ids[key] = self._group(name, key, spec, args.provider)
            for member in spec.members:
                azuread.GroupMember(
                    f"{name}-{key}-{member}",
                    group_object_id=ids[key],
                    member_object_id=self._member_id(member, args.provider),
                    opts=pulumi.ResourceOptions(parent=self, provider=args.provider),
                )
        self.ids = ids
        self.object_ids = pulumi.Output.all(**ids)
        self.register_outputs({"objectIds": self.object_ids})

    def _group(self, name: str, key: str, spec: AgentGroupArgs, provider: pulumi.ProviderResource) -> pulumi.Output:
        invoke = pulumi.InvokeOptions(provider=provider, parent=self)
        if spec.create:
            group = azuread.Group(
                f"{name}-{key}",
                display_name=spec.display_name,
                description=spec.description,
                security_enabled=True,
                mail_enabled=False,
                prevent_duplicate_names=True,
                opts=pulumi.ResourceOptions(parent=self, provider=provider, protect=True),
            )
            return group.object_id
        if spec.object_id is not None:
            # Adopt by id: the lookup fails the preview if the group does not exist in the partner tenant.
            return azuread.get_group_output(object_id=spec.object_id, opts=invoke).object_id
        return azuread.get_group_output(display_name=spec.display_name, security_enabled=True, opts=invoke).object_id

    def _member_id(self, member: str, provider: pulumi.ProviderResource) -> pulumi.Input[str]:
        if catalog.is_guid(member):
            return member
        invoke = pulumi.InvokeOptions(provider=provider, parent=self)
        return azuread.get_user_output(user_principal_name=member, opts=invoke).object_id
