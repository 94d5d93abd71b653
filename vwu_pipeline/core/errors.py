"""Exceptions, only for runs that cannot go on. Bad input is a `Problem`, not an exception."""

from __future__ import annotations

from vwu_pipeline.core.messages import MESSAGES, text

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

    `key` names the message in the catalogue (core/messages.py, Vietnamese and English side by
    side); its hint is the catalogue's `key + "-hint"` unless `hint` names another key. `params`
    fill both. `render(lang)` speaks one language; `str()` is Vietnamese, the default."""

    exit_code = EXIT_USAGE

    def __init__(self, key: str, /, hint: str | None = None, **params: object) -> None:
        if key not in MESSAGES:
            raise KeyError(f"no message {key!r} in the catalogue")
        self.key = key
        self.hint = hint if hint is not None else (f"{key}-hint" if f"{key}-hint" in MESSAGES else None)
        self.params = params
        super().__init__(key)

    def render(self, lang: str | None = None) -> str:
        """The message and its hint in one language (Vietnamese unless `lang` is "en")."""
        said = text(self.key, lang or "vi", **self.params)
        return f"{said}\n{text(self.hint, lang or 'vi', **self.params)}" if self.hint else said

    def __str__(self) -> str:
        return self.render()

    def first_line(self) -> str:
        return self.render().splitlines()[0]

    def __reduce__(self):  # keep the key, hint and parameters across processes (reader pools)
        return (_rebuild, (type(self), self.key, self.hint, self.params))


def _rebuild(kind: type[VwuError], key: str, hint: str | None, params: dict[str, object]) -> VwuError:
    return kind(key, hint, **params)


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
