"""The nightly re-ingest of an inbox where almost nothing changed: files whose stat is as it was
when they were hashed are not hashed again (git's index does the same), and no change is missed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from builders import rows_for, write_csv
from conftest import figures

from vwu_pipeline.ingest import reading
from vwu_pipeline.ingest import run as ingest_run


@pytest.fixture
def hashed(monkeypatch) -> list[str]:
    """The names of the files whose bytes ingest hashes, in order."""
    names: list[str] = []
    real = reading.sha256_of

    def counted(path):
        names.append(Path(path).name)
        return real(path)

    monkeypatch.setattr(reading, "sha256_of", counted)
    return names


@pytest.fixture
def settled(monkeypatch):
    """Files count as settled as soon as they are written (in real use: 0.1 s after their last
    write, 2 s when their times are in whole seconds)."""
    monkeypatch.setattr(ingest_run, "STAT_SETTLED_NS", 0)
    monkeypatch.setattr(ingest_run, "STAT_SETTLED_WHOLE_SECONDS_NS", 0)


def members_csv(path: Path, first_commune_members: int) -> Path:
    rows = rows_for("members")
    rows[0][2] = first_commune_members
    return write_csv(path, "members", rows)


def test_an_unchanged_re_ingest_asks_the_file_system_about_each_file_once(vwu, inbox, workspace, settled, monkeypatch):
    # Issue 18: the listing's lstat, then the hashing's stat of the same file (two system calls a
    # file, each ≈ 2 µs on a virtual machine, 700 files a national re-ingest).
    members_csv(inbox / "tien_lu.csv", 1200)
    (inbox / "sub").mkdir()
    members_csv(inbox / "sub" / "phu_cu.csv", 1300)
    assert vwu("ingest", inbox, "--workspace", workspace).exit_code == 0
    asked: list[str] = []
    real_stat, real_lstat = os.stat, os.lstat

    def stat(path, *args, **kwargs):
        if not isinstance(path, int):  # not a descriptor
            asked.append(os.path.basename(os.fsdecode(path)))
        return real_stat(path, *args, **kwargs)

    def lstat(path, *args, **kwargs):
        asked.append(os.path.basename(os.fsdecode(path)))
        return real_lstat(path, *args, **kwargs)

    monkeypatch.setattr(os, "stat", stat)
    monkeypatch.setattr(os, "lstat", lstat)
    again = vwu("ingest", inbox, "--workspace", workspace, "--json")
    monkeypatch.undo()

    assert again.exit_code == 0, again.output
    assert [f["status"] for f in json.loads(again.stdout)["files"]] == ["unchanged", "unchanged"]
    assert sorted(name for name in asked if name.endswith(".csv")) == ["phu_cu.csv", "tien_lu.csv"]


def test_an_unchanged_file_is_recognised_without_hashing_it_again(vwu, inbox, workspace, hashed, settled):
    members_csv(inbox / "tien_lu.csv", 1200)
    assert vwu("ingest", inbox, "--workspace", workspace).exit_code == 0
    assert hashed == ["tien_lu.csv"]

    again = vwu("ingest", inbox, "--workspace", workspace)

    assert again.exit_code == 0, again.output
    assert "Đã có, không đổi" in again.output
    assert hashed == ["tien_lu.csv"]  # not hashed a second time


def test_a_file_just_written_is_hashed_again_on_the_next_run(vwu, inbox, workspace, hashed, monkeypatch):
    """A write within the clock's resolution after the hashing could leave the same times: a
    file written shortly before it was hashed is not trusted by its stat."""
    monkeypatch.setattr(ingest_run, "STAT_SETTLED_NS", 3600 * 10**9)  # "shortly": an hour, on a slow test machine
    members_csv(inbox / "tien_lu.csv", 1200)
    vwu("ingest", inbox, "--workspace", workspace)

    again = vwu("ingest", inbox, "--workspace", workspace)

    assert "Đã có, không đổi" in again.output
    assert hashed == ["tien_lu.csv", "tien_lu.csv"]


def test_a_file_rewritten_with_the_same_size_is_read_again(vwu, inbox, workspace, hashed, settled):
    path = members_csv(inbox / "tien_lu.csv", 1200)
    vwu("ingest", inbox, "--workspace", workspace)
    size = path.stat().st_size

    members_csv(path, 1250)  # the same number of digits: the same size, a new modification time
    assert path.stat().st_size == size
    again = vwu("ingest", inbox, "--workspace", workspace)

    assert again.exit_code == 0, again.output
    assert "Thay bản trước" in again.output
    assert figures(workspace)[("12337", "members_total")] == 1250


def test_a_rewritten_file_whose_modification_time_was_set_back_is_read_again(vwu, inbox, workspace, hashed, settled):
    """`cp -p`, `rsync -t` or `touch -d` can give new bytes the old modification time; the
    change time, which no program can set, still moves."""
    path = members_csv(inbox / "tien_lu.csv", 1200)
    vwu("ingest", inbox, "--workspace", workspace)
    before = path.stat()

    members_csv(path, 1250)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    again = vwu("ingest", inbox, "--workspace", workspace)

    assert "Thay bản trước" in again.output, again.output
    assert figures(workspace)[("12337", "members_total")] == 1250
    assert hashed == ["tien_lu.csv", "tien_lu.csv"]


def test_a_file_replaced_by_another_of_the_same_size_and_time_is_read_again(vwu, inbox, workspace, hashed, settled, tmp_path):
    """An upload written beside the inbox and renamed into place (SFTP clients do this)."""
    path = members_csv(inbox / "tien_lu.csv", 1200)
    vwu("ingest", inbox, "--workspace", workspace)
    before = path.stat()

    upload = members_csv(tmp_path / "upload.csv", 1250)
    os.utime(upload, ns=(before.st_atime_ns, before.st_mtime_ns))
    os.replace(upload, path)
    again = vwu("ingest", inbox, "--workspace", workspace)

    assert "Thay bản trước" in again.output, again.output
    assert figures(workspace)[("12337", "members_total")] == 1250


def test_a_file_moved_within_the_inbox_is_hashed_under_its_new_name(vwu, inbox, workspace, hashed, settled):
    path = members_csv(inbox / "tien_lu.csv", 1200)
    vwu("ingest", inbox, "--workspace", workspace)
    (inbox / "late").mkdir()
    path.rename(inbox / "late" / "tien_lu.csv")

    again = vwu("ingest", inbox, "--workspace", workspace)

    assert "Đã có, không đổi" in again.output, again.output
    assert hashed == ["tien_lu.csv", "tien_lu.csv"]


def test_a_file_with_times_in_whole_seconds_is_trusted_only_two_seconds_after_its_last_write(vwu, inbox, workspace, hashed, monkeypatch):
    """FAT keeps modification times to 2 s, ext3 to 1 s (and `cp -p` copies such times): a
    write in the same two seconds could leave the same times."""
    monkeypatch.setattr(ingest_run, "STAT_SETTLED_NS", 0)
    path = members_csv(inbox / "tien_lu.csv", 1200)
    whole = (path.stat().st_mtime_ns // 10**9 - 3600) * 10**9
    os.utime(path, ns=(whole, whole))  # its change time is now: not settled for 2 s
    vwu("ingest", inbox, "--workspace", workspace)

    again = vwu("ingest", inbox, "--workspace", workspace)

    assert "Đã có, không đổi" in again.output
    assert hashed == ["tien_lu.csv", "tien_lu.csv"]


REINGEST_AND_LIST_IMPORTS = """
import json, sys
from vwu_pipeline.cli import main
sys.argv[1:] = ["ingest", sys.argv[1], "--workspace", sys.argv[2], *sys.argv[3:]]
try:
    main()
except SystemExit as done:
    code = done.code
heavy = ("rich", "multiprocessing", "concurrent.futures", "python_calamine", "zipfile", "vwu_pipeline.ingest.reading", "vwu_pipeline.ingest.guards", "tomllib")
print(json.dumps({"code": code, "loaded": sorted(m for m in heavy if m in sys.modules)}))
"""


def test_a_quiet_unchanged_re_ingest_starts_no_reader_and_prints_nothing_so_imports_neither(inbox, workspace):
    """What a cron run where nothing changed needs: the store, the log, the lock. The readers and
    their guards, the process pool and the terminal library are each imported only to be used:
    a file to read, a reader to start, a line to print (every import is paid on every night)."""
    members_csv(inbox / "tien_lu.csv", 1200)
    # settled (STAT_SETTLED_NS) when the first run hashes it, however soon after its start: its stat is recorded
    time.sleep(ingest_run.STAT_SETTLED_NS / 1e9 + 0.05)
    env = {k: v for k, v in os.environ.items() if not k.startswith("VWU_")}

    def ingest(*options: str) -> dict:
        done = subprocess.run(
            [sys.executable, "-c", REINGEST_AND_LIST_IMPORTS, str(inbox), str(workspace), *options], capture_output=True, text=True, env=env
        )
        *said, seen = done.stdout.splitlines() or [""]
        return {**json.loads(seen or "{}"), "said": said, "stderr": done.stderr[-2000:]}

    first = ingest("--quiet")
    assert first["code"] == 0 and {"multiprocessing", "vwu_pipeline.ingest.reading"} <= set(first["loaded"]), first
    again = ingest("--quiet")
    assert (again["code"], again["loaded"], again["said"]) == (0, [], []), again
    loud = ingest()
    assert (loud["code"], loud["loaded"]) == (0, ["rich"]), loud
    assert any("Đã có, không đổi" in line and "tien_lu.csv" in line for line in loud["said"]), loud


# --- many files: hashed by a process of their own while the readers are prepared ----------------


def _stored(workspace: Path) -> tuple[list, list]:
    import sqlite3

    db = sqlite3.connect(workspace / "vwu.sqlite")
    try:
        files = db.execute("SELECT name, path, sha256, status, unit_code, version_key FROM files ORDER BY id").fetchall()
        stats = db.execute("SELECT * FROM file_stats ORDER BY path").fetchall()
    finally:
        db.close()
    return files, stats


def test_files_hashed_apart_give_what_files_hashed_here_give(vwu, inbox, tmp_path, settled, monkeypatch):
    """A first ingest of many files hashes them in a process of its own while this one prepares
    the readers (HASHED_APART_FILES): the same sha256s, copies, stored files and recorded stats."""
    members_csv(inbox / "a.csv", 1200)
    members_csv(inbox / "b.csv", 1300)
    (inbox / "c.csv").write_bytes((inbox / "a.csv").read_bytes())  # a copy: read once
    (inbox / "refused.csv").write_bytes(b"x")
    apart = []
    real_apart = ingest_run._hashed_apart
    monkeypatch.setattr(ingest_run, "_hashed_apart", lambda *a: apart.append(len(a[0])) or real_apart(*a))

    here = vwu("ingest", inbox, "--workspace", tmp_path / "here")
    assert apart == []  # 4 files: hashed here
    monkeypatch.setattr(ingest_run, "HASHED_APART_FILES", 1)
    there = vwu("ingest", inbox, "--workspace", tmp_path / "apart")

    assert apart == [4]
    assert (there.exit_code, there.output) == (here.exit_code, here.output)
    assert _stored(tmp_path / "apart") == _stored(tmp_path / "here")
    files, stats = _stored(tmp_path / "here")
    assert [(name, status) for name, _, _, status, *_ in files] == [
        ("a.csv", "accepted"),
        ("b.csv", "accepted"),
        ("refused.csv", "refused"),
    ]
    assert len(stats) == 4


def test_a_hasher_that_dies_leaves_the_hashing_to_this_process(vwu, inbox, tmp_path, settled, monkeypatch):
    members_csv(inbox / "a.csv", 1200)
    members_csv(inbox / "b.csv", 1300)
    here = vwu("ingest", inbox, "--workspace", tmp_path / "here")
    monkeypatch.setattr(ingest_run, "HASHED_APART_FILES", 1)
    parent = os.getpid()
    real = ingest_run._sha256_or_none

    def dies_apart(path):
        if os.getpid() != parent:
            os._exit(1)  # the hasher ends as if killed
        return real(path)

    monkeypatch.setattr(ingest_run, "_sha256_or_none", dies_apart)
    there = vwu("ingest", inbox, "--workspace", tmp_path / "apart")

    assert (there.exit_code, there.output) == (here.exit_code, here.output)
    assert _stored(tmp_path / "apart") == _stored(tmp_path / "here")


def test_a_schema_mistake_met_while_the_files_are_hashed_apart_stops_the_run_and_the_hasher(vwu, inbox, workspace, monkeypatch):
    import multiprocessing

    from vwu_pipeline.core.errors import ConfigError

    members_csv(inbox / "a.csv", 1200)
    monkeypatch.setattr(ingest_run, "HASHED_APART_FILES", 1)

    def mistaken(self):
        raise ConfigError("error.no-schema-files", folder="schemas")

    monkeypatch.setattr(ingest_run.CatalogOnDemand, "get", mistaken)
    result = vwu("ingest", inbox, "--workspace", workspace)

    assert result.exit_code == 2
    assert multiprocessing.active_children() == []
