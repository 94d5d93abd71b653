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
from vwu_pipeline.core.units import UnitTree


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
    period, value). Rows of units the crosswalk does not know are dropped."""
    plan = carrying(legacy, new)
    codes = figures["unit_code"]
    out = figures.assign(unit_code=codes.map(plan.target), legacy_code=codes, tree=new.tree)
    out = out[out["unit_code"].notna()]
    out = out.assign(allocated=~out["legacy_code"].isin(plan.not_allocated))
    missing = out[~out["allocated"]][["legacy_code", "unit_code", "indicator", "column", "period", "value"]]
    # Several legacy units land on one new unit: one figure per (unit, period, column), as if one
    # submission had sent their sum (the roll-up keeps one figure per unit and period).
    summed = (
        out.groupby(["indicator", "period", "unit_code", "column"], sort=False)
        .agg(value=("value", "sum"), submission_id=("submission_id", "max"), allocated=("allocated", "all"))
        .reset_index()
        .assign(tree=new.tree)
    )
    return summed, missing.reset_index(drop=True)


def combine(new_figures: pd.DataFrame, carried: pd.DataFrame, catalog: Catalog, new: UnitTree) -> pd.DataFrame:
    """The year's figures on the new tree: the new tree's own, and the carried ones except the
    not-allocated figures a new-tree figure of the same province supersedes."""
    if carried.empty:
        return new_figures
    kinds = {(i.name, c.name): c.aggregation for i in catalog.indicators for c in i.columns}
    loose = carried[~carried["allocated"]]
    keep = np.ones(len(carried), bool)
    if not loose.empty and not new_figures.empty:
        province_of = {u.code: u.province for u in new.units()}
        reported: dict[tuple[str, str, str], list[tuple[int, int]]] = {}
        # Each (indicator, column, unit, period) once, without a sub-frame per group (53,000 in 2025).
        keys = new_figures[["indicator", "column", "unit_code", "period"]].dropna().drop_duplicates()
        for indicator, column, unit, period in keys.itertuples(index=False):
            province = province_of.get(unit)
            if province:
                reported.setdefault((indicator, column, province), []).append(period_months(period))
        positions = np.flatnonzero(~carried["allocated"].to_numpy())
        for position, (indicator, column, unit, period) in zip(
            positions, loose[["indicator", "column", "unit_code", "period"]].itertuples(index=False)
        ):
            spans = reported.get((indicator, column, unit), ())
            start, end = period_months(period)
            kind = kinds.get((indicator, column), "flow")
            if kind == "stock":
                keep[position] = not any(e >= end for _, e in spans)
            elif kind == "opening":
                keep[position] = not any(s <= start for s, _ in spans)
            else:
                keep[position] = not any(s <= end and start <= e for s, e in spans)
    columns = list(new_figures.columns) if not new_figures.empty else list(carried.columns)
    kept = carried[keep]
    return pd.concat([new_figures, kept[[c for c in columns if c in kept.columns]]], ignore_index=True)


def on_new_tree(figures: pd.DataFrame, catalog: Catalog, legacy: UnitTree, new: UnitTree) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A year's figures (both trees, `tree` column) on the new tree, and the not-allocated ones."""
    if figures.empty or "tree" not in figures.columns:
        return figures, pd.DataFrame(columns=["legacy_code", "unit_code", "indicator", "column", "period", "value"])
    is_legacy = figures["tree"] == legacy.tree
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


def reform_rows(result, indicator: str, column: str) -> list[ReformRow]:
    """One row per new province in the report's scope, with `column`'s two years."""
    from vwu_pipeline.core.lookup import LEGACY_LAST_DAY

    crosswalk = load_crosswalk()
    legacy = UnitTree.for_date(LEGACY_LAST_DAY)
    values = result.values
    here = values[(values["indicator"] == indicator) & (values["column"] == column)].set_index("unit_code")
    provinces = result.tree.units("province")
    if result.root != "00":
        provinces = [u for u in provinces if u.code == result.tree.get(result.root).province]
    rows = []
    for province in provinces:
        before = [(c, legacy.get(c).name) for c in crosswalk.legacy_provinces(province.code) if c in legacy]
        value = here["value"].get(province.code) if province.code in here.index else None
        previous = here["previous"].get(province.code) if province.code in here.index else None
        flags = here.loc[province.code] if province.code in here.index else {}
        partial, previous_partial = (bool(flags.get(k, 0) or 0) for k in ("partial", "previous_partial"))
        rows.append(ReformRow(province.code, province.name, before, _number(value), _number(previous), partial, previous_partial))
    return rows


def _number(value: object) -> float | None:
    return None if value is None or value != value else float(value)
