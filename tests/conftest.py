"""Shared pytest set-up: the local Azure emulator fixtures come from emulator.pytest_plugin."""

pytest_plugins = ["emulator.pytest_plugin"]
