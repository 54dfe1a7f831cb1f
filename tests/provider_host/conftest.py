"""One provider host per test module, started in a fresh process against the session's emulator; and the
``__provider`` input as the SDK serializes it when a program registers the resource."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import pulumi
import pytest
from pulumi.runtime import rpc

from tests.provider_host.host import PROVIDER_KEY, ProviderHost


@pytest.fixture(scope="module")
def provider_host(emulator_server) -> Iterator[ProviderHost]:
    host = ProviderHost(emulator_server.url)
    try:
        yield host
    finally:
        host.stop()


class _Recorder(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.registered: list[tuple[str, dict[str, Any]]] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        self.registered.append((args.typ, dict(args.inputs)))
        return f"{args.name}-id", {}

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict, list | None]:
        return {}, None


def registered_provider(declare: Callable[[], pulumi.CustomResource]) -> tuple[str, str]:
    """The ``__provider`` input and type token of the dynamic resource ``declare`` registers, serialized by the
    SDK as in ``pulumi up`` (here on Pulumi's mock runtime)."""
    recorder = _Recorder()
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        pulumi.runtime.set_mocks(recorder, project="csp-delegation", stack="test", preview=False)
        declare()
        loop.run_until_complete(pulumi.runtime.stack.wait_for_rpcs())
    finally:
        asyncio.set_event_loop(None)
        loop.close()
    ((type_token, inputs),) = recorder.registered
    provider = inputs[PROVIDER_KEY]
    return (rpc.unwrap_rpc_secret(provider) if rpc.is_rpc_secret(provider) else provider), type_token
