"""Errors are values: every problem found in a submission is a `Problem` record.

Problems of one file are collected into a `FileResult`; the results of a run into a
`Report` (modelled on frictionless-py's Report: `valid`, counts, `to_json()`).
Messages are built from templates, in Vietnamese by default and English on request.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any, Literal

from vwu_pipeline.core.text import number

Severity = Literal["error", "warning"]
Lang = Literal["vi", "en"]

# code -> (Vietnamese template, English template). Placeholders: {value} and the problem's params.
MESSAGES: dict[str, tuple[str, str]] = {
    # the file as a whole
    "file-empty": ("Tệp rỗng (0 byte).", "The file is empty (0 bytes)."),
    "file-unreadable": (
        "Không đọc được tệp: {reason}. Hãy mở tệp bằng Excel và lưu lại dạng .xlsx.",
        "The file cannot be read: {reason}. Open it in Excel and save it again as .xlsx.",
    ),
    "file-encrypted": (
        "Tệp được đặt mật khẩu. Hãy gỡ mật khẩu rồi gửi lại.",
        "The workbook is password-protected. Remove the password and send it again.",
    ),
    "file-too-large": (
        "Tệp quá lớn ({size} byte, giới hạn {limit} byte).",
        "The file is too large ({size} bytes, limit {limit} bytes).",
    ),
    "zip-bomb": (
        "Tệp nén giải ra quá lớn ({size} byte, giới hạn {limit} byte): từ chối để bảo vệ máy chủ.",
        "The workbook would expand to {size} bytes (limit {limit}): refused to protect the server.",
    ),
    "unsupported-format": (
        "Định dạng '{suffix}' không được hỗ trợ; hãy gửi .xlsx, .xls hoặc .csv.",
        "Format '{suffix}' is not supported; send .xlsx, .xls or .csv.",
    ),
    "unknown-encoding": (
        "Không nhận ra bảng mã của tệp CSV; hãy lưu lại dạng 'CSV UTF-8'.",
        "The CSV file's encoding is not recognised; save it again as 'CSV UTF-8'.",
    ),
    "outside-inbox": (
        "Tệp là liên kết tới ngoài thư mục nhận ({target}): bỏ qua.",
        "The file is a link to outside the inbox ({target}): skipped.",
    ),
    "too-many-rows": (
        "Trang tính có {count} dòng, vượt giới hạn {limit} dòng.",
        "The sheet has {count} rows, more than the limit of {limit}.",
    ),
    "too-many-columns": (
        "Trang tính có {count} cột, vượt giới hạn {limit} cột.",
        "The sheet has {count} columns, more than the limit of {limit}.",
    ),
    "vwu-output": (
        "Đây là tệp báo cáo tổng hợp do vwu tạo ra, không phải báo cáo của đơn vị: không nhận. "
        "Hãy gửi biểu mẫu của chính đơn vị (vwu template).",
        "This is a report workbook written by vwu, not a unit's submission: refused. "
        "Send the unit's own form instead (vwu template).",
    ),
    "folder-unreadable": (
        "Không đọc được thư mục: {reason}. Các tệp trong đó chưa được nhận.",
        "The folder cannot be read: {reason}. The files in it were not ingested.",
    ),
    "duplicate-file": (
        "Cùng nội dung với tệp {first} trong lượt này: {outcome}",
        "Same content as {first} in this run: {outcome}",
    ),
    "cell-too-long": (
        "Ô chứa {length} ký tự, vượt giới hạn {limit}.",
        "The cell holds {length} characters, more than the limit of {limit}.",
    ),
    # finding the table
    "targets-file": (
        "Đây là tệp chỉ tiêu giao (year, unit_code, column, target), không phải báo cáo số liệu: bỏ qua. "
        "Nạp chỉ tiêu bằng lệnh: vwu targets {file}",
        "This is a targets file (year, unit_code, column, target), not a submission: skipped. "
        "Load it with: vwu targets {file}",
    ),
    "no-indicator-sheet": (
        "Không tìm thấy trang tính chỉ tiêu nào (cần một trong: {expected}).",
        "No indicator sheet found (expected one of: {expected}).",
    ),
    "sheet-hidden": (
        "Trang tính bị ẩn: bỏ qua (một bản cũ Excel không hiện ra). Nếu cần số liệu của trang này, hãy bỏ ẩn và gửi lại.",
        "The sheet is hidden: skipped (an old copy Excel does not show). To send its figures, unhide it and send the file again.",
    ),
    "duplicate-sheet": (
        "Hai trang tính cùng là chỉ tiêu '{indicator}': '{first}' và '{second}'. Xóa trang thừa rồi gửi lại.",
        "Two sheets hold the indicator '{indicator}': '{first}' and '{second}'. Delete the extra one and send the file again.",
    ),
    "sheet-no-figures": (
        "Trang tính không có số liệu nào: chỉ tiêu này không tính là đã nộp, số liệu đã có được giữ nguyên.",
        "The sheet holds no figure: this indicator is not counted as submitted, figures already stored are kept.",
    ),
    "no-figures": (
        "Tệp không có số liệu nào (mọi trang đều trống): không nhận.",
        "The file holds no figure at all (every sheet is empty): refused.",
    ),
    "header-not-found": (
        "Không tìm thấy dòng tiêu đề của bảng (cần các cột: {expected}).",
        "The table's header row was not found (expected columns: {expected}).",
    ),
    "missing-column": (
        "Thiếu cột '{expected}'.",
        "Column '{expected}' is missing.",
    ),
    "period-missing": (
        "Không xác định được kỳ báo cáo: ghi 'Năm 2024' trong tiêu đề hoặc dùng --year.",
        "The reporting period is unknown: write 'Năm 2024' in the title or use --year.",
    ),
    "period-conflict": (
        "Kỳ báo cáo trong tệp ({found}) khác với {option} {expected}.",
        "The period in the file ({found}) differs from {option} {expected}.",
    ),
    "period-ambiguous": (
        "Tiêu đề nêu nhiều kỳ báo cáo khác nhau: {phrases}. Sửa tiêu đề, hoặc chỉ rõ kỳ bằng --period.",
        "The title names different reporting periods: {phrases}. Fix the title, or say which with --period.",
    ),
    "year-unusual": (
        "Năm báo cáo {year} khác thường (năm gần nhất: {latest}): kiểm tra lại tiêu đề có gõ nhầm năm không.",
        "The report year {year} is unusual (latest year: {latest}): check the title's year is not a typo.",
    ),
    "unit-unknown": (
        "Không xác định được đơn vị báo cáo: không mã đơn vị nào khớp danh mục năm {year} và tiêu đề không nêu tên đơn vị.",
        "The reporting unit cannot be determined: no unit code matches the {year} unit list and the title names no unit.",
    ),
    "unit-title-mismatch": (
        "Tiêu đề ghi đơn vị '{value}' nhưng mã các dòng thuộc {unit}: kiểm tra lại tệp có đúng của đơn vị không.",
        "The title names '{value}' but the rows' codes belong to {unit}: check the file is that unit's.",
    ),
    # rows and cells
    "type-error": (
        "Giá trị '{value}' không phải là số.",
        "The value '{value}' is not a number.",
    ),
    "not-integer": (
        "Giá trị '{value}' phải là số nguyên.",
        "The value '{value}' must be a whole number.",
    ),
    "below-minimum": (
        "Giá trị {value} nhỏ hơn mức tối thiểu {limit}.",
        "The value {value} is below the minimum of {limit}.",
    ),
    "above-maximum": (
        "Giá trị {value} lớn hơn mức tối đa {limit}.",
        "The value {value} is above the maximum of {limit}.",
    ),
    "missing-code": (
        "Dòng có số liệu nhưng thiếu mã đơn vị.",
        "The row has figures but no unit code.",
    ),
    "unit-not-in-tree": (
        "Mã '{value}' không phải đơn vị thuộc {parent} trong danh mục năm {year}.",
        "Code '{value}' is not a unit of {parent} in the {year} unit list.",
    ),
    "duplicate-unit": (
        "Mã '{value}' xuất hiện lần nữa (đã có ở dòng {first_row}).",
        "Code '{value}' appears again (first at row {first_row}).",
    ),
    "unit-name-mismatch": (
        "Tên '{value}' không khớp với tên trong danh mục của mã {code}: '{official}'.",
        "The name '{value}' does not match the official name of code {code}: '{official}'.",
    ),
    "cell-error": (
        "Ô {cell} có lỗi {value}: sửa công thức trong Excel rồi gửi lại.",
        "Cell {cell} holds the error {value}: fix the formula in Excel and send the file again.",
    ),
    "formula-no-value": (
        "Ô {cell} là công thức chưa có kết quả: mở tệp bằng Excel rồi lưu lại.",
        "Cell {cell} is a formula saved without its result: open the file in Excel and save it again.",
    ),
    "subtotal-row": (
        "Dòng của chính đơn vị {code} bằng tổng các xã bên dưới: coi là dòng tổng để đối chiếu, không cộng thêm.",
        "The row of the unit {code} itself equals the sum of the communes below: checked as a totals row, not added.",
    ),
    # versions of a unit's report
    "kept-previous-rows": (
        "Bản mới không có {count} xã đã có trong bản trước: giữ số liệu của bản trước: {units}.",
        "The new version lacks {count} communes the previous one had: their previous figures are kept: {units}.",
    ),
    "older-version": (
        "Bản này cũ hơn {newer} đã nhận ({decided_vi}): chỉ dùng cho các xã bản mới hơn không có.",
        "This version is older than {newer}, already stored ({decided_en}): it counts only for communes the newer one lacks.",
    ),
    "newer-version": (
        "Bản này mới hơn {older} ({decided_vi}): thay số liệu các xã có trong bản này.",
        "This version is newer than {older} ({decided_en}): it replaces the figures of the communes it holds.",
    ),
    "resaved-original": (
        "Số liệu giống hệt bản {original} đã được {successor} thay: bỏ qua để không hoàn tác bản sửa. "
        "Nếu đúng là muốn dùng lại bản này: vwu ingest --force {file}",
        "The figures equal those of {original}, already replaced by {successor}: skipped so as not to undo the correction. "
        "To use this version on purpose: vwu ingest --force {file}",
    ),
    "totals-mismatch": (
        "Dòng tổng ghi {value} nhưng cộng các dòng trên được {expected}.",
        "The totals row says {value} but the rows above add up to {expected}.",
    ),
}


def readable(text: str) -> str:
    """A file name as text that can be printed, logged and stored. A zip unpacked from Windows
    leaves names in a legacy code page: Python keeps their bytes as lone surrogates, which no
    terminal, JSON reader or database accepts. Those bytes are shown as U+FFFD."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return os.fsencode(text).decode("utf-8", "replace")
    except AttributeError:  # not a str
        return text


@dataclass
class Problem:
    """One thing wrong in a submission, pinned to its place in the file."""

    code: str
    severity: Severity
    file: str
    sheet: str | None = None
    row: int | None = None  # as Excel numbers it (1-based)
    column: str | None = None  # as the header reads in the file
    value: Any = None
    params: dict[str, Any] = field(default_factory=dict)
    templates: tuple[str, str] | None = None  # set for rules that carry their own message

    def __post_init__(self) -> None:
        self.file = readable(self.file)
        for key, value in self.params.items():
            if isinstance(value, str):
                self.params[key] = readable(value)

    def message(self, lang: Lang = "vi") -> str:
        vi, en = self.templates or MESSAGES[self.code]
        text = vi if lang == "vi" else en
        params = {k: _param(k, v, lang) for k, v in self.params.items()}
        try:
            return text.format(value=_show(self.value, lang), **params)
        except (KeyError, IndexError):
            return text

    def where(self, lang: Lang = "vi") -> str:
        """'tệp › trang › dòng 12 › cột "Tổng số hội viên"'."""
        parts = [self.file]
        if self.sheet:
            parts.append(("trang " if lang == "vi" else "sheet ") + self.sheet)
        if self.row:
            parts.append(("dòng " if lang == "vi" else "row ") + str(self.row))
        if self.column:
            parts.append(("cột " if lang == "vi" else "column ") + f"“{self.column}”")
        return " › ".join(parts)

    def to_dict(self, lang: Lang = "vi") -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "file": self.file,
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "value": _jsonable(self.value),
            "message": self.message(lang),
        }


_COUNTS = frozenset({"count", "limit", "size", "length"})  # sizes and counts: 1.000.000 dòng, 209.715.200 byte


def _param(key: str, value: Any, lang: Lang) -> Any:
    """Figures (floats) and sizes or counts (ints under _COUNTS) with thousands separators."""
    if isinstance(value, bool):
        return value
    if isinstance(value, float) or (isinstance(value, int) and key in _COUNTS):
        return _show(float(value), lang)
    return value


def _show(value: Any, lang: Lang = "vi") -> str:
    """A value as the reader writes it: figures (floats) with thousands separators, 19.668.108 in Vietnamese."""
    if isinstance(value, float) and value.is_integer():
        return number(value, lang)
    text = "" if value is None else str(value)
    return text if len(text) <= 80 else text[:77] + "…"


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, bool)):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    return str(value)


FileStatus = Literal["accepted", "replaced", "unchanged", "refused", "checked", "skipped"]
STATUSES: tuple[FileStatus, ...] = ("accepted", "replaced", "unchanged", "refused", "checked", "skipped")


@dataclass
class FileResult:
    """What became of one submitted file."""

    path: str
    status: FileStatus = "accepted"
    sha256: str | None = None
    unit_code: str | None = None
    unit_name: str | None = None
    period: str | None = None
    indicators: list[str] = field(default_factory=list)
    rows: int = 0
    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.path = readable(self.path)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def valid(self) -> bool:
        return not self.errors

    def to_dict(self, lang: Lang = "vi") -> dict[str, Any]:
        return {
            "path": self.path,
            "status": self.status,
            "sha256": self.sha256,
            "unit_code": self.unit_code,
            "unit_name": self.unit_name,
            "period": self.period,
            "indicators": self.indicators,
            "rows": self.rows,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "problems": [p.to_dict(lang) for p in self.problems],
        }


@dataclass
class Report:
    """The outcome of an ingest or validate run over many files."""

    files: list[FileResult] = field(default_factory=list)
    lang: Lang = "vi"

    @property
    def valid(self) -> bool:
        return all(f.status != "refused" for f in self.files)

    @property
    def counts(self) -> dict[str, int]:
        counts = {s: 0 for s in STATUSES}
        for f in self.files:
            counts[f.status] += 1
        counts["files"] = len(self.files)
        counts["rows"] = sum(f.rows for f in self.files if f.status != "refused")
        counts["errors"] = sum(len(f.errors) for f in self.files)
        counts["warnings"] = sum(len(f.warnings) for f in self.files)
        return counts

    @property
    def exit_code(self) -> int:
        return int(not self.valid)

    def to_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "counts": self.counts,
            "files": [f.to_dict(self.lang) for f in self.files],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)
