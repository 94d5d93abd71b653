"""Settings of a run: command-line option > `VWU_*` environment variable > `vwu.toml` > default.

`vwu.toml` lives in the workspace folder (the one `--workspace` or `VWU_WORKSPACE` names,
`./vwu-data` by default), so a cron job needs only `cd` and the command:

    inbox = "/srv/vwu/inbox"          # what `vwu ingest` reads when given no path
    outputs = "/srv/vwu/reports"      # where `vwu report` writes
    lang = "vi"
    year = 2024
    lock_timeout = 60                 # seconds a writer waits for another run
    max_file_bytes = "50 MB"          # reading limits: numbers, or "50 MB", "2 GB"

Relative paths in the file are relative to the workspace folder; relative paths in options
and environment variables are relative to the current directory. A mistake in the file
(syntax, an unknown key, a wrong type) stops the run with a `ConfigError` naming the file,
the key and an example of a right value: a cron job must not run on half a configuration.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, NamedTuple

from vwu_pipeline.core.errors import ConfigError
from vwu_pipeline.core.messages import Said, said
from vwu_pipeline.core.outputs import DEFAULT_FILE_MODE


@dataclass(frozen=True)
class Limits:
    """What one submitted file may hold before it is refused (guards against hostile files)."""

    max_file_bytes: int = 50 * 1024**2  # refuse bigger files outright
    max_unzipped_bytes: int = 200 * 1024**2  # sum of uncompressed member sizes (zip directory)
    max_rows: int = 100_000  # per sheet
    max_columns: int = 200  # per sheet
    max_cell_chars: int = 10_000  # longer text cells are cut to this length and reported
    worker_memory_bytes: int = 4 * 1024**3  # address space of a reader process (ingest.Parser)


CONFIG_NAME = "vwu.toml"
ENV_PREFIX = "VWU_"
DEFAULT_WORKSPACE = Path("vwu-data")
DEFAULT_LOCK_TIMEOUT = 10.0
DEFAULT_LOG_MAX_BYTES = 5 * 1024**2
DEFAULT_LOG_BACKUPS = 5

_SIZE = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*([kmgt]?i?b?)\s*$", re.IGNORECASE)
_SIZE_FACTORS = {"": 1, "b": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}


class _Bad(ValueError):
    """A value of the wrong type or out of range; its catalogue key says what is expected."""

    def expected(self) -> Said:
        return said(self.args[0])


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _Bad("config.expect.text")
    return value.strip()


def _path(value: Any) -> Path:
    return Path(value if isinstance(value, Path) else _text(value)).expanduser()


def _lang(value: Any) -> str:
    text = value.strip().lower() if isinstance(value, str) else value
    if text not in ("vi", "en"):
        raise _Bad("config.expect.lang")
    return text


def _mode(value: Any) -> int:
    """A permission mode for the files vwu creates: "0640" (octal text, as chmod takes it) or 0o640."""
    if isinstance(value, str) and re.fullmatch(r"0?o?[0-7]{3}", value.strip()):
        number = int(value.strip().replace("o", "")[-3:], 8)
    elif isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 0o777:
        number = value
    else:
        raise _Bad("config.expect.mode")
    if not number & 0o600 == 0o600:
        raise _Bad("config.expect.mode-owner")
    return number


def _year(value: Any) -> int:
    number = _integer(value)
    if not 2000 <= number <= 2100:
        raise _Bad("config.expect.year")
    return number


def _integer(value: Any) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)  # environment variables are text
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Bad("config.expect.integer")
    return value


def _positive(value: Any) -> int:
    number = _integer(value)
    if number < 1:
        raise _Bad("config.expect.positive")
    return number


def _count(value: Any) -> int:
    number = _integer(value)
    if number < 0:
        raise _Bad("config.expect.count")
    return number


def _seconds(value: Any) -> float:
    if isinstance(value, str):
        try:
            value = float(value.replace(",", "."))
        except ValueError:
            raise _Bad("config.expect.seconds") from None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0 or value == float("inf"):
        raise _Bad("config.expect.seconds")
    return float(value)


def _bytes(value: Any) -> int:
    """A size: 52428800, or "50 MB" / "50MiB" / "2 GB" (1 MB = 1024 KB, as Windows shows)."""
    if isinstance(value, str):
        match = _SIZE.match(value)
        if not match:
            raise _Bad("config.expect.bytes")
        number, unit = match.groups()
        size = int(float(number.replace(",", ".")) * _SIZE_FACTORS[unit[:1].lower()])
    else:
        size = _integer(value)
    if size < 1:
        raise _Bad("config.expect.size")
    return size


class Key(NamedTuple):  # a plain triple: a NamedTuple costs a tenth of a frozen dataclass to define
    name: str
    parse: Callable[[Any], Any]
    example: str


KEYS: dict[str, Key] = {
    k.name: k
    for k in (
        Key("inbox", _path, 'inbox = "/srv/vwu/inbox"'),
        Key("outputs", _path, 'outputs = "/srv/vwu/reports"'),
        Key("feedback", _path, 'feedback = "/srv/vwu/phan_hoi"'),
        Key("send_to", _text, 'send_to = "Ban Tổ chức Hội LHPN tỉnh, email: tochuc@phunu.example.vn"'),
        Key("lang", _lang, 'lang = "vi"'),
        Key("year", _year, "year = 2024"),
        Key("schemas", _path, 'schemas = "/srv/vwu/schemas"'),
        Key("lock_timeout", _seconds, "lock_timeout = 60"),
        Key("workers", _count, "workers = 2"),
        Key("max_file_bytes", _bytes, 'max_file_bytes = "50 MB"'),
        Key("max_unzipped_bytes", _bytes, 'max_unzipped_bytes = "200 MB"'),
        Key("max_rows", _positive, "max_rows = 100000"),
        Key("max_columns", _positive, "max_columns = 200"),
        Key("max_cell_chars", _positive, "max_cell_chars = 10000"),
        Key("worker_memory_bytes", _bytes, 'worker_memory_bytes = "4 GB"'),
        Key("log_max_bytes", _bytes, 'log_max_bytes = "5 MB"'),
        Key("log_backups", _count, "log_backups = 5"),
        Key("file_mode", _mode, 'file_mode = "0640"'),
    )
}
LIMIT_KEYS = tuple(f.name for f in fields(Limits))


def env_name(key: str) -> str:
    return ENV_PREFIX + key.upper()


@dataclass(frozen=True)
class Settings:
    workspace: Path
    config_file: Path | None = None  # the vwu.toml that was read, if there was one
    inbox: Path | None = None
    outputs: Path = Path(".")
    feedback: Path | None = None
    send_to: str | None = None
    lang: str = "vi"
    year: int | None = None
    schemas: Path | None = None
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT
    workers: int | None = None
    limits: Limits = Limits()
    log_max_bytes: int = DEFAULT_LOG_MAX_BYTES
    log_backups: int = DEFAULT_LOG_BACKUPS
    file_mode: int = DEFAULT_FILE_MODE
    sources: dict[str, str] = field(default_factory=dict)  # key -> option | VWU_X | vwu.toml

    def require_year(self) -> int:
        if self.year is None:
            raise ConfigError("error.no-year", variable=env_name("year"), config=self.workspace / CONFIG_NAME)
        return self.year

    def require_inbox(self) -> Path:
        if self.inbox is None:
            raise ConfigError("error.no-inbox", variable=env_name("inbox"), config=self.workspace / CONFIG_NAME)
        if not self.inbox.is_dir():
            raise ConfigError("error.inbox-not-folder", inbox=self.inbox, where=self.sources.get("inbox", ""))
        return self.inbox


def workspace_of(option: Path | str | None, environ: Mapping[str, str] | None = None) -> Path:
    """--workspace, else VWU_WORKSPACE, else ./vwu-data."""
    environ = os.environ if environ is None else environ
    return Path(option or environ.get(env_name("workspace")) or DEFAULT_WORKSPACE).expanduser()


def refuse_filesystem_root(root: Path) -> None:
    """`VWU_WORKSPACE=/` would scatter vwu.sqlite, vwu.log and the lock over the root of the
    disk (as root, it can): a workspace is a folder of its own."""
    resolved = root.expanduser().resolve()
    if resolved == Path(resolved.anchor):
        raise ConfigError("error.workspace-root", root=resolved)


def load(
    workspace: Path | str | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    **options: Any,
) -> Settings:
    """The settings of one run. `options` are the command-line values (None: not given),
    keyed as in vwu.toml (inbox=, outputs=, lang=, year=, lock_timeout=, ...)."""
    environ = os.environ if environ is None else environ
    unknown = set(options) - set(KEYS)
    if unknown:
        raise TypeError(f"unknown settings {sorted(unknown)}")
    root = workspace_of(workspace, environ)
    refuse_filesystem_root(root)
    path = root / CONFIG_NAME
    from_file = read_file(path) if path.is_file() else {}
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for name, key in KEYS.items():
        if options.get(name) is not None:
            try:
                values[name], sources[name] = key.parse(options[name]), "option"
            except _Bad as bad:
                option = "--" + name.replace("_", "-")
                example = key.example.split(" = ", 1)[1].strip(chr(34))
                raise ConfigError(
                    "error.bad-option", option=option, value=repr(options[name]), expected=bad.expected(), example=example
                ) from None
            continue
        variable = env_name(name)
        raw = environ.get(variable, "")
        if raw.strip():
            try:
                values[name] = key.parse(raw)
            except _Bad as bad:
                example = key.example.split(" = ", 1)[1].strip(chr(34))
                raise ConfigError(
                    "error.bad-variable", variable=variable, value=repr(raw), expected=bad.expected(), example=example
                ) from None
            sources[name] = variable
        elif name in from_file:
            value = from_file[name]
            if isinstance(value, Path) and not value.is_absolute():
                value = (root / value).resolve()
            values[name], sources[name] = value, str(path)
    inbox, feedback = values.get("inbox"), values.get("feedback")
    if inbox is not None and feedback is not None and Path(feedback).resolve().is_relative_to(Path(inbox).resolve()):
        raise ConfigError(
            "error.feedback-in-inbox",
            feedback=feedback,
            feedback_source=sources["feedback"],
            inbox=inbox,
            inbox_source=sources["inbox"],
            example=KEYS["feedback"].example,
        )
    limits = replace(Limits(), **{k: values[k] for k in LIMIT_KEYS if k in values})
    settings = {k: v for k, v in values.items() if k not in LIMIT_KEYS}
    return Settings(workspace=root, config_file=path if path.is_file() else None, limits=limits, sources=sources, **settings)


def read_file(path: Path) -> dict[str, Any]:
    """Parse and check vwu.toml; every mistake is a ConfigError that says where and how to fix it."""
    import tomllib  # here: a workspace without vwu.toml (a fresh one, the benchmark's) needs no TOML parser

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("error.config-syntax", path=path, where=_where(str(exc)), reason=exc) from None
    except UnicodeDecodeError:
        raise ConfigError("error.config-not-utf8", path=path) from None
    except OSError as exc:
        raise ConfigError("error.config-unreadable", path=path, reason=exc.strerror or exc) from None
    values = {}
    for name, raw in data.items():
        key = KEYS.get(name)
        if key is None:
            import difflib

            close = difflib.get_close_matches(name, KEYS, n=1)
            guess = said("error.config-key-guess", key=close[0]) if close else Said("", "")
            raise ConfigError("error.config-key", path=path, key=name, guess=guess, keys=", ".join(KEYS))
        try:
            values[name] = key.parse(raw)
        except _Bad as bad:
            raise ConfigError(
                "error.config-value", path=path, key=name, expected=bad.expected(), value=_shown(raw), example=key.example
            ) from None
    return values


def _where(message: str) -> Said:
    found = re.search(r"line (\d+), column (\d+)", message)
    return said("error.config-where", line=found[1], column=found[2]) if found else Said("", "")


_KINDS = {str: "string", bool: "boolean", int: "integer", float: "float", list: "list", dict: "table"}


def _shown(value: Any) -> Said:
    kind = _KINDS.get(type(value))
    text = repr(value) if not isinstance(value, (list, dict)) else ""
    text = text if len(text) <= 60 else text[:57] + "…"
    if kind is None:
        return Said(f"{text} ({type(value).__name__})".strip(), f"{text} ({type(value).__name__})".strip())
    return Said(*(f"{text} ({side})".strip() for side in said(f"config.kind.{kind}")))
