"""Small builders shared by the tests: a valid config to mutate, and the program run on mocks."""

from __future__ import annotations

import copy
import json
from typing import Any

from stacks.config import NAMESPACE
from stacks.loading import raw_from_stack_file
from stacks.mock_runtime import OfflineRun, run_offline
from stacks.program import main as program

PARTNER_TENANT = "2f4a9a1e-6c3b-4d8e-9f10-1a2b3c4d5e6f"
ADMIN_AGENTS_ID = "0b6c4e1a-2d3f-4a5b-9c6d-7e8f9a0b1c2d"
HELPDESK_AGENTS_ID = "1c7d5f2b-3e4a-4b6c-8d7e-8f9a0b1c2d3e"


def dev_raw() -> dict[str, Any]:
    """A deep copy of the sample dev stack's config, to change one thing in a test."""
    return copy.deepcopy(raw_from_stack_file("dev"))


def flat(raw: dict[str, Any]) -> dict[str, str]:
    return {f"{NAMESPACE}:{k}": json.dumps(v) for k, v in raw.items()}


def run(raw: dict[str, Any], preview: bool = False, **kwargs: Any) -> OfflineRun:
    return run_offline(program, flat(raw), stack="test", preview=preview, **kwargs)
