"""GUIDs, the ids Graph, ARM and Partner Center all speak (tenants, objects, role definitions, assignments)."""

from __future__ import annotations

import re
from typing import Any

_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def is_guid(value: Any) -> bool:
    """Whether ``value`` is a string in the 8-4-4-4-12 hexadecimal form (either case)."""
    return isinstance(value, str) and bool(_GUID.match(value))
