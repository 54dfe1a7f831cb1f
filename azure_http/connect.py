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
from dataclasses import dataclass

from azure_http.auth import AzureIdentityTokens, TokenProvider
from azure_http.emulator_tokens import EmulatorTokens
from azure_http.endpoints import Endpoints

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


def current_target(value: str | None = None) -> str:
    value = (value if value is not None else os.environ.get(ENV, "")).strip()
    return value or "azure"


def is_offline(value: str | None = None) -> bool:
    return current_target(value) == OFFLINE


def connect(value: str | None = None) -> Connection:
    """The connection named by ``value`` (default: the environment variable)."""
    target = current_target(value)
    if target == OFFLINE:
        raise OfflineMode(f"{ENV}=offline: this step needs Graph/ARM; set it to an emulator URL or unset it")
    if target == "azure":
        return Connection(Endpoints(), AzureIdentityTokens(), target)
    if target.startswith(_LOCAL):
        if target.startswith("https://"):
            _check_emulator_ca(target)
        return Connection(Endpoints.emulator(target), EmulatorTokens(), target)
    raise ValueError(f"{ENV}={target!r}: use 'azure', 'offline' or the local emulator's http(s)://127.0.0.1:PORT URL")


_LOCAL = tuple(f"{scheme}://{host}" for scheme in ("http", "https") for host in ("127.", "localhost", "[::1]"))


def _check_emulator_ca(target: str) -> None:
    """The emulator's https needs its throwaway CA trusted: name it before any request fails on TLS."""
    ca_file = os.environ.get("SSL_CERT_FILE", "")
    if not ca_file:
        raise ValueError(
            f"{ENV}={target}: the emulator serves https with its own CA; export SSL_CERT_FILE=<the CA "
            "certificate `python -m emulator --tls` printed>"
        )
    if not os.path.isfile(ca_file):
        raise ValueError(f"SSL_CERT_FILE={ca_file!r} is not a file: point it at the emulator's CA certificate")
