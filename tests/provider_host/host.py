"""Pulumi's dynamic-provider host, driven as the engine drives it.

``pulumi up`` starts ``python -m pulumi.dynamic`` (the Python SDK's provider host) in the project folder and
talks to it over gRPC: Configure, then Check / Diff / Create / Read / Update / Delete, with every property bag
marshalled by ``pulumi.runtime.rpc`` and the provider itself travelling as the ``__provider`` input (base64 of
its dill pickle, as the SDK writes it when the program registers the resource). ``ProviderHost`` starts that
process with only the environment the engine hands a plugin (PATH, HOME, and the emulator endpoint the
providers read), and ``Host`` calls it with the SDK's own stubs. Nothing here reaches into the providers.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

import grpc
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from tests.helpers import REPO

PROVIDER_KEY = "__provider"


def _serialize(props: dict[str, Any]):
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(rpc.serialize_properties(props, {}))
    finally:
        loop.close()


def _plain(struct) -> dict[str, Any]:
    return rpc.deserialize_properties(struct, True) if struct is not None else {}


class HostError(Exception):
    """The host answered a call with a gRPC error: what ``pulumi up`` prints as the resource's failure."""

    def __init__(self, error: grpc.RpcError) -> None:
        self.code = error.code()
        self.details = error.details() or ""
        super().__init__(f"{self.code.name}: {self.details}")


@dataclass
class DiffAnswer:
    changes: int
    replaces: list[str]
    delete_before_replace: bool

    @property
    def some(self) -> bool:
        return self.changes == provider_pb2.DiffResponse.DIFF_SOME

    @property
    def none(self) -> bool:
        return self.changes == provider_pb2.DiffResponse.DIFF_NONE


class ProviderHost:
    """One ``python -m pulumi.dynamic`` process (started once per test module)."""

    def __init__(self, endpoint: str) -> None:
        env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/root")}
        env["CSP_DELEGATION_ENDPOINT"] = endpoint
        self.process = subprocess.Popen(
            [sys.executable, "-u", "-m", "pulumi.dynamic"],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        first = self.process.stdout.readline().decode().strip()  # the host prints its port, then serves
        if not first.isdigit():
            self.stop()
            raise RuntimeError(f"the provider host did not start: {first!r} {self.process.stderr.read()[-2000:]!r}")
        self.port = int(first)
        self.channel = grpc.insecure_channel(f"127.0.0.1:{self.port}")
        self.stub = provider_pb2_grpc.ResourceProviderStub(self.channel)

    def stop(self) -> None:
        if getattr(self, "channel", None) is not None:
            self.channel.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class Host:
    """The engine's calls for one resource type, with its serialized provider as ``__provider``."""

    def __init__(self, host: ProviderHost, provider: str, type_token: str, name: str = "r") -> None:
        self.stub = host.stub
        self.provider = provider
        self.urn = f"urn:pulumi:test::csp-delegation::{type_token}::{name}"

    def _call(self, method: str, request):
        try:
            return getattr(self.stub, method)(request)
        except grpc.RpcError as error:
            raise HostError(error) from None

    def _with_provider(self, props: dict[str, Any]) -> dict[str, Any]:
        return {**props, PROVIDER_KEY: self.provider}

    @staticmethod
    def _without_provider(props: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in props.items() if k != PROVIDER_KEY}

    def configure(self) -> None:
        self._call("Configure", provider_pb2.ConfigureRequest(args=_serialize({})))

    def check(self, news: dict[str, Any], olds: dict[str, Any] | None = None) -> dict[str, Any]:
        request = provider_pb2.CheckRequest(
            urn=self.urn, olds=_serialize(self._with_provider(olds or {})), news=_serialize(self._with_provider(news))
        )
        response = self._call("Check", request)
        assert not response.failures, response.failures
        return self._without_provider(_plain(response.inputs))

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffAnswer:
        request = provider_pb2.DiffRequest(
            id=id_, urn=self.urn, olds=_serialize(self._with_provider(olds)), news=_serialize(self._with_provider(news))
        )
        response = self._call("Diff", request)
        return DiffAnswer(response.changes, list(response.replaces), response.deleteBeforeReplace)

    def create(self, news: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        request = provider_pb2.CreateRequest(urn=self.urn, properties=_serialize(self._with_provider(news)))
        response = self._call("Create", request)
        return response.id, self._without_provider(_plain(response.properties))

    def read(
        self, id_: str, state: dict[str, Any] | None, inputs: dict[str, Any] | None = None
    ) -> tuple[str, dict[str, Any], dict[str, Any] | None]:
        """A refresh (``state``: the outputs in state) or, with ``state`` None, a read by id alone (the engine's
        Get / import: ``inputs`` hold nothing but the provider)."""
        request = provider_pb2.ReadRequest(
            id=id_,
            urn=self.urn,
            properties=_serialize(self._with_provider(state) if state is not None else {}),
            inputs=_serialize(self._with_provider(inputs or {})),
        )
        response = self._call("Read", request)
        returned = self._without_provider(_plain(response.inputs)) if response.HasField("inputs") else None
        return response.id, self._without_provider(_plain(response.properties)), returned

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> dict[str, Any]:
        request = provider_pb2.UpdateRequest(
            id=id_, urn=self.urn, olds=_serialize(self._with_provider(olds)), news=_serialize(self._with_provider(news))
        )
        return self._without_provider(_plain(self._call("Update", request).properties))

    def delete(self, id_: str, state: dict[str, Any]) -> None:
        request = provider_pb2.DeleteRequest(id=id_, urn=self.urn, properties=_serialize(self._with_provider(state)))
        self._call("Delete", request)
