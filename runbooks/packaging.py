"""The revocation runbook as Azure Automation runs it: one Python file, the project's code and its dependencies inside.

Automation runs a single .py file. The same runbooks/ code that dapctl runs locally is zipped (with the HTTP
package and the role catalog it imports) into that file, base64-encoded, and imported from the zip at start:
the code customers review here is the code their runbook runs. The runbook's third-party dependencies (httpx and
what it needs, resolved for Python 3.10 in ``automation_requirements.txt``, the runbook's lock) travel in the
same zip: every one is pure Python (a ``py3-none-any`` wheel), and a wheel's contents are laid out to be imported
as they are (PEP 427), so Python's zipimport loads them like the project's code. The customer's Automation
account then needs no ``Python3Package`` resources (eight uploads and API round trips per customer before).

Microsoft documents packages imported into the Automation account as the way to give a Python runbook its
dependencies ("Manage Python 3 packages in Azure Automation"); it documents nothing about code carried inside a
runbook file. What this relies on is plain Python: ``sys.path`` entries that are zip files (zipimport) and a
writable temporary directory in the sandbox (the service limits give a sandbox 1 GB of disk). A package that
needs a native wheel cannot be imported from a zip: :func:`bundled_wheels` refuses it, and such a package would
have to be declared as an Automation package instead.

The wheels are the lock's, fetched once at install (``make .venv/bin/.runtime`` runs ``pip download
--require-hashes`` for Python 3.10 into ``<venv>/runbook-wheels``), so a plan works offline; each wheel's SHA-256
is checked against the lock again when the bundle is built. The zip is deterministic (sorted entries, fixed
timestamps), so its hash changes exactly when the code, a dependency or the baked-in parameters change, and the
hash is in the blob name Pulumi publishes the runbook from.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import io
import json
import re
import sys
import zipfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

BUNDLED_PACKAGES = ("runbooks", "azure_http", "catalog")
#: Modules the runbook never imports that know the local emulator (its unsigned tokens, and the chooser between
#: Azure and the emulator that dapctl and the dynamic providers use): kept out of the customer's runbook, which
#: always talks to Azure with its managed identity.
EXCLUDED_MODULES = frozenset({"azure_http/emulator_tokens.py", "azure_http/connect.py"})
LOCK = "automation_requirements.txt"
WHEEL_DIR = Path(sys.prefix) / "runbook-wheels"
"""Where ``make .venv/bin/.runtime`` puts the lock's wheels: in the environment that runs the stack program."""
FETCH_COMMAND = (
    "python -m pip download --require-hashes --no-deps --only-binary=:all: --python-version 3.10 "
    "--implementation py --abi none --platform any -d <venv>/runbook-wheels -r runbooks/automation_requirements.txt"
)
_ROOT = Path(__file__).resolve().parent.parent
_FIXED_TIME = (2020, 1, 1, 0, 0, 0)
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")
_HASH = re.compile(r"--hash=sha256:([0-9a-f]{64})")


class RunbookBuildError(Exception):
    """The runbook bundle cannot be built as locked (a wheel missing, altered or not pure Python); names the fix."""


@dataclass(frozen=True)
class RunbookBundle:
    text: str
    sha256: str

    @property
    def blob_name(self) -> str:
        return f"csp-revocation-{self.sha256[:16]}.py"


@dataclass(frozen=True)
class LockedPackage:
    """One ``name==version`` of the runbook's lock, with the SHA-256 hashes of its files on PyPI."""

    name: str
    version: str
    hashes: frozenset[str]

    @property
    def wheel_prefix(self) -> str:
        """A wheel's file name up to its tags (PEP 427 escapes ``-`` and ``.`` in the name as ``_``)."""
        return f"{re.sub(r'[-_.]+', '_', self.name)}-{self.version}-"


def locked_packages() -> list[LockedPackage]:
    """The runbook's lock: every third-party distribution it imports on Python 3.10, pinned and hashed."""
    text = resources.files(__package__).joinpath(LOCK).read_text(encoding="utf-8")
    packages: list[LockedPackage] = []
    name = version = None
    hashes: set[str] = set()
    for line in text.splitlines():
        if match := _PIN.match(line):
            if name is not None:
                packages.append(LockedPackage(name, version, frozenset(hashes)))
            name, version, hashes = match[1], match[2], set()
        hashes.update(_HASH.findall(line))
    if name is not None:
        packages.append(LockedPackage(name, version, frozenset(hashes)))
    return packages


def _locked_wheel(package: LockedPackage, folder: Path) -> Path:
    """The package's wheel in ``folder``: present, pure Python, and one of the files the lock hashes."""
    found = sorted(folder.glob(f"{package.wheel_prefix}*.whl")) if folder.is_dir() else []
    if not found:
        raise RunbookBuildError(
            f"the runbook's dependency {package.name}=={package.version} is not in {folder}: run "
            f"`make .venv/bin/.runtime` (it downloads the locked wheels once, hash-checked), or {FETCH_COMMAND}"
        )
    wheel = found[0]
    if not wheel.name.endswith("-py3-none-any.whl") and not wheel.name.endswith("-py2.py3-none-any.whl"):
        raise RunbookBuildError(
            f"{wheel.name} is not pure Python: it cannot be imported from the runbook file; declare it as an "
            "Automation Python package instead"
        )
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    if digest not in package.hashes:
        raise RunbookBuildError(
            f"{wheel} (sha256 {digest}) is not a file runbooks/{LOCK} locks for {package.name}=={package.version}: "
            "delete it and run `make .venv/bin/.runtime` again"
        )
    return wheel


@functools.cache
def bundled_wheels(folder: Path = WHEEL_DIR) -> tuple[Path, ...]:
    """The lock's wheels, each checked (see :func:`_locked_wheel`), once per process; RunbookBuildError names
    what to do."""
    return tuple(_locked_wheel(package, folder) for package in locked_packages())


def _add(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
    info.external_attr = 0o644 << 16
    archive.writestr(info, data, zipfile.ZIP_DEFLATED)


def _zip_bundle(wheels: tuple[Path, ...]) -> bytes:
    """The project's runbook code and the wheels' contents in one deterministic zip."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for package in BUNDLED_PACKAGES:
            for path in sorted((_ROOT / package).rglob("*")):
                if path.suffix not in (".py", ".json") or "__pycache__" in path.parts:
                    continue
                if path.relative_to(_ROOT).as_posix() in EXCLUDED_MODULES:
                    continue
                _add(archive, path.relative_to(_ROOT).as_posix(), path.read_bytes())
        for wheel in wheels:
            with zipfile.ZipFile(wheel) as source:
                for name in sorted(n for n in source.namelist() if not n.endswith("/")):
                    _add(archive, name, source.read(name))
    return buffer.getvalue()


@functools.cache
def _payload(folder: Path) -> str:
    """The bundle, base64-encoded: the same for every customer, built once per process."""
    return base64.b64encode(_zip_bundle(bundled_wheels(folder))).decode("ascii")


_TEMPLATE = '''#!/usr/bin/env python3
"""csp-delegation revocation runbook (generated by the project; do not edit by hand).

Removes every Azure RBAC role assignment and Lighthouse delegation held by the partner below,
dry run unless started with --apply. Source: runbooks/ in the partner's csp-delegation repository; its
Python dependencies (runbooks/automation_requirements.txt there, pure-Python wheels) are in the bundle too.
"""
import base64, os, sys, tempfile

PARAMETERS = {parameters}
_BUNDLE = (
{bundle}
)


def _bootstrap():
    path = os.path.join(tempfile.gettempdir(), "csp-delegation-{short}.zip")
    if not os.path.exists(path):
        with open(path, "wb") as handle:
            handle.write(base64.b64decode("".join(_BUNDLE)))
    sys.path.insert(0, path)


if __name__ == "__main__":
    _bootstrap()
    from runbooks.automation_entry import main

    sys.exit(main(PARAMETERS, sys.argv[1:]))
'''


def build_runbook(parameters: dict, wheel_dir: Path = WHEEL_DIR) -> RunbookBundle:
    """The runbook file for these parameters (partner tenant, principal ids, ...)."""
    payload = _payload(wheel_dir)
    lines = "\n".join(f'    "{payload[i : i + 100]}"' for i in range(0, len(payload), 100))
    params = json.dumps(parameters, sort_keys=True, indent=4)
    short = hashlib.sha256((payload + params).encode()).hexdigest()[:16]
    text = _TEMPLATE.format(parameters=params, bundle=lines, short=short)
    return RunbookBundle(text=text, sha256=hashlib.sha256(text.encode()).hexdigest())
