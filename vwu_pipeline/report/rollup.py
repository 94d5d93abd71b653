"""Aggregate: roll every current figure of a period up the unit tree valid in that year.

The period is the year (the default) or a part of it (2024-H1, 2024-Q3, 2024-M03, 2024-9M):
a part rolls up the submissions for periods inside it (Q1 and Q2 files for H1; never the
year's file) by the same rules, and is stored beside the year's aggregation.

How a figure rolls up is data (each column's `aggregation` in its schema file), as in DHIS2:
- flow (SUM): added across units and across the periods inside the period. When a unit has
  figures for several periods, the longest periods that do not overlap are added (a full-year
  figure wins over its halves; H1 + Q3 + Q4 are all added; H1 + Q1 keeps H1 only).
- stock (LAST): the latest period per unit (ties: the longest), then added across units.
- opening: a count at the start of the period ("hộ nghèo đầu kỳ"): the earliest period per
  unit (ties: the longest), so a year built from H1 + H2 takes H1's; added across units.
- ratios: recomputed from the aggregated numerator and denominator at every level.
- derived sums (`derived:` in a schema) are computed after aggregation.
- threshold counts: for each ratio with a threshold, how many grassroots (lowest-level)
  units reach it, and how many have the figures to be assessed, at every level.

A unit's total is the sum of its own figures and those of every unit below it, so a
district's own row (policies it monitored itself) counts once, at the district and above.

Completeness counts reporting units (districts for the legacy tree, provinces from 2025):
a total is *partial* when some reporting units under it did not submit the indicator. For a
part of the year a unit has submitted when its files inside the period cover every month of it
(Q1 + Q2 cover H1; Q1 alone does not).

Rules across periods: an error rule of a schema (lifted_from_poverty <= poor_households_start)
holds in every accepted file; once periods are combined it is checked again on each unit's
combined figures (the year's lifted households against the households poor at its start),
and a break is listed with the outliers (kind "rule:CODE"), never changed.

Outliers, as DHIS2 flags them, are listed and never changed; both tests run on each unit's
own figures (what an office typed), per column:
- jump: the figure is at least `outlier_factor` times its previous-year figure, or at most
  1/`outlier_factor` of it (a typed extra or missing zero); both years must be > 0 and of
  the same unit tree.
- siblings: among at least 5 units of the same level and parent with a figure above 0, on
  a log scale (typing errors multiply: an extra zero is ×10), the modified z-score
  0.6745·|ln x − median| / MAD exceeds 3.5 (Iglewicz and Hoaglin) and x is at least 3 times,
  or at most a third of, the siblings' median; when the MAD is 0 (most siblings equal), a
  figure `outlier_factor` times above or below the median is flagged instead. Either way x
  must differ from the median by at least 10: small counts (1 poor household against 4)
  vary by nature. Zeros are not tested: many units legitimately report none.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from vwu_pipeline.core.errors import ConfigError, VwuError
from vwu_pipeline.core.indicators import Catalog, Indicator, assessed_name, load_catalog, measures, reached_name
from vwu_pipeline.core.periods import Period, covering, flow_periods, period_months
from vwu_pipeline.core.units import NATIONAL, Unit, UnitTree
from vwu_pipeline.store.db import Store, now

DEFAULT_OUTLIER_FACTOR = 10.0
SIBLING_Z = 3.5
SIBLING_MIN_RATIO = 3.0
SIBLING_MIN_GAP = 10.0
MIN_SIBLINGS = 5
KEYS = ["indicator", "unit_code", "column"]
COVERAGE = ("expected", "submitted", "grassroots_expected", "grassroots_reported")
# What is stored per unit and measure: the figure, the previous year's, whether either is built
# from partial data, and the like-for-like pair (see compare.py) with what it covers.
AGGREGATE_COLUMNS = [
    "indicator",
    "unit_code",
    "level",
    "column",
    "value",
    "previous",
    "partial",
    "previous_partial",
    "lfl_value",
    "lfl_previous",
    "lfl_units",
    "lfl_lowest",
    "lfl_reason",
]


# --- the result ----------------------------------------------------------------------------


@dataclass
class AggregateResult:
    """A year rolled up: long frames, plus the tree and catalog needed to read them."""

    year: int
    tree: UnitTree
    catalog: Catalog
    values: pd.DataFrame  # indicator, unit_code, level, column, value, previous, partial
    completeness: pd.DataFrame  # indicator, unit_code, level, expected, submitted, grassroots_*
    outliers: pd.DataFrame  # indicator, unit_code, column, value, reference, kind
    targets: pd.DataFrame  # unit_code, column, target
    warnings: pd.DataFrame  # file, unit_code, code, sheet, row, column, value, message_vi, message_en
    outlier_factor: float = DEFAULT_OUTLIER_FACTOR
    previous_year: int | None = None
    counts: dict[str, int] = field(default_factory=dict)
    aggregated_at: str = ""
    root: str = NATIONAL  # the unit a report is about: the nation, or one province's own report
    period: Period | None = None  # the year (default) or a part of it

    def __post_init__(self) -> None:
        if self.period is None:
            self.period = Period(str(self.year))

    @property
    def previous_period(self) -> Period | None:
        """The same part of the previous year, when it was in the store."""
        return self.period.previous() if self.previous_year else None

    # -- reading ----------------------------------------------------------------------------

    def unit_name(self, code: str, lang: str = "vi") -> str:
        if code == NATIONAL:
            return "Toàn quốc" if lang == "vi" else "National"
        unit = self.tree.get(code)
        return unit.name if unit else code

    def wide(self, indicator: str, column: str = "value") -> pd.DataFrame:
        """One indicator as a table: a row per unit with figures, a column per measure."""
        part = self.values[self.values["indicator"] == indicator]
        return part.pivot(index="unit_code", columns="column", values=column)

    def partial_units(self, indicator: str) -> set[str]:
        part = self.values[(self.values["indicator"] == indicator) & (self.values["partial"] == 1)]
        return set(part["unit_code"])

    def total(self, indicator: str, column: str, unit: str | None = None) -> float | None:
        unit = unit or self.root
        hit = self.values[(self.values["indicator"] == indicator) & (self.values["unit_code"] == unit) & (self.values["column"] == column)]
        return None if hit.empty else float(hit["value"].iloc[0])

    def coverage(self, indicator: str, unit: str | None = None) -> dict[str, int]:
        """Reporting units expected and submitted, grassroots units expected and with figures."""
        empty = dict.fromkeys(COVERAGE, 0)
        return self._coverage.get((indicator, unit or self.root), empty)

    @cached_property
    def _coverage(self) -> dict[tuple[str, str], dict[str, int]]:
        frame = self.completeness
        columns = [frame[k].astype(int) for k in COVERAGE]
        return {
            (indicator, code): dict(zip(COVERAGE, counts))
            for indicator, code, *counts in zip(frame["indicator"], frame["unit_code"], *columns)
        }

    def missing(self, indicator: str, unit: str | None = None) -> list[Unit]:
        """Reporting units under `unit` (default: the report's root) that did not submit."""
        unit = unit or self.root
        level = self.tree.reporting_level()
        rows = self.completeness[
            (self.completeness["indicator"] == indicator) & (self.completeness["level"] == level) & (self.completeness["submitted"] == 0)
        ]
        codes = [c for c in rows["unit_code"] if unit == NATIONAL or self.tree.is_under(c, unit)]
        return [self.tree.get(c) for c in sorted(codes)]

    def for_unit(self, code: str) -> AggregateResult:
        """The same result restricted to one unit and what lies below it (a province's report)."""
        if code == NATIONAL:
            return self
        if code not in self.tree:
            from vwu_pipeline.core.lookup import not_in_tree

            raise not_in_tree(code, self.tree, self.year)
        inside = {code, *(u.code for u in self.tree.descendants(code))}

        def keep(frame: pd.DataFrame) -> pd.DataFrame:
            return frame[frame["unit_code"].isin(inside)].reset_index(drop=True)

        return replace(
            self,
            values=keep(self.values),
            completeness=keep(self.completeness),
            outliers=keep(self.outliers),
            targets=keep(self.targets),
            warnings=keep(self.warnings),
            root=code,
        )

    # -- output -----------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        at_root = self.values[self.values["unit_code"] == self.root].set_index(["indicator", "column"])
        totals: dict[str, Any] = {}
        for indicator in self.catalog.indicators:
            for measure in measures(indicator):
                if (indicator.name, measure.name) in at_root.index:
                    row = at_root.loc[(indicator.name, measure.name)]
                    compared = int(row.get("lfl_lowest", 0) or 0)
                    totals.setdefault(indicator.name, {})[measure.name] = {
                        "value": _plain(row["value"]),
                        "previous": _plain(row["previous"]),
                        "partial": bool(row["partial"]),
                        "previous_partial": bool(row.get("previous_partial", 0)),
                        # the change compares these: both years over the same units and periods
                        "like_for_like": {
                            "value": _plain(row.get("lfl_value")) if compared else None,
                            "previous": _plain(row.get("lfl_previous")) if compared else None,
                            "reporting_units": int(row.get("lfl_units", 0) or 0),
                            "lowest_units": compared,
                            "reason": row.get("lfl_reason") or None,
                        },
                    }
        completeness = {
            i.name: {**self.coverage(i.name), "missing": [{"code": u.code, "name": u.name} for u in self.missing(i.name)]}
            for i in self.catalog.indicators
        }
        return {
            "year": self.year,
            "period": self.period.code,
            "previous_period": self.previous_period.code if self.previous_period else None,
            "tree": self.tree.tree,
            "unit": self.root,
            "previous_year": self.previous_year,
            "outlier_factor": self.outlier_factor,
            "counts": self.counts,
            "totals": totals,
            "completeness": completeness,
            "warnings": len(self.warnings),
            "outliers": [{k: _plain(v) for k, v in row._asdict().items()} for row in self.outliers.itertuples(index=False)],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)


def _plain(value: Any) -> Any:
    """JSON-friendly: NaN -> None, whole floats -> int."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if hasattr(value, "item"):  # numpy scalar
        return _plain(value.item())
    return value


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
    position = {code: i for i, code in enumerate(codes)}
    parent = np.array([-1, *(position[u.parent] if u.parent else 0 for u in units)])
    level = np.array(["national", *(u.level for u in units)], dtype=object)
    leaf = np.zeros(len(codes), bool)
    leaf[[position[u.code] for u in tree.leaves()]] = True
    anc_unit, anc_of = [], []
    for i in range(1, len(codes)):
        step = i
        while step != -1:
            anc_unit.append(i)
            anc_of.append(step)
            step = parent[step]
    reporting = level == tree.reporting_level()
    reporter = np.full(len(codes), -1)
    for unit, ancestor in zip(anc_unit, anc_of):
        if reporting[ancestor]:
            reporter[unit] = ancestor
    return TreeIndex(codes, position, level, parent, leaf, reporter, np.array(anc_unit), np.array(anc_of))


# --- the computation -----------------------------------------------------------------------


def within(figures: pd.DataFrame, period: Period) -> pd.DataFrame:
    """The figures of the submissions for periods inside `period` (the whole year's for the year):
    Q1 and Q2 files for H1, never the year's own file."""
    if period.is_year or figures.empty:
        return figures
    inside = [code for code in figures["period"].unique() if period.contains(code)]
    return figures[figures["period"].isin(inside)].reset_index(drop=True)


def raw_columns(catalog: Catalog) -> list[tuple[Indicator, str]]:
    """Every submitted column, in catalog order: the rows of the own-figures matrix."""
    return [(i, c.name) for i in catalog.indicators for c in i.columns]


def own_values(figures: pd.DataFrame, catalog: Catalog, index: TreeIndex) -> np.ndarray:
    """Each unit's own figure per column for the period, its periods combined by aggregation
    type: a (columns × units) matrix, NaN where a unit has no figure.

    `figures` holds submission_id, indicator, period, unit_code, column, value (current only).
    """
    columns = raw_columns(catalog)
    slot = {(i.name, c): k for k, (i, c) in enumerate(columns)}
    kind = np.array([i.column(c).aggregation for i, c in columns], dtype=object)
    stock, opening = kind == "stock", kind == "opening"
    own = np.full((len(columns), index.size), np.nan)
    if figures.empty:
        return own
    unit = pd.Categorical(figures["unit_code"], categories=index.codes).codes
    pairs = pd.MultiIndex.from_arrays([figures["indicator"], figures["column"]])
    col = np.array([slot.get(p, -1) for p in pairs.unique()])[pairs.unique().get_indexer(pairs)]
    period = pd.Categorical(figures["period"])
    months = np.array([period_months(p) for p in period.categories]).reshape(-1, 2)
    frame = pd.DataFrame(
        {
            "key": col.astype(np.int64) * index.size + unit,  # one integer per (column, unit)
            "period": period.codes,
            "start": months[period.codes, 0],
            "end": months[period.codes, 1],
            "span": months[period.codes, 1] - months[period.codes, 0],
            "stock": stock[col],
            "opening": opening[col],
            "value": figures["value"].to_numpy(float),
            "submission": figures["submission_id"].to_numpy(),
        }
    )[(unit >= 0) & (col >= 0)]
    # The same unit, column and period from two current submissions (a commune's own file and
    # its province's, in the 2025 tree): the newest submission wins.
    frame = frame.sort_values("submission").drop_duplicates(["key", "period"], keep="last")
    latest = frame[frame["stock"]].sort_values(["end", "span"]).drop_duplicates("key", keep="last")
    earliest = frame[frame["opening"]].sort_values(["start", "span"], ascending=[True, False]).drop_duplicates("key", keep="first")
    flow = frame[~(frame["stock"] | frame["opening"])]
    several = flow.groupby("key")["period"].transform("nunique") > 1
    if several.any():  # the slow path only for the units with several periods of a year
        names = period.categories
        multi = flow[several]
        chosen = multi.groupby("key")["period"].agg(lambda s: flow_periods(tuple(sorted(names[c] for c in set(s)))))
        keep = [names[p] in chosen[k] for k, p in zip(multi["key"], multi["period"])]
        flow = pd.concat([flow[~several], multi[keep]])
    summed = pd.concat([latest, earliest, flow]).groupby("key")["value"].sum()
    keys = summed.index.to_numpy()
    own[keys // index.size, keys % index.size] = summed.to_numpy()
    return own


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
    for row, (indicator, column) in enumerate(raw_columns(catalog)):
        rolled.measures.setdefault(indicator.name, {})[column] = index.roll(own[row])
    for indicator in catalog.indicators:
        data = rolled.measures[indicator.name]
        for derived in indicator.derived:
            parts = np.vstack([data[name] for name in derived.sum])
            data[derived.name] = np.where(np.isnan(parts).all(axis=0), np.nan, np.nansum(parts, axis=0))
        for ratio in indicator.ratios:
            numerator, denominator = data[ratio.numerator], data[ratio.denominator]
            with np.errstate(divide="ignore", invalid="ignore"):
                rate = np.where(denominator > 0, numerator / denominator, np.nan)
            data[ratio.name] = rate
            if ratio.threshold is not None:
                # A leaf's total is its own figure: flag grassroots units, then count them up.
                assessed = index.leaf & ~np.isnan(rate)
                reached = assessed & (np.nan_to_num(rate) >= ratio.threshold - 1e-12)
                counted = index.count(assessed)
                data[assessed_name(ratio.name)] = np.where(counted > 0, counted, np.nan)
                data[reached_name(ratio.name)] = np.where(counted > 0, index.count(reached), np.nan)
    return rolled


def completeness(index: TreeIndex, catalog: Catalog, submitted: list[tuple[str, str]], own: np.ndarray) -> dict[str, dict[str, np.ndarray]]:
    """Per indicator, per unit: reporting units concerned and how many submitted; grassroots
    units under it and how many have figures."""
    reporting = np.zeros(index.size, bool)
    reporting[index.reporter[index.reporter >= 0]] = True
    above = index.reporter < 0  # the nation, and provinces in the legacy tree
    expected = np.where(above, index.count(reporting), 1.0)
    grassroots = index.count(index.leaf)
    rows = {i.name: [] for i in catalog.indicators}
    for k, (indicator, _) in enumerate(raw_columns(catalog)):
        rows[indicator.name].append(k)
    out = {}
    for indicator in catalog.indicators:
        sent = np.zeros(index.size, bool)
        for name, code in submitted:
            unit = index.position.get(code, -1)
            # A file from below the reporting level (a commune's own) counts for the unit above it.
            if name == indicator.name and unit >= 0 and index.reporter[unit] >= 0:
                sent[index.reporter[unit]] = True
        with_data = ~np.isnan(own[rows[indicator.name]]).all(axis=0)
        out[indicator.name] = {
            "expected": expected,
            "submitted": np.where(above, index.count(sent), sent[np.maximum(index.reporter, 0)]),
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
        before = _aligned(previous, rolled)[0]
        with np.errstate(invalid="ignore"):
            jump = (own > 0) & (before > 0) & ((own >= factor * before) | (own * factor <= before))
        rows, units = np.nonzero(jump)
        found.append((rows, units, before[rows, units], "jump"))
    rows, units = np.nonzero(np.nan_to_num(own) > 0)
    frame = pd.DataFrame({"row": rows, "unit": units, "parent": index.parent[units], "value": own[rows, units]})
    frame["log"] = np.log(frame["value"])
    by = [frame["row"], frame["parent"]]
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
            left, right = own[row[(indicator.name, rule.left)]], own[row[(indicator.name, rule.right)]]
            with np.errstate(invalid="ignore"):
                broken = ~np.isnan(left) & ~np.isnan(right) & ~rule.holds(left, right)
            for unit in np.flatnonzero(broken):
                found.append((indicator.name, str(index.codes[unit]), rule.left, left[unit], right[unit], f"rule:{rule.code}"))
    return pd.DataFrame(found, columns=["indicator", "unit_code", "column", "value", "reference", "kind"])


def _aligned(previous: Rolled, now: Rolled) -> tuple[np.ndarray, dict[str, dict[str, np.ndarray]]]:
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


def compute(
    figures: pd.DataFrame,
    tree: UnitTree,
    catalog: Catalog,
    submitted: list[tuple[str, str]],
    previous: tuple[pd.DataFrame, UnitTree] | tuple[pd.DataFrame, UnitTree, list[tuple[str, str]]] | None = None,
    outlier_factor: float = DEFAULT_OUTLIER_FACTOR,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The pure computation: (values, completeness, outliers) as long frames.

    `previous` is the previous year's figures and tree, and its current submissions (for its
    own completeness; without them the previous year counts as complete)."""
    from vwu_pipeline.report.compare import like_for_like, make_side, place

    index = tree_index(tree)
    now = make_side(figures, own_values(figures, catalog, index), catalog, tree)
    rolled = now.rolled
    before = side = None
    before_partial: dict[str, np.ndarray] = {}
    if previous is not None:
        prev_figures, prev_tree, *rest = previous
        prev_index = tree_index(prev_tree)
        side = make_side(prev_figures, own_values(prev_figures, catalog, prev_index), catalog, prev_tree)
        before = side.rolled
        if rest:
            for name, counts in completeness(prev_index, catalog, rest[0], before.own).items():
                flags = (counts["submitted"] < counts["expected"]).astype(float)
                before_partial[name] = place(flags, prev_index, index) if previous[1].tree == tree.tree else _at_nation(flags, index.size)
    before_totals = _aligned(before, rolled)[1] if before is not None else {}
    comparison = like_for_like(now, side, catalog)
    complete = completeness(index, catalog, submitted, rolled.own)

    parts = []
    for indicator in catalog.indicators:
        counts = complete[indicator.name]
        partial = (counts["submitted"] < counts["expected"]).astype(int)
        prior_partial = before_partial.get(indicator.name)
        for measure in measures(indicator):
            value = rolled.measures[indicator.name].get(measure.name)
            if value is None:
                continue
            units = np.flatnonzero(~np.isnan(value))
            prior = before_totals.get(indicator.name, {}).get(measure.name)
            like_now = comparison.now.get(indicator.name, {}).get(measure.name)
            like_before = comparison.before.get(indicator.name, {}).get(measure.name)
            parts.append(
                pd.DataFrame(
                    {
                        "indicator": indicator.name,
                        "unit_code": index.codes[units],
                        "level": index.level[units],
                        "column": measure.name,
                        "value": value[units],
                        "previous": prior[units] if prior is not None else np.nan,
                        "partial": partial[units],
                        "previous_partial": np.nan_to_num(prior_partial[units]).astype(int) if prior_partial is not None else 0,
                        "lfl_value": like_now[units] if like_now is not None else np.nan,
                        "lfl_previous": like_before[units] if like_before is not None else np.nan,
                        "lfl_units": comparison.reporting_units[indicator.name][units].astype(int),
                        "lfl_lowest": comparison.lowest_units[indicator.name][units].astype(int),
                        "lfl_reason": comparison.reason[indicator.name][units],
                    }
                )
            )
    values = pd.concat(parts, ignore_index=True).astype({"unit_code": str, "level": str, "lfl_reason": str})
    coverage = pd.concat(
        [
            pd.DataFrame(
                {"indicator": name, "unit_code": index.codes, "level": index.level, **{k: v.astype(int) for k, v in counts.items()}}
            )
            for name, counts in complete.items()
        ],
        ignore_index=True,
    ).astype({"unit_code": str, "level": str})
    flagged = outliers(rolled, before, catalog, outlier_factor)
    broken = rule_breaks(rolled, catalog)
    if not broken.empty:
        flagged = pd.concat([flagged, broken], ignore_index=True)
    return values, coverage, flagged


def _at_nation(values: np.ndarray, size: int) -> np.ndarray:
    out = np.full(size, np.nan)
    out[0] = values[0]
    return out


def aggregate(
    workspace: Path,
    year: int,
    outlier_factor: float = DEFAULT_OUTLIER_FACTOR,
    schemas: Path | None = None,
    period: Period | str | None = None,
) -> AggregateResult:
    """Roll the period's current figures (default: the whole year's) up its unit tree and store
    the result, replacing the period's previous aggregation in one transaction. The same part of
    the previous year is the comparison."""
    if not outlier_factor > 1:
        raise ConfigError(
            f"--outlier-factor phải lớn hơn 1, không phải {outlier_factor} / must be greater than 1.",
            "Mặc định 10: số liệu gấp 10 lần năm trước (thừa một chữ số 0) được cảnh báo.",
        )
    period = _period(year, period)
    catalog = load_catalog(schemas)
    tree = UnitTree.for_year(year)
    store = Store.open(workspace, create=False)
    run_id = store.start_run("aggregate")
    try:
        # Every input and the version stamped on the result come from one read snapshot: an
        # ingest committing meanwhile makes this aggregation stale, never falsely fresh.
        with store.snapshot():
            figures = within(store.figures_frame(year), period)
            prev_figures = within(store.figures_frame(year - 1), period.previous())
            prev_periods = store.current_submission_periods(year - 1)
            periods = store.current_submission_periods(year)
            targets = store.targets(year)
            warnings = store.ingest_warnings(year)
            data_version = store.data_version(year)
        if figures.empty:
            what = f"năm {year}" if period.is_year else period.label()
            raise VwuError(
                f"Chưa có số liệu {what} trong {workspace}.",
                f"Chạy 'vwu ingest THƯ_MỤC --workspace {workspace}' trước, hoặc kiểm tra --year và --period.",
                en=f"No figures for {period.label('en')} in {workspace}.",
                en_hint=f"Run 'vwu ingest FOLDER --workspace {workspace}' first, or check --year and --period.",
            )
        previous = None
        if not prev_figures.empty:
            prev_tree = UnitTree.for_year(year - 1)
            prev_submitted = covering(prev_periods, period.previous(), reporter_of(tree_index(prev_tree)))
            previous = (prev_figures, prev_tree, prev_submitted)
        submitted = covering(periods, period, reporter_of(tree_index(tree)))
        values, complete, flagged = compute(figures, tree, catalog, submitted, previous, outlier_factor)
        result = AggregateResult(
            year=year,
            tree=tree,
            catalog=catalog,
            values=values,
            completeness=complete,
            outliers=flagged,
            targets=targets,
            warnings=warnings,
            outlier_factor=outlier_factor,
            previous_year=year - 1 if previous else None,
            counts={
                "figures": len(figures),
                "submissions": len(submitted),
                "units_with_figures": int(figures["unit_code"].nunique()),
            },
            aggregated_at=now(),
            period=period,
        )
        meta = {
            "tree": tree.tree,
            "outlier_factor": outlier_factor,
            "previous_year": result.previous_year,
            "data_version": data_version,
            "counts": result.counts,
            "aggregated_at": result.aggregated_at,
        }
        store.replace_aggregation(
            year,
            meta,
            {
                "aggregates": values[AGGREGATE_COLUMNS],
                "completeness": complete,
                "outliers": flagged,
            },
            period=period.code,
        )
        store.finish_run(run_id, {"year": year, "period": period.code, **result.counts})
    except BaseException as error:
        store.fail_run(run_id, error)
        raise
    finally:
        store.close()
    return result


def _period(year: int, period: Period | str | None) -> Period:
    return period if isinstance(period, Period) else Period.parse(year, period)


def load(workspace: Path, year: int, schemas: Path | None = None, period: Period | str | None = None) -> AggregateResult | None:
    """The stored aggregation of a period (default: the year), or None when there is none or
    the figures changed since."""
    period = _period(year, period)
    store = Store.open(workspace, create=False, write=False)
    try:
        with store.snapshot():  # the stored result, its version and the current one, at one moment
            meta = store.aggregation_meta(year, period.code)
            if meta is None or meta["data_version"] != store.data_version(year):
                return None
            meta, tables = store.read_aggregation(year, period.code)
            targets, warnings = store.targets(year), store.ingest_warnings(year)
        return AggregateResult(
            year=year,
            tree=UnitTree.for_year(year),
            catalog=load_catalog(schemas),
            values=tables["aggregates"],
            completeness=tables["completeness"],
            outliers=tables["outliers"],
            targets=targets,
            warnings=warnings,
            outlier_factor=meta["outlier_factor"],
            previous_year=meta["previous_year"],
            counts=meta["counts"],
            aggregated_at=meta["aggregated_at"],
            period=period,
        )
    finally:
        store.close()


def stored_outlier_factor(workspace: Path, year: int, period: Period | str | None = None) -> float:
    """The factor the period was last aggregated with (else the year's), so a re-aggregation keeps it."""
    period = _period(year, period)
    store = Store.open(workspace, create=False, write=False)
    try:
        meta = store.aggregation_meta(year, period.code) or store.aggregation_meta(year)
        return meta["outlier_factor"] if meta else DEFAULT_OUTLIER_FACTOR
    finally:
        store.close()
