"""Stage 1, reading: every fixture is built here, in tmp_path, with openpyxl, xlwt or bytes."""

from __future__ import annotations

import datetime
import hashlib
import json
import pickle
import re
import struct
import subprocess
import sys
import unicodedata
import zipfile
import zlib
from pathlib import Path

import openpyxl
import pytest
import xlwt
from hostile import SHEET1, make_xlsx, patch_zip, raw_zip, xlsx_with_sheet_data
from hostile import batched as _batched
from hostile import ole_with_directory_entry as _ole_with_directory_entry
from hostile import with_laughs as _with_laughs

from vwu_pipeline.core.messages import MESSAGES, Said, pick
from vwu_pipeline.ingest.guards import ReadError, UncomputedFormula, check_container
from vwu_pipeline.ingest.reading import RawSheet, read_workbook, sha256_of
from vwu_pipeline.ops.config import Limits

CORNER_CELL = b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>'  # the grid's last cell


# --- builders --------------------------------------------------------------------------


def make_xls(path: Path, cells: dict[tuple[int, int], object], title: str = "Hội viên") -> Path:
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet(title)
    date_style = xlwt.easyxf(num_format_str="DD/MM/YYYY")
    for (row, col), value in cells.items():
        if isinstance(value, datetime.date):
            ws.write(row, col, value, date_style)
        else:
            ws.write(row, col, value)
    wb.save(str(path))
    return path


TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"


def encode_cp1258(text: str) -> bytes:
    """Encode as Excel does on Vietnamese Windows: precomposed base letter + combining tone mark.

    Python's cp1258 codec encodes neither NFC "ổ" (no such byte) nor NFD "o + ̂ + ̉"
    (no combining circumflex), only "ô" + combining hook.
    """
    out = []
    for ch in unicodedata.normalize("NFC", text):
        try:
            out.append(ch.encode("cp1258"))
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", ch)
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONE_MARKS))
            out.append((base + "".join(c for c in parts if c in TONE_MARKS)).encode("cp1258"))
    return b"".join(out)


ISOLATED = """
import json, resource, sys
limit = 2 * 1024**3
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
from vwu_pipeline.ingest.guards import ReadError
from vwu_pipeline.ingest.reading import read_workbook
try:
    sheets = read_workbook(sys.argv[1])
    print(json.dumps({"sheets": [[s.name, len(s.rows)] for s in sheets]}))
except ReadError as exc:
    print(json.dumps({"code": exc.code, "params": exc.params}))
"""


def read_isolated(path: Path, timeout: float = 60) -> dict:
    """read_workbook in a child with 2 GB of address space: a crash or blow-up fails one test only."""
    proc = subprocess.run([sys.executable, "-c", ISOLATED, str(path)], capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


def expect_error(path: Path, code: str, limits: Limits = Limits()) -> ReadError:
    with pytest.raises(ReadError) as info:
        read_workbook(path, limits)
    assert info.value.code == code, (info.value.code, info.value.params)
    assert info.value.code in MESSAGES
    return info.value


# --- xlsx ------------------------------------------------------------------------------


def test_xlsx_title_rows_types_and_trimming(tmp_path):
    path = make_xlsx(
        tmp_path / "tien_lu.xlsx",
        {
            "A1": "HỘI LHPN HUYỆN TIÊN LỮ",
            "A2": "BÁO CÁO KẾT QUẢ NĂM 2024",
            "A4": "Mã xã",
            "B4": "Tên xã",
            "C4": "Tổng số hội viên",
            "A5": "00001",
            "B5": "Xã Hưng Đạo",
            "C5": 1234,
            "D5": 0.6,
            "E5": True,
            "A6": "Tính đến",
            "B6": datetime.date(2024, 11, 30),
            "C6": 12.0,
        },
    )
    [sheet] = read_workbook(path)
    assert isinstance(sheet, RawSheet)
    assert sheet.name == "Hội viên"
    assert sheet.rows == [
        ["HỘI LHPN HUYỆN TIÊN LỮ"],
        ["BÁO CÁO KẾT QUẢ NĂM 2024"],
        [],
        ["Mã xã", "Tên xã", "Tổng số hội viên"],
        ["00001", "Xã Hưng Đạo", 1234, 0.6, True],
        ["Tính đến", datetime.date(2024, 11, 30), 12],
    ]
    assert type(sheet.rows[5][2]) is int  # 12.0 from Excel's doubles comes back as 12
    assert sheet.rows[4][4] is True
    assert sheet.long_cells == []


def test_xlsx_keeps_excel_row_and_column_numbers_when_top_left_is_empty(tmp_path):
    path = make_xlsx(tmp_path / "offset.xlsx", {"C4": "Mã xã", "D4": "Tên xã", "C7": "00001", "E7": 5})
    [sheet] = read_workbook(path)
    assert len(sheet.rows) == 7  # row 7 in Excel is index 6
    assert sheet.rows[:3] == [[], [], []]
    assert sheet.rows[3] == [None, None, "Mã xã", "Tên xã"]  # C4 is column index 2
    assert sheet.rows[6] == [None, None, "00001", None, 5]


def test_formula_returns_cached_value(tmp_path):
    # openpyxl writes formulas without a cached value (<v />); add what Excel would have saved
    src = make_xlsx(
        tmp_path / "src.xlsx",
        {"B5": 1, "C5": 2.5, "D5": "=B5+C5", "E5": "=SUM(B5:C5)*2", "F5": '=B5&"x"', "G5": "=B5"},
    )

    def add_cached(xml: bytes) -> bytes:
        xml = xml.replace(b"<f>B5+C5</f><v />", b"<f>B5+C5</f><v>3.5</v>")
        xml = xml.replace(b"<f>SUM(B5:C5)*2</f><v />", b"<f>SUM(B5:C5)*2</f><v>7</v>")
        return re.sub(rb'<c r="F5"><f>(.*?)</f><v />', rb'<c r="F5" t="str"><f>\1</f><v>1x</v>', xml)

    path = patch_zip(src, tmp_path / "cached.xlsx", {SHEET1: add_cached})
    assert b"<v>3.5</v>" in zipfile.ZipFile(path).read(SHEET1)
    [sheet] = read_workbook(path)
    # G5 has no cached value (never calculated): marked, so that validation names the cell
    assert sheet.rows[4] == [None, 1, 2.5, 3.5, 7, "1x", "B5"]
    assert isinstance(sheet.rows[4][6], UncomputedFormula)
    assert not any(isinstance(cell, UncomputedFormula) for cell in sheet.rows[4][:6])


def test_chart_sheets_are_skipped_and_sheet_order_kept(tmp_path):
    from openpyxl.chart import BarChart, Reference

    wb = openpyxl.Workbook()
    wb.active.title = "Hội viên"
    wb.active["A1"] = 1
    wb.create_sheet("Thoát nghèo")["B2"] = "x"
    chart = BarChart()
    chart.add_data(Reference(wb.active, min_col=1, min_row=1))
    wb.create_chartsheet("Biểu đồ").add_chart(chart)
    wb.create_sheet("Trống")
    wb.save(tmp_path / "multi.xlsx")
    sheets = read_workbook(tmp_path / "multi.xlsx")
    assert [s.name for s in sheets] == ["Hội viên", "Thoát nghèo", "Trống"]
    assert sheets[1].rows == [[], [None, "x"]]
    assert sheets[2].rows == []


def test_one_megabyte_string_cell_is_cut_and_reported(tmp_path):
    # openpyxl (like Excel) stops at 32,767 characters; other generators do not
    src = make_xlsx(tmp_path / "src.xlsx", {"B3": "placeholder", "C3": "ngắn"})
    path = patch_zip(src, tmp_path / "long.xlsx", {SHEET1: lambda xml: xml.replace(b"placeholder", b"x" * 1_000_000)})
    [sheet] = read_workbook(path)
    assert sheet.rows[2][1] == "x" * 10_000
    assert sheet.rows[2][2] == "ngắn"
    assert sheet.long_cells == [(3, 2, 1_000_000)]  # Excel row 3, column B


def test_dimension_element_is_not_trusted(tmp_path):
    src = make_xlsx(tmp_path / "src.xlsx", {"A1": "x", "B2": 3})
    path = patch_zip(
        src,
        tmp_path / "dimension.xlsx",
        {SHEET1: lambda xml: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:B1000000"', xml)},
    )
    assert b'ref="A1:B1000000"' in zipfile.ZipFile(path).read(SHEET1)
    [sheet] = read_workbook(path)
    assert sheet.rows == [["x"], [None, 3]]  # the real cells decide, not the claim


def test_million_row_sheet_is_refused_from_a_scan_of_its_xml(tmp_path):
    rows = (f'<row r="{i}"><c r="A{i}"><v>{i}</v></c></row>' for i in range(1, 1_000_001))
    chunks = ("".join(batch) for batch in _batched(rows, 10_000))
    path = xlsx_with_sheet_data(tmp_path, "million.xlsx", chunks)
    error = expect_error(path, "too-many-rows")
    assert error.params == {"count": 1_000_000, "limit": 100_000, "sheet": "S"}


def test_row_limit_with_a_few_hundred_rows(tmp_path):
    path = make_xlsx(tmp_path / "rows.xlsx", {f"A{i}": i for i in range(1, 301)})
    error = expect_error(path, "too-many-rows", Limits(max_rows=200))
    assert error.params["count"] == 300 and error.params["limit"] == 200
    assert len(read_workbook(path, Limits(max_rows=300))[0].rows) == 300


def test_sheet_reaching_column_xfd_is_refused(tmp_path):
    src = make_xlsx(tmp_path / "src.xlsx", {"A1": "x", "B2": 3}, title="S")
    path = patch_zip(
        src,
        tmp_path / "xfd.xlsx",
        {SHEET1: lambda xml: xml.replace(b"</row></sheetData>", b'<c r="XFD2"><v>1</v></c></row></sheetData>')},
    )
    error = expect_error(path, "too-many-columns")
    assert error.params == {"count": 16384, "limit": 200, "sheet": "S"}


def test_cells_without_references_follow_their_position(tmp_path):
    # r= is optional in OOXML; some generators omit it. calamine places such cells after
    # the previous one, and so must the pre-scan.
    data = (
        '<row><c><v>1</v></c><c t="inlineStr"><is><t>b</t></is></c></row>'
        '<row r="4"><c/><c><v>2</v></c></row>'
        '<row><c r="C5"><v>3</v></c><c><v>4</v></c></row>'
    )
    [sheet] = read_workbook(xlsx_with_sheet_data(tmp_path, "no_refs.xlsx", [data]))
    assert sheet.rows == [[1, "b"], [], [], [None, 2], [None, None, 3, 4]]
    wide = '<row r="3">' + "<c><v>1</v></c>" * 300 + "</row>"
    error = expect_error(xlsx_with_sheet_data(tmp_path, "wide.xlsx", [wide]), "too-many-columns")
    assert error.params["count"] == 300


def _prefixed(xml: bytes) -> bytes:
    """<worksheet xmlns=...><c ...> -> <x:worksheet xmlns:x=...><x:c ...>, as some generators write."""
    xml = re.sub(rb"<(/?)(\w+)([\s>/])", rb"<\1x:\2\3", xml)
    return xml.replace(b'xmlns="', b'xmlns:x="', 1)


@pytest.mark.linux
def test_namespace_prefixed_sheet_is_read_and_guarded(tmp_path):
    src = make_xlsx(tmp_path / "src.xlsx", {"A1": "x", "C2": 3}, title="S")
    path = patch_zip(src, tmp_path / "prefixed.xlsx", {SHEET1: _prefixed})
    assert b'<x:c r="C2"' in zipfile.ZipFile(path).read(SHEET1)
    assert read_workbook(path)[0].rows == [["x"], [None, None, 3]]
    far = patch_zip(src, tmp_path / "prefixed_far.xlsx", {SHEET1: lambda xml: _prefixed(xml.replace(b"</sheetData>", CORNER_CELL))})
    result = read_isolated(far)
    assert result["code"] == "too-many-rows"


def test_styled_empty_cells_far_away_do_not_count(tmp_path):
    src = make_xlsx(tmp_path / "src.xlsx", {"A1": "x"}, title="S")
    path = patch_zip(
        src,
        tmp_path / "styled.xlsx",
        {SHEET1: lambda xml: xml.replace(b"</sheetData>", b'<row r="1048576"><c r="XFD1048576" s="0"/></row></sheetData>')},
    )
    [sheet] = read_workbook(path)
    assert sheet.rows == [["x"]]


@pytest.mark.parametrize(
    ("cell", "code", "count"),
    [
        (b'<c r="Z99"><v>1</v></c>', None, None),  # fewer letters and digits than the limits': passed at once
        (b'<c r="A100"><v>1</v></c>', None, None),  # the last row allowed
        (b'<c r="A101"><v>1</v></c>', "too-many-rows", 101),
        (b'<c r="AD2"><v>1</v></c>', None, None),  # the last column allowed
        (b'<c r="AE2"><v>1</v></c>', "too-many-columns", 31),
        (b'<c r="A0000101"><v>1</v></c>', "too-many-rows", 101),  # leading zeros: more digits, same row
        (b"<c r='AE2'><v>1</v></c>", "too-many-columns", 31),  # written otherwise: measured cell by cell
        (b'<c s="0" r="AE2"><v>1</v></c>', "too-many-columns", 31),
        (b'<c  r="A101"><v>1</v></c>', "too-many-rows", 101),
        (b'<c r="AE2" s="0"/>', None, None),  # styled, empty: calamine does not reach it
    ],
)
def test_a_cell_one_past_the_limits_is_found_however_it_is_written(tmp_path, cell, code, count):
    # Most sheets are passed by one search finding no cell reference with as many column
    # letters or row digits as the limits' (each reference is read only when there is one):
    # one cell past the limits must still be refused, written the usual way or not.
    src = make_xlsx(tmp_path / "src.xlsx", {"A1": "x"}, title="S")
    patched = {SHEET1: lambda xml: xml.replace(b"</sheetData>", b'<row r="2">' + cell + b"</row></sheetData>")}
    path = patch_zip(src, tmp_path / "edge.xlsx", patched)
    limits = Limits(max_rows=100, max_columns=30)
    if code is None:
        assert read_workbook(path, limits)[0].rows[0] == ["x"]
    else:
        assert expect_error(path, code, limits).params["count"] == count


@pytest.mark.linux
def test_value_in_the_last_cell_of_the_grid_does_not_crash(tmp_path):
    # calamine allocates A1:XFD1048576 densely (~550 GB) and aborts the process: the
    # pre-scan must refuse the file first. Run in a child so a regression fails one test only.
    src = make_xlsx(tmp_path / "src.xlsx", {"A1": "x"}, title="S")
    path = patch_zip(src, tmp_path / "corner.xlsx", {SHEET1: lambda xml: xml.replace(b"</sheetData>", CORNER_CELL)})
    result = read_isolated(path)
    assert result["code"] == "too-many-rows"
    assert result["params"]["count"] == 1_048_576


@pytest.mark.linux
def test_billion_laughs_in_sheet_xml(tmp_path):
    src = make_xlsx(tmp_path / "src.xlsx", {"A1": "x", "B2": 3}, title="S")
    path = patch_zip(src, tmp_path / "laughs.xlsx", {SHEET1: lambda x: _with_laughs(x, "worksheet", b"<t>x</t>", b"<t>&lol9;</t>")})
    assert b"<!ENTITY lol9" in zipfile.ZipFile(path).read(SHEET1)
    result = read_isolated(path, timeout=30)
    # quick-xml does not expand custom entities: either a short read or a refusal
    assert result.get("code", "file-unreadable") == "file-unreadable"
    assert "params" in result or result["sheets"][0][1] <= 2
    with pytest.raises(ReadError):  # in-process too, now that it is known to be safe
        read_workbook(path)


@pytest.mark.linux
def test_billion_laughs_in_shared_strings(tmp_path):
    src = make_xlsx(tmp_path / "src.xlsx", {"A1": "x", "B2": 3}, title="S")
    shared = '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>&lol9;</t></si></sst>'
    path = patch_zip(
        src,
        tmp_path / "laughs_sst.xlsx",
        {SHEET1: lambda x: re.sub(rb'<c r="A1" t="inlineStr">.*?</c>', b'<c r="A1" t="s"><v>0</v></c>', x)},
        add={"xl/sharedStrings.xml": _with_laughs(shared.encode(), "sst", b"", b"")},
    )
    assert b'<c r="A1" t="s">' in zipfile.ZipFile(path).read(SHEET1)
    result = read_isolated(path, timeout=30)
    assert result.get("code", "file-unreadable") == "file-unreadable"


@pytest.mark.linux
def test_billion_laughs_in_workbook_xml(tmp_path):
    src = make_xlsx(tmp_path / "src.xlsx", {"A1": "x"}, title="S")
    path = patch_zip(
        src,
        tmp_path / "laughs_wb.xlsx",
        {"xl/workbook.xml": lambda x: _with_laughs(x, "workbook", b'name="S"', b'name="&lol9;"')},
    )
    result = read_isolated(path, timeout=30)
    assert result["code"] == "file-unreadable"


def _form_members(src: Path, change: dict[str, bytes] | None = None) -> list[tuple[str, bytes, int, int]]:
    """The members of `src` deflated the same way every time (so two files share their stored
    bytes, as the files of one form do), some replaced by `change`."""
    members = []
    with zipfile.ZipFile(src) as zin:
        for info in zin.infolist():
            raw = (change or {}).get(info.filename, zin.read(info.filename))
            packer = zlib.compressobj(6, zlib.DEFLATED, -15)
            members.append((info.filename, packer.compress(raw) + packer.flush(), zlib.crc32(raw), len(raw)))
    return members


def test_a_part_shared_with_a_file_read_before_is_checked_again_when_it_differs(tmp_path):
    # The guards answer a part whose stored bytes they met in an earlier file (the form's
    # theme, styles, workbook) from that file's check: a copy of the same form whose theme,
    # or whose workbook, now declares entities must still be refused.
    src = make_xlsx(tmp_path / "src.xlsx", {"A1": "x", "B2": 3}, title="S")
    form = tmp_path / "form.xlsx"
    form.write_bytes(raw_zip(_form_members(src)))
    assert read_workbook(form)[0].rows == read_workbook(src)[0].rows
    with zipfile.ZipFile(form) as zin:
        theme, workbook = zin.read("xl/theme/theme1.xml"), zin.read("xl/workbook.xml")
    laughs_theme = tmp_path / "laughs_theme.xlsx"
    laughs_theme.write_bytes(raw_zip(_form_members(src, {"xl/theme/theme1.xml": _with_laughs(theme, "a:theme", b"", b"")})))
    laughs_workbook = tmp_path / "laughs_workbook.xlsx"
    laughs_workbook.write_bytes(
        raw_zip(_form_members(src, {"xl/workbook.xml": _with_laughs(workbook, "workbook", b'name="S"', b'name="&lol9;"')}))
    )
    for path, part in ((laughs_theme, "xl/theme/theme1.xml"), (laughs_workbook, "xl/workbook.xml")):
        error = expect_error(path, "file-unreadable")
        assert part in pick(error.params["reason"], "en")
    assert read_workbook(form)[0].rows == read_workbook(src)[0].rows  # the form itself still reads


def test_a_shared_part_that_expands_large_is_not_kept_between_files(tmp_path):
    # A part read whole is kept for the next files only when it is small expanded as well as
    # stored: a hostile inbox of tiny files whose workbook parts each expand to megabytes would
    # otherwise fill every reader's memory, which the guards are there to prevent.
    from vwu_pipeline.ingest import guards

    src = make_xlsx(tmp_path / "src.xlsx", {"A1": "x", "B2": 3}, title="S")
    with zipfile.ZipFile(src) as zin:
        workbook = zin.read("xl/workbook.xml")
    padded = workbook.replace(b"</workbook>", b"<!--" + b" " * 1_000_000 + b"--></workbook>")
    large = tmp_path / "large_workbook.xlsx"
    large.write_bytes(raw_zip(_form_members(src, {"xl/workbook.xml": padded})))
    for _ in range(2):
        assert read_workbook(large)[0].rows == read_workbook(src)[0].rows
    assert all(len(part) <= guards._KNOWN_PART_BYTES for part in guards._KNOWN_PARTS.values())


def test_a_shared_part_under_another_checksum_is_read_again(tmp_path):
    # The same stored bytes with another CRC in the zip directory: zipfile's check of a part
    # read whole (the workbook) still refuses the file, however often its form was read before.
    src = make_xlsx(tmp_path / "src.xlsx", {"A1": "x"}, title="S")
    members = _form_members(src)
    form = tmp_path / "form.xlsx"
    form.write_bytes(raw_zip(members))
    read_workbook(form)
    wrong = [(name, data, crc ^ 1 if name == "xl/workbook.xml" else crc, size) for name, data, crc, size in members]
    bad = tmp_path / "bad_crc.xlsx"
    bad.write_bytes(raw_zip(wrong))
    expect_error(bad, "file-unreadable")


def test_a_sheet_whose_stored_bytes_do_not_match_the_zip_directory_is_refused(tmp_path):
    # The guards expand a workbook's sheets from the bytes they read, not through zipfile, when
    # all of zipfile's checks hold: a sheet with another CRC, a size smaller than its stream
    # expands to, damaged compressed bytes or another name in its local header is still refused
    # by the guards themselves (before calamine, whose own checks are not relied on), as zipfile
    # refuses it; one declared larger than its stream (zipfile takes the stream when its CRC
    # holds) reads as before.
    src = make_xlsx(tmp_path / "src.xlsx", {"A1": "x", "B2": 3}, title="S")
    members = _form_members(src)
    sheet = next(name for name, *_ in members if name.startswith("xl/worksheets/"))

    def with_sheet(data: bytes, crc: int, size: int) -> list[tuple[str, bytes, int, int]]:
        return [(sheet, data, crc, size) if name == sheet else (name, *rest) for name, *rest in members]

    data, crc, size = next(rest for name, *rest in members if name == sheet)
    flipped = data[:-8] + bytes(b ^ 0x55 for b in data[-8:])
    renamed = bytearray(raw_zip(members))
    at = renamed.index(sheet.encode())  # the local header's name comes first
    renamed[at + len(sheet) - 5] ^= 0x01  # "sheet1.xml" -> "sheet0.xml" there only
    damaged = {
        "crc": raw_zip(with_sheet(data, crc ^ 1, size)),
        "short-size": raw_zip(with_sheet(data, crc, size - 1)),
        "bytes": raw_zip(with_sheet(flipped, crc, size)),
        "renamed": bytes(renamed),
    }
    for label, content in damaged.items():
        path = tmp_path / f"{label}.xlsx"
        path.write_bytes(content)
        with pytest.raises(ReadError) as info:
            check_container(path, "xlsx", Limits())
        assert info.value.code == "file-unreadable", label
        expect_error(path, "file-unreadable")
    longer = tmp_path / "longer.xlsx"
    longer.write_bytes(raw_zip(with_sheet(data, crc, size + 1)))
    form = tmp_path / "form.xlsx"
    form.write_bytes(raw_zip(members))
    assert read_workbook(form)[0].rows == read_workbook(longer)[0].rows == read_workbook(src)[0].rows


# --- zip bombs -------------------------------------------------------------------------


def test_zip_bomb_by_declared_total_size(tmp_path):
    path = make_xlsx(tmp_path / "normal.xlsx", {"A1": "x"})
    total = sum(i.file_size for i in zipfile.ZipFile(path).infolist())
    error = expect_error(path, "zip-bomb", Limits(max_unzipped_bytes=total - 1))
    assert error.params == {"size": total, "limit": total - 1}


def test_zip_bomb_declared_in_directory_is_refused_without_expanding(tmp_path):
    # A directory that claims a 4 GB member: refused from the directory alone (the data
    # behind it is tiny, so a reader that expanded first would not even notice).
    path = make_xlsx(tmp_path / "lying.xlsx", {"A1": "x"})
    data = bytearray(path.read_bytes())
    central = data.find(b"PK\x01\x02")
    while central != -1:
        struct.pack_into("<I", data, central + 24, 0xFFFF0000)  # uncompressed size
        central = data.find(b"PK\x01\x02", central + 4)
    path.write_bytes(bytes(data))
    error = expect_error(path, "zip-bomb")
    assert error.params["size"] > 4 * 10**9
    assert error.params["limit"] == 200 * 1024**2


@pytest.fixture(scope="module")
def zeros_bomb(tmp_path_factory) -> Path:
    """A real xlsx plus a member of 50 MB of zeros, which deflates to ~50 KB."""
    tmp = tmp_path_factory.mktemp("bomb")
    src = make_xlsx(tmp / "src.xlsx", {"A1": "x"})
    return patch_zip(src, tmp / "bomb.xlsx", add={"xl/media/zeros.bin": bytes(50 * 1024**2)})


def test_zip_bomb_by_compression_ratio(zeros_bomb):
    assert zeros_bomb.stat().st_size < 1024**2
    error = expect_error(zeros_bomb, "zip-bomb")  # default limits: 50 MB < 200 MB, ratio ~1000x
    assert error.params["size"] == 50 * 1024**2


def test_zip_bomb_by_total_with_low_limit(zeros_bomb):
    error = expect_error(zeros_bomb, "zip-bomb", Limits(max_unzipped_bytes=10 * 1024**2))
    assert error.params["limit"] == 10 * 1024**2
    assert error.params["size"] > 50 * 1024**2


# --- xls, ods, disguised files ---------------------------------------------------------


def test_xls_written_by_xlwt(tmp_path):
    path = make_xls(
        tmp_path / "legacy.xls",
        {
            (0, 0): "HỘI LHPN HUYỆN TIÊN LỮ",
            (3, 1): "Tổng số hội viên",
            (4, 1): 1234.0,
            (4, 2): 2.5,
            (5, 1): datetime.date(2024, 11, 30),
        },
    )
    [sheet] = read_workbook(path)
    assert sheet.name == "Hội viên"
    assert sheet.rows == [
        ["HỘI LHPN HUYỆN TIÊN LỮ"],
        [],
        [],
        [None, "Tổng số hội viên"],
        [None, 1234, 2.5],
        [None, datetime.date(2024, 11, 30)],
    ]
    assert type(sheet.rows[4][1]) is int


def test_xls_keeps_excel_numbering_and_column_limit(tmp_path):
    path = make_xls(tmp_path / "offset.xls", {(5, 3): "Mã xã", (6, 7): 9})
    [sheet] = read_workbook(path)
    assert sheet.rows[5] == [None, None, None, "Mã xã"]
    assert sheet.rows[6][7] == 9 and len(sheet.rows) == 7
    # no pre-scan for .xls: the check on calamine's sheet size applies
    assert expect_error(path, "too-many-columns", Limits(max_columns=5)).params["count"] == 8
    assert expect_error(path, "too-many-rows", Limits(max_rows=6)).params["count"] == 7


def test_xls_saved_under_xlsx_name_and_back(tmp_path):
    xls = make_xls(tmp_path / "a.xls", {(0, 0): "Mã xã", (1, 0): 7})
    renamed = tmp_path / "renamed.xlsx"
    renamed.write_bytes(xls.read_bytes())
    assert read_workbook(renamed)[0].rows == [["Mã xã"], [7]]
    xlsx = make_xlsx(tmp_path / "b.xlsx", {"A1": "Mã xã", "A2": 7})
    renamed_back = tmp_path / "renamed.xls"
    renamed_back.write_bytes(xlsx.read_bytes())
    assert read_workbook(renamed_back)[0].rows == [["Mã xã"], [7]]


def test_encrypted_xls_is_reported_as_encrypted(tmp_path):
    # Turn xlwt's INTERFACEHDR record (0x00E1) into a FILEPASS record (0x002F), in place.
    data = make_xls(tmp_path / "a.xls", {(0, 0): "x"}).read_bytes()
    at = data.find(b"\xe1\x00\x02\x00\xb0\x04")
    assert at > 0
    path = tmp_path / "encrypted.xls"
    path.write_bytes(data[:at] + b"\x2f\x00" + data[at + 2 :])
    expect_error(path, "file-encrypted")


@pytest.mark.xfail(strict=True, reason="known gap: calamine reserves DIMENSIONS rows x cols for .xls and aborts")
@pytest.mark.linux
def test_xls_with_absurd_dimensions_record_does_not_crash(tmp_path):
    # Excel never writes this; a crafted file can. There is no pre-scan for .xls (it would
    # need an OLE reader): isolate the reading process if hostile files are expected.
    data = make_xls(tmp_path / "a.xls", {(0, 0): "x"}).read_bytes()
    at = data.find(b"\x00\x02\x0e\x00")  # DIMENSIONS record, 14 bytes
    assert at > 0
    path = tmp_path / "dimensions.xls"
    path.write_bytes(data[: at + 4] + struct.pack("<IIHHH", 0, 0xFFFFFF00, 0, 0xFF, 0) + data[at + 18 :])
    assert read_isolated(path).get("code") == "too-many-rows"


def test_password_protected_xlsx_is_reported_as_encrypted(tmp_path):
    # Excel saves a password-protected .xlsx as an OLE file with an EncryptionInfo stream
    path = tmp_path / "mat_khau.xlsx"
    path.write_bytes(_ole_with_directory_entry("EncryptionInfo"))
    expect_error(path, "file-encrypted")


def test_ole_garbage_under_xlsx_name_is_unreadable(tmp_path):
    path = tmp_path / "garbage.xlsx"
    path.write_bytes(_ole_with_directory_entry("EncryptionInfo", offset_in_sector=130))  # not an entry
    error = expect_error(path, "file-unreadable")
    assert 0 < len(_reason(error)) <= 200


def test_not_a_zip_xlsx_is_unreadable(tmp_path):
    path = tmp_path / "fake.xlsx"
    path.write_bytes(b"This is not a workbook at all\r\n" * 10)
    assert _reason(expect_error(path, "file-unreadable")) == "không phải tệp Excel hợp lệ"


def test_html_saved_as_xls_is_unreadable_with_a_hint(tmp_path):
    path = tmp_path / "export.xls"
    path.write_text("<html><body><table><tr><td>Mã xã</td></tr></table></body></html>", encoding="utf-8")
    error = expect_error(path, "file-unreadable")
    assert "HTML" in _reason(error)
    assert (
        error.message("en")
        == "The file cannot be read: the file is an HTML/XML page renamed, not a valid Excel file. Open it in Excel and save it again as .xlsx."
    )


def _reason(error, lang: str = "vi") -> str:
    """The reason a reader gives, in one language (its own words are in both)."""
    reason = error.params["reason"]
    return pick(reason, lang) if isinstance(reason, Said) else reason


def test_truncated_zip_is_unreadable(tmp_path):
    data = make_xlsx(tmp_path / "a.xlsx", {"A1": "x"}).read_bytes()
    path = tmp_path / "truncated.xlsx"
    path.write_bytes(data[: len(data) // 2])
    expect_error(path, "file-unreadable")


def test_zip_that_is_not_a_workbook_is_unreadable(tmp_path):
    path = tmp_path / "word.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    error = expect_error(path, "file-unreadable")
    assert len(_reason(error)) <= 200


def test_ods(tmp_path):
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="Hội viên">'
        "<table:table-row><table:table-cell/></table:table-row>"
        '<table:table-row><table:table-cell/><table:table-cell office:value-type="string">'
        "<text:p>Mã xã</text:p></table:table-cell>"
        '<table:table-cell office:value-type="float" office:value="12"><text:p>12</text:p></table:table-cell>'
        "</table:table-row></table:table></office:spreadsheet></office:body></office:document-content>"
    )
    path = tmp_path / "a.ods"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr(
            "META-INF/manifest.xml",
            '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
            'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
            '<manifest:file-entry manifest:full-path="/" '
            'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
            '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
            "</manifest:manifest>",
        )
    [sheet] = read_workbook(path)
    assert sheet.name == "Hội viên"
    assert sheet.rows == [[], [None, "Mã xã", 12]]


# --- checks before parsing -------------------------------------------------------------


@pytest.mark.parametrize("name", ["a.xlsx", "a.xls", "a.csv", "a.ods", "a.xlsm"])
def test_empty_file(tmp_path, name):
    (tmp_path / name).write_bytes(b"")
    expect_error(tmp_path / name, "file-empty")


def test_file_too_large(tmp_path):
    path = make_xlsx(tmp_path / "a.xlsx", {"A1": "x"})
    size = path.stat().st_size
    error = expect_error(path, "file-too-large", Limits(max_file_bytes=1000))
    assert error.params == {"size": size, "limit": 1000}


@pytest.mark.parametrize("name, suffix", [("a.pdf", ".pdf"), ("a.DOCX", ".DOCX"), ("README", "README")])
def test_unsupported_format(tmp_path, name, suffix):
    (tmp_path / name).write_bytes(b"x")
    assert expect_error(tmp_path / name, "unsupported-format").params == {"suffix": suffix}


def test_uppercase_suffix_is_accepted(tmp_path):
    path = make_xlsx(tmp_path / "a.xlsx", {"A1": 1})
    upper = tmp_path / "B.XLSX"
    upper.write_bytes(path.read_bytes())
    assert read_workbook(upper)[0].rows == [[1]]


def test_read_error_message():
    error = ReadError("too-many-rows", count=300, limit=200, sheet="S")
    assert error.message("vi") == "Trang tính có 300 dòng, vượt giới hạn 200 dòng."
    assert "300 rows" in str(error)
    with pytest.raises(ValueError):
        ReadError("no-such-code")
    copy = pickle.loads(pickle.dumps(error))  # survives a process pool
    assert (copy.code, copy.params) == ("too-many-rows", {"count": 300, "limit": 200, "sheet": "S"})


# --- CSV -------------------------------------------------------------------------------

CSV_TEXT = (
    "HỘI LHPN HUYỆN TIÊN LỮ,,,\r\n"
    "Mã xã,Tên xã,Tổng số hội viên,Ghi chú\r\n"
    '00001,"Xã Hưng Đạo, huyện Tiên Lữ",1.234,"dòng 1\r\ndòng 2"\r\n'
    "00004,Xã Thụy Lôi,987,\r\n"
    ",,,\r\n"
)
CSV_ROWS = [
    ["HỘI LHPN HUYỆN TIÊN LỮ"],
    ["Mã xã", "Tên xã", "Tổng số hội viên", "Ghi chú"],
    ["00001", "Xã Hưng Đạo, huyện Tiên Lữ", "1.234", "dòng 1\r\ndòng 2"],
    ["00004", "Xã Thụy Lôi", "987"],
]


def write_csv(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_csv_utf8_with_bom(tmp_path):
    path = write_csv(tmp_path, "tien_lu.csv", b"\xef\xbb\xbf" + CSV_TEXT.encode("utf-8"))
    [sheet] = read_workbook(path)
    assert sheet.name == "tien_lu"
    assert sheet.rows == CSV_ROWS  # numbers stay text; the leading zeros of codes survive


@pytest.mark.parametrize("encoding, bom", [("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff")])
def test_csv_utf16_with_bom_tab_delimited(tmp_path, encoding, bom):
    # Excel's "Unicode Text" is UTF-16 LE with a BOM, separated by tabs
    text = CSV_TEXT.replace(",", "\t").replace("Đạo\t huyện", "Đạo, huyện")  # keep the quoted comma
    path = write_csv(tmp_path, "unicode.csv", bom + text.encode(encoding))
    assert read_workbook(path)[0].rows == CSV_ROWS


def test_csv_utf16_without_bom(tmp_path):
    path = write_csv(tmp_path, "nobom.csv", CSV_TEXT.encode("utf-16-le"))
    assert read_workbook(path)[0].rows == CSV_ROWS


def test_cp1258_encoder_helper():
    with pytest.raises(UnicodeEncodeError):
        "Tổng số hội viên".encode("cp1258")  # NFC: no byte for "ổ"
    with pytest.raises(UnicodeEncodeError):
        unicodedata.normalize("NFD", "Tổng").encode("cp1258")  # NFD: no combining circumflex
    assert encode_cp1258("Tổng") == b"T\xf4\xd2ng"  # "ô" + combining hook above


def test_csv_cp1258_semicolon(tmp_path):
    text = (
        "HỘI LHPN TỈNH HƯNG YÊN;;;\r\n"
        "Mã xã;Tên xã;Tổng số hội viên;Tỷ lệ\r\n"
        "00001;Xã Đa Krông;1.234;62,5\r\n"
        "00004;Phường Phúc Xá;987;58,1\r\n"
    )
    path = write_csv(tmp_path, "cp1258.csv", encode_cp1258(text))
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    [sheet] = read_workbook(path)
    assert sheet.rows == [
        ["HỘI LHPN TỈNH HƯNG YÊN"],
        ["Mã xã", "Tên xã", "Tổng số hội viên", "Tỷ lệ"],
        ["00001", "Xã Đa Krông", "1.234", "62,5"],
        ["00004", "Phường Phúc Xá", "987", "58,1"],
    ]
    header = sheet.rows[1][2]
    assert header == unicodedata.normalize("NFC", header)  # combining tone marks composed


def test_csv_short_cp1258_file(tmp_path):
    path = write_csv(tmp_path, "short.csv", encode_cp1258("Tên\nĐà Nẵng\n"))
    assert read_workbook(path)[0].rows == [["Tên"], ["Đà Nẵng"]]


def test_csv_semicolon_utf8_and_nfd_text_is_composed(tmp_path):
    text = unicodedata.normalize("NFD", "Mã xã;Tổng số hội viên\n00001;1.234\n00002;2,5\n")
    path = write_csv(tmp_path, "nfd.csv", text.encode("utf-8"))
    rows = read_workbook(path)[0].rows
    assert rows == [["Mã xã", "Tổng số hội viên"], ["00001", "1.234"], ["00002", "2,5"]]


def test_csv_single_column(tmp_path):
    path = write_csv(tmp_path, "one.csv", "Mã xã\n00001\n00002\n".encode())
    assert read_workbook(path)[0].rows == [["Mã xã"], ["00001"], ["00002"]]


def test_csv_binary_is_unknown_encoding(tmp_path):
    data = make_xlsx(tmp_path / "a.xlsx", {"A1": "x"}).read_bytes()  # an xlsx renamed .csv
    expect_error(write_csv(tmp_path, "binary.csv", data), "unknown-encoding")


def test_csv_undecodable_bytes_are_unknown_encoding(tmp_path):
    # 0x81 0x8D 0x8F 0x90 0x9D are undefined in both cp1258 and cp1252
    path = write_csv(tmp_path, "bad.csv", b"Ma xa;Ten\r\n\x81\x8d\x8f;\x90\x9d\r\n")
    expect_error(path, "unknown-encoding")


def test_csv_row_and_column_limits(tmp_path):
    path = write_csv(tmp_path, "rows.csv", "".join(f"{i};x\n" for i in range(250)).encode())
    assert expect_error(path, "too-many-rows", Limits(max_rows=100)).params["count"] == 250
    wide = write_csv(tmp_path, "wide.csv", (";".join(["x"] * 300) + "\n").encode())
    assert expect_error(wide, "too-many-columns").params["count"] == 300


def test_csv_long_cell_is_cut(tmp_path):
    path = write_csv(tmp_path, "long.csv", ("a;b\nx;" + "y" * 1_000_000 + "\n").encode())
    sheet = read_workbook(path)[0]
    assert sheet.rows[1] == ["x", "y" * 10_000]
    assert sheet.long_cells == [(2, 2, 1_000_000)]


# --- hashing ---------------------------------------------------------------------------


def test_sha256_of(tmp_path):
    path = tmp_path / "blob.bin"
    data = bytes(range(256)) * 10_000  # 2.5 MiB: several 1 MiB chunks
    path.write_bytes(data)
    assert sha256_of(path) == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("compression", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED], ids=["expanded-in-memory", "read-by-zipfile"])
def test_a_sheet_part_named_without_xml_has_its_doctype_refused_whichever_way_it_is_read(tmp_path, compression):
    # A worksheet's prolog is checked whatever its part is called: a deflated sheet is expanded
    # from the bytes in memory, a stored one read through zipfile, and both refuse a DOCTYPE.
    src = make_xlsx(tmp_path / "src.xlsx", {"A1": "x", "B2": 3}, title="S")
    renamed = "xl/worksheets/sheet1.part"
    path = tmp_path / "renamed.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(path, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            name = info.filename
            if name == SHEET1:
                name, data = renamed, _with_laughs(data, "worksheet", b"<t>x</t>", b"<t>&lol9;</t>")
            elif name in ("xl/_rels/workbook.xml.rels", "[Content_Types].xml"):
                data = data.replace(b"worksheets/sheet1.xml", b"worksheets/sheet1.part")
            zout.writestr(name, data, compress_type=compression if name == renamed else zipfile.ZIP_DEFLATED)
    with pytest.raises(ReadError) as refused:
        read_workbook(path)
    assert refused.value.code == "file-unreadable"
    assert "sheet1.part: the file declares XML entities" in refused.value.message("en")  # the guard's refusal, not the reader's
