"""No function in runbooks/ or config/ above a cyclomatic complexity of 25: the revocation stays named phases.

The count is McCabe's over the syntax tree, nested functions and comprehensions included (so a phase cannot
hide its branches in a closure): 1, plus one per ``if``/``elif``, loop, ``except``, ``assert``, conditional
expression, comprehension and its conditions, ``match`` case, and each extra operand of ``and``/``or``.
"""

from __future__ import annotations

import ast

import pytest

from tests.helpers import REPO
from tests.support.python_source import parse

LIMIT = 25
_BRANCHES = (ast.If, ast.For, ast.AsyncFor, ast.While, ast.IfExp, ast.ExceptHandler, ast.Assert, ast.match_case)


def complexity(function: ast.AST) -> int:
    count = 1
    for node in ast.walk(function):
        if isinstance(node, _BRANCHES):
            count += 1
        elif isinstance(node, ast.BoolOp):
            count += len(node.values) - 1
        elif isinstance(node, ast.comprehension):
            count += 1 + len(node.ifs)
    return count


def functions(folder: str):
    for path in sorted((REPO / folder).rglob("*.py")):
        for node in ast.walk(parse(path)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                yield f"{path.relative_to(REPO)}:{node.lineno} {node.name}", complexity(node)


def test_the_counter_counts_branches_in_nested_functions_and_boolean_operands():
    tree = ast.parse("def f(a, b):\n    def g():\n        return [x for x in a if x] if a and b else None\n")
    assert complexity(tree.body[0]) == 1 + 1 + 2 + 1  # the conditional, the comprehension and its if, the and


@pytest.mark.parametrize("folder", ["runbooks", "config"])
def test_no_function_is_above_the_limit(folder):
    assert [(name, n) for name, n in functions(folder) if n > LIMIT] == []
