"""The one desired-state model: ``resolve(config) -> StackIntent``, read by every consumer (see model.py)."""

from __future__ import annotations

from pathlib import Path

from .model import CustomerIntent, Lifecycle, PartnerIntent, StackIntent
from .resolve import resolve

__all__ = ["CustomerIntent", "Lifecycle", "PartnerIntent", "StackIntent", "load_intent", "resolve"]


def load_intent(stack: str, project_dir: Path) -> StackIntent:
    """The intent of ``Pulumi.<stack>.yaml`` (ConfigError, naming every problem, when the file is wrong)."""
    from config.loading import load_stack_file

    return resolve(load_stack_file(stack, project_dir))
