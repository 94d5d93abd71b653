"""Report templates: the workbook a union sends each reporting unit to fill in.

One workbook per reporting unit, one sheet per indicator schema, laid out the way offices
lay out their reports (title block, header, numbering row, one row per commune, totals
row), so that `vwu ingest` reads a filled template like any other submission. Code, name
and header cells are locked (sheet protection without a password); figure cells are open
and carry Excel data validation (whole number within the schema's bounds).

The demo-data generator writes through the same code: `WorkbookJob` with a `figures`
callback fills the figures, and a `Shape` (forms/layout.py) varies the layout the way real offices do.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from vwu_pipeline.core.errors import ConfigError
from vwu_pipeline.core.indicators import Catalog, Column, Indicator, load_catalog
from vwu_pipeline.core.lookup import form_tree, reporting_units
from vwu_pipeline.core.outputs import output_error, output_folder
from vwu_pipeline.core.periods import Period
from vwu_pipeline.core.text import NotANumber, fold, number, parse_number
from vwu_pipeline.core.units import Unit, UnitTree, typed_code
from vwu_pipeline.forms.layout import OFFICIAL, Shape, styled

if TYPE_CHECKING:
    from openpyxl import Workbook

Figures = Callable[[Unit, Unit, Indicator], Sequence[object]]
"""(reporting unit, row unit, indicator) -> one value per indicator column, None for blank."""

INSTRUCTIONS_SHEET = "Hướng dẫn"
INSTRUCTIONS_WIDTH = 70  # characters per line of the instructions column
LABEL_COLUMNS = 3  # STT, code, name; figures start in column D
PARALLEL_FROM = 8  # fewer workbooks than this are written in-process: a pool costs more to start


def slug(text: str) -> str:
    """A file-name-safe form of a unit name: "Huyện Tiên Lữ" -> "huyen_tien_lu"."""
    return fold(text).replace(" ", "_")


def workbook_path(out_dir: Path, unit: Unit, tree: UnitTree, period: Period) -> Path:
    """out/33_tinh_hung_yen/332_huyen_tien_lu_2024.xlsx: one folder per province."""
    name = f"{unit.code}_{slug(unit.name)}_{period.code}.xlsx"
    if unit.level == "province":
        return out_dir / name
    province = tree.get(unit.province)
    return out_dir / f"{province.code}_{slug(province.name)}" / name


# --- writing -------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkbookJob:
    """One workbook to write. Plain data, so it can travel to a worker process."""

    path: Path
    unit: str  # reporting unit code
    period: str  # period code
    figures: Figures | None = None  # None: a blank template with SUM formulas in the totals row
    shape: Shape = OFFICIAL
    schemas: Path | None = None
    tree: str = ""  # the tree's name when it is not the period's own (a new-tree 2025-H1 form)


def write_templates(
    year: int,
    out_dir: Path,
    unit: str | None = None,
    level: str | None = None,
    period: str | None = None,
    schemas: Path | None = None,
    figures: Figures | None = None,
) -> list[Path]:
    """Write one template per reporting unit under `unit` for the year (or a period of it)."""
    the_period = Period.parse(year, period)
    # 2025-H1: the legacy tree, districts report; with --level province, the new tree
    tree = form_tree(the_period.code, level, typed_code(unit))
    load_catalog(schemas)  # a bad schema folder fails here, once, not in every worker
    jobs = [
        WorkbookJob(workbook_path(Path(out_dir), u, tree, the_period), u.code, the_period.code, figures, OFFICIAL, schemas, tree.tree)
        for u in reporting_units(tree, unit, level, year)
    ]
    return write_workbooks(jobs)


def write_workbooks(jobs: Sequence[WorkbookJob], workers: int | None = None) -> list[Path]:
    """Write the jobs' workbooks, in worker processes when there are many (openpyxl is CPU-bound)."""
    workers = workers or os.cpu_count() or 1
    for folder in sorted({job.path.parent for job in jobs}):
        output_folder(folder)  # a read-only or mistyped --out fails here, once, naming the folder
    if len(jobs) < PARALLEL_FROM or workers == 1:
        return [write_job(job) for job in jobs]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(write_job, jobs, chunksize=max(1, len(jobs) // (workers * 8))))


def write_job(job: WorkbookJob) -> Path:
    period = Period(job.period)
    tree = job_tree(job)
    unit = tree.get(job.unit)
    if unit is None:
        raise ConfigError("error.unit-unknown", code=job.unit, year=period.year)
    workbook = build_workbook(unit, tree.leaves(unit.code), period, load_catalog(job.schemas), job.figures, job.shape)
    try:
        save_reproducible(workbook, job.path)
    except OSError as exc:  # a full disk in the middle of the run
        raise output_error(job.path, exc) from None
    return job.path


def job_tree(job: WorkbookJob) -> UnitTree:
    """The tree a job's form is made on: its own, else the period's."""
    trees = UnitTree.candidates(job.period)
    return next((t for t in trees if t.tree == job.tree), trees[0])


STAMP = (2024, 11, 30, 0, 0, 0)  # the close of a reporting year; any fixed moment would do
_CORE_TIME = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)")


def save_reproducible(workbook: Workbook, path: Path) -> None:
    """Save so that the same content gives the same bytes: openpyxl stamps the time of saving
    into the zip entries and docProps/core.xml, which would make every run a new file (and a
    new submission to ingest, which deduplicates by content hash)."""
    import io
    import zipfile

    buffer = io.BytesIO()
    workbook.save(buffer)
    moment = b"%04d-%02d-%02dT%02d:%02d:%02dZ" % STAMP
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "docProps/core.xml":
                data = _CORE_TIME.sub(rb"\g<1>" + moment + rb"\g<2>", data)
            target.writestr(zipfile.ZipInfo(info.filename, date_time=STAMP), data, zipfile.ZIP_DEFLATED)


def build_workbook(
    unit: Unit,
    rows: Sequence[Unit],
    period: Period,
    catalog: Catalog,
    figures: Figures | None = None,
    shape: Shape = OFFICIAL,
) -> Workbook:
    """The workbook of one reporting unit: instructions first, then one sheet per indicator."""
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.properties.creator = "vwu"
    _add_styles(workbook)
    _write_instructions(workbook.active, unit, period, catalog)
    for indicator in catalog.indicators:
        sheet_name = styled(indicator.sheet_name, shape) if shape.headers == "plain" else indicator.sheet_name
        _write_indicator(workbook.create_sheet(sheet_name), indicator, catalog, unit, rows, period, figures, shape)
    return workbook


def title_lines(unit: Unit, period: Period) -> list[str]:
    """The title block: ingest reads the unit and the period back from it."""
    return [
        f"HỘI LHPN {unit.name.upper()}",
        f"BÁO CÁO KẾT QUẢ CÔNG TÁC HỘI {period.label().upper()}",
        f"Kỳ báo cáo: {period.label()[:1].upper()}{period.label()[1:]}",
        f"Mã đơn vị: {unit.code}",
    ]


def _add_styles(workbook: Workbook) -> None:
    """The workbook's named cells styles. Setting a named style copies a small index array,
    where setting fonts and borders one by one hashes style objects for every cell: about
    half of the time of writing a workbook."""
    from openpyxl.styles import (
        Alignment,
        Border,
        Font,
        NamedStyle,
        PatternFill,
        Protection,
        Side,
    )

    thin = Side(style="thin", color="808080")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    grey = PatternFill("solid", fgColor="F2F2F2")
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    styles = [
        NamedStyle("vwu-title", font=Font(bold=True, size=12), alignment=center),
        NamedStyle("vwu-subtitle", alignment=center),
        NamedStyle("vwu-header", font=Font(bold=True), alignment=center, border=box, fill=PatternFill("solid", fgColor="DDEBF7")),
        NamedStyle("vwu-label", border=box, fill=grey),
        NamedStyle("vwu-code", border=box, fill=grey, number_format="@"),  # codes are text: zeros matter
        NamedStyle("vwu-figure", border=box, number_format="#,##0", protection=Protection(locked=False)),
        NamedStyle("vwu-total", font=Font(bold=True), border=box, fill=grey, number_format="#,##0"),
        NamedStyle("vwu-total-label", font=Font(bold=True), alignment=center, border=box, fill=grey),
        NamedStyle("vwu-note", alignment=wrap),
        NamedStyle("vwu-note-title", font=Font(bold=True, size=12), alignment=wrap),
        NamedStyle("vwu-note-bold", font=Font(bold=True), alignment=wrap),
        NamedStyle("vwu-note-rule", font=Font(italic=True, color="595959"), alignment=wrap),
    ]
    for style in styles:
        workbook.add_named_style(style)


def _write_indicator(
    ws,
    indicator: Indicator,
    catalog: Catalog,
    unit: Unit,
    rows: Sequence[Unit],
    period: Period,
    figures: Figures | None,
    shape: Shape,
) -> None:
    from openpyxl.utils import get_column_letter

    heads = {c.name: c.header for c in catalog.unit_columns}
    # The form of the report year: a column with since/until is on some years' forms only.
    columns = indicator.columns_for(period.year)
    shown = [k for k, c in enumerate(indicator.columns) if c in columns]
    width = LABEL_COLUMNS + len(columns)
    last = get_column_letter(width)

    r = 0
    for line in [*title_lines(unit, period), f"Biểu: {indicator.title('vi')}"]:
        r += 1
        _put(ws, r, [line])
        ws.merge_cells(f"A{r}:{last}{r}")
        ws.cell(r, 1).style = "vwu-title" if r <= 2 else "vwu-subtitle"
    r += 1  # a blank row keeps the title block apart from the header

    labels = [styled(x, shape) for x in ("STT", heads["unit_code"], heads["unit_name"])]
    figure_headers = [styled(c.header, shape) for c in columns]
    header_top = r + 1
    if shape.two_row_header:
        # Offices group the figures under one merged label and merge the label columns down.
        _put(ws, r + 1, labels + [styled("Kết quả thực hiện", shape)] + [None] * (len(figure_headers) - 1))
        _put(ws, r + 2, [None] * LABEL_COLUMNS + figure_headers)
        for col in range(1, LABEL_COLUMNS + 1):
            ws.merge_cells(start_row=r + 1, start_column=col, end_row=r + 2, end_column=col)
        if len(figure_headers) > 1:
            ws.merge_cells(start_row=r + 1, start_column=LABEL_COLUMNS + 1, end_row=r + 1, end_column=width)
        r += 2
    else:
        r += 1
        _put(ws, r, labels + figure_headers)
    ws.row_dimensions[r].height = 48
    if shape.numbering:
        r += 1
        _put(ws, r, [f"({i})" for i in range(1, width + 1)])
    for row in ws.iter_rows(min_row=header_top, max_row=r, max_col=width):
        for cell in row:
            cell.style = "vwu-header"

    first = r + 1
    sums = [0.0] * len(columns)
    for ordinal, row_unit in enumerate(rows, start=1):
        every = list(figures(unit, row_unit, indicator)) if figures else [None] * len(indicator.columns)
        values = [every[k] for k in shown]
        r += 1
        _put(ws, r, [ordinal, row_unit.code, row_unit.name, *values])
        ws.cell(r, 1).style = ws.cell(r, 3).style = "vwu-label"
        ws.cell(r, 2).style = "vwu-code"
        for i, value in enumerate(values):
            ws.cell(r, LABEL_COLUMNS + 1 + i).style = "vwu-figure"
            sums[i] += _as_number(value)
    end = r

    for i, column in enumerate(columns):
        letter = get_column_letter(LABEL_COLUMNS + 1 + i)
        validation = _validation(column)
        validation.add(f"{letter}{first}:{letter}{end}")
        ws.add_data_validation(validation)

    if shape.totals_label:
        # A blank form sums with formulas; generated data writes the numbers an office's
        # Excel would have cached, since openpyxl cannot store a formula's value.
        totals = [
            f"=SUM({get_column_letter(LABEL_COLUMNS + 1 + i)}{first}:{get_column_letter(LABEL_COLUMNS + 1 + i)}{end})"
            if figures is None
            else int(total)
            if float(total).is_integer()
            else total
            for i, total in enumerate(sums)
        ]
        r += 1
        _put(ws, r, [shape.totals_label, None, None, *totals])
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=LABEL_COLUMNS)
        for col in range(1, width + 1):
            ws.cell(r, col).style = "vwu-total-label" if col <= LABEL_COLUMNS else "vwu-total"

    ws.column_dimensions["A"].width = 6
    ws.column_dimensions["B"].width = 10
    ws.column_dimensions["C"].width = 30
    for col in range(LABEL_COLUMNS + 1, width + 1):
        ws.column_dimensions[get_column_letter(col)].width = 18
    ws.freeze_panes = ws.cell(first, LABEL_COLUMNS + 1)
    ws.print_title_rows = f"{header_top}:{first - 1}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.protection.sheet = True  # no password: it guards against slips, not people


def _put(ws, row: int, values: Sequence[object]) -> None:
    for col, value in enumerate(values, start=1):
        ws.cell(row, col, value)


def _as_number(value: object) -> float:
    try:
        return parse_number(value) or 0.0
    except NotANumber:
        return 0.0


def _example(low: float | None, high: float | None) -> int:
    """A whole number the column accepts, to show in the error message: 1234 where it fits."""
    for candidate in (1234, 123, 12, 1, 0):
        if (low is None or candidate >= low) and (high is None or candidate <= high):
            return candidate
    return int(low if low is not None else high)


def _validation(column: Column):
    """Whole numbers within the column's bounds in the schema."""
    from openpyxl.worksheet.datavalidation import DataValidation

    low, high = column.min, column.max
    if low is not None and high is not None:
        operator, f1, f2, rule = "between", low, high, f"từ {number(low)} đến {number(high)}"
    elif low is not None:
        operator, f1, f2, rule = "greaterThanOrEqual", low, None, f"từ {number(low)} trở lên"
    elif high is not None:
        operator, f1, f2, rule = "lessThanOrEqual", high, None, f"không quá {number(high)}"
    else:
        operator, f1, f2, rule = "between", -1e15, 1e15, "bất kỳ"
    return DataValidation(
        type="whole",
        operator=operator,
        formula1=f"{f1:g}" if isinstance(f1, float) else str(f1),
        formula2=None if f2 is None else (f"{f2:g}" if isinstance(f2, float) else str(f2)),
        allow_blank=True,
        showInputMessage=True,
        showErrorMessage=True,
        promptTitle="Nhập số nguyên",
        prompt=f'Nhập số nguyên {rule}, không kèm chữ (không ghi "12 hộ"). Để trống nếu chưa có số liệu.',
        errorTitle="Số liệu không hợp lệ",
        error=f"Ô này chỉ nhận số nguyên {rule}, ví dụ {number(_example(low, high))}.",
        errorStyle="stop",
    )


def _write_instructions(ws, unit: Unit, period: Period, catalog: Catalog) -> None:
    """The instructions sheet. Everything is in column A, so ingest never takes it for a table."""
    ws.title = INSTRUCTIONS_SHEET
    sheets = ", ".join(f"“{i.sheet_name}”" for i in catalog.indicators)
    lines: list[tuple[str, str]] = [
        ("HƯỚNG DẪN ĐIỀN BIỂU MẪU BÁO CÁO", "vwu-note-title"),
        (f"Đơn vị báo cáo: Hội LHPN {unit.name} (mã {unit.code}) — kỳ báo cáo: {period.label()}.", "vwu-note-bold"),
        ("", "vwu-note"),
        (f"1. Mỗi trang tính là một biểu: {sheets}. Điền số liệu của từng đơn vị vào các ô trắng.", "vwu-note"),
        (
            '2. Chỉ nhập số nguyên không âm (0, 1, 2, …), không kèm chữ (không ghi "12 hộ"). '
            "Đơn vị chưa có số liệu thì để trống; có nhưng bằng không thì ghi 0.",
            "vwu-note",
        ),
        (
            "3. Mã, tên đơn vị và tiêu đề cột đã được khóa (bảo vệ trang tính, không đặt mật khẩu). "
            "Không đổi tên trang tính, không thêm, xóa hay đổi thứ tự cột.",
            "vwu-note",
        ),
        ("4. Nếu danh sách đơn vị chưa đúng, báo lại Hội LHPN cấp trên để được gửi mẫu mới.", "vwu-note"),
        ("5. Dòng “Tổng cộng” tự cộng các dòng phía trên: không nhập vào dòng này.", "vwu-note"),
        (f"6. Số liệu năm tính đến 30/11/{period.year}. Lưu tệp dạng .xlsx (Excel Workbook) và gửi lại.", "vwu-note"),
        ("", "vwu-note"),
        ("CÁC CHỈ TIÊU", "vwu-note-title"),
    ]
    for indicator in catalog.indicators:
        lines.append((f"Trang “{indicator.sheet_name}”", "vwu-note-bold"))
        for column in indicator.columns_for(period.year):
            kind = {"stock": "số có tại thời điểm cuối kỳ", "opening": "số có tại thời điểm đầu kỳ"}.get(
                column.aggregation, "số phát sinh trong kỳ"
            )
            unit_note = f", đơn vị: {column.unit}" if column.unit else ""
            lines.append((f"  • {column.header}: {kind}{unit_note}.", "vwu-note"))
        for rule in indicator.rules:
            left, right = indicator.figure_label(rule.left), indicator.figure_label(rule.right)
            sign = {"<=": "không lớn hơn", ">=": "không nhỏ hơn", "<": "nhỏ hơn", ">": "lớn hơn", "==": "bằng"}[rule.op]
            level = "bắt buộc" if rule.severity == "error" else "cần kiểm tra nếu không đúng"
            lines.append((f"  – {left} {sign} {right} ({level}).", "vwu-note-rule"))
        for ratio in indicator.ratios:
            lines.append(
                (
                    f"  – {ratio.label('vi')} = {indicator.figure_label(ratio.numerator)} / "
                    f"{indicator.figure_label(ratio.denominator)}: tự tính, không cần nhập.",
                    "vwu-note-rule",
                )
            )
    for row, (text, style) in enumerate(lines, start=1):
        ws.cell(row, 1, text).style = style
        # Spreadsheet programs do not grow a wrapped row on their own: size it for its lines.
        ws.row_dimensions[row].height = 15 * max(1, -(-len(text) // int(INSTRUCTIONS_WIDTH * 1.2)))
    ws.column_dimensions["A"].width = INSTRUCTIONS_WIDTH
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.protection.sheet = True
