"""Exceptions, only for runs that cannot go on. Bad input is a `Problem`, not an exception."""

from __future__ import annotations

# Documented exit codes (README, "Operations").
EXIT_OK = 0
EXIT_REFUSED = 1  # some files were refused
EXIT_USAGE = 2  # usage or configuration error, and "no workspace yet"
EXIT_LOCKED = 3  # another vwu run holds the workspace
EXIT_STORE = 4  # the workspace database is unusable
EXIT_BUG = 70  # an unexpected error: a bug in vwu (sysexits' EX_SOFTWARE)
EXIT_OUTPUT = 73  # an output file or folder cannot be created (sysexits' EX_CANTCREAT)
EXIT_INTERRUPTED = 130  # stopped with Ctrl-C (128 + SIGINT)


class VwuError(Exception):
    """A run cannot go on. The message says what happened and how to fix it.

    `message`/`hint` are Vietnamese; `en`/`en_hint` the English text when the raiser has one
    (older messages carry both languages in one text). `render(lang)` picks one language."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, hint: str | None = None, *, en: str | None = None, en_hint: str | None = None):
        super().__init__(message)
        self.hint = hint
        self.en = en
        self.en_hint = en_hint

    def __str__(self) -> str:
        message = super().__str__()
        return f"{message}\n{self.hint}" if self.hint else message

    def render(self, lang: str | None = None) -> str:
        """The message and its hint in one language (Vietnamese unless `lang` is "en" and there is English)."""
        if lang == "en" and self.en:
            return f"{self.en}\n{self.en_hint}" if self.en_hint else self.en
        return str(self)

    def first_line(self) -> str:
        return super().__str__().splitlines()[0] if super().__str__() else ""

    def __reduce__(self):  # keep the hint and the English text across processes (reader pools)
        return (_rebuild, (type(self), super().__str__(), self.hint, self.en, self.en_hint))


def _rebuild(kind: type[VwuError], message: str, hint: str | None, en: str | None, en_hint: str | None) -> VwuError:
    return kind(message, hint, en=en, en_hint=en_hint)


class ConfigError(VwuError):
    """Bad option, configuration file or schema."""


class WorkspaceLocked(VwuError):
    exit_code = EXIT_LOCKED


class StoreError(VwuError):
    exit_code = EXIT_STORE


class NoWorkspace(StoreError):
    """A reader was pointed at a folder where nothing was ingested yet: a usage matter (exit 2),
    not an unusable store."""

    exit_code = EXIT_USAGE


class OutputError(VwuError):
    """An output (report, template, backup, folder) cannot be created where it was asked."""

    exit_code = EXIT_OUTPUT
