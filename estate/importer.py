"""The import from end to end: which customers, read their estate, decide each one's config, write it (or not).

``plan_import`` is pure (estate in, documents and findings out); ``write_import`` writes them; ``select_customers``
turns ``--customers`` selectors into a predicate over the partner's contracts. dapctl's ``import`` command is a thin
shell over these.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from config.errors import ConfigError
from config.stack_edit import replace_file

from .model import Estate, Relationship
from .reader import Contract
from .translate import (
    NOT_EXPRESSED,
    SKIPPED,
    CustomerImport,
    Finding,
    MltMode,
    PartnerInfo,
    customer_name,
    translate_customer,
)
from .writer import (
    HEADER,
    ProjectIndex,
    StackChecker,
    append_customers,
    customer_stack,
    dump,
    write_new,
)


@dataclass(frozen=True)
class ImportOptions:
    mlt: MltMode = "adopt"
    include_ended: bool = False
    into: str | None = None
    """Append the customers to this stack instead of one stack per customer."""
    groups_from_stack: str | None = None
    """Per-customer stacks read the partner's groups from this stack (groupsFrom.stack) instead of copying their
    object ids (groupsFrom.objectIds, which dapctl's audit, drift and fleet commands can use offline)."""


@dataclass
class PlannedFile:
    path: Path
    text: str
    tenant_ids: list[str]
    append: bool = False


@dataclass
class ImportPlan:
    customers: list[CustomerImport] = field(default_factory=list)
    already: list[tuple[str, str, str]] = field(default_factory=list)
    """(tenant id, display name, stack) of customers some stack already declares: not written again."""
    files: list[PlannedFile] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    orphans: list[Finding] = field(default_factory=list)
    """Relationships with a tenant that has no contract with the partner: in no stack, each reported."""

    @property
    def findings(self) -> list[Finding]:
        return [f for c in self.customers for f in c.findings] + self.orphans

    def to_write(self) -> list[CustomerImport]:
        return [c for c in self.customers if c.entry is not None]


class SelectorError(ValueError):
    """A --customers selector that matches no customer of the partner."""


def parse_selectors(values: list[str]) -> list[str]:
    """--customers values: comma-separated names (company names, or the stack names the import gives them), tenant
    ids or domains; ``@file`` reads one per line (``#``
    comments). Raises ValueError naming the problem (checked before any request)."""
    out: list[str] = []
    for value in values:
        if value.startswith("@"):
            path = Path(value[1:])
            if not path.is_file():
                raise ValueError(f"{value[1:]!r} is not a file: @<file> names a file of customers, one per line")
            try:
                lines = path.read_text(encoding="utf-8").splitlines()
            except (OSError, UnicodeDecodeError) as err:
                raise ValueError(f"cannot read {value[1:]!r}: {err}") from None
            out += [line.split("#", 1)[0].strip() for line in lines]
        else:
            out += [part.strip() for part in value.split(",")]
    out = [s for s in out if s]
    if values and not out:
        raise ValueError("no customers named: give names, tenant ids or domains (or @file)")
    return out


def matcher(selectors: list[str]):
    """A predicate over contracts (None: every customer) and the selectors it has not matched so far."""
    if not selectors:
        return None, set()
    wanted = {s.casefold(): s for s in selectors}
    unmatched = set(wanted)

    def select(contract: Contract) -> bool:
        keys = {
            contract.tenant_id.casefold(),
            contract.display_name.casefold(),
            contract.default_domain.casefold(),
            customer_name(contract.display_name, contract.tenant_id, set()),  # the name the import gives it
        }
        hit = keys & set(wanted)
        unmatched.difference_update(hit)
        return bool(hit)

    return select, unmatched


def plan_import(
    estate: Estate,
    partner: PartnerInfo,
    index: ProjectIndex,
    project_dir: Path,
    options: ImportOptions,
    into_text: str | None = None,
) -> ImportPlan:
    """Decide every customer's config and the files to write (nothing is written here)."""
    plan = ImportPlan()
    taken = set(index.names)
    for c in sorted(estate.customers, key=lambda c: (c.display_name.casefold(), c.tenant_id)):
        if c.tenant_id in index.tenants:
            plan.already.append((c.tenant_id, c.display_name, index.tenants[c.tenant_id]))
            continue
        name = customer_name(c.display_name, c.tenant_id, taken)
        result = translate_customer(c, partner, name, mlt=options.mlt, include_ended=options.include_ended)
        plan.customers.append(result)
    plan.orphans = [orphan_finding(rel) for rel in estate.orphan_relationships]
    with StackChecker() as checker:
        if options.into is None:
            for result in plan.to_write():
                text = HEADER + dump(customer_stack(partner, result.entry, options.groups_from_stack))
                if _loads(checker, result, result.name, text):
                    path = project_dir / f"Pulumi.{result.name}.yaml"
                    plan.files.append(PlannedFile(path, text, [result.tenant_id]))
        else:
            entries = [
                r for r in plan.to_write() if _loads(checker, r, r.name, dump(customer_stack(partner, r.entry, None)))
            ]
            if entries and into_text is not None:
                text = append_customers(into_text, [r.entry for r in entries])
                checker.check(options.into, text)  # the whole stack as its loader reads it (ConfigError: refused)
                path = project_dir / f"Pulumi.{options.into}.yaml"
                plan.files.append(PlannedFile(path, text, [r.tenant_id for r in entries], append=True))
    return plan


def orphan_finding(rel: Relationship) -> Finding:
    """A relationship whose customer has no contract (it left the reseller relationship, or never had one)."""
    if rel.ended:
        what = f"has ended ({rel.status}): nothing to do"
    elif rel.live:
        what = (
            f"is {rel.status}: it still gives the partner's mapped groups their roles in that tenant; end it "
            "(terminate) or sign a contract and import the customer"
        )
    else:
        what = f"is {rel.status}: it gives no access yet"
    return Finding(
        rel.customer_tenant_id,
        rel.customer_display_name or rel.customer_tenant_id,
        NOT_EXPRESSED,
        "no contract",
        rel.id,
        f"relationship {rel.display_name!r} with tenant {rel.customer_tenant_id}, which has no contract with the "
        f"partner (so no customer and no stack), {what}",
    )


def _loads(checker: StackChecker, result: CustomerImport, stack: str, text: str) -> bool:
    """Whether the text passes the project's config loader; if not, the customer is reported, not written."""
    try:
        checker.check(stack, text)
        return True
    except ConfigError as err:
        problems = "; ".join(f"{p.path}: {p.message}" for p in err.problems)
        result.findings.append(
            Finding(result.tenant_id, result.display_name, SKIPPED, "invalid config", "", problems[:2000])
        )
        result.entry = None
        return False


def write_import(plan: ImportPlan) -> list[Path]:
    """Write the planned files; a per-customer file that appeared meanwhile is left alone (and not counted)."""
    for planned in plan.files:
        if planned.append:
            replace_file(planned.path, planned.text)
            plan.written.append(planned.path)
        elif write_new(planned.path, planned.text):
            plan.written.append(planned.path)
    return plan.written
