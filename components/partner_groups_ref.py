"""The partner's group object ids as a customer stack sees them: its own component, config, or another stack.

A partner with many customers runs one stack per customer plus one for the groups; the customer
stacks read the ids through a StackReference (output ``agentGroupIds``) or take them from config.
"""

from __future__ import annotations

from collections.abc import Mapping

import pulumi

GROUP_IDS_OUTPUT = "agentGroupIds"


class PartnerGroupIds:
    """Resolves a group key (adminAgents, helpdeskAgents, tier2Support, ...) to its object id."""

    def __init__(self, ids: Mapping[str, pulumi.Input[str]] | pulumi.Output[Mapping[str, str]], source: str):
        # Per-key inputs stay separate, so one group created in this run (id unknown until apply) does
        # not make every other group's id unknown in a preview.
        self._per_key = dict(ids) if isinstance(ids, Mapping) else None
        self._ids = pulumi.Output.from_input(ids)
        self._source = source

    @classmethod
    def from_stack(cls, stack: str) -> PartnerGroupIds:
        ref = pulumi.StackReference(f"partner-groups-{stack.replace('/', '-')}", stack_name=stack)
        return cls(ref.get_output(GROUP_IDS_OUTPUT), f"stack {stack} (output {GROUP_IDS_OUTPUT})")

    @property
    def all(self) -> pulumi.Output[Mapping[str, str]]:
        return self._ids

    def all_ids(self) -> pulumi.Output[list[str]]:
        """Every partner group's object id, sorted (what a revocation removes)."""
        return self._ids.apply(lambda ids: sorted((ids or {}).values()))

    def get(self, key: str) -> pulumi.Output[str]:
        if self._per_key is not None and key in self._per_key:
            return pulumi.Output.from_input(self._per_key[key])

        def pick(ids: Mapping[str, str] | None) -> str:
            if not ids or key not in ids:
                known = ", ".join(sorted(ids or {})) or "none"
                raise pulumi.RunError(f"partner group {key!r} is not in {self._source} (it has: {known})")
            return ids[key]

        return self._ids.apply(pick)
