"""A throwaway certificate authority, so the emulator can serve https on 127.0.0.1.

Microsoft's official clients refuse to send a bearer token over plain http (azure-core's
``BearerTokenCredentialPolicy``), so a user's own SDK scripts can only reach the emulator over TLS.
At start the emulator makes a new CA (``trustme``), issues a server certificate for ``127.0.0.1``,
``localhost`` and ``::1``, and writes the CA certificate to a file the clients are told to trust:
``connection_verify=<file>`` (azure-core), ``REQUESTS_CA_BUNDLE`` (requests) or ``SSL_CERT_FILE``
(httpx, OpenSSL). The CA's private key is never written anywhere; the server's key lives in a
private temporary directory removed on stop. Nothing is trusted system-wide, and a CA made for one
run is worthless after it.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import trustme

#: Names the server certificate is valid for: the emulator only ever listens on loopback.
SERVER_NAMES = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class TlsFiles:
    """Where one run's certificates are."""

    ca_path: Path
    """The CA certificate (PEM): what clients trust."""
    server_pem: Path
    """The server's private key and certificate chain (PEM): what uvicorn loads."""
    directory: Path
    """Private temporary directory holding ``server_pem`` (and ``ca_path`` unless one was asked for)."""

    def client_env(self) -> dict[str, str]:
        """Environment variables that make requests (azure-core's default transport) and httpx trust the CA."""
        return {"REQUESTS_CA_BUNDLE": str(self.ca_path), "SSL_CERT_FILE": str(self.ca_path)}

    def remove(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)


def make_tls_files(ca_path: str | Path | None = None) -> TlsFiles:
    """A new CA and a server certificate signed by it; the CA certificate goes to ``ca_path`` if given."""
    ca = trustme.CA(organization_name="csp-delegation emulator (throwaway)")
    server = ca.issue_cert(*SERVER_NAMES)
    directory = Path(tempfile.mkdtemp(prefix="emulator-tls-"))  # mode 0700: the server key stays private
    ca_file = Path(ca_path).resolve() if ca_path else directory / "ca.pem"
    ca_file.parent.mkdir(parents=True, exist_ok=True)
    ca.cert_pem.write_to_path(str(ca_file))
    server_pem = directory / "server.pem"
    server.private_key_and_cert_chain_pem.write_to_path(str(server_pem))
    return TlsFiles(ca_path=ca_file, server_pem=server_pem, directory=directory)
