"""What the stack config says the partner should hold in a customer tenant, as plain data.

The audit marks each grant it finds as declared or out-of-band against this. It is plain data (no
pydantic, no Pulumi) because the same audit runs inside the customer's Automation sandbox; dapctl
builds it from the stack config (dapctl/declared_from_config.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from catalog import gdap_naming

from .grants import Grant, Kind, Origin


@dataclass
class DeclaredAccess:
    rbac: set[tuple[str, str, str]] = field(default_factory=set)
    """(scope, role definition GUID, principal id), lower-cased."""
    lighthouse_scopes: set[str] = field(default_factory=set)
    """Subscription scopes with a declared Lighthouse delegation to the partner."""
    gdap_base_name: str | None = None
    gdap_role_ids: frozenset[str] = frozenset()
    gdap_access: set[tuple[str, frozenset[str]]] = field(default_factory=set)
    """(group id, role ids) of each declared access assignment."""
    dap: bool = False
    """DAP is expected (a dap customer, or legacyDap while moving to GDAP)."""

    def origin(self, grant: Grant) -> Origin:
        return Origin.DECLARED if self._declares(grant) else Origin.OUT_OF_BAND

    def _declares(self, grant: Grant) -> bool:
        if grant.kind is Kind.RBAC:
            role_guid = (grant.details.get("roleDefinitionId") or "").rsplit("/", 1)[-1].lower()
            key = ((grant.scope or "").lower(), role_guid, (grant.principal_id or "").lower())
            return key in self.rbac
        if grant.kind is Kind.LIGHTHOUSE:
            return (grant.scope or "").lower() in self.lighthouse_scopes
        if grant.kind is Kind.GDAP_RELATIONSHIP:
            roles = frozenset(grant.details.get("roleIds", []))
            return (
                self.gdap_base_name is not None
                and gdap_naming.matches(self.gdap_base_name, grant.details.get("displayName", ""))
                and roles == self.gdap_role_ids
            )
        if grant.kind is Kind.GDAP_ACCESS:
            key = ((grant.principal_id or "").lower(), frozenset(grant.details.get("roleIds", [])))
            return key in self.gdap_access
        if grant.kind is Kind.DAP:
            return self.dap
        return False
