"""vwu report: the stored aggregation of a year (re-aggregated first when missing or stale)
written as the consolidated workbook and the Markdown summary."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vwu_pipeline.core.outputs import output_folder
from vwu_pipeline.report import presentation as p
from vwu_pipeline.report.rollup import (
    NATIONAL,
    AggregateResult,
    aggregate,
    load,
    stored_outlier_factor,
)
from vwu_pipeline.report.summary import write_summary
from vwu_pipeline.report.workbook import write_workbook


@dataclass
class ReportResult:
    year: int
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

    def to_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
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
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)


def headline_rows(result: AggregateResult, lang: str = "vi") -> list[dict[str, Any]]:
    """The headline figures as plain data (for --json and the terminal)."""
    return [
        {
            "indicator": row.indicator.name,
            "column": row.measure.name,
            "kind": row.measure.kind,
            "label": row.measure.label(lang),
            "value": row.value,
            "previous": row.previous,
            "partial": row.partial,
        }
        for row in p.headline(result)
    ]


def _unit_code(unit: str | None) -> str:
    code = (unit or NATIONAL).strip()
    return code.zfill(2) if code.isdigit() and len(code) < 2 else code  # "1" typed for Hà Nội "01"


def current(workspace: Path, year: int, schemas: Path | None = None) -> tuple[AggregateResult, bool]:
    """The year's aggregation, and whether it had to be computed now (none stored, or stale)."""
    result = load(workspace, year, schemas)
    if result is not None:
        return result, False
    return aggregate(workspace, year, stored_outlier_factor(workspace, year), schemas), True


def report(
    workspace: Path,
    year: int,
    unit: str | None = None,
    out: Path = Path("."),
    lang: str = "vi",
    schemas: Path | None = None,
) -> ReportResult:
    """Write vwu-YEAR.xlsx and vwu-YEAR.md (vwu-YEAR-UNIT.* for one unit's own report)."""
    code = _unit_code(unit)
    full, fresh = current(workspace, year, schemas)
    result = full.for_unit(code)
    out = output_folder(Path(out))
    stem = f"vwu-{year}" if code == NATIONAL else f"vwu-{year}-{code}"
    workbook = write_workbook(result, out / f"{stem}.xlsx", lang)
    summary = out / f"{stem}.md"
    write_summary(result, summary, lang)
    return ReportResult(
        year=year,
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
            }
            for row in p.target_rows(result, lang)
            if row.unit_code == result.root
        ],
        missing={i.name: len(result.missing(i.name)) for i in result.catalog.indicators},
        warnings=len(result.warnings),
        outliers=len(result.outliers),
    )
