"""An officer runs `vwu report --year 2024`: the consolidated workbook and the written summary."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pandas as pd
import pytest
from builders import submission, write_csv
from openpyxl import Workbook, load_workbook
from test_aggregate import BA_DINH, ingest_fixture

from vwu_pipeline.core.indicators import load_catalog
from vwu_pipeline.core.units import Unit, UnitTree
from vwu_pipeline.ingest.run import run
from vwu_pipeline.ingest.targets import load_targets
from vwu_pipeline.report.build import report
from vwu_pipeline.report.result import AggregateResult
from vwu_pipeline.report.rollup import aggregate, compute
from vwu_pipeline.report.summary import md, render_summary
from vwu_pipeline.report.workbook import write_workbook
from vwu_pipeline.store.db import Store

SAMPLE_TARGETS = Path(__file__).resolve().parent.parent / "sample_data" / "targets_2024.csv"


@pytest.fixture
def aggregated(tmp_path, workspace):
    ingest_fixture(tmp_path / "inbox", workspace)
    aggregate(workspace, 2024)
    return workspace


def cells(workbook) -> list:
    return [cell for ws in workbook.worksheets for row in ws.iter_rows() for cell in row if cell.value is not None]


def rows_by_code(ws) -> dict[str, int]:
    return {ws.cell(r, 1).value: r for r in range(3, ws.max_row + 1)}


def test_report_writes_the_workbook_and_the_summary(aggregated, tmp_path, vwu):
    out = tmp_path / "out"

    result = vwu("report", "--year", 2024, "--workspace", aggregated, "--out", out)

    assert result.exit_code == 0, result.output
    assert (out / "vwu-2024.xlsx").exists() and (out / "vwu-2024.md").exists()
    assert "Tổng số hội viên" in result.output and "540*" in result.output
    assert not list(out.glob("*.part"))


def test_the_workbook_tree_outline_formats_and_numbers(aggregated, tmp_path):
    report(aggregated, 2024, out=tmp_path)

    wb = load_workbook(tmp_path / "vwu-2024.xlsx")
    assert wb.sheetnames[0] == "Tổng hợp"
    assert {"Hội viên", "Thoát nghèo", "Mẹ đỡ đầu", "Giám sát chính sách", "Tình hình báo cáo", "Cảnh báo", "Biểu đồ"} <= set(wb.sheetnames)
    ws = wb["Hội viên"]
    assert ws.freeze_panes == "D3"
    assert ws.sheet_properties.outlinePr.summaryBelow is False
    at = rows_by_code(ws)
    # national, then Hà Nội > Ba Đình > its wards, then Hưng Yên > Tiên Lữ > its communes
    assert list(at) == ["00", "01", "001", "00001", "00004", "33", "332", "12337", "12340"]
    assert [ws.row_dimensions[at[c]].outlineLevel for c in ("00", "33", "332", "12337")] == [0, 1, 2, 3]
    assert ws.cell(at["33"], 2).font.b and not ws.cell(at["12337"], 2).font.b
    header = [c.value for c in ws[2]]
    total = ws.cell(at["00"], header.index("Tổng số hội viên") + 1)
    rate = ws.cell(at["00"], header.index("Tỷ lệ tập hợp") + 1)
    # the nation is partial (2 of 696 districts): its figures show the "*" the legend explains
    assert (total.value, total.number_format) == (540, '#,##0"*"')
    assert (rate.value, rate.number_format) == (pytest.approx(0.675), '0.0%"*"')
    assert "Số liệu chưa đủ (2/696" in ws.cell(at["00"], len(header)).value
    # no formula anywhere
    assert all(c.data_type != "f" and not str(c.value).startswith("=") for c in cells(wb))
    # native bar charts (openpyxl does not read charts back: look into the file), and every
    # part well-formed XML (the rows are spliced in as text)
    archive = zipfile.ZipFile(tmp_path / "vwu-2024.xlsx")
    assert "xl/charts/chart1.xml" in archive.namelist()
    for name in archive.namelist():
        if name.endswith((".xml", ".rels")):
            ElementTree.fromstring(archive.read(name))


def test_completeness_sheet_lists_who_has_not_reported(aggregated, tmp_path):
    report(aggregated, 2024, unit="33", out=tmp_path)

    ws = load_workbook(tmp_path / "vwu-2024-33.xlsx")["Tình hình báo cáo"]
    at = rows_by_code(ws)
    header = [c.value for c in ws[2]]
    assert ws.cell(at["33"], header.index("Phải báo cáo") + 1).value == 10
    assert ws.cell(at["33"], header.index("Đã báo cáo: Hội viên") + 1).value == 1
    assert "Huyện Kim Động (331)" in ws.cell(at["33"], len(header)).value
    # Kim Động sent nothing: every indicator is missing, listed in the catalogue's order.
    assert ws.cell(at["331"], len(header)).value == ", ".join(i.title("vi") for i in load_catalog().indicators)
    assert ws.row_dimensions[at["331"]].outlineLevel == 1


def test_a_formula_typed_in_a_submission_stays_text(tmp_path, workspace):
    # A CSV cell is text: a workbook cell starting with "=" would be a formula without a value.
    write_csv(tmp_path / "f.csv", "members", [["12337", '=HYPERLINK("http://evil.example","Xã")', 100, 10, 200, 1]])
    run([tmp_path / "f.csv"], workspace)

    report(workspace, 2024, out=tmp_path)

    ws = load_workbook(tmp_path / "vwu-2024.xlsx")["Cảnh báo"]
    found = [c for row in ws.iter_rows() for c in row if c.value and "HYPERLINK" in str(c.value)]
    assert found and all(c.data_type == "s" for c in found)
    assert found[0].value == '=HYPERLINK("http://evil.example","Xã")'
    assert ws.cell(3, 1).value == "f.csv" and ws.cell(3, 4).value == 4  # file and row


def tiny_result(names: dict[str, str]) -> AggregateResult:
    """A result over a made-up tree whose unit names are given (province 91, district 901)."""
    units = [
        Unit("91", names.get("91", "Tỉnh Thử"), "province", None, "91"),
        Unit("901", names.get("901", "Huyện Thử"), "district", "91", "91"),
        Unit("90001", names.get("90001", "Xã Một"), "commune", "901", "91"),
        Unit("90002", names.get("90002", "Xã Hai"), "commune", "901", "91"),
    ]
    tree = UnitTree("test", units)
    figures = pd.DataFrame(
        [(1, "orphans", "2024", code, "funds_vnd", value) for code, value in (("90001", 19_668_108), ("90002", 1_000_000))]
        + [(2, "poverty", "2024", "90001", "new_cooperatives", 2)],
        columns=["submission_id", "indicator", "period", "unit_code", "column", "value"],
    )
    catalog = load_catalog()
    values, complete, flagged = compute(figures, tree, catalog, [("orphans", "901"), ("poverty", "901")])
    empty_targets = pd.DataFrame(columns=["unit_code", "column", "target"])
    warnings = pd.DataFrame(columns=["file", "unit_code", "code", "sheet", "row", "column", "value", "message_vi", "message_en"])
    return AggregateResult(
        2024, tree, catalog, values, complete, flagged, empty_targets, warnings, aggregated_at="2024-12-01T08:00:00+07:00"
    )


def table_lines(text: str) -> list[list[str]]:
    """The Markdown tables, as lists of lines."""
    tables, current = [], []
    for line in text.splitlines():
        if line.startswith("|"):
            current.append(line)
        elif current:
            tables.append(current)
            current = []
    return tables + ([current] if current else [])


def unescaped_pipes(line: str) -> int:
    return len(re.findall(r"(?<!\\)\|", line))


def test_markdown_numbers_the_vietnamese_way_and_in_english():
    result = tiny_result({})

    vi = render_summary(result, "vi")
    en = render_summary(result, "en")

    assert vi.startswith("# Báo cáo tổng hợp kết quả công tác Hội năm 2024 — Toàn quốc\n")
    assert "| Mẹ đỡ đầu | Kinh phí vận động (đồng) | 20.668.108 |" in vi
    assert "| Godmother programme | Funds raised (VND) | 20,668,108 |" in en
    assert "Tổng hợp lúc 01/12/2024 08:00" in vi
    assert "## Tình hình báo cáo" in vi and "## Submissions" in en


def test_a_pipe_or_markup_in_a_unit_name_does_not_break_the_tables():
    result = tiny_result({"91": "Tỉnh A | B", "901": "# Huyện *Đặc* <b>biệt</b>"})

    text = render_summary(result, "vi")

    for table in table_lines(text):
        widths = {unescaped_pipes(line) for line in table}
        assert len(widths) == 1, table
    # as a GFM renderer reads it: every row of a table has its header's number of cells
    markdown_it = pytest.importorskip("markdown_it")
    tables: list[list[int]] = []
    for token in markdown_it.MarkdownIt("commonmark").enable("table").parse(text):
        if token.type == "table_open":
            tables.append([])
        elif token.type == "tr_open":
            tables[-1].append(0)
        elif token.type in ("th_open", "td_open"):
            tables[-1][-1] += 1
    assert len(tables) == len(table_lines(text)) >= 3
    assert all(len(set(rows)) == 1 for rows in tables), tables
    html = markdown_it.MarkdownIt("commonmark").enable("table").render(text)
    assert "<td>Tỉnh A | B" in html and "<b>" not in html
    assert "Tỉnh A \\| B" in text
    assert "\\# Huyện \\*Đặc\\* \\<b\\>biệt\\</b\\>" in text
    assert md("1. Xã") == "1\\. Xã" and md("- Xã") == "\\- Xã" and md("a\nb") == "a b"


def test_unit_names_that_look_like_formulas_are_written_as_text(tmp_path):
    result = tiny_result({"90001": '=HYPERLINK("http://x","Xã")', "90002": "+84 Xã", "901": "@Huyện"})

    write_workbook(result, tmp_path / "t.xlsx", "vi")

    wb = load_workbook(tmp_path / "t.xlsx")
    names = {c.value: c.data_type for c in wb["Mẹ đỡ đầu"]["B"] if c.value}
    assert names['=HYPERLINK("http://x","Xã")'] == "s" and names["+84 Xã"] == "s" and names["@Huyện"] == "s"
    assert all(c.data_type != "f" for c in cells(wb))


def test_english_workbook_headers(tmp_path):
    write_workbook(tiny_result({}), tmp_path / "en.xlsx", "en")

    wb = load_workbook(tmp_path / "en.xlsx")
    assert wb.sheetnames[0] == "Summary"
    assert [c.value for c in wb["Godmother programme"][2]][:3] == ["Code", "Unit", "Level"]


def test_targets_loaded_and_achievement_reported(aggregated, tmp_path, vwu):
    (tmp_path / "targets.csv").write_text(
        "year,unit_code,column,target\n"
        "2024,00,lifted_total,20\n"
        '2024,,members_new,"100"\n'
        "2024,01,new_cooperatives,1\n"
        "2024,33,new_cooperatives,3\n"
        "2024,00,enrolment_rate,50%\n",
        encoding="utf-8",
    )

    loaded = vwu("targets", tmp_path / "targets.csv", "--workspace", aggregated)
    shown = vwu("report", "--year", 2024, "--workspace", aggregated, "--out", tmp_path)

    assert loaded.exit_code == 0, loaded.output
    assert "Đã lưu 5 chỉ tiêu năm 2024" in loaded.output
    assert shown.exit_code == 0, shown.output
    text = (tmp_path / "vwu-2024.md").read_text(encoding="utf-8")
    # 2 of 696 districts have reported: a sum already at its target is met (missing units can
    # only add), one below it or any ratio cannot be judged yet (issue 12, case 2).
    assert "| Toàn quốc | Hộ có phụ nữ thoát nghèo và cận nghèo | 20 | 26\\* | 130,0% | **Đạt** |" in text
    assert "| Toàn quốc | Hội viên kết nạp mới trong kỳ | 100 | 59\\* | 59,0% | Chưa đủ số liệu (2/696 đơn vị) |" in text
    assert "| Toàn quốc | Tỷ lệ tập hợp | 50,0% | 67,5%\\* | 135,0% | Chưa đủ số liệu (2/696 đơn vị) |" in text
    # Hà Nội: Ba Đình's 2 cooperatives already meet 1; Hưng Yên: 1 of 3 with 1 of 10 districts in.
    assert "- **Hợp tác xã thành lập mới**: 1 đạt · 1 chưa đủ số liệu" in text
    assert "Chưa đạt" not in text
    ws = load_workbook(tmp_path / "vwu-2024.xlsx")["Thực hiện chỉ tiêu"]
    assert [c.value for c in ws[3]][:8] == [
        "00",
        "Toàn quốc",
        "Hội viên",
        "Hội viên kết nạp mới trong kỳ",
        100,
        59,
        pytest.approx(0.59),
        "Chưa đủ số liệu (2/696 đơn vị)",
    ]


def test_a_target_row_replaces_the_same_year_unit_and_figure(aggregated, tmp_path):
    (tmp_path / "a.csv").write_text("year,unit_code,column,target\n2024,00,lifted_total,20\n", encoding="utf-8")
    (tmp_path / "b.csv").write_text("year;unit_code;column;target\n2024;00;lifted_total;34.000\n", encoding="utf-8")

    load_targets(tmp_path / "a.csv", aggregated)
    load_targets(tmp_path / "b.csv", aggregated)

    with Store.open(aggregated) as store:
        assert [(t.unit_code, t.column, t.target, t.file) for t in store.stored_targets()] == [("00", "lifted_total", 34000.0, "b.csv")]


def test_bad_targets_are_refused_naming_row_and_column(workspace, tmp_path, vwu):
    (tmp_path / "bad.csv").write_text(
        "year,unit_code,column,target\n"
        "2024,00,lifted_total,34000\n"
        "2024,99,new_cooperatives,73\n"
        "2024,00,households_lifted,10\n"
        "2024,00,members_new,nhiều\n"
        "2024,00,lifted_total,1\n",
        encoding="utf-8",
    )

    result = vwu("targets", tmp_path / "bad.csv", "--workspace", workspace)

    assert result.exit_code == 1, result.output
    assert "bad.csv › dòng 3 › cột “unit_code”: Mã đơn vị '99' không có trong danh mục đơn vị năm 2024." in result.output
    assert "bad.csv › dòng 4 › cột “column”: 'households_lifted' không phải tên số liệu" in result.output
    assert "bad.csv › dòng 5 › cột “target”: Chỉ tiêu 'nhiều' phải là một số không âm." in result.output
    assert "bad.csv › dòng 6 › cột “unit_code”: Chỉ tiêu này (năm, đơn vị, số liệu) đã có ở dòng 2." in result.output
    assert not (workspace / "vwu.sqlite").exists()  # nothing stored


def test_targets_from_xlsx_with_codes_excel_made_numbers(workspace, tmp_path, vwu):
    wb = Workbook()
    ws = wb.active
    ws.append(["CHỈ TIÊU NĂM 2024"])
    ws.append(["Năm", "Mã đơn vị", "Chỉ tiêu", "Chỉ tiêu giao"])
    ws.append([2024, 1, "new_cooperatives", 2])  # Hà Nội "01" typed as the number 1
    ws.append([None, 332, "lifted_total", "1.500"])  # year from --year
    wb.save(tmp_path / "t.xlsx")

    result = vwu("targets", tmp_path / "t.xlsx", "--workspace", workspace, "--year", 2024, "--json")

    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["rows"] == 2
    with Store.open(workspace) as store:
        targets = store.stored_targets()
    assert sorted((t.unit_code, t.column, t.target) for t in targets) == [
        ("01", "new_cooperatives", 2.0),
        ("332", "lifted_total", 1500.0),
    ]


def test_the_sample_targets_hold_the_2024_national_targets(workspace):
    result = load_targets(SAMPLE_TARGETS, workspace)

    assert result.valid, result.to_json()
    with Store.open(workspace) as store:
        targets = store.stored_targets()
    national = {t.column: t.target for t in targets if t.unit_code == "00"}
    assert national == {"lifted_total": 34000, "new_cooperatives": 73, "members_new": 170400}
    provinces = sum(t.column == "policies_monitored_lead" for t in targets)
    assert provinces == len(UnitTree.for_year(2024).children(None))


def test_a_province_gets_its_own_report(aggregated, tmp_path, vwu):
    result = vwu("report", "--year", 2024, "--unit", "33", "--workspace", aggregated, "--out", tmp_path)

    assert result.exit_code == 0, result.output
    text = (tmp_path / "vwu-2024-33.md").read_text(encoding="utf-8")
    assert text.startswith("# Báo cáo tổng hợp kết quả công tác Hội năm 2024 — Tỉnh Hưng Yên")
    assert "| Hội viên | Tổng số hội viên | 150\\* |" in text
    ws = load_workbook(tmp_path / "vwu-2024-33.xlsx")["Hội viên"]
    assert list(rows_by_code(ws)) == ["33", "332", "12337", "12340"]
    assert [ws.row_dimensions[r].outlineLevel for r in (3, 4, 5)] == [0, 1, 2]


def test_report_json_equals_the_library_result(aggregated, tmp_path, vwu):
    result = vwu("report", "--year", 2024, "--workspace", aggregated, "--out", tmp_path, "--json")

    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == json.loads(report(aggregated, 2024, out=tmp_path).to_json())
    data = json.loads(result.output)
    assert data["aggregated"] is False and data["partial"] is True
    assert data["missing"]["members"] == 694


def test_report_aggregates_first_when_the_year_is_new_or_changed(tmp_path, workspace, vwu):
    ingest_fixture(tmp_path / "inbox", workspace)

    first = report(workspace, 2024, out=tmp_path)
    submission(
        tmp_path / "more.xlsx",
        {"members": [["00004", "Phường Trúc Bạch", 95, 9, 100, 1]]},
        unit_title=BA_DINH,
        report_title="BÁO CÁO KẾT QUẢ CÔNG TÁC HỘI NĂM 2024",
    )
    run([tmp_path / "more.xlsx"], workspace)
    second = report(workspace, 2024, out=tmp_path)
    third = vwu("report", "--year", 2024, "--workspace", workspace, "--out", tmp_path)

    assert first.aggregated and second.aggregated
    headline = {row["column"]: row["value"] for row in second.headline}
    # Ba Đình's new report replaced Trúc Bạch's row; Phúc Xá, absent from it, keeps its 300 (row by row)
    assert headline["members_total"] == 150 + 300 + 95
    assert third.exit_code == 0 and "đã tổng hợp lại" not in third.output


def test_summary_lists_missing_units_and_warnings(aggregated, tmp_path):
    report(aggregated, 2024, unit="33", out=tmp_path)

    text = (tmp_path / "vwu-2024-33.md").read_text(encoding="utf-8")
    assert "> **Số liệu chưa đầy đủ" in text
    assert "- **Hội viên, Thoát nghèo** (9):" in text
    others = [i.title("vi") for i in load_catalog().indicators if i.name not in ("members", "poverty")]
    assert f"- **{', '.join(others)}** (10):" in text  # the fixture sent no other indicator
    assert "  - Thành phố Hưng Yên (323), Huyện Văn Lâm (325)," in text and "Huyện Kim Động (331)" in text
    assert "- 0 cảnh báo khi nhận báo cáo" in text


def test_an_unknown_unit_is_a_clear_error(aggregated, tmp_path, vwu):
    result = vwu("report", "--year", 2024, "--unit", "99", "--workspace", aggregated, "--out", tmp_path)

    assert result.exit_code == 2
    assert "Mã đơn vị '99' không có trong danh mục năm 2024" in result.output
