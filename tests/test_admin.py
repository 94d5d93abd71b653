"""A server admin's view (issue 16): reader processes, exit codes, store errors, backups,
cron mail, terminal safety and one language at a time."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest
from builders import district_workbook, rows_for
from other_user import NOBODY, as_user

from vwu_pipeline.ingest import run as ingest

VWU = str(Path(sys.executable).parent / "vwu")


def write_config(workspace, text: str) -> None:
    workspace.mkdir(parents=True, exist_ok=True)
    (workspace / "vwu.toml").write_text(text, encoding="utf-8")


# --- reader processes ----------------------------------------------------------------------------


def test_workers_0_reads_in_the_vwu_process_itself(vwu, inbox, workspace, monkeypatch):
    district_workbook(inbox / "a.xlsx")
    write_config(workspace, "workers = 0\n")

    def no_processes(*args, **kwargs):
        raise AssertionError("workers = 0 must not start reader processes")

    monkeypatch.setattr(ingest, "ProcessPoolExecutor", no_processes)
    result = vwu("ingest", inbox, "--workspace", workspace)

    assert result.exit_code == 0, result.output
    assert "Đã nhận" in result.output


def test_workers_beyond_the_cores_start_no_more_processes_than_cores(vwu, inbox, workspace, monkeypatch):
    district_workbook(inbox / "a.xlsx")
    write_config(workspace, "workers = 64\n")
    started = []
    real_pool = ingest.ProcessPoolExecutor

    def counted(max_workers, **kwargs):
        started.append(max_workers)
        return real_pool(max_workers=max_workers, **kwargs)

    monkeypatch.setattr(ingest, "ProcessPoolExecutor", counted)
    result = vwu("ingest", inbox, "--workspace", workspace)

    assert result.exit_code == 0, result.output
    assert started and max(started) <= (os.cpu_count() or 1)


# --- exit codes ----------------------------------------------------------------------------------


def said(result, text: str) -> bool:
    """The red panel on stderr says `text` (the panel wraps lines anywhere: spaces are ignored)."""
    panel = "".join(result.stderr.replace("│", "").split())
    return "".join(text.split()) in panel


def ingested(vwu, inbox, workspace):
    district_workbook(inbox / "a.xlsx")
    result = vwu("ingest", inbox, "--workspace", workspace, "--quiet")
    assert result.exit_code == 0, result.output
    return result


@pytest.mark.parametrize("lang", ["fr", "EN "])
def test_a_bad_or_oddly_typed_lang_is_not_a_bug(vwu, inbox, workspace, lang):
    ingested(vwu, inbox, workspace)

    result = vwu("status", "--year", 2024, "--workspace", workspace, "--lang", lang)

    if lang == "fr":
        assert result.exit_code == 2
        assert said(result, "Tùy chọn --lang không nhận giá trị 'fr'"), result.stderr  # answered in Vietnamese
    else:
        assert result.exit_code == 0, result.output
        assert "Last runs" in result.output


def test_report_in_a_folder_with_no_workspace_yet_is_a_usage_error(vwu, tmp_path):
    result = vwu("report", "--year", 2024, "--workspace", tmp_path / "new", "--out", tmp_path / "out")

    assert result.exit_code == 2
    assert said(result, f"Chưa có dữ liệu trong {tmp_path / 'new'}"), result.stderr
    assert said(result, "Chạy 'vwu ingest THƯ_MỤC' trước"), result.stderr


def test_report_out_pointing_at_a_file_is_exit_73_naming_it(vwu, inbox, workspace, tmp_path):
    ingested(vwu, inbox, workspace)
    a_file = tmp_path / "bao_cao.txt"
    a_file.write_text("x")

    result = vwu("report", "--year", 2024, "--workspace", workspace, "--out", a_file)

    assert result.exit_code == 73
    assert said(result, f"Không ghi được vào {a_file}: đó là một tệp, không phải thư mục."), result.stderr


def test_report_out_with_missing_parents_is_created(vwu, inbox, workspace, tmp_path):
    ingested(vwu, inbox, workspace)

    result = vwu("report", "--year", 2024, "--workspace", workspace, "--out", tmp_path / "a" / "b" / "c", "--quiet")

    assert result.exit_code == 0, result.output
    assert (tmp_path / "a" / "b" / "c" / "vwu-2024.xlsx").is_file()


@pytest.mark.linux
@pytest.mark.parametrize("command", ["report", "template", "demo-data"])
def test_outputs_into_a_read_only_folder_are_exit_73_naming_it(vwu, inbox, command):
    """Run as an officer who may not write the folder: as root (CI), in a copy of this process
    that became the unprivileged user 'nobody'; root itself may write anywhere."""
    root = Path(tempfile.mkdtemp(prefix="vwu-readonly-"))
    try:
        root.chmod(0o755)
        workspace, locked = root / "vwu-data", root / "chi_doc"
        ingested(vwu, inbox, workspace)
        assert vwu("aggregate", "--year", 2024, "--workspace", workspace, "--quiet").exit_code == 0  # report only reads
        locked.mkdir()
        locked.chmod(0o555)
        args = {
            "report": ("report", "--year", 2024, "--workspace", workspace, "--out", locked),
            "template": ("template", "--year", 2024, "--unit", "332", "--out", locked),
            "demo-data": ("demo-data", "--year", 2024, "--unit", "332", "--out", locked),
        }[command]
        if os.geteuid() == 0:
            os.chown(workspace, -1, NOBODY)  # the officers' group reads the workspace (README)
            for path in workspace.iterdir():
                os.chown(path, -1, NOBODY)
            result = as_user(NOBODY, NOBODY, *args)
        else:
            result = vwu(*args)

        assert result.exit_code == 73, result.output
        # the folder, or the province folder template and demo-data make inside it
        assert said(result, f"Không tạo được {locked}") and said(result, "không có quyền ghi."), result.stderr
        assert list(locked.iterdir()) == []
    finally:
        subprocess.run(["rm", "-rf", str(root)], check=True)


def test_a_full_disk_while_writing_the_report_is_exit_73_naming_the_file(vwu, inbox, workspace, tmp_path, monkeypatch):
    ingested(vwu, inbox, workspace)
    from vwu_pipeline.report import summary

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(summary.Path, "write_text", disk_full)
    result = vwu("report", "--year", 2024, "--workspace", workspace, "--out", tmp_path / "out")

    assert result.exit_code == 73
    assert said(result, f"Không tạo được {tmp_path / 'out' / 'vwu-2024.md'}: đĩa đã đầy."), result.stderr
    # no temporary file left: the workbook and the chart written before the Markdown stay whole
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["vwu-2024-00-ranking.png", "vwu-2024.xlsx"]


def test_two_reports_into_one_folder_at_once_do_not_collide(vwu, inbox, workspace, tmp_path):
    ingested(vwu, inbox, workspace)
    assert vwu("aggregate", "--year", 2024, "--workspace", workspace, "--quiet").exit_code == 0
    out = tmp_path / "out"
    command = [VWU, "report", "--year", 2024, "--workspace", workspace, "--out", out, "--quiet"]
    runs = [subprocess.Popen([str(a) for a in command], stderr=subprocess.PIPE, text=True) for _ in range(3)]
    codes = [(run.wait(timeout=120), run.stderr.read()) for run in runs]

    assert [code for code, _ in codes] == [0, 0, 0], codes
    assert sorted(p.name for p in out.iterdir()) == ["vwu-2024-00-ranking.png", "vwu-2024.md", "vwu-2024.xlsx"]
    assert zipfile.ZipFile(out / "vwu-2024.xlsx").testzip() is None


def test_the_root_of_the_disk_is_refused_as_a_workspace(vwu, inbox, monkeypatch):
    district_workbook(inbox / "a.xlsx")
    monkeypatch.setenv("VWU_WORKSPACE", "/")

    result = vwu("ingest", inbox)

    assert result.exit_code == 2
    assert said(result, "Thư mục dữ liệu không thể là thư mục gốc /."), result.stderr
    assert not Path("/vwu.sqlite").exists() and not Path("/vwu.lock").exists()


@pytest.mark.linux
def test_a_reader_memory_limit_too_small_for_any_file_is_a_configuration_error(inbox, workspace):
    for name in ("a.xlsx", "b.xlsx"):
        district_workbook(inbox / name)
    write_config(workspace, 'worker_memory_bytes = "10 MB"\n')

    result = subprocess.run([VWU, "ingest", str(inbox), "-w", str(workspace)], capture_output=True, text=True)

    assert result.returncode == 2, result.stdout + result.stderr
    assert "Từ chối" not in result.stdout  # no district's file is blamed
    assert said(result, "worker_memory_bytes = 10.485.760 byte) quá nhỏ"), result.stderr


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
def test_a_terminal_that_is_not_utf8_degrades_characters_and_never_stops_an_ingest(tmp_path, encoding):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for i, name in enumerate(["tiên_lữ.xlsx", "b.xlsx", "c.xlsx"]):
        rows = rows_for("members")
        rows[0][2] = 1200 + i
        district_workbook(inbox / name, rows={"members": rows, **{k: rows_for(k) for k in ("poverty", "orphans", "policies")}})
    names = ("tien_lu.xlsx" if encoding == "ascii" else "tiên_lu.xlsx", "b.xlsx", "c.xlsx")
    environment = {**os.environ, "PYTHONIOENCODING": encoding}

    run = subprocess.run([VWU, "ingest", str(inbox), "-w", str(tmp_path / "ws")], capture_output=True, env=environment)
    status = subprocess.run([VWU, "status", "--year", "2024", "-w", str(tmp_path / "ws")], capture_output=True, env=environment)
    as_json = subprocess.run([VWU, "status", "--json", "-w", str(tmp_path / "ws")], capture_output=True, env=environment)

    assert run.returncode == 0, run.stderr.decode(encoding)
    printed = run.stdout.decode(encoding)
    assert all(name in printed for name in names), printed  # every file's line, without what the terminal lacks
    assert status.returncode == 0, status.stderr.decode(encoding)
    counts = json.loads(as_json.stdout.decode(encoding))["runs"][0]["summary"]
    assert counts["files"] == 3 and counts["accepted"] + counts["replaced"] == 3  # all stored, none cut short


def test_status_shows_a_failed_run_as_a_failure_and_lists_every_command(vwu, inbox, workspace, tmp_path):
    ingested(vwu, inbox, workspace)
    failed = vwu("aggregate", "--year", 2019, "--workspace", workspace)
    assert failed.exit_code == 2
    assert vwu("report", "--year", 2024, "--workspace", workspace, "--out", tmp_path / "out", "--quiet").exit_code == 0
    targets = tmp_path / "chi_tieu.csv"
    targets.write_text("year,unit_code,column,target\n2024,00,members_total,1000\n", encoding="utf-8")
    assert vwu("targets", targets, "--workspace", workspace, "--quiet").exit_code == 0
    (tmp_path / "a_file").write_text("x")
    assert vwu("backup", "--workspace", workspace, "--to", tmp_path / "a_file").exit_code == 73
    assert vwu("backup", "--workspace", workspace, "--quiet").exit_code == 0

    runs = json.loads(vwu("status", "--year", 2024, "--workspace", workspace, "--json").stdout)["runs"]
    shown = vwu("status", "--year", 2024, "--workspace", workspace)

    assert [(r["command"], r["state"], r["exit_code"]) for r in runs] == [
        ("backup", "finished", 0),
        ("backup", "failed", 73),  # a night's backup that failed is seen the next morning
        ("targets", "finished", 0),
        ("report", "finished", 0),
        ("aggregate", "finished", 0),  # the report aggregated 2024 first
        ("aggregate", "failed", 2),
        ("ingest", "finished", 0),
    ]
    assert runs[5]["message"].startswith("Chưa có số liệu năm 2019")
    assert runs[1]["message"].startswith(f"Không ghi được vào {tmp_path / 'a_file'}")
    table = " ".join(shown.output.replace("│", " ").split())
    assert "aggregate lỗi exit 2: Chưa có số liệu năm 2019" in table
    assert "dừng giữa chừng" not in table


# --- mail that says something new ------------------------------------------------------------------


def test_under_quiet_files_refused_before_with_the_same_bytes_are_one_line(vwu, inbox, workspace):
    district_workbook(inbox / "tot.xlsx")
    for name, value in (("sai_1.xlsx", -5), ("sai_2.xlsx", -6)):
        rows = rows_for("members")
        rows[0][2] = value
        district_workbook(inbox / name, ("members",), rows={"members": rows})
    first = vwu("ingest", inbox, "--workspace", workspace, "--quiet")
    rows = rows_for("members")
    rows[0][2] = -7
    district_workbook(inbox / "sai_3.xlsx", ("members",), rows={"members": rows})

    second = vwu("ingest", inbox, "--workspace", workspace, "--quiet")

    assert first.exit_code == second.exit_code == 1
    assert "sai_1.xlsx" in first.stdout and "✗" in first.stdout  # refused in full the first night
    lines = second.stdout.splitlines()
    assert lines[-1] == "2 tệp đã bị từ chối trước đây, chưa được gửi lại: sai_1.xlsx, sai_2.xlsx"
    assert any(line.startswith("Từ chối") and "sai_3.xlsx" in line for line in lines)  # the new refusal in full
    assert sum("sai_1.xlsx" in line for line in lines) == 1


def test_an_empty_inbox_is_said_even_under_quiet(vwu, inbox, workspace):
    result = vwu("ingest", inbox, "--workspace", workspace, "--quiet")

    assert result.exit_code == 0
    assert result.stdout.strip().lower() == f"không có tệp nào trong {inbox}."


# --- terminal safety ---------------------------------------------------------------------------------


def test_control_characters_in_names_and_values_are_escaped_and_json_stays_exact(vwu, inbox, workspace):
    fake = "a\nĐã nhận          gia.xlsx\x1b[2J\x9b.xlsx"
    rows = rows_for("members")
    rows[0][2] = -1  # a refusal: the name is printed on its problem lines too
    district_workbook(inbox / fake, ("members",), rows={"members": rows})

    shown = vwu("ingest", inbox, "--workspace", workspace)
    as_json = vwu("validate", inbox / fake, "--json")

    assert "\x1b" not in shown.stdout and "\x9b" not in shown.stdout and "\x07" not in shown.stdout
    assert not any(line.startswith("Đã nhận") for line in shown.stdout.splitlines())  # no fake line
    assert "a\\nĐã nhận          gia.xlsx\\x1b[2J\\x9b.xlsx" in shown.stdout
    assert json.loads(as_json.stdout)["files"][0]["path"].endswith(fake)  # JSON: the exact name


# --- one language at a time ------------------------------------------------------------------------


def test_template_demo_data_and_status_take_the_shared_options_in_one_language(vwu, tmp_path):
    english = vwu("template", "--year", 2024, "--unit", "332", "--out", tmp_path / "t", "--lang", "en")
    vietnamese = vwu("template", "--year", 2024, "--unit", "332", "--out", tmp_path / "t")
    as_json = vwu("demo-data", "--year", 2024, "--unit", "332", "--out", tmp_path / "d", "--json")
    quiet = vwu("demo-data", "--year", 2024, "--unit", "332", "--out", tmp_path / "d", "--quiet", "--lang", "en")
    status = vwu("status", "--year", 2024, "--workspace", tmp_path / "none", "--quiet")

    assert english.exit_code == vietnamese.exit_code == 0
    assert " ".join(english.stdout.split()) == f"Wrote 1 template into {tmp_path / 't'}."
    assert " ".join(vietnamese.stdout.split()) == f"Đã ghi 1 mẫu báo cáo vào {tmp_path / 't'}."
    assert json.loads(as_json.stdout)["files"] == 1
    assert quiet.exit_code == 0 and quiet.stdout == ""
    assert status.exit_code == 0 and status.stdout == ""


def test_fatal_errors_speak_the_language_asked_for(vwu, tmp_path):
    english = vwu("report", "--year", 2024, "--workspace", tmp_path / "new", "--lang", "en")
    vietnamese = vwu("report", "--year", 2024, "--workspace", tmp_path / "new")

    assert english.exit_code == vietnamese.exit_code == 2
    assert said(english, f"No workspace in {tmp_path / 'new'} yet.") and "Chưa có" not in english.stderr
    assert said(vietnamese, f"Chưa có dữ liệu trong {tmp_path / 'new'}.") and "No workspace" not in vietnamese.stderr
