"""GDAP durations: one helper compares them, and only azure_http/gdap.py spells Graph's auto-extend values.

Graph documents "Supported values are: P0D, PT0S, P180D. The default value is PT0S" for ``autoExtendDuration``
(v1.0 delegatedAdminRelationship) and may echo another spelling than the one sent: a comparison of spellings
churns (a PATCH on every up, or a replacement Graph refuses). The emulator mirrors Graph on its own and is
left out of the scan.
"""

from __future__ import annotations

import re

import pytest

from azure_http.gdap import NEVER_AUTO_EXTEND, auto_extends, duration_seconds, same_duration
from tests.helpers import REPO

TOOLKIT = ("autopilot", "azure_http", "catalog", "components", "config", "dapctl", "estate", "intent", "policy")
TOOLKIT += ("runbooks", "stacks")
SPELLED = re.compile(r"""["'](PT0S|P0D|P180D)["']""")


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("P0D", "PT0S", True),
        ("PT0S", "P0D", True),
        ("P2Y", "P730D", True),
        ("P1W", "P7D", True),
        ("P180D", "PT4320H", True),
        ("P180D", "PT0S", False),
        ("P730D", "P729D", False),
        (None, None, True),
        (None, "PT0S", False),
        ("P1M", "P30D", False),  # months are not a fixed length: compared as written
        ("not a duration", "not a duration", True),
    ],
)
def test_same_duration(a, b, same):
    assert same_duration(a, b) is same


def test_auto_extends():
    assert not auto_extends(None) and not auto_extends("P0D") and not auto_extends(NEVER_AUTO_EXTEND)
    assert auto_extends("P180D")
    assert duration_seconds("P") is None and duration_seconds("PT") is None and duration_seconds("P1DT") is None


def test_only_the_vocabulary_spells_the_auto_extend_values():
    offenders = []
    for package in TOOLKIT:
        for path in sorted((REPO / package).rglob("*.py")):
            if path == REPO / "azure_http" / "gdap.py":
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if SPELLED.search(line):
                    offenders.append(f"{path.relative_to(REPO)}:{number}: {line.strip()}")
    assert not offenders, "use azure_http.gdap (same_duration, auto_extends, NEVER_AUTO_EXTEND):\n" + "\n".join(
        offenders
    )
