"""What a route module contributes to the emulator app.

Each emulated API area (Graph GDAP now; ARM role assignments, subscriptions, Lighthouse,
Partner Center later) is one module exposing a ``Service``: its store, its API routes (full
paths, e.g. ``/graph/v1.0/...`` or ``/arm/...``), its control routes (mounted under
``/_emulator/<name>``), how to seed it from the ``<name>:`` section of a scenario file and how
to dump it. ``emulator.app.SERVICES`` lists them; adding an area is adding a module there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from starlette.routing import BaseRoute

if TYPE_CHECKING:
    from emulator.state import EmulatorState


class Service(Protocol):
    #: Key in ``state.stores``, scenario section name and control sub-path.
    name: str

    def new_store(self) -> Any: ...

    def routes(self, state: EmulatorState) -> list[BaseRoute]: ...

    def control_routes(self, state: EmulatorState) -> list[BaseRoute]: ...

    def seed(self, state: EmulatorState, section: Any) -> None: ...

    def dump(self, state: EmulatorState) -> Any: ...
