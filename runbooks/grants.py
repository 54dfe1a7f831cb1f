"""One access path a partner holds into a customer tenant, whatever kind it is.

Audit finds grants, revoke removes them, reports print them: one shape for all of it, serialisable to
JSON (the journal, `--json`), so a grant found in one run is recognised in the next.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import Enum


class _StrEnum(str, Enum):  # noqa: UP042 - enum.StrEnum is Python 3.11; the runbook runs on 3.10
    """``enum.StrEnum`` (Python 3.11) for the runbook's Python 3.10: compares and prints as its value."""

    def __str__(self) -> str:
        return str(self.value)


class Kind(_StrEnum):
    GDAP_RELATIONSHIP = "gdap-relationship"
    GDAP_ACCESS = "gdap-access-assignment"
    DAP = "dap"
    RBAC = "rbac"
    LIGHTHOUSE = "lighthouse"


class Origin(_StrEnum):
    DECLARED = "declared"
    """In the stack config: csp-delegation put it there and keeps it."""
    OUT_OF_BAND = "out-of-band"
    """Not in the config: made by hand, by another tool, or left behind."""
    UNKNOWN = "unknown"
    """No stack config to compare with (the customer's own runbook, or --all-partners)."""


@dataclass(frozen=True)
class Grant:
    kind: Kind
    id: str
    """ARM id of the assignment, Graph id of the relationship, or the customer tenant for DAP."""
    description: str
    principal_id: str | None = None
    principal_type: str | None = None
    role: str | None = None
    scope: str | None = None
    subscription_id: str | None = None
    status: str | None = None
    partner_tenant_id: str | None = None
    inherited: bool = False
    """Granted above the subscription (a management group): removable only there."""
    origin: Origin = Origin.UNKNOWN
    details: dict = field(default_factory=dict, compare=False, hash=False)

    def to_json(self) -> dict:
        data = asdict(self)
        data["kind"] = str(self.kind)
        data["origin"] = str(self.origin)
        return data

    @classmethod
    def from_json(cls, data: dict) -> Grant:
        return cls(**{**data, "kind": Kind(data["kind"]), "origin": Origin(data["origin"])})

    def with_origin(self, origin: Origin) -> Grant:
        return Grant(**{**self.__dict__, "origin": origin})
