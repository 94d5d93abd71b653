from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from vwu_pipeline.cli import app
from vwu_pipeline.store.db import Store


def pytest_collection_modifyitems(config, items):
    """Tests marked `linux` use what only Linux has; elsewhere they are skipped, not failed."""
    if sys.platform.startswith("linux"):
        return
    skip = pytest.mark.skip(reason="Linux only")
    for item in items:
        if "linux" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _umask_restored():
    """vwu sets the process umask from file_mode (0640 files); each test starts from the same one."""
    before = os.umask(0o022)
    os.umask(before)
    yield
    os.umask(before)


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
    with Store.open(workspace, create=False) as store:
        current = store.current_figures()
    return {(code, col): value for (code, col), value in current.items() if column is None or col == column}


def problems_of(result_json: str) -> list[dict]:
    return [p for f in json.loads(result_json)["files"] for p in f["problems"]]
