"""The guards a submitted file passes before any spreadsheet library sees it: the container
sniffed (zip or OLE, whatever the suffix says), encryption, zip bombs from the zip directory,
XML prologs declaring entities, and each .xlsx sheet's extent from its XML. calamine aborts the
whole process on an absurd sheet, so nothing here trusts the file. A failed guard raises
`ReadError` (a problem code of the message catalogue and its parameters).

Every guard works from one pass over the container: the zip directory is read once, each XML
part is expanded once (a worksheet whole, since its cells are scanned; any other part only as
far as its prolog), and one scan of a sheet's XML gives both its extent and the cells calamine
would read as blanks (error values, formulas without results)."""

from __future__ import annotations

import errno
import io
import mmap
import os
import posixpath
import re
import struct
import zipfile
import zlib
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple
from xml.etree import ElementTree

from defusedxml import ElementTree as SafeET

# zlib's format and answers, expanding ≈ 1.8× faster: the sheets the guards scan
from zlib_ng import zlib_ng as _inflating

from vwu_pipeline.core.documents import FEEDBACK_MARKER, VWU_OUTPUT_PROPERTY
from vwu_pipeline.core.messages import MESSAGES, Said, said, text
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

# corrupt directory or data, encrypted member, unsupported compression method
_ZIP_FAILURES = (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, RuntimeError, NotImplementedError)


def is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


Marks = dict[str, dict[tuple[int, int], str]]  # sheet -> (0-based row, col) -> CellError | UncomputedFormula


class Container(NamedTuple):
    """What the guards learnt about a file that passed them."""

    kind: str  # "xlsx", "xls" or "ods": what the bytes are, whatever the suffix says
    marks: Marks  # .xlsx: the cells calamine would read as blanks
    results_sheet: str | None = None  # a checked copy sent back: its results sheet, not the unit's figures


def check_container(path: Path, expected_kind: str, limits: Limits) -> Container:
    """Look at the bytes, not the name: refuse encrypted, fake and bomb files and vwu's own
    reports; return the real kind and, for .xlsx, the cells calamine would read as blanks."""
    with open(path, "rb") as handle:
        head = handle.read(512)
        if head.startswith(ZIP_MAGICS) and len(head) == 512:
            # A workbook of the usual size read whole, once: the zip directory and each part
            # are then found without a seek and a read of the file each.
            whole = _read_up_to(handle, len(head), _IN_MEMORY_BYTES)
            if len(whole) < _IN_MEMORY_BYTES:
                data: bytes | None = head + whole
                source: Path | io.BytesIO = io.BytesIO(data)
            else:
                data, source = None, path
        else:
            data, source = None, path
    if head.startswith(OLE_MAGIC):
        if _has_encryption_info(path):
            raise ReadError("file-encrypted")
        return Container("xls", {})
    if head.startswith(ZIP_MAGICS):
        try:
            with zipfile.ZipFile(source) as archive:
                return _check_zip(archive, expected_kind, limits, data)
        except ReadError:
            raise
        except _ZIP_FAILURES as exc:
            raise ReadError("file-unreadable", reason=said("reason.zip-corrupt")) from exc
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype html", b"<html", b"<table", b"<?xml", b"mime-version")):
        # web systems export HTML or "XML Spreadsheet 2003" under an .xls name
        raise ReadError("file-unreadable", reason=said("reason.web-page"))
    raise ReadError("file-unreadable", reason=said("reason.not-excel"))


def _read_up_to(handle: io.BufferedReader, at: int, limit: int) -> bytes:
    """`handle.read(limit)` from offset `at`, asked for what the file holds: a read of `limit`
    bytes allocates them (4 MB, given back at once) for a 20 KB workbook. A file grown since
    its length was taken is read on to `limit`: the bytes are always those `read(limit)` gives."""
    want = min(max(os.fstat(handle.fileno()).st_size - at, 0) + 1, limit)
    data = handle.read(want)
    if len(data) == want < limit:
        data += handle.read(limit - want)
    return data


def _check_zip(archive: zipfile.ZipFile, expected_kind: str, limits: Limits, data: bytes | None = None) -> Container:
    members = archive.infolist()
    _check_zip_sizes(members, limits)
    by_name = {member.filename: member for member in members}
    known = _KnownParts(data)
    if "xl/workbook.xml" not in by_name:
        for member in members:
            known.check_prolog(archive, member)
        return Container("ods" if "content.xml" in by_name else expected_kind, {})  # else: calamine says what is wrong
    # The workbook and its relationships first (whole: they are small): they name the sheets.
    whole = {
        name: known.read_checked(archive, by_name[name]) for name in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels") if name in by_name
    }
    sheets = _xlsx_sheet_parts(whole, by_name)
    custom = by_name.get("docProps/custom.xml")
    if custom is not None:
        whole[custom.filename] = known.read_checked(archive, custom)
    marks: Marks = {}
    for member in members:
        if member.filename in whole:
            continue
        sheet_name = sheets.get(posixpath.normpath(member.filename))
        if sheet_name is None:
            known.check_prolog(archive, member)
            continue
        xml = known.read_sheet(archive, member)  # never more than the size the directory declared
        found = _scan_sheet(xml, sheet_name, limits)
        if found:
            marks[sheet_name] = found
    results_sheet = _document_properties(whole[custom.filename]) if custom is not None else None
    return Container("xlsx", marks, results_sheet)


def _document_properties(xml: bytes) -> str | None:
    """docProps/custom.xml: refuse vwu's own reports; the results sheet of a checked copy."""
    if f'name="{VWU_OUTPUT_PROPERTY}"'.encode() in xml:
        raise ReadError("vwu-output")
    if FEEDBACK_MARKER.encode() not in xml:
        return None
    try:
        root = SafeET.fromstring(xml)
    except Exception:
        return None  # unreadable properties: read the workbook as it is
    for prop in root:
        if prop.get("name") == FEEDBACK_MARKER:
            value = next(iter(prop), None)
            return value.text if value is not None else None
    return None


_PROLOG_BYTES = 64 * 1024
_IN_MEMORY_BYTES = 4 * 1024**2
_FIRST_BYTES = 4096
_DOCTYPE = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_FIRST_ELEMENT = re.compile(rb"<[A-Za-z_]")


_XML_PARTS = (".xml", ".rels", ".vml")


def _check_xml_prologs(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo]) -> None:
    """Refuse a workbook whose XML parts declare a DTD or entities ("billion laughs"), before
    any parser sees them: the declaration sits before the root element, so the first bytes of
    each part are enough (read through the zip stream, never the whole part)."""
    for info in members:
        if info.filename.lower().endswith(_XML_PARTS):
            with archive.open(info) as member:
                # The root element is nearly always in the first few KB: expand no more of the
                # part than that (a theme is 10 KB); else as far as _PROLOG_BYTES, as before.
                head = member.read(_FIRST_BYTES)
                if _FIRST_ELEMENT.search(head) is None and len(head) == _FIRST_BYTES:
                    head += member.read(_PROLOG_BYTES - _FIRST_BYTES)
                _check_prolog(info.filename, head)


class _KnownParts:
    """The parts a file shares with files checked before (its form's theme, styles, relationships,
    workbook: the offices' files come from a few templates), answered from what those gave.

    A part is known by what zipfile reads to open and expand it: the directory's entry
    (name, flags, method, sizes, CRC) and the stored bytes themselves, from its local header to
    the end of its compressed data. Equal stored bytes expand to equal bytes, so its prolog
    check (and a whole part's text) is what the first file's gave; any other part, or a file
    not held in memory, goes through zipfile as before."""

    def __init__(self, data: bytes | None) -> None:
        self.data = data

    def key(self, info: zipfile.ZipInfo) -> tuple | None:
        data = self.data
        # Small parts only, expanded too: a part read whole is kept, and a hostile file's parts
        # may each expand to 10 MB within the zip-bomb guard.
        if data is None or max(info.compress_size, info.file_size) > _KNOWN_PART_BYTES:
            return None
        at = info.header_offset
        if at < 0 or data[at : at + 4] != b"PK\x03\x04" or at + 30 > len(data):
            return None
        name_length, extra_length = _LOCAL_LENGTHS.unpack_from(data, at + 26)
        end = at + 30 + name_length + extra_length + info.compress_size
        if end > len(data) or end > (getattr(info, "_end_offset", None) or end):
            return None  # cut short, or running into the next entry (newer zipfiles refuse it)
        stored = data[at:end]
        return (info.orig_filename, info.flag_bits, info.compress_type, info.compress_size, info.file_size, info.CRC, stored)

    def check_prolog(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
        if not info.filename.lower().endswith(_XML_PARTS):
            return
        key = self.key(info)
        if key is not None and key in _KNOWN_PARTS:
            return  # the same stored bytes passed before
        _check_xml_prologs(archive, [info])
        if key is not None:
            _remember(key, b"")

    def read_checked(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
        key = self.key(info)
        if key is not None:
            known = _KNOWN_PARTS.get(key)
            if known is not None and len(known) == info.file_size:
                return known  # read whole (its CRC checked) and its prolog passed before
        data = _read_checked(archive, info)
        if key is not None:
            _remember(key, data)
        return data

    def read_sheet(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
        """A worksheet whole, its prolog checked: `_read_checked`, expanded here from the bytes in
        memory when every check zipfile makes on the way passes (local header, name, flags,
        method, sizes, CRC), the same bytes without zipfile's per-part file object. Anything
        else, or a file not held in memory, goes through zipfile, which raises what it raises.
        The prolog is checked whatever the part is called, on both ways (a sheet's part name is
        the workbook's to choose)."""
        xml = self.expanded(info)
        if xml is None:
            xml = archive.read(info)
        _check_prolog(info.filename, xml[:_PROLOG_BYTES])
        return xml

    def expanded(self, info: zipfile.ZipInfo) -> bytes | None:
        data, size = self.data, info.file_size
        if data is None or info.compress_type != zipfile.ZIP_DEFLATED or info.flag_bits & _FLAGS_FOR_ZIPFILE or not 0 < size:
            return None
        at = info.header_offset
        if at < 0 or at + 30 > len(data) or data[at : at + 4] != b"PK\x03\x04":
            return None
        local_flags = _LOCAL_FLAGS.unpack_from(data, at + 6)[0]
        name_length, extra_length = _LOCAL_LENGTHS.unpack_from(data, at + 26)
        start = at + 30 + name_length + extra_length
        end = start + info.compress_size
        if end > len(data) or end > (getattr(info, "_end_offset", None) or end):
            return None
        try:  # the name in the local header, read as zipfile reads it
            name = data[at + 30 : at + 30 + name_length].decode("utf-8" if local_flags & _UTF8_NAME else "cp437")
        except UnicodeDecodeError:
            return None
        if name != info.orig_filename:
            return None
        inflater = _inflating.decompressobj(-15)
        try:
            xml = inflater.decompress(memoryview(data)[start:end], size)
        except _inflating.error:
            return None  # zipfile says what is wrong
        # The stream ends at the declared size with the declared CRC: exactly what zipfile gives.
        if not inflater.eof or len(xml) != size or _inflating.crc32(xml) != info.CRC:
            return None
        return xml


def _remember(key: tuple, data: bytes) -> None:
    if len(_KNOWN_PARTS) >= _KNOWN_PARTS_KEPT:
        _KNOWN_PARTS.clear()
    _KNOWN_PARTS[key] = data


# (directory entry, stored bytes) -> the part read whole, or b"" for a part whose prolog passed.
_KNOWN_PARTS: dict[tuple, bytes] = {}
_KNOWN_PARTS_KEPT = 256
_KNOWN_PART_BYTES = 64 * 1024  # stored and expanded; a form's parts are a few KB
_LOCAL_LENGTHS = struct.Struct("<HH")  # a local file header's name and extra field lengths, at offset 26
_LOCAL_FLAGS = struct.Struct("<H")  # a local file header's flags, at offset 6
_UTF8_NAME = 0x800
_FLAGS_FOR_ZIPFILE = 0x1 | 0x20 | 0x40  # encrypted, patched data, strong encryption: zipfile refuses them


def _read_checked(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """A whole part (its size checked by the zip-bomb guard), its prolog checked."""
    data = archive.read(info)
    if info.filename.lower().endswith(_XML_PARTS):
        _check_prolog(info.filename, data[:_PROLOG_BYTES])
    return data


def _check_prolog(name: str, head: bytes) -> None:
    root = _FIRST_ELEMENT.search(head)
    if _DOCTYPE.search(head, 0, root.start() if root else len(head)):
        raise ReadError("file-unreadable", reason=said("reason.xml-entities", part=name))


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


def _scan_sheet(xml: bytes, sheet_name: str, limits: Limits) -> dict[tuple[int, int], str]:
    """Refuse a sheet whose cells reach beyond the limits, before calamine reads it; return its
    error cells and formulas saved without a result.

    calamine allocates the whole rectangle from A1 to the farthest cell: one stray value
    in XFD1048576 asks for half a terabyte and aborts the process.
    """
    # One search for both namespace-prefix tests: a sheet without ":c" or ":f" has neither.
    prefixed = prefixed_formula = False
    if _PREFIXED_CELL_OR_FORMULA.search(xml) is not None:
        prefixed = _PREFIXED_CELL.search(xml) is not None
        prefixed_formula = None
    if not prefixed and _unusual_or_far_cell(limits.max_rows, limits.max_columns).search(xml) is None:
        return _blank_looking_cells(xml, prefixed, prefixed_formula)  # every cell written as usual, and well within the limits
    last_row, last_col = _xlsx_extent(xml, limits)
    if last_row > limits.max_rows:
        # the scan stopped early; for the message, the last row written (rows are in order)
        written = [int(n) for n in _ROW_NUMBER.findall(xml, max(0, len(xml) - 65536))]
        count = max([last_row, *written])
        raise ReadError("too-many-rows", count=count, limit=limits.max_rows, sheet=sheet_name)
    if last_col > limits.max_columns:
        raise ReadError("too-many-columns", count=last_col, limit=limits.max_columns, sheet=sheet_name)
    return _blank_looking_cells(xml, prefixed, prefixed_formula)


_PREFIXED_CELL = re.compile(rb":c")  # "x:c": cells under a namespace prefix (faster than `in` for two bytes)
_PREFIXED_FORMULA = re.compile(rb":f")
_PREFIXED_CELL_OR_FORMULA = re.compile(rb":[cf]")


@lru_cache(maxsize=8)
def _unusual_or_far_cell(max_rows: int, max_columns: int) -> re.Pattern[bytes]:
    """A cell tag not written `<c r="B12"`, or one whose reference has as many column letters
    as the widest allowed column or as many row digits as the last allowed row. When a sheet
    has none, every cell is within the limits without reading each reference: a reference
    with fewer letters (digits) than the limit's is a smaller column (row). One search, no
    object per cell; a sheet with such a cell is measured exactly (`_xlsx_extent`)."""
    letters = len(column_letters(max_columns))
    digits = len(str(max_rows))
    if letters < 2 or digits < 2:
        return re.compile(rb"<c[\s>/]")  # limits that small: every cell is measured
    # Written as "a cell tag not followed by a reference with fewer letters and fewer digits":
    # the same tags as "not the usual reference, or one with as many letters or digits", with
    # one look-ahead per cell instead of two alternatives.
    return re.compile(rb'<c(?! r="[A-Z]{1,%d}\d{1,%d}")[\s>/]' % (letters - 1, digits - 1))


def column_letters(number: int) -> str:
    """1 -> "A", 27 -> "AA" (the inverse of column_number)."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


_CELL_START = re.compile(rb"<(?:\w+:)?c[\s>]")
_CELL_REF = re.compile(rb"""\sr\s*=\s*["']([A-Za-z]+)(\d+)["']""")
_ERROR_TYPE = re.compile(rb"""\st\s*=\s*["']e["']""")
_ERROR_TYPE_BEFORE = re.compile(rb"""\st\s*=\s*$""")
_FORMULA_START = re.compile(rb"<(?:\w+:)?f[\s>/]")
_PLAIN_FORMULA_END = re.compile(rb"f[\s>/]")  # after "<": a formula's tag without namespace prefixes
_QUOTED_E_END = re.compile(rb"""e(["'])""")  # after the same quote: a quoted "e"
_VALUE = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")
_FORMULA = re.compile(rb"<(?:\w+:)?f(?:\s[^>]*)?(?:/>|>([^<]*)</(?:\w+:)?f>)")
_CELL_OPENINGS = (b"<c ", b"<c>", b"<c\t", b"<c\n", b"<c\r")


def _blank_looking_cells(xml: bytes, prefixed: bool | None = None, prefixed_formula: bool | None = None) -> dict[tuple[int, int], str]:
    """Cells calamine reads as blank that are not: error values (t="e") and formulas saved
    without a result. Only the (usually few) formula and error cells are looked at: the
    scan starts from each `<f` and `t="e"` inside the sheet's cells, never walks every cell.

    `<f` and `"e"` are searched from their rarer byte ("f" and "e" followed by their end; "<"
    and quotes are in every tag), the byte before checked: the same positions."""
    begin, end = xml.find(b"sheetData"), xml.rfind(b"sheetData")
    if begin == -1:
        return {}
    if prefixed is None:
        prefixed = _PREFIXED_CELL.search(xml) is not None
    if prefixed or (prefixed_formula if prefixed_formula is not None else _PREFIXED_FORMULA.search(xml)):
        starts = {m.start() for m in _FORMULA_START.finditer(xml, begin, end)}
    else:
        starts = {m.start() - 1 for m in _PLAIN_FORMULA_END.finditer(xml, begin + 1, end) if xml[m.start() - 1] == 60}  # "<"
    for m in _QUOTED_E_END.finditer(xml, begin + 1, end):  # each "e" or 'e' whole within begin..end
        at = m.start() - 1
        if xml[at] == m.group(1)[0] and _ERROR_TYPE_BEFORE.search(xml, max(0, at - 32), at):
            starts.add(at)
    if not starts:
        return {}
    found: dict[tuple[int, int], str] = {}
    for at in sorted(starts):
        begin = _last_cell_start(xml, at, prefixed)
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


def _last_cell_start(xml: bytes, before: int, prefixed: bool = True) -> int:
    """Where the `<c ...>` tag enclosing position `before` starts (-1 when none)."""
    if not prefixed:  # no namespace prefixes ("x:c"): the nearest opening, found backwards
        return max(xml.rfind(opening, 0, before + 1) for opening in _CELL_OPENINGS)
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
# Every cell tag; the reference (letters, digits) and the empty mark are filled only when the
# tag is written as above, else the letters are empty and the sheet is read by position.
_ANY_CELL = re.compile(rb"""<c(?:[\s>/])(?:(?<=<c )r="([A-Z]+)(\d+)"[^>/]*(/?)>)?""")
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
    widest = b""
    while start < len(xml) and last_row <= limits.max_rows and last_col <= limits.max_columns:
        end = xml.find(b"<", start + _CHUNK)
        end = len(xml) if end == -1 else end
        # one pass: every cell tag, with its reference when written the usual way
        cells = _ANY_CELL.findall(xml, start, end)
        cols, rows, empty = zip(*cells) if cells else ((), (), ())
        if b"" in cols:
            return _xlsx_extent_by_position(xml, limits)
        if b"/" in empty:  # style-only cells hold no value: calamine does not reach them
            cols, rows = [c for c, _, e in cells if not e], [r for _, r, e in cells if not e]
        # Column letters compare as numbers by length, then alphabetically ("Z" < "AA").
        letters = max(set(cols), key=lambda c: (len(c), c), default=b"")
        if rows:
            last_row = max(last_row, max(map(int, rows)))
        if (len(letters), letters) > (len(widest), widest):
            widest = letters
            last_col = column_number(widest)
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


def _xlsx_sheet_parts(whole: dict[str, bytes], members: dict[str, zipfile.ZipInfo]) -> dict[str, str]:
    """Worksheet part name -> sheet name, from xl/workbook.xml and its relationships (read whole,
    their prologs checked: no DTD, so the standard parser expands no entity)."""
    workbook, rels = whole.get("xl/workbook.xml"), whole.get("xl/_rels/workbook.xml.rels")
    parts = _named_parts(workbook, rels) if workbook is not None and rels is not None else {}
    if not parts:  # unusual relationships: scan every worksheet part, named by its file
        parts = {posixpath.normpath(n): posixpath.basename(n) for n in members if n.startswith("xl/worksheets/")}
    return parts


def _named_parts(workbook_xml: bytes, rels_xml: bytes) -> dict[str, str]:
    """The worksheet parts the workbook names, by their bytes: the offices' files come from a
    few templates, so the same two small documents are parsed once, not once a file."""
    if len(workbook_xml) + len(rels_xml) > _PARTS_BYTES:
        return _parse_named_parts(workbook_xml, rels_xml)  # not kept: an unusual workbook
    key = (workbook_xml, rels_xml)
    parts = _PARTS.get(key)
    if parts is None:
        parts = _parse_named_parts(workbook_xml, rels_xml)
        if len(_PARTS) >= _PARTS_KEPT:
            _PARTS.clear()
        _PARTS[key] = parts
    return dict(parts)


_PARTS: dict[tuple[bytes, bytes], dict[str, str]] = {}
_PARTS_KEPT = 64
_PARTS_BYTES = 64 * 1024


def _parse_named_parts(workbook_xml: bytes, rels_xml: bytes) -> dict[str, str]:
    try:
        workbook = ElementTree.fromstring(workbook_xml)
        rels = ElementTree.fromstring(rels_xml)
    except Exception as exc:  # bad XML
        raise ReadError("file-unreadable", reason="xl/workbook.xml: " + short_reason(exc)) from exc
    parts = {}
    targets = {rel.get("Id"): rel.get("Target") or "" for rel in rels}
    for element in workbook.iter():
        if not str(element.tag).endswith("}sheet") and element.tag != "sheet":
            continue
        rid = next((v for k, v in element.attrib.items() if k.endswith("}id")), None)
        target = targets.get(rid)
        if target:
            part = target[1:] if target.startswith("/") else posixpath.join("xl", target)
            parts[posixpath.normpath(part)] = element.get("name") or part
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


def os_reason(error: OSError) -> dict[str, Said]:
    """Why the system would not let vwu read a file or folder, in the officer's words: the
    `reason` parameter (both languages) of file-unreadable and folder-unreadable."""
    key = _OS_REASONS.get(error.errno)  # type: ignore[arg-type]
    if key is None:
        raw = short_reason(OSError(error.errno, error.strerror)) if error.strerror else short_reason(error)
        return {"reason": Said(raw, raw)}
    return {"reason": said(key)}
