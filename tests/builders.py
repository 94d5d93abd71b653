"""Build small submissions the way district offices make them (title block, totals row...)."""

from __future__ import annotations

import csv
import unicodedata
from pathlib import Path

from openpyxl import Workbook

# Huyện Tiên Lữ (332), Tỉnh Hưng Yên (33): three of its communes.
DISTRICT = "332"
COMMUNES = [("12337", "Thị trấn Vương"), ("12340", "Xã Hưng Đạo"), ("12346", "Xã Nhật Tân")]

HEADERS = {
    "members": ["Tổng số hội viên", "Hội viên kết nạp mới trong kỳ", "Số phụ nữ từ 18 tuổi trở lên trên địa bàn", "Hội viên danh dự"],
    "poverty": [
        "Hộ nghèo có phụ nữ đầu kỳ",
        "Hộ cận nghèo có phụ nữ đầu kỳ",
        "Hộ thoát nghèo",
        "Hộ thoát cận nghèo",
        "Hợp tác xã thành lập mới",
    ],
    "orphans": ["Trẻ mồ côi được nhận đỡ đầu mới", "Tổng số trẻ đang được đỡ đầu", "Kinh phí vận động (đồng)"],
    "policies": [
        "Số chính sách chủ trì giám sát",
        "Số chính sách phối hợp giám sát",
        "Số dự thảo văn bản góp ý, phản biện",
        "Số cuộc đối thoại chính sách",
    ],
}
SHEETS = {"members": "Hội viên", "poverty": "Thoát nghèo", "orphans": "Mẹ đỡ đầu", "policies": "Giám sát chính sách"}

FIGURES = {
    "members": [[1200, 35, 1800, 4], [950, 20, 1500, 2], [870, 12, 1300, 1]],
    "poverty": [[40, 55, 8, 10, 1], [32, 41, 5, 6, 0], [28, 30, 4, 3, 0]],
    "orphans": [[2, 9, 15000000], [1, 6, 8500000], [0, 4, 3000000]],
    "policies": [[1, 2, 3, 1], [1, 1, 2, 0], [0, 1, 1, 1]],
}


def rows_for(indicator: str, communes=COMMUNES) -> list[list[object]]:
    return [[code, name, *figures] for (code, name), figures in zip(communes, FIGURES[indicator])]


def totals_of(rows: list[list[object]]) -> list[object]:
    width = len(rows[0]) - 2
    return [sum(r[2 + i] for r in rows if isinstance(r[2 + i], (int, float))) for i in range(width)]


def write_sheet_table(
    ws,
    indicator: str,
    rows: list[list[object]],
    *,
    title: list[str] | None,
    two_row_header: bool = False,
    numbering: bool = True,
    totals: list[object] | None | bool = True,
    headers: list[str] | None = None,
) -> None:
    for line in title or []:
        ws.append([line])
    if title:
        ws.append([])
    figure_headers = headers or HEADERS[indicator]
    if two_row_header:
        # Top row: merged group labels; bottom row: the column headers.
        top = ["STT", "Mã xã", "Tên xã", "Kết quả thực hiện"] + [None] * (len(figure_headers) - 1)
        ws.append(top)
        first = ws.max_row
        ws.append([None, None, None, *figure_headers])
        for col in (1, 2, 3):
            ws.merge_cells(start_row=first, start_column=col, end_row=first + 1, end_column=col)
        ws.merge_cells(start_row=first, start_column=4, end_row=first, end_column=3 + len(figure_headers))
    else:
        ws.append(["STT", "Mã xã", "Tên xã", *figure_headers])
    if numbering:
        ws.append([f"({i})" for i in range(1, len(figure_headers) + 4)])
    for number, row in enumerate(rows, start=1):
        ws.append([number, *row])
    if totals is True:
        totals = totals_of(rows)
    if totals:
        ws.append(["Tổng cộng", None, None, *totals])


def district_workbook(
    path: Path,
    indicators: tuple[str, ...] = ("members", "poverty", "orphans", "policies"),
    *,
    year: int | None = 2024,
    unit_title: str = "HỘI LHPN HUYỆN TIÊN LỮ",
    rows: dict[str, list[list[object]]] | None = None,
    sheet_names: dict[str, str] | None = None,
    **table_options,
) -> Path:
    """A district's workbook: one sheet per indicator under a title block."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for indicator in indicators:
        ws = workbook.create_sheet((sheet_names or SHEETS)[indicator])
        title = [unit_title, f"BÁO CÁO KẾT QUẢ CÔNG TÁC HỘI NĂM {year}" if year else "BÁO CÁO KẾT QUẢ CÔNG TÁC HỘI"]
        write_sheet_table(ws, indicator, (rows or {}).get(indicator) or rows_for(indicator), title=title, **table_options)
    workbook.save(path)
    return path


def write_csv(
    path: Path, indicator: str, rows: list[list[object]], *, encoding: str = "utf-8-sig", delimiter: str = ",", year: int = 2024
) -> Path:
    lines = [["HỘI LHPN HUYỆN TIÊN LỮ"], [f"Kỳ báo cáo: Năm {year}"], ["Mã xã", "Tên xã", *HEADERS[indicator]], *rows]
    if encoding == "cp1258":
        lines = [[to_cp1258(c) if isinstance(c, str) else c for c in line] for line in lines]
    with open(path, "w", encoding=encoding, newline="") as handle:
        csv.writer(handle, delimiter=delimiter).writerows(lines)
    return path


def submission(
    path: Path,
    rows: dict[str, list[list[object]]],
    *,
    report_title: str = "BÁO CÁO KẾT QUẢ CÔNG TÁC HỘI NĂM 2024",
    unit_title: str = "HỘI LHPN HUYỆN TIÊN LỮ",
) -> Path:
    """A workbook with the given rows per indicator, for any period: the period is read from
    `report_title`, e.g. "BÁO CÁO KẾT QUẢ CÔNG TÁC HỘI 6 THÁNG ĐẦU NĂM 2024" gives 2024-H1."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for indicator, table in rows.items():
        write_sheet_table(workbook.create_sheet(SHEETS[indicator]), indicator, table, title=[unit_title, report_title])
    workbook.save(path)
    return path


def to_cp1258(text: str) -> str:
    """Vietnamese as the Windows code page 1258 stores it, ready for `.encode("cp1258")`.

    cp1258 has the letters Â Ê Ô Ă Ơ Ư Đ precomposed but tone marks only as combining
    characters, so "Hộ" becomes "Hô" + combining dot below. (Python's codec does not do this.)
    """
    out = []
    for char in unicodedata.normalize("NFC", text):
        try:
            char.encode("cp1258")
            out.append(char)
        except UnicodeEncodeError:
            base, *marks = unicodedata.normalize("NFD", char)
            shape = [m for m in marks if m in "\u0302\u0306\u031b"]  # circumflex, breve, horn
            tones = [m for m in marks if m not in shape]
            out.append(unicodedata.normalize("NFC", base + "".join(shape)) + "".join(tones))
    return "".join(out)
