"""Run the real stack program on Pulumi's mock runtime and record everything it declares.

This is how a stack is planned without a cloud or the Pulumi CLI (``dapctl plan``) and how the
tests look at what the program declares. Only the cloud is mocked: the program, the components and
the config checks are the real ones. What the cloud would compute on create (a new group's object
id, a new subscription's id) stays unknown in a preview, exactly as ``pulumi preview`` shows it.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi.output import Unknown
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc, settings
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

PROJECT = "csp-delegation"
UNKNOWN = Unknown
STACK_NOT_READ = "not read offline (no backend): values from it show as (known after apply)"
SECRET = "[secret]"
_PLACEHOLDER_NS = uuid.UUID("0b1e6d6a-9d0e-5a43-8a3c-0f7a4b1a2c55")
# azure-native resources whose `name` output is the name given as an input: Azure echoes it, so it is
# known in a preview too (as `pulumi preview` shows it).
_NAME_INPUT = {
    "azure-native:resources:ResourceGroup": "resourceGroupName",
    "azure-native:storage:StorageAccount": "accountName",
    "azure-native:storage:BlobContainer": "containerName",
    "azure-native:storage:Blob": "blobName",
    "azure-native:automation:AutomationAccount": "automationAccountName",
    "azure-native:automation:Runbook": "runbookName",
    "azure-native:automation:Python3Package": "packageName",
}


def placeholder_id(*parts: str) -> str:
    """A stable, obviously-offline GUID for a value only the cloud knows (a looked-up object id)."""
    return str(uuid.uuid5(_PLACEHOLDER_NS, "|".join(parts)))


def _plain(value: Any) -> Any:
    """Mock-runtime values as plain data: secrets redacted, unknowns kept as Unknown, resources by URN."""
    if rpc.is_rpc_secret(value):
        return SECRET
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, pulumi.Resource):
        return f"<resource {value._name}>"
    return value


@dataclass
class Declared:
    """One resource the program registered, with the options that matter in Azure."""

    urn: str
    type: str
    name: str
    custom: bool
    parent: str
    provider: str
    inputs: dict[str, Any]
    protect: bool
    delete_before_replace: bool
    ignore_changes: list[str]
    additional_secret_outputs: list[str]
    aliases: list[str] = field(default_factory=list)
    """The URNs this resource answers to besides its own (a state made under an old type or name moves here)."""
    import_id: str = ""
    """The existing cloud object this resource adopts (Pulumi's ``import_`` option), empty when it creates one."""

    @property
    def adopts(self) -> str | None:
        """The existing object this resource takes over instead of creating: by import, or by its provider."""
        if self.import_id:
            return self.import_id
        adopt = self.inputs.get("adoptId")
        if isinstance(adopt, str) and adopt:
            return adopt
        if self.inputs.get("adopt") is True:
            return str(self.inputs.get("name"))
        return None


def alias_urns(urn: str, aliases) -> list[str]:
    """The URNs the engine would match for each alias the SDK sent (an old type and/or name, same parent)."""
    head, _, name = urn.rpartition("::")
    prefix, sep, type_ = head.rpartition("$")
    if not sep:  # a top-level resource: urn:pulumi:<stack>::<project>::<type>::<name>
        prefix, _, type_ = head.rpartition("::")
        sep = "::"
    found = []
    for alias in aliases:
        if alias.WhichOneof("alias") == "urn":
            found.append(alias.urn)
            continue
        spec = alias.spec
        found.append(f"{prefix}{sep}{spec.type or type_}::{spec.name or name}")
    return found


@dataclass
class Lookup:
    """A data-source call (invoke) the program made: real Pulumi resolves it against the tenant."""

    token: str
    args: dict[str, Any]
    provider: str


@dataclass
class OfflineRun:
    stack: str
    preview: bool
    resources: list[Declared] = field(default_factory=list)
    lookups: list[Lookup] = field(default_factory=list)
    exports: dict[str, Any] = field(default_factory=dict)

    def by_type(self, type_: str) -> list[Declared]:
        return [r for r in self.resources if r.type == type_]

    def named(self, name: str) -> Declared:
        for r in self.resources:
            if r.name == name:
                return r
        raise KeyError(f"no resource named {name!r}; declared: {[r.name for r in self.resources]}")

    def by_urn(self, urn: str) -> Declared | None:
        for r in self.resources:
            if r.urn == urn:
                return r
        return None

    def provider_of(self, resource: Declared) -> Declared | None:
        """The provider resource a resource is bound to (its reference is ``urn::id``)."""
        if not resource.provider:
            return None
        return self.by_urn(resource.provider.rsplit("::", 1)[0])

    def children(self, urn: str) -> list[Declared]:
        return [r for r in self.resources if r.parent == urn]


class CloudMocks(pulumi.runtime.Mocks):
    """Answers the engine's calls as Azure would, without Azure.

    Resources echo their inputs; values Azure assigns on create are left out in a preview (so they
    show as unknown) and filled with placeholders in a simulated update. Look-ups (invokes) return
    placeholders derived from their arguments, and are recorded so the plan can list them.
    """

    def __init__(
        self,
        preview: bool,
        lookup_results: dict[str, Callable[[dict], dict]] | None = None,
        stack_outputs: dict[str, dict[str, Any]] | None = None,
    ):
        self.preview = preview
        self.lookups: list[Lookup] = []
        self._lookup_results = lookup_results or {}
        self._stack_outputs = stack_outputs or {}

    def new_resource(self, args: pulumi_mocks.MockResourceArgs) -> tuple[str | None, dict]:
        state = dict(args.inputs)
        resource_id = placeholder_id(args.typ, args.name)
        if args.typ == "pulumi:pulumi:StackReference":
            name = str(args.inputs.get("name"))
            if name in self._stack_outputs or not self.preview:
                outputs: Any = self._stack_outputs.get(name, {})
            else:
                # Offline there is no backend to read another stack from: its outputs are unknown, so what
                # depends on them plans as "(known after apply)", and the plan lists the reference.
                self.lookups.append(Lookup(args.typ, {"name": name, "outputs": STACK_NOT_READ}, ""))
                outputs = rpc.UNKNOWN
            return resource_id, {"name": name, "outputs": outputs, "secretOutputNames": []}
        if args.typ in _NAME_INPUT and args.inputs.get(_NAME_INPUT[args.typ]) is not None:
            state["name"] = args.inputs[_NAME_INPUT[args.typ]]
        # Outputs Azure computes on create: left out of a preview's state, so they read as unknown.
        if args.typ == "azuread:index/group:Group":
            state.pop("objectId", None)
            if not self.preview:
                state["objectId"] = resource_id
        elif args.typ == "azure-native:automation:AutomationAccount" and not self.preview:
            state["identity"] = {"type": "SystemAssigned", "principalId": placeholder_id("identity", args.name)}
        elif args.typ == "azure-native:subscription:Alias":
            state.pop("properties", None)
            if not self.preview:
                state["properties"] = {"subscriptionId": resource_id, "provisioningState": "Succeeded"}
        return resource_id, state

    def call(self, args: pulumi_mocks.MockCallArgs) -> dict:
        self.lookups.append(Lookup(args.token, _plain(dict(args.args)), args.provider or ""))
        custom = self._lookup_results.get(args.token)
        if custom is not None:
            return custom(dict(args.args))
        if args.token == "azuread:index/getGroup:getGroup":
            object_id = args.args.get("objectId") or placeholder_id("group", str(args.args.get("displayName")))
            return {
                "objectId": object_id,
                "displayName": args.args.get("displayName") or "",
                "securityEnabled": True,
            }
        if args.token == "azuread:index/getUser:getUser":
            upn = str(args.args.get("userPrincipalName"))
            return {"objectId": placeholder_id("user", upn), "userPrincipalName": upn}
        if args.token == "azure-native:storage:listStorageAccountServiceSAS":
            return {"serviceSasToken": "sv=2024-01-01&sr=b&sp=r&sig=offline-placeholder"}
        if args.token == "azuread:index/getClientConfig:getClientConfig":
            return {"clientId": placeholder_id("client"), "objectId": placeholder_id("me"), "tenantId": ""}
        return {}


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """The mock monitor, also keeping each registration's parent, provider and resource options."""

    def __init__(self, mocks: CloudMocks):
        super().__init__(mocks)
        self.declared: list[Declared] = []

    def RegisterResource(self, request):
        response = super().RegisterResource(request)
        if request.type != "pulumi:pulumi:Stack":
            self.declared.append(
                Declared(
                    urn=response.urn,
                    type=request.type,
                    name=request.name,
                    custom=bool(request.custom),
                    parent=request.parent,
                    provider=request.provider,
                    inputs=_plain(rpc.deserialize_properties(request.object, keep_unknowns=True)),
                    protect=bool(request.protect),
                    delete_before_replace=bool(request.deleteBeforeReplace),
                    ignore_changes=list(request.ignoreChanges),
                    additional_secret_outputs=list(request.additionalSecretOutputs),
                    aliases=alias_urns(response.urn, request.aliases),
                    import_id=request.importId,
                )
            )
        return response

    def ReadResource(self, request):
        """Reads (StackReference, Resource.get) adopt an existing object: recorded like a declaration."""
        response = super().ReadResource(request)
        self.declared.append(
            Declared(
                urn=response.urn,
                type=request.type,
                name=request.name,
                custom=True,
                parent=request.parent,
                provider=request.provider,
                inputs=_plain(rpc.deserialize_properties(request.properties, keep_unknowns=True)),
                protect=False,
                delete_before_replace=False,
                ignore_changes=[],
                additional_secret_outputs=[],
            )
        )
        return response


async def _resolve(value: Any) -> Any:
    """Await an export down to plain data, keeping unknowns visible and secrets redacted."""
    if isinstance(value, pulumi.Output):
        if not await value.is_known():
            return UNKNOWN()
        if await value.is_secret():
            return SECRET
        return await _resolve(await value.future())
    if isinstance(value, dict):
        return {k: await _resolve(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [await _resolve(v) for v in value]
    return value


#: Allocations between two young-generation collections during a run (CPython's default: 700).
RUN_GC_THRESHOLD = 100_000


@contextlib.contextmanager
def _fewer_collections():
    """Collect the young generation every 100,000 allocations instead of 700 while the program runs.

    The mock runtime allocates a Pulumi Output, a task and a coroutine per property of every resource, and
    all of them stay alive until the program returns (nothing resolves before the event loop runs): each
    collection scans a graph that only grows, which was 40 % of a 100-customer plan's CPU. Memory is the same
    (what is collected is the same garbage, a little later); the thresholds are restored after the run.
    """
    before = gc.get_threshold()
    gc.set_threshold(RUN_GC_THRESHOLD, before[1], before[2])
    try:
        yield
    finally:
        gc.set_threshold(*before)


def run_offline(
    program: Callable[[], None],
    flat_config: dict[str, str],
    stack: str = "dev",
    preview: bool = True,
    lookup_results: dict[str, Callable[[dict], dict]] | None = None,
    stack_outputs: dict[str, dict[str, Any]] | None = None,
) -> OfflineRun:
    """Run ``program`` under mocks with the given (namespaced, JSON-valued) config; return what it declared.

    Each call starts from a fresh runtime, so several runs can share one process (the tests do).
    ``stack_outputs`` answers StackReferences (stack name -> its outputs); unknown stacks have none.
    """
    # The mock runtime drives its RPCs with asyncio.get_event_loop(); an earlier asyncio.run() in this
    # thread (an HTTP read before declaring, another test) leaves no current loop behind. Give it one.
    policy = asyncio.get_event_loop_policy()
    try:
        previous = policy.get_event_loop()
    except RuntimeError:
        previous = None
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    mocks = CloudMocks(preview, lookup_results, stack_outputs)
    monitor = RecordingMonitor(mocks)
    settings.ROOT.set(None)
    pulumi.runtime.set_all_config(dict(flat_config))
    pulumi.runtime.set_mocks(mocks, project=PROJECT, stack=stack, preview=preview, monitor=monitor)
    settings.SETTINGS.rpc_manager.clear()
    settings.SETTINGS.outputs.clear()
    result = OfflineRun(stack=stack, preview=preview)

    async def body() -> None:
        program()
        # Export values are Outputs; wait for the program's RPCs to finish, then read them.
        from pulumi.runtime.stack import wait_for_rpcs

        await wait_for_rpcs()
        root = settings.get_root_resource()
        outputs = getattr(root, "outputs", {}) or {}
        result.exports = {k: await _resolve(v) for k, v in outputs.items()}

    try:
        with _fewer_collections():
            _sync_await(run_pulumi_func(body))
    finally:
        asyncio.set_event_loop(previous)
        loop.close()
    result.resources = list(monitor.declared)
    result.lookups = list(mocks.lookups)
    return result
