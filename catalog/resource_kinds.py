"""Which of the project's Python dynamic resources a declared resource is.

Every Python dynamic resource has the same Pulumi type token, so the offline plan, the policy pack and
the tests tell ours apart by their inputs. One function, shared by all of them (and light enough for the
policy pack's own virtualenv: no imports beyond the standard library).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

DYNAMIC = "pulumi-python:dynamic:Resource"
GDAP_RELATIONSHIP = "GDAP relationship"
GDAP_ACCESS_ASSIGNMENT = "GDAP access assignment"
PARTNER_ROLE_ASSIGNMENT = "Azure role assignment"
AUTOPILOT_PROFILE = "Autopilot profile"


def dynamic_kind(inputs: Mapping[str, Any]) -> str:
    if "groupId" in inputs and "relationshipId" in inputs:
        return GDAP_ACCESS_ASSIGNMENT
    if "customerTenantId" in inputs and "settings" in inputs and "requireDelegatedAdmin" in inputs:
        return AUTOPILOT_PROFILE
    if "customerTenantId" in inputs and "roleIds" in inputs:
        return GDAP_RELATIONSHIP
    if "roleDefinitionId" in inputs and "principalId" in inputs and "scope" in inputs:
        return PARTNER_ROLE_ASSIGNMENT
    return "dynamic resource"
