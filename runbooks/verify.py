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

from .audit import DEFAULT_LIMITS, Limits, Target
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
) -> Verification:
    """Sweep until no partner grant shows (at most ``policy.attempts`` times).

    ``seen_before``: the customer's subscriptions the identity saw before the run. ``access_removed``:
    those where the run removed a grant that gave the identity its access (at the subscription or above):
    losing sight of them is the expected proof that the identity's own access there is gone. ``only``:
    the lower-cased ids a partial plan removed (None: every grant of the target must be gone).
    ``selection``: the areas the run removed: only their grants must be gone; the others' are reported as
    kept, and a run that removed no Azure grant does not read Azure again at all.
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
        result.unverified += list(report.not_checked)
    visible = set(report.subscription_ids)
    for subscription in seen_before:
        if subscription in visible:
            continue
        if subscription in access_removed:
            result.access_ended.append(subscription)
        else:
            result.unverified.append(
                f"subscription {subscription}: no longer visible to this identity, and this run did not remove "
                "the grant that gave it access there: what remains there is unknown"
            )
    return result
