"""Which endpoints and tokens a command or provider uses: Azure, the local emulator, or none (offline).

Chosen at call time from ``CSP_DELEGATION_ENDPOINT`` so nothing about the connection is stored in a
pickled Pulumi dynamic provider or in state:
- unset or ``azure``: the public Microsoft endpoints with azure-identity (DefaultAzureCredential);
- ``http://127.0.0.1:PORT``: the project's local emulator, with ``EmulatorTokens`` (unsigned tokens
  naming the requested tenant, so ARM calls for a customer tenant reach that tenant's subscriptions);
  ``https://127.0.0.1:PORT`` for the emulator started with ``--tls``, whose throwaway CA certificate
  ``SSL_CERT_FILE`` must name (the emulator prints it);
- ``offline``: no HTTP at all (the offline plan); asking for a client is then an error.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from azure_http.endpoint_url import EndpointError, parse_endpoint
from azure_http.endpoints import Endpoints

if TYPE_CHECKING:  # the token providers (and asyncio) are imported by connect(), not by every --help
    from azure_http.auth import TokenProvider

ENV = "CSP_DELEGATION_ENDPOINT"
OFFLINE = "offline"


class OfflineMode(RuntimeError):
    """Raised when code asks for a live client while running offline."""


@dataclass(frozen=True)
class Connection:
    endpoints: Endpoints
    tokens: TokenProvider
    target: str
    """'azure' or the emulator URL, for messages."""
    sleep: Callable[[float], Awaitable[Any]] | None = None
    """How the clients and the runs wait (back-off, polling, read-back): ``asyncio.sleep`` when None. Tests give
    a virtual time that moves the emulator's clock, so a wait costs nothing and no test depends on the machine."""
    clock: Callable[[], float] | None = None
    """The monotonic clock that bounds those waits (with ``sleep``)."""

    @property
    def client_options(self) -> dict[str, Any]:
        """The keywords every client made on this connection takes (``sleep``, ``clock``), when set."""
        return {k: v for k, v in (("sleep", self.sleep), ("clock", self.clock)) if v is not None}


def current_target(value: str | None = None) -> str:
    value = (value if value is not None else os.environ.get(ENV, "")).strip()
    return value or "azure"


def is_offline(value: str | None = None) -> bool:
    return current_target(value) == OFFLINE


def check(value: str | None = None) -> None:
    """Raise ``EndpointError`` now when ``value`` (default: the environment variable) is unusable.

    Commands call this before their first request, so a bad endpoint is an error, not a traceback. An https
    emulator URL also needs its CA named (``SSL_CERT_FILE``)."""
    source = ENV if value is None else "--endpoint"
    target = parse_endpoint(current_target(value), source=source)
    if target.kind == "emulator" and target.url.startswith("https://"):
        _check_emulator_ca(target.url, source)


def connect(value: str | None = None) -> Connection:
    """The connection named by ``value`` (default: the environment variable).

    Raises ``EndpointError`` (a ValueError) for a value that is not Azure, offline or a loopback URL."""
    target = parse_endpoint(current_target(value), source=ENV if value is None else "endpoint")
    if target.kind == OFFLINE:
        raise OfflineMode(f"{ENV}=offline: this step needs Graph/ARM; set it to an emulator URL or unset it")
    from azure_http.auth import AzureIdentityTokens
    from azure_http.emulator_tokens import EmulatorTokens

    if target.kind == "azure":
        return Connection(Endpoints(), AzureIdentityTokens(), "azure")
    if target.url.startswith("https://"):
        _check_emulator_ca(target.url, ENV if value is None else "endpoint")
    # Tokens from the emulator's Entra endpoint, as azure-identity gets them from Entra: consent is checked there.
    return Connection(Endpoints.emulator(target.url), EmulatorTokens(login_url=f"{target.url}/login"), target.url)


def _check_emulator_ca(target: str, source: str = ENV) -> None:
    """The emulator's https needs its throwaway CA trusted: name it before any request fails on TLS."""
    ca_file = os.environ.get("SSL_CERT_FILE", "")
    if not ca_file:
        raise EndpointError(
            f"{source}={target}: the emulator serves https with its own CA; export SSL_CERT_FILE=<the CA "
            "certificate `python -m emulator --tls` printed>"
        )
    if not os.path.isfile(ca_file):
        raise EndpointError(f"SSL_CERT_FILE={ca_file!r} is not a file: point it at the emulator's CA certificate")


__all__ = [
    "ENV",
    "OFFLINE",
    "Connection",
    "EndpointError",
    "OfflineMode",
    "check",
    "connect",
    "current_target",
    "is_offline",
]
