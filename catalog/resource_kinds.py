"""The project's own Pulumi dynamic resource types, and what each is called in a plan or a policy finding.

Each dynamic resource has a type token of its own (``pulumi-python:dynamic/<module>:<Type>``), so the
offline plan, the policy pack and the tests tell them apart by type. Stacks deployed before they had their
own types hold them as ``pulumi-python:dynamic:Resource``: every resource declares that old type as an alias,
so its state moves to the new type without a replacement. Standard library only (the policy pack's own
virtualenv imports this).
"""

from __future__ import annotations

#: The type every Python dynamic resource had before the types below (kept as each one's alias).
LEGACY_DYNAMIC = "pulumi-python:dynamic:Resource"

GDAP_RELATIONSHIP_TYPE = "pulumi-python:dynamic/gdap:GdapRelationship"
GDAP_ACCESS_ASSIGNMENT_TYPE = "pulumi-python:dynamic/gdap:GdapAccessAssignment"
PARTNER_ROLE_ASSIGNMENT_TYPE = "pulumi-python:dynamic/rbac:PartnerRoleAssignment"
AUTOPILOT_PROFILE_TYPE = "pulumi-python:dynamic/autopilot:AutopilotProfile"

GDAP_RELATIONSHIP = "GDAP relationship"
GDAP_ACCESS_ASSIGNMENT = "GDAP access assignment"
PARTNER_ROLE_ASSIGNMENT = "Azure role assignment"
AUTOPILOT_PROFILE = "Autopilot profile"

KINDS = {
    GDAP_RELATIONSHIP_TYPE: GDAP_RELATIONSHIP,
    GDAP_ACCESS_ASSIGNMENT_TYPE: GDAP_ACCESS_ASSIGNMENT,
    PARTNER_ROLE_ASSIGNMENT_TYPE: PARTNER_ROLE_ASSIGNMENT,
    AUTOPILOT_PROFILE_TYPE: AUTOPILOT_PROFILE,
}


def kind_of(type_: str) -> str | None:
    """What a plan calls one of the project's dynamic resources; None for any other type."""
    return KINDS.get(type_)


def is_dynamic(type_: str) -> bool:
    return type_.startswith("pulumi-python:dynamic")
