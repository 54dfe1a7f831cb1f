"""Serve the emulator over real HTTP on 127.0.0.1, in the foreground or a background thread.

Tests, the benchmarks and ``dapctl demo`` need a real socket (the code under test is the real
HTTP client), on a free port so parallel runs do not collide. The socket is bound before the
server starts, so the port is known at once and never races. ``tls=True`` serves https with a
throwaway CA (``emulator.core.tls``): what Microsoft's own SDKs need to send a bearer token at all.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from typing import Any

import uvicorn

from emulator.app import SERVICES, create_app
from emulator.core.faults import ConnectionDropped
from emulator.core.state import EmulatorState
from emulator.core.tls import TlsFiles, make_tls_files


class _HideDroppedConnections(logging.Filter):
    """uvicorn logs an injected connection drop as an application error; it is not one."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, ConnectionDropped)


logging.getLogger("uvicorn.error").addFilter(_HideDroppedConnections())


def bind_socket(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY on accepted connections only when the
    # listening socket says it is TCP, and without it every answer waits ~40 ms (Nagle + delayed ACK).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


class EmulatorServer:
    """One emulator: state + app + uvicorn on a bound socket.

    ``start()`` runs it in a daemon thread and returns once it accepts connections;
    ``serve_forever()`` runs it in the calling (main) thread, with signal handling.
    With ``tls=True`` it serves https; ``ca_path`` is then the CA certificate clients must trust
    (written to ``ca_file`` when given, else to a temporary directory removed by ``stop()``).
    """

    def __init__(
        self,
        state: EmulatorState | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        scenario: dict[str, Any] | None = None,
        log_level: str = "warning",
        tls: bool = False,
        ca_file: str | None = None,
    ) -> None:
        self.state = state or EmulatorState(SERVICES)
        self.app = create_app(self.state, scenario)
        # Bound first: a port already taken fails here, before a new CA overwrites the one a running emulator's
        # clients trust.
        self._socket = bind_socket(host, port)
        self.tls: TlsFiles | None = make_tls_files(ca_file) if tls else None
        self.host, self.port = self._socket.getsockname()[:2]
        config = uvicorn.Config(
            self.app,
            log_level=log_level,
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=1,
            ssl_certfile=str(self.tls.server_pem) if self.tls else None,
        )
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.host}:{self.port}"

    @property
    def ca_path(self) -> str | None:
        """The CA certificate to trust for https (None when serving plain http)."""
        return str(self.tls.ca_path) if self.tls else None

    def start(self, timeout: float = 10.0) -> EmulatorServer:
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, name="emulator", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the emulator did not start")
            time.sleep(0.01)
        return self

    def serve_forever(self) -> None:
        try:
            self._server.run(sockets=[self._socket])
        finally:
            if self.tls is not None:
                self.tls.remove()

    def stop(self, timeout: float = 5.0) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self._socket.close()
        if self.tls is not None:
            self.tls.remove()

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
