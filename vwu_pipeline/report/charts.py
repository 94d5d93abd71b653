"""PNG charts beside the Markdown summary, for readers who would rather look than read:

- ranking: the units under the report's root ranked by the first charted headline figure,
  those built from partial data marked "*" and drawn paler;
- targets: the root's targets, % achieved (100 % marked), those not judged yet drawn paler;
- change: the units under the root by the like-for-like change of that figure on the previous
  year (see compare.py): the same units and kind of period on both sides.

Every chart is sorted by value and its title says "(chưa đủ số liệu)" when a bar is partial.
Files are named for the period and the unit: vwu-2024-00-ranking.png, vwu-2024-H1-33-change.png.

matplotlib is imported here only, with the headless Agg backend; its cache goes into the
workspace (or a temporary folder when the workspace cannot be written), never into HOME.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vwu_pipeline.core.indicators import Measure
from vwu_pipeline.core.outputs import replacing
from vwu_pipeline.report import presentation as p
from vwu_pipeline.report.result import AggregateResult

MAX_BARS = 40  # more units than this: the top and bottom ones, the list is in the workbook
FULL, PALE = "#2F5597", "#A9BCE0"
GOOD, BAD = "#2E7D32", "#C62828"


@dataclass
class Chart:
    """One chart: what it shows (sorted, highest first) and the file it was drawn into."""

    kind: str  # ranking | targets | change
    title: str
    file: Path
    labels: list[str] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    partial: list[bool] = field(default_factory=list)
    percent: bool = False  # values are fractions shown as %
    points: bool = False  # values are changes of a rate, shown in percentage points

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "title": self.title,
            "file": str(self.file),
            "bars": [{"label": a, "value": v, "partial": f} for a, v, f in zip(self.labels, self.values, self.partial)],
        }


def plan_charts(result: AggregateResult, folder: Path, lang: str = "vi") -> list[Chart]:
    """The charts of a report, with their data, not drawn yet."""
    stem = f"vwu-{result.period.stem}-{result.root}"
    measure = _charted(result)
    charts = []
    if measure is not None:
        charts.append(_ranking(result, measure, folder / f"{stem}-ranking.png", lang))
        charts.append(_change(result, measure, folder / f"{stem}-change.png", lang))
    charts.append(_targets(result, folder / f"{stem}-targets.png", lang))
    return [c for c in charts if c.labels]


def write_charts(result: AggregateResult, folder: Path, lang: str = "vi", cache: Path | None = None) -> list[Chart]:
    """Draw the report's charts as PNG files into `folder`; their matplotlib cache in `cache`."""
    charts = plan_charts(result, Path(folder), lang)
    draw_charts(charts, result, lang, cache)
    return charts


def draw_charts(charts: list[Chart], result: AggregateResult, lang: str = "vi", cache: Path | None = None) -> None:
    """Draw planned charts into their files."""
    if not charts:
        return
    with _matplotlib(cache) as pyplot:
        for chart in charts:
            _draw(pyplot, chart, result, lang)


@contextmanager
def charts_drawn_beside(result: AggregateResult, folder: Path, lang: str = "vi", cache: Path | None = None) -> Iterator[list[Chart]]:
    """The report's charts, planned now and drawn by a forked process while the caller writes
    the workbook (importing matplotlib and drawing take about as long as a third of a
    national report; a second core does it meanwhile). When the drawing process fails, or
    there is one core or no fork, they are drawn here after the caller's block, so an error
    (a folder that cannot be written) is raised the usual way."""
    charts = plan_charts(result, Path(folder), lang)
    process = None
    if charts and _cores() > 1 and "fork" in multiprocessing.get_all_start_methods():
        process = multiprocessing.get_context("fork").Process(target=_draw_then_exit, args=(charts, result, lang, cache), daemon=True)
        process.start()
    try:
        yield charts
    except BaseException as error:
        if process is not None:
            if not isinstance(error, Exception):  # interrupted: the drawing stops too
                process.kill()
            process.join()  # else the charts are finished, as when they were drawn before the Markdown
        raise
    if process is not None:
        process.join()
        if process.exitcode == 0:
            return
    draw_charts(charts, result, lang, cache)


def _draw_then_exit(charts: list[Chart], result: AggregateResult, lang: str, cache: Path | None) -> None:
    try:
        draw_charts(charts, result, lang, cache)
    except BaseException:  # the parent draws them again and reports the error itself
        sys.exit(1)


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


# --- what each chart shows -------------------------------------------------------------------


def _charted(result: AggregateResult) -> Measure | None:
    """The first headline figure the schemas chart (else the first headline figure)."""
    rows = p.headline(result)
    shown = [r.measure for r in rows if r.measure.chart] or [r.measure for r in rows]
    return shown[0] if shown else None


def _partial_title(title: str, partial: list[bool], lang: str) -> str:
    return f"{title} ({p.t(lang, 'chart_partial')})" if any(partial) else title


def _ranking(result: AggregateResult, measure: Measure, path: Path, lang: str) -> Chart:
    values = result.values
    part = values[(values["column"] == measure.name) & values["unit_code"].isin(p.children_of_root(result)) & values["value"].notna()]
    bars = sorted(
        ((result.unit_name(c, lang), float(v), bool(f)) for c, v, f in part[["unit_code", "value", "partial"]].itertuples(index=False)),
        key=lambda b: (-b[1], b[0]),
    )
    title = f"{measure.label(lang)} — {p.period_label(result, lang)}"
    partial = [b[2] for b in bars]
    return Chart(
        "ranking",
        _partial_title(title, partial, lang),
        path,
        [b[0] + ("*" if b[2] else "") for b in bars],
        [b[1] for b in bars],
        partial,
        percent=measure.kind == "ratio" and measure.percent,
    )


def _change(result: AggregateResult, measure: Measure, path: Path, lang: str) -> Chart:
    """Each unit's like-for-like change: % for counts, percentage points for percent ratios."""
    values = result.values
    if "lfl_value" not in values:
        return Chart("change", "", path)
    part = values[(values["column"] == measure.name) & values["unit_code"].isin(p.children_of_root(result))]
    part = part[(part["lfl_lowest"].fillna(0) > 0) & part["lfl_value"].notna() & part["lfl_previous"].notna()]
    ratio = measure.kind == "ratio"
    bars = []
    for code, now, before, partial in part[["unit_code", "lfl_value", "lfl_previous", "partial"]].itertuples(index=False):
        if ratio:
            bars.append((result.unit_name(code, lang), float(now - before), bool(partial)))
        elif before:
            bars.append((result.unit_name(code, lang), float((now - before) / before), bool(partial)))
    bars.sort(key=lambda b: (-b[1], b[0]))
    previous = result.previous_year or result.year - 1
    title = p.t(lang, "chart_change", measure=measure.label(lang), previous=previous)
    partial = [b[2] for b in bars]
    return Chart(
        "change",
        _partial_title(title, partial, lang),
        path,
        [b[0] + ("*" if b[2] else "") for b in bars],
        [b[1] for b in bars],
        partial,
        percent=not ratio,
        points=ratio and measure.percent,
    )


def _targets(result: AggregateResult, path: Path, lang: str) -> Chart:
    rows = [r for r in p.target_rows(result, lang) if r.unit_code == result.root and r.ratio is not None]
    bars = sorted(((r.measure.label(lang), float(r.ratio), r.status != p.MET and r.partial) for r in rows), key=lambda b: (-b[1], b[0]))
    title = p.t(lang, "chart_targets", scope=p.scope_name(result, lang), period=p.period_label(result, lang))
    partial = [b[2] for b in bars]
    return Chart(
        "targets",
        _partial_title(title, partial, lang),
        path,
        [b[0] + ("*" if b[2] else "") for b in bars],
        [b[1] for b in bars],
        partial,
        percent=True,
    )


# --- drawing -----------------------------------------------------------------------------------


@contextmanager
def _matplotlib(cache: Path | None) -> Iterator[Any]:
    """pyplot on the Agg backend, its config and font cache in `cache` (created), or in a
    temporary folder removed afterwards when there is none or it cannot be written."""
    temporary = None
    folder = None
    if cache is not None:
        try:
            Path(cache).mkdir(parents=True, exist_ok=True)
            if os.access(cache, os.W_OK):
                folder = Path(cache)
        except OSError:
            folder = None
    if folder is None:
        temporary = tempfile.TemporaryDirectory(prefix="vwu-mpl-")
        folder = Path(temporary.name)
    before = os.environ.get("MPLCONFIGDIR")
    os.environ["MPLCONFIGDIR"] = str(folder)
    try:
        import matplotlib

        matplotlib.use("Agg", force=True)
        from matplotlib import pyplot

        yield pyplot
    finally:
        if before is None:
            os.environ.pop("MPLCONFIGDIR", None)
        else:
            os.environ["MPLCONFIGDIR"] = before
        if temporary is not None:
            temporary.cleanup()


def _draw(pyplot: Any, chart: Chart, result: AggregateResult, lang: str) -> None:
    labels, values, partial = chart.labels, chart.values, chart.partial
    if len(labels) > MAX_BARS:  # the top and the bottom: the full list is in the workbook
        half = MAX_BARS // 2
        keep = list(range(half)) + list(range(len(labels) - half, len(labels)))
        labels, values, partial = [labels[i] for i in keep], [values[i] for i in keep], [partial[i] for i in keep]
    height = max(3.0, 0.32 * len(labels) + 1.4)
    figure, axes = pyplot.subplots(figsize=(9, height), dpi=110)
    try:
        if chart.kind == "change":
            colours = [(GOOD if v >= 0 else BAD) for v in values]
            colours = [c + ("66" if f else "") for c, f in zip(colours, partial)]
        else:
            colours = [PALE if f else FULL for f in partial]
        positions = range(len(labels))
        axes.barh(positions, values, color=colours)
        axes.set_yticks(list(positions), labels)
        axes.invert_yaxis()  # highest on top
        axes.set_title(chart.title, fontsize=11, loc="left")
        axes.spines[["top", "right"]].set_visible(False)
        if chart.kind == "targets":
            axes.axvline(1.0, color="#555555", linewidth=1, linestyle="--")
        if chart.kind == "change":
            axes.axvline(0.0, color="#555555", linewidth=0.8)
        axes.xaxis.set_major_formatter(_formatter(chart, lang))
        for y, value in zip(positions, values):
            axes.annotate(
                _label(chart, value, lang),
                (value, y),
                xytext=(3 if value >= 0 else -3, 0),
                textcoords="offset points",
                ha="left" if value >= 0 else "right",
                va="center",
                fontsize=8,
            )
        if any(partial):
            figure.text(0.01, 0.005, p.t(lang, "chart_partial_note"), fontsize=8, color="#555555")
        figure.tight_layout()
        with replacing(chart.file) as partial_file:  # readers never see half a picture
            figure.savefig(partial_file, format="png", metadata={"Software": None})
    finally:
        pyplot.close(figure)


def _label(chart: Chart, value: float, lang: str) -> str:
    if chart.kind == "change":
        if chart.points:
            return p.signed(value, lang, ratio=True)
        return p.signed_percent(value, lang) if chart.percent else p.signed(value, lang, decimal=True)
    if chart.percent:
        return p.percent(value, lang)
    return p.number(value, lang) if float(value).is_integer() else p.number(value, lang, 2)


def _formatter(chart: Chart, lang: str):
    from matplotlib.ticker import FuncFormatter

    def tick(value: float, _position: int) -> str:
        if not math.isfinite(value):
            return ""
        if chart.percent or chart.points:
            return p.number(value * 100, lang, 1) + ("" if chart.points else "%")
        return p.number(value, lang)

    return FuncFormatter(tick)
