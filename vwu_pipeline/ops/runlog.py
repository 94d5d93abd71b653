"""The workspace log, `vwu.log`: one line per file and one per run, for whoever looks after
the server (`tail vwu-data/vwu.log`, or grep it from a monitoring script).

    2024-12-02T02:15:03+07:00 vwu[4121] ingest: file accepted "huyen/tien_lu.xlsx" unit=332 period=2024 rows=3 errors=0 warnings=1
    2024-12-02T02:15:04+07:00 vwu[4121] ingest: run exit=1 accepted=10 replaced=0 unchanged=1 refused=1 skipped=0 files=12 ... duration=1.4s

File names are written as JSON strings, so a name with quotes or a line break stays on its
line. The file is rotated at `log_max_bytes` (vwu.log.1, vwu.log.2 …). A log that cannot be
written (full disk, no permission) never stops a run: one note goes to stderr.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from vwu_pipeline.core.errors import EXIT_BUG, EXIT_INTERRUPTED
from vwu_pipeline.core.messages import both
from vwu_pipeline.core.problems import FileResult
from vwu_pipeline.ops.config import DEFAULT_LOG_BACKUPS, DEFAULT_LOG_MAX_BYTES

LOG_NAME = "vwu.log"


class _Handler(logging.FileHandler):
    """The log's file, rotated as logging's RotatingFileHandler rotates (`doRollover`); each
    line written as its `emit` writes a record's message, without building a LogRecord (≈ 40 µs
    a line: 700 lines a national run) and with the file's kind looked up once, not twice a line."""

    _regular: bool | None = None
    # Bytes that may still be written before the file must be measured again (-1: not measured).
    _room = -1

    def __init__(self, filename: Path, maxBytes: int, backupCount: int, **options: Any) -> None:  # noqa: N803 (logging's names)
        super().__init__(filename, **options)
        self.maxBytes, self.backupCount = maxBytes, backupCount

    def doRollover(self) -> None:  # noqa: N802 (logging's name)
        """vwu.log → vwu.log.1 → … → vwu.log.N by RotatingFileHandler's own `doRollover`, its
        module imported only when the log is full: it imports sockets and pickle, ≈ 7 ms of
        every run (5 % of an unchanged national re-ingest)."""
        from logging.handlers import RotatingFileHandler

        if self.stream:
            self.stream.close()
            self.stream = None  # type: ignore[assignment]
        renaming = RotatingFileHandler(self.baseFilename, backupCount=self.backupCount, encoding=self.encoding, delay=True)
        renaming.doRollover()  # renames only: delay=True, it opens nothing
        renaming.close()

    def handleError(self, record: logging.LogRecord | None) -> None:  # noqa: N802 (logging's name)
        if not getattr(self, "_warned", False):
            self._warned = True
            with contextlib.suppress(OSError, ValueError):  # stderr closed or its reader gone: the log note is lost, not the run
                print("vwu: " + both("error.log-unwritable", path=self.baseFilename), file=sys.stderr)

    def write_line(self, line: str) -> None:
        try:
            if self._rolls_over(line):
                self.doRollover()
            if self.stream is None:
                self.stream = self._open()
            self.stream.write(line + self.terminator)
            self.stream.flush()
        except Exception:  # what logging does with a record it cannot write
            self.handleError(None)

    def _rolls_over(self, line: str) -> bool:
        """`shouldRollover` for a line: never rotate anything but a regular file. The file's end
        is looked up (two system calls, as `shouldRollover` does) only when the lines written
        since it was last looked up may have brought it near `maxBytes`: not for each of a run's
        700 lines (≈ 5 µs each on a virtual machine). Another run appending meanwhile may make
        the rotation come a few lines late, never early."""
        if self._regular is None:
            self._regular = not os.path.exists(self.baseFilename) or os.path.isfile(self.baseFilename)
        if not self._regular:
            return False
        if self.stream is None:
            self.stream = self._open()
        if self.maxBytes > 0:
            written = 6 * (len(line) + len(self.terminator))  # at most: UTF-8, a lone surrogate as \udcXX
            if written > self._room:
                self.stream.seek(0, 2)
                self._room = self.maxBytes - self.stream.tell()
                if len(line) + len(self.terminator) >= self._room:
                    self._room = -1  # the new file is measured at the next line
                    return True
            self._room -= written
        return False


class RunLog:
    """Log one command run. Use as a context manager: the run line is written on exit, with the
    exit code taken from how the block ended (normal end, typer.Exit, VwuError, a bug)."""

    def __init__(
        self,
        workspace: Path,
        command: str,
        *,
        max_bytes: int = DEFAULT_LOG_MAX_BYTES,
        backups: int = DEFAULT_LOG_BACKUPS,
        create: bool = False,
        record: bool = False,
    ):
        self.path = Path(workspace) / LOG_NAME
        self.command = command
        self.max_bytes = max_bytes
        self.backups = backups
        self.create = create  # make the workspace folder if missing (ingest); else log only into an existing one
        self.counts: dict[str, Any] = {}
        self.exit_code: int | None = None
        self._handler: _Handler | None = None
        self._started = time.monotonic()
        self.record = record  # also a row in the store's runs table (report, targets: no run row of their own)
        self._started_at = ""
        self._second, self._stamp = -1, ""
        self._pid = os.getpid()  # a system call each time it is asked: once, not once a line

    # -- lines ----------------------------------------------------------------------------

    def file(self, result: FileResult) -> None:
        parts = [f"file {result.status}", _quoted(result.path)]
        if result.unit_code:
            parts.append(f"unit={result.unit_code}")
        if result.period:
            parts.append(f"period={result.period}")
        parts.append(f"rows={result.rows} errors={len(result.errors)} warnings={len(result.warnings)}")
        if result.errors:
            parts.append(f"first_error={result.errors[0].code}")
        self._write(" ".join(parts))

    def run(self, exit_code: int, error: str | None = None) -> None:
        counts = " ".join(f"{k}={_plain(v)}" for k, v in self.counts.items())
        line = f"run exit={exit_code}" + (f" {counts}" if counts else "")
        line += f" duration={time.monotonic() - self._started:.1f}s"
        if error:
            line += " error=" + _quoted(" ".join(error.split())[:300])
        self._write(line)

    # -- context --------------------------------------------------------------------------

    def __enter__(self) -> RunLog:
        from vwu_pipeline.store.db import now

        self._started = time.monotonic()
        self._started_at = now()
        return self

    def __exit__(self, kind: type | None, error: BaseException | None, tb: Any) -> None:
        message = None
        if error is None:
            code = self.exit_code or 0
        elif isinstance(error, KeyboardInterrupt):
            code, message = EXIT_INTERRUPTED, "interrupted"
        elif isinstance(error, SystemExit):
            code = error.code if isinstance(error.code, int) else 1
        elif isinstance(getattr(error, "exit_code", None), int):  # VwuError, typer.Exit
            code = error.exit_code
            # cli.run_command turns a VwuError into typer.Exit: its message is the context
            cause = error if type(error).__name__ != "Exit" else error.__context__
            if isinstance(cause, Exception) and isinstance(getattr(cause, "exit_code", None), int) and str(cause):
                message = str(cause).splitlines()[0]
        else:
            code, message = EXIT_BUG, f"{type(error).__name__}: {error}"
        if code == 0 and self.exit_code:
            code = self.exit_code
        self.run(code, message)
        self.close()
        if self.record:
            self._record(code, message)

    def _record(self, code: int, message: str | None) -> None:
        """The run in the store too, so `vwu status` lists it; skipped when there is no store
        yet or this user may not write it (a reader's report still works)."""
        import sqlite3

        from vwu_pipeline.core.errors import VwuError
        from vwu_pipeline.store.db import DB_NAME, Store, _not_writable

        path = self.path.parent / DB_NAME
        if not path.exists() or _not_writable(path):
            return
        try:
            store = Store.open(self.path.parent, create=False)
        except (VwuError, sqlite3.Error, OSError):
            return
        try:
            counts = {k: v for k, v in self.counts.items() if isinstance(v, (int, float, str, list))}
            store.record_run(self.command, self._started_at, counts, code, message)
        except (sqlite3.Error, OSError):
            pass
        finally:
            store.close()

    def close(self) -> None:
        if self._handler is not None:
            self._handler.close()
            self._handler = None

    def _write(self, text: str) -> None:
        handler = self._open()
        if handler is None:
            return
        second = int(time.time())
        if second != self._second:  # one stamp a second: a run writes hundreds of lines in one
            self._second, self._stamp = second, datetime.fromtimestamp(second).astimezone().isoformat(timespec="seconds")
        handler.write_line(f"{self._stamp} vwu[{self._pid}] {self.command}: {text}")

    def _open(self) -> _Handler | None:
        if self._handler is None:
            if not self.path.parent.is_dir():
                if not self.create:
                    return None
                try:
                    self.path.parent.mkdir(parents=True, exist_ok=True)
                except OSError:
                    return None
            self._handler = _Handler(
                self.path,
                maxBytes=self.max_bytes,
                backupCount=self.backups,
                encoding="utf-8",
                delay=True,
                errors="backslashreplace",
            )
            self._handler.setFormatter(logging.Formatter("%(message)s"))
        return self._handler


def _quoted(text: str) -> str:
    return json.dumps(str(text), ensure_ascii=False)


def _plain(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, tuple)):
        return ",".join(map(str, value))
    return str(value).replace(" ", "_")
