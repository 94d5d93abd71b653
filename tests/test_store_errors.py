""" "Corrupt" means corrupt (issue 16): a file-size limit, a full disk, a deleted write-ahead log
and a store of a structure this vwu does not know each get their own message and exit 4, and
none of them the advice to move vwu.sqlite away (which loses targets, runs and refusals)."""

from __future__ import annotations

import gzip
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import figures

from vwu_pipeline.store import migrations
from vwu_pipeline.store.db import Store

VWU = str(Path(sys.executable).parent / "vwu")
SAMPLES = Path(__file__).resolve().parent.parent / "sample_data" / "inbox"
OLD_STORE = Path(__file__).resolve().parent / "fixtures" / "store_v0_main_2855291.sqlite.gz"
CORRUPT_WORDS = ("hỏng", "corrupt", "chuyển tệp vwu.sqlite đi")


def said(stderr: str, text: str) -> bool:
    """The red panel says `text` (the panel wraps lines anywhere: spaces are ignored)."""
    return "".join(text.split()) in "".join(stderr.replace("│", "").split())


@pytest.fixture
def hung_yen(tmp_path: Path) -> Path:
    """A workspace holding Hưng Yên's sample reports."""
    workspace = tmp_path / "ws"
    done = subprocess.run([VWU, "ingest", SAMPLES / "33_hung_yen", "-w", workspace, "--quiet"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return workspace


@pytest.mark.linux
def test_a_file_size_limit_is_named_with_its_value_not_called_corrupt(hung_yen):
    before = figures(hung_yen)
    limit = 40_000  # above the shared-memory file (32 KiB), below what two provinces' reports need

    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))

    more = [VWU, "ingest", SAMPLES / "45_quang_tri", SAMPLES / "02_ha_giang", "-w", hung_yen, "--quiet"]
    stopped = subprocess.run(more, capture_output=True, text=True, preexec_fn=limited)
    again = subprocess.run(more, capture_output=True, text=True)

    assert stopped.returncode == 4, stopped.stderr
    assert said(stopped.stderr, f"vượt giới hạn kích thước tệp của tiến trình (ulimit -f = {limit} byte)"), stopped.stderr
    assert said(stopped.stderr, "ulimit -f unlimited")
    assert not [w for w in CORRUPT_WORDS if w in stopped.stderr], stopped.stderr
    assert again.returncode == 0, again.stderr  # nothing was damaged: with the limit raised, the same run goes through
    after = figures(hung_yen)
    assert all(after[key] == value for key, value in before.items())


def test_a_full_disk_is_said_so_and_keeps_what_was_stored(vwu, hung_yen, monkeypatch):
    before = figures(hung_yen)
    store_file = hung_yen / "vwu.sqlite"
    # The store's disk with one free page left: SQLite's own SQLITE_FULL.
    monkeypatch.setattr(Store, "opened", staticmethod(lambda store: store.limit_growth(1)))
    result = vwu("ingest", SAMPLES / "45_quang_tri", SAMPLES / "02_ha_giang", "-w", hung_yen, "--quiet")
    english = vwu("ingest", SAMPLES / "45_quang_tri", "-w", hung_yen, "--quiet", "--lang", "en")
    monkeypatch.undo()

    assert result.exit_code == english.exit_code == 4, result.output
    assert said(result.stderr, f"Không ghi được {store_file}: đĩa đã đầy")
    assert said(result.stderr, "Giải phóng chỗ trống trên đĩa rồi chạy lại: dữ liệu đã lưu vẫn nguyên vẹn.")
    assert said(english.stderr, f"Cannot write {store_file}: the disk is full")
    assert not [w for w in CORRUPT_WORDS if w in result.stderr + english.stderr]
    # SQLite had already rolled back the file being written, so vwu's own ROLLBACK failed: that
    # failure must not hide the full disk. Files are stored whole or not at all: what was being
    # written when the disk filled was rolled back, nothing stored earlier was touched, and with
    # room again the same run goes through.
    after = figures(hung_yen)
    assert all(after[key] == value for key, value in before.items())
    with Store.open(hung_yen) as store:  # the runs are recorded as they ended: the disk full (4), not a bug (70)
        assert [(r.command, r.exit_code) for r in store.runs(2)] == [("ingest", 4), ("ingest", 4)]
    assert vwu("ingest", SAMPLES / "45_quang_tri", SAMPLES / "02_ha_giang", "-w", hung_yen, "--quiet").exit_code == 0


def test_a_write_ahead_log_deleted_while_in_use_is_named(vwu, hung_yen):
    running = Store.open(hung_yen)  # a vwu run holding the store, with a change in its log
    running.start_run("ingest")
    try:
        (hung_yen / "vwu.sqlite-wal").unlink()  # an admin "cleaning up" the folder
        result = vwu("status", "--year", 2024, "-w", hung_yen)
    finally:
        running.close()

    assert result.exit_code == 4, result.output
    assert said(result.stderr, "Tệp nhật ký ghi trước vwu.sqlite-wal đã bị xóa khi vwu đang dùng nó")
    assert said(result.stderr, "Đừng xóa các tệp vwu.sqlite-wal, vwu.sqlite-shm khi vwu chạy.")
    assert not [w for w in CORRUPT_WORDS if w in result.stderr]


def test_a_store_of_a_structure_this_vwu_does_not_know_is_not_called_corrupt(vwu, tmp_path):
    """A store that says it is current but lacks tables and columns (made by another branch of
    vwu, or edited by hand): its header's user_version (bytes 60-63) set without the migrations."""
    workspace = tmp_path / "ws"
    workspace.mkdir()
    store_file = workspace / "vwu.sqlite"
    with gzip.open(OLD_STORE) as source, open(store_file, "wb") as target:
        shutil.copyfileobj(source, target)
    header = bytearray(store_file.read_bytes())
    header[60:64] = migrations.SCHEMA_VERSION.to_bytes(4, "big")
    store_file.write_bytes(bytes(header))

    result = vwu("status", "--year", 2024, "-w", workspace)

    assert result.exit_code == 4, result.output
    assert said(result.stderr, f"Cơ sở dữ liệu {store_file} không có cấu trúc mà bản vwu này cần")
    assert said(result.stderr, "đừng xóa tệp: chỉ tiêu, lịch sử chạy và báo cáo từ chối nằm trong đó.")
    assert not [w for w in CORRUPT_WORDS if w in result.stderr]
