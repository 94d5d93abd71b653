"""An officer drops district files into an inbox and runs `vwu ingest`."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest
from builders import COMMUNES, HEADERS, district_workbook, rows_for, write_csv
from conftest import figures, problems_of

from vwu_pipeline.ingest.run import IngestOptions, run
from vwu_pipeline.store.db import Store


def test_a_good_district_file_is_accepted_and_its_figures_stored(vwu, inbox, workspace):
    district_workbook(inbox / "tien_lu_2024.xlsx")

    result = vwu("ingest", inbox, "--workspace", workspace)

    assert result.exit_code == 0, result.output
    assert "Đã nhận" in result.output and "Huyện Tiên Lữ (332)" in result.output
    stored = figures(workspace)
    assert stored[("12337", "members_total")] == 1200
    assert stored[("12346", "funds_vnd")] == 3_000_000
    # totals row is a check, never data: 3 communes x 16 figures
    assert len(stored) == 3 * 16


def test_the_same_content_twice_changes_nothing(vwu, inbox, workspace):
    district_workbook(inbox / "tien_lu_2024.xlsx")
    vwu("ingest", inbox, "--workspace", workspace)
    before = figures(workspace)

    again = vwu("ingest", inbox, "--workspace", workspace)

    assert again.exit_code == 0, again.output
    assert "Đã có, không đổi" in again.output
    assert figures(workspace) == before
    with Store.open(workspace) as store:
        assert len(store.submissions()) == 4


def test_a_corrected_file_replaces_the_earlier_one_and_keeps_it_in_history(vwu, tmp_path, workspace):
    district_workbook(tmp_path / "first.xlsx")
    vwu("ingest", tmp_path / "first.xlsx", "--workspace", workspace)
    corrected = rows_for("members")
    corrected[0][2] = 1250  # Thị trấn Vương: members corrected
    district_workbook(tmp_path / "second.xlsx", ("members",), rows={"members": corrected})

    result = vwu("ingest", tmp_path / "second.xlsx", "--workspace", workspace)

    assert result.exit_code == 0, result.output
    assert "Thay bản trước" in result.output
    assert figures(workspace)[("12337", "members_total")] == 1250
    with Store.open(workspace) as store:
        history = [(s.indicator, int(s.current)) for s in store.submissions(indicator="members")]
    assert history == [("members", 0), ("members", 1)]
    # the other indicators of the first file are still current
    assert figures(workspace)[("12337", "lifted_from_poverty")] == 8


def test_two_row_merged_headers_and_a_numbering_row(vwu, inbox, workspace):
    district_workbook(inbox / "merged.xlsx", two_row_header=True, numbering=True)

    result = vwu("ingest", inbox, "--workspace", workspace)

    assert result.exit_code == 0, result.output
    assert figures(workspace)[("12340", "women_18_plus")] == 1500


def test_headers_in_any_case_without_diacritics_or_decomposed(vwu, inbox, workspace):
    plain = ["TONG SO HOI VIEN", "hoi vien ket nap moi trong ky", "So  phu nu tu 18 tuoi tro len tren dia ban", "Hội viên danh dự (người)"]
    nfd = [unicodedata.normalize("NFD", h) for h in HEADERS["poverty"]]
    district_workbook(inbox / "plain.xlsx", ("members",), headers=plain)
    district_workbook(inbox / "nfd.xlsx", ("poverty",), headers=nfd)

    result = vwu("ingest", inbox, "--workspace", workspace)

    assert result.exit_code == 0, result.output
    assert figures(workspace)[("12337", "honorary_members")] == 4
    assert figures(workspace)[("12337", "poor_households_start")] == 40


def test_numbers_typed_as_text_the_vietnamese_way(vwu, inbox, workspace):
    rows = rows_for("members")
    rows[0][2:6] = ["1.200", "35", "1 800", "-"]
    rows[1][2:6] = ["950", "", "1,500", None]
    district_workbook(inbox / "text.xlsx", ("members",), rows={"members": rows}, totals=False)

    result = vwu("ingest", inbox, "--workspace", workspace)

    assert result.exit_code == 0, result.output
    stored = figures(workspace)
    assert stored[("12337", "members_total")] == 1200
    assert stored[("12337", "women_18_plus")] == 1800
    assert stored[("12340", "women_18_plus")] == 1500
    # "-" (không phát sinh) is a reported zero; an empty cell is not reported (DOMAIN.md)
    assert stored[("12337", "honorary_members")] == 0
    assert ("12340", "members_new") not in stored


def test_a_number_with_a_word_refuses_the_file_and_names_the_cell(vwu, inbox, workspace):
    rows = rows_for("poverty")
    rows[1][4] = "12 hộ"
    district_workbook(inbox / "bad.xlsx", ("poverty",), rows={"poverty": rows}, totals=False)

    result = vwu("ingest", inbox, "--workspace", workspace)

    assert result.exit_code == 1, result.output
    assert "Từ chối" in result.output
    # title (2 lines) + blank + header + numbering = row 5; second commune is row 7
    assert "bad.xlsx › trang Thoát nghèo › dòng 7 › cột “Hộ thoát nghèo”" in result.output
    assert "Giá trị '12 hộ' không phải là số." in result.output
    assert figures(workspace) == {}


def test_a_figure_typed_with_extra_digits_is_above_the_schemas_maximum(vwu, inbox, workspace):
    rows = rows_for("members")
    rows[0][2] = 12_000_000_000  # 1200 members, with zeros typed over and over
    district_workbook(inbox / "typo.xlsx", ("members",), rows={"members": rows}, totals=False)

    result = vwu("ingest", inbox, "--workspace", workspace)

    assert result.exit_code == 1, result.output
    assert (
        "typo.xlsx › trang Hội viên › dòng 6 › cột “Tổng số hội viên”: Giá trị 12.000.000.000 lớn hơn mức tối đa 1.000.000."
        in result.output
    )
    assert figures(workspace) == {}


def test_a_wrong_totals_row_is_an_error_at_the_totals_row(vwu, inbox, workspace):
    rows = rows_for("members")
    totals = [3020 + 1, 67, 4600, 7]  # one member too many
    district_workbook(inbox / "sum.xlsx", ("members",), rows={"members": rows}, totals=totals)

    report = run([inbox], workspace)

    (problem,) = report.files[0].errors
    assert problem.code == "totals-mismatch"
    assert (problem.sheet, problem.row, problem.column) == ("Hội viên", 9, "Tổng số hội viên")
    assert problem.message() == "Dòng tổng ghi 3.021 nhưng cộng các dòng trên được 3.020."
    assert problem.message("en") == "The totals row says 3,021 but the rows above add up to 3,020."


def test_a_sheet_with_only_its_totals_row_has_nothing_to_check(inbox, workspace):
    # A form sent back with no commune filled in but its totals row of zeros kept: the rows above
    # add up to 0, as it says; the sheet reports nothing, the other sheet's figures count.
    from builders import write_sheet_table
    from openpyxl import load_workbook

    path = district_workbook(inbox / "zeros.xlsx", ("members",))
    book = load_workbook(path)
    sheet = book.create_sheet("Thoát nghèo")
    write_sheet_table(sheet, "poverty", [], title=["HỘI LHPN HUYỆN TIÊN LỮ", "BÁO CÁO KẾT QUẢ CÔNG TÁC HỘI NĂM 2024"], totals=[0] * 5)
    book.save(path)

    report = run([inbox], workspace)

    (result,) = report.files
    assert result.problems == []
    assert result.empty_sheets == ["Thoát nghèo"]
    assert len(figures(workspace, "members_total")) == len(COMMUNES)
    assert figures(workspace, "poor_households_start") == {}


def test_rules_of_the_schema_error_and_warning(vwu, inbox, workspace):
    rows = rows_for("members")
    rows[0][2:6] = [100, 150, 1800, 0]  # more new members than members: error
    rows[1][2:6] = [1600, 10, 1500, 0]  # more members than women 18+: warning only
    rows[2][2:6] = [-5, 0, 1300, 0]  # negative count: error
    district_workbook(inbox / "rules.xlsx", ("members",), rows={"members": rows}, totals=False)

    report = run([inbox], workspace, IngestOptions(lang="en"))

    found = {(p.code, p.severity, p.row, p.column) for p in report.files[0].problems}
    assert ("new-exceeds-total", "error", 6, "Hội viên kết nạp mới trong kỳ") in found
    assert ("members-exceed-women", "warning", 7, "Tổng số hội viên") in found
    assert ("below-minimum", "error", 8, "Tổng số hội viên") in found
    assert report.files[0].status == "refused"
    messages = [p.message("en") for p in report.files[0].problems]
    assert "New members (150) exceed total members (100)." in messages


def test_a_warning_alone_keeps_the_file(vwu, inbox, workspace):
    rows = rows_for("members")
    rows[1][2:6] = [1600, 10, 1500, 0]
    district_workbook(inbox / "warn.xlsx", ("members",), rows={"members": rows})

    result = vwu("ingest", inbox, "--workspace", workspace)

    assert result.exit_code == 0, result.output
    assert "1 cảnh báo" in result.output
    with Store.open(workspace) as store:
        assert [(p.code, p.row) for p in store.problems()] == [("members-exceed-women", 7)]


def test_unit_codes_checked_against_the_tree(inbox, workspace):
    rows = rows_for("policies")
    rows[1][0] = "00001"  # Phường Phúc Xá, Hà Nội: not a commune of Tiên Lữ
    rows[2][0] = "12337"  # Thị trấn Vương twice
    rows[0][1] = "TT Vuong"  # a name typed without diacritics still matches
    extra = [["12352", "Xã Lạ", 0, 0, 0, 0]]  # Xã Lệ Xá under a wrong name: warning
    district_workbook(inbox / "codes.xlsx", ("policies",), rows={"policies": rows + extra}, totals=False)

    report = run([inbox], workspace)

    found = {(p.code, p.severity, p.row, p.value) for p in report.files[0].problems}
    assert found == {
        ("unit-not-in-tree", "error", 7, "00001"),
        ("duplicate-unit", "error", 8, "12337"),
        ("unit-name-mismatch", "warning", 9, "Xã Lạ"),
    }


def test_codes_that_excel_turned_into_numbers_get_their_zeros_back(inbox, workspace):
    # Quận Ba Đình (001), Hà Nội: communes 00001, 00004 typed as numbers 1 and 4
    rows = [[1, "Phường Phúc Xá", 1, 0, 0, 0], [4, "Phường Trúc Bạch", 0, 1, 0, 0]]
    district_workbook(inbox / "ba_dinh.xlsx", ("policies",), rows={"policies": rows}, unit_title="HỘI LHPN QUẬN BA ĐÌNH")

    report = run([inbox], workspace)

    assert report.valid, report.to_json()
    assert report.files[0].unit_code == "001"
    assert figures(workspace)[("00004", "policies_monitored_joint")] == 1


def test_the_period_comes_from_the_title_or_year_option_and_must_agree(vwu, tmp_path, workspace):
    district_workbook(tmp_path / "untitled.xlsx", ("members",), year=None)
    district_workbook(tmp_path / "y2024.xlsx", ("members",), year=2024)

    missing = vwu("validate", tmp_path / "untitled.xlsx")
    given = vwu("validate", tmp_path / "untitled.xlsx", "--year", 2024)
    conflict = vwu("validate", tmp_path / "y2024.xlsx", "--year", 2023)

    assert missing.exit_code == 1 and "Không xác định được kỳ báo cáo" in missing.output
    assert given.exit_code == 0, given.output
    assert conflict.exit_code == 1 and "Kỳ báo cáo trong tệp (2024) khác với --year 2023" in conflict.output


@pytest.mark.parametrize(
    "encoding,delimiter",
    [("utf-8-sig", ","), ("utf-8", ";"), ("utf-16", ","), ("cp1258", ";")],
)
def test_csv_files_in_the_encodings_offices_save(inbox, workspace, encoding, delimiter):
    rows = rows_for("members")
    write_csv(inbox / f"hoi_vien_{encoding}.csv", "members", rows, encoding=encoding, delimiter=delimiter)

    report = run([inbox], workspace)

    assert report.valid, report.to_json()
    assert figures(workspace)[("12340", "members_total")] == 950
    assert report.files[0].warnings == []  # names decoded right: no name mismatch


def test_a_legacy_xls_file(inbox, workspace):
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("GiamSat")
    lines = [["HỘI LHPN HUYỆN TIÊN LỮ"], ["Tính đến 30/11/2024"], ["Mã xã", "Tên xã", *HEADERS["policies"]]]
    lines += rows_for("policies")
    for r, line in enumerate(lines):
        for c, value in enumerate(line):
            sheet.write(r, c, value)
    book.save(str(inbox / "giam_sat.xls"))

    report = run([inbox], workspace)

    assert report.valid, report.to_json()
    assert report.files[0].period == "2024"
    assert figures(workspace)[("12337", "drafts_reviewed")] == 3


def test_a_refused_file_stores_only_its_report_and_the_run_goes_on(vwu, inbox, workspace):
    district_workbook(inbox / "a_good.xlsx", ("members",))
    (inbox / "b_empty.xlsx").write_bytes(b"")
    (inbox / "c_notes.xlsx").write_bytes(b"this is not a workbook")

    result = vwu("ingest", inbox, "--workspace", workspace)

    assert result.exit_code == 1, result.output
    assert "b_empty.xlsx: Tệp rỗng (0 byte)." in result.output
    assert "c_notes.xlsx: Không đọc được tệp" in result.output
    with Store.open(workspace) as store:
        assert sorted((f.name, f.status) for f in store.files()) == [
            ("a_good.xlsx", "accepted"),
            ("b_empty.xlsx", "refused"),
            ("c_notes.xlsx", "refused"),
        ]
        assert len(store.submissions()) == 1


def test_a_workbook_without_indicator_sheets_or_headers(inbox, workspace):
    district_workbook(inbox / "other.xlsx", ("members",), sheet_names={"members": "Sheet1"}, headers=["A", "B", "C", "D"])

    report = run([inbox], workspace)

    (problem,) = report.files[0].problems
    assert problem.code == "no-indicator-sheet"


def test_a_targets_file_in_the_inbox_is_skipped_with_a_pointer_to_vwu_targets(vwu, inbox, workspace):
    district_workbook(inbox / "tien_lu_2024.xlsx")
    (inbox / "chi_tieu_2024.csv").write_text("year,unit_code,column,target\n2024,00,lifted_total,34000\n", encoding="utf-8")

    result = vwu("ingest", inbox, "--workspace", workspace)

    assert result.exit_code == 0, result.output
    assert "Bỏ qua" in result.output
    assert "chi_tieu_2024.csv: Đây là tệp chỉ tiêu giao" in result.output
    assert "vwu targets chi_tieu_2024.csv" in result.output
    with Store.open(workspace) as store:
        assert [f.name for f in store.files()] == ["tien_lu_2024.xlsx"]
    checked = run([inbox / "chi_tieu_2024.csv"], None)
    assert checked.valid and checked.counts["skipped"] == 1 and checked.files[0].problems[0].code == "targets-file"


def test_a_missing_column_is_named(inbox, workspace):
    headers = HEADERS["members"][:2] + ["Ghi chú", HEADERS["members"][3]]
    district_workbook(inbox / "short.xlsx", ("members",), headers=headers)

    report = run([inbox], workspace)

    (problem,) = report.files[0].problems
    assert (problem.code, problem.sheet, problem.row) == ("missing-column", "Hội viên", 4)
    assert "Số phụ nữ từ 18 tuổi trở lên trên địa bàn" in problem.message()


def test_json_output_equals_the_library_report(vwu, inbox, tmp_path):
    rows = rows_for("poverty")
    rows[0][3] = "nhiều"
    district_workbook(inbox / "one.xlsx", ("poverty",), rows={"poverty": rows})

    result = vwu("validate", inbox, "--json")

    assert result.exit_code == 1
    assert json.loads(result.output) == json.loads(run([inbox], None).to_json())
    assert [p["code"] for p in problems_of(result.output)] == ["type-error"]


def test_english_messages_on_request(vwu, inbox):
    rows = rows_for("orphans")
    rows[0][3] = "abc"
    district_workbook(inbox / "en.xlsx", ("orphans",), rows={"orphans": rows}, totals=False)

    result = vwu("validate", inbox, "--lang", "en")

    assert "en.xlsx › sheet Mẹ đỡ đầu › row 6 › column “Tổng số trẻ đang được đỡ đầu”: The value 'abc' is not a number." in result.output


def test_validate_stores_nothing(vwu, inbox, workspace, monkeypatch):
    monkeypatch.chdir(inbox.parent)
    district_workbook(inbox / "ok.xlsx")

    result = vwu("validate", inbox / "ok.xlsx")

    assert result.exit_code == 0, result.output
    assert "Hợp lệ" in result.output
    assert not (inbox.parent / "vwu-data").exists()


def test_a_crash_mid_run_leaves_earlier_files_whole(inbox, workspace, monkeypatch):
    district_workbook(inbox / "a.xlsx", ("members",))
    district_workbook(inbox / "b.xlsx", ("poverty",))
    real_save = Store.save

    def save_then_cut_power(self, result, path, year, figures, **options):
        if path.name == "b.xlsx":  # the power goes while b's figures are being written

            def cut(rows):
                yield from rows[:3]
                raise RuntimeError("power cut")

            figures = {indicator: cut(rows) for indicator, rows in figures.items()}
        return real_save(self, result, path, year, figures, **options)

    monkeypatch.setattr(Store, "save", save_then_cut_power)
    with pytest.raises(RuntimeError):
        run([inbox], workspace)

    with Store.open(workspace) as store:
        assert [f.name for f in store.files()] == ["a.xlsx"]
        assert [s.indicator for s in store.submissions()] == ["members"]
    monkeypatch.setattr(Store, "save", real_save)
    again = run([inbox], workspace)
    assert [f.status for f in again.files] == ["unchanged", "accepted"]
    assert figures(workspace)[("12340", "near_poor_households_start")] == 41


def test_the_files_of_a_batch_are_committed_together_each_still_whole(inbox, workspace, monkeypatch):
    # Issue 18: a commit per file wrote the pages each file touched (the figures', the indexes') to
    # the WAL once per file: 24,600 page writes for a national first ingest instead of 7,300.
    for name, indicator in (("a", "members"), ("b", "poverty"), ("c", "orphans")):
        district_workbook(inbox / f"{name}.xlsx", (indicator,))
    statements: list[str] = []
    opened = Store.open.__func__

    def traced(cls, *args, **kwargs):
        store = opened(cls, *args, **kwargs)
        store.db.set_trace_callback(statements.append)
        return store

    monkeypatch.setattr(Store, "open", classmethod(traced))
    report = run([inbox], workspace)

    assert [f.status for f in report.files] == ["accepted"] * 3
    stored = [i for i, sql in enumerate(statements) if sql.startswith("INSERT INTO files")]
    assert len(stored) == 3
    assert "COMMIT" not in statements[stored[0] : stored[-1]]  # one commit for the three
    with Store.open(workspace) as store:
        assert sorted(s.indicator for s in store.submissions()) == ["members", "orphans", "poverty"]


def test_commune_rows_and_the_districts_own_row(inbox, workspace):
    rows = rows_for("policies") + [["332", "Hội LHPN huyện Tiên Lữ (cấp huyện)", 2, 0, 4, 1]]
    district_workbook(inbox / "own.xlsx", ("policies",), rows={"policies": rows})

    report = run([inbox], workspace)

    assert report.valid, report.to_json()
    assert figures(workspace)[("332", "drafts_reviewed")] == 4
    assert COMMUNES[0][0] in {code for code, _ in figures(workspace)}


@pytest.mark.linux
def test_a_file_that_crashes_the_reader_is_refused_alone(inbox, workspace, monkeypatch):
    import os

    from vwu_pipeline.ingest import run as ingest

    district_workbook(inbox / "a_fine.xlsx", ("members",))
    district_workbook(inbox / "b_crafted.xlsx", ("poverty",))
    real_parse = ingest.parse_file

    def parse_or_abort(path, *args):
        if path.name == "b_crafted.xlsx":
            os.abort()  # what the Rust reader does on some crafted files
        return real_parse(path, *args)

    monkeypatch.setattr(ingest, "parse_file", parse_or_abort)  # reader processes are forked: they see it

    report = run([inbox], workspace)

    assert [f.status for f in report.files] == ["accepted", "refused"]
    assert report.files[1].problems[0].code == "file-unreadable"
    assert figures(workspace)[("12337", "members_total")] == 1200


@pytest.mark.linux
def test_a_reader_crash_found_before_the_next_batch_is_handed_out_refuses_that_file_alone(inbox, workspace, monkeypatch):
    # A crafted file in the second batch crashes its reader while this process stores the first:
    # handing out the third batch then met the broken pool (`pool.submit` raised BrokenProcessPool
    # outside `parsed`) and the whole run ended "unexpected error" (exit 70) after 25 files.
    import os
    import time

    from hostile import SHEET1, patch_zip

    from vwu_pipeline.ingest import run as ingest

    template = district_workbook(inbox.parent / "template.xlsx", ("members",), totals=False)
    for i in range(80):  # batches of 25, 50 and 5 (ingest.run's `_batches`)
        patch_zip(
            template, inbox / f"huyen_{i:03d}.xlsx", {SHEET1: lambda xml, i=i: xml.replace(b"<v>1800</v>", f"<v>{1800 + i}</v>".encode())}
        )
    crafted = "huyen_070.xlsx"  # in the second batch, read once the first is (its readers are done with it)
    real_parse, real_submit = ingest.parse_file, ingest.Parser.submit

    def parse_or_abort(path, *args):
        if path.name == crafted:
            os.abort()  # what the Rust reader does on some crafted files
        return real_parse(path, *args)

    def submit_once_the_crash_is_known(self, items):
        # the crash happens while the first batch is stored (here: before the third is handed out)
        if items and self.pool is not None and any(path.name == "huyen_075.xlsx" for path, _ in items):
            deadline = time.monotonic() + 60
            while not self.pool._broken and time.monotonic() < deadline:
                time.sleep(0.01)
        return real_submit(self, items)

    monkeypatch.setattr(ingest, "parse_file", parse_or_abort)  # reader processes are forked: they see it
    monkeypatch.setattr(ingest.Parser, "submit", submit_once_the_crash_is_known)

    report = run([inbox], workspace)

    refused = [f for f in report.files if f.status == "refused"]
    assert [Path(f.path).name for f in refused] == [crafted]
    assert refused[0].problems[0].code == "file-unreadable"
    assert len(report.files) == 80


def test_a_title_naming_another_district_is_a_warning(inbox, workspace):
    district_workbook(inbox / "copied.xlsx", ("members",), unit_title="HỘI LHPN HUYỆN PHÙ CỪ")

    report = run([inbox], workspace)

    (problem,) = report.files[0].problems
    assert (problem.code, problem.severity) == ("unit-title-mismatch", "warning")
    assert report.files[0].unit_code == "332"  # codes decide
    assert problem.message() == (
        "Tiêu đề ghi đơn vị 'Huyện Phù Cừ' nhưng mã các dòng thuộc Huyện Tiên Lữ (332): kiểm tra lại tệp có đúng của đơn vị không."
    )


def test_every_problem_of_a_file_in_one_go_and_footers_ignored(inbox, workspace):
    from openpyxl import load_workbook

    rows = rows_for("members")
    rows[1][0] = None  # Xã Hưng Đạo's code left out
    path = district_workbook(inbox / "draft.xlsx", ("members", "policies"), rows={"members": rows}, totals=False)
    book = load_workbook(path)
    book["Hội viên"].append(["Người lập biểu", None, None, "Chủ tịch"])  # a signature block
    book["Giám sát chính sách"].delete_rows(4)  # its header row lost
    book.create_sheet("Thoát nghèo")  # an indicator left blank: not reported, not an error
    book.save(path)

    report = run([inbox], workspace)

    found = {(p.code, p.sheet, p.row, p.column) for p in report.files[0].problems}
    assert found == {
        ("missing-code", "Hội viên", 7, "Mã xã"),
        ("header-not-found", "Giám sát chính sách", None, None),
    }


def test_the_sample_data_folder_as_the_readme_ingests_it(vwu, workspace):
    sample = Path(__file__).resolve().parent.parent / "sample_data"

    first = vwu("ingest", sample, "--workspace", workspace, "--json")
    again = vwu("ingest", sample, "--workspace", workspace, "--json")

    assert first.exit_code == 1, first.output  # the four loi_* files are meant to be refused
    files = {Path(f["path"]).name: f for f in json.loads(first.output)["files"]}
    refused = sorted(name for name, f in files.items() if f["status"] == "refused")
    assert refused == sorted(name for name in files if name.startswith("loi_"))
    assert all(len(files[name]["problems"]) == 1 for name in refused)
    assert files["targets_2024.csv"]["status"] == "skipped"
    assert sum(f["status"] == "accepted" for f in files.values()) == 28  # with the six-month reviews, and 8 of 2025 (both trees)
    assert {f["tree"] for f in files.values() if f["status"] == "accepted"} == {"legacy", "2025"}
    counts = json.loads(again.output)["counts"]
    assert (counts["unchanged"], counts["accepted"], counts["replaced"]) == (28, 0, 0)
