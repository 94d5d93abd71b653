"""Reporting periods: one grammar for codes, labels, months and the phrases of titles.

A period is the union's working year ("2024") or a part of it named by the calendar: halves
("2024-H1", "2024-H2"), quarters ("2024-Q3"), months ("2024-M03") and the first nine months
("2024-9M"). Ingest reads a period from a title, forms write its label, aggregation needs its
months: all three go through this module.
"""

from __future__ import annotations

import re
from calendar import monthrange
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from vwu_pipeline.core.errors import ConfigError
from vwu_pipeline.core.messages import text
from vwu_pipeline.core.text import fold

CODE = re.compile(r"^(20\d\d)(?:-(H[12]|Q[1-4]|M(?:0[1-9]|1[0-2])|9M))?$")
_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
_PART_MONTHS = {"H": 6, "Q": 3, "M": 1}


@dataclass(frozen=True, order=True)
class Period:
    """A reporting period by its code: 2024, 2024-H1, 2024-Q3, 2024-M03, 2024-9M."""

    code: str

    def __post_init__(self) -> None:
        if not CODE.match(self.code):
            raise ConfigError("error.period-invalid", code=self.code)

    @classmethod
    def parse(cls, year: int, text: str | None = None) -> Period:
        """`--year 2024 --period H1` -> 2024-H1; a full code ("2024-Q3") must name the same year."""
        text = (text or "").strip().upper()
        if not text or text == str(year):
            return cls(str(year))
        if re.fullmatch(r"M[1-9]", text):
            text = f"M0{text[1]}"
        period = cls(text if text[:4].isdigit() else f"{year}-{text}")
        if period.year != year:
            raise _not_in_year(period, year)
        return period

    @classmethod
    def from_option(cls, text: str, year: int | None = None) -> Period:
        """--period: a full code ("2024-H1", "2024"), or a part ("H1", "Q3", "9M", "M3") with --year."""
        text = text.strip().upper()
        if text[:4].isdigit():
            period = cls(text)
            if year and period.year != year:
                raise _not_in_year(period, year)
            return period
        if year is None:
            # Never guessed: in January "Q4" is last year's, in July "H1" this year's.
            cls.parse(reporting_year(), text)  # an unknown part is told as such first
            raise ConfigError("error.period-needs-year", year=reporting_year(), part=text)
        return cls.parse(year, text)

    @property
    def year(self) -> int:
        return int(self.code[:4])

    @property
    def part(self) -> str:
        """ "" for the year, else "H1", "Q3", "M03", "9M"."""
        return self.code[5:]

    @property
    def kind(self) -> str:
        """year | half | quarter | month | nine_months."""
        return {"": "year", "H": "half", "Q": "quarter", "M": "month", "9": "nine_months"}[self.part[:1]]

    @property
    def months(self) -> tuple[int, int]:
        return period_months(self.code)

    @property
    def fraction(self) -> float:
        """Share of a year the period covers: flows of a month are about a twelfth of a year's."""
        start, end = self.months
        return (end - start + 1) / 12

    @property
    def is_year(self) -> bool:
        return not self.part

    def contains(self, code: str) -> bool:
        """True when the period `code` lies inside this one: 2024-Q1 and 2024-M03 are inside
        2024-H1; 2024 (the year) and 2024-Q3 are not; every period of 2024 is inside 2024."""
        if not code.startswith(str(self.year)):
            return False
        start, end = period_months(code)
        first, last = self.months
        return first <= start and end <= last

    def previous(self) -> Period:
        """The same part of the year before: 2024-H1 -> 2023-H1."""
        return Period(f"{self.year - 1}{self.code[4:]}")

    @property
    def stem(self) -> str:
        """The part of output file names: "2024", "2024-H1"."""
        return self.code

    def label(self, lang: str = "vi") -> str:
        """As a title names it: "năm 2024", "6 tháng đầu năm 2024", "quý III năm 2024",
        "tháng 3 năm 2024", "9 tháng đầu năm 2024" (words in the message catalogue)."""
        kind = self.part[:1]
        number = int(self.part[1:]) if kind in ("H", "Q", "M") else 0
        key = {"": "period.year", "H": f"period.H{number}", "Q": "period.quarter", "M": "period.month", "9": "period.nine-months"}[kind]
        return text(key, lang, year=self.year, n=number, roman=_ROMAN.get(number, ""))

    @property
    def cumulative(self) -> bool:
        """True when the period runs from the start of the year (H1, Q1, M01, 9M, the year):
        its flows are the year's so far."""
        return self.months[0] == 1

    def report_heading(self, lang: str = "vi") -> str:
        """The title of the period's consolidated report, as the union names its cycles:
        "Báo cáo tổng hợp kết quả công tác Hội năm 2024", "Báo cáo sơ kết 6 tháng đầu năm 2024",
        "Báo cáo quý III năm 2024", "Báo cáo tháng 3 năm 2024"."""
        key = {"": "period.heading.year", "H1": "period.heading.H1", "H2": "period.heading.H2"}.get(self.part, "period.heading.part")
        return text(key, lang, period=self.label(lang))

    def elapsed(self, lang: str = "vi") -> str:
        """How far into the year the period reaches: "sau 6 tháng", "after 9 months"."""
        months = self.months[1]
        return text("period.elapsed.year" if months == 12 else "period.elapsed", lang, months=months)


def reporting_year(today: date | None = None) -> int:
    """The working year a day falls in: it closes on 30 November, so December is next year's."""
    today = today or date.today()
    return today.year + 1 if today.month == 12 else today.year


def _not_in_year(period: Period, year: int) -> ConfigError:
    return ConfigError("error.period-not-in-year", period=period.code, year=year, part=period.part or period.code)


def unusual_year(year: int, latest: int | None, today: date) -> bool:
    """A report year that is likely a typo ("năm 2000" typed for 2024): more than one year
    before the latest year already in the store, or after the current working year. With an
    empty store (`latest` None) only the current working year is a reference."""
    return year > reporting_year(today) or (latest is not None and year < latest - 1)


@lru_cache(maxsize=4096)
def period_months(code: str) -> tuple[int, int]:
    """First and last month a period covers: "2024" -> (1, 12), "2024-Q3" -> (7, 9), "2024-9M" -> (1, 9)."""
    match = CODE.match(code)
    if not match:
        raise ValueError(f"not a period: {code!r}")
    part = match[2]
    if not part:
        return 1, 12
    if part == "9M":
        return 1, 9
    size = _PART_MONTHS[part[0]]
    number = int(part[1:])
    return (number - 1) * size + 1, number * size


@lru_cache(maxsize=4096)
def period_days(code: str) -> tuple[date, date]:
    """First and last day a period covers. The year closes on 30 November ("tính đến 30/11"):
    "2025" -> (2025-01-01, 2025-11-30); "2025-H1" -> (2025-01-01, 2025-06-30)."""
    year = int(code[:4])
    start, end = period_months(code)
    last = date(year, 11, 30) if len(code) == 4 else date(year, end, monthrange(year, end)[1])
    return date(year, start, 1), last


@lru_cache(maxsize=1024)
def flow_periods(periods: tuple[str, ...]) -> frozenset[str]:
    """The periods whose flows are added: longest first, skipping any that overlaps one taken."""
    taken: list[str] = []
    months: set[int] = set()
    for period in sorted(periods, key=lambda p: (period_months(p)[0] - period_months(p)[1], period_months(p)[0])):
        start, end = period_months(period)
        span = set(range(start, end + 1))
        if not span & months:
            taken.append(period)
            months |= span
    return frozenset(taken)


def covering(submitted: Iterable[tuple[str, str, str]], period: Period, reporter_of: Callable[[str], str]) -> list[tuple[str, str]]:
    """(indicator, unit) of the current submissions that count as submitted for `period`.

    `submitted` holds (indicator, unit, period code) of a year's current submissions. For the
    year any of its submissions counts; for a part of it, a reporting unit (`reporter_of` a
    unit) has submitted an indicator when its files inside the period, its own or those of
    units below it, cover every month of the period: Q1 + Q2 cover H1, Q1 alone does not."""
    inside = [(i, u, p) for i, u, p in submitted if period.contains(p)]
    if period.is_year:
        return sorted({(i, u) for i, u, _ in inside})
    months: dict[tuple[str, str], set[int]] = {}
    for indicator, unit, code in inside:
        start, end = period_months(code)
        months.setdefault((indicator, reporter_of(unit)), set()).update(range(start, end + 1))
    first, last = period.months
    needed = set(range(first, last + 1))
    return sorted({(i, u) for i, u, _ in inside if needed <= months[(i, reporter_of(u))]})


# --- phrases of titles ---------------------------------------------------------------------
#
# Matched on folded text ("Sơ kết 6 tháng đầu năm 2024" -> "so ket 6 thang dau nam 2024"), after
# every place-and-date phrase is removed (a signing date is never a period). A *strong* phrase
# names a kind of period ("6 tháng đầu năm", "quý III", "9 tháng", "tháng 3/2024", "tổng kết
# năm", a "từ … đến …" range); a *weak* one only a year ("năm 2024", "Kỳ báo cáo: 2024") or an
# as-of date ("tính đến 30/6/2024"), used only when no strong phrase names a period. Strong
# phrases that disagree, or years that disagree, make the title ambiguous.

_Y = r"(?: (?:nam )?(20\d\d))?"  # an optional year after a phrase: "quý III năm 2024", "quý 3/2024"
_MONTH_YEAR = r"(?:(?:ngay )?\d{1,2} (?:thang )?|thang )?(\d{1,2}) (20\d\d)"
_RANGE = re.compile(r"\btu " + _MONTH_YEAR + r" (?:den|toi) " + _MONTH_YEAR + r"\b")
# Each strong pattern with texts one of which every match holds: a title without any of them is
# not searched with it (most titles name "năm 2024" only: most patterns cannot match).
_STRONG: list[tuple[re.Pattern[str], object, tuple[str, ...]]] = [
    (re.compile(r"\b(?:6 thang|nua nam|nua) dau(?: nam)?" + _Y + r"\b"), lambda m: ("H1", m[1]), ("dau",)),
    (re.compile(r"\b(?:6 thang|nua nam|nua) cuoi(?: nam)?" + _Y + r"\b"), lambda m: ("H2", m[1]), ("cuoi",)),
    (re.compile(r"\bso ket(?: cong tac)?(?: hoi)? 6 thang(?: nam)?" + _Y + r"\b"), lambda m: ("H1", m[1]), ("so ket",)),
    (re.compile(r"\b6 thang(?: nam)? (20\d\d)\b"), lambda m: ("H1", m[1]), ("6 thang",)),
    (re.compile(r"\bso ket 6 thang\b"), lambda m: ("H1", None), ("so ket",)),
    (re.compile(r"\b9 thang(?: dau)?(?: nam)?" + _Y + r"\b"), lambda m: ("9M", m[1]), ("9 thang",)),
    (re.compile(r"\bquy (iv|i{1,3}|[1-4])\b" + _Y), lambda m: (f"Q{_quarter(m[1])}", m[2]), ("quy ",)),
    (re.compile(r"\bthang (\d{1,2})(?: nam)? (20\d\d)\b"), lambda m: (f"M{int(m[1]):02d}", m[2]), ("thang ",)),
    (re.compile(r"\b(?:tong ket(?: cong tac)?(?: hoi)?|ca) nam" + _Y + r"\b"), lambda m: ("", m[1]), ("tong ket", "ca nam")),
]
_RANGE_NEEDS = ("tu ",)
_AS_OF_NEEDS = ("den", "toi")
_AS_OF = re.compile(r"\b(?:tinh den|tinh toi|den) (?:het )?(?:ngay )?(\d{1,2}) (?:thang )?(\d{1,2})(?: nam)? (20\d\d)\b")
_WEAK_YEAR = re.compile(r"\b(?:nam|ky bao cao(?: nam)?|ky) (20\d\d)\b")
_QUARTERS = {(1, 3): "Q1", (4, 6): "Q2", (7, 9): "Q3", (10, 12): "Q4", (1, 6): "H1", (7, 12): "H2", (1, 9): "9M", (1, 12): ""}


@dataclass(frozen=True)
class TitlePeriod:
    """What a title block says about its period: the period (None when it names none or is
    ambiguous), every phrase found with the period it names, and whether they disagree."""

    code: str | None
    phrases: tuple[tuple[str, str], ...] = ()  # (the line as written, the period it names)
    ambiguous: bool = False

    def names(self, code: str) -> bool:
        """Whether `code` is one of the periods the title's phrases name (for --period)."""
        return any(named == code for _, named in self.phrases)

    def quoted(self, lang: str = "vi") -> str:
        return "; ".join(f"“{line}” ({Period(code).label(lang) if CODE.match(code) else code})" for line, code in self.phrases)


def read_title_period(title_lines: list[str]) -> TitlePeriod:
    """The period a title block names, with the phrases that name it (see the grammar above)."""
    folded, starts = [], []
    position = 0
    for line in title_lines:
        text = without_place_dates(fold(line))
        folded.append(text)
        starts.append(position)
        position += len(text) + 1
    text = " ".join(folded)

    def line_at(offset: int) -> str:
        index = max(i for i, start in enumerate(starts) if start <= offset) if starts else 0
        return " ".join(str(title_lines[index]).split())

    strong: list[tuple[int, str, str | None]] = []  # (offset, part, year)
    taken = [False] * len(text)

    def free(match: re.Match[str]) -> bool:
        return not any(taken[match.start() : match.end()])

    def take(match: re.Match[str]) -> None:
        taken[match.start() : match.end()] = [True] * (match.end() - match.start())

    for match in _RANGE.finditer(text) if _holds_any(text, _RANGE_NEEDS) else ():
        period = _range_period(int(match[1]), int(match[2]), int(match[3]), int(match[4]))
        take(match)
        if period:
            strong.append((match.start(), period[5:], period[:4]))
    for pattern, read, needs in _STRONG:
        if not _holds_any(text, needs):
            continue  # no match can be there
        for match in pattern.finditer(text):
            if free(match):
                part, year = read(match)  # type: ignore[operator]
                strong.append((match.start(), part, year))
                take(match)
    weak_years = [(m.start(), m[1]) for m in _WEAK_YEAR.finditer(text) if free(m)]
    as_of = [m for m in _AS_OF.finditer(text) if free(m)] if _holds_any(text, _AS_OF_NEEDS) else []
    years = {year for _, _, year in strong if year} | {year for _, year in weak_years} | {m[3] for m in as_of}
    if len(years) > 1:
        phrases = [(line_at(o), f"{y}-{p}" if p else y) for o, p, y in strong if y]
        phrases += [(line_at(o), y) for o, y in weak_years] + [(line_at(m.start()), m[3]) for m in as_of]
        return TitlePeriod(None, tuple(dict.fromkeys(phrases)), ambiguous=True)
    year = next(iter(years), None)
    if strong:
        if year is None:
            return TitlePeriod(None, ())  # "sơ kết 6 tháng" alone: the year must come from --year
        named = [(line_at(o), f"{year}-{p}" if p else year) for o, p, _ in strong]
        codes = {code for _, code in named}
        if len(codes) > 1:
            return TitlePeriod(None, tuple(dict.fromkeys(named)), ambiguous=True)
        return TitlePeriod(next(iter(codes)), tuple(dict.fromkeys(named)))
    if as_of:
        match = as_of[0]
        code = _as_of_period(int(match[1]), int(match[2]), match[3])
        return TitlePeriod(code, ((line_at(match.start()), code),))
    if year:
        return TitlePeriod(year, ((line_at(weak_years[0][0]), year),))
    return TitlePeriod(None)


def _holds_any(text: str, needs: tuple[str, ...]) -> bool:
    for need in needs:  # a loop, not any(): one or two texts, once per pattern and title
        if need in text:
            return True
    return False


def find_period(title_lines: list[str]) -> str | None:
    """The period a title block names ("2024", "2024-H1", "2024-Q3", "2024-9M", "2024-M03"),
    None when it names none or names several."""
    return read_title_period(title_lines).code


def _range_period(month1: int, year1: int, month2: int, year2: int) -> str | None:
    """ "từ tháng 12/2023 đến tháng 11/2024" is the working year 2024; calendar ranges name
    their half, quarter, nine months or month."""
    if (year1, month1) == (year2 - 1, 12) and month2 == 11:
        return str(year2)
    if year1 != year2 or not 1 <= month1 <= month2 <= 12:
        return None
    if month1 == month2:
        return f"{year1}-M{month1:02d}"
    part = _QUARTERS.get((month1, month2))
    if part is None:
        return None
    return f"{year1}-{part}" if part else str(year1)


def _as_of_period(day: int, month: int, year: str) -> str:
    """ "Tính đến 30/6/2024" closes the first half; "30/9" the nine months; "31/3" the first
    quarter; "30/11" (the working year's end) and other dates the year."""
    return {6: f"{year}-H1", 9: f"{year}-9M", 3: f"{year}-Q1"}.get(month, year) if day >= 28 else year


def _quarter(token: str) -> int:
    return {"i": 1, "ii": 2, "iii": 3, "iv": 4}.get(token) or int(token)


# --- the place-and-date line -------------------------------------------------------------

# "Đakrông, ngày 16 tháng 12 năm 2024" (also "ngày 16/12/2024"), folded. It dates the
# document (the version key of DOMAIN.md's Submission rules) and is never a period.
_PLACE_DATE = re.compile(r"\bngay (\d{1,2}) (?:thang )?(\d{1,2}) (?:nam )?(20\d\d)\b")


_AS_OF_WORDS = re.compile(r"\b(?:tinh den|tinh toi|den het|den|toi|tu)\s*$")


def find_place_date(lines: list[str]) -> date | None:
    """The date a document was signed, from its place-and-date line; None when it has none."""
    for line in lines:
        folded = fold(line)
        if "ngay " not in folded:
            continue  # every match starts with "ngay "
        for match in _PLACE_DATE.finditer(folded):
            if _AS_OF_WORDS.search(folded[: match.start()]):
                continue  # "Số liệu tính đến ngày 30 tháng 11 năm 2024": the figures' as-of date, the same on every version
            try:
                return date(int(match[3]), int(match[2]), int(match[1]))
            except ValueError:
                continue  # "ngày 31 tháng 2": not a date
    return None


def without_place_dates(text: str) -> str:
    """Folded text with every "ngày D tháng M năm Y" removed: a signing date names no period."""
    if "ngay " not in text:
        return text  # every match starts with "ngay ": nothing to remove
    return _PLACE_DATE.sub(" ", text)
