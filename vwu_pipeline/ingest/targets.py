"""vwu targets FILE: the yearly targets (chỉ tiêu) per unit and figure, from CSV or xlsx.

A targets file has a header row with the columns
    year, unit_code, column, target   (and optionally note)
one target per row: `unit_code` is text ("33", "332"; "00" or empty for national), `column`
the name of any figure of the schemas (a column, a derived sum such as lifted_total, a
ratio or a threshold count), `target` a number ("34.000" as offices type it; a ratio as
0.6 or 60%). The file is checked whole: any error refuses it, naming its row and column;
otherwise every row replaces the target of the same year, unit and figure.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vwu_pipeline.core.crosswalk import REFORM_YEAR, load_crosswalk
from vwu_pipeline.core.errors import EXIT_OK, EXIT_REFUSED, VwuError
from vwu_pipeline.core.indicators import Measure, load_catalog, measures
from vwu_pipeline.core.lookup import LEGACY_LAST_DAY, trees_of_year
from vwu_pipeline.core.problems import Problem
from vwu_pipeline.core.text import NotANumber, clean, fold, parse_number
from vwu_pipeline.core.units import NATIONAL, UnitTree
from vwu_pipeline.ingest.guards import ReadError
from vwu_pipeline.ingest.reading import RawSheet, read_problem, read_workbook
from vwu_pipeline.store.db import Store

# The header of a targets file (`vwu targets`): field -> the ways offices write it.
TARGET_HEADERS = {
    "year": ("year", "năm", "nam bao cao"),
    "unit_code": ("unit_code", "unit code", "mã đơn vị", "mã", "unit"),
    "column": ("column", "indicator", "số liệu", "chỉ tiêu", "measure"),
    "target": ("target", "chỉ tiêu giao", "mục tiêu", "kế hoạch"),
    "note": ("note", "ghi chú"),
    "tree": ("tree", "cây", "cây đơn vị", "danh mục", "danh mục đơn vị"),  # 2025: legacy or 2025
}
TARGET_REQUIRED = ("year", "unit_code", "column", "target")
_TARGET_KEYS = {name: {fold(a) for a in aliases} for name, aliases in TARGET_HEADERS.items()}


def find_targets_header(sheet: RawSheet) -> tuple[int, dict[str, int | None]] | None:
    """(0-based row, field -> 0-based column) of a targets table's header near the top."""
    for index, cells in enumerate(sheet.rows[:20]):
        folded = [fold(c) for c in cells]
        place = {name: next((j for j, f in enumerate(folded) if f in keys), None) for name, keys in _TARGET_KEYS.items()}
        if all(place[name] is not None for name in TARGET_REQUIRED):
            return index, place
    return None


@dataclass
class TargetsResult:
    path: str
    rows: int = 0  # targets stored
    years: list[int] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    lang: str = "vi"

    @property
    def valid(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)

    @property
    def exit_code(self) -> int:
        return EXIT_OK if self.valid else EXIT_REFUSED

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "valid": self.valid,
            "rows": self.rows,
            "years": self.years,
            "problems": [p.to_dict(self.lang) for p in self.problems],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)


def _problem(
    result: TargetsResult,
    code: str,
    sheet: str | None = None,
    row: int | None = None,
    column: str | None = None,
    value: object = None,
    **params: object,
) -> None:
    result.problems.append(Problem(code, "error", Path(result.path).name, sheet, row, column, value, dict(params)))


def _unit(raw: object, tree: UnitTree) -> str | None:
    """The unit a cell names: "00"/empty is national; digits that lost their zeros in Excel
    ("1" for "01") are tried at each official width, province first."""
    if clean(raw).removesuffix(".0") in ("", "0", NATIONAL):
        return NATIONAL
    return tree.resolve_code(raw)


# Ways offices name a tree in the `tree` column (folded): the legacy tree or that of 1 July 2025.
_TREE_WORDS = {"cu": "legacy", "cay cu": "legacy", "old": "legacy", "moi": "2025", "cay moi": "2025", "new": "2025"}


def _tree_key(name: str) -> str:
    return fold(name).replace(" ", "")


def _same_ground(code: str, legacy: UnitTree, new: UnitTree) -> bool:
    """True when a code names the same unit on both trees: a province or commune the reform left
    as it was (one predecessor and one successor, itself)."""
    crosswalk = load_crosswalk()
    if legacy.get(code).level == "province":
        return crosswalk.legacy_provinces(code) == [code] and crosswalk.new_province(code) == code
    successors = crosswalk.successors(code)
    return [p.new_code for p in successors] == [code] and [p.legacy_code for p in crosswalk.predecessors(code)] == [code]


def _target(raw: object, measure: Measure) -> float | None:
    text = clean(raw)
    ratio = measure.percent  # a decimal ratio's target (40 attendances per session) is read as typed
    try:
        value = parse_number(text.removesuffix("%").strip() if ratio else raw)
    except NotANumber:
        return None
    if value is None or value < 0:
        return None
    # A rate above 1 can only be meant as a percentage ("60" or "60%" for 0.6).
    return value / 100 if ratio and (text.endswith("%") or value > 1) else value


def load_targets(path: Path, workspace: Path, year: int | None = None, schemas: Path | None = None, lang: str = "vi") -> TargetsResult:
    """Check a targets file and, when it has no error, store its targets."""
    result = TargetsResult(str(path), lang=lang)
    rows = parse_targets(Path(path), result, year, schemas)
    if not result.valid:
        return result
    store = Store.open(workspace)
    try:
        store.save_targets(rows, Path(path).name)
    finally:
        store.close()
    result.rows = len(rows)
    result.years = sorted({r[0] for r in rows})
    return result


def parse_targets(
    path: Path, result: TargetsResult, year: int | None = None, schemas: Path | None = None
) -> list[tuple[int, str, str, float, str]]:
    """(year, unit_code, column, target, tree) rows of a targets file; problems go into `result`."""
    try:
        sheets = read_workbook(path)
    except ReadError as error:
        result.problems.append(read_problem(error, path.name))
        return []
    except OSError as error:
        result.problems.append(read_problem(error, path.name))
        return []
    known = {fold(m.name): m for i in load_catalog(schemas).indicators for m in measures(i)}
    examples = ", ".join(list(dict.fromkeys(m.name for m in known.values()))[:6])
    for sheet in sheets:
        if found := find_targets_header(sheet):
            # A CSV file has one unnamed sheet: its problems name the file and row only.
            name = None if path.suffix.lower() == ".csv" else sheet.name
            return _rows(sheet, name, *found, result, year, known, examples)
    _problem(result, "targets-header", sheets[0].name if sheets else None)
    return []


def _rows(
    sheet,
    sheet_name: str | None,
    header_index: int,
    place: dict[str, int | None],
    result: TargetsResult,
    year: int | None,
    known: dict[str, Measure],
    examples: str,
) -> list[tuple[int, str, str, float, str]]:
    headers = {name: clean(sheet.rows[header_index][j]) for name, j in place.items() if j is not None}
    out: list[tuple[int, str, str, float, str]] = []
    first: dict[tuple[int, str, str], int] = {}
    for offset, cells in enumerate(sheet.rows[header_index + 1 :], start=header_index + 2):  # Excel row numbers

        def cell(name: str) -> object:
            j = place[name]
            return cells[j] if j is not None and j < len(cells) else None

        if all(clean(cell(name)) == "" for name in TARGET_REQUIRED):
            continue  # blank line
        where = {"sheet": sheet_name, "row": offset}
        raw_year = clean(cell("year")).removesuffix(".0")
        row_year = int(raw_year) if raw_year.isdigit() and len(raw_year) == 4 else year if raw_year == "" else None
        if row_year is None:
            _problem(result, "targets-year", column=headers["year"], value=cell("year"), **where)
            continue
        if year is not None and row_year != year:
            _problem(result, "targets-year-conflict", column=headers["year"], value=row_year, expected=year, **where)
            continue
        try:
            tree = UnitTree.for_year(row_year)
        except VwuError:
            _problem(result, "targets-year", column=headers["year"], value=row_year, **where)
            continue
        named = clean(cell("tree"))
        if named:  # the tree the office says the target was set on
            trees = trees_of_year(row_year)
            tree = next((t for t in trees if _tree_key(t.tree) == _tree_key(named) or _TREE_WORDS.get(fold(named)) == t.tree), None)
            if tree is None:
                trees_text = " / ".join(t.tree for t in trees)
                _problem(result, "targets-tree", column=headers["tree"], value=named, year=row_year, trees=trees_text, **where)
                continue
            unit = _unit(cell("unit_code"), tree)
        else:
            unit = _unit(cell("unit_code"), tree)
            if row_year == REFORM_YEAR:
                legacy = UnitTree.for_date(LEGACY_LAST_DAY)
                if unit is None:
                    # 2025 targets may have been set on the legacy tree (a district, or legacy province 45).
                    if (unit := _unit(cell("unit_code"), legacy)) is not None:
                        tree = legacy
                elif unit != NATIONAL and unit in legacy and not _same_ground(unit, legacy, tree):
                    # 44 was Quảng Bình and is now Quảng Trị: never guessed.
                    _problem(
                        result,
                        "targets-tree-ambiguous",
                        column=headers["unit_code"],
                        value=unit,
                        year=row_year,
                        legacy_name=legacy.get(unit).name,
                        new_name=tree.get(unit).name,
                        **where,
                    )
                    continue
        if unit is None:
            _problem(result, "targets-unit", column=headers["unit_code"], value=cell("unit_code"), year=row_year, **where)
        measure = known.get(fold(cell("column")))
        if measure is None:
            _problem(result, "targets-column", column=headers["column"], value=cell("column"), examples=examples, **where)
        target = _target(cell("target"), measure) if measure else None
        if measure and target is None:
            _problem(result, "targets-value", column=headers["target"], value=cell("target"), **where)
        if unit is None or measure is None or target is None:
            continue
        key = (row_year, tree.tree, unit, measure.name)
        if key in first:
            _problem(result, "targets-duplicate", column=headers["unit_code"], value=unit, first_row=first[key], **where)
            continue
        first[key] = offset
        out.append((row_year, unit, measure.name, target, tree.tree))
    if not out and result.valid:
        _problem(result, "targets-empty", sheet_name)
    return out
