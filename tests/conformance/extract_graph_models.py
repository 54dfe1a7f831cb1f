"""Regenerate ``specs/graph_v1.0.json`` from Microsoft's Graph SDK models.

Run ``python -m tests.conformance.extract_graph_models``.

msgraph-sdk's models are generated from Graph's v1.0 CSDL (microsoftgraph/msgraph-metadata); each model's
``get_field_deserializers`` names every property and its type. A recording parse node calls each deserializer
once and notes which typed getter it used, which gives a JSON schema per type: property names, types,
enum members, nested types. Every property may be null (the CSDL's properties are nullable unless marked
otherwise, and the SDK models are all optional); ``@odata.*`` annotations are allowed on every object;
anything else is refused, so an invented field fails the conformance tests.
"""

from __future__ import annotations

import enum
import importlib
import json
from importlib.metadata import version
from pathlib import Path
from typing import Any

OUT = Path(__file__).with_name("specs") / "graph_v1.0.json"
#: The entity and error types the emulated Graph routes answer with (the rest follows from them).
ROOTS = {
    "msgraph.generated.models.delegated_admin_relationship": "DelegatedAdminRelationship",
    "msgraph.generated.models.delegated_admin_access_assignment": "DelegatedAdminAccessAssignment",
    "msgraph.generated.models.delegated_admin_relationship_request": "DelegatedAdminRelationshipRequest",
    "msgraph.generated.models.delegated_admin_relationship_operation": "DelegatedAdminRelationshipOperation",
    "msgraph.generated.models.contract": "Contract",
    "msgraph.generated.models.cross_tenant_access_policy_configuration_partner": (
        "CrossTenantAccessPolicyConfigurationPartner"
    ),
    "msgraph.generated.models.o_data_errors.o_data_error": "ODataError",
}
#: Navigation properties Graph returns only on $expand: left out (the emulated routes never expand).
NAVIGATION = {"accessAssignments", "operations", "requests", "identitySynchronization"}


class _Recorder:
    """A parse node that remembers the typed getter a deserializer called, and with what."""

    def __init__(self) -> None:
        self.call: tuple[str, Any] | None = None

    def __getattr__(self, name: str) -> Any:
        def getter(*args: Any) -> None:
            self.call = (name, args[0] if args else None)

        return getter


_PRIMITIVES = {
    "get_str_value": {"type": "string"},
    "get_bool_value": {"type": "boolean"},
    "get_int_value": {"type": "integer"},
    "get_float_value": {"type": "number"},
    "get_datetime_value": {"type": "string", "format": "date-time"},
    "get_date_value": {"type": "string", "format": "date"},
    "get_timedelta_value": {"type": "string", "pattern": "^-?P"},
    "get_uuid_value": {"type": "string", "format": "uuid"},
}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    if "type" in schema:
        return {**schema, "type": [schema["type"], "null"]}
    return schema


def _type_schema(call: tuple[str, Any], pending: list[type]) -> dict[str, Any]:
    method, arg = call
    if method in _PRIMITIVES:
        return dict(_PRIMITIVES[method])
    if method == "get_enum_value":
        return {"type": "string", "enum": [m.value for m in arg]}
    if method == "get_object_value":
        pending.append(arg)
        return {"$ref": f"#/definitions/{arg.__name__}"}
    if method == "get_collection_of_object_values":
        pending.append(arg)
        return {"type": "array", "items": {"$ref": f"#/definitions/{arg.__name__}"}}
    if method == "get_collection_of_primitive_values":
        return {"type": "array", "items": {"type": {str: "string", int: "integer", bool: "boolean"}[arg]}}
    if method == "get_collection_of_enum_values":
        return {"type": "array", "items": {"type": "string", "enum": [m.value for m in arg]}}
    raise ValueError(f"unmapped SDK getter {method}")


def _definition(model: type, pending: list[type]) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    for name, deserializer in sorted(model().get_field_deserializers().items()):
        if name in NAVIGATION or name == "@odata.type":
            continue
        node = _Recorder()
        deserializer(node)
        assert node.call is not None
        properties[name] = _nullable(_type_schema(node.call, pending))
    module = model.__module__.replace(".", "/") + ".py"
    return {
        "type": "object",
        "x-source": f"msgraph-sdk {version('msgraph-sdk')}: {module}",
        "properties": properties,
        "patternProperties": {"^@odata\\.": {}},
        "additionalProperties": False,
    }


def build() -> dict[str, Any]:
    pending = [getattr(importlib.import_module(mod), cls) for mod, cls in ROOTS.items()]
    definitions: dict[str, Any] = {}
    while pending:
        model = pending.pop()
        if model.__name__ in definitions or isinstance(model, enum.EnumMeta):
            continue
        definitions[model.__name__] = _definition(model, pending)
    return {
        "source": {
            "repository": "microsoftgraph/msgraph-sdk-python (PyPI msgraph-sdk), generated from "
            "microsoftgraph/msgraph-metadata clean_v10_metadata",
            "version": version("msgraph-sdk"),
            "api-version": "v1.0",
            "generator": "tests/conformance/extract_graph_models.py",
        },
        "definitions": dict(sorted(definitions.items())),
    }


if __name__ == "__main__":
    OUT.write_text(json.dumps(build(), indent=1) + "\n")
    print(f"wrote {OUT}")
