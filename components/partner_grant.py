"""A partner group's Azure RBAC role assignment in a customer subscription, declared the safe way."""

from __future__ import annotations

import pulumi
from pulumi_azure_native import authorization

import catalog

from .naming import deterministic_guid, role_definition_id

# The partner's groups live in the partner tenant: seen from the customer's tenant they are foreign.
# azure-native defaults principal_type to User, and "Group" fails for a foreign group.
FOREIGN_GROUP = "ForeignGroup"


def partner_role_assignment(
    resource_name: str,
    *,
    scope: pulumi.Input[str],
    role_guid: str,
    principal_id: pulumi.Input[str],
    parent: pulumi.Resource,
    provider: pulumi.ProviderResource,
    group_key: str,
) -> authorization.RoleAssignment:
    """Role assignment for a partner group at ``scope``: ForeignGroup, deterministic name, delete first.

    The name is uuid5(scope, role, principal): a re-run converges on the same assignment, and because
    Azure allows a single assignment per principal+role+scope, a replacement must delete the old one
    before creating the new one (otherwise 409 RoleAssignmentExists).
    """
    name = pulumi.Output.all(scope, principal_id).apply(lambda args: deterministic_guid(args[0], role_guid, args[1]))
    return authorization.RoleAssignment(
        resource_name,
        role_assignment_name=name,
        scope=scope,
        role_definition_id=pulumi.Output.from_input(scope).apply(lambda s: role_definition_id(s, role_guid)),
        principal_id=principal_id,
        principal_type=FOREIGN_GROUP,
        # Shown in the portal beside the assignment: who declared it and why, for the customer's auditors.
        description=f"{catalog.azure_role_name(role_guid)} for the CSP partner's {group_key} group (csp-delegation)",
        opts=pulumi.ResourceOptions(parent=parent, provider=provider, delete_before_replace=True),
    )
