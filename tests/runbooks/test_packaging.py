"""The runbook file carries its locked pure-Python dependencies, checked against the lock, and imports them alone.

The runbook is started as a process here (an interpreter with no site-packages, ``-I -S``): what is under test is
the file's own start-up, that every module the runbook needs comes out of the file itself.
"""

from __future__ import annotations

import base64
import io
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from runbooks.packaging import (
    WHEEL_DIR,
    RunbookBuildError,
    build_runbook,
    bundled_wheels,
    locked_packages,
)
from tests.helpers import canonical, lock_pins

PARAMETERS = {"partnerTenantId": "2f4a9a1e-6c3b-4d8e-9f10-1a2b3c4d5e6f", "principalIds": []}


def bundle_names(text: str) -> set[str]:
    chunks = re.findall(r'^    "([A-Za-z0-9+/=]+)"$', text, flags=re.MULTILINE)
    return set(zipfile.ZipFile(io.BytesIO(base64.b64decode("".join(chunks)))).namelist())


def test_the_lock_pins_and_hashes_every_dependency_at_the_projects_versions():
    runtime, backports = lock_pins("requirements.txt"), lock_pins("runbooks/automation_requirements.in")
    packages = locked_packages()
    assert {canonical(p.name) for p in packages} >= {"httpx", "httpcore", "h11", "anyio", "idna", "certifi"}
    for package in packages:
        assert package.hashes, f"{package.name} has no hash in the runbook's lock"
        assert package.version == runtime.get(canonical(package.name), backports.get(canonical(package.name)))


def test_the_runbook_file_carries_every_locked_wheel():
    names = bundle_names(build_runbook(PARAMETERS).text)
    for top in ("httpx/__init__.py", "httpcore/__init__.py", "h11/__init__.py", "anyio/__init__.py"):
        assert top in names
    assert {"idna/__init__.py", "certifi/cacert.pem", "typing_extensions.py", "exceptiongroup/__init__.py"} <= names
    assert "runbooks/automation_entry.py" in names
    assert not any(n.endswith((".so", ".pyd", ".pyc")) for n in names)


def test_the_bundle_is_the_same_bytes_every_time():
    assert build_runbook(PARAMETERS).sha256 == build_runbook(dict(PARAMETERS)).sha256


def copy_wheels(tmp_path: Path) -> Path:
    folder = tmp_path / "wheels"
    shutil.copytree(WHEEL_DIR, folder)
    return folder


def test_a_missing_wheel_names_the_install_step(tmp_path):
    folder = copy_wheels(tmp_path)
    next(folder.glob("httpx-*.whl")).unlink()
    with pytest.raises(RunbookBuildError, match=r"httpx==[0-9.]+ is not in .*make \.venv/bin/\.runtime"):
        bundled_wheels(folder)


def test_a_wheel_the_lock_does_not_hash_is_refused(tmp_path):
    folder = copy_wheels(tmp_path)
    wheel = next(folder.glob("idna-*.whl"))
    wheel.write_bytes(wheel.read_bytes() + b"\0")
    with pytest.raises(RunbookBuildError, match=r"is not a file runbooks/automation_requirements.txt locks for idna"):
        bundled_wheels(folder)


def test_a_native_wheel_is_refused(tmp_path):
    folder = copy_wheels(tmp_path)
    wheel = next(folder.glob("h11-*.whl"))
    wheel.rename(folder / wheel.name.replace("py3-none-any", "cp310-cp310-manylinux_2_17_x86_64"))
    with pytest.raises(RunbookBuildError, match="is not pure Python"):
        bundled_wheels(folder)


DRIVER = """
import sys
namespace = {"__name__": "runbook"}
exec(compile(open(sys.argv[1], encoding="utf-8").read(), "runbook.py", "exec"), namespace)
namespace["_bootstrap"]()
import ssl
import certifi, httpx, runbooks.automation_entry
ssl.create_default_context(cafile=certifi.where())
print(httpx.__file__)
print(runbooks.automation_entry.__file__)
"""


def test_the_runbook_imports_its_dependencies_from_itself_alone(tmp_path):
    """No site-packages (-I -S): httpx, its dependencies, certifi's CA file and the project's code all come out of
    the runbook file; then the runbook itself starts (``--help``: no request made)."""
    runbook = tmp_path / "runbook.py"
    runbook.write_text(build_runbook(PARAMETERS).text, encoding="utf-8")
    env = {"TMPDIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    loaded = subprocess.run(
        [sys.executable, "-I", "-S", "-c", DRIVER, str(runbook)], capture_output=True, text=True, env=env, timeout=120
    )
    assert loaded.returncode == 0, loaded.stderr
    httpx_file, entry_file = loaded.stdout.split()
    assert ".zip" in httpx_file and ".zip" in entry_file and str(tmp_path) in httpx_file
    started = subprocess.run(
        [sys.executable, "-I", "-S", str(runbook), "--help"], capture_output=True, text=True, env=env, timeout=120
    )
    assert started.returncode == 0, started.stderr
    assert "Remove-CspPartnerAccess" in started.stdout
