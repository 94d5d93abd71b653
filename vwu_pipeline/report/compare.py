"""Like-for-like comparison of two sets of figures (this year against the previous one).

A change is only honest when both sides cover the same ground: the same lowest units, each
reported for the same kind of period (a year against a year, not a first half against a
year). Two steps, kept apart so that other comparisons plug in:

1. `comparable`: which own figures enter the comparison, on each side (a mask over each
   side's units). Same tree: a unit's figure of a column enters when the unit has it in both
   years and its figures of that indicator cover the same months. A crosswalk between two
   trees (the 2025 reform) is another function with the same signature.
2. `like_for_like`: the masked figures rolled up each side's own tree (sums, derived sums,
   ratios recomputed), the previous side placed on this side's units, with how many units
   were compared and, where none was, why.

Comparing "the same period of the previous year" is the same call on figures filtered to
that period.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from vwu_pipeline.core.indicators import Catalog
from vwu_pipeline.core.periods import period_months
from vwu_pipeline.core.units import UnitTree
from vwu_pipeline.report.arrays import FigureCodes, Rolled, TreeIndex, figure_codes, raw_columns, roll_up, tree_index

FULL_YEAR = (1 << 12) - 1  # months as bits: January is bit 0

# Why a unit has no like-for-like change (empty: it has one).
NO_PREVIOUS_YEAR = "no-previous-year"
NO_COMMON_UNIT = "no-common-unit"
DIFFERENT_PERIODS = "different-periods"
DIFFERENT_TREES = "different-trees"
BOUNDARY_CHANGED = "boundary-changed"  # across the 2025 reform: a commune not made of whole legacy communes


def period_bits(code: str) -> int:
    """The months a period covers as bits: 2024 -> 0xFFF, 2024-H1 -> 0x3F."""
    start, end = period_months(code)
    return ((1 << end) - 1) ^ ((1 << (start - 1)) - 1)


@dataclass
class Side:
    """One side of a comparison: a year's own figures on its tree, and the months each unit's
    figures of each indicator cover."""

    tree: UnitTree
    rolled: Rolled
    months: np.ndarray  # (indicators × units) bits of the months covered; 0 where no figure

    @property
    def index(self) -> TreeIndex:
        return self.rolled.index

    @property
    def own(self) -> np.ndarray:
        return self.rolled.own


def months_covered(figures: pd.DataFrame, catalog: Catalog, index: TreeIndex, codes: FigureCodes | None = None) -> np.ndarray:
    """(indicators × units): bits of the months of the periods each unit has figures for."""
    out = np.zeros((len(catalog.indicators), index.size), dtype=np.int64)
    if figures.empty:
        return out
    # OR-ing the same bits twice changes nothing: every figure is OR-ed in, its indicator and
    # period looked up once per name (not a lookup per figure, nor pairs made unique first).
    codes = codes or figure_codes(figures, index)
    unit = codes.unit
    slot = {i.name: k for k, i in enumerate(catalog.indicators)}
    indicator = np.array([*(slot.get(name, -1) for name in codes.indicator_names), -1], dtype=np.int64)[codes.indicator]  # -1: none
    bits = np.array([*(period_bits(p) for p in codes.period_names), 0], dtype=np.int64)[codes.period]
    keep = (unit >= 0) & (indicator >= 0)
    np.bitwise_or.at(out, (indicator[keep], unit[keep]), bits[keep])
    return out


def make_side(figures: pd.DataFrame, own: np.ndarray, catalog: Catalog, tree: UnitTree, codes: FigureCodes | None = None) -> Side:
    index = tree_index(tree)
    return Side(tree, roll_up(own, catalog, tree), months_covered(figures, catalog, index, codes))


def place(values: np.ndarray, source: TreeIndex, target: TreeIndex) -> np.ndarray:
    """Values over `source`'s units placed on `target`'s units by code (NaN where absent)."""
    if source is target:
        return values
    take = np.array([source.position.get(code, -1) for code in target.codes])
    fill = np.nan if values.dtype.kind == "f" else 0
    return np.where(take >= 0, values[..., np.maximum(take, 0)], fill)


Comparable = Callable[[Side, Side, Catalog], tuple[np.ndarray, np.ndarray]]


def comparable(now: Side, before: Side, catalog: Catalog) -> tuple[np.ndarray, np.ndarray]:
    """(now mask, before mask): the own figures (raw columns × units of each side's tree) that
    enter a like-for-like comparison on the same unit tree: the same unit has the column in
    both years, and its figures of that indicator cover the same months in both.

    Between two different trees no unit matches by code: a crosswalk replaces this function."""
    now_mask = np.zeros(now.own.shape, bool)
    if now.tree.tree != before.tree.tree:
        return now_mask, np.zeros(before.own.shape, bool)
    before_own = place(before.own, before.index, now.index)
    before_months = place(before.months, before.index, now.index)
    row_indicator = _row_indicators(catalog)
    same_months = (now.months == before_months) & (now.months > 0)  # indicators × units
    now_mask = ~np.isnan(now.own) & ~np.isnan(before_own) & same_months[row_indicator]
    # The same mask on the previous year's own units.
    back = np.array([now.index.position.get(code, -1) for code in before.index.codes])
    before_mask = np.where(back >= 0, now_mask[:, np.maximum(back, 0)], False)
    return now_mask, before_mask


def _row_indicators(catalog: Catalog) -> np.ndarray:
    slot = {i.name: k for k, i in enumerate(catalog.indicators)}
    return np.array([slot[i.name] for i, _ in raw_columns(catalog)], dtype=int)


@dataclass
class Comparison:
    """Like-for-like totals at every unit of this year's tree, per indicator and measure."""

    now: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)  # this year, compared units only
    before: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)  # the previous year, same units
    reporting_units: dict[str, np.ndarray] = field(default_factory=dict)  # reporting units compared
    lowest_units: dict[str, np.ndarray] = field(default_factory=dict)  # units whose own figures were compared
    reason: dict[str, np.ndarray] = field(default_factory=dict)  # why no change ("" where there is one)


def like_for_like(now: Side, before: Side | None, catalog: Catalog, match: Comparable = comparable) -> Comparison:
    """Both sides summed over the figures `match` finds comparable, on this year's units."""
    index = now.index
    size = index.size
    out = Comparison()
    if before is None:
        for indicator in catalog.indicators:
            out.reporting_units[indicator.name] = np.zeros(size)
            out.lowest_units[indicator.name] = np.zeros(size)
            out.reason[indicator.name] = np.full(size, NO_PREVIOUS_YEAR, dtype=object)
        return out
    now_mask, before_mask = match(now, before, catalog)
    now_rolled = roll_up(np.where(now_mask, now.own, np.nan), catalog, now.tree)
    before_rolled = roll_up(np.where(before_mask, before.own, np.nan), catalog, before.tree)
    same_tree = now.tree.tree == before.tree.tree
    rows = _row_indicators(catalog)
    reporting = np.zeros(size, bool)
    reporting[index.reporter[index.reporter >= 0]] = True
    # Units with figures in both years, whatever their periods: to tell why none compared.
    before_any = place(before.months, before.index, index) > 0 if same_tree else np.zeros_like(now.months, bool)
    both = (now.months > 0) & before_any
    for k, indicator in enumerate(catalog.indicators):
        out.now[indicator.name] = now_rolled.measures[indicator.name]
        before_totals = before_rolled.measures[indicator.name]
        if same_tree:
            out.before[indicator.name] = {m: place(v, before.index, index) for m, v in before_totals.items()}
        else:  # a crosswalk's masks sum to the same ground only at the nation (and merged provinces)
            out.before[indicator.name] = {m: _national_only(v, size) for m, v in before_totals.items()}
        compared = now_mask[rows == k].any(axis=0)
        reporters = np.zeros(size, bool)
        reporters[index.reporter[compared & (index.reporter >= 0)]] = True
        out.reporting_units[indicator.name] = index.count(reporters)
        out.lowest_units[indicator.name] = index.count(compared)
        reason = np.full(size, "", dtype=object)
        none = out.lowest_units[indicator.name] == 0
        if not same_tree:
            reason[none] = DIFFERENT_TREES
        else:
            in_both = index.count(both[k]) > 0
            reason[none & in_both] = DIFFERENT_PERIODS
            reason[none & ~in_both] = NO_COMMON_UNIT
        out.reason[indicator.name] = reason
    return out


def _national_only(values: np.ndarray, size: int) -> np.ndarray:
    out = np.full(size, np.nan)
    out[0] = values[0]
    return out
