"""Shared pytest set-up: the local Azure emulator fixtures come from emulator.pytest_plugin."""

import os

pytest_plugins = ["emulator.pytest_plugin"]

# No test reaches Azure by accident: programs and commands run offline unless a test points them
# at the local emulator (monkeypatch.setenv("CSP_DELEGATION_ENDPOINT", emulator.url)).
os.environ["CSP_DELEGATION_ENDPOINT"] = "offline"
