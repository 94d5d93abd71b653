"""Across the 2025 reform (issue 14): the 2025 tree carries the official codes, the conversion
table is data, and figures keyed by the provisional codes are not misattributed."""

from __future__ import annotations

import csv
import gzip
import json
import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from tests.builders import submission
from tests.conftest import figures, problems_of
from vwu_pipeline.core.crosswalk import load_crosswalk
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


PROVISIONAL_2025 = Path(__file__).resolve().parent / "fixtures" / "store_v3_provisional_2025.sqlite.gz"


def test_stored_2025_figures_are_re_keyed_to_the_official_codes(workspace: Path) -> None:
    # A store as vwu left it before the official codes (schema version 3): one 2025 submission of
    # Ninh Bình (37) under the provisional list, where 13285 was Châu Sơn, 13291 Phủ Lý, 13318 Phù Vân.
    workspace.mkdir()
    with gzip.open(PROVISIONAL_2025) as source, open(workspace / "vwu.sqlite", "wb") as target:
        shutil.copyfileobj(source, target)
    assert figures(workspace, "members_total") == {  # opening it migrates it
        ("13318", "members_total"): 100.0,  # Châu Sơn
        ("13285", "members_total"): 200.0,  # Phủ Lý
        ("13291", "members_total"): 300.0,  # Phù Vân
        ("13300", "members_total"): 400.0,  # not re-coded: untouched
    }
    with Store.open(workspace, create=False) as store:
        assert store.schema_version == migrations.SCHEMA_VERSION


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


def test_a_legacy_code_asked_of_2025_says_what_it_became(vwu, tmp_path: Path) -> None:
    result = vwu("template", "--year", 2025, "--unit", 45, "--out", tmp_path)
    assert result.exit_code != 0
    assert "Tỉnh Quảng Trị (45) từ 01/07/2025 thuộc Tỉnh Quảng Trị (44)" in result.output


def test_vwu_units_finds_a_name_in_both_trees_with_successors_and_predecessors(vwu) -> None:
    result = vwu("units", "--year", 2025, "DA KRONG", "--json")
    assert result.exit_code == 0
    found = {(f["tree"], f["code"]): f for f in json.loads(result.stdout)}
    district = found[("legacy", "467")]
    assert district["name"] == "Huyện Đa Krông" and district["path"][0]["code"] == "45"
    assert "19564" in [s["code"] for s in district["successors"]]
    commune = found[("2025", "19564")]
    assert commune["path"][0] == {"code": "44", "name": "Tỉnh Quảng Trị"}
    assert {p["code"] for p in commune["predecessors"]} == {"19564", "19576", "19579"}
    assert vwu("units", "không có nơi này").exit_code == 1


def test_a_first_half_2025_district_form_is_the_legacy_tree_and_is_accepted(vwu, tmp_path: Path, workspace: Path) -> None:
    result = vwu("template", "--year", 2025, "--period", "H1", "--unit", 467, "--out", tmp_path / "forms")
    assert result.exit_code == 0, result.output
    (form,) = (tmp_path / "forms").rglob("*.xlsx")
    assert form.name == "467_huyen_da_krong_2025-H1.xlsx"
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    # Tiên Lữ's first half of 2025, sent in June on the legacy tree; Hưng Yên's full year on the new tree.
    submission(
        inbox / "tien_lu_h1.xlsx",
        {"members": [["12337", "Thị trấn Vương", 1200, 35, 1800, 4]]},
        report_title="BÁO CÁO SƠ KẾT 6 THÁNG ĐẦU NĂM 2025",
    )
    submission(
        inbox / "hung_yen_2025.xlsx",
        {"members": [["12337", "Xã Hoàng Hoa Thám", 2100, 50, 3000, 5], ["12364", "Xã Tiên Lữ", 1900, 40, 2800, 3]]},
        report_title="BÁO CÁO KẾT QUẢ CÔNG TÁC HỘI NĂM 2025",
        unit_title="HỘI LHPN TỈNH HƯNG YÊN",
    )
    result = vwu("ingest", inbox, "--workspace", workspace, "--json")
    files = {Path(f["path"]).name: f for f in json.loads(result.stdout)["files"]}
    assert files["tien_lu_h1.xlsx"]["status"] == "accepted", files["tien_lu_h1.xlsx"]
    assert files["tien_lu_h1.xlsx"]["unit_code"] == "332"
    assert files["hung_yen_2025.xlsx"]["status"] == "accepted", files["hung_yen_2025.xlsx"]
    assert files["hung_yen_2025.xlsx"]["unit_code"] == "33"
    store = Store.open(workspace)
    try:
        assert store.submission_trees(2025) == {"2025-H1": "legacy", "2025": "2025"}
    finally:
        store.close()


def test_a_first_half_2025_form_for_the_new_province_compiling_it_in_july(vwu, tmp_path: Path, workspace: Path) -> None:
    """The districts were gone by July: the new Quảng Trị compiles the first half on the new tree."""
    result = vwu("template", "--year", 2025, "--period", "H1", "--unit", 44, "--level", "province", "--out", tmp_path / "forms")
    assert result.exit_code == 0, result.output
    (form,) = (tmp_path / "forms").rglob("*.xlsx")
    assert form.name == "44_tinh_quang_tri_2025-H1.xlsx"
    result = vwu("template", "--year", 2025, "--period", "H1", "--unit", 44, "--level", "commune", "--out", tmp_path / "communes")
    assert result.exit_code == 0, result.output
    assert len(list((tmp_path / "communes").rglob("*.xlsx"))) == len(UnitTree.for_year(2025).leaves("44"))
    # Filled (the demo figures go through the same form) and sent: accepted on the new tree.
    filled = tmp_path / "filled"
    result = vwu("demo-data", "--year", 2025, "--period", "H1", "--unit", 44, "--level", "province", "--out", filled)
    assert result.exit_code == 0, result.output
    result = vwu("ingest", filled, "--workspace", workspace, "--json")
    (sent,) = json.loads(result.stdout)["files"]
    assert sent["status"] == "accepted" and sent["unit_code"] == "44", sent
    store = Store.open(workspace)
    try:
        assert store.submission_trees(2025) == {"2025-H1": "2025"}
    finally:
        store.close()


def _coverage(result, unit: str = "00") -> tuple[int, int]:
    row = result.completeness.set_index(["indicator", "unit_code"]).loc[("members", unit)]
    return int(row["submitted"]), int(row["expected"])


def test_a_district_first_half_2025_is_counted_on_the_legacy_tree_not_as_its_new_province(vwu, tmp_path: Path, workspace: Path) -> None:
    """Tiên Lữ sent its first half in June: one of the 18 districts of the legacy Hưng Yên and Thái
    Bình, not the new Hưng Yên."""
    from vwu_pipeline.report.rollup import aggregate

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    submission(
        inbox / "tien_lu_h1.xlsx",
        {"members": [["12337", "Thị trấn Vương", 1200, 35, 1800, 4]]},
        report_title="BÁO CÁO SƠ KẾT 6 THÁNG ĐẦU NĂM 2025",
    )
    assert vwu("ingest", inbox, "--workspace", workspace).exit_code == 0
    legacy, new = UnitTree.for_period("2025-H1"), UnitTree.for_year(2025)
    districts = len(legacy.units("district"))
    status = json.loads(vwu("status", "--year", 2025, "--period", "H1", "--workspace", workspace, "--json").stdout)
    members = status["indicators"][0]
    assert (status["tree"], status["reporting_level"]) == ("legacy", "district")
    assert (members["submitted"], members["expected"]) == (1, districts)
    assert members["submitted_units"] == [{"code": "332", "name": "Huyện Tiên Lữ"}]
    result = vwu("status", "--year", 2025, "--period", "H1", "--unit", 332, "--workspace", workspace, "--json")
    assert json.loads(result.stdout)["indicators"][0]["submitted"] == 1, result.output
    # The year, on the new tree: Tiên Lữ's file answers only for the 3 new communes made of its
    # communes alone (issue 12), not for the new Hưng Yên (17 of its districts sent nothing).
    status = json.loads(vwu("status", "--year", 2025, "--workspace", workspace, "--json").stdout)
    assert status["indicators"][0]["lowest_units"]["by_unit"] == [
        {"code": "33", "name": "Tỉnh Hưng Yên", "covered": 3, "expected": len(new.leaves("33"))}
    ]
    assert status["complete"] is False
    first_half = aggregate(workspace, 2025, period="H1")
    assert first_half.tree.tree == "legacy" and _coverage(first_half) == (1, districts)
    assert _coverage(first_half, "33") == (1, len(legacy.descendants("33")) - len(legacy.leaves("33")))
    year = aggregate(workspace, 2025)
    # From 2025 completeness counts the communes a file answers for (issue 12).
    assert year.tree.tree == "2025" and _coverage(year) == (3, len(new.leaves()))
    assert _coverage(year, "33") == (3, len(new.leaves("33")))
    # The new Quảng Trị compiled its first half itself in July, on the new tree: it stands for
    # every district of the legacy Quảng Bình and Quảng Trị, whole provinces both.
    filled = tmp_path / "quang_tri"
    assert vwu("demo-data", "--year", 2025, "--period", "H1", "--unit", 44, "--level", "province", "--out", filled).exit_code == 0
    assert vwu("ingest", filled, "--workspace", workspace).exit_code == 0
    merged = {d.code for p in ("44", "45") for d in legacy.units("district") if d.province == p}
    status = json.loads(vwu("status", "--year", 2025, "--period", "H1", "--workspace", workspace, "--json").stdout)
    assert {u["code"] for u in status["indicators"][0]["submitted_units"]} == {"332"} | merged
    first_half = aggregate(workspace, 2025, period="H1")  # both trees: rolled up on the new one
    assert first_half.tree.tree == "2025"
    communes_44, communes_33 = len(new.leaves("44")), len(new.leaves("33"))
    # Hưng Yên: the 3 new communes made of Tiên Lữ's communes alone.
    assert _coverage(first_half, "44") == (communes_44, communes_44) and _coverage(first_half, "33") == (3, communes_33)


def test_an_old_store_learns_the_tree_of_every_submission_and_target(tmp_path: Path) -> None:
    import gzip
    import shutil

    workspace = tmp_path / "ws"
    workspace.mkdir()
    fixture = Path(__file__).resolve().parent / "fixtures" / "store_v0_main_2855291.sqlite.gz"
    with gzip.open(fixture) as source, open(workspace / "vwu.sqlite", "wb") as target:
        shutil.copyfileobj(source, target)
    store = Store.open(workspace)
    try:
        assert set(store.submission_trees(2024).values()) == {"legacy"}
        assert set(store.targets(2024)["tree"]) == {"legacy"}
        assert len(store.targets(2024)) == 129
    finally:
        store.close()


# --- rolling 2025 up across the reform: a hand-computable fixture --------------------------
# Quận Hải An (306), Hải Phòng (legacy 31; new 31 = legacy 30 Hải Dương + 31 Hải Phòng):
# 11410 -> 11411 whole; 11411 split, all its population to 11411; 11413, 11414, 11416, 11422,
# 11425 -> 11413 whole; 11419 Nam Hải split between 11411 and 11413 with no all-population
# piece: carried to the province only ("not allocated").
HAI_AN = [
    ("11410", "Phường Đông Hải 1"),
    ("11411", "Phường Đông Hải 2"),
    ("11413", "Phường Đằng Lâm"),
    ("11414", "Phường Thành Tô"),
    ("11416", "Phường Đằng Hải"),
    ("11419", "Phường Nam Hải"),
    ("11422", "Phường Cát Bi"),
    ("11425", "Phường Tràng Cát"),
]


def _members(rows: list[tuple[str, str]], total: list[int], new: list[int], women: list[int]) -> dict:
    return {"members": [[code, name, t, n, w, 0] for (code, name), t, n, w in zip(rows, total, new, women)]}


@pytest.fixture
def reform_workspace(tmp_path: Path, vwu) -> Path:
    inbox, workspace = tmp_path / "inbox", tmp_path / "ws"
    inbox.mkdir()
    district = "HỘI LHPN QUẬN HẢI AN"
    # 2024, legacy tree, the whole year.
    submission(
        inbox / "hai_an_2024.xlsx",
        _members(
            HAI_AN, [100, 200, 300, 400, 500, 600, 700, 800], [10, 20, 30, 40, 50, 60, 70, 80], [200, 400, 600, 800, 1000, 1200, 1400, 1600]
        ),
        report_title="BÁO CÁO KẾT QUẢ CÔNG TÁC HỘI NĂM 2024",
        unit_title=district,
    )
    # 2025 first half, legacy tree, sent by the district in June.
    submission(
        inbox / "hai_an_2025_h1.xlsx",
        _members(HAI_AN, [100] * 8, [5, 6, 7, 8, 9, 10, 11, 12], [200] * 8),
        report_title="BÁO CÁO SƠ KẾT 6 THÁNG ĐẦU NĂM 2025",
        unit_title=district,
    )
    # 2025 second half, new tree, sent by the new city.
    submission(
        inbox / "hai_phong_2025_h2.xlsx",
        _members([("11411", "Phường Đông Hải"), ("11413", "Phường Hải An")], [1000, 2900], [20, 30], [2000, 5800]),
        report_title="BÁO CÁO KẾT QUẢ CÔNG TÁC HỘI 6 THÁNG CUỐI NĂM 2025",
        unit_title="HỘI LHPN THÀNH PHỐ HẢI PHÒNG",
    )
    result = vwu("ingest", inbox, "--workspace", workspace, "--json")
    assert [f["status"] for f in json.loads(result.stdout)["files"]] == ["accepted"] * 3, result.stdout
    return workspace


def test_2025_rolls_up_legacy_first_half_and_new_second_half(reform_workspace: Path) -> None:
    from vwu_pipeline.report.rollup import aggregate

    result = aggregate(reform_workspace, 2025)
    assert result.tree.tree == "2025"
    # Flows: H1 carried (whole merges and the all-population piece to their commune), H2 added.
    assert result.total("members", "members_new", "11411") == 5 + 6 + 20
    assert result.total("members", "members_new", "11413") == 7 + 8 + 9 + 11 + 12 + 30
    # Nam Hải's H1 flow is not allocated to a commune: the city holds it, exactly.
    assert result.total("members", "members_new", "31") == 68 + 50
    assert result.total("members", "members_new") == 118
    # Stocks: the latest period, the new tree's second half; Nam Hải's H1 stock does not count twice.
    assert result.total("members", "members_total", "11411") == 1000
    assert result.total("members", "members_total", "31") == 1000 + 2900
    assert result.counts["carried_figures"] == 8 * 4 and result.counts["not_allocated_units"] == 1


def test_2025_compares_with_2024_carried_forward(reform_workspace: Path) -> None:
    from vwu_pipeline.report.rollup import aggregate

    result = aggregate(reform_workspace, 2025)
    values = result.values.set_index(["indicator", "unit_code", "column"])
    # The city against the sum of its legacy parts: exact.
    assert values.loc[("members", "31", "members_total"), "previous"] == 3600
    assert values.loc[("members", "31", "members_new"), "previous"] == 360
    assert values.loc[("members", "00", "members_new"), "previous"] == 360
    # A new commune that took part of a split commune does not compare.
    row = values.loc[("members", "11411", "members_total")]
    assert np.isnan(row["previous"]) and row["lfl_reason"] == "boundary-changed"
    # Grassroots units at 60 %: both figures, no change across the trees (8 legacy, 2 new).
    reached = values.loc[("members", "00", "enrolment_rate_assessed")]
    assert reached["value"] == 2 and reached["previous"] == 8 and reached["lfl_reason"] == "different-trees"


def test_2025_national_total_reconciles_with_its_parts(reform_workspace: Path) -> None:
    """The national total = every legacy H1 flow carried + every new-tree H2 flow, none lost,
    none twice; and the province total = its communes + its not-allocated own row."""
    from vwu_pipeline.report.rollup import aggregate

    result = aggregate(reform_workspace, 2025)
    communes = sum(result.total("members", "members_new", c) for c in ("11411", "11413"))
    own = result.total("members", "members_new", "31") - communes
    assert own == 10  # Nam Hải, not allocated
    assert result.total("members", "members_new") == sum([5, 6, 7, 8, 9, 10, 11, 12]) + 20 + 30


def test_the_2025_report_says_what_changed(reform_workspace: Path, vwu, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    result = vwu("report", "--year", 2025, "--workspace", reform_workspace, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    summary = (tmp_path / "out" / "vwu-2025.md").read_text(encoding="utf-8")
    assert "## Sắp xếp đơn vị hành chính từ 01/07/2025" in summary
    assert (
        "| Thành phố Hải Phòng (31) | Tỉnh Hải Dương (30), Thành phố Hải Phòng (31) | 3.900 | 3.600\\* |" in summary
    )  # 2024: partial data
    assert "(1 xã cũ, chưa phân bổ về xã)" in summary  # Nam Hải
    sheet = load_workbook(tmp_path / "out" / "vwu-2025.xlsx")["Sắp xếp 01-07-2025"]
    rows = {r[0]: r for r in sheet.iter_rows(min_row=3, values_only=True) if r[0]}
    assert rows["31"][3:5] == (3900, 3600)


def test_2025_targets_set_on_legacy_provinces_are_carried_onto_the_new_one(reform_workspace: Path, vwu, tmp_path: Path) -> None:
    from vwu_pipeline.report.rollup import aggregate

    targets = tmp_path / "targets_2025.csv"
    targets.write_text(
        "year,unit_code,column,target\n"
        "2025,30,members_new,40\n"  # Hải Dương: a legacy province only
        "2025,31,members_new,60\n"  # 31 is on both trees, and names other ground on each
        "2025,30,enrolment_rate,60%\n",
        encoding="utf-8",
    )
    refused = vwu("targets", targets, "--workspace", reform_workspace, "--json")
    assert refused.exit_code == 1
    (problem,) = json.loads(refused.stdout)["problems"]
    assert problem["code"] == "targets-tree-ambiguous" and problem["row"] == 3
    assert "Thành phố Hải Phòng" in problem["message"] and "tree" in problem["message"]
    # The office says which tree each target was set on (the column may be left empty where a code
    # belongs to one tree only, or names the same unit on both).
    targets.write_text(
        "year,unit_code,column,target,tree\n2025,30,members_new,40,\n2025,31,members_new,60,2025\n2025,30,enrolment_rate,60%,cũ\n",
        encoding="utf-8",
    )
    assert vwu("targets", targets, "--workspace", reform_workspace).exit_code == 0
    result = aggregate(reform_workspace, 2025)
    carried = result.targets.set_index(["unit_code", "column"])["target"]
    assert carried[("31", "members_new")] == 60  # set on the new tree: wins over the carried 40
    assert ("31", "enrolment_rate") not in carried.index  # a ratio is not carried
    assert result.counts["ratio_targets_not_carried"] == ["enrolment_rate"]


def test_the_year_on_year_check_runs_on_province_totals_across_the_reform(reform_workspace: Path, vwu, tmp_path: Path) -> None:
    """An extra zero typed by the new Hải Phòng in a new commune's figure: the commune has no
    comparable 2024 figure (it took part of a split commune), but the city's total, against the
    sum of its legacy provinces, is ten times it."""
    import os

    from vwu_pipeline.report.rollup import aggregate

    assert aggregate(reform_workspace, 2025).outliers.query("kind == 'jump-total'").empty
    inbox = tmp_path / "again"
    inbox.mkdir()
    typo = inbox / "hai_phong_2025_h2_sua.xlsx"
    submission(
        typo,
        _members([("11411", "Phường Đông Hải"), ("11413", "Phường Hải An")], [10000, 2900], [9000, 30], [20000, 5800]),
        report_title="BÁO CÁO KẾT QUẢ CÔNG TÁC HỘI 6 THÁNG CUỐI NĂM 2025",
        unit_title="HỘI LHPN THÀNH PHỐ HẢI PHÒNG",
    )
    os.utime(typo, (2_000_000_000, 2_000_000_000))  # a later version than the first one
    assert vwu("ingest", inbox, "--workspace", reform_workspace).exit_code == 0
    result = aggregate(reform_workspace, 2025)
    jumps = result.outliers[result.outliers["kind"] == "jump-total"]
    assert list(zip(jumps["unit_code"], jumps["column"])) == [("31", "members_new")]
    (jump,) = jumps.itertuples()
    assert jump.value >= 10 * jump.reference
    out = vwu("report", "--year", 2025, "--workspace", reform_workspace, "--out", tmp_path / "out")
    assert out.exit_code == 0, out.output
    summary = (tmp_path / "out" / "vwu-2025.md").read_text(encoding="utf-8")
    assert "tính trên các tỉnh cũ hợp thành" in summary


def test_a_2025_target_on_a_legacy_province_whose_code_lives_on_says_its_tree(reform_workspace: Path, vwu, tmp_path: Path) -> None:
    """Targets for 2025 were set in January on the legacy provinces: legacy Hải Phòng (31) is only
    part of the new Hải Phòng (31), so its target is carried, added to Hải Dương's."""
    from vwu_pipeline.report.rollup import aggregate

    targets = tmp_path / "targets_2025.csv"
    targets.write_text(
        "year,unit_code,column,target,tree\n2025,30,members_new,40,legacy\n2025,31,members_new,60,legacy\n2025,04,members_new,9,\n",
        encoding="utf-8",
    )  # Cao Bằng (04) did not change: no tree needed
    result = vwu("targets", targets, "--workspace", reform_workspace)
    assert result.exit_code == 0, result.output
    store = Store.open(reform_workspace)
    try:
        stored = store.targets(2025).set_index(["unit_code", "column"])["tree"]
    finally:
        store.close()
    assert stored[("31", "members_new")] == "legacy" and stored[("04", "members_new")] == "2025"
    carried = aggregate(reform_workspace, 2025).targets.set_index(["unit_code", "column"])["target"]
    assert carried[("31", "members_new")] == 100
    bad = tmp_path / "bad.csv"
    bad.write_text("year,unit_code,column,target,tree\n2024,31,members_new,60,2025\n", encoding="utf-8")
    refused = vwu("targets", bad, "--workspace", reform_workspace, "--json")
    assert refused.exit_code == 1 and json.loads(refused.stdout)["problems"][0]["code"] == "targets-tree"


def test_a_new_province_report_compares_2025_with_its_legacy_provinces_2024(reform_workspace: Path, vwu, tmp_path: Path) -> None:
    """`vwu report --year 2025 --unit 31`: the new Hải Phòng against legacy Hải Phòng + Hải Dương in
    2024 (was "–" on every row, without a reason); grassroots units at 60 % are both shown, never
    as a fall (10,040 communes became 3,321)."""
    result = vwu("report", "--year", 2025, "--unit", 31, "--workspace", reform_workspace, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    rows = {
        cells[1]: cells[2:]
        for line in (tmp_path / "out" / "vwu-2025-31.md").read_text(encoding="utf-8").splitlines()
        if line.startswith("| Hội viên |")
        for cells in [[c.strip() for c in line.strip("|").split("|")]]
    }
    # 2024 is partial (one district of the two legacy provinces): compared over its communes.
    assert rows["Tổng số hội viên"] == ["3.900", "3.600\\*", "+900", "+30,0%", "so sánh trên 2 xã có số liệu cả hai năm"]
    reached = rows["Số cơ sở Hội đạt tỷ lệ tập hợp từ 60%"]
    assert reached[2:4] == ["–", "–"] and "danh mục đơn vị hai năm khác nhau" in reached[4]


def test_sample_data_is_byte_for_byte_what_make_sample_data_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """sample_data/inbox (2023 to 2025: first halves of 2025 from the districts, full years from the
    new provinces) is written by scripts/make_sample_data.py; a change to the forms or the schemas
    is followed by running it again (this fails until then)."""
    import importlib.util

    root = Path(__file__).resolve().parent.parent
    spec = importlib.util.spec_from_file_location("make_sample_data", root / "scripts" / "make_sample_data.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    monkeypatch.chdir(tmp_path)
    script.main(tmp_path / "inbox")
    committed = root / "sample_data" / "inbox"
    written = {p.relative_to(tmp_path / "inbox"): p.read_bytes() for p in (tmp_path / "inbox").rglob("*") if p.is_file()}
    assert {p.relative_to(committed) for p in committed.rglob("*") if p.is_file()} == set(written)
    stale = sorted(str(name) for name, data in written.items() if (committed / name).read_bytes() != data)
    assert not stale, f"run .venv/bin/python scripts/make_sample_data.py: {stale}"
    assert any("2025-H1" in str(name) for name in written) and any(str(name).startswith("2025_moi") for name in written)


def test_status_of_2025_periods_combines_the_months_sent_on_both_trees(vwu, tmp_path: Path) -> None:
    """Hải An sent Q1 and Q2 on the legacy tree; the new Hải Phòng sent Q3 on the new one. The nine
    months are answered for where both trees' months meet: the new communes made only of Hải An's
    communes (11411 and 11413; Nam Hải's pieces included), 2 of Hải Phòng's 114; the year counts
    the city's own file; Q3 alone, the city whole."""
    inbox, workspace = tmp_path / "inbox", tmp_path / "ws"
    inbox.mkdir()
    district, city = "HỘI LHPN QUẬN HẢI AN", "HỘI LHPN THÀNH PHỐ HẢI PHÒNG"
    for quarter in ("I", "II"):
        submission(
            inbox / f"hai_an_2025_q{len(quarter)}.xlsx",
            _members(HAI_AN, [100] * 8, [5] * 8, [200] * 8),
            report_title=f"BÁO CÁO KẾT QUẢ CÔNG TÁC HỘI QUÝ {quarter} NĂM 2025",
            unit_title=district,
        )
    submission(
        inbox / "hai_phong_2025_q3.xlsx",
        _members([("11411", "Phường Đông Hải"), ("11413", "Phường Hải An")], [1000, 2900], [20, 30], [2000, 5800]),
        report_title="BÁO CÁO KẾT QUẢ CÔNG TÁC HỘI QUÝ III NĂM 2025",
        unit_title=city,
    )
    assert vwu("ingest", inbox, "--workspace", workspace).exit_code == 0
    communes = len(UnitTree.for_year(2025).leaves("31"))

    def covered(period: str | None) -> tuple[str, list[tuple[str, int, int]]]:
        shown = json.loads(
            vwu("status", "--year", 2025, *(["--period", period] if period else []), "--workspace", workspace, "--json").stdout
        )
        by_unit = shown["indicators"][0]["lowest_units"]["by_unit"]
        return shown["tree"], [(u["code"], u["covered"], u["expected"]) for u in by_unit]

    assert covered("H1") == ("legacy", [("306", 8, 8)])  # Q1 + Q2
    assert covered("Q2") == ("legacy", [("306", 8, 8)])
    assert covered("M07") == ("2025", [])  # Q3 is not a month's report
    assert covered("Q3") == ("2025", [("31", communes, communes)])
    assert covered("9M") == ("2025", [("31", 2, communes)])  # legacy Jan-Jun + the city's Jul-Sep
    assert covered(None) == ("2025", [("31", communes, communes)])
    from vwu_pipeline.report.rollup import aggregate

    nine = aggregate(workspace, 2025, period="9M")
    assert _coverage(nine, "31") == (2, communes) and _coverage(nine) == (2, 3321)


def test_a_legacy_first_half_combines_a_districts_q1_with_its_new_provinces_q2(vwu, tmp_path: Path) -> None:
    """Hải An sent Q1 in April; the new Hải Phòng compiled Q2 in July on the new tree, for the
    whole of legacy Hải Phòng and Hải Dương (provinces merged whole). Hải An's first half is
    covered (Q1 its own, Q2 the city's); other districts have only Q2: not the first half."""
    inbox, workspace = tmp_path / "inbox", tmp_path / "ws"
    inbox.mkdir()
    submission(
        inbox / "hai_an_2025_q1.xlsx",
        _members(HAI_AN, [100] * 8, [5] * 8, [200] * 8),
        report_title="BÁO CÁO KẾT QUẢ CÔNG TÁC HỘI QUÝ I NĂM 2025",
        unit_title="HỘI LHPN QUẬN HẢI AN",
    )
    submission(
        inbox / "hai_phong_2025_q2.xlsx",
        _members([("11411", "Phường Đông Hải"), ("11413", "Phường Hải An")], [1000, 2900], [20, 30], [2000, 5800]),
        report_title="BÁO CÁO KẾT QUẢ CÔNG TÁC HỘI QUÝ II NĂM 2025",
        unit_title="HỘI LHPN THÀNH PHỐ HẢI PHÒNG",
    )
    ingested = vwu("ingest", inbox, "--workspace", workspace, "--json")
    assert [f["tree"] for f in json.loads(ingested.stdout)["files"]] == ["legacy", "2025"], ingested.stdout
    half = json.loads(vwu("status", "--year", 2025, "--period", "H1", "--unit", "306", "--workspace", workspace, "--json").stdout)
    assert half["tree"] == "legacy" and half["indicators"][0]["submitted_units"] == [{"code": "306", "name": "Quận Hải An"}]
    other = json.loads(vwu("status", "--year", 2025, "--period", "H1", "--unit", "307", "--workspace", workspace, "--json").stdout)
    assert other["indicators"][0]["submitted"] == 0  # Quận Kiến An: Q2 only
    second = json.loads(vwu("status", "--year", 2025, "--period", "Q2", "--unit", "307", "--workspace", workspace, "--json").stdout)
    assert second["indicators"][0]["submitted"] == 1  # the city's Q2 answers for it


@pytest.mark.parametrize("order", ["targets first", "targets after the aggregation"])
def test_legacy_2025_targets_are_carried_and_ratios_said_not_carried_whatever_the_order(
    reform_workspace: Path, vwu, tmp_path: Path, order: str
) -> None:
    """Targets set in January on legacy Hải Dương (30) and Hải Phòng (31): new members 40 + 60 =
    100 for the new Hải Phòng, members 3,000; the enrolment rate of 60 % is not carried. The new
    city has 5 + 6 + ... + 12 = 68 new members from Hải An's first half carried, plus 20 + 30 in
    the second half: 118 of 100, met; members 1,000 + 2,900 = 3,900 of 3,000, met."""
    targets = tmp_path / "targets_2025.csv"
    targets.write_text(
        "year,unit_code,column,target,tree\n"
        "2025,30,members_new,40,legacy\n2025,31,members_new,60,legacy\n2025,31,members_total,3000,legacy\n"
        "2025,31,enrolment_rate,60%,legacy\n",
        encoding="utf-8",
    )
    if order == "targets first":
        assert vwu("targets", targets, "--workspace", reform_workspace).exit_code == 0
    else:
        assert vwu("aggregate", "--year", 2025, "--workspace", reform_workspace).exit_code == 0
        assert vwu("targets", targets, "--workspace", reform_workspace).exit_code == 0
    out = tmp_path / "out"
    result = vwu("report", "--year", 2025, "--unit", 31, "--workspace", reform_workspace, "--out", out, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    by_column = {t["column"]: t for t in data["targets"]}
    assert (by_column["members_new"]["target"], by_column["members_new"]["achieved"]) == (100, 118)
    assert by_column["members_new"]["status"] == "met"
    assert (by_column["members_total"]["target"], by_column["members_total"]["achieved"]) == (3000, 3900)
    assert by_column["members_total"]["status"] == "met"
    assert "enrolment_rate" not in by_column and data["targets_not_carried"] == ["enrolment_rate"]
    summary = (out / "vwu-2025-31.md").read_text(encoding="utf-8")
    targets_section = summary.split("## Thực hiện chỉ tiêu", 1)[1]
    assert "chỉ tiêu tỷ lệ không chuyển: Tỷ lệ tập hợp." in targets_section


def test_the_reform_rows_read_from_each_measures_rows_are_those_pandas_lookups_give(reform_workspace: Path) -> None:
    # The report's reform sheet asks for a dozen measures: their rows are found once per result,
    # not by comparing every row's texts per measure; the same rows (values, partial flags), for
    # the nation and a province's own report; a unit twice is left to the frame lookups.
    import pandas as pd

    from vwu_pipeline.core.indicators import measures
    from vwu_pipeline.report.reform import _reform_rows_by_frame, reform_rows
    from vwu_pipeline.report.rollup import aggregate

    result = aggregate(reform_workspace, 2025)
    asked = [(i.name, m.name) for i in result.catalog.indicators for m in measures(i)] + [("members", "no_such_column")]
    for scope in (result, result.for_unit("31")):
        for indicator, column in asked:
            assert reform_rows(scope, indicator, column) == _reform_rows_by_frame(scope, indicator, column)
    assert any(row.value is not None for row in reform_rows(result, "members", "members_new"))

    def with_values(values: pd.DataFrame):
        fields = {k: v for k, v in result.__dict__.items() if not k.startswith("_")}  # no cached lookups
        return type(result)(**{**fields, "values": values})

    # Flags as a partial year would set them, a missing one (NaN) among them.
    hai_phong = (result.values["unit_code"] == "31").to_numpy()
    flagged = result.values.assign(
        partial=np.where(hai_phong, 1, result.values["partial"]),
        previous_partial=np.where(hai_phong, np.nan, result.values["previous_partial"]),
    )
    flagged = with_values(flagged)
    for indicator, column in asked:
        assert reform_rows(flagged, indicator, column) == _reform_rows_by_frame(flagged, indicator, column)
    assert any(row.partial and row.previous_partial for row in reform_rows(flagged, "members", "members_new"))

    twice = result.values[(result.values["indicator"] == "members") & hai_phong].head(1)
    doubled = with_values(pd.concat([result.values, twice], ignore_index=True))
    column = twice["column"].iloc[0]
    for lookup in (reform_rows, _reform_rows_by_frame):  # pandas cannot tell which row: both say so alike
        with pytest.raises(ValueError, match="ambiguous"):
            lookup(doubled, "members", column)
