"""Issue 18: the reader's shortcuts decide as the slow paths they stand in for.

The national ingest is fast because the reader answers the common case without the full
check: a sheet's figures checked column by column before row by row, a sheet of known communes
waved through, header rows rejected by two regex searches before columns are assigned, cell
texts of digits never folded. Each shortcut is run here against its slow path on generated rows,
codes, names and headers: the same problems, the same rows, the same header, or the shortcut is
wrong. (The end-to-end tests and the national sets cover the files offices send; these cover
what they do not send yet.) `scripts/shortcut_mutants.py` breaks each shortcut on purpose and
checks that its test here fails.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vwu_pipeline.core.indicators import COMPARISONS, Indicator, Rule, load_catalog
from vwu_pipeline.core.per_object import made_once
from vwu_pipeline.core.problems import FileResult
from vwu_pipeline.core.text import fold
from vwu_pipeline.core.units import UnitTree, code_candidates
from vwu_pipeline.ingest import tables, validation
from vwu_pipeline.ingest.reading import RawSheet
from vwu_pipeline.ingest.tables import Table
from vwu_pipeline.ingest.validation import ROW_CODE_WIDTHS, Submission, _RowCodes

CATALOG = load_catalog(None)
TREE = UnitTree.for_year(2024)
UNIT = TREE.get("332")  # Huyện Tiên Lữ, 11 communes
NEIGHBOUR = TREE.get("467")  # Huyện Đa Krông, another province
SHORTCUT = settings(max_examples=300, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _submission() -> Submission:
    return Submission(path=Path("332.xlsx"), result=FileResult("332.xlsx"), unit=UNIT, year=2024)


def _table(indicator: Indicator, rows: list[tuple[int, list[object]]] | None = None) -> Table:
    """A sheet laid out as the form: code, name, then the indicator's figures."""
    names = ["unit_code", "unit_name", *indicator.column_names]
    columns = {name: index for index, name in enumerate(names)}
    headers = {name: f"header of {name}" for name in names}
    return Table(indicator, indicator.sheet_name, (5,), columns, headers, rows=list(rows or []))


def _said(problems: list) -> list[str]:
    """Problems compared by repr: a NaN value is equal to itself there."""
    return [repr(p) for p in problems]


# --- one home for values made once per object -------------------------------------------------


def test_a_value_made_once_is_never_handed_to_another_object_that_got_the_same_id():
    class Owner:
        pass

    first, second = Owner(), Owner()
    caches: dict = {}
    assert made_once(caches, first, lambda owner: ("made for", owner)) == ("made for", first)
    assert made_once(caches, first, lambda owner: "made again") == ("made for", first)
    # As if `first` were gone and `second` had been given its id: an entry made for another object.
    caches[id(second)] = (first, "the first object's value")
    assert made_once(caches, second, lambda owner: ("made for", owner)) == ("made for", second)


def test_values_made_once_start_again_past_what_is_kept():
    owners = [object() for _ in range(5)]
    caches: dict = {}
    for owner in owners:
        made_once(caches, owner, id, kept=3)
    assert len(caches) <= 3
    assert all(made_once(caches, owner, id, kept=3) == id(owner) for owner in owners)


# --- figures: column by column, then the rows that may fail -----------------------------------

# A sheet as offices fill it: whole numbers within the bounds, a few cells gone wrong.
WHOLE = st.integers(0, 10).map(float)
SPOILED = st.one_of(st.sampled_from([-1.0, 11.0, 12.0, 1e13, math.nan, math.inf, -math.inf, 2.5, -0.5]), st.floats(-3, 15))
BOUNDS = st.sampled_from([None, 0, 0.0, 1, 2.5]), st.sampled_from([None, 5, 10, 10.0, 1e6])


@st.composite
def indicators(draw) -> Indicator:
    """An indicator of the catalogue with other bounds and rules: between two figures, a figure
    and a number, or over a derived sum (which the column-wise check leaves to the rows)."""
    base = draw(st.sampled_from(CATALOG.indicators))
    low, high = BOUNDS
    columns = tuple(replace(c, min=draw(low), max=draw(high)) for c in base.columns)
    figures = [c.name for c in base.columns]
    derived = [d.name for d in base.derived]
    rules = []
    for number in range(draw(st.integers(0, 3))):
        left = draw(st.sampled_from(figures + derived))
        right = draw(st.one_of(st.sampled_from(figures + derived), st.sampled_from(["0", "5", "7.5"])))
        op = draw(st.sampled_from(sorted(COMPARISONS)))
        rules.append(Rule(f"rule-{number}", left, op, right, draw(st.sampled_from(["error", "warning"])), "vi", "en"))
    return replace(base, columns=columns, rules=tuple(rules))


@st.composite
def typed_sheets(draw) -> tuple[Indicator, list[tuple]]:
    indicator = draw(indicators())
    width = len(indicator.columns)
    count = draw(st.integers(0, 8))
    figures = [draw(st.lists(WHOLE, min_size=width, max_size=width)) for _ in range(count)]
    for _ in range(draw(st.integers(0, 3)) if count else 0):
        figures[draw(st.integers(0, count - 1))][draw(st.integers(0, width - 1))] = draw(SPOILED)
    rows = [("Sheet", 6 + i, "12337", None, *values) for i, values in enumerate(figures)]
    return indicator, rows


def _checked(indicator: Indicator, rows: list[tuple]) -> list[str]:
    sub = _submission()
    validation.check_figures(sub, _table(indicator), rows)
    return _said(sub.result.problems)


def _row_by_row(indicator: Indicator) -> tuple:
    """`_figure_checks` without the bounds as numbers nor the rules by position: every row, every
    figure, every rule checked one by one."""
    names, derived, bounds, rules, *_ = validation._new_figure_checks(indicator)
    return names, derived, bounds, rules, None, None, None


@SHORTCUT
@given(typed_sheets())
def test_figures_checked_column_by_column_say_what_every_row_checked_says(sheet):
    indicator, rows = sheet
    quick = _checked(indicator, rows)
    with mock.patch.object(validation, "_figure_checks", _row_by_row):
        slow = _checked(indicator, rows)
    assert quick == slow


# --- unit codes: a sheet of known communes said nothing about at once ---------------------------

COMMUNES = [u.code for u in TREE.children(UNIT.code)]
OTHERS = [u.code for u in TREE.children(NEIGHBOUR.code)[:3]]
# Mostly the district's own communes, as its files list them; now and then a code that is not one.
CODES = st.one_of(*[st.sampled_from(COMMUNES)] * 4, st.sampled_from([UNIT.code, UNIT.parent, NEIGHBOUR.code, *OTHERS, "99999"]))


def _official(code: str | None) -> str:
    unit = TREE.get(code) if code else None
    return unit.name if unit else "Xã Không Có"


# How a sheet types its communes' names: none, the official one, in capitals, without
# diacritics (still the name), cut short, or one that is no commune's.
NAMINGS = [lambda name: None, lambda name: name, str.upper, fold, lambda name: name.split(" ", 1)[-1], lambda name: "Xã Không Có"]


@st.composite
def unit_sheets(draw) -> list[list[tuple]]:
    """The sheets of one file: the same communes listed again (some left out), each sheet with
    its way of typing the names and now and then a name typed otherwise; a code missing, a
    duplicate, a commune of another district."""
    codes = draw(st.lists(st.one_of(CODES, CODES, CODES, st.just(None)), max_size=5))
    sheets = []
    for _ in range(draw(st.integers(1, 4))):
        naming = draw(st.sampled_from(NAMINGS))
        listed = [code for code in codes if draw(st.integers(0, 5))]
        names = [naming(_official(code)) if draw(st.integers(0, 4)) else draw(st.sampled_from(NAMINGS))(_official(code)) for code in listed]
        sheets.append([("Hội viên", 6 + i, code, name, 1.0) for i, (code, name) in enumerate(zip(listed, names))])
    return sheets


class _Direct(_RowCodes):
    """The tree asked each time, and no sheet waved through at once."""

    def all_fine(self, found, names):
        return False

    def under(self, code):
        return self.tree.is_under(code, self.unit)

    def name_matches(self, code, name):
        return self.tree.name_matches(code, name)


def _units_checked(sheets: list[list[tuple]], codes: _RowCodes) -> list[str]:
    sub = _submission()
    table = _table(CATALOG.indicators[0])
    for rows in sheets:  # the sheets of one file share its codes
        validation._check_units(sub, table, rows, TREE, codes)
    return _said(sub.result.problems)


@SHORTCUT
@given(unit_sheets())
def test_a_sheet_waved_through_at_once_is_one_where_every_row_passes_the_unit_checks(sheets):
    assert _units_checked(sheets, _RowCodes(TREE, UNIT.code)) == _units_checked(sheets, _Direct(TREE, UNIT.code))


@SHORTCUT
@given(unit_sheets())
def test_a_sheet_of_fine_codes_and_names_is_told_as_each_pair_alone_would_be(sheets):
    codes = _RowCodes(TREE, UNIT.code)
    for rows in sheets:  # asked again and again for one file: the answers it remembers too
        found = [code for _, _, code, _, _ in rows if code]
        names = [name for _, _, code, name, _ in rows if code]
        alone = all(TREE.is_under(c, UNIT.code) and (not n or TREE.name_matches(c, n)) for c, n in zip(found, names))
        assert codes.all_fine(found, names) == alone
        named = [(c, n) for c, n in zip(found, names) if n]
        assert [codes.name_matches(c, n) for c, n in named] == [TREE.name_matches(c, n) for c, n in named]


# Cells a code column holds: the unit's own code typed every way, communes' codes, other text.
RAW_CODES = st.one_of(
    st.sampled_from([UNIT.code, int(UNIT.code), float(UNIT.code), f" {UNIT.code} ", f"{UNIT.code}.0", "0332", "00332", "３３２"]),
    st.sampled_from(COMMUNES).flatmap(lambda code: st.sampled_from([code, int(code), float(code), code[1:]])),
    st.integers(0, 100_000),
    st.floats(allow_nan=True),
    st.text(alphabet="0123456789 .,3２٣x", max_size=7),
    st.sampled_from([None, True, "", "Cộng", [332], 332.5]),
)


@SHORTCUT
@given(st.lists(st.lists(RAW_CODES, max_size=8), min_size=1, max_size=4))
def test_a_code_column_said_to_hold_no_unit_code_holds_none_read_any_way(columns):
    codes = _RowCodes(TREE, UNIT.code)
    for raws in columns:  # the sheets of one file: each distinct value asked once
        anywhere = any(UNIT.code in code_candidates(raw, ROW_CODE_WIDTHS) for raw in raws)
        # A value that cannot be remembered (a list) leaves the column to the full search.
        assert codes.may_carry_unit(raws) == (anywhere or not all(_hashable(raw) for raw in raws))


def _hashable(value: object) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


@SHORTCUT
@given(st.lists(RAW_CODES, max_size=12))
def test_a_code_typed_as_digits_has_the_readings_of_any_code(raws):
    for raw in raws:
        assert validation._row_code_candidates(raw) == tuple(code_candidates(raw, ROW_CODE_WIDTHS))


@st.composite
def unit_sheets(draw) -> list[list[object]]:
    """Raw rows of a members sheet, sometimes with the district's own row on top adding up the
    communes under it (a subtotal), sometimes with its own activities."""
    communes = draw(st.lists(st.sampled_from(COMMUNES), max_size=4, unique=True))
    rows = [[code, TREE.get(code).name, *draw(st.lists(st.integers(0, 9), min_size=4, max_size=4))] for code in communes]
    if draw(st.booleans()):
        sums = [sum(row[2 + i] for row in rows) for i in range(4)]
        own = sums if draw(st.booleans()) else [s + draw(st.integers(0, 2)) for s in sums]
        rows.insert(draw(st.integers(0, len(rows))), [draw(st.sampled_from([UNIT.code, int(UNIT.code)])), UNIT.name, *own])
    if draw(st.booleans()):
        rows.insert(draw(st.integers(0, len(rows))), [draw(RAW_CODES), "Ghi chú", None, None, None, None])
    return rows


@SHORTCUT
@given(unit_sheets())
def test_a_sheet_skipped_for_a_subtotal_row_keeps_what_the_full_search_keeps(rows):
    outcomes = []
    for codes in (_RowCodes(TREE, UNIT.code), None):
        sub = _submission()
        table = _table(CATALOG.indicators[0], [(6 + i, list(cells)) for i, cells in enumerate(rows)])
        validation._drop_unit_subtotal(sub, table, codes)
        outcomes.append((_said(sub.result.problems), table.rows))
    assert outcomes[0] == outcomes[1]


# --- headers: candidates rejected before columns are assigned ------------------------------------


def _written(header: str) -> st.SearchStrategy[str]:
    """A header as offices type it: as on the form, in capitals, without diacritics, decomposed
    (NFD), with a word or a note around it."""
    import unicodedata

    return st.sampled_from(
        [
            header,
            header.upper(),
            fold(header),
            unicodedata.normalize("NFD", header),
            f"{header} (người)",
            f"({header})",
            f"Số {header}",
            f"{header}\n",
            f"1. {header}",
            header[: max(1, len(header) // 2)],
        ]
    )


def _header_texts(indicator: Indicator) -> st.SearchStrategy[object]:
    """A cell near the top of a sheet: mostly a header of the form typed some way; else a
    commune's name, a code, a number, a numbering label, a note, a long line, nothing."""
    names = [CATALOG.unit_columns[0].header, *CATALOG.unit_columns[0].aliases, CATALOG.unit_columns[1].header]
    for column in indicator.columns:
        names += [column.header, *column.aliases]
    others = [TREE.get(c).name for c in COMMUNES[:4]] + ["Kim Mã", "Mã số thuế", "Tổng cộng", "(1)", "STT", "Ghi chú", "x" * 90]
    written = st.sampled_from(names).flatmap(_written)
    return st.one_of(
        written,
        written,
        written,
        st.sampled_from(others),
        st.sampled_from(COMMUNES),
        st.text(alphabet=st.characters(categories=["Nd"]), min_size=1, max_size=5),  # digits of any script
        st.integers(0, 99_999),
        st.sampled_from([None, None, ""]),
    )


@st.composite
def header_rows(draw) -> tuple[Indicator, tuple[tuple[object, ...], ...]]:
    indicator = draw(st.sampled_from(CATALOG.indicators))
    width = draw(st.integers(1, 8))
    texts = _header_texts(indicator)
    rows = tuple(tuple(draw(st.lists(texts, min_size=width, max_size=width))) for _ in range(draw(st.integers(1, 2))))
    return indicator, rows


def _assigned(rows: tuple[tuple[object, ...], ...], fields: tables._Fields) -> tuple | None:
    """What `_match_header` says, worked out by `_assign` for every candidate."""
    labels = tables._header_labels(rows)
    assigned, quality = tables._assign(labels, fields.names)
    if "unit_code" in assigned and any(name in fields.figures for name in assigned):
        return assigned, quality, {name: labels[index][-1] for name, index in assigned.items()}
    return None


@SHORTCUT
@given(st.lists(header_rows(), min_size=1, max_size=3))
def test_header_rows_rejected_before_columns_are_assigned_are_ones_assign_finds_no_header_in(headers):
    for indicator, rows in headers:
        fields = tables._fields(CATALOG, indicator)
        # As `locate` asks: each row alone, then with the row under it; answers remembered.
        for candidate in (rows[:1], rows[1:], rows, rows[:1], rows):
            if not candidate:
                continue
            expected = _assigned(candidate, fields)
            if not tables._may_name(tables._header_labels(candidate), fields):
                assert expected is None
            assert tables._match_header(candidate, fields) == expected


def _names_a_unit_code(cell: object) -> bool:
    """Each unit-code name searched for in the folded cell, one by one."""
    label = f" {fold(tables._PARENTHESISED.sub(' ', cell))} "
    return any(f" {name} " in label for name in CATALOG.unit_columns[0].folded_names)


@SHORTCUT
@given(st.lists(st.lists(_header_texts(CATALOG.indicators[0]), max_size=6), max_size=45), st.integers(1, 3))
def test_the_rows_that_may_start_a_header_are_those_naming_the_unit_code_read_cell_by_cell(rows, repeats):
    rows = rows * repeats  # the same cells again: the answers remembered
    sheet = RawSheet("Hội viên", [list(row) for row in rows])
    expected = [
        index
        for index, row in enumerate(rows[: tables.HEADER_SEARCH_ROWS])
        if sum(cell is not None and cell != "" for cell in row) >= 2
        and any(isinstance(cell, str) and len(cell) < 80 and _names_a_unit_code(cell) for cell in row)
    ]
    assert tables._header_rows(sheet, CATALOG) == expected


# --- the rows under a header: data, totals, numbering and footer told apart ------------------------

TOTALS_LABELS = ["Tổng cộng", "TỔNG CỘNG", "Cộng", "Toàn huyện", "Tong so", "Total", " tổng  cộng "]
LABELS = ["(1)", "(2)", "1", "2", "12", "123", "(a)", "b", "iv", "(ii)", "١", "１"]
# Codes typed oddly, or none: code-like when 1 to 12 characters and one a digit.
ODD_CODES = ["12.337", " 12337 ", "١٢٣٣٧", "0", "-", "1234567890123", "123456789012", "Mã 12", "x" * 13]
CELLS = st.one_of(
    st.sampled_from(COMMUNES),  # codes typed as text
    st.sampled_from(COMMUNES).map(int),  # ... as numbers
    st.sampled_from(ODD_CODES),
    st.sampled_from(
        [TREE.get(c).name for c in COMMUNES[:3]] + ["Kim Mã", "Ghi chú: số liệu tạm tính", "Đakrông, ngày 16 tháng 12 năm 2024"]
    ),
    st.sampled_from(TOTALS_LABELS),
    st.sampled_from(LABELS),
    st.integers(-120, 120),
    st.sampled_from([1.5, 3.0, "1.234", "12 hộ", True, None, None, "", "  "]),
)


def _split_slowly(table: Table, sheet: RawSheet) -> None:
    """`_split_rows` as it read before its shortcuts (session 8): blank and numbering rows asked
    of every row, totals labels and codes read cell by cell, nothing remembered."""

    def numbering(cells: list[object]) -> bool:
        labels = [c for c in cells if c is not None and not (isinstance(c, str) and not c.strip())]
        typed = any(isinstance(c, str) for c in cells)
        return len(labels) >= 2 and typed and all(tables._NUMBERING.match(fold(c).replace(" ", "")) for c in labels)

    def code_like(value: object) -> bool:
        if value is None or isinstance(value, bool):
            return False
        if isinstance(value, (int, float)):
            return True
        text = str(value).strip()
        return 0 < len(text) <= 12 and any(ch.isdigit() for ch in text)

    figure_columns = [table.columns[c.name] for c in table.indicator.columns if c.name in table.columns]
    first_figure, code_at, rows = min(figure_columns), table.columns.get("unit_code"), sheet.rows
    for index in range(table.header_rows[-1], len(rows)):
        cells = rows[index]
        if tables._is_blank(cells) or numbering(cells):
            continue
        if any(isinstance(text, str) and CATALOG.is_totals_label(text) for text in cells[:first_figure]):
            table.totals = (index + 1, cells)
            if table.rows:
                table.footer = [tables._line(row) for row in rows[index + 1 :] if not tables._is_blank(row)]
                return
            continue
        code = cells[code_at] if code_at is not None and code_at < len(cells) else None
        if code_like(code) or any(tables._is_number(cells[i]) for i in figure_columns if i < len(cells)):
            table.rows.append((index + 1, cells))
        else:
            table.footer.append(tables._line(cells))


# A row of any cells; one of labels and small numbers (a numbering row, or nearly one); a code
# cell and texts where the figures go (data or footer as the code cell reads).
ROWS = st.one_of(
    st.lists(CELLS, max_size=6),
    st.lists(st.one_of(st.sampled_from(LABELS), st.integers(-120, 120), st.none()), min_size=2, max_size=5),
    st.lists(st.sampled_from([*ODD_CODES, *TOTALS_LABELS[:2], "Ghi chú", None, ""]), min_size=1, max_size=4),
)


@SHORTCUT
@given(st.lists(ROWS, max_size=12), st.integers(1, 2))
def test_the_rows_under_a_header_are_told_apart_as_cell_by_cell(rows, repeats):
    sheet = RawSheet("Hội viên", [["Mã xã", "Tên xã", "Tổng số hội viên"], *(list(row) for row in rows)] * repeats)
    split = []
    for way in (lambda table: tables._split_rows(table, sheet, CATALOG), lambda table: _split_slowly(table, sheet)):
        table = _table(CATALOG.indicators[0])
        table.header_rows = (1,)
        way(table)
        split.append((table.rows, table.totals, table.footer))
    assert split[0] == split[1]


@SHORTCUT
@given(st.lists(st.lists(RAW_CODES, max_size=8), min_size=1, max_size=3))
def test_the_codes_of_a_file_counted_at_once_are_its_rows_codes_in_their_order(columns):
    sheets = [_table(CATALOG.indicators[0], [(6 + i, [raw, "Xã", 1]) for i, raw in enumerate(raws)]) for raws in columns]
    sub = replace(_submission(), tables=sheets)
    each_row: dict[str, int] = {}
    for table in sheets:
        for _, cells in table.rows:
            code = next((c for c in code_candidates(cells[0], ROW_CODE_WIDTHS) if c in TREE), None)
            if code is not None:
                each_row[code] = each_row.get(code, 0) + 1
    counted: dict[str, int] = {}
    for code, count in validation._codes_in_tree(sub, TREE):
        counted[code] = counted.get(code, 0) + count
    assert list(counted.items()) == list(each_row.items())


# --- figures typed as text: read once per text ----------------------------------------------------

# What the messy offices type in a figure's cell, and text that is no number.
FIGURE_TEXTS = st.sampled_from(["-", "–", "1", "12", "007", "+7", "1.234", "1 234", "1,5", "1.234.567", "x", "...", "", " 3 "])
NOT_NUMBERS = st.sampled_from(["12 hộ", "abc", "1.2.3", "1,23,4", "- 5"])


@SHORTCUT
@given(st.lists(st.lists(st.one_of(FIGURE_TEXTS, NOT_NUMBERS, WHOLE, st.none()), max_size=9), max_size=8), st.integers(1, 3))
def test_figures_typed_as_text_are_read_as_each_cell_alone_would_be(rows, repeats):
    indicator = CATALOG.indicators[0]
    table = _table(indicator, [(6 + i, ["12337", "Xã", *cells]) for i, cells in enumerate(rows)])
    for _ in range(repeats):  # the texts read again: from what the first reading kept
        sub, unsummable = _submission(), set()
        typed = validation._typed_rows(sub, table, _RowCodes(TREE, UNIT.code), unsummable)
        # The slow path: every figure cell read by `_number`, which says why a text is no number.
        alone, expected = _submission(), []
        for excel_row, cells in table.rows:
            figures = [validation._number(alone, table, excel_row, c.name, table.cell(cells, c.name)) for c in indicator.columns]
            expected.append((table.sheet, excel_row, "12337", "Xã", *figures))
        assert repr(typed) == repr(expected)
        assert _said(sub.result.problems) == _said(alone.result.problems)
        no_number = {
            c.name
            for _, cells in table.rows
            for c in indicator.columns
            if table.cell(cells, c.name) in {"12 hộ", "abc", "1.2.3", "1,23,4", "- 5"}
        }
        assert unsummable == no_number
