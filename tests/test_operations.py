"""Running unattended on a shared server: configuration, the log, status, one writer at a
time, nothing lost when killed, a corrupt database, and output fit for scripts."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from builders import district_workbook, rows_for
from conftest import figures
from held import ingest_held_after
from hostile import SHEET1, patch_zip

from vwu_pipeline.core.errors import ConfigError, StoreError
from vwu_pipeline.ops import config
from vwu_pipeline.ops.status import status
from vwu_pipeline.store.db import Store

VWU = str(Path(sys.executable).parent / "vwu")


def write_config(workspace: Path, text: str) -> Path:
    workspace.mkdir(parents=True, exist_ok=True)
    path = workspace / "vwu.toml"
    path.write_text(text, encoding="utf-8")
    return path


def no_traceback(result) -> None:
    assert "Traceback" not in result.output and "Traceback" not in result.stderr, result.output + result.stderr


# --- configuration ---------------------------------------------------------------------------


def test_option_beats_environment_beats_file_beats_default(tmp_path):
    workspace = tmp_path / "ws"
    write_config(
        workspace,
        'inbox = "hop_thu"\nlang = "en"\nyear = 2023\nlock_timeout = 5\nmax_rows = 5000\nmax_file_bytes = "2 MB"\n',
    )
    environ = {"VWU_YEAR": "2024", "VWU_MAX_ROWS": "7000"}

    settings = config.load(workspace, environ=environ, lang="vi")

    assert settings.lang == "vi" and settings.sources["lang"] == "option"
    assert settings.year == 2024 and settings.sources["year"] == "VWU_YEAR"
    assert settings.lock_timeout == 5 and settings.sources["lock_timeout"] == str(workspace / "vwu.toml")
    assert settings.inbox == (workspace / "hop_thu").resolve()  # relative to the workspace holding vwu.toml
    assert settings.limits.max_rows == 7000 and settings.limits.max_file_bytes == 2 * 1024**2
    assert settings.limits.max_columns == 200  # default
    assert settings.outputs == Path(".") and settings.config_file == workspace / "vwu.toml"
    defaults = config.load(tmp_path / "empty", environ={})
    assert (defaults.lang, defaults.year, defaults.lock_timeout, defaults.inbox) == ("vi", None, 10.0, None)
    assert config.load(None, environ={"VWU_WORKSPACE": str(workspace)}).workspace == workspace


@pytest.mark.parametrize(
    "text,expected",
    [
        ("inbox = /srv/vwu/inbox\n", ["sai cú pháp TOML ở dòng 1", 'inbox = "/srv/vwu/inbox"']),
        ('inbx = "/srv/vwu/inbox"\n', ["khóa 'inbx' không được hỗ trợ", "Có phải ý bạn là 'inbox'?"]),
        ('max_rows = "nhiều"\n', ["khóa 'max_rows' cần một số nguyên, không phải 'nhiều' (chuỗi)", "Ví dụ: max_rows = 100000"]),
        ('lang = "fr"\n', ["khóa 'lang' cần 'vi' hoặc 'en'", 'Ví dụ: lang = "vi"']),
        ("lock_timeout = -3\n", ["khóa 'lock_timeout' cần một số giây (0 hoặc lớn hơn), không phải -3 (số nguyên)"]),
        ("[limits]\nmax_rows = 10\n", ["khóa 'limits' không được hỗ trợ", "Các khóa hợp lệ: inbox, outputs"]),
    ],
)
def test_a_bad_config_file_stops_the_run_with_exit_2_naming_file_and_key(vwu, inbox, workspace, text, expected):
    path = write_config(workspace, text)
    district_workbook(inbox / "a.xlsx")

    result = vwu("ingest", inbox, "--workspace", workspace)

    assert result.exit_code == 2
    no_traceback(result)
    message = " ".join(result.stderr.replace("│", " ").split())
    assert str(path) in message.replace(" ", "") or str(path) in message
    for part in expected:
        assert part in message, message
    assert not (workspace / "vwu.sqlite").exists()  # nothing ran on half a configuration


def test_a_bad_environment_variable_is_a_usage_error(vwu, inbox, workspace, monkeypatch):
    monkeypatch.setenv("VWU_LOCK_TIMEOUT", "mười")

    result = vwu("ingest", inbox, "--workspace", workspace)

    assert result.exit_code == 2
    assert "Biến môi trường VWU_LOCK_TIMEOUT='mười' không hợp lệ" in " ".join(result.stderr.replace("│", " ").split())


def test_ingest_without_a_path_reads_the_configured_inbox(vwu, tmp_path, workspace):
    write_config(workspace, 'inbox = "../hop thu"\n')
    (tmp_path / "hop thu").mkdir()
    district_workbook(tmp_path / "hop thu" / "tien_lu.xlsx")

    result = vwu("ingest", "--workspace", workspace)

    assert result.exit_code == 0, result.output
    assert figures(workspace)[("12337", "members_total")] == 1200


def test_ingest_without_a_path_or_inbox_says_how_to_fix_it(vwu, workspace):
    result = vwu("ingest", "--workspace", workspace)

    assert result.exit_code == 2
    assert "Chưa cho biết thư mục nhận báo cáo" in result.stderr and "inbox" in result.stderr


def test_validate_and_report_follow_the_config_file(vwu, inbox, workspace, tmp_path):
    district_workbook(inbox / "tien_lu.xlsx")
    write_config(workspace, f'max_rows = 5\nlang = "en"\nyear = 2024\noutputs = "{tmp_path / "bao_cao"}"\n')

    checked = vwu("validate", inbox / "tien_lu.xlsx", "--workspace", workspace)
    assert checked.exit_code == 1 and "more than the limit of 5" in checked.output  # limits and lang
    assert sorted(p.name for p in workspace.iterdir()) == ["vwu.toml"]  # validate writes nothing

    (workspace / "vwu.toml").write_text(f'lang = "en"\nyear = 2024\noutputs = "{tmp_path / "bao_cao"}"\n', encoding="utf-8")
    district_workbook(inbox / "late_2023.xlsx", ("members",), year=2023)
    # the year of vwu.toml is the report's default, not a filter: last year's late file is taken
    assert vwu("ingest", inbox, "--workspace", workspace).exit_code == 0
    assert vwu("validate", inbox / "late_2023.xlsx", "--workspace", workspace, "--year", 2024).exit_code == 1  # --year checks
    reported = vwu("report", "--workspace", workspace)  # year, outputs, lang from vwu.toml

    assert reported.exit_code == 0, reported.output
    assert "Wrote" in reported.output
    assert (tmp_path / "bao_cao" / "vwu-2024.xlsx").exists() and (tmp_path / "bao_cao" / "vwu-2024.md").exists()
    assert vwu("report", "--workspace", workspace, "--lang", "vi", "--out", tmp_path / "o").output.startswith("Đã ghi")


def test_load_rejects_unknown_option_names_and_bad_years():
    with pytest.raises(TypeError):
        config.load(None, environ={}, inbx="x")
    with pytest.raises(ConfigError, match="VWU_YEAR"):
        config.load(None, environ={"VWU_YEAR": "1999"})


# --- the log, --quiet, --json, progress bars ------------------------------------------------


def test_the_log_has_a_line_per_file_and_per_run(vwu, inbox, workspace):
    district_workbook(inbox / "a_tien_lu.xlsx")
    (inbox / "b_rong.xlsx").write_bytes(b"")

    vwu("ingest", inbox, "--workspace", workspace)
    vwu("ingest", inbox, "--workspace", workspace, "--quiet")

    lines = (workspace / "vwu.log").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 6
    assert " ingest: file accepted " in lines[0] and 'a_tien_lu.xlsx" unit=332 period=2024 rows=12 errors=0 warnings=0' in lines[0]
    assert " ingest: file refused " in lines[1] and 'b_rong.xlsx" rows=0 errors=1 warnings=0 first_error=file-empty' in lines[1]
    assert (
        " ingest: run exit=1 accepted=1 replaced=0 unchanged=0 refused=1 skipped=0 files=2 rows=12 errors=1 warnings=0 duration="
        in lines[2]
    )
    assert " ingest: file unchanged " in lines[3] and " ingest: run exit=1 accepted=0 " in lines[5]
    assert all(line[:4].isdigit() and f"vwu[{os.getpid()}]" in line for line in lines)  # time first, then who


def test_the_log_rotates_at_the_configured_size(vwu, inbox, workspace):
    write_config(workspace, "log_max_bytes = 1500\nlog_backups = 2\n")
    for i in range(3):
        (inbox / f"rong_{i}.xlsx").write_bytes(b"")

    for _ in range(6):
        vwu("ingest", inbox, "--workspace", workspace)

    logs = sorted(p.name for p in workspace.glob("vwu.log*"))
    assert logs == ["vwu.log", "vwu.log.1", "vwu.log.2"]
    assert all((workspace / name).stat().st_size <= 1500 for name in logs)


def test_one_run_of_many_files_rotates_its_log_as_it_writes(vwu, inbox, workspace):
    # The log's end is looked up only when the lines written since may have brought it near the
    # limit (issue 18: two system calls a line): a single run still rotates at the size.
    write_config(workspace, "log_max_bytes = 2000\nlog_backups = 3\n")
    for i in range(40):
        (inbox / f"rong_{i:02d}.xlsx").write_bytes(b"")

    vwu("ingest", inbox, "--workspace", workspace)

    logs = sorted(workspace.glob("vwu.log*"))
    assert [p.name for p in logs] == ["vwu.log", "vwu.log.1", "vwu.log.2", "vwu.log.3"]  # 40 lines of ≈ 150 bytes
    assert all(p.stat().st_size <= 2000 for p in logs), [p.stat().st_size for p in logs]
    lines = "".join(p.read_text(encoding="utf-8") for p in reversed(logs)).splitlines()  # oldest first
    assert "ingest: run exit=1" in lines[-1] and "rong_39.xlsx" in lines[-2], lines


def test_json_is_alone_on_stdout_and_quiet_prints_only_problems(inbox, workspace):
    district_workbook(inbox / "a_tien_lu.xlsx")
    (inbox / "b_rong.xlsx").write_bytes(b"")

    as_json = subprocess.run([VWU, "ingest", str(inbox), "-w", str(workspace), "--json"], capture_output=True, text=True)
    # a workspace of its own: refused here before, the file would be summarised in one line (issue 16)
    quiet = subprocess.run([VWU, "ingest", str(inbox), "-w", str(workspace.parent / "ws2"), "--quiet"], capture_output=True, text=True)

    assert as_json.returncode == 1 and as_json.stderr == ""
    report = json.loads(as_json.stdout)  # the whole of stdout is one JSON document
    assert report["counts"]["accepted"] == 1 and report["counts"]["refused"] == 1
    assert quiet.returncode == 1 and quiet.stderr == ""
    assert "a_tien_lu.xlsx" not in quiet.stdout and "Tổng kết" not in quiet.stdout
    assert "b_rong.xlsx: Tệp rỗng (0 byte)." in quiet.stdout
    assert "\x1b[" not in quiet.stdout  # no colour codes or progress bar in a pipe


def test_a_progress_bar_only_on_a_terminal(vwu, inbox, workspace, monkeypatch):
    from rich.console import Console

    from vwu_pipeline import render

    district_workbook(inbox / "a.xlsx")
    screens = {}
    for mode in ("terminal", "quiet", "pipe"):
        screen = io.StringIO()
        monkeypatch.setattr(render, "console", Console(file=screen, force_terminal=mode != "pipe", width=100))
        vwu("ingest", inbox, "--workspace", workspace / mode, *(["--quiet"] if mode == "quiet" else []))
        screens[mode] = screen.getvalue()

    assert "Đang nhận báo cáo" in screens["terminal"]
    assert "Đang nhận báo cáo" not in screens["quiet"] and "Đang nhận báo cáo" not in screens["pipe"]
    assert "Đã nhận" in screens["pipe"]


# --- vwu status --------------------------------------------------------------------------------


def test_status_shows_the_last_runs_and_who_has_not_submitted(vwu, inbox, workspace):
    district_workbook(inbox / "tien_lu.xlsx", ("members", "policies"))
    vwu("ingest", inbox, "--workspace", workspace)

    result = vwu("status", "--year", 2024, "--unit", "33", "--workspace", workspace, "--json")

    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert shown == json.loads(status(workspace, 2024, "33").to_json())  # --json is the library's result
    assert (shown["year"], shown["reporting_level"], shown["complete"]) == (2024, "district", False)
    run = shown["runs"][0]
    assert (run["command"], run["state"], run["summary"]["accepted"]) == ("ingest", "finished", 1)
    by_name = {i["indicator"]: i for i in shown["indicators"]}
    assert by_name["members"]["expected"] == 10  # Hưng Yên's districts and city
    assert by_name["members"]["submitted_units"] == [{"code": "332", "name": "Huyện Tiên Lữ"}]
    assert by_name["poverty"]["submitted"] == 0 and by_name["poverty"]["missing"] == 10
    assert {"code": "323", "name": "Thành phố Hưng Yên"} in by_name["members"]["missing_units"]

    table = vwu("status", "--year", 2024, "--unit", "33", "--workspace", workspace)
    assert "1 tệp: nhận 1" in table.output and "Thành phố Hưng Yên (323)" in table.output
    (inbox / "chi_tieu.csv").write_text("year,unit_code,column,target\n2024,33,members_new,500\n", encoding="utf-8")
    vwu("ingest", inbox, "--workspace", workspace)
    again = vwu("status", "--year", 2024, "--workspace", workspace)
    assert "từ chối 0, bỏ qua 1" in again.output  # a targets file is skipped, and the run says so
    assert status(workspace, 2024).runs[0].summary["skipped"] == 1
    national = status(workspace, 2024)
    assert {i.name: i.expected for i in national.indicators}["members"] == 696


def test_status_of_a_fresh_workspace_creates_nothing(vwu, tmp_path):
    result = vwu("status", "--year", 2025, "--workspace", tmp_path / "none", "--json")

    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert shown["runs"] == [] and shown["reporting_level"] == "province"
    assert shown["indicators"][0]["expected"] == 34  # the 2025 tree: 34 provinces
    assert not (tmp_path / "none").exists()


# --- one writer at a time ----------------------------------------------------------------------

HOLDER = """
import sys, time
from pathlib import Path
from vwu_pipeline.ops.locking import workspace_lock
with workspace_lock(Path(sys.argv[1]), sys.argv[2], 0):
    print("ready", flush=True)
    time.sleep(float(sys.argv[3]))
"""


def hold_lock(workspace: Path, command: str = "ingest", seconds: float = 60) -> subprocess.Popen:
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(workspace), command, str(seconds)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "ready"
    return holder


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.kill()
    process.wait()


def test_a_second_writer_waits_then_exits_3_naming_the_first(vwu, inbox, workspace):
    district_workbook(inbox / "a.xlsx")
    holder = hold_lock(workspace, "aggregate")
    try:
        result = vwu("ingest", inbox, "--workspace", workspace, "--lock-timeout", "1")
        aggregate = vwu("aggregate", "--year", 2024, "--workspace", workspace, "--lock-timeout", "0")
    finally:
        stop(holder)

    assert result.exit_code == 3 and aggregate.exit_code == 3
    message = " ".join(result.stderr.replace("│", " ").split())
    assert f"Thư mục dữ liệu {workspace} đang bận: lệnh 'vwu aggregate' (pid {holder.pid}," in message
    assert "Đã chờ 1 giây" in message and "--lock-timeout" in message
    no_traceback(result)
    assert not (workspace / "vwu.sqlite").exists()  # nothing was read or stored
    log = (workspace / "vwu.log").read_text(encoding="utf-8")
    assert "ingest: run exit=3 duration=" in log and "đang bận" in log


def test_a_second_writer_within_its_timeout_goes_ahead(vwu, inbox, workspace):
    district_workbook(inbox / "a.xlsx")
    holder = hold_lock(workspace, "ingest", seconds=0.5)
    try:
        result = vwu("ingest", inbox, "--workspace", workspace, "--lock-timeout", "20")
    finally:
        stop(holder)

    assert result.exit_code == 0, result.output


def test_a_lock_the_workspace_cannot_hold_is_said_with_its_reason(vwu, inbox, workspace, monkeypatch):
    district_workbook(inbox / "a.xlsx")
    (workspace / "vwu.lock").mkdir(parents=True)  # a folder where the lock file goes

    result = vwu("ingest", inbox, "--workspace", workspace, "--lang", "en")

    assert result.exit_code == 4
    message = " ".join(result.stderr.replace("│", " ").split())
    assert f"Cannot create the lock file {workspace / 'vwu.lock'}: Is a directory" in message
    no_traceback(result)

    # A file system that refuses locks (ENOLCK on a network share): fasteners raises a
    # ThreadError around the OSError; the message still gives the system's reason.
    (workspace / "vwu.lock").rmdir()
    import errno

    import fasteners

    def refuse(lock):
        raise OSError(errno.ENOLCK, os.strerror(errno.ENOLCK))

    monkeypatch.setattr(fasteners.InterProcessLock, "trylock", refuse)
    from vwu_pipeline.ops.locking import workspace_lock

    with pytest.raises(StoreError, match="No locks available"):
        with workspace_lock(workspace, "ingest", 0):
            pass


def test_a_process_that_holds_the_lock_cannot_take_it_a_second_time(workspace):
    # The lock is a record lock, the process's: taken again it would be granted, and its release
    # would free the first take's. The second take is refused as another process's would be.
    from vwu_pipeline.core.errors import WorkspaceLocked
    from vwu_pipeline.ops.locking import workspace_lock

    with workspace_lock(workspace, "aggregate", 0):
        with pytest.raises(WorkspaceLocked, match="aggregate"):
            with workspace_lock(workspace, "report", 0):
                pass
        holder = hold_lock_attempt(workspace)
        assert holder.returncode != 0  # still held: another process is refused too
    with workspace_lock(workspace, "report", 0):  # free again once the first take ends
        pass

    # two threads at the same moment: one holds it, the other is refused
    import threading

    start, outcomes = threading.Barrier(2), []

    def take() -> None:
        start.wait()
        try:
            with workspace_lock(workspace, "ingest", 0):
                time.sleep(0.3)
                outcomes.append("held")
        except WorkspaceLocked:
            outcomes.append("refused")

    threads = [threading.Thread(target=take) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["held", "refused"]


def hold_lock_attempt(workspace: Path) -> subprocess.CompletedProcess:
    script = "import sys; from pathlib import Path; from vwu_pipeline.ops.locking import workspace_lock\n"
    script += "with workspace_lock(Path(sys.argv[1]), 'ingest', 0): pass"
    return subprocess.run([sys.executable, "-c", script, str(workspace)], capture_output=True, text=True)


@pytest.mark.linux
def test_a_killed_holder_does_not_block_the_next_run(vwu, inbox, workspace):
    district_workbook(inbox / "a.xlsx")
    holder = hold_lock(workspace, "ingest")
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    assert (workspace / "vwu.lock.json").exists()  # the killed run could not tidy up: a stale hint

    result = vwu("ingest", inbox, "--workspace", workspace, "--lock-timeout", "1")

    assert result.exit_code == 0, result.output  # not 3: the dead holder's lock was gone
    assert json.loads(vwu("status", "--workspace", workspace, "--json").stdout)["running"] is None


@pytest.mark.linux
def test_readers_work_while_a_writer_holds_the_lock(vwu, inbox, workspace, tmp_path):
    district_workbook(inbox / "a.xlsx")
    assert vwu("ingest", inbox, "--workspace", workspace).exit_code == 0
    # A fresh aggregation is only read (re-aggregating a stale one takes the lock: test_honest.py).
    assert vwu("aggregate", "--year", 2024, "--workspace", workspace).exit_code == 0
    holder = hold_lock(workspace, "ingest")
    try:
        shown = vwu("status", "--workspace", workspace, "--year", 2024)
        reported = vwu("report", "--year", 2024, "--workspace", workspace, "--out", tmp_path / "out")
        checked = vwu("validate", inbox, "--workspace", workspace)
    finally:
        stop(holder)

    assert shown.exit_code == 0 and f"Đang chạy: vwu ingest (pid {holder.pid}" in shown.output
    assert reported.exit_code == 0, reported.output
    assert (tmp_path / "out" / "vwu-2024.xlsx").exists()
    assert checked.exit_code == 0


# --- nothing lost --------------------------------------------------------------------------------

FILES = 150
PER_FILE = {"submissions": 4, "figures": 3 * 16}


@pytest.fixture(scope="module")
def large_inbox(tmp_path_factory) -> Path:
    return _large_inbox(tmp_path_factory.mktemp("large"))


def _large_inbox(tmp_path: Path) -> Path:
    """150 district files with distinct content: women 18+ of Thị trấn Vương is 1800 + i."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    template = district_workbook(tmp_path / "template.xlsx", totals=False)
    assert zipfile.ZipFile(template).read(SHEET1).count(b"<v>1800</v>") == 1
    for i in range(FILES):
        patch_zip(
            template, inbox / f"huyen_{i:03d}.xlsx", {SHEET1: lambda xml, i=i: xml.replace(b"<v>1800</v>", f"<v>{1800 + i}</v>".encode())}
        )
    return inbox


def _stored_files(db_path: Path) -> int:
    try:
        with Store.open(db_path.parent, create=False) as store:
            return len(store.files())
    except StoreError:  # not created yet
        return 0


def _live_processes_in_group(group: int) -> list[int]:
    """Processes (not zombies) of a process group, from /proc (Linux)."""
    alive = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        state, _parent, pgrp = text[text.rindex(")") + 2 :].split()[:3]
        if int(pgrp) == group and state != "Z":
            alive.append(int(stat.parent.name))
    return alive


@pytest.mark.parametrize("json_out", [False, True], ids=["lines", "json"])
def test_an_ingest_whose_output_nobody_reads_stores_everything_and_exits_0(large_inbox, tmp_path, json_out):
    # `vwu ingest INBOX | head -1`, a pager quit early: its lines met a closed pipe and the run
    # stopped after its first batch (25 files of 696 stored, exit 1); --json ended with exit 1
    # and "exit=70 BrokenPipeError" in the log. Printing never stops a command.
    workspace = tmp_path / "ws"

    _ingest_unread(large_inbox, workspace, *(["--json"] if json_out else []))

    with Store.open(workspace, create=False) as store:
        assert [(r.command, r.exit_code) for r in store.runs()] == [("ingest", 0)]
    assert (workspace / "vwu.log").read_text(encoding="utf-8").count("ingest: run exit=0") == 1


def test_an_ingest_of_files_partly_stored_whose_output_nobody_reads_stores_everything_and_exits_0(large_inbox, tmp_path):
    # The review (session 10): the lines of files already stored ("unchanged") and of refused
    # files are written without rich (`render._plain_line`), so a closed pipe still raised
    # BrokenPipeError there: `vwu ingest INBOX | head -1` after adding files to an inbox stopped
    # at its third line (the new files not stored), exit 1, the run recorded as exit 70
    # "BrokenPipeError". Also at 01861cf.
    workspace = tmp_path / "ws"
    first = sorted(large_inbox.glob("*.xlsx"))[:10]
    subprocess.run([VWU, "ingest", *map(str, first), "-w", str(workspace), "--quiet"], check=True, capture_output=True)

    _ingest_unread(large_inbox, workspace)

    with Store.open(workspace, create=False) as store:
        assert [(r.command, r.exit_code) for r in store.runs()] == [("ingest", 0), ("ingest", 0)]


def _ingest_unread(inbox: Path, workspace: Path, *options: str) -> None:
    """`vwu ingest` whose stdout's reader has gone before the first line: it ends 0, says no
    traceback, and every file is stored."""
    run = subprocess.Popen([VWU, "ingest", str(inbox), "-w", str(workspace), *options], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    run.stdout.close()
    errors = run.stderr.read().decode()
    assert run.wait(timeout=300) == 0, errors
    assert "Traceback" not in errors
    with Store.open(workspace, create=False) as store:
        assert len(store.files("accepted")) == FILES


def test_a_ctrl_c_during_a_large_ingest_ends_it_with_130_and_no_reader_traceback(large_inbox, tmp_path):
    # The review (session 10): the terminal sends Ctrl-C to vwu's readers too; each interrupted
    # itself ("Process ForkProcess-2: Traceback … KeyboardInterrupt" on stderr, ≈ 1 run in 20) and,
    # holding the work queue's lock, could leave the run hanging (1 in ≈ 400). vwu handles it alone.
    workspace = tmp_path / "ws"
    with ingest_held_after(1, large_inbox, "-w", workspace, "--quiet", folder=tmp_path) as held:
        os.killpg(held.process.pid, signal.SIGINT)  # vwu and its readers, as the terminal does
        code = held.process.wait(timeout=60)
    said = held.stderr.read_text(encoding="utf-8")
    assert code == 130, said
    assert "Traceback" not in said and "KeyboardInterrupt" not in said, said
    assert not _live_processes_in_group(held.process.pid)
    with Store.open(workspace, create=False) as store:
        assert store.check(quick=False) == "ok"
        assert len(store.files("accepted")) == 25  # the batch committed before the Ctrl-C
        assert [(r.command, r.exit_code) for r in store.runs()] == [("ingest", 130)]


def test_readers_work_while_an_ingest_runs(vwu, large_inbox, tmp_path):
    workspace = tmp_path / "ws"
    district_workbook(tmp_path / "first.xlsx")
    assert vwu("ingest", tmp_path / "first.xlsx", "--workspace", workspace).exit_code == 0
    with ingest_held_after(1, large_inbox, "-w", workspace, "--quiet", folder=tmp_path) as held:
        shown = vwu("status", "--year", 2024, "--workspace", workspace, "--json")
        still_running = held.process.poll() is None
        held.release()
        # The year is not aggregated yet: report must aggregate, which is writing, so it waits
        # for the ingest's lock and then reports every figure (issue 12: never a stale total).
        reported = vwu("report", "--year", 2024, "--workspace", workspace, "--out", tmp_path / "out", "--json", "--lock-timeout", 120)
    run = held.process
    assert shown.exit_code == 0, shown.output
    running = json.loads(shown.stdout)["running"]
    assert running["pid"] == run.pid and running["command"] == "ingest"
    assert json.loads(shown.stdout)["runs"][0]["state"] == "running"
    assert still_running  # status answered while the ingest was under way
    assert reported.exit_code == 0, reported.output
    assert json.loads(reported.stdout)["aggregated"] is True
    assert run.returncode == 0
    again = vwu("report", "--year", 2024, "--workspace", workspace, "--out", tmp_path / "out", "--json")
    assert json.loads(again.stdout)["aggregated"] is False  # what report stored was fresh


@pytest.mark.linux
def test_killed_in_the_middle_of_a_large_ingest_nothing_is_lost(tmp_path, large_inbox):
    inbox = large_inbox
    workspace = tmp_path / "ws"
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in inbox.iterdir()}

    run = subprocess.Popen(
        [VWU, "ingest", str(inbox), "-w", str(workspace), "--quiet"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while _stored_files(workspace / "vwu.sqlite") < 10 and run.poll() is None and time.monotonic() < deadline:
            time.sleep(0.003)
        os.kill(run.pid, signal.SIGKILL)  # no handler, no cleanup: as a power cut to the process
    finally:
        run.wait()
    assert run.returncode == -signal.SIGKILL
    # its reader processes end with it (they would otherwise wait forever for work)
    deadline = time.monotonic() + 5
    while _live_processes_in_group(run.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    leftover = _live_processes_in_group(run.pid)
    for pid in leftover:  # tidy up before failing
        os.kill(pid, signal.SIGKILL)
    assert leftover == []

    with Store.open(workspace, create=False) as store:
        assert store.check(quick=False) == "ok"
        stored = len(store.files())
        assert 10 <= stored < FILES, "the kill did not land in the middle of the run"
        submissions = store.submissions()
        per_file = [
            (f.name, sum(s.file_id == f.id for s in submissions), sum(s.figures for s in submissions if s.file_id == f.id))
            for f in store.files("accepted")
        ]
        assert len(per_file) == stored
        assert all((subs, figs) == (PER_FILE["submissions"], PER_FILE["figures"]) for _, subs, figs in per_file), per_file
        unfinished = sum(run.finished_at is None for run in store.runs())
    assert unfinished == 1
    assert [r["state"] for r in json.loads(status(workspace, 2024).to_json())["runs"]] == ["interrupted"]

    again = subprocess.run(
        [VWU, "ingest", str(inbox), "-w", str(workspace), "--json", "--lock-timeout", "5"], capture_output=True, text=True, timeout=120
    )

    assert again.returncode == 0, again.stderr
    counts = json.loads(again.stdout)["counts"]
    assert counts["unchanged"] == stored and counts["accepted"] + counts["replaced"] == FILES - stored
    assert counts["refused"] == 0
    with Store.open(workspace, create=False) as store:
        accepted = store.files("accepted")
        assert (len(accepted), len({f.sha256 for f in accepted})) == (FILES, FILES)
        submissions = store.submissions()
        assert len(submissions) == FILES * PER_FILE["submissions"]
        assert sum(s.figures for s in submissions) == FILES * PER_FILE["figures"]
        assert sum(s.current for s in submissions) == 4
    assert figures(workspace)[("12337", "women_18_plus")] == 1800 + FILES - 1  # the last file read counts
    # submitted files are never modified or deleted
    assert {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in inbox.iterdir()} == before


def test_ingest_never_modifies_or_deletes_submitted_files(vwu, inbox, workspace):
    district_workbook(inbox / "a.xlsx")
    rows = rows_for("members")
    rows[0][2] = 1250
    district_workbook(inbox / "b_corrected.xlsx", ("members",), rows={"members": rows})
    (inbox / "c_rong.xlsx").write_bytes(b"")
    (inbox / "d.csv").write_bytes(b"\x81\x8d;\x90\r\n")
    os.utime(inbox / "a.xlsx", ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000))
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns, p.stat().st_mode) for p in inbox.iterdir()}

    for _ in range(2):
        vwu("ingest", inbox, "--workspace", workspace)

    assert {p.name: (p.read_bytes(), p.stat().st_mtime_ns, p.stat().st_mode) for p in inbox.iterdir()} == before


# --- a corrupt or unreadable database -----------------------------------------------------------


@pytest.mark.parametrize("damage", ["garbage", "truncated", "page-overwritten"])
def test_a_corrupt_database_is_a_clear_message_and_exit_4(vwu, inbox, workspace, tmp_path, damage):
    for i in range(20):
        rows = rows_for("members")
        rows[0][2] = 1200 + i
        district_workbook(inbox / f"f{i:02d}.xlsx", rows={"members": rows, **{k: rows_for(k) for k in ("poverty", "orphans", "policies")}})
    assert vwu("ingest", inbox, "--workspace", workspace).exit_code == 0
    db_path = workspace / "vwu.sqlite"
    with Store.open(workspace, create=False) as store:
        store.checkpoint()
        start, page_size = store.root_page("figures")
    data = db_path.read_bytes()
    if damage == "garbage":
        db_path.write_bytes(os.urandom(len(data)))
    elif damage == "truncated":
        db_path.write_bytes(data[: len(data) // 2])
    else:  # the schema and the files table are fine: the damage is found in the middle of a run
        db_path.write_bytes(data[:start] + b"\xff" * page_size + data[start + page_size :])
    district_workbook(inbox / "new.xlsx", ("policies",), rows={"policies": [[*r[:2], 9, 9, 9, 9] for r in rows_for("policies")]})

    results = {
        "ingest": vwu("ingest", inbox, "--workspace", workspace),
        "status": vwu("status", "--year", 2024, "--workspace", workspace),
        "report": vwu("report", "--year", 2024, "--workspace", workspace, "--out", tmp_path / "out"),
    }

    for command, result in results.items():
        assert result.exit_code == 4, (command, result.output, result.stderr)
        no_traceback(result)
        message = " ".join(result.stderr.replace("│", " ").split())
        assert "cơ sở dữ liệu" in message.lower() and ("hỏng" in message or "không đọc được" in message), (command, message)
        assert "vwu ingest" in message  # how to rebuild it
    assert "ingest: run exit=4" in (workspace / "vwu.log").read_text(encoding="utf-8")
