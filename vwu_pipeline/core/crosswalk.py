"""The 2025 crosswalk: how each legacy unit (three tiers, until 30 June 2025) became part of the
new tree (two tiers, from 1 July 2025), read from `data/conversion_2025.csv` (built by
`make units` from the official conversion table) or a replacement in the same format (the
VWU_CONVERSION environment variable).

One row per piece: legacy_code, legacy_level (commune | district for the five island districts
| area for the Kim Sơn coastal area, which had no code), legacy_name, legacy_province, new_code,
new_name, new_province, note (whole | unchanged | renamed | partial | partial_area |
all_population), note_official (the table's own words).

Carrying rules (README, "Across the 2025 reform"):
- a legacy commune with one piece goes to that new commune exactly;
- a split commune goes to the one piece the table says took all of its population
  ("toàn bộ dân số"); without such a piece it is carried to its new province only and its
  commune figure is "not allocated";
- a province always goes whole to its new province (provinces merged whole, 63 -> 34), so
  province figures are exact across the change.
"""

from __future__ import annotations

import csv
import os
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from vwu_pipeline.core.errors import ConfigError
from vwu_pipeline.core.messages import said

PACKAGED_CONVERSION = Path(__file__).resolve().parent / "data" / "conversion_2025.csv"
PACKAGED_RECODED = Path(__file__).resolve().parent / "data" / "recoded_2025.csv"
ENV_VAR = "VWU_CONVERSION"
COLUMNS = (
    "legacy_code",
    "legacy_level",
    "legacy_name",
    "legacy_province",
    "new_code",
    "new_name",
    "new_province",
    "note",
    "note_official",
)
NOTES = ("whole", "unchanged", "renamed", "partial", "partial_area", "all_population")
# The first day of the new tree: legacy-tree periods end before it.
REFORM_DATE = "01/07/2025"
REFORM_YEAR = 2025


def _bad_file(key: str, path: Path, line: int | None = None, **params: object) -> ConfigError:
    """A mistake in the conversion file: the message names the file (and line), the hint its format."""
    where = said("error.crosswalk.where-line", path=path, line=line) if line else said("error.crosswalk.where", path=path)
    return ConfigError(
        key, "error.crosswalk-hint", where=where, columns=",".join(COLUMNS), notes=", ".join(NOTES), variable=ENV_VAR, **params
    )


@dataclass(frozen=True)
class Piece:
    """One (legacy unit, new commune) pair of the official table."""

    legacy_code: str
    legacy_level: str
    legacy_name: str
    legacy_province: str
    new_code: str
    new_name: str
    new_province: str
    note: str
    note_official: str


class Crosswalk:
    """Lookups over the conversion rows, built once."""

    def __init__(self, pieces: list[Piece], source: Path | None = None):
        self.source = source
        self.pieces = pieces
        self._successors: dict[str, list[Piece]] = defaultdict(list)
        self._predecessors: dict[str, list[Piece]] = defaultdict(list)
        self._province: dict[str, str] = {}
        self._legacy_provinces: dict[str, list[str]] = defaultdict(list)
        for piece in pieces:
            if piece.legacy_code:
                self._successors[piece.legacy_code].append(piece)
            self._predecessors[piece.new_code].append(piece)
            self._province.setdefault(piece.legacy_province, piece.new_province)
        for legacy, new in sorted(self._province.items()):
            self._legacy_provinces[new].append(legacy)
        self._exact = {
            new
            for new, parts in self._predecessors.items()
            if all(p.legacy_code and len(self._successors[p.legacy_code]) == 1 for p in parts)
        }

    def __repr__(self) -> str:
        return f"Crosswalk({len(self.pieces)} pieces, source={str(self.source)!r})"

    # -- provinces --------------------------------------------------------------------------

    def new_province(self, legacy_province: str) -> str | None:
        """The new province a legacy province merged into, whole."""
        return self._province.get(legacy_province)

    def legacy_provinces(self, new_province: str) -> list[str]:
        """The legacy provinces a new province was formed from, by code."""
        return list(self._legacy_provinces.get(new_province, ()))

    def province_map(self) -> dict[str, str]:
        return dict(self._province)

    # -- communes ---------------------------------------------------------------------------

    def successors(self, legacy_code: str) -> list[Piece]:
        """The new communes a legacy commune (or island district) went to, one per piece."""
        return list(self._successors.get(legacy_code, ()))

    def predecessors(self, new_code: str) -> list[Piece]:
        """The legacy units a new commune was formed from (whole or in part)."""
        return list(self._predecessors.get(new_code, ()))

    def carry_target(self, legacy_code: str) -> str | None:
        """The new commune a legacy commune's figures are carried to, or None when they go to
        the new province only (a split without an all-population piece)."""
        pieces = self._successors.get(legacy_code, ())
        if len(pieces) == 1:
            return pieces[0].new_code
        whole = [p for p in pieces if p.note == "all_population"]
        return whole[0].new_code if len(whole) == 1 else None

    def is_split(self, legacy_code: str) -> bool:
        return len(self._successors.get(legacy_code, ())) > 1

    def is_exact(self, new_code: str) -> bool:
        """A new commune made only of whole legacy communes (each going nowhere else): its
        figures compare exactly with the sum of its predecessors'."""
        return new_code in self._exact


def conversion_path() -> Path:
    env = os.environ.get(ENV_VAR, "").strip()
    return Path(env).expanduser().resolve() if env else PACKAGED_CONVERSION


def load_crosswalk(path: Path | None = None) -> Crosswalk:
    """The crosswalk of the packaged conversion file, or of VWU_CONVERSION (cached per file)."""
    return _load(path or conversion_path())


@lru_cache(maxsize=4)
def _load(path: Path) -> Crosswalk:
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.reader(f)
            header = tuple(h.strip() for h in next(reader, []))
            if header[: len(COLUMNS)] != COLUMNS:
                raise _bad_file("error.crosswalk.header", path, header=",".join(header) or "—")
            pieces = []
            for cells in reader:
                if not any(cells):
                    continue
                if len(cells) < len(COLUMNS):
                    raise _bad_file("error.crosswalk.columns", path, reader.line_num, count=len(cells), expected=len(COLUMNS))
                piece = Piece(*(c.strip() for c in cells[: len(COLUMNS)]))
                if piece.note not in NOTES:
                    raise _bad_file("error.crosswalk.note", path, reader.line_num, note=repr(piece.note))
                pieces.append(piece)
    except FileNotFoundError:
        raise _bad_file("error.crosswalk.missing", path) from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise _bad_file("error.crosswalk.unreadable", path, reason=exc) from None
    return Crosswalk(pieces, path)


@lru_cache(maxsize=1)
def recoded_2025() -> dict[str, str]:
    """Provisional 2025 commune code -> official code, for the communes vwu coded otherwise
    before its 2025 tree was rebuilt from the official list (vietnam-provinces 2025.10)."""
    with PACKAGED_RECODED.open(encoding="utf-8", newline="") as f:
        return {r["provisional_code"]: r["official_code"] for r in csv.DictReader(f)}


def recoded_codes() -> frozenset[str]:
    """Every code touched by the re-coding, provisional or official: a name that does not
    match such a code may be a figure typed against the provisional list."""
    codes = recoded_2025()
    return frozenset(codes) | frozenset(codes.values())
