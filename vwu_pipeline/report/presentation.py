"""What a report shows, whatever the file format: the rows of its tables and its words.

The workbook (workbook.py) and the Markdown summary (summary.py) both read an
`AggregateResult` through these helpers, so the two always tell the same story.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

import numpy as np
import pandas as pd

from vwu_pipeline.core.indicators import Indicator, Measure, assessed_name, measures
from vwu_pipeline.core.messages import fill, pick, text
from vwu_pipeline.core.periods import Period
from vwu_pipeline.core.text import number
from vwu_pipeline.core.units import NATIONAL, UnitTree
from vwu_pipeline.report.compare import FULL_YEAR, period_bits
from vwu_pipeline.report.result import AggregateResult


def t(lang: str, key: str, **params: object) -> str:
    """A report text of the catalogue (messages.py, keys `report.*`)."""
    return text(f"report.{key}", lang, **params)


# --- numbers ---------------------------------------------------------------------------------


def percent(value: float | None, lang: str = "vi", decimals: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return number(value * 100, lang, decimals) + "%"


def signed(value: float | None, lang: str = "vi", ratio: bool = False, decimal: bool = False) -> str:
    """A change with its sign, as shown: "+1.284", "-2", "0"; a change of a percent rate in
    percentage points ("+10,0 điểm %"), of a decimal ratio in its own unit; never "-0,0"."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if decimal:  # a decimal ratio (attendances per session) changes in its own unit
        shown, decimals, suffix = round(value, 2), 2, ""
    elif ratio:  # a change of rate is in percentage points
        shown, decimals, suffix = round(value * 100, 1), 1, " " + text("report.percentage-points", lang)
    else:
        shown, decimals, suffix = (value if float(value).is_integer() else round(value, 1)), None, ""
    sign = "+" if shown > 0 else ""
    return sign + number(shown if shown else 0.0, lang, decimals) + suffix


def signed_percent(value: float | None, lang: str = "vi") -> str:
    """A relative change with its sign: +20,0%, -3,4%."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    rounded = round(value * 100, 1)
    return ("+" if rounded > 0 else "") + number(rounded if rounded else 0.0, lang, 1) + "%"


def stamp(at: str, lang: str = "vi") -> str:
    """An ISO timestamp as readers write it: 23/11/2024 08:15 (vi), 2024-11-23 08:15 (en)."""
    try:
        moment = datetime.fromisoformat(at)
    except (TypeError, ValueError):
        return at or ""
    return moment.strftime("%Y-%m-%d %H:%M" if lang == "en" else "%d/%m/%Y %H:%M")


def show(measure: Measure, value: float | None, lang: str = "vi") -> str:
    """A figure as the report writes it: 60,0% for a percent ratio, 103,10 người/buổi for a
    decimal one, 19.668.108 for a count."""
    return figure(measure.kind, measure.format, measure.unit(lang), value, lang)


def figure(kind: str, format: str, unit: str, value: float | None, lang: str = "vi") -> str:
    if kind == "ratio" and format == "decimal":
        shown = number(value, lang, 2)
        return f"{shown} {unit}" if unit and shown != "–" else shown
    return percent(value, lang) if kind == "ratio" else number(value, lang)


def _nan(value: object) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


# --- the tree ------------------------------------------------------------------------------


@lru_cache(maxsize=8)
def tree_order(tree: UnitTree) -> dict[str, int]:
    """Position of every unit in a depth-first walk (province, its districts, their communes)."""
    return {code: i for i, code in enumerate(_walk(tree))}


@lru_cache(maxsize=8)
def _walk(tree: UnitTree) -> dict[str, int]:
    """code -> depth (the nation 0, provinces 1...), in depth-first order."""
    return {NATIONAL: 0, **{unit.code: depth for unit, depth in tree.walk()}}


def depth(result: AggregateResult, code: str) -> int:
    """Depth below the report's root: 0 for the root, 1 for its children..."""
    depths = _walk(result.tree)
    return depths.get(code, 0) - depths.get(result.root, 0)


def level_label(level: str, lang: str) -> str:
    return t(lang, f"level_{level}")


def parent_name(result: AggregateResult, code: str, lang: str) -> str:
    unit = result.tree.get(code)
    return result.unit_name(unit.parent if unit and unit.parent else NATIONAL, lang)


def scope_name(result: AggregateResult, lang: str) -> str:
    return result.unit_name(result.root, lang)


def heading(result: AggregateResult, lang: str) -> str:
    """The report's title, named for its cycle: "Báo cáo sơ kết 6 tháng đầu năm 2024"."""
    return result.period.report_heading(lang)


def title(result: AggregateResult, lang: str) -> str:
    """The heading in capitals, as official documents print it."""
    return heading(result, lang).upper() if lang != "en" or result.period.is_year else heading(result, lang)


def _capital(label: str) -> str:
    return label[:1].upper() + label[1:]


def period_label(result: AggregateResult, lang: str) -> str:
    """The column heading of the report's figures: "Năm 2024", "6 tháng đầu năm 2024"."""
    return _capital(result.period.label(lang))


def previous_label(result: AggregateResult, lang: str) -> str:
    """... and of the comparison: the same part of the previous year."""
    return _capital(result.period.previous().label(lang))


def tree_label(result: AggregateResult, lang: str) -> str:
    return t(lang, "tree_legacy" if "district" in result.tree.levels else "tree_new")


def children_of_root(result: AggregateResult) -> list[str]:
    return [u.code for u in result.tree.children(None if result.root == NATIONAL else result.root)]


def root_rows(result: AggregateResult) -> pd.DataFrame:
    """The figures of the report's root: a few dozen of a national year's 200,000 rows, taken
    once (comparing every row's unit code took ~50 ms a time, and a report asks often)."""
    return _taken_once(result, "root", lambda values: values[values["unit_code"] == result.root])


def children_rows(result: AggregateResult) -> pd.DataFrame:
    """The figures of the root's children (the provinces of a national report), taken once."""
    return _taken_once(result, "children", lambda values: values[values["unit_code"].isin(children_of_root(result))])


def _taken_once(result: AggregateResult, name: str, take) -> pd.DataFrame:
    """`take(result.values)`, kept on the result for as long as its values and root stay."""
    kept = result.__dict__.setdefault("_presentation_rows", {})
    hit = kept.get(name)
    if hit is None or hit[0] is not result.values or hit[1] != result.root:
        hit = kept[name] = (result.values, result.root, take(result.values))
    return hit[2]


# --- rows of the report's tables -------------------------------------------------------------


@dataclass
class FigureRow:
    """A headline figure: this year's and the previous year's totals, each with its own
    partial mark, and the change computed like for like (see compare.py)."""

    indicator: Indicator
    measure: Measure
    value: float | None
    previous: float | None
    partial: bool
    previous_partial: bool = False
    like_value: float | None = None  # this year over the units compared
    like_previous: float | None = None  # the previous year over the same units
    compared: int = 0  # reporting units compared (lowest units when the root is one)
    compared_lowest: int = 0
    reason: str = ""  # why there is no change, when none was compared
    months: int = 4095  # the months the figures cover, as bits (4095: the whole year)

    @property
    def change(self) -> float | None:
        if not self.compared_lowest or self.like_value is None or self.like_previous is None:
            return None
        return self.like_value - self.like_previous

    @property
    def change_pct(self) -> float | None:
        if self.change is None or not self.like_previous or self.measure.kind == "ratio":
            return None
        return self.change / self.like_previous

    @property
    def whole(self) -> bool:
        """True when the change is between the two totals themselves, both complete."""
        return (
            self.change is not None
            and not self.partial
            and not self.previous_partial
            and _same(self.like_value, self.value)
            and _same(self.like_previous, self.previous)
        )


def _same(a: float | None, b: float | None) -> bool:
    return a is not None and b is not None and abs(a - b) <= 1e-9 * max(1.0, abs(b))


def figure_row(result: AggregateResult, indicator: Indicator, measure: Measure, row: pd.Series) -> FigureRow:
    def get(name: str, default: object = None) -> object:
        return row[name] if name in row.index else default

    return FigureRow(
        indicator,
        measure,
        _nan(row["value"]),
        _nan(row["previous"]),
        bool(row["partial"]),
        bool(_nan(get("previous_partial", 0)) or 0),
        _nan(get("lfl_value")),
        _nan(get("lfl_previous")),
        int(_nan(get("lfl_units", 0)) or 0),
        int(_nan(get("lfl_lowest", 0)) or 0),
        str(get("lfl_reason", "") or ""),
        int(_nan(get("months", 4095)) or 4095),
    )


def comparison_note(result: AggregateResult, row: FigureRow, lang: str = "vi") -> str:
    """What the change compares: "so sánh trên 1 huyện có số liệu cả hai năm", or why there is none."""
    # the same part of the previous year, named: "năm 2023", "6 tháng đầu năm 2023"
    previous_year = (result.previous_period or result.period.previous()).label(lang)
    if row.change is None:
        reason = row.reason or "no-previous-year"
        return t(lang, f"lfl_{reason.replace('-', '_')}", previous=previous_year, year=result.year)
    if row.whole:
        return ""
    reporting = result.tree.reporting_level()
    root_level = "national" if result.root == NATIONAL else result.tree.get(result.root).level
    levels = ["national", *result.tree.levels]
    if levels.index(root_level) < levels.index(reporting):
        count, level = row.compared, reporting
    else:  # the root is itself a reporting unit: count its communes
        count, level = row.compared_lowest, result.tree.levels[-1]
    return t(lang, "lfl_over", n=number(count, lang), units=unit_word(level, count, lang), previous=previous_year, year=result.year)


def ratio_note(result: AggregateResult, row: FigureRow, lang: str = "vi") -> str:
    """Over how many grassroots units a ratio is computed, when not over all those with figures:
    "tính trên 2/3 cơ sở có đủ tử số và mẫu số"."""
    if row.measure.kind != "ratio":
        return ""
    at_root = root_rows(result)  # as result.total(indicator, column), without a pass over every unit's rows
    hit = at_root[(at_root["indicator"] == row.indicator.name) & (at_root["column"] == assessed_name(row.measure.name))]
    pairs = None if hit.empty else float(hit["value"].iloc[0])
    with_figures = result.coverage(row.indicator.name)["grassroots_reported"]
    if pairs is None or pairs >= with_figures:
        return ""
    return t(lang, "ratio_over", n=number(pairs, lang), total=number(with_figures, lang))


def figure_notes(result: AggregateResult, row: FigureRow, lang: str = "vi") -> list[str]:
    """The notes of a headline figure: part of the year only, what its ratio covers, what its
    change compares."""
    notes = (part_year_note(result, row.months, lang), ratio_note(result, row, lang), comparison_note(result, row, lang))
    return [n for n in notes if n]


def part_year_note(result: AggregateResult, months: int | None, lang: str = "vi") -> str:
    """ "chỉ có số liệu 6 tháng đầu năm 2024" for a year figure built only from part-year periods."""
    if not result.period.is_year or not months or months == FULL_YEAR:
        return ""
    return t(lang, "part_year", what=months_label(months, result.year, lang))


def months_label(months: int, year: int, lang: str = "vi") -> str:
    """The period whose months these bits are ("6 tháng đầu năm 2024"), else "tháng 1–7 năm 2024"."""
    for part in ("H1", "H2", "9M", "Q1", "Q2", "Q3", "Q4", *(f"M{m:02d}" for m in range(1, 13))):
        if period_bits(f"{year}-{part}") == months:
            return Period(f"{year}-{part}").label(lang)
    first = (months & -months).bit_length()
    last = months.bit_length()
    return t(lang, "months_span", first=first, last=last, year=year)


def counts_lowest(result: AggregateResult) -> bool:
    """Completeness counts lowest units (communes answered for), not reporting units (2025+)."""
    return result.tree.counted_level() != result.tree.reporting_level()


def partial_text(result: AggregateResult, lang: str, submitted: int, expected: int, **_: object) -> str:
    """ "Số liệu chưa đủ (2/696 đơn vị báo cáo)", or of communes answered for (5/78 xã có báo cáo)."""
    key = "partial_lowest" if counts_lowest(result) else "partial"
    return t(lang, key, submitted=number(submitted, lang), expected=number(expected, lang))


def count_header(result: AggregateResult, lang: str, key: str) -> str:
    """ "Đã báo cáo", or "Đã báo cáo (xã)" where completeness counts communes answered for."""
    label = t(lang, key)
    return f"{label} ({unit_word(result.tree.counted_level(), 2, lang)})" if counts_lowest(result) else label


def unit_word(level: str, count: int, lang: str) -> str:
    """ "huyện", "district" / "districts": a level's name after a count."""
    word = t(lang, f"word_{level}")
    return word + ("s" if lang == "en" and count != 1 else "")


def headline(result: AggregateResult) -> list[FigureRow]:
    """The root's headline figures (those the schemas mark `headline`, else all), in schema order;
    made once per result (a report asks five times: workbook, Markdown, charts, JSON, narrative).
    The rows are shared: read them, do not change them."""
    return list(_taken_once(result, "headline", lambda values: _headline(result)))


def _headline(result: AggregateResult) -> list[FigureRow]:
    at_root = root_rows(result).set_index(["indicator", "column"])
    rows = []
    for indicator in result.catalog.indicators:
        shown = [m for m in measures(indicator) if m.headline] or measures(indicator)
        for measure in shown:
            key = (indicator.name, measure.name)
            if key in at_root.index:
                rows.append(figure_row(result, indicator, measure, at_root.loc[key]))
    return rows


MET, NOT_MET, INCOMPLETE, NOT_REPORTED = "met", "not_met", "incomplete", "not_reported"
IN_PROGRESS = "in_progress"  # a report for part of the year: the yearly target is not judged yet
ASSESSMENTS = (MET, IN_PROGRESS, INCOMPLETE, NOT_REPORTED, NOT_MET)  # the order of the per-target line


@dataclass
class TargetRow:
    """A target and what was achieved, assessed honestly on partial data (see `status`)."""

    unit_code: str
    unit_name: str
    indicator: Indicator
    measure: Measure
    target: float
    achieved: float | None
    partial: bool
    submitted: int = 1  # reporting units under the unit that submitted the indicator
    expected: int = 1
    period: Period | None = None  # the report's period; a part of the year is never judged missed

    @property
    def ratio(self) -> float | None:
        return None if self.achieved is None or not self.target else self.achieved / self.target

    @property
    def met(self) -> bool:
        return self.status == MET

    @property
    def status(self) -> str:
        """met | not_met | incomplete | not_reported | in_progress.

        Nothing submitted: not reported, never "not met". Partial data: a sum (flow, stock
        across units, derived, count) already at its target is met, since missing units can
        only add; below it, or any ratio, cannot be judged yet. In a report for part of the
        year (H1, Q3) a yearly target not reached yet is in progress, never "not met"."""
        if not self.submitted:
            return NOT_REPORTED
        reached = self.achieved is not None and self.achieved >= self.target - 1e-9
        if reached and (not self.partial or self.measure.kind != "ratio"):
            return MET
        if self.period is not None and not self.period.is_year:
            return IN_PROGRESS
        return INCOMPLETE if self.partial else NOT_MET

    def assessment(self, lang: str = "vi") -> str:
        """ "Đạt", "Chưa đạt", "Chưa báo cáo", "Chưa đủ số liệu (5/696 đơn vị)", or in a report
        for part of the year "Đang thực hiện: đạt 48% chỉ tiêu năm sau 6 tháng"."""
        if self.status == IN_PROGRESS:
            return f"{t(lang, 'in_progress')}: {self.progress(lang)}"
        return t(lang, f"target_{self.status}", submitted=number(self.submitted, lang), expected=number(self.expected, lang))

    def progress(self, lang: str = "vi") -> str:
        """How far a part of the year has gone towards the year's target: "đạt 48% chỉ tiêu năm
        sau 6 tháng" (a period from January), "Quý III năm 2024 đạt 20% chỉ tiêu năm" (one that is not)."""
        pct = percent(self.ratio, lang, 0)
        if self.period.cumulative:
            return t(lang, "progress", pct=pct, elapsed=self.period.elapsed(lang))
        return t(lang, "progress_part", pct=pct, period=_capital(self.period.label(lang)))


def target_tally(rows: list[TargetRow], lang: str = "vi") -> str:
    """The per-target line: "3 đạt · 2 chưa đủ số liệu · 58 chưa báo cáo"."""
    counts = {status: sum(r.status == status for r in rows) for status in ASSESSMENTS}
    return " · ".join(t(lang, f"tally_{status}", n=number(n, lang)) for status, n in counts.items() if n)


def _reported(result: AggregateResult, indicator: str, code: str) -> dict[str, int]:
    counts = result.coverage(indicator, code)
    return {"submitted": int(counts["submitted"]), "expected": int(counts["expected"])}


def measure_index(result: AggregateResult) -> dict[str, tuple[Indicator, Measure]]:
    return {m.name: (i, m) for i in result.catalog.indicators for m in measures(i)}


def target_rows(result: AggregateResult, lang: str = "vi") -> list[TargetRow]:
    """Every target within the report's scope with what was achieved, root first, then tree order."""
    known = measure_index(result)
    if result.targets.empty:
        return []
    # indexed on the targets' units only, not every unit's figures (a national year: 200,000)
    values = result.values[result.values["unit_code"].isin(set(result.targets["unit_code"]))].set_index(["unit_code", "column"])
    order = tree_order(result.tree)
    rows = []
    for code, column, target in result.targets[["unit_code", "column", "target"]].itertuples(index=False):
        if column not in known or (code != NATIONAL and code not in result.tree):
            continue  # the schemas or the unit list changed since the targets were loaded
        indicator, measure = known[column]
        hit = values.loc[(code, column)] if (code, column) in values.index else None
        rows.append(
            TargetRow(
                code,
                result.unit_name(code, lang),
                indicator,
                measure,
                float(target),
                None if hit is None else _nan(hit["value"]),
                bool(hit is not None and hit["partial"]),
                **_reported(result, indicator.name, code),
                period=result.period,
            )
        )
    names = list(known)
    rows.sort(key=lambda r: (order.get(r.unit_code, 0), names.index(r.measure.name)))
    return rows


@dataclass
class CoverageRow:
    """One unit's submissions: counts per indicator, and who is missing."""

    unit_code: str
    unit_name: str
    level: str
    depth: int
    expected: int  # reporting units concerned (the same for every indicator)
    grassroots_expected: int
    submitted: dict[str, int]  # indicator -> reporting units that submitted
    grassroots_reported: dict[str, int]  # indicator -> grassroots units with figures
    missing: dict[str, list[tuple[str, str]]]  # indicator -> (code, name) not submitted


def coverage_rows(result: AggregateResult, lang: str = "vi") -> list[CoverageRow]:
    """Completeness of the units at or above the reporting level, in tree order."""
    tree = result.tree
    reporting = tree.reporting_level()
    shown = {"national", *tree.levels[: tree.levels.index(reporting) + 1]}
    frame = result.completeness[result.completeness["level"].isin(shown)]
    # Missing reporting units listed under each of their ancestors, computed once.
    missing: dict[tuple[str, str], list[tuple[str, str]]] = {}
    absent = frame[(frame["level"] == reporting) & (frame["submitted"] == 0)]
    for indicator, code in absent[["indicator", "unit_code"]].itertuples(index=False):
        for above in [NATIONAL, *(u.code for u in tree.path(code))]:
            missing.setdefault((indicator, above), []).append((code, tree.get(code).name))
    rows: dict[str, CoverageRow] = {}
    for indicator, code, level, expected, submitted, g_expected, g_reported in frame[
        ["indicator", "unit_code", "level", "expected", "submitted", "grassroots_expected", "grassroots_reported"]
    ].itertuples(index=False):
        row = rows.get(code)
        if row is None:
            row = rows[code] = CoverageRow(
                code, result.unit_name(code, lang), level, depth(result, code), int(expected), int(g_expected), {}, {}, {}
            )
        row.submitted[indicator] = int(submitted)
        row.grassroots_reported[indicator] = int(g_reported)
        row.missing[indicator] = sorted(missing.get((indicator, code), []))
    order = tree_order(tree)
    return sorted(rows.values(), key=lambda r: order.get(r.unit_code, 0))


def missing_by_child(result: AggregateResult, indicator: str) -> list[tuple[str, int, tuple[tuple[str, str], ...]]]:
    """Missing reporting units grouped by the root's children: (child name, reporting units
    under the child, missing ones as (code, name)) — a province report lists its districts."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for unit in result.missing(indicator):
        child = unit.code
        for above in result.tree.path(unit.code):
            if above.parent == (None if result.root == NATIONAL else result.root):
                child = above.code
                break
        groups.setdefault(child, []).append((unit.code, unit.name))
    order = tree_order(result.tree)
    level = result.tree.reporting_level()
    return [
        (result.unit_name(child), _reporting_under(result.tree, child, level), tuple(units))
        for child, units in sorted(groups.items(), key=lambda kv: order.get(kv[0], 0))
    ]


def partly_covered(result: AggregateResult, indicator: str) -> list[tuple[str, str, int, int]]:
    """Reporting units under the root with only some of their communes answered for (2025+:
    by the province's file or the communes' own): (code, name, answered for, communes)."""
    if not counts_lowest(result):
        return []
    frame = result.completeness
    rows = frame[(frame["indicator"] == indicator) & (frame["level"] == result.tree.reporting_level())]
    rows = rows[(rows["submitted"] > 0) & (rows["submitted"] < rows["expected"])]
    return [
        (code, result.unit_name(code), int(k), int(n))
        for code, k, n in rows[["unit_code", "submitted", "expected"]].itertuples(index=False)
        if result.root == NATIONAL or result.tree.is_under(code, result.root)
    ]


@lru_cache(maxsize=4096)
def _reporting_under(tree: UnitTree, code: str, level: str) -> int:
    """How many reporting units lie at or under a unit."""
    unit = tree.get(code)
    if unit is None or unit.level == level:
        return 1
    return sum(1 for u in tree.descendants(code) if u.level == level)


@dataclass
class UnitTable:
    """The units with figures for an indicator, root first, in tree order, column by column:
    the workbook writes ten thousand rows a sheet from these lists without an object a row."""

    codes: list[str]
    names: list[str]
    levels: list[str]
    depths: list[int]
    has_children: list[bool]
    measures: list[str]
    figures: list[list[float]]  # a list of floats a unit, one a measure (NaN: no figure)
    array: np.ndarray  # the same figures as one array, a row a unit
    partial: list[bool]
    counts: dict[str, tuple[int, int]]  # unit -> reporting units submitted and expected, of partial units
    part_year: list[str]  # "chỉ có số liệu 6 tháng đầu năm 2024" when the year has only that


def indicator_table(result: AggregateResult, indicator: Indicator, lang: str = "vi") -> UnitTable:
    """The units with figures for an indicator, root first, in tree order, as columns: the
    indicator's rows of the values (taken once per result) pivoted to a row per unit and a
    column per measure, with the tree's names, levels and depths."""
    names = [m.name for m in measures(indicator)]
    rows = _rows_by_indicator(result).get(indicator.name)
    if rows is None:
        return UnitTable([], [], [], [], [], names, [], np.empty((0, len(names))), [], {}, [])
    codes_of_rows, columns_of_rows, values, partial_of_rows, months = rows
    # as `pivot`: a row per unit, the units in code order, no (unit, column) twice ...
    units, unit_of_row = pd.factorize(codes_of_rows)[::-1]
    columns, column_of_row = pd.factorize(columns_of_rows)[::-1]
    if len(unit_of_row) and np.bincount(unit_of_row.astype(np.int64) * len(columns) + column_of_row).max() > 1:
        raise ValueError("Index contains duplicate entries, cannot reshape")
    codes, ranked, unit_names, levels, depths, has_children = _units_in_order(result, units, lang)
    place = np.empty(len(units), dtype=np.int64)
    place[ranked] = np.arange(len(units))
    wanted = {name: j for j, name in enumerate(names)}
    column_place = np.array([wanted.get(c, -1) for c in columns], dtype=np.int64)[column_of_row]
    kept = column_place >= 0
    table = np.full((len(codes), len(names)), np.nan)
    table[place[unit_of_row[kept]], column_place[kept]] = values[kept]

    partial = set(codes_of_rows[partial_of_rows == 1].tolist())
    part_year: dict[str, int] = {}
    if result.period.is_year and months is not None:  # figures built only from part-year periods (a part-year report asked for them)
        whole = np.where(np.isnan(months), 4095, months) if months.dtype.kind == "f" else months
        part = (whole.astype(int) != 4095) & (months > 0)
        part_year = dict(zip(codes_of_rows[part].tolist(), whole[part].astype(int).tolist()))
    notes = [""] * len(codes)
    if part_year:
        said: dict[int, str] = {}
        for k, code in enumerate(codes):
            bits = part_year.get(code)
            if bits is not None:
                notes[k] = said[bits] if bits in said else said.setdefault(bits, part_year_note(result, bits, lang))
    return UnitTable(
        codes,
        unit_names,
        levels,
        depths,
        has_children,
        names,
        table.tolist(),
        table,
        [code in partial for code in codes] if partial else [False] * len(codes),
        {code: _counts(result, indicator.name, code) for code in codes if code in partial},
        notes,
    )


def _units_in_order(result: AggregateResult, units: np.ndarray, lang: str) -> tuple[list, list, list, list, list, list]:
    """The units (in the order first met) in tree order, units outside the tree first with the
    nation, in code order (`ranked`: their positions in `units`), with their names, levels,
    depths and whether a unit among them lies under each: the same for every indicator of a
    national report, so kept for the last units asked for."""
    kept = result.__dict__.setdefault("_presentation_units", {})
    hit = kept.get(lang)
    if hit is not None and hit[0] is result.tree and hit[1] == result.root and np.array_equal(hit[2], units):
        return hit[3]
    order = tree_order(result.tree)
    positions = [order.get(code, 0) for code in units]
    ranked = sorted(range(len(units)), key=positions.__getitem__)
    outside = positions.count(0)
    ranked[:outside] = sorted(ranked[:outside], key=units.__getitem__)
    codes = [units[k] for k in ranked]
    tree_units = [result.tree.get(code) for code in codes]
    parents = {u.parent for u in tree_units if u is not None}
    depths = _walk(result.tree)
    below = depths.get(result.root, 0)
    columns = (
        codes,
        ranked,
        [result.unit_name(code, lang) if u is None or code == NATIONAL else u.name for code, u in zip(codes, tree_units)],
        [u.level if u else "national" for u in tree_units],
        [depths.get(code, 0) - below for code in codes],
        [code == NATIONAL or code in parents for code in codes],
    )
    kept[lang] = (result.tree, result.root, units, columns)
    return columns


def _rows_by_indicator(result: AggregateResult) -> dict[str, tuple]:
    """Each indicator's rows of the values, as arrays (unit codes, columns, values, partial,
    months or None), taken once per result: comparing 200,000 indicator names took ~15 ms a time."""

    def split(values: pd.DataFrame) -> dict[str, tuple]:
        indicator_of_row, indicators = pd.factorize(values["indicator"])
        arrays = [values[c].to_numpy(dtype=object) for c in ("unit_code", "column")]
        numbers = [values["value"].to_numpy(dtype=float), values["partial"].to_numpy()]
        months = values["months"].to_numpy() if "months" in values.columns else None
        kept = {}
        for k, name in enumerate(indicators):
            at = np.flatnonzero(indicator_of_row == k)
            kept[name] = (*(a[at] for a in arrays), *(a[at] for a in numbers), None if months is None else months[at])
        return kept

    return _taken_once(result, "by_indicator", split)


def _counts(result: AggregateResult, indicator: str, code: str) -> tuple[int, int]:
    counts = result.coverage(indicator, code)
    return counts["submitted"], counts["expected"]


def ranking(
    result: AggregateResult, measure: Measure, count: int = 3
) -> tuple[list[tuple[str, float, bool]], list[tuple[str, float, bool]]]:
    """(leading, lagging) children of the root for one measure: (name, value, partial). A tie
    is neither: a unit leads only above the lowest value and lags only below the highest."""
    values = children_rows(result)
    part = values[(values["indicator"] == measure.indicator) & (values["column"] == measure.name)].sort_values(
        ["value", "unit_code"], ascending=[False, True]
    )
    ranked = [(result.unit_name(c), float(v), bool(p)) for c, v, p in part[["unit_code", "value", "partial"]].itertuples(index=False)]
    if len(ranked) < 2:
        return ranked, []
    shown = min(count, len(ranked) // 2)  # never the same unit on both lists
    highest, lowest = ranked[0][1], ranked[-1][1]
    top = [entry for entry in ranked[:shown] if entry[1] > lowest]
    bottom = [entry for entry in ranked[::-1][:shown] if entry[1] < highest and all(entry[1] < t[1] for t in top)]
    return top, bottom


@dataclass
class OutlierRow:
    unit_code: str
    unit_name: str
    within: str
    indicator: Indicator
    measure: Measure
    value: float
    reference: float
    message: str


def outlier_rows(result: AggregateResult, lang: str = "vi") -> list[OutlierRow]:
    known = measure_index(result)
    order = tree_order(result.tree)
    rows = []
    for indicator_name, code, column, value, reference, kind in result.outliers[
        ["indicator", "unit_code", "column", "value", "reference", "kind"]
    ].itertuples(index=False):
        if column not in known:
            continue
        indicator, measure = known[column]
        if kind in ("jump", "jump-total"):
            up = value > reference
            times = number(value / reference if up else reference / value, lang, 0)
            total = "_total" if kind == "jump-total" else ""  # a new province against its legacy ones
            message = t(
                lang,
                f"jump{total}_up" if up else f"jump{total}_down",
                times=times,
                period=result.period.previous().label(lang),
                reference=number(reference, lang),
            )
        elif kind.startswith("rule:"):  # an error rule broken once the unit's periods are combined
            rule = next((r for r in indicator.rules if r.code == kind[5:]), None)
            if rule is None:
                continue  # the schema changed since the aggregation
            broken = fill(pick((rule.message_vi, rule.message_en), lang), {"left": number(value, lang), "right": number(reference, lang)})
            message = t(lang, "rule_break", message=broken, period=result.period.label(lang))
        else:
            message = t(lang, "siblings", parent=parent_name(result, code, lang), reference=number(reference, lang))
        rows.append(
            OutlierRow(
                code,
                result.unit_name(code, lang),
                parent_name(result, code, lang),
                indicator,
                measure,
                float(value),
                float(reference),
                message,
            )
        )
    rows.sort(key=lambda r: (order.get(r.unit_code, 0), r.measure.name))
    return rows


@dataclass
class WarningRow:
    file: str
    unit: str
    sheet: str
    row: int | None
    column: str
    value: str
    message: str


def warning_rows(result: AggregateResult, lang: str = "vi") -> list[WarningRow]:
    message = "message_en" if lang == "en" else "message_vi"
    frame = result.warnings
    return [
        WarningRow(
            str(file),
            f"{result.unit_name(code, lang)} ({code})" if isinstance(code, str) else "",
            "" if pd.isna(sheet) else str(sheet),
            None if pd.isna(row) else int(row),
            "" if pd.isna(column) else str(column),
            "" if pd.isna(value) else str(value),
            "" if pd.isna(text) else str(text),
        )
        for file, code, sheet, row, column, value, text in frame[
            ["file", "unit_code", "sheet", "row", "column", "value", message]
        ].itertuples(index=False)
    ]


def has_partial_marks(result: AggregateResult) -> bool:
    """True when a figure of the report is marked "*": a total of either year at the root built
    from partial data (then figures below it may be marked too). An indicator nobody sent has
    no figure to mark."""
    at_root = root_rows(result)
    flags = [at_root[c].fillna(0).astype(bool) for c in ("partial", "previous_partial") if c in at_root]
    return any(bool(f.any()) for f in flags)


def is_partial(result: AggregateResult) -> bool:
    """True when any indicator's total at the root was built from partial data."""
    at_root = result.completeness[result.completeness["unit_code"] == result.root]
    return bool((at_root["submitted"] < at_root["expected"]).any())
