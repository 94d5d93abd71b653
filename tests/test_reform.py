"""Across the 2025 reform (issue 14): the 2025 tree carries the official codes, the conversion
table is data, and figures keyed by the provisional codes are not misattributed."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import pytest

from tests.builders import submission
from tests.conftest import figures, problems_of
from vwu_pipeline.core.crosswalk import load_crosswalk
from vwu_pipeline.core.problems import FileResult
from vwu_pipeline.core.text import fold
from vwu_pipeline.core.units import UnitTree
from vwu_pipeline.store import migrations
from vwu_pipeline.store.db import Store

OFFICIAL_TABLE = Path(__file__).resolve().parent.parent / "scripts" / "data" / "conversion_2025_official.csv"


def official_new_communes() -> dict[str, str]:
    """code -> name of the new communes in the official conversion table (the repository's copy)."""
    with OFFICIAL_TABLE.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))[2:]
    return {r[2].strip(): r[1] for r in rows if len(r) > 2 and r[2].strip()}


def test_the_2025_tree_is_the_official_table_code_by_code() -> None:
    tree = UnitTree.for_year(2025)
    official = official_new_communes()
    assert {u.code for u in tree.units("commune")} == set(official)
    # The table's own names vary (apostrophes, double spaces, a typo "Xa Ea Kly"); folded they agree.
    assert [u.code for u in tree.units("commune") if fold(u.name).replace(" ", "") != fold(official[u.code]).replace(" ", "")] == []


def test_codes_the_provisional_list_had_wrong() -> None:
    tree = UnitTree.for_year(2025)
    assert tree.get("00082").name == "Phường Cửa Nam"  # provisional 00073
    assert tree.get("19138").name == "Xã Phong Nha"  # provisional 19165
    # rotated in the provisional list
    assert [tree.get(c).name for c in ("13285", "13291", "13318")] == ["Phường Phủ Lý", "Phường Phù Vân", "Phường Châu Sơn"]


def test_every_legacy_unit_has_a_successor_and_every_new_commune_a_predecessor() -> None:
    crosswalk = load_crosswalk()
    legacy, new = UnitTree.for_year(2024), UnitTree.for_year(2025)
    assert [u.code for u in legacy.leaves() if not crosswalk.successors(u.code)] == []
    assert [u.code for u in new.units("commune") if not crosswalk.predecessors(u.code)] == []
    # The two communes the table mistypes: Xã Mỹ Hưng (01651) and Xã Phú Thịnh (02482).
    assert [p.new_code for p in crosswalk.successors("01651")] == ["01648"]
    assert [p.new_code for p in crosswalk.successors("02482")] == ["02494"]
    assert [p.new_code for p in crosswalk.successors("01615")] == ["01636"]  # Hồng Quang, not split
    # An island district is its own lowest unit, made a special zone.
    assert [(p.new_code, p.legacy_province, p.new_province) for p in crosswalk.successors("471")] == [("19742", "45", "44")]
    # The table's Tỉnh cũ errors, taken from the legacy master instead.
    assert crosswalk.successors("27691")[0].legacy_province == "80"
    assert crosswalk.successors("30781")[0].legacy_province == "91"


def test_provinces_merge_whole_63_into_34() -> None:
    crosswalk = load_crosswalk()
    mapping = crosswalk.province_map()
    assert len(mapping) == 63 and len(set(mapping.values())) == 34
    sizes = Counter(len(crosswalk.legacy_provinces(p)) for p in set(mapping.values()))
    assert sizes == {1: 11, 2: 17, 3: 6}
    assert crosswalk.legacy_provinces("44") == ["44", "45"]  # Quảng Bình + Quảng Trị
    assert mapping["45"] == "44"


def test_carrying_rules_of_a_split_commune() -> None:
    crosswalk = load_crosswalk()
    # Xã Kỳ Lợi (18796) went to three wards, its population shared by two: province only.
    assert len(crosswalk.successors("18796")) == 3
    assert crosswalk.carry_target("18796") is None
    with_all_population = [
        code for code in {p.legacy_code for p in crosswalk.pieces if p.note == "all_population"} if crosswalk.is_split(code)
    ]
    assert with_all_population
    for code in with_all_population:
        target = crosswalk.carry_target(code)
        assert [p.note for p in crosswalk.successors(code) if p.new_code == target] == ["all_population"]
    # A whole merge is exact; a new commune with a split predecessor is not.
    assert crosswalk.carry_target("00397") == "00382" and crosswalk.is_exact("00382")  # Xã Kim Anh: three whole
    assert not crosswalk.is_exact("00097")  # Phường Hồng Hà took parts of split wards


def _old_store_with_2025_figures(workspace: Path, monkeypatch: pytest.MonkeyPatch, rows: list[tuple[str, str, float]]) -> None:
    """A store as vwu left it before the official codes (schema version 2), with 2025 figures."""
    with monkeypatch.context() as patch:
        before = migrations.MIGRATIONS.index(migrations._rekey_provisional_2025)  # the versions before the re-keying
        patch.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:before])
        patch.setattr(migrations, "SCHEMA_VERSION", before)
        with Store.open(workspace) as store:
            stored = FileResult("a.xlsx", sha256="x", unit_code="37", period="2025")
            figures = {"members": [(code, name, "Hội viên", 5, "members_total", value) for code, name, value in rows]}
            store.save(stored, Path("a.xlsx"), 2025, figures)


def test_stored_2025_figures_are_re_keyed_to_the_official_codes(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Under the provisional list 13285 was Châu Sơn, 13291 Phủ Lý, 13318 Phù Vân.
    _old_store_with_2025_figures(
        workspace,
        monkeypatch,
        [
            ("13285", "Phường Châu Sơn", 100.0),
            ("13291", "Phường Phủ Lý", 200.0),
            ("13318", "Phường Phù Vân", 300.0),
            ("13300", "Phường Hà Nam", 400.0),
        ],
    )
    Store.open(workspace).close()
    assert figures(workspace, "members_total") == {
        ("13318", "members_total"): 100.0,  # Châu Sơn
        ("13285", "members_total"): 200.0,  # Phủ Lý
        ("13291", "members_total"): 300.0,  # Phù Vân
        ("13300", "members_total"): 400.0,  # not re-coded: untouched
    }


def test_a_provisional_code_in_a_new_file_is_an_error_not_a_warning(vwu, inbox: Path, workspace: Path) -> None:
    submission(
        inbox / "ninh_binh_2025.xlsx",
        {"members": [["13285", "Phường Châu Sơn", 1200, 35, 1800, 4], ["13300", "Phường Hà Nam", 900, 20, 1500, 2]]},
        report_title="BÁO CÁO KẾT QUẢ CÔNG TÁC HỘI NĂM 2025",
        unit_title="HỘI LHPN TỈNH NINH BÌNH",
    )
    result = vwu("ingest", inbox, "--workspace", workspace, "--json")
    assert result.exit_code == 1
    (problem,) = [p for p in problems_of(result.stdout) if p["code"] == "unit-recoded-2025"]
    assert problem["severity"] == "error"
    assert "13318" in problem["message"]  # where Châu Sơn's figures belong
    assert json.loads(result.stdout)["files"][0]["status"] == "refused"
