"""Exceptions, only for runs that cannot go on. Bad input is a `Problem`, not an exception."""

from __future__ import annotations

# Documented exit codes (README, "Operations").
EXIT_OK = 0
EXIT_REFUSED = 1  # some files were refused
EXIT_USAGE = 2  # usage or configuration error
EXIT_LOCKED = 3  # another vwu run holds the workspace
EXIT_STORE = 4  # the workspace database is unreadable or corrupt
EXIT_BUG = 70  # an unexpected error: a bug in vwu (sysexits' EX_SOFTWARE)
EXIT_INTERRUPTED = 130  # stopped with Ctrl-C (128 + SIGINT)


class VwuError(Exception):
    """A run cannot go on. The message says what happened and how to fix it."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.hint = hint

    def __str__(self) -> str:
        message = super().__str__()
        return f"{message}\n{self.hint}" if self.hint else message


class ConfigError(VwuError):
    """Bad option, configuration file or schema."""


class WorkspaceLocked(VwuError):
    exit_code = EXIT_LOCKED


class StoreError(VwuError):
    exit_code = EXIT_STORE
