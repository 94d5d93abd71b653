"""A reporting officer who may read the workspace but not write it (issue 16)."""

from __future__ import annotations

import grp
import json
import os
import pwd
import subprocess
import tempfile
from pathlib import Path

import pytest
from builders import district_workbook
from other_user import as_user as run_as
from typer.testing import CliRunner

from vwu_pipeline.cli import app

READER, GROUP = "vwu-reader-test", "vwu-officers-test"


@pytest.fixture
def officer():
    """A user in the officers' group (created for the test, removed after); root only."""
    if os.geteuid() != 0 or not Path("/usr/sbin/useradd").exists():
        pytest.skip("needs root and useradd to act as another user")
    subprocess.run(["groupadd", "-f", GROUP], check=True)
    if subprocess.run(["id", READER], capture_output=True).returncode != 0:
        subprocess.run(["useradd", "--no-create-home", "-g", GROUP, READER], check=True)
    yield pwd.getpwnam(READER).pw_uid, grp.getgrnam(GROUP).gr_gid
    subprocess.run(["userdel", READER], capture_output=True)
    subprocess.run(["groupdel", GROUP], capture_output=True)


def invoke(*args: object):
    return CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)


def as_user(uid: int, gid: int, *args: object) -> tuple[int, str, str]:
    result = run_as(uid, gid, *args)
    return result.exit_code, result.stdout, result.stderr


def test_an_officer_who_may_only_read_runs_status_and_report(officer):
    uid, gid = officer
    root = Path(tempfile.mkdtemp(prefix="vwu-shared-"))
    try:
        root.chmod(0o755)
        workspace, inbox = root / "vwu-data", root / "inbox"
        inbox.mkdir()
        inbox.chmod(0o755)  # mkdir's mode is masked by the umask, which an earlier vwu run in this process may have set
        district_workbook(inbox / "a.xlsx").chmod(0o644)
        assert invoke("ingest", inbox, "--workspace", workspace, "--quiet").exit_code == 0
        assert invoke("aggregate", "--year", 2024, "--workspace", workspace, "--quiet").exit_code == 0
        # as the README says: the officers' group owns the workspace, and may only read it
        subprocess.run(["chgrp", "-R", GROUP, str(workspace)], check=True)
        modes = {p.name: p.stat().st_mode & 0o777 for p in workspace.iterdir()}
        assert modes["vwu.sqlite"] == 0o640 and modes["vwu.log"] == 0o640  # group-readable, not world-readable
        assert workspace.stat().st_mode & 0o777 == 0o750
        assert not (workspace / "vwu.sqlite-wal").exists()  # no writer: the reader cannot create the side files
        out = root / "reports"
        out.mkdir()
        os.chown(out, uid, gid)
        before = sorted(p.name for p in workspace.iterdir())

        status = as_user(uid, gid, "status", "--year", 2024, "--workspace", workspace, "--json")
        report = as_user(uid, gid, "report", "--year", 2024, "--workspace", workspace, "--out", out, "--quiet")
        ingest = as_user(uid, gid, "ingest", inbox, "--workspace", workspace)

        assert status[0] == 0, status
        assert json.loads(status[1])["indicators"][0]["submitted"] == 1
        assert report[0] == 0, report
        assert (out / "vwu-2024.xlsx").is_file()
        assert sorted(p.name for p in workspace.iterdir()) == before  # the readers wrote nothing there
        assert ingest[0] == 4, ingest  # a writer is told it may not write, not that the store is corrupt
        assert "hỏng" not in ingest[2]
    finally:
        subprocess.run(["rm", "-rf", str(root)], check=True)
