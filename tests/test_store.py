"""The store keeps its version: a store made by an earlier vwu is migrated with every figure,
target and run kept; a store from a newer vwu is refused."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest

from vwu_pipeline.core.errors import StoreError
from vwu_pipeline.ops.status import status
from vwu_pipeline.store import migrations
from vwu_pipeline.store.db import Store

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
