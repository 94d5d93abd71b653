"""Validate located tables: period, reporting unit, unit codes, figures, rules and totals.

Two steps. `prepare` does what one file alone decides (period, reporting unit, codes,
numbers, totals, the unit tree); ingest runs it in the reader processes, beside the
reading, and checks each figure against its schema (whole number, bounds, the rules between
figures) in plain Python, row by row: a dataframe library's import alone (pandas and pandera,
about a second) would cost more than reading the whole country. `validate` finishes what was
not prepared and orders each file's problems.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, fields, replace
from itertools import compress, repeat
from operator import eq, ge, itemgetter, le, not_
from pathlib import Path
from typing import TypeVar

from vwu_pipeline.core.crosswalk import recoded_codes
from vwu_pipeline.core.indicators import COMPARISONS, Catalog, CheckFailed, Column, Indicator, Rule
from vwu_pipeline.core.messages import Said, said
from vwu_pipeline.core.per_object import made_once
from vwu_pipeline.core.periods import Period, find_place_date, read_title_period
from vwu_pipeline.core.problems import FileResult, Problem
from vwu_pipeline.core.text import NotANumber, clean, fold, parse_number
from vwu_pipeline.core.units import CODE_WIDTHS, Unit, UnitTree, code_candidates, code_candidates_tuple
from vwu_pipeline.ingest.guards import CellError, UncomputedFormula
from vwu_pipeline.ingest.tables import Table
from vwu_pipeline.store.migrations import PackedFigures

ROW_CODE_WIDTHS = (5, 3, 2)  # rows are mostly communes: a bare 1 is commune 00001 before district 001


def _row_code_candidates(raw: object) -> tuple[str, ...]:
    """`code_candidates_tuple(raw, ROW_CODE_WIDTHS)`, a code typed as text of ASCII digits at a
    code's width (nearly every row's, each new to the run) answered as it would be, by itself,
    without cleaning it and filling the cache."""
    if raw.__class__ is str and len(raw) in CODE_WIDTHS and raw.isascii() and raw.isdigit():
        return (raw,)
    return code_candidates_tuple(raw, ROW_CODE_WIDTHS)


# What a typed row holds before its figures: every failure maps back to its cell.
PLACE_COLUMNS = ["_sheet", "_row", "unit_code", "unit_name"]
_TITLE_PREFIXES = ("hoi lien hiep phu nu", "hoi lhpn", "hoi phu nu", "ban thuong vu hoi lhpn")


@dataclass(frozen=True)
class Submission:
    """One file on its way through validation. Built once per step: `prepare` returns a new one
    holding what it found (period, unit, figures); problems go into `result.problems`."""

    path: Path
    result: FileResult
    tables: list[Table] = field(default_factory=list)
    unit: Unit | None = None
    year: int | None = None
    # indicator -> figures to store, packed as the store writes them (`PackedFigures`), read as
    # (unit code, unit name, sheet, Excel row, column, value)
    figures: dict[str, PackedFigures] = field(default_factory=dict)
    prepared: bool = False
    signed_on: str | None = None  # ISO date of the place-and-date line ("Đakrông, ngày 5 tháng 12 năm 2024")
    # store.db.file_digest of `figures` and indicator_digest of each indicator's, computed in the reader process
    digest: str | None = None
    indicator_digests: dict[str, str] | None = None

    @property
    def label(self) -> str:
        return self.path.name

    def problem(self, code: str, severity: str = "error", **where) -> Problem:
        problem = Problem(code, severity, self.label, **where)
        self.result.problems.append(problem)
        return problem


# Records `replaced` may rebuild: every field set by __init__ (a field outside it would keep its
# old value instead of its default).
_REPLACEABLE = {kind: frozenset(f.name for f in fields(kind)) for kind in (Submission, FileResult) if all(f.init for f in fields(kind))}
_Record = TypeVar("_Record", Submission, FileResult)


def replaced(record: _Record, **changes: object) -> _Record:
    """`dataclasses.replace` of a Submission or a FileResult, which prepare rebuilds about ten
    times a file: the same record without `__init__` setting each field again (8-13 µs a call).
    Equal to replace's: neither has a field outside `__init__`, and FileResult's `__post_init__`
    only makes its `path` printable, which a FileResult's path already is (a new path goes
    through `replace`)."""
    kind = type(record)
    if kind not in _REPLACEABLE or "path" in changes or not changes.keys() <= _REPLACEABLE[kind]:
        return replace(record, **changes)
    new = object.__new__(kind)
    new.__dict__.update(record.__dict__)
    new.__dict__.update(changes)
    return new


def prepare(sub: Submission, year: int | None = None, period: str | None = None) -> Submission:
    """The checks one file decides alone: the submission with its period, unit and figures.

    A sheet whose table was not found does not stop the checks of the others: the
    clerk gets every problem of the file in one go.
    """
    if not sub.tables:
        return replaced(sub, prepared=True)
    # Each sheet repeats the title block: each line read once (in order, so the first date stays first).
    signed = find_place_date(list(dict.fromkeys(line for t in sub.tables for line in (*t.footer, *t.title))))
    sub = replaced(sub, prepared=True, signed_on=signed.isoformat() if signed else None)
    found = _resolve_period(sub, year, period)
    if found is None:
        return sub
    sub = replaced(sub, year=Period(found).year, result=replaced(sub.result, period=found))
    _check_form_years(sub)
    tree = _choose_tree(sub, UnitTree.candidates(found))
    unit = _resolve_unit(sub, tree)
    if unit is None:
        return replaced(sub, result=replaced(sub.result, tree=tree.tree))
    sub = replaced(sub, unit=unit, result=replaced(sub.result, tree=tree.tree, unit_code=unit.code, unit_name=unit.name))
    codes = _RowCodes(tree, unit.code)
    figures: dict[str, PackedFigures] = {}
    empty_sheets: list[str] = []
    typed = 0
    for table in sub.tables:
        _drop_unit_subtotal(sub, table, codes)
        unsummable: set[str] = set()
        rows = _typed_rows(sub, table, codes, unsummable)
        _check_totals(sub, table, rows, unsummable)
        _check_units(sub, table, rows, tree, codes)
        _check_ratio_parts(sub, table, rows)
        check_figures(sub, table, rows)
        found_figures = _figures(rows, table.indicator)
        table.rows = []  # the raw cells are done with: less to send back from a reader process
        if not found_figures:
            # Not a submission (Submission rules): replaces nothing, counts as submitted nowhere.
            empty_sheets.append(table.sheet)
            continue
        figures[table.indicator.name] = found_figures
        typed += len(rows)
    if not figures and sub.result.valid:
        sub.problem("no-figures")
    return replaced(sub, figures=figures, result=replaced(sub.result, rows=typed, empty_sheets=empty_sheets))


def validate(submissions: list[Submission], catalog: Catalog, year: int | None = None, period: str | None = None) -> list[Submission]:
    """Check every submission: each returned with its problems in file order and the
    indicators it holds figures for."""
    checked = []
    for sub in submissions:
        if not sub.prepared:
            sub = prepare(sub, year, period)
        sheets = {t.sheet: i for i, t in enumerate(sub.tables)}
        sub.result.problems.sort(key=lambda p: (sheets.get(p.sheet, -1), p.row or 0))
        indicators = [t.indicator.name for t in sub.tables if t.indicator.name in sub.figures]
        checked.append(replaced(sub, result=replaced(sub.result, indicators=indicators)))
    return checked


def _check_form_years(sub: Submission) -> None:
    """A column the form of the report year has, missing from a file on an older (or newer)
    form: accepted, the column not reported, with a warning. Before its `since` (after its
    `until`), or when optional, the column is not expected: nothing to say."""
    for table in sub.tables:
        for name in table.missing:
            column = table.indicator.column(name)
            if column.expected(sub.year) and not column.optional:
                sub.problem(
                    "column-not-on-form",
                    "warning",
                    sheet=table.sheet,
                    row=table.header_rows[-1],
                    params={"expected": column.header, "year": str(sub.year)},
                )


def _figures(rows: list[tuple], indicator: Indicator) -> PackedFigures:
    """The figures of typed rows (NaN is an empty cell: nothing to store), packed as the store
    writes them and a reader sends them back; read as one tuple per non-empty cell."""
    return PackedFigures.of_rows(rows, indicator.column_names)


def _resolve_period(sub: Submission, year: int | None, option: str | None = None) -> str | None:
    """The period from the title (core/periods.py's grammar), --period and --year.

    --period settles a title whose phrases disagree when it is one of them, and like --year
    refuses a file whose title names another period. None (and a problem said) when none fits."""
    title = read_title_period(list(dict.fromkeys(line for t in sub.tables for line in t.title)))
    sheet = sub.tables[0].sheet
    if option:
        if title.phrases and not title.names(option) and (title.ambiguous or title.code != option):
            sub.problem(
                "period-conflict", sheet=sheet, params={"found": title.code or title.quoted(), "option": "--period", "expected": option}
            )
            return None
        period = option
    elif title.ambiguous:
        sub.problem("period-ambiguous", sheet=sheet, params={"phrases": title.quoted()})
        return None
    else:
        found = title.code
        if found and year and int(found[:4]) != year:
            sub.problem("period-conflict", sheet=sheet, params={"found": found, "option": "--year", "expected": str(year)})
            return None
        period = found or (str(year) if year else None)
    if period is None:
        sub.problem("period-missing", sheet=sheet)
    return period


def _choose_tree(sub: Submission, trees: list[UnitTree]) -> UnitTree:
    """The tree of a submission: among the trees valid during its period, the one its codes
    belong to (codes are reused across the 2025 reform: a new commune's code is often a legacy
    code of another commune). The rows whose code lies under the most common reporting unit and
    whose name matches count most; a tie, or a file without codes, keeps the period's own tree
    (the first) unless only another tree knows the unit its title names."""
    if len(trees) == 1:
        return trees[0]
    best, best_score = trees[0], (-1, -1)
    for tree in trees:
        level = tree.reporting_level()
        owners: Counter[str] = Counter()
        named: Counter[str] = Counter()
        for table, cells, code in _rows_in_tree(sub, tree):
            owner = next((u.code for u in tree.path(code) if u.level == level), code)
            owners[owner] += 1
            name = table.cell(cells, "unit_name")
            if name and tree.name_matches(code, clean(name)):
                named[owner] += 1
        top = owners.most_common(1)[0][0] if owners else None
        score = (named[top], owners[top]) if top else (0, 0)
        if score > best_score:
            best, best_score = tree, score
    if best_score == (0, 0):
        return next((t for t in trees if _unit_from_title(sub, t) is not None), trees[0])
    return best


def _rows_in_tree(sub: Submission, tree: UnitTree) -> Iterator[tuple[Table, list[object], str]]:
    """Each data row whose unit code, typed at any width, is a unit of `tree`, with that code."""
    known: dict[tuple[type, object], str | None] = {}  # the sheets of a file list the same communes
    for table in sub.tables:
        for (_, cells), raw in zip(table.rows, table.column("unit_code")):
            try:
                code = known[raw.__class__, raw]
            except KeyError:
                code = known[raw.__class__, raw] = next((c for c in _row_code_candidates(raw) if c in tree), None)
            except TypeError:  # a value that cannot be a key
                code = next((c for c in code_candidates(raw, ROW_CODE_WIDTHS) if c in tree), None)
            if code is not None:
                yield table, cells, code


def _codes_in_tree(sub: Submission, tree: UnitTree) -> Iterator[tuple[str, int]]:
    """(code, how many rows) for the unit codes of `_rows_in_tree`, each typed value read once,
    in the order of the rows where each first appears: the rows counted by a Counter, in C,
    instead of walked one by one (the sheets of a file list the same communes)."""
    raws = [raw for table in sub.tables for raw in table.column("unit_code")]
    try:
        counted = Counter(zip(map(type, raws), raws))
    except TypeError:  # a value that cannot be a key: row by row
        for _, _, code in _rows_in_tree(sub, tree):
            yield code, 1
        return
    for (_, raw), count in counted.items():
        candidates = _row_code_candidates(raw)
        if len(candidates) == 1:  # nearly every row's code (typed at its width): no generator
            code = candidates[0] if candidates[0] in tree else None
        else:
            code = next((c for c in candidates if c in tree), None)
        if code is not None:
            yield code, count


class _RowCodes:
    """Each row's unit code resolved once per file: the sheets of a file list the same communes,
    and several checks ask about each row."""

    def __init__(self, tree: UnitTree, unit: str):
        self.tree, self.unit = tree, unit
        self._codes: dict[tuple[type, object], str | None] = {}
        self._under: dict[str, bool] = {}
        self._named: dict[tuple[str, str], bool] = {}
        self._fine: dict[tuple[str, str | None], bool] = {}
        self._not_unit: set[tuple[type, object]] = set()  # cell values (type, value) that are not the unit's code

    def code(self, raw: object) -> str | None:
        """The code a cell means: the first reading under the reporting unit, else in the
        tree, else the first reading at all."""
        try:
            return self._codes[raw.__class__, raw]
        except KeyError:
            code = self._codes[raw.__class__, raw] = self._resolve(raw)
            return code
        except TypeError:  # a value that cannot be a key
            return self._resolve(raw)

    def _resolve(self, raw: object) -> str | None:
        candidates = _row_code_candidates(raw)
        if len(candidates) == 1:  # nearly every row's code (typed at its width): no generators
            return candidates[0]  # under the unit, in the tree or not: the first reading at all
        code = next((c for c in candidates if self.under(c)), None)
        return code or next((c for c in candidates if c in self.tree), None) or (candidates[0] if candidates else None)

    def all_fine(self, found: list[str], names: list[str | None]) -> bool:
        """Whether each (code, name) is a unit under the reporting unit whose official name is the
        name typed (or none typed): `_check_units` says nothing then. Each pair asked once a file."""
        fine = self._fine
        try:
            return all(map(fine.__getitem__, zip(found, names)))
        except KeyError:
            pass
        for key in zip(found, names):
            known = fine.get(key)
            if known is None:
                code, name = key
                known = fine[key] = self.under(code) and (not name or self.name_matches(code, name))
            if not known:
                return False
        return True

    def may_carry_unit(self, raws: list[object]) -> bool:
        """Whether a cell of `raws` may be read as the reporting unit's own code (a code
        candidate of it): each distinct value asked once per file, the rest by set operations."""
        try:
            keys = set(zip(map(type, raws), raws))
        except TypeError:  # a value that cannot be a key
            return True
        if keys <= self._not_unit:
            return False
        for key in keys - self._not_unit:
            if self.unit in _row_code_candidates(key[1]):
                return True
            self._not_unit.add(key)
        return False

    def name_matches(self, code: str, name: str) -> bool:
        """`tree.name_matches`, once per (code, name) of the file: its sheets repeat them."""
        try:
            return self._named[code, name]
        except KeyError:
            matches = self._named[code, name] = self.tree.name_matches(code, name)
            return matches

    def under(self, code: str) -> bool:
        """`code` is the reporting unit or below it."""
        try:
            return self._under[code]
        except KeyError:
            under = self._under[code] = self.tree.is_under(code, self.unit)
            return under


def _resolve_unit(sub: Submission, tree: UnitTree) -> Unit | None:
    """The reporting unit: the one most of the rows' codes belong to, else the title's
    (None, and a problem said, when neither tells)."""
    level = tree.reporting_level()
    owners: Counter[str] = Counter()
    distinct: set[str] = set()
    owner_of: dict[str, str | None] = {}
    for code, count in _codes_in_tree(sub, tree):
        distinct.add(code)
        try:
            owner_code = owner_of[code]
        except KeyError:
            owner = tree.get(code)
            while owner is not None and owner.level != level:
                owner = tree.get(owner.parent) if owner.parent else None
            owner_code = owner_of[code] = owner.code if owner else None
        if owner_code:
            owners[owner_code] += count
    unit: Unit | None = None
    if len(distinct) == 1 and tree.get(next(iter(distinct))).level not in ("province", "district"):
        only = tree.get(next(iter(distinct)))
        # Where communes report on their own (2025 tree), a one-row file is the commune's,
        # unless its heading's issuing body (the lowest line) is the province above it: then it
        # is the province's file, answering for all its communes with one row filled.
        unit = (_issuer_above(sub, tree, only) or only) if level == "province" else tree.get(only.parent)
    elif owners:
        unit = tree.get(owners.most_common(1)[0][0])
    else:
        unit = _unit_from_title(sub, tree)
    titled = _foreign_title(sub, tree, unit) if unit is not None else None
    if titled is not None:
        # A district that sent its neighbour's file, or a title left from last year's form.
        sub.problem(
            "unit-title-mismatch",
            "warning",
            sheet=sub.tables[0].sheet,
            value=titled.name,
            params={"unit": f"{unit.name} ({unit.code})"},
        )
    if unit is None:
        sub.problem("unit-unknown", sheet=sub.tables[0].sheet, params={"year": str(sub.year)})
    return unit


# The type word of a heading's unit and the levels it can name ("thành phố" is a province
# or a district-level city); folded, longest first.
_TITLE_TYPES = (
    ("thanh pho ", ("province", "district")),
    ("thi tran ", ("commune",)),
    ("dac khu ", ("commune",)),
    ("thi xa ", ("district",)),
    ("phuong ", ("commune",)),
    ("huyen ", ("district",)),
    ("quan ", ("district",)),
    ("tinh ", ("province",)),
    ("tp ", ("province", "district")),
    ("tx ", ("district",)),
    ("xa ", ("commune",)),
)


def _title_names(sub: Submission, tree: UnitTree) -> list[list[Unit]]:
    """The union bodies a heading names, one list of possible units per line.

    Official documents head with two lines, the body above over the issuing one ("HỘI LHPN
    TỈNH QUẢNG TRỊ" over "HỘI LHPN HUYỆN ĐAKRÔNG"); the type word says which level a line
    names, so "TỈNH QUẢNG TRỊ" is the province, not Thị xã Quảng Trị."""
    named = []
    # Each sheet repeats the heading, and each file of a form most of it: a line read once per tree.
    seen: dict[str, list[Unit] | None] = made_once(_TITLE_LINE_NAMES, tree, lambda _: {}, kept=16)
    for line in (line for t in sub.tables for line in t.title):
        try:
            found = seen[line]
        except KeyError:
            if len(seen) >= _TITLE_LINES_KEPT:
                seen.clear()
            found = seen[line] = _title_line_names(line, tree)
        if found:
            named.append(found)
    return named


_TITLE_LINE_NAMES: dict[int, tuple[UnitTree, dict[str, list[Unit] | None]]] = {}
_TITLE_LINES_KEPT = 4096


def _title_line_names(line: str, tree: UnitTree) -> list[Unit] | None:
    folded = fold(line)
    if not folded.startswith(_TITLE_PREFIXES):
        return None
    prefix = next(p for p in _TITLE_PREFIXES if folded.startswith(p))
    rest = folded[len(prefix) :].strip()
    levels = next((levels for word, levels in _TITLE_TYPES if rest.startswith(word)), None)
    return [u for u in tree.find_by_name(rest) if levels is None or u.level in levels]


def _issuer_above(sub: Submission, tree: UnitTree, unit: Unit) -> Unit | None:
    """The reporting unit above `unit` that the heading's lowest line names as the issuing
    body, when that line does not name `unit` itself."""
    named = _title_names(sub, tree)
    if not named or any(u.code == unit.code for u in named[-1]):
        return None
    level = tree.reporting_level()
    above = [u for u in named[-1] if u.level == level and tree.is_under(unit.code, u.code)]
    return above[0] if len(above) == 1 else None


def _unit_from_title(sub: Submission, tree: UnitTree) -> Unit | None:
    """The reporting unit a heading names, when the rows' codes do not tell: the lowest line
    naming exactly one unit of the reporting level."""
    level = tree.reporting_level()
    for found in reversed(_title_names(sub, tree)):
        at_level = [u for u in found if u.level == level]
        if len(at_level) == 1:
            return at_level[0]
    return None


def _foreign_title(sub: Submission, tree: UnitTree, unit: Unit) -> Unit | None:
    """The other reporting unit a heading names instead of `unit`, if any.

    A heading naming the unit, or its ancestors above it, is no mismatch; name variants
    (ĐAKRÔNG / Đa Krông, TP. / Thành phố, capitals, no diacritics) match through the folding."""
    named = _title_names(sub, tree)
    related = {unit.code, *(u.code for u in tree.path(unit.code))}
    if any(u.code == unit.code for found in named for u in found):
        return None
    level = tree.reporting_level()
    for found in named:
        if any(u.code in related for u in found):
            continue  # the body above
        others = [u for u in found if u.level == level]
        if len(others) == 1:
            return others[0]
    return None


def _typed_rows(sub: Submission, table: Table, codes: _RowCodes, unsummable: set[str]) -> list[tuple]:
    """Rows (in PLACE_COLUMNS + figure order) with codes resolved and figures read as numbers;
    `unsummable` gets the columns where a cell is not a number (no total can be checked there)."""
    out = []
    code_at, name_at = table.columns.get("unit_code"), table.columns.get("unit_name")
    figures_at = [(c.name, table.columns.get(c.name)) for c in table.indicator.columns]
    nan = math.nan
    text_numbers = _TEXT_NUMBERS
    for excel_row, cells in table.rows:
        width = len(cells)
        code = codes.code(cells[code_at] if code_at is not None and code_at < width else None)
        figures = []
        for name, at in figures_at:
            raw = cells[at] if at is not None and at < width else None
            kind = type(raw)
            if kind is int or kind is float:  # the common case, typed in as a number
                figures.append(float(raw))
            elif raw is None:
                figures.append(nan)  # an empty cell: not reported
            elif kind is str:  # a number typed as text ("1.234"): read once, not again to learn whether it sums
                value = text_numbers.get(raw)  # "-", "1", "1.234": the same texts come back file after file
                if value is None:
                    try:
                        value = parse_number(raw)
                    except NotANumber:
                        figures.append(_number(sub, table, excel_row, name, raw))  # says why (type-error)
                        unsummable.add(name)
                        continue
                    value = nan if value is None else value
                    if len(text_numbers) >= _TEXT_NUMBERS_KEPT:
                        text_numbers.clear()
                    text_numbers[raw] = value
                figures.append(value)
            else:
                figures.append(_number(sub, table, excel_row, name, raw))
                if name not in unsummable:
                    try:
                        _figure(raw)
                    except NotANumber:
                        unsummable.add(name)
        name = cells[name_at] if name_at is not None and name_at < width else None
        if name.__class__ is str:
            cleaned = _CLEANED.get(name)
            if cleaned is None:
                if len(_CLEANED) > _CLEANED_KEPT:
                    _CLEANED.clear()
                cleaned = _CLEANED[name] = clean(name) or ""
            out.append((table.sheet, excel_row, code, cleaned or None, *figures))
        else:
            out.append((table.sheet, excel_row, code, clean(name) or None, *figures))
    return out


# A figure typed as text read once per text (`parse_number`'s answer, an empty one as NaN): the
# messy offices' "-", "1", "1.234" come back file after file. Text that is no number is not kept:
# `_number` says why each time.
_TEXT_NUMBERS: dict[str, float] = {}
_TEXT_NUMBERS_KEPT = 65536

# A unit's name cleaned once per text: a file's sheets list the same communes.
_CLEANED: dict[str, str] = {}
_CLEANED_KEPT = 65536


def _number(sub: Submission, table: Table, excel_row: int, name: str, raw: object) -> float:
    if type(raw) is int or type(raw) is float:  # the common case, typed in as a number
        return float(raw)
    if isinstance(raw, (CellError, UncomputedFormula)):
        # Read as blank, the commune's figure would silently drop out of the totals.
        code = "cell-error" if isinstance(raw, CellError) else "formula-no-value"
        cell = f"{_column_letter(table.columns[name] + 1)}{excel_row}"
        sub.problem(code, sheet=table.sheet, row=excel_row, column=table.headers[name], value=str(raw), params={"cell": cell})
        return math.nan
    try:
        value = parse_number(raw)
    except NotANumber:
        sub.problem(
            "type-error",
            sheet=table.sheet,
            row=excel_row,
            column=table.headers[name],
            column_index=table.columns[name] + 1,
            value=raw,
        )
        return math.nan
    return math.nan if value is None else value


def _check_totals(sub: Submission, table: Table, rows: list[tuple], unsummable: set[str]) -> None:
    """A totals row is a check, never data: it must equal the sum of the rows above (their
    typed figures, an empty cell counting 0)."""
    if table.totals is None:
        return
    excel_row, cells = table.totals
    columns: list[tuple] | None = None  # the typed rows column by column, made on the first column to add
    for position, column in enumerate(table.indicator.columns, start=len(PLACE_COLUMNS)):
        raw = table.cell(cells, column.name)
        if isinstance(raw, (CellError, UncomputedFormula)):
            continue  # a totals row of formulas saved without results: nothing to check against
        stated = _number(sub, table, excel_row, column.name, raw)
        if stated != stated:  # NaN: nothing stated
            continue
        if column.name in unsummable:
            continue  # already reported on its own row; a sum would mislead
        if columns is None:
            columns = list(zip(*rows))
        values = columns[position] if columns else ()  # no data row: the sum is 0
        added = sum(compress(values, map(eq, values, values)))  # in row order; NaN (an empty cell) left out
        if abs(stated - added) > 1e-6:
            sub.problem(
                "totals-mismatch",
                sheet=table.sheet,
                row=excel_row,
                column=table.headers[column.name],
                column_index=table.columns[column.name] + 1,
                value=stated,
                params={"expected": added},
            )


def _figure(value: object) -> float | None:
    """parse_number, with the common case (a number typed as a number) first."""
    kind = type(value)
    return float(value) if kind is int or kind is float else parse_number(value)


def _drop_unit_subtotal(sub: Submission, table: Table, codes: _RowCodes | None = None) -> None:
    """A row carrying the reporting unit's own code whose figures equal, column by column, the
    sum of the commune rows below it ("Toàn huyện" on top, no "Tổng cộng") is a totals row:
    checked, never added. One that differs is the unit's own activities and stays data."""
    if sub.unit is None:
        return
    if codes is not None and codes.unit == sub.unit.code and not codes.may_carry_unit(table.column("unit_code")):
        return  # no cell can be read as the unit's own code
    candidates_by_row = [_row_code_candidates(raw) for raw in table.column("unit_code")]
    for position, candidates in enumerate(candidates_by_row):
        if sub.unit.code not in candidates:
            continue
        below = [
            cells
            for (_, cells), other in zip(table.rows[position + 1 :], candidates_by_row[position + 1 :])
            if other and sub.unit.code not in other
        ]
        if not below:
            continue
        excel_row, cells = table.rows[position]
        stated_any = False
        for column in table.indicator.columns:
            try:
                stated = parse_number(table.cell(cells, column.name))
                added = sum(parse_number(table.cell(row, column.name)) or 0.0 for row in below)
            except (NotANumber, TypeError):
                return
            if stated is None:
                continue
            stated_any = True
            if abs(stated - added) > 1e-6:
                return
        if stated_any:
            sub.problem(
                "subtotal-row",
                "warning",
                sheet=table.sheet,
                row=excel_row,
                column=table.headers.get("unit_code"),
                params={"code": sub.unit.code},
            )
            del table.rows[position]
            return


def _column_letter(index: int) -> str:
    """1-based column number -> Excel letters (1 -> A, 27 -> AA)."""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _check_ratio_parts(sub: Submission, table: Table, rows: list[tuple]) -> None:
    """A ratio's numerator typed beside an empty denominator: that unit cannot count in the
    ratio (it is computed over the units with both), a warning so the clerk fills it in."""
    names = table.indicator.column_names
    for ratio in table.indicator.ratios:
        if ratio.numerator not in names or ratio.denominator not in names or ratio.denominator not in table.columns:
            continue
        top, bottom = 4 + names.index(ratio.numerator), 4 + names.index(ratio.denominator)
        for row in rows:
            if row[top] == row[top] and row[bottom] != row[bottom]:  # NaN: an empty cell
                sub.problem(
                    "ratio-denominator-missing",
                    "warning",
                    sheet=table.sheet,
                    row=row[1],
                    column=table.headers[ratio.denominator],
                    column_index=table.columns[ratio.denominator] + 1,
                    params={"ratio_vi": ratio.label_vi, "ratio_en": ratio.label_en, "code": row[2] or ""},
                )


def check_figures(sub: Submission, table: Table, rows: list[tuple]) -> None:
    """Each figure against its schema: a whole number, within the column's bounds, and the
    rules between the figures of a row (a side may be a derived sum: NaN only when all its
    parts are empty). Empty cells (NaN) pass; a rule holds where one of its figures is empty.

    A check that cannot compare (a bound that is not a number, past the schema model) stops
    the run: rows it could not check must never count as passed."""
    indicator = table.indicator
    names, derived, bounds, rules, lows, highs, sides = _figure_checks(indicator)
    suspects = _rows_to_check(rows, lows, highs, sides)
    for row in rows if suspects is None else [rows[i] for i in suspects]:
        values = row[4:]
        if lows is not None:
            # Every figure whole (so reported: NaN is not) and within its bounds, told by C calls;
            # a row where one is not goes through the checks below, which say which and why.
            try:
                fine = all(map(float.is_integer, values)) and all(map(ge, values, lows)) and all(map(le, values, highs))
            except TypeError:
                fine = False
            if fine:
                values = ()
        for (column, low, high), value in zip(bounds, values):
            try:
                passes = value != value or (  # NaN: an empty cell
                    value % 1 == 0 and (low is None or value >= low) and (high is None or value <= high)
                )
            except TypeError:
                passes = False  # said below, with the check that cannot compare
            if not passes:
                for check, failed in _column_checks(indicator, column, value):
                    if failed:
                        limit = low if check == "below-minimum" else high
                        _figure_problem(sub, table, row, check, column.name, value, {"limit": limit})
        if not indicator.rules:
            continue
        place = dict(zip(names, row[4:]))
        for figure in derived:
            parts = [place[name] for name in figure.sum if place[name] == place[name]]
            place[figure.name] = sum(parts) if parts else math.nan
        for rule, figures, compare, (left_name, left_number), (right_name, right_number) in rules:
            for name in figures:  # a loop, not any(): once per rule and row
                if place[name] != place[name]:
                    break  # a figure not reported: nothing to compare
            else:
                left = place[left_name] if left_name is not None else left_number
                right = place[right_name] if right_name is not None else right_number
                try:
                    holds = compare(left, right)
                except TypeError as error:
                    raise _check_failed(indicator, rule.code, error) from error
                if not holds:
                    params = {"left": float(left), "right": float(right)}
                    templates = (rule.message_vi, rule.message_en)
                    _figure_problem(sub, table, row, rule.code, rule.subject, place[rule.subject], params, rule.severity, templates)


def _rows_to_check(rows: list[tuple], lows: list | None, highs: list | None, sides: list[tuple] | None) -> list[int] | None:
    """The rows of a sheet where a check of `check_figures` may fail, by position, told column
    by column (a few C calls a column instead of a few a row); None: check every row.

    A row left out has every figure a whole number (so reported) within its bounds, and every
    rule between two of its figures (or a figure and a number) holding: `check_figures` says
    nothing about it. Rules over a derived sum, bounds that are not numbers, or a comparison
    that raises leave every row to the row-by-row checks. `sides`: `_rule_sides`."""
    if lows is None or sides is None or not rows:
        return None
    columns = list(zip(*rows))
    count = len(rows)
    suspects: set[int] = set()
    try:
        for values, low, high in zip(columns[4:], lows, highs):
            # Whole numbers have no NaN (an empty cell) nor infinity: min and max tell the bounds.
            if not (all(map(float.is_integer, values)) and min(values) >= low and max(values) <= high):
                suspects.update(
                    i for i, value in enumerate(values) if not (type(value) is float and value.is_integer() and low <= value <= high)
                )
        for compare, left, right in sides:
            holds = list(
                map(
                    compare,
                    columns[left] if type(left) is int else repeat(left[0], count),
                    columns[right] if type(right) is int else repeat(right[0], count),
                )
            )
            if not all(holds):
                suspects.update(compress(range(count), map(not_, holds)))
    except TypeError:
        return None  # a figure or a bound that cannot compare: the row-by-row checks say which
    return sorted(suspects)


def _rule_sides(indicator: Indicator) -> list[tuple] | None:
    """Each rule as (comparison, left, right), a side the position of its figure in a typed row
    or (the number,); None when a rule reads a derived sum (for `_rows_to_check`)."""
    names = list(indicator.column_names)
    sides = []
    for rule in indicator.rules:
        if any(name not in names for name in rule.names):
            return None
        left, right = (
            len(PLACE_COLUMNS) + names.index(side) if side in rule.names else (rule.side(side, {}),) for side in (rule.left, rule.right)
        )
        sides.append((COMPARISONS[rule.op], left, right))
    return sides


def _figure_checks(indicator: Indicator) -> tuple:
    """What check_figures reads of an indicator's schema (its figures' names, the derived sums
    its rules use, each column's bounds, each rule's sides, and by position), worked out once
    per indicator instead of once per sheet."""
    return made_once(_FIGURE_CHECKS, indicator, _new_figure_checks, kept=64)


def _new_figure_checks(indicator: Indicator) -> tuple:
    wanted = {name for rule in indicator.rules for name in rule.names}
    derived = [d for d in indicator.derived if d.name in wanted]
    bounds = [(column, column.min, column.max) for column in indicator.columns]
    # Each side once: a figure's name, or the number it states.
    rules = [(rule, rule.names, COMPARISONS[rule.op], _operand(rule, rule.left), _operand(rule, rule.right)) for rule in indicator.rules]
    # The bounds as numbers for the quick test of a row (none: -inf / inf), when every one is a number.
    numeric = all(bound is None or type(bound) in (int, float) for _, low, high in bounds for bound in (low, high))
    lows = [-math.inf if low is None else low for _, low, _ in bounds] if numeric else None
    highs = [math.inf if high is None else high for _, _, high in bounds] if numeric else None
    return list(indicator.column_names), derived, bounds, rules, lows, highs, _rule_sides(indicator)


_FIGURE_CHECKS: dict[int, tuple[Indicator, tuple]] = {}


def _operand(rule: Rule, operand: str) -> tuple[str | None, float | None]:
    """(figure name, None) or (None, the number it states): how `rule.side` reads a side, decided once per table."""
    return (operand, None) if operand in rule.names else (None, rule.side(operand, {}))


def _column_checks(indicator: Indicator, column: Column, value: float) -> Iterator[tuple[str, bool]]:
    """(check, failed) for one figure, in the order the schema states them."""
    try:
        yield "not-integer", value % 1 != 0
        if column.min is not None:
            yield "below-minimum", not value >= column.min
        if column.max is not None:
            yield "above-maximum", not value <= column.max
    except TypeError as error:
        check = "above-maximum" if column.max is not None and not isinstance(column.max, (int, float)) else "below-minimum"
        raise _check_failed(indicator, check, error) from error


def _check_failed(indicator: Indicator, check: str, error: Exception) -> CheckFailed:
    return CheckFailed("error.check-failed", check=check, indicator=indicator.name, source=indicator.source, reason=error)


def _figure_problem(
    sub: Submission,
    table: Table,
    row: tuple,
    code: str,
    name: str,
    value: float,
    params: dict,
    severity: str = "error",
    templates: tuple[str, str] | None = None,
) -> Problem:
    indicator = table.indicator
    derived = indicator.derived_figure(name)
    return sub.problem(
        code,
        severity,
        sheet=row[0],
        row=int(row[1]),
        column=derived.label_vi if derived else table.headers.get(name, indicator.column(name).header),
        column_index=(table.columns[name] + 1) if name in table.columns else None,
        value=float(value),
        params=params,
        templates=templates,
    )


_CODE_OF_ROW, _NAME_OF_ROW = itemgetter(2), itemgetter(3)  # in a typed row


def _check_units(sub: Submission, table: Table, rows: list[tuple], tree: UnitTree, codes: _RowCodes) -> None:
    """Each row's code must be a unit under the reporting unit, once per sheet; names should match."""
    header = table.headers
    code_column = table.columns["unit_code"] + 1
    name_column = table.columns["unit_name"] + 1 if "unit_name" in table.columns else None
    found = list(map(_CODE_OF_ROW, rows))
    if all(found) and len(set(found)) == len(found) and codes.all_fine(found, list(map(_NAME_OF_ROW, rows))):
        return  # every code a unit under the reporting unit, once, its name (if any) the official one
    first_row: dict[str, int] = {}
    for sheet, excel_row, code, name, *_ in rows:
        if not code:
            sub.problem("missing-code", sheet=sheet, row=excel_row, column=header["unit_code"], column_index=code_column)
            continue
        if not codes.under(code):
            sub.problem(
                "unit-not-in-tree",
                sheet=sheet,
                row=excel_row,
                column=header["unit_code"],
                column_index=code_column,
                value=code,
                params={"parent": f"{sub.unit.name} ({sub.unit.code})", "year": str(sub.year)},
            )
            continue
        if code in first_row:
            sub.problem(
                "duplicate-unit",
                sheet=sheet,
                row=excel_row,
                column=header["unit_code"],
                column_index=code_column,
                value=code,
                params={"first_row": first_row[code]},
            )
            continue
        first_row[code] = excel_row
        if name and not codes.name_matches(code, name):
            if tree.tree == "2025" and code in recoded_codes():
                # A figure keyed by a provisional code would land on another commune: refuse it.
                unit = tree.get(code)
                meant = [u for u in tree.find_by_name(name, "commune") if u.province == unit.province]
                hint = said("unit-recoded-2025.meant", name=meant[0].name, code=meant[0].code) if len(meant) == 1 else Said("", "")
                sub.problem(
                    "unit-recoded-2025",
                    sheet=sheet,
                    row=excel_row,
                    column=header.get("unit_name"),
                    value=name,
                    params={"code": code, "official": unit.name, "hint": hint},
                )
                continue
            sub.problem(
                "unit-name-mismatch",
                "warning",
                sheet=sheet,
                row=excel_row,
                column=header.get("unit_name"),
                column_index=name_column,
                value=name,
                params={"code": code, "official": tree.get(code).name},
            )
