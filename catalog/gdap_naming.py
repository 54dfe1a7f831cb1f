"""GDAP display names: unique per partner for ever, so a successor relationship needs a new one.

Graph refuses a display name any of the partner's relationships has used, ended ones included. A
customer's relationship is therefore named ``<base>``, and a successor (after a role change or a
termination) ``<base>-2``, ``<base>-3``...: the config keeps one stable base name.
"""

from __future__ import annotations

import re

MAX_LENGTH = 50
MAX_GENERATION = 99


def generation_name(base: str, generation: int) -> str:
    """The name of the n-th relationship for ``base`` (1 is the base itself), within 50 characters."""
    if generation == 1:
        return base[:MAX_LENGTH]
    suffix = f"-{generation}"
    return base[: MAX_LENGTH - len(suffix)] + suffix


def matches(base: str, name: str) -> bool:
    """Whether ``name`` is one of ``base``'s generations."""
    if name.casefold() == base[:MAX_LENGTH].casefold():
        return True
    m = re.fullmatch(r"(.*)-(\d{1,2})", name)
    return bool(m) and int(m.group(2)) >= 2 and generation_name(base, int(m.group(2))).casefold() == name.casefold()
