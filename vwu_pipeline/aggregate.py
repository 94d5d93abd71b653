"""Aggregate: roll every current figure of a year up the unit tree valid in that year.

How a figure rolls up is data (each column's `aggregation` in its schema file), as in DHIS2:
- flow (SUM): added across units and across the periods of the year. When a unit has figures
  for several periods, the longest periods that do not overlap are added (a full-year figure
  wins over its halves; H1 + Q3 + Q4 are all added; H1 + Q1 keeps H1 only).
- stock (LAST): the latest period of the year per unit (ties: the longest), then added
  across units.
- ratios: recomputed from the aggregated numerator and denominator at every level.
- derived sums (`derived:` in a schema) are computed after aggregation.
- threshold counts: for each ratio with a threshold, how many grassroots (lowest-level)
  units reach it, and how many have the figures to be assessed, at every level.

A unit's total is the sum of its own figures and those of every unit below it, so a
district's own row (policies it monitored itself) counts once, at the district and above.

Completeness counts reporting units (districts for the legacy tree, provinces from 2025):
a total is *partial* when some reporting units under it did not submit the indicator.

Outliers, as DHIS2 flags them, are listed and never changed; both tests run on each unit's
own figures (what an office typed), per column:
- jump: the figure is more than `outlier_factor` times its previous-year figure, or less
  than 1/`outlier_factor` of it (a typed extra or missing zero); both years must be > 0
  and of the same unit tree.
- siblings: among at least 5 units of the same level and parent with a figure above 0, on
  a log scale (typing errors multiply: an extra zero is ×10), the modified z-score
  0.6745·|ln x − median| / MAD exceeds 3.5 (Iglewicz and Hoaglin) and x is at least twice,
  or at most half, the siblings' median; when the MAD is 0 (most siblings equal), a figure
  `outlier_factor` times above or below the median is flagged instead. Zeros are not
  tested: many units legitimately report none.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .errors import ConfigError, VwuError
from .indicators import Catalog, Indicator, load_catalog
from .store import Store, now
from .units import Unit, UnitTree

NATIONAL = "00"
DEFAULT_OUTLIER_FACTOR = 10.0
SIBLING_Z = 3.5
SIBLING_MIN_RATIO = 2.0
MIN_SIBLINGS = 5
KEYS = ["indicator", "unit_code", "column"]
COVERAGE = ("expected", "submitted", "grassroots_expected", "grassroots_reported")

_PERIOD = re.compile(r"^\d{4}(?:-(H[12]|Q[1-4]|M(?:0[1-9]|1[0-2])))?$")
_PART_MONTHS = {"H": 6, "Q": 3, "M": 1}


# --- what a report shows per unit ----------------------------------------------------------


@dataclass(frozen=True)
class Measure:
    """One figure shown per unit: a column, a derived sum, a ratio or a threshold count."""

    indicator: str
    name: str
    label_vi: str
    label_en: str
    kind: str  # flow | stock | derived | ratio | count
    headline: bool = False
    chart: bool = False

    def label(self, lang: str = "vi") -> str:
        return self.label_en if lang == "en" else self.label_vi


def reached_name(ratio_name: str) -> str:
    return f"{ratio_name}_reached"


def assessed_name(ratio_name: str) -> str:
    return f"{ratio_name}_assessed"


def measures(indicator: Indicator) -> list[Measure]:
    """The figures of an indicator in report order: columns, derived sums, ratios, counts."""
    out = [
        Measure(indicator.name, c.name, c.header, c.label_en or c.header, c.aggregation, c.headline, c.chart)
        for c in indicator.columns
    ]
    out += [Measure(indicator.name, d.name, d.label_vi, d.label_en, "derived", d.headline, d.chart) for d in indicator.derived]
    for r in indicator.ratios:
        out.append(Measure(indicator.name, r.name, r.label_vi, r.label_en, "ratio", r.headline))
        if r.threshold is not None:
            out.append(
                Measure(
                    indicator.name,
                    reached_name(r.name),
                    r.threshold_label_vi or f"Số cơ sở đạt {r.label_vi.lower()} từ {r.threshold:.0%}",
                    r.threshold_label_en or f"Grassroots units with {r.label_en.lower()} of {r.threshold:.0%} or more",
                    "count",
                    r.headline,
                )
            )
            out.append(
                Measure(
                    indicator.name,
                    assessed_name(r.name),
                    f"Số cơ sở có đủ số liệu tính {r.label_vi.lower()}",
                    f"Grassroots units with the figures for the {r.label_en.lower()}",
                    "count",
                )
            )
    return out


# --- periods -------------------------------------------------------------------------------


def period_months(period: str) -> tuple[int, int]:
    """First and last month a period covers: "2024" -> (1, 12), "2024-Q3" -> (7, 9)."""
    match = _PERIOD.match(period)
    if not match:
        raise ValueError(f"not a period: {period!r}")
    if not match[1]:
        return 1, 12
    size = _PART_MONTHS[match[1][0]]
    number = int(match[1][1:])
    return (number - 1) * size + 1, number * size


@lru_cache(maxsize=1024)
def flow_periods(periods: tuple[str, ...]) -> frozenset[str]:
    """The periods whose flows are added: longest first, skipping any that overlaps one taken."""
    taken: list[str] = []
    months: set[int] = set()
    for period in sorted(periods, key=lambda p: (period_months(p)[0] - period_months(p)[1], period_months(p)[0])):
        start, end = period_months(period)
        span = set(range(start, end + 1))
        if not span & months:
            taken.append(period)
            months |= span
    return frozenset(taken)


# --- the tree as frames --------------------------------------------------------------------


@lru_cache(maxsize=8)
def _ancestry(tree: UnitTree) -> pd.DataFrame:
    """unit_code -> every ancestor including itself and the nation ('00')."""
    parent = {u.code: u.parent for u in tree.units()}
    rows: list[tuple[str, str]] = []
    for code in parent:
        step: str | None = code
        while step:
            rows.append((code, step))
            step = parent[step]
        rows.append((code, NATIONAL))
    return pd.DataFrame(rows, columns=["unit_code", "ancestor"])


@lru_cache(maxsize=8)
def _levels(tree: UnitTree) -> dict[str, str]:
    levels = {u.code: u.level for u in tree.units()}
    levels[NATIONAL] = "national"
    return levels


@lru_cache(maxsize=8)
def _leaves(tree: UnitTree) -> frozenset[str]:
    return frozenset(u.code for u in tree.leaves())


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
        hit = self.values[
            (self.values["indicator"] == indicator) & (self.values["unit_code"] == unit) & (self.values["column"] == column)
        ]
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
            (self.completeness["indicator"] == indicator)
            & (self.completeness["level"] == level)
            & (self.completeness["submitted"] == 0)
        ]
        codes = [c for c in rows["unit_code"] if unit == NATIONAL or self.tree.is_under(c, unit)]
        return [self.tree.get(c) for c in sorted(codes)]

    def for_unit(self, code: str) -> AggregateResult:
        """The same result restricted to one unit and what lies below it (a province's report)."""
        if code == NATIONAL:
            return self
        if code not in self.tree:
            raise ConfigError(
                f"Mã đơn vị '{code}' không có trong danh mục năm {self.year} / unit '{code}' is not in the {self.year} unit list.",
                "Dùng mã tỉnh 2 chữ số, ví dụ --unit 33 (Hưng Yên).",
            )
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
                    totals.setdefault(indicator.name, {})[measure.name] = {
                        "value": _plain(row["value"]),
                        "previous": _plain(row["previous"]),
                        "partial": bool(row["partial"]),
                    }
        completeness = {
            i.name: {**self.coverage(i.name), "missing": [{"code": u.code, "name": u.name} for u in self.missing(i.name)]}
            for i in self.catalog.indicators
        }
        return {
            "year": self.year,
            "tree": self.tree.tree,
            "unit": self.root,
            "previous_year": self.previous_year,
            "outlier_factor": self.outlier_factor,
            "counts": self.counts,
            "totals": totals,
            "completeness": completeness,
            "warnings": len(self.warnings),
            "outliers": [
                {k: _plain(v) for k, v in row._asdict().items()} for row in self.outliers.itertuples(index=False)
            ],
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


# --- the computation -----------------------------------------------------------------------


def own_values(figures: pd.DataFrame, catalog: Catalog, tree: UnitTree) -> pd.DataFrame:
    """Each unit's own figure per column for the year, its periods combined by aggregation type.

    `figures` holds submission_id, indicator, period, unit_code, column, value (current only).
    """
    kinds = pd.DataFrame(
        [(i.name, c.name, c.aggregation) for i in catalog.indicators for c in i.columns],
        columns=["indicator", "column", "kind"],
    )
    frame = figures[figures["unit_code"].isin(set(_levels(tree)))].merge(kinds, on=["indicator", "column"])
    # The same unit, column and period from two current submissions (a commune's own file and
    # its province's, in the 2025 tree): the newest submission wins.
    frame = frame.sort_values("submission_id").drop_duplicates([*KEYS, "period"], keep="last")
    months = {p: period_months(p) for p in frame["period"].unique()}
    frame["end"] = frame["period"].map(lambda p: months[p][1])
    frame["span"] = frame["period"].map(lambda p: months[p][1] - months[p][0])

    stock = frame[frame["kind"] == "stock"].sort_values(["end", "span"]).drop_duplicates(KEYS, keep="last")
    flow = frame[frame["kind"] == "flow"]
    several = flow.groupby(KEYS)["period"].transform("nunique") > 1
    if several.any():  # the slow path only for the few units with several periods
        multi = flow[several]
        chosen = multi.groupby(KEYS)["period"].agg(lambda s: flow_periods(tuple(sorted(set(s))))).rename("chosen")
        multi = multi.join(chosen, on=KEYS)
        multi = multi[[p in c for p, c in zip(multi["period"], multi["chosen"])]]
        flow = pd.concat([flow[~several], multi.drop(columns="chosen")])
    combined = pd.concat([stock, flow])
    return combined.groupby(KEYS, as_index=False)["value"].sum()


def roll_up(own: pd.DataFrame, catalog: Catalog, tree: UnitTree) -> pd.DataFrame:
    """Totals at every level (indicator, unit_code, column, value), with derived figures,
    ratios and threshold counts."""
    ancestry = _ancestry(tree)
    totals = (
        own.merge(ancestry, on="unit_code")
        .groupby(["indicator", "ancestor", "column"], as_index=False)["value"]
        .sum()
        .rename(columns={"ancestor": "unit_code"})
    )
    leaves = _leaves(tree)
    parts = [totals]
    for indicator in catalog.indicators:
        if not (indicator.derived or indicator.ratios):
            continue
        wide = totals[totals["indicator"] == indicator.name].pivot(index="unit_code", columns="column", values="value")
        if wide.empty:
            continue
        wide = wide.reindex(columns=sorted(set(wide.columns) | set(indicator.column_names)))
        extra = pd.DataFrame(index=wide.index)
        for derived in indicator.derived:
            extra[derived.name] = wide[list(derived.sum)].sum(axis=1, min_count=1)
        for ratio in indicator.ratios:
            denominator = wide[ratio.denominator].where(wide[ratio.denominator] > 0)
            rate = wide[ratio.numerator] / denominator
            extra[ratio.name] = rate
            if ratio.threshold is not None:
                # A leaf's total is its own figure: count grassroots units, then roll the counts up.
                assessed = rate[rate.index.isin(leaves)].dropna()
                reached = (assessed >= ratio.threshold - 1e-12).astype(float).rename("value").reset_index()
                counts = reached.merge(ancestry, on="unit_code").groupby("ancestor")["value"].agg(["sum", "size"])
                extra[reached_name(ratio.name)] = counts["sum"]
                extra[assessed_name(ratio.name)] = counts["size"].astype(float)
        long = extra.rename_axis(index="unit_code", columns="column").stack().dropna().rename("value").reset_index()
        long.insert(0, "indicator", indicator.name)
        parts.append(long)
    return pd.concat(parts, ignore_index=True)


def completeness(tree: UnitTree, catalog: Catalog, submitted: list[tuple[str, str]], own: pd.DataFrame) -> pd.DataFrame:
    """For every unit and indicator: reporting units concerned and how many submitted, and the
    grassroots units under it and how many have figures."""
    ancestry = _ancestry(tree)
    levels = _levels(tree)
    level = tree.reporting_level()
    reporting = {u.code for u in tree.units(level)}
    # A submission from a unit below the reporting level (a commune's own file) counts for
    # the reporting unit above it.
    to_reporting = ancestry[ancestry["ancestor"].isin(reporting)].set_index("unit_code")["ancestor"]
    sent = pd.DataFrame(submitted, columns=["indicator", "unit_code"])
    sent["reporter"] = sent["unit_code"].map(to_reporting)
    sent = set(zip(sent["indicator"], sent["reporter"].dropna()))

    reporters = ancestry[ancestry["unit_code"].isin(reporting)]
    below = ancestry[ancestry["ancestor"].isin(reporting) & ~ancestry["unit_code"].isin(reporting)]
    leaves = ancestry[ancestry["unit_code"].isin(_leaves(tree))]
    frames = []
    for indicator in catalog.indicators:
        flags = pd.Series({code: (indicator.name, code) in sent for code in reporting}, dtype=float)
        up = reporters.assign(flag=reporters["unit_code"].map(flags)).groupby("ancestor")["flag"].agg(["size", "sum"])
        # Units below the reporting level depend on the one reporting unit above them.
        down = below.assign(flag=below["ancestor"].map(flags)).set_index("unit_code")["flag"]
        counts = pd.DataFrame({"expected": up["size"], "submitted": up["sum"]})
        counts = pd.concat([counts, pd.DataFrame({"expected": 1.0, "submitted": down})])
        with_data = set(own.loc[own["indicator"] == indicator.name, "unit_code"])
        grass = leaves.assign(flag=leaves["unit_code"].isin(with_data)).groupby("ancestor")["flag"].agg(["size", "sum"])
        counts["grassroots_expected"] = grass["size"]
        counts["grassroots_reported"] = grass["sum"]
        counts = counts.fillna(0).astype(int).rename_axis("unit_code").reset_index()
        counts.insert(0, "indicator", indicator.name)
        frames.append(counts)
    out = pd.concat(frames, ignore_index=True)
    out.insert(2, "level", out["unit_code"].map(levels))
    return out


def outliers(own: pd.DataFrame, own_previous: pd.DataFrame | None, tree: UnitTree, factor: float) -> pd.DataFrame:
    """Figures to check (see the module docstring for the rules); nothing is changed."""
    found = []
    if own_previous is not None and not own_previous.empty:
        both = own.merge(own_previous, on=KEYS, suffixes=("", "_prev"))
        jump = (both["value"] > 0) & (both["value_prev"] > 0)
        jump &= (both["value"] > factor * both["value_prev"]) | (both["value"] * factor < both["value_prev"])
        hit = both[jump]
        found.append(hit.assign(reference=hit["value_prev"], kind="jump")[[*KEYS, "value", "reference", "kind"]])
    parent = {u.code: u.parent or NATIONAL for u in tree.units()}
    levels = _levels(tree)
    frame = own[own["value"] > 0]
    frame = frame.assign(parent=frame["unit_code"].map(parent), level=frame["unit_code"].map(levels), log=np.log(frame["value"]))
    by = [frame[g] for g in ("indicator", "column", "parent", "level")]
    centre = frame["log"].groupby(by).transform("median")
    deviation = (frame["log"] - centre).abs()
    mad = deviation.groupby(by).transform("median")
    size = frame["log"].groupby(by).transform("size")
    far = (mad > 0) & (0.6745 * deviation / mad.where(mad > 0) > SIBLING_Z) & (deviation >= np.log(SIBLING_MIN_RATIO))
    flat = (mad == 0) & (deviation >= np.log(factor))
    flagged = (size >= MIN_SIBLINGS) & (far | flat)
    hit = frame[flagged]
    median = frame["value"].groupby(by).transform("median")[flagged]
    found.append(hit.assign(reference=median, kind="siblings")[[*KEYS, "value", "reference", "kind"]])
    return pd.concat(found, ignore_index=True).sort_values([*KEYS, "kind"], ignore_index=True)


def compute(
    figures: pd.DataFrame,
    tree: UnitTree,
    catalog: Catalog,
    submitted: list[tuple[str, str]],
    previous: tuple[pd.DataFrame, UnitTree] | None = None,
    outlier_factor: float = DEFAULT_OUTLIER_FACTOR,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The pure computation: (values, completeness, outliers) from current figures."""
    own = own_values(figures, catalog, tree)
    values = roll_up(own, catalog, tree)
    levels = _levels(tree)
    values.insert(2, "level", values["unit_code"].map(levels))

    own_previous = None
    values["previous"] = float("nan")
    if previous is not None:
        prev_figures, prev_tree = previous
        own_previous = own_values(prev_figures, catalog, prev_tree)
        before = roll_up(own_previous, catalog, prev_tree).rename(columns={"value": "previous"})
        if prev_tree.tree != tree.tree:
            # Units were merged between the trees: only the national totals compare.
            before = before[before["unit_code"] == NATIONAL]
            own_previous = None
        values = values.drop(columns="previous").merge(before, on=KEYS, how="left")

    complete = completeness(tree, catalog, submitted, own)
    short = complete[complete["submitted"] < complete["expected"]][["indicator", "unit_code"]].assign(partial=1)
    values = values.merge(short, on=["indicator", "unit_code"], how="left")
    values["partial"] = values["partial"].fillna(0).astype(int)
    flagged = outliers(own, own_previous, tree, outlier_factor)
    return values, complete, flagged


def aggregate(
    workspace: Path,
    year: int,
    outlier_factor: float = DEFAULT_OUTLIER_FACTOR,
    schemas: Path | None = None,
) -> AggregateResult:
    """Roll the year's current figures up its unit tree and store the result (replacing the
    year's previous aggregation in one transaction)."""
    if not outlier_factor > 1:
        raise ConfigError(
            f"--outlier-factor phải lớn hơn 1, không phải {outlier_factor} / must be greater than 1.",
            "Mặc định 10: số liệu gấp 10 lần năm trước (thừa một chữ số 0) được cảnh báo.",
        )
    catalog = load_catalog(schemas)
    tree = UnitTree.for_year(year)
    store = Store.open(workspace, create=False)
    try:
        run_id = store.start_run("aggregate")
        figures = store.figures_frame(year)
        if figures.empty:
            raise VwuError(
                f"Chưa có số liệu năm {year} trong {workspace} / no figures for {year} in the workspace.",
                f"Chạy 'vwu ingest THƯ_MỤC --workspace {workspace}' trước, hoặc kiểm tra --year.",
            )
        prev_figures = store.figures_frame(year - 1)
        previous = (prev_figures, UnitTree.for_year(year - 1)) if not prev_figures.empty else None
        submitted = store.current_submissions(year)
        values, complete, flagged = compute(figures, tree, catalog, submitted, previous, outlier_factor)
        result = AggregateResult(
            year=year,
            tree=tree,
            catalog=catalog,
            values=values,
            completeness=complete,
            outliers=flagged,
            targets=store.targets(year),
            warnings=store.ingest_warnings(year),
            outlier_factor=outlier_factor,
            previous_year=year - 1 if previous else None,
            counts={
                "figures": len(figures),
                "submissions": len(submitted),
                "units_with_figures": int(figures["unit_code"].nunique()),
            },
            aggregated_at=now(),
        )
        meta = {
            "tree": tree.tree,
            "outlier_factor": outlier_factor,
            "previous_year": result.previous_year,
            "data_version": store.data_version(year),
            "counts": result.counts,
            "aggregated_at": result.aggregated_at,
        }
        store.replace_aggregation(
            year,
            meta,
            {
                "aggregates": values[["indicator", "unit_code", "level", "column", "value", "previous", "partial"]],
                "completeness": complete,
                "outliers": flagged,
            },
        )
        store.finish_run(run_id, {"year": year, **result.counts})
    finally:
        store.close()
    return result


def load(workspace: Path, year: int, schemas: Path | None = None) -> AggregateResult | None:
    """The stored aggregation of a year, or None when there is none or the figures changed since."""
    store = Store.open(workspace, create=False)
    try:
        meta = store.aggregation_meta(year)
        if meta is None or meta["data_version"] != store.data_version(year):
            return None
        meta, tables = store.read_aggregation(year)
        return AggregateResult(
            year=year,
            tree=UnitTree.for_year(year),
            catalog=load_catalog(schemas),
            values=tables["aggregates"],
            completeness=tables["completeness"],
            outliers=tables["outliers"],
            targets=store.targets(year),
            warnings=store.ingest_warnings(year),
            outlier_factor=meta["outlier_factor"],
            previous_year=meta["previous_year"],
            counts=meta["counts"],
            aggregated_at=meta["aggregated_at"],
        )
    finally:
        store.close()


def stored_outlier_factor(workspace: Path, year: int) -> float:
    """The factor the year was last aggregated with, so a re-aggregation keeps it."""
    store = Store.open(workspace, create=False)
    try:
        meta = store.aggregation_meta(year)
        return meta["outlier_factor"] if meta else DEFAULT_OUTLIER_FACTOR
    finally:
        store.close()
