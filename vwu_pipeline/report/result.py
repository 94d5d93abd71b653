"""An aggregation as readers query it: `AggregateResult` (long frames, the unit tree and the
catalog), its per-unit views, and its JSON. Built by rollup.py, read by presentation, the
workbook, the summary and `vwu aggregate --json`."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

import pandas as pd

from vwu_pipeline.core.indicators import Catalog, measures
from vwu_pipeline.core.messages import text
from vwu_pipeline.core.periods import Period
from vwu_pipeline.core.units import NATIONAL, Unit, UnitTree

DEFAULT_OUTLIER_FACTOR = 10.0
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
    "months",  # the months the figures under the unit cover, as bits (0xFFF: the whole year)
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
            return text("report.national", lang)
        unit = self.tree.get(code)
        return unit.name if unit else code

    def total(self, indicator: str, column: str, unit: str | None = None) -> float | None:
        unit = unit or self.root
        hit = self.values[(self.values["indicator"] == indicator) & (self.values["unit_code"] == unit) & (self.values["column"] == column)]
        return None if hit.empty else float(hit["value"].iloc[0])

    def coverage(self, indicator: str, unit: str | None = None) -> dict[str, int]:
        """Reporting units expected and submitted, grassroots units expected and with figures."""
        counts = self._coverage.get((indicator, unit or self.root))
        return dict.fromkeys(COVERAGE, 0) if counts is None else dict(zip(COVERAGE, counts))

    @cached_property
    def _coverage(self) -> dict[tuple[str, str], tuple[int, ...]]:
        frame = self.completeness
        # plain lists: iterating pandas' text arrays item by item took ~0.3 s for a national year;
        # a tuple of counts a unit, its dict made when asked for (a dict each was 0.1 s of a report)
        columns = [frame[k].astype(int).tolist() for k in COVERAGE]
        return dict(zip(zip(frame["indicator"].tolist(), frame["unit_code"].tolist()), zip(*columns)))

    def measure_rows(self, indicator: str, column: str) -> Any:
        """The positions in `values` of one measure's rows (an integer array, in row order)."""
        return self._measure_rows.get((indicator, column), self._no_rows)

    @cached_property
    def _measure_rows(self) -> dict[tuple[str, str], Any]:
        """(indicator, measure) -> its rows' positions, found once per result: a report across the
        2025 reform asks for a dozen measures, each two comparisons of 67,000 texts."""
        import numpy as np

        from vwu_pipeline.store.db import factorize_texts

        indicator, indicators = factorize_texts(self.values["indicator"].to_numpy(dtype=object, copy=False))
        column, columns = factorize_texts(self.values["column"].to_numpy(dtype=object, copy=False))
        named = np.flatnonzero((indicator >= 0) & (column >= 0))
        key = indicator[named].astype(np.int64) * max(len(columns), 1) + column[named]
        order = np.argsort(key, kind="stable")
        keys, starts = np.unique(key[order], return_index=True)
        bounds = [*starts.tolist(), len(order)]
        indicator_names, column_names = indicators.tolist(), columns.tolist()
        return {
            (indicator_names[k // max(len(columns), 1)], column_names[k % max(len(columns), 1)]): named[order[a:b]]
            for k, a, b in zip(keys.tolist(), bounds[:-1], bounds[1:])
        }

    @cached_property
    def _no_rows(self) -> Any:
        import numpy as np

        return np.zeros(0, np.intp)

    def missing(self, indicator: str, unit: str | None = None) -> list[Unit]:
        """Reporting units under `unit` (default: the report's root) that did not submit."""
        unit = unit or self.root
        codes = self._absent.get(indicator, [])
        return [self.tree.get(c) for c in codes if unit == NATIONAL or self.tree.is_under(c, unit)]

    @cached_property
    def _absent(self) -> dict[str, list[str]]:
        """indicator -> reporting units that did not submit, in code order: found once per result
        (a report asks a dozen times, each three comparisons of 43,000 rows)."""
        frame = self.completeness
        rows = frame[(frame["level"] == self.tree.reporting_level()) & (frame["submitted"] == 0)]
        absent: dict[str, list[str]] = {}
        for indicator, code in zip(rows["indicator"].tolist(), rows["unit_code"].tolist()):
            absent.setdefault(indicator, []).append(code)
        return {indicator: sorted(codes) for indicator, codes in absent.items()}

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
