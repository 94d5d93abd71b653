"""The `vwu` command: parse options, call one library function, render its result.

Heavy libraries (pandas, pandera, openpyxl) are imported inside the commands so that
`vwu --help` stays instant.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape as markup_escape
from rich.panel import Panel
from rich.table import Table

from vwu_pipeline import options
from vwu_pipeline.core.errors import EXIT_BUG, VwuError
from vwu_pipeline.core.problems import STATUSES
from vwu_pipeline.core.text import printable

app = typer.Typer(
    help="vwu — tổng hợp báo cáo của Hội LHPN Việt Nam: nhận, kiểm tra, cộng dồn và báo cáo số liệu.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
errors = Console(stderr=True)


class _State:
    """The language of this run's messages, known as early as possible: a usage error met
    before vwu.toml is read still answers in the language asked for (Vietnamese by default)."""

    lang = "vi"
    workspace: Path | None = None  # for database errors: quick_check decides what "corrupt" means


state = _State()


def escape(text: object) -> str:
    """Text from outside vwu (file, sheet and unit names, cell values, paths) for rich:
    control characters escaped (terminal safety), markup characters taken literally."""
    return markup_escape(printable(text))


def _early_lang(option: str | None) -> str:
    for value in (option, os.environ.get("VWU_LANG")):
        if isinstance(value, str) and value.strip().lower() in ("vi", "en"):
            return value.strip().lower()
    return "vi"


def _error_panel(error: VwuError) -> None:
    lines = error.text(state.lang).split("\n")
    errors.print(Panel("\n".join(escape(line) for line in lines), title="vwu", border_style="red"))


STATUS_TEXT = {
    "vi": {
        "accepted": "Đã nhận",
        "replaced": "Thay bản trước",
        "unchanged": "Đã có, không đổi",
        "refused": "Từ chối",
        "checked": "Hợp lệ",
        "skipped": "Bỏ qua",
    },
    "en": {
        "accepted": "Accepted",
        "replaced": "Replaced earlier",
        "unchanged": "Already ingested",
        "refused": "Refused",
        "checked": "Valid",
        "skipped": "Skipped",
    },
}
STATUS_STYLE = {"accepted": "green", "replaced": "cyan", "unchanged": "dim", "refused": "bold red", "checked": "green", "skipped": "yellow"}


def run_command(debug: bool, action):
    """Run a command's library call; a `VwuError` becomes a red panel and its exit code."""
    try:
        return action()
    except VwuError as error:
        if debug:
            raise
        _error_panel(error)
        raise typer.Exit(error.exit_code) from error
    except KeyboardInterrupt:
        errors.print("[red]Đã dừng.[/red]" if state.lang == "vi" else "[red]Stopped.[/red]")
        raise typer.Exit(130) from None
    except Exception as exc:  # a database failure met in the middle of a run: a message, not a traceback
        from vwu_pipeline.store.db import as_store_error

        error = as_store_error(exc, state.workspace)
        if error is None or debug:
            raise
        _error_panel(error)
        raise typer.Exit(error.exit_code) from error


def _settings(debug: bool, workspace: Path | None, **options):
    """Command-line options > VWU_* environment > vwu.toml in the workspace > defaults (config.py)."""
    from vwu_pipeline.ops.config import load

    state.lang = _early_lang(options.get("lang"))
    settings = run_command(debug, lambda: load(workspace, **options))
    state.lang, state.workspace = settings.lang, settings.workspace
    _apply_file_mode(settings.file_mode)
    return settings


def _apply_file_mode(mode: int) -> None:
    """Files and folders vwu creates (store and its WAL, log, lock, reports, backups) get `mode`
    (vwu.toml file_mode, default 0640: the group reads, others do not); folders also get x
    where the mode has r."""
    os.umask(0o777 & ~(mode | (mode & 0o444) >> 2))


def _print_json(text: str) -> None:
    """--json on stdout, exact: on a terminal that cannot show every character, as JSON escapes."""
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        import json

        text = json.dumps(json.loads(text), ensure_ascii=True, indent=2)
    print(text)


def _run_log(settings, command: str, create: bool = False, record: bool = False):
    """One line per run (and per file) in the workspace's vwu.log (runlog.py); `record`: also a
    row in the store's runs table, for the commands whose library call records none."""
    from vwu_pipeline.ops.runlog import RunLog

    return RunLog(settings.workspace, command, max_bytes=settings.log_max_bytes, backups=settings.log_backups, create=create, record=record)


def _locked(settings, command: str, action, create: bool = True):
    """Run a writer's library call holding the workspace lock (locking.py)."""
    from vwu_pipeline.ops.locking import workspace_lock

    with workspace_lock(settings.workspace, command, settings.lock_timeout, create):
        return action()


def _progress_bar(quiet: bool, json_out: bool):
    """A rich progress bar on a terminal only: never in a cron mail, a pipe or --json output."""
    if quiet or json_out or not console.is_terminal:
        return None
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), console=console, transient=True
    )


def _print_file(result, lang: str, quiet: bool) -> None:
    if quiet and result.valid:
        return
    status = STATUS_TEXT[lang][result.status]
    style = STATUS_STYLE[result.status]
    detail = ""
    if result.status in ("accepted", "replaced", "checked"):
        unit = f"{result.unit_name} ({result.unit_code})" if result.unit_code else ""
        rows, warns = ("dòng", "cảnh báo") if lang == "vi" else ("rows", "warnings")
        detail = f" — {unit}, {result.period}: {result.rows} {rows}, {len(result.warnings)} {warns}"
    elif result.status == "refused":
        detail = f" — {len(result.errors)} " + ("lỗi" if lang == "vi" else "errors")
    console.print(f"[{style}]{status:<16}[/{style}] {escape(Path(result.path).name)}{escape(detail)}", soft_wrap=True)
    for problem in result.problems:
        mark = "[red]✗[/red]" if problem.severity == "error" else "[yellow]![/yellow]"
        console.print(f"    {mark} {escape(problem.where(lang))}: {escape(problem.message(lang))}", highlight=False, soft_wrap=True)


def _print_summary(report, lang: str) -> None:
    counts = report.counts
    table = Table(title="Tổng kết" if lang == "vi" else "Summary")
    labels = STATUS_TEXT[lang]
    shown = [key for key in STATUSES if counts[key] or key in ("accepted", "refused")]
    for key in shown:
        table.add_column(labels[key], justify="right")
    table.add_column("Dòng" if lang == "vi" else "Rows", justify="right")
    table.add_column("Cảnh báo" if lang == "vi" else "Warnings", justify="right")
    table.add_row(*[str(counts[k]) for k in shown], str(counts["rows"]), str(counts["warnings"]))
    console.print(table)


def _check_files(files, settings, year, json_out, quiet, debug, store: bool) -> None:
    """ingest (store=True: lock, store, log) and validate (store=False: check only).

    `year` is --year only: the year of vwu.toml is the default report year, and must not
    refuse a late correction of last year's figures."""
    from vwu_pipeline.ingest.run import IngestOptions, run

    lang = settings.lang
    options = IngestOptions(year=year, lang=lang, limits=settings.limits, schemas=settings.schemas, workers=settings.workers)
    with contextlib.ExitStack() as stack:
        log = stack.enter_context(_run_log(settings, "ingest", create=True)) if store else None
        bar = _progress_bar(quiet, json_out)
        task = []

        def started(total: int) -> None:
            if bar is not None:
                label = ("Đang nhận báo cáo", "Ingesting") if store else ("Đang kiểm tra", "Checking")
                task.append(bar.add_task(label[0] if lang == "vi" else label[1], total=total))

        def progress(result) -> None:
            if log is not None:
                log.file(result)
            if not json_out:
                _print_file(result, lang, quiet)
            if bar is not None and task:
                bar.advance(task[0])

        def action():
            with bar if bar is not None else contextlib.nullcontext():
                return run(files or [settings.require_inbox()], settings.workspace if store else None, options, progress, started)

        report = run_command(debug, (lambda: _locked(settings, "ingest", action)) if store else action)
        if log is not None:
            log.counts = {k: v for k, v in report.counts.items() if k != "checked"}
        if json_out:
            _print_json(report.to_json())
        elif not quiet:
            _print_summary(report, lang)
        raise typer.Exit(report.exit_code)


@app.command()
def ingest(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Tệp hoặc thư mục chứa báo cáo (.xlsx, .xls, .csv); mặc định: inbox trong vwu.toml.", exists=True, show_default=False
        ),
    ] = None,
    workspace: options.Workspace = None,
    year: options.Year = None,
    lang: options.Lang = None,
    json_out: options.Json = False,
    quiet: options.Quiet = False,
    debug: options.Debug = False,
    schemas: options.Schemas = None,
    lock_timeout: options.LockTimeout = None,
) -> None:
    """Nhận báo cáo: kiểm tra từng tệp và lưu các tệp hợp lệ. Ingest submissions into the workspace."""
    settings = _settings(debug, workspace, lang=lang, schemas=schemas, lock_timeout=lock_timeout)
    _check_files(paths, settings, year, json_out, quiet, debug, store=True)


@app.command()
def validate(
    paths: Annotated[list[Path], typer.Argument(help="Tệp cần kiểm tra trước khi gửi.", exists=True)],
    year: options.Year = None,
    lang: options.Lang = None,
    json_out: options.Json = False,
    quiet: options.Quiet = False,
    debug: options.Debug = False,
    schemas: options.Schemas = None,
    workspace: options.Workspace = None,
) -> None:
    """Kiểm tra tệp mà không lưu gì. Check files without storing anything.

    Reads vwu.toml of the workspace (limits, year, lang) but writes nothing there."""
    settings = _settings(debug, workspace, lang=lang, schemas=schemas)
    _check_files(paths, settings, year, json_out, quiet, debug, store=False)


Level = Annotated[
    str | None,
    typer.Option(
        "--level", help="Cấp đơn vị báo cáo: district (2024), province hoặc commune (2025+). Reporting level.", show_default=False
    ),
]


@app.command()
def template(
    year: options.ReportYear,
    out: options.Out = Path("templates"),
    unit: options.UnitCode = None,
    level: Level = None,
    period: Annotated[
        str | None, typer.Option("--period", help="Kỳ trong năm: H1, H2, Q1…Q4, M01…M12 (mặc định: cả năm).", show_default=False)
    ] = None,
    debug: options.Debug = False,
    schemas: options.Schemas = None,
) -> None:
    """Viết mẫu báo cáo cho từng đơn vị báo cáo. Write one blank form per reporting unit."""
    from vwu_pipeline.forms.template import write_templates

    paths = run_command(debug, lambda: write_templates(year, out, unit=unit, level=level, period=period, schemas=schemas))
    console.print(f"Đã ghi {len(paths)} mẫu báo cáo vào {escape(str(out))} / wrote {len(paths)} templates.")


@app.command("demo-data")
def demo_data(
    year: options.ReportYear,
    out: options.Out = Path("demo-data"),
    scale: Annotated[
        str, typer.Option("--scale", help="national (một báo cáo năm mỗi đơn vị) hoặc N (N báo cáo tháng mỗi đơn vị).")
    ] = "national",
    unit: options.UnitCode = None,
    level: Level = None,
    seed: Annotated[int, typer.Option("--seed", help="Hạt giống ngẫu nhiên: cùng hạt giống, cùng số liệu. Random seed.")] = 1,
    messy: Annotated[
        bool, typer.Option("--messy", help="Trộn các kiểu tệp thực tế: tiêu đề hai dòng gộp ô, số dạng chữ, không dấu…")
    ] = False,
    debug: options.Debug = False,
    schemas: options.Schemas = None,
) -> None:
    """Sinh số liệu mẫu cả nước qua mẫu báo cáo. Generate synthetic national submissions."""
    from vwu_pipeline.core.text import number
    from vwu_pipeline.forms.demo_data import generate

    data = run_command(
        debug,
        lambda: generate(out, year, scale, unit=unit, level=level, seed=seed, messy=messy, schemas=schemas),
    )
    rows, seconds = number(data.rows), number(data.seconds, decimals=1)
    console.print(
        f"Đã ghi {len(data.files)} tệp, {rows} dòng đơn vị × {data.indicators} chỉ tiêu vào {escape(str(out))} "
        f"trong {seconds} giây / wrote {len(data.files)} files."
    )


def _print_headline(rows: list[dict], year: int, lang: str) -> None:
    from vwu_pipeline.report.presentation import number, percent

    table = Table(title=("Số liệu chính năm %d" if lang == "vi" else "Headline figures, %d") % year)
    table.add_column("Nội dung" if lang == "vi" else "Figure")
    table.add_column(str(year), justify="right")
    table.add_column(str(year - 1), justify="right")
    for row in rows:
        show = percent if row["kind"] == "ratio" else number
        value = show(row["value"], lang) + ("*" if row["partial"] else "")
        table.add_row(escape(row["label"]), value, show(row["previous"], lang))
    console.print(table)


@app.command("aggregate")
def aggregate_command(
    year: options.Year = None,
    outlier_factor: Annotated[
        float,
        typer.Option("--outlier-factor", help="Cảnh báo số liệu gấp (hoặc bằng 1/) bấy nhiêu lần năm trước. Outlier factor.", min=1.0),
    ] = 10.0,
    workspace: options.Workspace = None,
    lang: options.Lang = None,
    json_out: options.Json = False,
    quiet: options.Quiet = False,
    debug: options.Debug = False,
    schemas: options.Schemas = None,
    lock_timeout: options.LockTimeout = None,
) -> None:
    """Tổng hợp số liệu một năm theo cây đơn vị. Roll a year's figures up the unit tree."""
    from vwu_pipeline.report.build import headline_rows
    from vwu_pipeline.report.rollup import aggregate

    settings = _settings(debug, workspace, year=year, lang=lang, schemas=schemas, lock_timeout=lock_timeout)
    lang, year = settings.lang, run_command(debug, settings.require_year)
    with _run_log(settings, "aggregate") as log:
        result = run_command(
            debug,
            lambda: _locked(
                settings, "aggregate", lambda: aggregate(settings.workspace, year, outlier_factor, settings.schemas), create=False
            ),
        )
        log.counts = {"year": year, **result.counts}
    if json_out:
        _print_json(result.to_json())
        return
    if quiet:
        return
    counts = result.counts
    console.print(
        (
            f"Đã tổng hợp năm {year}: {counts['figures']} số liệu của {counts['submissions']} báo cáo; "
            f"{len(result.warnings)} cảnh báo, {len(result.outliers)} số liệu bất thường."
        )
        if lang == "vi"
        else (
            f"Aggregated {year}: {counts['figures']} figures from {counts['submissions']} submissions; "
            f"{len(result.warnings)} warnings, {len(result.outliers)} outliers."
        )
    )
    _print_headline(headline_rows(result, lang), year, lang)


@app.command("report")
def report_command(
    year: options.Year = None,
    unit: options.UnitCode = None,
    out: options.OutDir = None,
    workspace: options.Workspace = None,
    lang: options.Lang = None,
    json_out: options.Json = False,
    quiet: options.Quiet = False,
    debug: options.Debug = False,
    schemas: options.Schemas = None,
) -> None:
    """Viết bảng tính tổng hợp và bản tóm tắt Markdown. Write the consolidated workbook and summary."""
    from vwu_pipeline.report.build import report

    settings = _settings(debug, workspace, year=year, lang=lang, schemas=schemas, outputs=out)
    lang, year = settings.lang, run_command(debug, settings.require_year)
    with _run_log(settings, "report", record=True) as log:  # a reader: no lock, works while an ingest runs
        result = run_command(debug, lambda: report(settings.workspace, year, unit, settings.outputs, lang, settings.schemas))
        log.counts = {"year": year, "unit": result.unit, "partial": int(result.partial), "warnings": result.warnings}
    if json_out:
        _print_json(result.to_json())
        return
    if quiet:
        return
    if result.aggregated:
        console.print(
            f"Năm {year} chưa được tổng hợp hoặc số liệu đã thay đổi: đã tổng hợp lại trước khi viết báo cáo."
            if lang == "vi"
            else f"{year} was not aggregated yet, or its figures changed: aggregated it first."
        )
    console.print(f"{'Đã ghi' if lang == 'vi' else 'Wrote'} {escape(str(result.workbook))}, {escape(str(result.summary))}")
    _print_headline(result.headline, year, lang)
    if result.partial:
        from vwu_pipeline.core.indicators import load_catalog

        catalog = load_catalog(settings.schemas)
        missing = ", ".join(f"{catalog.get(name).title(lang)}: {n}" for name, n in result.missing.items() if n)
        label = "Số liệu chưa đủ — số đơn vị chưa báo cáo" if lang == "vi" else "Partial data — units missing"
        console.print(f"[yellow]{label}: {escape(missing)}[/yellow]")


@app.command("targets")
def targets_command(
    path: Annotated[
        Path, typer.Argument(help="Tệp chỉ tiêu (.csv hoặc .xlsx): year, unit_code, column, target.", exists=True, dir_okay=False)
    ],
    year: options.Year = None,
    workspace: options.Workspace = None,
    lang: options.Lang = None,
    json_out: options.Json = False,
    quiet: options.Quiet = False,
    debug: options.Debug = False,
    schemas: options.Schemas = None,
    lock_timeout: options.LockTimeout = None,
) -> None:
    """Nạp chỉ tiêu giao theo năm và đơn vị. Load yearly targets per unit."""
    from vwu_pipeline.ingest.targets import load_targets

    # --year only: the year of vwu.toml is the default report year, not a filter on target files
    settings = _settings(debug, workspace, lang=lang, schemas=schemas, lock_timeout=lock_timeout)
    lang = settings.lang
    with _run_log(settings, "targets", create=True, record=True) as log:
        result = run_command(
            debug, lambda: _locked(settings, "targets", lambda: load_targets(path, settings.workspace, year, settings.schemas, lang))
        )
        log.counts = {"rows": result.rows, "errors": len(result.problems), "years": result.years}
        log.exit_code = result.exit_code
    if json_out:
        _print_json(result.to_json())
    else:
        for problem in result.problems:
            console.print(
                f"    [red]✗[/red] {escape(problem.where(lang))}: {escape(problem.message(lang))}", highlight=False, soft_wrap=True
            )
        if result.valid and not quiet:
            years = ", ".join(map(str, result.years))
            console.print(
                f"Đã lưu {result.rows} chỉ tiêu năm {years} từ {escape(path.name)}."
                if lang == "vi"
                else f"Stored {result.rows} targets for {years} from {escape(path.name)}."
            )
        elif not result.valid:
            console.print(
                f"[bold red]{'Từ chối' if lang == 'vi' else 'Refused'}[/bold red] {escape(path.name)}: "
                + (
                    f"{len(result.problems)} lỗi, không lưu chỉ tiêu nào."
                    if lang == "vi"
                    else f"{len(result.problems)} errors, nothing stored."
                )
            )
    raise typer.Exit(result.exit_code)


RUN_STATE = {
    "vi": {"finished": "xong", "failed": "lỗi", "running": "đang chạy", "interrupted": "dừng giữa chừng"},
    "en": {"finished": "done", "failed": "failed", "running": "running", "interrupted": "interrupted"},
}
STATUS_LISTED = 8  # units named per indicator in the terminal; --json has them all


def _run_summary(run, lang: str) -> str:
    from vwu_pipeline.core.text import number

    c = run.summary
    if run.state == "failed":
        return f"exit {run.exit_code}: {run.message or ''}"
    if run.command == "ingest" and "files" in c:
        skipped = c.get("skipped", 0)
        return (
            (
                f"{c['files']} tệp: nhận {c.get('accepted', 0)}, thay {c.get('replaced', 0)}, "
                f"không đổi {c.get('unchanged', 0)}, từ chối {c.get('refused', 0)}" + (f", bỏ qua {skipped}" if skipped else "")
            )
            if lang == "vi"
            else (
                f"{c['files']} files: {c.get('accepted', 0)} accepted, {c.get('replaced', 0)} replaced, "
                f"{c.get('unchanged', 0)} unchanged, {c.get('refused', 0)} refused" + (f", {skipped} skipped" if skipped else "")
            )
        )
    if run.command == "aggregate" and "year" in c:
        figures, submissions = number(c.get("figures"), lang), c.get("submissions", 0)
        return (
            f"năm {c['year']}: {figures} số liệu, {submissions} báo cáo"
            if lang == "vi"
            else f"{c['year']}: {figures} figures, {submissions} submissions"
        )
    return ", ".join(f"{k}={v}" for k, v in c.items())


def _print_status(result, lang: str) -> None:
    from vwu_pipeline.report.presentation import level_label, stamp, t

    vi = lang == "vi"
    if result.running:
        who = result.running
        console.print(
            f"[yellow]{'Đang chạy' if vi else 'Running'}: vwu {escape(str(who.get('command')))} "
            f"(pid {who.get('pid')}, {escape(stamp(str(who.get('started_at')), lang))})[/yellow]"
        )
    runs = Table(title="Các lần chạy gần nhất" if vi else "Last runs")
    for label in ("Bắt đầu", "Lệnh", "Tình trạng", "Kết quả") if vi else ("Started", "Command", "State", "Result"):
        runs.add_column(label)
    for run in result.runs:
        state = RUN_STATE[lang][run.state]
        style = {"finished": "green", "failed": "bold red", "running": "yellow", "interrupted": "red"}[run.state]
        runs.add_row(escape(stamp(run.started_at, lang)), run.command, f"[{style}]{state}[/{style}]", escape(_run_summary(run, lang)))
    if result.runs:
        console.print(runs)
    else:
        console.print("Chưa có lần chạy nào trong thư mục dữ liệu này." if vi else "No runs in this workspace yet.")
    level = level_label(result.level, lang).lower()
    scope = f" — {'đơn vị' if vi else 'unit'} {result.unit}" if result.unit else ""
    table = Table(
        title=(f"Năm {result.year}: đơn vị báo cáo cấp {level}{scope}" if vi else f"{result.year}: reporting units at {level} level{scope}")
    )
    table.add_column("Chỉ tiêu" if vi else "Indicator")
    table.add_column("Đã nộp" if vi else "Submitted", justify="right")
    table.add_column("Chưa nộp" if vi else "Missing")
    for item in result.indicators:
        names = ", ".join(f"{name} ({code})" for code, name in item.missing[:STATUS_LISTED])
        if len(item.missing) > STATUS_LISTED:
            names += ", " + t(lang, "and_more", n=len(item.missing) - STATUS_LISTED)
        done = f"{len(item.submitted)}/{item.expected}"
        table.add_row(escape(item.title(lang)), f"[green]{done}[/green]" if not item.missing else done, escape(names) or "—")
    console.print(table)


@app.command("status")
def status_command(
    year: options.Year = None,
    unit: options.UnitCode = None,
    workspace: options.Workspace = None,
    lang: options.Lang = None,
    json_out: options.Json = False,
    debug: options.Debug = False,
    schemas: options.Schemas = None,
) -> None:
    """Các lần chạy gần nhất và đơn vị đã/chưa nộp báo cáo của năm. Last runs and who has submitted."""
    from vwu_pipeline.ops.status import status

    settings = _settings(debug, workspace, year=year, lang=lang, schemas=schemas)
    result = run_command(debug, lambda: status(settings.workspace, settings.year, unit, settings.schemas))
    if json_out:
        _print_json(result.to_json())
        return
    _print_status(result, settings.lang)


def _degrade_unencodable_output() -> None:
    """A terminal or cron mail in ASCII or latin-1 (PYTHONIOENCODING, LANG=C) gets the text
    without the characters it cannot show, instead of a crash in the middle of an ingest."""
    from vwu_pipeline.core.text import register_degrade

    handler = register_degrade()
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(ValueError, OSError):
                reconfigure(errors=handler)


def main() -> None:
    _degrade_unencodable_output()
    try:
        app()
    except Exception:  # a bug, not bad input: say so briefly unless --debug asked for the trace
        if "--debug" in sys.argv:
            raise
        errors.print(
            Panel(
                "vwu gặp lỗi không mong đợi. Chạy lại với --debug và gửi kết quả cho nhóm phát triển."
                if state.lang == "vi"
                else "Unexpected error: run again with --debug and send the output to the developers.",
                border_style="red",
            )
        )
        sys.exit(EXIT_BUG)
