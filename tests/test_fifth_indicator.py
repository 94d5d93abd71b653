"""Issue 13: adding an indicator means adding a file. The example of the README (Dự án 8:
community communication groups, leaders-of-change clubs) is written into a copy of the
schema folder and goes through template → validate → ingest → aggregate → targets →
report → status, no code changed. It has stock and flow columns, a `since` column, a
derived sum, a decimal ratio and rules of three shapes (`a >= b`, `a <= 200`, and one on
the derived figure)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from vwu_pipeline.core.indicators import DEFAULT_SCHEMAS, load_catalog

README = Path(__file__).resolve().parents[1] / "README.md"


def readme_example() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("# schemas/project8.yaml")
    return text[start : text.index("```", start)]


@pytest.fixture
def schemas(tmp_path: Path) -> Path:
    folder = tmp_path / "schemas"
    shutil.copytree(DEFAULT_SCHEMAS, folder)
    (folder / "project8.yaml").write_text(readme_example(), encoding="utf-8")
    return folder


def fill(path: Path, sheet: str, rows: dict[str, dict[str, object]]) -> None:
    """Type figures into a blank form's sheet, as a district officer does: code -> header -> value."""
    workbook = load_workbook(path)
    ws = workbook[sheet]
    header_row = next(r for r in range(1, 20) if ws.cell(r, 2).value == "Mã xã")
    headers = {ws.cell(header_row, c).value: c for c in range(1, ws.max_column + 1)}
    for r in range(header_row + 1, ws.max_row + 1):
        for header, value in rows.get(str(ws.cell(r, 2).value), {}).items():
            ws.cell(r, headers[header], value)
    workbook.save(path)


def test_a_fifth_indicator_from_one_file_goes_through_every_command(vwu, schemas, tmp_path, workspace):
    catalog = load_catalog(schemas)
    project = catalog.get("project8")
    assert catalog.indicators[-1] is project  # order: 50, after the shipped four
    result = vwu("schemas", "show", "project8", "--schemas", schemas, "--lang", "en")
    assert result.exit_code == 0 and "p8-many-groups" in result.output

    # template: the 2024 form has the clubs column (since 2024), the 2023 form has not
    for year in (2023, 2024):
        assert vwu("template", "--year", year, "--unit", "332", "--out", tmp_path / f"forms{year}", "--schemas", schemas).exit_code == 0
    form23, form24 = (next((tmp_path / f"forms{y}").rglob("*.xlsx")) for y in (2023, 2024))
    assert load_workbook(form24).sheetnames[-1] == "Dự án 8"
    headers = {
        y: {c.value for row in load_workbook(f)["Dự án 8"].iter_rows(max_row=12) for c in row} for y, f in ((2023, form23), (2024, form24))
    }
    assert "Số CLB Thủ lĩnh của sự thay đổi" in headers[2024] and "Số CLB Thủ lĩnh của sự thay đổi" not in headers[2023]

    # validate: a form with each rule broken once
    broken = tmp_path / "broken.xlsx"
    shutil.copy(form24, broken)
    fill(
        broken,
        "Dự án 8",
        {
            "12337": {
                "Số tổ truyền thông cộng đồng": 250,
                "Số buổi truyền thông": 30,
                "Số lượt người tham dự": 900,
                "Số CLB Thủ lĩnh của sự thay đổi": 300,
            },
            "12340": {
                "Số tổ truyền thông cộng đồng": 4,
                "Số buổi truyền thông": 30,
                "Số lượt người tham dự": 20,
                "Số CLB Thủ lĩnh của sự thay đổi": 1,
            },
        },
    )
    result = vwu("validate", broken, "--schemas", schemas, "--json", "--lang", "en")
    assert result.exit_code == 1
    problems = {(p["code"], p["row"]) for f in json.loads(result.output)["files"] for p in f["problems"]}
    codes = {code for code, _ in problems}
    assert {"p8-many-groups", "p8-activities-too-many", "p8-attendance-below-sessions"} <= codes
    message = next(p for f in json.loads(result.output)["files"] for p in f["problems"] if p["code"] == "p8-attendance-below-sessions")
    assert message["message"] == "Attendances (20) fewer than sessions (30)."

    # ingest the province's generated data (it obeys every rule, warnings too), then a 2023 file
    # on the older form: the clubs column is not expected there, nothing is said
    demo = tmp_path / "demo"
    assert vwu("demo-data", "--year", 2024, "--unit", "33", "--out", demo, "--schemas", schemas).exit_code == 0
    older = tmp_path / "older" / "tien_lu_2023.xlsx"
    older.parent.mkdir()
    shutil.copy(form23, older)
    fill(older, "Dự án 8", {"12337": {"Số tổ truyền thông cộng đồng": 3, "Số buổi truyền thông": 10, "Số lượt người tham dự": 400}})
    result = vwu("ingest", demo, older, "--workspace", workspace, "--schemas", schemas, "--json")
    assert result.exit_code == 0, result.output
    files = json.loads(result.output)["files"]
    assert {f["status"] for f in files} == {"accepted"}
    assert not [p for f in files for p in f["problems"]]  # no warning: demo data keeps every rule

    # targets: a decimal ratio's target of 40 is 40 attendances per session, not 40 %
    targets = tmp_path / "targets.csv"
    targets.write_text("year,unit_code,column,target\n2024,33,p8_attendance_per_session,40\n2024,33,p8_activities,10\n", encoding="utf-8")
    assert vwu("targets", targets, "--workspace", workspace, "--schemas", schemas).exit_code == 0

    assert vwu("aggregate", "--year", 2024, "--workspace", workspace, "--schemas", schemas).exit_code == 0
    result = vwu("report", "--year", 2024, "--unit", "33", "--workspace", workspace, "--out", tmp_path / "out", "--schemas", schemas)
    assert result.exit_code == 0, result.output
    summary = (tmp_path / "out" / "vwu-2024-33.md").read_text(encoding="utf-8")
    assert "Truyền thông cộng đồng (Dự án 8)" in summary
    headline = next(line for line in summary.splitlines() if "Số người dự mỗi buổi" in line)
    assert " người/buổi" in headline and "%" not in headline.split("|")[3]
    target = next(line for line in summary.splitlines() if "Số người dự mỗi buổi" in line and "40" in line and line is not headline)
    assert "40,00 người/buổi" in target
    workbook = load_workbook(tmp_path / "out" / "vwu-2024-33.xlsx")
    assert "Dự án 8" in workbook.sheetnames  # the short title: the long one is over 31 characters

    result = vwu("status", "--year", 2024, "--unit", "33", "--workspace", workspace, "--schemas", schemas, "--json")
    assert result.exit_code == 0
    status = {item["indicator"]: item for item in json.loads(result.output)["indicators"]}
    assert (status["project8"]["submitted"], status["project8"]["missing"]) == (10, 0)
