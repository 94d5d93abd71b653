"""The `vwu` command: parse options, call one library function, render its result.

Heavy libraries (pandas, pandera, openpyxl) are imported inside the commands so that
`vwu --help` stays instant.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from . import common
from .errors import EXIT_USAGE, VwuError

app = typer.Typer(
    help="vwu — tổng hợp báo cáo của Hội LHPN Việt Nam: nhận, kiểm tra, cộng dồn và báo cáo số liệu.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
errors = Console(stderr=True)

STATUS_TEXT = {
    "vi": {
        "accepted": "Đã nhận",
        "replaced": "Thay bản trước",
        "unchanged": "Đã có, không đổi",
        "refused": "Từ chối",
        "checked": "Hợp lệ",
    },
    "en": {
        "accepted": "Accepted",
        "replaced": "Replaced earlier",
        "unchanged": "Already ingested",
        "refused": "Refused",
        "checked": "Valid",
    },
}
STATUS_STYLE = {"accepted": "green", "replaced": "cyan", "unchanged": "dim", "refused": "bold red", "checked": "green"}


def run_command(debug: bool, action):
    """Run a command's library call; a `VwuError` becomes a red panel and its exit code."""
    try:
        return action()
    except VwuError as error:
        if debug:
            raise
        errors.print(Panel(escape(str(error)), title="vwu", border_style="red"))
        raise typer.Exit(error.exit_code)
    except KeyboardInterrupt:
        errors.print("[red]Đã dừng. Stopped.[/red]")
        raise typer.Exit(130)


def _lang(value: str) -> str:
    if value not in ("vi", "en"):
        errors.print(Panel(f"--lang phải là 'vi' hoặc 'en', không phải '{escape(value)}'.", border_style="red"))
        raise typer.Exit(EXIT_USAGE)
    return value


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
    for key in ("accepted", "replaced", "unchanged", "refused", "checked"):
        if counts[key] or key in ("accepted", "refused"):
            table.add_column(labels[key], justify="right")
    table.add_column("Dòng" if lang == "vi" else "Rows", justify="right")
    table.add_column("Cảnh báo" if lang == "vi" else "Warnings", justify="right")
    values = [str(counts[k]) for k in ("accepted", "replaced", "unchanged", "refused", "checked") if counts[k] or k in ("accepted", "refused")]
    table.add_row(*values, str(counts["rows"]), str(counts["warnings"]))
    console.print(table)


def _check_files(files, workspace, year, lang, json_out, quiet, debug, schemas) -> None:
    from .ingest import IngestOptions, run

    options = IngestOptions(year=year, lang=_lang(lang), schemas=schemas)
    progress = None if json_out else (lambda result: _print_file(result, lang, quiet))
    report = run_command(debug, lambda: run(files, workspace, options, progress))
    if json_out:
        print(report.to_json())
    elif not quiet:
        _print_summary(report, lang)
    raise typer.Exit(report.exit_code)


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Tệp hoặc thư mục chứa báo cáo (.xlsx, .xls, .csv).", exists=True)],
    workspace: common.Workspace = None,
    year: common.Year = None,
    lang: common.Lang = "vi",
    json_out: common.Json = False,
    quiet: common.Quiet = False,
    debug: common.Debug = False,
    schemas: common.Schemas = None,
) -> None:
    """Nhận báo cáo: kiểm tra từng tệp và lưu các tệp hợp lệ. Ingest submissions into the workspace."""
    _check_files(paths, common.resolve_workspace(workspace), year, lang, json_out, quiet, debug, schemas)


@app.command()
def validate(
    paths: Annotated[list[Path], typer.Argument(help="Tệp cần kiểm tra trước khi gửi.", exists=True)],
    year: common.Year = None,
    lang: common.Lang = "vi",
    json_out: common.Json = False,
    quiet: common.Quiet = False,
    debug: common.Debug = False,
    schemas: common.Schemas = None,
) -> None:
    """Kiểm tra tệp mà không lưu gì. Check files without storing anything."""
    _check_files(paths, None, year, lang, json_out, quiet, debug, schemas)


Level = Annotated[
    str | None,
    typer.Option("--level", help="Cấp đơn vị báo cáo: district (2024), province hoặc commune (2025+). Reporting level.", show_default=False),
]


@app.command()
def template(
    year: common.ReportYear,
    out: common.Out = Path("templates"),
    unit: common.UnitCode = None,
    level: Level = None,
    period: Annotated[str | None, typer.Option("--period", help="Kỳ trong năm: H1, H2, Q1…Q4, M01…M12 (mặc định: cả năm).", show_default=False)] = None,
    debug: common.Debug = False,
    schemas: common.Schemas = None,
) -> None:
    """Viết mẫu báo cáo cho từng đơn vị báo cáo. Write one blank form per reporting unit."""
    from .template import write_templates

    paths = run_command(debug, lambda: write_templates(year, out, unit=unit, level=level, period=period, schemas=schemas))
    console.print(f"Đã ghi {len(paths)} mẫu báo cáo vào {escape(str(out))} / wrote {len(paths)} templates.")


@app.command("demo-data")
def demo_data(
    year: common.ReportYear,
    out: common.Out = Path("demo-data"),
    scale: Annotated[str, typer.Option("--scale", help="national (một báo cáo năm mỗi đơn vị) hoặc N (N báo cáo tháng mỗi đơn vị).")] = "national",
    unit: common.UnitCode = None,
    level: Level = None,
    seed: Annotated[int, typer.Option("--seed", help="Hạt giống ngẫu nhiên: cùng hạt giống, cùng số liệu. Random seed.")] = 1,
    messy: Annotated[bool, typer.Option("--messy", help="Trộn các kiểu tệp thực tế: tiêu đề hai dòng gộp ô, số dạng chữ, không dấu…")] = False,
    debug: common.Debug = False,
    schemas: common.Schemas = None,
) -> None:
    """Sinh số liệu mẫu cả nước qua mẫu báo cáo. Generate synthetic national submissions."""
    from .demo_data import generate

    data = run_command(
        debug,
        lambda: generate(out, year, scale, unit=unit, level=level, seed=seed, messy=messy, schemas=schemas),
    )
    rows, seconds = f"{data.rows:,}".replace(",", "."), f"{data.seconds:.1f}".replace(".", ",")
    console.print(
        f"Đã ghi {len(data.files)} tệp, {rows} dòng đơn vị × {data.indicators} chỉ tiêu vào {escape(str(out))} "
        f"trong {seconds} giây / wrote {len(data.files)} files."
    )


def _print_headline(rows: list[dict], year: int, lang: str) -> None:
    from .presentation import number, percent

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
    year: common.ReportYear,
    outlier_factor: Annotated[
        float,
        typer.Option("--outlier-factor", help="Cảnh báo số liệu gấp (hoặc bằng 1/) bấy nhiêu lần năm trước. Outlier factor.", min=1.0),
    ] = 10.0,
    workspace: common.Workspace = None,
    lang: common.Lang = "vi",
    json_out: common.Json = False,
    quiet: common.Quiet = False,
    debug: common.Debug = False,
    schemas: common.Schemas = None,
) -> None:
    """Tổng hợp số liệu một năm theo cây đơn vị. Roll a year's figures up the unit tree."""
    from .aggregate import aggregate
    from .report import headline_rows

    lang = _lang(lang)
    result = run_command(debug, lambda: aggregate(common.resolve_workspace(workspace), year, outlier_factor, schemas))
    if json_out:
        print(result.to_json())
        return
    if quiet:
        return
    counts = result.counts
    console.print(
        (f"Đã tổng hợp năm {year}: {counts['figures']} số liệu của {counts['submissions']} báo cáo; "
         f"{len(result.warnings)} cảnh báo, {len(result.outliers)} số liệu bất thường.")
        if lang == "vi"
        else (f"Aggregated {year}: {counts['figures']} figures from {counts['submissions']} submissions; "
              f"{len(result.warnings)} warnings, {len(result.outliers)} outliers.")
    )
    _print_headline(headline_rows(result, lang), year, lang)


@app.command("report")
def report_command(
    year: common.ReportYear,
    unit: common.UnitCode = None,
    out: common.Out = Path("."),
    workspace: common.Workspace = None,
    lang: common.Lang = "vi",
    json_out: common.Json = False,
    quiet: common.Quiet = False,
    debug: common.Debug = False,
    schemas: common.Schemas = None,
) -> None:
    """Viết bảng tính tổng hợp và bản tóm tắt Markdown. Write the consolidated workbook and summary."""
    from .report import report

    lang = _lang(lang)
    result = run_command(debug, lambda: report(common.resolve_workspace(workspace), year, unit, out, lang, schemas))
    if json_out:
        print(result.to_json())
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
        missing = ", ".join(f"{name}: {n}" for name, n in result.missing.items() if n)
        console.print(f"[yellow]{'Số liệu chưa đủ — chưa báo cáo' if lang == 'vi' else 'Partial data — missing'}: {escape(missing)}[/yellow]")


@app.command("targets")
def targets_command(
    path: Annotated[Path, typer.Argument(help="Tệp chỉ tiêu (.csv hoặc .xlsx): year, unit_code, column, target.", exists=True, dir_okay=False)],
    year: common.Year = None,
    workspace: common.Workspace = None,
    lang: common.Lang = "vi",
    json_out: common.Json = False,
    quiet: common.Quiet = False,
    debug: common.Debug = False,
    schemas: common.Schemas = None,
) -> None:
    """Nạp chỉ tiêu giao theo năm và đơn vị. Load yearly targets per unit."""
    from .targets import load_targets

    lang = _lang(lang)
    result = run_command(debug, lambda: load_targets(path, common.resolve_workspace(workspace), year, schemas, lang))
    if json_out:
        print(result.to_json())
    else:
        for problem in result.problems:
            console.print(f"    [red]✗[/red] {escape(problem.where(lang))}: {escape(problem.message(lang))}", highlight=False)
        if result.valid and not quiet:
            years = ", ".join(map(str, result.years))
            console.print(
                f"Đã lưu {result.rows} chỉ tiêu năm {years} từ {escape(path.name)}."
                if lang == "vi"
                else f"Stored {result.rows} targets for {years} from {escape(path.name)}."
            )
        elif not result.valid:
            console.print(f"[bold red]{'Từ chối' if lang == 'vi' else 'Refused'}[/bold red] {escape(path.name)}: "
                          + (f"{len(result.problems)} lỗi, không lưu chỉ tiêu nào." if lang == "vi" else f"{len(result.problems)} errors, nothing stored."))
    raise typer.Exit(result.exit_code)


def main() -> None:
    try:
        app()
    except Exception:  # a bug, not bad input: say so briefly unless --debug asked for the trace
        if "--debug" in sys.argv:
            raise
        errors.print(
            Panel(
                "vwu gặp lỗi không mong đợi. Chạy lại với --debug và gửi kết quả cho nhóm phát triển.\n"
                "Unexpected error: run again with --debug and send the output to the developers.",
                border_style="red",
            )
        )
        sys.exit(70)
