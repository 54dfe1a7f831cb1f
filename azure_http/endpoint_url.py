"""What a ``CSP_DELEGATION_ENDPOINT`` / ``--endpoint`` value names: Azure, offline, or the local emulator.

Parsed with a URL parser, never by prefix: ``http://127.0.0.1:1@attacker.example/`` has the host
``attacker.example`` and ``http://localhost.attacker.example`` is not localhost. An emulator URL must
name a loopback host (``localhost`` exactly, or an address that ``ipaddress`` calls loopback), because
the emulator tokens it is given are unsigned and name any tenant: they must never leave the machine.
Every mistake is an ``EndpointError`` whose text says what to write instead; it quotes at most a
bounded prefix of the value, so a megabyte of garbage never ends up in a log.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

AZURE = "azure"
OFFLINE = "offline"
_QUOTE_MAX = 80
_FIX = "use 'azure', 'offline' or the local emulator's URL, e.g. http://127.0.0.1:8765"


class EndpointError(ValueError):
    """The endpoint value is not one this toolkit can use; the message names the fix."""


@dataclass(frozen=True)
class EndpointTarget:
    kind: Literal["azure", "offline", "emulator"]
    url: str = ""
    """The emulator's base URL (scheme://host[:port], no trailing slash); empty otherwise."""

    def __str__(self) -> str:
        return self.url or self.kind


def quoted(value: str, limit: int = _QUOTE_MAX) -> str:
    """``repr`` of ``value``, cut to ``limit`` characters with a note of how much was left out."""
    if len(value) <= limit:
        return repr(value)
    return f"{value[:limit]!r}... ({len(value)} characters)"


def is_loopback_host(host: str | None) -> bool:
    """True when ``host`` is ``localhost`` exactly or a loopback IP address (127.0.0.0/8, ::1)."""
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_endpoint(value: str | None, *, source: str = "endpoint") -> EndpointTarget:
    """Parse an endpoint value (None or blank: Azure); raise ``EndpointError`` naming ``source``."""
    text = (value or "").strip()
    if not text or text.lower() == AZURE:
        return EndpointTarget(AZURE)
    if text.lower() == OFFLINE:
        return EndpointTarget(OFFLINE)

    def fail(problem: str) -> EndpointError:
        return EndpointError(f"{source} {quoted(text)}: {problem}; {_FIX}")

    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in text):
        raise fail("contains spaces or control characters")
    try:
        parts = urlsplit(text)
        port = parts.port  # raises ValueError for a port that is not a number in 0..65535
    except ValueError:
        raise fail("is not a URL with a valid port (1-65535)") from None
    if parts.scheme not in ("http", "https"):
        raise fail("is not an http(s) URL" if parts.scheme else "is not a URL")
    if parts.username is not None or parts.password is not None:
        raise fail("carries a user name or password (a URL's 'user@host' part)")
    host = parts.hostname
    if not host:
        raise fail("has no host")
    if port == 0:
        raise fail("port 0 is not a port to connect to")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise fail("must be the emulator's base URL, without a path, query or fragment")
    if not is_loopback_host(host):
        raise fail(
            "is not a loopback address: only the local emulator is reached by URL "
            "(127.0.0.1, ::1 or localhost); Azure is 'azure'"
        )
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc += f":{port}"
    return EndpointTarget("emulator", f"{parts.scheme}://{netloc}")
