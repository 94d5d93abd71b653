"""The consolidated workbook: summary first, one sheet per indicator with the unit tree as
outline-grouped rows, then charts, targets, completeness, warnings and outliers.

XlsxWriter writes it: styles, column widths, frozen panes, outline levels, printing, native
charts and the cells, in row order. Every piece of text is written as a string cell, never as
a formula: unit names and cell values come from submissions, and "=HYPERLINK(...)" typed by an
office must stay text.

A national workbook has about 360,000 cells; XlsxWriter's per-cell calls (argument checks,
dimensions, one XML element built attribute by attribute) took most of its time. `_Sheet`
therefore stores a row's cells in the worksheet's table itself, with XlsxWriter's own checks
(bounds, string length) done once a row, and `_FastWorksheet` writes the cells' XML one
string a cell: the same file, byte for byte, as XlsxWriter's public calls write
(`write_workbook(..., fast=False)`; tests/test_speed.py compares the two).
"""

from __future__ import annotations

import io
import math
import re
import zipfile
import zlib
from pathlib import Path
from typing import NamedTuple

import numpy as np
import xlsxwriter
import xlsxwriter.exceptions
import xlsxwriter.workbook
from xlsxwriter.packager import Packager
from xlsxwriter.sharedstrings import SharedStrings
from xlsxwriter.utility import xl_cell_to_rowcol, xl_col_to_name
from xlsxwriter.worksheet import (
    CellBlankTuple,
    CellNumberTuple,
    CellStringTuple,
    RowInfo,
    Worksheet,
    _utf16_len,
    _utf16_truncate,
)
from zlib_ng import zlib_ng

from vwu_pipeline.core.collector import paused_collector
from vwu_pipeline.core.documents import VWU_OUTPUT_PROPERTY
from vwu_pipeline.core.indicators import Measure, measures
from vwu_pipeline.core.messages import text
from vwu_pipeline.core.outputs import replacing
from vwu_pipeline.report import presentation as p
from vwu_pipeline.report.result import AggregateResult

INTEGER = "#,##0"
PERCENT = "0.0%"
DECIMAL = "#,##0.00"
ACHIEVED = "#,##0.0%"  # % of a target: 1,300.0% happens
PARTIAL_MARK = '"*"'  # appended to the number format of a figure built from partial data
# Formats are named pieces of XlsxWriter format properties, combined and registered once.
BOLD = {"bold": True}
TITLE = {"bold": True, "font_size": 14}
WARN = {"bold": True, "font_color": "#C00000"}
HEADER_FILL = {"pattern": 1, "bg_color": "#DDEBF7"}
HEADER_ALIGN = {"text_wrap": True, "valign": "vcenter", "align": "center"}
WRAP = {"text_wrap": True}
INDENT = [{"align": "left", "indent": level} for level in range(8)]
MAX_LISTED = 30  # missing units listed in one cell before "and N more"
SUMMARY_LISTED = 5  # ... on the summary sheet, which points to the completeness sheet
_SHEET_FORBIDDEN = str.maketrans({c: " " for c in "[]:*?/\\"})
_CM = 96 / 2.54  # pixels a centimetre, as XlsxWriter sizes charts in pixels


class _Book:
    """The workbook being written: XlsxWriter's workbook, its sheet titles, its formats."""

    def __init__(self, path: Path, fast: bool = True) -> None:
        self.fast = fast
        self.workbook = (_FastWorkbook if fast else xlsxwriter.Workbook)(
            str(path),
            {
                # Text stays text, whatever it looks like (write_string is used throughout too).
                "strings_to_formulas": False,
                "strings_to_numbers": False,
                "strings_to_urls": False,
            },
        )
        # Marks the file as vwu's output: put back in the inbox, ingest refuses it (vwu-output)
        # instead of letting the totals replace the units' own submissions.
        self.workbook.set_custom_property(VWU_OUTPUT_PROPERTY, "vwu report")
        self.used: set[str] = set()  # sheet titles, lower case
        self._formats: dict[tuple, object] = {}

    def title(self, text: str) -> str:
        """A valid, unique sheet title (31 characters, none of []:*?/\\, no apostrophe at either end)."""
        title = " ".join(text.translate(_SHEET_FORBIDDEN).split())[:31].strip("'").strip() or "Sheet"
        base, n = title, 2
        while title.lower() in self.used:
            title = f"{base[:28]} {n}"
            n += 1
        self.used.add(title.lower())
        return title

    def style(self, font: dict | None, align: dict | None, fmt: str | None, fill: dict | None):
        """The XlsxWriter format of a combination, registered once (None: the default)."""
        key = (id(font), id(align), fmt, id(fill))
        if key not in self._formats:
            props: dict = {}
            for part in (font, align, fill):
                if part:
                    props.update(part)
            if fmt:
                props["num_format"] = fmt
            self._formats[key] = self.workbook.add_format(props) if props else None
        return self._formats[key]

    def save(self) -> None:
        try:
            self.workbook.close()
        except xlsxwriter.exceptions.FileCreateError as exc:  # wraps the OSError (full disk, no permission)
            cause = exc.args[0] if exc.args else None
            raise cause if isinstance(cause, OSError) else OSError(str(exc)) from exc


class _Sheet:
    """One sheet: its frame (widths, panes, outline, printing) set up front, then its rows,
    written in order by `append` from cells made by `text` and `number`."""

    def __init__(self, book: _Book, title: str, widths: list[float], freeze: str | None = None, charted: bool = False):
        self.book = book
        self.ws = book.workbook.add_worksheet(book.title(title), _FastWorksheet if book.fast else None)
        # a row's cells as their XML at once, unless native charts read the cells back (their
        # cached values come from XlsxWriter's table of cells)
        self.direct = book.fast and not charted
        self.name = self.ws.get_name()
        # Subtotal rows sit above their units; Excel's level buttons 1, 2, 3... follow the
        # deepest level written.
        self.ws.outline_settings(True, False, True, False)
        for index, width in enumerate(widths):
            self.ws.set_column(index, index, width)
        if freeze:
            row, col = xl_cell_to_rowcol(freeze)
            self.ws.freeze_panes(row, col)
            self.ws.repeat_rows(0, row - 1)  # the header on every page
        # Printed landscape, one page wide.
        self.ws.set_landscape()
        self.ws.set_paper(9)  # A4
        self.ws.fit_to_pages(1, 0)
        self.row = -1

    def append(self, cells: list[tuple | None], level: int = 0, height: float | None = None) -> None:
        """A row of cells made by `text` and `number` (None: an empty cell): each is its kind
        (_TEXT, _NUMBER, _BLANK), its value and its format."""
        self.row += 1
        ws, row = self.ws, self.row
        if level or height:
            ws.set_row(row, height, None, {"level": min(level, 7)} if level else None)
        if not self.book.fast:
            self._write_each(cells)  # XlsxWriter's public calls
            return
        if row >= ws.xls_rowmax:
            return  # as write_string/write_number: a cell outside the sheet is not written (-1)
        cells = cells[: ws.xls_colmax]  # ... nor one right of its last column
        if self.direct:
            self._append_xml(cells)
            return
        stored: dict = {}
        strings = ws.str_table._get_shared_string_index
        strmax = ws.xls_strmax
        for col, cell in enumerate(cells):
            if cell is None:
                continue
            kind, value, style = cell
            if kind is _NUMBER:
                stored[col] = CellNumberTuple(value, style)
            elif kind is _TEXT:
                if len(value) > strmax // 2 and _utf16_len(value) > strmax:  # as write_string: Excel's limit
                    value = _utf16_truncate(value, strmax)
                stored[col] = CellStringTuple(strings(value), style)
            elif style is not None:  # write_blank ignores a blank cell without a format
                stored[col] = CellBlankTuple(style)
            if style:  # numbered in the order XlsxWriter meets them, as the direct rows' are
                style._get_xf_index()
        if not stored:
            return
        ws.table[row].update(stored)
        self._extent(min(stored), max(stored))

    def _append_xml(self, cells: list[tuple | None]) -> None:
        """The row's <c> elements, as `Worksheet._write_cell` writes them for the same cells."""
        ws, row = self.ws, self.row
        strings = ws.str_table._get_shared_string_index
        strmax = ws.xls_strmax
        info = ws.row_info.get(row)
        number = str(row + 1)
        parts = []
        first = last = -1
        for col, cell in enumerate(cells):
            if cell is None:
                continue
            kind, value, style = cell
            if style:
                shown = f' r="{_LETTERS[col]}{number}" s="{style._get_xf_index()}"'
            elif kind is _BLANK:
                continue  # write_blank ignores a blank cell without a format
            elif info is not None and info.row_format:
                shown = f' r="{_LETTERS[col]}{number}" s="{info.row_format._get_xf_index()}"'
            elif col in ws.col_info and ws.col_info[col].column_format is not None:
                shown = f' r="{_LETTERS[col]}{number}" s="{ws.col_info[col].column_format._get_xf_index()}"'
            else:
                shown = f' r="{_LETTERS[col]}{number}"'
            if kind is _NUMBER:
                parts.append(f"<c{shown}><v>{value:.16G}</v></c>")
            elif kind is _TEXT:
                if len(value) > strmax // 2 and _utf16_len(value) > strmax:  # as write_string: Excel's limit
                    value = _utf16_truncate(value, strmax)
                parts.append(f'<c{shown} t="s"><v>{strings(value)}</v></c>')
            else:
                parts.append(f"<c{shown}/>")
            if first < 0:
                first = col
            last = col
        if first < 0:
            return
        ws.rows_xml[row] = "".join(parts)
        ws.columns_of_row[row] = (first, last)
        self._extent(first, last)

    def _extent(self, first: int, last: int) -> None:
        """The dimensions write_string/write_number keep, for this row's cells."""
        ws, row = self.ws, self.row
        ws.dim_rowmin = row if ws.dim_rowmin is None or row < ws.dim_rowmin else ws.dim_rowmin
        ws.dim_rowmax = row if ws.dim_rowmax is None or row > ws.dim_rowmax else ws.dim_rowmax
        ws.dim_colmin = first if ws.dim_colmin is None or first < ws.dim_colmin else ws.dim_colmin
        ws.dim_colmax = last if ws.dim_colmax is None or last > ws.dim_colmax else ws.dim_colmax

    def _write_each(self, cells: list[tuple | None]) -> None:
        ws, row = self.ws, self.row
        for col, cell in enumerate(cells):
            if cell is not None:
                kind, value, style = cell
                if kind is _NUMBER:
                    ws.write_number(row, col, value, style)
                elif kind is _TEXT:
                    ws.write_string(row, col, value, style)
                else:
                    ws.write_blank(row, col, None, style)

    def text(self, value: object, font: dict | None = None, align: dict | None = None, fill: dict | None = None) -> tuple | None:
        text = _ILLEGAL.sub("", "" if value is None else str(value))
        if not text:
            return (_BLANK, None, self.book.style(font, align, None, fill)) if fill else None  # an empty cell
        return (_TEXT, text, self.book.style(font, align, None, fill))

    def number(self, value: float | None, fmt: str = INTEGER, font: dict | None = None) -> tuple | None:
        if value is None or not math.isfinite(value):
            return None
        return (_NUMBER, float(value), self.book.style(font, None, fmt, None))

    def header(self, labels: list[str], height: float = 32) -> None:
        self.append([self.text(label, BOLD, HEADER_ALIGN, HEADER_FILL) for label in labels], height=height)


_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # not allowed in XML 1.0
_TEXT, _NUMBER, _BLANK = "text", "number", "blank"  # a cell's kind, for `_Sheet.append`


class _FastWorksheet(Worksheet):
    """XlsxWriter's worksheet with its <sheetData> written one string a cell, or one a row
    (`rows_xml`, made by `_Sheet._append_xml`), instead of one element built attribute by
    attribute: the same bytes as `Worksheet._write_rows` for the cells vwu writes (numbers,
    shared strings, formatted blanks); any other cell, a sheet with comments or one written in
    constant-memory mode goes through XlsxWriter's own code."""

    def __init__(self) -> None:
        super().__init__()
        self.rows_xml: dict[int, str] = {}  # row -> its <c> elements
        self.columns_of_row: dict[int, tuple[int, int]] = {}  # row -> its first and last cell's column

    def _write_rows(self) -> None:
        if self.comments or self.constant_memory:
            super()._write_rows()
            return
        if self.rows_xml:
            self._write_rows_xml()
            return
        self._calculate_spans()
        table, row_info, col_info, spans = self.table, self.row_info, self.col_info, self.row_spans
        write = self.fh.write
        for row in range(self.dim_rowmin, self.dim_rowmax + 1):
            cells = table.get(row)
            info = row_info.get(row)
            if not cells:
                if info is not None:  # a blank row with attributes only
                    self._write_empty_row(row, spans.get(row // 16), info)
                continue
            self._write_row(row, spans.get(row // 16), info)
            number = str(row + 1)
            parts = []
            for col in sorted(cells):
                cell = cells[col]
                style = cell.format
                if style:
                    attributes = f' r="{_LETTERS[col]}{number}" s="{style._get_xf_index()}"'
                elif info is not None and info.row_format:
                    attributes = f' r="{_LETTERS[col]}{number}" s="{info.row_format._get_xf_index()}"'
                elif col in col_info and col_info[col].column_format is not None:
                    attributes = f' r="{_LETTERS[col]}{number}" s="{col_info[col].column_format._get_xf_index()}"'
                else:
                    attributes = f' r="{_LETTERS[col]}{number}"'
                kind = cell.__class__
                if kind is CellNumberTuple:
                    parts.append(f"<c{attributes}><v>{cell.number:.16G}</v></c>")
                elif kind is CellStringTuple:
                    parts.append(f'<c{attributes} t="s"><v>{cell.string}</v></c>')
                elif kind is CellBlankTuple:
                    parts.append(f"<c{attributes}/>")
                else:  # a kind vwu does not write: XlsxWriter's own element
                    write("".join(parts))
                    parts.clear()
                    self._write_cell(row, col, cell)
            parts.append("</row>")
            write("".join(parts))

    def _write_rows_xml(self) -> None:
        if any(self.table.values()):  # cells written the other way too: XlsxWriter's order is the table's
            raise RuntimeError("a sheet's cells are written either as XML rows or into the table, not both")
        # each block of 16 rows spans its cells' first to last column ("spans", as _calculate_spans)
        blocks: dict[int, list[int]] = {}
        for row, (first, last) in self.columns_of_row.items():
            block = blocks.get(row >> 4)
            if block is None:
                blocks[row >> 4] = [first, last]
                continue
            if first < block[0]:
                block[0] = first
            if last > block[1]:
                block[1] = last
        spans = {block: f"{low + 1}:{high + 1}" for block, (low, high) in blocks.items()}
        self.row_spans = spans
        rows_xml, row_info = self.rows_xml, self.row_info
        write = self.fh.write
        # a <row> element's attributes after its number, as `_write_row` writes them, once for
        # each (spans, RowInfo) met: ten thousand rows share a handful (one RowInfo an outline
        # level); each RowInfo stays in row_info meanwhile, so its id names it
        opened: dict[tuple, str] = {}
        parts: list[str] = []
        for row in range(self.dim_rowmin, self.dim_rowmax + 1):
            cells = rows_xml.get(row)
            info = row_info.get(row)
            if cells is None:
                if info is not None:  # a blank row with attributes only
                    write("".join(parts))
                    parts.clear()
                    self._write_empty_row(row, spans.get(row // 16), info)
                continue
            span = spans.get(row // 16)
            key = (span, id(info))
            rest = opened.get(key)
            if rest is None:
                rest = opened[key] = self._row_attributes(row, span, info)
            parts.append(f'<row r="{row + 1}"{rest}{cells}</row>')
        write("".join(parts))

    def _row_attributes(self, row: int, spans: str | None, info: RowInfo | None) -> str:
        """What `_write_row` writes after `<row r="N"` for these spans and attributes."""
        fh = self.fh
        self.fh = written = io.StringIO()
        try:
            self._write_row(row, spans, info)
        finally:
            self.fh = fh
        start = f'<row r="{row + 1}"'
        tag = written.getvalue()
        if not tag.startswith(start):  # XlsxWriter changed how it writes a row
            raise RuntimeError(f"unexpected <row> element: {tag}")
        return tag[len(start) :]


class _FastWorkbook(xlsxwriter.Workbook):
    """XlsxWriter's workbook, its shared strings written by `_FastSharedStrings`, its parts
    deflated by zlib-ng (`_DeflatingZipFile`)."""

    def _get_packager(self) -> Packager:
        return _FastPackager()

    def _store_workbook(self) -> None:
        # XlsxWriter makes its zip file by the name it imported; ours for this call only (any
        # other XlsxWriter workbook, a template, keeps zipfile's own)
        module = xlsxwriter.workbook
        module.ZipFile = _DeflatingZipFile
        try:
            super()._store_workbook()
        finally:
            module.ZipFile = zipfile.ZipFile


# zlib-ng's level 5: the national workbook's 15 MB of XML deflated in ≈ 0.12 s instead of zlib's
# default level's ≈ 0.35 s, 0.4 % larger (1,899,479 against 1,891,474 bytes)
DEFLATE_LEVEL = 5


class _DeflatingZipFile(zipfile.ZipFile):
    """zipfile's ZipFile whose deflated members are compressed by zlib-ng (zlib's format: any
    reader of xlsx reads them) instead of zlib; everything else (headers, CRC, sizes, zip64,
    directory) is zipfile's own. Where zipfile's writer differs from what is expected, zipfile
    deflates as usual."""

    def _open_to_write(self, zinfo: zipfile.ZipInfo, force_zip64: bool = False):
        writer = super()._open_to_write(zinfo, force_zip64)
        if zinfo.compress_type == zipfile.ZIP_DEFLATED and hasattr(writer, "_compressor"):
            writer._compressor = zlib_ng.compressobj(DEFLATE_LEVEL, zlib.DEFLATED, -15)
        return writer


class _FastPackager(Packager):
    def _write_shared_strings_file(self) -> None:
        """As `Packager._write_shared_strings_file`, with `_FastSharedStrings`."""
        sst = _FastSharedStrings()
        sst.string_table = self.workbook.str_table
        if not self.workbook.str_table.count:
            return
        sst._set_xml_writer(self._filename("xl/sharedStrings.xml"))
        sst._assemble_xml_file()


# what makes `SharedStrings._write_si` write a string other than as <si><t>string</t></si>: an
# escape (control characters, Excel's own "_xHHHH_", XML's "&<>" and the quote and newline it
# looks for), whitespace to preserve at either end, a rich string "<r>...</r>"
_SPECIAL_STRING = re.compile(r'_x|[\x00-\x08\x0b-\x1f\ufffe\uffff"&<>\n]|^\s|\s$')


class _FastSharedStrings(SharedStrings):
    """The <si> elements of a national workbook's 20,000 strings joined in one write: those
    without anything to escape or preserve as they are, any other through XlsxWriter's own
    `_write_si` (the same bytes; tests/test_speed.py compares the two)."""

    def _write_sst_strings(self) -> None:
        plain: list[str] = []
        special = _SPECIAL_STRING.search
        for string in self.string_table.string_array:
            if isinstance(string, str) and special(string) is None:
                plain.append(f"<si><t>{string}</t></si>")
                continue
            self.fh.write("".join(plain))
            plain.clear()
            self._write_si(string)
        self.fh.write("".join(plain))


class _ColumnLetters(dict):
    """A column's letters (0: A, 26: AA), each computed once when first asked for."""

    def __missing__(self, col: int) -> str:
        self[col] = letters = xl_col_to_name(col)
        return letters


_LETTERS = _ColumnLetters()


def _fmt(measure: Measure, partial: bool = False) -> str:
    """A figure's number format; built from partial data it shows "*" after the figure (the
    value stays a number), as the legend under the title explains."""
    fmt = (PERCENT if measure.percent else DECIMAL) if measure.kind == "ratio" else INTEGER
    return fmt + PARTIAL_MARK if partial else fmt


SIGNED_PERCENT = "+0.0%;-0.0%;0.0%"  # a relative change, with its sign


def _change(measure: Measure, change: float | None, lang: str) -> tuple[float | None, str]:
    """A change as the workbook writes it, with its sign, as in the Markdown: counts "+6.332", a
    percent rate's in percentage points ("+0,8 điểm %": the cell holds 0.8), a decimal ratio's
    in its own unit; rounded as shown, so no "-0,0" is ever written."""
    if change is None or not math.isfinite(change):
        return None, INTEGER
    if measure.kind == "ratio" and measure.percent:
        points = '" ' + text("report.percentage-points", lang).replace('"', "") + '"'
        return _no_negative_zero(change * 100, 1), f"+0.0{points};-0.0{points};0.0{points}"
    if measure.kind == "ratio":
        return _no_negative_zero(change, 2), "+#,##0.00;-#,##0.00;0.00"
    return change, "+#,##0;-#,##0;0"


def _change_pct(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else _no_negative_zero(value, 3)


def _no_negative_zero(value: float, decimals: int) -> float:
    """The value, or 0 when it would be shown as "-0,0" (the cell keeps its full precision else)."""
    return 0.0 if round(value, decimals) == 0 else value


def _listed(units: list[tuple[str, str]], lang: str, limit: int = MAX_LISTED) -> str:
    shown = [f"{name} ({code})" for code, name in units[:limit]]
    if len(units) > limit:
        shown.append(p.t(lang, "and_more", n=len(units) - limit))
    return "; ".join(shown)


def _height(text: str, width: float) -> float | None:
    """Row height for wrapped text: not every reader fits rows to their text on opening."""
    lines = math.ceil(len(text) / max(width - 2, 1)) + (len(text) > width)  # a line spare: fonts differ
    return 15.0 * lines if lines > 1 else None


def write_workbook(result: AggregateResult, path: Path, lang: str = "vi", *, fast: bool = True) -> Path:
    """Write the consolidated workbook of `result` (national, or one unit's via `for_unit`);
    `fast=False` writes every cell through XlsxWriter's public calls (the same file, slower)."""
    path = Path(path)
    with replacing(path) as partial, paused_collector():  # readers never see half a workbook
        book = _Book(partial, fast)
        book.workbook.set_properties({"author": "vwu", "title": p.title(result, lang)})
        _summary_sheet(book, result, lang)
        _chart_sheet(book, result, lang)
        for indicator in result.catalog.indicators:
            _indicator_sheet(book, result, indicator, lang)
        _targets_sheet(book, result, lang)
        _reform_sheet(book, result, lang)
        _completeness_sheet(book, result, lang)
        _warnings_sheet(book, result, lang)
        _outliers_sheet(book, result, lang)
        book.save()
    return path


def _summary_sheet(book: _Book, result: AggregateResult, lang: str) -> None:
    s = _Sheet(book, p.t(lang, "summary"), [30, 52, 17, 17, 17, 17, 34])
    s.append([s.text(p.t(lang, "union"), BOLD)])
    s.append([s.text(p.title(result, lang), TITLE)], height=22)
    s.append([s.text(f"{p.t(lang, 'scope')}: {p.scope_name(result, lang)}", BOLD)])
    s.append([s.text(p.t(lang, "generated", at=p.stamp(result.aggregated_at, lang), tree=p.tree_label(result, lang)))])
    if p.has_partial_marks(result):
        s.append([s.text(p.t(lang, "partial_note"), WARN)])
    s.append([])

    s.append([s.text(f"1. {p.t(lang, 'headline')}", BOLD)])
    previous = p.previous_label(result, lang)
    s.header(
        [
            p.t(lang, "indicator"),
            p.t(lang, "measure"),
            p.period_label(result, lang),
            previous,
            p.t(lang, "change"),
            p.t(lang, "change_pct"),
            p.t(lang, "note"),
        ]
    )
    for row in p.headline(result):
        change, change_fmt = _change(row.measure, row.change, lang)
        note = _headline_note(result, row, lang)
        s.append(
            [
                s.text(row.indicator.title(lang)),
                s.text(row.measure.label(lang), align=WRAP),
                s.number(row.value, _fmt(row.measure, row.partial)),
                s.number(row.previous, _fmt(row.measure, row.previous_partial)),
                s.number(change, change_fmt),
                s.number(_change_pct(row.change_pct), SIGNED_PERCENT),
                s.text(note, align=WRAP),
            ],
            height=_height(note, 34),  # the note wraps: rows fitted to it
        )
    s.append([])

    s.append([s.text(f"2. {p.t(lang, 'targets')}", BOLD)])
    s.header(
        [
            p.t(lang, "unit"),
            p.t(lang, "measure"),
            p.t(lang, "target"),
            p.t(lang, "achieved"),
            p.t(lang, "achieved_pct"),
            p.t(lang, "assessment"),
            p.t(lang, "note"),
        ]
    )
    rows = p.target_rows(result, lang)
    own = [r for r in rows if r.unit_code == result.root]
    for row in own:
        fmt = _fmt(row.measure)
        s.append(
            [
                s.text(row.unit_name),
                s.text(row.measure.label(lang), align=WRAP),
                s.number(row.target, fmt),
                s.number(row.achieved, _fmt(row.measure, row.partial)),
                s.number(row.ratio, ACHIEVED),
                s.text(row.assessment(lang), *_assessment_style(row)),
                s.text(p.partial_text(result, lang, **result.coverage(row.indicator.name)) if row.partial else ""),
            ]
        )
    # Targets set per unit below the root: how many units met each one.
    below: dict[str, list[p.TargetRow]] = {}
    for row in rows:
        if row.unit_code != result.root:
            below.setdefault(row.measure.name, []).append(row)
    for group in below.values():
        met = sum(r.met for r in group)
        missed = [(r.unit_code, r.unit_name) for r in group if r.status == p.NOT_MET]
        targets = {r.target for r in group}
        s.append(
            [
                s.text(p.t(lang, "each_unit", n=len(group))),
                s.text(group[0].measure.label(lang), align=WRAP),
                s.number(targets.pop() if len(targets) == 1 else None, _fmt(group[0].measure)),
                None,
                s.number(met / len(group), PERCENT),
                s.text(p.target_tally(group, lang), BOLD if not missed else WARN, WRAP),
                s.text(f"{p.t(lang, 'not_met')}: {_listed(missed, lang, SUMMARY_LISTED)}" if missed else "", align=WRAP),
            ],
            height=_height(_listed(missed, lang, SUMMARY_LISTED), 34),
        )
    s.append([])

    s.append([s.text(f"3. {p.t(lang, 'completeness')}", BOLD)])
    s.header(
        [
            p.t(lang, "indicator"),
            p.t(lang, "missing_units"),
            p.count_header(result, lang, "expected"),
            p.count_header(result, lang, "submitted"),
            p.t(lang, "rate"),
            p.t(lang, "grassroots_reported"),
            p.t(lang, "grassroots_expected"),
        ]
    )
    for indicator in result.catalog.indicators:
        cov = result.coverage(indicator.name)
        missing = [(u.code, u.name) for u in result.missing(indicator.name)]
        listed = _listed(missing, lang, SUMMARY_LISTED) if missing else p.t(lang, "none")
        s.append(
            [
                s.text(indicator.title(lang)),
                s.text(listed, align=WRAP),
                s.number(cov["expected"]),
                s.number(cov["submitted"]),
                s.number(cov["submitted"] / cov["expected"] if cov["expected"] else None, PERCENT),
                s.number(cov["grassroots_reported"]),
                s.number(cov["grassroots_expected"]),
            ],
            height=_height(listed, 52),
        )
    s.append([])

    s.append([s.text(f"4. {p.t(lang, 'warnings')}", BOLD)])
    s.append([s.text(p.t(lang, "count_warnings", n=len(result.warnings)))])
    s.append([s.text(p.t(lang, "count_outliers", n=len(result.outliers)))])


def _headline_note(result: AggregateResult, row: p.FigureRow, lang: str) -> str:
    """Partial marks of both years and what the change compares, in one cell."""
    notes = [
        p.partial_text(result, lang, **result.coverage(row.indicator.name)) if row.partial else "",
        p.t(lang, "partial_previous_note", previous=(result.previous_period or result.period.previous()).label(lang))
        if row.previous_partial
        else "",
        *p.figure_notes(result, row, lang),
    ]
    text = "; ".join(n for n in notes if n)
    return text[:1].upper() + text[1:]


def _indicator_sheet(book: _Book, result: AggregateResult, indicator, lang: str) -> None:
    shown = measures(indicator)
    table = p.indicator_table(result, indicator, lang)
    # The unit column fits the longest indented name; figure headers wrap over three lines.
    name_width = min(max((len(name) + 2 * depth for name, depth in zip(table.names, table.depths)), default=20) + 3, 60)
    s = _Sheet(book, indicator.short_title(lang), [10, max(name_width, 20), 11, *[18] * len(shown), 36], freeze="D3")
    title = f"{indicator.title(lang)} — {p.period_label(result, lang)} — {p.scope_name(result, lang)}"
    s.append([s.text(title, TITLE)], height=22)
    s.header([p.t(lang, "code"), p.t(lang, "unit"), p.t(lang, "level"), *[m.label(lang) for m in shown], p.t(lang, "note")], height=62)
    # ten thousand rows of a few kinds: each kind's formats and labels looked up once
    labels = {level: p.level_label(level, lang) for level in dict.fromkeys(table.levels)}
    number_styles = {
        (partial, bold): [book.style(BOLD if bold else None, None, _fmt(m, partial), None) for m in shown]
        for partial in (False, True)
        for bold in (False, True)
    }
    notes = table.part_year
    if any(table.partial):  # "Số liệu chưa đủ (2/696 đơn vị báo cáo)", then the part-year note
        said: dict[tuple[int, int], str] = {}
        notes = list(notes)
        for k, code in enumerate(table.codes):
            if table.partial[k]:
                counts = table.counts[code]
                if counts not in said:
                    said[counts] = p.partial_text(result, lang, submitted=counts[0], expected=counts[1])
                notes[k] = "; ".join(note for note in (said[counts], notes[k]) if note)
    columns = _UnitColumns(
        table.codes,
        table.names,
        [labels[level] for level in table.levels],
        table.depths,
        table.has_children,
        table.figures,
        table.partial,
        notes,
    )
    if s.direct and _RowTemplates.fits(s, len(columns.codes), 4 + len(shown)):
        finite = np.isfinite(table.array).astype(np.int64)
        present = (finite << np.arange(len(shown), dtype=np.int64)).sum(axis=1).tolist()
        _RowTemplates(s, number_styles).append_units(columns, present)
        return
    for code, name, label, depth, bold, figures, partial, note in zip(*columns):
        font = BOLD if bold else None
        s.append(
            [
                s.text(code, font),
                s.text(name, font, INDENT[min(depth, 7)]),
                s.text(label, font),
                *[
                    (_NUMBER, value, style) if math.isfinite(value) else None  # as `number`
                    for value, style in zip(figures, number_styles[partial, bold])
                ],
                s.text(note, WARN if note else None),
            ],
            level=depth,
        )


class _UnitColumns(NamedTuple):
    """An indicator sheet's unit rows, column by column (read only: lists may be shared)."""

    codes: list[str]
    names: list[str]
    labels: list[str]  # the level's label
    depths: list[int]
    bold: list[bool]  # a subtotal: units below it are listed
    figures: list[list[float]]  # NaN or infinite: no cell
    partial: list[bool]
    notes: list[str]


class _RowTemplates:
    """An indicator sheet's unit rows written as their XML, one `str.format` of a template a row:
    the rows are of a few shapes (bold or not, partial or not, indent, which figures and note
    there are), each shape's `<c>` elements built once, as `_Sheet._append_xml` builds them
    (formats made and numbered in the order its cells meet them), its row's number, shared
    strings and figures put in by `format`. `set_row`'s outline level is set as `set_row` sets
    it; `_FastWorksheet._write_rows_xml` writes the `<row>` elements."""

    def __init__(self, sheet: _Sheet, number_styles: dict[tuple[bool, bool], list]) -> None:
        self.sheet = sheet
        self.number_styles = number_styles
        self.templates: dict[tuple, tuple[str, tuple[int, int]]] = {}

    @staticmethod
    def fits(sheet: _Sheet, rows: int, columns: int) -> bool:
        """Rows and columns within the sheet's bounds, after a first cell (set_row's dimension
        check on a sheet without one differs), on a sheet whose rows have no format of their own."""
        ws = sheet.ws
        within = sheet.row + rows < ws.xls_rowmax and columns <= ws.xls_colmax
        return within and ws.dim_colmin is not None and not any(info.row_format for info in ws.row_info.values())

    def append_units(self, units: _UnitColumns, present: list[int]) -> None:
        """The unit rows, `present` a bit for each of a row's figures that is written (finite)."""
        sheet = self.sheet
        ws = sheet.ws
        count = len(units.codes)
        texts: list = [None] * (4 * count)  # row by row: code, name, level, note
        texts[0::4], texts[1::4], texts[2::4], texts[3::4] = units.codes, units.names, units.labels, units.notes
        if max(map(len, texts), default=0) > ws.xls_strmax // 2 or _ILLEGAL.search(" ".join(texts)):  # one search, seldom found
            texts = [_clean(text, ws.xls_strmax) for text in texts]
        # shared strings numbered as they are met, row by row
        strings = ws.str_table
        table = strings.string_table
        for string in dict.fromkeys(texts):  # new ones numbered in the order first met
            if string and string not in table:
                table[string] = len(table)
        indices = list(map(table.get, texts))  # "" is never a shared string: None, no cell
        strings.count += len(texts) - texts.count("")
        strings.unique_count = len(table)
        indents = [depth if depth < 7 else 7 for depth in units.depths]
        shapes = zip(units.bold, units.partial, indents, present, *[[text != "" for text in texts[i::4]] for i in range(4)])
        templates = self.templates
        rows_xml, columns_of_row, row_info, row_sizes = ws.rows_xml, ws.columns_of_row, ws.row_info, ws.row_sizes
        height = ws.default_row_height
        infos: dict[int, RowInfo] = {}  # outline level -> its RowInfo as set_row makes it (XlsxWriter never changes one)
        figures_count = len(units.figures[0]) if count else 0
        first_row = row = sheet.row + 1
        for shape, depth, code, name, label, note, figures in zip(
            shapes, units.depths, indices[0::4], indices[1::4], indices[2::4], indices[3::4], units.figures
        ):
            template = templates.get(shape)
            if template is None:
                template = templates[shape] = self._template(shape, figures_count)
            if depth:  # as set_row(row, None, None, {"level": min(depth, 7)}), which keeps 0 to 7
                info = infos.get(shape[2])
                if info is None:
                    level = shape[2] if shape[2] > 0 else 0
                    info = infos[shape[2]] = RowInfo(height=height, row_format=None, hidden=False, level=level, collapsed=False)
                row_info[row] = info
                row_sizes[row] = [height, False]
            if template[0]:
                rows_xml[row] = template[0].format(str(row + 1), code, name, label, note, *figures)
                columns_of_row[row] = template[1]
            row += 1
        sheet.row = row - 1
        if infos:
            ws.outline_row_level = max(ws.outline_row_level, *(info.level for info in infos.values()))
        # the dimensions that write_string/write_number and set_row keep: rows with cells or
        # set_row's attributes, columns of the cells
        top = next((r for r in range(first_row, row) if r in rows_xml or r in row_info), None)
        if top is not None:
            bottom = next(r for r in range(row - 1, top - 1, -1) if r in rows_xml or r in row_info)
            ws.dim_rowmin = top if ws.dim_rowmin is None or top < ws.dim_rowmin else ws.dim_rowmin
            ws.dim_rowmax = bottom if ws.dim_rowmax is None or bottom > ws.dim_rowmax else ws.dim_rowmax
        used = [extent for xml, extent in templates.values() if xml]
        if used:
            low, high = min(first for first, _ in used), max(last for _, last in used)
            ws.dim_colmin = low if ws.dim_colmin is None or low < ws.dim_colmin else ws.dim_colmin
            ws.dim_colmax = high if ws.dim_colmax is None or high > ws.dim_colmax else ws.dim_colmax

    def _template(self, key: tuple, figures: int) -> tuple[str, tuple[int, int]]:
        """A shape's `<c>` elements as a format string: {0} the row's number, {1} to {4} the
        shared strings' indices of its code, name, level and note, then its figures; with its
        first and last cell's column."""
        bold, partial, indent, present, code, name, label, note = key
        book, ws = self.sheet.book, self.sheet.ws
        font = BOLD if bold else None
        cells: list[tuple[int, object, int]] = []  # (column, format, slot) in order
        if code:
            cells.append((0, book.style(font, None, None, None), 1))
        if name:
            cells.append((1, book.style(font, INDENT[indent], None, None), 2))
        if label:
            cells.append((2, book.style(font, None, None, None), 3))
        styles = self.number_styles[partial, bold]
        for j in range(figures):
            if present >> j & 1:
                cells.append((3 + j, styles[j], 5 + j))
        if note:
            cells.append((3 + figures, book.style(WARN, None, None, None), 4))
        if not cells:
            return "", (-1, -1)
        parts = []
        for col, style, slot in cells:
            if style:
                shown = f' r="{_LETTERS[col]}{{0}}" s="{style._get_xf_index()}"'
            elif col in ws.col_info and ws.col_info[col].column_format is not None:
                shown = f' r="{_LETTERS[col]}{{0}}" s="{ws.col_info[col].column_format._get_xf_index()}"'
            else:
                shown = f' r="{_LETTERS[col]}{{0}}"'
            if slot < 5:
                parts.append(f'<c{shown} t="s"><v>{{{slot}}}</v></c>')
            else:
                parts.append(f"<c{shown}><v>{{{slot}:.16G}}</v></c>")
        return "".join(parts), (cells[0][0], cells[-1][0])


def _clean(value: str, strmax: int) -> str:
    """A text as `_Sheet.text` writes it: without characters XML 1.0 forbids, within Excel's
    length (`_Sheet._append_xml` truncates as write_string does)."""
    text = _ILLEGAL.sub("", value)
    if len(text) > strmax // 2 and _utf16_len(text) > strmax:
        text = _utf16_truncate(text, strmax)
    return text


def _chart_sheet(book: _Book, result: AggregateResult, lang: str) -> None:
    """One bar chart per charted figure over the root's children, each sorted by value (highest on
    top) from its own two columns; a unit built from partial data is marked "*" and the chart's
    title says "(chưa đủ số liệu)" when any bar is partial."""
    charted = [m for i in result.catalog.indicators for m in measures(i) if m.chart]
    values = p.children_rows(result)
    blocks = []
    for measure in charted:
        part = values[(values["column"] == measure.name) & values["value"].notna()]
        ranked = sorted(
            ((result.unit_name(c, lang), float(v), bool(f)) for c, v, f in part[["unit_code", "value", "partial"]].itertuples(index=False)),
            key=lambda r: (-r[1], r[0]),
        )
        if ranked:
            blocks.append((measure, ranked))
    if not blocks:
        return
    s = _Sheet(book, p.t(lang, "charts"), [w for _ in blocks for w in (30, 16)], charted=True)
    s.header([label for measure, _ in blocks for label in (p.t(lang, "unit"), measure.label(lang))], height=48)
    longest = max(len(ranked) for _, ranked in blocks)
    for k in range(longest):
        cells: list = []
        for measure, ranked in blocks:
            if k < len(ranked):
                name, value, partial = ranked[k]
                cells += [s.text(name + ("*" if partial else "")), s.number(value, _fmt(measure, partial))]
            else:
                cells += [None, None]
        s.append(cells)
    anchor = 1
    for k, (measure, ranked) in enumerate(blocks):
        partial = any(flag for _, _, flag in ranked)
        height = max(8.0, 0.45 * len(ranked) + 3)  # cm: room for every bar's label
        chart = book.workbook.add_chart({"type": "bar"})  # horizontal bars: long unit names stay readable
        chart.set_style(10)
        title = f"{measure.label(lang)} — {p.period_label(result, lang)}"
        chart.set_title({"name": title + (f" ({p.t(lang, 'chart_partial')})" if partial else "")})
        chart.set_legend({"none": True})
        chart.set_size({"width": round(20 * _CM), "height": round(height * _CM)})
        chart.add_series(
            {
                "name": [s.name, 0, 2 * k + 1],
                "categories": [s.name, 1, 2 * k, len(ranked), 2 * k],
                "values": [s.name, 1, 2 * k + 1, len(ranked), 2 * k + 1],
            }
        )
        # A bar chart's y axis holds the categories: first unit on top, as in the table, and
        # the value axis kept at the bottom (it crosses the reversed categories at their max).
        chart.set_y_axis({"reverse": True, "crossing": "max"})
        chart.set_x_axis({"num_format": _fmt(measure), "major_gridlines": {"visible": False}})
        s.ws.insert_chart(anchor, 2 * len(blocks) + 1, chart)
        anchor += math.ceil(height / 0.53) + 2  # a default row is about 0.53 cm high


def _targets_sheet(book: _Book, result: AggregateResult, lang: str) -> None:
    rows = p.target_rows(result, lang)
    if not rows:
        return
    s = _Sheet(book, p.t(lang, "targets"), [10, 34, 20, 48, 16, 16, 12, 12, 34], freeze="C3")
    s.append([s.text(f"{p.t(lang, 'targets')} — {p.period_label(result, lang)} — {p.scope_name(result, lang)}", TITLE)], height=22)
    s.header(
        [
            p.t(lang, "code"),
            p.t(lang, "unit"),
            p.t(lang, "indicator"),
            p.t(lang, "measure"),
            p.t(lang, "target"),
            p.t(lang, "achieved"),
            p.t(lang, "achieved_pct"),
            p.t(lang, "assessment"),
            p.t(lang, "note"),
        ]
    )
    for row in rows:
        fmt = _fmt(row.measure)
        s.append(
            [
                s.text(row.unit_code),
                s.text(row.unit_name),
                s.text(row.indicator.title(lang)),
                s.text(row.measure.label(lang)),
                s.number(row.target, fmt),
                s.number(row.achieved, _fmt(row.measure, row.partial)),
                s.number(row.ratio, ACHIEVED),
                s.text(row.assessment(lang), *_assessment_style(row)),
                s.text(p.partial_text(result, lang, **result.coverage(row.indicator.name, row.unit_code)) if row.partial else ""),
            ]
        )


def _assessment_style(row: p.TargetRow) -> tuple[dict | None]:
    """Met in bold, not met in red; incomplete or not reported plain: not a verdict yet."""
    return ({p.MET: BOLD, p.NOT_MET: WARN}.get(row.status),)


def _missing_text(row: p.CoverageRow, result: AggregateResult, lang: str) -> str:
    titles = {i.name: i.title(lang) for i in result.catalog.indicators}
    if row.level == result.tree.reporting_level():  # the unit itself: which indicators it has not sent
        return ", ".join(titles[name] for name, units in row.missing.items() if units)
    lists = [units for units in row.missing.values()]
    if all(units == lists[0] for units in lists):
        return _listed(lists[0], lang)
    return "; ".join(f"{titles[name]}: {_listed(units, lang)}" for name, units in row.missing.items() if units)


def _reform_sheet(book: _Book, result: AggregateResult, lang: str) -> None:
    """Across the 2025 reform: each new province ← its legacy provinces, both years of every
    headline figure (the previous year carried onto the new tree)."""
    from vwu_pipeline.report.reform import reform_rows, shows_reform

    if not shows_reform(result):
        return
    shown = p.headline(result)
    previous = (result.previous_period or result.period.previous()).label(lang)  # "năm 2024", "6 tháng đầu năm 2024"
    s = _Sheet(book, p.t(lang, "reform_sheet"), [10, 30, 44, *[16] * (2 * len(shown))], freeze="D3")
    s.append([s.text(p.t(lang, "reform_heading"), TITLE)], height=22)
    s.header(
        [
            p.t(lang, "code"),
            p.t(lang, "reform_new"),
            p.t(lang, "reform_legacy"),
            *[
                label
                for row in shown
                for label in (
                    p.t(lang, "reform_year_value", measure=row.measure.label(lang), period=result.period.label(lang)),
                    p.t(lang, "reform_previous_value", measure=row.measure.label(lang), previous=previous),
                )
            ],
        ],
        height=62,
    )
    columns = [reform_rows(result, row.indicator.name, row.measure.name) for row in shown]
    for k, province in enumerate(columns[0] if columns else []):
        cells = [
            s.text(province.code),
            s.text(province.name),
            s.text(", ".join(f"{name} ({code})" for code, name in province.legacy), align=WRAP),
        ]
        for row, per_province in zip(shown, columns):
            mine = per_province[k]
            cells += [
                s.number(mine.value, _fmt(row.measure, mine.partial)),
                s.number(mine.previous, _fmt(row.measure, mine.previous_partial)),
            ]
        s.append(cells)
    s.append([])
    intro = p.t(lang, "reform_intro", not_allocated=result.counts.get("not_allocated_units", 0), previous=previous)
    s.append([s.text(intro, align=WRAP)], height=_height(intro, 84))


def _completeness_sheet(book: _Book, result: AggregateResult, lang: str) -> None:
    indicators = result.catalog.indicators
    n = len(indicators)
    rows = p.coverage_rows(result, lang)
    s = _Sheet(book, p.t(lang, "completeness"), [10, 34, 11, 12, *[12] * n, 12, *[12] * n, 70], freeze="D3")
    s.append([s.text(f"{p.t(lang, 'completeness')} — {p.period_label(result, lang)} — {p.scope_name(result, lang)}", TITLE)], height=22)
    s.header(
        [
            p.t(lang, "code"),
            p.t(lang, "unit"),
            p.t(lang, "level"),
            p.count_header(result, lang, "expected"),
            *[f"{p.count_header(result, lang, 'submitted')}: {i.title(lang)}" for i in indicators],
            p.t(lang, "grassroots_expected"),
            *[f"{p.t(lang, 'grassroots_reported')}: {i.title(lang)}" for i in indicators],
            p.t(lang, "missing_count"),
        ],
        height=62,
    )
    for row in rows:
        font = BOLD if row.level != result.tree.reporting_level() else None
        missing = _missing_text(row, result, lang)
        s.append(
            [
                s.text(row.unit_code, font),
                s.text(row.unit_name, font, INDENT[min(row.depth, 7)]),
                s.text(p.level_label(row.level, lang), font),
                s.number(row.expected, font=font),
                *[
                    s.number(row.submitted.get(i.name, 0), font=WARN if row.submitted.get(i.name, 0) < row.expected else font)
                    for i in indicators
                ],
                s.number(row.grassroots_expected, font=font),
                *[s.number(row.grassroots_reported.get(i.name, 0), font=font) for i in indicators],
                s.text(missing, align=WRAP),
            ],
            level=row.depth,
            height=_height(missing, 70),
        )


def _warnings_sheet(book: _Book, result: AggregateResult, lang: str) -> None:
    s = _Sheet(book, p.t(lang, "warnings"), [28, 30, 18, 7, 30, 24, 80], freeze="A3")
    s.append([s.text(f"{p.t(lang, 'warnings')} — {p.t(lang, 'count_warnings', n=len(result.warnings))}", TITLE)], height=22)
    s.header(
        [
            p.t(lang, "file"),
            p.t(lang, "reporting_unit"),
            p.t(lang, "sheet"),
            p.t(lang, "row"),
            p.t(lang, "column"),
            p.t(lang, "value"),
            p.t(lang, "message"),
        ]
    )
    for row in p.warning_rows(result, lang):
        s.append(
            [
                s.text(row.file),
                s.text(row.unit),
                s.text(row.sheet),
                s.number(row.row),
                s.text(row.column),
                s.text(row.value),
                s.text(row.message, align=WRAP),
            ]
        )


def _outliers_sheet(book: _Book, result: AggregateResult, lang: str) -> None:
    s = _Sheet(book, p.t(lang, "outliers"), [10, 30, 30, 20, 40, 16, 16, 70], freeze="C3")
    s.append([s.text(f"{p.t(lang, 'outliers')} — {p.t(lang, 'count_outliers', n=len(result.outliers))}", TITLE)], height=22)
    s.header(
        [
            p.t(lang, "code"),
            p.t(lang, "unit"),
            p.t(lang, "within"),
            p.t(lang, "indicator"),
            p.t(lang, "measure"),
            p.t(lang, "value"),
            p.t(lang, "reference"),
            p.t(lang, "remark"),
        ]
    )
    for row in p.outlier_rows(result, lang):
        s.append(
            [
                s.text(row.unit_code),
                s.text(row.unit_name),
                s.text(row.within),
                s.text(row.indicator.title(lang)),
                s.text(row.measure.label(lang)),
                s.number(row.value, _fmt(row.measure)),
                s.number(row.reference, _fmt(row.measure)),
                s.text(row.message, align=WRAP),
            ]
        )
