"""Scrub bearer tokens out of text before it reaches an exception, a repr or a log record.

Tokens must never leak into CI logs, Pulumi state or error reports. The clients never put a
token into a message on purpose; this is the safety net for text we do not control (a
service echoing a header back, an exception from a transport library).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

REDACTED = "***"

# "Bearer <anything>" and anything shaped like a JWT (three base64url parts, first one "eyJ").
_BEARER = re.compile(r"(?i)\bbearer\s+[^\s\"',;]+")
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """Return ``text`` with the given secrets, bearer credentials and JWTs replaced by ``***``."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, REDACTED)
    text = _BEARER.sub("Bearer " + REDACTED, text)
    return _JWT.sub(REDACTED, text)
