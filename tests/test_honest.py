"""A union leader reads the report while figures are still coming in: every comparison it
makes must be one the data supports (issue 12). Expectations are computed by hand."""

from __future__ import annotations

import json

from builders import submission
from conftest import problems_of
from openpyxl import load_workbook

from vwu_pipeline.ingest.run import run

TIEN_LU, BA_DINH = "HỘI LHPN HUYỆN TIÊN LỮ", "HỘI LHPN QUẬN BA ĐÌNH"
YEAR_2023, YEAR_2024 = "BÁO CÁO KẾT QUẢ CÔNG TÁC HỘI NĂM 2023", "BÁO CÁO KẾT QUẢ CÔNG TÁC HỘI NĂM 2024"
H1_2023 = "BÁO CÁO KẾT QUẢ CÔNG TÁC HỘI 6 THÁNG ĐẦU NĂM 2023"


def members(*rows: tuple[str, str, int, int, int, int]) -> dict:
    """members sheet rows: code, name, total, new, women 18+, honorary."""
    return {"members": [list(r) for r in rows]}


def ingest(folder, workspace, files: dict[str, tuple[str, str, dict]]) -> None:
    folder.mkdir(exist_ok=True)
    for name, (title, unit, rows) in files.items():
        submission(folder / name, rows, report_title=title, unit_title=unit)
    assert run([folder], workspace).valid


def report_all(vwu, workspace, out, unit: str | None = None) -> tuple[str, dict, object]:
    """The Markdown, the --json output and the workbook of one report."""
    result = vwu("report", "--year", 2024, "--workspace", workspace, "--out", out, "--json", *(["--unit", unit] if unit else []))
    assert result.exit_code == 0, result.output
    stem = f"vwu-2024-{unit}" if unit else "vwu-2024"
    return (out / f"{stem}.md").read_text(encoding="utf-8"), json.loads(result.output), load_workbook(out / f"{stem}.xlsx")


def md_row(markdown: str, label: str, first: str = "") -> list[str]:
    """The cells of the first table row holding `label` (and starting with `first`)."""
    line = next(line for line in markdown.splitlines() if line.startswith(f"| {first}") and f"| {label} |" in line)
    return [cell.strip() for cell in line.strip("|").split("|")]


def summary_row(wb, label: str, first: str | None = None) -> list:
    """The first row of the summary sheet showing `label` (and `first` in column A)."""
    ws = wb.worksheets[0]
    return next([c.value for c in row] for row in ws.iter_rows() if row[1].value == label and first in (None, row[0].value))


def headline_json(data: dict, column: str) -> dict:
    return next(h for h in data["headline"] if h["column"] == column)


# --- case 1: year on year over the same units --------------------------------------------------


def test_the_change_compares_only_the_units_that_reported_both_years(tmp_path, workspace, vwu):
    # 2023: Tiên Lữ a year report; Ba Đình only its first half.
    # 2024: both send a year report. Only Tiên Lữ compares like for like.
    ingest(
        tmp_path / "in",
        workspace,
        {
            "tl23.xlsx": (
                YEAR_2023,
                TIEN_LU,
                members(("12337", "Thị trấn Vương", 100, 10, 200, 1), ("12340", "Xã Hưng Đạo", 50, 5, 100, 0)),
            ),
            "bd23.xlsx": (H1_2023, BA_DINH, members(("00001", "Phường Phúc Xá", 280, 8, 400, 3))),
            "tl24.xlsx": (
                YEAR_2024,
                TIEN_LU,
                members(("12337", "Thị trấn Vương", 120, 12, 200, 1), ("12340", "Xã Hưng Đạo", 60, 6, 100, 0)),
            ),
            "bd24.xlsx": (
                YEAR_2024,
                BA_DINH,
                members(("00001", "Phường Phúc Xá", 300, 20, 400, 3), ("00004", "Phường Trúc Bạch", 90, 9, 100, 1)),
            ),
        },
    )

    markdown, data, wb = report_all(vwu, workspace, tmp_path / "out")

    # 2024: 120 + 60 + 300 + 90 = 570 (2 of 696 districts); 2023: 150 + 280 = 430 (partial too).
    # Like for like (Tiên Lữ only, a year against a year): 180 against 150, +30, +20 %.
    assert md_row(markdown, "Tổng số hội viên")[2:] == ["570\\*", "430\\*", "+30", "+20,0%", "so sánh trên 1 huyện có số liệu cả hai năm"]
    # The enrolment rate over the same communes: 180/300 = 60 % against 150/300 = 50 %: +10 points.
    assert md_row(markdown, "Tỷ lệ tập hợp")[4] == "+10,0 điểm %"
    total = headline_json(data, "members_total")
    assert (total["value"], total["previous"], total["partial"], total["previous_partial"]) == (570, 430, True, True)
    assert (total["change"], total["change_pct"]) == (30, 0.2)
    assert total["like_for_like"] | {"note": None} == {
        "value": 180,
        "previous": 150,
        "reporting_units": 1,
        "lowest_units": 2,
        "reason": None,
        "note": None,
    }
    row = summary_row(wb, "Tổng số hội viên")
    assert row[2:6] == [570, 430, 30, 0.2]
    # The workbook shows changes as the Markdown does: signed, a rate's in percentage points.
    cells = {r[1].value: r for r in wb.worksheets[0].iter_rows() if r[1].value in ("Tổng số hội viên", "Tỷ lệ tập hợp")}
    assert cells["Tổng số hội viên"][4].number_format.startswith("+#,##0;-")
    assert cells["Tổng số hội viên"][5].number_format.startswith("+0.0%;-")
    rate_change = cells["Tỷ lệ tập hợp"][4]
    assert round(rate_change.value, 6) == 10.0 and rate_change.number_format.startswith('+0.0" điểm %";-0.0" điểm %"')
    assert "1 huyện có số liệu cả hai năm" in row[6] and "Số liệu năm 2023 chưa đầy đủ" in row[6]

    english = vwu("report", "--year", 2024, "--workspace", workspace, "--out", tmp_path / "en", "--lang", "en")
    assert english.exit_code == 0, english.output
    text = (tmp_path / "en" / "vwu-2024.md").read_text(encoding="utf-8")
    assert md_row(text, "Total members")[-1] == "compared over the 1 district reporting in both years"


def test_no_unit_in_both_years_gives_no_change_and_says_why(tmp_path, workspace, vwu):
    ingest(
        tmp_path / "in",
        workspace,
        {
            "bd23.xlsx": (YEAR_2023, BA_DINH, members(("00001", "Phường Phúc Xá", 300, 20, 400, 3))),
            "tl24.xlsx": (YEAR_2024, TIEN_LU, members(("12337", "Thị trấn Vương", 120, 12, 200, 1))),
        },
    )

    markdown, data, wb = report_all(vwu, workspace, tmp_path / "out")

    assert md_row(markdown, "Tổng số hội viên")[2:] == ["120\\*", "300\\*", "–", "–", "không có đơn vị nào báo cáo cả hai năm"]
    total = headline_json(data, "members_total")
    assert (total["change"], total["change_pct"], total["like_for_like"]["reason"]) == (None, None, "no-common-unit")
    row = summary_row(wb, "Tổng số hội viên")
    assert row[4:6] == [None, None] and "không có đơn vị nào báo cáo cả hai năm" in row[6]


def test_a_first_half_is_not_compared_with_a_year(tmp_path, workspace, vwu):
    ingest(
        tmp_path / "in",
        workspace,
        {
            "bd23.xlsx": (H1_2023, BA_DINH, members(("00001", "Phường Phúc Xá", 280, 8, 400, 3))),
            "bd24.xlsx": (YEAR_2024, BA_DINH, members(("00001", "Phường Phúc Xá", 300, 20, 400, 3))),
        },
    )

    markdown, data, _ = report_all(vwu, workspace, tmp_path / "out")

    assert md_row(markdown, "Tổng số hội viên")[4:] == ["–", "–", "không có đơn vị nào báo cáo cùng loại kỳ ở cả hai năm"]
    assert headline_json(data, "members_total")["like_for_like"]["reason"] == "different-periods"


def test_complete_comparable_years_need_no_note(tmp_path, workspace, vwu):
    ingest(
        tmp_path / "in",
        workspace,
        {
            "tl23.xlsx": (YEAR_2023, TIEN_LU, members(("12337", "Thị trấn Vương", 100, 10, 200, 1))),
            "tl24.xlsx": (YEAR_2024, TIEN_LU, members(("12337", "Thị trấn Vương", 120, 12, 200, 1))),
        },
    )

    markdown, data, wb = report_all(vwu, workspace, tmp_path / "out", unit="332")

    # Tiên Lữ's own report: it is complete in both years, the change is between the totals.
    assert md_row(markdown, "Tổng số hội viên")[2:] == ["120", "100", "+20", "+20,0%", ""]
    total = headline_json(data, "members_total")
    assert (total["partial"], total["previous_partial"], total["change"]) == (False, False, 20)
    assert summary_row(wb, "Tổng số hội viên")[2:7] == [120, 100, 20, 0.2, None]


# --- case 2: targets on partial data --------------------------------------------------------------


def poverty(*rows: tuple) -> list[list]:
    """poverty sheet rows: code, name, poor at start, near-poor at start, lifted, lifted near, new cooperatives."""
    return [list(r) for r in rows]


def load_targets_csv(vwu, tmp_path, workspace, lines: list[str]) -> None:
    path = tmp_path / "targets.csv"
    path.write_text("year,unit_code,column,target\n" + "\n".join(lines) + "\n", encoding="utf-8")
    loaded = vwu("targets", path, "--workspace", workspace)
    assert loaded.exit_code == 0, loaded.output


def test_partial_data_is_not_judged_and_silent_units_are_not_reported(tmp_path, workspace, vwu):
    # Ba Đình (Hà Nội) founded 2 cooperatives, Tiên Lữ (Hưng Yên) 1; Hà Giang sent nothing.
    ingest(
        tmp_path / "in",
        workspace,
        {
            "bd.xlsx": (
                YEAR_2024,
                BA_DINH,
                {
                    "poverty": poverty(("00001", "Phường Phúc Xá", 10, 12, 4, 5, 2)),
                    **members(("00001", "Phường Phúc Xá", 300, 20, 400, 3)),
                },
            ),
            "tl.xlsx": (
                YEAR_2024,
                TIEN_LU,
                {
                    "poverty": poverty(("12337", "Thị trấn Vương", 40, 50, 3, 1, 1)),
                    **members(("12337", "Thị trấn Vương", 120, 12, 200, 1)),
                },
            ),
        },
    )
    load_targets_csv(
        vwu,
        tmp_path,
        workspace,
        [
            "2024,00,new_cooperatives,2",  # 3 founded so far: met, whatever the others send
            "2024,00,members_new,100",  # 32 so far, 2 of 696 districts: cannot be judged yet
            "2024,00,enrolment_rate,50%",  # 420/600 = 70 %, but a ratio on partial data
            "2024,01,new_cooperatives,1",  # Hà Nội: 2 >= 1, met
            "2024,33,new_cooperatives,3",  # Hưng Yên: 1 < 3 with 1 of 10 districts in
            "2024,02,new_cooperatives,1",  # Hà Giang: nothing sent
        ],
    )

    markdown, data, wb = report_all(vwu, workspace, tmp_path / "out")

    assert md_row(markdown, "Hợp tác xã thành lập mới", "Toàn quốc")[2:] == ["2", "3\\*", "150,0%", "**Đạt**"]
    assert md_row(markdown, "Hội viên kết nạp mới trong kỳ", "Toàn quốc")[-1] == "Chưa đủ số liệu (2/696 đơn vị)"
    assert md_row(markdown, "Tỷ lệ tập hợp", "Toàn quốc")[-1] == "Chưa đủ số liệu (2/696 đơn vị)"
    assert "1 đạt · 2 chưa đủ số liệu." in markdown
    assert "- **Hợp tác xã thành lập mới**: 1 đạt · 1 chưa đủ số liệu · 1 chưa báo cáo" in markdown
    assert "Chưa đạt" not in markdown and "chưa đạt" not in markdown
    statuses = {t["column"]: t["status"] for t in data["targets"]}
    assert statuses == {"new_cooperatives": "met", "members_new": "incomplete", "enrolment_rate": "incomplete"}
    ws = wb["Thực hiện chỉ tiêu"]
    assessed = {(r[0].value, r[3].value): r[7].value for r in ws.iter_rows(min_row=3)}
    assert assessed[("02", "Hợp tác xã thành lập mới")] == "Chưa báo cáo"
    assert assessed[("33", "Hợp tác xã thành lập mới")] == "Chưa đủ số liệu (1/10 đơn vị)"
    assert assessed[("01", "Hợp tác xã thành lập mới")] == "Đạt"
    assert not [c for row in wb.worksheets[0].iter_rows() for c in row if c.value and "Chưa đạt" in str(c.value)]

    english = vwu("report", "--year", 2024, "--workspace", workspace, "--out", tmp_path / "en", "--lang", "en")
    assert english.exit_code == 0
    text = (tmp_path / "en" / "vwu-2024.md").read_text(encoding="utf-8")
    assert "1 met · 1 with incomplete data · 1 not reported" in text
    assert md_row(text, "New members in the period", "National")[-1] == "Incomplete data (2/696 units)"


def test_complete_data_below_a_target_is_not_met(tmp_path, workspace, vwu):
    # Tiên Lữ's own report is complete (it is the reporting unit): 12 new members of 100, and an
    # enrolment rate of 120/200 = 60 % against 65 %.
    ingest(
        tmp_path / "in",
        workspace,
        {
            "tl.xlsx": (YEAR_2024, TIEN_LU, members(("12337", "Thị trấn Vương", 120, 12, 200, 1))),
        },
    )
    load_targets_csv(vwu, tmp_path, workspace, ["2024,332,members_new,100", "2024,332,enrolment_rate,65%", "2024,332,members_total,100"])

    markdown, data, wb = report_all(vwu, workspace, tmp_path / "out", unit="332")

    assert md_row(markdown, "Hội viên kết nạp mới trong kỳ", "Huyện Tiên Lữ")[2:] == ["100", "12", "12,0%", "Chưa đạt"]
    assert md_row(markdown, "Tỷ lệ tập hợp", "Huyện Tiên Lữ")[2:] == ["65,0%", "60,0%", "92,3%", "Chưa đạt"]
    assert "1 đạt · 2 chưa đạt." in markdown
    assert {t["column"]: t["status"] for t in data["targets"]} == {
        "members_total": "met",
        "members_new": "not_met",
        "enrolment_rate": "not_met",
    }
    assert summary_row(wb, "Hội viên kết nạp mới trong kỳ", "Huyện Tiên Lữ")[5] == "Chưa đạt"


# --- case 7: a stale aggregation is never marked fresh ----------------------------------------------


def test_an_ingest_committing_while_aggregate_reads_leaves_the_aggregation_stale(tmp_path, workspace, vwu, monkeypatch):
    from vwu_pipeline.report import rollup
    from vwu_pipeline.store.db import Store

    ingest(tmp_path / "in", workspace, {"tl.xlsx": (YEAR_2024, TIEN_LU, members(("12337", "Thị trấn Vương", 120, 12, 200, 1)))})
    late = tmp_path / "late"
    late.mkdir()
    submission(late / "bd.xlsx", members(("00001", "Phường Phúc Xá", 300, 20, 400, 3)), report_title=YEAR_2024, unit_title=BA_DINH)
    read = Store.figures_frame
    calls = []

    def figures_then_a_concurrent_ingest(store, year):
        frame = read(store, year)
        if not calls:  # Ba Đình's file is committed by another connection right after the first read
            calls.append(year)
            assert run([late], workspace).valid
        return frame

    monkeypatch.setattr(Store, "figures_frame", figures_then_a_concurrent_ingest)
    first = rollup.aggregate(workspace, 2024)
    monkeypatch.undo()

    assert first.total("members", "members_total") == 120  # what it read: before the ingest
    # ... so it is stale, and the next report aggregates again with Ba Đình: 120 + 300.
    markdown, data, _ = report_all(vwu, workspace, tmp_path / "out")
    assert data["aggregated"] is True
    assert headline_json(data, "members_total")["value"] == 420
    assert md_row(markdown, "Tổng số hội viên")[2] == "420\\*"


def test_report_re_aggregating_takes_the_writer_lock(tmp_path, workspace, vwu):
    from test_operations import hold_lock, stop

    ingest(tmp_path / "in", workspace, {"tl.xlsx": (YEAR_2024, TIEN_LU, members(("12337", "Thị trấn Vương", 120, 12, 200, 1)))})
    holder = hold_lock(workspace, "ingest")  # an ingest is writing
    try:
        stale = vwu("report", "--year", 2024, "--workspace", workspace, "--out", tmp_path / "out", "--lock-timeout", "1")
    finally:
        stop(holder)
    written_while_locked = (tmp_path / "out" / "vwu-2024.md").exists()
    fresh = vwu("report", "--year", 2024, "--workspace", workspace, "--out", tmp_path / "out", "--lock-timeout", "1")

    assert stale.exit_code == 3 and not written_while_locked
    message = " ".join(stale.stderr.replace("│", " ").split())
    assert f"lệnh 'vwu ingest' (pid {holder.pid}," in message and "Đã chờ 1 giây" in message
    assert fresh.exit_code == 0, fresh.output


# --- case 6: a two-line official heading is no title mismatch ----------------------------------------

HEADINGS = [
    # (body above, issuing body, a commune row of the issuing body)
    ("HỘI LHPN TỈNH QUẢNG TRỊ", "HỘI LHPN HUYỆN ĐAKRÔNG", ("19555", "Thị trấn Krông Klang")),  # Thị xã Quảng Trị exists
    ("HỘI LHPN TỈNH HÀ GIANG", "HỘI LHPN HUYỆN ĐỒNG VĂN", ("00712", "Thị trấn Phố Bảng")),  # so does Thành phố Hà Giang
    ("HỘI LHPN TỈNH HƯNG YÊN", "HỘI LHPN HUYỆN TIÊN LỮ", ("12337", "Thị trấn Vương")),  # and Thành phố Hưng Yên
    ("HỘI LHPN TỈNH HƯNG YÊN", "HỘI LHPN TP. HƯNG YÊN", ("11950", "Phường Lam Sơn")),
    ("HỘI LHPN TỈNH QUẢNG TRỊ", "HỘI LHPN THỊ XÃ QUẢNG TRỊ", ("19357", "Phường 1")),
    ("Hoi LHPN tinh Quang Tri", "Hoi LHPN huyen Da Krong", ("19555", "Thị trấn Krông Klang")),
]


def test_a_heading_naming_the_unit_under_its_province_is_no_mismatch(tmp_path, vwu):
    files = []
    for number, (above, issuer, (code, name)) in enumerate(HEADINGS):
        path = tmp_path / f"heading_{number}.xlsx"
        rows = members((code, name, 100, 10, 200, 1))
        submission(path, rows, report_title=YEAR_2024, unit_title=above)
        # the issuing body's line under the body above, as official documents head
        book = load_workbook(path)
        book.active.insert_rows(2)
        book.active.cell(2, 1, issuer)
        book.save(path)
        files.append(path)

    checked = vwu("validate", *files, "--json")

    problems = [p for f in json.loads(checked.stdout)["files"] for p in f["problems"]]
    assert [p for p in problems if p["code"] == "unit-title-mismatch"] == []


def test_a_heading_naming_another_district_is_still_a_mismatch(tmp_path, vwu):
    path = tmp_path / "kim_dong.xlsx"
    submission(path, members(("12337", "Thị trấn Vương", 100, 10, 200, 1)), report_title=YEAR_2024, unit_title="HỘI LHPN TỈNH HƯNG YÊN")
    book = load_workbook(path)
    book.active.insert_rows(2)
    book.active.cell(2, 1, "HỘI LHPN HUYỆN KIM ĐỘNG")  # last year's form of the neighbouring district
    book.save(path)

    checked = vwu("validate", path, "--json")

    (problem,) = [p for f in json.loads(checked.stdout)["files"] for p in f["problems"] if p["code"] == "unit-title-mismatch"]
    assert problem["value"] == "Huyện Kim Động" and "Huyện Tiên Lữ (332)" in problem["message"]


# --- case 5: ratios from complete pairs only -----------------------------------------------------------


def test_a_ratio_counts_only_units_with_both_parts_and_a_blank_denominator_warns(tmp_path, workspace, vwu):
    # Vương 120/200, Hưng Đạo 60/(blank), Nhật Tân 40/100, Lệ Xá 0/0 (present: its rate is "–").
    rows = members(
        ("12337", "Thị trấn Vương", 120, 10, 200, 1),
        ("12340", "Xã Hưng Đạo", 60, 5, None, 0),
        ("12346", "Xã Nhật Tân", 40, 4, 100, 0),
        ("12352", "Xã Lệ Xá", 0, 0, 0, 0),
    )
    submission(tmp_path / "tl.xlsx", rows, report_title=YEAR_2024, unit_title=TIEN_LU)
    ingested = vwu("ingest", tmp_path / "tl.xlsx", "--workspace", workspace, "--json")

    (warning,) = [p for p in json.loads(ingested.stdout)["files"][0]["problems"] if p["code"] == "ratio-denominator-missing"]
    assert (warning["severity"], warning["row"], warning["column"]) == (
        "warning",
        7,
        "Số phụ nữ từ 18 tuổi trở lên trên địa bàn",
    )  # title, blank, header, numbering, Vương
    assert "12340" in warning["message"] and "Tỷ lệ tập hợp" in warning["message"]

    markdown, data, wb = report_all(vwu, workspace, tmp_path / "out", unit="332")

    # (120 + 40 + 0) / (200 + 100 + 0) = 53.3 %, not (120 + 60 + 40) / 300 = 73.3 %.
    rate = headline_json(data, "enrolment_rate")
    assert round(rate["value"], 4) == 0.5333
    assert md_row(markdown, "Tỷ lệ tập hợp")[2] == "53,3%"
    assert "tính trên 3/4 cơ sở có đủ tử số và mẫu số" in md_row(markdown, "Tỷ lệ tập hợp")[-1]
    assert "Tính trên 3/4 cơ sở" in summary_row(wb, "Tỷ lệ tập hợp")[6]
    sheet = wb["Hội viên"]
    header = [c.value for c in sheet[2]]
    at = {sheet.cell(r, 1).value: r for r in range(3, sheet.max_row + 1)}
    assert sheet.cell(at["12352"], header.index("Tỷ lệ tập hợp") + 1).value is None  # 0/0: shown empty, not 0 %
    assert sheet.cell(at["12340"], header.index("Tỷ lệ tập hợp") + 1).value is None


# --- case 9: a paragraph first ---------------------------------------------------------------------------


def opening(markdown: str) -> str:
    """The paragraph after the title and the 'generated' line."""
    return markdown.split("\n\n")[2]


def test_the_summary_opens_with_a_paragraph_on_partial_data(tmp_path, workspace, vwu):
    ingest(
        tmp_path / "in",
        workspace,
        {
            "tl23.xlsx": (YEAR_2023, TIEN_LU, members(("12337", "Thị trấn Vương", 100, 10, 200, 1))),
            "tl24.xlsx": (YEAR_2024, TIEN_LU, members(("12337", "Thị trấn Vương", 120, 12, 200, 1))),
            "bd24.xlsx": (YEAR_2024, BA_DINH, members(("00001", "Phường Phúc Xá", 300, 20, 400, 3))),
        },
    )
    load_targets_csv(vwu, tmp_path, workspace, ["2024,00,members_new,100"])

    markdown, _, _ = report_all(vwu, workspace, tmp_path / "out")

    text = opening(markdown)
    assert text.startswith("Toàn quốc: 2/696 huyện đã báo cáo, còn 694 chưa báo cáo")
    # 420 members (120 + 300); like for like on Tiên Lữ: 120 against 100, +20, +20 %.
    assert "tổng số hội viên 420\\* (+20, +20,0%)" in text
    assert "so với năm 2023, so sánh trên 1 huyện có số liệu cả hai năm" in text
    assert "Chỉ tiêu: 1 chưa đủ số liệu." in text
    # Hà Nội 300 leads, Hưng Yên 120 is lowest, both partial.
    assert "dẫn đầu là Thành phố Hà Nội (300\\*), thấp nhất là Tỉnh Hưng Yên (120\\*)" in text
    assert "Chưa đạt" not in markdown


def test_the_paragraph_on_complete_data_without_previous_year_or_targets(tmp_path, workspace, vwu):
    ingest(
        tmp_path / "in",
        workspace,
        {
            "tl24.xlsx": (
                YEAR_2024,
                TIEN_LU,
                members(("12337", "Thị trấn Vương", 120, 12, 200, 1), ("12340", "Xã Hưng Đạo", 60, 6, 100, 0)),
            ),
        },
    )

    markdown, _, _ = report_all(vwu, workspace, tmp_path / "out", unit="332")
    text = opening(markdown)

    assert text.startswith("Huyện Tiên Lữ: đủ 1 huyện đã báo cáo.")
    assert "tổng số hội viên 180;" in text and "tỷ lệ tập hợp 60,0%" in text
    assert "so với năm" not in text and "Chỉ tiêu" not in text and "*" not in text
    # Two communes under the district: Vương leads with 120, Hưng Đạo 60.
    assert "dẫn đầu là Thị trấn Vương (120), thấp nhất là Xã Hưng Đạo (60)" in text

    english = vwu("report", "--year", 2024, "--workspace", workspace, "--out", tmp_path / "en", "--unit", "332", "--lang", "en")
    assert english.exit_code == 0
    text = opening((tmp_path / "en" / "vwu-2024-332.md").read_text(encoding="utf-8"))
    assert text.startswith("Huyện Tiên Lữ: all 1 district reported.")
    assert "Total members 180" in text


# --- case 4: part-year data shown as the year ------------------------------------------------------------

H1_2024 = "BÁO CÁO KẾT QUẢ CÔNG TÁC HỘI 6 THÁNG ĐẦU NĂM 2024"


def test_a_year_built_only_from_first_halves_says_so(tmp_path, workspace, vwu):
    ingest(
        tmp_path / "in",
        workspace,
        {
            "tl.xlsx": (H1_2024, TIEN_LU, members(("12337", "Thị trấn Vương", 120, 12, 200, 1))),
        },
    )

    markdown, data, wb = report_all(vwu, workspace, tmp_path / "out")

    assert "chỉ có số liệu 6 tháng đầu năm 2024" in md_row(markdown, "Tổng số hội viên")[-1]
    assert headline_json(data, "members_total")["part_year"] == "chỉ có số liệu 6 tháng đầu năm 2024"
    assert "chỉ có số liệu 6 tháng đầu năm 2024" in summary_row(wb, "Tổng số hội viên")[6]
    sheet = wb["Hội viên"]
    notes = {sheet.cell(r, 1).value: sheet.cell(r, sheet.max_column).value for r in range(3, sheet.max_row + 1)}
    assert "chỉ có số liệu 6 tháng đầu năm 2024" in notes["332"] and "chỉ có số liệu 6 tháng đầu năm 2024" in notes["12337"]


def test_a_full_year_beside_a_first_half_labels_only_the_first_half(tmp_path, workspace, vwu):
    ingest(
        tmp_path / "in",
        workspace,
        {
            "tl.xlsx": (H1_2024, TIEN_LU, members(("12337", "Thị trấn Vương", 120, 12, 200, 1))),
            "bd.xlsx": (YEAR_2024, BA_DINH, members(("00001", "Phường Phúc Xá", 300, 20, 400, 3))),
        },
    )

    markdown, data, wb = report_all(vwu, workspace, tmp_path / "out")

    assert headline_json(data, "members_total")["part_year"] is None  # the nation has a full year (Ba Đình)
    assert "chỉ có số liệu" not in md_row(markdown, "Tổng số hội viên")[-1]
    sheet = wb["Hội viên"]
    notes = {sheet.cell(r, 1).value: sheet.cell(r, sheet.max_column).value or "" for r in range(3, sheet.max_row + 1)}
    assert "chỉ có số liệu 6 tháng đầu năm 2024" in notes["332"] and "chỉ có số liệu" not in notes["001"]


# --- case 3: completeness counts the communes a file answers for ----------------------------------

YEAR_2025 = "BÁO CÁO KẾT QUẢ CÔNG TÁC HỘI NĂM 2025"
LAI_CHAU = "12"  # 38 communes on the 2025 tree
DOAN_KET, BINH_LU = ("03388", "Phường Đoàn Kết"), ("03390", "Xã Bình Lư")


def completeness_row(markdown: str, title: str) -> list[str]:
    """The cells of an indicator's row in the submissions table (after "## Tình hình báo cáo")."""
    section = markdown.split("## Tình hình báo cáo", 1)[1]
    line = next(line for line in section.splitlines() if line.startswith(f"| {title} |"))
    return [cell.strip() for cell in line.strip("|").split("|")]


def report_2025(vwu, workspace, out, unit: str | None = None) -> tuple[str, dict, object]:
    result = vwu("report", "--year", 2025, "--workspace", workspace, "--out", out, "--json", *(["--unit", unit] if unit else []))
    assert result.exit_code == 0, result.output
    stem = f"vwu-2025-{unit}" if unit else "vwu-2025"
    return (out / f"{stem}.md").read_text(encoding="utf-8"), json.loads(result.output), load_workbook(out / f"{stem}.xlsx")


def test_one_communes_own_file_does_not_make_its_province_complete(tmp_path, workspace, vwu):
    ingest(
        tmp_path / "in",
        workspace,
        {"doan_ket.xlsx": (YEAR_2025, "HỘI LHPN PHƯỜNG ĐOÀN KẾT", members((*DOAN_KET, 100, 10, 200, 1)))},
    )

    markdown, data, wb = report_2025(vwu, workspace, tmp_path / "out", unit=LAI_CHAU)

    # One commune of Lai Châu's 38 answered for: the province's total is partial, 1/38.
    assert data["partial"] is True
    assert headline_json(data, "members_total")["partial"] is True
    assert md_row(markdown, "Tổng số hội viên")[2] == "100\\*"
    assert completeness_row(markdown, "Hội viên")[1:4] == ["1", "38", "2,6%"]
    assert "| Chỉ tiêu | Đã báo cáo (xã) | Phải báo cáo (xã) |" in markdown
    assert "Chưa đủ xã: Tỉnh Lai Châu (12): 1/38 xã" in markdown
    assert opening(markdown).startswith("Tỉnh Lai Châu: 1/38 xã đã báo cáo, còn 37 chưa báo cáo")
    assert "Số liệu chưa đủ (1/38 xã có báo cáo)" in summary_row(wb, "Tổng số hội viên")[6]
    assert wb.worksheets[0]["A5"].value.startswith("Số liệu chưa đầy đủ")  # the legend of the "*" marks

    national = vwu("status", "--year", 2025, "--workspace", workspace, "--json")
    by_name = {i["indicator"]: i for i in json.loads(national.stdout)["indicators"]}
    members_status = by_name["members"]
    assert (members_status["submitted"], members_status["expected"]) == (1, 34)
    assert members_status["lowest_units"]["by_unit"] == [{"code": "12", "name": "Tỉnh Lai Châu", "covered": 1, "expected": 38}]
    assert members_status["lowest_units"]["counted"] is True and members_status["lowest_units"]["expected"] == 3321
    assert json.loads(national.stdout)["complete"] is False
    table = vwu("status", "--year", 2025, "--unit", LAI_CHAU, "--workspace", workspace)
    assert "1/38" in table.output and "Tỉnh Lai Châu (12): 1/38 xã" in " ".join(table.output.replace("│", " ").split())


TIEN_LU_COMMUNES = [
    ("12337", "Thị trấn Vương"),  # the first four -> new Xã Hoàng Hoa Thám (12337)
    ("12340", "Xã Hưng Đạo"),
    ("12346", "Xã Nhật Tân"),
    ("12355", "Xã An Viên"),
    ("12352", "Xã Lệ Xá"),  # these three -> new Xã Tiên Hoa (12361)
    ("12361", "Xã Trung Dũng"),
    ("12376", "Xã Cương Chính"),
    ("12364", "Xã Hải Thắng"),  # these three -> new Xã Tiên Lữ (12364)
    ("12370", "Xã Thiện Phiến"),
    ("12373", "Xã Thụy Lôi"),
    ("12367", "Xã Thủ Sỹ"),  # -> new Xã Tân Hưng (11977), with Phương Nam and Tân Hưng of Thành phố Hưng Yên (323)
]


def test_a_legacy_districts_first_half_answers_for_the_new_communes_its_communes_went_to(tmp_path, workspace, vwu):
    # Tiên Lữ sent its 2025 first half in June, on the legacy tree, for its 11 communes. Through
    # the conversion table they went whole to 4 new communes of the new Hưng Yên (104 communes):
    # 12337, 12361 and 12364 took ground from Tiên Lữ only; 11977 also took Phương Nam and Tân
    # Hưng of Thành phố Hưng Yên (323), which sent nothing. So Tiên Lữ answers for 3 of 104.
    from vwu_pipeline.core.units import UnitTree

    h1_2025 = "BÁO CÁO SƠ KẾT 6 THÁNG ĐẦU NĂM 2025"
    ingest(tmp_path / "in", workspace, {"tl_h1_2025.xlsx": (h1_2025, TIEN_LU, members(*[(*c, 100, 10, 200, 1) for c in TIEN_LU_COMMUNES]))})
    communes = len(UnitTree.for_year(2025).leaves("33"))
    assert communes == 104

    markdown, data, wb = report_2025(vwu, workspace, tmp_path / "out", unit="33")

    assert completeness_row(markdown, "Hội viên")[1:3] == ["3", "104"]
    assert "Tỉnh Hưng Yên (33): 3/104 xã" in markdown
    assert headline_json(data, "members_new")["partial"] is True
    assert md_row(markdown, "Hội viên kết nạp mới trong kỳ")[2] == "110\\*"  # 11 communes x 10, carried whole
    assert "Số liệu chưa đủ (3/104 xã có báo cáo)" in summary_row(wb, "Hội viên kết nạp mới trong kỳ")[6]
    status = json.loads(vwu("status", "--year", 2025, "--workspace", workspace, "--json").stdout)
    members_status = status["indicators"][0]
    assert members_status["lowest_units"]["by_unit"] == [{"code": "33", "name": "Tỉnh Hưng Yên", "covered": 3, "expected": 104}]
    assert (members_status["lowest_units"]["covered"], members_status["lowest_units"]["expected"]) == (3, 3321)
    # ... and the province is reminded of the 101 communes still to come.
    reminders = json.loads(vwu("status", "--missing", "--year", 2025, "--unit", "33", "--workspace", workspace, "--json").stdout)
    (members_reminder,) = [r for r in reminders["reminders"] if r["indicator"] == "members"]
    assert (members_reminder["state"], members_reminder["communes_reported"], members_reminder["communes_expected"]) == ("partial", 3, 104)
    # The first half itself, on the legacy tree it was sent on: Tiên Lữ, all 11 of its communes.
    half = json.loads(vwu("status", "--year", 2025, "--period", "H1", "--unit", "33", "--workspace", workspace, "--json").stdout)
    assert half["tree"] == "legacy"
    assert half["indicators"][0]["lowest_units"]["by_unit"] == [{"code": "332", "name": "Huyện Tiên Lữ", "covered": 11, "expected": 11}]


def test_a_province_file_answers_for_all_its_communes(tmp_path, workspace, vwu):
    # The province's file lists two communes (the others had nothing to report); Bình Lư also
    # sent its own file. Every commune is answered for: complete, no mark.
    ingest(
        tmp_path / "in",
        workspace,
        {
            "lai_chau.xlsx": (YEAR_2025, "HỘI LHPN TỈNH LAI CHÂU", members((*DOAN_KET, 100, 10, 200, 1), (*BINH_LU, 50, 5, 100, 0))),
            "binh_lu.xlsx": (YEAR_2025, "HỘI LHPN XÃ BÌNH LƯ", members((*BINH_LU, 50, 5, 100, 0))),
        },
    )

    markdown, data, wb = report_2025(vwu, workspace, tmp_path / "out", unit=LAI_CHAU)

    # (the other indicators were not sent: those stay partial)
    assert headline_json(data, "members_total")["partial"] is False
    assert md_row(markdown, "Tổng số hội viên")[2] == "150"
    assert completeness_row(markdown, "Hội viên")[1:4] == ["38", "38", "100,0%"]
    assert not [c for row in wb["Hội viên"].iter_rows() for c in row if "*" in (c.number_format or "")]
    status = json.loads(vwu("status", "--year", 2025, "--unit", LAI_CHAU, "--workspace", workspace, "--json").stdout)
    members_status = status["indicators"][0]
    assert members_status["missing"] == 0 and status["indicators"][1]["submitted"] == 0
    assert members_status["lowest_units"]["by_unit"][0] | {"name": None} == {
        "code": "12",
        "name": None,
        "covered": 38,
        "expected": 38,
    }


def test_legacy_status_lists_districts_with_their_commune_coverage(tmp_path, workspace, vwu):
    # Tiên Lữ's file has figures for 2 of its 15 communes; completeness still counts districts.
    ingest(
        tmp_path / "in",
        workspace,
        {"tl.xlsx": (YEAR_2024, TIEN_LU, members(("12337", "Thị trấn Vương", 120, 12, 200, 1), ("12340", "Xã Hưng Đạo", 60, 6, 100, 0)))},
    )
    from vwu_pipeline.core.units import UnitTree

    communes = len(UnitTree.for_year(2024).leaves("332"))

    status = json.loads(vwu("status", "--year", 2024, "--unit", "33", "--workspace", workspace, "--json").stdout)

    members_status = status["indicators"][0]
    assert (members_status["submitted"], members_status["expected"]) == (1, 10)
    assert members_status["lowest_units"]["counted"] is False
    assert members_status["lowest_units"]["by_unit"] == [{"code": "332", "name": "Huyện Tiên Lữ", "covered": 2, "expected": communes}]
    # The terminal too: the districts that report, their commune coverage beside.
    table = vwu("status", "--year", 2024, "--unit", "33", "--workspace", workspace)
    assert f"Đã nộp, số xã có số liệu (Hội viên): Huyện Tiên Lữ (332): 2/{communes} xã" in table.output
    english = vwu("status", "--year", 2024, "--unit", "33", "--workspace", workspace, "--lang", "en")
    assert f"Submitted, communes with figures (Members): Huyện Tiên Lữ (332): 2/{communes} communes" in english.output
    markdown, data, _ = report_all(vwu, workspace, tmp_path / "out", unit="33")
    assert completeness_row(markdown, "Hội viên")[1:3] == ["1", "10"]


# --- case 8: presentation slips -----------------------------------------------------------------------


def test_the_workbook_marks_with_a_star_what_its_legend_promises(tmp_path, workspace, vwu):
    # 2024: Tiên Lữ and Ba Đình (2 of 696 districts); 2023 complete for Tiên Lữ's own report only.
    ingest(
        tmp_path / "in",
        workspace,
        {
            "tl24.xlsx": (YEAR_2024, TIEN_LU, members(("12337", "Thị trấn Vương", 120, 12, 200, 1))),
            "bd24.xlsx": (YEAR_2024, BA_DINH, members(("00001", "Phường Phúc Xá", 300, 20, 400, 3))),
        },
    )

    _, _, wb = report_all(vwu, workspace, tmp_path / "out")

    summary = wb.worksheets[0]
    assert any(c.value and str(c.value).startswith("Số liệu chưa đầy đủ") and "*" in c.value for row in summary.iter_rows() for c in row)
    total = summary_row(wb, "Tổng số hội viên")
    cell = next(row[2] for row in summary.iter_rows() if row[1].value == "Tổng số hội viên")
    assert (total[2], cell.number_format) == (420, '#,##0"*"')  # shown "420*", still a number
    sheet = wb["Hội viên"]
    at = {sheet.cell(r, 1).value: r for r in range(3, sheet.max_row + 1)}
    assert sheet.cell(at["00"], 4).number_format.endswith('"*"')  # the nation: partial
    assert not sheet.cell(at["332"], 4).number_format.endswith('"*"')  # Tiên Lữ: its own file, complete

    # Tiên Lữ's own report: nothing partial, no "*" anywhere, and no legend promising one.
    _, _, own = report_all(vwu, workspace, tmp_path / "own", unit="332")
    assert not [c for ws in own.worksheets for row in ws.iter_rows() for c in row if '"*"' in (c.number_format or "")]
    assert not [c for row in own.worksheets[0].iter_rows() for c in row if c.value and "đánh dấu *" in str(c.value)]


def test_charts_are_sorted_and_say_when_partial(tmp_path, workspace, vwu):
    import zipfile

    ingest(
        tmp_path / "in",
        workspace,
        {
            "tl24.xlsx": (YEAR_2024, TIEN_LU, members(("12337", "Thị trấn Vương", 120, 12, 200, 1))),
            "bd24.xlsx": (YEAR_2024, BA_DINH, members(("00001", "Phường Phúc Xá", 300, 20, 400, 3))),
        },
    )

    report_all(vwu, workspace, tmp_path / "out")

    wb = load_workbook(tmp_path / "out" / "vwu-2024.xlsx")
    charts = wb["Biểu đồ"]
    header = [c.value for c in charts[1]]
    column = header.index("Tổng số hội viên")
    ranked = [(charts.cell(r, column).value, charts.cell(r, column + 1).value) for r in (2, 3)]
    # Hà Nội 300 above Hưng Yên 120 (both partial: 1 of their districts each)
    assert ranked == [("Thành phố Hà Nội*", 300), ("Tỉnh Hưng Yên*", 120)]
    with zipfile.ZipFile(tmp_path / "out" / "vwu-2024.xlsx") as archive:
        titles = [archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/charts/chart")]
    assert any("Tổng số hội viên — Năm 2024 (chưa đủ số liệu)" in xml for xml in titles)


def test_outliers_beyond_the_list_are_counted_as_figures(tmp_path, workspace, vwu):
    from vwu_pipeline.report import summary

    # Six communes of Tiên Lữ, one typed ten times too many new members: flagged against its siblings.
    communes = [("12337", "Thị trấn Vương"), ("12340", "Xã Hưng Đạo"), ("12346", "Xã Nhật Tân")]
    communes += [("12352", "Xã Lệ Xá"), ("12355", "Xã An Viên"), ("12361", "Xã Trung Dũng")]
    rows = [(code, name, 1000, 500 if k == 0 else 20, 2000, 1) for k, (code, name) in enumerate(communes)]
    ingest(tmp_path / "in", workspace, {"tl.xlsx": (YEAR_2024, TIEN_LU, members(*rows))})
    limit = summary.MAX_OUTLIERS
    summary.MAX_OUTLIERS = 0  # every outlier beyond the list
    try:
        markdown, data, _ = report_all(vwu, workspace, tmp_path / "out")
    finally:
        summary.MAX_OUTLIERS = limit

    assert data["outliers"] == 1
    assert "và 1 số liệu khác" in markdown and "đơn vị khác" not in markdown.split("## Cảnh báo")[1]


def test_english_counts_agree_with_their_number(tmp_path, workspace, vwu):
    written = vwu("template", "--year", 2024, "--unit", "332", "--out", tmp_path / "forms", "--lang", "en")
    assert "Wrote 1 template into" in written.output

    rows = members(("12337", "Thị trấn Vương", 120, 12, 200, 1), ("12340", "Xã Hưng Đạo", 60, 6, None, 0))
    ingest(tmp_path / "in", workspace, {"tl.xlsx": (YEAR_2024, TIEN_LU, rows)})  # one warning: the blank denominator
    english = vwu("report", "--year", 2024, "--workspace", workspace, "--out", tmp_path / "en", "--lang", "en")
    text = (tmp_path / "en" / "vwu-2024.md").read_text(encoding="utf-8")
    assert english.exit_code == 0
    assert "- 1 warning at ingest" in text and "- 0 outlying figures to check" in text


def test_unit_names_are_written_as_officially_capitalised(vwu):
    found = vwu("units", "Bac Kan", "--year", 2024, "--json")
    names = {u["name"] for match in json.loads(found.stdout) for u in match["path"]}
    assert "Thành phố Bắc Kạn" in names and "Thành Phố Bắc Kạn" not in names
    from vwu_pipeline.core.units import UnitTree

    for year in (2024, 2025):
        wrong = [
            u.name for u in UnitTree.for_year(year).units() if u.name.split()[:2] in (["Thành", "Phố"], ["Thị", "Xã"], ["Thị", "Trấn"])
        ]
        assert wrong == []


def test_the_template_validation_example_is_a_value_the_cell_accepts(tmp_path):
    from vwu_pipeline.forms.template import write_templates

    (path,) = write_templates(2024, tmp_path, unit="332")
    book = load_workbook(path)

    poverty_sheet = {str(v.sqref): v for v in book["Thoát nghèo"].data_validations.dataValidation}
    cooperatives = poverty_sheet["H9:H19"]  # new cooperatives: at most 1,000 a commune
    assert cooperatives.formula2 == "1000" and "ví dụ 123." in cooperatives.error
    for sheet in book.worksheets:
        for rule in sheet.data_validations.dataValidation:
            example = int(rule.error.rsplit("ví dụ ", 1)[1].rstrip(".").replace(".", ""))
            assert float(rule.formula1) <= example <= float(rule.formula2)
    guide = [c.value for c in book.worksheets[0]["A"] if c.value]
    assert "  • Hộ nghèo có phụ nữ đầu kỳ: số có tại thời điểm đầu kỳ." in guide


def test_a_full_year_file_lacking_a_commune_of_the_first_half_warns_that_its_figures_still_count(tmp_path, workspace, vwu):
    # H1: Vương 12 new members, Hưng Đạo 5. The year's file has only Vương (20 new members).
    first_half = tmp_path / "h1"
    first_half.mkdir()
    submission(
        first_half / "tl_h1.xlsx",
        members(("12337", "Thị trấn Vương", 100, 12, 200, 1), ("12340", "Xã Hưng Đạo", 50, 5, 100, 0)),
        report_title=H1_2024,
        unit_title=TIEN_LU,
    )
    assert run([first_half], workspace).valid
    year = tmp_path / "year"
    year.mkdir()
    submission(year / "tl.xlsx", members(("12337", "Thị trấn Vương", 120, 20, 200, 1)), report_title=YEAR_2024, unit_title=TIEN_LU)

    ingested = vwu("ingest", year, "--workspace", workspace, "--json")

    (warning,) = [p for p in problems_of(ingested.stdout) if p["code"] == "part-year-rows-count"]
    assert warning["severity"] == "warning" and warning["sheet"] == "Hội viên"
    assert "Xã Hưng Đạo (12340)" in warning["message"] and "6 tháng đầu năm 2024" in warning["message"]
    assert "vẫn được tính vào cả năm" in warning["message"]
    # ... and they do: 20 (Vương's year) + 5 (Hưng Đạo's first half) new members in 2024.
    markdown, data, _ = report_all(vwu, workspace, tmp_path / "out", unit="332")
    assert md_row(markdown, "Hội viên kết nạp mới trong kỳ")[2] == "25"


def test_a_first_half_arriving_after_the_year_with_a_commune_the_year_lacks_warns_too(tmp_path, workspace, vwu):
    # The other order: the year's file (Vương only, 20 new members) first, then the first half
    # (Vương 12, Hưng Đạo 5). Hưng Đạo's first half counts in the year: the office is told.
    ingest(tmp_path / "year", workspace, {"tl.xlsx": (YEAR_2024, TIEN_LU, members(("12337", "Thị trấn Vương", 120, 20, 200, 1)))})
    first_half = tmp_path / "h1"
    first_half.mkdir()
    submission(
        first_half / "tl_h1.xlsx",
        members(("12337", "Thị trấn Vương", 100, 12, 200, 1), ("12340", "Xã Hưng Đạo", 50, 5, 100, 0)),
        report_title=H1_2024,
        unit_title=TIEN_LU,
    )

    ingested = vwu("ingest", first_half, "--workspace", workspace, "--json")

    (warning,) = [p for p in problems_of(ingested.stdout) if p["code"] == "part-year-rows-count"]
    assert warning["severity"] == "warning" and warning["sheet"] == "Hội viên"
    assert "Xã Hưng Đạo (12340)" in warning["message"] and "Thị trấn Vương" not in warning["message"]
    assert "6 tháng đầu năm 2024" in warning["message"] and "được tính vào cả năm" in warning["message"]
    # ... and they count: 20 (Vương's year) + 5 (Hưng Đạo's first half), whatever the order.
    markdown, data, _ = report_all(vwu, workspace, tmp_path / "out", unit="332")
    assert md_row(markdown, "Hội viên kết nạp mới trong kỳ")[2] == "25"
    # A first half whose communes are all in the year's file: no warning.
    again = tmp_path / "h1_again"
    again.mkdir()
    submission(again / "tl_h1_v2.xlsx", members(("12337", "Thị trấn Vương", 101, 12, 200, 1)), report_title=H1_2024, unit_title=TIEN_LU)
    quiet = vwu("ingest", again, "--workspace", workspace, "--json")
    assert [p for p in problems_of(quiet.stdout) if p["code"] == "part-year-rows-count"] == []


def test_a_full_year_file_with_every_commune_of_the_first_half_gives_no_such_warning(tmp_path, workspace, vwu):
    ingest(tmp_path / "h1", workspace, {"tl_h1.xlsx": (H1_2024, TIEN_LU, members(("12337", "Thị trấn Vương", 100, 12, 200, 1)))})
    year = tmp_path / "year"
    year.mkdir()
    submission(year / "tl.xlsx", members(("12337", "Thị trấn Vương", 120, 20, 200, 1)), report_title=YEAR_2024, unit_title=TIEN_LU)

    ingested = vwu("ingest", year, "--workspace", workspace, "--json")

    assert [p for p in problems_of(ingested.stdout) if p["code"] == "part-year-rows-count"] == []


# --- case 10: pictures beside the Markdown ------------------------------------------------------------


def test_the_report_draws_png_charts_the_markdown_links_to(tmp_path, workspace, vwu, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("MPLCONFIGDIR", raising=False)
    ingest(
        tmp_path / "in",
        workspace,
        {
            "tl23.xlsx": (YEAR_2023, TIEN_LU, members(("12337", "Thị trấn Vương", 100, 10, 200, 1))),
            "tl24.xlsx": (YEAR_2024, TIEN_LU, members(("12337", "Thị trấn Vương", 120, 12, 200, 1))),
            "bd24.xlsx": (YEAR_2024, BA_DINH, members(("00001", "Phường Phúc Xá", 300, 20, 400, 3))),
        },
    )
    load_targets_csv(vwu, tmp_path, workspace, ["2024,00,members_total,300", "2024,00,members_new,100"])

    markdown, data, _ = report_all(vwu, workspace, tmp_path / "out")

    charts = {c["kind"]: c for c in data["charts"]}
    assert list(charts) == ["ranking", "change", "targets"]
    # Provinces ranked by every headline figure of the schemas, one panel each (the members
    # sheet only was sent: the others have no figure, no panel).
    from vwu_pipeline.core.indicators import load_catalog, measures

    members_headline = [m.name for m in measures(load_catalog().get("members")) if m.headline]
    ranking = charts["ranking"]
    assert [panel["column"] for panel in ranking["panels"]] == members_headline
    assert ranking["title"] == "Toàn quốc: các số liệu chính theo đơn vị — Năm 2024 (chưa đủ số liệu)"
    panels = {panel["column"]: panel for panel in ranking["panels"]}
    # Provinces by members: Hà Nội 300, Hưng Yên 120, both with 1 district of many (partial).
    assert [(b["label"], b["value"], b["partial"]) for b in panels["members_total"]["bars"]] == [
        ("Thành phố Hà Nội*", 300, True),
        ("Tỉnh Hưng Yên*", 120, True),
    ]
    assert panels["members_total"]["title"] == "Tổng số hội viên (chưa đủ số liệu)"
    # ... and by new members: Hà Nội 20, Hưng Yên 12.
    assert [(b["label"], b["value"]) for b in panels["members_new"]["bars"]] == [("Thành phố Hà Nội*", 20), ("Tỉnh Hưng Yên*", 12)]
    # Like for like: only Hưng Yên (Tiên Lữ) reported both years: members 120 against 100, +20 %;
    # new members 12 against 10, +20 %; the enrolment rate 60 % against 50 %: +10 points.
    change = {panel["column"]: panel for panel in charts["change"]["panels"]}
    assert [(b["label"], round(b["value"], 4)) for b in change["members_total"]["bars"]] == [("Tỉnh Hưng Yên*", 0.2)]
    assert [(b["label"], round(b["value"], 4)) for b in change["members_new"]["bars"]] == [("Tỉnh Hưng Yên*", 0.2)]
    assert [(b["label"], round(b["value"], 4)) for b in change["enrolment_rate"]["bars"]] == [("Tỉnh Hưng Yên*", 0.1)]
    assert charts["change"]["title"] == "Toàn quốc: tăng/giảm so với năm 2023 theo đơn vị (trên cùng đơn vị) (chưa đủ số liệu)"
    # Targets: 420 members of 300 (met: missing units can only add), 32 new members of 100 (not judged yet).
    (targets,) = charts["targets"]["panels"]
    assert [(b["label"], round(b["value"], 2), b["partial"]) for b in targets["bars"]] == [
        ("Tổng số hội viên", 1.4, False),
        ("Hội viên kết nạp mới trong kỳ*", 0.32, True),
    ]
    for name in ("vwu-2024-00-ranking.png", "vwu-2024-00-change.png", "vwu-2024-00-targets.png"):
        assert (tmp_path / "out" / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert f"]({name})" in markdown
    assert "![Toàn quốc: các số liệu chính theo đơn vị — Năm 2024 (chưa đủ số liệu)](vwu-2024-00-ranking.png)" in markdown
    assert list(home.iterdir()) == []  # matplotlib's cache went into the workspace, not HOME
    assert (workspace / ".cache" / "matplotlib").is_dir()


def test_no_figures_to_chart_no_picture(tmp_path, workspace, vwu):
    # Tiên Lữ's own report with no previous year and no target: one ranking of its commune.
    ingest(tmp_path / "in", workspace, {"tl24.xlsx": (YEAR_2024, TIEN_LU, members(("12337", "Thị trấn Vương", 120, 12, 200, 1)))})

    markdown, data, _ = report_all(vwu, workspace, tmp_path / "out", unit="332")

    assert [c["kind"] for c in data["charts"]] == ["ranking"]
    assert sorted(p.name for p in (tmp_path / "out").glob("*.png")) == ["vwu-2024-332-ranking.png"]
    assert "(chưa đủ số liệu)" not in data["charts"][0]["title"]
    assert all("(chưa đủ số liệu)" not in panel["title"] for panel in data["charts"][0]["panels"])


def test_matplotlib_is_imported_by_the_report_only():
    import subprocess
    import sys

    probe = "import sys, vwu_pipeline.cli, vwu_pipeline.ingest.run, vwu_pipeline.ops.status; print('matplotlib' in sys.modules)"
    shown = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert shown.stdout.strip() == "False"


def test_a_commune_in_both_its_own_file_and_its_provinces_counts_once_by_the_version_key(tmp_path, vwu):
    import os

    for newer, expected in (("commune", 130), ("province", 100)):
        folder, workspace = tmp_path / newer, tmp_path / f"ws_{newer}"
        folder.mkdir()
        province = submission(
            folder / "lai_chau.xlsx", members((*DOAN_KET, 100, 10, 200, 1)), report_title=YEAR_2025, unit_title="HỘI LHPN TỈNH LAI CHÂU"
        )
        commune = submission(
            folder / "doan_ket.xlsx", members((*DOAN_KET, 130, 13, 200, 1)), report_title=YEAR_2025, unit_title="HỘI LHPN PHƯỜNG ĐOÀN KẾT"
        )
        # no place-and-date line: the files' modification times decide which version is newer
        later = province if newer == "province" else commune
        earlier = commune if later is province else province
        os.utime(earlier, (1_700_000_000, 1_700_000_000))
        os.utime(later, (1_700_086_400, 1_700_086_400))
        assert run([folder], workspace).valid

        markdown, data, _ = report_2025(vwu, workspace, tmp_path / f"out_{newer}", unit=LAI_CHAU)

        assert headline_json(data, "members_total")["value"] == expected  # counted once, never 230
        assert completeness_row(markdown, "Hội viên")[1:3] == ["38", "38"]
