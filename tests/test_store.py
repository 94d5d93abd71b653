"""The store keeps its version: a store made by an earlier vwu is migrated with every figure,
target and run kept; a store from a newer vwu is refused."""

from __future__ import annotations

import gzip
import math
import shutil
from pathlib import Path

import pytest

from vwu_pipeline.core.errors import StoreError
from vwu_pipeline.ops.status import status
from vwu_pipeline.store import migrations
from vwu_pipeline.store.db import Store
from vwu_pipeline.store.records import FigureOrigin

FIXTURES = Path(__file__).resolve().parent / "fixtures"
# Made by main at 2855291 (before stores had a version): the sample inbox ingested, the sample
# targets loaded, 2023 and 2024 aggregated (aggregation rows then emptied to keep it small).
MAIN_2855291 = FIXTURES / "store_v0_main_2855291.sqlite.gz"


@pytest.fixture
def old_workspace(tmp_path: Path) -> Path:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    with gzip.open(MAIN_2855291) as source, open(workspace / "vwu.sqlite", "wb") as target:
        shutil.copyfileobj(source, target)
    return workspace


def test_a_store_made_before_versions_is_migrated_keeping_everything(old_workspace: Path) -> None:
    store = Store.open(old_workspace)
    try:
        assert store.schema_version == migrations.SCHEMA_VERSION
        figures = store.figures_frame(2024)
        # the sample inbox's accepted 2024 files, figure for figure
        assert len(figures) == 1058
        assert figures.loc[(figures.unit_code == "00712") & (figures.column == "members_total"), "value"].tolist() == [1894.0]
        assert figures.value.sum() == pytest.approx(927908143.0)
        assert len(store.figures_frame(2023)) == 896
        targets = store.targets(2024)
        assert len(targets) == 129
        assert targets.loc[(targets.unit_code == "00") & (targets.column == "members_new"), "target"].tolist() == [170400.0]
    finally:
        store.close()
    runs = status(old_workspace, year=2024).runs
    assert sorted(run.command for run in runs) == ["aggregate", "aggregate", "ingest"]


def test_migrating_twice_changes_nothing(old_workspace: Path) -> None:
    Store.open(old_workspace).close()
    store = Store.open(old_workspace)
    assert store.schema_version == migrations.SCHEMA_VERSION
    assert len(store.figures_frame(2024)) == 1058
    store.close()


def test_a_store_from_a_newer_vwu_is_refused(old_workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    Store.open(old_workspace).close()
    # this vwu pretends to know one migration fewer: the store is newer than it
    monkeypatch.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:-1])
    monkeypatch.setattr(migrations, "SCHEMA_VERSION", migrations.SCHEMA_VERSION - 1)
    with pytest.raises(StoreError, match="mới hơn"):
        Store.open(old_workspace)


def _schema(db) -> list[tuple]:
    return sorted(db.execute("SELECT type, name, tbl_name, sql FROM sqlite_master").fetchall(), key=repr)


def test_a_new_store_gets_at_once_the_tables_the_migrations_make(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The shipped schema of this version is there (else every new store runs the migrations)...
    shipped = migrations.shipped_schema()
    assert shipped.is_file(), "a migration was added since the new store's schema was written: run `make shipped`"
    import sqlite3

    made = sqlite3.connect(":memory:")
    for step in migrations.MIGRATIONS:
        step(made)
    # ...and makes the tables, columns and indexes of a database taken through every migration,
    # as SQLite records them (the same text: the same declarations, in the same order).
    ran = []
    monkeypatch.setattr(migrations, "MIGRATIONS", [lambda db, step=step: ran.append(step) or step(db) for step in migrations.MIGRATIONS])
    with Store.open(tmp_path / "new") as store:
        assert store.schema_version == migrations.SCHEMA_VERSION
        assert _schema(store.db) == _schema(made)
    assert ran == []
    # Without it (a migration added since), the migrations make the same store.
    monkeypatch.setattr(migrations, "SHIPPED_SCHEMA", tmp_path / "none-{version}.sql")
    with Store.open(tmp_path / "migrated") as store:
        assert store.schema_version == migrations.SCHEMA_VERSION
        assert _schema(store.db) == _schema(made)
    assert len(ran) == migrations.SCHEMA_VERSION


def test_the_figures_packed_one_row_per_unit_row_are_the_figures_stored_before(
    old_workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Migration 17 stores a unit's row of a sheet as one row (its columns and values packed)
    # instead of one row per figure. Every figure, its place, its order and whether it counts
    # must come through: read as the store held them one migration before (raw SQL: this vwu's
    # API reads only the packed table), then through the API of the migrated store.
    import sqlite3

    with monkeypatch.context() as before:
        before.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:-1])
        before.setattr(migrations, "SCHEMA_VERSION", migrations.SCHEMA_VERSION - 1)
        Store.open(old_workspace).close()
    db = sqlite3.connect(old_workspace / "vwu.sqlite")
    db.execute("UPDATE figures SET current = 0 WHERE rowid IN (SELECT rowid FROM figures WHERE unit_code = '00712' LIMIT 3)")
    db.commit()
    current = db.execute(
        "SELECT s.year, f.submission_id, f.unit_code, f.column, f.value FROM figures f JOIN submissions s ON s.id = f.submission_id"
        " WHERE s.current = 1 AND f.current = 1 ORDER BY s.id, f.rowid"
    ).fetchall()
    origins = db.execute(
        "SELECT f.unit_code, files.name, f.sheet, f.row, f.value FROM figures f JOIN submissions s ON s.id = f.submission_id"
        " JOIN files ON files.id = s.file_id WHERE s.current = 1 AND f.current = 1 AND f.column = 'members_total'"
    ).fetchall()
    counts = db.execute("SELECT submission_id, count(*) FROM figures GROUP BY submission_id").fetchall()
    db.close()
    assert len(current) > 1900 and {row[3] for row in current} > {"members_total"}

    with Store.open(old_workspace) as store:
        assert store.schema_version == migrations.SCHEMA_VERSION
        for year in (2023, 2024):
            frame = store.figures_frame(year)
            expected = [row[1:] for row in current if row[0] == year]
            assert list(zip(frame.submission_id, frame.unit_code, frame.column, frame.value)) == expected
        assert store.current_figures() == {(code, column): value for _, _, code, column, value in current}
        assert store.figure_origins("members_total") == {
            code: FigureOrigin(name, sheet, row, value) for code, name, sheet, row, value in origins
        }
        assert {(s.id, s.figures) for s in store.submissions() if s.figures} == set(counts)


# Digests are stored, and a later run compares its files' digests with them: the texts hashed
# may never change. These are what vwu wrote before the digests were made faster (737f616).
PINNED_FIGURES = {
    "poverty": [
        ("12340", "Xã Tân Hưng", "Thoát nghèo", 7, "poor_households_end", 0.0),
        ("12340", "Xã Tân Hưng", "Thoát nghèo", 7, "poor_households_start", -0.0),
        ("00001", "Hà Nội", "Thoát nghèo", 6, "poor_households_end", 12.5),
    ],
    "members": [
        ("12343", "Xã Đức Hợp", "Hội viên", 8, "members_total", 1200),
        ("12340", "Phường Kim Mã", "Hội viên", 6, "members_total", 3070.0),
        ("1234'5", 'Xã "A"', "Hội viên", 9, "members_total", 9007199254740993.0),
        ("12340", "Phường Kim Mã", "Hội viên", 6, "members_new", 1e-300),
    ],
}
PINNED_FILE_DIGEST = "1f96f32f90e4a39d9477c8580a121abec64bfedb3bf334f457217ef9ab1da8e6"
PINNED_INDICATOR_DIGESTS = {
    "poverty": "0730fa55ff477918f025ca0d9454475979d0c231e66b93ccdd010b98b80c2d65",
    "members": "3f6995d15f2546770714f91276d709cead3ce0a446207dbef519fb6431709967",
}


def test_the_digests_stored_by_earlier_runs_are_made_the_same_way_today():
    from vwu_pipeline.store.db import figures_digests, file_digest, indicator_digest
    from vwu_pipeline.store.migrations import PackedFigures

    assert file_digest(PINNED_FIGURES) == PINNED_FILE_DIGEST
    assert {name: indicator_digest(rows) for name, rows in PINNED_FIGURES.items()} == PINNED_INDICATOR_DIGESTS
    for _ in range(2):  # the second time from the reprs it remembers
        assert figures_digests(PINNED_FIGURES) == (PINNED_FILE_DIGEST, PINNED_INDICATOR_DIGESTS)
    packed = {name: PackedFigures.of(rows) for name, rows in PINNED_FIGURES.items()}
    assert figures_digests(packed) == (PINNED_FILE_DIGEST, PINNED_INDICATOR_DIGESTS)


# Sheets as a reader packs them (`PackedFigures.of_rows`): "members" without an empty cell, rows
# and columns out of order; "poverty" with empty cells (NaN), so rows with different columns.
# The digests are what vwu wrote before they were made from whole rows (issue 18, session 10).
PINNED_SHEETS = {
    "members": (
        ["women_18_plus", "members_total", "members_new"],
        [
            ("Hội viên", 9, "12343", "Xã Đức Hợp", 7.0, 1200.0, -0.0),
            ("Hội viên", 8, "1234'5", 'Xã "A"', 1e-300, 9007199254740993.0, 0.1),
            ("Hội viên", 7, "00001", "Hà Nội", 3.0, 12.5, 0.0),
        ],
    ),
    "poverty": (
        ["poor_households_start", "poor_households_end"],
        [
            ("Thoát nghèo", 6, "12340", "Phường Kim Mã", math.nan, 4.0),
            ("Thoát nghèo", 7, "00002", "Xã B", -0.0, math.nan),
            ("Thoát nghèo", 8, "00001", "Hà Nội", 2.0, 1.0),
        ],
    ),
}
PINNED_SHEETS_FILE_DIGEST = "e5bd3e09c8c276ad3960a2b3877d3f11a05be776367fa6c69c45ed8fe20ec107"
PINNED_SHEETS_INDICATOR_DIGESTS = {
    "members": "c259614b9a9dcb74ecfe11202617a29ce13196c9dce33ff7fbd1b3357a56fdad",
    "poverty": "c4de9e6d01092cd8d740e5bb3ce101a53d59222e9ab6605513ce9d4e59bc1422",
}


def test_the_digests_of_sheets_packed_by_a_reader_are_those_stored_by_earlier_runs():
    from vwu_pipeline.store.db import figures_digests, file_digest, indicator_digest
    from vwu_pipeline.store.migrations import PackedFigures

    packed = {name: PackedFigures.of_rows(rows, names) for name, (names, rows) in PINNED_SHEETS.items()}
    assert figures_digests(packed) == (PINNED_SHEETS_FILE_DIGEST, PINNED_SHEETS_INDICATOR_DIGESTS)
    long_form = {name: list(rows) for name, rows in packed.items()}
    assert file_digest(long_form) == PINNED_SHEETS_FILE_DIGEST
    assert {name: indicator_digest(rows) for name, rows in long_form.items()} == PINNED_SHEETS_INDICATOR_DIGESTS
    # a unit code on two rows: its figures sorted one by one (equal ones, 0.0 and -0.0, in order)
    names, rows = PINNED_SHEETS["members"]
    twice = {"members": PackedFigures.of_rows([*rows, ("Hội viên", 10, "12343", "Xã Đức Hợp", 1.0, 1200.0, 0.0)], names)}
    long_form = {"members": list(twice["members"])}
    assert figures_digests(twice) == (file_digest(long_form), {"members": indicator_digest(long_form["members"])})
    # "), (" in a code: the file's text made item by item, not by replacing the boundaries
    odd = {"x": PackedFigures.of_rows([("S", 1, "1), (2", None, 1.0, 2.0), ("S", 2, "0", None, 3.0, math.nan)], ["b", "a"])}
    long_form = {"x": list(odd["x"])}
    assert figures_digests(odd) == (file_digest(long_form), {"x": indicator_digest(long_form["x"])})
