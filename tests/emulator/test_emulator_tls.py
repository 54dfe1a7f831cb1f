"""The emulator over https: a throwaway CA per server, trusted only when named, cleaned up on stop; the
``python -m emulator --tls`` command prints where the CA is and how to trust it."""

from __future__ import annotations

import os
import signal
import ssl
import subprocess
import sys

import httpx
import pytest

from emulator.server import EmulatorServer
from tests.helpers import REPO

ROOT = REPO


def test_https_verifies_against_the_servers_own_ca_only() -> None:
    with EmulatorServer(tls=True) as server, EmulatorServer(tls=True) as other:
        assert server.url.startswith("https://127.0.0.1:") and server.ca_path != other.ca_path
        trusted = httpx.get(f"{server.url}/_emulator/health", verify=ssl.create_default_context(cafile=server.ca_path))
        assert trusted.json()["ok"] is True
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            httpx.get(f"{server.url}/_emulator/health")  # the system's CAs do not know it
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            httpx.get(f"{server.url}/_emulator/health", verify=ssl.create_default_context(cafile=other.ca_path))
        directory = server.tls.directory
    assert not directory.exists()  # the server's key went with it


def test_plain_http_is_still_the_default() -> None:
    with EmulatorServer() as server:
        assert server.url.startswith("http://") and server.ca_path is None and server.tls is None
        assert httpx.get(f"{server.url}/_emulator/health").json()["ok"] is True


def test_the_ca_certificate_goes_where_asked(tmp_path) -> None:
    wanted = tmp_path / "certs" / "emulator-ca.pem"
    with EmulatorServer(tls=True, ca_file=str(wanted)) as server:
        assert server.ca_path == str(wanted) and wanted.read_text().startswith("-----BEGIN CERTIFICATE-----")
        assert "PRIVATE KEY" not in wanted.read_text()
        assert server.tls.client_env() == {"REQUESTS_CA_BUNDLE": str(wanted), "SSL_CERT_FILE": str(wanted)}


def test_the_command_prints_the_ca_and_stops_cleanly_on_sigterm(tmp_path) -> None:
    ca_file = tmp_path / "ca.pem"
    scratch = tmp_path / "tmp"  # the server's key lives in a temporary directory under TMPDIR
    scratch.mkdir()
    process = subprocess.Popen(
        [sys.executable, "-m", "emulator", "--tls", "--port", "0", "--ca-file", str(ca_file)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(scratch)},
    )
    try:
        first = process.stdout.readline()
        assert first.startswith("emulator listening on https://127.0.0.1:"), first + process.stderr.read()
        url = first.split()[-1]
        lines = [process.stdout.readline() for _ in range(2)]
        assert lines[0].split() == ["CA", "certificate:", str(ca_file)]
        assert f"export REQUESTS_CA_BUNDLE={ca_file} SSL_CERT_FILE={ca_file}" in lines[1]
        health = httpx.get(f"{url}/_emulator/health", verify=ssl.create_default_context(cafile=str(ca_file)))
        assert health.json()["ok"] is True
        assert [p.name[:13] for p in scratch.iterdir()] == ["emulator-tls-"]
    finally:
        process.send_signal(signal.SIGTERM)
        returncode = process.wait(timeout=20)
    assert returncode == 0
    assert list(scratch.iterdir()) == []  # removed on the way out
    assert ca_file.exists()  # the CA certificate asked for stays: it is public


def test_ca_file_without_tls_is_refused() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "emulator", "--ca-file", "x.pem"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 2 and "--ca-file needs --tls" in result.stderr
