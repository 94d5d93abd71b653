"""What the `vwu` commands print on a terminal: rich tables, panels and lines.

cli.py calls one library function per command and hands its result to one function here.
Every word comes from the message catalogue (core/messages.py); nothing here computes figures.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from vwu_pipeline.core.messages import text
from vwu_pipeline.core.problems import STATUSES
from vwu_pipeline.core.text import printable


class _Console:
    """A rich Console made on its first use: a run that prints nothing (an unchanged
    `ingest --quiet` under cron) does not import rich, ≈ 50 ms of a run's fixed cost."""

    def __init__(self, **options: Any):
        self._options = options
        self._console: Any = None

    def real(self) -> Any:
        if self._console is None:
            from rich.console import Console

            class GoingOn(Console):
                def on_broken_pipe(self) -> None:  # rich's own ends the process with exit 1
                    self.quiet = True
                    _reader_gone(self.file)

            self._console = GoingOn(**self._options)
        return self._console

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real(), name)


console = _Console()
errors = _Console(stderr=True)


def _reader_gone(stream: Any) -> None:
    """Whoever read this output has gone (`vwu ingest | head -1`, a pager quit early): the
    command goes on, as printing never stops one (an ingest stopped there stored 25 files of 696
    and exited 1), and what it would still print here goes nowhere."""
    import os

    with contextlib.suppress(OSError, ValueError, AttributeError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), stream.fileno())


@contextlib.contextmanager
def _to_stdout() -> Iterator[None]:
    """Output written straight to stdout (--json, CSV), flushed inside: a reader gone shows here."""
    try:
        yield
        sys.stdout.flush()
    except BrokenPipeError:
        _reader_gone(sys.stdout)


def _real(screen: Any) -> Any:
    """The rich Console itself (one a caller put in place of ours is already one)."""
    return screen.real() if isinstance(screen, _Console) else screen


def Table(*args: Any, **kwargs: Any) -> Any:  # noqa: N802 (rich's class, imported when a table is printed)
    from rich.table import Table

    return Table(*args, **kwargs)


def Panel(*args: Any, **kwargs: Any) -> Any:  # noqa: N802 (rich's class, imported when a panel is printed)
    from rich.panel import Panel

    return Panel(*args, **kwargs)


STATUS_STYLE = {"accepted": "green", "replaced": "cyan", "unchanged": "dim", "refused": "bold red", "checked": "green", "skipped": "yellow"}
RUN_STYLE = {"finished": "green", "failed": "bold red", "running": "yellow", "interrupted": "red"}
STATUS_LISTED = 8  # units named per indicator in the terminal; --json has them all


class _State:
    """What this run's messages need before a command's result exists: its language (known as
    soon as the options are read) and its workspace (for database errors)."""

    lang = "vi"
    workspace: Path | None = None


state = _State()


def json_text(text: str) -> None:
    """--json on stdout, exact: on a terminal that cannot show every character, as JSON escapes."""
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        text = json.dumps(json.loads(text), ensure_ascii=True, indent=2)
    with _to_stdout():
        print(text)


def excel_csv(text: str) -> None:
    """CSV on stdout as UTF-8 with a byte-order mark: Excel on Windows reads Vietnamese only then."""
    with _to_stdout():
        sys.stdout.flush()
        sys.stdout.buffer.write(("\ufeff" + text).encode("utf-8"))


def escape(value: object) -> str:
    """Text from outside vwu (file, sheet and unit names, cell values, paths) for rich: control
    characters escaped (a name cannot fake a line or drive the terminal), markup taken literally."""
    from rich.markup import escape as markup_escape

    return markup_escape(printable(value))


def fatal(error: Exception, lang: str | None = None) -> None:
    """A run that cannot go on: its message and hint, in this run's language (when the error
    can speak it: `VwuError.render`), in a red panel on stderr."""
    localized = getattr(error, "render", None)
    said = localized(lang or state.lang) if callable(localized) else str(error)
    errors.print(Panel("\n".join(escape(line) for line in said.split("\n")), title="vwu", border_style="red"))


def stopped() -> None:
    errors.print(f"[red]{text('error.stopped', state.lang)}[/red]")


def unexpected() -> None:
    errors.print(Panel(text("error.unexpected", state.lang), border_style="red"))


def progress_bar(quiet: bool, json_out: bool):
    """A rich progress bar on a terminal only: never in a cron mail, a pipe or --json output."""
    if quiet or json_out or not console.is_terminal:
        return None
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), console=_real(console), transient=True
    )


_PLAIN = frozenset(":[]\\")  # characters a line must not hold to be written without rich


def _plain_line(line: str) -> bool:
    """Write `line` as rich prints it where there are no colours (a pipe, a file, a cron mail):
    the same characters, without rich's rendering (≈ 0.15 ms a line, 700 lines a national run).
    False, and nothing written, on a terminal (a progress bar may be showing) and for a line
    rich would change: one with ":" (an emoji code such as ":smile:" becomes its emoji), "[",
    "]" or "\\" (markup and its escapes): rich prints those."""
    screen = _real(console)
    if screen.color_system is not None or screen.is_terminal or not _PLAIN.isdisjoint(line):
        return False
    try:
        screen.file.write(line + "\n")
        screen.file.flush()  # as rich does after each print: lines keep their order with stderr's
    except BrokenPipeError:  # as rich's own printing does here (`GoingOn`)
        screen.on_broken_pipe()
    return True


def problem_lines(problems, lang: str, indent: str = "    ") -> None:
    for problem in problems:
        mark = "[red]✗[/red]" if problem.severity == "error" else "[yellow]![/yellow]"
        console.print(f"{indent}{mark} {escape(problem.where(lang))}: {escape(problem.message(lang))}", highlight=False, soft_wrap=True)


def file_result(result, lang: str, quiet: bool) -> None:
    """One submitted file as it is checked: its fate, then each of its problems."""
    if quiet and (result.valid or result.refused_before):
        return  # under cron, a file refused before with the same bytes is one line at the end
    status = text(f"cli.status.{result.status}", lang)
    style = STATUS_STYLE[result.status]
    detail = ""
    if result.status in ("accepted", "replaced", "checked"):
        unit = f"{result.unit_name} ({result.unit_code})" if result.unit_code else ""
        detail = text("cli.file.stored", lang, unit=unit, period=result.period, rows=result.rows, warnings=len(result.warnings))
        if result.empty_sheets:
            detail += text("cli.file.empty_sheets", lang, sheets=", ".join(result.empty_sheets))
    elif result.status == "refused":
        detail = text("cli.file.refused", lang, errors=len(result.errors))
    # Highlighting only colours numbers and names: without colours (a pipe, a cron mail) it
    # changes nothing and costs more than the rest of the line (one line per file, 700 a run).
    name = Path(result.path).name
    if not _plain_line(f"{status:<16} {printable(name)}{printable(detail)}"):
        line = f"[{style}]{status:<16}[/{style}] {escape(name)}{escape(detail)}"
        console.print(line, soft_wrap=True, highlight=console.color_system is not None)
    if result.feedback:
        console.print(f"    → {text('cli.feedback', lang)}: {escape(result.feedback)}", highlight=False, soft_wrap=True)
    problem_lines(result.problems, lang)


def ingest_summary(report, lang: str) -> None:
    counts = report.counts
    table = Table(title=text("cli.summary", lang))
    shown = [key for key in STATUSES if counts[key] or key in ("accepted", "refused")]
    for key in shown:
        table.add_column(text(f"cli.status.{key}", lang), justify="right")
    table.add_column(text("cli.rows", lang), justify="right")
    table.add_column(text("cli.warnings", lang), justify="right")
    table.add_row(*[str(counts[k]) for k in shown], str(counts["rows"]), str(counts["warnings"]))
    console.print(table)


def templates_written(paths: list[Path], out: Path, lang: str = "vi") -> None:
    console.print(text("cli.templates-written", lang, count=len(paths), out=escape(str(out))))


def demo_written(data, out: Path, lang: str = "vi") -> None:
    from vwu_pipeline.core.text import number

    console.print(
        text(
            "cli.demo-written",
            lang,
            count=len(data.files),
            rows=number(data.rows, lang),
            indicators=data.indicators,
            out=escape(str(out)),
            seconds=number(data.seconds, lang, decimals=1),
        )
    )


def headline(rows: list[dict[str, Any]], period: str, lang: str) -> None:
    from vwu_pipeline.core.periods import Period
    from vwu_pipeline.report.presentation import figure

    the_period = Period(period)
    table = Table(title=text("cli.headline", lang, period=the_period.label(lang)))
    table.add_column(text("cli.figure", lang))
    table.add_column(the_period.code, justify="right")
    table.add_column(the_period.previous().code, justify="right")
    for row in rows:
        look = (row["kind"], row.get("format", "number"), row.get("unit", ""))
        value = figure(*look, row["value"], lang) + ("*" if row["partial"] else "")
        table.add_row(escape(row["label"]), value, figure(*look, row["previous"], lang))
    console.print(table)


def aggregated(result, lang: str) -> None:
    from vwu_pipeline.report.build import headline_rows

    counts = result.counts
    console.print(
        text(
            "cli.aggregated",
            lang,
            period=result.period.label(lang),
            figures=counts["figures"],
            submissions=counts["submissions"],
            warnings=len(result.warnings),
            outliers=len(result.outliers),
        )
    )
    headline(headline_rows(result, lang), result.period.code, lang)


def report_written(result, lang: str, schemas: Path | None) -> None:
    from vwu_pipeline.core.periods import Period

    if result.aggregated:
        console.print(text("cli.aggregated-first", lang, period=Period(result.period).label(lang)))
    console.print(text("cli.wrote", lang, files=f"{escape(str(result.workbook))}, {escape(str(result.summary))}"))
    headline(result.headline, result.period, lang)
    if getattr(result, "note", None):
        console.print(f"[yellow]{escape(result.note)}[/yellow]")
    if result.partial:
        from vwu_pipeline.core.indicators import load_catalog

        catalog = load_catalog(schemas)
        missing = ", ".join(f"{catalog.get(name).title(lang)}: {n}" for name, n in result.missing.items() if n)
        console.print(f"[yellow]{text('cli.partial', lang, missing=escape(missing))}[/yellow]")


def targets_loaded(result, path: Path, lang: str, quiet: bool) -> None:
    problem_lines(result.problems, lang)
    if result.valid and not quiet:
        years = ", ".join(map(str, result.years))
        console.print(text("cli.targets-stored", lang, rows=result.rows, years=years, file=escape(path.name)))
    elif not result.valid:
        console.print(
            f"[bold red]{text('cli.status.refused', lang)}[/bold red] {escape(path.name)}: "
            + text("cli.targets-refused", lang, errors=len(result.problems))
        )


def run_summary(run, lang: str) -> str:
    """One line of what a past run did, from the counts its log row kept."""
    from vwu_pipeline.core.text import number

    c = run.summary
    if run.state == "failed":
        return f"exit {run.exit_code}: {run.message or ''}"
    if run.command == "ingest" and "files" in c:
        counts = {k: c.get(k, 0) for k in ("accepted", "replaced", "unchanged", "refused")}
        line = text("cli.ingest-run", lang, files=c["files"], **counts)
        skipped = c.get("skipped", 0)
        return line + (text("cli.ingest-run.skipped", lang, skipped=skipped) if skipped else "")
    if run.command == "aggregate" and "year" in c:
        from vwu_pipeline.core.periods import Period

        period = Period(str(c.get("period") or c["year"])).label(lang)
        return text("cli.aggregate-run", lang, period=period, figures=number(c.get("figures"), lang), submissions=c.get("submissions", 0))
    return ", ".join(f"{k}={v}" for k, v in c.items())


def reminders(result, lang: str) -> None:
    """vwu status --missing on a terminal: one line per unit to remind (the CSV has the same rows)."""
    from vwu_pipeline.core.periods import Period

    if not result.reminders:
        console.print(text("missing.none", lang))
        return
    table = Table(title=Period(result.period).label(lang))
    for column in ("indicator", "unit_code", "unit_name", "parent_name", "state", "detail", "feedback"):
        table.add_column(text(f"missing.column.{column}", lang))
    for r in result.reminders:
        if r.state == "partial":
            detail = text("missing.detail.partial", lang, reported=r.communes_reported, expected=r.communes_expected)
        elif r.state == "refused":
            detail = text("missing.detail.earlier" if r.earlier_counts else "missing.detail.nothing", lang)
        else:
            detail = ""
        table.add_row(
            escape(r.indicator_title),
            r.unit_code,
            escape(r.unit_name),
            escape(r.parent_name or ""),
            text(f"missing.state.{r.state}", lang),
            detail,
            escape(Path(r.feedback).name if r.feedback else ""),
        )
    console.print(table)


def status(result, lang: str, quiet: bool = False) -> None:
    if quiet:  # only what needs a person: runs that failed or were cut short
        for run in result.runs:
            if run.state in ("failed", "interrupted"):
                state = text(f"cli.run.{run.state}", lang)
                console.print(f"{escape(run.started_at)} {run.command}: {state} — {escape(run_summary(run, lang))}", highlight=False)
        return
    from vwu_pipeline.core.text import number
    from vwu_pipeline.report.presentation import level_label, stamp, t

    if result.running:
        who = result.running
        console.print(
            f"[yellow]{text('cli.running', lang)}: vwu {escape(str(who.get('command')))} "
            f"(pid {who.get('pid')}, {escape(stamp(str(who.get('started_at')), lang))})[/yellow]"
        )
    runs = Table(title=text("cli.last-runs", lang))
    for key in ("started", "command", "state", "result"):
        runs.add_column(text(f"cli.run.{key}", lang))
    for run in result.runs:
        state, style = text(f"cli.run.{run.state}", lang), RUN_STYLE[run.state]
        runs.add_row(escape(stamp(run.started_at, lang)), run.command, f"[{style}]{state}[/{style}]", escape(run_summary(run, lang)))
    if result.runs:
        console.print(runs)
    else:
        console.print(text("cli.no-runs", lang))
    level = level_label(result.level, lang).lower()
    scope = text("cli.status.scope", lang, unit=result.unit) if result.unit else ""
    from vwu_pipeline.core.periods import Period

    period = Period(result.period).label(lang)
    table = Table(title=text("cli.status.title", lang, period=period[:1].upper() + period[1:], level=level, scope=scope))
    table.add_column(text("cli.status.indicator", lang))
    table.add_column(text("cli.status.submitted", lang), justify="right")
    counted = any(item.counts_lowest for item in result.indicators)
    table.add_column(text("cli.status.lowest_counted" if counted else "cli.status.lowest_figures", lang), justify="right")
    table.add_column(text("cli.status.missing", lang))
    reporting: dict[str, list[str]] = {}  # the reporting units with their coverage -> indicators
    for item in result.indicators:
        names = ", ".join(f"{name} ({code})" for code, name in item.missing[:STATUS_LISTED])
        if len(item.missing) > STATUS_LISTED:
            names += ", " + t(lang, "and_more", n=len(item.missing) - STATUS_LISTED)
        if item.counts_lowest:  # reporting units with only some communes answered for
            partly = [
                text(
                    "cli.status.partly",
                    lang,
                    name=name,
                    code=code,
                    covered=number(item.lowest[code][0], lang),
                    expected=number(item.lowest[code][1], lang),
                )
                for code, name in item.submitted
                if item.lowest[code][0] < item.lowest[code][1]
            ]
            names = "; ".join(n for n in (", ".join(partly[:STATUS_LISTED]), names) if n)
        done = f"{len(item.submitted)}/{item.expected}"
        lowest = f"{number(item.lowest_covered, lang)}/{number(item.lowest_expected, lang)}"
        if not counted and item.submitted:  # those with communes lacking figures first: the ones to call
            ranked = sorted(item.submitted, key=lambda unit: item.lowest[unit[0]][0] >= item.lowest[unit[0]][1])
            listed = [_coverage_beside(item, code, name, lang) for code, name in ranked[:STATUS_LISTED]]
            if len(ranked) > STATUS_LISTED:
                listed.append(t(lang, "and_more", n=len(ranked) - STATUS_LISTED))
            reporting.setdefault(", ".join(listed), []).append(item.title(lang))
        table.add_row(
            escape(item.title(lang)),
            f"[green]{done}[/green]" if not item.missing else done,
            f"[green]{lowest}[/green]" if item.complete else lowest,
            escape(names) or "—",
        )
    console.print(table)
    # Legacy years: the districts that report, their communes' coverage beside (under the table,
    # once for the indicators that share it: a district usually sends all its sheets in one file).
    for listed, titles in reporting.items():
        line = text("cli.status.reporting", lang, indicators=", ".join(titles), units=listed)
        console.print(escape(line), highlight=False, soft_wrap=True)  # one line per group: found by grep
    if result.withdrawn:  # lines, not a table: a reason is read whole, and found by grep in cron mail
        console.print(f"[bold]{escape(text('cli.status.withdrawn', lang))}[/bold]")
        for item in result.withdrawn:
            period = Period(item["period"]).label(lang) if item["period"] else "—"
            words = {"file": item["file"], "unit": item["unit_code"] or "—", "period": period, "who": item["who"]}
            line = text("cli.status.withdrawn.line", lang, **words, at=stamp(item["at"], lang), reason=item["reason"] or "—")
            console.print("  " + escape(line), highlight=False, soft_wrap=True)


def _coverage_beside(item, code: str, name: str, lang: str) -> str:
    """A reporting unit with the communes its files cover: "Huyện Tiên Lữ (332): 13/13 xã"."""
    from vwu_pipeline.core.text import number

    covered, expected = item.lowest.get(code, (0, 0))
    return text("cli.status.partly", lang, name=name, code=code, covered=number(covered, lang), expected=number(expected, lang))


def withdrawal_done(result, lang: str, quiet: bool = False) -> None:
    """`vwu withdraw`: what was taken out (or put back), and how to undo it."""
    if quiet:
        return
    from vwu_pipeline.core.periods import Period

    period = Period(result.period).label(lang) if result.period else "—"
    key = "cli.withdraw.undone" if result.action == "restore" else "cli.withdraw.done"
    params = {"file": result.file, "unit": result.unit_code or "—", "period": period, "sha": result.sha256[:12]}
    console.print(escape(text(key, lang, **params)), highlight=False, soft_wrap=True)
    console.print(escape(text("cli.withdraw.next", lang)), highlight=False, soft_wrap=True)


def units_found(found, query: str, lang: str) -> None:
    """`vwu units`: each match with its tree, path and its relatives across the reform."""
    if not found:
        console.print(text("cli.units.none", lang, query=escape(query)))
        return
    for match in found:
        tree = text("cli.units.legacy" if match.tree == "legacy" else "cli.units.2025", lang)
        path = " › ".join(f"{u.name} ({u.code})" for u in match.path)
        console.print(f"[bold]{escape(path)}[/bold]  [dim]{escape(tree)}[/dim]", soft_wrap=True)
        for key, related in (("cli.units.successors", match.successors), ("cli.units.predecessors", match.predecessors)):
            if related:
                items = ", ".join(
                    f"{r.name} ({r.code}" + (f", {text('cli.units.note.' + r.note, lang)})" if r.note else ")") for r in related
                )
                console.print(f"  {text(key, lang)}: {escape(items)}", soft_wrap=True, highlight=False)


def sections(parts) -> None:
    """`vwu schemas`: titled tables (core/catalogue.py's `Section`s)."""
    for section in parts:
        table = Table(title=escape(section.title), title_justify="left")
        for header in section.headers:
            table.add_column(escape(header), overflow="fold")
        for row in section.rows:
            table.add_row(*(escape(cell) for cell in row))
        console.print(table)


def schemas_checked(catalog, parts, lang: str, quiet: bool) -> None:
    if not quiet:
        sections(parts)
    console.print(f"[green]{text('cli.schemas-valid', lang, count=len(catalog.indicators), folder=escape(str(catalog.directory)))}[/green]")


def backup_written(result, lang: str) -> None:
    from vwu_pipeline.core.text import number

    console.print(text("cli.backup-written", lang, path=escape(str(result.path)), size=number(result.size, lang), kept=len(result.kept)))


def quiet_ending(report, given: list[Path], lang: str) -> None:
    """What --quiet still says, so that cron mails it: the files refused before and not sent
    again, in one line, and an empty inbox (a mis-mounted one must not look like a quiet night)."""
    again = [Path(f.path).name for f in report.files if f.refused_before]
    if again:
        console.print(text("cli.refused-again", lang, count=len(again), files=escape(", ".join(again))), highlight=False, soft_wrap=True)


def nothing_found(given: list[Path], lang: str) -> None:
    console.print(text("cli.no-files", lang, where=escape(", ".join(str(p) for p in given))), highlight=False, soft_wrap=True)
