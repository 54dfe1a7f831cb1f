"""Read the partner's Azure grants back by principal: a few paged listings instead of one per subscription.

The revocation reads Azure twice after its deletions started (the mop-up before the caller's own rights go,
and the verification after): with one role-assignment listing per subscription that is 2,000 requests for a
1,000-subscription tenant, as many as the deletions themselves, and it was what kept a wide revoke at 6x the
naive script. ARM answers the same question in one paged listing per principal: ``$filter=principalId eq
'{id}'`` at the tenant root returns that principal's assignments at, above and below the root, i.e. every one
in the tenant (learn.microsoft.com/rest/api/authorization/role-assignments/list-for-scope; listing at ``/``
needs a role there, e.g. a Global Administrator's elevated access, else 403 ``AuthorizationFailed``).

What it reads is exactly what the per-subscription sweep keeps when the target names its principals
(``Target.owns_principal`` is then membership in ``principal_ids``), plus the Lighthouse delegations where the
subscription list says the partner manages a subscription (``managedByTenants``), as the sweep does. When it
cannot answer (no principals named: every foreign principal is wanted; or the root is not readable) it
returns None and the caller sweeps per subscription as before: nothing is ever counted gone unread.
"""

from __future__ import annotations

import asyncio

from azure_http import AzureHttpError, Forbidden
from azure_http.arm import ArmClient, subscription_id_of

from .audit import (
    DEFAULT_LIMITS,
    AuditReport,
    Limits,
    Target,
    _delegated_to_target,
    _lighthouse_grant,
    _rbac_grant,
    admit_subscription,
    sweep_azure,
)


async def sweep_by_principal(target: Target, arm: ArmClient, limits: Limits = DEFAULT_LIMITS) -> AuditReport | None:
    """The target's RBAC and Lighthouse grants in the customer's tenant, or None where this read cannot see them.

    ``seen_at`` holds, per subscription, the grants at that subscription or below it; a grant inherited from a
    management group is not attributed to the subscriptions under it (the hierarchy is not read), so a caller
    that loses sight of such a subscription finds it unverified, never verified.
    """
    if not target.principal_ids:
        return None
    report = AuditReport(target)
    principals = sorted(target.principal_ids)
    grants: dict[str, list] = {p: [] for p in principals}

    async def by_principal(principal: str) -> None:
        async for assignment in arm.list_role_assignments("/", principal_id=principal):
            grants[principal].append(assignment)

    # Every principal's pages and the subscription list at once: each is a chain of nextLinks, so the wall
    # time is the longest chain, not their sum.
    tasks = [asyncio.ensure_future(by_principal(p)) for p in principals]
    listing = asyncio.ensure_future(_subscriptions(arm))
    try:
        await asyncio.gather(*tasks, listing)
    except Forbidden:
        return None  # no role at the root: the caller sweeps per subscription
    except AzureHttpError as err:
        where = "the subscription list" if listing.done() and listing.exception() is err else "the partner's principals"
        report.errors.append(f"tenant-wide listing of {where}: {err}")
        return report
    finally:
        for task in (*tasks, listing):
            task.cancel()
    subscriptions = listing.result()
    mine = _customers_subscriptions(subscriptions, target, report)
    seen: set[str] = set()
    for principal in principals:
        _add_rbac(grants[principal], mine, seen, report)

    slots = asyncio.Semaphore(max(1, limits.overall))

    async def lighthouse(subscription: dict) -> None:
        subscription_id = subscription["subscriptionId"]
        async with slots:
            try:
                async for assignment in arm.list_registration_assignments(
                    f"/subscriptions/{subscription_id}", expand_definition=True
                ):
                    grant = _lighthouse_grant(assignment, subscription_id)
                    if target.owns_tenant(grant.partner_tenant_id) and grant.id.lower() not in seen:
                        seen.add(grant.id.lower())
                        report.grants.append(grant)
            except AzureHttpError as err:
                report.errors.append(f"subscription {subscription_id}: {err}")

    await asyncio.gather(
        *(
            lighthouse(s)
            for s in subscriptions
            if s["subscriptionId"].lower() in mine and _delegated_to_target(s, target)
        )
    )
    return report


def _customers_subscriptions(subscriptions: list[dict], target: Target, report: AuditReport) -> set[str]:
    """The listed subscriptions of the customer's tenant (counted in ``report``); others are named as excluded."""
    mine = set()
    for subscription in subscriptions:
        admitted = admit_subscription(subscription, target, report)
        if admitted is not None:
            mine.add(admitted)
    return mine


def _add_rbac(assignments: list[dict], mine: set[str], seen: set[str], report: AuditReport) -> None:
    """One principal's assignments in the customer's tenant, each once, attributed to its subscription."""
    for assignment in assignments:
        key = assignment["id"].lower()
        subscription = (subscription_id_of(assignment["id"]) or "").lower() or None
        if subscription is not None and subscription not in mine:
            continue  # another tenant's subscription (Lighthouse): the per-subscription sweep never reads it
        if key in seen:
            continue
        seen.add(key)
        if subscription is not None:
            report.seen_at.setdefault(subscription, set()).add(key)
        report.grants.append(_rbac_grant(assignment, subscription))


async def read_back(target: Target, arm: ArmClient, limits: Limits = DEFAULT_LIMITS) -> AuditReport:
    """By principal where that can see everything, else the per-subscription sweep."""

    return await sweep_by_principal(target, arm, limits) or await sweep_azure(target, arm, limits)


async def _subscriptions(arm: ArmClient) -> list[dict]:
    return [s async for s in arm.list_subscriptions()]
