"""Build the unit master and the 2025 conversion file from official sources (`make units`).

Writes, under vwu_pipeline/core/data/:
- units.csv: legacy tree (1900-01-01 .. 2025-06-30), province -> district -> commune, from
  vietnamadminunits/data/dataset.db; 2025 tree (2025-07-01 ..), province -> commune, with the
  official codes and names of vietnam-provinces 2026.9.0 (national statistics office list);
- conversion_2025.csv: legacy unit -> new commune(s), one row per piece, from the official
  conversion table scripts/data/conversion_2025_official.csv, its notes normalised;
- recoded_2025.csv: communes whose provisional code (vietnam-provinces 2025.10, the 2025 tree vwu
  shipped before) differs from the official one, matched by (province, name).
and scripts/data/conversion_disagreements.csv: where vietnam-provinces 2026 or vietnamadminunits
map a legacy commune differently from the official table.

Sources and their known errors: scripts/data/PROVENANCE.md. The runtime reads only the CSVs.
"""

from __future__ import annotations

import ast
import csv
import hashlib
import importlib.util
import json
import re
import sqlite3
import subprocess
import sys
import unicodedata
import zipfile
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path

from vwu_pipeline.core.crosswalk import COLUMNS as CONVERSION_COLUMNS  # the format the runtime reads

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "vwu_pipeline" / "core" / "data"
OUT = DATA / "units.csv"
CONVERSION_OUT = DATA / "conversion_2025.csv"
RECODED_OUT = DATA / "recoded_2025.csv"
SOURCES = Path(__file__).resolve().parent / "data"
OFFICIAL_TABLE = SOURCES / "conversion_2025_official.csv"
OFFICIAL_TABLE_SHA256 = "21da94f59a498d03deda1f0882e71f65cd3b7c855bbd6c760ba72f6b6a94ee46"
DISAGREEMENTS_OUT = SOURCES / "conversion_disagreements.csv"
# The wheel is fetched, never installed (it requires Python >= 3.12): pinned and verified.
VP_VERSION = "2026.9.0"
VP_WHEEL = f"vietnam_provinces-{VP_VERSION}-py3-none-any.whl"
VP_SHA256 = "b5f3540a98937d38b9bebcbdb792fa4f5b9712737d41b05c7254beb2308ebcd1"
WHEEL_CACHE = ROOT / "build" / "wheels"

COLUMNS = ["tree", "valid_from", "valid_to", "code", "name", "level", "parent_code"]
LEGACY = ("legacy", "1900-01-01", "2025-06-30")
TREE_2025 = ("2025", "2025-07-01", "")
EXPECTED = {
    ("legacy", "province"): 63,
    ("legacy", "district"): 696,
    ("legacy", "commune"): 10_035,
    ("2025", "province"): 34,
    ("2025", "commune"): 3_321,
}
PROVINCE_PREFIX = {"tỉnh": "Tỉnh", "thành phố trung ương": "Thành phố"}

Row = tuple[str, str, str, str, str, str, str]


def fail(message: str) -> None:
    sys.exit(f"build_units: {message}")


def package_file(package: str, relative: str) -> Path:
    """Locate a data file of an installed package without importing it (importing is slow)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        fail(f"package {package!r} is not installed: pip install -e '.[build-units]'")
    path = Path(next(iter(spec.submodule_search_locations))) / relative
    if not path.is_file():
        fail(f"{path} not found: the package layout changed, update {Path(__file__).name}")
    return path


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def vietnam_provinces_wheel() -> zipfile.ZipFile:
    """The pinned vietnam-provinces wheel, downloaded once into build/wheels and verified."""
    wheel = WHEEL_CACHE / VP_WHEEL
    if not wheel.is_file():
        WHEEL_CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                f"vietnam-provinces=={VP_VERSION}",
                "--no-deps",
                "--python-version",
                "3.12",
                "--only-binary=:all:",
                "--quiet",
                "-d",
                str(WHEEL_CACHE),
            ],
            check=True,
        )
    if sha256(wheel) != VP_SHA256:
        fail(f"{wheel} has sha256 {sha256(wheel)}, expected {VP_SHA256}: delete it and check the release")
    return zipfile.ZipFile(wheel)


# The packages capitalise some unit types as words ("Thành Phố Bắc Kạn"); official names write
# only the first letter of the type in capitals ("Thành phố Bắc Kạn").
UNIT_TYPES = re.compile(r"^(Thành Phố|Thị Xã|Thị Trấn|Đặc Khu)\b")


def clean_name(name: str) -> str:
    name = " ".join(unicodedata.normalize("NFC", name).split())
    return UNIT_TYPES.sub(lambda m: m[1][0] + m[1][1:].lower(), name)


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    stripped = stripped.replace("đ", "d").replace("Đ", "D").lower()
    return " ".join(re.sub(r"[^0-9a-z]+", " ", stripped).split())


def put(seen: dict[str, Row], row: Row) -> None:
    """Add a unit once; the same code must always carry the same name and parent."""
    code = row[3]
    if code in seen and seen[code] != row:
        fail(f"conflicting rows for code {code}: {seen[code]} vs {row}")
    seen[code] = row


# --- the two trees ------------------------------------------------------------------------


def legacy_rows() -> list[Row]:
    db = package_file("vietnamadminunits", "data/dataset.db")
    tree, start, end = LEGACY
    seen: dict[str, Row] = {}
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:  # read-only: never touch the package
        query = "SELECT province, provinceCode, district, districtCode, ward, wardCode FROM admin_units_legacy"
        for province, p_code, district, d_code, ward, w_code in con.execute(query):
            put(seen, (tree, start, end, p_code, clean_name(province), "province", ""))
            put(seen, (tree, start, end, d_code, clean_name(district), "district", p_code))
            # Island districts (Côn Đảo, Lý Sơn…) have no communes: ward is NULL.
            if w_code is not None:
                put(seen, (tree, start, end, w_code, clean_name(ward), "commune", d_code))
    return list(seen.values())


def rows_2025(wheel: zipfile.ZipFile) -> list[Row]:
    source = json.loads(wheel.read("vietnam_provinces/data/nested-divisions.json"))
    tree, start, end = TREE_2025
    seen: dict[str, Row] = {}
    for province in source:
        p_code = f"{int(province['code']):02d}"
        name = clean_name(province["name"])
        prefix = PROVINCE_PREFIX.get(province["division_type"])
        if prefix and not name.startswith(prefix + " "):
            name = f"{prefix} {name}"
        put(seen, (tree, start, end, p_code, name, "province", ""))
        for ward in province["wards"]:
            put(seen, (tree, start, end, f"{int(ward['code']):05d}", clean_name(ward["name"]), "commune", p_code))
    return list(seen.values())


def check(rows: list[Row]) -> None:
    """Every parent exists in the same tree and codes have the official widths."""
    codes = {(r[0], r[3]) for r in rows}
    width = {"province": 2, "district": 3, "commune": 5}
    for r in rows:
        if not (r[3].isdigit() and len(r[3]) == width[r[5]]):
            fail(f"bad code width: {r}")
        if r[6] and (r[0], r[6]) not in codes:
            fail(f"parent missing: {r}")


# --- the official conversion table --------------------------------------------------------

_CODE_IN_BRACKETS = re.compile(r"\((\d+)\)\s*$")


def bracket_code(text: str, width: int) -> str:
    match = _CODE_IN_BRACKETS.search(text.strip())
    return match.group(1).zfill(width) if match else ""


def normalise_note(note: str) -> str:
    """The official note as one of: whole, unchanged, renamed, partial, partial_area,
    all_population (the piece of a split commune that took all of its population)."""
    text = fold(note).replace("nhap mot phan", "nhap mot phan")
    if not text:
        fail(f"empty note: {note!r}")
    if "toan bo dan so" in text:
        return "all_population"
    if "mot phan dien tich" in text:
        return "partial_area"
    if "mot phan" in text or "phan con lai" in text or "toan bo dien tich" in text:
        # "Nhập toàn bộ diện tích" (Kỳ Lợi) is one of three pieces sharing its population.
        return "partial"
    if text.startswith("nhap toan bo") or text.startswith("sap xep toan bo"):
        return "whole"
    if text.startswith("giu nguyen"):
        return "unchanged"
    if text.startswith("doi ten") or text.startswith("doi loai hinh"):
        return "renamed"
    fail(f"note not understood: {note!r}")
    return ""


def conversion_rows(units: dict[tuple[str, str], Row]) -> tuple[list[dict[str, str]], list[str]]:
    """The official table as conversion rows, its known source errors corrected and reported."""
    if sha256(OFFICIAL_TABLE) != OFFICIAL_TABLE_SHA256:
        fail(f"{OFFICIAL_TABLE} changed (sha256 {sha256(OFFICIAL_TABLE)}): update PROVENANCE.md and the pin")
    with OFFICIAL_TABLE.open(encoding="utf-8-sig", newline="") as f:
        table = list(csv.reader(f))[2:]  # a banner row, then the column names
    legacy_by_district: dict[str, list[Row]] = defaultdict(list)
    for (tree, code), row in units.items():
        if tree == "legacy" and row[5] == "commune":
            legacy_by_district[row[6]].append(row)
    listed = {cells[4].strip().zfill(5) for cells in table if len(cells) > 4 and cells[4].strip()}
    corrections: list[str] = []
    out: list[dict[str, str]] = []
    for cells in table:
        if len(cells) < 8 or not cells[2].strip():
            continue  # province banners and blank rows
        new_province, new_name, new_code, old_name, old_code, note, district_cell, province_cell = (c for c in cells[:8])
        new_code = new_code.strip().zfill(5)
        new = units.get(("2025", new_code))
        if new is None or new[5] != "commune":
            fail(f"new commune {new_code} ({clean_name(new_name)}) is not in the 2025 tree")
        if new[6] != bracket_code(new_province, 2):
            fail(f"new commune {new_code}: province {new_province!r} but {new[6]} in the tree")
        district = bracket_code(district_cell, 3)
        if old_code.strip():
            legacy_level, legacy_code = "commune", old_code.strip().zfill(5)
            old = units.get(("legacy", legacy_code))
            if old is None:
                fail(f"legacy commune {legacy_code} ({clean_name(old_name)}) is not in the legacy tree")
            if fold(old[4]) != fold(old_name):
                # A mistyped code: the name names one other commune of the district, not listed.
                others = [r for r in legacy_by_district[old[6]] if fold(r[4]) == fold(old_name) and r[3] not in listed]
                if len(others) == 1:
                    corrections.append(
                        f"code {legacy_code} -> {others[0][3]}: the table names it {clean_name(old_name)!r}, {legacy_code} is {old[4]}"
                    )
                    legacy_code, old = others[0][3], others[0]
            if old[6] != district:
                fail(f"legacy commune {legacy_code}: district {district_cell!r} but {old[6]} in the legacy tree")
        elif "huyen" in fold(note) and units.get(("legacy", district), ("",) * 7)[5] == "district":
            # An island district made a special zone: the district itself is the legacy unit.
            legacy_level, legacy_code, old = "district", district, units[("legacy", district)]
        else:
            # "Khu vực bãi bồi ven biển do huyện Kim Sơn quản lý": an area with no unit code.
            legacy_level, legacy_code, old = "area", "", None
        legacy_province = ""
        if old is not None:
            parent = units[("legacy", old[6])] if old[6] else old
            legacy_province = parent[6] if parent[5] == "district" else parent[3]
        else:
            legacy_province = units[("legacy", district)][6]
        stated = bracket_code(province_cell, 2)
        if stated != legacy_province:
            corrections.append(
                f"Tỉnh cũ of {legacy_code or clean_name(old_name)} ({clean_name(old_name)}): table says "
                f"{clean_name(province_cell)}, the legacy master {legacy_province}"
            )
        out.append(
            {
                "legacy_code": legacy_code,
                "legacy_level": legacy_level,
                "legacy_name": old[4] if old else clean_name(old_name),
                "legacy_province": legacy_province,
                "new_code": new_code,
                "new_name": new[4],
                "new_province": new[6],
                "note": normalise_note(note),
                "note_official": clean_name(note),
            }
        )
    return out, corrections


def validate_conversion(rows: list[dict[str, str]], units: dict[tuple[str, str], Row]) -> dict[str, int]:
    """Every legacy lowest unit mapped, every new commune reached, provinces many-to-one."""
    legacy_leaves = {
        code
        for (tree, code), r in units.items()
        if tree == "legacy"
        and (r[5] == "commune" or (r[5] == "district" and not any(u[6] == code and u[0] == "legacy" for u in units.values())))
    }
    mapped = {r["legacy_code"] for r in rows if r["legacy_code"]}
    if legacy_leaves - mapped:
        fail(f"legacy units not in the conversion: {sorted(legacy_leaves - mapped)}")
    new_communes = {code for (tree, code), r in units.items() if tree == "2025" and r[5] == "commune"}
    reached = {r["new_code"] for r in rows}
    if new_communes != reached:
        fail(f"new communes not reached: {sorted(new_communes - reached)}")
    provinces: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        provinces[r["legacy_province"]].add(r["new_province"])
    split = {p: n for p, n in provinces.items() if len(n) != 1}
    if split:
        fail(f"legacy provinces mapped to several new ones: {split}")
    legacy_provinces = {code for (tree, code), r in units.items() if tree == "legacy" and r[5] == "province"}
    if set(provinces) != legacy_provinces:
        fail(f"legacy provinces without a successor: {sorted(legacy_provinces - set(provinces))}")
    pieces: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r in rows:
        if r["legacy_code"]:
            pieces[r["legacy_code"]].append(r)
    for code, parts in pieces.items():
        if len({p["new_province"] for p in parts}) != 1:
            fail(f"legacy commune {code} is split across new provinces")
    split_communes = [parts for parts in pieces.values() if len(parts) > 1]
    return {
        "legacy units mapped": len(mapped),
        "new communes reached": len(reached),
        "split legacy communes": len(split_communes),
        "  ... with an all-population piece": sum(1 for parts in split_communes if sum(p["note"] == "all_population" for p in parts) == 1),
        "new provinces": len({r["new_province"] for r in rows}),
    }


# --- cross-checks ---------------------------------------------------------------------------


def _literal(node: ast.AST) -> object:
    """Constants, tuples and NamedTuple calls of a generated module, without running it."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Tuple):
        return tuple(_literal(e) for e in node.elts)
    if isinstance(node, ast.Call):
        return tuple(_literal(a) for a in node.args)
    raise ValueError(f"unexpected syntax in the generated module: {ast.dump(node)[:80]}")


def vietnam_provinces_mapping(wheel: zipfile.ZipFile) -> dict[str, set[str]]:
    source = wheel.read("vietnam_provinces/_ward_conversion_2025.py").decode("utf-8")
    for statement in ast.parse(source).body:
        if isinstance(statement, ast.AnnAssign) and getattr(statement.target, "id", "") == "OLD_TO_NEW":
            mapping = {}
            for value in statement.value.values:  # OldToNewEntry(OldWardRef(code, ...), (NewWardRef(code, p), ...))
                old, news = _literal(value)
                mapping[f"{old[0]:05d}"] = {f"{n[0]:05d}" for n in news}
            return mapping
    fail("OLD_TO_NEW not found in vietnam_provinces/_ward_conversion_2025.py")
    return {}


def vietnamadminunits_mapping() -> dict[str, set[str]]:
    """vietnamadminunits' converter (keyed by names) translated to codes."""
    data = json.loads(package_file("vietnamadminunits", "data/converter_2025.json").read_text(encoding="utf-8"))
    db = package_file("vietnamadminunits", "data/dataset.db")
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
        legacy = {
            f"{p}_{d}_{w or ''}": w_code or d_code
            for p, d, w, w_code, d_code in con.execute(
                "SELECT provinceKey, districtKey, wardKey, wardCode, districtCode FROM admin_units_legacy"
            )
        }
        new = {(p, w): code for p, w, code in con.execute("SELECT provinceKey, wardKey, wardCode FROM admin_units")}
    mapping: dict[str, set[str]] = defaultdict(set)
    for province, wards in data["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for ward, olds in wards.items():
            for old in olds:
                if old in legacy and (province, ward) in new:
                    mapping[legacy[old]].add(new[(province, ward)])
    for province, olds in data["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old, pieces in olds.items():
            for piece in pieces:
                if old in legacy and (province, piece["newWardKey"]) in new:
                    mapping[legacy[old]].add(new[(province, piece["newWardKey"])])
    return mapping


def cross_check(rows: list[dict[str, str]], others: dict[str, dict[str, set[str]]]) -> list[dict[str, str]]:
    official: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        if r["legacy_code"]:
            official[r["legacy_code"]].add(r["new_code"])
    found = []
    for source, mapping in others.items():
        for code in sorted(official.keys() | mapping.keys()):
            theirs = mapping.get(code, set())
            if theirs != official.get(code, set()):
                found.append(
                    {
                        "source": source,
                        "legacy_code": code,
                        "official": " ".join(sorted(official.get(code, ()))),
                        "theirs": " ".join(sorted(theirs)),
                    }
                )
    return found


def recoded(provisional: Path, official: list[Row]) -> list[dict[str, str]]:
    """Provisional 2025 codes (the master vwu shipped before) -> official ones, where the
    (province, name) of the provisional commune names exactly one official commune."""
    if not provisional.is_file():
        return []
    with provisional.open(encoding="utf-8", newline="") as f:
        before = [r for r in csv.DictReader(f) if r["tree"] == "2025" and r["level"] == "commune"]
    by_name: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for r in official:
        if r[5] == "commune":
            by_name[(r[6], fold(r[4]))].append(r)
    out = []
    for r in before:
        match = by_name.get((r["parent_code"], fold(r["name"])), [])
        if len(match) == 1 and match[0][3] != r["code"]:
            out.append({"provisional_code": r["code"], "official_code": match[0][3], "province": r["parent_code"], "name": match[0][4]})
    return sorted(out, key=lambda r: r["provisional_code"])


def write_csv(path: Path, columns: Sequence[str], rows: list) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)


def main() -> None:
    wheel = vietnam_provinces_wheel()
    new_rows = rows_2025(wheel)
    rows = legacy_rows() + new_rows
    check(rows)
    rows.sort(key=lambda r: (r[0], r[3]))
    units = {(r[0], r[3]): r for r in rows}

    conversion, corrections = conversion_rows(units)
    stats = validate_conversion(conversion, units)
    disagreements = cross_check(
        conversion, {f"vietnam-provinces {VP_VERSION}": vietnam_provinces_mapping(wheel), "vietnamadminunits": vietnamadminunits_mapping()}
    )
    # Before the master is overwritten: the provisional 2025 codes it carried.
    recodes = recoded(OUT, new_rows) if not RECODED_OUT.is_file() else None

    write_csv(OUT, COLUMNS, rows)
    conversion.sort(key=lambda r: (r["legacy_code"] == "", r["legacy_code"], r["new_code"]))
    write_csv(CONVERSION_OUT, CONVERSION_COLUMNS, [[r[c] for c in CONVERSION_COLUMNS] for r in conversion])
    write_csv(DISAGREEMENTS_OUT, ["source", "legacy_code", "official", "theirs"], [list(d.values()) for d in disagreements])
    if recodes is not None:  # computed once, from the provisional master; kept afterwards
        write_csv(RECODED_OUT, ["provisional_code", "official_code", "province", "name"], [list(r.values()) for r in recodes])

    counts = Counter((r[0], r[5]) for r in rows)
    print(f"Wrote {len(rows)} units to {OUT.relative_to(ROOT)}")
    for (tree, level), n in sorted(counts.items()):
        expected = EXPECTED.get((tree, level))
        note = "" if expected in (None, n) else f"  (expected {expected}!)"
        print(f"  {tree:<7} {level:<9} {n:>6}{note}")
    print(f"Wrote {len(conversion)} conversion rows to {CONVERSION_OUT.relative_to(ROOT)}")
    for name, n in stats.items():
        print(f"  {name:<36} {n:>6}")
    print(f"  notes: {dict(Counter(r['note'] for r in conversion))}")
    print(f"Source errors corrected ({len(corrections)}):")
    for line in corrections:
        print(f"  {line}")
    by_source = Counter(d["source"] for d in disagreements)
    print(
        f"Disagreements with the official table: {len(disagreements)} "
        f"({', '.join(f'{s}: {n}' for s, n in by_source.items())}) -> {DISAGREEMENTS_OUT.relative_to(ROOT)}"
    )
    if any(counts.get(key) != n for key, n in EXPECTED.items()):
        fail("counts differ from the official lists; check the package versions")


if __name__ == "__main__":
    main()
