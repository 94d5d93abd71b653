"""Build vwu_pipeline/data/units.csv, the unit master, from the two PyPI packages.

Run: .venv/bin/python scripts/build_units.py   (needs the `build-units` extra installed)

- legacy tree (1900-01-01 .. 2025-06-30): province -> district -> commune, from
  vietnamadminunits/data/dataset.db, table admin_units_legacy;
- 2025 tree (2025-07-01 ..): province -> commune, from vietnam_provinces/data/nested-divisions.json.

The runtime (vwu_pipeline.core.units) reads only the CSV, so neither package is needed to run vwu.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import sqlite3
import sys
import unicodedata
from collections import Counter
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "vwu_pipeline" / "core" / "data" / "units.csv"
COLUMNS = ["tree", "valid_from", "valid_to", "code", "name", "level", "parent_code"]
LEGACY = ("legacy", "1900-01-01", "2025-06-30")
TREE_2025 = ("2025", "2025-07-01", "")
# Known sizes of the official lists: a different count means the package changed under us.
EXPECTED = {
    ("legacy", "province"): 63,
    ("legacy", "district"): 696,
    ("legacy", "commune"): 10_035,
    ("2025", "province"): 34,
    ("2025", "commune"): 3_321,
}
# vietnam_provinces gives provinces without their type word ("Cao Bằng"); the official name has it.
PROVINCE_PREFIX = {"tỉnh": "Tỉnh", "thành phố trung ương": "Thành phố"}

Row = tuple[str, str, str, str, str, str, str]


def package_file(package: str, relative: str) -> Path:
    """Locate a data file of an installed package without importing it (importing is slow)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        sys.exit(f"Package {package!r} is not installed: pip install -e '.[build-units]'")
    path = Path(next(iter(spec.submodule_search_locations))) / relative
    if not path.is_file():
        sys.exit(f"{path} not found: the package layout changed, update {Path(__file__).name}")
    return path


def clean_name(name: str) -> str:
    return " ".join(unicodedata.normalize("NFC", name).split())


def put(seen: dict[str, Row], row: Row) -> None:
    """Add a unit once; the same code must always carry the same name and parent."""
    code = row[3]
    if code in seen and seen[code] != row:
        sys.exit(f"Conflicting rows for code {code}: {seen[code]} vs {row}")
    seen[code] = row


def legacy_rows() -> list[Row]:
    db = package_file("vietnamadminunits", "data/dataset.db")
    tree, start, end = LEGACY
    seen: dict[str, Row] = {}
    # Read-only URI: never touch the installed package's file.
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
        query = "SELECT province, provinceCode, district, districtCode, ward, wardCode FROM admin_units_legacy"
        for province, p_code, district, d_code, ward, w_code in con.execute(query):
            put(seen, (tree, start, end, p_code, clean_name(province), "province", ""))
            put(seen, (tree, start, end, d_code, clean_name(district), "district", p_code))
            # Island districts (Côn Đảo, Lý Sơn…) have no communes: ward is NULL.
            if w_code is not None:
                put(seen, (tree, start, end, w_code, clean_name(ward), "commune", d_code))
    return list(seen.values())


def rows_2025() -> list[Row]:
    source = package_file("vietnam_provinces", "data/nested-divisions.json")
    tree, start, end = TREE_2025
    seen: dict[str, Row] = {}
    for province in json.loads(source.read_text(encoding="utf-8")):
        p_code = f"{int(province['code']):02d}"
        name = clean_name(province["name"])
        prefix = PROVINCE_PREFIX.get(province["division_type"])
        if prefix and not name.startswith(prefix + " "):
            name = f"{prefix} {name}"
        put(seen, (tree, start, end, p_code, name, "province", ""))
        for ward in province["wards"]:
            w_code = f"{int(ward['code']):05d}"
            put(seen, (tree, start, end, w_code, clean_name(ward["name"]), "commune", p_code))
    return list(seen.values())


def check(rows: list[Row]) -> None:
    """Every parent exists in the same tree and codes have the official widths."""
    codes = {(r[0], r[3]) for r in rows}
    width = {"province": 2, "district": 3, "commune": 5}
    for r in rows:
        if not (r[3].isdigit() and len(r[3]) == width[r[5]]):
            sys.exit(f"Bad code width: {r}")
        if r[6] and (r[0], r[6]) not in codes:
            sys.exit(f"Parent missing: {r}")


def main() -> None:
    rows = legacy_rows() + rows_2025()
    check(rows)
    rows.sort(key=lambda r: (r[0], r[3]))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(rows)

    counts = Counter((r[0], r[5]) for r in rows)
    print(f"Wrote {len(rows)} units to {OUT}")
    for (tree, level), n in sorted(counts.items()):
        expected = EXPECTED.get((tree, level))
        note = "" if expected in (None, n) else f"  (expected {expected}!)"
        print(f"  {tree:<7} {level:<9} {n:>6}{note}")
    if any(counts.get(key) != n for key, n in EXPECTED.items()):
        print("WARNING: counts differ from the official lists; check the package versions.", file=sys.stderr)


if __name__ == "__main__":
    main()
