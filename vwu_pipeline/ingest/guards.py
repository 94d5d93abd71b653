"""The guards a submitted file passes before any spreadsheet library sees it: the container
sniffed (zip or OLE, whatever the suffix says), encryption, zip bombs from the zip directory,
XML prologs declaring entities, and each .xlsx sheet's extent from its XML. calamine aborts the
whole process on an absurd sheet, so nothing here trusts the file. A failed guard raises
`ReadError` (a problem code of the message catalogue and its parameters)."""

from __future__ import annotations

import errno
import mmap
import posixpath
import re
import zipfile
import zlib
from pathlib import Path
from typing import Any

from defusedxml import ElementTree as SafeET

from vwu_pipeline.core.documents import VWU_OUTPUT_PROPERTY
from vwu_pipeline.core.messages import MESSAGES, text
from vwu_pipeline.ops.config import Limits


class CellError(str):
    """An Excel error value (#REF!, #N/A, #DIV/0!, #VALUE!...) where a value should be: calamine
    reads these as blanks, so the reader marks them in the grid for validation to name the cell."""


class UncomputedFormula(str):
    """A formula saved without its result (written by a program, never opened in Excel): the
    figure the office meant is unknown. Holds the formula text."""


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


def is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


Marks = dict[str, dict[tuple[int, int], str]]  # sheet -> (0-based row, col) -> CellError | UncomputedFormula


def check_container(path: Path, expected_kind: str, limits: Limits) -> tuple[str, Marks]:
    """Look at the bytes, not the name: refuse encrypted, fake and bomb files and vwu's own
    reports; return the real kind and, for .xlsx, the cells calamine would read as blanks."""
    with open(path, "rb") as handle:
        head = handle.read(512)
    if head.startswith(OLE_MAGIC):
        if _has_encryption_info(path):
            raise ReadError("file-encrypted")
        return "xls", {}
    if head.startswith(ZIP_MAGICS):
        try:
            with zipfile.ZipFile(path) as archive:
                _check_zip_sizes(archive.infolist(), limits)
                _check_xml_prologs(archive)
                names = set(archive.namelist())
                if "xl/workbook.xml" in names:
                    _check_not_vwu_output(archive, names)
                    return "xlsx", _check_xlsx_extents(archive, limits)
                if "content.xml" in names:
                    return "ods", {}
                return expected_kind, {}  # let calamine say what is wrong
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


def _check_not_vwu_output(archive: zipfile.ZipFile, names: set[str]) -> None:
    """vwu's report workbooks carry a custom document property; they are not submissions."""
    if "docProps/custom.xml" not in names:
        return
    with archive.open("docProps/custom.xml") as member:
        head = member.read(_PROLOG_BYTES)
    if f'name="{VWU_OUTPUT_PROPERTY}"'.encode() in head:
        raise ReadError("vwu-output")


def _check_xlsx_extents(archive: zipfile.ZipFile, limits: Limits) -> Marks:
    """Refuse sheets whose cells reach beyond the limits, before calamine reads them; return
    the error cells and the formulas saved without a result, per sheet.

    calamine allocates the whole rectangle from A1 to the farthest cell: one stray value
    in XFD1048576 asks for half a terabyte and aborts the process.
    """
    marks: Marks = {}
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
        found = _blank_looking_cells(xml)
        if found:
            marks[sheet_name] = found
    return marks


_CELL_START = re.compile(rb"<(?:\w+:)?c[\s>]")
_CELL_REF = re.compile(rb"""\sr\s*=\s*["']([A-Za-z]+)(\d+)["']""")
_ERROR_TYPE = re.compile(rb"""\st\s*=\s*["']e["']""")
_VALUE = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")
_FORMULA = re.compile(rb"<(?:\w+:)?f(?:\s[^>]*)?(?:/>|>([^<]*)</(?:\w+:)?f>)")


def _blank_looking_cells(xml: bytes) -> dict[tuple[int, int], str]:
    """Cells calamine reads as blank that are not: error values (t="e") and formulas saved
    without a result. Only the (usually few) formula and error cells are looked at: the
    scan starts from each `<f` and `t="e"`, never walks every cell."""
    if b"<f" not in xml and b":f" not in xml and b'"e"' not in xml and b"'e'" not in xml:
        return {}
    found: dict[tuple[int, int], str] = {}
    starts = {m.start() for m in re.finditer(rb"<(?:\w+:)?f[\s>/]", xml)}
    starts.update(m.start() for m in re.finditer(rb"""\st\s*=\s*["']e["']""", xml))
    for at in sorted(starts):
        begin = _last_cell_start(xml, at)
        if begin < 0:
            continue
        end = xml.find(b">", begin)
        stop = xml.find(b"<row", end)
        tag = xml[begin:end]
        ref = _CELL_REF.search(tag)
        if not ref or tag.endswith(b"/"):
            continue
        body_end = _cell_end(xml, end, stop)
        body = xml[end + 1 : body_end]
        row, col = int(ref.group(2)) - 1, column_number(ref.group(1)) - 1
        value = _VALUE.search(body)
        if _ERROR_TYPE.search(tag):
            found[(row, col)] = CellError(value.group(1).decode("utf-8", "replace") if value else "#N/A")
        elif (formula := _FORMULA.search(body)) and not (value and value.group(1).strip()):
            found[(row, col)] = UncomputedFormula((formula.group(1) or b"").decode("utf-8", "replace"))
    return found


def _last_cell_start(xml: bytes, before: int) -> int:
    """Where the `<c ...>` tag enclosing position `before` starts (-1 when none)."""
    window = max(0, before - 4096)
    starts = [m.start() for m in _CELL_START.finditer(xml, window, before + 1)]
    return starts[-1] if starts else -1


def _cell_end(xml: bytes, tag_end: int, limit: int) -> int:
    end = xml.find(b"</c>", tag_end)
    if end == -1:
        end = re.compile(rb"</\w+:c>").search(xml, tag_end)
        end = end.start() if end else len(xml)
    return end if limit == -1 or end < limit else limit


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
        last_col = max(last_col, max(map(column_number, cols), default=0))
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
            col = column_number(ref.group(1))
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
        raise ReadError("file-unreadable", reason="xl/workbook.xml: " + short_reason(exc)) from exc
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


def column_number(letters: bytes) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - 64
    return number


def short_reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:200]


_OS_REASONS = {
    errno.EACCES: "os.permission",
    errno.EPERM: "os.permission",
    errno.ENOENT: "os.vanished",
    errno.ENAMETOOLONG: "os.too-long",
    errno.ELOOP: "os.loop",
    errno.EISDIR: "os.is-folder",
    errno.EIO: "os.disk",
}


def os_reason(error: OSError) -> dict[str, str]:
    """Why the system would not let vwu read a file or folder, in the officer's words: the
    `reason` (Vietnamese) and `reason_en` parameters of file-unreadable and folder-unreadable."""
    key = _OS_REASONS.get(error.errno)  # type: ignore[arg-type]
    if key is None:
        raw = short_reason(OSError(error.errno, error.strerror)) if error.strerror else short_reason(error)
        return {"reason": raw, "reason_en": raw}
    return {"reason": text(key, "vi"), "reason_en": text(key, "en")}
