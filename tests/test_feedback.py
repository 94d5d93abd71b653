"""A district clerk gets their own workbook back, marked where it is wrong (issue 17)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from builders import COMMUNES, HEADERS, district_workbook, rows_for, write_csv
from conftest import figures, problems_of
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


def _marks(path: Path) -> dict[tuple[str, str], tuple[str, str]]:
    """(sheet, cell) -> (fill colour, comment) of every marked cell of an annotated copy."""
    workbook = load_workbook(path)
    marks = {}
    for ws in workbook.worksheets[1:]:
        for row in ws.iter_rows():
            for cell in row:
                if cell.comment is not None:
                    marks[(ws.title, cell.coordinate)] = (cell.fill.fgColor.rgb[-6:], cell.comment.text)
    return marks


def _stamp(path: Path) -> tuple[bytes, int]:
    return path.read_bytes(), path.stat().st_mtime_ns


def test_validate_annotate_marks_each_problem_on_its_cell_and_leaves_the_original_alone(vwu, tmp_path):
    before = {path: _stamp(path) for path in LOI}
    out = tmp_path / "kiem_tra"

    result = vwu("validate", *LOI, "--annotate", out)

    assert result.exit_code == 1  # as validate: some files need fixing
    assert {path: _stamp(path) for path in LOI} == before
    red = "FFB3B3"
    expected = {
        "loi_chu_trong_o_so": ("Thoát nghèo", "F12", "Giá trị '12 hộ' không phải là số."),
        "loi_dong_tong_sai": ("Hội viên", "D28", "Dòng tổng ghi 34.277 nhưng cộng các dòng trên được 34.177."),
        "loi_ma_xa_huyen_khac": ("Giám sát chính sách", "B21", "Mã '19363' không phải đơn vị thuộc Huyện Đa Krông (467)"),
        "loi_so_am": ("Giám sát chính sách", "G13", "Giá trị -2 nhỏ hơn mức tối thiểu 0."),
    }
    for path in LOI:
        copy = out / (path.stem + "_kiem_tra.xlsx")
        sheet, cell, message = next(v for k, v in expected.items() if path.name.startswith(k))
        marks = _marks(copy)
        assert list(marks) == [(sheet, cell)], path.name
        fill, comment = marks[(sheet, cell)]
        assert fill == red and message in comment

        summary = load_workbook(copy).worksheets[0]
        assert summary.title == "Kết quả kiểm tra"
        texts = [c.value for row in summary.iter_rows() for c in row if c.value is not None]
        assert "Cần sửa" in texts and "1 lỗi, 0 cảnh báo" in texts
        assert any(isinstance(t, str) and t.startswith("Sửa các ô tô đỏ") for t in texts)
        link = next(c for row in summary.iter_rows() for c in row if c.hyperlink is not None)
        assert link.value == cell and link.hyperlink.location == f"'{sheet}'!{cell}"
        assert any(isinstance(t, str) and message in t for t in texts)
    assert "hình ảnh và biểu đồ" in " ".join(str(t) for t in texts)


def test_a_valid_file_gets_a_copy_that_says_so(vwu, tmp_path):
    good = SAMPLES / "33_hung_yen" / "332_tien_lu_2024-H1.xlsx"
    result = vwu("validate", good, "--annotate", tmp_path / "out", "--lang", "en")

    assert result.exit_code == 0
    summary = load_workbook(tmp_path / "out" / "332_tien_lu_2024-H1_kiem_tra.xlsx").worksheets[0]
    texts = [c.value for row in summary.iter_rows() for c in row if c.value is not None]
    assert summary.title == "Check results" and "Valid" in texts and "errors: 0, warnings: 0" in texts


def test_the_person_to_send_to_comes_from_vwu_toml(vwu, tmp_path, workspace):
    workspace.mkdir()
    (workspace / "vwu.toml").write_text('send_to = "chị Lan, Ban Tổ chức Hội LHPN tỉnh Hưng Yên"\n', encoding="utf-8")
    loi = next(p for p in LOI if "so_am" in p.name)

    vwu("validate", loi, "--annotate", tmp_path / "out", "--workspace", workspace)

    summary = load_workbook(tmp_path / "out" / (loi.stem + "_kiem_tra.xlsx")).worksheets[0]
    todo = next(c.value for row in summary.iter_rows() for c in row if str(c.value).startswith("Sửa các ô"))
    assert "gửi lại cho chị Lan, Ban Tổ chức Hội LHPN tỉnh Hưng Yên" in todo


def _formulas(path: Path) -> list[str]:
    workbook = load_workbook(path)
    return [f"{ws.title}!{c.coordinate}" for ws in workbook.worksheets for row in ws.iter_rows() for c in row if c.data_type == "f"]


def test_text_from_the_submission_stays_text_in_the_copy(vwu, tmp_path):
    """A name typed as "=HYPERLINK(…)" and a figure typed "=1+1" are text in the file: no formula comes alive."""
    path = district_workbook(tmp_path / "in" / "tien_lu.xlsx", ("members",)) if (tmp_path / "in").mkdir() is None else None
    workbook = load_workbook(path)
    ws = workbook["Hội viên"]
    for coordinate, text in (("C5", '=HYPERLINK("http://evil.example","Xã Hưng Đạo")'), ("D6", "=1+1")):
        ws[coordinate].value = text
        ws[coordinate].data_type = "s"  # typed as text, as an office pastes it
    workbook.save(path)
    assert _formulas(path) == []
    csv_file = write_csv(tmp_path / "in" / "hoi_vien.csv", "members", [[c, n, "=2+2", 1, 2, 3] for c, n in COMMUNES])

    vwu("validate", path, csv_file, "--annotate", tmp_path / "out")

    for copy in (tmp_path / "out" / "tien_lu_kiem_tra.xlsx", tmp_path / "out" / "hoi_vien_kiem_tra.xlsx"):
        assert _formulas(copy) == [], copy.name
    copy = load_workbook(tmp_path / "out" / "tien_lu_kiem_tra.xlsx")
    assert copy["Hội viên"]["D6"].value == "=1+1" and copy["Hội viên"]["D6"].comment is not None
    assert copy["Hội viên"]["C5"].value.startswith("=HYPERLINK")
    csv_copy = load_workbook(tmp_path / "out" / "hoi_vien_kiem_tra.xlsx")
    marked = [c.value for ws in csv_copy.worksheets[1:] for row in ws.iter_rows() for c in row if c.comment is not None]
    assert marked == ["=2+2"] * 3


def test_an_xls_copy_keeps_values_merged_cells_and_widths(vwu, tmp_path):
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Hội viên")
    sheet.write_merge(0, 0, 0, 5, "HỘI LHPN HUYỆN TIÊN LỮ")
    sheet.write(1, 0, "BÁO CÁO KẾT QUẢ CÔNG TÁC HỘI NĂM 2024")
    sheet.col(2).width = 256 * 30
    for c, header in enumerate(["STT", "Mã xã", "Tên xã", *HEADERS["members"]]):
        sheet.write(3, c, header)
    rows = rows_for("members")
    rows[1][2] = -5  # Xã Hưng Đạo: a negative count, in D6
    for r, row in enumerate(rows, start=4):
        for c, value in enumerate([r - 3, *row]):
            sheet.write(r, c, value)
    path = tmp_path / "tien_lu.xls"
    book.save(str(path))

    vwu("validate", path, "--annotate", tmp_path / "out")

    copy = load_workbook(tmp_path / "out" / "tien_lu_kiem_tra.xlsx")
    ws = copy["Hội viên"]
    assert ws["A1"].value == "HỘI LHPN HUYỆN TIÊN LỮ" and "A1:F1" in {str(r) for r in ws.merged_cells.ranges}
    assert ws.column_dimensions["C"].width == 30
    assert ws["D5"].value == 1200 and ws["E5"].value == 35  # figures kept as numbers
    assert ws["D6"].value == -5 and "nhỏ hơn mức tối thiểu 0" in ws["D6"].comment.text


def test_a_csv_copy_holds_its_figures_as_numbers_and_fits_its_columns(vwu, tmp_path, workspace):
    """A CSV is text only: the copy holds its figures as numbers (Excel sums them, the clerk edits
    numbers), its text as text, and a title line does not stretch column A across the screen."""
    rows = rows_for("members")
    rows[0][0] = "00712"  # a code with a leading zero stays as typed
    rows[1][2] = "-5"  # Xã Hưng Đạo: a negative count
    rows[2][3] = "12 hộ"  # Xã Nhật Tân: text where a figure goes
    (tmp_path / "in").mkdir()
    path = write_csv(tmp_path / "in" / "tien_lu.csv", "members", rows)

    vwu("validate", path, "--annotate", tmp_path / "out")

    copy = tmp_path / "out" / "tien_lu_kiem_tra.xlsx"
    assert load_workbook(copy).worksheets[0]["B9"].value.startswith("Tệp gốc dạng .csv chỉ có giá trị")  # no merges nor widths to keep
    ws = load_workbook(copy).worksheets[1]
    assert [(c.value, c.data_type) for c in ws[4]] == [
        ("00712", "s"),
        ("Thị trấn Vương", "s"),
        (1200, "n"),
        (35, "n"),
        (1800, "n"),
        (4, "n"),
    ]
    assert (ws["C5"].value, ws["C5"].data_type) == (-5, "n") and "nhỏ hơn mức tối thiểu 0" in ws["C5"].comment.text
    assert (ws["D6"].value, ws["D6"].data_type) == ("12 hộ", "s") and ws["D6"].comment is not None
    assert ws["A1"].value == "HỘI LHPN HUYỆN TIÊN LỮ" and ws.column_dimensions["A"].width <= 12
    # the longest header wraps in a column as wide as its figures need, its row grown to show it
    assert ws["E3"].value == HEADERS["members"][2] and ws["E3"].alignment.wrap_text and ws.row_dimensions[3].height >= 30
    assert ws.column_dimensions["E"].width < len(HEADERS["members"][2])

    fixed = load_workbook(copy)
    fixed.worksheets[1]["A4"].value = "12337"  # Thị trấn Vương's own code
    fixed.worksheets[1]["C5"].value, fixed.worksheets[1]["D6"].value = 950, 12
    fixed.save(copy)
    result = vwu("ingest", copy, "--workspace", workspace, "--json")
    assert result.exit_code == 0, result.output
    assert figures(workspace, "members_total")[("12340", "members_total")] == 950


def _ods(path: Path, title: str, rows: list[list[object]], widths_cm: list[float]) -> Path:
    """An OpenDocument spreadsheet as LibreOffice writes one: the title merged across the table."""
    import zipfile
    from xml.sax.saxutils import escape

    def cell(value: object) -> str:
        if isinstance(value, (int, float)):
            return f'<table:table-cell office:value-type="float" office:value="{value}"><text:p>{value}</text:p></table:table-cell>'
        return f'<table:table-cell office:value-type="string"><text:p>{escape(str(value))}</text:p></table:table-cell>'

    width = len(widths_cm)
    styles = "".join(
        f'<style:style style:name="co{i}" style:family="table-column"><style:table-column-properties style:column-width="{w}cm"/></style:style>'
        for i, w in enumerate(widths_cm)
    )
    columns = "".join(f'<table:table-column table:style-name="co{i}"/>' for i in range(len(widths_cm)))
    merged_title = (
        f'<table:table-row><table:table-cell table:number-columns-spanned="{width}" table:number-rows-spanned="1" '
        f'office:value-type="string"><text:p>{escape(title)}</text:p></table:table-cell>'
        f'<table:covered-table-cell table:number-columns-repeated="{width - 1}"/></table:table-row>'
    )
    body = "".join("<table:table-row>" + "".join(cell(v) for v in row) + "</table:table-row>" for row in rows)
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content'
        ' xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
        ' xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" office:version="1.2">'
        f"<office:automatic-styles>{styles}</office:automatic-styles><office:body><office:spreadsheet>"
        f'<table:table table:name="Hội viên">{columns}{merged_title}{body}</table:table></office:spreadsheet></office:body></office:document-content>'
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>'
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
    return path


def test_an_ods_copy_keeps_values_merged_cells_and_widths(vwu, tmp_path):
    rows = rows_for("members")
    rows[1][2] = -5  # Xã Hưng Đạo: a negative count, in C5
    table = [["Kỳ báo cáo: Năm 2024"], ["Mã xã", "Tên xã", *HEADERS["members"]], *rows]
    path = _ods(tmp_path / "tien_lu.ods", "HỘI LHPN HUYỆN TIÊN LỮ", table, [2.0, 5.0, 3.0, 3.0, 3.0, 3.0])

    result = vwu("validate", path, "--annotate", tmp_path / "out")

    assert result.exit_code == 1, result.output
    copy = load_workbook(tmp_path / "out" / "tien_lu_kiem_tra.xlsx")
    assert copy.worksheets[0]["B9"].value.startswith("Tệp gốc dạng .ods: bản sao giữ giá trị, ô gộp và độ rộng cột")
    ws = copy["Hội viên"]
    assert ws["A1"].value == "HỘI LHPN HUYỆN TIÊN LỮ" and "A1:F1" in {str(r) for r in ws.merged_cells.ranges}
    assert 13 <= ws.column_dimensions["B"].width <= 22  # 5 cm, as the clerk set it
    assert ws["C5"].value == -5 and "nhỏ hơn mức tối thiểu 0" in ws["C5"].comment.text and ws["C5"].fill.fgColor.rgb[-6:] == "FFB3B3"


def test_the_fixed_copy_sent_back_is_read_as_the_units_submission(vwu, tmp_path, workspace):
    """The clerk fixes the red cell in the copy and sends it back: ingest skips the results sheet."""
    loi = next(p for p in LOI if "so_am" in p.name)
    vwu("validate", loi, "--annotate", tmp_path / "out")
    copy = tmp_path / "out" / (loi.stem + "_kiem_tra.xlsx")

    unfixed = vwu("ingest", copy, "--workspace", workspace, "--json")
    assert unfixed.exit_code == 1
    assert [p["code"] for p in problems_of(unfixed.output)] == ["below-minimum"]  # the results sheet is not read

    workbook = load_workbook(copy)
    workbook["Giám sát chính sách"]["G13"].value = 0
    workbook["Giám sát chính sách"]["G20"].value = 0  # and the totals row under it
    workbook.save(copy)
    fixed = vwu("ingest", copy, "--workspace", workspace, "--json")

    assert fixed.exit_code == 0, fixed.output
    (file,) = json.loads(fixed.output)["files"]
    assert file["status"] == "accepted" and file["unit_code"] == "332" and file["period"] == "2023-H1"
    assert figures(workspace, "policy_dialogues")[("12355", "policy_dialogues")] == 0


def test_checking_a_checked_copy_again_replaces_its_results(vwu, tmp_path):
    loi = next(p for p in LOI if "so_am" in p.name)
    vwu("validate", loi, "--annotate", tmp_path / "first")
    copy = tmp_path / "first" / (loi.stem + "_kiem_tra.xlsx")
    workbook = load_workbook(copy)
    workbook["Giám sát chính sách"]["G13"].value = 0
    workbook["Giám sát chính sách"]["G20"].value = 0
    workbook.save(copy)

    result = vwu("validate", copy, "--annotate", tmp_path / "second")

    assert result.exit_code == 0, result.output
    again = load_workbook(tmp_path / "second" / (copy.stem + "_kiem_tra.xlsx"))
    assert again.sheetnames.count("Kết quả kiểm tra") == 1 and again.sheetnames[0] == "Kết quả kiểm tra"
    assert _marks(tmp_path / "second" / (copy.stem + "_kiem_tra.xlsx")) == {}  # the fixed cell lost its red mark


def test_copies_mirror_the_inbox_folders_and_names_lose_control_characters(vwu, tmp_path):
    inbox = tmp_path / "inbox"
    for folder, indicator in (("33_hung_yen", "members"), ("45_quang_tri", "poverty")):
        (inbox / folder).mkdir(parents=True)
        district_workbook(inbox / folder / "bao_cao.xlsx", (indicator,))
    district_workbook(inbox / "bao\tcao\u202emoi.xlsx", ("orphans",))

    vwu("validate", inbox, "--annotate", tmp_path / "out")

    written = sorted(str(p.relative_to(tmp_path / "out")) for p in (tmp_path / "out").rglob("*.xlsx"))
    assert written == ["33_hung_yen/bao_cao_kiem_tra.xlsx", "45_quang_tri/bao_cao_kiem_tra.xlsx", "baocaomoi_kiem_tra.xlsx"]


def test_ingest_feedback_hands_back_refused_files_and_warnings_once(vwu, tmp_path, workspace, inbox):
    (inbox / "33_hung_yen").mkdir()
    loi = next(p for p in LOI if "so_am" in p.name)
    (inbox / "33_hung_yen" / loi.name).write_bytes(loi.read_bytes())
    district_workbook(inbox / "good.xlsx", ("poverty",))  # accepted, no warning: nothing to hand back
    named = rows_for("members")
    named[0][1] = "Xã Trung Dũng"  # not the name of 12337 in the list: accepted with a warning
    district_workbook(inbox / "warned.xlsx", ("members",), rows={"members": named})
    out = tmp_path / "phan_hoi"

    result = vwu("ingest", inbox, "--workspace", workspace, "--feedback", out)

    assert result.exit_code == 1
    written = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert written == [
        f"33_hung_yen/{loi.stem}_ket_qua.txt",
        f"33_hung_yen/{loi.stem}_kiem_tra.xlsx",
        "warned_ket_qua.txt",
        "warned_kiem_tra.xlsx",
    ]
    mail = (out / "33_hung_yen" / f"{loi.stem}_ket_qua.txt").read_text(encoding="utf-8")
    assert "Kính gửi Hội LHPN Huyện Tiên Lữ (332)" in mail
    assert "CHƯA ĐƯỢC NHẬN" in mail
    assert "trang «Giám sát chính sách», ô G13: Giá trị -2 nhỏ hơn mức tối thiểu 0." in mail
    warned = (out / "warned_ket_qua.txt").read_text(encoding="utf-8")
    assert "đã được nhận, kèm 1 cảnh báo" in warned and "ô C6" in warned
    marks = _marks(out / "warned_kiem_tra.xlsx")
    assert list(marks) == [("Hội viên", "C6")] and marks[("Hội viên", "C6")][0] == "FFE08A"  # amber

    for path in out.rglob("*"):
        if path.is_file():
            path.unlink()
    again = vwu("ingest", inbox, "--workspace", workspace, "--feedback", out)

    assert again.exit_code == 1
    assert [p for p in out.rglob("*") if p.is_file()] == []  # nothing changed: no new feedback


def test_the_nightly_run_takes_the_feedback_folder_from_vwu_toml(vwu, tmp_path, workspace, inbox):
    workspace.mkdir()
    (workspace / "vwu.toml").write_text(f'inbox = "{inbox}"\nfeedback = "{tmp_path / "phan_hoi"}"\n', encoding="utf-8")
    loi = next(p for p in LOI if "so_am" in p.name)
    (inbox / loi.name).write_bytes(loi.read_bytes())

    result = vwu("ingest", "--workspace", workspace)

    assert result.exit_code == 1
    assert (tmp_path / "phan_hoi" / f"{loi.stem}_kiem_tra.xlsx").is_file()


def test_a_feedback_folder_inside_the_inbox_is_a_configuration_error(vwu, workspace, inbox):
    loi = next(p for p in LOI if "so_am" in p.name)
    (inbox / loi.name).write_bytes(loi.read_bytes())

    result = vwu("ingest", inbox, "--workspace", workspace, "--feedback", inbox / "phan_hoi")

    assert result.exit_code == 2
    assert "nằm trong thư mục nhận báo cáo" in result.output
    assert not (inbox / "phan_hoi").exists()

    workspace.mkdir(exist_ok=True)
    (workspace / "vwu.toml").write_text(f'inbox = "{inbox}"\nfeedback = "{inbox / "ket_qua"}"\n', encoding="utf-8")
    from_file = vwu("ingest", "--workspace", workspace)
    assert from_file.exit_code == 2 and "feedback" in from_file.output


def test_a_feedback_folder_that_cannot_be_made_stops_the_run_before_anything_is_stored(vwu, workspace, inbox, tmp_path):
    # The review: with a file where the folder should be, the run stored the files before the
    # first refused one, then stopped with exit 2 (a configuration error) at its checked copy.
    district_workbook(inbox / "a_tien_lu.xlsx")
    loi = next(p for p in LOI if "so_am" in p.name)
    (inbox / f"z_{loi.name}").write_bytes(loi.read_bytes())
    (tmp_path / "a_file").write_text("x")

    result = vwu("ingest", inbox, "--workspace", workspace, "--feedback", tmp_path / "a_file" / "phan_hoi")

    assert result.exit_code == 73  # an output that cannot be created
    panel = "".join(result.stderr.replace("│", "").split())  # the red panel wraps lines anywhere
    assert f"Khôngtạođược{tmp_path / 'a_file' / 'phan_hoi'}" in panel, result.stderr
    assert "thưmụcphảnhồi" in panel  # what to check: the feedback folder, not --out
    assert not (workspace / "vwu.sqlite").exists()  # nothing stored, nothing to undo

    # A folder that is missing (a share not mounted tonight) stops nothing when no copy is due,
    # and is not made for nothing.
    (inbox / f"z_{loi.name}").unlink()
    missing = tmp_path / "share" / "phan_hoi"
    (tmp_path / "share").mkdir()
    nightly = vwu("ingest", inbox, "--workspace", workspace, "--feedback", missing)
    assert nightly.exit_code == 0, nightly.output
    assert not missing.exists()


def test_status_missing_lists_whom_to_call_as_a_csv_excel_reads(vwu, tmp_path, workspace):
    """A province officer mail-merges reminders: who has not sent, whose file was refused, who sent part."""
    out = tmp_path / "phan_hoi"
    vwu("ingest", SAMPLES / "33_hung_yen" / "333_phu_cu_2024.xlsx", "--workspace", workspace)
    refused = SAMPLES / "loi_chu_trong_o_so_333_phu_cu_2024-H1.xlsx"
    vwu("ingest", refused, "--workspace", workspace, "--feedback", out)
    district_workbook(tmp_path / "tien_lu.xlsx", ("members",))  # Tiên Lữ: 3 of its communes only
    vwu("ingest", tmp_path / "tien_lu.xlsx", "--workspace", workspace)

    result = vwu("status", "--missing", "--format", "csv", "--year", 2024, "--unit", 33, "--workspace", workspace)

    assert result.exit_code == 0, result.output
    assert result.stdout_bytes.startswith(b"\xef\xbb\xbf")  # UTF-8 with a byte-order mark
    rows = list(csv.DictReader(io.StringIO(result.stdout_bytes.decode("utf-8-sig"))))
    members = {r["Mã đơn vị"]: r for r in rows if r["Chỉ tiêu"] == "Hội viên"}
    assert members["323"]["Tình trạng"] == "Chưa nộp" and members["323"]["Đơn vị cấp trên"] == "Tỉnh Hưng Yên"
    assert members["332"]["Tình trạng"] == "Thiếu xã" and members["332"]["Chi tiết"].startswith("mới có 3/")
    phu_cu = members["333"]
    assert phu_cu["Tình trạng"] == "Tệp gần nhất bị từ chối"
    assert phu_cu["Chi tiết"] == "bản nộp trước vẫn được tính"  # the year's accepted file still counts
    assert phu_cu["Tệp gửi gần nhất"] == refused.name
    assert phu_cu["Bản kiểm tra gửi lại gần nhất"] == str(out / "loi_chu_trong_o_so_333_phu_cu_2024-H1_kiem_tra.xlsx")
    assert phu_cu["Mã đơn vị cấp trên"] == "33"
    poverty = {r["Mã đơn vị"] for r in rows if r["Chỉ tiêu"] == "Thoát nghèo"}
    assert "332" in poverty  # Tiên Lữ sent members only

    half = vwu("status", "--missing", "--format", "csv", "--year", 2024, "--period", "H1", "--unit", 33, "--workspace", workspace)
    rows = list(csv.DictReader(io.StringIO(half.stdout_bytes.decode("utf-8-sig"))))
    phu_cu = next(r for r in rows if r["Chỉ tiêu"] == "Hội viên" and r["Mã đơn vị"] == "333")
    assert phu_cu["Chi tiết"] == "chưa có bản nào được nhận"  # for the first half, nothing of Phù Cừ counts
    assert {r["Mã đơn vị"] for r in rows if r["Chỉ tiêu"] == "Hội viên" and r["Tình trạng"] == "Chưa nộp"} >= {"323", "332"}


def test_a_file_refused_before_feedback_was_configured_gets_its_copy_on_the_next_run(vwu, tmp_path, workspace, inbox):
    loi = next(p for p in LOI if "so_am" in p.name)
    (inbox / loi.name).write_bytes(loi.read_bytes())
    vwu("ingest", inbox, "--workspace", workspace)  # refused, no feedback folder yet

    vwu("ingest", inbox, "--workspace", workspace, "--feedback", tmp_path / "phan_hoi")

    assert (tmp_path / "phan_hoi" / f"{loi.stem}_kiem_tra.xlsx").is_file()


@pytest.mark.parametrize("refused_is_newer", [False, True])
def test_the_latest_file_in_status_missing_is_the_newest_version_not_the_last_ingested(vwu, tmp_path, workspace, refused_is_newer):
    """DOMAIN.md: the newer version is decided by its date (here the files' modification times),
    never by the order the files reached vwu: an old refused draft sent again is not "the last file"."""
    import os
    import shutil

    accepted = shutil.copy(SAMPLES / "33_hung_yen" / "333_phu_cu_2024.xlsx", tmp_path / "333_phu_cu_2024.xlsx")
    refused = shutil.copy(SAMPLES / "loi_chu_trong_o_so_333_phu_cu_2024-H1.xlsx", tmp_path / "loi_333.xlsx")
    december_1, december_10 = 1733011200, 1733788800
    os.utime(accepted, (december_1, december_1) if refused_is_newer else (december_10, december_10))
    os.utime(refused, (december_10, december_10) if refused_is_newer else (december_1, december_1))
    # ingested in the other order than their dates
    for path in (accepted, refused) if not refused_is_newer else (refused, accepted):
        vwu("ingest", path, "--workspace", workspace)

    result = vwu("status", "--missing", "--format", "csv", "--year", 2024, "--unit", 333, "--workspace", workspace)

    rows = list(csv.DictReader(io.StringIO(result.stdout_bytes.decode("utf-8-sig"))))
    phu_cu = {r["Chỉ tiêu"]: r for r in rows if r["Mã đơn vị"] == "333"}
    if refused_is_newer:
        assert phu_cu["Hội viên"]["Tình trạng"] == "Tệp gần nhất bị từ chối"
        assert phu_cu["Hội viên"]["Tệp gửi gần nhất"] == "loi_333.xlsx"
        assert phu_cu["Hội viên"]["Chi tiết"] == "bản nộp trước vẫn được tính"
    else:
        assert phu_cu == {}  # its newest version was accepted and covers every commune


def _chart_and_print_area(path: Path) -> Path:
    """The office's own workbook: a chart beside the members table and a print area."""
    from openpyxl.chart import BarChart, Reference

    workbook = load_workbook(path)
    ws = workbook["Hội viên"]
    chart = BarChart()
    chart.add_data(Reference(ws, min_col=4, min_row=5, max_row=7))
    ws.add_chart(chart, "J2")
    ws.print_area = "A1:G9"
    workbook.save(path)
    return path


def test_an_xlsx_copy_is_the_clerks_own_file_with_its_chart_print_area_and_formats(vwu, tmp_path):
    (tmp_path / "in").mkdir()
    rows = rows_for("members")
    rows[1][2] = -5  # Xã Hưng Đạo: a negative count, in D7
    path = _chart_and_print_area(district_workbook(tmp_path / "in" / "tien_lu.xlsx", ("members", "poverty"), rows={"members": rows}))
    workbook = load_workbook(path)
    workbook["Hội viên"]["D7"].number_format = "#,##0"
    workbook.save(path)
    before = _stamp(path)

    result = vwu("validate", path, "--annotate", tmp_path / "out")

    assert result.exit_code == 1 and _stamp(path) == before
    copy = load_workbook(tmp_path / "out" / "tien_lu_kiem_tra.xlsx")
    assert copy.sheetnames == ["Kết quả kiểm tra", "Hội viên", "Thoát nghèo"] and copy.active.title == "Kết quả kiểm tra"
    members = copy["Hội viên"]
    assert len(members._charts) == 1 and members.print_area == "'Hội viên'!$A$1:$G$9"  # still on its own sheet
    cell = members["D7"]
    assert cell.value == -5 and cell.number_format == "#,##0" and cell.fill.fgColor.rgb[-6:] == "FFB3B3"
    assert "nhỏ hơn mức tối thiểu 0" in cell.comment.text
    note = copy.worksheets[0]["B9"].value
    assert note.startswith("Bản sao là chính tệp gốc") and "biểu đồ" in note


def test_the_copy_sent_back_and_checked_again_is_still_the_clerks_own_file(vwu, tmp_path):
    """Checked again, the copy is patched like an original (its chart and print area stay, the
    summary says so); vwu's old results sheet, marks and notes are replaced, the clerk's own
    note stays with its author, and a cell the clerk fixed loses its mark."""
    from openpyxl.comments import Comment

    (tmp_path / "in").mkdir()
    rows = rows_for("members")
    rows[1][2] = -5  # Xã Hưng Đạo: a negative count, in D7
    rows[2][3] = -1  # Xã Nhật Tân: in E8
    path = _chart_and_print_area(district_workbook(tmp_path / "in" / "tien_lu.xlsx", ("members",), rows={"members": rows}))
    workbook = load_workbook(path)
    workbook["Hội viên"]["C6"].comment = Comment("Xã đổi tên năm 2024", "Lan")  # a note of the office's own
    workbook.save(path)
    vwu("validate", path, "--annotate", tmp_path / "first")
    copy = tmp_path / "first" / "tien_lu_kiem_tra.xlsx"
    workbook = load_workbook(copy)
    workbook["Hội viên"]["E8"].value, workbook["Hội viên"]["E9"].value = 1, 56  # fixed by the clerk, and its total; D7 is not
    workbook.save(copy)

    result = vwu("validate", copy, "--annotate", tmp_path / "second")

    assert result.exit_code == 1
    again = load_workbook(tmp_path / "second" / "tien_lu_kiem_tra_kiem_tra.xlsx")
    assert again.sheetnames == ["Kết quả kiểm tra", "Hội viên"] and again.active.title == "Kết quả kiểm tra"
    assert again.worksheets[0]["B9"].value.startswith("Bản sao là chính tệp gốc")  # the package, patched
    assert [row[3].value for row in again.worksheets[0].iter_rows(min_row=13)] == ["D7", "E7"]  # D7, and E7's check on it
    members = again["Hội viên"]
    assert len(members._charts) == 1 and members.print_area == "'Hội viên'!$A$1:$G$9"
    notes = {c.coordinate: (c.comment.text, c.comment.author) for row in members.iter_rows() for c in row if c.comment}
    assert notes["D7"] == ("✗ Giá trị -5 nhỏ hơn mức tối thiểu 0.", "vwu") and notes["C6"] == ("Xã đổi tên năm 2024", "Lan")
    assert sorted(notes) == ["C6", "D7", "E7"]  # E8's note went with its mistake
    assert members["D7"].fill.fgColor.rgb[-6:] == "FFB3B3" and members["E8"].value == 1 and members["E8"].fill.fill_type is None


def test_a_problem_on_a_blank_cell_or_inside_merged_cells_is_marked_where_excel_shows_it(tmp_path):
    from vwu_pipeline.core.problems import FileResult, Problem
    from vwu_pipeline.ingest.annotate import annotate

    path = district_workbook(tmp_path / "tien_lu.xlsx", ("members",), two_row_header=True)
    problems = [
        Problem("missing-column", "error", path.name, "Hội viên", 5, params={"column": "X", "sheet": "Hội viên", "expected": "X"}),
        Problem("below-minimum", "warning", path.name, "Hội viên", 7, "Hội viên danh dự", None, column_index=9),  # I7: blank
        Problem("below-minimum", "warning", path.name, "Hội viên", 40, "Tổng số hội viên", None, column_index=4),  # no row 40 at all
    ]
    copy = annotate(path, FileResult(str(path), "refused", problems=problems), tmp_path / "out.xlsx")

    assert load_workbook(copy).worksheets[0]["B9"].value.startswith("Bản sao là chính tệp gốc")  # the original's package, patched
    ws = load_workbook(copy)["Hội viên"]
    assert ws["A4"].comment is not None and ws["A4"].fill.fgColor.rgb[-6:] == "FFB3B3"  # A5 lies under the merged "STT"
    assert ws["I7"].comment is not None and ws["I7"].fill.fgColor.rgb[-6:] == "FFE08A" and ws["I7"].value is None
    assert ws["D40"].comment is not None and ws["D40"].fill.fgColor.rgb[-6:] == "FFE08A"
    assert [c.value for c in ws[7]][:7] == [1, "12337", "Thị trấn Vương", 1200, 35, 1800, 4]


def test_the_clerks_own_note_on_a_marked_cell_stays_first(vwu, tmp_path):
    from openpyxl.comments import Comment

    (tmp_path / "in").mkdir()
    rows = rows_for("members")
    rows[1][2] = -5
    path = district_workbook(tmp_path / "in" / "tien_lu.xlsx", ("members",), rows={"members": rows})
    workbook = load_workbook(path)
    workbook["Hội viên"]["D7"].comment = Comment("Số tạm tính, chờ xã gửi lại", "Lan")
    workbook.save(path)

    vwu("validate", path, "--annotate", tmp_path / "out")

    text = load_workbook(tmp_path / "out" / "tien_lu_kiem_tra.xlsx")["Hội viên"]["D7"].comment.text
    assert text.startswith("Số tạm tính, chờ xã gửi lại") and "nhỏ hơn mức tối thiểu 0" in text

    vwu("validate", tmp_path / "out" / "tien_lu_kiem_tra.xlsx", "--annotate", tmp_path / "again")  # the copy checked again

    again = load_workbook(tmp_path / "again" / "tien_lu_kiem_tra_kiem_tra.xlsx")["Hội viên"]["D7"].comment.text
    assert again == text  # the clerk's note kept once, vwu's lines written afresh


def test_a_copy_resaved_by_libreoffice_and_checked_again_has_one_note_per_cell_and_keeps_the_clerks(vwu, tmp_path):
    """LibreOffice saves notes without their author: vwu's lines are told by their text."""
    from openpyxl.comments import Comment

    loi = next(p for p in LOI if "so_am" in p.name)
    vwu("validate", loi, "--annotate", tmp_path / "first")
    copy = tmp_path / "first" / (loi.stem + "_kiem_tra.xlsx")
    workbook = load_workbook(copy)
    ws = workbook["Giám sát chính sách"]
    ws["G13"].comment = Comment(ws["G13"].comment.text, " ")  # as LibreOffice saves it
    ws["C13"].comment = Comment("Xã báo số liệu muộn", "Lan")  # the clerk's own note
    workbook.save(copy)

    vwu("validate", copy, "--annotate", tmp_path / "second")

    again = load_workbook(tmp_path / "second" / (copy.stem + "_kiem_tra.xlsx"))["Giám sát chính sách"]
    assert again["G13"].comment.text == "✗ Giá trị -2 nhỏ hơn mức tối thiểu 0."
    assert again["C13"].comment.text == "Xã báo số liệu muộn"
