"""Aliases that carry a resource's state across a change of its Pulumi type.

Until each dynamic resource had a type of its own they were all ``pulumi-python:dynamic:Resource``; a stack
deployed then holds them under that type. With the old type as an alias, the engine treats the resource
under its new type as the same resource: no replacement (a GDAP relationship replaced would need the
customer's approval again).
"""

from __future__ import annotations

import pulumi

from catalog.resource_kinds import LEGACY_DYNAMIC


def with_legacy_dynamic_alias(opts: pulumi.ResourceOptions | None) -> pulumi.ResourceOptions:
    """``opts`` plus an alias to the same resource under the old shared dynamic type."""
    return pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(aliases=[pulumi.Alias(type_=LEGACY_DYNAMIC)]))
