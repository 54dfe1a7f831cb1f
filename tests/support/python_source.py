"""Parse the project's own Python files for the structural tests (layers, documented args).

CPython 3.11.7 can fail ``ast.parse`` with "SystemError: AST constructor recursion depth mismatch" when the
garbage collector runs Python code (a finaliser that logs, such as asyncio's "Future exception was never
retrieved") while the tree is being built (python/cpython#106905, fixed in later releases). The collector is
held off for the parse alone, so a finaliser left by an earlier test on the same worker cannot break it.
"""

from __future__ import annotations

import ast
import gc
from pathlib import Path


def parse(path: Path) -> ast.Module:
    enabled = gc.isenabled()
    gc.disable()
    try:
        return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    finally:
        if enabled:
            gc.enable()
