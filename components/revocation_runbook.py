"""The customer's revocation runbook: an Automation account in the customer's tenant that removes the partner.

Removing DAP or GDAP leaves the partner's Azure RBAC grants in place. This component deploys, in one of
the customer's subscriptions, an Automation account whose managed identity holds only what removal
needs (a custom role: read and delete role assignments and Lighthouse assignments, and the
``roleAssignments/write`` Azure requires of a customer-tenant identity that removes a Lighthouse delegation, on the
customer's subscriptions), and the runbook itself: runbooks/ bundled by runbooks.packaging with its pure-Python
dependencies (so the account declares no Python packages), the partner tenant and the partner's principal
ids baked in. The runbook file is published from a blob named after its content hash, so a change of code or
parameters changes what Pulumi sees; the read-only SAS that lets Automation fetch it is a secret in state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import pulumi
from pulumi_azure_native import authorization, automation, resources, storage

from runbooks.packaging import RunbookBuildError, build_runbook, bundled_wheels

from .naming import deterministic_guid, subscription_scope

TYPE = "csp-delegation:revocation:RevocationRunbook"
RUNBOOK_NAME = "Remove-CspPartnerAccess"
REMOVAL_ACTIONS = [
    "Microsoft.Authorization/roleAssignments/read",
    "Microsoft.Authorization/roleAssignments/delete",
    # Azure lets a user of the customer's tenant remove a Lighthouse delegation only with a role that has
    # roleAssignments/write (learn.microsoft.com/azure/lighthouse/how-to/remove-delegation, "Customers"): the
    # delete action alone is refused. The runbook never creates a role assignment.
    "Microsoft.Authorization/roleAssignments/write",
    "Microsoft.ManagedServices/registrationAssignments/read",
    "Microsoft.ManagedServices/registrationAssignments/delete",
    "Microsoft.ManagedServices/registrationDefinitions/read",
    "Microsoft.Resources/subscriptions/read",
    "Microsoft.Resources/subscriptions/resourceGroups/read",
]

ROLE_DESCRIPTION = (
    "The least the revocation runbook needs: read subscriptions, resource groups, role assignments and Lighthouse "
    "delegations; delete role assignments and Lighthouse registration assignments. roleAssignments/write is there "
    "only because Azure removes a Lighthouse delegation for a customer-tenant identity only if it holds that "
    "permission (learn.microsoft.com/azure/lighthouse/how-to/remove-delegation); the runbook never assigns a role."
)


@dataclass
class RevocationRunbookArgs:
    customer_name: str
    """The customer's name in the stack (names the Automation account and the custom role)."""
    customer_tenant_id: str
    """The customer's tenant, where everything is deployed."""
    partner_tenant_id: str
    """The partner's tenant, baked into the runbook: whose grants it removes."""
    partner_principal_ids: pulumi.Input[list[str]]
    """Object ids of the partner's groups (and any other principal) whose grants the runbook removes."""
    resource_group: str
    """The resource group holding the Automation account and its storage."""
    location: str
    """The Azure region of that resource group."""
    host_subscription_id: pulumi.Input[str] | None = None
    """The subscription holding the Automation account; required."""
    subscription_ids: list[pulumi.Input[str]] = field(default_factory=list)
    """Every subscription of the customer the runbook may clean (its identity gets the removal role there)."""
    provider: pulumi.ProviderResource | None = None
    """azure-native provider for the customer's tenant, pinned to the host subscription; required."""


def sas_expiry(today: datetime | None = None) -> str:
    """1 January two years on: the SAS (and so the runbook's inputs) changes once a year, not every run."""
    today = today or datetime.now(UTC)
    return f"{today.year + 2}-01-01T00:00:00Z"


def storage_account_name(customer_tenant_id: str) -> str:
    """3-24 lowercase letters and digits, globally unique, stable for the customer."""
    return "cspr" + deterministic_guid("revocation-storage", customer_tenant_id).replace("-", "")[:20]


class RevocationRunbook(pulumi.ComponentResource):
    def __init__(self, name: str, args: RevocationRunbookArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(TYPE, name, None, opts)
        if args.host_subscription_id is None or args.provider is None:
            raise ValueError(f"{name}: the revocation runbook needs its host subscription and provider")
        child = pulumi.ResourceOptions(parent=self, provider=args.provider)
        host = pulumi.Output.from_input(args.host_subscription_id)
        try:  # the runbook carries its locked pure-Python dependencies: no Automation packages to declare
            bundled_wheels()
        except RunbookBuildError as err:  # checked now, before anything is declared: a message, no traceback
            raise pulumi.RunError(f"{name}: {err}") from None

        group = resources.ResourceGroup(
            f"{name}-rg", resource_group_name=args.resource_group, location=args.location, opts=child
        )
        account_name = storage_account_name(args.customer_tenant_id)
        account = storage.StorageAccount(
            f"{name}-storage",
            account_name=account_name,
            resource_group_name=group.name,
            location=args.location,
            kind=storage.Kind.STORAGE_V2,
            sku=storage.SkuArgs(name=storage.SkuName.STANDARD_LRS),
            allow_blob_public_access=False,
            minimum_tls_version=storage.MinimumTlsVersion.TLS1_2,
            enable_https_traffic_only=True,
            opts=child,
        )
        container = storage.BlobContainer(
            f"{name}-content",
            account_name=account.name,
            resource_group_name=group.name,
            container_name="runbook",
            public_access=storage.PublicAccess.NONE,
            opts=child,
        )
        parameters = pulumi.Output.from_input(args.partner_principal_ids).apply(
            lambda ids: {
                "partnerTenantId": args.partner_tenant_id,
                "customerTenantId": args.customer_tenant_id,
                "principalIds": sorted(ids),
            }
        )
        bundle = parameters.apply(build_runbook)
        blob = storage.Blob(
            f"{name}-script",
            account_name=account.name,
            resource_group_name=group.name,
            container_name=container.name,
            blob_name=bundle.apply(lambda b: b.blob_name),
            content_type="text/x-python",
            source=bundle.apply(lambda b: pulumi.StringAsset(b.text)),
            opts=child,
        )
        sas = storage.list_storage_account_service_sas_output(
            account_name=account.name,
            resource_group_name=group.name,
            canonicalized_resource=pulumi.Output.concat("/blob/", account.name, "/runbook/", blob.name),
            resource=storage.SignedResource.B,
            permissions=storage.Permissions.R,
            protocols=storage.HttpProtocol.HTTPS,
            shared_access_expiry_time=sas_expiry(),
            opts=pulumi.InvokeOptions(parent=self, provider=args.provider),
        )
        content_uri = pulumi.Output.secret(
            pulumi.Output.concat(
                "https://", account.name, ".blob.core.windows.net/runbook/", blob.name, "?", sas.service_sas_token
            )
        )

        automation_account = automation.AutomationAccount(
            f"{name}-automation",
            automation_account_name=f"csp-revocation-{args.customer_name}"[:50],
            resource_group_name=group.name,
            location=args.location,
            sku=automation.SkuArgs(name=automation.SkuNameEnum.BASIC),
            identity=automation.IdentityArgs(type=automation.ResourceIdentityType.SYSTEM_ASSIGNED),
            public_network_access=True,
            disable_local_auth=True,
            opts=child,
        )
        self.runbook = automation.Runbook(
            f"{name}-runbook",
            automation_account_name=automation_account.name,
            resource_group_name=group.name,
            runbook_name=RUNBOOK_NAME,
            location=args.location,
            runbook_type=automation.RunbookTypeEnum.PYTHON3,
            description="Removes the CSP partner's Azure RBAC and Lighthouse grants (dry run unless --apply)",
            log_progress=True,
            log_verbose=False,
            publish_content_link=automation.ContentLinkArgs(
                uri=content_uri,
                content_hash=automation.ContentHashArgs(algorithm="SHA256", value=bundle.apply(lambda b: b.sha256)),
            ),
            opts=child,
        )

        scopes = [pulumi.Output.from_input(s).apply(subscription_scope) for s in args.subscription_ids]
        role = authorization.RoleDefinition(
            f"{name}-role",
            role_definition_id=deterministic_guid("revocation-role", args.customer_tenant_id),
            role_name=f"CSP partner access removal ({args.customer_name})",
            description=ROLE_DESCRIPTION,
            role_type="CustomRole",
            scope=host.apply(subscription_scope),
            assignable_scopes=scopes,
            permissions=[authorization.PermissionArgs(actions=REMOVAL_ACTIONS)],
            opts=child,
        )
        principal = automation_account.identity.apply(lambda identity: identity.principal_id if identity else None)
        for index, scope in enumerate(scopes):
            authorization.RoleAssignment(
                f"{name}-identity-{index}",
                role_assignment_name=pulumi.Output.all(scope, principal).apply(
                    lambda a: deterministic_guid(a[0], "revocation-role", str(a[1]))
                ),
                scope=scope,
                role_definition_id=role.id,
                principal_id=principal,
                principal_type="ServicePrincipal",
                description="The revocation runbook's managed identity (csp-delegation)",
                opts=pulumi.ResourceOptions(parent=self, provider=args.provider, delete_before_replace=True),
            )
        self.automation_account_name = automation_account.name
        self.register_outputs(
            {
                "automationAccount": automation_account.name,
                "runbook": self.runbook.name,
                "contentSha256": bundle.apply(lambda b: b.sha256),
            }
        )
