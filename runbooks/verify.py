"""After the deletes: read Azure again and say what is verified gone, what remains and what could not be checked.

A DELETE that answered 200 proves nothing (a proxy, a fault or a race can answer without effect), and
ARM's listings lag behind deletes (eventual consistency). So the revocation re-sweeps the customer's
subscriptions (by the partner's principals at the tenant root where it may: ``runbooks.principal_sweep``),
retrying a bounded number of times while partner grants still show, with an injected sleep. What it
cannot read is never counted as gone: a refused listing, a listing that failed, the tenant root without
elevated access, or a subscription that vanished from the identity's view for a reason other than this
run removing the identity's own last grant there.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from azure_http.arm import ArmClient
from azure_http.base import Sleep

from .audit import DEFAULT_LIMITS, ROOT_NOT_READABLE, Limits, Target
from .expected_scope import ExpectedScope, customer_side_check
from .grants import Grant
from .principal_sweep import read_back
from .selection import ALL, Selection


@dataclass(frozen=True)
class VerifyPolicy:
    """How long to wait for ARM's listings to catch up: ``attempts`` sweeps, ``delay`` doubling between them."""

    attempts: int = 4
    delay: float = 5.0


DEFAULT_VERIFY = VerifyPolicy()


@dataclass
class Verification:
    remaining: list[Grant] = field(default_factory=list)
    """Partner grants still listed after the last sweep."""
    unverified: list[str] = field(default_factory=list)
    """What could not be checked, and why."""
    access_ended: list[str] = field(default_factory=list)
    """Subscriptions this identity no longer sees because the run removed its own last grant there."""
    sweeps: int = 0
    kept: list[Grant] = field(default_factory=list)
    """Partner grants of the areas a selective run keeps, as the last sweep listed them (never removed)."""
    skipped: str = ""
    """Why Azure was not read again (a run that removes no Azure grant): empty when it was."""
    limits: list[str] = field(default_factory=list)
    """What the identity can never read (a partner: the tenant root and management groups above what it sees),
    with the elevated customer-side command: a documented limit of its view, not an unverified scope."""

    @property
    def clean(self) -> bool:
        return not self.remaining and not self.unverified

    def to_json(self) -> dict:
        return {
            "clean": self.clean,
            "sweeps": self.sweeps,
            "remaining": [g.to_json() for g in self.remaining],
            "unverified": self.unverified,
            "accessEnded": self.access_ended,
            "kept": [g.to_json() for g in self.kept],
            "skipped": self.skipped,
            "limits": self.limits,
        }


async def verify_azure(
    target: Target,
    arm: ArmClient,
    *,
    seen_before: list[str],
    access_removed: set[str],
    policy: VerifyPolicy = DEFAULT_VERIFY,
    sleep: Sleep = asyncio.sleep,
    limits: Limits = DEFAULT_LIMITS,
    only: set[str] | None = None,
    selection: Selection = ALL,
    expected: ExpectedScope | None = None,
    partner_side: bool = False,
) -> Verification:
    """Sweep until no partner grant shows (at most ``policy.attempts`` times).

    ``seen_before``: the customer's subscriptions the identity saw before the run. ``access_removed``:
    those where the run removed a grant that gave the identity its access (at the subscription or above):
    losing sight of them is the expected proof that the identity's own access there is gone. ``only``:
    the lower-cased ids a partial plan removed (None: every grant of the target must be gone).
    ``selection``: the areas the run removed: only their grants must be gone; the others' are reported as
    kept, and a run that removed no Azure grant does not read Azure again at all. ``expected``: why each
    subscription of ``seen_before`` was expected (named when one cannot be read). ``partner_side``: the tenant
    root is out of the identity's reach by design (a partner never holds a role there): a documented limit.
    """
    result = Verification()
    if not selection.azure:
        result.skipped = f"no Azure grant was selected ({selection.describe()}): Azure was not read again"
        return result
    for attempt in range(max(1, policy.attempts)):
        if attempt:
            await sleep(policy.delay * 2 ** (attempt - 1))
        report = await read_back(target, arm, limits)
        result.sweeps += 1
        result.remaining = [
            g for g in report.grants if selection.includes(g) and (only is None or g.id.lower() in only)
        ]
        result.kept = [g for g in report.grants if not selection.includes(g)]
        if not result.remaining and not report.errors:
            break
    result.unverified += [f"listing failed: {e}" for e in report.errors]
    if "rbac" in selection.areas:  # the sweep's blind spots are RBAC listings above subscriptions
        for note in report.not_checked:
            if partner_side and note == ROOT_NOT_READABLE:
                result.limits.append(_root_limit(target))
            else:
                result.unverified.append(note)
    visible = set(report.subscription_ids)
    for subscription in seen_before:
        if subscription in visible:
            continue
        if subscription in access_removed:
            result.access_ended.append(subscription)
        else:
            why = f" (expected: {expected.why(subscription)})" if expected is not None else ""
            result.unverified.append(
                f"subscription {subscription}{why}: not visible to this identity, and this run did not remove "
                "the grant that gave it access there: what remains there is unknown; the customer checks with "
                f"`{customer_side_check(subscription)}`"
            )
    return result


def _root_limit(target: Target) -> str:
    """The partner's blind spot, and how the customer's Global Administrator looks there (elevated access:
    learn.microsoft.com/azure/role-based-access-control/elevate-access-global-admin)."""
    commands = " ; ".join(f"az role assignment list --scope / --assignee {p}" for p in sorted(target.principal_ids))
    return (
        f"{ROOT_NOT_READABLE}. A partner never holds a readable role there: what sits at the tenant root or a "
        "management group above the subscriptions it reads is seen from them; the rest, the customer's Global "
        "Administrator checks after elevating access (Microsoft Entra ID > Properties > Access management for "
        f"Azure resources): `{commands or 'az role assignment list --scope / --all'}`"
    )
