"""Pulumi's component boilerplate: every field of every component's args has a docstring (what it is, and why)."""

from __future__ import annotations

import ast

from tests.helpers import REPO
from tests.support.python_source import parse


def test_every_args_field_has_a_docstring():
    missing = []
    for path in sorted((REPO / "components").glob("*.py")):
        for cls in parse(path).body:
            if not isinstance(cls, ast.ClassDef) or not cls.name.endswith(("Args", "Spec", "Adoption")):
                continue
            for i, node in enumerate(cls.body):
                if not isinstance(node, ast.AnnAssign):
                    continue
                after = cls.body[i + 1] if i + 1 < len(cls.body) else None
                documented = isinstance(after, ast.Expr) and isinstance(getattr(after, "value", None), ast.Constant)
                if not documented:
                    missing.append(f"{path.name}: {cls.name}.{ast.unparse(node.target)}")
    assert missing == []
