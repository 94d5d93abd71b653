"""Rolling up across the 2025 reform: legacy-tree figures carried onto the new tree.

The carrying rules (README, "Across the 2025 reform"), applied to each stored figure of a
legacy-tree submission:
- a legacy commune (or island district) with one piece goes to that new commune;
- a split commune goes to the piece that took all of its population ("toàn bộ dân số");
  otherwise to its new province's own row: *not allocated* to a commune, exact at province level;
- a legacy district's or province's own row goes to the new province's own row.

A not-allocated figure sits on the province's own row beside the new tree's figures of the
same province; it is dropped where the new tree reports the same column in that province for
a period that supersedes it (an overlapping period for a flow, a later-or-equal end for a
stock, an earlier-or-equal start for an opening stock), so that nothing counts twice. Allocated
figures meet the new tree's on their commune, where the usual per-unit rules choose periods.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from vwu_pipeline.core.crosswalk import Crosswalk, load_crosswalk
from vwu_pipeline.core.indicators import Catalog
from vwu_pipeline.core.periods import period_months
from vwu_pipeline.core.units import Unit, UnitTree
from vwu_pipeline.store.db import factorize_texts


@dataclass(frozen=True)
class Carrying:
    """Where each legacy unit's figures land on the new tree."""

    target: dict[str, str]  # legacy code -> new code (a commune, or the new province's own row)
    not_allocated: frozenset[str]  # legacy communes carried to their province only (split, no all-population piece)


@lru_cache(maxsize=4)
def carrying(legacy: UnitTree, new: UnitTree, crosswalk: Crosswalk | None = None) -> Carrying:
    crosswalk = crosswalk or load_crosswalk()
    target: dict[str, str] = {}
    not_allocated: set[str] = set()
    for unit in legacy.units():
        province = crosswalk.new_province(unit.province)
        if province is None or province not in new:
            continue
        if crosswalk.successors(unit.code):  # a lowest unit: a commune, or an island district
            commune = crosswalk.carry_target(unit.code)
            if commune is not None and commune in new:
                target[unit.code] = commune
                continue
            not_allocated.add(unit.code)
        target[unit.code] = province
    return Carrying(target, frozenset(not_allocated))


def carry(figures: pd.DataFrame, legacy: UnitTree, new: UnitTree) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Legacy-tree figures re-keyed onto the new tree: (carried figures, the not-allocated
    ones with their legacy unit: legacy_code, unit_code (the new province), indicator, column,
    period, value). Rows of units the crosswalk does not know are dropped.

    Worked on integer codes (each text column factorized once, by its pointers): a national
    year is 160,000 legacy figures, and grouping them on four text columns hashed every text
    of every row (the same frames as pandas' groupby on the texts, `tests/test_speed.py`)."""
    plan = carrying(legacy, new)
    units, unit_names = factorize_texts(_objects(figures["unit_code"]))
    names = unit_names.tolist()
    # Per distinct legacy code: its target's number among the targets (-1: not carried; the
    # last entry stands for a missing code), and whether it is carried to its province only.
    target_numbers: dict[str, int] = {}
    target_of = np.array(
        [*(target_numbers.setdefault(t, len(target_numbers)) if (t := plan.target.get(c)) is not None else -1 for c in names), -1],
        dtype=np.int64,
    )
    loose_of = np.array([*(c in plan.not_allocated for c in names), False])
    target = target_of[units]
    kept = np.flatnonzero(target >= 0)
    loose = loose_of[units]
    missing_rows = kept[loose[kept]]
    lost = figures.take(missing_rows)
    missing = pd.DataFrame(
        {
            "legacy_code": lost["unit_code"],
            "unit_code": lost["unit_code"].map(plan.target),
            "indicator": lost["indicator"],
            "column": lost["column"],
            "period": lost["period"],
            "value": lost["value"],
        }
    ).reset_index(drop=True)
    # Several legacy units land on one new unit: one figure per (unit, period, column), as if one
    # submission had sent their sum (the roll-up keeps one figure per unit and period). Groups in
    # the order they first appear, rows without a name dropped, as groupby(sort=False) makes them.
    indicator, indicator_names = factorize_texts(_objects(figures["indicator"]))
    period, period_names = factorize_texts(_objects(figures["period"]))
    column, column_names = factorize_texts(_objects(figures["column"]))
    kept = kept[(indicator[kept] >= 0) & (period[kept] >= 0) & (column[kept] >= 0)]
    key = indicator[kept].astype(np.int64)
    for codes, size in ((period, len(period_names)), (target, len(target_numbers)), (column, len(column_names))):
        key = key * size + codes[kept]
    group, _ = pd.factorize(key)
    groups = int(group.max()) + 1 if len(group) else 0
    first = np.empty(groups, np.intp)
    first[group[::-1]] = kept[::-1]  # each group's first row
    # Summed by pandas, in the rows' order (its sums compensate rounding: the same figures).
    value = pd.Series(figures["value"].to_numpy(float)[kept]).groupby(group).sum().to_numpy()
    submission = np.full(groups, np.iinfo(np.int64).min)
    np.maximum.at(submission, group, figures["submission_id"].to_numpy(np.int64)[kept])
    allocated = np.bincount(group, weights=loose[kept], minlength=groups) == 0
    targets = pd.array(list(target_numbers), dtype="str")
    summed = pd.DataFrame(
        {
            "indicator": figures["indicator"].array.take(first),
            "period": figures["period"].array.take(first),
            "unit_code": targets.take(target[first]),
            "column": figures["column"].array.take(first),
            "value": value,
            "submission_id": submission,
            "allocated": allocated,
        }
    ).assign(tree=new.tree)
    return summed, missing


def _objects(texts: pd.Series) -> np.ndarray:
    """A text column as the object array under it (no copy), for `factorize_texts`."""
    return texts.to_numpy(dtype=object, copy=False)


def combine(new_figures: pd.DataFrame, carried: pd.DataFrame, catalog: Catalog, new: UnitTree) -> pd.DataFrame:
    """The year's figures on the new tree: the new tree's own, and the carried ones except the
    not-allocated figures a new-tree figure of the same province supersedes."""
    if carried.empty:
        return new_figures
    kinds = {(i.name, c.name): c.aggregation for i in catalog.indicators for c in i.columns}
    allocated = carried["allocated"].to_numpy(bool)
    keep = np.ones(len(carried), bool)
    if not allocated.all() and not new_figures.empty:
        province_of = {u.code: u.province for u in new.units()}
        # The periods the new tree reports per (indicator, column, province): decided on the
        # distinct (indicator, column, province, period) of its figures (about a thousand
        # nationally) instead of each of its 53,000 (indicator, column, unit, period).
        indicator, indicator_names = factorize_texts(_objects(new_figures["indicator"]))
        column, column_names = factorize_texts(_objects(new_figures["column"]))
        unit, unit_names = factorize_texts(_objects(new_figures["unit_code"]))
        period, period_names = factorize_texts(_objects(new_figures["period"]))
        provinces: dict[str, int] = {}
        province_names = [province_of.get(u) for u in unit_names.tolist()]
        province = np.array([*(provinces.setdefault(p, len(provinces)) if p else -1 for p in province_names), -1], dtype=np.int64)[unit]
        named = (indicator >= 0) & (column >= 0) & (period >= 0) & (province >= 0)
        sizes = (len(column_names), len(provinces), len(period_names))
        key = indicator[named].astype(np.int64)
        for codes, size in zip((column, province, period), sizes):
            key = key * size + codes[named]
        reported: dict[tuple[str, str, str], list[tuple[int, int]]] = {}
        province_list, indicator_list, column_list, period_list = (
            list(provinces),
            indicator_names.tolist(),
            column_names.tolist(),
            period_names.tolist(),
        )
        for combination in np.unique(key).tolist():
            combination, p = divmod(combination, sizes[2])
            combination, v = divmod(combination, sizes[1])
            i, c = divmod(combination, sizes[0])
            reported.setdefault((indicator_list[i], column_list[c], province_list[v]), []).append(period_months(period_list[p]))
        positions = np.flatnonzero(~allocated)
        loose = carried.take(positions)
        for position, indicator_name, column_name, unit_code, period_code in zip(
            positions.tolist(), *(_objects(loose[name]).tolist() for name in ("indicator", "column", "unit_code", "period"))
        ):
            spans = reported.get((indicator_name, column_name, unit_code), ())
            start, end = period_months(period_code)
            kind = kinds.get((indicator_name, column_name), "flow")
            if kind == "stock":
                keep[position] = not any(e >= end for _, e in spans)
            elif kind == "opening":
                keep[position] = not any(s <= start for s, _ in spans)
            else:
                keep[position] = not any(s <= end and start <= e for s, e in spans)
    columns = list(new_figures.columns) if not new_figures.empty else list(carried.columns)
    kept = carried[keep]
    return pd.concat([new_figures, kept[[c for c in columns if c in kept.columns]]], ignore_index=True)


def of_tree(figures: pd.DataFrame, tree: str) -> np.ndarray:
    """Which figures were sent on `tree` (a missing tree is none), as `figures["tree"] == tree`
    gives them, from the column's few distinct names (its texts are pointers to them)."""
    codes, names = factorize_texts(_objects(figures["tree"]))
    hits = [k for k, name in enumerate(names.tolist()) if name == tree]
    return codes == hits[0] if hits else np.zeros(len(codes), bool)


def tree_names(figures: pd.DataFrame) -> set[str]:
    """The trees the figures were sent on (missing ones left out), as `set(figures["tree"].dropna())`."""
    _, names = factorize_texts(_objects(figures["tree"]))
    return set(names.tolist())


def on_new_tree(figures: pd.DataFrame, catalog: Catalog, legacy: UnitTree, new: UnitTree) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A year's figures (both trees, `tree` column) on the new tree, and the not-allocated ones."""
    if figures.empty or "tree" not in figures.columns:
        return figures, pd.DataFrame(columns=["legacy_code", "unit_code", "indicator", "column", "period", "value"])
    is_legacy = of_tree(figures, legacy.tree)
    carried, missing = carry(figures[is_legacy], legacy, new)
    return combine(figures[~is_legacy], carried, catalog, new), missing


def province_map(legacy: UnitTree, new: UnitTree) -> dict[str, str]:
    """Every legacy unit code -> the new province it lies in (for completeness and targets)."""
    crosswalk = load_crosswalk()
    return {u.code: p for u in legacy.units() if (p := crosswalk.new_province(u.province)) is not None}


# --- what the report shows about the reform ---------------------------------------------------


@dataclass(frozen=True)
class ReformRow:
    """A new province, the legacy provinces it was formed from, and one figure of both years
    (the previous year carried onto the new tree: the sum of its legacy provinces)."""

    code: str
    name: str
    legacy: list[tuple[str, str]]  # (code, name) of the legacy provinces
    value: float | None
    previous: float | None
    partial: bool = False  # built from partial data: marked "*"
    previous_partial: bool = False


def shows_reform(result) -> bool:
    """A report of the reform year, or of a year compared with it, on the new tree."""
    from vwu_pipeline.core.crosswalk import REFORM_YEAR
    from vwu_pipeline.core.lookup import LEGACY_LAST_DAY

    legacy = UnitTree.for_date(LEGACY_LAST_DAY)
    return result.tree.tree != legacy.tree and result.year in (REFORM_YEAR, REFORM_YEAR + 1) and result.year - 1 <= REFORM_YEAR


def _provinces_in_scope(result) -> list[tuple[Unit, list[tuple[str, str]]]]:
    """Each new province in the report's scope, with the legacy provinces (code, name) it took in."""
    from vwu_pipeline.core.lookup import LEGACY_LAST_DAY

    crosswalk = load_crosswalk()
    legacy = UnitTree.for_date(LEGACY_LAST_DAY)
    provinces = result.tree.units("province")
    if result.root != "00":
        provinces = [u for u in provinces if u.code == result.tree.get(result.root).province]
    return [(p, [(c, legacy.get(c).name) for c in crosswalk.legacy_provinces(p.code) if c in legacy]) for p in provinces]


def reform_rows(result, indicator: str, column: str) -> list[ReformRow]:
    """One row per new province in the report's scope, with `column`'s two years."""
    values = result.values
    rows = result.measure_rows(indicator, column)
    codes = values["unit_code"].to_numpy(dtype=object)[rows].tolist()
    if len(set(codes)) != len(codes):  # a unit twice: pandas' own lookups, as they always were
        return _reform_rows_by_frame(result, indicator, column)
    at = {code: k for k, code in enumerate(codes)}
    # Each column's value of each row, as `here.loc[code]` gives it (flags missing: 0).
    value, previous = (values[name].to_numpy()[rows] for name in ("value", "previous"))
    flags = [values[k].to_numpy()[rows] if k in values.columns else np.zeros(len(rows), int) for k in ("partial", "previous_partial")]
    out = []
    for province, before in _provinces_in_scope(result):
        k = at.get(province.code)
        if k is None:
            out.append(ReformRow(province.code, province.name, before, None, None, False, False))
            continue
        partial, previous_partial = (bool(f[k] or 0) for f in flags)
        out.append(ReformRow(province.code, province.name, before, _number(value[k]), _number(previous[k]), partial, previous_partial))
    return out


def _reform_rows_by_frame(result, indicator: str, column: str) -> list[ReformRow]:
    """`reform_rows` on pandas' lookups, for a frame that holds a unit twice for one measure."""
    values = result.values
    here = values[(values["indicator"] == indicator) & (values["column"] == column)].set_index("unit_code")
    rows = []
    for province, before in _provinces_in_scope(result):
        value = here["value"].get(province.code) if province.code in here.index else None
        previous = here["previous"].get(province.code) if province.code in here.index else None
        flags = here.loc[province.code] if province.code in here.index else {}
        partial, previous_partial = (bool(flags.get(k, 0) or 0) for k in ("partial", "previous_partial"))
        rows.append(ReformRow(province.code, province.name, before, _number(value), _number(previous), partial, previous_partial))
    return rows


def _number(value: object) -> float | None:
    return None if value is None or value != value else float(value)
