"""The one desired-state model: ``resolve(config) -> StackIntent``, read by every consumer (see model.py)."""

from .model import CustomerIntent, Lifecycle, PartnerIntent, StackIntent
from .resolve import resolve

__all__ = ["CustomerIntent", "Lifecycle", "PartnerIntent", "StackIntent", "resolve"]
