"""The ARM emulator itself over raw HTTP: caller identity, shapes, exact token buckets, async latency,
faults on /arm, scenario sections and control routes, and the big generated world."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from azure_http.emulator_tokens import emulator_token
from emulator.worlds.arm import generate_world
from tests.arm_scenario import (
    CONTOSO,
    DEV,
    FABRIKAM,
    PARTNER,
    PROD,
    RA_AA_PROD,
    SUB_DEV,
    SUB_PROD,
    arm,
    collect,
    scenario,
)
from tests.helpers import REPO, virtual_buckets

ROLE_ASSIGNMENTS = "providers/Microsoft.Authorization/roleAssignments"
API = {"api-version": "2022-04-01"}
SUBS_API = {"api-version": "2022-12-01"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def as_tenant(tenant: str | None, principal: str = "11111111-2222-4333-8444-555555555555") -> dict[str, str]:
    return bearer(emulator_token(tenant, principal))


@pytest.fixture
def world(emulator):
    emulator.control.reset(scenario())
    return emulator


# -- identity ---------------------------------------------------------------------------------
def test_the_token_names_the_tenant(world) -> None:
    url = f"{world.url}/arm/subscriptions"
    contoso = httpx.get(url, params=SUBS_API, headers=as_tenant(CONTOSO)).json()
    fabrikam = httpx.get(url, params=SUBS_API, headers=as_tenant(FABRIKAM)).json()
    static = httpx.get(url, params=SUBS_API, headers=bearer("opaque")).json()  # partner tenant
    assert [s["displayName"] for s in contoso["value"]] == ["Contoso Prod", "Contoso Dev"]
    assert "count" not in contoso  # SubscriptionListResult (2022-12-01) documents value and nextLink only
    assert [s["displayName"] for s in fabrikam["value"]] == ["Fabrikam"]
    assert [s["subscriptionId"] for s in static["value"]] == [SUB_DEV]  # delegated through Lighthouse
    sub = contoso["value"][0]
    assert sub["id"] == PROD and sub["tenantId"] == CONTOSO and sub["state"] == "Enabled"
    assert sub["subscriptionPolicies"]["quotaId"] == "CSP_2015-05-01"


def test_scenario_token_map_and_wrong_tenant(world) -> None:
    world.control.arm_seed({"tokens": {"contoso-admin": {"tenant": CONTOSO, "principal": "someone"}}})
    url = f"{world.url}/arm/subscriptions/{SUB_PROD}"
    assert httpx.get(url, params=SUBS_API, headers=bearer("contoso-admin")).status_code == 200
    refused = httpx.get(url, params=SUBS_API, headers=as_tenant(FABRIKAM))
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "InvalidAuthenticationTokenTenant"
    assert httpx.get(url, params=SUBS_API).status_code == 401  # no token at all
    bucket = world.control.arm_bucket("subscription", SUB_PROD, "reads", "someone")
    assert bucket and bucket["taken"] == 1


def test_arm_error_shapes(world) -> None:
    headers = as_tenant(CONTOSO)
    missing = httpx.get(f"{world.url}/arm{PROD}/{ROLE_ASSIGNMENTS}", headers=headers)
    unknown = httpx.get(
        f"{world.url}/arm{PROD}/providers/Microsoft.Compute/virtualMachines", params=API, headers=headers
    )
    bad_filter = httpx.get(
        f"{world.url}/arm{PROD}/{ROLE_ASSIGNMENTS}", params={**API, "$filter": "assignedTo('x')"}, headers=headers
    )
    assert missing.status_code == 400 and missing.json() == {
        "error": {
            "code": "MissingApiVersionParameter",
            "message": "The api-version query parameter (?api-version=) is required for all requests.",
        }
    }
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "InvalidResourceType"
    assert bad_filter.status_code == 400 and "atScope()" in bad_filter.json()["error"]["message"]
    assert "x-ms-ratelimit-remaining-subscription-reads" in missing.headers  # errors count too


# -- throttling, exactly ----------------------------------------------------------------------
def test_buckets_start_full_refill_continuously_and_answer_429(world) -> None:
    world.control.arm_set_throttle(deletes=(4, 2.0), retry_after_granularity=0.01)
    clock = virtual_buckets(world)
    headers = as_tenant(CONTOSO)
    url = f"{world.url}/arm{PROD}/{ROLE_ASSIGNMENTS}/00000000-0000-4000-8000-000000000000"
    with httpx.Client(headers=headers, params=API) as http:
        remaining = []
        for _ in range(5):
            response = http.delete(url)
            remaining.append((response.status_code, response.headers["x-ms-ratelimit-remaining-subscription-deletes"]))
        assert remaining == [(204, "3"), (204, "2"), (204, "1"), (204, "0"), (429, "0")]
        throttled = http.delete(url)
        assert throttled.json()["error"]["code"] == "SubscriptionRequestsThrottled"
        assert float(throttled.headers["retry-after"]) == 0.5  # a token every 0.5 s
        clock.seconds += 1.0  # two tokens back
        assert http.delete(url).headers["x-ms-ratelimit-remaining-subscription-deletes"] == "1"
    # Tenant level: the subscription list, with tenant headers and the tenant's own code.
    world.control.arm_set_throttle(reads=(1, 0.001), retry_after_granularity=1)
    first = httpx.get(f"{world.url}/arm/subscriptions", params=SUBS_API, headers=headers)
    second = httpx.get(f"{world.url}/arm/subscriptions", params=SUBS_API, headers=headers)
    assert first.headers["x-ms-ratelimit-remaining-tenant-reads"] == "0"
    assert second.status_code == 429 and second.json()["error"]["code"] == "TenantRequestsThrottled"
    assert second.headers["retry-after"] == "1000"  # whole seconds... of a very slow refill
    snapshot = {(b["level"], b["operation"]): b for b in world.control.arm_throttle()}
    assert snapshot[("subscription", "deletes")]["throttled"] == 2
    world.control.arm_reset_throttle()
    assert world.control.arm_throttle() == []


def test_reads_writes_and_deletes_have_separate_buckets(world) -> None:
    world.control.arm_set_throttle(reads=(2, 0.001), writes=(2, 0.001), deletes=(2, 0.001))
    headers = as_tenant(CONTOSO)
    base = f"{world.url}/arm{PROD}/{ROLE_ASSIGNMENTS}"
    for _ in range(2):
        assert httpx.get(base, params=API, headers=headers).status_code == 200
    assert httpx.get(base, params=API, headers=headers).status_code == 429
    assert httpx.delete(f"{base}/00000000-0000-4000-8000-000000000000", params=API, headers=headers).status_code == 204
    put = httpx.put(f"{base}/00000000-0000-4000-8000-000000000000", params=API, headers=headers, json={})
    assert put.status_code == 400 and put.headers["x-ms-ratelimit-remaining-subscription-writes"] == "1"
    # A management group is tenant level: its own bucket again.
    mg = f"{world.url}/arm/providers/Microsoft.Management/managementGroups/contoso-root/{ROLE_ASSIGNMENTS}"
    assert httpx.get(mg, params=API, headers=headers).headers["x-ms-ratelimit-remaining-tenant-reads"] == "1"


# -- latency and faults -------------------------------------------------------------------------


@pytest.mark.anyio
async def test_latency_does_not_serialise_requests(world) -> None:
    world.control.arm_set_latency(0.5)
    headers = as_tenant(CONTOSO)
    async with httpx.AsyncClient() as http:
        answers = await asyncio.gather(
            *(
                http.get(f"{world.url}/arm/subscriptions/{SUB_PROD}", params=SUBS_API, headers=headers)
                for _ in range(20)
            )
        )
    assert all(a.status_code == 200 for a in answers)
    logged = world.control.requests("/arm")
    assert [r["latency"] for r in logged] == [0.5] * 20
    assert max(r["in_flight"] for r in logged) > 1  # held at the same time, not one after the other


@pytest.mark.anyio
async def test_fault_storm_on_arm_is_ridden_out(world) -> None:
    world.control.add_fault("/arm/subscriptions", status=503, times=2, retry_after=0)
    world.control.add_fault("/arm/subscriptions", status=429, times=2, retry_after=0.01, after=2)
    world.control.add_fault("/arm/subscriptions", drop=True, times=1, method="GET", after=4)
    async with arm(world) as client:
        listed = await collect(client.list_role_assignments(PROD))
    assert RA_AA_PROD.lower() in {a["id"].lower() for a in listed}
    statuses = [r["status"] for r in world.control.requests("/arm")]
    assert statuses[:4] == [503, 503, 429, 429] and statuses[-1] == 200


# -- scenarios and control -------------------------------------------------------------------------
def test_scenario_sections_are_checked(world) -> None:
    with pytest.raises(httpx.HTTPStatusError, match="arm section"):
        world.control.load_scenario({"arm": {"subscription": []}})
    with pytest.raises(httpx.HTTPStatusError, match="kind"):
        world.control.load_scenario({"arm": {"principals": [{"id": CONTOSO, "kind": "Robot", "tenant": CONTOSO}]}})
    with pytest.raises(httpx.HTTPStatusError, match="unknown management group"):
        world.control.load_scenario(
            {"arm": {"subscriptions": [{"id": SUB_PROD, "tenant": CONTOSO, "managementGroup": "x"}]}}
        )
    with pytest.raises(httpx.HTTPStatusError, match="partner_center section"):
        world.control.load_scenario({"partner_center": {"customer": []}})
    with pytest.raises(httpx.HTTPStatusError, match="contracts come from"):
        world.control.load_scenario({"contracts": []})


def test_state_dump_shows_arm_and_partner_center(world) -> None:
    dump = world.control.state()
    assert {s["subscriptionId"] for s in dump["arm"]["subscriptions"]} >= {SUB_PROD, SUB_DEV}
    assert len(dump["arm"]["role_assignments"]) == 6
    assert dump["arm"]["registration_assignments"][0]["properties"]["registrationDefinitionId"].startswith(DEV)
    assert {c["id"] for c in dump["partner_center"]["customers"]} == {CONTOSO, FABRIKAM}
    assert dump["partner_center"]["partner_id"] == PARTNER
    assert len(dump["contracts"]) == 2


def test_out_of_band_control_refuses_duplicates(world) -> None:
    with pytest.raises(httpx.HTTPStatusError, match="409"):
        world.control.arm_add_role_assignment(PROD, "aa000000-0000-4000-8000-000000000001", "Owner")
    with pytest.raises(httpx.HTTPStatusError, match="404"):
        world.control.arm_remove_role_assignment(f"{PROD}/{ROLE_ASSIGNMENTS}/00000000-0000-4000-8000-000000000000")


# -- the generated world -------------------------------------------------------------------------
def test_generated_world_is_deterministic_and_loads_whole(emulator) -> None:
    world = generate_world(1000, 20, 3, seed=7)
    assert generate_world(1000, 20, 3, seed=7).scenario == world.scenario
    assert generate_world(10, 20, 3, seed=8).subscriptions != generate_world(10, 20, 3, seed=7).subscriptions
    assert len(world.subscriptions) == 1000 and len(world.partner_assignments) == 3000
    assert world.total_assignments == 1000 * 20 + len(world.inherited_partner_assignments)
    emulator.control.reset(world.scenario)  # (how fast a world this size loads: `make bench`)
    store = emulator.state.stores["arm"]
    assert len(store.assignments) == world.total_assignments
    sub = world.subscriptions[123]
    assert len(store.by_root[("sub", sub["id"])]) == 20  # indexed by subscription


@pytest.mark.anyio
async def test_generated_world_through_the_client(emulator) -> None:
    world = generate_world(30, 12, 4, seed=1, subscriptions_per_customer=10, lighthouse_every=5, dap_every=3)
    # The generator's shape, read by an arbitrary caller: permissive (customer 1 has neither DAP nor GDAP).
    emulator.control.reset({**world.scenario, "settings": {"arm_authorization": "permissive"}})
    sub = world.subscriptions[17]
    mine = {a["id"].lower() for a in world.partner_assignments if a["subscriptionId"] == sub["id"]}
    inherited = {a["id"].lower() for a in world.inherited_partner_assignments if sub["managementGroup"] in a["scope"]}
    async with arm(emulator, tenant_id=sub["tenant"]) as client:
        listed = await collect(client.list_role_assignments(f"/subscriptions/{sub['id']}"))
        partner_held = {
            a["id"].lower() for a in listed if a["properties"]["principalId"] in world.partner_principal_ids
        }
        delegated = world.subscriptions[5]
        other = client.for_tenant(delegated["tenant"])
        lighthouse = await collect(other.list_registration_assignments(f"/subscriptions/{delegated['id']}"))
    assert len(listed) == 12 + 1  # its own twelve, one inherited from its customer's management group
    assert partner_held == mine | inherited and len(mine) == 4
    assert [a["id"] for a in lighthouse] == [world.lighthouse_assignments[1]["id"]]
    assert len(world.dap_customers) == 1 and len(world.customer_tenant_ids) == 3
    assert emulator.control.pc_customer(world.dap_customers[0])["allowDelegatedAccess"] is True


def test_dev_scenario_still_loads(world) -> None:

    dump = world.control.load_scenario(REPO / "emulator" / "worlds" / "scenarios" / "dev.yaml")
    assert len(dump["arm"]["role_assignments"]) == 5 and len(dump["gdap"]["relationships"]) == 2
