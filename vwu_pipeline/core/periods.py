"""Reporting periods: one grammar for codes, labels, months and the phrases of titles.

A period is the union's working year ("2024") or a part of it named by the calendar: halves
("2024-H1", "2024-H2"), quarters ("2024-Q3"), months ("2024-M03") and the first nine months
("2024-9M"). Ingest reads a period from a title, forms write its label, aggregation needs its
months: all three go through this module.
"""

from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from vwu_pipeline.core.errors import ConfigError
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

    def label(self, lang: str = "vi") -> str:
        """As a title names it: "năm 2024", "6 tháng đầu năm 2024", "quý III năm 2024", "tháng 3 năm 2024"."""
        kind, number = self.part[:1], self.part[1:]
        if lang == "en":
            prefix = {
                "": "",
                "H": "first half of " if number == "1" else "second half of ",
                "Q": f"Q{number} ",
                "M": f"month {number.lstrip('0')} of ",
                "9": "first nine months of ",
            }[kind]
            return f"{prefix}{self.year}"
        prefix = {
            "": "",
            "H": "6 tháng đầu " if number == "1" else "6 tháng cuối ",
            "Q": f"quý {_ROMAN.get(int(number or 0), '')} ",
            "M": f"tháng {number.lstrip('0')} ",
            "9": "9 tháng đầu ",
        }[kind]
        return f"{prefix}năm {self.year}"


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


# --- phrases of titles ---------------------------------------------------------------------

_YEAR = r"(20\d\d)"
_PHRASES = [
    (re.compile(r"6 thang dau nam " + _YEAR), lambda m: f"{m[1]}-H1"),
    (re.compile(r"6 thang cuoi nam " + _YEAR), lambda m: f"{m[1]}-H2"),
    (re.compile(r"quy (i{1,3}|iv|[1-4]) (?:nam )?" + _YEAR), lambda m: f"{m[2]}-Q{_quarter(m[1])}"),
    (re.compile(r"thang (\d{1,2}) (?:nam )?" + _YEAR), lambda m: f"{m[2]}-M{int(m[1]):02d}"),
    (re.compile(r"tinh den (?:ngay )?\d{1,2} \d{1,2} " + _YEAR), lambda m: m[1]),
    (re.compile(r"nam " + _YEAR), lambda m: m[1]),
    (re.compile(r"ky bao cao " + _YEAR), lambda m: m[1]),
]


def find_period(title_lines: list[str]) -> str | None:
    """The period a title block names: "2024", "2024-H1", "2024-Q3" or "2024-M03"."""
    text = fold(" ".join(title_lines))
    for pattern, period in _PHRASES:
        match = pattern.search(text)
        if match and CODE.match(period(match)):
            return period(match)
    return None


def _quarter(token: str) -> int:
    return {"i": 1, "ii": 2, "iii": 3, "iv": 4}.get(token) or int(token)
