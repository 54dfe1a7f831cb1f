"""The vendored API spec extracts (``specs/*.json``) as JSON-schema validators for the emulator's answers.

Each extract names its source (repository, path, api-version, commit, or the reference page it was
transcribed from), the operations the emulator serves with their documented status codes, and the
definitions those answers use. ``Spec.check`` validates one answer: its status is one the operation
documents, and its body matches the documented definition, or is empty where the spec gives none.

The ARM extracts are Swagger 2.0; turned into JSON schema with two rules, written down here because they
are the conformance promise: an object may carry **only** the properties its definition lists (an invented
field fails), and a property the definition does not require may be ``null`` (ARM serialises unset optional
members as null, as the specs' own examples show, e.g. ``"condition": null`` in
``RoleAssignments_ListForScope.json``). Graph's extract (generated from msgraph-sdk's models) and Partner
Center's (transcribed) are JSON schema already.
"""

from __future__ import annotations

import copy
import json
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import httpx
from jsonschema import Draft7Validator, FormatChecker

SPECS = Path(__file__).with_name("specs")
#: Formats checked: jsonschema's own (uuid among them) and ISO 8601 date-times. The offset is not required:
#: Graph's own ``innerError.date`` has none (``"date": "2023-09-03T19:04:30"`` in real answers), and the SDKs
#: parse both.
FORMATS = FormatChecker()


@FORMATS.checks("date-time", raises=ValueError)
def _rfc3339(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if "T" not in value.upper():
        raise ValueError(f"{value!r} is not an RFC 3339 date-time")
    datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    return True


def _strict(schema: Any, *, swagger: bool) -> Any:
    """``schema`` with closed objects and (Swagger only) nullable optional members, recursively."""
    if isinstance(schema, list):
        return [_strict(s, swagger=swagger) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: _strict(v, swagger=swagger) for k, v in schema.items() if k != "properties"}
    if "properties" in schema:
        required = set(schema.get("required", []))
        props = {}
        for name, sub in schema["properties"].items():
            sub = _strict(sub, swagger=swagger)
            if swagger and name not in required:
                sub = {"anyOf": [sub, {"type": "null"}]}
            props[name] = sub
        out["properties"] = props
        if swagger:
            out.setdefault("additionalProperties", False)
    return out


#: Where a spec contradicts every client and the service: (extract, definition) -> members not to require, why.
#: SubscriptionListResult marks ``nextLink`` required, yet x-ms-pageable paging ends where it is absent (the
#: SDK pagers stop on a missing nextLink), so the last page carries none.
SPEC_QUIRKS: dict[tuple[str, str], tuple[str, ...]] = {
    ("arm_resources_subscriptions_2022-12-01.json", "SubscriptionListResult"): ("nextLink",),
}


class Spec:
    """One extract: its operations and a validator per definition."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.doc: dict[str, Any] = json.loads((SPECS / name).read_text())
        definitions = copy.deepcopy(self.doc["definitions"])
        for (extract, definition), members in SPEC_QUIRKS.items():
            if extract == name:
                required = definitions[definition].get("required", [])
                definitions[definition]["required"] = [r for r in required if r not in members]
        self._definitions = _strict(definitions, swagger=name.startswith("arm_"))

    @property
    def operations(self) -> dict[str, Any]:
        return self.doc["operations"]

    def validator(self, definition: str) -> Draft7Validator:
        if definition not in self._definitions:
            raise KeyError(f"{self.name} has no definition {definition}")
        schema = {"$ref": f"#/definitions/{definition}", "definitions": self._definitions}
        return Draft7Validator(schema, format_checker=FORMATS)

    def errors(self, definition: str, body: Any) -> list[str]:
        """What in ``body`` does not match ``definition`` (empty: it conforms)."""
        return [
            f"{'/'.join(str(p) for p in e.absolute_path) or '<root>'}: {e.message}"
            for e in self.validator(definition).iter_errors(body)
        ]

    def check(self, operation: str, response: httpx.Response) -> Any:
        """Assert ``response`` is an answer ``operation`` documents; return its JSON body (None if empty)."""
        responses = self.operations[operation]["responses"]
        status = str(response.status_code)
        if status not in responses:
            if response.status_code < 400:
                raise AssertionError(f"{operation}: status {status} is not documented ({sorted(responses)})")
            return self.check_error(response)
        definition = responses[status]
        if definition is None:
            assert not response.content, f"{operation} {status}: the spec documents no body, got {response.text!r}"
            return None
        body = response.json()
        problems = self.errors(definition, body)
        assert not problems, f"{operation} {status} does not match {definition}: {problems}"
        return body

    def check_error(self, response: httpx.Response) -> Any:
        """Assert an error answer has the spec's error shape."""
        default = self.operations["default"]["responses"]["default"]
        body = response.json()
        problems = self.errors(default, body)
        assert not problems, f"error {response.status_code} does not match {default}: {problems}"
        return body


@cache
def spec(name: str) -> Spec:
    return Spec(name)


AUTHORIZATION = "arm_authorization_2022-04-01.json"
MANAGED_SERVICES = "arm_managedservices_2022-10-01.json"
ALIASES = "arm_subscription_aliases_2021-10-01.json"
SUBSCRIPTIONS = "arm_resources_subscriptions_2022-12-01.json"
GRAPH = "graph_v1.0.json"
PARTNER_CENTER = "partner_center_customers.json"


def graph_errors(definition: str, body: Any) -> list[str]:
    return spec(GRAPH).errors(definition, body)


def graph_collection_errors(definition: str, body: Any) -> list[str]:
    """Problems of a Graph collection page: ``value`` items of ``definition``, ``@odata.*`` annotations only."""
    problems = [f"<root>: unexpected member {k!r}" for k in body if k != "value" and not k.startswith("@odata.")]
    for i, item in enumerate(body.get("value", [])):
        problems += [f"value/{i}/{p}" for p in graph_errors(definition, item)]
    return problems
