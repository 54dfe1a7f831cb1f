"""Write what the import decided: one ``Pulumi.<customer>.yaml`` per customer, or customers appended to a stack.

Nothing is written that the project's own loader would refuse: every document is parsed with
``config.schema.parse_config`` before it is written (a customer whose config would not load is reported, not
written), files are written whole (temporary file, then rename), an existing file is never overwritten, and a
customer some stack of the project folder already declares (by tenant id) is not written again: a second import
writes nothing.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from config.errors import ConfigError, ConfigProblem
from config.loading import load_stack_file, stack_file
from config.schema import NAMESPACE
from config.yaml_loader import read_config_section

from .translate import PartnerInfo

STACK_GLOB = "Pulumi.*.yaml"
HEADER = (
    "# Written by `dapctl import` from the partner's live estate: every id below names an existing object that\n"
    "# `pulumi up` adopts instead of creating. Edit freely; a second import leaves this file alone.\n"
)


@dataclass(frozen=True)
class ProjectIndex:
    """Who the project folder already declares: customer tenant -> stack, and the names in use."""

    tenants: dict[str, str]
    names: set[str]


def index_project(project_dir: Path) -> ProjectIndex:
    """Customers (by tenant id) of every stack file in the folder, read raw so a stack with a mistake elsewhere
    still counts; a stack that cannot be read at all is an error (its customers would be written twice)."""
    tenants: dict[str, str] = {}
    names: set[str] = set()
    for path in sorted(project_dir.glob(STACK_GLOB)):
        stack = path.name[len("Pulumi.") : -len(".yaml")]
        names.add(stack)
        try:
            section = read_config_section(path, NAMESPACE)
        except ConfigError as err:
            raise ConfigError(err.problems, path.name) from None
        customers = section.get(f"{NAMESPACE}:customers") or []
        if isinstance(customers, str):
            import json

            try:
                customers = json.loads(customers)
            except ValueError:
                customers = []
        for customer in customers if isinstance(customers, list) else []:
            if isinstance(customer, dict):
                if isinstance(customer.get("tenantId"), str):
                    tenants.setdefault(customer["tenantId"].lower(), stack)
                if isinstance(customer.get("name"), str):
                    names.add(customer["name"])
    return ProjectIndex(tenants, names)


def partner_from_stack(stack: str, project_dir: Path) -> PartnerInfo:
    """The partner and its group ids, from a stack that declares them (partner.groups with objectIds, or
    partner.groupsFrom.objectIds)."""
    cfg = load_stack_file(stack, project_dir)
    partner = cfg.partner
    if partner.groups is not None:
        groups = {k: g.object_id for k, g in partner.groups.items() if g.object_id}
    elif partner.groups_from is not None and partner.groups_from.object_ids:
        groups = dict(partner.groups_from.object_ids)
    else:
        raise ConfigError(
            [
                ConfigProblem(
                    "partner.groupsFrom",
                    "this stack reads the partner's groups from another stack: name that stack with --partner-stack",
                )
            ],
            stack_file(stack, project_dir).name,
        )
    return PartnerInfo(partner.tenant_id, partner.partner_id, partner.display_name, groups)


def customer_stack(partner: PartnerInfo, entry: dict[str, Any], groups_from_stack: str | None) -> dict[str, Any]:
    """A one-customer stack's document: the partner (its groups read from the partner stack) and the customer."""
    groups_from: dict[str, Any] = {"stack": groups_from_stack} if groups_from_stack else {"objectIds": partner.groups}
    return {
        "config": {
            f"{NAMESPACE}:partner": {
                "tenantId": partner.tenant_id,
                "partnerId": partner.partner_id,
                "displayName": partner.display_name,
                "groupsFrom": groups_from,
            },
            f"{NAMESPACE}:customers": [entry],
        }
    }


def dump(document: Any) -> str:
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=120)


class StackChecker:
    """The project's own loader (``config.loading.load_stack_file``: size bound, strict YAML, schema) run on a stack
    file's text before it is written, in a private folder: what passes here loads in the project too."""

    def __enter__(self) -> StackChecker:
        self._folder = tempfile.TemporaryDirectory(prefix="dapctl-import-")
        return self

    def __exit__(self, *exc: object) -> None:
        self._folder.cleanup()

    def check(self, stack: str, text: str) -> None:
        """Raise ``ConfigError`` (every problem, with field paths) when ``text`` would not load as ``stack``."""
        folder = Path(self._folder.name)
        path = stack_file(stack, folder)
        path.write_text(text, encoding="utf-8")
        try:
            load_stack_file(stack, folder)
        finally:
            path.unlink()


def write_new(path: Path, text: str) -> bool:
    """Write ``path`` whole, unless it exists (False then)."""
    if path.exists():
        return False
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.link(temp, path)  # fails if the file appeared meanwhile: never overwrite
        return True
    except FileExistsError:
        return False
    finally:
        os.unlink(temp)


# -- appending to an existing stack (--into) -----------------------------------------------------------------------
def _last_end(node: yaml.Node) -> int:
    """Where the text of ``node`` ends (block collections end at their last value, not at the next token)."""
    if isinstance(node, yaml.MappingNode) and node.value and not node.flow_style:
        return _last_end(node.value[-1][1])
    if isinstance(node, yaml.SequenceNode) and node.value and not node.flow_style:
        return _last_end(node.value[-1])
    return node.end_mark.index


def append_customers(text: str, entries: list[dict[str, Any]]) -> str:
    """``text`` (a stack file) with ``entries`` appended to ``csp-delegation:customers``, comments and layout kept.

    Raises ValueError when the file's layout is one this cannot extend safely (say so, rather than reformat it)."""
    if text and not text.endswith("\n"):
        text += "\n"
    root = yaml.compose(text)
    if not isinstance(root, yaml.MappingNode):
        raise ValueError("the stack file is not a mapping")
    config = next((v for k, v in root.value if getattr(k, "value", None) == "config"), None)
    if not isinstance(config, yaml.MappingNode) or config.flow_style:
        raise ValueError("the stack file has no block-style config: mapping to add customers to")
    customers = next((v for k, v in config.value if getattr(k, "value", None) == f"{NAMESPACE}:customers"), None)
    if customers is None:
        indent = config.value[0][0].start_mark.column if config.value else 2
        block = dump({f"{NAMESPACE}:customers": entries})
        at = _line_end(text, _last_end(config))
        return text[:at] + _indented(block, indent) + text[at:]
    if not isinstance(customers, yaml.SequenceNode):
        raise ValueError(f"{NAMESPACE}:customers is not a list")
    if customers.flow_style or not customers.value:
        if customers.value:
            raise ValueError(f"{NAMESPACE}:customers is written as a flow list [...]: make it a block list first")
        # `customers: []`: replace the empty list by a block list under the key
        key = next(k for k, v in config.value if v is customers)
        indent = key.start_mark.column + 2
        block = "\n" + _indented(dump(entries), indent).rstrip("\n")
        return text[: customers.start_mark.index] + block.lstrip(" ") + text[customers.end_mark.index :]
    indent = customers.start_mark.column
    at = _line_end(text, _last_end(customers))
    return text[:at] + _indented(dump(entries), indent) + text[at:]


def _line_end(text: str, index: int) -> int:
    newline = text.find("\n", index)
    return len(text) if newline < 0 else newline + 1


def _indented(block: str, indent: int) -> str:
    pad = " " * indent
    lines = block.splitlines()
    return "".join(f"{pad}{line}\n" if line else "\n" for line in lines)
