"""A province officer on 1 July: the six-month review (sơ kết 6 tháng), quarter and month
reports, built from the files inside each period by the year's rules."""

from __future__ import annotations

import json

import pytest
from builders import submission

from vwu_pipeline.core.periods import Period
from vwu_pipeline.core.units import NATIONAL
from vwu_pipeline.ingest.run import run
from vwu_pipeline.report.rollup import aggregate

TIEN_LU, BA_DINH = "HỘI LHPN HUYỆN TIÊN LỮ", "HỘI LHPN QUẬN BA ĐÌNH"
VUONG, PHUC_XA = ("12337", "Thị trấn Vương"), ("00001", "Phường Phúc Xá")


def title(phrase: str) -> str:
    return f"BÁO CÁO KẾT QUẢ CÔNG TÁC HỘI {phrase}"


def rows(commune, members=None, poverty=None) -> dict:
    """members: total (stock), new (flow), women 18+ (stock), honorary (stock);
    poverty: poor at start, near-poor at start (opening), lifted, lifted near, cooperatives (flows)."""
    out = {}
    if members:
        out["members"] = [[*commune, *members]]
    if poverty:
        out["poverty"] = [[*commune, *poverty]]
    return out


# Tiên Lữ (332) sends Q1 and Q2 of 2024 (they cover H1), and later its year report; Ba Đình (001)
# sends Q1 only. In 2023 Tiên Lữ sent H1 and its year report.
FIXTURE = {
    ("332_q1_2024.xlsx", "QUÝ I NĂM 2024", TIEN_LU): rows(VUONG, [100, 10, 200, 1], [40, 50, 3, 1, 1]),
    ("332_q2_2024.xlsx", "QUÝ II NĂM 2024", TIEN_LU): rows(VUONG, [105, 6, 200, 1], [37, 49, 2, 2, 0]),
    ("332_2024.xlsx", "NĂM 2024", TIEN_LU): rows(VUONG, [120, 30, 210, 2], [40, 50, 9, 6, 2]),
    ("001_q1_2024.xlsx", "QUÝ I NĂM 2024", BA_DINH): rows(PHUC_XA, [300, 20, 400, 3], [10, 12, 4, 5, 2]),
    ("332_h1_2023.xlsx", "6 THÁNG ĐẦU NĂM 2023", TIEN_LU): rows(VUONG, [90, 12, 190, 1], [45, 52, 4, 2, 0]),
    ("332_2023.xlsx", "NĂM 2023", TIEN_LU): rows(VUONG, [98, 40, 195, 1], [45, 52, 10, 8, 1]),
}


def ingest(folder, workspace, fixture=FIXTURE):
    folder.mkdir(exist_ok=True)
    for (name, phrase, unit), table in fixture.items():
        submission(folder / name, table, report_title=title(phrase), unit_title=unit)
    report = run([folder], workspace)
    assert report.valid, report.to_json()
    return report


def total(result, indicator: str, column: str, unit: str = NATIONAL) -> float | None:
    return result.total(indicator, column, unit)


def test_the_first_half_is_built_from_two_quarters_and_not_from_the_year_file(tmp_path, workspace):
    ingest(tmp_path / "inbox", workspace)

    h1 = aggregate(workspace, 2024, period="H1")

    # Vương: new members Q1 + Q2 (10 + 6; the year file's 30 is not in H1), total members at
    # the end of Q2 (105), poor households at the start of Q1 (40), lifted Q1 + Q2 (3 + 2).
    assert total(h1, "members", "members_new", "12337") == 16
    assert total(h1, "members", "members_total", "12337") == 105
    assert total(h1, "poverty", "poor_households_start", "12337") == 40
    assert total(h1, "poverty", "lifted_from_poverty", "12337") == 5
    # The nation adds Phúc Xá's Q1, the only file it sent inside H1.
    assert total(h1, "members", "members_new") == 16 + 20
    assert total(h1, "members", "members_total") == 105 + 300
    # The year is unchanged by the quarters: its own file is longer than Q1 + Q2.
    year = aggregate(workspace, 2024)
    assert total(year, "members", "members_new", "12337") == 30


def test_completeness_of_a_period_counts_the_units_whose_files_cover_it(tmp_path, workspace):
    ingest(tmp_path / "inbox", workspace)

    h1 = aggregate(workspace, 2024, period="H1")
    q1 = aggregate(workspace, 2024, period="Q1")

    # Q1 + Q2 cover H1 for Tiên Lữ; Ba Đình's Q1 alone does not: its H1 is missing.
    assert h1.coverage("members", "332")["submitted"] == 1
    assert h1.coverage("members", "001")["submitted"] == 0
    assert "001" in {u.code for u in h1.missing("members")}
    assert h1.coverage("members")["submitted"] == 1
    # Both districts sent Q1.
    assert q1.coverage("members")["submitted"] == 2
    assert total(q1, "members", "members_new") == 10 + 20


def test_a_quarter_from_three_months(tmp_path, workspace):
    fixture = {
        (f"332_m{m:02d}.xlsx", f"THÁNG {m} NĂM 2024", TIEN_LU): rows(VUONG, [100 + m, new, 200, 1]) for m, new in ((7, 2), (8, 3), (9, 4))
    }
    ingest(tmp_path / "inbox", workspace, fixture)

    q3 = aggregate(workspace, 2024, period="Q3")

    assert total(q3, "members", "members_new") == 2 + 3 + 4
    assert total(q3, "members", "members_total") == 109  # the latest month, September
    assert q3.coverage("members", "332")["submitted"] == 1
    # No file lies inside the first half: nothing to roll up, and the message names the period.
    with pytest.raises(Exception, match="6 tháng đầu năm 2024"):
        aggregate(workspace, 2024, period="H1")


def test_the_same_period_of_the_previous_year_is_the_comparison(tmp_path, workspace):
    ingest(tmp_path / "inbox", workspace)

    h1 = aggregate(workspace, 2024, period="H1")

    assert h1.previous_period == Period("2023-H1")
    rows = h1.values.set_index(["indicator", "unit_code", "column"])
    # H1 2023 (12 new members), not the 2023 year report (40).
    assert rows.loc[("members", "12337", "members_new"), "previous"] == 12
    assert rows.loc[("poverty", "12337", "poor_households_start"), "previous"] == 45


def test_a_period_aggregation_is_stored_beside_the_year(tmp_path, workspace, vwu):
    ingest(tmp_path / "inbox", workspace)

    year = vwu("aggregate", "--year", 2024, "--workspace", workspace, "--json")
    h1 = vwu("aggregate", "--year", 2024, "--period", "H1", "--workspace", workspace, "--json")

    assert year.exit_code == 0 and h1.exit_code == 0, h1.output
    year, h1 = json.loads(year.output), json.loads(h1.output)
    assert (year["period"], h1["period"], h1["previous_period"]) == ("2024", "2024-H1", "2023-H1")
    assert h1["totals"]["members"]["members_new"]["value"] == 36
    assert year["totals"]["members"]["members_new"]["value"] == 30 + 20
    # Both stay stored: the year's report still reads its own figures.
    from vwu_pipeline.report.rollup import load

    assert total(load(workspace, 2024), "members", "members_new") == 50
    assert total(load(workspace, 2024, period="H1"), "members", "members_new") == 36


def test_status_for_a_period(tmp_path, workspace, vwu):
    ingest(tmp_path / "inbox", workspace)

    result = vwu("status", "--year", 2024, "--period", "H1", "--unit", "01", "--workspace", workspace, "--json")
    h1 = json.loads(result.output)
    members = next(i for i in h1["indicators"] if i["indicator"] == "members")
    assert h1["period"] == "2024-H1"
    assert {u["code"] for u in members["missing_units"]} >= {"001"}  # Q1 only

    q1 = json.loads(vwu("status", "--year", 2024, "--period", "Q1", "--unit", "01", "--workspace", workspace, "--json").output)
    members = next(i for i in q1["indicators"] if i["indicator"] == "members")
    assert "001" in {u["code"] for u in members["submitted_units"]}


def test_an_unknown_period_is_refused_with_the_periods_that_exist(workspace, vwu):
    result = vwu("aggregate", "--year", 2024, "--period", "Q5", "--workspace", workspace)

    assert result.exit_code == 2
    assert "H1" in result.output and "M01" in result.output
