"""The `vwu` command: parse options, call one library function, render its result.

Heavy libraries (pandas, pandera, openpyxl) are imported inside the commands so that
`vwu --help` stays instant. No `from __future__ import annotations` here: Typer reads every
command's annotations on every run, and as strings it must evaluate each one again (≈ 10 ms).
"""

import contextlib
import gc
import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from vwu_pipeline import options, render
from vwu_pipeline.core.errors import EXIT_BUG, EXIT_INTERRUPTED, VwuError
from vwu_pipeline.core.messages import text
from vwu_pipeline.usage import Commands

app = typer.Typer(
    cls=Commands,  # click's usage errors in the run's language (usage.py)
    help="vwu — tổng hợp báo cáo của Hội LHPN Việt Nam: nhận, kiểm tra, cộng dồn và báo cáo số liệu.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


# The language the command's messages are in, once its options are read (an error that can
# speak both, such as a schema folder's mistakes, is rendered in it).


def run_command(debug: bool, action):
    """Run a command's library call; a `VwuError` becomes a red panel and its exit code."""
    try:
        return action()
    except VwuError as error:
        if debug:
            raise
        render.fatal(error)
        raise typer.Exit(error.exit_code) from error
    except KeyboardInterrupt:
        render.stopped()
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except Exception as exc:  # a database failure met in the middle of a run: a message, not a traceback
        from vwu_pipeline.store.db import as_store_error

        error = as_store_error(exc, render.state.workspace)
        if error is None or debug:
            raise
        render.fatal(error)
        raise typer.Exit(error.exit_code) from error


def _settings(debug: bool, workspace: Path | None, **options):
    """Command-line options > VWU_* environment > vwu.toml in the workspace > defaults (config.py)."""
    from vwu_pipeline.ops.config import load

    render.state.lang = _early_lang(options.get("lang"))
    settings = run_command(debug, lambda: load(workspace, **options))
    render.state.lang, render.state.workspace = settings.lang, settings.workspace
    _apply_file_mode(settings.file_mode)
    return settings


def _early_lang(option: str | None) -> str:
    """The language asked for, before vwu.toml is read: a usage error met while reading it is
    answered in that language (a bad --lang itself in Vietnamese)."""
    for value in (option, os.environ.get("VWU_LANG")):
        if isinstance(value, str) and value.strip().lower() in ("vi", "en"):
            return value.strip().lower()
    return "vi"


def _apply_file_mode(mode: int) -> None:
    """Files and folders vwu creates (store and its WAL, log, lock, reports, backups) get `mode`
    (vwu.toml file_mode, default 0640: the group reads, others do not); folders also get x
    where the mode has r."""
    os.umask(0o777 & ~(mode | (mode & 0o444) >> 2))


def _year_and_period(debug: bool, settings, period: str | None) -> tuple[int, str | None]:
    """The report year and --period: a full code ("2024-H1") names its year, over a default year
    from VWU_YEAR or vwu.toml (an explicit --year must agree); a part ("H1") takes the report
    year, and without one is refused with both ways to say it."""
    from vwu_pipeline.core.periods import Period

    if not period:
        return run_command(debug, settings.require_year), period
    given = settings.year if settings.sources.get("year") == "option" else None
    full = period.strip()[:4].isdigit()
    the_period = run_command(debug, lambda: Period.from_option(period, given if full else settings.year))
    return the_period.year, the_period.code


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


def _check_files(
    files, settings, year, json_out, quiet, debug, store: bool, feedback: Path | None = None, period: str | None = None, force: bool = False
) -> None:
    """ingest (store=True: lock, store, log) and validate (store=False: check only).

    `year` is --year only: the year of vwu.toml is the default report year, and must not
    refuse a late correction of last year's figures."""
    from vwu_pipeline.ingest.run import IngestOptions, run

    _ends_at_once()
    lang = settings.lang
    if period:
        from vwu_pipeline.core.periods import Period

        period_code = run_command(debug, lambda: Period.from_option(period, year).code)
        year = year or int(period_code[:4])
    else:
        period_code = None
    options = IngestOptions(
        year=year,
        lang=lang,
        limits=settings.limits,
        schemas=settings.schemas,
        workers=settings.workers,
        # validate --annotate: a copy of every file checked; ingest --feedback: refused files and warnings, with a message
        feedback=feedback,
        feedback_all=not store,
        feedback_message=store,
        send_to=settings.send_to,
        period=period_code,
        force=force,
    )
    with contextlib.ExitStack() as stack:
        log = stack.enter_context(_run_log(settings, "ingest", create=True)) if store else None
        bar = render.progress_bar(quiet, json_out)
        task = []

        def started(total: int) -> None:
            if bar is not None:
                task.append(bar.add_task(text("cli.ingesting" if store else "cli.checking", lang), total=total))

        def progress(result) -> None:
            if log is not None:
                log.file(result)
            if not json_out:
                render.file_result(result, lang, quiet)
            if bar is not None and task:
                bar.advance(task[0])

        given: list[Path] = []

        def action():
            given.extend(files or [settings.require_inbox()])
            with bar if bar is not None else contextlib.nullcontext():
                return run(given, settings.workspace if store else None, options, progress, started)

        report = run_command(debug, (lambda: _locked(settings, "ingest", action)) if store else action)
        if not json_out and not report.files:
            render.nothing_found(given, lang)  # even under --quiet
        elif quiet and not json_out:
            render.quiet_ending(report, given, lang)
        if log is not None:
            log.counts = {k: v for k, v in report.counts.items() if k != "checked"}
        if json_out:
            render.json_text(report.to_json())
        elif not quiet:
            render.ingest_summary(report, lang)
        raise typer.Exit(report.exit_code)


@app.command()
def ingest(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Tệp hoặc thư mục chứa báo cáo (.xlsx, .xls, .csv); mặc định: inbox trong vwu.toml.",
            exists=True,
            readable=False,  # a file vwu may not read is refused alone (file-unreadable), the others go on
            show_default=False,
        ),
    ] = None,
    workspace: options.Workspace = None,
    year: options.Year = None,
    period: options.PeriodOption = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Nhận lại cả tệp đã có và bản gốc lưu lại sau bản sửa; tính lại số liệu hiện hành từ mọi phiên bản đã lưu. "
            "Re-read stored files, apply re-saved originals on purpose, recompute current figures from all versions.",
        ),
    ] = False,
    lang: options.Lang = None,
    json_out: options.Json = False,
    quiet: options.Quiet = False,
    debug: options.Debug = False,
    schemas: options.Schemas = None,
    lock_timeout: options.LockTimeout = None,
    feedback: Annotated[
        Path | None,
        typer.Option(
            "--feedback",
            help="Ghi bản kiểm tra (_kiem_tra.xlsx) và thư báo (_ket_qua.txt) cho tệp bị từ chối hoặc có cảnh báo vào thư mục này"
            " (mặc định: feedback trong vwu.toml). Feedback folder.",
            file_okay=False,
            show_default=False,
        ),
    ] = None,
) -> None:
    """Nhận báo cáo: kiểm tra từng tệp và lưu các tệp hợp lệ. Ingest submissions into the workspace."""
    settings = _settings(debug, workspace, lang=lang, schemas=schemas, lock_timeout=lock_timeout, feedback=feedback)
    _check_files(paths, settings, year, json_out, quiet, debug, store=True, feedback=settings.feedback, period=period, force=force)


@app.command()
def validate(
    paths: Annotated[list[Path], typer.Argument(help="Tệp cần kiểm tra trước khi gửi.", exists=True, readable=False)],
    year: options.Year = None,
    period: options.PeriodOption = None,
    lang: options.Lang = None,
    json_out: options.Json = False,
    quiet: options.Quiet = False,
    debug: options.Debug = False,
    schemas: options.Schemas = None,
    workspace: options.Workspace = None,
    annotate: Annotated[
        Path | None,
        typer.Option(
            "--annotate",
            help="Ghi vào thư mục này bản sao của từng tệp (_kiem_tra.xlsx): ô lỗi tô đỏ, cảnh báo tô vàng, có ghi chú,"
            " và trang «Kết quả kiểm tra». Annotated copies folder.",
            file_okay=False,
            show_default=False,
        ),
    ] = None,
) -> None:
    """Kiểm tra tệp mà không lưu gì. Check files without storing anything.

    Reads vwu.toml of the workspace (limits, year, lang, send_to) but writes nothing there."""
    settings = _settings(debug, workspace, lang=lang, schemas=schemas)
    _check_files(paths, settings, year, json_out, quiet, debug, store=False, feedback=annotate, period=period)


Level = Annotated[
    str | None,
    typer.Option(
        "--level",
        help="Cấp đơn vị báo cáo: district (2024, 6 tháng đầu năm 2025), province hoặc commune (2025+; cả kỳ 6 tháng đầu năm 2025 "
        "do tỉnh mới lập trong tháng 7). Reporting level.",
        show_default=False,
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
    workspace: options.Workspace = None,
    lang: options.Lang = None,
    json_out: options.Json = False,
    quiet: options.Quiet = False,
) -> None:
    """Viết mẫu báo cáo cho từng đơn vị báo cáo. Write one blank form per reporting unit."""
    from vwu_pipeline.forms.template import write_templates

    settings = _settings(debug, workspace, schemas=schemas, lang=lang)
    paths = run_command(debug, lambda: write_templates(year, out, unit=unit, level=level, period=period, schemas=settings.schemas))
    if json_out:
        render.json_text(json.dumps({"files": [str(p) for p in paths]}, ensure_ascii=False, indent=2))
    elif not quiet:
        render.templates_written(paths, out, settings.lang)


@app.command("demo-data")
def demo_data(
    year: options.ReportYear,
    out: options.Out = Path("demo-data"),
    scale: Annotated[
        str, typer.Option("--scale", help="national (một báo cáo năm mỗi đơn vị) hoặc N (N báo cáo tháng mỗi đơn vị).")
    ] = "national",
    unit: options.UnitCode = None,
    level: Level = None,
    period: options.ReportPeriod = None,
    seed: Annotated[int, typer.Option("--seed", help="Hạt giống ngẫu nhiên: cùng hạt giống, cùng số liệu. Random seed.")] = 1,
    messy: Annotated[
        bool, typer.Option("--messy", help="Trộn các kiểu tệp thực tế: tiêu đề hai dòng gộp ô, số dạng chữ, không dấu…")
    ] = False,
    debug: options.Debug = False,
    schemas: options.Schemas = None,
    workspace: options.Workspace = None,
    lang: options.Lang = None,
    json_out: options.Json = False,
    quiet: options.Quiet = False,
) -> None:
    """Sinh số liệu mẫu cả nước qua mẫu báo cáo. Generate synthetic national submissions."""
    from vwu_pipeline.forms.demo_data import generate

    settings = _settings(debug, workspace, schemas=schemas, lang=lang)
    data = run_command(
        debug,
        lambda: generate(out, year, scale, unit=unit, level=level, seed=seed, messy=messy, schemas=settings.schemas, period=period),
    )
    if json_out:
        summary = {"files": len(data.files), "rows": data.rows, "indicators": data.indicators, "out": str(out)}
        render.json_text(json.dumps(summary, ensure_ascii=False, indent=2))
    elif not quiet:
        render.demo_written(data, out, settings.lang)


@app.command("aggregate")
def aggregate_command(
    year: options.Year = None,
    period: options.ReportPeriod = None,
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
    """Tổng hợp số liệu một năm (hoặc 6 tháng, quý, tháng) theo cây đơn vị. Roll a year's (or a period's) figures up the unit tree."""
    from vwu_pipeline.core.periods import Period

    _ends_at_once()

    settings = _settings(debug, workspace, year=year, lang=lang, schemas=schemas, lock_timeout=lock_timeout)
    lang, (year, period) = settings.lang, _year_and_period(debug, settings, period)
    the_period = run_command(debug, lambda: Period.parse(year, period))
    with _run_log(settings, "aggregate") as log:
        result = run_command(
            debug,
            lambda: _locked(
                settings,
                "aggregate",
                lambda: _aggregate(settings.workspace, year, outlier_factor, settings.schemas, the_period),
                create=False,
            ),
        )
        log.counts = {"year": year, "period": the_period.code, **result.counts}
    if json_out:
        render.json_text(result.to_json())
    elif not quiet:
        render.aggregated(result, lang)


def _aggregate(workspace: Path, year: int, outlier_factor: float, schemas: Path | None, period: object) -> object:
    """`aggregate`, its figures read by SQLite in a thread while pandas is imported (report/ahead.py)."""
    from vwu_pipeline.report.ahead import FiguresAhead

    ahead = FiguresAhead(workspace, period) if outlier_factor > 1 else None
    try:
        from vwu_pipeline.report.rollup import aggregate

        return aggregate(workspace, year, outlier_factor, schemas, period, ahead=ahead)
    finally:
        if ahead is not None:
            ahead.close()


@app.command("report")
def report_command(
    year: options.Year = None,
    period: options.ReportPeriod = None,
    unit: options.UnitCode = None,
    out: options.OutDir = None,
    workspace: options.Workspace = None,
    lang: options.Lang = None,
    json_out: options.Json = False,
    quiet: options.Quiet = False,
    debug: options.Debug = False,
    schemas: options.Schemas = None,
    lock_timeout: options.LockTimeout = None,
) -> None:
    """Viết bảng tính tổng hợp và bản tóm tắt Markdown. Write the consolidated workbook and summary."""
    from vwu_pipeline.report.build import report

    _ends_at_once()

    settings = _settings(debug, workspace, year=year, lang=lang, schemas=schemas, outputs=out, lock_timeout=lock_timeout)
    lang, (year, period) = settings.lang, _year_and_period(debug, settings, period)
    # A reader of a fresh aggregation takes no lock; re-aggregating a stale one takes the writer lock.
    with _run_log(settings, "report", record=True) as log:
        result = run_command(
            debug, lambda: report(settings.workspace, year, unit, settings.outputs, lang, settings.schemas, period, settings.lock_timeout)
        )
        log.counts = {
            "year": year,
            "period": result.period,
            "unit": result.unit,
            "partial": int(result.partial),
            "warnings": result.warnings,
        }
    if json_out:
        render.json_text(result.to_json())
    elif not quiet:
        render.report_written(result, lang, settings.schemas)


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
        render.json_text(result.to_json())
    else:
        render.targets_loaded(result, path, lang, quiet)
    raise typer.Exit(result.exit_code)


@app.command("backup")
def backup_command(
    to: Annotated[
        Path | None,
        typer.Option("--to", help="Thư mục chứa bản sao lưu (mặc định WORKSPACE/backups). Backup folder.", show_default=False),
    ] = None,
    keep: Annotated[int, typer.Option("--keep", help="Số bản sao lưu mới nhất được giữ lại. Backups kept.", min=1)] = 7,
    workspace: options.Workspace = None,
    lang: options.Lang = None,
    json_out: options.Json = False,
    quiet: options.Quiet = False,
    debug: options.Debug = False,
) -> None:
    """Sao lưu cơ sở dữ liệu an toàn khi một lượt nhận đang chạy. Back up the store, even while an ingest runs."""
    from vwu_pipeline.ops.backup import backup

    settings = _settings(debug, workspace, lang=lang)
    with _run_log(settings, "backup", record=True) as log:  # no lock: SQLite's backup API copies from a snapshot
        result = run_command(debug, lambda: backup(settings.workspace, to, keep))
        log.counts = {"size": result.size, "removed": len(result.removed)}
    if json_out:
        render.json_text(result.to_json())
    elif not quiet:
        render.backup_written(result, settings.lang)


@app.command("withdraw")
def withdraw_command(
    target: Annotated[
        str,
        typer.Argument(
            help="Tệp đã nhận: tên, đường dẫn như lúc nhận, hoặc mã sha256 (ít nhất 8 ký tự). A stored file: name, path or sha256.",
            show_default=False,
        ),
    ],
    reason: Annotated[
        str | None, typer.Option("--reason", help="Lý do rút (ghi vào kho, vwu status hiện ra). Why.", show_default=False)
    ] = None,
    undo: Annotated[bool, typer.Option("--undo", help="Hoàn tác: tính lại số liệu của tệp đã rút. Undo a withdrawal.")] = False,
    workspace: options.Workspace = None,
    lang: options.Lang = None,
    json_out: options.Json = False,
    quiet: options.Quiet = False,
    debug: options.Debug = False,
    lock_timeout: options.LockTimeout = None,
) -> None:
    """Rút số liệu của một tệp đã nhận (sai đơn vị, sai kỳ), ghi ai, lúc nào, vì sao; --undo để hoàn tác.
    Withdraw a stored file's figures (wrong unit or period), recorded with who, when and why; --undo puts them back."""
    from vwu_pipeline.ops.withdrawals import withdraw

    settings = _settings(debug, workspace, lang=lang, lock_timeout=lock_timeout)
    with _run_log(settings, "withdraw", record=True) as log:
        result = run_command(
            debug, lambda: _locked(settings, "withdraw", lambda: withdraw(settings.workspace, target, reason, undo), create=False)
        )
        log.counts = {"files": 1}
    if json_out:
        render.json_text(result.to_json())
    else:
        render.withdrawal_done(result, settings.lang, quiet)


@app.command("status")
def status_command(
    year: options.Year = None,
    period: options.ReportPeriod = None,
    unit: options.UnitCode = None,
    workspace: options.Workspace = None,
    lang: options.Lang = None,
    json_out: options.Json = False,
    quiet: options.Quiet = False,
    debug: options.Debug = False,
    schemas: options.Schemas = None,
    missing: Annotated[
        bool,
        typer.Option(
            "--missing",
            help="Ai cần nhắc: theo từng chỉ tiêu, đơn vị chưa nộp, có tệp gần nhất bị từ chối, hoặc mới có một phần số xã;"
            " kèm đơn vị cấp trên và bản kiểm tra gửi lại gần nhất. Units to remind.",
        ),
    ] = False,
    output_format: Annotated[
        str,
        typer.Option("--format", help="table (mặc định) hoặc csv (UTF-8 có BOM, cho trộn thư) với --missing. Output format."),
    ] = "table",
) -> None:
    """Các lần chạy gần nhất và đơn vị đã/chưa nộp báo cáo của năm. Last runs and who has submitted."""
    from vwu_pipeline.ops.status import reminders, reminders_csv, status

    settings = _settings(debug, workspace, year=year, lang=lang, schemas=schemas)
    report_year = settings.year  # without --period: the latest year with submissions when none is given
    if period:  # a part of a year needs the year (--year, VWU_YEAR, vwu.toml); a full code names it
        report_year, period = _year_and_period(debug, settings, period)
    if output_format not in ("table", "csv"):
        run_command(debug, lambda: _bad_format(output_format))
    if missing:
        found = run_command(debug, lambda: reminders(settings.workspace, report_year, unit, settings.schemas, period=period))
        if json_out:
            render.json_text(found.to_json())
        elif output_format == "csv":
            render.excel_csv(reminders_csv(found, settings.lang))
        else:
            render.reminders(found, settings.lang)
        return
    result = run_command(debug, lambda: status(settings.workspace, report_year, unit, settings.schemas, period=period))
    if json_out:
        render.json_text(result.to_json())
        return
    render.status(result, settings.lang, quiet)


def _bad_format(value: str) -> None:
    from vwu_pipeline.core.errors import ConfigError

    raise ConfigError("error.format", value=value)


@app.command("units")
def units_command(
    query: Annotated[str, typer.Argument(help="Tên (không cần dấu, hoa thường tùy ý) hoặc mã đơn vị. A name or a code.")],
    year: options.Year = None,
    lang: options.Lang = None,
    json_out: options.Json = False,
    debug: options.Debug = False,
) -> None:
    """Tra mã đơn vị theo tên ở cả hai cây, và đơn vị trước/sau 01/07/2025. Look up units across the 2025 reform."""
    import json

    from vwu_pipeline.core.lookup import find_units

    settings = _settings(debug, None, lang=lang)
    found = run_command(debug, lambda: find_units(query, year))
    if json_out:
        render.json_text(json.dumps([f.to_dict() for f in found], ensure_ascii=False, indent=2))
    else:
        render.units_found(found, query, settings.lang)
    raise typer.Exit(0 if found else 1)


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


schemas_app = typer.Typer(
    help="Kiểm tra và xem các tệp chỉ tiêu (schemas/*.yaml). Check and show the indicator schema files.",
    no_args_is_help=True,
)
app.add_typer(schemas_app, name="schemas")


@schemas_app.command("check")
def schemas_check(
    directory: Annotated[
        Path | None,
        typer.Argument(help="Thư mục tệp chỉ tiêu (mặc định: --schemas, VWU_SCHEMAS, vwu.toml, hoặc schemas/ đi kèm).", show_default=False),
    ] = None,
    workspace: options.Workspace = None,
    lang: options.Lang = None,
    quiet: options.Quiet = False,
    debug: options.Debug = False,
    schemas: options.Schemas = None,
) -> None:
    """Kiểm tra các tệp chỉ tiêu và in danh mục (exit 2 khi có lỗi). Validate the schema files and print the catalogue."""
    from vwu_pipeline.core.catalogue import check

    settings = _settings(debug, workspace, lang=lang, schemas=directory or schemas)
    catalog, sections = run_command(debug, lambda: check(settings.schemas, settings.lang))
    render.schemas_checked(catalog, sections, settings.lang, quiet)


@schemas_app.command("show")
def schemas_show(
    name: Annotated[str, typer.Argument(help="Tên chỉ tiêu, tên trang tính hoặc tên cột (members, Hội viên, members_total).")],
    workspace: options.Workspace = None,
    lang: options.Lang = None,
    debug: options.Debug = False,
    schemas: options.Schemas = None,
) -> None:
    """In một chỉ tiêu: cột, cách cộng dồn, giới hạn, tỷ lệ, quy tắc. Show one indicator."""
    from vwu_pipeline.core.catalogue import show

    settings = _settings(debug, workspace, lang=lang, schemas=schemas)
    render.sections(run_command(debug, lambda: show(settings.schemas, name, settings.lang)))


def main() -> None:
    # What the imports made (typer, click, the modules) lives as long as the process: frozen,
    # the cycle collector never walks it again (≈ 4 % of an unchanged re-ingest's instructions).
    gc.freeze()
    _degrade_unencodable_output()
    try:
        app()
    except Exception:  # a bug, not bad input: say so briefly unless --debug asked for the trace
        if "--debug" in sys.argv:
            raise
        render.unexpected()
        sys.exit(EXIT_BUG)


# Set by the commands whose process ends holding a year's aggregation (pandas frames, the unit
# trees, the workbook's rows: hundreds of MB of objects), which Python's own ending would free one
# by one after a full collection: 0.1-0.3 s of a national `aggregate` or `report` doing nothing;
# ≈ 35 ms of a national `ingest` or `validate` (the unit trees, the catalogue, the results).
_leave_at_once = False


def _ends_at_once() -> None:
    global _leave_at_once
    _leave_at_once = True


def entry() -> None:
    """The `vwu` program (pyproject's script): `main`, then, after `ingest`, `validate`, `aggregate`
    or `report`, the process ends as Python would but without freeing its objects: the other
    threads waited for, the exit handlers run (the log's, the drawing processes'), the output
    flushed, the exit code kept. A flush that fails leaves the usual way, which reports it as
    before."""
    try:
        main()
        code: object = 0
    except SystemExit as done:
        code = done.code
        if not _leave_at_once:
            raise
    if _leave_at_once:
        _leave(code)
    sys.exit(code)


def _leave(code: object) -> None:
    import atexit
    import threading

    run_exit_handlers = getattr(atexit, "_run_exitfuncs", None)
    if run_exit_handlers is None:  # another Python: it ends the usual way
        raise SystemExit(code)
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:  # sys.exit("text"): Python prints it and exits 1
        if sys.stderr is not None:
            print(code, file=sys.stderr)
        status = 1
    current = threading.current_thread()
    for thread in threading.enumerate():  # as the interpreter waits for its non-daemon threads
        if thread is not current and not thread.daemon:
            thread.join()
    run_exit_handlers()
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:  # None: started with that descriptor closed (`>&-`), as Python allows
                stream.flush()
    except (OSError, ValueError):
        raise SystemExit(status) from None
    os._exit(status)
