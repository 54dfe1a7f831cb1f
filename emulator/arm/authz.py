"""Who may do what in ARM: Azure's permission model, as strict as Azure (the default).

ARM decides every request from the caller's token (tenant ``tid``, object id ``oid``) and the role
assignments that reach the scope (reference/azure-facts.md, "Permissions that decide what a
revocation can do"). The emulator does the same:

- **Identities.** The caller acts as itself and as every group it belongs to, transitively
  (``arm.group_members`` in a scenario; a partner's AdminAgents and HelpdeskAgents contain the
  emulator's default principal, the partner's operator, unless the scenario lists their members).
- **Admin on behalf of.** A principal of another tenant (a partner's user) reaches a customer tenant
  only while a directory-side delegation lets it sign in there: DAP (AdminAgents / HelpdeskAgents
  while ``allowDelegatedAccess`` holds for them) or an active GDAP relationship with an active access
  assignment for one of its groups. Terminating GDAP or removing DAP takes that away: the partner's
  ForeignGroup role assignments stay (Azure does not remove them) but nobody can use them.
- **Lighthouse.** A token of the managing tenant reaches a delegated subscription (or resource group)
  with the roles of the registration definition's authorizations given to its identities. Removing a
  delegation follows Microsoft's own rule (``Authorizer.require_delegation_removal``).
- **Roles.** Role assignments at or above the scope (tenant root ``/``, management groups, the
  subscription, resource group, resource) to one of the identities; each built-in role's actions
  and not-actions as Azure defines them; a custom role's as the scenario seeds them
  (``arm.role_definitions: [{id, actions, notActions}]``; a bare GUID grants nothing).
- **Tenant root.** ``/`` is reached only by assignments at ``/`` of the caller's own tenant: a
  Global Administrator's elevated access (User Access Administrator at ``/``).

Refusals are ARM's 403 ``AuthorizationFailed``. ``arm_authorization: permissive`` (a setting) keeps
the old behaviour (tenant checks only) for tests of API shapes that predate this model.
"""

from __future__ import annotations

import fnmatch

from emulator.arm import model as m
from emulator.arm import roles as arm_roles
from emulator.core.errors import ServiceError
from emulator.core.identity import Caller
from emulator.core.state import EmulatorState
from emulator.graph import gdap_model as gdap

#: The principal ``azure_http.EmulatorTokens()`` speaks for: the partner's operator (a partner-tenant
#: user in the partner's agent groups unless the scenario says otherwise).
DEFAULT_OPERATOR = "00000000-0000-4000-8000-00000000e001"
STRICT, PERMISSIVE = "strict", "permissive"

# Actions (lower case) the emulator checks.
SUBSCRIPTION_READ = "microsoft.resources/subscriptions/read"
RA_READ = "microsoft.authorization/roleassignments/read"
RA_WRITE = "microsoft.authorization/roleassignments/write"
RA_DELETE = "microsoft.authorization/roleassignments/delete"
RD_READ = "microsoft.authorization/roledefinitions/read"
REG_DEF_READ = "microsoft.managedservices/registrationdefinitions/read"
REG_DEF_WRITE = "microsoft.managedservices/registrationdefinitions/write"
REG_DEF_DELETE = "microsoft.managedservices/registrationdefinitions/delete"
REG_READ = "microsoft.managedservices/registrationassignments/read"
REG_WRITE = "microsoft.managedservices/registrationassignments/write"
REG_DELETE = "microsoft.managedservices/registrationassignments/delete"
#: Managed Services Registration assignment Delete Role: what lets a managing tenant remove a delegation.
DELEGATION_DELETE_ROLE = "91c1777a-f3dc-4fae-b103-61d183457e46"

#: Built-in roles: (actions, notActions), lower-cased for matching; the definitions themselves (what the role
#: definitions API shows) live in ``emulator.arm.roles``, one table for both.
ROLE_ACTIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    guid: (tuple(a.lower() for a in role.actions), tuple(n.lower() for n in role.not_actions))
    for guid, role in arm_roles.BUILTIN_ROLES.items()
}


def role_allows(
    role_guid: str, action: str, custom: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] | None = None
) -> bool:
    """Whether the role's actions (built-in, or a custom role's as seeded) include ``action``."""
    actions, not_actions = ROLE_ACTIONS.get(role_guid) or (custom or {}).get(role_guid) or ((), ())
    return any(fnmatch.fnmatchcase(action, a) for a in actions) and not any(
        fnmatch.fnmatchcase(action, n) for n in not_actions
    )


def strict(state: EmulatorState) -> bool:
    return state.settings.arm_authorization != PERMISSIVE


def denied(caller: Caller, action: str, scope_text: str) -> ServiceError:
    """ARM's refusal, word for word."""
    return ServiceError(
        403,
        f"The client '{caller.principal}' with object id '{caller.principal}' does not have authorization to "
        f"perform action '{action}' over scope '{scope_text}' or the scope is invalid. If access was recently "
        "granted, please refresh your credentials.",
        "AuthorizationFailed",
    )


class Authorizer:
    """Answers "may this caller do this action at this scope" for one request (under the state lock)."""

    def __init__(self, state: EmulatorState, caller: Caller) -> None:
        self.state, self.caller = state, caller
        self.store: m.ArmStore = state.stores["arm"]
        self._identities: dict[str, frozenset[str]] = {}
        self._groups: dict[str, set[str]] = {}

    # -- identities -------------------------------------------------------------------------
    def _members(self) -> dict[str, set[str]]:
        members = {g: set(ms) for g, ms in self.store.group_members.items()}
        pc = self.state.stores.get("partner_center")
        for group_id in (pc.agent_groups() if pc is not None else {}).values():
            members.setdefault(group_id, {DEFAULT_OPERATOR})
        return members

    def groups_of(self, principal: str) -> set[str]:
        """Every group ``principal`` belongs to, directly or through nested groups."""
        if principal in self._groups:
            return self._groups[principal]
        members = self._members()
        found: set[str] = set()
        todo = [principal]
        while todo:
            current = todo.pop()
            for group, ms in members.items():
                if current in ms and group not in found:
                    found.add(group)
                    todo.append(group)
        self._groups[principal] = found
        return found

    def home_tenant(self, principal: str, token_tenant: str) -> str:
        known = self.store.principals.get(principal)
        if known is not None:
            return known.tenant_id
        partner = self.state.settings.partner_tenant_id.lower()
        pc = self.state.stores.get("partner_center")
        if principal == DEFAULT_OPERATOR or principal in (pc.agent_groups() if pc is not None else {}).values():
            return partner
        return token_tenant  # an unknown principal is a native of the tenant its token is for

    def aobo_groups(self, customer_tenant: str) -> set[str]:
        """Partner groups whose members may sign in to ``customer_tenant`` now: DAP and active GDAP."""
        out: set[str] = set()
        pc = self.state.stores.get("partner_center")
        customer = pc.customers.get(customer_tenant) if pc is not None else None
        if customer is not None:
            if customer.dap_admin_agents and pc.admin_agents_group_id:
                out.add(pc.admin_agents_group_id)
            if customer.dap_helpdesk_agents and pc.helpdesk_agents_group_id:
                out.add(pc.helpdesk_agents_group_id)
        store: gdap.GdapStore | None = self.state.stores.get("gdap")
        if store is not None:
            now, settings = self.state.clock.now(), self.state.settings
            for rel in store.relationships.values():
                if ((rel.customer or {}).get("tenantId") or "").lower() != customer_tenant:
                    continue
                gdap.refresh(rel, now, settings)
                status = gdap.status_of(rel, now, settings)
                if status not in ("active", "expiring"):
                    continue
                for a in store.assignments.get(rel.id, {}).values():
                    if gdap.assignment_status(a, status, now, settings) == "active":
                        out.add(a.group_id.lower())
        return out

    def identities_in(self, tenant: str) -> frozenset[str]:
        """The object ids the caller acts as in ``tenant`` (its token's tenant)."""
        if tenant in self._identities:
            return self._identities[tenant]
        principal = self.caller.principal
        groups = self.groups_of(principal)
        if self.home_tenant(principal, self.caller.tenant_id) != tenant and not (groups & self.aobo_groups(tenant)):
            found: frozenset[str] = frozenset()  # a foreign principal without DAP or GDAP cannot sign in here
        else:
            found = frozenset({principal, *groups})
        self._identities[tenant] = found
        return found

    # -- roles ------------------------------------------------------------------------------
    def roles_at(self, scope: m.Scope, tenant: str, *, below: bool = False) -> set[str]:
        """Role GUIDs the caller holds at ``scope`` of ``tenant`` (with ``below``: anywhere under it too)."""
        if tenant == self.caller.tenant_id:
            ids = self.identities_in(tenant)
            if not ids:
                return set()
            found = self.store.assignments_for(scope, tenant, above=True, below=below)
            return {ra.role_guid for ra in found if ra.principal_id in ids}
        return self._lighthouse_roles(scope)

    def _lighthouse_roles(self, scope: m.Scope) -> set[str]:
        """Roles a managing tenant's caller holds at a delegated subscription or resource group."""
        if not scope.subscription_id:
            return set()
        mine = self.caller.tenant_id
        ids = frozenset({self.caller.principal, *self.groups_of(self.caller.principal)})
        if self.home_tenant(self.caller.principal, mine) != mine:
            return set()
        roles: set[str] = set()
        for a in self.store.lh_by_sub.get(scope.subscription_id, {}).values():
            covers = scope.key == a.scope.key or scope.key.startswith(a.scope.key + "/")
            d = self.store.definitions.get((scope.subscription_id, a.definition_id))
            if not covers or d is None or d.managed_by_tenant_id != mine:
                continue
            roles |= {auth["roleDefinitionId"] for auth in d.authorizations if auth["principalId"] in ids}
        return roles

    def allowed(self, scope: m.Scope, tenant: str, action: str) -> bool:
        if not strict(self.state):
            return True
        return any(role_allows(r, action, self.store.custom_role_actions) for r in self.roles_at(scope, tenant))

    def require(self, scope: m.Scope, tenant: str, *actions: str) -> None:
        """403 ``AuthorizationFailed`` unless the caller may do every one of ``actions`` at ``scope``."""
        if not strict(self.state):
            return
        roles = self.roles_at(scope, tenant)
        for action in actions:
            if not any(role_allows(r, action, self.store.custom_role_actions) for r in roles):
                raise denied(self.caller, action, scope.text)

    def require_delegation_removal(self, scope: m.Scope, tenant: str) -> None:
        """Who may remove a Lighthouse delegation (delete a registration assignment), as Microsoft documents it.

        learn.microsoft.com/azure/lighthouse/how-to/remove-delegation (MicrosoftDocs/azure-management-docs
        ``articles/lighthouse/how-to/remove-delegation.md``): in the customer's tenant, a user "who [has] a role
        with the ``Microsoft.Authorization/roleAssignments/write`` permission, such as Owner" (and the delete
        action itself); in the managing tenant, only users "granted the Managed Services Registration
        Assignment Delete Role during the onboarding process": "if this role isn't assigned to any service
        provider users, the delegation can only be removed by a user in the customer's tenant". So a managing
        tenant's Contributor, whose ``*`` covers the delete action, may not: only that role, in an offer's
        authorizations reaching the scope, does.
        """
        if not strict(self.state):
            return
        if tenant == self.caller.tenant_id:
            self.require(scope, tenant, REG_DELETE, RA_WRITE)
        elif DELEGATION_DELETE_ROLE not in self._lighthouse_roles(scope):
            raise denied(self.caller, REG_DELETE, scope.text)

    def sees_subscription(self, sub: m.Subscription) -> bool:
        """Whether ARM lists ``sub`` to the caller: a role that reads it at, above or below it."""
        if not strict(self.state):
            return True
        scope = m.parse_scope(f"/subscriptions/{sub.id}")
        roles = self.roles_at(scope, sub.tenant_id, below=True)
        custom = self.store.custom_role_actions
        return any(role_allows(r, SUBSCRIPTION_READ, custom) or role_allows(r, RA_READ, custom) for r in roles)
