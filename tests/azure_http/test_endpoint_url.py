"""Endpoint values are parsed with a URL parser; only a loopback host counts as the local emulator."""

from __future__ import annotations

import pytest

from azure_http.connect import OfflineMode, connect
from azure_http.endpoint_url import EndpointError, is_loopback_host, parse_endpoint


@pytest.mark.parametrize(
    ("value", "kind", "url"),
    [
        (None, "azure", ""),
        ("", "azure", ""),
        (" azure ", "azure", ""),
        ("offline", "offline", ""),
        ("http://127.0.0.1:8765", "emulator", "http://127.0.0.1:8765"),
        ("http://127.0.0.1:8765/", "emulator", "http://127.0.0.1:8765"),
        ("https://localhost:8443", "emulator", "https://localhost:8443"),
        ("http://[::1]:9000", "emulator", "http://[::1]:9000"),
        ("http://127.10.0.1", "emulator", "http://127.10.0.1"),
    ],
)
def test_good_values(value, kind, url):
    target = parse_endpoint(value)
    assert (target.kind, target.url) == (kind, url)


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("ftp://127.0.0.1:21", "not an http(s) URL"),
        ("not a url", "spaces or control characters"),
        ("notaurl", "is not a URL"),
        ("http://127.0.0.1:notaport", "valid port"),
        ("http://127.0.0.1:99999", "valid port"),
        ("http://127.0.0.1:0", "port 0"),
        (":notaport", "is not a URL"),
        ("http://127.0.0.1:1@attacker.example/", "user name or password"),
        ("http://localhost.attacker.example", "not a loopback address"),
        ("http://127.0.0.1.nip.io:80", "not a loopback address"),
        ("https://management.azure.com", "not a loopback address"),
        ("http://127.0.0.1:8765/arm", "without a path"),
        ("http://", "has no host"),
    ],
)
def test_bad_values_say_what_is_wrong(value, says):
    with pytest.raises(EndpointError) as caught:
        parse_endpoint(value)
    assert says in str(caught.value)
    assert "'azure', 'offline'" in str(caught.value)


def test_messages_quote_a_bounded_prefix():
    with pytest.raises(EndpointError) as caught:
        parse_endpoint("http://" + "a" * 100_000)
    assert len(str(caught.value)) < 400


def test_loopback_means_the_host_is_a_loopback_address():
    assert is_loopback_host("127.0.0.1") and is_loopback_host("::1") and is_loopback_host("LOCALHOST")
    assert not is_loopback_host("localhost.attacker.example")
    assert not is_loopback_host("128.0.0.1")
    assert not is_loopback_host(None)


def test_connect_refuses_a_lookalike_and_names_the_variable(monkeypatch):
    monkeypatch.setenv("CSP_DELEGATION_ENDPOINT", "http://localhost.attacker.example")
    with pytest.raises(EndpointError, match="CSP_DELEGATION_ENDPOINT"):
        connect()
    monkeypatch.setenv("CSP_DELEGATION_ENDPOINT", "offline")
    with pytest.raises(OfflineMode):
        connect()
    assert connect("http://127.0.0.1:8765").endpoints.arm == "http://127.0.0.1:8765/arm"
