"""dapctl as a process: what only a real start shows (the other tests run the commands in-process).

`python -m dapctl` and the installed console script start, print their help, and hand a command's exit code to
the shell; a broken stack config is one message on standard error, never a traceback.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.helpers import REPO


def started(command: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO), "CSP_DELEGATION_ENDPOINT": "offline"}
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_python_m_dapctl_starts_and_hands_the_exit_code_to_the_shell(tmp_path):
    help_text = started([sys.executable, "-m", "dapctl", "--help"], REPO)
    assert help_text.returncode == 0, help_text.stderr
    assert "revoke" in help_text.stdout and "fleet" in help_text.stdout
    (tmp_path / "Pulumi.broken.yaml").write_text("config:\n  csp-delegation:customers: 7\n")
    broken = started([sys.executable, "-m", "dapctl", "plan", "--stack", "broken"], tmp_path)
    assert broken.returncode == 2
    assert "Config error" in broken.stderr and "Traceback" not in broken.stderr


def test_the_console_script_runs_the_same_command_line(tmp_path):
    script = shutil.which("dapctl", path=str(Path(sys.executable).parent))
    assert script, "the dapctl console script is installed with the package (pyproject [project.scripts])"
    result = started([script, "gdap", "--help"], tmp_path)  # from another folder: the package is installed
    assert result.returncode == 0, result.stderr
    assert "drop-global-admin" in result.stdout
