"""What every emulator middleware shares: it acts on API requests and lets control requests through.

Control requests (``/_emulator/...``) are the test's own hand on the world: never faulted, never
authenticated, never logged as API traffic.
"""

from __future__ import annotations

from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

CONTROL_PREFIX = "/_emulator"
#: Entra's token endpoint (emulator.entra.tokens): not an API call, so neither faulted, authenticated nor logged.
LOGIN_PREFIX = "/login/"
UNMEDIATED = (CONTROL_PREFIX, LOGIN_PREFIX)


class ApiOnlyMiddleware:
    """ASGI middleware whose ``handle`` sees HTTP API requests only."""

    def __init__(self, app: ASGIApp, state: Any) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(UNMEDIATED):
            await self.app(scope, receive, send)
            return
        await self.handle(scope, receive, send)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise NotImplementedError
