"""Which of the partner's relationships is a customer's: matched by the intent's name and tenant, never by id.

Pure (no HTTP): the stack program, invite, status and drift all match the same way.
"""

from __future__ import annotations

from collections.abc import Iterable

from azure_http.gdap import PREFERENCE
from azure_http.models import Relationship
from catalog import gdap_naming


def pick(
    relationships: Iterable[Relationship], display_name: str, tenant_id: str, adopt_id: str | None = None
) -> Relationship | None:
    """The customer's open relationship: the one named for adoption, else the most advanced of that base name."""
    if adopt_id is not None:
        named = [r for r in relationships if r.id.lower() == adopt_id.lower() and not r.ended]
        return named[0] if named else None
    matching = [
        r
        for r in relationships
        if gdap_naming.matches(display_name, r.display_name)
        and r.customer_tenant_id == tenant_id.lower()
        and not r.ended
    ]
    if not matching:
        return None
    return min(matching, key=lambda r: PREFERENCE.get(r.status, 9))


def generations(relationships: Iterable[Relationship], display_name: str, tenant_id: str) -> list[Relationship]:
    """Every relationship (ended ones too) of the customer under that base name, oldest first."""
    mine = [
        r
        for r in relationships
        if r.customer_tenant_id == tenant_id.lower() and gdap_naming.matches(display_name, r.display_name)
    ]
    return sorted(mine, key=lambda r: r.created or "")
