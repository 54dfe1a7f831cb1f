"""Which kinds of access a revocation removes: ``--only`` / ``--keep`` over gdap, dap, rbac and lighthouse.

A customer's lifecycle is not all-or-nothing: it may remove delegated admin (GDAP and DAP) and keep the
partner's Azure RBAC, or remove Azure access and keep the GDAP relationship, and a partner ends a DAP to
GDAP move by removing DAP alone. The selection is parsed and checked before any request, travels in the
revocation journal (so ``--resume`` continues the same selection), and tells the verification what to read
back and what to report as kept. Plain data, no pydantic: the customer's Automation runbook (Python 3.10)
imports it too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .grants import Grant, Kind

#: The areas a selection names, in the order reports list them.
AREAS = ("gdap", "dap", "rbac", "lighthouse")
_KINDS = {
    "gdap": (Kind.GDAP_RELATIONSHIP, Kind.GDAP_ACCESS),
    "dap": (Kind.DAP,),
    "rbac": (Kind.RBAC,),
    "lighthouse": (Kind.LIGHTHOUSE,),
}


class SelectionError(ValueError):
    """A selection that cannot be used: the message names the option and the fix."""


@dataclass(frozen=True)
class Selection:
    """The areas a revocation removes; every other area's grants are kept (and reported as kept)."""

    areas: frozenset[str] = frozenset(AREAS)

    @property
    def everything(self) -> bool:
        return self.areas == frozenset(AREAS)

    @property
    def removed(self) -> list[str]:
        return [a for a in AREAS if a in self.areas]

    @property
    def kept(self) -> list[str]:
        return [a for a in AREAS if a not in self.areas]

    @property
    def kinds(self) -> frozenset[Kind]:
        return frozenset(k for area in self.areas for k in _KINDS[area])

    @property
    def azure(self) -> bool:
        """Whether any Azure grant (RBAC or Lighthouse) is removed: only then is Azure swept again."""
        return bool(self.areas & {"rbac", "lighthouse"})

    def includes(self, grant: Grant) -> bool:
        return grant.kind in self.kinds

    def describe(self) -> str:
        if self.everything:
            return "everything (gdap, dap, rbac, lighthouse)"
        return f"only {', '.join(self.removed)}; kept: {', '.join(self.kept)}"

    def to_json(self) -> list[str]:
        return self.removed

    @classmethod
    def from_json(cls, areas: Iterable[str] | None) -> Selection:
        """The selection a journal recorded (None: a journal from before selections, which removed everything)."""
        if areas is None:
            return ALL
        return cls(frozenset(_check_areas(list(areas), "the journal's selection")))


ALL = Selection()


def _check_areas(values: list[str], option: str) -> list[str]:
    areas = [v.strip().lower() for value in values for v in value.split(",") if v.strip()]
    unknown = [a for a in areas if a not in AREAS]
    if unknown:
        raise SelectionError(
            f"{option}: unknown area {unknown[0]!r}: use a comma-separated list of {', '.join(AREAS)} "
            f"(for example {option} gdap,dap)"
        )
    if not areas:
        raise SelectionError(f"{option}: empty: name at least one of {', '.join(AREAS)}")
    return areas


def parse_selection(only: list[str] | None, keep: list[str] | None) -> Selection:
    """``--only`` (remove just these areas) or ``--keep`` (remove all but these); neither: everything."""
    only, keep = list(only or []), list(keep or [])
    if only and keep:
        raise SelectionError(
            "--only and --keep cannot be combined: use --only to name what goes, or --keep to name what stays"
        )
    if only:
        return Selection(frozenset(_check_areas(only, "--only")))
    if keep:
        kept = set(_check_areas(keep, "--keep"))
        if kept == set(AREAS):
            raise SelectionError("--keep: keeps every area, so nothing would be removed: drop one from --keep")
        return Selection(frozenset(AREAS) - kept)
    return ALL
