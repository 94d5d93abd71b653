"""PNG charts beside the Markdown summary, for readers who would rather look than read:

- ranking: the units under the report's root ranked by each headline figure of the schemas
  (`headline: true`; no figure is named in code), one panel per figure, those built from
  partial data marked "*" and drawn paler;
- targets: the root's targets, % achieved (100 % marked), those not judged yet drawn paler;
- change: the units under the root by the like-for-like change of each headline figure on the
  previous year (see compare.py): the same units and kind of period on both sides; a figure
  with no unit to compare (threshold counts across the 2025 reform) has no panel.

Every panel is sorted by value and its title, like the chart's, says "(chưa đủ số liệu)" when a
bar is partial. Files are named for the period and the unit: vwu-2024-00-ranking.png,
vwu-2024-H1-33-change.png.

matplotlib is imported here only, with the headless Agg backend; its cache goes into the
workspace (or a temporary folder when the workspace cannot be written), never into HOME.
"""

from __future__ import annotations

import functools
import gc
import math
import multiprocessing
import os
import pickle
import signal
import struct
import sys
import tempfile
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vwu_pipeline.core.messages import text
from vwu_pipeline.core.outputs import replacing
from vwu_pipeline.core.text import number

if TYPE_CHECKING:  # the drawers import neither the roll-up nor pandas: they draw what is planned here
    from vwu_pipeline.core.indicators import Measure
    from vwu_pipeline.report.result import AggregateResult

MAX_BARS = 40  # more units than this: the top and bottom ones, the list is in the workbook
PANEL_COLUMNS = 3  # panels side by side in a chart of several figures
FULL, PALE = "#2F5597", "#A9BCE0"
GOOD, BAD = "#2E7D32", "#C62828"
STOP_WAIT = 5.0  # seconds an interrupted report gives its drawers to remove what they were writing


@dataclass
class Panel:
    """One figure's bars in a chart, sorted, highest first."""

    column: str  # the figure (a schema column, derived sum, ratio or threshold count); "" for targets
    title: str
    labels: list[str] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    partial: list[bool] = field(default_factory=list)
    percent: bool = False  # values are fractions shown as %
    points: bool = False  # values are changes of a rate, shown in percentage points
    # each value as written beside its bar, when the panel is drawn with them (written when
    # planned: the drawing processes format nothing and import no roll-up)
    shown: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "column": self.column or None,
            "title": self.title,
            "bars": [{"label": a, "value": v, "partial": f} for a, v, f in zip(self.labels, self.values, self.partial)],
        }


@dataclass
class Chart:
    """One chart (one PNG file): its title and its panels, one per figure shown."""

    kind: str  # ranking | targets | change
    title: str
    file: Path
    panels: list[Panel] = field(default_factory=list)

    @property
    def partial(self) -> bool:
        return any(any(panel.partial) for panel in self.panels)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "title": self.title, "file": str(self.file), "panels": [panel.to_dict() for panel in self.panels]}


def plan_charts(result: AggregateResult, folder: Path, lang: str = "vi") -> list[Chart]:
    """The charts of a report, with their data, not drawn yet."""
    from vwu_pipeline.report import presentation as p

    stem = f"vwu-{result.period.stem}-{result.root}"
    figures = _charted(result)
    period = p.period_label(result, lang)
    previous = result.previous_year or result.year - 1
    # the root's children's rows, taken once: each panel then filters a few hundred rows, not
    # every unit's (a national year has 200,000; comparing their text columns took ~0.7 s)
    children = p.children_rows(result)
    charts = [
        _chart(
            "ranking",
            p.t(lang, "chart_ranking", scope=p.scope_name(result, lang), period=period),
            folder / f"{stem}-ranking.png",
            [_ranking(result, children, measure, lang) for measure in figures],
            lang,
        ),
        _chart(
            "change",
            p.t(lang, "chart_changes", scope=p.scope_name(result, lang), previous=previous),
            folder / f"{stem}-change.png",
            [_change(result, children, measure, lang) for measure in figures],
            lang,
        ),
    ]
    targets = _targets(result, lang)
    charts.append(_chart("targets", targets.title, folder / f"{stem}-targets.png", [targets], lang, titled=False))
    return [c for c in charts if c.panels]


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
            _draw(pyplot, chart, lang)


class ChartDrawers:
    """A process forked when a report starts that imports matplotlib while the report's own
    process reads the aggregation (one core is idle then), and draws the charts sent to it once
    they are planned, forking one more drawer (matplotlib already imported: it is imported once)
    for the other half, while the report's process writes the workbook, which never imports
    matplotlib. The drawers are a process group of their own, so that an interrupted report
    stops them all."""

    def __init__(self, process: Any, jobs: Any, done: Any) -> None:
        self.process, self.jobs, self.done = process, jobs, done
        self.sender: threading.Thread | None = None

    def send(self, charts: list[Chart], lang: str) -> None:
        """Hand the planned charts over, in two batches (the two large ones apart); sent by a
        thread, so that a drawer still importing matplotlib never keeps the caller waiting."""
        batches = [batch for batch in (list(enumerate(charts))[k::2] for k in range(2)) if batch]
        message = pickle.dumps((lang, batches), protocol=pickle.HIGHEST_PROTOCOL)
        self.sender = threading.Thread(target=self._send, args=(message,), daemon=True)
        self.sender.start()

    def _send(self, message: bytes) -> None:
        try:
            self.jobs.send_bytes(message)
        except OSError:  # the drawer has ended (failed): its charts are drawn by the caller
            pass
        finally:
            self.jobs.close()

    def drawn(self) -> set[int]:
        """The charts the drawers said done, once they have all ended (each one said done was
        written whole, by `replacing`, whatever came after)."""
        done: set[int] = set()
        try:
            while True:
                done.add(self.done.recv())
        except (EOFError, OSError):  # every drawer has ended (or was killed): nothing more will come
            pass
        self.close()
        return done

    def stop(self) -> None:
        """Interrupted: the drawing stops too. The drawers are told to stop (each removes the
        picture it was writing, as `replacing` does), and killed if they have not soon."""
        self._signal(signal.SIGTERM)
        self._end()

    def close(self) -> None:
        """The drawers end: they have drawn what they were sent, or, sent nothing (the report
        failed first, or has no chart), are told to stop rather than waited for while they
        import matplotlib."""
        if self.sender is None:
            self._signal(signal.SIGTERM)
        self._end()

    def _end(self) -> None:
        if self.sender is None:
            self.jobs.close()
        else:
            self.sender.join()
        self.done.close()
        self.process.join(STOP_WAIT)
        if self.process.is_alive():
            self._signal(signal.SIGKILL)
            self.process.join()

    def _signal(self, number: int) -> None:
        try:
            os.killpg(self.process.pid, number)  # the forked drawer with the first
        except OSError:  # not a group of its own (or already gone): the first drawer at least
            try:
                os.kill(self.process.pid, number)
            except OSError:
                pass


@contextmanager
def chart_drawers(cache: Path | None = None) -> Iterator[ChartDrawers | None]:
    """Drawers for the charts of the report about to be made (None on one core or without fork:
    the caller draws them itself). On an error the drawers finish what they were sent (as when
    the charts were drawn before the workbook); on an interruption they are killed."""
    drawers = _start_drawers(cache) if _cores() > 1 else None
    if drawers is None:
        yield None
        return
    try:
        yield drawers
    except BaseException as error:
        if isinstance(error, Exception):
            drawers.close()
        else:
            drawers.stop()
        raise
    drawers.close()


@contextmanager
def charts_drawn_beside(
    result: AggregateResult, folder: Path, lang: str = "vi", cache: Path | None = None, drawers: ChartDrawers | None = None
) -> Iterator[list[Chart]]:
    """The report's charts, planned now and drawn by `drawers` (see `chart_drawers`) while the
    caller writes the workbook (each chart of a national report has a dozen panels: drawing
    them took longer than the workbook). A chart no drawer said drawn (it failed or could not
    start), or every chart without drawers, is drawn here after the caller's block, so an
    error (a folder that cannot be written) is raised the usual way."""
    charts = plan_charts(result, Path(folder), lang)
    if drawers is not None and charts:
        drawers.send(charts, lang)
    yield charts  # on an error or interruption, `chart_drawers` lets the drawers finish or kills them
    drawn = drawers.drawn() if drawers is not None and charts else set()
    rest = [chart for index, chart in enumerate(charts) if index not in drawn]
    if rest:
        with _matplotlib(cache) as pyplot:
            for chart in rest:
                _draw(pyplot, chart, lang)


def _start_drawers(cache: Path | None) -> ChartDrawers | None:
    """The first drawer, forked now; None where fork is missing or fails."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return None
    forked = multiprocessing.get_context("fork")
    pipes: list[Any] = []
    try:
        pipes = [*forked.Pipe(duplex=False), *forked.Pipe(duplex=False)]
        jobs_out, jobs_in, done_out, done_in = pipes
        process = forked.Process(target=_draw_then_exit, args=(jobs_out, done_in, (jobs_in, done_out), cache), daemon=True)
        process.start()
    except (OSError, ImportError):  # no more processes: the caller draws the charts
        for end in pipes:
            end.close()
        return None
    jobs_out.close()  # the drawer's ends: closed when it exits, whatever happens to it
    done_in.close()
    try:
        os.setpgid(process.pid, process.pid)  # also done by the drawer: whichever comes first
    except OSError:
        pass
    return ChartDrawers(process, jobs_in, done_out)


def _draw_then_exit(jobs: Any, done: Any, callers: tuple[Any, ...], cache: Path | None) -> None:
    """The first drawer: matplotlib imported, then the charts sent drawn, the second batch by a
    process forked from this one."""
    signal.signal(signal.SIGTERM, _stop_drawing)  # inherited by the forked drawer
    for end in callers:  # the report's ends: the jobs' end closed means nothing (more) to draw
        end.close()
    try:
        os.setpgid(0, 0)
    except OSError:
        pass
    # no cycle collection in the drawers: they import matplotlib, draw a chart or two and exit,
    # and a collection walks every artist and transform made so far, again and again
    gc.disable()
    forked: list[int] = []
    try:
        with _matplotlib(cache) as pyplot:
            _canvas_class()
            try:
                lang, batches = pickle.loads(jobs.recv_bytes())
            except (EOFError, OSError):  # the report ended without charts (or failed first)
                return
            jobs.close()
            try:
                for batch in batches[1:]:
                    pid = os.fork()
                    if pid == 0:
                        _draw_batch_then_exit(pyplot, batch, lang, done)
                    forked.append(pid)
                _draw_batch(pyplot, batches[0], lang, done)
            finally:
                for pid in forked:
                    os.waitpid(pid, 0)
    except BaseException:  # the report draws what is not said done and reports the error itself
        sys.exit(1)


def _stop_drawing(_signal: int, _frame: Any) -> None:
    """SIGTERM in a drawer (the report was interrupted): leave through the `finally` clauses."""
    sys.exit(1)


def _draw_batch(pyplot: Any, batch: list[tuple[int, Chart]], lang: str, done: Any) -> None:
    for index, chart in batch:
        _draw(pyplot, chart, lang)
        done.send(index)


def _draw_batch_then_exit(pyplot: Any, batch: list[tuple[int, Chart]], lang: str, done: Any) -> None:
    """In a process forked from a drawer: it leaves by `os._exit`, running none of the exit
    handlers it inherited."""
    status = 1
    try:
        _draw_batch(pyplot, batch, lang, done)
        status = 0
    finally:
        os._exit(status)


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


# --- what each chart shows -------------------------------------------------------------------


def _charted(result: AggregateResult) -> list[Measure]:
    """The headline figures of the schemas, in schema order (those at the root)."""
    from vwu_pipeline.report import presentation as p

    return [row.measure for row in p.headline(result)]


def _partial_title(title: str, partial: list[bool], lang: str) -> str:
    from vwu_pipeline.report import presentation as p

    return f"{title} ({p.t(lang, 'chart_partial')})" if any(partial) else title


def _chart(kind: str, title: str, path: Path, panels: list[Panel], lang: str, titled: bool = True) -> Chart:
    """A chart of the panels that have bars; its title says when any bar is partial."""
    panels = [panel for panel in panels if panel.labels]
    for panel in panels:
        if _annotated(len(panels) > 1, panel.values):
            panel.shown = [_label(kind, panel, value, lang) for value in panel.values]
    chart = Chart(kind, title, path, panels)
    if titled:
        chart.title = _partial_title(title, [chart.partial], lang)
    return chart


def _ranking(result: AggregateResult, values: Any, measure: Measure, lang: str) -> Panel:
    """`values`: the rows of the root's children."""
    part = values[(values["column"] == measure.name) & values["value"].notna()]
    bars = sorted(
        ((result.unit_name(c, lang), float(v), bool(f)) for c, v, f in part[["unit_code", "value", "partial"]].itertuples(index=False)),
        key=lambda b: (-b[1], b[0]),
    )
    partial = [b[2] for b in bars]
    return Panel(
        measure.name,
        _partial_title(measure.label(lang), partial, lang),
        [b[0] + ("*" if b[2] else "") for b in bars],
        [b[1] for b in bars],
        partial,
        percent=measure.kind == "ratio" and measure.percent,
    )


def _change(result: AggregateResult, values: Any, measure: Measure, lang: str) -> Panel:
    """Each unit's like-for-like change: % for counts, percentage points for percent ratios
    (`values`: the rows of the root's children)."""
    ratio = measure.kind == "ratio"
    if "lfl_value" not in values:
        return Panel(measure.name, measure.label(lang))
    part = values[values["column"] == measure.name]
    part = part[(part["lfl_lowest"].fillna(0) > 0) & part["lfl_value"].notna() & part["lfl_previous"].notna()]
    bars = []
    for code, now, before, partial in part[["unit_code", "lfl_value", "lfl_previous", "partial"]].itertuples(index=False):
        if ratio:
            bars.append((result.unit_name(code, lang), float(now - before), bool(partial)))
        elif before:
            bars.append((result.unit_name(code, lang), float((now - before) / before), bool(partial)))
    bars.sort(key=lambda b: (-b[1], b[0]))
    partial = [b[2] for b in bars]
    return Panel(
        measure.name,
        _partial_title(measure.label(lang), partial, lang),  # the chart's title says "change on <year>"
        [b[0] + ("*" if b[2] else "") for b in bars],
        [b[1] for b in bars],
        partial,
        percent=not ratio,
        points=ratio and measure.percent,
    )


def _targets(result: AggregateResult, lang: str) -> Panel:
    from vwu_pipeline.report import presentation as p

    rows = [r for r in p.target_rows(result, lang) if r.unit_code == result.root and r.ratio is not None]
    bars = sorted(((r.measure.label(lang), float(r.ratio), r.status != p.MET and r.partial) for r in rows), key=lambda b: (-b[1], b[0]))
    title = p.t(lang, "chart_targets", scope=p.scope_name(result, lang), period=p.period_label(result, lang))
    partial = [b[2] for b in bars]
    return Panel(
        "",
        _partial_title(title, partial, lang),
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
        with _font_list_from_headers(matplotlib):
            from matplotlib import pyplot

        yield pyplot
    finally:
        if before is None:
            os.environ.pop("MPLCONFIGDIR", None)
        else:
            os.environ["MPLCONFIGDIR"] = before
        if temporary is not None:
            temporary.cleanup()


@contextmanager
def _font_list_from_headers(matplotlib: Any) -> Iterator[None]:
    """While pyplot is imported: matplotlib builds its list of fonts when its cache folder has none
    (a workspace's first report), and parses every AFM font in it whole (61 files: glyph metrics,
    kerning pairs, composites: ≈ 0.15 s, most of the list's building) only to keep what their
    headers say (family, name, weight, angle). The AFM fonts are read from their headers alone
    then: the same list (the PostScript and PDF backends that use AFM metrics read the files again
    themselves; vwu draws with Agg). For matplotlib 3.11 (`FAST_TEXT_MATPLOTLIB`), whose parser
    this knows; a list already built, or another matplotlib, is left to matplotlib."""
    if "matplotlib.font_manager" in sys.modules or not matplotlib.__version__.startswith(FAST_TEXT_MATPLOTLIB):
        yield
        return
    from matplotlib import _afm

    whole = (_afm._parse_char_metrics, _afm._parse_optional)
    _afm._parse_char_metrics = _afm._parse_optional = _headers_only
    try:
        yield
    finally:
        _afm._parse_char_metrics, _afm._parse_optional = whole


def _headers_only(_file: Any) -> tuple[dict, dict]:
    return {}, {}


def _draw(pyplot: Any, chart: Chart, lang: str) -> None:
    """One PNG: the panels in a grid (one figure each), the chart's title above them."""
    panels = chart.panels
    several = len(panels) > 1
    bars = max(min(len(panel.labels), MAX_BARS) for panel in panels)
    if not several:
        figure, axes = pyplot.subplots(figsize=(9, max(3.0, 0.32 * bars + 1.4)), dpi=110)
        grid = [axes]
    else:
        figure, grid = _grid(pyplot, panels, bars)
    try:
        for axes, panel in zip(grid, panels):
            _panel(axes, chart.kind, panel, lang, several=several)
        if several:
            figure.suptitle(chart.title, fontsize=13, x=0.01, y=0.998, ha="left", va="top")
        if chart.partial:
            figure.text(0.01, 0.002, text("report.chart_partial_note", lang), fontsize=8, color="#555555")
        if not several:
            figure.tight_layout(rect=(0, 0.015, 1, 1))
        _canvas_class()(figure)  # matplotlib's Agg canvas with cached text and an opaque PNG in RGB
        with replacing(chart.file) as partial_file:  # readers never see half a picture
            figure.savefig(partial_file, format="png", metadata={"Software": None})
    finally:
        pyplot.close(figure)


def _grid(pyplot: Any, panels: list[Panel], bars: int) -> tuple[Any, list[Any]]:
    """A figure with one axes per panel, PANEL_COLUMNS a row, placed by measure rather than by
    tight_layout (which draws the whole figure once more: seconds for 12 panels of 63 provinces)."""
    columns = min(PANEL_COLUMNS, len(panels))
    rows = math.ceil(len(panels) / columns)
    cell_width, cell_height = 6.5, max(2.6, 0.26 * bars + 1.0)  # inches
    title, footer = 0.45, 0.3  # the chart's title above the grid, the partial note below it
    longest = max((len(label) for panel in panels for label in panel.labels), default=10)
    labels = min(2.6, 0.2 + 0.075 * longest)  # the units' names left of each panel, at 8 pt
    width, height = cell_width * columns, cell_height * rows + title + footer
    figure = pyplot.figure(figsize=(width, height), dpi=90)
    grid = []
    for k in range(len(panels)):
        row, column = divmod(k, columns)
        left = column * cell_width + labels
        bottom = height - title - (row + 1) * cell_height + 0.45  # room for the x ticks
        grid.append(figure.add_axes((left / width, bottom / height, (cell_width - labels - 0.55) / width, (cell_height - 0.8) / height)))
    return figure, grid


def _panel(axes: Any, kind: str, panel: Panel, lang: str, several: bool) -> None:
    labels, values, partial = panel.labels, panel.values, panel.partial
    shown = panel.shown if len(panel.shown) == len(values) else None  # None: a panel planned elsewhere
    if len(labels) > MAX_BARS:  # the top and the bottom: the full list is in the workbook
        half = MAX_BARS // 2
        keep = list(range(half)) + list(range(len(labels) - half, len(labels)))
        labels, values, partial = [labels[i] for i in keep], [values[i] for i in keep], [partial[i] for i in keep]
        shown = [shown[i] for i in keep] if shown is not None else None
    if kind == "change":
        colours = [(GOOD if v >= 0 else BAD) for v in values]
        colours = [c + ("66" if f else "") for c, f in zip(colours, partial)]
    else:
        colours = [PALE if f else FULL for f in partial]
    positions = range(len(labels))
    if several:
        _bars(axes, positions, values, colours)
    else:
        axes.barh(positions, values, color=colours)
    if several:
        _unit_labels(axes, positions, labels, fontsize=8)
    else:
        axes.set_yticks(list(positions), labels)
    axes.invert_yaxis()  # highest on top
    if several:
        # placed where matplotlib would place them, without measuring every tick label of the
        # panel at each draw to find out (nothing sits above the panel, the axis labels are empty)
        axes.set_title(panel.title, fontsize=10, loc="left", y=1.0)
        axes.xaxis.set_label_coords(0.5, -0.1)
        axes.yaxis.set_label_coords(-0.1, 0.5)
    else:
        axes.set_title(panel.title, fontsize=11, loc="left")
    axes.spines[["top", "right"]].set_visible(False)
    if kind == "targets":
        axes.axvline(1.0, color="#555555", linewidth=1, linestyle="--")
    if kind == "change":
        axes.axvline(0.0, color="#555555", linewidth=0.8)
    from matplotlib.ticker import MaxNLocator

    # few ticks (VND in billions stay legible side by side); whole numbers for counts
    axes.xaxis.set_major_locator(MaxNLocator(4 if several else 6, integer=not (panel.percent or panel.points)))
    span = max((abs(v) for v in values), default=0.0)
    axes.xaxis.set_major_formatter(_formatter(panel, lang, span))
    axes.margins(x=0.2)  # room for the value labels, on the left too for falls
    if span == 0:  # nothing but zeros: a plain axis around 0, not matplotlib's ±0.00…
        axes.set_xlim(-0.1 if panel.percent or panel.points else -1, 0.1 if panel.percent or panel.points else 1)
    if not _annotated(several, values):
        return  # many panels of many units: the axis gives the scale, the workbook the figures (and it draws in a third of the time)
    if shown is None:
        shown = [_label(kind, panel, value, lang) for value in values]
    for y, value, words in zip(positions, values, shown):
        axes.annotate(
            words,
            (value, y),
            xytext=(3 if value >= 0 else -3, 0),
            textcoords="offset points",
            ha="left" if value >= 0 else "right",
            va="center",
            fontsize=7 if several else 8,
        )


def _bars(axes: Any, positions: range, values: list[float], colours: list[str], height: float = 0.8) -> None:
    """What `axes.barh` draws (bars `height` high from 0, the axis starting at 0 when no bar is
    below it), as one collection rather than one Rectangle patch a bar, each placed and drawn
    on its own."""
    from matplotlib.collections import PolyCollection

    half = height / 2
    boxes = [[(0.0, y - half), (0.0, y + half), (v, y + half), (v, y - half)] for y, v in zip(positions, values)]
    bars = PolyCollection(boxes, facecolors=colours, edgecolors="none", linewidths=0)
    bars.sticky_edges.x.append(0.0)
    axes.add_collection(bars, autolim=True)
    axes.autoscale_view()


def _unit_labels(axes: Any, positions: range, labels: list[str], fontsize: float) -> None:
    """The units' names left of the bars, each with its tick mark, where y ticks would put them,
    as one text a name and one line for all the marks: a matplotlib Tick (two lines, two texts
    and a grid line, all measured at each draw) costs ~2 ms, and a national chart has 480."""
    from matplotlib import rcParams
    from matplotlib.markers import TICKLEFT

    axes.set_yticks([])
    size, width = rcParams["ytick.major.size"], rcParams["ytick.major.width"]
    axes.plot(
        [0.0] * len(positions),
        list(positions),
        linestyle="",
        marker=TICKLEFT,
        markersize=size,
        markeredgewidth=width,
        color=rcParams["ytick.color"],
        transform=axes.get_yaxis_transform(),
        clip_on=False,
    )
    transform, va, ha = axes.get_yaxis_text1_transform(rcParams["ytick.major.pad"] + size)
    names = _column_class()(
        0.0,
        list(positions),
        labels,
        transform=transform,
        va=va,
        ha=ha,
        fontsize=fontsize,
        color=rcParams["ytick.labelcolor"] if rcParams["ytick.labelcolor"] != "inherit" else rcParams["ytick.color"],
        clip_on=False,
    )
    axes.add_artist(names)  # as `axes.text` adds each (clipped to the axes' patch, were clipping on)


@functools.cache
def _column_class() -> type:
    """A matplotlib Text drawn once a line of a column: the names of a panel's units differ only
    in their words and height. Made, styled and added once, it draws each as the Text of its own
    did (the same pixels), without 40 Text artists a panel made, clipped and sorted apiece."""
    import matplotlib
    import numpy
    from matplotlib.colors import to_rgba
    from matplotlib.text import Text

    _FAST_TEXT = matplotlib.__version__.startswith(FAST_TEXT_MATPLOTLIB)

    class Column(Text):
        def __init__(self, x: float, ys: list[float], texts: list[str], **style: Any) -> None:
            super().__init__(x, ys[0], texts[0], **style)
            self.lines = list(zip(ys, texts))

        def draw(self, renderer: Any) -> None:
            # `_draw_lines` repeats matplotlib 3.11's private text calls: another matplotlib draws
            # each line through its own `Text.draw`
            plain = _FAST_TEXT and not (self._bbox_patch or self.get_path_effects() or self.get_usetex() or self.get_wrap())
            if not plain or self.get_rasterized() or self.get_agg_filter() is not None or not self.get_visible():
                for y, words in self.lines:
                    self.set_y(y)
                    self.set_text(words)
                    super().draw(renderer)
                return
            self._draw_lines(renderer)

        def _draw_lines(self, renderer: Any) -> None:
            """What `Text.draw` does for each line (matplotlib 3.11, a plain text: no box, path
            effects, TeX, wrapping or rasterizing), the same arithmetic in the same order, with one
            graphics context for the column and each text's layout (its offsets from its anchor,
            which depend on the text and style, not on where it is) computed once a renderer: a
            national chart's 12 panels name the same 63 provinces, 480 lines of 63 texts."""
            self._renderer = renderer
            layouts = _layouts_of(renderer)
            style = (
                self._fontproperties,
                self._horizontalalignment,
                self._verticalalignment,
                self.get_rotation(),
                self.get_rotation_mode(),
                self._linespacing,
                self._get_multialignment(),
                self.get_figure(root=True).dpi,
            )
            trans = self.get_transform()
            _, canvash = renderer.get_canvas_width_height()
            angle = self.get_rotation()
            gc = renderer.new_gc()
            gc.set_foreground(to_rgba(self.get_color()), isRGBA=True)
            gc.set_alpha(self.get_alpha())
            gc.set_url(self._url)
            gc.set_antialiased(self._antialiased)
            gc.set_snap(self.get_snap())
            self._set_gc_clip(gc)
            try:
                for y, words in self.lines:
                    self.set_y(y)
                    self.set_text(words)
                    if self._text == "":
                        continue
                    renderer.open_group("text", self.get_gid())
                    key = (self._text, *style)
                    info = layouts.get(key)
                    if info is None:
                        info = layouts[key] = self._get_layout(renderer)[1]
                    x, y = self._x, self._y
                    if numpy.ma.is_masked(x):
                        x = numpy.nan
                    if numpy.ma.is_masked(y):
                        y = numpy.nan
                    posx, posy = trans.transform((float(self.convert_xunits(x)), float(self.convert_yunits(y))))
                    if not numpy.isfinite(posx) or not numpy.isfinite(posy):
                        continue  # Text.draw draws nothing there either
                    for line, _wad, (x, y) in info:
                        x = x + posx
                        y = y + posy
                        if renderer.flipy():
                            y = canvash - y
                        clean_line, ismath = self._preprocess_math(line)
                        renderer.draw_text(
                            gc, x, y, clean_line, self._fontproperties, angle, ismath=ismath, mtext=self if len(info) == 1 else None
                        )
                    renderer.close_group("text")
            finally:
                gc.restore()
            self.stale = False

    return Column


_LAYOUTS: Any = None  # renderer -> {(text, style): its lines' layout}, made on first use


def _layouts_of(renderer: Any) -> dict:
    global _LAYOUTS
    if _LAYOUTS is None:
        import weakref

        _LAYOUTS = weakref.WeakKeyDictionary()
    layouts = _LAYOUTS.get(renderer)
    if layouts is None:
        layouts = _LAYOUTS[renderer] = {}
    return layouts


def _annotated(several: bool, values: list[float]) -> bool:
    """Whether a panel's bars are drawn with their values written beside them."""
    return not several or len(values) <= 12


def _label(kind: str, panel: Panel, value: float, lang: str) -> str:
    from vwu_pipeline.report import presentation as p

    if kind == "change":
        if panel.points:
            return p.signed(value, lang, ratio=True)
        return p.signed_percent(value, lang) if panel.percent else p.signed(value, lang, decimal=True)
    if panel.percent:
        return p.percent(value, lang)
    return p.number(value, lang) if float(value).is_integer() else p.number(value, lang, 2)


def _formatter(panel: Panel, lang: str, span: float):
    from matplotlib.ticker import FuncFormatter

    # as many decimals as the largest bar needs (0.04 points of change: two), the same on every tick
    decimals = 1 if span * 100 >= 1 or span == 0 else 2 if span * 100 >= 0.1 else 3

    def tick(value: float, _position: int) -> str:
        if not math.isfinite(value):
            return ""
        if panel.percent or panel.points:
            shown = round(value * 100, decimals) + 0.0  # + 0.0: no "-0,0"
            return number(shown, lang, decimals) + ("" if panel.points else "%")
        return number(value, lang)

    return FuncFormatter(tick)


# --- the same pixels, drawn with less work -------------------------------------------------------


FAST_TEXT_MATPLOTLIB = "3.11."  # the matplotlib whose private text calls _canvas_class makes


@functools.cache
def _canvas_class() -> type:
    """matplotlib's Agg canvas, with two changes that leave every pixel as it was:

    - horizontal text drawn through two caches, one of each string's layout (a national chart
      names the same 63 provinces in its 12 panels: 540 texts, 110 different) and one of each
      glyph's bitmap (FreeType renders a glyph moved by whole pixels as the same bitmap moved:
      the bitmap depends on the glyph and on where it falls within a pixel, in 1/64ths);
      Agg 3.11 lays out every text and renders every glyph apart, ~7,000 glyphs a chart;
    - a PNG with no transparent pixel (a chart's figure is opaque) written as RGB, not RGBA:
      the same pixels, a quarter less to compress (see `_rgb_png`).

    The text path calls matplotlib's private font methods as 3.11 has them (the version the lock
    file installs, whose pixels tests/test_speed.py compares): with any other matplotlib, which
    pyproject allows, charts are drawn by its own canvas."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    if not matplotlib.__version__.startswith(FAST_TEXT_MATPLOTLIB):
        return FigureCanvasAgg
    import numpy
    from matplotlib import cbook
    from matplotlib.backends.backend_agg import RendererAgg, get_hinting_flag
    from matplotlib.font_manager import fontManager, get_font
    from matplotlib.ft2font import RenderMode
    from PIL import Image, PngImagePlugin

    upright = (0x10000 * numpy.array([[1.0, -0.0], [0.0, 1.0]]) @ [[1, 0], [0, 1]]).round().astype(int)  # as Agg's, at angle 0
    layouts: dict[tuple, list[tuple]] = {}
    glyphs: dict[tuple, tuple] = {}

    class Renderer(RendererAgg):
        def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
            if ismath or angle != 0:
                return super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
            # the font `_prepare_font` finds, sized only when something is laid out or rendered:
            # each sizing runs the font's TrueType "prep" program (~5 % of a chart's instructions)
            font = get_font(fontManager._find_fonts_by_props(prop))
            flags = get_hinting_flag()
            features = mtext.get_fontfeatures() if mtext is not None else None
            language = mtext.get_language() if mtext is not None else None
            size = prop.get_size_in_points()
            key = (font, size, self.dpi, s, flags, features, language)
            try:
                items = layouts.get(key)
            except TypeError:  # features or language given as a list: not cached
                return super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
            sized = set()
            if items is None:
                font.clear()
                font.set_size(size, self.dpi)
                sized.add(font)
                laid = font._layout(s, flags=flags, features=features, language=language)
                items = layouts[key] = [(item.ft_object, item.glyph_index, item.x, item.y) for item in laid]
            antialiased = gc.get_antialiased()
            height = self.height
            for face, index, dx, dy in items:
                # where Agg's own loop puts the glyph, in FreeType's 1/64 pixels (y upwards)
                across, up = round(0x40 * (x + dx)), round(0x40 * (height - y + dy))
                glyph = (face, size, self.dpi, index, flags, antialiased, across & 0x3F, up & 0x3F)
                drawn = glyphs.get(glyph)
                if drawn is None:
                    if face not in sized:
                        face.set_size(size, self.dpi)
                        sized.add(face)
                    face._set_transform(upright, [across, up])
                    bitmap = face._render_glyph(index, flags, RenderMode.NORMAL if antialiased else RenderMode.MONO)
                    buffer = bitmap.buffer
                    if not antialiased:
                        buffer *= 0xFF
                    drawn = glyphs[glyph] = (buffer, bitmap.left - (across >> 6), bitmap.top - (up >> 6))
                buffer, left, top = drawn
                self._renderer.draw_text_image(buffer, left + (across >> 6), int(height) - (top + (up >> 6)) + buffer.shape[0], 0, gc)

    class Canvas(FigureCanvasAgg):
        def get_renderer(self):
            width, height = self.get_width_height(physical=True)
            key = width, height, self.figure.dpi
            if self._lastKey != key:
                self.renderer = Renderer(width, height, self.figure.dpi)
                self._lastKey = key
            return self.renderer

        def print_png(self, filename_or_obj, *, metadata=None, pil_kwargs=None, **_print_figure_options):
            FigureCanvasAgg.draw(self)
            pixels = self.buffer_rgba()
            if pil_kwargs or numpy.asarray(pixels)[..., 3].min() != 0xFF:
                return super().print_png(filename_or_obj, metadata=metadata)
            texts = {"Software": f"Matplotlib version{matplotlib.__version__}, https://matplotlib.org/", **(metadata or {})}
            dpi = self.figure.dpi
            if any(value is not None for value in texts.values()):  # text chunks: Pillow writes them
                image = Image.frombytes("RGB", (pixels.shape[1], pixels.shape[0]), pixels, "raw", "RGBX")
                info = PngImagePlugin.PngInfo()
                for name, value in texts.items():
                    if value is not None:
                        info.add_text(name, value)
                image.save(filename_or_obj, format="png", pnginfo=info, dpi=(dpi, dpi))
                return
            with cbook.open_file_cm(filename_or_obj, "wb") as file:
                file.write(_rgb_png(numpy.asarray(pixels), dpi))

    return Canvas


def _rgb_png(pixels: Any, dpi: float) -> bytes:
    """An opaque RGBA image (rows of RGBA bytes, a numpy array) as an RGB PNG: every row
    filtered by "Up" (its difference from the row above, PNG filter 2), then deflated at the
    default level, with Pillow's resolution chunk. Pillow has no choice of filter: it tries the
    five on every row and keeps the smallest, which took as long as the compression itself
    (~1.2 of 2.6 billion instructions a national chart; 0.21 → 0.13 s) for files 1–2 % larger
    than "Up" gives on these charts (bars, text, white space). Deflated by zlib-ng (a dependency:
    zlib's format, ≈ 4× faster here, files ≈ 4 % larger than zlib's)."""
    import numpy
    from PIL import Image
    from zlib_ng import zlib_ng as deflating

    height, width = pixels.shape[:2]
    # the RGB bytes by Pillow's unpacker: 3× faster than numpy's copy of a strided view
    rgb = Image.frombytes("RGB", (width, height), numpy.ascontiguousarray(pixels).data, "raw", "RGBX")
    rows = numpy.asarray(rgb).reshape(height, width * 3)
    lines = numpy.empty((height, width * 3 + 1), numpy.uint8)
    lines[:, 0] = 2  # "Up"; above the first row, PNG reads zeros
    lines[0, 1:] = rows[0]
    numpy.subtract(rows[1:], rows[:-1], out=lines[1:, 1:])  # modulo 256, as PNG's filters are
    per_metre = int(dpi / 0.0254 + 0.5)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(data, zlib.crc32(kind)))

    return b"".join(
        (
            b"\x89PNG\r\n\x1a\n",
            chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)),  # 8-bit RGB, not interlaced
            chunk(b"pHYs", struct.pack(">IIB", per_metre, per_metre, 1)),
            chunk(b"IDAT", deflating.compress(lines, zlib.Z_DEFAULT_COMPRESSION)),
            chunk(b"IEND", b""),
        )
    )
