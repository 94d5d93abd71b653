"""A server admin's view (issue 16): reader processes, exit codes, store errors, backups,
cron mail, terminal safety and one language at a time."""

from __future__ import annotations

import os

from builders import district_workbook

from vwu_pipeline.ingest import run as ingest


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
