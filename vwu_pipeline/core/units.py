"""The unit master: the official tree of provinces, districts and communes valid in a report year.

Reads `data/units.csv` (built by scripts/build_units.py) or a replacement in the same format
(`master` argument or the VWU_UNITS environment variable). Only the stdlib `csv` module is
used so that importing this module stays fast; all lookups go through dicts built once.

The CSV has one row per unit and tree:
    tree,valid_from,valid_to,code,name,level,parent_code
valid_to empty = still valid. Codes are text with their leading zeros ("01", "001", "00001").
"""

from __future__ import annotations

import csv
import io
import os
import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache, partial
from itertools import repeat
from operator import attrgetter, methodcaller
from pathlib import Path
from typing import NamedTuple

from vwu_pipeline.core.collector import paused_collector
from vwu_pipeline.core.errors import ConfigError
from vwu_pipeline.core.messages import said
from vwu_pipeline.core.periods import period_days
from vwu_pipeline.core.text import clean, fold

PACKAGED_MASTER = Path(__file__).resolve().parent / "data" / "units.csv"
ENV_VAR = "VWU_UNITS"
COLUMNS = ("tree", "valid_from", "valid_to", "code", "name", "level", "parent_code")
LEVELS = ("province", "district", "commune")
# Official GSO code widths: a master saved through Excel loses leading zeros ("1" for "01"),
# which would silently match nothing, so a wrong width is refused.
CODE_WIDTH = {"province": 2, "district": 3, "commune": 5}
CODE_WIDTHS = (2, 3, 5)  # province, district, commune
NATIONAL = "00"  # the code of the whole country in figures, aggregates and targets
# Allowed parent levels: communes hang under districts (legacy) or provinces (2025 tree).
PARENT_LEVELS = {"province": (), "district": ("province",), "commune": ("district", "province")}

# Administrative type words, folded, longest first so "thi xa" wins over "xa".
# Beyond the usual list: "dac khu" (2025 special zones) and the abbreviations Q., P., X., TT.
_TYPE_PREFIXES = sorted(
    (
        fold(p) + " "
        for p in (
            "Thành phố",
            "Thị trấn",
            "Thị xã",
            "Đặc khu",
            "Phường",
            "Huyện",
            "Quận",
            "Tỉnh",
            "Xã",
            "TP",
            "TX",
            "TT",
            "H",
            "Q",
            "P",
            "X",
        )
    ),
    key=len,
    reverse=True,
)


def _bad_master(key: str, path: Path, line: int | None = None, **params: object) -> ConfigError:
    """A mistake in the unit master: the message names the file (and line), the hint its format."""
    where = said("error.master.where-line", path=path, line=line) if line else said("error.master.where", path=path)
    return ConfigError(key, "error.master-hint", where=where, columns=",".join(COLUMNS), variable=ENV_VAR, **params)


# The prefixes in that order, as one pattern: the first that leaves something after it.
_TYPE_WORD = re.compile("(?:" + "|".join(map(re.escape, _TYPE_PREFIXES)) + ")(?=.)", re.DOTALL)


def _strip_type(folded: str) -> str:
    """Drop one leading administrative type word ("huyen tien lu" -> "tien lu")."""
    found = _TYPE_WORD.match(folded)
    return folded[found.end() :] if found else folded


@lru_cache(maxsize=65536)
def _name_keys(name: str) -> tuple[str, ...]:
    """Keys a typed name may match, most literal first: as typed, then without its type word.

    Spaces are removed so "Đakrông" matches "Đa Krông". The literal key comes first because
    many names start like a type word once folded ("Phương Mai", "Quan Hoa", "Tịnh Khê").
    """
    folded = fold(name)
    keys = [folded.replace(" ", ""), _strip_type(folded).replace(" ", "")]
    return tuple(k for i, k in enumerate(keys) if k and k not in keys[:i])


def _official_key(name: str) -> str:
    # Official names always carry their type word: index them by the bare name only.
    return _strip_type(fold(name)).replace(" ", "")


# `fold`'s steps and `_TYPE_WORD`, for many names joined by newlines (one name a line); compiled
# on first use (`re` keeps them), as building a tree is: importing this module stays cheap.
_BEYOND_LATIN = "[^\x00-\u036f]"  # `fold` takes its slow path for such a name
_LATIN_OTHER = "[\u0080-\u02ff]"  # decomposed: letters without a mark to drop ("ø", "’")
# A run of `fold`'s `[^0-9a-z]+` that is not already one space (within a line): each becomes one.
_NON_ALNUM_LINES = r" *[^0-9a-z \n][^0-9a-z\n]*| {2,}"
_EDGE_SPACES = r" ?\n ?"
_TYPE_WORD_LINES = "(?m)^(?:" + "|".join(map(re.escape, _TYPE_PREFIXES)) + ")(?=.)"


def _official_keys(names: list[str]) -> list[str]:
    """`_official_key` of each name, the whole list folded as one text: each step of `fold` and
    `_strip_type` works within a line, so a few passes in C over all names give each name's key
    (a tenth of a second of Python calls for the 14,149 names of the packaged master, before the
    readers fork). Names of one line each (the master's are single-spaced), else folded name by name."""
    joined = "\n".join(names)
    if not names or joined.count("\n") != len(names) - 1:
        return [_official_key(name) for name in names]
    decomposed = unicodedata.normalize("NFD", joined).replace("đ", "d").replace("Đ", "D")
    # A name beyond Latin ("H’Leo": `fold` drops every combining mark there) is folded alone.
    alone = {decomposed.count("\n", 0, found.start()) for found in re.compile(_BEYOND_LATIN).finditer(decomposed)}
    # `fold` keeps them, then `[^0-9a-z]` makes them spaces (no one lowers to ASCII once decomposed):
    # any non-alphanumeric stands for them; then the marks are the only non-ASCII left to drop.
    if re.compile(_LATIN_OTHER).search(decomposed):
        decomposed = re.compile(_LATIN_OTHER).sub("-", decomposed)
    folded = decomposed.encode("ascii", "ignore").decode("ascii").lower()
    folded = re.compile(_NON_ALNUM_LINES).sub(" ", folded)
    if folded.startswith(" ") or folded.endswith(" ") or " \n" in folded or "\n " in folded:
        folded = re.compile(_EDGE_SPACES).sub("\n", folded).strip(" ")
    keys = re.compile(_TYPE_WORD_LINES).sub("", folded).replace(" ", "").split("\n")
    if len(keys) != len(names):
        return [_official_key(name) for name in names]
    for line in alone:
        keys[line] = _official_key(names[line])
    return keys


@dataclass(frozen=True)
class Unit:
    code: str  # "01", "001", "00001"
    name: str  # official name
    level: str  # "province" | "district" | "commune"
    parent: str | None  # parent code, None for provinces
    province: str  # code of the province it belongs to (its own code for a province)


class _Row(NamedTuple):  # a tuple: the master has thousands of rows, read on every run
    line: int
    tree: str
    valid_from: date
    valid_to: date | None
    code: str
    name: str
    level: str
    parent: str | None


def code_candidates(raw: object, widths: Iterable[int] = CODE_WIDTHS) -> list[str]:
    """The unit codes a cell may mean. Text keeps its zeros ("033" is "033"); a number that lost
    its leading zeros in Excel (1, 1.0, "1") is zero-filled to each official width, in the order
    of `widths` (commune first for rows of communes, province first for targets)."""
    widths = tuple(widths)
    try:
        return list(_code_candidates(raw, widths))
    except TypeError:  # a value that cannot be a cache key
        return list(_code_candidates.__wrapped__(raw, widths))


def code_candidates_tuple(raw: object, widths: tuple[int, ...]) -> tuple[str, ...]:
    """`code_candidates` for hot loops: a tuple (not a fresh list), `widths` already a tuple."""
    try:
        return _code_candidates(raw, widths)
    except TypeError:  # a value that cannot be a cache key
        return _code_candidates.__wrapped__(raw, widths)


@lru_cache(maxsize=65536, typed=True)
def _code_candidates(raw: object, widths: tuple[int, ...]) -> tuple[str, ...]:
    """Cached: every row's code is read several times (tree, reporting unit, rows, subtotals)."""
    if raw is None:
        return ()
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    text = clean(raw).removesuffix(".0")
    if not text.isdigit():
        return (text,) if text else ()
    if isinstance(raw, str) and len(text) in CODE_WIDTHS:
        return (text,)  # typed as text: the zeros are the ones meant
    return tuple(text.zfill(width) for width in widths if width >= len(text))


def typed_code(text: str | None) -> str | None:
    """A unit code typed in a command (--unit): "1" for Hà Nội "01"; None when empty."""
    if text is None or not text.strip():
        return None
    code = text.strip()
    return code.zfill(2) if code.isdigit() and len(code) < 2 else code


class UnitTree:
    """One official tree (legacy three tiers or the 2025 two tiers) as valid on a date."""

    def __init__(self, tree: str, units: list[Unit], source: Path | None = None):
        self.tree = tree
        self.source = source
        self._units: dict[str, Unit] = {u.code: u for u in sorted(units, key=attrgetter("code"))}
        present = {u.level for u in units}
        self.levels: tuple[str, ...] = tuple(lv for lv in LEVELS if lv in present)
        self._children: dict[str | None, list[Unit]] = {}
        for unit in self._units.values():  # in code order, so every list is sorted by code
            self._children.setdefault(unit.parent, []).append(unit)
        # The name index is built on the first name lookup (ingest; `preload` builds it before
        # the readers fork): aggregate and report look units up by code only, and folding
        # 10,794 names was a tenth of a second of each.
        self._names: tuple[dict[str, list[Unit]], dict[str, str]] | None = None

    def __repr__(self) -> str:
        return f"UnitTree({self.tree!r}, {len(self)} units, source={str(self.source)!r})"

    @classmethod
    def for_year(cls, year: int, master: Path | None = None) -> UnitTree:
        """The tree valid for a report year: the one whose units are valid on 30 November.

        The reporting year closes on 30 November, so 2024 -> legacy tree, 2025 -> 2025 tree.
        """
        # Called for every row at national scale: the lookup itself is cached too.
        return _tree_for_year(year, master, os.environ.get(ENV_VAR, ""))

    @classmethod
    def _for_year(cls, year: int, master: Path | None) -> UnitTree:
        path = _master_path(master)
        as_of = date(year, 11, 30)
        periods = _periods(path)
        trees = sorted({tree for tree, start, end in periods if _covers(start, end, as_of)})
        if len(trees) != 1:
            found = said("error.master.no-tree") if not trees else said("error.master.trees", trees=", ".join(trees))
            raise _bad_master("error.master.year-trees", path, found=found, day=as_of.isoformat(), year=year)
        return _build(path, trees[0], _period_start(path, trees[0], as_of))

    @classmethod
    def for_date(cls, day: date, master: Path | None = None) -> UnitTree:
        """The tree valid on a day (the day after 30 June 2025 is the 2025 tree)."""
        trees = cls.during(day, day, master)
        if len(trees) != 1:
            path = _master_path(master)
            raise _bad_master("error.master.day-trees", path, count=len(trees), day=day.isoformat())
        return trees[0]

    @classmethod
    def during(cls, first: date, last: date, master: Path | None = None) -> list[UnitTree]:
        """The trees valid on some day from `first` to `last`, oldest first (both trees for a
        period of 2025 that straddles 1 July)."""
        return list(_trees_during(first, last, master, os.environ.get(ENV_VAR, "")))

    @classmethod
    def for_period(cls, period: str, master: Path | None = None) -> UnitTree:
        """The tree of a period: the one valid on its last day (2025-H1 -> legacy, 2025 -> 2025)."""
        return cls.for_date(period_days(period)[1], master)

    @classmethod
    def preload(cls, master: Path | None = None) -> None:
        """Parse the unit master and build each of its trees (as valid at the start of each
        period in which it does not change), into the caches the lookups use."""
        path = _master_path(master)
        with paused_collector():  # the master makes some 100,000 objects, none of them garbage
            for tree, start, _ in _periods(path):
                _build(path, tree, _period_start(path, tree, start))._name_index()

    @classmethod
    def candidates(cls, period: str, master: Path | None = None) -> list[UnitTree]:
        """The trees a submission for `period` may use, the period's own tree first: the trees
        valid during it, and the next one when a report is compiled in the month after it (a
        first-half 2025 review compiled by the new province in July)."""
        return list(_candidates(period, master, os.environ.get(ENV_VAR, "")))

    # --- lookups -------------------------------------------------------------------------

    def get(self, code: str) -> Unit | None:
        return self._units.get(code)

    def __contains__(self, code: object) -> bool:
        return code in self._units

    def __len__(self) -> int:
        return len(self._units)

    def _require(self, code: str) -> Unit:
        unit = self._units.get(code)
        if unit is None:
            raise KeyError(f"unit {code!r} is not in the {self.tree} tree")
        return unit

    def units(self, level: str | None = None) -> list[Unit]:
        """All units (of one level), sorted by code."""
        return [u for u in self._units.values() if level is None or u.level == level]

    def children(self, code: str | None) -> list[Unit]:
        """Units directly under `code`; None gives the provinces. Sorted by code."""
        if code is not None:
            self._require(code)
        return list(self._children.get(code, ()))

    def walk(self, code: str | None = None) -> Iterator[tuple[Unit, int]]:
        """Units below `code` (the whole country for None) depth first, each with its depth
        below it (1 for its children): a province, its districts, their communes, the next province."""
        stack = [(unit, 1) for unit in reversed(self._children.get(code, ()))]
        while stack:
            unit, depth = stack.pop()
            yield unit, depth
            stack.extend((child, depth + 1) for child in reversed(self._children.get(unit.code, ())))

    def descendants(self, code: str) -> list[Unit]:
        """All units below `code` (not itself), depth first."""
        self._require(code)
        return [unit for unit, _ in self.walk(code)]

    def resolve_code(self, raw: object, widths: Iterable[int] = CODE_WIDTHS) -> str | None:
        """The code of this tree a cell means (see `code_candidates`), or None."""
        return next((code for code in code_candidates(raw, widths) if code in self._units), None)

    def leaves(self, code: str | None = None) -> list[Unit]:
        """Lowest units under `code` (the whole country for None), depth first.

        A unit without children is its own leaf: the island districts of the legacy tree
        (Côn Đảo, Lý Sơn…) have no communes and report their own row.
        """
        roots = self.children(None) if code is None else [self._require(code)]
        out: list[Unit] = []
        for root in roots:
            if root.code not in self._children:
                out.append(root)
            else:
                out.extend(u for u in self.descendants(root.code) if u.code not in self._children)
        return out

    def path(self, code: str) -> list[Unit]:
        """[province, ..., unit]."""
        unit: Unit | None = self._require(code)
        chain: list[Unit] = []
        while unit is not None:
            chain.append(unit)
            unit = self._units.get(unit.parent) if unit.parent else None
        return chain[::-1]

    def is_under(self, code: str, ancestor: str) -> bool:
        """True when `code` is `ancestor` or below it (False for unknown codes)."""
        unit = self._units.get(code)
        while unit is not None:  # at most three steps up
            if unit.code == ancestor:
                return True
            unit = self._units.get(unit.parent) if unit.parent else None
        return False

    def reporting_level(self) -> str:
        """The level that normally sends a submission: district (legacy) or province (2025)."""
        return "district" if "district" in self.levels else "province"

    def report_levels(self) -> tuple[str, ...]:
        """Levels that send a submission: districts in the legacy tree; provinces in the 2025 tree,
        where communes may also report on their own (there is no district between them)."""
        level = self.reporting_level()
        return (level,) if "district" in self.levels else (level, "commune")

    def counted_level(self) -> str:
        """The level completeness is counted in: the reporting level where only it reports (a
        district's file answers for all its communes); the lowest level where units below it send
        their own files too (2025: a commune is covered by its province's file or its own)."""
        return self.report_levels()[-1]

    # --- names ---------------------------------------------------------------------------

    def _name_index(self) -> tuple[dict[str, list[Unit]], dict[str, str]]:
        """(folded official name -> units sorted by code, code -> its folded name)."""
        if self._names is None:
            by_name: dict[str, list[Unit]] = {}
            units = list(self._units.values())  # in code order, so every list is sorted by code
            keys = _official_keys([unit.name for unit in units])
            for unit, key in zip(units, keys):
                by_name.setdefault(key, []).append(unit)
            self._names = (by_name, dict(zip(self._units, keys)))
        return self._names

    def find_by_name(self, name: str, level: str | None = None) -> list[Unit]:
        """Units whose official name matches `name`, ignoring case, diacritics, spacing and
        the type word ("huyen tien lu", "Tiên Lữ", "H. Tiên Lữ" -> Huyện Tiên Lữ). Sorted by code;
        several units can share a name (filter with `level`, then check the province)."""
        by_name = self._name_index()[0]
        for key in _name_keys(name):
            found = [u for u in by_name.get(key, ()) if level is None or u.level == level]
            if found:  # stop at the most literal reading that matches
                return found
        return []

    def name_matches(self, code: str, name: str) -> bool:
        """True when the typed `name` is the official name of `code` under the same folding."""
        key = self._name_index()[1].get(code)
        return key is not None and key in _name_keys(name)


# --- loading -----------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _tree_for_year(year: int, master: Path | str | None, env: str) -> UnitTree:
    return UnitTree._for_year(year, master)


@lru_cache(maxsize=64)
def _candidates(period: str, master: Path | str | None, env: str) -> tuple[UnitTree, ...]:
    """Asked once per file: cached per period (and master)."""
    first, last = period_days(period)
    own = UnitTree.for_period(period, master)
    others = [t for t in UnitTree.during(first, last + timedelta(days=31), master) if t is not own]
    return (own, *others)


@lru_cache(maxsize=64)
def _trees_during(first: date, last: date, master: Path | str | None, env: str) -> tuple[UnitTree, ...]:
    path = _master_path(master)
    spans: dict[str, date] = {}
    for tree, start, end in _periods(path):
        if start <= last and (end is None or first <= end):
            day = max(start, first)
            spans[tree] = min(spans.get(tree, day), day)
    return tuple(_build(path, tree, _period_start(path, tree, day)) for tree, day in sorted(spans.items(), key=lambda kv: kv[1]))


def _master_path(master: Path | str | None) -> Path:
    if master is None:
        env = os.environ.get(ENV_VAR, "").strip()
        master = Path(env) if env else PACKAGED_MASTER
    # Resolved, so one file reached by two spellings is parsed once.
    return Path(master).expanduser().resolve()


def _covers(start: date, end: date | None, day: date) -> bool:
    return start <= day and (end is None or day <= end)


def _parse_date(text: str, column: str, path: Path, line: int) -> date:
    try:
        return _iso_date(text.strip())
    except ValueError:
        raise _bad_master("error.master.date", path, line, column=column, value=repr(text)) from None


@lru_cache(maxsize=256)
def _iso_date(text: str) -> date:
    """A master has a handful of distinct dates over thousands of rows."""
    return date.fromisoformat(text)


@lru_cache(maxsize=8)
def _read_master(path: Path) -> tuple[_Row, ...]:
    """Parse and check every row of a master file (cached per path)."""
    try:
        # utf-8-sig: a master saved by Excel starts with a BOM.
        with path.open(encoding="utf-8-sig", newline="") as f:
            text = f.read()
        lines = text.removesuffix("\n").split("\n")
        if '"' in text or "\r" in text or "\0" in text or max(map(len, lines)) >= csv.field_size_limit():
            reader = csv.reader(io.StringIO(text, newline=""))
            header = [h.strip() for h in next(reader, [])]
            numbered = [(reader.line_num, cells) for cells in reader if any(cells)]
        else:  # nothing quoted, one row a line: what the csv module reads, split in C
            header = [h.strip() for h in lines[0].split(",")]
            numbered = None
        if tuple(header[: len(COLUMNS)]) != COLUMNS:
            raise _bad_master("error.master.header", path, header=",".join(header) or "—")
        body = lines[1:]
        rows = None
        if numbered is None and "" not in body and set(map(methodcaller("count", ","), body)) == {len(COLUMNS) - 1}:
            # Every row the seven columns and nothing else: the cells column by column, in one split.
            cells = ",".join(body).split(",")
            rows = _parse_rows(range(2, len(body) + 2), [cells[i :: len(COLUMNS)] for i in range(len(COLUMNS))])
        if rows is None:
            if numbered is None:
                numbered = [(line, cells) for line, cells in enumerate(map(methodcaller("split", ","), body), 2) if any(cells)]
            rows = _parse_rows([line for line, _ in numbered], _columns(numbered)) if numbered else None
        if rows is None:  # something is wrong: found and told row by row, with its line
            rows = [_parse_row(cells, line, path) for line, cells in numbered]
    except FileNotFoundError:
        raise _bad_master("error.master.missing", path) from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise _bad_master("error.master.unreadable", path, reason=exc) from None
    if not rows:
        raise _bad_master("error.master.empty", path)
    return tuple(rows)


def _columns(numbered: list[tuple[int, list[str]]]) -> list[tuple[str, ...]] | None:
    """The master's first seven columns, each a tuple; None when a row has fewer."""
    if min(len(cells) for _, cells in numbered) < len(COLUMNS):
        return None
    return list(zip(*(cells for _, cells in numbered)))[: len(COLUMNS)]


# What `" ".join(name.split())` changes in a name already stripped (names joined by NUL).
_ODD_SPACE = r"[^\S ]|  "


def _parse_rows(lines: Iterable[int], columns: list[Sequence[str]] | None) -> list[_Row] | None:
    """Every row as `_parse_row` makes it, each check done column by column over the whole
    master (C loops instead of a Python call per row: the master is read before the readers
    fork, on every first ingest); None when any check fails, and `_parse_row` then finds and
    tells the first mistake exactly as before."""
    if columns is None:
        return None
    trees, valid_from, valid_to, codes, names, levels, parents = (list(map(str.strip, column)) for column in columns)
    if not (all(trees) and all(names) and set(levels) <= CODE_WIDTH.keys() and all(map(str.isdigit, codes))):
        return None
    if list(map(len, codes)) != list(map(CODE_WIDTH.__getitem__, levels)):
        return None
    try:
        days = {text: _iso_date(text) for text in {*valid_from, *valid_to} if text}
    except ValueError:
        return None
    if "" in valid_from or any(end and days[end] < days[start] for start, end in set(zip(valid_from, valid_to))):
        return None
    starts = list(map(days.__getitem__, valid_from))
    ends = [days[end] if end else None for end in valid_to]
    joined = "\0".join(names)
    if joined.count("\0") != len(names) - 1 or re.search(_ODD_SPACE, joined) or not unicodedata.is_normalized("NFC", joined):
        names = [" ".join(name.split()) for name in map(partial(unicodedata.normalize, "NFC"), names)]
    parents = [parent or None for parent in parents]
    # tuple.__new__ straight from map: no Python call per row
    return list(map(tuple.__new__, repeat(_Row), zip(lines, trees, starts, ends, codes, names, levels, parents)))


def _parse_row(cells: list[str], line: int, path: Path) -> _Row:
    if len(cells) < len(COLUMNS):
        raise _bad_master("error.master.columns", path, line, count=len(cells), expected=len(COLUMNS))
    tree, valid_from, valid_to, code, name, level, parent = map(str.strip, cells[:7])
    if not tree or not name:
        raise _bad_master("error.master.blank", path, line)
    if level not in CODE_WIDTH:
        raise _bad_master("error.master.level", path, line, level=repr(level), levels=", ".join(LEVELS))
    if not (code.isdigit() and len(code) == CODE_WIDTH[level]):
        raise _bad_master("error.master.code", path, line, level=level, code=repr(code), width=CODE_WIDTH[level])
    start = _parse_date(valid_from, "valid_from", path, line)
    end = _parse_date(valid_to, "valid_to", path, line) if valid_to else None
    if end is not None and end < start:
        raise _bad_master("error.master.dates", path, line, valid_to=valid_to, valid_from=valid_from)
    name = " ".join(unicodedata.normalize("NFC", name).split())
    return _Row(line, tree, start, end, code, name, level, parent or None)


@lru_cache(maxsize=8)
def _periods(path: Path) -> frozenset[tuple[str, date, date | None]]:
    """The distinct (tree, valid_from, valid_to) of a master: a handful, so picking a year's
    tree does not scan every row again."""
    shipped = _shipped(path)
    if shipped is not None:
        return shipped.periods
    return frozenset((r.tree, r.valid_from, r.valid_to) for r in _read_master(path))


# The trees of vwu's own master, built and checked when vwu is built (`make shipped`, and
# `make units` with the master): a first ingest then need not parse and check 14,149 rows before the
# readers start. Taken only for a master byte for byte the one they were built from (any other,
# or an edited one, is parsed and checked); tests/test_units.py holds that they are what parsing
# the master gives now.
SHIPPED_TREES = Path(__file__).resolve().parent / "data" / "units.trees"
SHIPPED_TREES_FORMAT = 1


class _Shipped(NamedTuple):
    periods: frozenset[tuple[str, date, date | None]]
    trees: dict[tuple[str, date], tuple[list[str], ...]]  # codes, names, levels, parents, provinces, name keys


def _shipped_key(master: bytes) -> str:
    """The master's bytes, the code that parses it and builds the trees, and the Unicode tables
    its names are folded with: after a change of any without `make shipped` the shipped trees
    are ignored (slower, never wrong)."""
    import hashlib
    import unicodedata

    key = hashlib.sha256(master)
    for name in ("units.py", "text.py"):
        key.update(b"\0" + (Path(__file__).parent / name).read_bytes())
    return f"{SHIPPED_TREES_FORMAT}:{unicodedata.unidata_version}:{key.hexdigest()}"


@lru_cache(maxsize=8)
def _shipped(path: Path) -> _Shipped | None:
    """The shipped trees when `path` holds exactly the master they were built from."""
    import marshal

    try:
        stored = marshal.loads(SHIPPED_TREES.read_bytes())
        if stored["key"] != _shipped_key(path.read_bytes()):
            return None
        day = _iso_date
        periods = frozenset((tree, day(start), day(end) if end else None) for tree, start, end in stored["periods"])
        trees = {(tree, day(as_of)): columns for tree, as_of, *columns in stored["trees"]}
        return _Shipped(periods, trees)
    except (OSError, EOFError, ValueError, TypeError, KeyError):
        return None  # none shipped, unreadable, another Python's, or no master there: it is parsed


def ship_trees(master: Path = PACKAGED_MASTER, out: Path = SHIPPED_TREES) -> None:
    """Parse and check `master`, build each tree `UnitTree.preload` builds, write them for `_shipped`."""
    import marshal

    path = Path(master).resolve()
    for cached in (_read_master, _periods, _boundaries, _build, _shipped):
        cached.cache_clear()
    periods = frozenset((r.tree, r.valid_from, r.valid_to) for r in _read_master(path))
    trees = []
    for tree, start in sorted({(tree, _period_start_of(periods, tree, start)) for tree, start, _ in periods}):
        built = _built(path, tree, start, periods)
        units = list(built._units.values())
        keys = built._name_index()[1]
        columns = [[getattr(u, f) for u in units] for f in ("code", "name", "level", "parent", "province")]
        trees.append((tree, start.isoformat(), *columns, [keys[u.code] for u in units]))
    data = {
        "key": _shipped_key(path.read_bytes()),
        "periods": sorted((t, a.isoformat(), b.isoformat() if b else "") for t, a, b in periods),
        "trees": trees,
    }
    out.write_bytes(marshal.dumps(data))
    for cached in (_read_master, _periods, _boundaries, _build, _shipped):
        cached.cache_clear()


def _period_start_of(periods: frozenset[tuple[str, date, date | None]], tree: str, day: date) -> date:
    """`_period_start` from the periods themselves (while shipping, before any cache)."""
    dates = sorted({d for t, a, b in periods if t == tree for d in (a, *((b + timedelta(days=1),) if b else ()))})
    return dates[bisect_right(dates, day) - 1]


@lru_cache(maxsize=32)
def _boundaries(path: Path, tree: str) -> list[date]:
    """The sorted dates on which the set of valid units of `tree` changes."""
    dates: set[date] = set()
    for t, start, end in _periods(path):
        if t == tree:
            dates.add(start)
            if end is not None:
                dates.add(end + timedelta(days=1))
    return sorted(dates)


def _period_start(path: Path, tree: str, day: date) -> date:
    """The start of the period containing `day` in which `tree` does not change.

    Used as cache key: every year of the legacy tree shares one parsed tree, while a
    replacement master may still open or close units inside a tree.
    """
    dates = _boundaries(path, tree)
    return dates[bisect_right(dates, day) - 1]


@lru_cache(maxsize=16)
def _build(path: Path, tree: str, as_of: date) -> UnitTree:
    """The units of `tree` valid on `as_of`, with parents checked (cached per path, tree, period)."""
    shipped = _shipped(path)
    columns = shipped.trees.get((tree, as_of)) if shipped is not None else None
    if columns is not None:
        codes, names, levels, parents, provinces, keys = columns
        built = UnitTree(tree, list(map(_unit, codes, names, levels, parents, provinces)), source=path)
        by_name: dict[str, list[Unit]] = {}
        for unit, key in zip(built._units.values(), keys):  # in code order, as shipped
            by_name.setdefault(key, []).append(unit)
        built._names = (by_name, dict(zip(codes, keys)))
        return built
    return _built(path, tree, as_of, _periods(path))


def _built(path: Path, tree: str, as_of: date, periods: frozenset[tuple[str, date, date | None]]) -> UnitTree:
    """`_build` from the master's rows, parsed and checked."""
    spans = {(t, start, end) for t, start, end in periods if t == tree and _covers(start, end, as_of)}
    rows = [r for r in _read_master(path) if r[1:4] in spans]
    by_code: dict[str, _Row] = dict(zip((row.code for row in rows), rows))
    if len(by_code) != len(rows):
        by_code = {}
        for row in rows:
            if row.code in by_code:
                raise _bad_master(
                    "error.master.twice",
                    path,
                    code=row.code,
                    tree=tree,
                    day=as_of.isoformat(),
                    first=by_code[row.code].line,
                    second=row.line,
                )
            by_code[row.code] = row
    province: dict[str, str] = {}  # each unit's province, parents before children (levels in order)
    for level in LEVELS:
        allowed = PARENT_LEVELS[level]
        for row in rows:
            if row.level != level:
                continue
            parent = by_code.get(row.parent) if row.parent else None
            ok = row.parent is None if not allowed else parent is not None and parent.level in allowed
            if not ok:
                raise _parent_mistake(path, tree, as_of, rows)
            province[row.code] = province[row.parent] if row.parent else row.code

    units = [_unit(r.code, r.name, r.level, r.parent, province[r.code]) for r in rows]
    return UnitTree(tree, units, source=path)


def _parent_mistake(path: Path, tree: str, as_of: date, rows: list[_Row]) -> ConfigError:
    """The first row (in the master's order) whose parent is missing or of a wrong level."""
    by_code = {row.code: row for row in rows}
    for row in rows:
        parent = by_code.get(row.parent) if row.parent else None
        allowed = PARENT_LEVELS[row.level]
        ok = row.parent is None if not allowed else parent is not None and parent.level in allowed
        if not ok:
            expected = (
                said("error.master.parent-level", levels="/".join(allowed), tree=tree, day=as_of.isoformat())
                if allowed
                else said("error.master.parent-none")
            )
            return _bad_master(
                "error.master.parent", path, row.line, level=row.level, code=row.code, parent=row.parent or "—", expected=expected
            )
    raise AssertionError("no parent mistake found")  # pragma: no cover (called only on one)


def _unit(code: str, name: str, level: str, parent: str | None, province: str) -> Unit:
    """`Unit(code, name, level, parent, province)`, its fields set in one step: a frozen
    dataclass's __init__ sets each field through object.__setattr__, and the master makes
    14,149 of them before the readers fork. The same object (equal, same hash)."""
    unit = object.__new__(Unit)
    unit.__dict__.update(code=code, name=name, level=level, parent=parent, province=province)
    return unit
