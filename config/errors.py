"""Config problems as a person reads them: a field path, what is wrong, and how to fix it."""

from __future__ import annotations

import re
import types
import typing
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pydantic is imported by whoever validates; a command that only reports errors needs none of it
    from pydantic import BaseModel, ValidationError

SHOWN_MAX = 80


def shown(value: object, limit: int = SHOWN_MAX) -> str:
    """``repr(value)`` cut to ``limit`` characters: a message never quotes unbounded input."""
    text = repr(value) if not isinstance(value, dict | list) else f"<{type(value).__name__} of {len(value)}>"
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


@dataclass(frozen=True)
class ConfigProblem:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class ConfigError(Exception):
    """The stack config is wrong; raised before any resource is declared or any API is called."""

    def __init__(self, problems: list[ConfigProblem], source: str = "stack config"):
        self.problems = problems
        self.source = source
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{source} has {len(problems)} problem(s):\n{lines}")


_PLAIN_KEY = re.compile(r"^[A-Za-z0-9_:.@/-]{1,60}$")


def child_path(path: str, key: str | int) -> str:
    """The field path of ``key`` under ``path``: ``customers[2]``, ``gdap.roles``; a key that is not a plain name
    (empty, spaces, newlines, control characters, over 60 characters) is shown quoted and cut, never raw: keys
    are input too, and a message must stay one readable line."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    text = str(key)
    if not _PLAIN_KEY.match(text):
        shown = repr(text[:60]) + ("..." if len(text) > 60 else "")
        return f"{path}[{shown}]" if path else f"[{shown}]"
    return f"{path}.{text}" if path else text


def format_loc(loc: tuple) -> str:
    """('customers', 2, 'gdap', 'roles', 0) -> 'customers[2].gdap.roles[0]'."""
    out = ""
    for part in loc:
        out = child_path(out, part if isinstance(part, int) else str(part))
    return out or "(top level)"


def _unwrap(annotation: typing.Any) -> typing.Any:
    """The model class (or container) an annotation holds, skipping Optional and Annotated."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _unwrap(inner[0]) if len(inner) == 1 else annotation
    return annotation


def allowed_keys(model: type[BaseModel], loc: tuple) -> list[str]:
    """The keys a model accepts at the mapping that ``loc`` (a path of keys and indexes) points into."""
    from pydantic import BaseModel

    current: typing.Any = model
    for part in loc:
        current = _unwrap(current)
        origin = typing.get_origin(current)
        if isinstance(part, int) and origin is list:
            current = typing.get_args(current)[0]
        elif origin is dict:
            current = typing.get_args(current)[1]
        elif isinstance(current, type) and issubclass(current, BaseModel):
            fields = {(f.alias or n): f for n, f in current.model_fields.items()}
            if part not in fields:
                return []
            current = fields[part].annotation
        else:
            return []
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [f.alias or n for n, f in current.model_fields.items()]
    return []


def problems_from_validation_error(err: ValidationError, model: type[BaseModel]) -> list[ConfigProblem]:
    problems = []
    for item in err.errors(include_url=False):
        loc = tuple(item["loc"])
        kind = item["type"]
        if kind == "extra_forbidden":
            keys = allowed_keys(model, loc[:-1])
            hint = f" (allowed here: {', '.join(keys)})" if keys else ""
            message = f"unknown key: remove it or fix its spelling{hint}"
        elif kind == "missing":
            message = "required: add it"
        elif kind == "value_error":
            message = str(item["ctx"]["error"]) if "ctx" in item else item["msg"]
        elif kind == "string_too_long":
            message = f"too long: at most {item['ctx']['max_length']} characters"
        elif kind == "literal_error":
            message = f"{shown(item['input'])} is not allowed: use {item['ctx']['expected']}"
        else:
            message = f"{item['msg']} (got {shown(item['input'])})"
        problems.append(ConfigProblem(format_loc(loc), message))
    return problems


def customer_named(customers, name: str):
    """The customer called ``name`` among ``customers`` (config or intent alike), or whose tenant id or default
    domain it is (without case, as Entra compares them); a ConfigError listing the known names otherwise (a
    command given a name that is not in the stack)."""
    for customer in customers:
        if customer.name == name:
            return customer
    wanted = name.strip().lower()
    for customer in customers:
        ids = (getattr(customer, "tenant_id", None), getattr(customer, "default_domain", None))
        if any(isinstance(value, str) and value.lower() == wanted for value in ids):
            return customer
    known = ", ".join(c.name for c in customers) or "none"
    raise ConfigError([ConfigProblem("customers", f"no customer named {shown(name)} (known: {known})")])
