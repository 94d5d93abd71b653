"""The store: one SQLite file in the workspace folder.

Each accepted submission is written in one transaction with its provenance; a newer
file for the same unit, period and indicator replaces the older one in the figures and
keeps it in history; a refused file leaves only its error report. WAL mode lets readers
(report, status) work while an ingest writes.
"""

from __future__ import annotations

import errno
import json
import os
import shlex
import shutil
import sqlite3
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from functools import lru_cache
from itertools import accumulate, chain, repeat
from operator import add
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any

from vwu_pipeline.core.errors import EXIT_BUG, EXIT_INTERRUPTED, NoWorkspace, StoreError
from vwu_pipeline.core.messages import Said, said
from vwu_pipeline.core.problems import FileResult, Problem, readable
from vwu_pipeline.store import migrations
from vwu_pipeline.store.migrations import COLUMN_SEPARATOR, PackedFigures, figure_values, figures_digest, migrate

if TYPE_CHECKING:
    from vwu_pipeline.store.records import (
        FigureOrigin,
        StoredFile,
        StoredFileFate,
        StoredProblem,
        StoredRun,
        StoredSubmission,
        StoredTarget,
        StoredVersion,
    )

DB_NAME = "vwu.sqlite"
# One row per unit's row of a sheet (its columns packed: `migrations.pack_figures`), a quarter of
# the rows one per figure made: each row is a B-tree insert, an index entry and a foreign-key
# look-up.
_INSERT_FIGURES = (
    "INSERT INTO figures (submission_id, unit_code, unit_name, sheet, row, columns, vals, width) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
# A version of one indicator of a file, current until a newer one is stored.
_INSERT_SUBMISSION = (
    "INSERT INTO submissions (file_id, unit_code, year, period, indicator, current, ingested_at, tree, digest, version_key)"
    " VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?)"
)


def version_key(signed_on: str | None, modified: str, path: Path) -> str:
    """Which version of a unit's report is newer (DOMAIN.md, Submission rules): the date of
    its place-and-date line, else the file's modification time; then the modification time,
    then the name. Sorted as text: fixed-width dates first. The name without its suffix, so
    a browser's copy "467_x (1).xlsx" sorts after "467_x.xlsx"."""
    stem = path.stem if isinstance(path, PurePath) else Path(path).stem  # not a new Path for one already made
    return f"{signed_on or modified[:10]} {modified} {readable(stem)}"


def file_version_key(path: Path, signed_on: str | None, modified: str | None = None) -> str:
    """The version key of a file about to be stored (see version_key). `modified`: its
    modification time as `_modified` writes it, when the caller has it from its own stat."""
    return version_key(signed_on, modified or _modified(path, now()), path)


def _decided(older: tuple, newer: tuple) -> tuple[str, dict[str, Said]]:
    """What told two versions apart ("resave", "date", "mtime" or "name"), with words for the
    file line. Versions are as `Store.recompute` returns them."""
    old_key, old_signed, new_key, new_signed = older[5], older[4], newer[5], newer[4]
    if older[1] != old_key and new_key < old_key:  # a re-save made later, counting from its original's key
        return "resave", {"decided": said("decided.resave", resaved=older[2], original=older[6])}
    if old_signed and new_signed and old_signed != new_signed:
        return "date", {"decided": said("decided.date", newer=new_signed, older=old_signed)}
    if old_key[11:37] != new_key[11:37]:
        return "mtime", {"decided": said("decided.mtime")}
    return "name", {"decided": said("decided.name")}


def _modified(path: Path, fallback: str) -> str:
    """The file's modification time, local, to the microsecond (fixed width, sortable as text)."""
    try:
        stamp = Path(path).stat().st_mtime_ns
    except OSError:
        return datetime.fromisoformat(fallback).strftime("%Y-%m-%dT%H:%M:%S.%f")
    return modified_text(stamp)


def modified_text(mtime_ns: int) -> str:
    """A modification time (`st_mtime_ns`) as `_modified` writes it: the text of
    `strftime("%Y-%m-%dT%H:%M:%S.%f")` (the same for any year from 1000), made without parsing a
    format (a seventh of an unchanged re-ingest's time per file)."""
    return datetime.fromtimestamp(mtime_ns / 1e9).isoformat(timespec="microseconds")


def _size(path: Path) -> int | None:
    try:
        return Path(path).stat().st_size
    except OSError:
        return None


def _keyed(rows: Iterable[tuple]) -> list[tuple[str, str, float]]:
    """(unit code, column, value) of an indicator's figures, as a file holds them (unit code,
    unit name, sheet, row, column, value) or packed (`PackedFigures`)."""
    if isinstance(rows, PackedFigures):
        return rows.keyed()
    return [(code, column, float(value)) for code, _, _, _, column, value in rows]


def indicator_digest(rows: Iterable[tuple]) -> str:
    """migrations.figures_digest of one indicator's figures as a file holds them (unit code,
    unit name, sheet, row, column, value)."""
    return figures_digest(_keyed(rows))


def file_digest(figures: dict[str, Iterable[tuple]]) -> str:
    """The figures of a file, independent of sheet, row and name: an original re-saved by an
    office (new bytes, same figures) has the digest of the original. (Per indicator:
    migrations.figures_digest.) Ingest computes both in its reader processes (`save(digest=...,
    indicator_digests=...)`): one process stores every file, so what can be done beside the
    reading is."""
    import hashlib  # here, not at the top: OpenSSL's load is ≈ 2 ms of a command that stores nothing

    items = sorted((indicator, *item) for indicator, rows in figures.items() for item in _keyed(rows))
    return hashlib.sha256(repr(items).encode()).hexdigest()


def figures_digests(figures: dict[str, Iterable[tuple]]) -> tuple[str, dict[str, str]]:
    """`file_digest(figures)` and `indicator_digest(rows)` of each indicator, the same texts
    hashed, both made from the pieces of each indicator's sorted figures (ingest's readers
    compute them per file): the file's sorted list is each indicator's sorted list in turn,
    indicators in name order, every item with its indicator in front."""
    import hashlib

    parts: list[str] = []
    digests: dict[str, str] = {}
    for indicator in sorted(figures):
        pieces = _sorted_pieces(figures[indicator])
        if not pieces:
            digests[indicator] = hashlib.sha256(b"[]").hexdigest()
            continue
        pieces[-1] = ")]"
        digests[indicator] = hashlib.sha256(f"[({''.join(pieces)}".encode()).hexdigest()
        head = f"({indicator!r}, "
        pieces[3::4] = repeat("), " + head, len(pieces) // 4)  # the ends of the items: the next begins with the indicator
        pieces[-1] = ")"
        parts.append(head + "".join(pieces))
    return hashlib.sha256(f"[{', '.join(parts)}]".encode()).hexdigest(), {indicator: digests[indicator] for indicator in figures}


def _sorted_pieces(rows: Iterable[tuple]) -> list[str]:
    """The items of `sorted(_keyed(rows))` as four pieces of text each: the code's repr,
    ", 'column', ", the value's repr and "), (". Joined between "[(" and ")]" (the last piece
    left out), they are the sorted list's repr, which `indicator_digest` hashes."""
    made = _packed_pieces(rows.rows) if isinstance(rows, PackedFigures) else None
    if made is not None:
        return made
    items = sorted(_keyed(rows))
    if not items:
        return []
    codes, columns, values = zip(*items)
    return list(chain.from_iterable(zip(map(repr, codes), map(", {!r}, ".format, columns), map(repr, values), repeat("), ("))))


def _packed_pieces(rows: list[tuple]) -> list[str] | None:
    """`_sorted_pieces` of packed figures, made from whole rows instead of a tuple per figure
    sorted and written one by one (≈ 4 figures a row): when no unit code is on two rows and no
    row names a column twice, a row's figures come together, in its columns' name order, the
    rows in code order. None otherwise: `_sorted_pieces` sorts the figures themselves. (A row's
    width is its columns' count, as `pack_figures` and `PackedFigures.of_rows` make them.)"""
    if not rows:
        return []
    codes = [row[0] for row in rows]
    if len(set(codes)) < len(codes):
        return None
    values = list(map(repr, figure_values(b"".join([row[5] for row in rows]))))
    order = sorted(range(len(rows)), key=codes.__getitem__)
    layouts = [row[4] for row in rows]
    if layouts.count(layouts[0]) == len(layouts):  # no empty cell: every row has every column
        layout = _row_layout(layouts[0])
        if layout is None:
            return None
        code_texts = list(map(repr, map(codes.__getitem__, order)))
        pieces: list[Iterable[str]] = []
        for place, between in layout:
            in_rows = values[place :: len(layout)]
            pieces += (code_texts, repeat(between), map(in_rows.__getitem__, order), repeat("), ("))
        return list(chain.from_iterable(zip(*pieces)))
    starts = list(accumulate([row[6] for row in rows], initial=0))
    by_layout: dict[str, list[int]] = {}
    for i in order:
        by_layout.setdefault(layouts[i], []).append(i)
    row_pieces: dict[int, tuple[str, ...]] = {}  # each row's, by its index
    for columns, members in by_layout.items():
        layout = _row_layout(columns)
        if layout is None:
            return None
        code_texts = list(map(repr, map(codes.__getitem__, members)))
        firsts = list(map(starts.__getitem__, members))
        pieces = []
        for place, between in layout:
            pieces += (code_texts, repeat(between), map(values.__getitem__, map(add, firsts, repeat(place))), repeat("), ("))
        row_pieces.update(zip(members, zip(*pieces)))
    return list(chain.from_iterable(map(row_pieces.__getitem__, order)))


@lru_cache(maxsize=1024)
def _row_layout(columns: str) -> tuple[tuple[int, str], ...] | None:
    """For a row of packed figures with these columns: each column's place in the row and its
    text between code and value, in name order; None when a name repeats (its figures would
    sort by value)."""
    names = columns.split(COLUMN_SEPARATOR)
    if len(set(names)) < len(names):
        return None
    return tuple((place, f", {names[place]!r}, ") for place in sorted(range(len(names)), key=names.__getitem__))


def now() -> str:
    return datetime.now(UTC).astimezone().isoformat(timespec="seconds")


def as_store_error(exc: BaseException, workspace: Path | None = None) -> StoreError | None:
    """A database failure met in the middle of a run as a StoreError an officer can act on;
    None for anything else. Looks through the chain, since pandas wraps sqlite3's errors.

    "Corrupt", and the advice to move the file away, only when `PRAGMA quick_check` says so:
    moving the store loses the targets, the run history and the refusal reports, which ingest
    does not rebuild. A full disk, a file-size limit, a read-only workspace, a deleted WAL and
    a schema this vwu does not know each get their own message."""
    seen: BaseException | None = exc
    for _ in range(10):
        if seen is None or isinstance(seen, sqlite3.DatabaseError):
            break
        seen = seen.__cause__ or seen.__context__
    if not isinstance(seen, sqlite3.DatabaseError):
        return None
    return store_error(seen, Path(workspace) / DB_NAME if workspace is not None else None)


def store_error(exc: sqlite3.DatabaseError | OSError, path: Path | None) -> StoreError:
    text = str(exc)
    lowered = text.lower()
    shown = path or Path(DB_NAME)
    if "locked" in lowered or "busy" in lowered:
        return StoreError("error.store-busy", path=shown, reason=text)
    if "readonly" in lowered or "read-only" in lowered or isinstance(exc, PermissionError) or _not_writable(path):
        return StoreError("error.store-read-only", folder=shown.parent, user=_user(), reason=text)
    # a write refused by `ulimit -f` is an I/O error to SQLite (EFBIG), not "disk is full"
    if "full" in lowered or getattr(exc, "errno", None) in (errno.ENOSPC, errno.EFBIG) or ("i/o" in lowered and _at_size_limit(path)):
        if _file_size_limited(path):
            return StoreError("error.store-file-size", path=shown, limit=_fsize_limit())
        return StoreError("error.store-full", path=shown, reason=text)
    if _wal_lost(path):
        return StoreError("error.store-wal-deleted", name=path.name, reason=text)
    if "no such column" in lowered or "no such table" in lowered:
        return StoreError("error.store-structure", path=shown, reason=text)
    check = quick_check(path) if path is not None else None
    if check is not None and check != "ok":
        return StoreError("error.store-corrupt", path=shown, check=check)
    return StoreError("error.store-other", path=shown, reason=text)


def no_workspace(workspace: Path) -> NoWorkspace:
    return NoWorkspace("error.no-workspace", workspace=workspace)


def _open_read_only(path: Path) -> sqlite3.Connection:
    """A reader's connection for a user who cannot write the workspace.

    In WAL mode even a read-only connection needs the -shm and -wal side files: it can use
    them read-only when a writer has them open (they exist), but cannot create them. When
    they do not exist no writer is running (the last connection to close removes them), so
    the file alone is the whole database and is opened as immutable."""
    uri = f"file:{path.absolute()}"
    try:
        db = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=30, isolation_level=None)
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.OperationalError:
        if Path(f"{path}-wal").exists():
            raise
        db = sqlite3.connect(f"{uri}?immutable=1", uri=True, timeout=30, isolation_level=None)
    current = migrations.version(db)
    if current != migrations.SCHEMA_VERSION:
        db.close()
        raise StoreError("error.store-upgrade-read-only", path=path, found=current, known=migrations.SCHEMA_VERSION, user=_user())
    return db


def quick_check(path: Path) -> str | None:
    """`PRAGMA quick_check` on a connection of its own: "ok", the first problem, or None when
    the file cannot be opened at all."""
    if not Path(path).exists():
        return None
    try:
        db = sqlite3.connect(f"file:{Path(path).absolute()}?mode=ro", uri=True, timeout=5)
        try:
            (result,) = db.execute("PRAGMA quick_check(1)").fetchone()
            return str(result)
        finally:
            db.close()
    except sqlite3.DatabaseError as exc:
        text = str(exc)
        return text if "not a database" in text or "malformed" in text else None


def _wal_lost(path: Path | None) -> bool:
    """The write-ahead log was deleted (or cut short) while a connection still used it: the
    shared-memory index says it holds frames that the -wal file no longer has. (SQLite recreates
    an empty -wal when the next connection opens, so its mere absence is not the sign.)"""
    if path is None:
        return False
    try:
        with open(f"{path}-shm", "rb") as shm:
            header = shm.read(24)  # the WAL index header (wal.c, WalIndexHdr), in native byte order
    except OSError:
        return False
    if len(header) < 24:
        return False
    page = int.from_bytes(header[14:16], sys.byteorder)
    page = 65536 if page == 1 else page
    frames = int.from_bytes(header[16:20], sys.byteorder)
    if frames == 0 or page < 512:
        return False
    wal = Path(f"{path}-wal")
    size = wal.stat().st_size if wal.exists() else 0
    return size < 32 + frames * (page + 24)


def _not_writable(path: Path | None) -> bool:
    if path is None:
        return False
    folder = Path(path).parent
    return folder.is_dir() and not os.access(folder, os.W_OK) or (Path(path).exists() and not os.access(path, os.W_OK))


def _fsize_limit() -> int | None:
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_FSIZE)
        return None if soft == resource.RLIM_INFINITY else soft
    except (ImportError, ValueError, OSError):
        return None


def _at_size_limit(path: Path | None) -> bool:
    """The store, its WAL or its shared-memory file has (nearly) reached the process's file-size limit."""
    limit = _fsize_limit()
    if limit is None or path is None:
        return False
    files = (Path(path), Path(f"{path}-wal"), Path(f"{path}-shm"))
    return any(p.stat().st_size + 65536 >= limit for p in files if p.exists())


def _file_size_limited(path: Path | None) -> bool:
    """The store (or its WAL) reached the process's file-size limit (ulimit -f), not a full disk."""
    limit = _fsize_limit()
    if limit is None or path is None:
        return False
    sizes = [p.stat().st_size for p in (Path(path), Path(f"{path}-wal")) if p.exists()]
    return any(size + 65536 >= limit for size in sizes) or _disk_has_room(Path(path).parent)


def _disk_has_room(folder: Path) -> bool:
    try:
        return shutil.disk_usage(folder).free > 64 * 1024**2
    except OSError:
        return False


def current_user() -> str:
    """Who runs vwu (recorded with a withdrawal)."""
    return _user()


def _user() -> str:
    try:
        import pwd

        return pwd.getpwuid(os.geteuid()).pw_name
    except (ImportError, KeyError, OSError):
        return os.environ.get("USER", "?")


class Store:
    """The workspace database. Open with `Store.open(workspace)`; a context manager closes it."""

    def __init__(self, connection: sqlite3.Connection, path: Path):
        self.db = connection
        self.path = path
        self._in_batch = False

    @classmethod
    def open(cls, workspace: Path, create: bool = True, write: bool = True) -> Store:
        """The workspace's store. `create=False`: a missing store is `NoWorkspace` (exit 2).
        `write=False` (status, report without re-aggregation): a user who may read the
        workspace but not write it gets a read-only connection (see `_open_read_only`)."""
        path = Path(workspace) / DB_NAME
        if not create and not path.exists():
            raise no_workspace(Path(workspace))
        if not write and _not_writable(path):
            return cls(_open_read_only(path), path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(path, timeout=30, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA foreign_keys=ON")
            migrate(db, path)
        except StoreError:
            raise
        except (sqlite3.DatabaseError, OSError) as exc:
            raise store_error(exc, path) from exc
        store = cls(db, path)
        cls.opened(store)
        return store

    @staticmethod
    def opened(store: Store) -> None:
        """Called with each store opened for writing: nothing. A test replaces it to give the
        store a disk that fills up (`limit_growth`) in the middle of a real run."""

    def limit_growth(self, pages: int) -> None:
        """Let the file grow by at most `pages` more pages (SQLite's max_page_count): SQLite then
        fails with its own "database or disk is full", as on a disk with that much room left."""
        (count,) = self.db.execute("PRAGMA page_count").fetchone()
        self.db.execute(f"PRAGMA max_page_count = {count + pages}")

    @property
    def schema_version(self) -> int:
        return migrations.version(self.db)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """All or nothing: a crash inside leaves the store as it was before. Inside `batch()`, a
        savepoint: a failure undoes this transaction's writes only."""
        if self._in_batch:
            with self._savepoint():
                yield self.db
            return
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            # SQLite may have rolled back already (a full disk does): a failing ROLLBACK must
            # not hide the error that matters
            with suppress(sqlite3.Error):
                self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    @contextmanager
    def _savepoint(self) -> Iterator[None]:
        self.db.execute("SAVEPOINT one_of_a_batch")
        try:
            yield
        except BaseException:
            with suppress(sqlite3.Error):  # SQLite may have rolled back the whole batch already
                self.db.execute("ROLLBACK TO one_of_a_batch")
                self.db.execute("RELEASE one_of_a_batch")
            raise
        self.db.execute("RELEASE one_of_a_batch")

    @contextmanager
    def batch(self) -> Iterator[None]:
        """The transactions inside (ingest: each file's `save`) committed together, each still
        all or nothing. One commit a file wrote the pages it touched (the figures', the indexes')
        to the WAL once per file: 24,600 page writes for a national first ingest instead of 7,300.
        When one fails, those before it are committed, then the failure goes on, as it would have
        had each been committed alone; a crash loses the batch under way (whose files nobody has
        been told are stored: ingest tells after the batch), never half a file."""
        self.db.execute("BEGIN IMMEDIATE")
        self._in_batch = True
        try:
            yield
        except BaseException:
            with suppress(sqlite3.Error):  # a full disk: SQLite has rolled back, nothing to commit
                self.db.execute("COMMIT")
            raise
        finally:
            self._in_batch = False
        self.db.execute("COMMIT")

    @contextmanager
    def snapshot(self) -> Iterator[sqlite3.Connection]:
        """Several reads that see one state of the store: a read transaction (in WAL mode a
        writer may commit meanwhile; these reads do not see it). Figures and the version they
        are stamped with must come from the same snapshot."""
        self.db.execute("BEGIN")
        try:
            yield self.db
        finally:
            self.db.execute("COMMIT")

    # -- ingest ---------------------------------------------------------------------------

    def accepted_versions(self) -> dict[str, list[tuple[int, str, str | None, str | None]]]:
        """sha256 -> (id, name, signed_on, version_key) of each accepted file with those bytes:
        read once per run, so that a file seen again costs no query (`seen_again`)."""
        versions: dict[str, list[tuple[int, str, str | None, str | None]]] = {}
        for sha, *version in self.db.execute("SELECT sha256, id, name, signed_on, version_key FROM files WHERE status = 'accepted'"):
            versions.setdefault(sha, []).append(tuple(version))
        return versions

    def file_stats(self) -> dict[str, tuple[int, int, int, int, int, str]]:
        """path -> (size, mtime_ns, ctime_ns, inode, device, sha256) recorded when the file was hashed."""
        return {
            path: tuple(rest)
            for path, *rest in self.db.execute("SELECT path, size, mtime_ns, ctime_ns, inode, device, sha256 FROM file_stats")
        }

    def record_file_stats(self, rows: list[tuple[str, int, int, int, int, int, str]]) -> None:
        """(path, size, mtime_ns, ctime_ns, inode, device, sha256) of files hashed in this run."""
        if rows:
            with self.transaction() as db:
                db.executemany("INSERT OR REPLACE INTO file_stats VALUES (?, ?, ?, ?, ?, ?, ?)", rows)

    def refused_feedback(self) -> dict[str, str | None]:
        """sha256 -> feedback copy of the files refused before: seen again unchanged, they get no new one."""
        return dict(self.db.execute("SELECT sha256, feedback FROM files WHERE status = 'refused'").fetchall())

    def save(
        self,
        result: FileResult,
        path: Path,
        year: int | None,
        figures: dict[str, Iterable[tuple]],
        *,
        signed_on: str | None = None,
        run_id: int | None = None,
        force: bool = False,
        digest: str | None = None,
        indicator_digests: dict[str, str] | None = None,
        modified: str | None = None,
        size: int | None = None,
    ) -> str:
        """Store one file: its figures if accepted, only its report if refused.

        `figures`: indicator -> its figures as the file holds them (unit code, unit name, sheet,
        row, column, value), or already packed (`PackedFigures`, as ingest's readers send them).
        Returns what became of it: "refused", "accepted", "replaced" (it is the newest version
        of at least one of its indicators and an older one existed) or "skipped" (an original
        re-saved after its correction: its figures equal a version already replaced; `force`
        stores it anyway). Warnings about versions are added to `result.problems` first.
        `digest`, `indicator_digests`: `file_digest(figures)` and `indicator_digest(rows)` per
        indicator, when the caller has them already. `modified`, `size`: the file's modification
        time (as `modified_text` writes it) and size from the caller's stat (the one made when
        the file was hashed), else the file is asked.
        """
        stamp = now()
        if modified is None:
            modified = _modified(path, stamp)
        if size is None:
            size = _size(path)
        key = version_key(signed_on, modified, path)
        with self.transaction() as db:
            digest = (digest or file_digest(figures)) if result.valid else None
            if result.valid and not force:
                original = self._replaced_original(digest, result, key)
                if original is not None:
                    result.problems.append(original)
                    return "skipped"
            # What is stored with these bytes already, in one look-up: nothing, for every file
            # of a first ingest.
            stored = {status for (status,) in db.execute("SELECT DISTINCT status FROM files WHERE sha256 = ?", (result.sha256,))}
            if "refused" in stored:
                # A file refused before and seen again keeps only its newest report.
                db.execute(
                    "DELETE FROM problems WHERE file_id IN (SELECT id FROM files WHERE sha256 = ? AND status = 'refused')", (result.sha256,)
                )
                db.execute("DELETE FROM files WHERE sha256 = ? AND status = 'refused'", (result.sha256,))
            file_id = db.execute(
                "INSERT INTO files (sha256, name, path, size, status, unit_code, period, year, rows, ingested_at, feedback, tree, indicators,"
                " signed_on, modified, version_key, digest, run_id, on_purpose)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    result.sha256,
                    readable(path.name),  # a legacy code-page name: see problems.readable
                    readable(str(path)),
                    size,
                    "accepted" if result.valid else "refused",
                    result.unit_code,
                    result.period,
                    year,
                    result.rows,
                    stamp,
                    result.feedback,
                    result.tree,
                    ",".join(result.indicators),
                    signed_on,
                    modified,
                    key,
                    digest,
                    run_id,
                    int(force and result.valid),
                ),
            ).lastrowid
            outcome = "refused"
            if result.valid:
                outcome = "accepted"
                if "accepted" in stored:
                    self._take_place_of_stored_copy(result.sha256, file_id)
                packed = {indicator: PackedFigures.of(rows) for indicator, rows in figures.items()}
                # A unit with nothing stored yet (every file of a first ingest): its figures are
                # the first version of each indicator, with no earlier rows to compare against.
                if db.execute("SELECT 1 FROM submissions WHERE unit_code = ? LIMIT 1", (result.unit_code,)).fetchone() is None:
                    self._store_first_versions(file_id, key, result, year, packed, stamp, indicator_digests or {})
                else:
                    for indicator, rows in packed.items():
                        digest_of = (indicator_digests or {}).get(indicator)
                        if self._store_version(file_id, key, result, year, indicator, rows, stamp, run_id, digest_of):
                            outcome = "replaced"
            if result.problems:
                db.executemany(
                    "INSERT INTO problems (file_id, code, severity, sheet, row, column, column_index, value, message_vi, message_en)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        (
                            file_id,
                            p.code,
                            p.severity,
                            p.sheet,
                            p.row,
                            p.column,
                            p.column_index,
                            None if p.value is None else str(p.value),
                            p.message("vi"),
                            p.message("en"),
                        )
                        for p in result.problems
                    ],
                )
        return outcome

    def _take_place_of_stored_copy(self, sha256: str | None, file_id: int) -> None:
        """`vwu ingest --force` reads again files whose bytes are stored: the new row takes the
        place of the old one (its withdrawals and withdrawn state with it) and the old one's
        figures go, so each content is stored once and `vwu withdraw` still finds one file."""
        db = self.db
        old = [i for (i,) in db.execute("SELECT id FROM files WHERE sha256 = ? AND status = 'accepted' AND id != ?", (sha256, file_id))]
        if not old:
            return
        marks = ",".join("?" * len(old))
        submissions = f"SELECT id FROM submissions WHERE file_id IN ({marks})"
        # its withdrawal state, and its count of lowered keys, which data_version adds up
        withdrawn, rekeyed = db.execute(f"SELECT max(withdrawn), sum(rekeyed) FROM files WHERE id IN ({marks})", old).fetchone()
        db.execute(f"UPDATE submissions SET replaced_by = NULL WHERE replaced_by IN ({submissions})", old)
        db.execute(f"DELETE FROM figures WHERE submission_id IN ({submissions})", old)
        db.execute(f"DELETE FROM submissions WHERE file_id IN ({marks})", old)
        db.execute(f"DELETE FROM problems WHERE file_id IN ({marks})", old)
        db.execute(f"UPDATE withdrawals SET file_id = ? WHERE file_id IN ({marks})", [file_id, *old])
        db.execute(f"DELETE FROM files WHERE id IN ({marks})", old)
        db.execute("UPDATE files SET withdrawn = ?, rekeyed = ? WHERE id = ?", (withdrawn, rekeyed, file_id))

    def _replaced_original(self, digest: str | None, result: FileResult, key: str) -> Problem | None:
        """A warning when an older stored file with the same figures has had figures replaced by
        a newer version: this file is that original re-saved, and must not undo its correction.
        A file older than every stored one with its figures is the original itself, arriving
        late: it is stored, so that its figures count from its own, older key (Store.recompute)."""
        row = self.db.execute(
            "SELECT f.id, f.name FROM files f WHERE f.digest = ? AND f.status = 'accepted' AND f.withdrawn = 0 AND f.version_key <= ?"
            " AND f.sha256 IS NOT ?"  # the same bytes read again (--force) are not a re-save of themselves
            " AND f.unit_code IS ? AND f.period IS ?"  # a re-save is of the same unit's report for the same period
            " AND EXISTS (SELECT 1 FROM submissions s JOIN figures g ON g.submission_id = s.id"
            "             WHERE s.file_id = f.id AND g.current = 0)"
            " ORDER BY f.version_key DESC LIMIT 1",
            (digest, key, result.sha256, result.unit_code, result.period),
        ).fetchone()
        if row is None:
            return None
        original_id, original = row
        (successor,) = self.db.execute(
            "SELECT n.name FROM submissions s JOIN submissions c ON c.unit_code = s.unit_code AND c.period = s.period"
            " AND c.indicator = s.indicator AND c.current = 1 JOIN files n ON n.id = c.file_id"
            " WHERE s.file_id = ? AND c.file_id != ? ORDER BY n.version_key DESC LIMIT 1",
            (original_id, original_id),
        ).fetchone() or ("?",)
        name = Path(result.path).name
        return Problem(
            "resaved-original", "warning", name, params={"original": original, "successor": successor, "file": shlex.quote(result.path)}
        )

    def _store_first_versions(
        self,
        file_id: int,
        key: str,
        result: FileResult,
        year: int | None,
        figures: dict[str, PackedFigures],
        stamp: str,
        digests: dict[str, str],
    ) -> None:
        """The figures of a unit with nothing stored yet (every file of a first ingest): each
        indicator's are its first version, every figure counts, and there is nothing to compare
        or warn about. The submissions inserted as `_store_version` does, in the same order, and
        all their figures by one statement."""
        db = self.db
        unit, period, tree = result.unit_code, result.period, result.tree
        rows: list[tuple] = []
        for indicator, figures_of in figures.items():
            submission_id = db.execute(
                _INSERT_SUBMISSION,
                (file_id, unit, year, period, indicator, stamp, tree, digests.get(indicator) or indicator_digest(figures_of), key),
            ).lastrowid
            rows += [(submission_id, *row) for row in figures_of.rows]
        db.executemany(_INSERT_FIGURES, rows)

    def _store_version(
        self,
        file_id: int,
        key: str,
        result: FileResult,
        year: int | None,
        indicator: str,
        figures: PackedFigures,
        stamp: str,
        run_id: int | None,
        digest: str | None = None,
    ) -> bool:
        """Insert one indicator's figures as a version of a unit that has others stored,
        recompute which figures count, and say so in the file's warnings. True when it is the
        newest version and replaced an older one."""
        db = self.db
        unit, period, tree = result.unit_code, result.period, result.tree
        before = dict(
            db.execute(
                "SELECT g.unit_code, max(g.unit_name) FROM submissions s JOIN figures g ON g.submission_id = s.id"
                " JOIN files f ON f.id = s.file_id"
                " WHERE s.unit_code = ? AND s.period = ? AND s.indicator = ? AND g.current = 1 AND f.withdrawn = 0 AND (s.tree IS ? OR s.tree IS NULL OR ? IS NULL)"
                " GROUP BY g.unit_code",
                (unit, period, indicator, tree, tree),
            ).fetchall()
        )
        rows = list(figures)  # (unit code, unit name, sheet, row, column, value)
        digest = digest or indicator_digest(rows)
        submission_id = db.execute(
            _INSERT_SUBMISSION,
            (file_id, unit, year, period, indicator, stamp, tree, digest, key),
        ).lastrowid
        db.executemany(_INSERT_FIGURES, [(submission_id, *row) for row in figures.rows])
        if year is not None and period == str(year):
            self._part_year_rows_count(result, year, indicator, rows)
        elif year is not None and period:
            self._part_year_rows_beside_year(result, year, indicator, rows)
        if not before and not self._has_other_versions(unit, period, indicator, tree, submission_id):
            return False  # the first version: every figure counts as inserted
        versions = self.recompute(unit, period, indicator, tree)
        newest = versions[-1] if versions else None
        sheet = rows[0][2] if rows else None
        mine = next((v for v in versions if v[0] == submission_id), None)
        if mine is not None and any(v[7] != mine[7] and mine[1] < v[1] < mine[5] for v in versions):
            # its figures equal an older stored version's, and another version was made in
            # between: a re-save, counting from the older one's key, so the other stays newer
            result.problems.append(Problem("resaved-version", "warning", Path(result.path).name, sheet, params={"original": mine[6]}))
            return False
        if newest is not None and mine is not None and newest[0] != submission_id:
            _, words = _decided(mine, newest)
            result.problems.append(
                Problem(
                    "older-version",
                    "warning",
                    Path(result.path).name,
                    sheet,
                    params={"newer": newest[2], **words},
                )
            )
            return False
        older = [v for v in versions if v[0] != submission_id]
        if not older:
            return False
        previous = older[-1]
        kind, words = _decided(previous, versions[-1])
        if kind != "date" or (run_id is not None and previous[3] == run_id):
            # Two versions in one run, or times and names that decided: the file line says so.
            result.problems.append(
                Problem(
                    "newer-version",
                    "warning",
                    Path(result.path).name,
                    sheet,
                    params={"older": previous[2], **words},
                )
            )
        present = {figure[0] for figure in rows}
        kept = [code for code in before if code not in present]
        if kept:
            units = _unit_list({code: before[code] for code in kept})
            result.problems.append(
                Problem(
                    "kept-previous-rows",
                    "warning",
                    Path(result.path).name,
                    sheet,
                    params={"count": len(kept), "units": units},
                )
            )
        return True

    def _part_year_rows_count(self, result: FileResult, year: int, indicator: str, rows: list[tuple]) -> None:
        """A warning when a full-year file lacks communes that have figures in the same unit's
        part-year files of that year (6 tháng đầu năm...): a year is built from the longest periods
        each commune has, so their part-year figures still count in the year."""
        from vwu_pipeline.core.periods import Period

        found = self.db.execute(
            "SELECT s.period, g.unit_code, max(g.unit_name) FROM submissions s JOIN figures g ON g.submission_id = s.id"
            " JOIN files f ON f.id = s.file_id"
            " WHERE s.unit_code = ? AND s.year = ? AND s.indicator = ? AND s.period != ? AND g.current = 1 AND f.withdrawn = 0"
            " AND (s.tree IS ? OR s.tree IS NULL OR ? IS NULL) GROUP BY s.period, g.unit_code",
            (result.unit_code, year, indicator, str(year), result.tree, result.tree),
        ).fetchall()
        present = {figure[0] for figure in rows}
        lacking: dict[str, str] = {}
        periods: set[str] = set()
        for period, code, name in found:
            if code not in present:
                lacking[code] = name or lacking.get(code, "")
                periods.add(period)
        _warn_part_year_rows(result, lacking, rows, [Period(p) for p in sorted(periods)])

    def _part_year_rows_beside_year(self, result: FileResult, year: int, indicator: str, rows: list[tuple]) -> None:
        """The same warning the other way round: a part-year file arriving after the same unit's
        full-year file, with communes that file lacks. The year takes the longest period each
        commune has, so these part-year figures count in the year."""
        from vwu_pipeline.core.messages import MESSAGES
        from vwu_pipeline.core.periods import Period

        in_year = {
            code
            for (code,) in self.db.execute(
                "SELECT DISTINCT g.unit_code FROM submissions s JOIN figures g ON g.submission_id = s.id"
                " JOIN files f ON f.id = s.file_id"
                " WHERE s.unit_code = ? AND s.year = ? AND s.indicator = ? AND s.period = ? AND g.current = 1 AND f.withdrawn = 0"
                " AND (s.tree IS ? OR s.tree IS NULL OR ? IS NULL)",
                (result.unit_code, year, indicator, str(year), result.tree, result.tree),
            )
        }
        if not in_year:
            return  # no full-year file yet: the first half stands alone, as it should
        lacking: dict[str, str] = {}
        for figure in rows:
            if figure[0] not in in_year:
                lacking[figure[0]] = figure[1] or lacking.get(figure[0], "")
        _warn_part_year_rows(result, lacking, rows, [Period(result.period)], MESSAGES["part-year-rows-count.after-year"])

    def _has_other_versions(self, unit: str, period: str, indicator: str, tree: str | None, submission_id: int) -> bool:
        return (
            self.db.execute(
                "SELECT 1 FROM submissions s WHERE s.unit_code = ? AND s.period = ? AND s.indicator = ? AND s.id != ? AND (s.tree IS ? OR s.tree IS NULL OR ? IS NULL) LIMIT 1",
                (unit, period, indicator, submission_id, tree, tree),
            ).fetchone()
            is not None
        )

    def recompute(self, unit: str, period: str, indicator: str, tree: str | None = None) -> list[tuple]:
        """Decide which figures count for one unit, period and indicator (of one unit tree: the
        same code on the other tree is another unit), from all its stored versions in key order:
        for each commune, the newest version that has a row for it. Withdrawn files take no part.

        A version whose figures equal an older stored version's is that version saved again (an
        office re-saving its original, an identical copy): it counts from the OLDEST key among
        the versions with those figures, so it never overtakes a correction made in between,
        whatever the order in which they arrived; one applied on purpose (`vwu ingest --force
        FILE`) keeps its own key. Returns the live versions, oldest first, as (submission id,
        the key it counts from, file name, run id, signed_on, its own key, the name of the
        oldest version with its figures, the digest of its figures, its path)."""
        db = self.db
        subs = db.execute(
            "SELECT s.id, f.version_key, f.name, f.run_id, f.signed_on, f.withdrawn, s.digest, f.on_purpose, f.path"
            " FROM submissions s JOIN files f ON f.id = s.file_id"
            " WHERE s.unit_code = ? AND s.period = ? AND s.indicator = ? AND (s.tree IS ? OR s.tree IS NULL OR ? IS NULL)"
            " ORDER BY f.version_key, f.path, s.id",
            (unit, period, indicator, tree, tree),
        ).fetchall()
        oldest: dict[str, tuple[str, str]] = {}  # digest -> key and name of the oldest live version with it
        for sub in subs:
            if not sub[5] and sub[6] is not None:
                oldest.setdefault(sub[6], (sub[1], sub[2]))
        live = []
        for sid, key, name, run, signed, withdrawn, digest, on_purpose, path in subs:
            if withdrawn:
                continue
            start, original = (key, name) if on_purpose or digest is None else oldest[digest]
            live.append((sid, start, name, run, signed, key, original, digest, path))
        # Equal keys (the same name and file time in two folders): the path, then arrival, decides,
        # so that nightly runs in any order and a rebuild from the folders agree.
        live.sort(key=lambda version: (version[1], version[5], version[8], version[0]))
        counts_from = {version[0]: version[1] for version in live}
        ids = [sub[0] for sub in subs]
        rank = {sub[0]: position for position, sub in enumerate(live)}
        winner: dict[str, int] = {}
        marks = ",".join("?" * len(ids))
        for submission_id, code in db.execute(
            f"SELECT DISTINCT submission_id, unit_code FROM figures WHERE submission_id IN ({marks})", ids
        ):
            if submission_id in rank and (code not in winner or rank[submission_id] > rank[winner[code]]):
                winner[code] = submission_id
        db.execute(f"UPDATE figures SET current = 0 WHERE submission_id IN ({marks}) AND current = 1", ids)
        db.executemany(
            "UPDATE figures SET current = 1 WHERE submission_id = ? AND unit_code = ?",
            [(submission_id, code) for code, submission_id in winner.items()],
        )
        counting = set(winner.values())
        newest = live[-1][0] if live else None
        db.executemany(
            "UPDATE submissions SET current = ?, replaced_by = ?, version_key = coalesce(?, version_key) WHERE id = ?",
            [(int(i in counting), None if i in counting else newest, counts_from.get(i), i) for i in ids],
        )
        return live

    def seen_again(self, sha256: str, path: Path, stored: list[tuple] | None = None, modified: str | None = None) -> Problem | None:
        """An identical copy (the same bytes) of an accepted file: one version, counting from the
        oldest time any of its copies has (a copy made by `cp` or saved from a mail is newer than
        its original). When this copy's key is older, the stored key is lowered and what counts
        recomputed; returns the warning that says so, else None. `stored` (the versions with
        these bytes, from `accepted_versions`) and `modified` (the file's time, `modified_text`)
        when the caller has them."""
        if stored is None:
            stored = self.db.execute(
                "SELECT id, name, signed_on, version_key FROM files WHERE sha256 = ? AND status = 'accepted'", (sha256,)
            ).fetchall()
        if modified is None:
            modified = _modified(path, now())
        lowered = [
            (place, file_id, name, key)
            for place, (file_id, name, signed_on, key) in enumerate(stored)
            if version_key(signed_on, modified, path) < (key or "")
        ]
        if not lowered:
            return None
        with self.transaction() as db:
            for place, file_id, name, _ in lowered:
                (signed_on,) = db.execute("SELECT signed_on FROM files WHERE id = ?", (file_id,)).fetchone()
                lower = version_key(signed_on, modified, path)
                db.execute("UPDATE files SET version_key = ?, modified = ?, rekeyed = rekeyed + 1 WHERE id = ?", (lower, modified, file_id))
                stored[place] = (file_id, name, signed_on, lower)  # the caller's list stays true for the next copy
                for key in db.execute(
                    "SELECT DISTINCT unit_code, period, indicator, tree FROM submissions WHERE file_id = ?", (file_id,)
                ).fetchall():
                    self.recompute(*key)
        return Problem(
            "older-copy", "warning", Path(path).name, params={"stored": lowered[0][2], "modified": modified[:19].replace("T", " ")}
        )

    def recompute_all(self, year: int | None = None) -> None:
        """Every unit, period and indicator recomputed from its stored versions (vwu ingest --force)."""
        keys = self.db.execute(
            "SELECT DISTINCT unit_code, period, indicator, tree FROM submissions" + (" WHERE year = ?" if year else ""),
            (year,) if year else (),
        ).fetchall()
        with self.transaction():
            for key in keys:
                self.recompute(*key)

    # -- withdrawals ----------------------------------------------------------------------

    def find_file(self, name_or_sha: str) -> list[tuple[int, str, str, str, int]]:
        """Accepted files matching a sha256 (or its first 8+ characters), a path or a name:
        (id, name, sha256, path, withdrawn)."""
        text = name_or_sha.strip()
        # a path names one file; a bare name may name several (the same name in two folders)
        name = text if Path(text).name == text else None
        prefix = text.lower() + "%" if len(text) >= 8 and all(c in "0123456789abcdef" for c in text.lower()) else None
        absolute = str(Path(text).expanduser().absolute())
        return self.db.execute(
            "SELECT id, name, sha256, path, withdrawn FROM files WHERE status = 'accepted'"
            " AND (sha256 = ? OR sha256 LIKE ? OR path = ? OR path = ? OR name = ?) ORDER BY id",
            (text.lower(), prefix, text, absolute, name),
        ).fetchall()

    def set_withdrawn(self, file_id: int, withdrawn: bool, who: str, reason: str | None) -> None:
        """Withdraw a stored file (its figures stop counting) or undo that; recorded with who, when, why."""
        with self.transaction() as db:
            db.execute("UPDATE files SET withdrawn = ? WHERE id = ?", (int(withdrawn), file_id))
            db.execute(
                "INSERT INTO withdrawals (file_id, action, who, at, reason) VALUES (?, ?, ?, ?, ?)",
                (file_id, "withdraw" if withdrawn else "restore", who, now(), reason),
            )
            for key in db.execute(
                "SELECT DISTINCT unit_code, period, indicator, tree FROM submissions WHERE file_id = ?", (file_id,)
            ).fetchall():
                self.recompute(*key)

    def withdrawal_history(self, file_id: int) -> list[dict[str, Any]]:
        """Every withdrawal of one file and its undoing, oldest first: action, who, when, why."""
        rows = self.db.execute("SELECT action, who, at, reason FROM withdrawals WHERE file_id = ? ORDER BY id", (file_id,)).fetchall()
        return [dict(zip(("action", "who", "at", "reason"), row)) for row in rows]

    def withdrawals(self) -> list[dict[str, Any]]:
        """Files withdrawn now, newest withdrawal first: name, sha256, unit, period, who, when, why."""
        rows = self.db.execute(
            "SELECT f.name, f.sha256, f.unit_code, f.period, w.who, w.at, w.reason FROM files f"
            " JOIN withdrawals w ON w.id = (SELECT max(id) FROM withdrawals WHERE file_id = f.id)"
            " WHERE f.withdrawn = 1 ORDER BY w.id DESC"
        ).fetchall()
        keys = ("file", "sha256", "unit_code", "period", "who", "at", "reason")
        return [dict(zip(keys, row)) for row in rows]

    # -- runs -----------------------------------------------------------------------------

    def start_run(self, command: str) -> int:
        with self.transaction() as db:
            return db.execute("INSERT INTO runs (command, started_at) VALUES (?, ?)", (command, now())).lastrowid

    def finish_run(self, run_id: int, summary: dict[str, Any], exit_code: int = 0, message: str | None = None) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE runs SET finished_at = ?, summary = ?, exit_code = ?, message = ? WHERE id = ?",
                (now(), json.dumps(summary, ensure_ascii=False), exit_code, message, run_id),
            )

    def fail_run(self, run_id: int, error: BaseException) -> None:
        """Record how a run ended when it could not go on; never hides `error` itself. A database
        failure is recorded as the store error the officer is shown (a full disk: exit 4)."""
        if not isinstance(error, KeyboardInterrupt):  # a Ctrl-C stays 130, whatever it interrupted
            error = as_store_error(error, self.path.parent) or error
        code = (
            error.exit_code
            if isinstance(getattr(error, "exit_code", None), int)
            else EXIT_INTERRUPTED
            if isinstance(error, KeyboardInterrupt)
            else EXIT_BUG
        )
        message = error.first_line() if hasattr(error, "first_line") else f"{type(error).__name__}: {error}"
        with suppress(sqlite3.Error):
            self.finish_run(run_id, {}, code, message[:500])

    def record_run(self, command: str, started_at: str, summary: dict[str, Any], exit_code: int, message: str | None = None) -> None:
        """A finished run of a command that holds no lock (report): one row, written at its end."""
        with self.transaction() as db:
            db.execute(
                "INSERT INTO runs (command, started_at, finished_at, summary, exit_code, message) VALUES (?, ?, ?, ?, ?, ?)",
                (command, started_at, now(), json.dumps(summary, ensure_ascii=False), exit_code, message),
            )

    # -- reading back ---------------------------------------------------------------------

    def figures_frame(self, year: int, grouped: Iterable[list[tuple]] | None = None, periods: Iterable[str] | None = None) -> Any:
        """Current figures of a year as a DataFrame (submission_id, indicator, period, tree,
        unit_code, column, value, version). The submissions' own fields are read once per
        submission and the figures in chunks, each text value kept once (a unit code or column
        name shared by every row that has it): at 10× national data (5 million figures) one
        row tuple per figure and one string per cell held gigabytes.

        `grouped`: the rows of `grouped_figures(year, periods)` read ahead by another connection
        that saw the same data version (report/ahead.py); by default this connection reads them.
        `periods`: only the submissions for these periods (a part of the year reads the files
        inside it, not the whole year's to keep a few), in the same order as the whole read."""
        periods = None if periods is None else tuple(periods)
        inside, bound = _periods_clause(periods)
        import numpy as np
        import pandas as pd

        submissions = self.db.execute(
            "SELECT s.id, s.indicator, s.period, s.tree, coalesce(s.version_key, files.version_key) FROM submissions s"
            " JOIN files ON files.id = s.file_id"
            " WHERE s.current = 1 AND s.year = ?" + inside + " ORDER BY s.id",
            (year, *bound),
        ).fetchall()
        ids = np.array([row[0] for row in submissions], dtype=np.int64)
        indicator, period, tree, version = (np.array([row[k] for row in submissions], dtype=object) for k in range(1, 5))
        unit_numbers: dict[str, int] = _Numbering()
        column_numbers: dict[str, int] = _Numbering()
        chunks = self._figures_by_submission(year, unit_numbers, column_numbers, grouped, periods)
        if chunks is None:  # a figure the grouped read cannot carry exactly: read row by row
            unit_numbers.clear()
            column_numbers.clear()
            chunks = self._figures_by_row(year, unit_numbers, column_numbers, periods)
        names = ("submission_id", "indicator", "period", "tree", "unit_code", "column", "value", "version")
        if not chunks:  # as read_sql_query gives no rows: untyped columns
            return pd.DataFrame({name: np.zeros(0, dtype=object) for name in names})
        submission, unit, column, value = (np.concatenate(part) for part in zip(*chunks))
        del chunks
        of = np.searchsorted(ids, submission)  # each figure's submission, by position

        def text(values: Any, at: np.ndarray) -> Any:
            """A column of `values[at]`: pointers to the same few strings, as read_sql_query types
            them (str, or object when every value is None)."""
            values = np.array(list(values), dtype=object)
            if len(values) and all(v is None for v in values):
                return values[at]
            return pd.array(values, dtype="str").take(at)

        columns = (
            submission,
            text(indicator, of),
            text(period, of),
            text(tree, of),
            text(unit_numbers, unit),
            text(column_numbers, column),
        )
        return pd.DataFrame(dict(zip(names, (*columns, value, text(version, of)))), copy=False)

    def current_periods(self, year: int) -> list[str]:
        """The periods of a year's current submissions (2024, 2024-H1, 2024-M03, ...)."""
        return [period for (period,) in self.db.execute("SELECT DISTINCT period FROM submissions WHERE current = 1 AND year = ?", (year,))]

    def grouped_figures(self, year: int, periods: tuple[str, ...] | None = None) -> Iterator[list[tuple]]:
        """The year's current figures (of the submissions for `periods`) one row per bundle of
        `BUNDLE` submissions, in chunks of about `SUBMISSION_CHUNK` submissions: (their ids, their
        figure counts, their stored rows' counts, the rows' ids, the rows' widths, the rows' unit
        codes, column names, values in hexadecimal), each a text joined by SQLite (see
        `_figures_by_submission`). Bundles, not one row per submission: Python's lock is taken
        once a row, and a thread reading ahead (report/ahead.py) waits for it while the main
        thread imports pandas."""
        inside, bound = _periods_clause(periods)
        cursor = self.db.execute(
            "SELECT group_concat(id), group_concat(n), group_concat(r), group_concat(rowids), group_concat(widths),"
            " group_concat(units, char(31)), group_concat(columns, char(31)), group_concat(vals, '') FROM ("
            "SELECT s.id AS id, sum(f.width) AS n, count(*) AS r, group_concat(f.rowid) AS rowids, group_concat(f.width) AS widths,"
            " group_concat(f.unit_code, char(31)) AS units, group_concat(f.columns, char(31)) AS columns, group_concat(hex(f.vals), '') AS vals"
            " FROM submissions s JOIN figures f ON f.submission_id = s.id"
            " WHERE s.current = 1 AND f.current = 1 AND s.year = ?" + inside + " GROUP BY s.id ORDER BY s.id"
            f") GROUP BY id / {BUNDLE} ORDER BY id / {BUNDLE}",
            (year, *bound),
        )
        while groups := cursor.fetchmany(max(1, SUBMISSION_CHUNK // BUNDLE)):
            yield groups

    def _figures_by_submission(
        self,
        year: int,
        unit_numbers: dict[str, int],
        column_numbers: dict[str, int],
        grouped: Iterable[list[tuple]] | None = None,
        periods: tuple[str, ...] | None = None,
    ) -> list[tuple] | None:
        """The year's current figures as (submission, unit number, column number, value) arrays,
        read one row per bundle of submissions: SQLite joins their stored rows' unit codes,
        column names, values and row ids into one text each, so Python handles a few hundred
        rows instead of one tuple and four objects per figure (the figures read were most of
        `aggregate`). None when a code holds the separator or the rows did not come in their
        order: the caller then reads row by row."""
        import numpy as np
        import pandas as pd

        def numbered(texts: list[str], numbers: dict[str, int]) -> np.ndarray:
            if isinstance(numbers, _Numbering):  # one dict look-up a text, in C
                return np.fromiter(map(numbers.__getitem__, texts), np.int32, len(texts))
            codes, seen = pd.factorize(np.array(texts, dtype=object))
            known = np.fromiter((numbers.setdefault(text, len(numbers)) for text in seen.tolist()), np.int32, len(seen))
            return known[codes]

        chunks: list[tuple] = []
        for groups in self.grouped_figures(year, periods) if grouped is None else grouped:
            ids, counts, stored, rowids, widths, units, columns, values = zip(*groups)
            ids = np.fromstring(",".join(ids), dtype=np.int64, sep=",")
            counts = np.fromstring(",".join(counts), dtype=np.int64, sep=",")
            stored = np.fromstring(",".join(stored), dtype=np.int64, sep=",")
            rowid = np.fromstring(",".join(rowids), dtype=np.int64, sep=",")
            width = np.fromstring(",".join(widths), dtype=np.int64, sep=",")
            n = int(counts.sum())
            # char(31) is COLUMN_SEPARATOR: the texts SQLite joins and a row's packed column names
            # split alike, into one name a figure
            units = COLUMN_SEPARATOR.join(units).split(COLUMN_SEPARATOR)
            columns = COLUMN_SEPARATOR.join(columns).split(COLUMN_SEPARATOR)
            value = np.frombuffer(bytes.fromhex("".join(values)), dtype="<f8").astype(np.float64)
            if not (len(ids) == len(counts) == len(stored) and len(units) == len(rowid) == len(width) == int(stored.sum())):
                return None
            if not (int(width.sum()) == n == len(columns) == len(value)):
                return None
            # In the order of the row-by-row read (submission, then row id): group_concat's
            # order within a group is SQLite's, the same for each of the texts.
            row_submission = np.repeat(ids, stored)
            step = np.diff(row_submission)
            if not ((step > 0) | ((step == 0) & (np.diff(rowid) > 0))).all():
                return None
            unit = np.repeat(numbered(units, unit_numbers), width)
            chunks.append((np.repeat(ids, counts), unit, numbered(columns, column_numbers), value))
            del groups, ids, counts, stored, rowids, widths, units, columns, values
        return chunks

    def _figures_by_row(
        self, year: int, unit_numbers: dict[str, int], column_numbers: dict[str, int], periods: tuple[str, ...] | None = None
    ) -> list[tuple]:
        """The year's current figures as `_figures_by_submission` gives them, one stored row at a time."""
        import numpy as np

        inside, bound = _periods_clause(periods)
        cursor = self.db.execute(
            "SELECT f.submission_id, f.unit_code, f.columns, f.vals, f.width FROM figures f JOIN submissions s ON s.id = f.submission_id"
            " WHERE s.current = 1 AND f.current = 1 AND s.year = ?" + inside + " ORDER BY s.id, f.rowid",
            (year, *bound),
        )
        chunks: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        while rows := cursor.fetchmany(FIGURE_CHUNK):
            submission, units, columns, values, widths = zip(*rows)
            width = np.fromiter(widths, np.int64, len(rows))
            names = [name for joined in columns for name in joined.split(COLUMN_SEPARATOR)]
            chunks.append(
                (
                    np.repeat(np.fromiter(submission, np.int64, len(rows)), width),
                    np.repeat(
                        np.fromiter((unit_numbers.setdefault(code, len(unit_numbers)) for code in units), np.int32, len(rows)), width
                    ),
                    np.fromiter((column_numbers.setdefault(name, len(column_numbers)) for name in names), np.int32, len(names)),
                    np.frombuffer(b"".join(values), dtype="<f8").astype(np.float64),
                )
            )
            del rows, submission, units, columns, values, widths
        return chunks

    def current_submissions(self, year: int, tree: str | None = None) -> list[tuple[str, str]]:
        """(indicator, reporting unit) of the current submissions of a year (of one unit tree)."""
        return self.db.execute(
            "SELECT DISTINCT indicator, unit_code FROM submissions WHERE current = 1 AND year = ? AND (? IS NULL OR tree IS ?)",
            (year, tree, tree),
        ).fetchall()

    def submission_trees(self, year: int) -> dict[str, str]:
        """period -> unit tree of the current submissions of a year (2025: H1 legacy, year new)."""
        return dict(self.db.execute("SELECT DISTINCT period, tree FROM submissions WHERE current = 1 AND year = ?", (year,)).fetchall())

    def current_submission_periods(self, year: int, tree: str | None = None) -> list[tuple[str, str, str]]:
        """(indicator, reporting unit, period) of the current submissions of a year (made on `tree`
        only, when given: 2025 has submissions on both trees)."""
        if tree is None:
            return self.db.execute(
                "SELECT DISTINCT indicator, unit_code, period FROM submissions WHERE current = 1 AND year = ?", (year,)
            ).fetchall()
        return self.db.execute(
            "SELECT DISTINCT indicator, unit_code, period FROM submissions WHERE current = 1 AND year = ? AND tree = ?",
            (year, tree),
        ).fetchall()

    def reported_units(self, year: int) -> list[tuple[str, str, str, str]]:
        """(indicator, reporting unit, period, unit of a figure row) of the current figures of a year:
        which communes each reporting unit's files cover."""
        return self.db.execute(
            "SELECT DISTINCT s.indicator, s.unit_code, s.period, f.unit_code FROM submissions s"
            " JOIN figures f ON f.submission_id = s.id WHERE s.current = 1 AND s.year = ?",
            (year,),
        ).fetchall()

    def file_history(self, year: int) -> list[StoredFileFate]:
        """Every file of a year whose unit is known, oldest version first (by the version key of
        DOMAIN.md, not by when it was ingested: an old draft sent again is still the older one),
        with its fate, indicators and feedback copy."""
        from vwu_pipeline.store.records import StoredFileFate

        rows = self.db.execute(
            "SELECT id, name, status, unit_code, period, COALESCE(indicators, ''), feedback FROM files"
            " WHERE year = ? AND unit_code IS NOT NULL ORDER BY version_key, id",
            (year,),
        ).fetchall()
        return [StoredFileFate(i, n, s, u, p, tuple(x for x in ind.split(",") if x), fb) for i, n, s, u, p, ind, fb in rows]

    def data_version(self, year: int) -> int:
        """Newest submission of a year or the year before: a change means a stale aggregation."""
        (version,) = self.db.execute("SELECT max(id) FROM submissions WHERE year IN (?, ?)", (year, year - 1)).fetchone()
        # a withdrawal (or its undoing) changes the current figures without a new submission
        # and so does an identical copy with an older time, which lowers a file's key
        (changes,) = self.db.execute("SELECT (SELECT count(*) FROM withdrawals) + (SELECT coalesce(sum(rekeyed), 0) FROM files)").fetchone()
        return (version or 0) + changes * 1_000_000_000

    def replace_aggregation(self, year: int, meta: dict[str, Any], tables: dict[str, Any], period: str | None = None) -> None:
        """Replace a period's aggregation (meta row + DataFrames) in one transaction; the
        period is the year ("2024", the default) or a part of it ("2024-H1"), stored side by side.
        Each frame is stored by column (see `_column_bytes`): a national year is about 260,000
        rows, which row-by-row inserts took seconds to write and to read back."""
        period = period or str(year)
        with self.transaction() as db:
            db.execute("DELETE FROM aggregations WHERE period = ?", (period,))
            db.execute("DELETE FROM aggregation_columns WHERE period = ?", (period,))
            db.execute(
                "INSERT INTO aggregations (period, year, tree, outlier_factor, previous_year, data_version, summary, aggregated_at, inputs)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    period,
                    year,
                    meta["tree"],
                    meta["outlier_factor"],
                    meta["previous_year"],
                    meta["data_version"],
                    json.dumps(meta["counts"], ensure_ascii=False),
                    meta["aggregated_at"],
                    meta.get("inputs", ""),
                ),
            )
            columns = [(table, position, name) for table, frame in tables.items() for position, name in enumerate(frame.columns)]
            kinds: list[str] = []

            def raws() -> Iterator[bytes]:
                for table, _, name in columns:
                    kind, raw = _column_raw(tables[table][name])
                    kinds.append(kind)
                    yield raw

            data = _compressed_as_made(raws())
            db.executemany(
                "INSERT INTO aggregation_columns (period, year, frame, position, name, kind, data) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(period, year, table, position, name, kind, blob) for (table, position, name), kind, blob in zip(columns, kinds, data)],
            )

    def aggregation_meta(self, year: int, period: str | None = None) -> dict[str, Any] | None:
        row = self.db.execute(
            "SELECT tree, outlier_factor, previous_year, data_version, summary, aggregated_at, inputs FROM aggregations WHERE period = ?",
            (period or str(year),),
        ).fetchone()
        if row is None:
            return None
        keys = ("tree", "outlier_factor", "previous_year", "data_version", "counts", "aggregated_at", "inputs")
        meta = dict(zip(keys, row))
        meta["counts"] = json.loads(meta["counts"] or "{}")
        return meta

    def read_aggregation(self, year: int, period: str | None = None) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """A period's stored aggregation (meta, DataFrames), or None when there is none."""
        import pandas as pd

        period = period or str(year)
        meta = self.aggregation_meta(year, period)
        if meta is None:
            return None
        columns: dict[str, dict[str, Any]] = {table: {} for table in AGGREGATION_FRAMES}
        rows = self.db.execute(
            "SELECT frame, name, kind, data FROM aggregation_columns WHERE period = ? ORDER BY frame, position", (period,)
        ).fetchall()
        raws = _two_threads(_decompress, [data for *_, data in rows])  # zlib works without Python's lock
        for (table, name, kind, _), raw in zip(rows, raws):
            columns.setdefault(table, {})[name] = _stored_values(kind, raw)
        return meta, {table: pd.DataFrame(values) for table, values in columns.items()}

    def save_targets(self, rows: list[tuple], file: str) -> None:
        """(year, unit_code, column, target[, tree]) rows; a row replaces the same year, tree, unit
        and column. Without a tree, the tree of the year (the 2025 tree for 2025)."""
        from vwu_pipeline.core.units import UnitTree

        stamp = now()
        with self.transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO targets (year, unit_code, column, target, tree, file, loaded_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(*row[:4], row[4] if len(row) > 4 else UnitTree.for_year(row[0]).tree, file, stamp) for row in rows],
            )

    def targets(self, year: int) -> Any:
        import pandas as pd

        return pd.read_sql_query("SELECT unit_code, column, target, tree FROM targets WHERE year = ?", self.db, params=(year,))

    def ingest_warnings(self, year: int) -> Any:
        """Warnings of the files whose figures are current for the year (accepted, not replaced)."""
        import pandas as pd

        return pd.read_sql_query(
            "SELECT files.name AS file, files.unit_code, p.code, p.sheet, p.row, p.column, p.value, p.message_vi, p.message_en"
            " FROM problems p JOIN files ON files.id = p.file_id"
            " WHERE p.severity = 'warning' AND files.id IN (SELECT file_id FROM submissions WHERE current = 1 AND year = ?)"
            " ORDER BY files.name, p.sheet, p.row",
            self.db,
            params=(year,),
        )

    # -- the read API: plain records, for status, checks and tests ------------------------

    def current_figures(self, year: int | None = None) -> dict[tuple[str, str], float]:
        """(unit code, column) -> value of the current figures (of one year, or all)."""
        sql = (
            "SELECT f.unit_code, f.columns, f.vals FROM figures f JOIN submissions s ON s.id = f.submission_id"
            " WHERE s.current = 1 AND f.current = 1"
        )
        rows = self.db.execute(sql + " AND s.year = ?", (year,)) if year is not None else self.db.execute(sql)
        return {
            (code, column): value
            for code, columns, values in rows
            for column, value in zip(columns.split(COLUMN_SEPARATOR), figure_values(values), strict=True)
        }

    def figure_origins(self, column: str, year: int | None = None) -> dict[str, FigureOrigin]:
        """Where each current figure of a column comes from (provenance is per figure: with
        row-by-row replacement two communes of a district may come from two files)."""
        from vwu_pipeline.store.records import FigureOrigin

        rows = self.db.execute(
            "SELECT g.unit_code, files.name, g.sheet, g.row, g.columns, g.vals FROM figures g"
            " JOIN submissions s ON s.id = g.submission_id JOIN files ON files.id = s.file_id"
            " WHERE g.current = 1 AND s.current = 1 AND instr(char(31) || g.columns || char(31), char(31) || ? || char(31))"
            + (" AND s.year = ?" if year is not None else ""),
            (column, year) if year is not None else (column,),
        )
        return {
            code: FigureOrigin(name, sheet, row, value)
            for code, name, sheet, row, columns, values in rows
            for name_of, value in zip(columns.split(COLUMN_SEPARATOR), figure_values(values), strict=True)
            if name_of == column
        }

    def versions(self) -> list[StoredVersion]:
        """Accepted files with their version key (DOMAIN.md, Submission rules) and withdrawal state."""
        from vwu_pipeline.store.records import StoredVersion

        rows = self.db.execute(
            "SELECT name, unit_code, period, signed_on, modified, version_key, withdrawn FROM files WHERE status = 'accepted' ORDER BY id"
        )
        return [StoredVersion(n, u, p, s, m, k, bool(w)) for n, u, p, s, m, k, w in rows]

    def files(self, status: str | None = None) -> list[StoredFile]:
        """The files the store remembers, in the order they were stored."""
        from vwu_pipeline.store.records import StoredFile

        sql = "SELECT id, name, path, sha256, status, unit_code, period, year, rows FROM files"
        rows = self.db.execute(sql + " WHERE status = ? ORDER BY id", (status,)) if status else self.db.execute(sql + " ORDER BY id")
        return [StoredFile(*row) for row in rows]

    def submissions(
        self, unit_code: str | None = None, indicator: str | None = None, current: bool | None = None
    ) -> list[StoredSubmission]:
        """Submissions (of one unit, one indicator; current ones or replaced ones), oldest first."""
        from vwu_pipeline.store.records import StoredSubmission

        where, params = [], []
        for clause, value in (("s.unit_code = ?", unit_code), ("s.indicator = ?", indicator), ("s.current = ?", current)):
            if value is not None:
                where.append(clause)
                params.append(int(value) if isinstance(value, bool) else value)
        rows = self.db.execute(
            "SELECT s.id, s.file_id, s.unit_code, s.year, s.period, s.indicator, s.current, s.replaced_by,"
            " (SELECT coalesce(sum(f.width), 0) FROM figures f WHERE f.submission_id = s.id) FROM submissions s"
            + (" WHERE " + " AND ".join(where) if where else "")
            + " ORDER BY s.id",
            params,
        )
        return [StoredSubmission(i, f, u, y, p, ind, bool(c), r, n) for i, f, u, y, p, ind, c, r, n in rows]

    def problems(self, file: str | None = None) -> list[StoredProblem]:
        """Problems stored with the files (of one file name, or all), file by file, as found."""
        from vwu_pipeline.store.records import StoredProblem

        sql = (
            "SELECT files.name, p.code, p.severity, p.sheet, p.row, p.column, p.column_index, p.value, p.message_vi, p.message_en"
            " FROM problems p JOIN files ON files.id = p.file_id"
        )
        rows = (
            self.db.execute(sql + " WHERE files.name = ? ORDER BY p.rowid", (file,)) if file else self.db.execute(sql + " ORDER BY p.rowid")
        )
        return [StoredProblem(*row) for row in rows]

    def runs(self, last: int | None = None) -> list[StoredRun]:
        """The runs of vwu on this workspace, newest first (the `last` ones)."""
        from vwu_pipeline.store.records import StoredRun

        rows = self.db.execute(
            "SELECT id, command, started_at, finished_at, summary, exit_code, message FROM runs ORDER BY id DESC LIMIT ?", (last or -1,)
        )
        out = []
        for run_id, command, started, finished, summary, exit_code, message in rows:
            try:
                counts = json.loads(summary) if summary else {}
            except ValueError:
                counts = {}
            out.append(StoredRun(run_id, command, started, finished, counts if isinstance(counts, dict) else {}, exit_code, message))
        return out

    def stored_targets(self, year: int | None = None) -> list[StoredTarget]:
        """The targets loaded (of one year, or all), by year, unit and column."""
        from vwu_pipeline.store.records import StoredTarget

        sql = "SELECT year, unit_code, column, target, file FROM targets"
        order = " ORDER BY year, unit_code, column"
        rows = self.db.execute(sql + " WHERE year = ?" + order, (year,)) if year is not None else self.db.execute(sql + order)
        return [StoredTarget(*row) for row in rows]

    def aggregated_years(self) -> list[int]:
        """Years with a stored aggregation."""
        return [year for (year,) in self.db.execute("SELECT year FROM aggregations ORDER BY year")]

    def latest_year(self) -> int | None:
        """The latest year with current submissions."""
        (year,) = self.db.execute("SELECT max(year) FROM submissions WHERE current = 1").fetchone()
        return year

    def check(self, quick: bool = True) -> str:
        """'ok', or the first damage SQLite finds (quick: pages and structure; else also indexes)."""
        (result,) = self.db.execute("PRAGMA quick_check(1)" if quick else "PRAGMA integrity_check(1)").fetchone()
        return result

    def checkpoint(self) -> None:
        """Move the write-ahead log into the database file (a copy of vwu.sqlite alone is then whole)."""
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def root_page(self, table: str) -> tuple[int, int]:
        """(byte offset, size) of a table's root page in vwu.sqlite: where a damage drill strikes."""
        (root,) = self.db.execute("SELECT rootpage FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchone()
        (page_size,) = self.db.execute("PRAGMA page_size").fetchone()
        return (root - 1) * page_size, page_size


AGGREGATION_FRAMES = ("aggregates", "completeness", "outliers")
FIGURE_CHUNK = 25_000  # stored rows of figures read at a time (about 4 figures each)
SUBMISSION_CHUNK = 2_000  # submissions read at a time (about 60 figures each)
BUNDLE = 64  # submissions a row of the grouped read
_NUMBER_KINDS = {"<f8", "<i8", "|b1"}  # stored as raw little-endian arrays


def _column_bytes(column: Any) -> tuple[str, bytes]:
    """One column of an aggregation frame as (kind, compressed bytes): numbers as their array
    (float64 keeps NaN for "no figure"); text without a missing value as its distinct values
    (a JSON list) then a NUL and one little-endian int32 code per row (kind "codes": a national
    year's unit codes are 216,000 rows of 10,800 codes, which a JSON list of every value took
    twice as long to write and five times as long to read); anything else as a JSON list."""
    kind, raw = _column_raw(column)
    return kind, _compress(raw)


def _compress(raw: bytes) -> bytes:
    """One raw column in zlib's format, by zlib-ng at level 3 (22 MB of a national year's columns
    in ≈ 0.07 s CPU, 3 % larger than zlib's level 1 in 0.09-0.12 s)."""
    from zlib_ng import zlib_ng

    return zlib_ng.compress(raw, 3)


def _compressed_as_made(raws: Iterator[bytes]) -> list[bytes]:
    """Each column `raws` makes, compressed (`_compress`) by another thread as soon as it is made
    (zlib works without Python's lock) while this one makes the next (factorizing texts, copying
    numbers: with the lock); the columns left when the last is made are compressed by both
    threads. The same bytes, in the same order."""
    import queue
    import threading

    made: list[bytes] = []
    out: list[bytes] = []
    todo: queue.SimpleQueue = queue.SimpleQueue()
    failed: list[BaseException] = []

    def work(block: bool) -> None:
        try:
            while True:
                try:
                    k = todo.get(block)
                except queue.Empty:
                    return
                if k is None:
                    return
                out[k] = _compress(made[k])
        except BaseException as error:  # told to the caller, in its thread
            failed.append(error)

    helper = threading.Thread(target=work, args=(True,), name="vwu-zlib", daemon=True)
    helper.start()
    try:
        for raw in raws:
            made.append(raw)
            out.append(b"")
            todo.put(len(made) - 1)
        work(False)  # what the helper has not taken yet, by this thread too
    finally:
        todo.put(None)
        helper.join()
    if failed:
        raise failed[0]
    return out


def _decompress(data: bytes) -> bytes:
    from zlib_ng import zlib_ng  # zlib's format, expanded ≈ 1.7× faster than by the standard zlib

    return zlib_ng.decompress(data)


def _two_threads(work_on: Any, items: list[bytes]) -> list[bytes]:
    """`work_on` applied to each of `items` (largest first) by this thread and one other: for
    work that runs without Python's lock (zlib), in about half the time on two cores."""
    import threading

    out: list[bytes] = [b""] * len(items)
    todo = sorted(range(len(items)), key=lambda k: len(items[k]))  # popped largest first
    failed: list[BaseException] = []

    def work() -> None:
        try:
            while todo:
                try:
                    k = todo.pop()
                except IndexError:  # the other thread took the last one
                    return
                out[k] = work_on(items[k])
        except BaseException as error:  # told to the caller, in its thread
            failed.append(error)

    helper = threading.Thread(target=work, name="vwu-zlib", daemon=True) if len(items) > 1 else None
    if helper is not None:
        helper.start()
    work()
    if helper is not None:
        helper.join()
    if failed:
        raise failed[0]
    return out


def _column_raw(column: Any) -> tuple[str, bytes]:
    """A column's kind and its bytes before compression (see `_column_bytes`)."""
    import numpy as np
    import pandas as pd

    dtype = column.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "fiub":
        kind = {"f": "<f8", "b": "|b1"}.get(dtype.kind, "<i8")
        raw = np.ascontiguousarray(column.to_numpy(), dtype=kind).tobytes()
    elif isinstance(dtype, pd.StringDtype) and len(column) and (coded := _text_codes(column)) is not None:
        kind = "codes"
        codes, names = coded
        # json.dumps escapes every control character, so the first NUL ends the names
        raw = json.dumps(names, ensure_ascii=False).encode() + b"\0" + codes.astype("<i4").tobytes()
    else:
        kind = "json"
        raw = json.dumps(column.tolist(), ensure_ascii=False).encode()
    return kind, raw


class _Numbering(dict):
    """Texts numbered in order of first appearance: a text not seen yet gets the next number."""

    def __missing__(self, key: str) -> int:
        self[key] = number = len(self)
        return number


def _periods_clause(periods: tuple[str, ...] | None) -> tuple[str, tuple[str, ...]]:
    """The condition on `s.period` that keeps the submissions for `periods` (None: every one)."""
    if periods is None:
        return "", ()
    return " AND s.period IN (" + ", ".join("?" * len(periods)) + ")", periods


def factorize_texts(values: Any) -> tuple[Any, Any]:
    """`pandas.factorize` of an object array of texts (codes, distinct values in order of first
    appearance, -1 for a missing value), for columns that hold pointers to a few strings (a
    national year's 160,000 figures name 10,000 units, 16 columns, 4 indicators): the pointers,
    read as integers, are factorized first (no string hashed or compared per row), then the
    one object of each distinct pointer by value, as pandas would. The same codes and values:
    two equal texts in two objects still get one code, and the first of a value is its first
    row either way."""
    import ctypes

    import numpy as np
    import pandas as pd

    n = len(values)
    if n < 1024 or not (isinstance(values, np.ndarray) and values.dtype == object and values.ndim == 1 and values.flags.c_contiguous):
        return pd.factorize(values)
    # A view of the array's PyObject pointers (it holds each object alive while it is read).
    pointers = np.frombuffer((ctypes.c_void_p * n).from_address(values.ctypes.data), dtype=np.uintp)
    by_pointer, distinct = pd.factorize(pointers)
    first = np.empty(len(distinct), np.intp)
    first[by_pointer[::-1]] = np.arange(n - 1, -1, -1)  # the first row of each pointer
    by_value, names = pd.factorize(values[first])
    return by_value[by_pointer], names


def _text_codes(column: Any) -> tuple[Any, list[str]] | None:
    """A text column's codes and distinct values, or None when a value is missing. Factorized
    on the object array under the pandas string array (no copy), which gives the same codes and
    names in half the time, a missing value coded -1 (the string array's `isna` and factorize
    checked and converted every value first: 0.2 s of a national aggregation's storing)."""

    codes, names = factorize_texts(column.to_numpy(dtype=object, copy=False))
    if len(codes) and codes.min() < 0:
        return None
    return codes, names.tolist()


def _column_values(kind: str, data: bytes) -> Any:
    """The values `_column_bytes` stored: a numpy array, or a list (text; None and NaN for none)."""
    return _stored_values(kind, _decompress(data))


def _stored_values(kind: str, raw: bytes) -> Any:
    """`_column_values` of the bytes once decompressed."""
    import numpy as np

    if kind == "json":
        return json.loads(raw)
    if kind == "codes":
        end = raw.index(b"\0")
        return np.array(json.loads(raw[:end]), dtype=object)[np.frombuffer(raw, dtype="<i4", offset=end + 1)]
    if kind not in _NUMBER_KINDS:
        raise ValueError(f"aggregation column of unknown kind {kind!r}")  # only a newer vwu writes one, and it migrates first
    return np.frombuffer(raw, dtype=kind).copy()


def _warn_part_year_rows(
    result: FileResult, lacking: dict[str, str], rows: list[tuple], periods: list, templates: tuple[str, str] | None = None
) -> None:
    """The part-year-rows-count warning on a file: the communes (code -> name) whose part-year
    figures count in the year though the year's file lacks them, and the periods they are of."""
    if not lacking:
        return
    units = _unit_list(lacking)
    result.problems.append(
        Problem(
            "part-year-rows-count",
            "warning",
            Path(result.path).name,
            rows[0][2] if rows else None,
            params={
                "count": len(lacking),
                "units": units,
                "periods_vi": ", ".join(p.label("vi") for p in periods),
                "periods_en": ", ".join(p.label("en") for p in periods),
            },
            templates=templates,
        )
    )


def _unit_list(names: dict[str, str]) -> str:
    """Communes named in a warning, in code order: "Xã A (19555), 19558" (the code alone when
    the file gave no name)."""
    return ", ".join(f"{names[code]} ({code})" if names[code] else code for code in sorted(names))
