"""The checked workbook handed back: the submitter's own file, marked where it is wrong.

`annotate(path, result, out)` writes a copy of a submitted file (always .xlsx) with every
problem on its cell: a red (error) or amber (warning) fill and a comment carrying the message,
and a first sheet "Kết quả kiểm tra" with the verdict, the counts, every problem linked to its
cell, what to do next and whom to send the corrected file to. The original is only read.

.xlsx input is copied through openpyxl (values, formulas, styles, merged cells, widths, comments;
not images or charts, which the summary says). .xls, .ods and .csv input is rebuilt from the
values vwu read, with merged cells and column widths. Text from the submission is written as
text: a cell reading "=HYPERLINK(…)" stays those characters and never becomes a formula.

The copy carries a custom document property (`FEEDBACK_MARKER`, reading.py) naming its summary
sheet, so that when the clerk sends the corrected copy back, ingest reads it as the unit's
submission and skips that sheet. It is not a vwu report output.
"""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from vwu_pipeline.core.documents import FEEDBACK_MARKER
from vwu_pipeline.core.messages import said
from vwu_pipeline.core.messages import text as message
from vwu_pipeline.core.periods import Period
from vwu_pipeline.core.problems import FileResult, Lang, Problem, readable
from vwu_pipeline.core.text import NotANumber, parse_number
from vwu_pipeline.ingest import patched_copy
from vwu_pipeline.ingest.guards import ReadError
from vwu_pipeline.ingest.reading import read_workbook
from vwu_pipeline.ops.config import Limits

COPY_SUFFIX = "_kiem_tra.xlsx"
MESSAGE_SUFFIX = "_ket_qua.txt"
AUTHOR = "vwu"
# vwu's lines in a note start with these (error, warning), after the clerk's own note and this separator
NOTE_MARKS = ("✗ ", "! ")
NOTE_SEPARATOR = "\n—\n"
# Distinct from Excel's built-in "Bad"/"Neutral" styles, so a later check can tell vwu's marks
# (left from an earlier copy) from the clerk's own colours.
ERROR_FILL = "FFB3B3"
WARNING_FILL = "FFE08A"
OK_FILL = "C6EFCE"
# A file refused for one of these was never opened as a workbook, and must not be now.
UNOPENED = frozenset(
    {
        "file-empty",
        "file-unreadable",
        "file-encrypted",
        "file-too-large",
        "zip-bomb",
        "unsupported-format",
        "unknown-encoding",
        "outside-inbox",
        "too-many-rows",
        "too-many-columns",
    }
)

_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|]')
_SHEET_UNSAFE = re.compile(r"[\\/*?:\[\]]")


def clean_name(text: str) -> str:
    """A file or folder name without control characters (a tab, a newline, a bidi override:
    a hostile name must not reach a terminal or a mail) nor characters Windows refuses."""
    text = unicodedata.normalize("NFC", readable(text))
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf", "Cs"))
    text = _UNSAFE_NAME.sub("_", text).strip(" .")
    return text or "tep"


def copy_path(out: Path, relative: Path) -> Path:
    """DIR/<subfolders>/<name>_kiem_tra.xlsx for a file at `relative` under the inbox."""
    folders = [clean_name(part) for part in relative.parent.parts if part not in ("", ".", "..", "/")]
    return Path(out, *folders, clean_name(relative.stem) + COPY_SUFFIX)


def message_path(copy: Path) -> Path:
    return copy.with_name(copy.name[: -len(COPY_SUFFIX)] + MESSAGE_SUFFIX)


def relative_names(files: Iterable[Path], roots: Iterable[Path]) -> dict[Path, Path]:
    """Each file's path under the folder given on the command line (the inbox), so that copies
    mirror its subfolders and two `bao_cao.xlsx` never collide; a file given alone keeps its name,
    and a second file of the same name gets its parent folder's name in front."""
    folders = [Path(r) for r in roots if Path(r).is_dir()]
    names: dict[Path, Path] = {}
    taken: set[Path] = set()
    for file in files:
        file = Path(file)
        relative = next((file.relative_to(f) for f in folders if file.is_relative_to(f)), Path(file.name))
        if relative in taken and file.parent.name:
            relative = Path(clean_name(file.parent.name)) / relative
        stem, n = relative, 2
        while relative in taken:
            relative = stem.with_name(f"{stem.stem}_{n}{stem.suffix}")
            n += 1
        taken.add(relative)
        names[file] = relative
    return names


@dataclass
class Place:
    sheet: str  # title in the copy
    row: int
    column: int

    @property
    def cell(self) -> str:
        return f"{patched_copy.column_letters(self.column)}{self.row}"


def annotate(
    path: Path,
    result: FileResult,
    out: Path,
    lang: Lang = "vi",
    send_to: str | None = None,
    limits: Limits = Limits(),
) -> Path:
    """Write the annotated copy of `path` to `out` (a file path) and return it."""
    path, out = Path(path), Path(out)
    if out.exists() and path.exists() and out.resolve() == path.resolve():
        raise ValueError(f"the copy would overwrite the original: {path}")
    opened = not any(p.code in UNOPENED for p in result.problems)
    if opened:
        try:
            return _patched(path, result, out, lang, send_to, limits)
        except (KeyboardInterrupt, SystemExit):
            raise
        except Exception:  # patched_copy.Unsupported, or a package it did not foresee: openpyxl copies it
            pass
    kept = "kept_none"
    workbook = None
    sheet_of: dict[str, str] = {}  # sheet name as problems name it -> title in the copy
    if opened:
        try:
            workbook, sheet_of, kept = _copy_of(path, limits)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException:  # a file calamine read but openpyxl cannot: the summary still goes back
            workbook = None
    if workbook is None:
        from openpyxl import Workbook

        workbook, kept = Workbook(), "kept_none"
        workbook.remove(workbook.active)
    said = _messages(result.problems, lang)
    places = _mark_problems(workbook, result.problems, sheet_of, said)
    summary = _summary(path, result, places, lang, send_to, kept, workbook.sheetnames, said)
    _write_summary(workbook, summary)
    _save(out, workbook.save)
    return out


def _patched(path: Path, result: FileResult, out: Path, lang: Lang, send_to: str | None, limits: Limits) -> Path:
    """The copy written as a package of its own parts (patched_copy.py): fast on large files. An
    .xlsx is its own package, which keeps images, charts and the results of formulas; .xls, .ods
    and .csv input becomes a package of the values vwu read."""
    suffix = path.suffix.lower()
    checked_before = False
    if suffix == ".xlsx":
        package = patched_copy.Package(path)
        earlier_results = patched_copy.property_value(package, FEEDBACK_MARKER)
        if earlier_results is not None:  # a checked copy checked again: its old results, marks and vwu's notes go
            patched_copy.forget_results_sheet(package, earlier_results, FEEDBACK_MARKER)
            checked_before = True
        book = patched_copy.Workbook(package)
        sheet_of, kept = {name: name for name, _ in book.sheets}, "kept_all"
    elif suffix in (".xls", ".ods", ".csv"):
        sheets, sheet_of = _values_sheets(path, limits)
        package = patched_copy.values_package(sheets)
        book, kept = patched_copy.Workbook(package), _KEPT[suffix]
    else:
        raise patched_copy.Unsupported(suffix)
    if not book.sheets:
        raise patched_copy.Unsupported("no worksheet")
    part_of = dict(book.sheets)
    merged: dict[str, list[tuple[int, int, int, int]]] = {}

    def merged_of(title: str) -> list[tuple[int, int, int, int]]:
        if title not in merged:
            merged[title] = patched_copy.merged_ranges(package, part_of[title])
        return merged[title]

    places, notes = _locate(result.problems, sheet_of, book.sheets[0][0], merged_of)
    said = _messages(result.problems, lang)
    by_sheet: dict[str, dict[tuple[int, int], patched_copy.Note]] = {}
    for (title, row, column), found in notes.items():
        by_sheet.setdefault(title, {})[(row, column)] = _note(found, said)
    summary = _summary(path, result, places, lang, send_to, kept, book.names, said)
    marker = (FEEDBACK_MARKER, summary.title)
    earlier = _clerks_part if checked_before else (lambda note: note)
    unfill = frozenset({ERROR_FILL, WARNING_FILL}) if checked_before else frozenset()
    _save(
        out,
        lambda target: patched_copy.write_copy(package, book, by_sheet, summary, marker, AUTHOR, target, earlier, NOTE_SEPARATOR, unfill),
    )
    return out


# what the summary says a copy of values keeps: merged cells and widths of an .xls or .ods
_KEPT = {".xls": "kept_values:xls", ".csv": "kept_csv", ".ods": "kept_values:ods"}


def _values_sheets(path: Path, limits: Limits) -> tuple[list[patched_copy.ValuesSheet], dict[str, str]]:
    """.xls, .ods and .csv: the values vwu read, with merged cells and widths, and the title in
    the copy of each sheet as problems name it."""
    suffix = path.suffix.lower()
    layout = _xls_layout(path) if suffix == ".xls" else _ods_layout(path) if suffix == ".ods" else {}
    typed = path.suffix.lower() == ".csv"  # a CSV holds text only: its figures become numbers
    sheets: list[patched_copy.ValuesSheet] = []
    sheet_of: dict[str, str] = {}
    for sheet in read_workbook(path, limits):
        title = _sheet_title(sheet.name, [s.title for s in sheets])
        sheet_of[sheet.name] = title
        rows = [[_figure(value) for value in cells] for cells in sheet.rows] if typed else sheet.rows
        merges, given = layout.get(sheet.name, ([], {}))
        widths = {column: given.get(column) or width for column, width in _widths(rows).items()}
        widths.update(given)
        sheets.append(patched_copy.ValuesSheet(title, rows, merges, widths, sheet.hidden))
    return sheets, sheet_of


# A figure as an office writes it in a CSV: digits, a sign, separators; never a leading zero
# (a commune code "00712" stays text, as it was typed)
_FIGURE = re.compile(r"^[+-]?(0|[1-9][0-9]{0,2}([.,  ]?[0-9]{3})*[0-9]*)([.,][0-9]+)?$")


def _figure(value: object) -> object:
    """A CSV cell: a figure as a number (as vwu reads it), any other text unchanged."""
    if not isinstance(value, str) or not _FIGURE.match(value):
        return value
    try:
        number = parse_number(value)
    except NotANumber:
        return value
    if number is None or abs(number) >= 10**15:  # beyond a double's exact digits: kept as typed
        return value
    return int(number) if number.is_integer() else number


MAX_WIDTH = 24  # a longer header wraps (the package route) instead of pushing the table off the page


def _widths(rows: list[list[object]]) -> dict[int, float]:
    """Column widths that fit the table: a title line alone on its row spills over the empty
    cells beside it, as in Excel, and does not widen its column; a long header wraps."""
    longest: dict[int, int] = {}
    for cells in rows:
        filled = [(c, value) for c, value in enumerate(cells, start=1) if value is not None and value != ""]
        if len(filled) < 2:
            continue
        for column, value in filled:
            size = len(str(value)) if not isinstance(value, float) else len(f"{value:g}")
            longest[column] = max(longest.get(column, 0), size)
    return {column: float(min(max(size + 2, 8), MAX_WIDTH)) for column, size in longest.items()}


def _copy_of(path: Path, limits: Limits) -> tuple[Any, dict[str, str], str]:
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        try:
            return _xlsx_copy(path)
        except Exception:
            pass  # an .xls saved under an .xlsx name, a file openpyxl refuses: rebuild from values
    return _values_copy(path, limits)


def _xlsx_copy(path: Path) -> tuple[Any, dict[str, str], str]:
    from openpyxl import load_workbook

    with open(path, "rb") as handle:  # a name that is not UTF-8 still opens
        workbook = load_workbook(handle, rich_text=False)
    _forget_earlier_check(workbook)
    # Formulas keep their text but lose their cached values on save: Excel and LibreOffice
    # recalculate them on opening.
    workbook.calculation.fullCalcOnLoad = True
    return workbook, {ws.title: ws.title for ws in workbook.worksheets}, "kept_xlsx"


def _forget_earlier_check(workbook: Any) -> None:
    """A copy checked again (the clerk fixed it): its old summary, marks and notes go."""
    properties = workbook.custom_doc_props
    marker = next((p for p in properties.props if p.name == FEEDBACK_MARKER), None)
    if marker is None:
        return
    if marker.value in workbook.sheetnames:
        del workbook[marker.value]
    properties.props = [p for p in properties.props if p.name != FEEDBACK_MARKER]
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    ours = {ERROR_FILL, WARNING_FILL}
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.comment is not None:
                    kept = _clerks_part(cell.comment.text)
                    if kept is None:
                        cell.comment = None
                    elif kept != cell.comment.text:  # the clerk's note, without vwu's lines
                        author = cell.comment.author
                        cell.comment = Comment(kept, "" if author == AUTHOR else author)
                color = cell.fill.fgColor.rgb if cell.fill is not None and cell.fill.fill_type == "solid" else None
                if isinstance(color, str) and color[-6:].upper() in ours:
                    cell.fill = PatternFill()


def _clerks_part(note: str) -> str | None:
    """A note of a checked copy without vwu's lines: the clerk's own part, or None when it was all
    vwu's. Told by its text, not its author: LibreOffice saves notes without their author."""
    clerk, separator, _ = note.partition(NOTE_SEPARATOR)
    if separator:
        return clerk
    lines = [line for line in note.splitlines() if line.strip()]
    if lines and all(line.startswith(NOTE_MARKS) for line in lines):
        return None
    return note


def _values_copy(path: Path, limits: Limits) -> tuple[Any, dict[str, str], str]:
    """.xls, .ods and .csv through openpyxl (when the package route cannot): the same values."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    sheets, sheet_of = _values_sheets(path, limits)
    workbook = Workbook()
    workbook.remove(workbook.active)
    for sheet in sheets:
        ws = workbook.create_sheet(sheet.title)
        for r, cells in enumerate(sheet.rows, start=1):
            for c, value in enumerate(cells, start=1):
                if value is not None:
                    _put(ws.cell(r, c), value)
        for first_row, last_row, first_col, last_col in sheet.merges:
            ws.merge_cells(start_row=first_row, end_row=last_row, start_column=first_col, end_column=last_col)
        for column, width in sheet.widths.items():
            ws.column_dimensions[get_column_letter(column)].width = width
    if not workbook.worksheets:
        raise ReadError("file-unreadable", reason=said("reason.no-sheet"))
    return workbook, sheet_of, _KEPT.get(path.suffix.lower(), "kept_values:" + path.suffix.lower().lstrip("."))


def _xls_layout(path: Path) -> dict[str, tuple[list[tuple[int, int, int, int]], dict[int, float]]]:
    """sheet -> (merged ranges as 1-based (first row, last row, first col, last col), col -> width)."""
    try:
        import xlrd

        book = xlrd.open_workbook(str(path), formatting_info=True, on_demand=True)
    except Exception:
        return {}  # the values still go back; only the layout is lost
    layout = {}
    try:
        for index in range(book.nsheets):
            sheet = book.sheet_by_index(index)
            merges = [(rlo + 1, rhi, clo + 1, chi) for rlo, rhi, clo, chi in sheet.merged_cells]
            widths = {col + 1: round(info.width / 256, 1) for col, info in sheet.colinfo_map.items() if info.width}
            layout[sheet.name] = (merges, widths)
    finally:
        book.release_resources()
    return layout


_ODS_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_ODS_STYLE = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"
_POINTS = {"pt": 1.0, "in": 72.0, "cm": 72 / 2.54, "mm": 72 / 25.4, "pc": 12.0, "px": 0.75}
_LAST_COLUMN = 16_384  # beyond it, a repeated column or cell is the rest of the sheet, empty


def _ods_layout(path: Path) -> dict[str, tuple[list[tuple[int, int, int, int]], dict[int, float]]]:
    """sheet -> (merged ranges as (first row, last row, first col, last col), col -> width) of an
    .ods, read from its content.xml; empty when it cannot be read (the values still go back)."""
    import zipfile

    from defusedxml.ElementTree import iterparse

    def attribute(element: Any, space: str, name: str, default: str = "") -> str:
        return element.get(f"{{{space}}}{name}", default)

    layout: dict[str, tuple[list[tuple[int, int, int, int]], dict[int, float]]] = {}
    try:
        with zipfile.ZipFile(path) as archive, archive.open("content.xml") as content:
            widths_of: dict[str, float] = {}
            table, row, column, widths, merges = "", 0, 0, {}, []
            for event, element in iterparse(content, events=("start", "end")):
                space, _, tag = element.tag[1:].partition("}")
                if event == "start":
                    if tag == "table" and space == _ODS_TABLE:
                        table, row, column, widths, merges = attribute(element, _ODS_TABLE, "name"), 0, 0, {}, []
                    elif tag == "table-row" and space == _ODS_TABLE:
                        column = 0
                    continue
                if space == _ODS_STYLE and tag == "table-column-properties":
                    measure = re.fullmatch(r"([0-9.]+)([a-z]+)", attribute(element, _ODS_STYLE, "column-width"))
                    if measure and measure.group(2) in _POINTS:
                        widths_of[""] = round(float(measure.group(1)) * _POINTS[measure.group(2)] / 7, 1)  # about 7 pt a character
                elif space == _ODS_STYLE and tag == "style" and "" in widths_of:
                    widths_of[attribute(element, _ODS_STYLE, "name")] = widths_of.pop("")
                elif space == _ODS_TABLE and tag == "table-column":
                    repeated = min(int(attribute(element, _ODS_TABLE, "number-columns-repeated", "1")), _LAST_COLUMN)
                    width = widths_of.get(attribute(element, _ODS_TABLE, "style-name"))
                    if width and repeated < 256:
                        widths.update({column + n + 1: width for n in range(repeated)})
                    column += repeated
                elif space == _ODS_TABLE and tag in ("table-cell", "covered-table-cell"):
                    spanned = (
                        int(attribute(element, _ODS_TABLE, "number-rows-spanned", "1")),
                        int(attribute(element, _ODS_TABLE, "number-columns-spanned", "1")),
                    )
                    if tag == "table-cell" and spanned != (1, 1):
                        merges.append((row + 1, row + spanned[0], column + 1, column + spanned[1]))
                    column += min(int(attribute(element, _ODS_TABLE, "number-columns-repeated", "1")), _LAST_COLUMN)
                elif space == _ODS_TABLE and tag == "table-row":
                    row += int(attribute(element, _ODS_TABLE, "number-rows-repeated", "1"))
                elif space == _ODS_TABLE and tag == "table":
                    layout[table] = (merges, {c: w for c, w in widths.items() if c <= _LAST_COLUMN})
                    column = 0
                element.clear()
    except Exception:
        return {}
    return layout


def _put(cell: Any, value: object) -> None:
    """A value into a cell; text stays text (openpyxl would make "=…" a formula)."""
    if isinstance(value, str):
        cell.value = _illegal_free(value)
        cell.data_type = "s"
        return
    cell.value = value
    if isinstance(value, datetime):
        cell.number_format = "dd/mm/yyyy hh:mm" if (value.hour or value.minute) else "dd/mm/yyyy"


def _illegal_free(text: str) -> str:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", readable(text))


def _sheet_title(name: str, taken: list[str]) -> str:
    title = _SHEET_UNSAFE.sub("_", clean_name(name) if name else "Sheet")[:31] or "Sheet"
    base, n = title, 2
    while title.lower() in (t.lower() for t in taken):
        tail = f" ({n})"
        title = base[: 31 - len(tail)] + tail
        n += 1
    return title


def _locate(
    problems: list[Problem],
    sheet_of: dict[str, str],
    first: str | None,
    merged_of: Callable[[str], list[tuple[int, int, int, int]]],
) -> tuple[list[Place | None], dict[tuple[str, int, int], list[Problem]]]:
    """Where each problem goes in the copy (None: the copy has no sheet), and the problems of
    each marked cell. A problem without a cell goes on its row or header, else on the first sheet;
    a cell inside merged cells is marked at the range's first cell (the one Excel shows)."""
    places: list[Place | None] = []
    notes: dict[tuple[str, int, int], list[Problem]] = {}
    for problem in problems:
        title = sheet_of.get(problem.sheet) if problem.sheet else None
        if title is None:
            title = first
        if title is None:
            places.append(None)
            continue
        here = problem.sheet is not None and sheet_of.get(problem.sheet) == title
        row = problem.row if here and problem.row else 1
        column = problem.column_index if here and problem.row and problem.column_index else 1
        for min_row, min_col, max_row, max_col in merged_of(title):
            if min_row <= row <= max_row and min_col <= column <= max_col:
                row, column = min_row, min_col
                break
        place = Place(title, row, column)
        places.append(place)
        notes.setdefault((title, row, column), []).append(problem)
    return places, notes


def _messages(problems: list[Problem], lang: Lang) -> dict[int, str]:
    """Each problem's message, worded once (the comment and the summary both show it)."""
    return {id(p): p.message(lang) for p in problems}


def _note(found: list[Problem], said: dict[int, str]) -> patched_copy.Note:
    """The fill (red if any error, else amber) and the comment of one marked cell."""
    color = ERROR_FILL if any(p.severity == "error" for p in found) else WARNING_FILL
    lines = [(NOTE_MARKS[0] if p.severity == "error" else NOTE_MARKS[1]) + said[id(p)] for p in found]
    return patched_copy.Note(color, "\n".join(lines), len(lines))


def _mark_problems(workbook: Any, problems: list[Problem], sheet_of: dict[str, str], said: dict[int, str]) -> list[Place | None]:
    """Fill and comment each problem's cell (openpyxl copy); returns where each problem went."""
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    fills = {
        color: _style_id(workbook, "_fills", PatternFill(fill_type="solid", fgColor=color, bgColor=color))
        for color in (ERROR_FILL, WARNING_FILL)
    }
    first = workbook.worksheets[0].title if workbook.worksheets else None

    def merged_of(title: str) -> list[tuple[int, int, int, int]]:
        return [(r.min_row, r.min_col, r.max_row, r.max_col) for r in workbook[title].merged_cells.ranges]

    places, notes = _locate(problems, sheet_of, first, merged_of)
    for (title, row, column), found in notes.items():
        cell = workbook[title].cell(row, column)
        note = _note(found, said)
        _set_style(cell, fillId=fills[note.fill])
        text = note.text
        if cell.comment is not None:  # vwu's own notes of an earlier check are gone (_forget_earlier_check)
            text = cell.comment.text + NOTE_SEPARATOR + text  # the clerk's own note stays first
        comment = Comment(_illegal_free(text), AUTHOR)
        comment.width, comment.height = 320, min(60 + 40 * note.lines, 400)
        cell.comment = comment
    return places


def _style_id(workbook: Any, collection: str, style: Any) -> int:
    """The index of a font, fill or alignment in the workbook's style tables (added once)."""
    return getattr(workbook, collection).add(style)


def _set_style(cell: Any, **ids: int) -> None:
    """Point a cell at registered styles (fillId=…, fontId=…), keeping the rest of its style."""
    if cell._style is None:
        from openpyxl.styles.cell_style import StyleArray

        cell._style = StyleArray()
    for name, value in ids.items():
        setattr(cell._style, name, value)


SUMMARY_STYLES = {
    "title": patched_copy.Style(bold=True, size=14),
    "subtitle": patched_copy.Style(bold=True, size=12),
    "label": patched_copy.Style(bold=True),
    "label_wrap": patched_copy.Style(bold=True, wrap=True),
    "header": patched_copy.Style(bold=True, fill="D9E1F2"),
    "valid": patched_copy.Style(bold=True, size=13, color="006100", fill=OK_FILL),
    "invalid": patched_copy.Style(bold=True, size=13, color="9C0006", fill=ERROR_FILL),
    "wrap": patched_copy.Style(wrap=True),
    "note": patched_copy.Style(italic=True, color="595959", wrap=True),
    "number": patched_copy.Style(left=True),
    "error": patched_copy.Style(fill=ERROR_FILL),
    "warning": patched_copy.Style(fill=WARNING_FILL),
    "link": patched_copy.Style(color="0563C1", underline=True),
}
FIRST_PROBLEM_ROW = 13


def _summary(
    path: Path,
    result: FileResult,
    places: list[Place | None],
    lang: Lang,
    send_to: str | None,
    kept: str,
    taken: list[str],
    said: dict[int, str],
) -> patched_copy.Sheet:
    """The "Kết quả kiểm tra" sheet: verdict, counts, what to do next, every problem linked to its cell."""
    title = _sheet_title(_t("results_sheet", lang), taken)
    send_to = send_to or _t("send_to_default", lang)
    errors, warnings = len(result.errors), len(result.warnings)
    cells: list[tuple[int, int, object, str]] = [(1, 1, _t("title", lang), "title")]
    unit = f"{result.unit_name} ({result.unit_code})" if result.unit_code else "—"
    verdict = _t("valid", lang) if result.valid else _t("invalid", lang)
    todo = "next_errors" if errors else "next_warnings" if warnings else "next_valid"
    lines = [
        (_t("file", lang), readable(path.name), ""),
        (_t("unit", lang), unit, ""),
        (_t("period", lang), _period_label(result.period, lang) or "—", ""),
        (_t("checked_at", lang), datetime.now().strftime("%d/%m/%Y %H:%M"), ""),
        (_t("verdict", lang), verdict, "valid" if result.valid else "invalid"),
        ("", _t("counts", lang, errors=errors, warnings=warnings), ""),
    ]
    for row, (label, value, style) in enumerate(lines, start=2):
        if label:
            cells.append((row, 1, label, "label"))
        cells.append((row, 2, value, style))
    name, _, suffix = kept.partition(":")
    note = _t(name, lang, suffix="." + suffix)
    next_text = _t(todo, lang, send_to=send_to, sheet=title)
    cells += [(8, 1, _t("next", lang), "label_wrap"), (8, 2, next_text, "wrap"), (9, 2, note, "note")]
    heights = {row: 15 * (1 + len(text) // 110) for row, text in ((8, next_text), (9, note))}
    cells.append((11, 1, _t("list", lang), "subtitle"))
    headers = ("no", "severity", "sheet", "cell", "column", "message")
    cells += [(12, column, _t(key, lang), "header") for column, key in enumerate(headers, start=1)]
    if not result.problems:
        cells.append((FIRST_PROBLEM_ROW, 1, _t("none", lang), ""))
    labels = {severity: _t(severity, lang) for severity in ("error", "warning")}
    links: dict[str, str] = {}
    whole_file = _t("whole_file", lang)
    quoted = {p.sheet: "'" + p.sheet.replace("'", "''") + "'" for p in places if p is not None}
    for number, (problem, place) in enumerate(zip(result.problems, places), start=1):
        row = FIRST_PROBLEM_ROW - 1 + number
        cells += [
            (row, 1, number, "number"),
            (row, 2, labels[problem.severity], problem.severity),
            (row, 3, place.sheet if place else whole_file, ""),
        ]
        if place is not None:
            cell = place.cell
            cells.append((row, 4, cell, "link"))
            links[f"D{row}"] = f"{quoted[place.sheet]}!{cell}"
        cells += [(row, 5, problem.column or "", ""), (row, 6, said[id(problem)], "wrap")]
    return patched_copy.Sheet(
        title,
        cells,
        SUMMARY_STYLES,
        widths=[15, 10, 20, 7, 26, 70],
        merges=["B8:F8", "B9:F9"],
        links=links,
        heights=heights,
        frozen_rows=FIRST_PROBLEM_ROW - 1,
    )


def _write_summary(workbook: Any, sheet: patched_copy.Sheet) -> None:
    """The results sheet into an openpyxl workbook, first and shown on opening."""
    from openpyxl.packaging.custom import StringProperty
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.hyperlink import Hyperlink

    ws = workbook.create_sheet(sheet.title, 0)
    workbook.active = 0
    for other in workbook.worksheets[1:]:
        other.sheet_view.tabSelected = False
    # Styles registered once and set by id: assigning style objects cell by cell costs
    # seconds on a file with thousands of problems.
    ids: dict[str, dict[str, int]] = {}
    for name, style in sheet.styles.items():
        font = Font(
            bold=style.bold, italic=style.italic, underline="single" if style.underline else None, size=style.size, color=style.color
        )
        ids[name] = {"fontId": _style_id(workbook, "_fonts", font)}
        if style.fill:
            ids[name]["fillId"] = _style_id(workbook, "_fills", PatternFill(fill_type="solid", fgColor=style.fill))
        if style.wrap or style.left:
            alignment = Alignment(wrap_text=style.wrap or None, vertical="top", horizontal="left" if style.left else None)
            ids[name]["alignmentId"] = _style_id(workbook, "_alignments", alignment)
    for row, column, value, style in sheet.cells:
        cell = ws.cell(row, column)
        _put(cell, value)
        if style:
            _set_style(cell, **ids[style])
    for ref, location in sheet.links.items():
        ws[ref].hyperlink = Hyperlink(ref=ref, location=location, display=str(ws[ref].value))
    for merged in sheet.merges:
        ws.merge_cells(merged)
    for row, height in sheet.heights.items():
        ws.row_dimensions[row].height = height
    for column, width in enumerate(sheet.widths, start=1):
        ws.column_dimensions[get_column_letter(column)].width = width
    ws.freeze_panes = f"A{sheet.frozen_rows + 1}"
    # Printed (or turned into a PDF for a mail): one page wide, landscape.
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    workbook.custom_doc_props.append(StringProperty(name=FEEDBACK_MARKER, value=sheet.title))


def _t(key: str, lang: Lang, **params: object) -> str:
    return message("feedback." + key, lang, **params)


def _save(out: Path, write: Callable[[Path], None]) -> None:
    """Written beside its final name, then renamed: a crash never leaves half a copy."""
    out.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=out.parent, prefix=".vwu-", suffix=".xlsx")
    os.close(handle)
    try:
        write(Path(temporary))
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def mail_text(result: FileResult, copy: Path, lang: Lang = "vi", send_to: str | None = None) -> str:
    """The plain-text message beside the copy: what happened, each problem and its cell, what to do."""
    send_to = send_to or _t("send_to_default", lang)
    name = readable(Path(result.path).name)
    period = _t("mail.period", lang, period=_period_label(result.period, lang)) if result.period else ""
    errors, warnings = len(result.errors), len(result.warnings)
    lines = [_t("mail.subject", lang, file=name), ""]
    unit = f"{result.unit_name} ({result.unit_code})" if result.unit_code else None
    lines += [_t("mail.greeting", lang, unit=unit) if unit else _t("mail.greeting_unknown", lang), ""]
    if errors:
        tail = _t("mail.warnings_tail", lang, warnings=warnings) if warnings else ""
        lines.append(_t("mail.refused", lang, file=name, period=period, errors=errors, warnings_tail=tail))
    else:
        lines.append(_t("mail.accepted", lang, file=name, period=period, warnings=warnings))
    for severity, label in (("error", _t("mail.errors", lang)), ("warning", _t("mail.warnings", lang))):
        found = [p for p in result.problems if p.severity == severity]
        if not found:
            continue
        lines += ["", label]
        for number, problem in enumerate(found, start=1):
            if problem.sheet and problem.row:
                cell = f"{patched_copy.column_letters(problem.column_index or 1)}{problem.row}"
                where = _t("mail.place", lang, sheet=problem.sheet, cell=cell)
            elif problem.sheet:
                where = _t("mail.place_sheet", lang, sheet=problem.sheet)
            else:
                where = ""
            lines.append(f"{number}. " + (f"{where}: " if where else "") + problem.message(lang))
    lines += ["", _t("mail.copy", lang, copy=copy.name), _t("mail.todo_refused" if errors else "mail.todo_accepted", lang, send_to=send_to)]
    lines += ["", "--", _t("mail.sign", lang), ""]
    return "\n".join(_plain(line) for line in lines)


def _period_label(code: str | None, lang: Lang) -> str | None:
    if not code:
        return None
    try:
        return Period(code).label(lang)
    except Exception:
        return code


def _plain(line: str) -> str:
    """No control characters from a submission in a mail body (a tab is a space)."""
    return "".join(" " if ch == "\t" else ch for ch in line if ch == "\t" or unicodedata.category(ch) not in ("Cc", "Cf"))


def write_feedback(
    path: Path,
    result: FileResult,
    out: Path,
    lang: Lang = "vi",
    send_to: str | None = None,
    message: bool = False,
    limits: Limits = Limits(),
) -> Path:
    """The annotated copy at `out` and, with `message`, the e-mail text beside it."""
    copy = annotate(path, result, out, lang, send_to, limits)
    if message:
        target = message_path(copy)
        temporary = target.with_name(".vwu-" + target.name)
        temporary.write_text(mail_text(result, copy, lang=lang, send_to=send_to), encoding="utf-8")
        os.replace(temporary, target)
    return copy
