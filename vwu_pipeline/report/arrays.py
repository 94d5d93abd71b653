"""The roll-up core on numpy arrays: the unit tree as index arrays, each unit's own figures,
their sums up the tree, completeness, outliers and rule breaks. No store, no files: rollup.py
feeds it frames read from the store and keeps what it returns (rules in rollup.py's docstring)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from vwu_pipeline.core.indicators import Catalog, Indicator, assessed_name, reached_name
from vwu_pipeline.core.periods import Period, flow_periods, period_months
from vwu_pipeline.core.units import NATIONAL, UnitTree
from vwu_pipeline.report.result import KEYS
from vwu_pipeline.store.db import factorize_texts

SIBLING_Z = 3.5
SIBLING_MIN_RATIO = 3.0
SIBLING_MIN_GAP = 10.0
MIN_SIBLINGS = 5


# --- the tree as arrays --------------------------------------------------------------------


@dataclass(frozen=True)
class TreeIndex:
    """The units of a tree as positions 0..n-1 (0 is the nation), so that rolling up is a
    handful of numpy operations instead of per-unit work."""

    codes: np.ndarray  # position -> code (object array); codes[0] == NATIONAL
    position: dict[str, int]
    level: np.ndarray  # position -> "national" | "province" | "district" | "commune"
    parent: np.ndarray  # position -> parent position, -1 for the nation
    leaf: np.ndarray  # bool: grassroots (lowest-level) units
    reporter: np.ndarray  # position -> the reporting unit at or above it, -1 above that level
    anc_unit: np.ndarray  # (unit, ancestor) pairs, each unit with itself, its ancestors
    anc_of: np.ndarray  # and the nation: a total is a bincount over these pairs
    counts_lowest: bool = False  # completeness counts lowest units, not reporting units (2025+)

    @property
    def size(self) -> int:
        return len(self.codes)

    def roll(self, own: np.ndarray) -> np.ndarray:
        """Totals at every unit of per-unit figures (NaN = no figure; NaN where none below)."""
        present = ~np.isnan(own)
        total = np.bincount(self.anc_of, weights=np.where(present, own, 0.0)[self.anc_unit], minlength=self.size)
        count = np.bincount(self.anc_of, weights=present[self.anc_unit], minlength=self.size)
        return np.where(count > 0, total, np.nan)

    def count(self, flags: np.ndarray) -> np.ndarray:
        """How many flagged units lie at or under each unit."""
        return np.bincount(self.anc_of, weights=flags[self.anc_unit].astype(float), minlength=self.size)


def reporter_of(index: TreeIndex) -> Callable[[str], str]:
    """The reporting unit at or above a unit (a commune's own file counts for its district)."""

    def reporter(code: str) -> str:
        position = index.position.get(code, -1)
        above = index.reporter[position] if position >= 0 else -1
        return str(index.codes[above]) if above >= 0 else code

    return reporter


@lru_cache(maxsize=8)
def tree_index(tree: UnitTree) -> TreeIndex:
    units = tree.units()
    codes = np.array([NATIONAL, *(u.code for u in units)], dtype=object)
    position = {code: i for i, code in enumerate(codes.tolist())}
    parent = np.array([-1, *(position[u.parent] if u.parent else 0 for u in units)])
    level = np.array(["national", *(u.level for u in units)], dtype=object)
    # A leaf is a unit without children (UnitTree.leaves); the nation is not a unit.
    leaf = np.ones(len(codes), bool)
    leaf[parent[parent >= 0]] = False
    leaf[0] = False
    # (unit, ancestor) pairs unit by unit, each unit first, then its parent, up to the nation:
    # the order the sums over them (`roll`) add in. A chain is at most four units long.
    chain = [np.arange(1, len(codes))]
    while (chain[-1] >= 0).any():
        chain.append(np.where(chain[-1] >= 0, parent[np.maximum(chain[-1], 0)], -1))
    chain = np.stack(chain[:-1], axis=1)
    units_of = np.broadcast_to(np.arange(1, len(codes))[:, None], chain.shape)
    present = chain >= 0
    anc_unit, anc_of = units_of[present], chain[present]
    reporting = level == tree.reporting_level()
    reporter = np.full(len(codes), -1)
    at = reporting[anc_of]  # one reporting level in a chain: one reporting ancestor at most
    reporter[anc_unit[at]] = anc_of[at]
    return TreeIndex(codes, position, level, parent, leaf, reporter, anc_unit, anc_of, tree.counted_level() != tree.reporting_level())


# --- the computation -----------------------------------------------------------------------


def within(figures: pd.DataFrame, period: Period) -> pd.DataFrame:
    """The figures of the submissions for periods inside `period` (the whole year's for the year):
    Q1 and Q2 files for H1, never the year's own file."""
    if period.is_year or figures.empty:
        return figures
    inside = [code for code in figures["period"].unique() if period.contains(code)]
    return figures[figures["period"].isin(inside)].reset_index(drop=True)


@dataclass(frozen=True)
class FigureCodes:
    """The text columns of a figures frame as integer codes, each taken once per frame and
    shared by `own_values` and `compare.months_covered` (hashing 160,000 strings a column is
    most of what either costs): the unit's position in the tree (-1: not in it), and the
    indicator, column and period as codes into their distinct names (-1: none)."""

    unit: np.ndarray
    indicator: np.ndarray
    indicator_names: list[str]
    column: np.ndarray
    column_names: list[str]
    period: np.ndarray
    period_names: list[str]


def figure_codes(figures: pd.DataFrame, index: TreeIndex) -> FigureCodes:
    units, unit_names = factorize_texts(_pointers(figures["unit_code"]))
    # a code absent from the tree, and a missing one (code -1 picks the last entry), is -1
    unit = np.array([*(index.position.get(code, -1) for code in unit_names.tolist()), -1], dtype=np.int32)[units]
    del units
    indicators, indicator_names = _small_codes(figures["indicator"])
    columns, column_names = _small_codes(figures["column"])
    periods, period_names = _small_codes(figures["period"])
    return FigureCodes(unit, indicators, indicator_names, columns, column_names, periods, period_names)


def _small_codes(texts: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Codes of a column of a few distinct names, in 16 bits (pandas gives 64: 13 MB a column
    at 10× national data, held while the year is rolled up)."""
    codes, names = factorize_texts(_pointers(texts))
    return codes.astype(np.int16 if len(names) < 2**15 else np.int32), names.tolist()


def _pointers(texts: pd.Series) -> np.ndarray:
    """A text column as the object array under it (no copy): factorized as the same codes and
    names as the pandas string array, missing values included (-1), in half the time (the
    string array's own factorize checks and converts every value first)."""
    return texts.to_numpy(dtype=object, copy=False)


def raw_columns(catalog: Catalog) -> list[tuple[Indicator, str]]:
    """Every submitted column, in catalog order: the rows of the own-figures matrix."""
    return [(i, c.name) for i in catalog.indicators for c in i.columns]


def own_values(figures: pd.DataFrame, catalog: Catalog, index: TreeIndex, codes: FigureCodes | None = None) -> np.ndarray:
    """Each unit's own figure per column for the period, its periods combined by aggregation
    type: a (columns × units) matrix, NaN where a unit has no figure.

    `figures` holds submission_id, indicator, period, unit_code, column, value (current only)
    and, from the store, version: the version key of its file (DOMAIN.md, Submission rules).
    """
    columns = raw_columns(catalog)
    slot = {(i.name, c): k for k, (i, c) in enumerate(columns)}
    kind = np.array([i.column(c).aggregation for i, c in columns], dtype=object)
    stock, opening = kind == "stock", kind == "opening"
    own = np.full((len(columns), index.size), np.nan)
    if figures.empty:
        return own
    codes_of = codes or figure_codes(figures, index)
    unit = codes_of.unit
    # Each figure's row in the matrix, from its (indicator, column): looked up once per pair
    # of names, not once per figure (no tuple per figure: 1.6 million at 10× national data).
    indicator_names, column_names = codes_of.indicator_names, codes_of.column_names
    rows = np.array([[slot.get((i, c), -1) for c in column_names] for i in indicator_names], dtype=np.int64).reshape(
        len(indicator_names), -1
    )
    col = rows[codes_of.indicator, codes_of.column] if len(figures) else np.zeros(0, np.int64)
    col[(codes_of.indicator < 0) | (codes_of.column < 0)] = -1  # a missing name is no row
    # The periods in sorted order (as a Categorical orders them): the code of each figure's.
    period_names = sorted(codes_of.period_names)
    in_order = np.array([*(period_names.index(p) for p in codes_of.period_names), -1], dtype=np.int16)
    months = np.array([period_months(p) for p in period_names], dtype=np.int16).reshape(-1, 2)
    period_codes = in_order[codes_of.period]
    # Which of two current submissions is newer, as one integer per figure: the rank of its
    # submission by (version key, id), computed over the few thousand submissions rather than
    # by sorting millions of figures on their version text.
    submission = figures["submission_id"].to_numpy()
    version = figures["version"].to_numpy() if "version" in figures else submission
    ids, first = np.unique(submission, return_index=True)
    order = sorted(range(len(ids)), key=lambda k: (*_missing_last(version[first[k]]), ids[k]))
    rank = np.empty(len(ids), np.int64)
    rank[order] = np.arange(len(ids))
    # Plain arrays, one entry per figure (no frame copied at each step: 10× national data is
    # 1.6 million figures a year).
    kept = (unit >= 0) & (col >= 0)
    key = (col.astype(np.int64) * index.size + unit)[kept]  # one integer per (column, unit)
    code = period_codes[kept]
    value = figures["value"].to_numpy(float)[kept]
    newer = rank[np.searchsorted(ids, submission)][kept]
    # The same unit, column and period from two current submissions (a commune's own file and
    # its province's, in the 2025 tree): the newer version by the version key wins, as between
    # two versions of one unit's report, so a store rebuilt in another order gives the same.
    order = np.argsort(newer, kind="stable")
    key, code, value = key[order], code[order], value[order]
    del order, newer
    width = len(period_names)
    pair = key * width + code
    last = np.unique(pair[::-1], return_index=True)[1]  # the last of each (key, period) in this order
    newest = np.sort(len(pair) - 1 - last)
    del pair, last
    key, code, value = key[newest], code[newest], value[newest]
    start, end = months[code, 0], months[code, 1]
    span = end - start
    row = key // index.size
    is_stock, is_opening = stock[row], opening[row]
    # stock: the latest period per unit (ties: the longest); opening: the earliest (ties: the longest)
    at = np.flatnonzero(is_stock)
    at = at[np.lexsort((span[at], end[at]))][::-1]
    latest = np.sort(at[np.unique(key[at], return_index=True)[1]])
    at = np.flatnonzero(is_opening)
    at = at[np.lexsort((-span[at], start[at]))]
    earliest = np.sort(at[np.unique(key[at], return_index=True)[1]])
    flow = np.flatnonzero(~(is_stock | is_opening))
    several = np.bincount(key[flow], minlength=int(key.max()) + 1 if len(key) else 0)[key[flow]] > 1
    if several.any():  # only the units with several periods of a year
        multi = flow[several]
        chosen = _added_periods(pd.DataFrame({"key": key[multi], "period": code[multi]}), period_names)
        flow = np.concatenate([flow[~several], multi[chosen]])
    taken = np.concatenate([latest, earliest, flow])
    # Summed by pandas in this order, as before (its sums compensate rounding: the same result).
    summed = pd.Series(value[taken]).groupby(key[taken]).sum()
    keys = summed.index.to_numpy()
    own[keys // index.size, keys % index.size] = summed.to_numpy()
    return own


def _missing_last(value: object) -> tuple[bool, object]:
    """A sort key that puts a missing version key (None, NaN) after every other, as pandas does."""
    missing = value is None or value != value
    return (missing, "" if missing else value)


def _added_periods(flows: pd.DataFrame, names: list[str]) -> np.ndarray:
    """Which rows of `flows` (key, period: a code into `names`) are added for their key: the
    periods `flow_periods` takes among the key's periods. Decided once per combination of
    periods (a few: every district sends the same ones), not once per figure."""
    pairs = flows[["key", "period"]].drop_duplicates().sort_values(["key", "period"])
    keys, codes = pairs["key"].to_numpy(), pairs["period"].to_numpy()
    bounds = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1], True]).tolist()
    code_list = codes.tolist()
    taken: dict[tuple[int, ...], set[int]] = {}
    kept = np.zeros(len(keys), bool)
    for a, b in zip(bounds[:-1], bounds[1:]):
        combination = tuple(code_list[a:b])
        if combination not in taken:
            chosen = flow_periods(tuple(sorted(names[c] for c in combination)))
            taken[combination] = {c for c in combination if names[c] in chosen}
        kept[a:b] = [c in taken[combination] for c in combination]
    width = len(names)
    added = keys[kept] * width + codes[kept]
    return np.isin(flows["key"].to_numpy() * width + flows["period"].to_numpy(), added)


@dataclass
class Rolled:
    """A year rolled up: per indicator, per measure, an array over the tree's units."""

    tree: str  # the tree's name: figures of two different trees do not compare unit by unit
    index: TreeIndex
    own: np.ndarray  # (raw columns × units), as submitted
    measures: dict[str, dict[str, np.ndarray]]  # indicator -> measure -> totals


def roll_up(own: np.ndarray, catalog: Catalog, tree: UnitTree) -> Rolled:
    """Totals at every level, with derived sums, ratios and threshold counts."""
    index = tree_index(tree)
    rolled = Rolled(tree.tree, index, own, {})
    slot = {(indicator.name, column): row for row, (indicator, column) in enumerate(raw_columns(catalog))}
    for row, (indicator, column) in enumerate(raw_columns(catalog)):
        rolled.measures.setdefault(indicator.name, {})[column] = index.roll(own[row])
    for indicator in catalog.indicators:
        data = rolled.measures[indicator.name]
        for derived in indicator.derived:
            parts = np.vstack([data[name] for name in derived.sum])
            data[derived.name] = np.where(np.isnan(parts).all(axis=0), np.nan, np.nansum(parts, axis=0))
        for ratio in indicator.ratios:
            numerator, denominator = data[ratio.numerator], data[ratio.denominator]
            top, bottom = slot.get((indicator.name, ratio.numerator)), slot.get((indicator.name, ratio.denominator))
            both = None
            if top is not None and bottom is not None:
                # Over the units where both parts are present: a blank denominator beside a
                # numerator would otherwise inflate the rate (a denominator of 0 is present).
                both = ~np.isnan(own[top]) & ~np.isnan(own[bottom])
                numerator = index.roll(np.where(both, own[top], np.nan))
                denominator = index.roll(np.where(both, own[bottom], np.nan))
            with np.errstate(divide="ignore", invalid="ignore"):
                rate = np.where(denominator > 0, numerator / denominator, np.nan)
            data[ratio.name] = rate
            if ratio.threshold is not None:
                # A leaf's total is its own figure: flag grassroots units, then count them up.
                # Assessed: both parts present (a denominator of 0 is present, its rate is "–").
                assessed = index.leaf & (both if top is not None and bottom is not None else ~np.isnan(rate))
                reached = assessed & (np.nan_to_num(rate) >= ratio.threshold - 1e-12)
                counted = index.count(assessed)
                data[assessed_name(ratio.name)] = np.where(counted > 0, counted, np.nan)
                data[reached_name(ratio.name)] = np.where(counted > 0, index.count(reached), np.nan)
    return rolled


def completeness(index: TreeIndex, catalog: Catalog, submitted: list[tuple[str, str]], own: np.ndarray) -> dict[str, dict[str, np.ndarray]]:
    """Per indicator, per unit: the units counted (reporting units, or the lowest units where
    these send their own files: `TreeIndex.counts_lowest`) concerned and how many are answered for;
    grassroots units under it and how many have figures.

    A file answers for every lowest unit under its unit: a district's (or a province's) for all
    its communes, a commune's own for itself. Where the lowest units are counted, a province is
    complete when each of its communes is answered for by the province's file or its own."""
    reporting = np.zeros(index.size, bool)
    reporting[index.reporter[index.reporter >= 0]] = True
    above = index.reporter < 0  # the nation, and provinces in the legacy tree
    lowest = index.counts_lowest
    expected = index.count(index.leaf) if lowest else np.where(above, index.count(reporting), 1.0)
    grassroots = index.count(index.leaf)
    rows = {i.name: [] for i in catalog.indicators}
    for k, (indicator, _) in enumerate(raw_columns(catalog)):
        rows[indicator.name].append(k)
    out = {}
    for indicator in catalog.indicators:
        sent = np.zeros(index.size, bool)
        answering = np.zeros(index.size, bool)
        for name, code in submitted:
            unit = index.position.get(code, -1)
            # A file from below the reporting level (a commune's own) counts for the unit above it.
            if name == indicator.name and unit >= 0 and index.reporter[unit] >= 0:
                sent[index.reporter[unit]] = True
                answering[unit] = True
        with_data = ~np.isnan(own[rows[indicator.name]]).all(axis=0)
        if lowest:
            covered = np.zeros(index.size, bool)  # a unit answered for by its own file or one above it
            np.logical_or.at(covered, index.anc_unit, answering[index.anc_of])
            answered = index.count(index.leaf & covered)
        else:
            answered = np.where(above, index.count(sent), sent[np.maximum(index.reporter, 0)])
        out[indicator.name] = {
            "expected": expected,
            "submitted": answered,
            "grassroots_expected": grassroots,
            "grassroots_reported": index.count(index.leaf & with_data),
        }
    return out


def outliers(rolled: Rolled, previous: Rolled | None, catalog: Catalog, factor: float) -> pd.DataFrame:
    """Figures to check (see the module docstring for the rules); nothing is changed."""
    index, own = rolled.index, rolled.own
    columns = raw_columns(catalog)
    found = []
    if previous is not None:
        before = aligned(previous, rolled)[0]
        with np.errstate(invalid="ignore"):
            jump = (own > 0) & (before > 0) & ((own >= factor * before) | (own * factor <= before))
        rows, units = np.nonzero(jump)
        found.append((rows, units, before[rows, units], "jump"))
    rows, units = np.nonzero(np.nan_to_num(own) > 0)
    frame = pd.DataFrame({"row": rows, "unit": units, "parent": index.parent[units], "value": own[rows, units]})
    frame["log"] = np.log(frame["value"])
    # The siblings of a figure: its column's (row's) units under one parent, as one integer key
    # (pandas groups one int64 key without factorizing and combining two, four times over).
    by = rows.astype(np.int64) * (index.size + 1) + (index.parent[units] + 1)
    centre = frame["log"].groupby(by).transform("median")
    deviation = (frame["log"] - centre).abs()
    mad = deviation.groupby(by).transform("median")
    size = frame["log"].groupby(by).transform("size")
    with np.errstate(divide="ignore", invalid="ignore"):
        far = (mad > 0) & (0.6745 * deviation / mad > SIBLING_Z) & (deviation >= np.log(SIBLING_MIN_RATIO))
    flat = (mad == 0) & (deviation >= np.log(factor))
    median = frame["value"].groupby(by).transform("median")
    flagged = (size >= MIN_SIBLINGS) & (far | flat) & ((frame["value"] - median).abs() >= SIBLING_MIN_GAP)
    hit = frame[flagged]
    found.append((hit["row"].to_numpy(), hit["unit"].to_numpy(), median[flagged].to_numpy(), "siblings"))
    return pd.DataFrame(
        {
            "indicator": [columns[r][0].name for rows, _, _, _ in found for r in rows],
            "unit_code": np.concatenate([index.codes[units] for _, units, _, _ in found]).astype(str),
            "column": [columns[r][1] for rows, _, _, _ in found for r in rows],
            "value": np.concatenate([own[rows, units] for rows, units, _, _ in found]),
            "reference": np.concatenate([reference for _, _, reference, _ in found]),
            "kind": [kind for rows, _, _, kind in found for _ in rows],
        }
    ).sort_values([*KEYS, "kind"], ignore_index=True)


def rule_breaks(rolled: Rolled, catalog: Catalog) -> pd.DataFrame:
    """Error rules of the schemas checked on each unit's own figures once its periods are
    combined: every accepted file keeps them, a combination may not (and with the wrong base,
    such as the latest poor households instead of those at the start, would seem not to)."""
    index, own = rolled.index, rolled.own
    row = {(i.name, c): k for k, (i, c) in enumerate(raw_columns(catalog))}
    found = []
    for indicator in catalog.indicators:
        for rule in indicator.rules:
            if rule.severity != "error":
                continue  # warnings were given per file at ingest
            left, right = (_rule_side(indicator, side, own, row, index.size) for side in (rule.left, rule.right))
            with np.errstate(invalid="ignore"):
                broken = ~np.isnan(left) & ~np.isnan(right) & ~rule.holds(left, right)
            for unit in np.flatnonzero(broken):
                found.append((indicator.name, str(index.codes[unit]), rule.subject, left[unit], right[unit], f"rule:{rule.code}"))
    return pd.DataFrame(found, columns=["indicator", "unit_code", "column", "value", "reference", "kind"])


def _rule_side(indicator, side: str, own: np.ndarray, row: dict, size: int) -> np.ndarray:
    """A rule's side over the units: a column's own figures, a derived sum of them, or a number."""
    if side[:1].isdigit():
        return np.full(size, float(side))
    derived = indicator.derived_figure(side)
    if derived is None:
        return own[row[(indicator.name, side)]]
    parts = np.vstack([own[row[(indicator.name, part)]] for part in derived.sum])
    return np.where(np.isnan(parts).all(axis=0), np.nan, np.nansum(parts, axis=0))


def aligned(previous: Rolled, now: Rolled) -> tuple[np.ndarray, dict[str, dict[str, np.ndarray]]]:
    """The previous year's own figures and totals placed on this year's units, by code.

    Between two different trees (districts abolished, provinces merged) units cannot be
    compared: then only the nation is."""
    before, index = previous.index, now.index
    if before is index:
        return previous.own, previous.measures
    take = np.array([before.position.get(code, -1) for code in index.codes])
    if previous.tree != now.tree:
        take[1:] = -1

    def place(values: np.ndarray) -> np.ndarray:
        return np.where(take >= 0, values[..., np.maximum(take, 0)], np.nan)

    return place(previous.own), {i: {m: place(v) for m, v in ms.items()} for i, ms in previous.measures.items()}
