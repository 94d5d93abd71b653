"""How a form's sheets are laid out: the official layout, and the ways real offices vary it.

The template writes `OFFICIAL`; demo data (`vwu demo-data --messy`) and the sample-data
script pass other shapes to the same writer, so ingest is tried on what offices really send.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Shape:
    """How a sheet is laid out. The default is the official form; demo data varies it (--messy)."""

    two_row_header: bool = False  # a merged group label above the figure headers
    numbering: bool = True  # the "(1) (2) (3)" row under the header
    headers: str = "official"  # "official" | "plain" (upper case, no diacritics) | "nfd" (decomposed)
    totals_label: str | None = "Tổng cộng"  # None: no totals row


OFFICIAL = Shape()


def plain(text: str) -> str:
    """As typed on a keyboard without Vietnamese input: no diacritics, upper case."""
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("đ", "d").replace("Đ", "D").upper()


def styled(text: str, shape: Shape) -> str:
    """A header or sheet name as the shape types it."""
    if shape.headers == "plain":
        return plain(text)
    if shape.headers == "nfd":
        return unicodedata.normalize("NFD", text)
    return text
