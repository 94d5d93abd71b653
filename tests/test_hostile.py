"""Broken and hostile files through `vwu ingest`, each beside one good file.

Every case checks what an officer reads: a Vietnamese message naming the file (and the sheet,
row and column where there is one), no traceback, the good file accepted all the same, and
the exit code of the run. The files are built here, from bytes (tests/hostile.py).
"""

from __future__ import annotations

import csv
import os
import re
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from builders import district_workbook, rows_for
from conftest import figures
from hostile import (
    SHEET1,
    full_width_row,
    million_rows,
    ole_with_directory_entry,
    patch_zip,
    with_laughs,
    zip_bomb,
)

from vwu_pipeline.store.db import Store

GOOD = "a_good.xlsx"


def ingest_beside_a_good_file(vwu, inbox: Path, workspace: Path, *options: object):
    """Run `vwu ingest` on the inbox (plus a good district file); return (result, {name: status})."""
    district_workbook(inbox / GOOD)
    earlier = time.time() - 3600
    os.utime(inbox / GOOD, (earlier, earlier))  # an older version than the test's own files
    result = vwu("ingest", inbox, "--workspace", workspace, *options)
    assert "Traceback" not in result.output and "Traceback" not in result.stderr, result.output
    with Store.open(workspace) as store:
        statuses = {f.name: f.status for f in store.files()}
    assert statuses[GOOD] == "accepted", result.output
    assert figures(workspace)[("12337", "members_total")] == 1200  # the good file's figures
    return result, statuses


def line_of(output: str, name: str) -> str:
    """The problem line about `name` (✗ or ! mark), as printed."""
    found = [line.strip() for line in output.splitlines() if name in line and ("✗" in line or "!" in line)]
    assert found, output
    return found[0]


def test_zero_byte_file(vwu, inbox, workspace):
    (inbox / "rong.xlsx").write_bytes(b"")

    result, statuses = ingest_beside_a_good_file(vwu, inbox, workspace)

    assert result.exit_code == 1
    assert statuses["rong.xlsx"] == "refused"
    assert line_of(result.output, "rong.xlsx") == "✗ rong.xlsx: Tệp rỗng (0 byte)."


def test_xlsx_that_is_not_a_zip(vwu, inbox, workspace):
    (inbox / "ghi_chu.xlsx").write_bytes("Báo cáo gửi kèm e-mail\r\n".encode() * 20)

    result, statuses = ingest_beside_a_good_file(vwu, inbox, workspace)

    assert result.exit_code == 1 and statuses["ghi_chu.xlsx"] == "refused"
    assert line_of(result.output, "ghi_chu.xlsx") == (
        "✗ ghi_chu.xlsx: Không đọc được tệp: không phải tệp Excel hợp lệ. Hãy mở tệp bằng Excel và lưu lại dạng .xlsx."
    )


def test_zip_bomb_is_refused_from_the_zip_directory_before_expanding(vwu, inbox, workspace, tmp_path):
    bomb = zip_bomb(district_workbook(tmp_path / "src.xlsx"), inbox / "bom_nen.xlsx", gigabytes=2)
    assert bomb.stat().st_size < 4 * 1024**2
    assert sum(i.file_size for i in zipfile.ZipFile(bomb).infolist()) > 2 * 1024**3

    result, statuses = ingest_beside_a_good_file(vwu, inbox, workspace)

    assert result.exit_code == 1 and statuses["bom_nen.xlsx"] == "refused"
    line = line_of(result.output, "bom_nen.xlsx")
    assert line.startswith("✗ bom_nen.xlsx: Tệp nén giải ra quá lớn (")
    assert "giới hạn 209.715.200 byte): từ chối để bảo vệ máy chủ." in line


def test_the_unzipped_size_limit_is_configurable(vwu, inbox, workspace, tmp_path):
    # 5 MB of zeros: under the default limit (200 MB), over the one set in vwu.toml
    src = district_workbook(tmp_path / "src.xlsx")
    patch_zip(src, inbox / "anh_lon.xlsx", add={"xl/media/image1.png": bytes(5 * 1024**2)})
    workspace.mkdir()
    (workspace / "vwu.toml").write_text('max_unzipped_bytes = "1 MB"\n', encoding="utf-8")

    result, statuses = ingest_beside_a_good_file(vwu, inbox, workspace)

    assert result.exit_code == 1 and statuses["anh_lon.xlsx"] == "refused"
    assert "giới hạn 1.048.576 byte" in line_of(result.output, "anh_lon.xlsx")


@pytest.mark.parametrize("part", ["xl/workbook.xml", "xl/worksheets/sheet1.xml"])
def test_xml_with_entity_expansion(vwu, inbox, workspace, tmp_path, part):
    src = district_workbook(tmp_path / "src.xlsx", ("members",))
    if part == "xl/workbook.xml":
        patch = lambda xml: with_laughs(xml, "workbook", b'name="H', b'name="&lol9;H')  # noqa: E731
    else:
        patch = lambda xml: with_laughs(xml, "worksheet", b"<v>1200</v>", b"<v>&lol9;</v>")  # noqa: E731
    laughs = patch_zip(src, inbox / "thuc_the.xlsx", {part: patch})
    assert b"<!ENTITY lol9" in zipfile.ZipFile(laughs).read(part)

    result, statuses = ingest_beside_a_good_file(vwu, inbox, workspace)

    assert result.exit_code == 1 and statuses["thuc_the.xlsx"] == "refused"
    line = line_of(result.output, "thuc_the.xlsx")
    assert line.startswith("✗ thuc_the.xlsx")
    assert "Không đọc được tệp" in line and "thực thể XML" in line


def test_password_protected_workbook(vwu, inbox, workspace):
    # Excel saves a password-protected .xlsx as an OLE file holding an EncryptionInfo stream
    (inbox / "mat_khau.xlsx").write_bytes(ole_with_directory_entry("EncryptionInfo"))

    result, statuses = ingest_beside_a_good_file(vwu, inbox, workspace)

    assert result.exit_code == 1 and statuses["mat_khau.xlsx"] == "refused"
    assert line_of(result.output, "mat_khau.xlsx") == "✗ mat_khau.xlsx: Tệp được đặt mật khẩu. Hãy gỡ mật khẩu rồi gửi lại."


def test_a_million_rows(vwu, inbox, workspace):
    million_rows(inbox, "trieu_dong.xlsx")

    result, statuses = ingest_beside_a_good_file(vwu, inbox, workspace)

    assert result.exit_code == 1 and statuses["trieu_dong.xlsx"] == "refused"
    assert line_of(result.output, "trieu_dong.xlsx") == (
        "✗ trieu_dong.xlsx › trang S: Trang tính có 1.000.000 dòng, vượt giới hạn 100.000 dòng."
    )


def test_a_sheet_with_16384_columns(vwu, inbox, workspace):
    full_width_row(inbox, "rong_16384_cot.xlsx")

    result, statuses = ingest_beside_a_good_file(vwu, inbox, workspace)

    assert result.exit_code == 1 and statuses["rong_16384_cot.xlsx"] == "refused"
    assert line_of(result.output, "rong_16384_cot.xlsx") == (
        "✗ rong_16384_cot.xlsx › trang S: Trang tính có 16.384 cột, vượt giới hạn 200 cột."
    )


def test_a_file_name_with_vietnamese_spaces_and_quotes_is_accepted(vwu, inbox, workspace):
    name = """báo cáo "Hội LHPN" huyện Tiên Lữ – 'năm 2024' (bản cuối).xlsx"""  # sorts after a_good.xlsx
    rows = rows_for("policies")
    rows[0][2] = 7
    district_workbook(inbox / name, ("policies",), rows={"policies": rows})

    result, statuses = ingest_beside_a_good_file(vwu, inbox, workspace)

    assert result.exit_code == 0, result.output
    assert statuses[name] == "accepted"
    # the same unit, period and indicator as the good file, and newer: it replaces its policies
    assert f"Thay bản trước   {name} — Huyện Tiên Lữ (332), 2024" in result.output
    assert figures(workspace)[("12337", "policies_monitored_lead")] == 7
    log = (workspace / "vwu.log").read_text(encoding="utf-8")
    assert 'ingest: file replaced "' + str(inbox / name).replace('"', '\\"') + '" unit=332 period=2024' in log


def test_a_file_name_in_a_legacy_code_page_is_accepted(vwu, inbox, workspace, tmp_path):
    # "báo cáo.xlsx" in cp1258, as a zip made on Windows unpacks on Linux: not UTF-8
    name = os.fsdecode(b"b\xe1o c\xe1o.xlsx")
    try:
        district_workbook(tmp_path / "src.xlsx", ("policies",)).rename(inbox / name)
    except (OSError, UnicodeError):
        pytest.skip("this filesystem only takes UTF-8 names")

    result, statuses = ingest_beside_a_good_file(vwu, inbox, workspace, "--json")

    assert result.exit_code == 0, result.output
    assert statuses["b\ufffdo c\ufffdo.xlsx"] == "accepted"  # the undecodable bytes shown as �
    assert "b\ufffdo c\ufffdo.xlsx" in (workspace / "vwu.log").read_text(encoding="utf-8")


def test_a_symlink_pointing_outside_the_inbox(vwu, inbox, workspace, tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    rows = rows_for("members")
    rows[0][2] = 999_999
    secret = district_workbook(outside / "secret.xlsx", ("members",), rows={"members": rows}, totals=False)
    os.symlink(secret, inbox / "lien_ket.xlsx")

    result, statuses = ingest_beside_a_good_file(vwu, inbox, workspace)

    assert result.exit_code == 1
    line = line_of(result.output, "lien_ket.xlsx")
    assert line == f"✗ lien_ket.xlsx: Tệp là liên kết tới ngoài thư mục nhận ({secret}): bỏ qua."
    assert "lien_ket.xlsx" not in statuses and "secret.xlsx" not in statuses  # never read, never stored
    assert figures(workspace)[("12337", "members_total")] == 1200


def test_a_csv_in_an_unknown_encoding(vwu, inbox, workspace):
    # 0x81 0x8D 0x8F 0x90 0x9D are undefined in both cp1258 and cp1252, and it is not UTF-8
    (inbox / "bang_ma_la.csv").write_bytes(b"Ma xa;Ten xa;Tong so hoi vien\r\n12337;\x81\x8d\x8f;\x90\x9d\r\n")

    result, statuses = ingest_beside_a_good_file(vwu, inbox, workspace)

    assert result.exit_code == 1 and statuses["bang_ma_la.csv"] == "refused"
    assert line_of(result.output, "bang_ma_la.csv") == (
        "✗ bang_ma_la.csv: Không nhận ra bảng mã của tệp CSV; hãy lưu lại dạng 'CSV UTF-8'."
    )


def test_a_cell_with_a_one_megabyte_string(vwu, inbox, workspace, tmp_path):
    # openpyxl (like Excel) stops at 32,767 characters; other generators do not: patch the XML
    rows = rows_for("members")
    rows[1][2] = 955
    src = district_workbook(tmp_path / "src.xlsx", ("members",), rows={"members": rows})
    book = openpyxl.load_workbook(src)
    book["Hội viên"]["H2"] = "GHI_CHU_DAI"
    book.save(src)
    patch_zip(src, inbox / "o_dai.xlsx", {SHEET1: lambda xml: xml.replace(b"GHI_CHU_DAI", b"x" * 1_000_000)})

    result, statuses = ingest_beside_a_good_file(vwu, inbox, workspace)

    # the text is cut to 10,000 characters and reported; the figures beside it are fine
    assert result.exit_code == 0, result.output
    assert statuses["o_dai.xlsx"] == "accepted"
    assert line_of(result.output, "o_dai.xlsx") == (
        "! o_dai.xlsx › trang Hội viên › dòng 2 › cột “H”: Ô chứa 1.000.000 ký tự, vượt giới hạn 10.000."
    )
    assert len(result.output) < 20_000  # the string itself is never echoed
    assert figures(workspace)[("12340", "members_total")] == 955


def test_everything_at_once_in_one_run(vwu, inbox, workspace, tmp_path):
    """A night's inbox with every kind of bad file: one run, one line each, the good one stored."""
    (inbox / "rong.xlsx").write_bytes(b"")
    (inbox / "ghi_chu.xlsx").write_bytes(b"not a workbook" * 10)
    (inbox / "mat_khau.xlsx").write_bytes(ole_with_directory_entry("EncryptionInfo"))
    (inbox / "bang_ma_la.csv").write_bytes(b"Ma xa;Ten\r\n\x81\x8d\x8f;\x90\x9d\r\n")
    zip_bomb(district_workbook(tmp_path / "src.xlsx"), inbox / "bom_nen.xlsx", gigabytes=1)
    full_width_row(inbox, "rong_16384_cot.xlsx")

    result, statuses = ingest_beside_a_good_file(vwu, inbox, workspace, "--json")

    assert result.exit_code == 1
    assert sorted(n for n, s in statuses.items() if s == "refused") == [
        "bang_ma_la.csv",
        "bom_nen.xlsx",
        "ghi_chu.xlsx",
        "mat_khau.xlsx",
        "rong.xlsx",
        "rong_16384_cot.xlsx",
    ]
    import json

    report = json.loads(result.stdout)  # --json: the report alone on stdout
    codes = {Path(f["path"]).name: [p["code"] for p in f["problems"]] for f in report["files"]}
    assert codes["bom_nen.xlsx"] == ["zip-bomb"] and codes["rong_16384_cot.xlsx"] == ["too-many-columns"]
    assert codes["mat_khau.xlsx"] == ["file-encrypted"] and codes["bang_ma_la.csv"] == ["unknown-encoding"]
    assert report["counts"]["accepted"] == 1 and report["counts"]["refused"] == 6


# --- outputs: text from submissions and the unit master never becomes a formula or markup ----


def _replacement_master(tmp_path: Path, names: dict[str, str]) -> Path:
    from vwu_pipeline.core.units import PACKAGED_MASTER

    with open(PACKAGED_MASTER, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    header = rows[0]
    code, name, tree = header.index("code"), header.index("name"), header.index("tree")
    for row in rows[1:]:
        if row[tree] == "legacy" and row[code] in names:
            row[name] = names[row[code]]
    path = tmp_path / "units.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def test_report_writes_formula_like_names_as_text_and_escapes_markdown(vwu, inbox, workspace, tmp_path, monkeypatch):
    hostile = {
        "12337": '=HYPERLINK("http://x","bấm vào đây")',  # a commune: the indicator sheets
        "323": "Thành phố | Hưng *Yên*",  # districts that did not report: the summary's missing list
        "325": "@Huyện Văn Lâm",
        "12340": "+Xã Hưng Đạo",
    }
    monkeypatch.setenv("VWU_UNITS", str(_replacement_master(tmp_path, hostile)))
    rows = rows_for("members")
    rows[2][1] = "-SUM(A1:A9)"  # a name typed in the submission: the warnings sheet (name mismatch)
    district_workbook(inbox / "tien_lu.xlsx", rows={**{i: rows_for(i) for i in ("poverty", "orphans", "policies")}, "members": rows})
    ingested = vwu("ingest", inbox, "--workspace", workspace)
    assert ingested.exit_code == 0, ingested.output

    result = vwu("report", "--year", 2024, "--workspace", workspace, "--out", tmp_path / "out", "--unit", "33")

    assert result.exit_code == 0, result.output
    workbook_path = tmp_path / "out" / "vwu-2024-33.xlsx"
    formulas = []
    with zipfile.ZipFile(workbook_path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                formulas += re.findall(rb"<f[ >]", archive.read(name))
    assert formulas == []  # not one formula cell in the whole workbook
    texts = set()
    for sheet in openpyxl.load_workbook(workbook_path).worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    assert cell.data_type == "s"
                    texts.add(cell.value)
    for name in ('=HYPERLINK("http://x","bấm vào đây")', "+Xã Hưng Đạo", "-SUM(A1:A9)"):
        assert name in texts  # written, as text
    summary = (tmp_path / "out" / "vwu-2024-33.md").read_text(encoding="utf-8")
    assert "Thành phố \\| Hưng \\*Yên\\*" in summary and "Thành phố | Hưng" not in summary
    assert "Hưng *Yên*" not in summary
    for table in _markdown_tables(summary):  # a | in a name must not add a cell
        widths = {len(re.findall(r"(?<!\\)\|", line)) for line in table}
        assert len(widths) == 1, table


def _markdown_tables(text: str) -> list[list[str]]:
    tables: list[list[str]] = []
    previous = False
    for line in text.splitlines():
        is_row = line.startswith("|")
        if is_row and not previous:
            tables.append([])
        if is_row:
            tables[-1].append(line)
        previous = is_row
    return tables
