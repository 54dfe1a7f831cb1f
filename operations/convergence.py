"""Which stacks need a deploy because a customer approved: convergence without a person.

The access assignments of a GDAP relationship can only be created once it is active, so the run that creates
a relationship cannot map the partner's groups: the first deploy after the customer's approval does. Nothing
starts that deploy by itself. This module finds the stacks that need it, statelessly, from the config and
Graph (no Pulumi state or CLI needed): "the last deploy" is known by its effect. A stack needs a deploy when
one of its gdap customers has a relationship (the config's name, any generation) that is **active** while a
declared group has no access assignment in it yet:

- a group with an object id in the config: no access assignment (pending, active) for that group;
- a group Pulumi creates (no object id in the config): fewer live access assignments than declared groups.

A relationship still waiting for approval past ``stuck_days`` is listed as stuck (``dapctl gdap status``
warns on the same threshold, and the scheduled drift run files the stack's issue with it). At most
``max_stacks`` stacks are selected per run, oldest activation first; the others wait for the next run.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from azure_http import GraphClient
from azure_http.connect import Connection
from azure_http.gdap import APPROVAL_PENDING, ASSIGNMENT_ACTIVE, ASSIGNMENT_PENDING
from azure_http.models import AccessAssignment, Relationship
from intent.observed import generations
from operations.fleet import Fleet
from operations.relationships import read_relationships

_LIVE_ASSIGNMENT = frozenset({ASSIGNMENT_PENDING, ASSIGNMENT_ACTIVE})


@dataclass
class Candidate:
    stack: str
    customer: str
    relationship_id: str
    activated: str
    reason: str


@dataclass
class Stuck:
    stack: str
    customer: str
    relationship_id: str
    waiting_since: str
    days: int


@dataclass
class Selection:
    deploy: list[Candidate] = field(default_factory=list)
    deferred: list[Candidate] = field(default_factory=list)
    """Over the per-run bound: selected by a later run."""
    stuck: list[Stuck] = field(default_factory=list)
    config_problems: dict[str, list[str]] = field(default_factory=dict)

    @property
    def stacks(self) -> list[str]:
        return list(dict.fromkeys(c.stack for c in self.deploy))

    def to_json(self) -> dict:
        return {
            "schemaVersion": 1,
            "stacks": self.stacks,
            "deploy": [c.__dict__ for c in self.deploy],
            "deferred": [c.__dict__ for c in self.deferred],
            "stuck": [s.__dict__ for s in self.stuck],
            "configProblems": self.config_problems,
        }


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


async def select_stacks(
    project_dir: Path,
    stacks: list[str],
    read_relationships: Callable[[str], Awaitable[list[Relationship]]],
    read_assignments: Callable[[str, str], Awaitable[list[AccessAssignment]]],
    *,
    max_stacks: int = 10,
    stuck_days: int = 7,
    now: datetime | None = None,
) -> Selection:
    """The stacks to deploy now (bounded), those deferred, and the relationships stuck in approval."""
    now = now or datetime.now(UTC)
    fleet = Fleet.load(project_dir, stacks)
    result = Selection(config_problems=fleet.problems)
    by_partner: dict[str, list[Relationship]] = {}
    found: list[Candidate] = []
    for stack, cfg in fleet.intents.items():
        if cfg.partner.tenant_id not in by_partner:
            by_partner[cfg.partner.tenant_id] = await read_relationships(cfg.partner.tenant_id)
        ids = cfg.partner.group_ids
        for customer in cfg.active_customers:
            if customer.gdap is None:
                continue
            mine = generations(by_partner[cfg.partner.tenant_id], customer.gdap.display_name, customer.tenant_id)
            for rel in mine:
                status = rel.status
                if status == APPROVAL_PENDING:
                    since = _parse(rel.raw.get("lastModifiedDateTime") or rel.created)
                    days = int((now - since).total_seconds() // 86400) if since else 0
                    if days >= stuck_days:
                        result.stuck.append(Stuck(stack, customer.name, rel.id, str(since and since.isoformat()), days))
                    continue
                if not rel.usable:
                    continue
                assignments = [
                    a for a in await read_assignments(cfg.partner.tenant_id, rel.id) if a.status in _LIVE_ASSIGNMENT
                ]
                mapped = {a.group_id for a in assignments}
                declared = customer.gdap.access
                missing = [a.group for a in declared if a.group in ids and ids[a.group] not in mapped]
                unknown = [a.group for a in declared if a.group not in ids]
                if missing or (unknown and len(assignments) < len(declared)):
                    groups = missing + [g for g in unknown if len(assignments) < len(declared)]
                    found.append(
                        Candidate(
                            stack,
                            customer.name,
                            rel.id,
                            rel.activated or "",
                            f"relationship {rel.display_name!r} is {status}; not mapped yet: {', '.join(groups)}",
                        )
                    )
    found.sort(key=lambda c: (c.activated, c.stack))
    selected: list[str] = []
    for candidate in found:
        if candidate.stack in selected or len(selected) < max(0, max_stacks):
            if candidate.stack not in selected:
                selected.append(candidate.stack)
            result.deploy.append(candidate)
        else:
            result.deferred.append(candidate)
    return result


async def converge_selection(
    conn: Connection, project_dir: Path, stacks: list[str], *, max_stacks: int = 10, stuck_days: int = 7
) -> Selection:
    """``select_stacks`` over Graph: the partner's relationships and each usable one's access assignments."""

    async def assignments(partner_tenant_id: str, relationship_id: str) -> list[AccessAssignment]:
        async with GraphClient(conn.tokens, conn.endpoints, tenant_id=partner_tenant_id) as graph:
            return [a async for a in graph.access_assignments(relationship_id)]

    async def relationships(partner_tenant_id: str) -> list[Relationship]:
        return await read_relationships(conn, partner_tenant_id)

    return await select_stacks(
        project_dir, stacks, relationships, assignments, max_stacks=max_stacks, stuck_days=stuck_days
    )
