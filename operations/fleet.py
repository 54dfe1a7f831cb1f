"""Fleet questions over every stack of the project folder, in one process: what each stack declares (the offline
plan with the policy pack), and the GDAP status of every customer (the partner's relationships read once, not once
per stack).

One process instead of one per stack: interpreter start-up and imports are about 90 % of a one-customer plan, so
1,000 stacks cost about 2 minutes here instead of about 28 minutes of CPU. Memory stays flat: each stack's run is
dropped before the next starts, and the garbage collector is frozen after the imports (the long-lived imported
objects are never scanned again).
"""

from __future__ import annotations

import fnmatch
import gc
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from azure_http.connect import Connection
from azure_http.models import Relationship
from config.errors import ConfigError
from intent import CustomerIntent, StackIntent, load_intent
from operations.drift import DriftItem, customer_drift
from operations.expected_scope import remember_seen
from operations.fleet_audit import audit_fleet
from operations.gdap_status import StatusRow, status_rows

STACK_FILE_GLOB = "Pulumi.*.yaml"


def stack_names(project_dir: Path, patterns: list[str] | None = None, exclude: list[str] | None = None) -> list[str]:
    """The stacks of the project folder whose names match any of ``patterns`` (all when none), less ``exclude``."""
    names = sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in project_dir.glob(STACK_FILE_GLOB))
    if patterns:
        names = [n for n in names if any(fnmatch.fnmatchcase(n, p) for p in patterns)]
    return [n for n in names if not any(fnmatch.fnmatchcase(n, p) for p in exclude or [])]


@dataclass
class FleetStream:
    """The selected stacks read one at a time, as a fleet question walks them: only the stack being asked about
    is parsed and alive, so memory stays flat in the number of stacks (10,000 intents held at once are most of
    a fleet run's memory). The stacks whose config is broken are collected in ``problems`` as they are met; a
    broken stack is reported, the others still run."""

    project_dir: Path
    stacks: list[str]
    problems: dict[str, list[str]] = field(default_factory=dict)

    def intents(self) -> Iterator[tuple[str, StackIntent]]:
        """Each stack's intent, loaded when it is asked for, in stack order."""
        for stack in self.stacks:
            try:
                intent = load_intent(stack, self.project_dir)
            except ConfigError as err:
                self.problems[stack] = [f"{p.path}: {p.message}" for p in err.problems]
                continue
            yield stack, intent

    def customers(self, *, active: bool = False) -> Iterator[tuple[str, StackIntent, CustomerIntent]]:
        """Every customer as (stack, intent, customer), in stack order (``active``: those that expect access)."""
        for stack, intent in self.intents():
            for customer in intent.active_customers if active else intent.customers:
                yield stack, intent, customer


@dataclass
class Fleet:
    """The selected stacks' intents, all loaded at once (``FleetStream`` walks them one at a time), and the
    stacks whose config is broken (with its problems): the questions that need every stack side by side
    (convergence, access, the audit's resume) use this one; a broken stack is reported, the others still run."""

    intents: dict[str, StackIntent] = field(default_factory=dict)
    problems: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def load(cls, project_dir: Path, stacks: list[str]) -> Fleet:
        stream = FleetStream(project_dir, stacks)
        return cls(dict(stream.intents()), stream.problems)

    def customers(self, *, active: bool = False) -> list[tuple[str, StackIntent, CustomerIntent]]:
        """Every customer as (stack, intent, customer), in stack order (``active``: those that expect access)."""
        return [
            (stack, intent, customer)
            for stack, intent in self.intents.items()
            for customer in (intent.active_customers if active else intent.customers)
        ]


@dataclass
class StackPlan:
    stack: str
    customers: int = 0
    resources: int = 0
    components: int = 0
    mandatory: int = 0
    advisory: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and not self.mandatory

    def to_json(self) -> dict[str, Any]:
        return {**self.__dict__, "ok": self.ok}


def plan_stacks(
    project_dir: Path, stacks: list[str], progress: Callable[[int, int], None] | None = None
) -> Iterator[StackPlan]:
    """The offline plan of each stack, one after another in this process; a broken stack is reported, not fatal."""
    from operations.plan import load_plan_config, plan_offline

    gc.collect()
    gc.freeze()  # everything imported so far lives as long as the process: stop scanning it
    try:
        for index, stack in enumerate(stacks, start=1):
            result = StackPlan(stack)
            try:
                config, flat = load_plan_config(stack, project_dir)
                planned = plan_offline(config, flat, stack)  # offline: nothing read, nothing written
                run, violations = planned.run, planned.violations
                result.customers = len(config.customers)
                result.resources = sum(1 for r in run.resources if r.custom)
                result.components = sum(1 for r in run.resources if not r.custom and r.type != "pulumi:pulumi:Stack")
                result.mandatory = sum(1 for v in violations if v.mandatory)
                result.advisory = sum(1 for v in violations if not v.mandatory)
            except ConfigError as err:
                result.problems = [f"{p.path}: {p.message}" for p in err.problems]
            except Exception as err:
                result.problems = [f"the program failed: {type(err).__name__}: {err}"]
            if progress:
                progress(index, len(stacks))
            yield result
    finally:
        gc.unfreeze()


class FleetStatus:
    """GDAP status rows of every stack's customers, as (stack, customer, row), produced while they are iterated:
    each partner tenant's relationships are read once and indexed by customer tenant (the work stays linear in
    the fleet), and each stack's intent is loaded only while its rows are made. While iterating, the DAP
    customers (stack, customer) gather in ``dap`` and the stacks whose config is broken in ``problems``."""

    def __init__(self, project_dir: Path, stacks: list[str], read_relationships: Callable[[str], list[Relationship]]):
        self._stream = FleetStream(project_dir, stacks)
        self._read_relationships = read_relationships
        self.dap: list[tuple[str, CustomerIntent]] = []

    @property
    def problems(self) -> dict[str, list[str]]:
        return self._stream.problems

    def __iter__(self) -> Iterator[tuple[str, CustomerIntent, StatusRow]]:
        by_partner: dict[str, dict[str, list[Relationship]]] = {}
        for stack, cfg in self._stream.intents():
            tenant = cfg.partner.tenant_id
            if tenant not in by_partner:
                index: dict[str, list[Relationship]] = {}
                for rel in self._read_relationships(tenant):
                    index.setdefault(rel.customer_tenant_id, []).append(rel)
                by_partner[tenant] = index
            mine = [r for c in cfg.customers for r in by_partner[tenant].get(c.tenant_id.lower(), [])]
            customers = {c.name: c for c in cfg.customers}
            for row in status_rows(cfg, mine):
                yield stack, customers[row.customer], row
            self.dap += [(stack, c) for c in cfg.customers if c.delegation == "dap"]


def status_of_fleet(
    project_dir: Path, stacks: list[str], read_relationships: Callable[[str], list[Relationship]]
) -> FleetStatus:
    """The fleet's GDAP status, read as it is iterated (``FleetStatus``)."""
    return FleetStatus(project_dir, stacks, read_relationships)


OnStackDrift = Callable[[str, list[DriftItem]], Any]


async def drift_of_fleet(
    conn: Connection,
    project_dir: Path,
    stacks: list[str],
    on_stack: OnStackDrift,
    concurrency: int = 32,
    progress=None,
) -> dict[str, list[str]]:
    """Drift of every customer of every stack: relationships read once per partner tenant, shared connections,
    customers audited ``concurrency`` at a time (``operations.fleet_audit``), stacks loaded as they are reached.

    ``on_stack(stack, drift items)`` gets each stack's drift as soon as all its customers are checked, in stack
    order (a stack finished early waits for the ones before it: at most ``concurrency`` customers' items wait);
    nothing else is kept. Each customer's subscriptions are added to its expected scope (the project folder's
    record, read by a later revocation). Returns the stacks whose config is broken."""
    stream = FleetStream(project_dir, stacks)
    order: deque[str] = deque()  # stacks started, not yet handed over, in stack order
    waiting: dict[str, int] = {}  # customers of each started stack still being checked
    found: dict[str, list[DriftItem]] = {}

    def jobs() -> Iterator[tuple[str, StackIntent, CustomerIntent]]:
        for stack, intent in stream.intents():
            order.append(stack)
            waiting[stack], found[stack] = len(intent.customers), []
            for customer in intent.customers:
                yield stack, intent, customer
            flush()  # a stack without customers

    def flush() -> None:
        while order and waiting[order[0]] == 0:
            stack = order.popleft()
            del waiting[stack]
            on_stack(stack, found.pop(stack))

    def on_report(stack, cfg, customer, report, declared, relationships) -> None:
        remember_seen(project_dir, customer, report, "drift", keep_going=True)  # what a later revocation must find
        items = customer_drift(cfg, customer, report, declared, relationships, stack=stack)
        items += [_unchecked(customer.name, error) for error in report.errors]
        found[stack].extend(items)
        waiting[stack] -= 1
        flush()

    await audit_fleet(conn, jobs(), on_report, concurrency=concurrency, progress=progress)
    flush()
    return stream.problems


def _unchecked(customer: str, error: str) -> DriftItem:
    return DriftItem(customer, "not checked", error, "fix access to the tenant, then run the drift check again")
