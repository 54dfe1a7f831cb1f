"""The stack-file loader treats Pulumi.<stack>.yaml as hostile input: bounded, strict, and with field paths."""

from __future__ import annotations

from pathlib import Path

import pytest

from config import yaml_loader
from config.errors import ConfigError
from config.loading import load_stack_file
from tests.helpers import REPO

ROOT = REPO
DEV = (ROOT / "Pulumi.dev.yaml").read_text()


def problems(tmp_path: Path, content: str | bytes, stack: str = "t") -> list[str]:
    path = tmp_path / f"Pulumi.{stack}.yaml"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(ConfigError) as caught:
        load_stack_file(stack, tmp_path)
    return [str(p) for p in caught.value.problems]


def alias_bomb(levels: int = 9) -> str:
    text = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    previous = "a"
    for i in range(levels):
        name = f"l{i}"
        text += f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]\n"
        previous = name
    return f"config:\n  csp-delegation:partner:\n    bomb:\n{_indent(text, 6)}"


def _indent(text: str, n: int) -> str:
    return "".join(" " * n + line + "\n" for line in text.splitlines())


def test_the_dev_stack_loads():
    assert len(load_stack_file("dev").customers) == 3


def test_an_alias_bomb_is_refused_from_the_node_graph(tmp_path):
    (problem,) = problems(tmp_path, alias_bomb())
    assert "aliases are expanded" in problem or "more than 200 aliases" in problem
    assert len(problem) < 300


def test_a_few_aliases_are_fine(tmp_path):
    anchored = DEV.replace("location: westeurope", "location: &where westeurope").replace(
        "      revocationRunbook:\n        enabled: true\n    - name: adatum",
        "      revocationRunbook:\n        enabled: true\n        location: *where\n    - name: adatum",
    )
    assert anchored.count("*where") == 1
    (tmp_path / "Pulumi.t.yaml").write_text(anchored)
    assert load_stack_file("t", tmp_path).customer("fabrikam").revocation_runbook.location == "westeurope"


@pytest.mark.parametrize(
    ("content", "path", "says"),
    [
        ("- a\n- b\n", "(top level)", "holds a list"),
        ("just text\n", "(top level)", "holds text"),
        ("config:\n  - csp-delegation:partner\n", "config", "holds a list"),
        ("config:\n  csp-delegation:partner:\n    1: x\n", "config.csp-delegation:partner.1", "not text"),
        ("config:\n  csp-delegation:partner:\n    ~: x\n", "config.csp-delegation:partner.None", "not text"),
        ("config:\n  csp-delegation:partner:\n    true: x\n", "config.csp-delegation:partner.True", "not text"),
        ("config:\n  csp-delegation:partner:\n    tenantId: !!binary aGVsbG8=\n", "tenantId", "!!binary"),
        ("config:\n  csp-delegation:partner:\n    tenantId: 2024-01-01\n", "tenantId", "date"),
        ("config:\n  csp-delegation:partner:\n    x: !!set {a, b}\n", "csp-delegation:partner.x", "set"),
        ("config:\n  customers: []\n", "config.customers", "<namespace>:<name>"),
        ("config: [\n", "(file)", "not valid YAML at line"),
    ],
)
def test_shapes_are_checked_with_a_field_path(tmp_path, content, path, says):
    (problem,) = problems(tmp_path, content)
    assert path in problem and says in problem, problem


def test_a_misspelt_namespace_suggests_the_right_one(tmp_path):
    content = DEV.replace("csp-delegation:customers:", "csp-delegaton:customers:")
    (problem,) = problems(tmp_path, content)
    assert "config.csp-delegaton:customers" in problem
    assert "did you mean csp-delegation:customers" in problem


def test_other_namespaces_are_provider_settings_and_ignored(tmp_path):
    content = DEV.replace("config:\n", "config:\n  azure-native:location: westeurope\n", 1)
    (tmp_path / "Pulumi.t.yaml").write_text(content)
    assert len(load_stack_file("t", tmp_path).customers) == 3


def test_duplicate_keys_are_refused_naming_both_lines(tmp_path):
    content = DEV + "  csp-delegation:customers: []\n"
    (problem,) = problems(tmp_path, content)
    assert "duplicate key 'csp-delegation:customers'" in problem
    assert "first at line" in problem
    nested = "config:\n  csp-delegation:partner:\n    tenantId: a\n    tenantId: b\n"
    (problem,) = problems(tmp_path, nested)
    assert problem.startswith("config.csp-delegation:partner.tenantId: duplicate key")


def test_non_utf8_is_refused_with_the_line(tmp_path):
    (problem,) = problems(tmp_path, b"config:\n  csp-delegation:partner:\n    displayName: caf\xe9\n")
    assert "not UTF-8" in problem and "line 3" in problem


def test_deep_nesting_is_refused(tmp_path):
    content = "config:\n  csp-delegation:partner: " + "[" * 10_000 + "]" * 10_000 + "\n"
    (problem,) = problems(tmp_path, content)
    assert f"nested more than {yaml_loader.MAX_DEPTH} levels" in problem


def test_a_huge_file_is_refused_without_reading_it_all(tmp_path):
    content = "config:\n  csp-delegation:partner:\n    displayName: " + "x" * (yaml_loader.MAX_BYTES + 10) + "\n"
    (problem,) = problems(tmp_path, content)
    assert "at most 1024 KiB" in problem and len(problem) < 200


def test_a_recursive_alias_is_refused(tmp_path):
    content = "config:\n  csp-delegation:partner: &a\n    x: *a\n"
    (problem,) = problems(tmp_path, content)
    assert "refers to its own parent" in problem or "more than" in problem


def test_messages_never_quote_unbounded_input(tmp_path):
    long = "z" * 200_000
    content = DEV.replace("csp-delegation:customers:", f"csp-delegation:customers{long}:")
    for problem in problems(tmp_path, content):
        assert len(problem) < 500


@pytest.mark.parametrize("stack", ["../../x", "a/b", "", ".hidden", "x" * 101, "dev\n"])
def test_a_stack_name_is_a_name_not_a_path(tmp_path, stack):
    with pytest.raises(ConfigError) as caught:
        load_stack_file(stack, tmp_path)
    assert "is not a stack name" in str(caught.value)
