"""vwu backup (issue 16): a consistent copy taken while an ingest runs, rotated."""

from __future__ import annotations

import shutil
import time
import zipfile
from pathlib import Path

from builders import district_workbook
from held import ingest_held_after
from hostile import SHEET1, patch_zip

from vwu_pipeline.store.db import Store

FILES = 40  # a first batch of 25 committed, then the backup, then the other 15


def _stored(workspace: Path) -> int:
    try:
        with Store.open(workspace, create=False, write=False) as store:
            return len(store.files())
    except Exception:  # not created yet
        return 0


def _per_file(workspace: Path) -> dict[str, list[tuple[str, int]]]:
    """For each stored file: its indicators and how many figures each holds."""
    with Store.open(workspace, create=False, write=False) as store:
        names = {f.id: f.name for f in store.files()}
        out: dict[str, list[tuple[str, int]]] = {}
        for sub in store.submissions():
            out.setdefault(names[sub.file_id], []).append((sub.indicator, sub.figures))
    return {name: sorted(subs) for name, subs in out.items()}


def test_a_backup_taken_during_an_ingest_is_whole_and_rotated(vwu, tmp_path):
    inbox, workspace, backups = tmp_path / "inbox", tmp_path / "ws", tmp_path / "backups"
    inbox.mkdir()
    template = district_workbook(tmp_path / "template.xlsx", totals=False)
    for i in range(FILES):
        patch_zip(
            template, inbox / f"huyen_{i:03d}.xlsx", {SHEET1: lambda xml, i=i: xml.replace(b"<v>1800</v>", f"<v>{1800 + i}</v>".encode())}
        )
    with ingest_held_after(1, inbox, "-w", workspace, "--quiet", folder=tmp_path) as held:
        during = held.process.poll() is None
        taken = vwu("backup", "--workspace", workspace, "--to", backups, "--json")
    assert held.process.returncode == 0
    assert taken.exit_code == 0, taken.output
    assert during, "the ingest ended before the backup: nothing was shown"
    [copy] = backups.glob("vwu-*.sqlite")
    restored = tmp_path / "restored"
    restored.mkdir()
    shutil.copy(copy, restored / "vwu.sqlite")

    with Store.open(restored, create=False, write=False) as store:
        assert store.check(quick=False) == "ok"  # PRAGMA integrity_check
    in_backup, in_the_end = _per_file(restored), _per_file(workspace)
    assert len(in_backup) == 25 < len(in_the_end) == FILES  # taken in the middle of the run
    assert all(in_backup[name] == in_the_end[name] for name in in_backup)  # whole files only

    for _ in range(3):  # rotation: the newest --keep copies stay
        time.sleep(1.05)  # copies are named by the second
        assert vwu("backup", "--workspace", workspace, "--to", backups, "--keep", "2", "--quiet").exit_code == 0
    assert len(list(backups.glob("vwu-*.sqlite"))) == 2
    assert not list(backups.glob(".*part"))


def test_backup_of_a_folder_with_no_workspace_is_a_usage_error(vwu, tmp_path):
    result = vwu("backup", "--workspace", tmp_path / "nothing")

    assert result.exit_code == 2
    assert "Chưa có dữ liệu" in result.stderr


def test_backup_into_a_file_is_exit_73(vwu, inbox, workspace, tmp_path):
    district_workbook(inbox / "a.xlsx")
    assert vwu("ingest", inbox, "--workspace", workspace, "--quiet").exit_code == 0
    (tmp_path / "a_file").write_text("x")

    result = vwu("backup", "--workspace", workspace, "--to", tmp_path / "a_file")

    assert result.exit_code == 73
    assert zipfile.is_zipfile(inbox / "a.xlsx")  # nothing else touched
