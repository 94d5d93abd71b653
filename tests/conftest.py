from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from vwu_pipeline.cli import app


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    return tmp_path / "ws"


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    return folder


@pytest.fixture
def vwu():
    """Run a vwu command as an officer would type it."""
    runner = CliRunner()

    def invoke(*args: object):
        return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)

    return invoke


def figures(workspace: Path, column: str | None = None) -> dict[tuple[str, str], float]:
    """The current stored figures: (unit code, column) -> value."""
    db = sqlite3.connect(workspace / "vwu.sqlite")
    rows = db.execute(
        "SELECT f.unit_code, f.column, f.value FROM figures f JOIN submissions s ON s.id = f.submission_id"
        " WHERE s.current = 1 AND f.current = 1"
    ).fetchall()
    db.close()
    return {(code, col): value for code, col, value in rows if column is None or col == column}


def problems_of(result_json: str) -> list[dict]:
    return [p for f in json.loads(result_json)["files"] for p in f["problems"]]
