"""What a revocation must find in a customer's tenant: the declared subscriptions and every one seen before.

A partner's view of a customer's Azure comes from the very grants a revocation removes (its Owner, used through
GDAP or DAP). Once a run removed them, or ended the delegation, the subscriptions drop out of the partner's
view, and a later run that trusted its own listing would find nothing and call that clean. So a run's
expected scope is the subscriptions the customer's intent declares, united with every subscription an earlier
audit, revocation or drift of this customer saw. It is recorded per customer in a small JSON file in the
project folder, beside the revocation journals (``.dapctl/expected-scope/<tenant id>.json``), so it survives
between runs and between machines that share the repository or its artifacts. An expected subscription the
caller cannot read any more is listed under "not verified", with the customer-side command that checks it.

Plain data and the standard library only: the customer's Automation runbook (Python 3.10) imports it too.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

#: Where the per-customer records live, under the project folder (beside the journals, ``.dapctl/<customer>``).
FOLDER = Path(".dapctl") / "expected-scope"
MAX_BYTES = 16 * 1024 * 1024
_FIX = "fix or delete the file (the next audit or revocation records what it sees again)"


class ExpectedScopeError(ValueError):
    """The record on disk cannot be read: the message names the file, the problem and the fix."""


def record_path(project_dir: Path, customer_tenant_id: str) -> Path:
    """The record of one customer (by tenant id: a GUID, safe as a file name) in ``project_dir``."""
    return Path(project_dir) / FOLDER / f"{customer_tenant_id.lower()}.json"


def customer_side_check(subscription: str) -> str:
    """The command a customer's administrator runs to see what the partner still holds in one subscription."""
    return (
        f"az role assignment list --scope /subscriptions/{subscription} --include-inherited && "
        f"az managedservices assignment list --subscription {subscription}"
    )


@dataclass
class ExpectedScope:
    """The subscriptions (lower-cased ids) a run for ``customer_tenant_id`` must find, and why each is expected."""

    customer_tenant_id: str
    path: Path | None = None
    """The record file (None: nothing is read or written, e.g. the customer's runbook)."""
    declared: frozenset[str] = frozenset()
    """Subscriptions the customer's intent declares (existing subscriptions: their ids are known up front)."""
    seen: dict[str, list[str]] = field(default_factory=dict)
    """Subscription -> what saw it (audit, revoke, drift), as recorded."""

    @classmethod
    def load(cls, path: Path | None, customer_tenant_id: str, declared: Iterable[str] = ()) -> ExpectedScope:
        """The record at ``path`` (absent: nothing seen yet) plus ``declared``; ``ExpectedScopeError`` if unreadable."""
        found = cls(customer_tenant_id.lower(), path, frozenset(s.lower() for s in declared))
        if path is not None and Path(path).is_file():
            found.seen = _read(Path(path), found.customer_tenant_id)
        return found

    @property
    def subscriptions(self) -> set[str]:
        return set(self.declared) | set(self.seen)

    def why(self, subscription: str) -> str:
        """Why a subscription is expected: declared, and/or the commands that saw it."""
        reasons = (["declared in the stack config"] if subscription in self.declared else []) + [
            f"seen by an earlier {source}" for source in self.seen.get(subscription, [])
        ]
        return ", ".join(reasons) or "expected"

    def record(self, subscriptions: Iterable[str], source: str) -> None:
        """Add what a run of ``source`` (audit, revoke, drift) saw; written at once (temp file, then rename)."""
        changed = False
        for subscription in subscriptions:
            sources = self.seen.setdefault(subscription.lower(), [])
            if source not in sources:
                sources.append(source)
                changed = True
        if changed and self.path is not None:
            _write(Path(self.path), self.customer_tenant_id, self.seen)


def _read(path: Path, customer_tenant_id: str) -> dict[str, list[str]]:
    try:
        if path.stat().st_size > MAX_BYTES:
            raise ExpectedScopeError(f"{path}: larger than an expected-scope record can be; {_FIX}")
        document = json.loads(path.read_bytes().decode("utf-8"))
    except ExpectedScopeError:
        raise
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as err:
        reason = err.strerror if isinstance(err, OSError) and err.strerror else type(err).__name__
        raise ExpectedScopeError(f"{path}: cannot be read as JSON ({reason}); {_FIX}") from None
    subscriptions = document.get("subscriptions") if isinstance(document, dict) else None
    tenant = document.get("customerTenantId") if isinstance(document, dict) else None
    if not isinstance(subscriptions, dict) or not all(
        isinstance(k, str) and isinstance(v, list) and all(isinstance(s, str) for s in v)
        for k, v in subscriptions.items()
    ):
        raise ExpectedScopeError(f"{path}: not an expected-scope record (subscriptions: {{id: [sources]}}); {_FIX}")
    if not isinstance(tenant, str) or tenant.lower() != customer_tenant_id:
        raise ExpectedScopeError(f"{path}: the record is for tenant {tenant!r}, not {customer_tenant_id}; {_FIX}")
    return {k.lower(): list(v) for k, v in subscriptions.items()}


def _write(path: Path, customer_tenant_id: str, seen: dict[str, list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {"customerTenantId": customer_tenant_id, "subscriptions": dict(sorted(seen.items()))}
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".expected-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(document, handle, indent=1)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
