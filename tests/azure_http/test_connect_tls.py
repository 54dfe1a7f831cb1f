"""The project's own clients against the emulator over https (``python -m emulator --tls``): the
emulator URL and its CA come from the environment, as the README's walk-through and ``dapctl demo`` set them."""

from __future__ import annotations

import pytest

from azure_http import GraphClient
from azure_http.connect import connect
from tests.arm_scenario import CONTOSO, PARTNER, SUB_PROD, arm, scenario


def test_an_https_emulator_url_needs_its_ca_named(monkeypatch) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    with pytest.raises(ValueError, match="export SSL_CERT_FILE="):
        connect("https://127.0.0.1:8765")


def test_a_missing_ca_file_is_named(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "nowhere.pem"))
    with pytest.raises(ValueError, match=r"nowhere\.pem' is not a file"):
        connect("https://127.0.0.1:8765")


def test_only_local_emulator_urls_are_accepted() -> None:
    with pytest.raises(ValueError, match=r"is not a loopback address: only the local emulator is reached by URL"):
        connect("https://example.com")


@pytest.mark.anyio
async def test_the_project_clients_reach_the_https_emulator(emulator_tls, monkeypatch) -> None:
    emulator_tls.control.reset(scenario())
    monkeypatch.setenv("SSL_CERT_FILE", str(emulator_tls.ca_path))
    conn = connect(emulator_tls.url)
    assert conn.endpoints.arm == f"{emulator_tls.url}/arm"
    async with GraphClient(conn.tokens, conn.endpoints, tenant_id=PARTNER) as graph:
        page = await graph.get_json("tenantRelationships/delegatedAdminRelationships")
    assert page["value"] == []
    async with arm(emulator_tls, CONTOSO, tokens=conn.tokens) as client:
        sub = await client.get_json(f"/subscriptions/{SUB_PROD}", params={"api-version": "2022-12-01"})
    assert sub["subscriptionId"] == SUB_PROD
