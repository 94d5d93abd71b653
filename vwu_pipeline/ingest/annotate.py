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
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from vwu_pipeline.core.messages import said
from vwu_pipeline.core.messages import text as message
from vwu_pipeline.core.periods import Period
from vwu_pipeline.core.problems import FileResult, Lang, Problem, readable
from vwu_pipeline.ingest.reading import FEEDBACK_MARKER, ReadError, read_workbook
from vwu_pipeline.ops.config import Limits

COPY_SUFFIX = "_kiem_tra.xlsx"
MESSAGE_SUFFIX = "_ket_qua.txt"
AUTHOR = "vwu"
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
        from openpyxl.utils import get_column_letter

        return f"{get_column_letter(self.column)}{self.row}"


def annotate(
    path: Path,
    result: FileResult,
    out: Path,
    lang: Lang = "vi",
    send_to: str | None = None,
    limits: Limits = Limits(),
) -> Path:
    """Write the annotated copy of `path` to `out` (a file path) and return it."""
    from openpyxl import Workbook

    path, out = Path(path), Path(out)
    if out.exists() and path.exists() and out.resolve() == path.resolve():
        raise ValueError(f"the copy would overwrite the original: {path}")
    kept = "kept_none"
    workbook = None
    sheet_of: dict[str, str] = {}  # sheet name as problems name it -> title in the copy
    if not any(p.code in UNOPENED for p in result.problems):
        try:
            workbook, sheet_of, kept = _copy_of(path, limits)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException:  # a file calamine read but openpyxl cannot: the summary still goes back
            workbook = None
    if workbook is None:
        workbook, kept = Workbook(), "kept_none"
        workbook.remove(workbook.active)
    places = _mark_problems(workbook, result.problems, sheet_of, lang)
    _summary_sheet(workbook, path, result, places, lang, send_to, kept)
    _save(workbook, out)
    return out


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
    from openpyxl.styles import PatternFill

    ours = {ERROR_FILL, WARNING_FILL}
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.comment is not None and cell.comment.author == AUTHOR:
                    cell.comment = None
                color = cell.fill.fgColor.rgb if cell.fill is not None and cell.fill.fill_type == "solid" else None
                if isinstance(color, str) and color[-6:].upper() in ours:
                    cell.fill = PatternFill()


def _values_copy(path: Path, limits: Limits) -> tuple[Any, dict[str, str], str]:
    """.xls, .ods and .csv: the values vwu read, with merged cells and widths."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    sheets = read_workbook(path, limits)
    layout = _xls_layout(path) if path.suffix.lower() == ".xls" else {}
    workbook = Workbook()
    workbook.remove(workbook.active)
    sheet_of: dict[str, str] = {}
    for sheet in sheets:
        ws = workbook.create_sheet(_sheet_title(sheet.name, workbook.sheetnames))
        sheet_of[sheet.name] = ws.title
        widths: dict[int, int] = {}
        for r, cells in enumerate(sheet.rows, start=1):
            for c, value in enumerate(cells, start=1):
                if value is None:
                    continue
                _put(ws.cell(r, c), value)
                widths[c] = max(widths.get(c, 0), len(str(value)))
        merges, given = layout.get(sheet.name, ([], {}))
        for first_row, last_row, first_col, last_col in merges:
            ws.merge_cells(start_row=first_row, end_row=last_row, start_column=first_col, end_column=last_col)
        for c in set(widths) | set(given):
            width = given.get(c) or min(max(widths.get(c, 0) + 2, 8), 60)
            ws.column_dimensions[get_column_letter(c)].width = width
    if not workbook.worksheets:
        raise ReadError("file-unreadable", reason=said("reason.no-sheet"))
    suffix = path.suffix.lower().lstrip(".")
    return workbook, sheet_of, f"kept_values:{suffix}"


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


def _mark_problems(workbook: Any, problems: list[Problem], sheet_of: dict[str, str], lang: Lang) -> list[Place | None]:
    """Fill and comment each problem's cell; returns where each problem went (None: no sheet)."""
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    places: list[Place | None] = []
    notes: dict[tuple[str, int, int], list[Problem]] = {}
    fills = {
        color: _style_id(workbook, "_fills", PatternFill(fill_type="solid", fgColor=color, bgColor=color))
        for color in (ERROR_FILL, WARNING_FILL)
    }
    first = workbook.worksheets[0].title if workbook.worksheets else None
    for problem in problems:
        title = sheet_of.get(problem.sheet) if problem.sheet else None
        if title is None:
            title = first
        if title is None:
            places.append(None)
            continue
        ws = workbook[title]
        here = problem.sheet is not None and sheet_of.get(problem.sheet) == title
        row = problem.row if here and problem.row else 1
        column = problem.column_index if here and problem.row and problem.column_index else 1
        row, column = _top_left(ws, row, column)
        place = Place(title, row, column)
        places.append(place)
        notes.setdefault((title, row, column), []).append(problem)
    for (title, row, column), found in notes.items():
        cell = workbook[title].cell(row, column)
        worst = "error" if any(p.severity == "error" for p in found) else "warning"
        color = ERROR_FILL if worst == "error" else WARNING_FILL
        _set_style(cell, fillId=fills[color])
        lines = [f"{'✗' if p.severity == 'error' else '!'} {p.message(lang)}" for p in found]
        text = "\n".join(lines)
        if cell.comment is not None and cell.comment.author != AUTHOR:
            text = f"{cell.comment.text}\n—\n{text}"  # the clerk's own note stays first
        comment = Comment(_illegal_free(text), AUTHOR)
        comment.width, comment.height = 320, min(60 + 40 * len(lines), 400)
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


def _top_left(ws: Any, row: int, column: int) -> tuple[int, int]:
    """A cell inside a merged range is marked at the range's first cell (the one Excel shows)."""
    for merged in ws.merged_cells.ranges:
        if merged.min_row <= row <= merged.max_row and merged.min_col <= column <= merged.max_col:
            return merged.min_row, merged.min_col
    return row, column


def _summary_sheet(
    workbook: Any,
    path: Path,
    result: FileResult,
    places: list[Place | None],
    lang: Lang,
    send_to: str | None,
    kept: str,
) -> None:
    from openpyxl.packaging.custom import StringProperty
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.hyperlink import Hyperlink

    title = _sheet_title(_t("results_sheet", lang), workbook.sheetnames)
    ws = workbook.create_sheet(title, 0)
    workbook.active = 0
    for other in workbook.worksheets[1:]:
        other.sheet_view.tabSelected = False
    send_to = send_to or _t("send_to_default", lang)
    errors, warnings = len(result.errors), len(result.warnings)
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")

    def line(row: int, label: str, value: object, style: Font | None = None) -> None:
        ws.cell(row, 1, label).font = bold
        _put(ws.cell(row, 2), value)
        if style is not None:
            ws.cell(row, 2).font = style

    heading = ws.cell(1, 1, _t("title", lang))
    heading.font = Font(bold=True, size=14)
    line(2, _t("file", lang), readable(path.name))
    unit = f"{result.unit_name} ({result.unit_code})" if result.unit_code else "—"
    line(3, _t("unit", lang), unit)
    line(4, _t("period", lang), _period_label(result.period, lang) or "—")
    line(5, _t("checked_at", lang), datetime.now().strftime("%d/%m/%Y %H:%M"))
    verdict = _t("valid", lang) if result.valid else _t("invalid", lang)
    line(6, _t("verdict", lang), verdict, Font(bold=True, size=13, color="006100" if result.valid else "9C0006"))
    ws.cell(6, 2).fill = PatternFill(fill_type="solid", fgColor=OK_FILL if result.valid else ERROR_FILL)
    line(7, "", _t("counts", lang, errors=errors, warnings=warnings))
    todo = "next_errors" if errors else "next_warnings" if warnings else "next_valid"
    line(8, _t("next", lang), _t(todo, lang, send_to=send_to, sheet=title))
    name, _, suffix = kept.partition(":")
    _put(ws.cell(9, 2), _t(name, lang, suffix="." + suffix))
    ws.cell(9, 2).font = Font(italic=True, color="595959")
    for row in (8, 9):
        ws.merge_cells(start_row=row, end_row=row, start_column=2, end_column=6)
        ws.cell(row, 1).alignment = wrap
        ws.cell(row, 2).alignment = wrap
        ws.row_dimensions[row].height = 15 * (1 + len(str(ws.cell(row, 2).value)) // 110)
    ws.cell(11, 1, _t("list", lang)).font = Font(bold=True, size=12)
    headers = [_t("no", lang), _t("severity", lang), _t("sheet", lang), _t("cell", lang), _t("column", lang), _t("message", lang)]
    for column, label in enumerate(headers, start=1):
        cell = ws.cell(12, column, label)
        cell.font = bold
        cell.fill = PatternFill(fill_type="solid", fgColor="D9E1F2")
    if not result.problems:
        _put(ws.cell(13, 1), _t("none", lang))
    # Styles registered once and set by id: assigning style objects cell by cell costs
    # seconds on a file with thousands of problems.
    left = _style_id(workbook, "_alignments", Alignment(horizontal="left", vertical="top"))
    wrapped = _style_id(workbook, "_alignments", Alignment(wrap_text=True, vertical="top"))
    level_fill = {
        "error": _style_id(workbook, "_fills", PatternFill(fill_type="solid", fgColor=ERROR_FILL)),
        "warning": _style_id(workbook, "_fills", PatternFill(fill_type="solid", fgColor=WARNING_FILL)),
    }
    link_font = _style_id(workbook, "_fonts", Font(color="0563C1", underline="single"))
    labels = {severity: _t(severity, lang) for severity in ("error", "warning")}
    for number, (problem, place) in enumerate(zip(result.problems, places), start=1):
        row = 12 + number
        _set_style(ws.cell(row, 1, number), alignmentId=left)
        _set_style(ws.cell(row, 2, labels[problem.severity]), fillId=level_fill[problem.severity])
        _put(ws.cell(row, 3), place.sheet if place else _t("whole_file", lang))
        if place is not None:
            link = ws.cell(row, 4, place.cell)
            quoted = place.sheet.replace("'", "''")
            link.hyperlink = Hyperlink(ref=link.coordinate, location=f"'{quoted}'!{place.cell}", display=place.cell)
            _set_style(link, fontId=link_font)
        _put(ws.cell(row, 5), problem.column or "")
        message = ws.cell(row, 6)
        _put(message, problem.message(lang))
        _set_style(message, alignmentId=wrapped)
    for letter, width in zip("ABCDEF", (15, 10, 20, 7, 26, 70)):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A13"
    # Printed (or turned into a PDF for a mail): one page wide, landscape.
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    workbook.custom_doc_props.append(StringProperty(name=FEEDBACK_MARKER, value=title))


def _t(key: str, lang: Lang, **params: object) -> str:
    return message("feedback." + key, lang, **params)


def _save(workbook: Any, out: Path) -> None:
    """Written beside its final name, then renamed: a crash never leaves half a copy."""
    out.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=out.parent, prefix=".vwu-", suffix=".xlsx")
    os.close(handle)
    try:
        workbook.save(temporary)
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def mail_text(result: FileResult, copy: Path, lang: Lang = "vi", send_to: str | None = None) -> str:
    """The plain-text message beside the copy: what happened, each problem and its cell, what to do."""
    from openpyxl.utils import get_column_letter

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
                cell = f"{get_column_letter(problem.column_index or 1)}{problem.row}"
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
