"""Small, reviewable edits to a stack file that keep its comments and layout (a re-dump would lose both).

The edit is made on the text at the spans PyYAML's composer reports, so a pull request shows exactly the
changed line. Anything this cannot change safely (flow style, an unexpected shape) is a ValueError that says so,
rather than a reformatted file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import yaml

from .schema import NAMESPACE


def _mapping_value(node: yaml.MappingNode, key: str) -> tuple[yaml.Node, yaml.Node] | None:
    for k, v in node.value:
        if getattr(k, "value", None) == key:
            return k, v
    return None


def set_customer_field(text: str, customer: str, key: str, value: str) -> str:
    """``text`` with ``customers[name == customer].<key>: <value>`` set (replaced, or added after ``name``)."""
    root = yaml.compose(text)
    config = _mapping_value(root, "config") if isinstance(root, yaml.MappingNode) else None
    if config is None or not isinstance(config[1], yaml.MappingNode) or config[1].flow_style:
        raise ValueError("the stack file has no block-style config: mapping")
    customers = _mapping_value(config[1], f"{NAMESPACE}:customers")
    if customers is None or not isinstance(customers[1], yaml.SequenceNode) or customers[1].flow_style:
        raise ValueError(f"the stack file has no block list {NAMESPACE}:customers")
    for entry in customers[1].value:
        if not isinstance(entry, yaml.MappingNode) or entry.flow_style:
            continue
        name = _mapping_value(entry, "name")
        if name is None or getattr(name[1], "value", None) != customer:
            continue
        rendered = yaml.safe_dump({key: value}, default_flow_style=False).strip()
        existing = _mapping_value(entry, key)
        if existing is not None:
            k, v = existing
            if not isinstance(v, yaml.ScalarNode):
                raise ValueError(f"customers[{customer}].{key} is not a plain value: change it by hand")
            return text[: k.start_mark.index] + rendered + text[v.end_mark.index :]
        name_key, name_value = name
        line_end = text.find("\n", name_value.end_mark.index)
        line_end = len(text) if line_end < 0 else line_end
        indent = " " * name_key.start_mark.column
        return text[:line_end] + "\n" + indent + rendered + text[line_end:]
    raise ValueError(f"no customer named {customer!r} in {NAMESPACE}:customers")


def replace_file(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` whole or not at all (a temporary file renamed over it)."""
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise
