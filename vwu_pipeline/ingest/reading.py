"""Stage 1 of ingest: turn one submitted file into raw sheets (grids of cell values).

Nothing here interprets the table: no header finding, no number parsing, no validation.
The one promise is positional: `rows[i][j]` is the cell Excel shows at row i+1, column j+1,
because every later message names the Excel row.

Workbooks (.xlsx/.xlsm/.xls/.ods) are read with python-calamine (Rust, fast, returns the
cached values of formulas). Because calamine aborts the whole process when asked for an
absurdly large sheet, the guards run before calamine sees the file: size, zip directory
(zip bombs) and, for .xlsx, a quick scan of each sheet's cell references. CSV files are
decoded here (BOM, UTF-8, cp1258...) and split with the csv module.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import python_calamine

from vwu_pipeline.core.problems import Problem
from vwu_pipeline.ingest.formats import SUFFIXES, WORKBOOK_SUFFIXES
from vwu_pipeline.ingest.guards import (
    ReadError,
    check_container,
    is_utf8,
    os_reason,
    short_reason,
)
from vwu_pipeline.ops.config import Limits


@dataclass
class RawSheet:
    name: str
    # None, str, int, float, bool, datetime/date (time/timedelta for durations); row 0 is
    # Excel row 1, column 0 is column A; trailing empty rows and cells trimmed.
    rows: list[list[object]]
    # (excel_row, excel_col, original_length) of cells cut to max_cell_chars
    long_cells: list[tuple[int, int, int]] = field(default_factory=list)
    hidden: bool = False  # hidden or "very hidden" in Excel: an old copy the office no longer sees


def read_problem(error: ReadError | OSError, file: str) -> Problem:
    """A file that cannot be read, as the problem that refuses it (ingest, targets and feedback alike)."""
    if isinstance(error, ReadError):
        return Problem(error.code, "error", file, error.params.get("sheet"), params=error.params)
    return Problem("file-unreadable", "error", file, params=os_reason(error))


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def read_workbook(path: Path, limits: Limits = Limits()) -> list[RawSheet]:
    """Read every sheet of one submitted file; raise ReadError when it cannot be read at all."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise ReadError("unsupported-format", suffix=path.suffix or path.name)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ReadError("file-unreadable", **os_reason(exc)) from exc
    if size == 0:
        raise ReadError("file-empty")
    if size > limits.max_file_bytes:
        raise ReadError("file-too-large", size=size, limit=limits.max_file_bytes)
    try:
        if suffix == ".csv":
            return [_read_csv(path, limits)]
        return _read_spreadsheet(path, WORKBOOK_SUFFIXES[suffix], limits)
    except OSError as exc:  # vanished or unreadable between stat() and open()
        raise ReadError("file-unreadable", **os_reason(exc)) from exc


# --- workbooks -------------------------------------------------------------------------


def _read_spreadsheet(path: Path, expected_kind: str, limits: Limits) -> list[RawSheet]:
    kind, marks, skipped = check_container(path, expected_kind, limits)
    try:
        # from_path picks the reader by suffix; when the content says otherwise (an .xls
        # saved under .xlsx, common in offices) let calamine detect the format instead.
        # A name that is not UTF-8 (unpacked from a Windows zip) cannot cross into Rust: open it here.
        if kind == expected_kind and is_utf8(str(path)):
            book = python_calamine.CalamineWorkbook.from_path(path)
        else:
            with open(path, "rb") as handle:
                book = python_calamine.CalamineWorkbook.from_filelike(handle)
        with book:
            sheets = []
            for meta in book.sheets_metadata:
                if meta.typ != python_calamine.SheetTypeEnum.WorkSheet:
                    continue  # chart sheets, VBA modules: no cells
                if meta.name == skipped:
                    continue  # the results sheet of a checked copy sent back: not the unit's figures
                sheet = _convert_sheet(book.get_sheet_by_name(meta.name), limits)
                sheet.hidden = meta.visible != python_calamine.SheetVisibleEnum.Visible
                _apply_marks(sheet, marks.get(meta.name))
                sheets.append(sheet)
            return sheets
    except ReadError:
        raise
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # Rust panics arrive as pyo3's PanicException (a BaseException)
        text = str(exc).lower()
        if "memerror" in text or "memory allocation" in text:
            # Out of memory inside calamine (a panic, not Python's MemoryError): the reader's
            # memory limit is what failed, not the file; ingest decides which of the two to blame.
            raise MemoryError(str(exc)) from exc
        if isinstance(exc, python_calamine.PasswordError) or "password" in text or "encrypt" in text:
            raise ReadError("file-encrypted") from exc
        raise ReadError("file-unreadable", reason=short_reason(exc)) from exc


def _apply_marks(sheet: RawSheet, marks: dict[tuple[int, int], str] | None) -> None:
    """Put the marked cells into the grid, where calamine left them blank."""
    for (row, col), mark in (marks or {}).items():
        if row >= len(sheet.rows):
            sheet.rows.extend([] for _ in range(row + 1 - len(sheet.rows)))
        cells = sheet.rows[row]
        if col >= len(cells):
            cells.extend([None] * (col + 1 - len(cells)))
        if cells[col] is None:
            cells[col] = mark


_BLOCK = 1024  # calamine rows converted at a time, then let go
_NONES = [None] * _BLOCK


def _convert_sheet(sheet: Any, limits: Limits) -> RawSheet:
    """calamine sheet -> RawSheet, checking its size before any Python list is built.

    The same cells as `_clean_row` gives row by row ("" -> None, 12.0 -> 12, trailing empty
    cells dropped, long text cut and recorded), in one comprehension per block of rows: this is
    the hot path, and a function call per row cost as much as the conversion itself."""
    raw = RawSheet(name=sheet.name, rows=[])
    start = sheet.start
    if start is None:  # no cell with a value
        return raw
    first_row, first_col = start
    last_row, last_col = first_row + sheet.height, first_col + sheet.width  # 1-based
    if last_row > limits.max_rows:
        raise ReadError("too-many-rows", count=last_row, limit=limits.max_rows, sheet=sheet.name)
    if last_col > limits.max_columns:
        raise ReadError("too-many-columns", count=last_col, limit=limits.max_columns, sheet=sheet.name)
    # skip_empty_area=True returns the data rectangle only; pad it back to A1 ourselves so
    # that the numbering does not depend on calamine's padding behaviour.
    values = sheet.to_python(skip_empty_area=True)
    max_chars = limits.max_cell_chars
    too_long: list[str] = []
    keep = too_long.append  # a text longer than max_chars: kept whole here, cut below (rare)
    pad: list[object] = [None] * first_col
    rows = raw.rows = [[] for _ in range(first_row)]
    for begin in range(0, len(values), _BLOCK):
        block = values[begin : begin + _BLOCK]
        values[begin : begin + _BLOCK] = _NONES[: len(block)]  # let calamine's rows go as they are converted
        converted = [
            [
                ((value or None) if len(value) <= max_chars else keep(value) or value)
                if value.__class__ is str
                else int(value)
                if value.__class__ is float and value.is_integer()
                else value
                for value in cells
            ]
            for cells in block
        ]
        # Padded only when the data starts past column A (a copy of every row otherwise).
        rows += [pad + row for row in converted] if first_col else converted
    for row in rows:
        while row and row[-1] is None:
            row.pop()
    while rows and not rows[-1]:
        rows.pop()
    if too_long:
        for index, row in enumerate(rows):
            for col, value in enumerate(row):
                if value.__class__ is str and len(value) > max_chars:
                    raw.long_cells.append((index + 1, col + 1, len(value)))
                    row[col] = value[:max_chars]
    return raw


# --- CSV -------------------------------------------------------------------------------


def _read_csv(path: Path, limits: Limits) -> RawSheet:
    text = _decode_csv(path.read_bytes())
    sheet = RawSheet(name=path.stem, rows=[])
    # csv's default field limit (128 KiB) would reject a long cell before we can cut it
    if csv.field_size_limit() < limits.max_file_bytes:
        csv.field_size_limit(limits.max_file_bytes)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_detect_delimiter(text))
    try:
        for excel_row, cells in enumerate(reader, start=1):
            if excel_row > limits.max_rows:
                count = excel_row + sum(1 for _ in reader)
                raise ReadError("too-many-rows", count=count, limit=limits.max_rows, sheet=sheet.name)
            row = _clean_row(cells, excel_row, 0, limits, sheet.long_cells)
            if len(row) > limits.max_columns:
                raise ReadError("too-many-columns", count=len(row), limit=limits.max_columns, sheet=sheet.name)
            sheet.rows.append(row)
    except csv.Error as exc:
        raise ReadError("file-unreadable", reason=short_reason(exc)) from exc
    while sheet.rows and not sheet.rows[-1]:
        sheet.rows.pop()
    return sheet


_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def _decode_csv(data: bytes) -> str:
    """Bytes -> NFC text. Excel writes UTF-8 with BOM, UTF-16 ("Unicode text") or, by
    default on Vietnamese Windows, cp1258, whose tone marks are combining characters."""
    text = None
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            text = _decode(data[len(bom) :], encoding)
            break
    else:
        if b"\x00" in data:  # UTF-16 without a BOM, or not text at all
            text = _decode(data, _utf16_without_bom(data))
        else:
            text = _decode(data, "utf-8")
            if text is None:
                # only 8-bit encodings Excel writes here: unrestricted guesses turn
                # "Đà Nẵng" into Urdu (cp1006)
                import charset_normalizer  # here: only a CSV that is not UTF-8 needs it

                best = charset_normalizer.from_bytes(data, cp_isolation=["cp1258", "cp1252"]).best()
                text = str(best) if best is not None else _decode(data, "cp1258")
    if text is None or "\x00" in text:
        raise ReadError("unknown-encoding")
    return unicodedata.normalize("NFC", text)


def _decode(data: bytes, encoding: str | None) -> str | None:
    if encoding is None:
        return None
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def _utf16_without_bom(data: bytes) -> str | None:
    """ASCII-heavy UTF-16 has a NUL in every other byte; anything else with NULs is binary."""
    sample = data[:4096]
    even_nuls, odd_nuls = sample[0::2].count(0), sample[1::2].count(0)
    pairs = len(sample) // 2 or 1
    if odd_nuls >= pairs * 0.3 and even_nuls <= pairs * 0.05:  # U+0300 etc. have a NUL low byte
        return "utf-16-le"
    if even_nuls >= pairs * 0.3 and odd_nuls <= pairs * 0.05:
        return "utf-16-be"
    return None


def _detect_delimiter(text: str) -> str:
    # The first 50 lines (at most 8 KB: the Sniffer is quadratic) span the title block,
    # the header and the first data rows.
    lines = text[:8192].splitlines()[:50]
    if len(lines) > 1 and len(text) > 8192:
        lines.pop()  # probably cut in the middle
    try:
        delimiter = csv.Sniffer().sniff("\n".join(lines), delimiters=",;\t").delimiter
        if delimiter in ",;\t":
            return delimiter
    except csv.Error:
        pass

    # The Sniffer gives up on short or ragged samples: take the delimiter found on the most
    # lines (Excel pads every line with delimiters), then the most often.
    def spread(delimiter: str) -> tuple[int, int]:
        return sum(delimiter in line for line in lines), sum(line.count(delimiter) for line in lines)

    return max(",;\t", key=spread)


# --- shared ----------------------------------------------------------------------------


def _clean_row(
    values: list[object],
    excel_row: int,
    first_col: int,
    limits: Limits,
    long_cells: list[tuple[int, int, int]],
) -> list[object]:
    """One row as RawSheet keeps it: padded to column A, "" -> None, 12.0 -> 12, long text
    cut (and recorded), trailing empty cells dropped. Comprehensions: this is the hot path."""
    row: list[object] = [None] * first_col
    row += [
        (value or None) if value.__class__ is str else int(value) if value.__class__ is float and value.is_integer() else value
        for value in values
    ]
    max_chars = limits.max_cell_chars
    if any(value.__class__ is str and len(value) > max_chars for value in row):
        for index, value in enumerate(row):
            if value.__class__ is str and len(value) > max_chars:
                long_cells.append((excel_row, index + 1, len(value)))
                row[index] = value[:max_chars]
    while row and row[-1] is None:
        row.pop()
    return row
