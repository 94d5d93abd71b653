"""Nothing lost, nothing counted twice (issue 11): Đa Krông (467, Quảng Trị) sends its report the
way district offices do — corrections of one sheet, of some communes, copies, hidden sheets,
formulas, footers, subtotals — and every figure it meant to send is counted once."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import openpyxl
import pytest
from conftest import figures, problems_of
from typer.testing import CliRunner

from vwu_pipeline.cli import app
from vwu_pipeline.store.db import Store

DISTRICT = "467"
MEMBERS = 23_423  # members of Đa Krông in the demo data
SHEETS = ("Hội viên", "Mẹ đỡ đầu", "Giám sát chính sách", "Thoát nghèo")
FIRST_ROW, LAST_ROW, TOTALS_ROW = 9, 21, 22  # 13 communes under the header, then "Tổng cộng"


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory) -> Path:
    """Đa Krông's 2024 report as `vwu demo-data --year 2024 --unit 45` writes it."""
    out = tmp_path_factory.mktemp("demo")
    result = CliRunner().invoke(app, ["demo-data", "--year", "2024", "--unit", "45", "--out", str(out)])
    assert result.exit_code == 0, result.output
    [path] = out.rglob("467_*.xlsx")
    return path


def edited(demo_file: Path, target: Path, change=None, *, mtime: float | None = None) -> Path:
    """A copy of Đa Krông's report as an office edits it in Excel (here openpyxl), saved at `mtime`."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if change is None:
        shutil.copyfile(demo_file, target)
    else:
        book = openpyxl.load_workbook(demo_file)
        change(book)
        book.save(target)
    if mtime is not None:
        os.utime(target, (mtime, mtime))
    return target


def district_figures(workspace: Path, column: str) -> dict[str, float]:
    return {code: value for (code, col), value in figures(workspace, column).items() if col == column}


def members_of_467(workspace: Path) -> float:
    return sum(district_figures(workspace, "members_total").values())


def clear_figures(sheet, rows=range(FIRST_ROW, LAST_ROW + 1), formulas_in_totals: bool = True) -> None:
    """Figure cells left empty (as in the blank template); codes and names stay prefilled."""
    for row in rows:
        for col in range(4, sheet.max_column + 1):
            sheet.cell(row, col).value = None
    if formulas_in_totals:  # the template's totals row: SUM formulas, never calculated
        for col in range(4, sheet.max_column + 1):
            letter = openpyxl.utils.get_column_letter(col)
            sheet.cell(TOTALS_ROW, col).value = f"=SUM({letter}{FIRST_ROW}:{letter}{LAST_ROW})"


def ingest(vwu, workspace: Path, *paths: Path, options: tuple = ()):
    return vwu("ingest", *paths, "--workspace", workspace, "--json", *options)


def statuses(result) -> dict[str, str]:
    return {Path(f["path"]).name: f["status"] for f in json.loads(result.output)["files"]}


# -- 1. a sheet without a single figure is not a submission -----------------------------------


def test_a_one_sheet_correction_in_the_template_keeps_the_other_indicators(vwu, demo_file, tmp_path, workspace):
    now = time.time()
    original = edited(demo_file, tmp_path / "a" / "467_da_krong.xlsx", mtime=now - 3600)

    def members_only(book):
        book["Hội viên"]["D9"] = 2600  # Krông Klang corrected
        book["Hội viên"]["D22"] = MEMBERS - 2516 + 2600
        for name in ("Mẹ đỡ đầu", "Giám sát chính sách", "Thoát nghèo"):
            clear_figures(book[name])

    correction = edited(demo_file, tmp_path / "b" / "467_da_krong_sua.xlsx", members_only, mtime=now)
    ingest(vwu, workspace, original)
    funds_before = district_figures(workspace, "funds_vnd")
    poverty_before = district_figures(workspace, "lifted_from_poverty")

    result = ingest(vwu, workspace, correction)

    assert result.exit_code == 0, result.output
    assert district_figures(workspace, "funds_vnd") == funds_before and len(funds_before) == 13
    assert district_figures(workspace, "lifted_from_poverty") == poverty_before
    assert district_figures(workspace, "members_total")["19555"] == 2600
    [line] = json.loads(result.output)["files"]
    assert line["indicators"] == ["members"]  # submitted: members only
    assert sorted(line["empty_sheets"]) == sorted(["Mẹ đỡ đầu", "Giám sát chính sách", "Thoát nghèo"])
    [said] = [text for text in vwu("validate", correction).output.splitlines() if "467_da_krong_sua.xlsx" in text]
    assert "trang không có số liệu (không tính là đã nộp, không thay gì): " in said
    assert all(sheet in said for sheet in ("Mẹ đỡ đầu", "Giám sát chính sách", "Thoát nghèo"))


def test_a_blank_sheet_is_not_counted_as_submitted(vwu, demo_file, tmp_path, workspace):
    def members_only(book):
        for name in ("Mẹ đỡ đầu", "Giám sát chính sách", "Thoát nghèo"):
            clear_figures(book[name])

    ingest(vwu, workspace, edited(demo_file, tmp_path / "467.xlsx", members_only))

    state = json.loads(vwu("status", "--year", 2024, "--unit", "45", "--workspace", workspace, "--json").output)
    submitted = {item["indicator"]: item["submitted"] for item in state["indicators"]}
    assert submitted["members"] == 1
    assert submitted["orphans"] == submitted["policies"] == submitted["poverty"] == 0


def test_a_workbook_without_any_figure_is_refused(vwu, demo_file, tmp_path, workspace):
    def blank(book):
        for name in SHEETS:
            clear_figures(book[name])

    result = ingest(vwu, workspace, edited(demo_file, tmp_path / "467_blank.xlsx", blank))

    assert result.exit_code == 1
    assert [p["code"] for p in problems_of(result.output) if p["severity"] == "error"] == ["no-figures"]


def test_dash_is_a_reported_zero_and_an_empty_cell_is_not_reported(vwu, demo_file, tmp_path, workspace):
    def dashes(book):
        sheet = book["Hội viên"]
        sheet["G9"] = "-"  # honorary members of Krông Klang: none this year
        sheet["G10"] = None  # Mò Ó: not reported
        sheet["G22"] = sum(sheet[f"G{r}"].value or 0 for r in range(11, 22))

    ingest(vwu, workspace, edited(demo_file, tmp_path / "467.xlsx", dashes))

    honorary = district_figures(workspace, "honorary_members")
    assert honorary["19555"] == 0 and "19558" not in honorary


# -- 2. a newer version replaces the older one commune by commune -----------------------------


def keep_rows(rows: set[int]):
    """Only the given Excel rows of communes keep their figures; the others' cells are emptied."""

    def change(book):
        for name in SHEETS:
            sheet = book[name]
            clear_figures(sheet, [r for r in range(FIRST_ROW, LAST_ROW + 1) if r not in rows], formulas_in_totals=False)
            for col in range(4, sheet.max_column + 1):
                sheet.cell(TOTALS_ROW, col).value = sum(sheet.cell(r, col).value or 0 for r in rows)

    return change


def test_communes_sent_in_two_halves_are_all_counted(vwu, demo_file, tmp_path, workspace):
    now = time.time()
    first = edited(demo_file, tmp_path / "467_xa_1_6.xlsx", keep_rows(set(range(9, 15))), mtime=now - 60)
    second = edited(demo_file, tmp_path / "467_xa_7_13.xlsx", keep_rows(set(range(15, 22))), mtime=now)

    ingest(vwu, workspace, first)
    result = ingest(vwu, workspace, second)

    assert result.exit_code == 0, result.output
    assert members_of_467(workspace) == MEMBERS
    [kept] = [p for p in problems_of(result.output) if p["code"] == "kept-previous-rows" and p["sheet"] == "Hội viên"]
    assert kept["message"].startswith("Bản mới không có 6 xã đã có trong bản trước: giữ số liệu của bản trước: ")
    assert "Thị trấn Krông Klang (19555)" in kept["message"]
    # provenance stays per figure: file, sheet and row of each commune's figure
    with Store.open(workspace, create=False) as store:
        origin = store.figure_origins("members_total")
    assert (origin["19555"].file, origin["19555"].sheet, origin["19555"].row) == ("467_xa_1_6.xlsx", "Hội viên", 9)
    assert (origin["19594"].file, origin["19594"].sheet, origin["19594"].row) == ("467_xa_7_13.xlsx", "Hội viên", 21)


def test_a_one_commune_fix_changes_only_that_commune(vwu, demo_file, tmp_path, workspace):
    now = time.time()
    full = edited(demo_file, tmp_path / "467.xlsx", mtime=now - 60)

    def fix(book):
        keep_rows({13})(book)
        book["Hội viên"]["D13"] = 1500  # Triệu Nguyên: 2,613 became 1,500 after a recount
        book["Hội viên"]["D22"] = 1500

    ingest(vwu, workspace, full)
    ingest(vwu, workspace, edited(demo_file, tmp_path / "467_sua_trieu_nguyen.xlsx", fix, mtime=now))

    assert members_of_467(workspace) == MEMBERS - 2613 + 1500  # not 1,500: the 12 others are kept


# -- 3. two sheets for one indicator ----------------------------------------------------------


def test_a_hidden_old_sheet_is_skipped_with_a_warning(vwu, demo_file, tmp_path, workspace):
    def hidden_copy(book):
        old = book.copy_worksheet(book["Hội viên"])
        old.title = "HoiVien"
        for row in range(FIRST_ROW, LAST_ROW + 1):
            old.cell(row, 4).value = 1  # last year's figures
        old.sheet_state = "hidden"

    result = ingest(vwu, workspace, edited(demo_file, tmp_path / "467.xlsx", hidden_copy))

    assert result.exit_code == 0, result.output
    assert members_of_467(workspace) == MEMBERS
    [hidden] = [p for p in problems_of(result.output) if p["code"] == "sheet-hidden"]
    assert hidden["sheet"] == "HoiVien" and hidden["severity"] == "warning"


@pytest.mark.parametrize("copy_name", ["Hội viên (2)", "HoiVien"])
def test_two_visible_sheets_for_one_indicator_are_an_error_naming_both(vwu, demo_file, tmp_path, workspace, copy_name):
    def copied(book):
        book.copy_worksheet(book["Hội viên"]).title = copy_name

    result = ingest(vwu, workspace, edited(demo_file, tmp_path / "467.xlsx", copied))

    assert result.exit_code == 1
    [error] = [p for p in problems_of(result.output) if p["severity"] == "error"]
    assert error["code"] == "duplicate-sheet"
    assert "'Hội viên'" in error["message"] and f"'{copy_name}'" in error["message"]


# -- 4. Excel errors and formulas without a stored result -------------------------------------


def test_an_excel_error_in_a_figure_cell_is_an_error_naming_the_cell(vwu, demo_file, tmp_path, workspace):
    def broken(book):
        book["Hội viên"]["D9"] = "#REF!"  # openpyxl writes it as an error value (t="e")
        book["Thoát nghèo"]["E12"] = "#DIV/0!"

    result = vwu("validate", edited(demo_file, tmp_path / "467.xlsx", broken))

    assert result.exit_code == 1
    assert "Ô D9 có lỗi #REF!" in result.output
    assert "Ô E12 có lỗi #DIV/0!" in result.output


def test_a_formula_saved_without_its_result_is_an_error_but_not_in_the_totals_row(vwu, demo_file, tmp_path, workspace):
    def formulas(book):
        sheet = book["Hội viên"]
        sheet["D9"] = "=2000+516"
        for col in "DEFG":  # totals as the template writes them: never calculated, left unchecked
            sheet[f"{col}22"] = f"=SUM({col}9:{col}21)"

    result = vwu("validate", edited(demo_file, tmp_path / "467.xlsx", formulas), "--json")

    assert result.exit_code == 1
    [error] = [p for p in problems_of(result.output) if p["severity"] == "error"]
    assert error["code"] == "formula-no-value" and error["row"] == 9
    assert error["message"] == "Ô D9 là công thức chưa có kết quả: mở tệp bằng Excel rồi lưu lại."


# -- 11. the footer: notes, place and date, signatures ----------------------------------------


def signed(day: int, month: int = 12, *, totals: bool = True):
    """The footer of an official report: a blank row, the place-and-date line over the figure
    columns, signature titles and names."""

    def change(book):
        for name in SHEETS:
            sheet = book[name]
            last = TOTALS_ROW if totals else LAST_ROW
            if not totals:
                sheet.delete_rows(TOTALS_ROW)
            sheet.cell(last + 2, 5).value = f"Đakrông, ngày {day} tháng {month} năm 2024"
            sheet.cell(last + 3, 2).value = "NGƯỜI LẬP BIỂU"
            sheet.cell(last + 3, 5).value = "TM. BAN THƯỜNG VỤ"
            sheet.cell(last + 4, 5).value = "CHỦ TỊCH"
            sheet.cell(last + 7, 2).value = "Hồ Thị Lan"
            sheet.cell(last + 7, 5).value = "Nguyễn Thị 2 Hoa"  # a digit in a name is not data either

    return change


@pytest.mark.parametrize("totals", [True, False])
def test_the_place_and_date_line_and_signatures_are_never_data(vwu, demo_file, tmp_path, workspace, totals):
    result = ingest(vwu, workspace, edited(demo_file, tmp_path / "467.xlsx", signed(16, totals=totals)))

    assert result.exit_code == 0, result.output
    assert problems_of(result.output) == []
    assert members_of_467(workspace) == MEMBERS
    with Store.open(workspace, create=False) as store:
        [version] = store.versions()
    assert (version.signed_on, version.period) == ("2024-12-16", "2024")


# -- 7. a subtotal of the unit itself is a check, never added --------------------------------


def unit_row_on_top(values_of):
    """A row "Huyện Đa Krông" carrying the district's own code above the communes, no "Tổng cộng"."""

    def change(book):
        for name in SHEETS:
            sheet = book[name]
            sums = [sheet.cell(TOTALS_ROW, col).value for col in range(4, sheet.max_column + 1)]
            sheet.delete_rows(TOTALS_ROW)
            sheet.insert_rows(FIRST_ROW)
            sheet.cell(FIRST_ROW, 2).value = DISTRICT
            sheet.cell(FIRST_ROW, 3).value = "Huyện Đa Krông"
            for col, value in zip(range(4, sheet.max_column + 1), values_of(sums)):
                sheet.cell(FIRST_ROW, col).value = value

    return change


def test_a_unit_subtotal_equal_to_its_communes_is_not_added(vwu, demo_file, tmp_path, workspace):
    result = ingest(vwu, workspace, edited(demo_file, tmp_path / "467.xlsx", unit_row_on_top(lambda sums: sums)))

    assert result.exit_code == 0, result.output
    assert members_of_467(workspace) == MEMBERS  # not 46,846
    assert DISTRICT not in district_figures(workspace, "members_total")


def test_a_unit_row_that_differs_is_the_units_own_activities(vwu, demo_file, tmp_path, workspace):
    own = unit_row_on_top(lambda sums: [1] * len(sums))  # policies the district monitored itself...
    result = ingest(vwu, workspace, edited(demo_file, tmp_path / "467.xlsx", own))

    assert result.exit_code == 0, result.output
    assert district_figures(workspace, "members_total")[DISTRICT] == 1
    assert members_of_467(workspace) == MEMBERS + 1


def test_a_vwu_report_put_in_the_inbox_is_refused(vwu, demo_file, tmp_path, workspace):
    ingest(vwu, workspace, edited(demo_file, tmp_path / "in" / "467.xlsx"))
    assert vwu("report", "--year", 2024, "--workspace", workspace, "--out", tmp_path / "out").exit_code == 0
    outputs = list((tmp_path / "out").glob("*.xlsx"))
    assert outputs

    result = ingest(vwu, workspace, *outputs)

    assert result.exit_code == 1
    assert {p["code"] for p in problems_of(result.output)} == {"vwu-output"}
    assert members_of_467(workspace) == MEMBERS
    assert "gửi biểu mẫu của chính đơn vị" in vwu("validate", *outputs).output
