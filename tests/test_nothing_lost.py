"""Nothing lost, nothing counted twice (issue 11): Đa Krông (467, Quảng Trị) sends its report the
way district offices do — corrections of one sheet, of some communes, copies, hidden sheets,
formulas, footers, subtotals — and every figure it meant to send is counted once."""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import subprocess
import sys
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


def assert_rebuilt_alike(vwu, workspace: Path, rebuilt: Path, *folders: Path) -> None:
    """A store rebuilt from all the folders in one run holds the live store's current figures."""
    assert ingest(vwu, rebuilt, *folders).exit_code == 0
    with Store.open(workspace, create=False) as live, Store.open(rebuilt, create=False) as again:
        assert live.current_figures() == again.current_figures()


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


# -- 5. one grammar for the period phrases of titles ------------------------------------------

AMBIGUOUS = "ambiguous"


@pytest.mark.parametrize(
    "title, period",
    [
        (["BÁO CÁO KẾT QUẢ CÔNG TÁC HỘI NĂM 2024"], "2024"),
        (["Kỳ báo cáo: Năm 2024"], "2024"),
        (["Báo cáo tổng kết năm 2024"], "2024"),
        (["BÁO CÁO TỔNG KẾT CÔNG TÁC HỘI NĂM 2024"], "2024"),
        (["Báo cáo năm 2024 (từ tháng 12/2023 đến tháng 11/2024)"], "2024"),  # the working year, not December 2023
        (["Báo cáo năm 2024", "Số liệu tính đến 30/11/2024"], "2024"),
        (["Báo cáo sơ kết 6 tháng năm 2024"], "2024-H1"),
        (["Báo cáo 6 tháng năm 2024"], "2024-H1"),
        (["Báo cáo 6 tháng đầu năm 2024"], "2024-H1"),
        (["Báo cáo sơ kết 6 tháng đầu năm 2024"], "2024-H1"),
        (["BÁO CÁO SƠ KẾT 6 THÁNG", "Năm 2024"], "2024-H1"),
        (["Bao cao so ket 6 thang dau nam 2024"], "2024-H1"),  # typed without diacritics
        (["Báo cáo nửa đầu năm 2024"], "2024-H1"),
        (["Số liệu tính đến 30/6/2024"], "2024-H1"),
        (["Báo cáo từ tháng 1/2024 đến tháng 6/2024"], "2024-H1"),
        (["Báo cáo 6 tháng cuối năm 2024"], "2024-H2"),
        (["Báo cáo kết quả 9 tháng đầu năm 2024"], "2024-9M"),  # its own kind, never the year
        (["Báo cáo 9 tháng năm 2024"], "2024-9M"),
        (["Báo cáo quý I năm 2024"], "2024-Q1"),
        (["Báo cáo quý II năm 2024"], "2024-Q2"),
        (["Báo cáo quý III năm 2024"], "2024-Q3"),
        (["Báo cáo quý IV năm 2024"], "2024-Q4"),
        (["Báo cáo quý 3/2024"], "2024-Q3"),
        (["Báo cáo từ tháng 7/2024 đến tháng 9/2024"], "2024-Q3"),
        (["Báo cáo tháng 3/2024"], "2024-M03"),
        (["Báo cáo tháng 3 năm 2024"], "2024-M03"),
        (["Báo cáo tháng 12/2024"], "2024-M12"),  # December counts in the calendar year it names
        (["Báo cáo 6 tháng đầu năm 2024", "Tính đến 30/6/2024"], "2024-H1"),
        # a date of signing or of a letter is never a period
        (["Báo cáo năm 2024", "Đakrông, ngày 30 tháng 6 năm 2025"], "2024"),
        (["Báo cáo năm 2024", "(Kèm theo Công văn số 12/CV-HPN ngày 5/12/2024)"], "2024"),
        # phrases that disagree
        (["Báo cáo 6 tháng đầu năm 2024", "Tổng kết năm 2024"], AMBIGUOUS),
        (["Báo cáo năm 2023", "Báo cáo quý II năm 2024"], AMBIGUOUS),
        (["Báo cáo quý I năm 2024", "Báo cáo 9 tháng năm 2024"], AMBIGUOUS),
        (["HỘI LHPN HUYỆN ĐA KRÔNG", "Mã đơn vị: 467"], None),
    ],
)
def test_a_title_names_its_period(title, period):
    from vwu_pipeline.core.periods import read_title_period

    found = read_title_period(title)

    assert (AMBIGUOUS if found.ambiguous else found.code) == period


def titled(*lines: str):
    """The title block (rows 2 and 3) of every sheet rewritten."""

    def change(book):
        for name in SHEETS:
            sheet = book[name]
            sheet["A2"], sheet["A3"] = (list(lines) + [None, None])[:2]

    return change


def national_total(vwu, workspace: Path, indicator: str, column: str) -> float:
    aggregate = json.loads(vwu("aggregate", "--year", 2024, "--workspace", workspace, "--json").output)
    return aggregate["totals"][indicator][column]["value"]


def test_a_late_half_year_review_does_not_replace_the_year(vwu, demo_file, tmp_path, workspace):
    now = time.time()
    year = edited(demo_file, tmp_path / "467_nam.xlsx", mtime=now - 60)

    def half(book):
        titled("BÁO CÁO SƠ KẾT 6 THÁNG NĂM 2024", None)(book)
        sheet = book["Mẹ đỡ đầu"]  # the half year raised half the funds
        for row in range(FIRST_ROW, TOTALS_ROW):
            sheet.cell(row, 6).value //= 2
        sheet.cell(TOTALS_ROW, 6).value = sum(sheet.cell(r, 6).value for r in range(FIRST_ROW, TOTALS_ROW))

    ingest(vwu, workspace, year)
    funds = national_total(vwu, workspace, "orphans", "funds_vnd")

    result = ingest(vwu, workspace, edited(demo_file, tmp_path / "467_so_ket.xlsx", half, mtime=now))

    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["files"][0]["period"] == "2024-H1"
    assert national_total(vwu, workspace, "orphans", "funds_vnd") == funds  # the year is still the year file's
    with Store.open(workspace, create=False) as store:
        current = {s.period for s in store.submissions(unit_code=DISTRICT, indicator="orphans", current=True)}
    assert current == {"2024", "2024-H1"}


def test_phrases_that_disagree_refuse_the_file_unless_period_says_which(vwu, demo_file, tmp_path, workspace):
    both = edited(demo_file, tmp_path / "467.xlsx", titled("BÁO CÁO SƠ KẾT 6 THÁNG ĐẦU NĂM 2024", "Kỳ báo cáo: tổng kết năm 2024"))

    refused = ingest(vwu, workspace, both)

    assert refused.exit_code == 1
    [error] = [p for p in problems_of(refused.output) if p["severity"] == "error"]
    assert error["code"] == "period-ambiguous"
    assert "“BÁO CÁO SƠ KẾT 6 THÁNG ĐẦU NĂM 2024”" in error["message"] and "“Kỳ báo cáo: tổng kết năm 2024”" in error["message"]

    chosen = ingest(vwu, workspace, both, options=("--period", "2024-H1"))

    assert chosen.exit_code == 0, chosen.output
    assert json.loads(chosen.output)["files"][0]["period"] == "2024-H1"


def test_period_refuses_a_file_whose_title_names_another_period(vwu, demo_file, tmp_path, workspace):
    quarter = edited(demo_file, tmp_path / "467_quy3.xlsx", titled("BÁO CÁO QUÝ III NĂM 2024", None))

    result = ingest(vwu, workspace, quarter, options=("--period", "2024-H1"))

    assert result.exit_code == 1
    assert [p["code"] for p in problems_of(result.output) if p["severity"] == "error"] == ["period-conflict"]


def test_the_date_on_a_footer_line_is_never_read_as_the_period(vwu, demo_file, tmp_path, workspace):
    # signed on 30 June: "tính đến 30/6" would name the first half, a signing date names nothing
    result = ingest(vwu, workspace, edited(demo_file, tmp_path / "467.xlsx", signed(30, 6)))

    assert result.exit_code == 0, result.output
    with Store.open(workspace, create=False) as store:
        [version] = store.versions()
    assert (version.period, version.signed_on) == ("2024", "2024-06-30")


# -- 8. one unreadable file or folder is refused alone; the run goes on ------------------------


NOBODY = 65534


def as_service_user(command: list[str]) -> subprocess.CompletedProcess:
    """Run vwu as the server's service user: one that may not read another user's files. Tests
    run as root in CI, and root reads every file: there vwu runs without the two capabilities
    that let root ignore file modes (a subprocess: dropping them is for good)."""

    def without_root_overrides() -> None:
        if os.geteuid() == 0:
            libc = ctypes.CDLL(None, use_errno=True)
            for capability in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, out of the bounding set
                if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
                    raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")

    code = "import sys; from vwu_pipeline.cli import main; sys.argv[0] = 'vwu'; main()"
    return subprocess.run([sys.executable, "-c", code, *command], capture_output=True, text=True, preexec_fn=without_root_overrides)


def of_another_user(path: Path) -> None:
    """A file or folder of another user, readable only by them (mode 600 or 700)."""
    if os.geteuid() == 0:
        os.chown(path, NOBODY, NOBODY)
        path.chmod(0o700 if path.is_dir() else 0o600)
    else:
        path.chmod(0o000)  # not ours to give away: not even its owner may read it


@pytest.mark.linux
def test_a_file_of_another_user_is_refused_alone_and_the_good_files_are_stored(demo_file, tmp_path, workspace):
    inbox = tmp_path / "inbox"
    edited(demo_file, inbox / "467_da_krong.xlsx")
    locked = edited(demo_file, inbox / "466_gio_linh.xlsx", titled("BÁO CÁO NĂM 2024", None))
    of_another_user(locked)

    result = as_service_user(["ingest", str(inbox), "--workspace", str(workspace), "--json"])

    assert result.returncode == 1, result.stderr  # refused files: not 4 ("database corrupt"), not 70
    lines = {Path(f["path"]).name: f for f in json.loads(result.stdout)["files"]}
    assert lines["467_da_krong.xlsx"]["status"] == "accepted"
    [problem] = lines["466_gio_linh.xlsx"]["problems"]
    assert problem["code"] == "file-unreadable"
    assert problem["message"].startswith("Không đọc được tệp: máy chủ không có quyền đọc (quyền của tệp hoặc thư mục; chmod/chown).")
    english = as_service_user(["validate", str(locked), "--json", "--lang", "en"])
    [problem] = json.loads(english.stdout)["files"][0]["problems"]
    assert problem["message"].startswith("The file cannot be read: the server may not read it (file or folder permissions")
    with Store.open(workspace, create=False) as store:
        assert [f.name for f in store.files("accepted")] == ["467_da_krong.xlsx"]
    locked.chmod(0o644)


@pytest.mark.linux
def test_a_subfolder_that_cannot_be_read_is_reported(demo_file, tmp_path, workspace):
    inbox = tmp_path / "inbox"
    edited(demo_file, inbox / "467_da_krong.xlsx")
    edited(demo_file, inbox / "gio_linh" / "466.xlsx")
    of_another_user(inbox / "gio_linh")

    result = as_service_user(["ingest", str(inbox), "--workspace", str(workspace), "--json"])

    assert result.returncode == 1, result.stderr
    lines = {Path(f["path"]).name: f for f in json.loads(result.stdout)["files"]}
    assert lines["467_da_krong.xlsx"]["status"] == "accepted"
    [problem] = lines["gio_linh"]["problems"]
    assert problem["code"] == "folder-unreadable"
    assert "máy chủ không có quyền đọc" in problem["message"]
    (inbox / "gio_linh").chmod(0o755)


def test_a_folder_nested_beyond_the_path_limit_is_reported_not_a_crash(vwu, demo_file, tmp_path, workspace):
    inbox = tmp_path / "inbox"
    edited(demo_file, inbox / "467_da_krong.xlsx")
    deep = os.open(inbox, os.O_RDONLY)
    try:
        for _ in range(25):  # 25 × 200 characters: beyond PATH_MAX (4096), made one level at a time
            os.mkdir("thu_muc_" + "x" * 192, dir_fd=deep)
            inner = os.open("thu_muc_" + "x" * 192, os.O_RDONLY, dir_fd=deep)
            os.close(deep)
            deep = inner
        with os.fdopen(os.open("466.xlsx", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=deep), "wb") as handle:
            handle.write(demo_file.read_bytes())
    finally:
        os.close(deep)

    result = ingest(vwu, workspace, inbox)

    assert result.exit_code == 1, result.output
    lines = {Path(f["path"]).name: f for f in json.loads(result.output)["files"]}
    assert lines["467_da_krong.xlsx"]["status"] == "accepted"
    folder = next(line for name, line in lines.items() if name.startswith("thu_muc_"))
    [problem] = folder["problems"]
    assert problem["code"] == "folder-unreadable" and "đường dẫn quá dài" in problem["message"]
    deep_tree = inbox / ("thu_muc_" + "x" * 192)
    shutil.rmtree(deep_tree)  # rmtree works by file descriptors: pytest could not remove it


def test_a_file_renamed_away_during_the_run_is_refused_alone(demo_file, tmp_path, workspace):
    from vwu_pipeline.ingest.run import IngestOptions, run

    inbox = tmp_path / "inbox"
    edited(demo_file, inbox / "466_gio_linh.xlsx", titled("BÁO CÁO NĂM 2024", None))
    uploading = edited(demo_file, inbox / "467_da_krong.xlsx.part.xlsx")

    def renamed_by_sftp(count: int) -> None:  # between listing the inbox and reading it
        uploading.rename(inbox / "467_da_krong.xlsx")

    report = run([inbox], workspace, IngestOptions(workers=0), started=renamed_by_sftp)

    lines = {Path(f.path).name: f for f in report.files}
    assert lines["466_gio_linh.xlsx"].status == "accepted"
    [problem] = lines["467_da_krong.xlsx.part.xlsx"].problems
    assert problem.code == "file-unreadable"
    assert "tệp đã bị đổi tên, chuyển đi hoặc xóa trong khi đang nhận" in problem.message("vi")
    assert "renamed, moved or deleted while being ingested" in problem.message("en")
    assert report.exit_code == 1


# -- 9. the same bytes twice in one run -------------------------------------------------------


def test_each_copy_of_a_refused_file_gets_its_refusal(vwu, demo_file, tmp_path, workspace):
    def broken(book):
        book["Hội viên"]["D9"] = "#REF!"

    original = edited(demo_file, tmp_path / "inbox" / "467_da_krong.xlsx", broken)
    shutil.copyfile(original, tmp_path / "inbox" / "467_da_krong (1).xlsx")
    shutil.copyfile(original, tmp_path / "inbox" / "467_da_krong - Copy.xlsx")

    result = ingest(vwu, workspace, tmp_path / "inbox")

    assert result.exit_code == 1
    lines = json.loads(result.output)["files"]
    assert [line["status"] for line in lines] == ["refused"] * 3
    assert all([p["message"] for p in line["problems"]] == ["Ô D9 có lỗi #REF!: sửa công thức trong Excel rồi gửi lại."] for line in lines)
    assert "Đã có, không đổi" not in vwu("ingest", tmp_path / "inbox", "--workspace", workspace).output
    with Store.open(workspace, create=False) as store:
        [latest, first] = store.runs(last=2)
    assert (first.summary["refused"], first.summary.get("unchanged", 0)) == (3, 0)
    assert latest.summary["refused"] == 3


# -- 10. a title year far from now ------------------------------------------------------------


def test_a_year_typed_far_from_the_others_is_accepted_with_a_warning(vwu, demo_file, tmp_path, workspace):
    ingest(vwu, workspace, edited(demo_file, tmp_path / "467_2024.xlsx"))
    typo = edited(demo_file, tmp_path / "466_2000.xlsx", titled("BÁO CÁO KẾT QUẢ CÔNG TÁC HỘI NĂM 2000", "Kỳ báo cáo: Năm 2000"))

    result = ingest(vwu, workspace, typo)

    assert result.exit_code == 0, result.output
    [warning] = problems_of(result.output)
    assert warning["code"] == "year-unusual" and warning["severity"] == "warning"
    assert warning["message"].startswith("Năm báo cáo 2000 khác thường (năm gần nhất đã nhận: 2024; ")


@pytest.mark.parametrize(
    "year, latest, today, unusual",
    [
        (2024, 2024, "2024-12-16", False),
        (2023, 2024, "2024-12-16", False),  # a late report of the year before
        (2022, 2024, "2024-12-16", True),
        (2000, 2024, "2024-12-16", True),
        (2025, 2024, "2024-12-16", False),  # the working year 2025 began on 1 December 2024
        (2025, 2024, "2024-11-30", True),  # ... not before
        (2026, None, "2024-12-16", True),  # empty store: after the current working year
        (2025, None, "2024-12-16", False),
    ],
)
def test_which_years_are_unusual(year, latest, today, unusual):
    from datetime import date

    from vwu_pipeline.core.periods import unusual_year

    assert unusual_year(year, latest, date.fromisoformat(today)) is unusual


# -- 6. which version counts ------------------------------------------------------------------


def corrected(members: int, row: int = FIRST_ROW):
    """One commune's members corrected, and the totals row with it."""

    def change(book):
        sheet = book["Hội viên"]
        sheet.cell(TOTALS_ROW, 4).value += members - sheet.cell(row, 4).value
        sheet.cell(row, 4).value = members

    return change


def both(*changes):
    def change(book):
        for one in changes:
            one(book)

    return change


def test_a_browser_copy_holding_the_correction_beats_its_older_original_in_one_run(vwu, demo_file, tmp_path, workspace):
    now = time.time()
    inbox = tmp_path / "inbox"
    edited(demo_file, inbox / "467_huyen_da_krong_2024.xlsx", mtime=now - 3600)
    edited(demo_file, inbox / "467_huyen_da_krong_2024 (1).xlsx", corrected(2600), mtime=now)

    result = ingest(vwu, workspace, inbox)

    assert result.exit_code == 0, result.output
    assert district_figures(workspace, "members_total")["19555"] == 2600
    [newer] = [p for p in problems_of(result.output) if p["code"] == "newer-version" and p["sheet"] == "Hội viên"]
    assert newer["file"] == "467_huyen_da_krong_2024 (1).xlsx"  # the two versions named on one line
    assert "467_huyen_da_krong_2024.xlsx" in newer["message"] and "theo thời gian sửa tệp" in newer["message"]


def test_copies_with_equal_times_are_ordered_by_name_and_the_line_says_so(vwu, demo_file, tmp_path, workspace):
    now = time.time()
    inbox = tmp_path / "inbox"
    edited(demo_file, inbox / "467_huyen_da_krong_2024.xlsx", mtime=now)
    edited(demo_file, inbox / "467_huyen_da_krong_2024 (1).xlsx", corrected(2600), mtime=now)

    result = ingest(vwu, workspace, inbox)

    assert district_figures(workspace, "members_total")["19555"] == 2600
    [newer] = [p for p in problems_of(result.output) if p["code"] == "newer-version" and p["sheet"] == "Hội viên"]
    assert "467_huyen_da_krong_2024.xlsx" in newer["message"] and "theo tên tệp" in newer["message"]


def test_the_signing_date_decides_before_the_file_time(vwu, demo_file, tmp_path, workspace):
    now = time.time()
    # the correction signed on 16 December, copied from a mail archive: its file time is old
    signed_later = edited(demo_file, tmp_path / "a" / "467_ban_sua.xlsx", both(corrected(2600), signed(16)), mtime=now - 10 * 86400)
    signed_first = edited(demo_file, tmp_path / "b" / "467_ban_dau.xlsx", signed(5), mtime=now)

    result = ingest(vwu, workspace, signed_first, signed_later)

    assert result.exit_code == 0, result.output
    assert district_figures(workspace, "members_total")["19555"] == 2600
    [newer] = [p for p in problems_of(result.output) if p["code"] == "newer-version" and p["sheet"] == "Hội viên"]
    assert "467_ban_dau.xlsx" in newer["message"] and "theo ngày ký 2024-12-16 sau 2024-12-05" in newer["message"]


def test_the_as_of_date_of_the_figures_never_orders_versions(vwu, demo_file, tmp_path, workspace):
    now = time.time()
    as_of = titled("BÁO CÁO KẾT QUẢ CÔNG TÁC HỘI NĂM 2024", "Số liệu tính đến ngày 30 tháng 11 năm 2024")
    first = edited(demo_file, tmp_path / "a" / "467.xlsx", as_of, mtime=now - 60)
    second = edited(demo_file, tmp_path / "b" / "467.xlsx", both(as_of, corrected(2600)), mtime=now)

    ingest(vwu, workspace, second, first)

    assert district_figures(workspace, "members_total")["19555"] == 2600  # the file time decided
    with Store.open(workspace, create=False) as store:
        assert {v.signed_on for v in store.versions()} == {None}


def test_a_version_arriving_after_its_correction_does_not_undo_it(vwu, demo_file, tmp_path, workspace):
    now = time.time()
    correction = edited(demo_file, tmp_path / "night1" / "467_sua.xlsx", corrected(2600), mtime=now)
    late_original = edited(demo_file, tmp_path / "night2" / "467.xlsx", mtime=now - 3600)
    ingest(vwu, workspace, correction)

    result = ingest(vwu, workspace, late_original)

    assert result.exit_code == 0, result.output
    assert district_figures(workspace, "members_total")["19555"] == 2600
    assert {p["code"] for p in problems_of(result.output)} == {"older-version"}


def test_an_original_saved_again_after_its_correction_is_skipped_unless_forced(vwu, demo_file, tmp_path, workspace):
    now = time.time()
    original = edited(demo_file, tmp_path / "night1" / "467.xlsx", mtime=now - 7200)
    ingest(vwu, workspace, original)
    ingest(vwu, workspace, edited(demo_file, tmp_path / "night2" / "467_sua.xlsx", corrected(2600), mtime=now - 3600))
    # the office opens its original again and saves it: new bytes, a new file time, the old figures
    resaved = edited(original, tmp_path / "night3" / "467.xlsx", lambda book: None, mtime=now)

    result = ingest(vwu, workspace, resaved)

    assert result.exit_code == 0, result.output
    assert statuses(result) == {"467.xlsx": "skipped"}
    [warning] = problems_of(result.output)
    assert warning["code"] == "resaved-original"
    assert "467_sua.xlsx" in warning["message"] and "vwu ingest --force" in warning["message"]
    assert district_figures(workspace, "members_total")["19555"] == 2600
    # --force on the night's folder reads it again and recomputes, but applies nothing on purpose
    again = ingest(vwu, workspace, resaved.parent, options=("--force",))
    assert statuses(again) == {"467.xlsx": "skipped"}
    assert district_figures(workspace, "members_total")["19555"] == 2600

    forced = ingest(vwu, workspace, resaved, options=("--force",))

    assert forced.exit_code == 0, forced.output
    assert district_figures(workspace, "members_total")["19555"] == 2516  # applied on purpose


def stored_aggregates(workspace: Path, periods: tuple[str, ...] = ("2024",)) -> dict:
    """Every stored aggregate table of the periods, as plain rows (the time it was computed aside)."""
    out = {}
    with Store.open(workspace, create=False) as store:
        for period in periods:
            meta, tables = store.read_aggregation(2024, period)
            for name, frame in tables.items():
                out[(period, name)] = sorted(map(repr, frame.to_dict("records")))
            out[(period, "counts")] = meta["counts"]
        out["current"] = store.current_figures()
    return out


def test_three_nightly_runs_and_a_rebuild_from_all_files_give_every_aggregate_equal(vwu, demo_file, tmp_path, workspace):
    day = 86400
    start = time.time() - 10 * day
    folder = demo_file.parent
    nights = tmp_path / "nights"

    def night(n: int) -> Path:
        return nights / f"dem_{n}"

    for path in sorted(folder.glob("4*.xlsx"))[:4]:  # the first four districts' reports
        edited(path, night(1) / path.name, mtime=start)
    edited(demo_file, night(1) / demo_file.name, mtime=start)
    # night 2: a one-sheet correction, a browser copy with a fix, half the communes of another
    one_sheet = both(corrected(2600), *(lambda book, n=name: clear_figures(book[n]) for name in SHEETS[1:]))
    edited(demo_file, night(2) / "467_sua_hoi_vien.xlsx", one_sheet, mtime=start + day)
    edited(demo_file, night(2) / "467_huyen_da_krong_2024 (1).xlsx", both(corrected(2600), corrected(1000, row=12)), mtime=start + day + 60)
    edited(demo_file, night(2) / "467_xa_7_13.xlsx", keep_rows(set(range(15, 22))), mtime=start + day + 120)
    # night 3: the original saved again, a late copy of an older version, the same bytes again
    edited(demo_file, night(3) / demo_file.name, lambda book: None, mtime=start + 2 * day)
    edited(demo_file, night(3) / "467_cu.xlsx", corrected(1500, row=20), mtime=start - day)
    shutil.copyfile(night(2) / "467_xa_7_13.xlsx", night(3) / "467_xa_7_13 - Copy.xlsx")

    for n in (1, 2, 3):
        night_run = ingest(vwu, workspace, night(n))
        assert night_run.exit_code == 0, night_run.output
        assert vwu("aggregate", "--year", 2024, "--workspace", workspace).exit_code == 0
    rebuilt = tmp_path / "rebuilt"
    assert ingest(vwu, rebuilt, nights).exit_code == 0
    assert vwu("aggregate", "--year", 2024, "--workspace", rebuilt).exit_code == 0

    live = stored_aggregates(workspace)
    assert live == stored_aggregates(rebuilt)
    members = district_figures(workspace, "members_total")
    assert members["19555"] == 2600 and members["19564"] == 1000  # both corrections count
    assert members["19591"] == 1625  # the late older copy undid nothing


# -- 12. withdrawing a submission -------------------------------------------------------------


def doubled_members(book):
    sheet = book["Hội viên"]
    for row in range(FIRST_ROW, TOTALS_ROW + 1):
        sheet.cell(row, 4).value *= 2


def test_a_wrong_file_is_withdrawn_and_the_withdrawal_can_be_undone(vwu, demo_file, tmp_path, workspace):
    now = time.time()
    ingest(vwu, workspace, edited(demo_file, tmp_path / "467.xlsx", mtime=now - 3600))
    # another district's figures typed into Đa Krông's file: every commune replaced
    wrong = edited(demo_file, tmp_path / "467_nham.xlsx", doubled_members, mtime=now)
    ingest(vwu, workspace, wrong)
    assert members_of_467(workspace) == 2 * MEMBERS
    assert national_total(vwu, workspace, "members", "members_total") == 2 * MEMBERS

    result = vwu("withdraw", "467_nham.xlsx", "--reason", "Gửi nhầm số liệu năm trước", "--workspace", workspace)

    assert result.exit_code == 0, result.output
    assert "Đã rút 467_nham.xlsx (467, năm 2024)" in result.output and "vwu withdraw --undo" in result.output
    assert members_of_467(workspace) == MEMBERS  # the previous version counts again
    assert national_total(vwu, workspace, "members", "members_total") == MEMBERS  # the next aggregate follows
    state = json.loads(vwu("status", "--year", 2024, "--workspace", workspace, "--json").output)
    [withdrawn] = state["withdrawn"]
    assert (withdrawn["file"], withdrawn["reason"]) == ("467_nham.xlsx", "Gửi nhầm số liệu năm trước")
    assert withdrawn["who"] and withdrawn["at"].startswith(time.strftime("%Y-"))
    shown = vwu("status", "--year", 2024, "--workspace", workspace).output
    assert "Tệp đã rút" in shown and "Gửi nhầm số liệu năm trước" in shown and withdrawn["who"] in shown
    report = vwu("report", "--year", 2024, "--workspace", workspace, "--out", tmp_path / "out", "--json")
    assert report.exit_code == 0, report.output

    sha = withdrawn["sha256"]
    undone = vwu("withdraw", "--undo", sha[:10], "--workspace", workspace)

    assert undone.exit_code == 0, undone.output
    assert members_of_467(workspace) == 2 * MEMBERS
    assert national_total(vwu, workspace, "members", "members_total") == 2 * MEMBERS
    assert json.loads(vwu("status", "--year", 2024, "--workspace", workspace, "--json").output)["withdrawn"] == []


def test_withdraw_says_what_it_cannot_do(vwu, demo_file, tmp_path, workspace):
    ingest(vwu, workspace, edited(demo_file, tmp_path / "a" / "467.xlsx"))
    ingest(vwu, workspace, edited(demo_file, tmp_path / "b" / "467.xlsx", corrected(2600)))

    several = vwu("withdraw", "467.xlsx", "--workspace", workspace)
    unknown = vwu("withdraw", "468.xlsx", "--workspace", workspace)
    not_withdrawn = vwu("withdraw", "--undo", str(tmp_path / "a" / "467.xlsx"), "--workspace", workspace)
    assert vwu("withdraw", str(tmp_path / "b" / "467.xlsx"), "--workspace", workspace).exit_code == 0
    twice = vwu("withdraw", str(tmp_path / "b" / "467.xlsx"), "--workspace", workspace, "--lang", "en")

    assert [r.exit_code for r in (several, unknown, not_withdrawn, twice)] == [2, 2, 2, 2]
    assert "Nhiều tệp đã nhận khớp '467.xlsx'" in several.output
    assert "Không có tệp đã nhận nào khớp '468.xlsx'" in unknown.output
    assert "không bị rút" in not_withdrawn.output
    assert "already withdrawn" in twice.output and "vwu withdraw --undo" in twice.output
    assert district_figures(workspace, "members_total")["19555"] == 2516  # b withdrawn: a counts


def test_an_original_saved_again_in_the_same_run_as_its_correction_never_undoes_it(vwu, demo_file, tmp_path, workspace):
    now = time.time()
    ingest(vwu, workspace, edited(demo_file, tmp_path / "night1" / "467.xlsx", mtime=now - 7200))
    inbox = tmp_path / "night2"  # "467.xlsx" is read before "467_sua.xlsx", yet it is the older version's figures
    edited(demo_file, inbox / "467_sua.xlsx", corrected(2600), mtime=now - 3600)
    edited(tmp_path / "night1" / "467.xlsx", inbox / "467.xlsx", lambda book: None, mtime=now)

    result = ingest(vwu, workspace, inbox)

    assert result.exit_code == 0, result.output
    assert statuses(result) == {"467.xlsx": "skipped", "467_sua.xlsx": "replaced"}
    assert district_figures(workspace, "members_total")["19555"] == 2600


def test_an_original_saved_again_and_delivered_before_the_correction_made_before_it_never_undoes_it(vwu, demo_file, tmp_path, workspace):
    now = time.time()
    original = edited(demo_file, tmp_path / "night1" / "467.xlsx", mtime=now - 7200)
    ingest(vwu, workspace, original)
    # the office re-saves its original (new bytes, the old figures) and mails it at once; the
    # correction it had made an hour before the re-save arrives only the next night
    resaved = ingest(vwu, workspace, edited(original, tmp_path / "night2" / "467_gui_lai.xlsx", lambda book: None, mtime=now))
    assert district_figures(workspace, "members_total")["19555"] == 2516
    [again] = [p for p in problems_of(resaved.output) if p["sheet"] == "Hội viên"]
    assert again["code"] == "newer-version"  # as far as anyone knows yet, the newest version

    result = ingest(vwu, workspace, edited(demo_file, tmp_path / "night3" / "467_sua.xlsx", corrected(2600), mtime=now - 3600))

    assert result.exit_code == 0, result.output
    assert statuses(result) == {"467_sua.xlsx": "replaced"}
    assert district_figures(workspace, "members_total")["19555"] == 2600
    [newer] = [p for p in problems_of(result.output) if p["code"] == "newer-version" and p["sheet"] == "Hội viên"]
    assert "467_gui_lai.xlsx có số liệu giống hệt 467.xlsx" in newer["message"]
    assert_rebuilt_alike(vwu, workspace, tmp_path / "rebuilt", tmp_path / "night1", tmp_path / "night2", tmp_path / "night3")


def test_an_identical_copy_with_a_newer_time_counts_from_its_originals_time_once_the_original_arrives(vwu, demo_file, tmp_path, workspace):
    now = time.time()
    # `cp` without -p: the same bytes with a new file time, delivered before the original
    edited(demo_file, tmp_path / "night1" / "467 - Copy.xlsx", mtime=now)
    ingest(vwu, workspace, tmp_path / "night1")
    ingest(vwu, workspace, edited(demo_file, tmp_path / "night2" / "467_sua.xlsx", corrected(2600), mtime=now - 3600))
    assert district_figures(workspace, "members_total")["19555"] == 2516  # as far as vwu knows, the copy is newer
    assert national_total(vwu, workspace, "members", "members_total") == MEMBERS

    result = ingest(vwu, workspace, edited(demo_file, tmp_path / "night3" / "467.xlsx", mtime=now - 7200))

    assert result.exit_code == 0, result.output
    assert statuses(result) == {"467.xlsx": "unchanged"}
    [older] = problems_of(result.output)
    assert older["code"] == "older-copy" and "467 - Copy.xlsx" in older["message"]
    assert district_figures(workspace, "members_total")["19555"] == 2600
    assert national_total(vwu, workspace, "members", "members_total") == MEMBERS - 2516 + 2600  # the next aggregate follows
    # all three in one run: the copy is read first (its name sorts first), the original is its copy
    assert_rebuilt_alike(vwu, workspace, tmp_path / "rebuilt", tmp_path / "night1", tmp_path / "night2", tmp_path / "night3")


def test_a_full_correction_made_from_the_original_never_undoes_a_one_sheet_correction_made_before_it(vwu, demo_file, tmp_path, workspace):
    now = time.time()
    ingest(vwu, workspace, edited(demo_file, tmp_path / "night1" / "467.xlsx", mtime=now - 7200))

    def funds_fixed(book):  # the funds of one commune corrected, on a one-sheet form
        sheet = book["Mẹ đỡ đầu"]
        sheet.cell(TOTALS_ROW, 6).value += 1_000_000 - sheet.cell(FIRST_ROW, 6).value
        sheet.cell(FIRST_ROW, 6).value = 1_000_000
        for name in SHEETS:
            if name != "Mẹ đỡ đầu":
                clear_figures(book[name])

    ingest(vwu, workspace, edited(demo_file, tmp_path / "night2" / "467_sua_kinh_phi.xlsx", funds_fixed, mtime=now - 3600))
    # an hour later the office fixes members in its original file: the other sheets still hold the old funds
    result = ingest(vwu, workspace, edited(demo_file, tmp_path / "night3" / "467_sua_hoi_vien.xlsx", corrected(2600), mtime=now))

    assert result.exit_code == 0, result.output
    assert district_figures(workspace, "members_total")["19555"] == 2600
    assert district_figures(workspace, "funds_vnd")["19555"] == 1_000_000  # the funds correction still counts
    [resaved] = [p for p in problems_of(result.output) if p["sheet"] == "Mẹ đỡ đầu"]
    assert resaved["code"] == "resaved-version" and "467.xlsx" in resaved["message"]
    assert not [p for p in problems_of(result.output) if p["code"] == "resaved-version" and p["sheet"] != "Mẹ đỡ đầu"]
    assert_rebuilt_alike(vwu, workspace, tmp_path / "rebuilt", tmp_path / "night3", tmp_path / "night2", tmp_path / "night1")


@pytest.mark.parametrize("browser_copy", [False, True])
def test_an_original_delivered_after_its_re_save_still_yields_to_the_correction_made_between_them(
    vwu, demo_file, tmp_path, workspace, browser_copy
):
    now = time.time()

    def funds_changed(book):  # the re-saved file opened once more: one commune's funds changed, members untouched
        sheet = book["Mẹ đỡ đầu"]
        sheet.cell(TOTALS_ROW, 6).value += 1_000_000 - sheet.cell(FIRST_ROW, 6).value
        sheet.cell(FIRST_ROW, 6).value = 1_000_000

    original = edited(demo_file, tmp_path / "night2" / "467.xlsx", mtime=now - 4 * 3600)
    # the office's later files reach vwu first: the original re-saved, then that file with its funds changed
    edited(original, tmp_path / "night1" / "467_gui_lai.xlsx", lambda book: None, mtime=now - 2 * 3600)
    edited(original, tmp_path / "night1" / "467_kinh_phi.xlsx", funds_changed, mtime=now - 3600)
    ingest(vwu, workspace, tmp_path / "night1")

    if browser_copy:  # saved from the mail again today: the same bytes, a new time, a name read first
        edited(original, tmp_path / "night2" / "467 (1).xlsx", mtime=now)

    result = ingest(vwu, workspace, tmp_path / "night2")  # the original itself, the oldest of all

    assert result.exit_code == 0, result.output
    # not taken for a re-save of its own re-save; its copy is the same content, read once
    assert statuses(result) == {"467.xlsx": "accepted"} | ({"467 (1).xlsx": "unchanged"} if browser_copy else {})
    # the members correction, made between the original and its re-save, arrives last
    ingest(vwu, workspace, edited(demo_file, tmp_path / "night3" / "467_sua.xlsx", corrected(2600), mtime=now - 3 * 3600))

    assert district_figures(workspace, "members_total")["19555"] == 2600
    assert district_figures(workspace, "funds_vnd")["19555"] == 1_000_000
    assert_rebuilt_alike(vwu, workspace, tmp_path / "rebuilt", tmp_path / "night1", tmp_path / "night2", tmp_path / "night3")


def test_a_file_read_again_with_force_is_stored_once_and_can_still_be_withdrawn(vwu, demo_file, tmp_path, workspace):
    now = time.time()
    inbox = tmp_path / "inbox"
    edited(demo_file, inbox / "467.xlsx", mtime=now - 3600)
    correction = edited(demo_file, inbox / "467_sua.xlsx", corrected(2600), mtime=now)
    ingest(vwu, workspace, inbox)

    forced = ingest(vwu, workspace, correction, options=("--force",))  # the officer applies it again on purpose
    again = ingest(vwu, workspace, inbox, options=("--force",))  # and later reads the whole inbox again

    assert forced.exit_code == 0 and again.exit_code == 0, again.output
    assert statuses(again) == {"467.xlsx": "accepted", "467_sua.xlsx": "replaced"}
    assert not [
        p for p in problems_of(forced.output) + problems_of(again.output) if "467_sua.xlsx" in p["message"] and p["file"] == "467_sua.xlsx"
    ]
    with Store.open(workspace, create=False) as store:
        assert sorted(v.name for v in store.versions()) == ["467.xlsx", "467_sua.xlsx"]  # each content once
    assert district_figures(workspace, "members_total")["19555"] == 2600

    withdrawn = vwu("withdraw", str(correction), "--workspace", workspace)

    assert withdrawn.exit_code == 0, withdrawn.output
    assert district_figures(workspace, "members_total")["19555"] == 2516
    # read again once more: the withdrawal stays until it is undone
    ingest(vwu, workspace, inbox, options=("--force",))
    assert district_figures(workspace, "members_total")["19555"] == 2516
    assert vwu("withdraw", "--undo", "467_sua.xlsx", "--workspace", workspace).exit_code == 0
    assert district_figures(workspace, "members_total")["19555"] == 2600


def test_two_versions_with_the_same_name_and_time_in_two_folders_count_alike_in_any_order_of_nights(vwu, demo_file, tmp_path):
    moment = time.time() - 3600  # `cp -p`, a zip or a FAT stick: the same file time on both
    for night, members in (("dem1", 2517), ("dem2", 2518)):
        edited(demo_file, tmp_path / night / "467.xlsx", corrected(members), mtime=moment)
    outcomes = set()
    for order in (("dem1", "dem2"), ("dem2", "dem1")):
        workspace = tmp_path / ("ws_" + "_".join(order))
        for night in order:
            ingest(vwu, workspace, tmp_path / night)
        outcomes.add(district_figures(workspace, "members_total")["19555"])
    rebuilt = tmp_path / "rebuilt"
    ingest(vwu, rebuilt, tmp_path / "dem1", tmp_path / "dem2")

    assert outcomes == {district_figures(rebuilt, "members_total")["19555"]} == {2518}  # the later folder by name


def test_a_half_year_review_holding_the_years_first_figures_is_stored_as_the_half_year(vwu, demo_file, tmp_path, workspace):
    now = time.time()
    ingest(vwu, workspace, edited(demo_file, tmp_path / "n1" / "467.xlsx", mtime=now - 7200))
    ingest(vwu, workspace, edited(demo_file, tmp_path / "n2" / "467_sua.xlsx", corrected(2600), mtime=now - 3600))
    # the six-month review, the same figures as the year's first report (a small district, a quiet half)
    half = edited(demo_file, tmp_path / "n3" / "467_so_ket.xlsx", titled("BÁO CÁO SƠ KẾT 6 THÁNG NĂM 2024", None), mtime=now)

    result = ingest(vwu, workspace, half)

    assert result.exit_code == 0, result.output
    assert statuses(result) == {"467_so_ket.xlsx": "accepted"}  # another period: not a re-save of the year's file
    assert json.loads(result.output)["files"][0]["period"] == "2024-H1"
    assert national_total(vwu, workspace, "members", "members_total") == MEMBERS - 2516 + 2600  # the year keeps its correction
