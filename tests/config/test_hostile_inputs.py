"""Property: whatever a hostile user writes into a stack file or types on the command line, dapctl either
succeeds or exits non-zero with a message that says what is wrong; never a traceback, never a hang.

Stack files are the dev stack mutated (values replaced by hostile ones, keys deleted, renamed or
duplicated, text spliced with alias bombs, bad bytes, deep nesting, duplicate keys); arguments are
mutated options of every command. Commands run in-process (typer's CliRunner) and offline, so nothing
is sent anywhere. Hangs are bounded by pytest-timeout and the commands' own --deadline, not by timing.

The suite runs a modest number of examples; ``DAPCTL_FUZZ_EXAMPLES=1000`` runs more, and
``DAPCTL_FUZZ_REPORT=<file>`` writes the tally of outcomes there.
"""

from __future__ import annotations

import copy
import json
import os
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from dapctl.cli import app
from tests.helpers import REPO

ROOT = REPO
DEV_DOC = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())
EXAMPLES = int(os.environ.get("DAPCTL_FUZZ_EXAMPLES", "60"))
TALLY: Counter[str] = Counter()

HOSTILE_VALUES = [
    "00000000-0000-0000-0000-000000000000",
    "P\u0667\u0663\u0660D",
    "P99999999999D",
    "../../x",
    "a/b/../../c",
    "x" * 100_000,
    "Contoso\x00\x1b[31m",
    "Contoso \u202e",
    "",
    "   ",
    "2F4A9A1E-6C3B-4D8E-9F10-1A2B3C4D5E6F",
    "alice@northwindcsp.onmicrosoft.com",
    "Global Admin",
    "Owner",
    "CONTOSO-prod",
    "contoso.onmicrosoft.com",
    "contoso-gdap",
    "{not json",
    '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["',
    "[" * 5000 + "]" * 5000,
    '{"secure": "x"}',
    "\ufffd",
    "ftp://127.0.0.1:1",
]

SCALARS = st.one_of(
    st.text(max_size=40),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.none(),
    st.booleans(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(HOSTILE_VALUES),
)
VALUES = st.one_of(
    SCALARS,
    st.lists(SCALARS, max_size=4),
    st.dictionaries(
        st.one_of(st.text(max_size=12), st.sampled_from(["name", "objectId", "roles"])), SCALARS, max_size=4
    ),
)

TEXT_SPLICES = [
    "\n  csp-delegation:customers: []\n",
    "\n  csp-delegaton:customers: []\n",
    "\nbomb: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
    "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n",
    "\n  csp-delegation:partner: " + "[" * 3000 + "]" * 3000 + "\n",
    "\n  x: !!binary aGVsbG8=\n",
    "\n  1: one\n  ~: none\n  true: yes\n",
    "\t",
    "- list\n",
    ": :\n",
    "&a *a\n",
    "\n  csp-delegation:partner: &p {x: *p}\n",
]


def _slots(node: Any, out: list) -> list:
    if isinstance(node, dict):
        for key in list(node):
            out.append((node, key))
            _slots(node[key], out)
    elif isinstance(node, list):
        for i in range(len(node)):
            out.append((node, i))
            _slots(node[i], out)
    return out


@st.composite
def stack_files(draw) -> bytes:
    """The dev stack, mutated in its structure and then, sometimes, in its text or bytes."""
    doc = copy.deepcopy(DEV_DOC)
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        slots = _slots(doc, [])
        if not slots:
            break
        container, key = draw(st.sampled_from(slots))
        op = draw(st.sampled_from(["replace", "replace", "delete", "duplicate", "rename", "add"]))
        if op == "replace":
            container[key] = draw(VALUES)
        elif op == "delete":
            del container[key]
        elif op == "duplicate" and isinstance(container, list):
            container.append(copy.deepcopy(container[key]))
        elif op == "rename" and isinstance(container, dict):
            value = container.pop(key)
            container[draw(st.sampled_from([str(key)[:-1], str(key).upper(), str(key) + "s", "x" + str(key)]))] = value
        elif isinstance(container, dict):
            container[draw(st.text(min_size=1, max_size=15))] = draw(VALUES)
    try:
        text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
    except yaml.YAMLError:
        text = yaml.safe_dump(DEV_DOC)
    data = text.encode("utf-8", "surrogatepass")
    mode = draw(st.sampled_from(["none", "none", "splice", "bytes", "truncate"]))
    if mode == "splice":
        at = draw(st.integers(min_value=0, max_value=len(data)))
        data = data[:at] + draw(st.sampled_from(TEXT_SPLICES)).encode() + data[at:]
    elif mode == "bytes":
        at = draw(st.integers(min_value=0, max_value=len(data)))
        data = data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at:]
    elif mode == "truncate":
        data = data[: draw(st.integers(min_value=0, max_value=len(data)))]
    return data


NAMES = st.one_of(st.sampled_from(["contoso", "fabrikam", "adatum", "nobody", "", "../x"]), st.text(max_size=20))
ENDPOINTS = st.one_of(
    st.just("offline"),
    st.sampled_from(
        [
            "ftp://127.0.0.1:1",
            "not a url",
            ":notaport",
            "http://127.0.0.1:99999",
            "http://127.0.0.1:1@attacker.example/",
            "http://localhost.attacker.example",
            "http://[::1",
            "x" * 5000,
        ]
    ),
    st.text(max_size=30),
)
OUTPUTS = st.sampled_from(["report.json", "missing/r.json", "a-file/r.html", ".", "", "x" * 300, "/proc/nope/r"])


@st.composite
def command_lines(draw) -> list[str]:
    command = draw(st.sampled_from(["plan", "audit", "revoke", "drift", "gdap", "invite"]))
    hostile = draw(st.integers(min_value=0, max_value=3)) == 0  # a quarter of the lines carry bad options
    stack = draw(st.sampled_from(["t", "../t", "t/x", ""]) | st.text(max_size=10)) if hostile else "t"
    args = {
        "plan": ["plan"],
        "audit": ["audit", draw(NAMES)],
        "revoke": ["revoke", draw(NAMES)],
        "drift": ["drift"],
        "gdap": ["gdap", "status"],
        "invite": ["invite", draw(NAMES)],
    }[command]
    args += ["--stack", stack]
    if command == "plan":
        args += draw(st.sampled_from([[], ["--json"]]))
        return [*args, "--endpoint", draw(st.sampled_from(["offline", "offline", "ftp://x", "http://127.0.0.1:0"]))]
    if not hostile:
        formats = {"drift": ["table", "json", "markdown"]}.get(command, ["table", "json", "markdown", "html"])
        args += ["--endpoint", "offline", "--deadline", "5"]
        if command in ("audit", "revoke", "drift"):
            args += ["--format", draw(st.sampled_from(formats))]
        if command == "revoke":
            args += draw(st.sampled_from([[], ["--apply"]]))
        return args
    args += ["--endpoint", draw(ENDPOINTS), "--deadline", draw(st.sampled_from(["5", "0", "-1", "abc", "1e9"]))]
    if command in ("audit", "revoke", "drift"):
        args += ["--format", draw(st.sampled_from(["table", "json", "markdown", "html", "bogus", ""]))]
        if draw(st.booleans()):
            args += ["--output", draw(OUTPUTS)]
    if command in ("audit", "revoke") and draw(st.booleans()):
        args += ["--principal", draw(st.sampled_from(["0b6c4e1a-2d3f-4a5b-9c6d-7e8f9a0b1c2d", "nope", ""]))]
    if command == "revoke":
        args += draw(st.sampled_from([[], ["--apply"], ["--resume"], ["--apply", "--journal", "a-file"]]))
    if command == "gdap":
        args += ["--expiring-days", draw(st.sampled_from(["30", "-5", "99999999", "x"]))]
    return args


KNOWN_ERRORS = re.compile(
    r"Config error|Invalid value|Error|Could not complete|Journal error|Plan error|nothing to resume|"
    r"No such option|Missing argument|Usage:|no customer named|not a stack name"
)


def _check(result) -> str:
    """The outcome class of one run; fails on a traceback or a silent non-zero exit."""
    exception = result.exception
    if exception is not None and not isinstance(exception, SystemExit):
        TALLY["traceback"] += 1
        raise AssertionError(f"traceback: {type(exception).__name__}: {str(exception)[:500]}")
    if result.exit_code == 0:
        return "success"
    output = result.output
    assert KNOWN_ERRORS.search(output), f"exit {result.exit_code} without a clear message: {output[:500]!r}"
    if "Config error" in output:
        assert re.search(r"  - \S.*?: ", output), output[:500]
    assert len(output) < 20_000, "a message must not echo unbounded input"
    return f"exit {result.exit_code}"


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CSP_DELEGATION_ENDPOINT", "offline")
    monkeypatch.delenv("DAPCTL_DEADLINE", raising=False)
    (tmp_path / "a-file").write_text("not a folder")
    return tmp_path


@pytest.mark.timeout(max(300, EXAMPLES * 2))
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=os.environ.get("DAPCTL_FUZZ_SEED") is None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(stack=stack_files(), argv=command_lines())
def test_hostile_stack_files_and_arguments_get_an_answer_never_a_traceback(project, stack, argv):
    (project / "Pulumi.t.yaml").write_bytes(stack)
    os.environ["CSP_DELEGATION_ENDPOINT"] = "offline"  # (a command under test may have changed it)
    result = CliRunner().invoke(app, [*argv, "--project-dir", str(project)])
    outcome = _check(result)
    TALLY["examples"] += 1
    TALLY[outcome] += 1
    for kind in ("Config error", "Usage:", "Could not complete", "Plan error", "Journal error"):
        if kind in result.output:
            TALLY[kind] += 1


def teardown_module() -> None:
    target = os.environ.get("DAPCTL_FUZZ_REPORT")
    if target:
        Path(target).write_text(json.dumps({"examples": EXAMPLES, "tally": dict(TALLY)}, indent=2))
