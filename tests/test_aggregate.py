"""An officer runs `vwu aggregate --year 2024`: every figure rolls up the unit tree."""

from __future__ import annotations

import json
import random

import pandas as pd
import pytest
from builders import submission
from conftest import figures

from vwu_pipeline.core.indicators import load_catalog
from vwu_pipeline.core.periods import flow_periods, period_months
from vwu_pipeline.core.units import NATIONAL, UnitTree
from vwu_pipeline.ingest.run import IngestOptions, run
from vwu_pipeline.report.rollup import aggregate, compute
from vwu_pipeline.store.db import Store

H1 = "BÁO CÁO KẾT QUẢ CÔNG TÁC HỘI 6 THÁNG ĐẦU NĂM 2024"
H2 = "BÁO CÁO KẾT QUẢ CÔNG TÁC HỘI 6 THÁNG CUỐI NĂM 2024"
YEAR = "BÁO CÁO KẾT QUẢ CÔNG TÁC HỘI NĂM 2024"
TIEN_LU, BA_DINH = "HỘI LHPN HUYỆN TIÊN LỮ", "HỘI LHPN QUẬN BA ĐÌNH"

# Huyện Tiên Lữ (332, Hưng Yên 33) reports twice, Quận Ba Đình (001, Hà Nội 01) once.
# members: total (stock), new (flow), women 18+ (stock), honorary (stock)
# poverty: poor at start (stock), near-poor at start (stock), lifted, lifted near (flows), new cooperatives (flow)
FIXTURE = {
    ("tien_lu_h1.xlsx", H1, TIEN_LU): {
        "members": [["12337", "Thị trấn Vương", 100, 10, 200, 1], ["12340", "Xã Hưng Đạo", 50, 5, 100, 0]],
        "poverty": [["12337", "Thị trấn Vương", 40, 50, 3, 1, 1], ["12340", "Xã Hưng Đạo", 30, 20, 2, 0, 0]],
    },
    ("tien_lu_h2.xlsx", H2, TIEN_LU): {
        "members": [["12337", "Thị trấn Vương", 110, 12, 200, 2], ["12340", "Xã Hưng Đạo", 40, 3, 100, 0]],
        "poverty": [["12337", "Thị trấn Vương", 38, 49, 2, 4, 0], ["12340", "Xã Hưng Đạo", 28, 20, 1, 1, 1]],
    },
    ("ba_dinh.xlsx", YEAR, BA_DINH): {
        "members": [["00001", "Phường Phúc Xá", 300, 20, 400, 3], ["00004", "Phường Trúc Bạch", 90, 9, 100, 1]],
        "poverty": [["00001", "Phường Phúc Xá", 10, 12, 4, 5, 2], ["00004", "Phường Trúc Bạch", 5, 6, 1, 2, 0]],
    },
}


def ingest_fixture(folder, workspace, fixture=FIXTURE):
    folder.mkdir(exist_ok=True)
    for (name, title, unit), rows in fixture.items():
        submission(folder / name, rows, report_title=title, unit_title=unit)
    report = run([folder], workspace)
    assert report.valid, report.to_json()
    return report


def totals(result, indicator: str, unit: str) -> dict[str, float]:
    part = result.values[(result.values["indicator"] == indicator) & (result.values["unit_code"] == unit)]
    return dict(zip(part["column"], part["value"]))


def test_every_aggregate_of_a_small_fixture(tmp_path, workspace):
    ingest_fixture(tmp_path / "inbox", workspace)

    result = aggregate(workspace, 2024)

    # Communes: flows add H1 + H2, stocks take H2, opening stocks H1.
    assert totals(result, "members", "12337") == {
        "members_total": 110,
        "members_new": 22,
        "women_18_plus": 200,
        "honorary_members": 2,
        "enrolment_rate": 0.55,
        "enrolment_rate_reached": 0,
        "enrolment_rate_assessed": 1,
    }
    assert totals(result, "members", "332") == {
        "members_total": 150,
        "members_new": 30,
        "women_18_plus": 300,
        "honorary_members": 2,
        "enrolment_rate": 0.5,
        "enrolment_rate_reached": 0,
        "enrolment_rate_assessed": 2,
    }
    assert totals(result, "members", "001") == {
        "members_total": 390,
        "members_new": 29,
        "women_18_plus": 500,
        "honorary_members": 4,
        "enrolment_rate": 0.78,
        "enrolment_rate_reached": 2,
        "enrolment_rate_assessed": 2,
    }
    assert totals(result, "members", "33") == totals(result, "members", "332")
    assert totals(result, "members", "01") == totals(result, "members", "001")
    # The national rate is recomputed from the sums (540 / 800), never averaged.
    assert totals(result, "members", NATIONAL) == {
        "members_total": 540,
        "members_new": 59,
        "women_18_plus": 800,
        "honorary_members": 6,
        "enrolment_rate": 0.675,
        "enrolment_rate_reached": 2,
        "enrolment_rate_assessed": 4,
    }
    # Households poor at the start of the year are those at the start of H1 (40 + 30, 50 + 20),
    # not of H2: an opening stock takes the earliest period.
    assert totals(result, "poverty", "332") == {
        "poor_households_start": 70,
        "near_poor_households_start": 70,
        "lifted_from_poverty": 8,
        "lifted_from_near_poverty": 6,
        "new_cooperatives": 2,
        "lifted_total": 14,
    }
    assert totals(result, "poverty", NATIONAL) == {
        "poor_households_start": 85,
        "near_poor_households_start": 88,
        "lifted_from_poverty": 13,
        "lifted_from_near_poverty": 13,
        "new_cooperatives": 4,
        "lifted_total": 26,
    }
    # No figures for orphans or policies: nothing to total.
    assert totals(result, "orphans", NATIONAL) == {}


def test_totals_built_from_partial_data_are_flagged(tmp_path, workspace):
    ingest_fixture(tmp_path / "inbox", workspace)

    result = aggregate(workspace, 2024)

    partial = result.values.groupby("unit_code")["partial"].max()
    assert partial["332"] == 0 and partial["001"] == 0  # each district sent its own report
    assert partial["33"] == 1 and partial[NATIONAL] == 1  # Hưng Yên has 10 districts
    assert result.coverage("members", "33") == {"expected": 10, "submitted": 1, "grassroots_expected": 139, "grassroots_reported": 2}
    assert result.coverage("members", "332")["grassroots_expected"] == 11
    assert result.coverage("orphans", NATIONAL)["submitted"] == 0
    missing = {u.code: u.name for u in result.missing("members", "33")}
    assert missing["331"] == "Huyện Kim Động" and "332" not in missing and len(missing) == 9
    assert len(result.missing("members")) == 696 - 2


def test_a_full_year_report_wins_over_its_first_half(tmp_path, workspace):
    fixture = {
        ("h1.xlsx", H1, BA_DINH): {"members": [["00001", "Phường Phúc Xá", 280, 11, 400, 3]]},
        ("year.xlsx", YEAR, BA_DINH): {"members": [["00001", "Phường Phúc Xá", 300, 20, 400, 3]]},
    }
    ingest_fixture(tmp_path / "inbox", workspace, fixture)

    result = aggregate(workspace, 2024)

    assert totals(result, "members", "00001")["members_new"] == 20  # not 31
    assert totals(result, "members", "00001")["members_total"] == 300


@pytest.mark.parametrize(
    "periods,added",
    [
        (("2024", "2024-H1"), {"2024"}),
        (("2024-H1", "2024-Q3", "2024-Q4"), {"2024-H1", "2024-Q3", "2024-Q4"}),
        (("2024-H1", "2024-Q1", "2024-M02"), {"2024-H1"}),
        (("2024-M01", "2024-M02", "2024-Q2"), {"2024-M01", "2024-M02", "2024-Q2"}),
    ],
)
def test_flows_add_the_longest_periods_that_do_not_overlap(periods, added):
    assert flow_periods(periods) == frozenset(added)


def test_period_months():
    assert period_months("2024") == (1, 12)
    assert period_months("2024-H2") == (7, 12)
    assert period_months("2024-Q3") == (7, 9)
    assert period_months("2024-M03") == (3, 3)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_national_total_reconciles_with_the_accepted_rows(tmp_path, seed):
    """Whatever the order and repetition of ingests and resubmissions."""
    workspace = tmp_path / "ws"
    first = {"members": [["12337", "Thị trấn Vương", 100, 10, 200, 1], ["12340", "Xã Hưng Đạo", 50, 5, 100, 0]]}
    corrected = {"members": [["12337", "Thị trấn Vương", 120, 14, 200, 1], ["12340", "Xã Hưng Đạo", 55, 6, 100, 0]]}
    ba_dinh = {"members": [["00001", "Phường Phúc Xá", 300, 20, 400, 3]]}
    files = [
        submission(tmp_path / "tien_lu.xlsx", first, unit_title=TIEN_LU),
        submission(tmp_path / "ba_dinh.xlsx", ba_dinh, unit_title=BA_DINH),
        submission(tmp_path / "tien_lu_h1.xlsx", first, report_title=H1, unit_title=TIEN_LU),
    ]
    steps = files * 2
    random.Random(seed).shuffle(steps)
    for path in steps:
        run([path], workspace)
    run([submission(tmp_path / "tien_lu_fixed.xlsx", corrected, unit_title=TIEN_LU)], workspace)

    result = aggregate(workspace, 2024)

    # Every submission here covers the full year once, except the H1 file which the full-year
    # report of the same district supersedes: the nation is the sum of the full-year rows.
    with Store.open(workspace) as store:
        current = store.figures_frame(2024)
    accepted = current[current["period"] == "2024"].groupby("column")["value"].sum().to_dict()
    national = totals(result, "members", NATIONAL)
    assert {c: national[c] for c in accepted} == accepted
    assert national["members_total"] == 120 + 55 + 300
    assert figures(workspace)[("12337", "members_total")] == 120  # the H1 row is also still stored


def test_previous_year_comparison_and_a_jump_is_listed_not_changed(tmp_path, workspace, vwu):
    last_year = {"members": [["12337", "Thị trấn Vương", 100, 10, 200, 1], ["12340", "Xã Hưng Đạo", 50, 5, 100, 0]]}
    this_year = {"members": [["12337", "Thị trấn Vương", 1000, 12, 2000, 1], ["12340", "Xã Hưng Đạo", 55, 6, 100, 0]]}
    submission(tmp_path / "2023.xlsx", last_year, report_title="BÁO CÁO NĂM 2023", unit_title=TIEN_LU)
    submission(tmp_path / "2024.xlsx", this_year, unit_title=TIEN_LU)
    run([tmp_path / "2023.xlsx", tmp_path / "2024.xlsx"], workspace)

    result = aggregate(workspace, 2024)

    national = result.values[(result.values["unit_code"] == NATIONAL) & (result.values["column"] == "members_total")]
    assert (national["value"].iloc[0], national["previous"].iloc[0]) == (1055, 150)
    jumps = result.outliers[result.outliers["kind"] == "jump"]
    assert set(zip(jumps["unit_code"], jumps["column"])) == {("12337", "members_total"), ("12337", "women_18_plus")}
    assert jumps.set_index("column").loc["members_total", "reference"] == 100
    assert totals(result, "members", "12337")["members_total"] == 1000  # listed, never changed

    relaxed = vwu("aggregate", "--year", 2024, "--workspace", workspace, "--outlier-factor", 20, "--json")
    assert relaxed.exit_code == 0, relaxed.output
    assert [o for o in json.loads(relaxed.output)["outliers"] if o["kind"] == "jump"] == []


def test_a_figure_far_from_its_siblings_is_listed(tmp_path, workspace):
    communes = [
        ("12337", "Thị trấn Vương"),
        ("12340", "Xã Hưng Đạo"),
        ("12346", "Xã Nhật Tân"),
        ("12352", "Xã Lệ Xá"),
        ("12355", "Xã An Viên"),
        ("12361", "Xã Trung Dũng"),
    ]
    totals_typed = [1000, 1100, 1200, 1050, 1150, 11500]  # Trung Dũng: an extra zero
    rows = [[code, name, total, 10, 20000, 0] for (code, name), total in zip(communes, totals_typed)]
    submission(tmp_path / "f.xlsx", {"members": rows}, unit_title=TIEN_LU)
    run([tmp_path / "f.xlsx"], workspace)

    result = aggregate(workspace, 2024)

    far = result.outliers[result.outliers["kind"] == "siblings"]
    assert list(zip(far["unit_code"], far["column"], far["value"], far["reference"])) == [("12361", "members_total", 11500, 1125)]


def test_a_new_aggregation_replaces_the_previous_one(tmp_path, workspace):
    ingest_fixture(tmp_path / "inbox", workspace)
    aggregate(workspace, 2024)
    with Store.open(workspace) as store:
        before = len(store.read_aggregation(2024)[1]["aggregates"])

    aggregate(workspace, 2024, outlier_factor=5)

    with Store.open(workspace) as store:
        meta, tables = store.read_aggregation(2024)
        assert len(tables["aggregates"]) == before
        assert [(year, store.aggregation_meta(year)["outlier_factor"]) for year in store.aggregated_years()] == [(2024, 5.0)]
    at_nation = tables["aggregates"][(tables["aggregates"]["unit_code"] == "00") & (tables["aggregates"]["column"] == "members_total")]
    assert list(zip(at_nation["value"], at_nation["partial"])) == [(540.0, 1)]


def test_cli_aggregate_prints_headline_and_json_equals_the_library(tmp_path, workspace, vwu):
    ingest_fixture(tmp_path / "inbox", workspace)

    shown = vwu("aggregate", "--year", 2024, "--workspace", workspace)
    as_json = vwu("aggregate", "--year", 2024, "--workspace", workspace, "--json")

    assert shown.exit_code == 0, shown.output
    assert "Tổng số hội viên" in shown.output and "540*" in shown.output
    assert as_json.exit_code == 0, as_json.output
    assert json.loads(as_json.output) == json.loads(aggregate(workspace, 2024).to_json())
    data = json.loads(as_json.output)
    total = data["totals"]["members"]["members_total"]
    assert (total["value"], total["previous"], total["partial"], total["previous_partial"]) == (540, None, True, False)
    assert total["like_for_like"]["reason"] == "no-previous-year"
    assert data["completeness"]["members"]["submitted"] == 2


def test_aggregate_without_figures_says_what_to_do(tmp_path, workspace, vwu):
    ingest_fixture(tmp_path / "inbox", workspace)

    result = vwu("aggregate", "--year", 2023, "--workspace", workspace)

    assert result.exit_code == 2
    assert "Chưa có số liệu năm 2023" in result.output and "vwu ingest" in result.output


def test_the_2025_tree_rolls_communes_straight_to_provinces():
    tree = UnitTree.for_year(2025)
    province = tree.children(None)[0]
    communes = tree.children(province.code)[:2]
    frame = pd.DataFrame(
        [
            (1, "members", "2025", c.code, column, value)
            for c, (total, women) in zip(communes, [(60, 100), (30, 100)])
            for column, value in (("members_total", total), ("women_18_plus", women))
        ],
        columns=["submission_id", "indicator", "period", "unit_code", "column", "value"],
    )

    values, complete, _ = compute(frame, tree, load_catalog(), [("members", province.code)])

    at = values.set_index(["unit_code", "column"])["value"]
    assert at[(province.code, "members_total")] == 90 and at[(NATIONAL, "members_total")] == 90
    assert at[(province.code, "enrolment_rate")] == pytest.approx(0.45)
    assert at[(province.code, "enrolment_rate_reached")] == 1
    levels = set(values["level"])
    assert levels == {"national", "province", "commune"}
    national = complete[(complete["indicator"] == "members") & (complete["unit_code"] == NATIONAL)].iloc[0]
    # 2025: completeness counts communes; the province's file answers for all of its communes
    assert (national["expected"], national["submitted"]) == (len(tree.leaves()), len(tree.leaves(province.code)))


def test_json_totals_keep_the_schema_order(tmp_path, workspace):
    ingest_fixture(tmp_path / "inbox", workspace, {k: v for k, v in FIXTURE.items() if k[0] == "ba_dinh.xlsx"})

    data = aggregate(workspace, 2024).to_dict()

    assert list(data["totals"]["poverty"])[-1] == "lifted_total"
    assert list(data["totals"]) == ["members", "poverty"]
    assert data["unit"] == NATIONAL and data["tree"] == "legacy"


def test_ingest_options_year_is_respected(tmp_path, workspace):
    """A file without a period in its title takes --year, and aggregates under that year."""
    path = submission(
        tmp_path / "untitled.xlsx",
        {"members": [["00001", "Phường Phúc Xá", 300, 20, 400, 3]]},
        report_title="BÁO CÁO KẾT QUẢ CÔNG TÁC HỘI",
        unit_title=BA_DINH,
    )
    run([path], workspace, IngestOptions(year=2024))

    assert totals(aggregate(workspace, 2024), "members", "01")["members_total"] == 300
