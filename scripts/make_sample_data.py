"""Write sample_data/: a few real districts' submissions for 2023 to 2025, as offices make them (2025 also from
their new provinces, on the tree of 1 July 2025).

Deterministic: run it again and the same bytes come out (`.venv/bin/python
scripts/make_sample_data.py [DIR]`, default sample_data/inbox; a test checks that the committed
files are what it writes, so rerun it after changing the forms or the schemas). Figures come from the demo-data generator (plausible against
the national figures of DOMAIN.md); the .xlsx files are written through the template code
with the layouts real offices use, and a few are then edited by hand the way offices do.
Files whose names start with `loi_` each carry one error and are refused by `vwu ingest`.
Files this script does not make (e.g. targets_2024.csv) are left alone.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from vwu_pipeline.core.indicators import Indicator, load_catalog
from vwu_pipeline.core.periods import Period
from vwu_pipeline.core.units import Unit, UnitTree
from vwu_pipeline.forms.demo_data import DemoFigures
from vwu_pipeline.forms.layout import Shape
from vwu_pipeline.forms.template import (
    LABEL_COLUMNS,
    build_workbook,
    save_reproducible,
    title_lines,
)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from builders import to_cp1258  # noqa: E402  (the tests' builders write the same legacy CSVs)

OUT = Path(__file__).resolve().parent.parent / "sample_data" / "inbox"
SEED = 2024
CATALOG = load_catalog()


class Overridden:
    """Demo figures with a few cells typed differently: {(commune code, column name): value}."""

    def __init__(self, figures: DemoFigures, cells: dict[tuple[str, str], object]):
        self.figures, self.cells = figures, cells

    def __call__(self, reporting: Unit, row: Unit, indicator: Indicator) -> list[object]:
        values = self.figures(reporting, row, indicator)
        return [self.cells.get((row.code, c.name), v) for c, v in zip(indicator.columns, values)]


def xlsx(
    name: str,
    unit_code: str,
    period: str,
    shape: Shape = Shape(),
    *,
    figures=None,
    edit=None,
    size: float = 1.0,
    indicators: tuple[str, ...] | None = None,
) -> None:
    """A workbook through the template code; `edit(workbook)` then changes it as an office would."""
    the_period = Period(period)
    tree = UnitTree.for_period(the_period.code)  # 2025-H1: the legacy tree
    unit = tree.get(unit_code)
    workbook = build_workbook(unit, tree.leaves(unit.code), the_period, CATALOG, figures or DemoFigures(SEED, period, size=size), shape)
    if indicators is not None:  # the office sent only some of the sheets in this file
        for indicator in CATALOG.indicators:
            if indicator.name not in indicators:
                del workbook[indicator.sheet_name]
    if edit:
        edit(workbook)
    write(name, lambda path: save_reproducible(workbook, Path(path)))


def write(name: str, save) -> None:
    path = OUT / name
    path.parent.mkdir(parents=True, exist_ok=True)
    save(str(path))
    print(f"{path.relative_to(OUT.parent)}  ({path.stat().st_size // 1024} KB)")


def find_row(ws, label: str) -> int:
    """The row whose code (column B) or label (column A) reads `label`."""
    for row in ws.iter_rows(min_row=1, max_col=2):
        if label in (row[0].value, row[1].value):
            return row[0].row
    raise LookupError(label)


def rows_of(unit: Unit, period: str, indicator: Indicator, tree: UnitTree) -> list[list[object]]:
    figures = DemoFigures(SEED, period)
    return [[leaf.code, leaf.name, *figures(unit, leaf, indicator)] for leaf in tree.leaves(unit.code)]


def totals(rows: list[list[object]]) -> list[object]:
    return [sum(r[i] for r in rows) for i in range(2, len(rows[0]))]


def legacy_xls(name: str, unit_code: str, year: int) -> None:
    """A .xls saved by an old Excel: "Tính đến 30/11" in the title, numbering and totals rows."""
    import xlwt

    tree = UnitTree.for_year(year)
    unit = tree.get(unit_code)
    book = xlwt.Workbook(encoding="utf-8")
    for indicator in CATALOG.indicators:
        sheet = book.add_sheet(indicator.sheet_name)
        rows = rows_of(unit, str(year), indicator, tree)
        heads = [c.header for c in CATALOG.unit_columns]
        lines = [
            [f"HỘI LHPN {unit.name.upper()}"],
            [f"BÁO CÁO KẾT QUẢ CÔNG TÁC HỘI - {indicator.title('vi').upper()}"],
            [f"Tính đến 30/11/{year}"],
            [],
            ["STT", *heads, *(c.header for c in indicator.columns)],
            [f"({i})" for i in range(1, LABEL_COLUMNS + len(indicator.columns) + 1)],
            *([n, *row] for n, row in enumerate(rows, start=1)),
            ["Tổng cộng", None, None, *totals(rows)],
        ]
        for r, line in enumerate(lines):
            for c, value in enumerate(line):
                if value is not None:
                    sheet.write(r, c, value)
    write(name, book.save)


def cp1258_csv(name: str, unit_code: str, year: int, indicator_name: str) -> None:
    """One indicator as Excel saves "CSV" on a Vietnamese Windows: cp1258, semicolons."""
    tree = UnitTree.for_year(year)
    unit = tree.get(unit_code)
    indicator = CATALOG.get(indicator_name)
    rows = rows_of(unit, str(year), indicator, tree)
    lines = [
        *([line] for line in title_lines(unit, Period(str(year)))),
        [],
        [*(c.header for c in CATALOG.unit_columns), *(c.header for c in indicator.columns)],
        *rows,
        ["Tổng cộng", "", *totals(rows)],
    ]

    def save(path: str) -> None:
        with open(path, "w", encoding="cp1258", newline="") as handle:
            csv.writer(handle, delimiter=";").writerows([[to_cp1258(str(v)) for v in line] for line in lines])

    write(name, save)


def main(out: Path | None = None) -> None:
    """Write the sample submissions into `out` (default: sample_data/inbox; tests write elsewhere
    and compare byte for byte)."""
    global OUT
    OUT = Path(out) if out is not None else OUT
    OUT.mkdir(parents=True, exist_ok=True)
    members = CATALOG.get("members")

    # Hưng Yên (33): Tiên Lữ (332) and Phù Cừ (333).
    def thu_si(workbook):  # "Sĩ" and "Sỹ" are both written: the list says Thủ Sỹ
        ws = workbook[members.sheet_name]
        ws.cell(find_row(ws, "12367"), 3, "Xã Thủ Sĩ")

    xlsx("33_hung_yen/332_tien_lu_2024.xlsx", "332", "2024", edit=thu_si)
    xlsx("33_hung_yen/332_tien_lu_2024-H1.xlsx", "332", "2024-H1")
    xlsx("33_hung_yen/332_tien_lu_2023.xlsx", "332", "2023", Shape(numbering=False, headers="plain", totals_label="Cộng"))
    xlsx(
        "33_hung_yen/333_phu_cu_2024.xlsx",
        "333",
        "2024",
        Shape(two_row_header=True, totals_label="Tổng"),
        figures=DemoFigures(SEED, "2024", text_numbers=True),
    )
    legacy_xls("33_hung_yen/333_phu_cu_2023.xls", "333", 2023)

    # Quảng Trị (45): Đa Krông (467), whose office writes "Đakrông", and the island Cồn Cỏ (471).
    def dakrong_title(workbook):
        for ws in workbook.worksheets[1:]:
            ws.cell(1, 1, "HỘI LHPN HUYỆN ĐAKRÔNG")

    xlsx("45_quang_tri/467_dakrong_2024.xlsx", "467", "2024", Shape(headers="nfd"), edit=dakrong_title)
    xlsx("45_quang_tri/467_dakrong_2023.xlsx", "467", "2023", Shape(two_row_header=True, numbering=False))
    xlsx("45_quang_tri/471_con_co_2024.xlsx", "471", "2024", size=0.05)  # an island: its own row

    # Hà Giang (02): Đồng Văn (026); members sent apart as a CSV from an old Windows PC.
    others = tuple(i.name for i in CATALOG.indicators if i.name != "members")
    xlsx("02_ha_giang/026_dong_van_2024.xlsx", "026", "2024", indicators=others)
    cp1258_csv("02_ha_giang/026_dong_van_2024_hoi_vien.csv", "026", 2024, "members")
    xlsx("02_ha_giang/026_dong_van_2023.xlsx", "026", "2023")

    # The six-month reviews (sơ kết 6 tháng) of 2023 and 2024, so that the demo's H1 report has
    # the first half of the year before to compare with (Tiên Lữ's 2024 one is above).
    for period in ("2023-H1", "2024-H1"):
        if period != "2024-H1":
            xlsx(f"33_hung_yen/332_tien_lu_{period}.xlsx", "332", period)
        xlsx(f"33_hung_yen/333_phu_cu_{period}.xlsx", "333", period, Shape(two_row_header=True, totals_label="Tổng"))
        xlsx(f"45_quang_tri/467_dakrong_{period}.xlsx", "467", period, edit=dakrong_title)
        xlsx(f"45_quang_tri/471_con_co_{period}.xlsx", "471", period, size=0.05)
        xlsx(f"02_ha_giang/026_dong_van_{period}.xlsx", "026", period)
    # 2025 straddles the reform: the first half from the same districts on the legacy tree (sent
    # in June), the full year from their new provinces on the new tree (Hưng Yên 33 = Hưng Yên +
    # Thái Bình; Quảng Trị 44 = Quảng Bình + Quảng Trị; Tuyên Quang 08 = Hà Giang + Tuyên Quang).
    for name, code in (
        ("33_hung_yen/332_tien_lu", "332"),
        ("33_hung_yen/333_phu_cu", "333"),
        ("45_quang_tri/467_dakrong", "467"),
        ("45_quang_tri/471_con_co", "471"),
        ("02_ha_giang/026_dong_van", "026"),
    ):
        xlsx(f"{name}_2025-H1.xlsx", code, "2025-H1", size=0.05 if code == "471" else 1.0)
    for name, code in (("2025_moi/33_hung_yen", "33"), ("2025_moi/44_quang_tri", "44"), ("2025_moi/08_tuyen_quang", "08")):
        xlsx(f"{name}_2025.xlsx", code, "2025", size=3.0)  # a new commune merged about three legacy ones

    # Files with one error each: the demo shows them refused, with file, sheet, row and column.
    poverty = CATALOG.get("poverty")
    policies = CATALOG.get("policies")
    xlsx(
        "loi_chu_trong_o_so_333_phu_cu_2024-H1.xlsx",
        "333",
        "2024-H1",
        figures=Overridden(DemoFigures(SEED, "2024-H1"), {("12400", poverty.columns[2].name): "12 hộ"}),
    )

    def wrong_total(workbook):
        ws = workbook[members.sheet_name]
        row = find_row(ws, "Tổng cộng")
        ws.cell(row, LABEL_COLUMNS + 1, ws.cell(row, LABEL_COLUMNS + 1).value + 100)

    xlsx("loi_dong_tong_sai_026_dong_van_2024-H1.xlsx", "026", "2024-H1", edit=wrong_total)

    def foreign_commune(workbook):  # Hồ Xá belongs to Vĩnh Linh, not to Đa Krông
        ws = workbook[policies.sheet_name]
        row = find_row(ws, "19594")
        ws.cell(row, 2, "19363")
        ws.cell(row, 3, "Thị trấn Hồ Xá")

    xlsx("loi_ma_xa_huyen_khac_467_dakrong_2024-H1.xlsx", "467", "2024-H1", edit=foreign_commune)
    xlsx(
        "loi_so_am_332_tien_lu_2023-H1.xlsx",
        "332",
        "2023-H1",
        figures=Overridden(DemoFigures(SEED, "2023-H1"), {("12355", policies.columns[-1].name): -2}),
    )
    size = sum(p.stat().st_size for p in OUT.rglob("*") if p.is_file())
    print(f"sample_data/: {size // 1024} KB", file=sys.stderr)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else None)
