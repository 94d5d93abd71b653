"""Find the table in a raw sheet: the title block, the header row(s), the data rows, the totals row.

Real submissions put a title block above the table, spread headers over two rows with
merged cells, add a numbering row "(1) (2) (3)" and close with a totals row. Headers are
matched insensitive to case, diacritics, spacing and Unicode normalisation.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

from vwu_pipeline.core.indicators import Catalog, Indicator
from vwu_pipeline.core.per_object import made_once
from vwu_pipeline.core.problems import Problem
from vwu_pipeline.core.text import NotANumber, clean, fold, parse_number
from vwu_pipeline.ingest.reading import RawSheet
from vwu_pipeline.ingest.targets import find_targets_header

HEADER_SEARCH_ROWS = 40  # the header sits under a title block of a few lines
_PARENTHESISED = re.compile(r"\([^)]*\)")
_NUMBERING = re.compile(r"^\(?([0-9]{1,2}|[a-z]|[ivx]{1,4})\)?$")


@dataclass
class Table:
    """The table of one indicator sheet, located but not yet validated."""

    indicator: Indicator
    sheet: str
    header_rows: tuple[int, ...]  # Excel row numbers of the header
    columns: dict[str, int]  # field name -> 0-based column index
    headers: dict[str, str]  # field name -> the header as it reads in the file
    rows: list[tuple[int, list[object]]] = field(default_factory=list)  # (Excel row, cells)
    totals: tuple[int, list[object]] | None = None
    title: list[str] = field(default_factory=list)
    footer: list[str] = field(default_factory=list)  # notes, place and date, signatures: never data
    missing: tuple[str, ...] = ()  # columns of other years' forms (or optional) the sheet lacks

    def cell(self, cells: list[object], name: str) -> object:
        index = self.columns.get(name)
        return cells[index] if index is not None and index < len(cells) else None

    def column(self, name: str) -> list[object]:
        """`cell` of every row, in order, the column looked up once for the sheet."""
        index = self.columns.get(name)
        if index is None:
            return [None] * len(self.rows)
        return [cells[index] if index < len(cells) else None for _, cells in self.rows]


def find_tables(sheets: list[RawSheet], catalog: Catalog, file: str) -> tuple[list[Table], list[Problem]]:
    """Locate every indicator table of a workbook (or CSV).

    Sheets are found by name (with aliases); a sheet whose name is unknown, such as a
    CSV file's only sheet, is tried against every indicator's headers.
    """
    tables: list[Table] = []
    problems: list[Problem] = []
    for sheet in sheets:
        if _is_empty(sheet):
            continue  # an indicator left blank was not reported: nothing to check
        indicator = _for_sheet(catalog, sheet.name)
        starts = _header_rows(sheet, catalog)
        if indicator is None and not starts:
            continue  # an instructions sheet, a chart: no unit code header anywhere near the top
        if sheet.hidden:
            # An old copy kept out of sight must not beat the sheet the office sees.
            problems.append(Problem("sheet-hidden", "warning", file, sheet.name))
            continue
        if indicator is not None:
            table, problem = locate(sheet, indicator, catalog, file, starts)
            if table:
                tables.append(table)
            else:
                problems.append(problem)
            continue
        # Unknown sheet name: it is an indicator table only if its headers say so.
        candidates = [locate(sheet, i, catalog, file, starts)[0] for i in catalog.indicators]
        found = [t for t in candidates if t is not None]
        if found:
            tables.append(max(found, key=lambda t: len(t.columns)))
    tables = _one_sheet_per_indicator(tables, problems, file)
    if not tables and not any(p.severity == "error" for p in problems):
        if any(find_targets_header(sheet) for sheet in sheets):
            # Not a submission at all: skipped with a pointer to `vwu targets`, not refused.
            problems.append(Problem("targets-file", "warning", file, params={"file": shlex.quote(file)}))
        else:
            expected = ", ".join(i.sheet_name for i in catalog.indicators)
            problems.append(Problem("no-indicator-sheet", "error", file, params={"expected": expected}))
    return tables, problems


def _for_sheet(catalog: Catalog, name: str) -> Indicator | None:
    """`catalog.for_sheet`, remembered per catalogue and sheet name (every file names its
    sheets alike; the catalogue folds each indicator's names again at each call)."""
    known = _per_catalog(_SHEETS, catalog)
    try:
        return known[name]
    except KeyError:
        if len(known) > _TEXTS_KEPT:
            known.clear()
        indicator = known[name] = catalog.for_sheet(name)
        return indicator


_SHEETS: dict[int, tuple[Catalog, dict[str, Indicator | None]]] = {}


def _one_sheet_per_indicator(tables: list[Table], problems: list[Problem], file: str) -> list[Table]:
    """Two visible sheets for one indicator ("Hội viên" and its copy "Hội viên (2)", or the
    alias "HoiVien"): which one the office meant cannot be guessed, so both are named."""
    first: dict[str, Table] = {}
    for table in tables:
        earlier = first.setdefault(table.indicator.name, table)
        if earlier is not table:
            problems.append(
                Problem(
                    "duplicate-sheet",
                    "error",
                    file,
                    table.sheet,
                    params={"indicator": table.indicator.sheet_name, "first": earlier.sheet, "second": table.sheet},
                )
            )
    return tables


def locate(
    sheet: RawSheet, indicator: Indicator, catalog: Catalog, file: str, starts: list[int] | None = None
) -> tuple[Table | None, Problem | None]:
    """Find the header of one indicator in a sheet, then split the rows under it.

    `starts`: the rows that may hold the header (`_header_rows`), when already known.
    """
    fields = _fields(catalog, indicator)

    best: tuple[tuple[int, int, int], tuple[int, ...], dict[str, int], dict[str, str]] | None = None
    # Only rows naming the unit code can start a header: the code may sit in the top
    # row of a two-row header or, merged down, be read from the row below its label.
    starts = _header_rows(sheet, catalog) if starts is None else starts
    tops = sorted({t for row in starts for t in (row - 1, row) if t >= 0})
    for top in tops:
        for span in (1, 2):
            rows = sheet.rows[top : top + span]
            if len(rows) < span:
                continue
            match = _match_header(tuple(map(tuple, rows)), fields)
            if match is None:
                continue
            assigned, quality, texts = match
            # More columns found, then better matches, then fewer header rows.
            score = (len(assigned), quality, -span)
            if best is None or score > best[0]:
                best = (score, tuple(range(top + 1, top + span + 1)), dict(assigned), dict(texts))
    if best is None:
        expected = ", ".join([catalog.unit_columns[0].header, *(c.header for c in indicator.columns)])
        return None, Problem("header-not-found", "error", file, sheet.name, params={"expected": expected})

    _, header_rows, columns, headers = best
    table = Table(
        indicator=indicator,
        sheet=sheet.name,
        header_rows=header_rows,
        columns=columns,
        headers=headers,
        title=_title(sheet.rows[: header_rows[0] - 1]),
    )
    missing = [c for c in indicator.columns if c.name not in columns]
    required = [c for c in missing if c.required]
    if required:
        # A sheet without a column every form has cannot be added up with the others.
        form = ", ".join(c.header for c in indicator.columns if c.required)
        return None, Problem(
            "missing-column",
            "error",
            file,
            sheet.name,
            header_rows[-1],
            params={"expected": required[0].header, "indicator": indicator.title_vi, "form": form},
        )
    # A column of some years' forms only (since/until) or optional: whether its absence
    # deserves a word depends on the report year, known once the title is read (validation).
    table.missing = tuple(c.name for c in missing)
    _split_rows(table, sheet, catalog)
    return table, None


def _title(rows: list[list[object]]) -> list[str]:
    """The cleaned texts of the rows above the header; a text cleaned once (every sheet of a
    file, and every file of an office, repeats its title block)."""
    texts = []
    cleaned = _TITLE_CLEANED
    for row in rows:
        for cell in row:
            if cell is None:
                continue
            if cell.__class__ is str:
                text = cleaned.get(cell)
                if text is None:
                    if len(cleaned) > _TEXTS_KEPT:
                        cleaned.clear()
                    text = cleaned[cell] = clean(cell)
            else:
                text = clean(cell)
            if text:
                texts.append(text)
    return texts


_TITLE_CLEANED: dict[str, str] = {}


class _Fields(NamedTuple):
    """The fields a header of one indicator may name: field -> folded names; the figures; and
    the header rows already matched against them (offices send the same form again and again,
    so after the first file of a shape the header search is a lookup)."""

    names: dict[str, tuple[str, ...]]
    figures: frozenset[str]
    matches: dict[tuple[tuple[object, ...], ...], tuple[dict[str, int], int, dict[str, str]] | None]


# Built once per catalogue and indicator (the catalogue is loaded once per process), by
# `made_once`: an indicator's fields are kept among its catalogue's, each beside its object.
# The matches live in the fields themselves: a cache keyed by id(fields) answered for other
# fields once the first were replaced and their id reused (another schema folder, same process).
_FIELDS: dict[int, tuple[Catalog, dict[int, tuple[Indicator, _Fields]]]] = {}
_MATCHES_KEPT = 4096


def _fields(catalog: Catalog, indicator: Indicator) -> _Fields:
    return made_once(_per_catalog(_FIELDS, catalog), indicator, lambda indicator: _new_fields(catalog, indicator), kept=64)


def _new_fields(catalog: Catalog, indicator: Indicator) -> _Fields:
    names = {c.name: c.folded_names for c in catalog.unit_columns}
    names.update({c.name: c.folded_names for c in indicator.columns})
    return _Fields(names, frozenset(indicator.column_names), {})


def _match_header(rows: tuple[tuple[object, ...], ...], fields: _Fields) -> tuple[dict[str, int], int, dict[str, str]] | None:
    """(field -> column, quality, field -> header as written) for header rows, or None when
    they name no unit code or no figure of the indicator. Do not change what it returns: it is shared."""
    known = fields.matches.get(rows, _NOT_MATCHED)  # one hash of the rows, not two
    if known is not _NOT_MATCHED:
        return known
    labels = _header_labels(rows)
    match = None
    if _may_name(labels, fields):
        assigned, quality = _assign(labels, fields.names)
        if "unit_code" in assigned and any(name in fields.figures for name in assigned):
            match = (assigned, quality, {name: labels[index][-1] for name, index in assigned.items()})
    if len(fields.matches) >= _MATCHES_KEPT:
        fields.matches.clear()
    fields.matches[rows] = match
    return match


_NOT_MATCHED = object()  # rows not matched yet (None is an answer: no header)


def _may_name(labels: list[list[str]], fields: _Fields) -> bool:
    """Whether some label may name the unit code and some label a figure: `_assign` gives a
    field a column only for a label that is one of its names or holds one as whole words, so
    without both it finds no header. Two searches over all labels at once (a data row taken
    for a header, because a commune is called "Kim Mã", is new each time)."""
    padded = "\0".join(f" {label} " for *candidates, _ in labels for label in candidates)
    code, figures = _name_patterns(fields)
    return code.search(padded) is not None and figures.search(padded) is not None


def _name_patterns(fields: _Fields) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """One search for the unit code's names, one for every figure's: `_any_of` of each (made
    once per fields)."""
    return made_once(_PATTERNS, fields, _new_name_patterns, kept=64)


def _new_name_patterns(fields: _Fields) -> tuple[re.Pattern[str], re.Pattern[str]]:
    figure_names = tuple(dict.fromkeys(n for name, names in fields.names.items() if name in fields.figures for n in names if n))
    code_names = tuple(n for n in fields.names.get("unit_code", ()) if n)
    # An empty alternation never matches: (?!) when a side has no name at all.
    return tuple(_any_of(names) if names else re.compile("(?!)") for names in (code_names, figure_names))


_PATTERNS: dict[int, tuple[_Fields, tuple[re.Pattern[str], re.Pattern[str]]]] = {}


def _header_rows(sheet: RawSheet, catalog: Catalog) -> list[int]:
    """0-based rows near the top that look like a header naming the unit code column.

    A header row has several cells and short labels: a title line such as
    "Mã đơn vị: 332" or a sentence of instructions is not one.
    """
    names = _unit_code_names(catalog)
    known = _NAMED.setdefault(names, {}) if len(_NAMED) < 8 else {}
    # A text of digits only (a commune's code, a number typed as text) folds to digits, which
    # hold no name that has a letter: answered without folding it (each code is new to the run).
    digits_name_nothing = _all_lettered(names)
    found = []
    for index, row in enumerate(sheet.rows[:HEADER_SEARCH_ROWS]):
        # A row needs two non-blank cells: counted only when a text is new or names the code (a
        # data row's texts are known and name nothing, so its cells are never counted).
        enough = None
        for cell in filter(_IS_TEXT, row):  # the texts only, told in C (a data row's numbers skipped)
            named = known.get(cell)
            if named is None or named:
                if enough is None:
                    enough = len(row) - row.count(None) - row.count("") >= 2
                if not enough:
                    break  # not a header row (its new texts are neither asked nor kept)
                if named is None:
                    named = known[cell] = len(cell) < 80 and not (digits_name_nothing and cell.isdecimal()) and _names_any(cell, names)
                    if len(known) > _NAMED_KEPT:
                        known.clear()
            if named:
                found.append(index)
                break
    return found


def _unit_code_names(catalog: Catalog) -> tuple[str, ...]:
    """The unit-code column's folded names, worked out once per catalogue (a property that
    folds them again at each call)."""
    return made_once(_CODE_NAMES, catalog, lambda catalog: catalog.unit_columns[0].folded_names)


_CODE_NAMES: dict[int, tuple[Catalog, tuple[str, ...]]] = {}


_IS_TEXT = str.__instancecheck__  # isinstance(cell, str), as one call filter can make


# Per unit-code header names (one per catalogue): cell text -> whether it names one. The same
# headers, titles and commune names come back in every file of a form.
_NAMED: dict[tuple[str, ...], dict[str, bool]] = {}
_NAMED_KEPT = 65536


@lru_cache(maxsize=8)
def _all_lettered(names: tuple[str, ...]) -> bool:
    """Every (folded) name has a letter: a text of digits cannot name one."""
    return all(any(ch.isalpha() for ch in name) for name in names)


def _names_any(cell: str, names: tuple[str, ...]) -> bool:
    """Whether a header cell names one of `names` (folded, whole words, parentheses aside)."""
    label = f" {fold(_PARENTHESISED.sub(' ', cell))} "
    return _any_of(names).search(label) is not None


@lru_cache(maxsize=8)
def _any_of(names: tuple[str, ...]) -> re.Pattern[str]:
    """One search for `f" {name} " in label` over every name (asked for each text new to the run:
    every commune's name), instead of a string made and searched per name."""
    return re.compile(" (?:" + "|".join(map(re.escape, names)) + ") ")


def _header_labels(rows: tuple[tuple[object, ...], ...] | list[list[object]]) -> list[list[str]]:
    """For each column: the folded labels it may carry, then the header as written.

    In a two-row header the top row's merged cells are blank after their first column,
    so the top label is carried right until the next non-blank one; a column may be
    named by its bottom cell, its top cell, or both together.
    """
    width = max(len(r) for r in rows)
    labels: list[list[str]] = []
    carried = ""
    for col in range(width):
        texts = [clean(row[col]) if col < len(row) and row[col] is not None else "" for row in rows]
        if len(rows) > 1:
            carried = texts[0] or carried
            texts[0] = carried
        written = " ".join(t for t in texts if t)
        candidates = [written, *texts] if len(rows) > 1 else [written]
        folded = [fold(_PARENTHESISED.sub(" ", t)) or fold(t) for t in candidates if t]
        labels.append([*dict.fromkeys(f for f in folded if f), written])
    return labels


def _assign(labels: list[list[str]], fields: dict[str, tuple[str, ...]]) -> tuple[dict[str, int], int]:
    """Give each field the column whose label fits it best, each column at most once.

    An exact label beats a label that contains the name; a longer name beats a shorter
    one, so "Mã xã" goes to the code even though it contains "xã". Returns the
    assignment and its total score.
    """
    # Each name and each label padded once, not once per (label, name) pair: a two-row header
    # of a dozen columns tries ≈ 1,500 pairs (a third of the header search's time).
    padded_fields = [(name, [(folded, f" {folded} ", len(folded)) for folded in names]) for name, names in fields.items()]
    scored = []
    for index, (*candidates, _) in enumerate(labels):
        padded_labels = [(label, f" {label} ") for label in candidates]
        for name, names in padded_fields:
            best = 0
            for label, padded in padded_labels:
                for folded, padded_name, length in names:
                    if label == folded:
                        if 1000 + length > best:
                            best = 1000 + length
                    elif length > best and padded_name in padded:
                        best = length
            if best:
                scored.append((best, index, name))
    assigned: dict[str, int] = {}
    used: set[int] = set()
    quality = 0
    for score, index, name in sorted(scored, key=lambda s: (-s[0], s[1])):
        if name not in assigned and index not in used:
            assigned[name] = index
            used.add(index)
            quality += score
    return assigned, quality


def _split_rows(table: Table, sheet: RawSheet, catalog: Catalog) -> None:
    """Data rows, the totals row and nothing else: blank, numbering and footer rows are skipped.

    After a totals row that follows the data rows everything is footer (notes, the place-and-
    date line, signatures); a totals row above the communes stays a check. Without a totals
    row, a line whose code cell is empty and whose figure cells hold no number is footer, so
    "Đakrông, ngày 16 tháng 12 năm 2024" over the figure columns is never a data row.
    """
    figure_columns = [table.columns[c.name] for c in table.indicator.columns if c.name in table.columns]
    first_figure = min(figure_columns)  # the label columns are the ones before it
    code_at = table.columns.get("unit_code")
    is_totals_label = catalog.is_totals_label
    totals_known = _per_catalog(_TOTALS_KNOWN, catalog)
    digits_total_nothing = _totals_lettered(catalog)
    number_label, code_like = _NUMBER_LABEL, _CODE_LIKE
    start = table.header_rows[-1]  # 0-based index of the first row under the header
    rows = sheet.rows
    for index in range(start, len(rows)):
        cells = rows[index]
        width = len(cells)
        code = cells[code_at] if code_at is not None and code_at < width else None
        # A code cell known to be text that is no number label: the row is neither blank nor a
        # numbering row (which has only number labels), as the two tests below would say.
        if code.__class__ is not str or number_label.get(code) is not False:
            if _is_blank(cells) or _is_numbering(cells):
                continue
        for text in cells[:first_figure]:
            if isinstance(text, str):
                totals = totals_known.get(text)
                if totals is None:
                    if len(totals_known) > _TEXTS_KEPT:
                        totals_known.clear()
                    if digits_total_nothing and text.isascii() and text.isdigit():
                        totals = totals_known[text] = False  # folds to its digits: no label (each has a letter)
                    else:
                        totals = totals_known[text] = is_totals_label(text)
                if totals:
                    break
        else:
            text = None
        if text is not None:
            table.totals = (index + 1, cells)
            if table.rows:
                table.footer = [_line(row) for row in rows[index + 1 :] if not _is_blank(row)]
                return
            continue
        like = code_like.get(code) if code.__class__ is str else None
        if like is None:
            like = _looks_like_code(code)
        if like or any(_is_number(cells[i]) for i in figure_columns if i < width):
            table.rows.append((index + 1, cells))
        else:
            table.footer.append(_line(cells))


def _totals_lettered(catalog: Catalog) -> bool:
    """Every totals label (folded) has a letter: a text of digits is none. Once per catalogue."""
    return made_once(_TOTALS_LETTERED, catalog, lambda catalog: all(any(ch.isalpha() for ch in label) for label in catalog.totals_labels))


_TOTALS_LETTERED: dict[int, tuple[Catalog, bool]] = {}


def _per_catalog(caches: dict, catalog: Catalog) -> dict:
    """A cache of `caches` for one catalogue, empty at first."""
    return made_once(caches, catalog, lambda _: {})


# Per catalogue: cell text -> whether it is a totals label ("Tổng cộng"), as `is_totals_label` says.
_TOTALS_KNOWN: dict[int, tuple[Catalog, dict[str, bool]]] = {}


def _line(cells: list[object]) -> str:
    return " ".join(text for text in (clean(c) for c in cells if c is not None) if text)


def _looks_like_code(value: object) -> bool:
    """A code as typed ("12337", 12337, "12.337" by a careless formatter); a note's text is not one."""
    if value is None or isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    known = _CODE_LIKE.get(value) if value.__class__ is str else None
    if known is None:
        if value.__class__ is str and value.isascii() and value.isdigit():
            known = len(value) <= 12  # digits only: stripped, it is itself, and it has a digit
        else:
            text = str(value).strip()
            known = 0 < len(text) <= 12 and any(ch.isdigit() for ch in text)
        if value.__class__ is str:
            if len(_CODE_LIKE) > _TEXTS_KEPT:
                _CODE_LIKE.clear()
            _CODE_LIKE[value] = known
    return known


# Per cell text, what it is (the same codes, names and numbering labels come back in every file).
_CODE_LIKE: dict[str, bool] = {}
_NUMBER_LABEL: dict[str, bool] = {}
_TEXTS_KEPT = 65536


def _is_number(value: object) -> bool:
    """A figure cell holding a number ("-" is a reported zero), or an Excel error or a formula
    without result, which validation names."""
    if value is None or isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    if type(value) is not str:
        return True  # CellError, UncomputedFormula: a figure cell gone wrong
    try:
        return parse_number(value) is not None
    except NotANumber:
        return False  # text: a note, a name, a date; with a unit code beside it, validation names it


def _has_digit(value: object) -> bool:
    if value is None or isinstance(value, bool):
        return False
    return isinstance(value, (int, float)) or any(ch.isdigit() for ch in str(value))


def _is_empty(sheet: RawSheet) -> bool:
    return all(_is_blank(row) for row in sheet.rows)


def _is_blank(cells: list[object]) -> bool:
    for c in cells:  # a loop, not all(): most rows end at their first cell
        if c is not None and not (isinstance(c, str) and not c.strip()):
            return False
    return True


def _is_numbering(cells: list[object]) -> bool:
    """A numbering row "(1) (2) (3)" under the header: every non-blank cell a number label,
    at least two, one typed as text. Stops at the first cell that is not one (a data row's
    code or name), so a data row costs a cell or two."""
    count, typed = 0, False
    for cell in cells:
        if cell is None:
            continue
        if cell.__class__ is int:  # folded, a whole number is its digits without the sign
            if not -100 < cell < 100:
                return False
        elif cell.__class__ is str:
            typed = True
            label = _NUMBER_LABEL.get(cell)
            if label is None:
                if not cell.strip():
                    label = None
                elif cell.isascii() and cell.isdigit():
                    label = len(cell) <= 2  # ASCII digits fold to themselves: a label at one or two
                else:
                    label = bool(_NUMBERING.match(fold(cell).replace(" ", "")))
                _NUMBER_LABEL[cell] = label
                if len(_NUMBER_LABEL) > _TEXTS_KEPT:
                    _NUMBER_LABEL.clear()
            if label is None:
                continue  # blank text
            if not label:
                return False
        else:
            if isinstance(cell, str):
                typed = True
                if not cell.strip():
                    continue
            if not _NUMBERING.match(fold(cell).replace(" ", "")):
                return False
        count += 1
    return count >= 2 and typed
