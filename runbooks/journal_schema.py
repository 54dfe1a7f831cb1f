"""The shape of a revocation journal's plan.json, checked on read before ``--resume`` acts on it.

``--resume`` deletes what the plan lists (each grant still checked against ARM before its DELETE), so a
plan file that was edited, truncated or replaced must be refused whole, with the file and the fix,
rather than half-read into a traceback. Pydantic checks the document against what ``Journal.start``
writes; this module is imported by dapctl only (the Automation runbook never resumes a journal).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .grants import Kind, Origin
from .journal import FIX as _FIX

MAX_PLAN_BYTES = 256 * 1024 * 1024


class PlannedGrant(BaseModel):
    """One grant as ``Grant.to_json`` writes it."""

    model_config = ConfigDict(extra="forbid", strict=False)

    kind: Kind
    id: str = Field(min_length=1, max_length=2048)
    description: str = Field(max_length=4096)
    principal_id: str | None = None
    principal_type: str | None = None
    role: str | None = None
    scope: str | None = None
    subscription_id: str | None = None
    status: str | None = None
    partner_tenant_id: str | None = None
    inherited: bool = False
    origin: Origin = Origin.UNKNOWN
    details: dict = Field(default_factory=dict)


class PlanDocument(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    run_id: str = Field("", alias="runId", max_length=64)
    customer_tenant_id: str = Field(alias="customerTenantId", min_length=1, max_length=64)
    partner_tenant_id: str | None = Field(None, alias="partnerTenantId", max_length=64)
    selection: list[Literal["gdap", "dap", "rbac", "lighthouse"]] | None = Field(None, min_length=1, max_length=4)
    """The areas the run removes (absent in journals from before selections: everything)."""
    plan: list[PlannedGrant]


def read_plan(path: Path) -> PlanDocument:
    """The plan document at ``path``, or a ``JournalError`` naming the file, the problem and the fix."""
    from .journal import JournalError

    try:
        size = path.stat().st_size
        if size > MAX_PLAN_BYTES:
            raise JournalError(f"{path}: {size} bytes is more than a plan file can be; {_FIX}")
        document = json.loads(path.read_bytes().decode("utf-8"))
    except JournalError:
        raise
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as err:
        reason = err.strerror if isinstance(err, OSError) and err.strerror else type(err).__name__
        raise JournalError(f"{path}: cannot be read as JSON ({reason}); {_FIX}") from None
    if not isinstance(document, dict):
        raise JournalError(f"{path}: the plan file holds a {type(document).__name__}, not an object; {_FIX}")
    try:
        return PlanDocument.model_validate(document)
    except ValidationError as err:
        problems = []
        for item in err.errors(include_url=False)[:5]:
            where = ".".join(str(p) for p in item["loc"]) or "(top level)"
            problems.append(f"{where}: {item['msg']}")
        more = f" (and {err.error_count() - 5} more)" if err.error_count() > 5 else ""
        raise JournalError(f"{path}: not a revocation plan: {'; '.join(problems)}{more}; {_FIX}") from None
