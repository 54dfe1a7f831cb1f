"""The customer's runbook runs on Azure Automation's Python 3.10: the bundled code must import there.

No 3.10 interpreter is available to the tests, so ``vermin`` (a static minimum-version detector) checks
every file the runbook bundle carries (runbooks.packaging.BUNDLED_PACKAGES), annotations included. A
control file using 3.11-only features shows the check can fail.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from runbooks.packaging import BUNDLED_PACKAGES
from tests.helpers import REPO

ROOT = REPO
TARGET = "3.10-"


def vermin(*paths: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, vermin; sys.argv[0] = 'vermin'; sys.exit(vermin.main())",
            f"-t={TARGET}",
            "--no-tips",
            "--violations",
            "--eval-annotations",
            *map(str, paths),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_every_bundled_file_runs_on_python_310():
    result = vermin(*(ROOT / package for package in BUNDLED_PACKAGES))
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_check_catches_python_311_features(tmp_path):
    control = tmp_path / "uses_311.py"
    control.write_text("from enum import StrEnum\nfrom typing import Self\n\n\nclass K(StrEnum):\n    A = 'a'\n")
    result = vermin(control)
    assert result.returncode != 0 and "StrEnum" in result.stdout
