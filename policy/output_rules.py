"""Guardrail: no credential in a stack output that is not marked secret.

Stack outputs are read by anyone with read access to the stack (``pulumi stack output``, the backend's
console, CI logs); a value marked secret is encrypted in state and shown as ``[secret]``. The delegation
config holds no secrets, but what a program exports can: a SAS URL for runbook content, an Automation
webhook URL, a client secret. A value counts as a credential when its output name says so (password,
secret, token, access key, connection string, SAS, ...) or when the value itself has a credential's
shape (a SAS signature, an account key, a JWT, a private key).

Under the Pulumi CLI the Python policy SDK hands policies decrypted values, so the pack cannot see
the secret mark: it reports a credential in any output. Keep credentials out of outputs altogether
(Key Vault is the place for them); the offline plan, which keeps the mark, accepts a secret output.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from .context import PolicyContext
from .model import SECRET, STACK, Finding, PlanResource, is_known

SECRET_WORDS = frozenset(
    {"password", "passwd", "secret", "secrets", "token", "tokens", "credential", "credentials", "sas"}
)
SECRET_PHRASES = (
    ("access", "key"),
    ("account", "key"),
    ("primary", "key"),
    ("secondary", "key"),
    ("private", "key"),
    ("api", "key"),
    ("shared", "key"),
    ("client", "secret"),
    ("connection", "string"),
)
VALUE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("a SAS signature", re.compile(r"[?&]sig=[^&\s]+", re.IGNORECASE)),
    ("an account or shared access key", re.compile(r"(AccountKey|SharedAccessKey)=[^;\s]+", re.IGNORECASE)),
    ("a webhook token", re.compile(r"webhooks\?token=[^&\s]+", re.IGNORECASE)),
    ("a client secret", re.compile(r"client_secret=[^&\s]+", re.IGNORECASE)),
    ("a JSON web token", re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+")),
    ("a private key", re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")),
)
_WORD_RE = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")


def name_words(name: str) -> list[str]:
    """``primaryAccessKey`` / ``primary_access_key`` -> ['primary', 'access', 'key']."""
    return [w.lower() for w in _WORD_RE.findall(name)]


def secret_name(name: str) -> bool:
    words = name_words(name)
    if SECRET_WORDS.intersection(words):
        return True
    return any(pair in SECRET_PHRASES for pair in itertools.pairwise(words))


def secret_shape(value: str) -> str | None:
    """What credential ``value`` looks like, or None."""
    for what, pattern in VALUE_PATTERNS:
        if pattern.search(value):
            return what
    return None


def _walk(value: Any, path: str, key: str) -> Iterator[tuple[str, str, Any]]:
    """(path, name of the nearest key, leaf value) for every leaf under ``value``."""
    if isinstance(value, Mapping):
        for k, v in value.items():
            yield from _walk(v, f"{path}.{k}" if path else str(k), str(k))
    elif isinstance(value, Sequence) and not isinstance(value, str):
        for i, v in enumerate(value):
            yield from _walk(v, f"{path}[{i}]", key)
    else:
        yield path, key, value


def check_no_plaintext_secret_outputs(resources: Sequence[PlanResource], context: PolicyContext) -> Iterator[Finding]:
    for stack in resources:
        if stack.type != STACK:
            continue
        for path, key, value in _walk(stack.props, "", ""):
            if value is SECRET or not is_known(value) or value is None or isinstance(value, bool):
                continue
            text = str(value)
            if not text:
                continue
            shape = secret_shape(text)
            if shape is not None:
                yield Finding(
                    f"stack output {path} holds {shape} in plaintext: export it with pulumi.Output.secret", stack
                )
            elif secret_name(key):
                yield Finding(
                    f"stack output {path} is named like a credential and is not secret: "
                    "wrap it in pulumi.Output.secret (or do not export it)",
                    stack,
                )
