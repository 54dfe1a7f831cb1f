"""Guardrails on Lighthouse offers (registration definitions) in customer tenants.

Microsoft's "Remove access to a delegation" (learn.microsoft.com/azure/lighthouse/how-to/remove-delegation): users
of the managing tenant can remove a delegation only if an authorization of the offer grants them the Managed
Services Registration Assignment Delete Role at onboarding; "if this role isn't assigned to any service provider
users, the delegation can only be removed by a user in the customer's tenant". A partner that lost its Owner grant
(or its GDAP) could then not end its own access: the offboarding would depend on the customer. The toolkit's offers
include the role by default; an offer adopted from an estate may not, and this rule says so.
"""

from __future__ import annotations

from collections.abc import Iterator

import catalog

from .context import PolicyContext
from .model import Finding, PlanResource, is_known

REGISTRATION_DEFINITION = "azure-native:managedservices:RegistrationDefinition"


def check_offer_removable_by_partner(resource: PlanResource, context: PolicyContext) -> Iterator[Finding]:
    """Every offer authorizes some principal with the Managed Services Registration assignment Delete Role."""
    if resource.type != REGISTRATION_DEFINITION:
        return
    authorizations = resource.get("properties", "authorizations")
    if not is_known(authorizations) or not isinstance(authorizations, list | tuple):
        yield Finding(f"Lighthouse offer {resource.name}: its authorizations are not known", resource)
        return
    roles = {str(a.get("roleDefinitionId", "")).lower() for a in authorizations if isinstance(a, dict)}
    if catalog.DELEGATION_DELETE_ROLE not in roles:
        yield Finding(
            f"Lighthouse offer {resource.name} grants no principal the Managed Services Registration assignment "
            "Delete Role: only the customer can remove this delegation",
            resource,
        )
