"""A partner group's Azure RBAC role assignment in a customer subscription, declared the safe way."""

from __future__ import annotations

import pulumi

import catalog

from .arm_resources import PartnerRoleAssignment
from .naming import deterministic_guid, role_definition_id

# The partner's groups live in the partner tenant: seen from the customer's tenant they are foreign.
# ("Group" fails for a foreign group; azure-native's RoleAssignment would even default to User.)
FOREIGN_GROUP = "ForeignGroup"


def partner_role_assignment(
    resource_name: str,
    *,
    tenant_id: str,
    scope: pulumi.Input[str],
    role_guid: str,
    principal_id: pulumi.Input[str],
    parent: pulumi.Resource,
    group_key: str,
    adopt_name: str | None = None,
) -> PartnerRoleAssignment:
    """Role assignment for a partner group at ``scope`` in the customer's tenant ``tenant_id``.

    ForeignGroup; named uuid5(scope, role, principal), so a re-run converges on the same assignment;
    an assignment Microsoft already made (AdminAgents' Owner on a new CSP subscription) is adopted rather
    than fought with (see components/arm_resources.py); a replacement deletes the old one first, since
    Azure allows a single assignment per principal + role + scope. An ``adopt_name`` (an existing assignment
    named by ``dapctl import``) is taken over under its own name, read and never written.
    """
    if adopt_name is not None:
        name: pulumi.Input[str] = adopt_name
    else:
        name = pulumi.Output.all(scope, principal_id).apply(lambda a: deterministic_guid(a[0], role_guid, a[1]))
    return PartnerRoleAssignment(
        resource_name,
        tenant_id=tenant_id,
        scope=scope,
        role_definition_id=pulumi.Output.from_input(scope).apply(lambda s: role_definition_id(s, role_guid)),
        principal_id=principal_id,
        principal_type=FOREIGN_GROUP,
        assignment_name=name,
        adopt=adopt_name is not None,
        # Shown in the portal beside the assignment: who declared it and why, for the customer's auditors.
        description=f"{catalog.azure_role_name(role_guid)} for the CSP partner's {group_key} group (csp-delegation)",
        opts=pulumi.ResourceOptions(parent=parent, delete_before_replace=True),
    )
