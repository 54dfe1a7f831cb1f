"""Reading a stack file (``Pulumi.<stack>.yaml``) as hostile input: bounded, strict, and with field paths.

A stack file is typed by people and changed in pull requests, so it is read defensively before the
config schema ever sees it:

- **bounded**: at most ``MAX_BYTES``, ``MAX_DEPTH`` levels of nesting, ``MAX_ALIASES`` alias uses and
  ``MAX_NODES`` values once aliases are expanded (an alias bomb is refused in milliseconds, from the
  composed node graph, before anything is built from it);
- **strict like Pulumi's own parser**: UTF-8 only, a duplicate key is an error (it would silently keep
  the last value: a stray ``csp-delegation:customers: []`` would drop every customer), keys are text,
  values are JSON-like (no ``!!binary``, dates, sets);
- **shaped**: the document is a mapping, ``config:`` is a mapping of ``namespace:key`` names, and a
  misspelt project namespace is an error that names the right one (:mod:`config.namespace`, the check
  the stack program and the policy pack run on the Pulumi runtime's config too).

Every problem is a ``ConfigProblem`` with a field path or a line; no message quotes more than a
bounded prefix of the input. The C loader (libyaml) is used when PyYAML has it, for speed.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import yaml

from azure_http.endpoint_url import quoted

from .errors import ConfigError, ConfigProblem, child_path
from .namespace import key_problems

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 40
MAX_ALIASES = 200
MAX_NODES = 200_000
_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Refused(Exception):
    def __init__(self, path: str, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message


def _line(node: yaml.Node) -> str:
    return f"line {node.start_mark.line + 1}"


def _key_text(node: yaml.Node) -> str:
    return node.value if isinstance(node, yaml.ScalarNode) else f"<{node.tag.rsplit(':', 1)[-1]}>"


def check_node_graph(root: yaml.Node) -> dict[int, str]:
    """Bound the composed graph (depth, alias uses, expanded size, cycles); return node id -> field path.

    One iterative post-order pass, memoised per node, so shared (aliased) nodes cost once however
    often they are referenced and deep nesting cannot exhaust Python's stack."""
    paths: dict[int, str] = {id(root): ""}
    depths: dict[int, int] = {id(root): 1}
    size: dict[int, int] = {}
    height: dict[int, int] = {}
    on_stack: set[int] = set()
    aliases = 0
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        path = paths[key]
        if children_done:
            on_stack.discard(key)
            kids = _children(node)
            size[key] = 1 + sum(size[id(c)] for _, c in kids)
            height[key] = 1 + max((height[id(c)] for _, c in kids), default=0)
            if size[key] > MAX_NODES:
                raise _Refused(path or "(file)", f"more than {MAX_NODES} values once aliases are expanded")
            continue
        if key in size:
            continue
        on_stack.add(key)
        stack.append((node, True))
        depth = depths[key]
        if depth > MAX_DEPTH:
            raise _Refused(path, f"nested more than {MAX_DEPTH} levels deep ({_line(node)})")
        for label, child in _children(node):
            ckey = id(child)
            if ckey in on_stack:
                raise _Refused(child_path(path, label), f"an alias refers to its own parent ({_line(child)})")
            if ckey in paths:
                aliases += 1
                if aliases > MAX_ALIASES:
                    raise _Refused(child_path(path, label), f"more than {MAX_ALIASES} aliases ({_line(child)})")
                if ckey not in size:
                    stack.append((child, False))  # found earlier, not done yet: done before this node
                continue
            paths[ckey] = child_path(path, label)
            depths[ckey] = depth + 1
            stack.append((child, False))
    return paths


def _children(node: yaml.Node) -> list[tuple[str | int, yaml.Node]]:
    if isinstance(node, yaml.SequenceNode):
        return list(enumerate(node.value))
    if isinstance(node, yaml.MappingNode):
        out: list[tuple[str | int, yaml.Node]] = []
        for k, v in node.value:
            label = _key_text(k)
            out += [(f"{label}(key)", k), (label, v)] if not isinstance(k, yaml.ScalarNode) else [(label, v)]
        return out
    return []


class StrictLoader(_BaseLoader):  # type: ignore[misc,valid-type]
    """PyYAML's safe loader (C when available) that refuses duplicate keys, naming both lines."""

    paths: dict[int, str] = {}

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, yaml.Node] = {}
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                marker = (type(key).__name__, key)
                hash(marker)
            except TypeError:
                continue  # an unhashable key: reported as "keys must be text" below
            if marker in seen:
                first = seen[marker]
                where = self.paths.get(id(node), "")
                raise _Refused(
                    child_path(where, _key_text(key_node)),
                    f"duplicate key {quoted(_key_text(key_node), 60)} ({_line(key_node)}; first at {_line(first)}): "
                    "YAML keeps only the last one, so remove or merge one of them",
                )
            seen[marker] = key_node
        return super().construct_mapping(node, deep=deep)


def _check_values(value: Any, path: str) -> None:
    """Only JSON-like values with text keys (what Pulumi passes to a program), iteratively."""
    seen: set[int] = set()
    stack: list[tuple[Any, str]] = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, dict):
            if id(item) in seen:
                continue
            seen.add(id(item))
            for key, child in item.items():
                if not isinstance(key, str):
                    shown = "~ (null)" if key is None else quoted(str(key), 40)
                    raise _Refused(child_path(where, str(key)), f"the key {shown} is not text: quote it, e.g. '{key}':")
                stack.append((child, child_path(where, key)))
        elif isinstance(item, list):
            if id(item) in seen:
                continue
            seen.add(id(item))
            stack.extend((child, child_path(where, i)) for i, child in enumerate(item))
        elif isinstance(item, bytes):
            raise _Refused(where, "a !!binary value: config values are text, numbers, booleans, lists or mappings")
        elif isinstance(item, datetime.date | datetime.datetime):
            raise _Refused(where, "YAML reads this as a date: quote it to keep it text")
        elif isinstance(item, set | tuple):
            raise _Refused(where, "a !!set or pairs value: use a list or a mapping")
        elif not isinstance(item, str | int | float | bool | type(None)):
            raise _Refused(where, f"a {type(item).__name__} value: use text, a number, a list or a mapping")


def load_yaml(data: bytes, source: str) -> Any:
    """The document in ``data``, or ``ConfigError`` (bounded, UTF-8, no duplicates, JSON-like values)."""

    def refuse(path: str, message: str) -> ConfigError:
        return ConfigError([ConfigProblem(path, message)], source)

    if len(data) > MAX_BYTES:
        raise refuse("(file)", f"{len(data)} bytes: a stack file is at most {MAX_BYTES // 1024} KiB")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise refuse("(file)", f"not UTF-8 (byte {err.start}, line {line}): save the file as UTF-8") from None
    text = text.removeprefix("\ufeff")
    loader = StrictLoader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return None
        loader.paths = check_node_graph(root)
        document = loader.construct_document(root)
    except _Refused as err:
        raise refuse(err.path or "(file)", err.message) from None
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(file)"
        problem = (err.problem or err.context or "syntax error")[:200]
        raise refuse("(file)", f"not valid YAML at {where}: {problem}") from None
    except (yaml.YAMLError, ValueError, TypeError, OverflowError) as err:
        raise refuse("(file)", f"not valid YAML: {type(err).__name__}: {str(err)[:200]}") from None
    except RecursionError:
        raise refuse("(file)", f"nested more than {MAX_DEPTH} levels deep") from None
    finally:
        loader.dispose()
    try:
        _check_values(document, "")
    except _Refused as err:
        raise refuse(err.path or "(file)", err.message) from None
    return document


def read_config_section(path: Path, namespace: str) -> dict[str, Any]:
    """The ``config:`` mapping of the stack file at ``path`` (namespaced keys), checked for shape."""
    source = str(path)
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as err:
        raise ConfigError([ConfigProblem("(file)", f"cannot read it: {err.strerror or err}")], source) from None
    document = load_yaml(data, source)
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise ConfigError(
            [
                ConfigProblem(
                    "(top level)",
                    f"the file holds {_what(document)}: a stack file is a mapping with a config: section",
                )
            ],
            source,
        )
    config = document.get("config")
    if config is None:
        return {}
    if not isinstance(config, dict):
        raise ConfigError(
            [ConfigProblem("config", f"holds {_what(config)}: it must be a mapping of {namespace}:<key> entries")],
            source,
        )
    problems = [p for key in config for p in key_problems(str(key), namespace)]
    if problems:
        raise ConfigError(problems, source)
    return config


def _what(value: Any) -> str:
    return {list: "a list", str: "text", int: "a number", float: "a number", bool: "a boolean"}.get(
        type(value), type(value).__name__
    )
