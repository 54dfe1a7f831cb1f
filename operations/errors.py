"""Errors the operations raise about their inputs, for the command line (or any caller) to show as such."""

from __future__ import annotations


class InputError(ValueError):
    """An input a person gave that the operation cannot use; ``option`` names it (``'--tenant'``), the message
    says the fix. dapctl shows it as a usage error of that option (exit 2), before any request."""

    def __init__(self, message: str, option: str | None = None) -> None:
        super().__init__(message)
        self.option = option
