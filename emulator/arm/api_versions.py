"""Which ``api-version`` values the emulated ARM accepts, per resource type, and ARM's refusal of the rest.

ARM refuses a version the resource provider does not publish with 400 ``InvalidApiVersionParameter``:
"The api-version '<v>' is invalid. The supported versions are '<v1>,<v2>,...'." (the text seen in public
reports, e.g. github.com/Azure/azure-cli/issues/28038 and Azure/azure-sdk-for-net/issues/2276). The
lists hold the versions this project's clients use (azure_http.arm), those pulumi-azure-native 3.x
uses (Authorization 2022-04-01 and 2022-05-01-preview, ManagedServices 2022-10-01, Subscription
aliases 2024-08-01-preview, 2.x: 2021-10-01) and other versions published in Azure/azure-rest-api-specs
(the ManagedServices and Subscription lists follow its version folders; the Authorization and
Microsoft.Resources ones may miss old previews). A version missing here that a client needs is a bug here.
"""

from __future__ import annotations

from emulator.arm import model as m
from emulator.core.errors import ServiceError

_AUTHORIZATION = (
    "2015-07-01",
    "2017-10-01-preview",
    "2018-01-01-preview",
    "2018-09-01-preview",
    "2020-04-01-preview",
    "2020-08-01-preview",
    "2020-10-01-preview",
    "2022-01-01-preview",
    "2022-04-01",
    "2022-05-01-preview",
)
_MANAGED_SERVICES = (
    "2018-06-01-preview",
    "2019-04-01-preview",
    "2019-06-01",
    "2019-09-01",
    "2019-12-01-preview",
    "2020-02-01-preview",
    "2022-01-01-preview",
    "2022-10-01",
)
_SUBSCRIPTIONS = (
    "2014-04-01-preview",
    "2015-11-01",
    "2016-06-01",
    "2018-06-01",
    "2019-06-01",
    "2019-11-01",
    "2020-01-01",
    "2021-01-01",
    "2022-01-01",
    "2022-12-01",
)
_ALIASES = (
    "2019-10-01-preview",
    "2020-09-01",
    "2021-10-01",
    "2024-08-01-preview",
    "2025-11-01-preview",
    "2026-08-01-preview",
)

SUPPORTED: dict[str, tuple[str, ...]] = {
    "subscriptions": _SUBSCRIPTIONS,
    "subscription": _SUBSCRIPTIONS,
    "roleassignments": _AUTHORIZATION,
    "roledefinitions": _AUTHORIZATION,
    "registrationdefinitions": _MANAGED_SERVICES,
    "registrationassignments": _MANAGED_SERVICES,
    "aliases": _ALIASES,
}


def check_api_version(kind: str, value: str) -> None:
    """Raise ARM's 400 InvalidApiVersionParameter unless ``value`` is published for ``kind``."""
    supported = SUPPORTED.get(kind)
    if supported is None or value.lower() in supported:
        return
    shown = value if len(value) <= 40 else value[:40] + "..."
    raise m.bad(
        "InvalidApiVersionParameter",
        f"The api-version '{shown}' is invalid. The supported versions are '{','.join(reversed(supported))}'.",
    )


__all__ = ["SUPPORTED", "ServiceError", "check_api_version"]
