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
            raise ConfigError(
                f"Kỳ báo cáo '{self.code}' không hợp lệ / invalid period.",
                "Dùng năm (2024), nửa năm (H1, H2), quý (Q1…Q4), 9 tháng (9M) hoặc tháng (M01…M12).",
            )

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
            raise ConfigError(f"Kỳ {period.code} không thuộc năm {year} / period not in year {year}.")
        return period

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

_YEAR = r"(20\d\d)"
_PHRASES = [
    (re.compile(r"6 thang dau nam " + _YEAR), lambda m: f"{m[1]}-H1"),
    (re.compile(r"6 thang cuoi nam " + _YEAR), lambda m: f"{m[1]}-H2"),
    (re.compile(r"9 thang (?:dau )?(?:nam )?" + _YEAR), lambda m: f"{m[1]}-9M"),
    (re.compile(r"quy (i{1,3}|iv|[1-4]) (?:nam )?" + _YEAR), lambda m: f"{m[2]}-Q{_quarter(m[1])}"),
    (re.compile(r"thang (\d{1,2}) (?:nam )?" + _YEAR), lambda m: f"{m[2]}-M{int(m[1]):02d}"),
    (re.compile(r"tinh den (?:ngay )?\d{1,2} \d{1,2} " + _YEAR), lambda m: m[1]),
    (re.compile(r"nam " + _YEAR), lambda m: m[1]),
    (re.compile(r"ky bao cao " + _YEAR), lambda m: m[1]),
]


def find_period(title_lines: list[str]) -> str | None:
    """The period a title block names: "2024", "2024-H1", "2024-Q3", "2024-9M" or "2024-M03"."""
    text = fold(" ".join(title_lines))
    for pattern, period in _PHRASES:
        match = pattern.search(text)
        if match and CODE.match(period(match)):
            return period(match)
    return None


def _quarter(token: str) -> int:
    return {"i": 1, "ii": 2, "iii": 3, "iv": 4}.get(token) or int(token)
