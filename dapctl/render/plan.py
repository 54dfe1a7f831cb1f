"""Render the offline plan for a person: a tree of components and resources, then a summary."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.tree import Tree

from operations.plan import UNKNOWN_TEXT


def _fmt(value: Any) -> str:
    if value == UNKNOWN_TEXT:
        return f"[yellow]{UNKNOWN_TEXT}[/]"
    if isinstance(value, list):
        return "[" + ", ".join(_fmt(v) for v in value) + "]"
    return escape(str(value))


def _label(resource: dict[str, Any]) -> str:
    kind = resource["type"]
    if resource["component"]:
        return f"[bold cyan]{escape(resource['name'])}[/] [dim]{escape(kind)}[/]"
    flags = []
    if resource["protect"]:
        flags.append("protected")
    if resource["deleteBeforeReplace"]:
        flags.append("delete-before-replace")
    provider = resource["provider"]
    where = f" [magenta]tenant {provider['tenantId']} via {escape(provider['name'])}[/]" if provider else ""
    sign = "[green]+[/]" if resource.get("action") != "adopt" else "[cyan]=[/]"
    head = f"{sign} [bold]{escape(resource['name'])}[/] [dim]{escape(kind)}[/]{where}"
    if resource.get("adopts"):
        flags.append(f"adopts {escape(str(resource['adopts']))}")
    if flags:
        head += f" [blue]({', '.join(flags)})[/]"
    details = [f"{escape(k)}: {_fmt(v)}" for k, v in resource["keyInputs"].items() if v is not None]
    return head + "".join(f"\n    {d}" for d in details)


def render(report: dict[str, Any], console: Console) -> None:
    console.print(f"[bold]Stack[/] {escape(report['stack'])}")
    console.print(f"[yellow]{escape(report['notice'])}[/]")
    by_parent: dict[str, list[dict[str, Any]]] = {}
    for resource in report["resources"]:
        by_parent.setdefault(resource["parent"], []).append(resource)
    root_urns = {r["parent"] for r in report["resources"]} - {r["urn"] for r in report["resources"]}
    tree = Tree(f"[bold]{escape(report['stack'])}[/]")

    def add(node: Tree, urn: str) -> None:
        children = sorted(by_parent.get(urn, []), key=lambda r: (not r["component"], r["type"], r["name"]))
        for child in children:
            add(node.add(_label(child)), child["urn"])

    for urn in sorted(root_urns):
        add(tree, urn)
    console.print(tree)
    if report["lookups"]:
        console.print("[bold]Look-ups Pulumi makes against the tenant at deploy time[/] (offline placeholders here):")
        for lookup in report["lookups"]:
            args = ", ".join(f"{k}={v}" for k, v in lookup["args"].items() if v is not None)
            console.print(f"  {escape(lookup['token'])}({escape(args)})")
    if report.get("nextSteps"):
        console.print("[bold]Next steps per customer[/]:")
        for name, step in report["nextSteps"].items():
            console.print(f"  [cyan]{escape(name)}[/]: {escape(str(step))}")
    console.print("[bold]Policy[/] (the pack in policy/, run over this plan):")
    if not report["policy"]:
        console.print("  [green]no violations[/]")
    for violation in report["policy"]:
        colour = "bold red" if violation["level"] == "mandatory" else "yellow"
        console.print(
            f"  [{colour}]{escape(violation['level'])}[/] {escape(violation['policy'])}: "
            f"{escape(violation['name'])}: {escape(violation['message'])}"
        )
    summary = report["summary"]
    console.print(
        f"[bold]Summary:[/] {summary['resources']} resources in {summary['components']} components, "
        f"{summary['protected']} protected, {summary['withUnknownInputs']} with values known only after apply, "
        f"{summary['lookups']} look-ups; policy: {summary['policyMandatory']} mandatory, "
        f"{summary['policyAdvisory']} advisory violation(s)."
    )
    console.print(
        f"[bold]First `pulumi up` of a new stack:[/] {summary['create']} to create, {summary['adopt']} to adopt "
        "(existing objects named in the config, taken over as they are)."
    )
    for kind, count in summary["byType"].items():
        console.print(f"  {count:>4}  {escape(kind)}")
