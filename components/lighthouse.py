"""Azure Lighthouse delegation of one customer subscription to a partner group.

Independent of GDAP (removing one leaves the other), and narrower than the CSP Owner grant: Lighthouse
refuses Owner, roles with DataActions and custom roles, which is why config rejects them early.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import managedservices

from .naming import deterministic_guid

TYPE = "csp-delegation:lighthouse:LighthouseDelegation"
ADOPTED_DEFINITION_IGNORES = [
    "properties.registrationDefinitionName",
    "properties.description",
    "properties.authorizations[*].principalIdDisplayName",
    "properties.eligibleAuthorizations",
]
"""What an adopted offer (``dapctl import``) keeps as it is: its name and description were the partner's, the display
names of its principals whatever the person who onboarded it typed (config knows the group by its key), and its
eligible (just-in-time) authorizations, which config cannot declare (the import report lists them). Declaring any of
them would make Pulumi's import fail ("inputs to import do not match") or PUT the customer's offer. ``[*]`` is
Pulumi's property-path wildcard over array elements (pulumi.com/docs/reference/property-paths)."""


@dataclass
class LighthouseAdoption:
    """An existing Lighthouse delegation of one subscription (``dapctl import``): imported, not created."""

    scope: str
    """The subscription scope (``/subscriptions/<id>``)."""
    definition_id: str
    """GUID of its registration definition."""
    assignment_id: str
    """GUID of its registration assignment."""
    role_guids: list[str] | None = None
    """The roles the existing offer authorizes, in its order (the config's, as the import wrote them): declared
    instead of ``LighthouseDelegationArgs.role_guids`` so that nothing is added to the customer's offer."""


@dataclass
class LighthouseDelegationArgs:
    managed_by_tenant_id: str
    """The partner's tenant, which manages the delegated scope."""
    principal_id: pulumi.Input[str]
    """The partner group authorized by the offer."""
    principal_display_name: str
    """How the offer shows that group to the customer."""
    role_guids: list[str]
    """Azure role definition GUIDs (Lighthouse refuses Owner, DataActions roles and custom roles); the intent adds the
    Managed Services Registration assignment Delete Role, so the partner can remove its own delegation."""
    offer_name: str
    """The offer's name as the customer sees it."""
    scope: pulumi.Input[str] | None = None
    """The subscription scope delegated (``/subscriptions/<id>``); required."""
    provider: pulumi.ProviderResource | None = None
    """azure-native provider for the customer's tenant (the delegation is made there); required."""
    adopt: LighthouseAdoption | None = None
    """The existing delegation this one is: imported by its ids (its offer's own name and description kept)."""


class LighthouseDelegation(pulumi.ComponentResource):
    def __init__(self, name: str, args: LighthouseDelegationArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(TYPE, name, None, opts)
        if args.scope is None or args.provider is None:
            raise ValueError(f"{name}: a Lighthouse delegation needs its scope and the customer's provider")
        child = pulumi.ResourceOptions(parent=self, provider=args.provider)
        scope = pulumi.Output.from_input(args.scope)
        adopt = args.adopt
        roles = args.role_guids if adopt is None or adopt.role_guids is None else adopt.role_guids
        definition_opts, assignment_opts = (
            child,
            pulumi.ResourceOptions(parent=self, provider=args.provider, delete_before_replace=True),
        )
        if adopt is not None:
            prefix = f"{adopt.scope}/providers/Microsoft.ManagedServices"
            definition_opts = pulumi.ResourceOptions.merge(
                child,
                pulumi.ResourceOptions(
                    import_=f"{prefix}/registrationDefinitions/{adopt.definition_id}",
                    ignore_changes=ADOPTED_DEFINITION_IGNORES,
                ),
            )
            assignment_opts = pulumi.ResourceOptions.merge(
                assignment_opts,
                pulumi.ResourceOptions(import_=f"{prefix}/registrationAssignments/{adopt.assignment_id}"),
            )
        definition = managedservices.RegistrationDefinition(
            f"{name}-definition",
            scope=scope,
            registration_definition_id=adopt.definition_id
            if adopt is not None
            else scope.apply(lambda s: deterministic_guid("lighthouse-definition", s, args.managed_by_tenant_id)),
            properties=managedservices.RegistrationDefinitionPropertiesArgs(
                registration_definition_name=args.offer_name,
                description=f"{args.offer_name} (declared by csp-delegation)",
                managed_by_tenant_id=args.managed_by_tenant_id,
                authorizations=[
                    managedservices.AuthorizationArgs(
                        principal_id=args.principal_id,
                        principal_id_display_name=args.principal_display_name,
                        role_definition_id=guid,
                    )
                    for guid in roles
                ],
            ),
            opts=definition_opts,
        )
        self.assignment = managedservices.RegistrationAssignment(
            f"{name}-assignment",
            scope=scope,
            registration_assignment_id=adopt.assignment_id
            if adopt is not None
            else scope.apply(lambda s: deterministic_guid("lighthouse-assignment", s, args.managed_by_tenant_id)),
            properties=managedservices.RegistrationAssignmentPropertiesArgs(
                registration_definition_id=definition.id,
            ),
            opts=assignment_opts,
        )
        self.definition_id = definition.id
        self.register_outputs({"registrationDefinitionId": definition.id})
