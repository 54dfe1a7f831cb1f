"""Which project folder and which stack a command means, found the way Pulumi finds them.

Pulumi finds the project by walking up from the working directory to the folder holding ``Pulumi.yaml``
(https://www.pulumi.com/docs/iac/concepts/projects/: "the Pulumi CLI ... searches up the directory tree"), and
reads the stack from ``--stack`` or ``PULUMI_STACK``
(https://www.pulumi.com/docs/iac/cli/environment-variables/). dapctl does the same, and where no stack is named
it takes the one stack of the folder that declares the customer asked about (by name, tenant id or default
domain): in a one-stack-per-customer project, ``dapctl revoke contoso`` needs no ``--stack``. Every error names
the folder searched.
"""

from __future__ import annotations

from pathlib import Path

from azure_http.endpoint_url import quoted

from .errors import ConfigError, ConfigProblem
from .loading import known_stacks, raw_from_stack_file

PROJECT_FILE = "Pulumi.yaml"


def project_folder(given: Path | None, start: Path | None = None) -> Path:
    """``given`` (``--project-dir``) as it is, else the nearest folder holding Pulumi.yaml from ``start`` (the
    working directory) upwards: ``.`` when that is the working directory itself, and the working directory
    when there is none (``dapctl import`` writes a new project there; every other command then says which
    folder holds no stack)."""
    if given is not None:
        return given
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / PROJECT_FILE).is_file():
            return Path(".") if folder == Path.cwd().resolve() else folder
    return Path(".") if start is None else here


def shown_folder(project_dir: Path) -> str:
    """The folder as an error names it: absolute, quoted."""
    return quoted(str(project_dir.resolve()))


def declares(raw: dict, customer: str) -> bool:
    """Whether a stack's raw config declares ``customer`` by name, tenant id or default domain (ids and domains
    compared without case, as Entra does)."""
    wanted = customer.strip().lower()
    for entry in raw.get("customers") or []:
        if not isinstance(entry, dict):
            continue
        if entry.get("name") == customer:
            return True
        for key in ("tenantId", "defaultDomain"):
            value = entry.get(key)
            if isinstance(value, str) and value.strip().lower() == wanted:
                return True
    return False


def stacks_declaring(project_dir: Path, customer: str) -> tuple[list[str], list[str]]:
    """The stacks of the folder that declare ``customer``, and those that could not be read (skipped)."""
    found: list[str] = []
    unreadable: list[str] = []
    for stack in known_stacks(project_dir):
        try:
            raw = raw_from_stack_file(stack, project_dir)
        except ConfigError:
            unreadable.append(stack)
            continue
        if declares(raw, customer):
            found.append(stack)
    return found, unreadable


def select_stack(project_dir: Path, stack: str | None, customer: str | None = None, *, required: bool = True) -> str:
    """The stack a command works on: ``stack`` (``--stack`` / ``PULUMI_STACK``) when given; else the one stack
    declaring ``customer``; else the folder's only stack. A ConfigError naming the folder otherwise: a customer
    declared in two stacks names both; no stack declaring it names the stacks there are. With ``required``
    False, a customer no stack declares (``--tenant`` of a customer outside the config) falls through to the
    folder's only stack."""
    if stack is not None:
        return stack
    where = shown_folder(project_dir)
    stacks = known_stacks(project_dir)
    if customer:
        found, unreadable = stacks_declaring(project_dir, customer)
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise ConfigError(
                [
                    ConfigProblem(
                        "stack",
                        f"customer {quoted(customer, 60)} is declared in more than one stack in {where}: "
                        f"{', '.join(found)}; declare it in one, or pass --stack",
                    )
                ],
                "--stack",
            )
        if required:
            skipped = f" ({', '.join(unreadable)} could not be read)" if unreadable else ""
            raise ConfigError(
                [
                    ConfigProblem(
                        "stack",
                        f"no stack in {where} declares customer {quoted(customer, 60)} (stacks: "
                        f"{', '.join(stacks) or 'none'}){skipped}: check the name, or pass --stack",
                    )
                ],
                "--stack",
            )
    if len(stacks) == 1:
        return stacks[0]
    problem = (
        f"no stack file (Pulumi.<stack>.yaml) in {where}, nor a {PROJECT_FILE} in it or above it: run dapctl "
        "in the Pulumi project folder, or pass --project-dir"
        if not stacks
        else f"{len(stacks)} stacks in {where} ({', '.join(stacks)}): pass --stack or set PULUMI_STACK"
    )
    raise ConfigError([ConfigProblem("stack", problem)], "--stack")
