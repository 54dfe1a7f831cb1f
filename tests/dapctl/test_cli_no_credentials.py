"""Every command that reaches Azure, run with no Azure credential at all, and against a closed port: one line
saying what is wrong and how to fix it, exit 1 (error), no traceback. (Bad formats and options: test_cli_options.)

Only the Azure CLI credential is allowed (AZURE_TOKEN_CREDENTIALS) and `az` is not on the PATH, so azure-identity
fails on this machine without a network call (no managed-identity probe)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from dapctl.cli import app
from tests.helpers import REPO

COMMANDS = {
    "plan": ["plan", "--endpoint", "azure"],
    "gdap status": ["gdap", "status"],
    "invite": ["invite", "adatum"],
    "audit": ["audit", "contoso"],
    "revoke": ["revoke", "contoso"],
    "drift": ["drift"],
    "fleet status": ["fleet", "status", "--stacks", "dev"],
    "autopilot devices": ["autopilot", "devices", "contoso"],
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_no_credential_is_one_clear_error(command, monkeypatch, tmp_path):
    monkeypatch.setenv("CSP_DELEGATION_ENDPOINT", "azure")
    monkeypatch.setenv("AZURE_TOKEN_CREDENTIALS", "AzureCliCredential")
    monkeypatch.setenv("PATH", str(tmp_path))  # no `az` here
    for name in ("AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_CLIENT_SECRET", "AZURE_FEDERATED_TOKEN_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(REPO)
    result = CliRunner().invoke(app, [*COMMANDS[command], "--deadline", "60"], catch_exceptions=True)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == 1, result.output
    text = " ".join(result.output.split())
    assert "no Azure credential could get a token" in text and "az login" in text
    assert "Traceback" not in result.output


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_closed_port_is_one_clear_error(command, monkeypatch):
    """The emulator's URL with nothing listening: refused connections, retried within the deadline, then exit 1."""
    import socket

    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
        url = f"http://127.0.0.1:{closed.getsockname()[1]}"
        args = [a if a != "azure" else url for a in COMMANDS[command]]
        monkeypatch.setenv("CSP_DELEGATION_ENDPOINT", url)
        monkeypatch.chdir(REPO)
        result = CliRunner().invoke(app, [*args, "--deadline", "1"], catch_exceptions=True)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == 1, result.output
    assert url.removeprefix("http://") in " ".join(result.output.split()) and "Traceback" not in result.output


def test_an_https_emulator_without_its_ca_is_a_usage_error_before_any_request(monkeypatch):
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.chdir(REPO)
    for args in (["gdap", "status"], ["audit", "contoso"], ["fleet", "status", "--stacks", "dev"]):
        result = CliRunner().invoke(app, [*args, "--endpoint", "https://127.0.0.1:8765"], catch_exceptions=True)
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
        assert result.exit_code == 2, result.output
        assert "export SSL_CERT_FILE" in " ".join(result.output.replace("│", " ").split()), args
