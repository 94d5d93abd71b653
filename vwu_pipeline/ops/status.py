"""vwu status: the last runs, and who has (not yet) submitted each indicator of a year, or of
a part of it (`--period H1`: the units whose files cover the six months).

A reader: it takes no lock and works while an ingest runs (SQLite WAL), and it never creates
a workspace: on a fresh one it shows no runs and every unit missing.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from vwu_pipeline.core.indicators import load_catalog
from vwu_pipeline.core.lookup import not_in_tree, reporter_in, submitted_on, trees_of_year
from vwu_pipeline.core.messages import pick
from vwu_pipeline.core.periods import Period
from vwu_pipeline.core.units import Unit, UnitTree, typed_code
from vwu_pipeline.ops.locking import holder
from vwu_pipeline.store.db import DB_NAME, Store, as_store_error

LAST_RUNS = 10


@dataclass
class RunRow:
    id: int
    command: str
    started_at: str
    finished_at: str | None
    state: str  # finished | failed | running | interrupted
    summary: dict[str, Any] = field(default_factory=dict)
    exit_code: int | None = None
    message: str | None = None  # why a failed run stopped

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "command": self.command,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "state": self.state,
            "exit_code": self.exit_code,
            "message": self.message,
            "summary": self.summary,
        }


@dataclass
class IndicatorStatus:
    name: str
    title_vi: str
    title_en: str
    submitted: list[tuple[str, str]]  # (code, official name) of reporting units that sent it
    missing: list[tuple[str, str]]
    # Lowest units (communes) per reporting unit: (answered for, under it). From 2025, where a
    # commune sends its own file, a commune is answered for by its province's file or its own and
    # a province is complete only when all its communes are; for legacy years, the communes with
    # figures in the district's files, shown beside it.
    lowest: dict[str, tuple[int, int]] = field(default_factory=dict)
    counts_lowest: bool = False

    @property
    def expected(self) -> int:
        return len(self.submitted) + len(self.missing)

    @property
    def lowest_covered(self) -> int:
        return sum(covered for covered, _ in self.lowest.values())

    @property
    def lowest_expected(self) -> int:
        return sum(expected for _, expected in self.lowest.values())

    @property
    def complete(self) -> bool:
        return not self.missing and (not self.counts_lowest or self.lowest_covered >= self.lowest_expected)

    def title(self, lang: str = "vi") -> str:
        return pick((self.title_vi, self.title_en), lang)

    def to_dict(self) -> dict[str, Any]:
        return {
            "indicator": self.name,
            "title": self.title_vi,
            "expected": self.expected,
            "submitted": len(self.submitted),
            "missing": len(self.missing),
            "submitted_units": [{"code": c, "name": n} for c, n in self.submitted],
            "missing_units": [{"code": c, "name": n} for c, n in self.missing],
            "lowest_units": {
                "counted": self.counts_lowest,  # True: completeness counts these (2025+)
                "covered": self.lowest_covered,
                "expected": self.lowest_expected,
                "by_unit": [
                    {"code": c, "name": n, "covered": self.lowest[c][0], "expected": self.lowest[c][1]}
                    for c, n in self.submitted
                    if c in self.lowest
                ],
            },
        }


@dataclass
class StatusResult:
    workspace: str
    year: int
    tree: str
    level: str  # the reporting level of the year's tree: district (2024) or province (2025+)
    unit: str | None
    running: dict[str, Any] | None  # the lock holder, when a writer runs now
    runs: list[RunRow]
    indicators: list[IndicatorStatus]
    period: str = ""  # "2024", "2024-H1"
    # files an officer withdrew (vwu withdraw) and that stay out: name, sha256, unit, period, who, when, why
    withdrawn: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.period = self.period or str(self.year)

    @property
    def complete(self) -> bool:
        return all(i.complete for i in self.indicators)

    def to_dict(self) -> dict[str, Any]:
        return {
            "workspace": self.workspace,
            "year": self.year,
            "period": self.period,
            "tree": self.tree,
            "reporting_level": self.level,
            "unit": self.unit,
            "running": self.running,
            "complete": self.complete,
            "runs": [r.to_dict() for r in self.runs],
            "indicators": [i.to_dict() for i in self.indicators],
            "withdrawn": self.withdrawn,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)


def status(
    workspace: Path,
    year: int | None = None,
    unit: str | None = None,
    schemas: Path | None = None,
    last: int = LAST_RUNS,
    period: str | None = None,
) -> StatusResult:
    """The workspace's last runs and the completeness of `year` (default: the latest year with
    submissions, else this year) or of a part of it (`period`: "2024-H1", or "H1" with `year`),
    for the whole country or under one unit."""
    workspace = Path(workspace)
    catalog = load_catalog(schemas)
    year = _year_of(period, year)
    running = holder(workspace)
    runs: list[RunRow] = []
    reported: list[tuple[str, str, str, str]] = []
    by_tree: dict[str, list[tuple[str, str, str]]] = {}
    withdrawn: list[dict[str, Any]] = []
    if (workspace / DB_NAME).exists():
        store = Store.open(workspace, create=False, write=False)
        try:
            # status is where the state of the store is checked: a damaged page anywhere is told
            # here, before a night's ingest or report runs into it
            check = store.check()
            if check != "ok":
                raise as_store_error(sqlite3.DatabaseError(f"quick_check: {check}"), workspace)
            if year is None:
                year = store.latest_year()
            runs = _runs(store, last, running)
            withdrawn = store.withdrawals()
            if year is not None:
                reported = store.reported_units(year)
                by_tree = {t.tree: store.current_submission_periods(year, t.tree) for t in trees_of_year(year)}
        finally:
            store.close()
    year = year or date.today().year
    the_period, tree, level, code, reporting, reporter = _scope(year, period, unit)

    sent: set[tuple[str, str]] = set()
    answering: dict[str, set[str]] = {}  # indicator -> units whose files count (a province, a commune)
    for indicator, unit_code in submitted_on(tree, by_tree, the_period):
        if reporter(unit_code):
            sent.add((indicator, reporter(unit_code)))
            answering.setdefault(indicator, set()).add(unit_code)
    with_figures: dict[str, set[str]] = {}  # indicator -> lowest units with figures in a file of the period
    for indicator, _, code_of_period, row_unit in reported:
        if the_period.contains(code_of_period):
            with_figures.setdefault(indicator, set()).add(row_unit)
    lowest_counted = tree.counted_level() != level
    leaves = {u.code: [leaf.code for leaf in tree.leaves(u.code)] for u in reporting}
    indicators = []
    for indicator in catalog.indicators:
        done = [(u.code, u.name) for u in reporting if (indicator.name, u.code) in sent]
        missing = [(u.code, u.name) for u in reporting if (indicator.name, u.code) not in sent]
        files = answering.get(indicator.name, set())
        lowest = {}
        for unit_code, _ in done:
            if lowest_counted:  # answered for by the reporting unit's file or the commune's own
                whole = unit_code in files
                covered = sum(1 for leaf in leaves[unit_code] if whole or leaf in files)
            else:
                covered = len(with_figures.get(indicator.name, set()).intersection(leaves[unit_code]))
            lowest[unit_code] = (covered, len(leaves[unit_code]))
        for unit_code, _ in missing:
            lowest[unit_code] = (0, len(leaves[unit_code]))
        indicators.append(IndicatorStatus(indicator.name, indicator.title_vi, indicator.title_en, done, missing, lowest, lowest_counted))
    return StatusResult(str(workspace), year, tree.tree, level, code, running, runs, indicators, the_period.code, withdrawn)


def _year_of(period: str | None, year: int | None) -> int | None:
    """The year a --period names ("2024-H1"), or `year`. A part of a year ("H1") without a year
    is refused, never guessed: the latest year in the store may be last year's or a stray file's."""
    return Period.from_option(period, year).year if period else year


def _scope(
    year: int, period: str | None, unit: str | None
) -> tuple[Period, UnitTree, str, str | None, list[Unit], Callable[[str], str | None]]:
    """What status and reminders count on: the period, its tree (the first half of 2025: the
    legacy districts), the reporting level, the unit asked for, the reporting units at or around it, and the
    reporting unit a submitting unit counts for (a commune's own file counts for the one above
    it; None for a unit of no reporting unit)."""
    the_period = Period.parse(year, period)
    tree = UnitTree.for_period(the_period.code)
    level = tree.reporting_level()
    code = typed_code(unit)
    if code is not None and code not in tree:
        raise not_in_tree(code, tree, year)
    reporting = [u for u in tree.units(level) if code is None or tree.is_under(u.code, code) or tree.is_under(code, u.code)]
    return the_period, tree, level, code, reporting, reporter_in(tree, or_itself=False)


def _runs(store: Store, last: int, running: dict[str, Any] | None) -> list[RunRow]:
    out = []
    for index, run in enumerate(store.runs(last)):
        if run.finished_at and run.exit_code is not None and run.exit_code >= 2:
            state = "failed"  # it stopped on an error and said why (exit 1 is a normal night: some files refused)
        elif run.finished_at:
            state = "finished"
        elif index == 0 and running and running.get("command") == run.command:
            state = "running"  # the newest unfinished run of the command that holds the lock now
        else:
            state = "interrupted"  # killed, or the machine stopped: its files are whole or absent
        out.append(RunRow(run.id, run.command, run.started_at, run.finished_at, state, run.summary, run.exit_code, run.message))
    return out


# --- who to call: `vwu status --missing` ------------------------------------------------------

REMINDER_STATES = ("not-submitted", "refused", "partial")


@dataclass
class Reminder:
    """One reporting unit to remind about one indicator: what a province officer mail-merges."""

    indicator: str
    indicator_title: str
    unit_code: str
    unit_name: str
    parent_code: str | None
    parent_name: str | None
    state: str  # not-submitted | refused | partial
    communes_reported: int | None = None  # partial: lowest units with figures / all of them
    communes_expected: int | None = None
    earlier_counts: bool = False  # refused: an earlier accepted version still counts
    latest_file: str | None = None
    feedback: str | None = None  # the latest checked copy handed back (ingest --feedback)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class RemindersResult:
    year: int
    period: str
    level: str
    unit: str | None
    reminders: list[Reminder]

    def to_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "period": self.period,
            "reporting_level": self.level,
            "unit": self.unit,
            "reminders": [r.to_dict() for r in self.reminders],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)


def reminders(
    workspace: Path,
    year: int | None = None,
    unit: str | None = None,
    schemas: Path | None = None,
    period: str | None = None,
) -> RemindersResult:
    """Per indicator, the reporting units of the year (or `period`) that have not submitted,
    whose last file was refused, or whose files cover only part of their communes; with their
    parent unit, their latest file and the latest checked copy handed back to them."""
    workspace = Path(workspace)
    catalog = load_catalog(schemas)
    year = _year_of(period, year)
    submitted: list[tuple[str, str, str]] = []
    by_tree: dict[str, list[tuple[str, str, str]]] = {}
    reported: list[tuple[str, str, str, str]] = []
    history = []
    if (workspace / DB_NAME).exists():
        with Store.open(workspace, create=False) as store:
            if year is None:
                year = store.latest_year()
            if year is not None:
                by_tree = {t.tree: store.current_submission_periods(year, t.tree) for t in trees_of_year(year)}
                submitted = [s for rows in by_tree.values() for s in rows]
                reported = store.reported_units(year)
                history = store.file_history(year)
    year = year or date.today().year
    the_period, tree, level, code, reporting, reporter = _scope(year, period, unit)

    answered = [(i, u) for i, u in submitted_on(tree, by_tree, the_period) if reporter(u)]
    sent = {(i, reporter(u)) for i, u in answered}
    whole = {(i, u) for i, u in answered if reporter(u) == u}  # the reporting unit itself answered
    # communes answered for without a file of their own province: a legacy district's files
    # carried across the reform (2025), or the communes' own
    communes_answered: dict[tuple[str, str], set[str]] = {}
    for i, u in answered:
        if reporter(u) != u:
            communes_answered.setdefault((i, reporter(u)), set()).add(u)
    has_some = {(i, reporter(u)) for i, u, p in submitted if the_period.contains(p) and reporter(u)}
    leaves_reported: dict[tuple[str, str], set[str]] = {}
    for indicator, unit_code, code_of_period, row_unit in reported:
        owner = reporter(unit_code)
        if owner and the_period.contains(code_of_period):
            leaves_reported.setdefault((indicator, owner), set()).add(row_unit)
    files: dict[str, list] = {}  # reporting unit -> its files of the period, oldest first
    for fate in history:
        owner = reporter(fate.unit_code)
        if owner and (fate.period is None or the_period.contains(fate.period)):
            files.setdefault(owner, []).append(fate)
    out: list[Reminder] = []
    for indicator in catalog.indicators:
        for u in reporting:
            key = (indicator.name, u.code)
            own = [f for f in files.get(u.code, []) if not f.indicators or indicator.name in f.indicators]
            latest = own[-1] if own else None
            parent = tree.get(u.parent) if u.parent else None
            reminder = Reminder(
                indicator.name,
                indicator.title_vi,
                u.code,
                u.name,
                parent.code if parent else None,
                parent.name if parent else None,
                "",
                latest_file=latest.name if latest else None,
                feedback=next((f.feedback for f in reversed(files.get(u.code, [])) if f.feedback), None),
            )
            if latest is not None and latest.status == "refused":
                reminder.state, reminder.earlier_counts = "refused", key in has_some
            elif key not in sent:
                reminder.state = "not-submitted"
            elif not own and key not in has_some and key in whole:
                continue  # covered by the file of the new province it became part of (a July first half)
            elif not own and key not in has_some:
                # only communes answered for, by the legacy districts' files carried across the reform
                expected = {leaf.code for leaf in tree.leaves(u.code)}
                got = len(communes_answered.get(key, set()) & expected)
                reminder.state, reminder.communes_reported, reminder.communes_expected = "partial", got, len(expected)
            else:
                expected = {leaf.code for leaf in tree.leaves(u.code)}
                got = len(leaves_reported.get(key, set()) & expected)
                if got >= len(expected):
                    continue
                reminder.state, reminder.communes_reported, reminder.communes_expected = "partial", got, len(expected)
            out.append(reminder)
    return RemindersResult(year, the_period.code, level, code, out)


def reminders_csv(result: RemindersResult, lang: str = "vi") -> str:
    """The reminders as CSV for a mail merge; the caller writes it as UTF-8 with a byte-order
    mark (Excel on Windows reads Vietnamese only then)."""
    import csv
    import io

    from vwu_pipeline.core.messages import text

    titles = {i.name: i.title(lang) for i in load_catalog().indicators}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    columns = ("indicator", "unit_code", "unit_name", "parent_code", "parent_name", "state", "detail", "latest_file", "feedback")
    writer.writerow([text(f"missing.column.{c}", lang) for c in columns])
    period = Period(result.period).label(lang)
    for r in result.reminders:
        if r.state == "partial":
            detail = text("missing.detail.partial", lang, reported=r.communes_reported, expected=r.communes_expected)
        elif r.state == "refused":
            detail = text("missing.detail.earlier" if r.earlier_counts else "missing.detail.nothing", lang)
        else:
            detail = text("missing.detail.period", lang, period=period)
        writer.writerow(
            [
                _cell(titles.get(r.indicator, r.indicator_title)),
                r.unit_code,
                _cell(r.unit_name),
                r.parent_code or "",
                _cell(r.parent_name or ""),
                text(f"missing.state.{r.state}", lang),
                detail,
                _cell(r.latest_file or ""),
                _cell(r.feedback or ""),
            ]
        )
    return buffer.getvalue()


def _cell(value: str) -> str:
    """A file name from an office opened in Excel must not become a formula (CSV injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
