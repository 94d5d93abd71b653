"""A province officer on 1 July: the six-month review (sơ kết 6 tháng), quarter and month
reports, built from the files inside each period by the year's rules."""

from __future__ import annotations

import json
import re

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


def test_nine_months_second_half_and_a_month_each_roll_up_the_files_inside_them(tmp_path, workspace, vwu):
    # Tiên Lữ: its first half, Q3 and Q4 (three months of Q4: October, November, December);
    # Ba Đình: its first half only.
    fixture = {
        ("332_h1.xlsx", "6 THÁNG ĐẦU NĂM 2024", TIEN_LU): rows(VUONG, [105, 16, 200, 1], [40, 50, 5, 3, 1]),
        ("332_q3.xlsx", "QUÝ III NĂM 2024", TIEN_LU): rows(VUONG, [110, 4, 200, 1], [36, 48, 2, 1, 0]),
        **{
            (f"332_m{m}.xlsx", f"THÁNG {m} NĂM 2024", TIEN_LU): rows(VUONG, [110 + k, k, 200, 1], [34, 47, 1, 0, 0])
            for k, m in ((1, 10), (2, 11), (3, 12))
        },
        ("001_h1.xlsx", "6 THÁNG ĐẦU NĂM 2024", BA_DINH): rows(PHUC_XA, [300, 20, 400, 3], [10, 12, 4, 5, 2]),
    }
    ingest(tmp_path / "inbox", workspace, fixture)

    nine = aggregate(workspace, 2024, period="9M")
    # H1 + Q3: flows add (16 + 4), stocks take September's (110), opening stocks January's (40).
    assert total(nine, "members", "members_new", "12337") == 20
    assert total(nine, "members", "members_total", "12337") == 110
    assert total(nine, "poverty", "poor_households_start", "12337") == 40
    assert total(nine, "poverty", "lifted_from_poverty", "12337") == 7
    # Tiên Lữ's files cover the nine months; Ba Đình's first half does not.
    assert nine.coverage("members", "332")["submitted"] == 1 and nine.coverage("members", "001")["submitted"] == 0

    h2 = aggregate(workspace, 2024, period="H2")
    # Q3 + October to December: 4 + 1 + 2 + 3 new members; the stock of December (113); the
    # households poor at the start of the half are Q3's (36), not the first half's.
    assert total(h2, "members", "members_new", "12337") == 10
    assert total(h2, "members", "members_total", "12337") == 113
    assert total(h2, "poverty", "poor_households_start", "12337") == 36
    assert total(h2, "members", "members_new") == 10  # Ba Đình's first half is not in H2

    out = tmp_path / "out"
    for period, stem, title in (
        ("9M", "vwu-2024-9M", "# Báo cáo 9 tháng đầu năm 2024 — Toàn quốc"),
        ("H2", "vwu-2024-H2", "# Báo cáo kết quả công tác Hội 6 tháng cuối năm 2024 — Toàn quốc"),
        ("M11", "vwu-2024-M11", "# Báo cáo tháng 11 năm 2024 — Toàn quốc"),
    ):
        result = vwu("report", "--year", 2024, "--period", period, "--workspace", workspace, "--out", out, "--json")
        assert result.exit_code == 0, result.output
        assert (out / f"{stem}.md").read_text(encoding="utf-8").startswith(title)
    # A December month report counts in the calendar year it names (DOMAIN.md): 2024-M12.
    december = json.loads(vwu("report", "--period", "2024-M12", "--workspace", workspace, "--out", out, "--json").output)
    assert december["period"] == "2024-M12"
    assert next(h for h in december["headline"] if h["column"] == "members_new")["value"] == 3


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


def test_a_part_of_a_year_without_its_year_is_refused_never_guessed(tmp_path, workspace, vwu, monkeypatch):
    # The store holds 2023 and 2024: "H1" alone could be either (in January "Q4" is last year's).
    monkeypatch.delenv("VWU_YEAR", raising=False)
    ingest(tmp_path / "inbox", workspace)

    result = vwu("status", "--period", "H1", "--workspace", workspace)

    assert result.exit_code == 2
    assert "--period H1 không nói năm nào" in result.output and "--year" in result.output
    assert vwu("status", "--missing", "--period", "H1", "--workspace", workspace).exit_code == 2
    # A full code names its year, for status, aggregate and report alike.
    h1_2023 = vwu("status", "--period", "2023-H1", "--workspace", workspace, "--json")
    assert h1_2023.exit_code == 0, h1_2023.output
    assert (json.loads(h1_2023.output)["year"], json.loads(h1_2023.output)["period"]) == (2023, "2023-H1")
    report = vwu("report", "--period", "2024-H1", "--workspace", workspace, "--out", tmp_path / "out", "--json")
    assert report.exit_code == 0, report.output
    assert (tmp_path / "out" / "vwu-2024-H1.md").exists()
    # The year of vwu.toml is the report year a part of it belongs to; an explicit code wins over it.
    (workspace / "vwu.toml").write_text("year = 2024\n", encoding="utf-8")
    assert json.loads(vwu("status", "--period", "H1", "--workspace", workspace, "--json").output)["period"] == "2024-H1"
    assert json.loads(vwu("status", "--period", "2023-H1", "--workspace", workspace, "--json").output)["period"] == "2023-H1"
    # Against an explicit --year, a full code must agree.
    clash = vwu("aggregate", "--year", 2024, "--period", "2023-H1", "--workspace", workspace, "--lang", "en")
    assert clash.exit_code == 2 and "The period 2023-H1 is not in 2024" in clash.output


def test_an_unknown_period_is_refused_with_the_periods_that_exist(workspace, vwu):
    result = vwu("aggregate", "--year", 2024, "--period", "Q5", "--workspace", workspace)

    assert result.exit_code == 2
    assert "H1" in result.output and "M01" in result.output


def test_the_six_month_report_is_named_and_titled_for_its_cycle(tmp_path, workspace, vwu):
    ingest(tmp_path / "inbox", workspace)
    out = tmp_path / "out"

    national = vwu("report", "--year", 2024, "--period", "H1", "--workspace", workspace, "--out", out, "--json")
    province = vwu("report", "--year", 2024, "--period", "H1", "--unit", 33, "--workspace", workspace, "--out", out, "--json")

    assert national.exit_code == 0 and province.exit_code == 0, national.output
    assert json.loads(national.output)["period"] == "2024-H1"
    for stem in ("vwu-2024-H1", "vwu-2024-H1-33"):
        assert (out / f"{stem}.xlsx").exists() and (out / f"{stem}.md").exists()
    summary = (out / "vwu-2024-H1.md").read_text(encoding="utf-8")
    assert summary.startswith("# Báo cáo sơ kết 6 tháng đầu năm 2024 — Toàn quốc")
    # The figures are headed by the period and compared with the same half of 2023.
    assert "| 6 tháng đầu năm 2024 | 6 tháng đầu năm 2023 |" in summary
    assert "Năm 2024" not in summary
    assert "Mức tăng/giảm so với 6 tháng đầu năm 2023" in summary  # the narrative speaks of the period
    from openpyxl import load_workbook

    sheet = load_workbook(out / "vwu-2024-H1-33.xlsx").worksheets[0]
    texts = [c for row in sheet.iter_rows(max_row=10, values_only=True) for c in row if isinstance(c, str)]
    assert "BÁO CÁO SƠ KẾT 6 THÁNG ĐẦU NĂM 2024" in texts
    assert "6 tháng đầu năm 2024" in texts and "6 tháng đầu năm 2023" in texts


def test_a_quarter_report_is_titled_quy_iii(tmp_path, workspace, vwu):
    fixture = {("332_q3.xlsx", "QUÝ III NĂM 2024", TIEN_LU): rows(VUONG, [110, 4, 200, 1])}
    ingest(tmp_path / "inbox", workspace, fixture)

    result = vwu("report", "--year", 2024, "--period", "Q3", "--workspace", workspace, "--out", tmp_path / "out", "--lang", "en")

    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "vwu-2024-Q3.md").read_text(encoding="utf-8").startswith("# Report for Q3 2024 — National")
    vi = vwu("report", "--year", 2024, "--period", "Q3", "--workspace", workspace, "--out", tmp_path / "vi")
    assert vi.exit_code == 0
    summary = (tmp_path / "vi" / "vwu-2024-Q3.md").read_text(encoding="utf-8")
    assert summary.startswith("# Báo cáo quý III năm 2024")
    # No third quarter of 2023 in the store: the note names that quarter, not the year 2023.
    assert "chưa có số liệu quý III năm 2023" in summary and "số liệu năm 2023" not in summary


def test_a_period_report_shows_progress_towards_the_year_target_never_not_met(tmp_path, workspace, vwu):
    ingest(tmp_path / "inbox", workspace)
    (tmp_path / "targets.csv").write_text(
        "year,unit_code,column,target\n2024,00,members_new,75\n2024,00,lifted_total,5\n", encoding="utf-8"
    )
    assert vwu("targets", tmp_path / "targets.csv", "--workspace", workspace).exit_code == 0
    out = tmp_path / "out"

    h1 = json.loads(vwu("report", "--year", 2024, "--period", "H1", "--workspace", workspace, "--out", out, "--json").output)
    year = json.loads(vwu("report", "--year", 2024, "--workspace", workspace, "--out", out, "--json").output)

    # H1: 36 new members of 75 (48 %): on the way, not missed; lifted 5 + 3 + (4 + 5 in Ba Đình's Q1)
    # already reaches 5: met.
    by_column = {t["column"]: t for t in h1["targets"]}
    assert by_column["members_new"]["achieved"] == 36 and by_column["members_new"]["status"] == "in_progress"
    assert by_column["lifted_total"]["status"] == "met"
    summary = (out / "vwu-2024-H1.md").read_text(encoding="utf-8")
    assert "Đang thực hiện: đạt 48% chỉ tiêu năm sau 6 tháng" in summary
    assert "Chưa đạt" not in summary
    # The year report (30 + 20 = 50 of 75, 2 of 696 districts) judges as the year's rules say:
    # incomplete data here, never "in progress".
    assert {t["column"]: t["status"] for t in year["targets"]}["members_new"] == "incomplete"
    assert "Đang thực hiện" not in (out / "vwu-2024.md").read_text(encoding="utf-8")


def test_a_rule_is_checked_on_the_combined_periods_with_the_households_poor_at_the_start(tmp_path, workspace):
    # Each half keeps "lifted <= poor at its start"; the year lifts 6 + 4 = 10 households out of
    # the 10 poor at its start (H1's): the rule holds. Against H2's start (5) it would seem broken.
    fixture = {
        ("h1.xlsx", "6 THÁNG ĐẦU NĂM 2024", TIEN_LU): rows(VUONG, poverty=[10, 8, 6, 0, 0]),
        ("h2.xlsx", "6 THÁNG CUỐI NĂM 2024", TIEN_LU): rows(VUONG, poverty=[5, 8, 4, 0, 0]),
        ("q.xlsx", "QUÝ I NĂM 2024", BA_DINH): rows(PHUC_XA, poverty=[3, 8, 3, 0, 0]),
        ("q2.xlsx", "QUÝ II NĂM 2024", BA_DINH): rows(PHUC_XA, poverty=[4, 8, 2, 0, 0]),
    }
    ingest(tmp_path / "inbox", workspace, fixture)

    year = aggregate(workspace, 2024)

    assert total(year, "poverty", "poor_households_start", "12337") == 10
    assert total(year, "poverty", "lifted_from_poverty", "12337") == 10
    # Phúc Xá lifted 3 + 2 households in H1 out of 3 poor at the start of Q1: listed to check.
    broken = year.outliers[year.outliers["kind"] == "rule:lifted-exceeds-poor"]
    assert broken[["unit_code", "value", "reference"]].values.tolist() == [["00001", 5.0, 3.0]]


# --- the first half of 2025: sent on the legacy tree, or compiled on the new one -------------
# Quận Hải An (306), legacy Thành phố Hải Phòng (31); from 1 July 2025 new Hải Phòng (31) is
# legacy Hải Dương (30) + Hải Phòng (31). Nam Hải (11419) was split with no all-population piece.
HAI_AN = "HỘI LHPN QUẬN HẢI AN"
HAI_AN_COMMUNES = [
    ("11410", "Phường Đông Hải 1"),
    ("11411", "Phường Đông Hải 2"),
    ("11413", "Phường Đằng Lâm"),
    ("11414", "Phường Thành Tô"),
    ("11416", "Phường Đằng Hải"),
    ("11419", "Phường Nam Hải"),
    ("11422", "Phường Cát Bi"),
    ("11425", "Phường Tràng Cát"),
]


def members_of(communes, new: list[int], total: int = 100, women: int = 200) -> dict:
    return {"members": [[code, name, total, n, women, 0] for (code, name), n in zip(communes, new)]}


def first_halves(folder, workspace, extra=None):
    """Hải An's first half of 2024 (legacy tree) and of 2025 (sent by the district in June);
    Tiên Lữ sent only its first quarter of 2025."""
    fixture = {
        ("hai_an_2024_h1.xlsx", "6 THÁNG ĐẦU NĂM 2024", HAI_AN): members_of(HAI_AN_COMMUNES, [10, 20, 30, 40, 50, 60, 70, 80]),
        ("hai_an_2025_h1.xlsx", "SƠ KẾT 6 THÁNG ĐẦU NĂM 2025", HAI_AN): members_of(HAI_AN_COMMUNES, [5, 6, 7, 8, 9, 10, 11, 12]),
        ("tien_lu_2025_q1.xlsx", "QUÝ I NĂM 2025", TIEN_LU): members_of([VUONG], [4]),
        **(extra or {}),
    }
    return ingest(folder, workspace, fixture)


def test_the_2025_first_half_sent_by_districts_rolls_up_the_legacy_tree(tmp_path, workspace, vwu):
    from vwu_pipeline.report.rollup import load

    first_halves(tmp_path / "inbox", workspace)

    h1 = aggregate(workspace, 2025, period="H1")

    # The tree its files belong to: districts and legacy communes, as they were sent in June.
    assert h1.tree.tree == "legacy"
    assert total(h1, "members", "members_new", "306") == 5 + 6 + 7 + 8 + 9 + 10 + 11 + 12
    assert total(h1, "members", "members_new", "31") == 68  # legacy Hải Phòng, without Hải Dương
    assert total(h1, "members", "members_new", "11419") == 10  # a split commune keeps its own figure
    # Compared with the first half of 2024 on the same tree, commune by commune.
    rows = h1.values.set_index(["indicator", "unit_code", "column"])
    assert rows.loc[("members", "306", "members_new"), "previous"] == 360
    assert rows.loc[("members", "11419", "members_new"), "previous"] == 60
    assert rows.loc[("members", "306", "members_new"), "lfl_reason"] == ""
    # Completeness counts districts: Hải An covered the half, Tiên Lữ's first quarter does not.
    assert h1.coverage("members", "306")["submitted"] == 1
    assert "332" in {u.code for u in h1.missing("members")}
    # The stored aggregation is read back on its tree.
    assert load(workspace, 2025, period="H1").tree.tree == "legacy"

    out = tmp_path / "out"
    result = vwu("report", "--year", 2025, "--period", "H1", "--unit", 31, "--workspace", workspace, "--out", out, "--json")
    assert result.exit_code == 0, result.output
    # 31 is legacy Hải Phòng here; from 1 July 2025 the city also holds Hải Dương (30): said.
    written = json.loads(result.output)
    assert written["tree"] == "legacy"
    assert "Thành phố Hải Phòng từ 01/07/2025 gồm Tỉnh Hải Dương (30), Thành phố Hải Phòng (31)" in written["unit_note"]
    summary = (out / "vwu-2025-H1-31.md").read_text(encoding="utf-8")
    assert summary.startswith("# Báo cáo sơ kết 6 tháng đầu năm 2025 — Thành phố Hải Phòng")
    assert "3 cấp (tỉnh – huyện – xã)" in summary
    assert "Quận Hải An" in summary and "Sắp xếp đơn vị hành chính" not in summary
    assert "1/15 huyện đã báo cáo" in summary  # legacy Hải Phòng's districts
    assert "| Hội viên kết nạp mới trong kỳ | 68\\* | 360\\* | -292 | -81,1% | so sánh trên 1 huyện có số liệu cả hai năm |" in summary


def test_a_2025_first_half_compiled_on_the_new_tree_compares_through_the_conversion(tmp_path, workspace, vwu):
    # New Hưng Yên (33) compiled its first half in July, on the new tree: the period comes onto
    # the new tree, Hải An's legacy file carried through the conversion table.
    hung_yen = {
        ("hung_yen_2025_h1.xlsx", "SƠ KẾT 6 THÁNG ĐẦU NĂM 2025", "HỘI LHPN TỈNH HƯNG YÊN"): members_of(
            [("12337", "Xã Hoàng Hoa Thám"), ("12364", "Xã Tiên Lữ")], [21, 22]
        )
    }
    first_halves(tmp_path / "inbox", workspace, hung_yen)

    h1 = aggregate(workspace, 2025, period="H1")

    assert h1.tree.tree == "2025"
    assert total(h1, "members", "members_new", "31") == 68  # new Hải Phòng holds Hải An's half
    assert total(h1, "members", "members_new", "33") == 21 + 22
    rows = h1.values.set_index(["indicator", "unit_code", "column"])
    # The first half of 2024 carried onto the new tree: the new city against its legacy parts.
    assert rows.loc[("members", "31", "members_new"), "previous"] == 360
    # A new commune made with part of a split one does not compare.
    assert rows.loc[("members", "11411", "members_new"), "lfl_reason"] == "boundary-changed"
    # The report's section on the reorganisation speaks of the halves, not of the years.
    out = tmp_path / "out"
    assert vwu("report", "--year", 2025, "--period", "H1", "--unit", 31, "--workspace", workspace, "--out", out).exit_code == 0
    summary = (out / "vwu-2025-H1-31.md").read_text(encoding="utf-8")
    assert "| Tổng số hội viên 6 tháng đầu năm 2025 | Tổng số hội viên 6 tháng đầu năm 2024 (chuyển sang danh mục mới) |" in summary
    assert "Số liệu 6 tháng đầu năm 2024 được chuyển sang danh mục mới" in summary


def test_every_title_phrase_a_period_pattern_matches_holds_one_of_the_texts_it_is_searched_for():
    # A title is searched with a pattern only when it holds one of that pattern's texts: a
    # phrase the pattern matches without any of them would be missed.
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from vwu_pipeline.core.periods import _AS_OF, _AS_OF_NEEDS, _RANGE, _RANGE_NEEDS, _STRONG

    def check(pattern: re.Pattern[str], needs: tuple[str, ...]) -> None:
        @settings(max_examples=200, deadline=None)
        @given(st.from_regex(pattern.pattern.replace(r"\b", ""), fullmatch=True, alphabet="abcdeghiklmnoqrstuvy 0123456789"))
        def holds_a_text(text: str) -> None:
            assert any(need in text for need in needs), (text, needs)

        holds_a_text()

    for pattern, _, needs in _STRONG:
        check(pattern, needs)
    check(_RANGE, _RANGE_NEEDS)
    check(_AS_OF, _AS_OF_NEEDS)
