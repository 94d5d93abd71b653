"""The store's schema version and its ordered migrations.

`PRAGMA user_version` holds how many migrations a store has had. Opening a store applies the
missing ones in order, each in its own transaction (BEGIN IMMEDIATE: SQLite's write lock, so two
processes never migrate at once; writers also hold the workspace lock). A store made by a newer
vwu is refused. Every later change to the tables is a new function appended to MIGRATIONS:
never edit one that has shipped. A new store is made at once from the schema they end with
(`make shipped` writes it: tests/test_store.py says when it is due).
"""

from __future__ import annotations

import sqlite3
import sys
from array import array
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from itertools import accumulate, compress, groupby, repeat
from operator import itemgetter, ne
from pathlib import Path
from struct import Struct
from sys import intern
from typing import Any

from vwu_pipeline.core.errors import StoreError

# The tables as vwu made them before stores had a version (user_version 0). IF NOT EXISTS:
# such a store already has them, a new one gets them.
BASELINE = """
CREATE TABLE IF NOT EXISTS files (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL,
    name TEXT NOT NULL,
    path TEXT NOT NULL,
    size INTEGER,
    status TEXT NOT NULL,             -- accepted | refused
    unit_code TEXT,
    period TEXT,
    year INTEGER,
    rows INTEGER,
    report TEXT,                      -- dropped by migration 2
    ingested_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS files_by_sha ON files (sha256, status);
CREATE TABLE IF NOT EXISTS submissions (
    id INTEGER PRIMARY KEY,
    file_id INTEGER NOT NULL REFERENCES files (id),
    unit_code TEXT NOT NULL,
    year INTEGER NOT NULL,
    period TEXT NOT NULL,
    indicator TEXT NOT NULL,
    current INTEGER NOT NULL DEFAULT 1,   -- 0 once a newer file replaced it
    replaced_by INTEGER REFERENCES submissions (id),
    ingested_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS submissions_by_key ON submissions (unit_code, period, indicator, current);
CREATE INDEX IF NOT EXISTS submissions_by_year ON submissions (year, current);
CREATE TABLE IF NOT EXISTS figures (
    submission_id INTEGER NOT NULL REFERENCES submissions (id),
    unit_code TEXT NOT NULL,
    unit_name TEXT,
    sheet TEXT NOT NULL,
    row INTEGER NOT NULL,
    column TEXT NOT NULL,
    value REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS figures_by_submission ON figures (submission_id);
CREATE TABLE IF NOT EXISTS problems (
    file_id INTEGER NOT NULL REFERENCES files (id),
    code TEXT NOT NULL,
    severity TEXT NOT NULL,
    sheet TEXT,
    row INTEGER,
    column TEXT,
    value TEXT,
    message_vi TEXT,
    message_en TEXT
);
CREATE INDEX IF NOT EXISTS problems_by_file ON problems (file_id);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    command TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    summary TEXT                      -- counts, JSON
);
-- vwu aggregate: one aggregation per year, replaced whole in one transaction.
CREATE TABLE IF NOT EXISTS aggregations (
    year INTEGER PRIMARY KEY,
    tree TEXT NOT NULL,
    outlier_factor REAL NOT NULL,
    previous_year INTEGER,            -- the year compared with, when it was in the store
    data_version INTEGER NOT NULL,    -- newest submission id seen: a later ingest makes it stale
    summary TEXT,                     -- counts, JSON
    aggregated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS aggregates (
    year INTEGER NOT NULL,
    indicator TEXT NOT NULL,
    unit_code TEXT NOT NULL,          -- '00' is the national total
    level TEXT NOT NULL,              -- national | province | district | commune
    column TEXT NOT NULL,             -- a column, derived figure, ratio or threshold count
    value REAL NOT NULL,
    previous REAL,                    -- the same figure of the previous year
    partial INTEGER NOT NULL DEFAULT 0  -- 1 when some reporting units under it did not submit
);
CREATE INDEX IF NOT EXISTS aggregates_by_year ON aggregates (year, indicator);
CREATE TABLE IF NOT EXISTS completeness (
    year INTEGER NOT NULL,
    indicator TEXT NOT NULL,
    unit_code TEXT NOT NULL,
    level TEXT NOT NULL,
    expected INTEGER NOT NULL,        -- reporting units (districts; provinces from 2025) concerned
    submitted INTEGER NOT NULL,
    grassroots_expected INTEGER NOT NULL,  -- lowest-level units under it
    grassroots_reported INTEGER NOT NULL   -- ... that have figures
);
CREATE INDEX IF NOT EXISTS completeness_by_year ON completeness (year, indicator);
CREATE TABLE IF NOT EXISTS outliers (
    year INTEGER NOT NULL,
    indicator TEXT NOT NULL,
    unit_code TEXT NOT NULL,
    column TEXT NOT NULL,
    value REAL NOT NULL,
    reference REAL NOT NULL,          -- previous year's figure, or the siblings' median
    kind TEXT NOT NULL                -- jump | siblings
);
CREATE TABLE IF NOT EXISTS targets (
    year INTEGER NOT NULL,
    unit_code TEXT NOT NULL,          -- '00' for national
    column TEXT NOT NULL,
    target REAL NOT NULL,
    file TEXT,
    loaded_at TEXT NOT NULL,
    PRIMARY KEY (year, unit_code, column)
);
"""


def _statements(script: str) -> list[str]:
    """A script cut into statements (executescript would COMMIT the migration's transaction)."""
    statements, pending = [], ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            statements.append(pending)
            pending = ""
    return statements


def _baseline(db: sqlite3.Connection) -> None:
    for statement in _statements(BASELINE):
        db.execute(statement)


def _drop_files_report(db: sqlite3.Connection) -> None:
    """files.report duplicated the problems table and was never read."""
    db.execute("ALTER TABLE files DROP COLUMN report")


def _add_column(db: sqlite3.Connection, table: str, column: str, declaration: str) -> None:
    """ALTER TABLE ADD COLUMN, unless the column is there already (a store two branches migrated)."""
    if column not in {row[1] for row in db.execute(f"PRAGMA table_info({table})")}:
        db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")


def _problem_cells_and_feedback(db: sqlite3.Connection) -> None:
    """problems.column_index: the 1-based column of the problem's cell (header text is ambiguous
    under merged two-row headers); files.feedback: the annotated copy written for the file
    (`vwu ingest --feedback`), which `vwu status --missing` names."""
    _add_column(db, "problems", "column_index", "INTEGER")
    _add_column(db, "files", "feedback", "TEXT")


def _rekey_provisional_2025(db: sqlite3.Connection) -> None:
    """Figures of 2025 on were keyed by the provisional commune codes of vietnam-provinces 2025.10;
    the 2025 tree now has the official codes (123 communes differ, 9 of them rotated). Re-key
    each figure whose code was re-coded, unless its typed name already names the commune that
    officially holds that code (a file keyed by the official list). All at once, through a
    mapping, so that rotated codes are not re-keyed twice. Aggregations of those years are
    dropped: the next `vwu aggregate` recomputes them."""
    from vwu_pipeline.core.crosswalk import recoded_2025
    from vwu_pipeline.core.units import UnitTree

    recode = recoded_2025()
    if not recode:
        return
    marks = ",".join("?" * len(recode))
    rows = db.execute(
        f"SELECT f.rowid, f.unit_code, f.unit_name FROM figures f JOIN submissions s ON s.id = f.submission_id"
        f" WHERE s.year >= 2025 AND f.unit_code IN ({marks})",
        list(recode),
    ).fetchall()
    # The tree only when there are figures to re-key: a new store must not parse the unit master.
    tree = UnitTree.for_year(2025) if rows else None
    updates = [
        (recode[code], rowid)
        for rowid, code, name in rows
        if not (name and tree.name_matches(code, name) and not tree.name_matches(recode[code], name))
    ]
    db.executemany("UPDATE figures SET unit_code = ? WHERE rowid = ?", updates)
    # A commune's own file: its reporting unit is the commune.
    for table in ("submissions", "files"):
        for provisional, official in _simultaneous(recode):
            db.execute(f"UPDATE {table} SET unit_code = ? WHERE year >= 2025 AND unit_code = ?", (official, provisional))
    for provisional, official in _simultaneous(recode):
        db.execute("UPDATE targets SET unit_code = ? WHERE year >= 2025 AND unit_code = ?", (official, provisional))
    for table in ("aggregations", "aggregates", "completeness", "outliers"):
        db.execute(f"DELETE FROM {table} WHERE year >= 2025")


def _simultaneous(mapping: dict[str, str]) -> list[tuple[str, str]]:
    """(from, to) steps that apply a code mapping as if at once: every source first moves to a
    temporary code, so a rotation (a -> b, b -> a) does not collapse."""
    staged = [(source, f"~{source}") for source in mapping]
    return staged + [(f"~{source}", target) for source, target in mapping.items()]


def _columns(db: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in db.execute(f"PRAGMA table_info({table})")}


def _aggregations_per_period(db: sqlite3.Connection) -> None:
    """A part of the year (2024-H1, 2024-Q3) has its own aggregation beside the year's: every
    aggregation table gains the period's code, the year's own being "2024". Safe to run on a
    store that already has the column."""
    if "period" not in _columns(db, "aggregations"):
        # The key changes from the year to the period: SQLite rebuilds the table for that.
        db.execute(
            "CREATE TABLE aggregations_by_period ("
            " period TEXT PRIMARY KEY,"  # "2024", "2024-H1"
            " year INTEGER NOT NULL, tree TEXT NOT NULL, outlier_factor REAL NOT NULL, previous_year INTEGER,"
            " data_version INTEGER NOT NULL, summary TEXT, aggregated_at TEXT NOT NULL)"
        )
        db.execute(
            "INSERT INTO aggregations_by_period (period, year, tree, outlier_factor, previous_year, data_version, summary, aggregated_at)"
            " SELECT CAST(year AS TEXT), year, tree, outlier_factor, previous_year, data_version, summary, aggregated_at FROM aggregations"
        )
        db.execute("DROP TABLE aggregations")
        db.execute("ALTER TABLE aggregations_by_period RENAME TO aggregations")
    for table in ("aggregates", "completeness", "outliers"):
        if "period" not in _columns(db, table):
            db.execute(f"ALTER TABLE {table} ADD COLUMN period TEXT")
            db.execute(f"UPDATE {table} SET period = CAST(year AS TEXT)")
        db.execute(f"CREATE INDEX IF NOT EXISTS {table}_by_period ON {table} (period)")


def _aggregates_like_for_like(db: sqlite3.Connection) -> None:
    """Honest comparisons: whether the previous year's total is partial, and the like-for-like
    pair (both years over the same units and kind of period) with its coverage and, where no
    unit compares, why."""
    _add_column(db, "aggregates", "previous_partial", "INTEGER NOT NULL DEFAULT 0")
    _add_column(db, "aggregates", "lfl_value", "REAL")
    _add_column(db, "aggregates", "lfl_previous", "REAL")
    _add_column(db, "aggregates", "lfl_units", "INTEGER NOT NULL DEFAULT 0")  # reporting units compared under the unit
    _add_column(db, "aggregates", "lfl_lowest", "INTEGER NOT NULL DEFAULT 0")  # units whose own figures were compared
    # no-previous-year | no-common-unit | different-periods | different-trees ('' when compared)
    _add_column(db, "aggregates", "lfl_reason", "TEXT NOT NULL DEFAULT ''")
    # Aggregations stored before lack the pair: dropped, the next report recomputes them.
    db.execute("DELETE FROM aggregations")


def _units_carry_their_tree(db: sqlite3.Connection) -> None:
    """In 2025 both unit trees live in one year and their codes overlap (legacy province 44 is
    Quảng Bình, new 44 is Quảng Trị): files, submissions, aggregates and targets record the tree
    their codes belong to. Existing rows get the tree of their period (of their year for
    targets and aggregates), which is what vwu used when it stored them."""
    from vwu_pipeline.core.units import UnitTree

    for table in ("files", "submissions", "aggregates", "completeness", "outliers"):
        _add_column(db, table, "tree", "TEXT")
    for table in ("files", "submissions"):
        periods = [p for (p,) in db.execute(f"SELECT DISTINCT period FROM {table} WHERE period IS NOT NULL AND tree IS NULL")]
        for period in periods:
            try:
                tree = UnitTree.for_period(period).tree
            except Exception:  # a period no tree covers (a replaced unit master): left unknown
                continue
            db.execute(f"UPDATE {table} SET tree = ? WHERE period = ? AND tree IS NULL", (tree, period))
    for table in ("aggregates", "completeness", "outliers"):
        db.execute(f"UPDATE {table} SET tree = (SELECT a.tree FROM aggregations a WHERE a.year = {table}.year) WHERE tree IS NULL")
    columns = {row[1] for row in db.execute("PRAGMA table_info(targets)")}
    if "tree" not in columns:
        db.execute("ALTER TABLE targets RENAME TO targets_before_trees")
        db.execute(
            """CREATE TABLE targets (
    year INTEGER NOT NULL,
    tree TEXT NOT NULL,               -- legacy | 2025: 2025 targets may be set on either tree
    unit_code TEXT NOT NULL,          -- '00' for national
    column TEXT NOT NULL,
    target REAL NOT NULL,
    file TEXT,
    loaded_at TEXT NOT NULL,
    PRIMARY KEY (year, tree, unit_code, column)
)"""
        )
        for (year,) in db.execute("SELECT DISTINCT year FROM targets_before_trees").fetchall():
            try:
                tree = UnitTree.for_year(year).tree
            except Exception:
                tree = ""
            db.execute(
                "INSERT INTO targets (year, tree, unit_code, column, target, file, loaded_at)"
                " SELECT year, ?, unit_code, column, target, file, loaded_at FROM targets_before_trees WHERE year = ?",
                (tree, year),
            )
        db.execute("DROP TABLE targets_before_trees")


def _file_indicators(db: sqlite3.Connection) -> None:
    """files.indicators: the indicator sheets a file held (comma-separated), so that a refused file
    is known to concern those indicators only (`vwu status --missing`)."""
    _add_column(db, "files", "indicators", "TEXT")


def _aggregation_inputs(db: sqlite3.Connection) -> None:
    """An aggregation remembers the hash of what it was computed with besides the figures
    (the indicator schemas, the unit master, the conversion table): when one changes, the
    stored aggregation is stale. Aggregations stored before have none: stale, recomputed."""
    _add_column(db, "aggregations", "inputs", "TEXT NOT NULL DEFAULT ''")


def _aggregates_months(db: sqlite3.Connection) -> None:
    """aggregates.months: the months the figures under a unit cover (bits, 4095 the whole year),
    so a year figure built only from a first half is labelled as such."""
    _add_column(db, "aggregates", "months", "INTEGER NOT NULL DEFAULT 4095")
    db.execute("DELETE FROM aggregations")  # recomputed by the next report


def _run_outcomes(db: sqlite3.Connection) -> None:
    """runs.exit_code and runs.message: vwu status shows a run that failed as a failure, with
    its message, rather than as one killed midway."""
    _add_column(db, "runs", "exit_code", "INTEGER")
    _add_column(db, "runs", "message", "TEXT")


def _versions_row_by_row(db: sqlite3.Connection) -> None:
    """Row-by-row replacement, the version key, withdrawals (issue 11).

    - figures.current: a newer version replaces an older one commune by commune, so whether a
      figure counts is decided per figure; a submission is current while any figure of it is.
    - files.signed_on / modified / version_key: which version is newer (DOMAIN.md, Submission
      rules): the place-and-date line, else the file's modification time, then its name.
      Stores made before have neither: their ingest time stands in, so their order is kept.
    - files.digest: the figures of a file, to recognise an original re-saved after its correction.
    - files.withdrawn and withdrawals: an officer's explicit withdrawal, who, when, why, undoable.
    """
    _add_column(db, "figures", "current", "INTEGER NOT NULL DEFAULT 1")
    db.execute("UPDATE figures SET current = (SELECT s.current FROM submissions s WHERE s.id = figures.submission_id)")
    for column in ("signed_on", "modified", "version_key", "digest"):
        _add_column(db, "files", column, "TEXT")
    _add_column(db, "files", "run_id", "INTEGER")
    _add_column(db, "files", "withdrawn", "INTEGER NOT NULL DEFAULT 0")
    db.execute(
        "UPDATE files SET modified = ingested_at, version_key = substr(ingested_at, 1, 10) || ' ' || ingested_at || ' ' || name"
        " WHERE version_key IS NULL"
    )
    db.execute("CREATE INDEX IF NOT EXISTS files_by_digest ON files (digest)")
    db.execute(
        "CREATE TABLE IF NOT EXISTS withdrawals ("
        " id INTEGER PRIMARY KEY,"
        " file_id INTEGER NOT NULL REFERENCES files (id),"
        " action TEXT NOT NULL,"  # withdraw | restore
        " who TEXT NOT NULL,"
        " at TEXT NOT NULL,"
        " reason TEXT)"
    )


def figures_digest(figures: Iterable[tuple[str, str, float]]) -> str:
    """The figures of one indicator of a file, as (unit code, column, value), independent of
    sheet, row and order: two versions with the same digest hold the same figures."""
    import hashlib  # here, not at the top: OpenSSL's load is ≈ 2 ms of a command that stores nothing

    return hashlib.sha256(repr(sorted((code, column, float(value)) for code, column, value in figures)).encode()).hexdigest()


def _resaves_count_from_the_oldest(db: sqlite3.Connection) -> None:
    """A re-saved original never overtakes a correction, whatever the order of arrival (issue 11).

    - submissions.digest: the figures of one indicator of a file (figures_digest); versions of a
      unit's report with equal digests are one version saved again.
    - submissions.version_key: the key the version counts from: the oldest key among the stored
      versions with its figures (its file's own key when it is the only one, or was applied on
      purpose). Stores made before: their file's key, until the next recompute.
    - files.on_purpose: stored by `vwu ingest --force FILE`: counts from its own key.
    - files.rekeyed: how often an identical copy with an older time lowered the file's key (the
      current figures changed without a new submission: the aggregation is stale).
    """
    _add_column(db, "submissions", "digest", "TEXT")
    _add_column(db, "submissions", "version_key", "TEXT")
    _add_column(db, "files", "on_purpose", "INTEGER NOT NULL DEFAULT 0")
    _add_column(db, "files", "rekeyed", "INTEGER NOT NULL DEFAULT 0")
    digests: list[tuple[str, int]] = []
    submission, rows = None, []
    for submission_id, code, column, value in db.execute(
        "SELECT submission_id, unit_code, column, value FROM figures ORDER BY submission_id"
    ).fetchall():
        if submission_id != submission and submission is not None:
            digests.append((figures_digest(rows), submission))
            rows = []
        submission = submission_id
        rows.append((code, column, value))
    if submission is not None:
        digests.append((figures_digest(rows), submission))
    db.executemany("UPDATE submissions SET digest = ? WHERE id = ?", digests)
    db.execute("UPDATE submissions SET version_key = (SELECT f.version_key FROM files f WHERE f.id = submissions.file_id)")


def _aggregations_by_column(db: sqlite3.Connection) -> None:
    """An aggregation's frames are stored column by column (one compressed array or JSON list
    per column, issue 18): writing and reading back a national year's 260,000 rows one by one
    took seconds. The long tables are emptied; stored aggregations are dropped, and the next
    report or aggregate computes them again."""
    db.execute(
        "CREATE TABLE IF NOT EXISTS aggregation_columns ("
        " period TEXT NOT NULL,"  # "2024", "2024-H1", as in aggregations
        " year INTEGER NOT NULL,"
        " frame TEXT NOT NULL,"  # aggregates | completeness | outliers
        " position INTEGER NOT NULL,"  # the column's place in its frame
        " name TEXT NOT NULL,"
        " kind TEXT NOT NULL,"  # <f8 | <i8 | |b1 (a little-endian array) | json (a list) | codes (migration 16)
        " data BLOB NOT NULL,"  # zlib-compressed
        " PRIMARY KEY (period, frame, name))"
    )
    for table in ("aggregations", "aggregates", "completeness", "outliers"):
        db.execute(f"DELETE FROM {table}")


def _file_stats(db: sqlite3.Connection) -> None:
    """What a file looked like when its bytes were hashed (issues 11 and 18): a file whose size,
    modification and change times, inode and device are all as recorded is not hashed again, as
    git's index does. A cache only: emptied, every file is hashed again."""
    db.execute(
        "CREATE TABLE IF NOT EXISTS file_stats ("
        " path TEXT PRIMARY KEY,"  # absolute, as found in the inbox
        " size INTEGER NOT NULL,"
        " mtime_ns INTEGER NOT NULL,"
        " ctime_ns INTEGER NOT NULL,"
        " inode INTEGER NOT NULL,"
        " device INTEGER NOT NULL,"
        " sha256 TEXT NOT NULL)"
    )


def _aggregation_text_as_codes(db: sqlite3.Connection) -> None:
    """A text column of an aggregation may be stored as its distinct values and one 32-bit code
    per row (kind "codes", issue 18) instead of a JSON list of every value. No table changes:
    the step exists so that an older vwu, which cannot read that kind, refuses the store with
    its "made by a newer vwu" message instead of failing on a report. The JSON lists already
    stored are still read."""


COLUMN_SEPARATOR = "\x1f"  # between the column names of a stored row of figures (char(31); names are [a-z0-9_])


def figure_values(packed: bytes) -> list[float]:
    """The values of a stored row of figures (`pack_figures`), in its columns' order."""
    values = array("d", packed)
    if sys.byteorder == "big":
        values.byteswap()
    return values.tolist()


def _values_bytes(values: Iterable[float]) -> bytes:
    packed = array("d", values)
    if sys.byteorder == "big":
        packed.byteswap()
    return packed.tobytes()


def pack_figures(figures: Iterable[tuple], head: tuple = ()) -> list[tuple]:
    """Figures as a file holds them (unit code, unit name, sheet, row, column, value), as the
    store keeps them: one row per run of figures from the same unit, sheet and row, in the
    order given: `head` + (unit code, unit name, sheet, row, the column names joined by
    COLUMN_SEPARATOR, the values as little-endian float64 (exact), how many). The runs are
    found and cut without a Python step per figure (≈ 4 figures a row, 160,000 a national year)."""
    figures = figures if isinstance(figures, list) else list(figures)
    if not figures:
        return []
    codes, names, sheets, rows, columns, values = zip(*figures)
    places = list(zip(codes, names, sheets, rows))
    starts = [0, *compress(range(1, len(places)), map(ne, places[1:], places[:-1])), len(places)]
    data = _values_bytes(values)
    # The joined names interned: a sheet's rows share one text (pickled once per reader chunk).
    return [
        (*head, *places[start], intern(COLUMN_SEPARATOR.join(columns[start:end])), data[8 * start : 8 * end], end - start)
        for start, end in zip(starts, starts[1:])
    ]


@cache
def _row_packer(width: int) -> Callable[..., bytes]:
    """`width` values as `_values_bytes` makes them (little-endian float64), from separate arguments."""
    return Struct(f"<{width}d").pack


class PackedFigures:
    """One indicator's figures of a file held as the store writes them (`pack_figures`' rows,
    without the submission id) and read as the figures a file holds: a sequence of (unit code,
    unit name, sheet, row, column, value), values as floats. How ingest's readers send figures
    back: the main process unpickles a row's few objects instead of a tuple and a float per
    figure, and stores the rows as they are (`Store.save`)."""

    __slots__ = ("rows",)

    def __init__(self, rows: list[tuple]):
        self.rows = rows

    @classmethod
    def of(cls, figures: Iterable[tuple]) -> PackedFigures:
        return figures if isinstance(figures, PackedFigures) else cls(pack_figures(figures))

    @classmethod
    def of_rows(cls, rows: Iterable[tuple], names: list[str]) -> PackedFigures:
        """A sheet's figures from its typed rows, (sheet, row, unit code, unit name, then the
        value of each of `names`), NaN for an empty cell (not reported: not stored): the rows
        `of` gives for the same figures in long form, without making a tuple per figure, and
        the values of the sheet made bytes at once."""
        rows = rows if isinstance(rows, list) else list(rows)
        every = intern(COLUMN_SEPARATOR.join(names))
        width = len(names)
        if width and rows and set(map(len, rows)) == {4 + width}:
            # The sheet column by column: without an empty cell in it (a NaN makes the sum NaN),
            # each row is a row of every column, made without a Python step per row.
            sheets, numbers, codes, unit_names, *columns = zip(*rows)
            total = sum(map(sum, columns))
            if total == total:
                values = map(_row_packer(width), *columns)
                return cls(list(zip(codes, unit_names, sheets, numbers, repeat(every), values, repeat(width))))
        places: list[tuple] = []
        counts: list[int] = []
        flat: list[float] = []
        for sheet, row, code, name, *values in rows:
            total = sum(values)
            if total == total and len(values) == width and width:  # no empty cell: a NaN makes the sum NaN
                places.append((code, name, sheet, row, every))
                counts.append(width)
                flat += values
            else:
                kept = [(column, value) for column, value in zip(names, values) if value == value]
                if not kept:
                    continue  # a row with no figure is absent
                places.append((code, name, sheet, row, intern(COLUMN_SEPARATOR.join([column for column, _ in kept]))))
                counts.append(len(kept))
                flat += [value for _, value in kept]
        data = _values_bytes(flat)
        ends = accumulate(counts)
        return cls([(*place, data[8 * (end - count) : 8 * end], count) for place, count, end in zip(places, counts, ends)])

    def keyed(self) -> list[tuple[str, str, float]]:
        """(unit code, column, value) of each figure, in order (what the digests are made of)."""
        values = iter(figure_values(b"".join([row[5] for row in self.rows])))
        names: dict[str, list[str]] = {}
        for columns in {row[4] for row in self.rows}:
            names[columns] = columns.split(COLUMN_SEPARATOR)
        # zip asks `names` first: at a row's last column it stops without taking a value
        return [(code, column, value) for code, _, _, _, columns, _, _ in self.rows for column, value in zip(names[columns], values)]  # noqa: B905

    def __iter__(self) -> Iterator[tuple]:
        for code, name, sheet, row, columns, values, _ in self.rows:
            for column, value in zip(columns.split(COLUMN_SEPARATOR), figure_values(values), strict=True):
                yield code, name, sheet, row, column, value

    def __len__(self) -> int:
        return sum(row[6] for row in self.rows)

    def __bool__(self) -> bool:
        return bool(self.rows)

    def __getitem__(self, index: int | slice) -> Any:
        """A figure, or a list of them (made from all of them: for the odd caller, not a loop)."""
        return list(self)[index]

    def __eq__(self, other: object) -> bool:
        return self.rows == other.rows if isinstance(other, PackedFigures) else NotImplemented

    __hash__ = None  # type: ignore[assignment]  # its rows are a list

    def __repr__(self) -> str:
        return f"PackedFigures({list(self)!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (PackedFigures, (self.rows,))


def _figures_packed_by_row(db: sqlite3.Connection) -> None:
    """figures: one row per unit's row of a submission (its columns' names joined, its values as
    one float64 array) instead of one row per figure (issue 18): a national year is 40,000
    rows instead of 160,000, which ingest inserted and indexed one by one. What counts is still
    decided per unit (`current`); the figures keep their order (row id, then column)."""
    db.execute(
        "CREATE TABLE figures_by_row ("
        " submission_id INTEGER NOT NULL REFERENCES submissions (id),"
        " unit_code TEXT NOT NULL,"
        " unit_name TEXT,"
        " sheet TEXT NOT NULL,"
        " row INTEGER NOT NULL,"
        " columns TEXT NOT NULL,"  # the column names, joined by char(31)
        " vals BLOB NOT NULL,"  # the values, little-endian float64, one per column
        " width INTEGER NOT NULL,"  # how many figures
        " current INTEGER NOT NULL DEFAULT 1)"
    )
    old = db.execute("SELECT submission_id, current, unit_code, unit_name, sheet, row, column, value FROM figures ORDER BY rowid")
    rows = (
        packed
        for (submission, current), figures in groupby(old, itemgetter(0, 1))
        for packed in pack_figures([f[2:] for f in figures], (submission, current))
    )
    db.executemany(
        "INSERT INTO figures_by_row (submission_id, current, unit_code, unit_name, sheet, row, columns, vals, width)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    db.execute("DROP TABLE figures")
    db.execute("ALTER TABLE figures_by_row RENAME TO figures")
    db.execute("CREATE INDEX figures_by_submission ON figures (submission_id)")


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [
    _baseline,
    _drop_files_report,
    _problem_cells_and_feedback,
    _rekey_provisional_2025,
    _aggregations_per_period,
    _aggregates_like_for_like,
    _units_carry_their_tree,
    _file_indicators,
    _aggregation_inputs,
    _aggregates_months,
    _run_outcomes,
    _versions_row_by_row,
    _resaves_count_from_the_oldest,
    _aggregations_by_column,
    _file_stats,
    _aggregation_text_as_codes,
    _figures_packed_by_row,
]
SCHEMA_VERSION = len(MIGRATIONS)


def version(db: sqlite3.Connection) -> int:
    (current,) = db.execute("PRAGMA user_version").fetchone()
    return current


# A new store's tables as the migrations leave them, made in one step (`_create_new`): running
# the migrations one by one on a new store, altering, rebuilding and re-keying tables that hold
# nothing, was ≈ 12 ms of a first ingest before its readers could start. One file per schema
# version, written by `make shipped` (`ship_schema`); tests/test_store.py holds it to what the
# migrations make. Without the file of this version (a migration added since), the migrations run.
SHIPPED_SCHEMA = Path(__file__).resolve().parent / "schema-{version}.sql"


def shipped_schema() -> Path:
    """The new store's schema file of this vwu's SCHEMA_VERSION (named when asked: a vwu that
    knows fewer migrations, as a test makes it, finds none and runs them)."""
    return Path(str(SHIPPED_SCHEMA).format(version=SCHEMA_VERSION))


def schema_statements() -> list[str]:
    """The statements that make the tables, indexes and columns the migrations make of an
    empty database, as SQLite records them."""
    db = sqlite3.connect(":memory:", isolation_level=None)
    try:
        for step in MIGRATIONS:
            step(db)
        return [sql for (sql,) in db.execute("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid")]
    finally:
        db.close()


def ship_schema() -> None:
    """Write the new store's schema of this vwu's SCHEMA_VERSION for `_create_new` (and remove those of other versions)."""
    out = shipped_schema()
    for old in out.parent.glob("schema-*.sql"):
        old.unlink()
    header = f"-- A new store at schema version {SCHEMA_VERSION}: what the migrations make of an empty database (migrations.py, `make shipped`).\n"
    out.write_text(header + "".join(f"{statement};\n" for statement in schema_statements()), encoding="utf-8")


def _create_new(db: sqlite3.Connection) -> None:
    """A new database (no table, version 0) gets this version's tables at once, in one transaction."""
    try:
        script = shipped_schema().read_text(encoding="utf-8")
    except OSError:
        return  # none shipped for this version: the migrations make them
    db.execute("BEGIN IMMEDIATE")
    try:
        # checked inside the transaction: another process may have made the store meanwhile
        if version(db) == 0 and db.execute("SELECT count(*) FROM sqlite_master").fetchone() == (0,):
            for statement in _statements(script):
                db.execute(statement)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def migrate(db: sqlite3.Connection, path: Path) -> None:
    """Bring the store at `path` to SCHEMA_VERSION; refuse one from a newer vwu."""
    if version(db) == 0:
        _create_new(db)
    while (current := version(db)) < SCHEMA_VERSION:
        db.execute("BEGIN IMMEDIATE")
        try:
            if version(db) == current:  # another process may have migrated meanwhile
                MIGRATIONS[current](db)
                db.execute(f"PRAGMA user_version = {current + 1}")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
    if current > SCHEMA_VERSION:
        raise StoreError("error.store-newer", path=path, found=current, known=SCHEMA_VERSION)
