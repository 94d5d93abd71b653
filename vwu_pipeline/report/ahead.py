"""The figures of an aggregation read ahead: SQLite joins a year's figures (≈ 0.15 s a national
year) on a connection of its own, in a thread, while the main thread imports pandas and numpy
(≈ 0.3 s) and loads the catalogue. SQLite runs without Python's lock, so on a machine with a
second core the two overlap; on one core nothing is lost but a thread.

This module imports neither pandas nor numpy: `vwu aggregate` starts the reading before it
imports the roll-up. The rows read ahead are taken only when their connection saw the data
version the aggregation's own snapshot sees (`Store.data_version`, the same test that tells a
stored aggregation stale) and the store's schema version; otherwise, or when the thread failed,
the aggregation reads its figures itself as before. Writers hold the workspace lock, so the
two snapshots see the same store in practice; the version test makes sure of it.
"""

from __future__ import annotations

import queue
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

from vwu_pipeline.core.periods import Period
from vwu_pipeline.store import migrations
from vwu_pipeline.store.db import DB_NAME, Store

# Items held between the thread and the roll-up, most of them chunks of ≈ 2,000 submissions
# (≈ 120,000 figures as text, ≈ 4.5 MB): a bound on memory at 10× national data, and room for
# two national years (version, then per year its start, two chunks and its end: 9 items).
AHEAD = 10
_WAIT = 0.05  # seconds between looks at the stop flag while the queue is full


class AheadFailed(Exception):
    """The thread could not read what it was to read: the caller reads it itself."""


class FiguresAhead:
    """The figures of a period and of the same part of the year before, read ahead in the order
    the roll-up asks for them (for a part of a year, only the submissions inside it)."""

    def __init__(self, workspace: Path, period: Period):
        self.parts = (period, period.previous())
        self._queue: queue.Queue = queue.Queue(maxsize=AHEAD)
        self._stop = threading.Event()
        self._version: int | None = None
        self._usable = True
        self._thread = threading.Thread(target=self._read, args=(Path(workspace) / DB_NAME,), name="vwu-figures-ahead", daemon=True)
        self._thread.start()

    # -- the reading thread ---------------------------------------------------------------

    def _put(self, item: tuple) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=_WAIT)
                return True
            except queue.Full:
                continue
        return False

    def _read(self, path: Path) -> None:
        db = None
        try:
            # read-only, and never creating a store: a missing one is for the main thread to tell
            db = sqlite3.connect(f"file:{quote(str(path.absolute()))}?mode=ro", uri=True, timeout=30, isolation_level=None)
            db.execute("BEGIN")
            if migrations.version(db) != migrations.SCHEMA_VERSION:
                raise AheadFailed("the store is to be migrated first")
            reader = Store(db, path)
            if not self._put(("version", reader.data_version(self.parts[0].year))):
                return
            for part in self.parts:
                year, periods = part.year, periods_inside(reader, part)
                if not self._put(("year", (year, periods))):
                    return
                for groups in reader.grouped_figures(year, periods):
                    if not self._put(("groups", groups)):
                        return
                if not self._put(("end", (year, periods))):
                    return
        except BaseException as error:  # told to the main thread, which then reads itself
            self._put(("failed", error))
        finally:
            if db is not None:
                try:
                    db.close()
                except sqlite3.Error:
                    pass

    # -- the main thread ------------------------------------------------------------------

    def _next(self) -> tuple:
        kind, value = self._queue.get()
        if kind == "failed":
            self._usable = False
            raise AheadFailed(str(value))
        return kind, value

    def grouped(self, year: int, data_version: int, periods: tuple[str, ...] | None) -> Iterator[list[tuple]] | None:
        """The rows of `Store.grouped_figures(year, periods)` as read ahead, or None when they
        cannot be taken (another data version, another read next, or the thread failed).
        Iterating may raise `AheadFailed`: the caller then reads the year itself."""
        if not self._usable:
            return None
        try:
            if self._version is None:
                kind, self._version = self._next()
            if self._version != data_version or self._next() != ("year", (year, periods)):
                self.close()
                return None
        except AheadFailed:
            return None
        return self._groups((year, periods))

    def _groups(self, read: tuple) -> Iterator[list[tuple]]:
        try:
            while (item := self._next())[0] == "groups":
                yield item[1]
            if item != ("end", read):
                raise AheadFailed(f"figures of {read[0]} ended with {item[0]}")
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        """Stop the thread (it ends after at most one more chunk) and wait for it."""
        self._usable = False
        self._stop.set()
        self._thread.join()


def periods_inside(store: Store, period: Period) -> tuple[str, ...] | None:
    """The periods of the year's current submissions inside `period` (None for the year: all):
    Q1 and Q2 files for H1, never the year's own file (report/arrays.py `within`)."""
    if period.is_year:
        return None
    return tuple(code for code in store.current_periods(period.year) if period.contains(code))


def figures_frame(store: Store, period: Period, data_version: int, ahead: FiguresAhead | None) -> object:
    """The figures of the submissions inside `period` (`Store.figures_frame`), from the rows
    read ahead when they can be taken."""
    periods = periods_inside(store, period)
    grouped = ahead.grouped(period.year, data_version, periods) if ahead is not None else None
    if grouped is not None:
        try:
            return store.figures_frame(period.year, grouped, periods)
        except AheadFailed:
            pass
    return store.figures_frame(period.year) if periods is None else store.figures_frame(period.year, None, periods)
