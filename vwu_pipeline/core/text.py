"""Text helpers shared by every stage: folding Vietnamese text for matching, reading and writing numbers."""

from __future__ import annotations

import math
import re
import unicodedata
from functools import lru_cache

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_COMBINING_LATIN = re.compile("[\u0300-\u036f]+")


@lru_cache(maxsize=65536)
def fold(text: object) -> str:
    """Fold text for matching: NFD, no diacritics, đ→d, lower case, words joined by one space.

    "Tổng  số Hội viên" and "TONG SO HOI VIEN" (NFC or NFD) both fold to "tong so hoi vien".
    """
    if text is None:
        return ""
    decomposed = unicodedata.normalize("NFD", str(text))
    if decomposed.isascii():
        stripped = decomposed
    elif max(decomposed) < "\u0370":
        # Latin text (all of Vietnamese): below U+0370 only U+0300-U+036F are combining marks
        stripped = _COMBINING_LATIN.sub("", decomposed)
    else:
        stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    stripped = stripped.replace("đ", "d").replace("Đ", "D").lower()
    return _NON_ALNUM.sub(" ", stripped).strip()


def fold_compact(text: object) -> str:
    """`fold` without spaces: sheet names match whatever the spacing ("Hoi Vien" = "HoiVien")."""
    return fold(text).replace(" ", "")


def clean(text: object) -> str:
    """Cell text as a person reads it: NFC, single spaces, trimmed."""
    if text is None:
        return ""
    return " ".join(unicodedata.normalize("NFC", str(text)).split())


class NotANumber(ValueError):
    """A cell meant to hold a count holds text that is not a number ("12 hộ")."""


# "1.234", "1 234", "1,234", "1.234.567": groups of three digits after the first group.
_GROUPED = re.compile(r"^[+-]?\d{1,3}([.,  \u202f]\d{3})+$")
_PLAIN = re.compile(r"^[+-]?\d+$")
_DECIMAL = re.compile(r"^[+-]?\d+[.,]\d+$")
_MISSING = {"", "x", "…", "..."}
_ZERO = {"-", "–", "—"}  # "không phát sinh": a reported zero (DOMAIN.md, Submission rules)


def parse_number(value: object) -> float | None:
    """Read a figure as an office types it; None when blank, 0 for "-" (nothing happened).

    Vietnamese offices write thousands with "." or a space and decimals with ",";
    a group of exactly three digits after a separator is read as thousands.
    Raises NotANumber for text such as "12 hộ".
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise NotANumber(str(value))
    if isinstance(value, (int, float)):
        return None if value != value else float(value)  # NaN is an empty cell
    text = unicodedata.normalize("NFC", str(value)).strip()
    if text.lower() in _MISSING:
        return None
    if text in _ZERO:
        return 0.0
    if _PLAIN.match(text):
        return float(text)
    if _GROUPED.match(text):
        return float(re.sub(r"[.,  \u202f]", "", text))
    if _DECIMAL.match(text):
        return float(text.replace(",", "."))
    raise NotANumber(text)


def number(value: float | None, lang: str = "vi", decimals: int | None = None) -> str:
    """19668108 -> "19.668.108" (vi) or "19,668,108" (en); 12.5 -> "12,5" / "12.5"."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if decimals is None:
        decimals = 0 if float(value).is_integer() else 1
    text = f"{value:,.{decimals}f}"
    if lang != "en":  # swap the separators the Vietnamese way
        text = text.translate(str.maketrans({",": ".", ".": ","}))
    return text


# Control characters (C0, DEL, C1: ESC, CR, LF, BEL …) and the bidirectional overrides that
# reorder what a terminal shows: a file name or cell value holding them could fake a line
# ("Đã nhận …") or rewrite the screen. They are shown escaped, as Python writes them.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: object) -> str:
    """Text safe to print on a terminal or into a cron mail: control characters escaped."""
    value = str(text)
    if not _UNPRINTABLE.search(value):
        return value
    return _UNPRINTABLE.sub(_escaped, value)


def _escaped(match: re.Match) -> str:
    ch = match[0]
    return _NAMED.get(ch) or (f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")


def _degrade(error: UnicodeError) -> tuple[str, int]:
    """Codec error handler "vwu-degrade": a character the terminal's encoding lacks is written
    without its diacritics ("Đã nhận" → "Da nhan" on an ASCII terminal), else as "?"; printing
    never stops a command."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    out = []
    for ch in error.object[error.start : error.end]:
        base = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
        base = base.replace("đ", "d").replace("Đ", "D")
        try:
            base.encode(error.encoding)
            out.append(base or "?")
        except (UnicodeEncodeError, LookupError):
            out.append("?")
    return "".join(out), error.end


def register_degrade() -> str:
    import codecs

    codecs.register_error("vwu-degrade", _degrade)
    return "vwu-degrade"
