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

from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from vwu_pipeline.core.collector import paused_collector
from vwu_pipeline.core.errors import ConfigError, VwuError
from vwu_pipeline.core.indicators import CATALOG_CACHE, Catalog, load_catalog, measures
from vwu_pipeline.core.lookup import LEGACY_LAST_DAY, submitted_on
from vwu_pipeline.core.messages import Said
from vwu_pipeline.core.periods import Period
from vwu_pipeline.core.units import NATIONAL, UnitTree
from vwu_pipeline.report.ahead import FiguresAhead, figures_frame
from vwu_pipeline.report.arrays import aligned, completeness, figure_codes, outliers, own_values, roll_up, rule_breaks, tree_index
from vwu_pipeline.report.reform import of_tree, on_new_tree, province_map, tree_names
from vwu_pipeline.report.result import AGGREGATE_COLUMNS, DEFAULT_OUTLIER_FACTOR, AggregateResult
from vwu_pipeline.store.db import DB_NAME, Store, factorize_texts, now

# Bumped when the rules change what an aggregation holds (2: a part of 2025 sent on the legacy
# tree is rolled up on it; 3: 2025 completeness counts the communes answered for; 4: a legacy
# district's files answer for the new communes its communes went to): an aggregation stored by
# an earlier vwu is then computed again.
ROLL_UP_RULES = 4


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
    codes = figure_codes(figures, index)  # the text columns hashed once, for both uses
    now = make_side(figures, own_values(figures, catalog, index, codes), catalog, tree, codes)
    del codes
    rolled = now.rolled
    before = side = None
    before_partial: dict[str, np.ndarray] = {}
    if previous is not None:
        prev_figures, prev_tree, *rest = previous
        prev_index = tree_index(prev_tree)
        prev_codes = figure_codes(prev_figures, prev_index)
        side = make_side(prev_figures, own_values(prev_figures, catalog, prev_index, prev_codes), catalog, prev_tree, prev_codes)
        del prev_codes
        before = side.rolled
        if rest:
            for name, counts in completeness(prev_index, catalog, rest[0], before.own).items():
                flags = (counts["submitted"] < counts["expected"]).astype(float)
                before_partial[name] = place(flags, prev_index, index) if previous[1].tree == tree.tree else _at_nation(flags, index.size)
    before_totals = aligned(before, rolled)[1] if before is not None else {}
    comparison = like_for_like(now, side, catalog)
    complete = completeness(index, catalog, submitted, rolled.own)
    # The months each unit's figures cover, with those of every unit below it (bits, OR-ed up).
    months = np.zeros_like(now.months)
    for k in range(months.shape[0]):
        np.bitwise_or.at(months[k], index.anc_of, now.months[k][index.anc_unit])
    slot = {i.name: k for k, i in enumerate(catalog.indicators)}

    # Each column of the long frame gathered as arrays, one per (indicator, measure), and the
    # frame made once (not a frame per measure, concatenated: a tenth of a second nationally).
    parts: dict[str, list[np.ndarray]] = {name: [] for name in AGGREGATE_COLUMNS}
    named: list[tuple[str, str, int]] = []  # (indicator, measure, rows): their names repeated once at the end
    for indicator in catalog.indicators:
        counts = complete[indicator.name]
        partial = (counts["submitted"] < counts["expected"]).astype(int)
        prior_partial = before_partial.get(indicator.name)
        for measure in measures(indicator):
            value = rolled.measures[indicator.name].get(measure.name)
            if value is None:
                continue
            units = np.flatnonzero(~np.isnan(value))
            n = len(units)
            named.append((indicator.name, measure.name, n))
            prior = before_totals.get(indicator.name, {}).get(measure.name)
            like_now = comparison.now.get(indicator.name, {}).get(measure.name)
            like_before = comparison.before.get(indicator.name, {}).get(measure.name)
            for name, column in (
                ("unit_code", index.codes[units]),
                ("level", index.level[units]),
                ("value", value[units]),
                ("previous", prior[units] if prior is not None else np.full(n, np.nan)),
                ("partial", partial[units]),
                ("previous_partial", np.nan_to_num(prior_partial[units]).astype(int) if prior_partial is not None else np.zeros(n, int)),
                ("lfl_value", like_now[units] if like_now is not None else np.full(n, np.nan)),
                ("lfl_previous", like_before[units] if like_before is not None else np.full(n, np.nan)),
                ("lfl_units", comparison.reporting_units[indicator.name][units].astype(int)),
                ("lfl_lowest", comparison.lowest_units[indicator.name][units].astype(int)),
                ("lfl_reason", comparison.reason[indicator.name][units]),
                ("months", months[slot[indicator.name]][units]),
            ):
                parts[name].append(column)
    if not named:
        raise ValueError("No objects to concatenate")  # as pd.concat said of no measure at all
    rows = [n for _, _, n in named]
    parts["indicator"] = [np.repeat(np.array([i for i, _, _ in named], dtype=object), rows)]
    parts["column"] = [np.repeat(np.array([m for _, m, _ in named], dtype=object), rows)]
    values = pd.DataFrame({name: np.concatenate(arrays) for name, arrays in parts.items()}).astype(
        {"indicator": str, "unit_code": str, "level": str, "column": str, "lfl_reason": str}
    )
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
    ahead: FiguresAhead | None = None,
) -> AggregateResult:
    """Roll the period's current figures (default: the whole year's) up its unit tree and store
    the result, replacing the period's previous aggregation in one transaction. The same part of
    the previous year is the comparison. `ahead`: the year's and the previous year's figures
    being read by another thread (report/ahead.py), taken when they are of the same data."""
    if not outlier_factor > 1:
        raise ConfigError("error.outlier-factor", factor=outlier_factor)
    with paused_collector():
        return _aggregate(workspace, year, outlier_factor, schemas, _period(year, period), ahead)


def _aggregate(
    workspace: Path, year: int, outlier_factor: float, schemas: Path | None, period: Period, ahead: FiguresAhead | None
) -> AggregateResult:
    # kept only in a workspace (a folder without a store gets nothing written: it is refused below)
    catalog = load_catalog(schemas, Path(workspace) / CATALOG_CACHE, keep=(Path(workspace) / DB_NAME).is_file())
    store = Store.open(workspace, create=False)
    run_id = store.start_run("aggregate")
    try:
        # Every input and the version stamped on the result come from one read snapshot: an
        # ingest committing meanwhile makes this aggregation stale, never falsely fresh.
        with store.snapshot():
            data_version = store.data_version(year)
            # a part of the year reads only the submissions inside it (as `within` keeps them)
            figures = figures_frame(store, period, data_version, ahead)
            prev_figures = figures_frame(store, period.previous(), data_version, ahead)
            # the previous part's submissions, for its completeness: none to count without figures
            # (2025-H1 against a 2024 sent as one year's files)
            prev_periods = (
                {t.tree: store.current_submission_periods(year - 1, t.tree) for t in _trees(year - 1)} if not prev_figures.empty else {}
            )
            periods = {t.tree: store.current_submission_periods(year, t.tree) for t in _trees(year)}
            targets = store.targets(year)
            warnings = store.ingest_warnings(year)
        if figures.empty:
            raise VwuError("error.no-figures", period=Said(period.label("vi"), period.label("en")), workspace=workspace)
        # Across the 2025 reform: figures of the legacy tree are carried onto the year's tree
        # (report/reform.py), this year's and the previous year's alike, so both compare by code;
        # a part of the year whose files all came on the legacy tree is rolled up on it.
        tree = period_tree(period, figures)
        legacy = UnitTree.for_date(LEGACY_LAST_DAY)
        targets = targets_on_tree(targets, tree, legacy)
        reform = {}
        if tree.tree != legacy.tree:
            legacy_rows = int(of_tree(figures, legacy.tree).sum()) if "tree" in figures else 0
            figures, not_allocated = on_new_tree(figures, catalog, legacy, tree)
            if legacy_rows:
                reform = {"carried_figures": legacy_rows, "not_allocated_units": int(not_allocated["legacy_code"].nunique())}
            targets, not_carried = _targets_on(targets, catalog, legacy, tree)
            if not_carried:
                reform["ratio_targets_not_carried"] = not_carried
        previous = None
        across = False
        legacy_before = prev_figures.iloc[0:0]
        if not prev_figures.empty:
            prev_tree = period_tree(period.previous(), prev_figures)
            if "tree" in prev_figures:
                prev_figures = prev_figures.assign(tree=prev_figures["tree"].fillna(prev_tree.tree))
                legacy_before = prev_figures[of_tree(prev_figures, legacy.tree)]
            if tree.tree != legacy.tree and not legacy_before.empty:
                across = prev_tree.tree == legacy.tree
                prev_figures, _ = on_new_tree(prev_figures, catalog, legacy, tree)
                prev_tree = tree
            previous = (prev_figures, prev_tree, _submitted(prev_periods, period.previous(), prev_tree))
        submitted = _submitted(periods, period, tree)
        values, complete, flagged = compute(figures, tree, catalog, submitted, previous, outlier_factor)
        if across:
            values, flagged = _across_the_reform(values, flagged, legacy_before, catalog, legacy, tree, outlier_factor)
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
                **reform,
            },
            aggregated_at=now(),
            period=period,
        )
        meta = {
            "tree": tree.tree,
            "outlier_factor": outlier_factor,
            "previous_year": result.previous_year,
            "data_version": data_version,
            "inputs": inputs_digest(catalog),
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


def period_tree(period: Period, figures: pd.DataFrame) -> UnitTree:
    """The tree a period is rolled up on: the year's (the one valid on 30 November), except for
    a part of the year that ended on the legacy tree (2025-H1, Q1, Q2, M01-M06) whose files all
    came on it: then the legacy tree, districts and all, as they were sent. A file compiled on
    the new tree for such a period (a province's first half, sent in July) brings the whole
    period onto the new tree, the legacy files carried through the conversion table."""
    year_tree = UnitTree.for_year(period.year)
    if period.is_year:
        return year_tree
    own = UnitTree.for_period(period.code)
    if own.tree == year_tree.tree:
        return year_tree
    trees = tree_names(figures) if "tree" in figures.columns else set()
    return own if trees <= {own.tree} else year_tree


def tree_named(name: str, period: Period) -> UnitTree:
    """The tree a stored aggregation of `period` was rolled up on, by its name."""
    year_tree = UnitTree.for_year(period.year)
    if name == year_tree.tree:
        return year_tree
    return next((t for t in UnitTree.candidates(period.code) if t.tree == name), year_tree)


def targets_on_tree(targets: pd.DataFrame, tree: UnitTree, legacy: UnitTree) -> pd.DataFrame:
    """The year's targets that apply on a legacy-tree report of a part of 2025: the nation's
    and those set on the legacy tree, plus a new province's when it is one legacy province
    unchanged (the same code, the same ground). Targets of the new tree otherwise name other
    ground (new Hưng Yên 33 = legacy Hưng Yên 33 + Thái Bình 34) and cannot be split back."""
    if tree.tree != legacy.tree or targets.empty or "tree" not in targets.columns:
        return targets
    from vwu_pipeline.core.crosswalk import load_crosswalk

    crosswalk = load_crosswalk()
    same_ground = {c for c in targets["unit_code"] if crosswalk.legacy_provinces(c) == [c]}
    keep = (targets["tree"] == legacy.tree) | (targets["unit_code"] == NATIONAL) | targets["unit_code"].isin(same_ground)
    own = targets[keep]
    # A target set on both trees for the same unit and figure: the legacy tree's wins here.
    own = own.sort_values("tree", key=lambda t: t != legacy.tree, kind="stable").drop_duplicates(["unit_code", "column"])
    return own.reset_index(drop=True)


def _targets_on(targets: pd.DataFrame, catalog: Catalog, legacy: UnitTree, tree: UnitTree) -> tuple[pd.DataFrame, list[str]]:
    """Targets of the year set on the legacy tree, carried onto the new provinces: counts (flow
    and stock figures, derived sums) add up; ratios and threshold counts do not carry (a rate
    of two provinces is not the sum of theirs), and are named. A target set on the new tree
    for the same unit and figure wins."""
    if targets.empty or "tree" not in targets or not (targets["tree"] == legacy.tree).any():
        return targets, []
    kinds = {m.name: m.kind for i in catalog.indicators for m in measures(i)}
    old = targets[targets["tree"] == legacy.tree]
    carried_kind = old["column"].map(kinds).isin(["flow", "stock", "opening", "derived"])
    not_carried = sorted(set(old.loc[~carried_kind, "column"]))
    to_province = {**province_map(legacy, tree), NATIONAL: NATIONAL}
    moved = old[carried_kind].assign(unit_code=old.loc[carried_kind, "unit_code"].map(to_province), tree=tree.tree)
    moved = moved[moved["unit_code"].notna()].groupby(["unit_code", "column", "tree"], as_index=False)["target"].sum()
    new = targets[targets["tree"] != legacy.tree]
    moved = moved[~moved.set_index(["unit_code", "column"]).index.isin(new.set_index(["unit_code", "column"]).index)]
    return pd.concat([new, moved], ignore_index=True), not_carried


def _trees(year: int) -> list[UnitTree]:
    """The trees a year's submissions may be on (both for 2025)."""
    from datetime import date

    return UnitTree.during(date(year - 1, 12, 1), date(year, 11, 30))


def _submitted(periods: dict[str, list[tuple[str, str, str]]], period: Period, tree: UnitTree) -> list[tuple[str, str]]:
    """(indicator, reporting unit of `tree`) submitted for `period`, counted on the tree of each
    file: a legacy district's first half of 2025 stands for its new province only with every
    other district of the legacy provinces it was formed from."""
    return submitted_on(tree, periods, period)


def _across_the_reform(
    values: pd.DataFrame,
    flagged: pd.DataFrame,
    legacy_before: pd.DataFrame,
    catalog: Catalog,
    legacy: UnitTree,
    tree: UnitTree,
    outlier_factor: float = DEFAULT_OUTLIER_FACTOR,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The previous year was on the legacy tree and was carried forward: provinces and the nation
    compare exactly; a commune only when it is made of whole legacy communes (otherwise
    "không so sánh được (thay đổi địa giới)"); threshold counts of grassroots units are not
    compared across trees (10,040 communes became 3,321): both figures are shown."""
    from vwu_pipeline.core.crosswalk import load_crosswalk
    from vwu_pipeline.report.compare import BOUNDARY_CHANGED, DIFFERENT_TREES

    crosswalk = load_crosswalk()
    values = values.copy()
    # Each unit code decided once (67,000 rows name 3,400 units), not once a row.
    units, unit_names = factorize_texts(values["unit_code"].to_numpy(dtype=object, copy=False))
    exact = np.array([*(crosswalk.is_exact(code) for code in unit_names.tolist()), False])[units]
    inexact = (values["level"] == "commune") & ~exact
    for column in ("previous", "lfl_value", "lfl_previous"):
        values.loc[inexact, column] = np.nan
    values.loc[inexact, ["lfl_units", "lfl_lowest"]] = 0
    values.loc[inexact, "lfl_reason"] = BOUNDARY_CHANGED
    counts = {m.name for i in catalog.indicators for m in measures(i) if m.kind == "count"}
    is_count = values["column"].isin(counts)
    # A province (or the nation) complete on both sides compares whole: its not-allocated own
    # row (split communes) holds figures no single commune matches, but the sum is exact.
    whole = values["level"].isin(["national", "province"]) & (values["partial"] == 0) & (values["previous_partial"] == 0)
    whole &= values["previous"].notna() & ~is_count
    values.loc[whole, "lfl_value"] = values.loc[whole, "value"]
    values.loc[whole, "lfl_previous"] = values.loc[whole, "previous"]
    values.loc[whole, "lfl_reason"] = ""
    values.loc[is_count, ["lfl_value", "lfl_previous", "previous"]] = np.nan
    values.loc[is_count, ["lfl_units", "lfl_lowest"]] = 0
    values.loc[is_count, "lfl_reason"] = DIFFERENT_TREES
    # The previous year's own count, on its own tree, summed into the new provinces.
    if not legacy_before.empty and is_count.any():
        index = tree_index(legacy)
        # Only the figures of indicators with a count: a column's own figures come from its
        # rows alone, and counts are made from their own indicator's (a quarter of the year).
        counted = [i.name for i in catalog.indicators if any(m.name in counts for m in measures(i))]
        named, names = factorize_texts(legacy_before["indicator"].to_numpy(dtype=object, copy=False))
        wanted = np.array([*(name in counted for name in names.tolist()), False])[named]
        rolled = roll_up(own_values(legacy_before[wanted], catalog, index), catalog, legacy)
        to_province = province_map(legacy, tree)
        for indicator, measures_of in rolled.measures.items():
            for name, totals in measures_of.items():
                if name not in counts:
                    continue
                before = {NATIONAL: totals[0]} if not np.isnan(totals[0]) else {}
                for position in np.flatnonzero(index.level == "province"):
                    target = to_province.get(index.codes[position])
                    if target and not np.isnan(totals[position]):
                        before[target] = before.get(target, 0.0) + totals[position]
                rows = is_count & (values["indicator"] == indicator) & (values["column"] == name)
                values.loc[rows, "previous"] = values.loc[rows, "unit_code"].map(before).astype(float)
    if not flagged.empty:
        level = dict(zip(values["unit_code"].to_numpy(dtype=object).tolist(), values["level"].to_numpy(dtype=object).tolist()))
        inexact_jump = (flagged["kind"] == "jump") & flagged["unit_code"].map(
            lambda c: level.get(c) == "commune" and not crosswalk.is_exact(c)
        )
        flagged = flagged[~inexact_jump].reset_index(drop=True)
    jumps = _province_jumps(values, catalog, outlier_factor)
    if not jumps.empty:
        flagged = pd.concat([flagged, jumps], ignore_index=True) if not flagged.empty else jumps
    return values, flagged


def _province_jumps(values: pd.DataFrame, catalog: Catalog, factor: float) -> pd.DataFrame:
    """The year-on-year check on province totals across the reform (kind "jump-total"): a new
    province against the sum of the legacy provinces it was formed from, like for like (over the
    same units on both sides), flagged when one is `factor` times the other. A district's extra
    zero hides in no commune of the new tree, but it still multiplies its province's total."""
    raw = {c.name for i in catalog.indicators for c in i.columns}
    rows = values[(values["level"] == "province") & values["column"].isin(raw) & (values["lfl_reason"] == "")]
    now, before = rows["lfl_value"], rows["lfl_previous"]
    with np.errstate(invalid="ignore"):
        hit = rows[(now > 0) & (before > 0) & ((now >= factor * before) | (now * factor <= before))]
    return pd.DataFrame(
        {
            "indicator": hit["indicator"].to_numpy(),
            "unit_code": hit["unit_code"].astype(str).to_numpy(),
            "column": hit["column"].to_numpy(),
            "value": hit["lfl_value"].to_numpy(float),
            "reference": hit["lfl_previous"].to_numpy(float),
            "kind": "jump-total",
        }
    )


def _period(year: int, period: Period | str | None) -> Period:
    return period if isinstance(period, Period) else Period.parse(year, period)


def inputs_digest(catalog: Catalog) -> str:
    """A hash of what an aggregation depends on besides the figures: the indicator schemas,
    the unit master and the 2025 conversion tables (each the packaged file or its replacement)."""
    import hashlib
    import os

    from vwu_pipeline.core import crosswalk, units

    master = os.environ.get(units.ENV_VAR, "").strip()
    files = [Path(master).expanduser() if master else units.PACKAGED_MASTER, crosswalk.conversion_path(), crosswalk.PACKAGED_RECODED]
    digest = hashlib.sha256(f"{ROLL_UP_RULES}\0{catalog.digest}".encode())
    for path in files:
        digest.update(b"\0" + _file_digest(path.resolve(), *_stamp(path)).encode())
    return digest.hexdigest()


def _stamp(path: Path) -> tuple[int, int]:
    try:
        stat = path.stat()
    except OSError:
        return (0, 0)
    return (stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=16)
def _file_digest(path: Path, mtime: int, size: int) -> str:
    import hashlib

    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""


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
            if meta.get("inputs") != inputs_digest(load_catalog(schemas, Path(workspace) / CATALOG_CACHE)):
                return None  # computed with other schemas, another unit master or conversion table
            meta, tables = store.read_aggregation(year, period.code)
            targets, warnings = store.targets(year), store.ingest_warnings(year)
        # The targets as the aggregation saw them (on its tree), as in aggregate().
        tree = tree_named(meta["tree"], period)
        legacy = UnitTree.for_date(LEGACY_LAST_DAY)
        targets = targets_on_tree(targets, tree, legacy)
        counts = {k: v for k, v in meta["counts"].items() if k != "ratio_targets_not_carried"}
        if tree.tree != legacy.tree:
            # targets may have been stored after the aggregation: what is not carried is told from them
            targets, not_carried = _targets_on(targets, load_catalog(schemas), legacy, tree)
            if not_carried:
                counts["ratio_targets_not_carried"] = not_carried
        return AggregateResult(
            year=year,
            tree=tree,
            catalog=load_catalog(schemas),
            values=tables["aggregates"],
            completeness=tables["completeness"],
            outliers=tables["outliers"],
            targets=targets,
            warnings=warnings,
            outlier_factor=meta["outlier_factor"],
            previous_year=meta["previous_year"],
            counts=counts,
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
