"""How dapctl's help reads: usage lines in click's convention and no type label on switches.

Typer prints a required argument as ``{customer}`` and an optional one as ``[customer]``, and labels every switch
``<bool>`` (even ``--help``). dapctl's usage lines follow click's convention instead, the one most command lines
share: ``CUSTOMER`` required, ``[CUSTOMER]`` optional, upper case; a switch shows its name and its help, nothing
else. Typer has no setting for either, so every command of the tree (the subcommand groups' too) is built with the small
subclasses below (``styled``). Typer 0.29 carries its own copy of click: these are its classes, not the click
package's.
"""

from __future__ import annotations

from typing import Any

from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption
from typer.models import DefaultPlaceholder


def _unlabelled(option: Any) -> Any:
    """A switch without a type label (its metavar shown instead of ``<bool>``: nothing)."""
    if isinstance(option, TyperOption) and option.is_flag:
        option.metavar = ""
    return option


def _usage_pieces(command: Any, ctx: Any) -> list[str]:
    pieces = [command.options_metavar] if command.options_metavar else []
    for param in command.get_params(ctx):
        if isinstance(param, TyperArgument):
            name = (param.metavar or param.name or "").upper()
            name = name if param.required else f"[{name}]"
            pieces.append(name + ("..." if param.nargs != 1 else ""))
        else:
            pieces.extend(param.get_usage_pieces(ctx))
    return pieces


class _Unlabelled:
    """Every switch of the command unlabelled as help lists it (its own, --help, and those typer appends after
    building the command: --install-completion, --show-completion)."""

    def get_params(self, ctx: Any) -> list[Any]:
        params = super().get_params(ctx)  # type: ignore[misc]
        for param in params:
            _unlabelled(param)
        return params


class DapctlCommand(_Unlabelled, TyperCommand):
    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        return _usage_pieces(self, ctx)


class DapctlGroup(_Unlabelled, TyperGroup):
    """A group of commands (the root, ``gdap``, ``fleet`` ...), its switches unlabelled."""


def styled(app: Any) -> Any:
    """``app`` (a typer.Typer) and its commands built with the classes above, unless one names its own: set on
    typer's own records of them (``registered_commands``, ``info``) before the command tree is built."""
    for command in app.registered_commands:
        if command.cls in (None, TyperCommand):  # typer records its default class, not None
            command.cls = DapctlCommand
    for group in app.registered_groups:
        styled(group.typer_instance)
    if app.info.cls is None or isinstance(app.info.cls, DefaultPlaceholder):
        app.info.cls = DapctlGroup
    return app
