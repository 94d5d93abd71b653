"""A district clerk gets their own workbook back, marked where it is wrong (issue 17)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from vwu_pipeline.store.db import Store

SAMPLES = Path(__file__).resolve().parent.parent / "sample_data" / "inbox"
LOI = sorted(SAMPLES.glob("loi_*.xlsx"))


def test_each_problem_of_the_sample_error_files_knows_its_exact_cell(vwu, tmp_path):
    """The header text is ambiguous under merged headers: the problem carries its column number."""
    assert len(LOI) == 4
    result = vwu("validate", *LOI, "--json")
    assert result.exit_code == 1
    report = json.loads(result.output)
    found = {}
    for file in report["files"]:
        workbook = load_workbook(Path(file["path"]), read_only=True)
        for problem in file["problems"]:
            cell = workbook[problem["sheet"]].cell(problem["row"], problem["column_index"])
            found[problem["code"]] = cell.value
    # the text in a number cell, the wrong totals row, the commune of another district, the negative count
    assert found == {"type-error": "12 hộ", "totals-mismatch": pytest.approx(34277), "unit-not-in-tree": "19363", "below-minimum": -2}


def test_the_store_keeps_the_column_of_each_problem(vwu, workspace):
    loi = next(p for p in LOI if "so_am" in p.name)
    vwu("ingest", loi, "--workspace", workspace)

    with Store.open(workspace) as store:
        rows = [(p.code, p.sheet, p.row, p.column_index) for p in store.problems()]
    assert rows == [("below-minimum", "Giám sát chính sách", 13, 7)]
