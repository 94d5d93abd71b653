"""vwu report: the stored aggregation of a year or a part of it (re-aggregated first when
missing or stale) written as the consolidated workbook and the Markdown summary, named for
the period: vwu-2024.xlsx, vwu-2024-H1.xlsx, vwu-2024-Q3-33.md."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vwu_pipeline.core.outputs import output_folder
from vwu_pipeline.core.periods import Period
from vwu_pipeline.core.units import NATIONAL, typed_code
from vwu_pipeline.ops.config import DEFAULT_LOCK_TIMEOUT
from vwu_pipeline.ops.locking import workspace_lock
from vwu_pipeline.report.charts import chart_drawers, charts_drawn_beside

# The roll-up, the workbook and the summary (pandas, numpy, XlsxWriter: ≈ 0.5 s of imports) are
# imported where they are used: `report` forks the chart drawer first, which imports matplotlib
# meanwhile on the other core and never imports them.
if TYPE_CHECKING:
    from vwu_pipeline.report import presentation as p
    from vwu_pipeline.report.result import AggregateResult

CHART_CACHE = ".cache/matplotlib"  # in the workspace: matplotlib's font cache, never in HOME


@dataclass
class ReportResult:
    year: int
    period: str  # "2024", "2024-H1"
    unit: str
    workbook: Path
    summary: Path
    aggregated: bool  # True when the year had to be (re-)aggregated first
    partial: bool
    headline: list[dict[str, Any]] = field(default_factory=list)
    targets: list[dict[str, Any]] = field(default_factory=list)
    missing: dict[str, int] = field(default_factory=dict)
    warnings: int = 0
    outliers: int = 0
    tree: str = ""  # the unit tree the period was rolled up on ("legacy" for a 2025 half sent by districts)
    note: str | None = None  # what a code means on that tree, when the reform changed its ground
    charts: list[dict[str, Any]] = field(default_factory=list)
    # 2025: figures whose targets set on legacy provinces were not carried (ratios: a rate of two
    # provinces is not the sum of theirs)
    targets_not_carried: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "period": self.period,
            "unit": self.unit,
            "workbook": str(self.workbook),
            "summary": str(self.summary),
            "aggregated": self.aggregated,
            "partial": self.partial,
            "headline": self.headline,
            "targets": self.targets,
            "missing": self.missing,
            "warnings": self.warnings,
            "outliers": self.outliers,
            "tree": self.tree,
            "unit_note": self.note,
            "charts": self.charts,
            "targets_not_carried": self.targets_not_carried,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)


def headline_rows(result: AggregateResult, lang: str = "vi") -> list[dict[str, Any]]:
    """The headline figures as plain data (for --json and the terminal)."""
    from vwu_pipeline.report import presentation as p

    return [
        {
            "indicator": row.indicator.name,
            "column": row.measure.name,
            "kind": row.measure.kind,
            "format": row.measure.format,
            "unit": row.measure.unit(lang),
            "label": row.measure.label(lang),
            "value": row.value,
            "previous": row.previous,
            "partial": row.partial,
            "previous_partial": row.previous_partial,
            "change": row.change,
            "change_pct": row.change_pct,
            "like_for_like": like_for_like(result, row, lang),
            "part_year": p.part_year_note(result, row.months, lang) or None,
        }
        for row in p.headline(result)
    ]


def like_for_like(result: AggregateResult, row: p.FigureRow, lang: str = "vi") -> dict[str, Any]:
    """The pair a change is computed from: both years over the same units, and what it covers."""
    from vwu_pipeline.report import presentation as p

    return {
        "value": row.like_value if row.compared_lowest else None,
        "previous": row.like_previous if row.compared_lowest else None,
        "reporting_units": row.compared,
        "lowest_units": row.compared_lowest,
        "reason": row.reason or None,
        "note": p.comparison_note(result, row, lang),
    }


def current(
    workspace: Path,
    year: int,
    schemas: Path | None = None,
    period: Period | str | None = None,
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
) -> tuple[AggregateResult, bool]:
    """The period's aggregation (default: the year's), and whether it had to be computed now
    (none stored, or stale). Reading a fresh one takes no lock; computing one is writing, so it
    takes the writer lock like `vwu aggregate` (waiting `lock_timeout` seconds)."""
    from vwu_pipeline.report.rollup import aggregate, load, stored_outlier_factor

    result = load(workspace, year, schemas, period)
    if result is not None:
        return result, False
    with workspace_lock(workspace, "report", lock_timeout, create=False):
        result = load(workspace, year, schemas, period)  # another run may have aggregated while we waited
        if result is not None:
            return result, False
        return aggregate(workspace, year, stored_outlier_factor(workspace, year, period), schemas, period), True


def report(
    workspace: Path,
    year: int,
    unit: str | None = None,
    out: Path = Path("."),
    lang: str = "vi",
    schemas: Path | None = None,
    period: str | None = None,
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
) -> ReportResult:
    """Write vwu-PERIOD.xlsx and vwu-PERIOD.md (vwu-PERIOD-UNIT.* for one unit's own report),
    PERIOD being the year (2024) or a part of it (2024-H1, 2024-Q3)."""
    code = typed_code(unit) or NATIONAL
    the_period = Period.parse(year, period)
    # PNG charts beside the Markdown, which links to them, drawn meanwhile by other processes
    # (they import matplotlib while the aggregation is read here); its cache in the workspace
    cache = Path(workspace) / CHART_CACHE
    with chart_drawers(cache) as drawers:
        from vwu_pipeline.report import presentation as p

        full, fresh = current(workspace, year, schemas, the_period, lock_timeout)
        result = full.for_unit(code)
        out = output_folder(Path(out))
        stem = f"vwu-{the_period.stem}" if code == NATIONAL else f"vwu-{the_period.stem}-{code}"
        with charts_drawn_beside(result, out, lang, cache, drawers) as charts:
            # imported once the charts are sent (XlsxWriter: ≈ 0.03 s the drawers need not wait)
            from vwu_pipeline.report.summary import write_summary
            from vwu_pipeline.report.workbook import write_workbook

            workbook = write_workbook(result, out / f"{stem}.xlsx", lang)
            summary = out / f"{stem}.md"
            write_summary(result, summary, lang, [(c.file.name, c.title) for c in charts])
            # what the run says, made while the drawers finish their charts
            said = ReportResult(
                year=year,
                period=the_period.code,
                unit=code,
                workbook=workbook,
                summary=summary,
                aggregated=fresh,
                partial=p.is_partial(result),
                headline=headline_rows(result, lang),
                targets=[
                    {
                        "unit_code": row.unit_code,
                        "column": row.measure.name,
                        "target": row.target,
                        "achieved": row.achieved,
                        "met": row.met,
                        "status": row.status,  # met | not_met | incomplete | not_reported
                        "assessment": row.assessment(lang),
                        "partial": row.partial,
                    }
                    for row in p.target_rows(result, lang)
                    if row.unit_code == result.root
                ],
                missing={i.name: len(result.missing(i.name)) for i in result.catalog.indicators},
                warnings=len(result.warnings),
                outliers=len(result.outliers),
                tree=result.tree.tree,
                note=legacy_unit_note(result, code, lang),
                charts=[c.to_dict() for c in charts],
                targets_not_carried=list(result.counts.get("ratio_targets_not_carried", [])),
            )
    return said


def legacy_unit_note(result: AggregateResult, code: str, lang: str = "vi") -> str | None:
    """On a legacy-tree report of a part of 2025, a province code that names other ground from
    1 July 2025 (44: Quảng Bình then, Quảng Trị = 44 + 45 now) is said, with its legacy parts."""
    from vwu_pipeline.core.crosswalk import load_crosswalk
    from vwu_pipeline.core.messages import text
    from vwu_pipeline.core.units import UnitTree

    year_tree = UnitTree.for_year(result.year)
    if code == NATIONAL or result.tree.tree == year_tree.tree or result.tree.get(code) is None:
        return None
    crosswalk = load_crosswalk()
    new = year_tree.get(code)
    parts = crosswalk.legacy_provinces(code) if new is not None else []
    if new is None or parts == [code]:
        return None
    names = ", ".join(f"{result.tree.get(c).name} ({c})" for c in parts if result.tree.get(c))
    return text("report.legacy-unit-note", lang, code=code, legacy_name=result.tree.get(code).name, new_name=new.name, parts=names)
