"""The import of a generated brownfield estate, read from the emulator over HTTP, checked against the world's ground
truth: what is adopted, what the report lists, that every written file loads, and that a second import writes
nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from azure_http import EmulatorTokens, Endpoints, run_sync
from config.loading import load_stack_file
from emulator.worlds.brownfield import PARTNER_TENANT, TIER2_SUPPORT, generate_brownfield
from estate.importer import ImportOptions, plan_import, write_import
from estate.model import AzureSide, CustomerEstate, LighthouseDelegation, RbacGrant, Relationship
from estate.reader import ReadLimits, read_estate
from estate.report import to_json, to_markdown
from estate.translate import NOT_EXPRESSED, PartnerInfo, translate_customer
from estate.writer import index_project, partner_from_stack

CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"


@pytest.fixture(scope="module")
def world():
    return generate_brownfield(30, seed=3)


DEFAULT_OPTIONS, DEFAULT_LIMITS = ImportOptions(), ReadLimits()


def import_once(emulator, project: Path, options: ImportOptions = DEFAULT_OPTIONS, limits=DEFAULT_LIMITS, **kw):
    partner = partner_from_stack("partner", project)
    index = index_project(project)
    estate = run_sync(
        read_estate(
            partner.tenant_id,
            partner.groups.values(),
            EmulatorTokens(),
            Endpoints.emulator(emulator.url),
            skip_azure=lambda c: c.tenant_id in index.tenants,
            limits=limits,
            **kw,
        )
    )
    into_text = (project / f"Pulumi.{options.into}.yaml").read_text() if options.into else None
    plan = plan_import(estate, partner, index, project, options, into_text)
    write_import(plan)
    return plan


@pytest.fixture
def project(tmp_path, world, emulator):
    emulator.control.reset(world.scenario)
    world.write_partner_stack(tmp_path)
    return tmp_path


def customers_written(project: Path) -> dict[str, dict]:
    """tenant id -> the customer entry of every stack file but the partner's, each loaded by the project's loader."""
    out = {}
    for path in project.glob("Pulumi.*.yaml"):
        stack = path.name[len("Pulumi.") : -len(".yaml")]
        cfg = load_stack_file(stack, project)  # raises if the file would not load
        if stack == "partner":
            continue
        raw = yaml.safe_load(path.read_text())["config"]["csp-delegation:customers"]
        for entry, customer in zip(raw, cfg.customers, strict=True):
            out[customer.tenant_id] = entry
    return out


def test_import_writes_loadable_configs_that_adopt_what_exists(emulator, world, project):
    plan = import_once(emulator, project)
    written = customers_written(project)
    assert len(plan.written) == len(written) > 0
    for truth in world.customers:
        entry = written.get(truth.tenant_id)
        live = truth.adopt_relationship_id is not None
        assert (entry is not None) == (live or truth.dap), truth.kind
        if entry is None:
            continue
        gdap = entry.get("gdap") or {}
        assert gdap.get("adoptRelationshipId") == truth.adopt_relationship_id
        assert entry["delegation"] == ("gdap" if live else "dap")
        assert entry.get("legacyDap", False) == (live and truth.dap)
        chosen = next((r for r in truth.relationships if r["id"] == truth.adopt_relationship_id), None)
        if chosen and chosen["status"] in ("active", "expiring"):
            adopted = {a["adoptAssignmentId"] for a in gdap["access"]}
            expected = {a["id"] for a in chosen["assignments"]} - set(truth.unknown_group_assignment_ids)
            assert adopted == expected
        if truth.reachable:
            subs = {s["subscriptionId"]: s for s in entry.get("existingSubscriptions", [])}
            assert {k: v["adoptRoleAssignment"] for k, v in subs.items()} == {
                k: v["assignmentName"] for k, v in truth.adoptable_grants.items()
            }
            assert all(s["role"] == "Owner" and s["group"] == "adminAgents" for s in subs.values())
    mlt = [t for t in world.customers if t.kind == "mlt"]
    assert mlt and all(written[t.tenant_id]["gdap"]["displayName"].startswith("MLT_") for t in mlt)
    # Directory Writers is not in the catalog: written as its GUID; the others by name
    assert "9360feb5-f418-4baa-8175-e2a00bac4301" in written[mlt[0].tenant_id]["gdap"]["roles"]
    assert "Directory Readers" in written[mlt[0].tenant_id]["gdap"]["roles"]


def test_the_report_lists_each_item_config_cannot_express(emulator, world, project):
    plan = import_once(emulator, project)
    subjects = {f.subject for f in plan.findings if f.severity == NOT_EXPRESSED}
    texts = "\n".join(p.read_text() for p in project.glob("Pulumi.*.yaml"))
    for truth in world.customers:
        for rel in truth.relationships:
            if rel["status"] in ("expired", "terminated"):
                assert rel["id"] in subjects  # ended: never adopted, always listed
        for rel_id in truth.other_live_relationship_ids:
            assert rel_id in subjects
        for assignment_id in truth.unknown_group_assignment_ids:
            assert assignment_id in subjects
        if truth.reachable:
            for grant_id in truth.inexpressible_grant_ids:
                assert grant_id in subjects
        for grant_id in truth.other_partner_grant_ids:  # another partner's: not ours, nowhere
            assert grant_id not in subjects and grant_id.rsplit("/", 1)[-1] not in texts
        for sub, lh in truth.lighthouse.items():
            if truth.reachable and sub in truth.adoptable_grants:
                assert lh["definitionId"] in texts or any(lh["assignmentId"] in s for s in subjects)
    unreachable = [t for t in world.customers if not t.reachable and (t.dap or t.adopt_relationship_id)]
    for t in unreachable:
        assert any(f.tenant_id == t.tenant_id and f.kind == "Azure not visible" for f in plan.findings)
    document = to_json(plan, PARTNER_TENANT, dry_run=False)
    assert document["summary"]["notExpressed"] == sum(1 for f in plan.findings if f.severity == NOT_EXPRESSED)
    assert "| customer | kind | object | detail |" in to_markdown(plan, PARTNER_TENANT, dry_run=False)


def test_a_second_import_writes_nothing(emulator, world, project):
    first = import_once(emulator, project)
    before = {p.name: p.read_text() for p in project.glob("Pulumi.*.yaml")}
    second = import_once(emulator, project)
    assert second.files == [] and second.written == []
    assert {t for t, _, _ in second.already} == {t for f in first.files for t in f.tenant_ids}
    assert {p.name: p.read_text() for p in project.glob("Pulumi.*.yaml")} == before


def test_sequential_read_finds_the_same_estate(emulator, world, project):
    pick = {c.tenant_id for c in world.customers[:6]}
    a = import_once(emulator, project, ImportOptions(), select=lambda c: c.tenant_id in pick)
    b_plan_findings = [f.to_json() for f in a.findings]
    for f in project.glob("Pulumi.*.yaml"):
        if f.name != "Pulumi.partner.yaml":
            f.unlink()
    b = import_once(emulator, project, ImportOptions(), ReadLimits.sequential(), select=lambda c: c.tenant_id in pick)
    assert [f.to_json() for f in b.findings] == b_plan_findings
    assert [p.text for p in b.files] == [p.text for p in a.files]


def test_mlt_replace_plans_a_least_privilege_relationship(emulator, world, project):
    plan = import_once(emulator, project, ImportOptions(mlt="replace"))
    written = customers_written(project)
    for truth in world.customers:
        if truth.kind == "mlt":
            entry = written[truth.tenant_id]
            assert entry["delegation"] == "gdap" and "gdap" not in entry  # the catalog's least-privilege defaults
            mlt_id = truth.adopt_relationship_id
            assert any(f.subject == mlt_id and f.kind == "MLT replaced" for f in plan.findings)
    assert not any(e.get("gdap", {}).get("displayName", "").startswith("MLT_") for e in written.values())


def test_include_ended_writes_customers_with_nothing_live(emulator, world, project):
    import_once(emulator, project, ImportOptions(include_ended=True))
    written = customers_written(project)
    assert set(written) == {t.tenant_id for t in world.customers}
    for truth in world.customers:
        if truth.adopt_relationship_id is None and not truth.dap:
            assert "adoptRelationshipId" not in (written[truth.tenant_id].get("gdap") or {})


def test_into_appends_to_a_stack_keeping_its_comments(emulator, world, project):
    into = project / "Pulumi.estate.yaml"
    partner = yaml.safe_load((project / "Pulumi.partner.yaml").read_text())["config"]["csp-delegation:partner"]
    text = "# our estate, by hand\nconfig:\n  csp-delegation:partner:\n"
    text += "".join(f"    {line}\n" for line in yaml.safe_dump(partner, sort_keys=False).splitlines())
    text += "  # customers below\n  csp-delegation:customers: []\n"
    into.write_text(text)
    plan = import_once(emulator, project, ImportOptions(into="estate"))
    assert plan.written == [into]
    cfg = load_stack_file("estate", project)
    assert into.read_text().startswith("# our estate, by hand\n") and "# customers below" in into.read_text()
    assert len(cfg.customers) == len(plan.to_write()) > 0
    again = import_once(emulator, project, ImportOptions(into="estate"))
    assert again.files == [] and len(again.already) == len(cfg.customers)


def partner_info() -> PartnerInfo:
    return PartnerInfo(
        PARTNER_TENANT, "7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f", "Northwind", {"tier2Support": TIER2_SUPPORT}
    )


def lighthouse_customer(principals: list[str]) -> CustomerEstate:
    sub = "11111111-2222-4333-8444-555555555555"
    grant = RbacGrant(
        id=f"/subscriptions/{sub}/providers/Microsoft.Authorization/roleAssignments/aaaaaaaa-0000-4000-8000-000000000001",
        scope=f"/subscriptions/{sub}",
        principal_id=TIER2_SUPPORT,
        role_id=CONTRIBUTOR,
        subscription_id=sub,
    )
    delegation = LighthouseDelegation(
        assignment_id=f"/subscriptions/{sub}/providers/Microsoft.ManagedServices/registrationAssignments/"
        "bbbbbbbb-0000-4000-8000-000000000002",
        definition_id="cccccccc-0000-4000-8000-000000000003",
        subscription_id=sub,
        managed_by_tenant_id=PARTNER_TENANT,
        authorizations=tuple((p, CONTRIBUTOR) for p in principals),
    )
    rel = Relationship(
        id="r-1",
        display_name="contoso-gdap",
        status="active",
        customer_tenant_id="dddddddd-0000-4000-8000-000000000004",
        customer_display_name=None,
        role_ids=("x",),
    )
    return CustomerEstate(
        "dddddddd-0000-4000-8000-000000000004",
        "Contoso <b>|Ltd|</b>",
        "contoso.onmicrosoft.com",
        "ResellerPartner",
        True,
        (rel,),
        AzureSide(subscriptions=((sub, ""),), grants=(grant,), lighthouse=(delegation,)),
    )


def test_lighthouse_to_one_known_group_is_adopted_and_to_several_is_reported():
    one = translate_customer(lighthouse_customer([TIER2_SUPPORT]), partner_info(), "contoso")
    assert one.entry["lighthouse"] == {"enabled": True, "group": "tier2Support", "roles": ["Contributor"]}
    assert one.entry["existingSubscriptions"][0]["adoptLighthouse"] == {
        "registrationDefinitionId": "cccccccc-0000-4000-8000-000000000003",
        "registrationAssignmentId": "bbbbbbbb-0000-4000-8000-000000000002",
    }
    several = translate_customer(
        lighthouse_customer([TIER2_SUPPORT, "eeeeeeee-0000-4000-8000-000000000005"]), partner_info(), "contoso"
    )
    assert "lighthouse" not in several.entry
    assert [f.kind for f in several.findings if f.severity == NOT_EXPRESSED] == ["Lighthouse"]


def test_names_in_the_markdown_report_are_escaped():
    from estate.importer import ImportPlan

    result = translate_customer(lighthouse_customer([TIER2_SUPPORT, TIER2_SUPPORT.upper()]), partner_info(), "c")
    plan = ImportPlan(customers=[result])
    text = to_markdown(plan, PARTNER_TENANT, dry_run=True)
    assert "<b>" not in text and "&lt;b&gt;" in text and "\\|Ltd\\|" in text


def test_a_company_name_config_refuses_is_reported_not_written(emulator, tmp_path):
    """Partner Center names are typed by people: one with a bidirectional override cannot go into config (it reads
    differently than it is); that customer is reported with the loader's reason, the others are written."""
    world = generate_brownfield(12, seed=3)
    victim = next(t for t in world.customers if t.adopt_relationship_id and t.kind == "gdap")
    for entry in world.scenario["partner_center"]["customers"]:
        if entry["tenantId"] == victim.tenant_id:
            entry["companyName"] = "Evil\u202eCorp |x| <script>"
    emulator.control.reset(world.scenario)
    world.write_partner_stack(tmp_path)
    plan = import_once(emulator, tmp_path)
    assert victim.tenant_id not in customers_written(tmp_path)
    reason = [f for f in plan.findings if f.tenant_id == victim.tenant_id and f.kind == "invalid config"]
    assert reason and "U+202E" in reason[0].detail
    assert len(customers_written(tmp_path)) == len(plan.written) > 0
    text = to_markdown(plan, PARTNER_TENANT, dry_run=False)
    assert "<script>" not in text and "&lt;script&gt;" in text and "\\|x\\|" in text
    assert "\u202e" not in text and "U+202E" in text


def test_groups_from_the_partner_stack_by_reference(emulator, project):
    """--groups-from stack: each customer stack reads the partner's groups from the partner stack at run time."""
    plan = import_once(emulator, project, ImportOptions(groups_from_stack="partner"))
    assert plan.written
    for path in plan.written:
        partner = yaml.safe_load(path.read_text())["config"]["csp-delegation:partner"]
        assert partner["groupsFrom"] == {"stack": "partner"}
        load_stack_file(path.name[len("Pulumi.") : -len(".yaml")], project)
