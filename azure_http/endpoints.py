"""Where each Microsoft API lives and which token scope it needs.

One value object so that pointing the whole toolkit at the local emulator (tests, demo, bench)
or at a sovereign cloud is a single argument, not a search for hard-coded URLs.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Endpoints:
    """Base URLs and ``.default`` scopes of Graph, ARM and Partner Center."""

    graph: str = "https://graph.microsoft.com/v1.0"
    graph_scope: str = "https://graph.microsoft.com/.default"
    arm: str = "https://management.azure.com"
    arm_scope: str = "https://management.azure.com/.default"
    partner_center: str = "https://api.partnercenter.microsoft.com"
    partner_center_scope: str = "https://api.partnercenter.microsoft.com/.default"

    @classmethod
    def emulator(cls, url: str) -> Endpoints:
        """Endpoints of the local emulator at ``url`` (e.g. ``http://127.0.0.1:8765``).

        Scopes stay the public ones: the emulator accepts any bearer token, and code under test
        asks for exactly the scopes it would ask for in production.
        """
        url = url.rstrip("/")
        return cls(graph=f"{url}/graph/v1.0", arm=f"{url}/arm", partner_center=f"{url}/partnercenter")
