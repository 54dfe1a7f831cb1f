"""What the dynamic providers share about their inputs and answers: clear errors instead of bare ``KeyError``.

The engine hands a provider plain dicts. A Read after a lost state (or ``pulumi import``) gives only an id; a
service may answer a create without the object's id. Either used to end in ``KeyError: 'id'`` deep in a
provider; these helpers name the resource, the missing field and the way out instead. ``client_options`` are
the keywords every provider passes to the clients it makes (empty in ``pulumi up``; tests inject ``sleep`` and
``clock``, so a long-running wait is measured in virtual time). Module state, never pickled with a provider.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

#: Extra keywords for the clients the providers make (tests: ``sleep`` and ``clock``).
client_options: dict[str, Any] = {}


@contextmanager
def clients_using(**options: Any) -> Iterator[None]:
    """The providers' clients take ``options`` (``sleep``, ``clock``) while the block runs; restored after. For
    callers that drive a provider outside the engine against the emulator (``dapctl demo``)."""
    saved = dict(client_options)
    client_options.update(options)
    try:
        yield
    finally:
        client_options.clear()
        client_options.update(saved)


class ProviderInputError(RuntimeError):
    """The engine gave a provider too little to act on; the message names the field and the fix."""


class ProviderAnswerError(RuntimeError):
    """A service answered a provider's call without what it documents (an id); the message says which call."""


def require_inputs(kind: str, id_: str, props: dict[str, Any], keys: tuple[str, ...]) -> None:
    """Raise ``ProviderInputError`` when ``props`` lack any of ``keys`` (a Read given only an id)."""
    missing = [k for k in keys if not props.get(k)]
    if missing:
        raise ProviderInputError(
            f"{kind} {id_}: cannot be read from its id alone, it needs {', '.join(missing)} (missing from the "
            "state). Restore the stack's state, or remove this resource from it (`pulumi state delete <urn>`) and "
            "run `pulumi up`: the provider adopts the existing object instead of making a second one"
        )


def created_id(kind: str, answer: dict[str, Any] | None, request: str) -> str:
    """The id of an object a create answered with, or ``ProviderAnswerError`` naming the call."""
    value = (answer or {}).get("id")
    if not value or not isinstance(value, str):
        raise ProviderAnswerError(
            f"{kind}: {request} answered without the new object's id (answer: {sorted(answer or {})[:8]}); nothing "
            "was recorded in the stack. Check with `pulumi refresh` or in the portal whether it was made, then run "
            "`pulumi up` again (an existing one is adopted)"
        )
    return value
