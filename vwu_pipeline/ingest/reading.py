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
import mmap
import posixpath
import re
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import charset_normalizer
import python_calamine
from defusedxml import ElementTree as SafeET

from vwu_pipeline.core.messages import MESSAGES, text
from vwu_pipeline.core.problems import Problem
from vwu_pipeline.ops.config import Limits


@dataclass
class RawSheet:
    name: str
    # None, str, int, float, bool, datetime/date (time/timedelta for durations); row 0 is
    # Excel row 1, column 0 is column A; trailing empty rows and cells trimmed.
    rows: list[list[object]]
    # (excel_row, excel_col, original_length) of cells cut to max_cell_chars
    long_cells: list[tuple[int, int, int]] = field(default_factory=list)


class ReadError(Exception):
    """The file cannot be read at all. code is a problem code of the message catalogue; params fill its template."""

    def __init__(self, code: str, **params: Any) -> None:
        if code not in MESSAGES:
            raise ValueError(f"unknown problem code {code!r}")
        self.code = code
        self.params = params
        super().__init__(self.message("en"))

    def __reduce__(self) -> tuple[Any, ...]:  # picklable, for process pools
        return (_read_error, (self.code, self.params))

    def message(self, lang: str = "vi") -> str:
        return text(self.code, lang, **self.params)


def _read_error(code: str, params: dict[str, Any]) -> ReadError:
    return ReadError(code, **params)


def read_problem(error: ReadError | OSError, file: str) -> Problem:
    """A file that cannot be read, as the problem that refuses it (ingest, targets and feedback alike)."""
    if isinstance(error, ReadError):
        return Problem(error.code, "error", file, error.params.get("sheet"), params=error.params)
    return Problem("file-unreadable", "error", file, params={"reason": error.strerror or str(error)})


WORKBOOK_SUFFIXES = {".xlsx": "xlsx", ".xlsm": "xlsx", ".xls": "xls", ".ods": "ods"}
SUFFIXES = {*WORKBOOK_SUFFIXES, ".csv"}

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls, and encrypted .xlsx
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")  # .xlsx/.xlsm/.ods (second: empty zip)
# An encrypted OOXML workbook is an OLE file holding a stream of this name; directory
# entries are 128 bytes and aligned on 128 bytes, which rules out matches inside cell text.
ENCRYPTION_INFO = "EncryptionInfo".encode("utf-16-le")

RATIO_LIMIT = 200  # a member expanding more than this...
RATIO_FLOOR = 10 * 1024**2  # ...and to more than this is a zip bomb

NOT_EXCEL = "không phải tệp Excel hợp lệ"
# corrupt directory or data, encrypted member, unsupported compression method
_ZIP_FAILURES = (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, RuntimeError, NotImplementedError)


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
        raise ReadError("file-unreadable", reason=_short(exc)) from exc
    if size == 0:
        raise ReadError("file-empty")
    if size > limits.max_file_bytes:
        raise ReadError("file-too-large", size=size, limit=limits.max_file_bytes)
    try:
        if suffix == ".csv":
            return [_read_csv(path, limits)]
        return _read_spreadsheet(path, WORKBOOK_SUFFIXES[suffix], limits)
    except OSError as exc:  # vanished or unreadable between stat() and open()
        raise ReadError("file-unreadable", reason=_short(exc)) from exc


# --- workbooks -------------------------------------------------------------------------


def _read_spreadsheet(path: Path, expected_kind: str, limits: Limits) -> list[RawSheet]:
    kind = _check_container(path, expected_kind, limits)
    try:
        # from_path picks the reader by suffix; when the content says otherwise (an .xls
        # saved under .xlsx, common in offices) let calamine detect the format instead.
        # A name that is not UTF-8 (unpacked from a Windows zip) cannot cross into Rust: open it here.
        if kind == expected_kind and _utf8(str(path)):
            book = python_calamine.CalamineWorkbook.from_path(path)
        else:
            with open(path, "rb") as handle:
                book = python_calamine.CalamineWorkbook.from_filelike(handle)
        skipped = feedback_sheet(path) if kind == "xlsx" else None
        with book:
            sheets = []
            for meta in book.sheets_metadata:
                if meta.typ != python_calamine.SheetTypeEnum.WorkSheet:
                    continue  # chart sheets, VBA modules: no cells
                if meta.name == skipped:
                    continue  # the results sheet of a checked copy sent back: not the unit's figures
                sheets.append(_convert_sheet(book.get_sheet_by_name(meta.name), limits))
            return sheets
    except ReadError:
        raise
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # Rust panics arrive as pyo3's PanicException (a BaseException)
        text = str(exc).lower()
        if isinstance(exc, python_calamine.PasswordError) or "password" in text or "encrypt" in text:
            raise ReadError("file-encrypted") from exc
        raise ReadError("file-unreadable", reason=_short(exc)) from exc


# The custom document property a checked copy (ingest/annotate.py, `vwu validate --annotate`)
# carries: its value names the results sheet added in front of the unit's own sheets. Such a
# copy, corrected and sent back, is the unit's submission; ingest skips only that sheet.
FEEDBACK_MARKER = "vwu-feedback-sheet"


def feedback_sheet(path: Path) -> str | None:
    """The results sheet of a checked copy, from docProps/custom.xml; None for any other workbook.
    Called after _check_container (sizes and XML prologs checked)."""
    try:
        with open(path, "rb") as handle, zipfile.ZipFile(handle) as archive:
            if "docProps/custom.xml" not in archive.namelist():
                return None
            root = SafeET.fromstring(archive.read("docProps/custom.xml"))
    except Exception:
        return None  # unreadable properties: read the workbook as it is
    for prop in root:
        if prop.get("name") == FEEDBACK_MARKER:
            value = next(iter(prop), None)
            return value.text if value is not None else None
    return None


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def _check_container(path: Path, expected_kind: str, limits: Limits) -> str:
    """Look at the bytes, not the name: refuse encrypted, fake and bomb files; return the real kind."""
    with open(path, "rb") as handle:
        head = handle.read(512)
    if head.startswith(OLE_MAGIC):
        if _has_encryption_info(path):
            raise ReadError("file-encrypted")
        return "xls"
    if head.startswith(ZIP_MAGICS):
        try:
            with zipfile.ZipFile(path) as archive:
                _check_zip_sizes(archive.infolist(), limits)
                _check_xml_prologs(archive)
                names = set(archive.namelist())
                if "xl/workbook.xml" in names:
                    _check_xlsx_extents(archive, limits)
                    return "xlsx"
                if "content.xml" in names:
                    return "ods"
                return expected_kind  # let calamine say what is wrong
        except ReadError:
            raise
        except _ZIP_FAILURES as exc:
            raise ReadError("file-unreadable", reason="tệp nén bị hỏng") from exc
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype html", b"<html", b"<table", b"<?xml", b"mime-version")):
        # web systems export HTML or "XML Spreadsheet 2003" under an .xls name
        raise ReadError("file-unreadable", reason="tệp là trang HTML/XML đổi đuôi, " + NOT_EXCEL)
    raise ReadError("file-unreadable", reason=NOT_EXCEL)


ENTITY_DECLARATION = (
    "tệp chứa khai báo thực thể XML (<!DOCTYPE/<!ENTITY>), điều Excel không bao giờ ghi: có thể là tệp độc hại kiểu 'billion laughs'"
)
_PROLOG_BYTES = 64 * 1024
_DOCTYPE = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_FIRST_ELEMENT = re.compile(rb"<[A-Za-z_]")


def _check_xml_prologs(archive: zipfile.ZipFile) -> None:
    """Refuse a workbook whose XML parts declare a DTD or entities ("billion laughs"), before
    any parser sees them: the declaration sits before the root element, so the first bytes of
    each part are enough (read through the zip stream, never the whole part)."""
    for info in archive.infolist():
        if not info.filename.lower().endswith((".xml", ".rels", ".vml")):
            continue
        with archive.open(info) as member:
            head = member.read(_PROLOG_BYTES)
        root = _FIRST_ELEMENT.search(head)
        if _DOCTYPE.search(head, 0, root.start() if root else len(head)):
            raise ReadError("file-unreadable", reason=f"{info.filename}: {ENTITY_DECLARATION}")


def _has_encryption_info(path: Path) -> bool:
    with open(path, "rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        at = data.find(ENCRYPTION_INFO)
        while at != -1:
            if at % 128 == 0:
                return True
            at = data.find(ENCRYPTION_INFO, at + 1)
    return False


def _check_zip_sizes(members: list[zipfile.ZipInfo], limits: Limits) -> None:
    """Zip-bomb guard from the zip directory, before anything is expanded."""
    total = sum(member.file_size for member in members)
    if total > limits.max_unzipped_bytes:
        raise ReadError("zip-bomb", size=total, limit=limits.max_unzipped_bytes)
    for member in members:
        allowed = RATIO_LIMIT * member.compress_size
        if member.file_size > RATIO_FLOOR and member.file_size > allowed:
            raise ReadError("zip-bomb", size=member.file_size, limit=max(allowed, RATIO_FLOOR))


def _check_xlsx_extents(archive: zipfile.ZipFile, limits: Limits) -> None:
    """Refuse sheets whose cells reach beyond the limits, before calamine reads them.

    calamine allocates the whole rectangle from A1 to the farthest cell: one stray value
    in XFD1048576 asks for half a terabyte and aborts the process.
    """
    for part, sheet_name in _xlsx_sheet_parts(archive).items():
        try:
            xml = archive.read(part)  # zipfile stops at the size the directory declared
        except KeyError:
            continue  # a missing part is calamine's to report
        last_row, last_col = _xlsx_extent(xml, limits)
        if last_row > limits.max_rows:
            # the scan stopped early; for the message, the last row written (rows are in order)
            written = [int(n) for n in _ROW_NUMBER.findall(xml, max(0, len(xml) - 65536))]
            count = max([last_row, *written])
            raise ReadError("too-many-rows", count=count, limit=limits.max_rows, sheet=sheet_name)
        if last_col > limits.max_columns:
            raise ReadError("too-many-columns", count=last_col, limit=limits.max_columns, sheet=sheet_name)


# How Excel, LibreOffice, openpyxl and xlsxwriter write a cell: <c r="B12" ...> or <c r="B12" .../>
# (the last holds no value: only a style).
_CELL_WITH_REF = re.compile(rb"""<c r="([A-Z]+)(\d+)"[^>/]*(/?)>""")
_CELL_TAG = re.compile(rb"<c[\s>/]")
_ROW_OR_CELL = re.compile(rb"<(?:\w+:)?(row|c)(?=[\s>/])([^>]*)>")
_REF = re.compile(rb"""(?:^|\s)r\s*=\s*["']([A-Za-z]*)(\d*)["']""")
_ROW_NUMBER = re.compile(rb"""<(?:\w+:)?row\s[^>]*?(?<![\w:])r\s*=\s*["'](\d+)["']""")
_CHUNK = 1024 * 1024


def _xlsx_extent(xml: bytes, limits: Limits) -> tuple[int, int]:
    """(last row, last column), 1-based, reached by a cell that may hold a value.

    Stops once past the limits. Works through 1 MB pieces cut before a tag (one findall
    over a 200 MB sheet would hold millions of tuples). Falls back to following positions
    when a cell is written otherwise (no r=, a namespace prefix "x:c", other spacing).
    """
    if b":c" in xml:
        return _xlsx_extent_by_position(xml, limits)
    last_row = last_col = start = 0
    while start < len(xml) and last_row <= limits.max_rows and last_col <= limits.max_columns:
        end = xml.find(b"<", start + _CHUNK)
        end = len(xml) if end == -1 else end
        cells = _CELL_WITH_REF.findall(xml, start, end)
        if len(cells) != len(_CELL_TAG.findall(xml, start, end)):
            return _xlsx_extent_by_position(xml, limits)
        rows = {row for _, row, empty in cells if not empty}
        cols = {col for col, _, empty in cells if not empty}
        last_row = max(last_row, max(map(int, rows), default=0))
        last_col = max(last_col, max(map(_column_number, cols), default=0))
        start = end
    return last_row, last_col


def _xlsx_extent_by_position(xml: bytes, limits: Limits) -> tuple[int, int]:
    """The same, for sheets where some cells or rows omit r= (allowed, and rare)."""
    last_row = last_col = row = col = 0
    for match in _ROW_OR_CELL.finditer(xml):
        tag, attrs = match.groups()
        ref = _REF.search(attrs)
        if tag == b"row":
            if last_row > limits.max_rows or last_col > limits.max_columns:
                break  # past the limits, with the full width of the offending row
            row, col = (int(ref.group(2)) if ref and ref.group(2) else row + 1), 0
            continue
        if ref and ref.group(1):
            col = _column_number(ref.group(1))
            row = int(ref.group(2) or row)
        else:
            col += 1  # even an empty <c/> takes its place
        if not attrs.endswith(b"/"):
            last_row, last_col = max(last_row, row), max(last_col, col)
    return last_row, last_col


def _xlsx_sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet part name -> sheet name, from xl/workbook.xml and its relationships."""
    parts = {}
    try:
        workbook = SafeET.fromstring(archive.read("xl/workbook.xml"))
        rels = SafeET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except KeyError:
        workbook = rels = None
    except Exception as exc:  # defusedxml refuses entity declarations; bad XML
        raise ReadError("file-unreadable", reason="xl/workbook.xml: " + _short(exc)) from exc
    if workbook is not None and rels is not None:
        targets = {rel.get("Id"): rel.get("Target") or "" for rel in rels}
        for element in workbook.iter():
            if not str(element.tag).endswith("}sheet") and element.tag != "sheet":
                continue
            rid = next((v for k, v in element.attrib.items() if k.endswith("}id")), None)
            target = targets.get(rid)
            if target:
                part = target[1:] if target.startswith("/") else posixpath.join("xl", target)
                parts[posixpath.normpath(part)] = element.get("name") or part
    if not parts:  # unusual relationships: scan every worksheet part, named by its file
        parts = {n: posixpath.basename(n) for n in archive.namelist() if n.startswith("xl/worksheets/")}
    return parts


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - 64
    return number


def _convert_sheet(sheet: Any, limits: Limits) -> RawSheet:
    """calamine sheet -> RawSheet, checking its size before any Python list is built."""
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
    raw.rows = [[] for _ in range(first_row)]
    for index, cells in enumerate(values):
        values[index] = None  # let calamine's row go as soon as it is converted
        raw.rows.append(_clean_row(cells, first_row + index + 1, first_col, limits, raw.long_cells))
    while raw.rows and not raw.rows[-1]:
        raw.rows.pop()
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
        raise ReadError("file-unreadable", reason=_short(exc)) from exc
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
    cut (and recorded), trailing empty cells dropped. One loop: this is the hot path."""
    row: list[object] = [None] * first_col
    max_chars = limits.max_cell_chars
    for value in values:
        if value.__class__ is str:
            if not value:
                value = None  # calamine's empty and error cells, CSV's empty fields
            elif len(value) > max_chars:
                long_cells.append((excel_row, len(row) + 1, len(value)))
                value = value[:max_chars]
        elif value.__class__ is float and value.is_integer():
            value = int(value)  # Excel stores every number as a double: 12.0 is 12
        row.append(value)
    while row and row[-1] is None:
        row.pop()
    return row


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:200]


__all__ = ["RawSheet", "ReadError", "read_problem", "read_workbook", "sha256_of"]
