"""Usage errors (a mistyped option, a path that does not exist, a number out of range) in the
run's language, from the message catalogue.

Typer's vendored click words its errors in English and has no translation hook, so `Commands`
(the app's top-level group) catches each click error type and says it again with the catalogue's
`usage.*` texts: Vietnamese by default, English when `--lang en` (or VWU_LANG, or `lang` in the
workspace's vwu.toml) asks for it. A `--lang` that is neither is answered in Vietnamese. The exit
code stays click's (2, a usage error).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import typer
from typer import _click as click
from typer.core import TyperGroup

from vwu_pipeline import render
from vwu_pipeline.core.errors import EXIT_USAGE
from vwu_pipeline.core.messages import text

# What click's types say when a value does not convert (typer/_click/types.py, typer/models.py),
# and the catalogue text that says it in the run's language.
# Patterns as text: compiled (and cached by `re`) on the first usage error, not at every start.
_REASONS: list[tuple[str, str]] = [
    (r"^(?:Path|File|Directory) (?P<path>.+) does not exist\.$", "usage.reason.path-missing"),
    (r"^(?:Path|File|Directory) (?P<path>.+) is a file\.$", "usage.reason.path-is-file"),
    (r"^(?:Path|File|Directory) (?P<path>.+) is a directory\.$", "usage.reason.path-is-folder"),
    (r"^(?:Path|File|Directory) (?P<path>.+) is not readable\.$", "usage.reason.path-unreadable"),
    (r"^(?:Path|File|Directory) (?P<path>.+) is not writable\.$", "usage.reason.path-unwritable"),
    (r"^(?P<value>.+) is not in the range (?P<range>\S+)\.$", "usage.reason.out-of-range"),
    (r"^(?P<value>.+) is not a valid (?:integer|int)(?: range)?\.$", "usage.reason.not-integer"),
    (r"^(?P<value>.+) is not a valid float(?: range)?\.$", "usage.reason.not-number"),
    (r"^(?P<value>.+) is not a valid boolean\..*$", "usage.reason.not-boolean"),
    (r"^(?P<value>.+) is not one of (?P<choices>.+)\.$", "usage.reason.not-choice"),
]
_NO_COMMAND = r"^No such command (?P<name>.+?)\.(?: Did you mean (?P<names>.+)\?)?$"
_EXTRA = r"^Got unexpected extra argument(?:\(s\)|s)? \((?P<args>.*)\)$"
_NEEDS_VALUES = r"^Option (?P<option>.+) requires (?:an argument|(?P<count>\d+) arguments)\.?$"
_NO_VALUE = r"^Option (?P<option>.+) does not take a value\.$"
_ARGUMENT_VALUES = r"^Argument (?P<name>.+) takes (?P<count>\d+) values\.$"


def language(args: Sequence[str], environ: os._Environ[str] | dict[str, str] | None = None) -> str:
    """The language a usage error is answered in, read from the raw command line since click
    stopped before parsing it: `--lang`, else VWU_LANG, else `lang` in the workspace's
    vwu.toml, else Vietnamese. A `--lang` that is neither "vi" nor "en" is answered in Vietnamese."""
    environ = os.environ if environ is None else environ
    given = _option(args, "--lang")
    if given is not None:
        return _lang(given) or "vi"
    from_environment = _lang(environ.get("VWU_LANG"))
    if from_environment:
        return from_environment
    folder = _option(args, "--workspace", "-w") or environ.get("VWU_WORKSPACE") or "vwu-data"
    import tomllib

    try:
        configured = tomllib.loads((Path(folder).expanduser() / "vwu.toml").read_text(encoding="utf-8")).get("lang")
    except (OSError, ValueError, UnicodeDecodeError):
        configured = None
    return _lang(configured) or "vi"


def _lang(value: object) -> str | None:
    wanted = value.strip().lower() if isinstance(value, str) else None
    return wanted if wanted in ("vi", "en") else None


def _option(args: Sequence[str], *names: str) -> str | None:
    """The last value given to an option on a raw command line (`--lang en`, `--lang=en`)."""
    found = None
    for index, arg in enumerate(args):
        if arg == "--":
            break
        for name in names:
            if arg == name and index + 1 < len(args):
                found = args[index + 1]
            elif name.startswith("--") and arg.startswith(name + "="):
                found = arg[len(name) + 1 :]
    return found


def message(error: click.exceptions.ClickException, lang: str) -> str:
    """A click error said with the catalogue's words in `lang`."""
    said = error.message
    if isinstance(error, click.exceptions.MissingParameter):
        kind = error.param_type or (error.param.param_type_name if error.param is not None else "parameter")
        key = "usage.missing-argument" if kind == "argument" else "usage.missing-option"
        return text(key, lang, name=_param_name(error))
    if isinstance(error, click.exceptions.BadParameter):
        return text("usage.invalid-value", lang, name=_param_name(error), reason=reason(said, lang))
    if isinstance(error, click.exceptions.NoSuchOption):
        line = text("usage.no-such-option", lang, option=error.option_name)
        if error.possibilities:
            line += " " + text("usage.did-you-mean", lang, names=", ".join(sorted(error.possibilities)))
        return line
    for pattern, key in (
        (_NO_COMMAND, "usage.no-such-command"),
        (_EXTRA, "usage.extra-arguments"),
        (_NEEDS_VALUES, "usage.option-needs-value"),
        (_NO_VALUE, "usage.option-takes-no-value"),
        (_ARGUMENT_VALUES, "usage.argument-values"),
    ):
        found = re.match(pattern, said, re.S)
        if found:
            params = {k: v for k, v in found.groupdict().items() if v is not None}
            line = text(key, lang, **{"count": 1, **params})
            if key == "usage.no-such-command" and "names" in params:
                line += " " + text("usage.did-you-mean", lang, names=params["names"])
            return line
    if said == "Missing command.":
        return text("usage.missing-command", lang)
    return text("usage.other", lang, message=said)


def reason(said: str, lang: str) -> str:
    """Why a value was refused (the part after "Invalid value for …:"), in `lang`."""
    for pattern, key in _REASONS:
        found = re.match(pattern, said, re.S)
        if found:
            return text(key, lang, **found.groupdict())
    return said


def _param_name(error: click.exceptions.BadParameter) -> str:
    """The option or argument named as click names it: '--year' / '-y', 'paths'."""
    hint: Any = error.param_hint
    if hint is None and error.param is not None:
        hint = error.param.get_error_hint(error.ctx)  # type: ignore[arg-type]
    if hint is None:
        return ""
    return hint if isinstance(hint, str) else " / ".join(repr(x) for x in hint)


def show(error: click.exceptions.ClickException, lang: str) -> None:
    """The error in a red panel with how the command is used and where its help is."""
    from rich.panel import Panel

    lines = [message(error, lang)]
    ctx = getattr(error, "ctx", None)
    if ctx is not None:
        pieces = " ".join(ctx.command.collect_usage_pieces(ctx))
        lines.append(text("usage.line", lang, usage=f"{ctx.command_path} {pieces}".strip()))
        if ctx.command.get_help_option(ctx) is not None:
            lines.append(text("usage.help", lang, command=ctx.command_path, option=ctx.help_option_names[0]))
    render.errors.print(Panel("\n".join(render.escape(line) for line in lines), title="vwu", border_style="red"))


class Commands(TyperGroup):
    """The `vwu` group: click's usage errors are shown in the run's language (see the module)."""

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None, *extra_args: Any, **extra: Any) -> Any:
        standalone = extra.pop("standalone_mode", True)
        if not standalone:
            return super().main(args, prog_name, *extra_args, standalone_mode=False, **extra)
        given = list(sys.argv[1:] if args is None else args)
        try:
            code = super().main(given, prog_name, *extra_args, standalone_mode=False, **extra)
        except click.exceptions.NoArgsIsHelpError:  # the help was printed: vwu with no command
            sys.exit(EXIT_USAGE)
        except click.exceptions.ClickException as error:
            show(error, language(given))
            sys.exit(error.exit_code)
        except typer.Abort:  # end of input at a prompt
            render.stopped()
            sys.exit(1)
        sys.exit(code if isinstance(code, int) and not isinstance(code, bool) else 0)
