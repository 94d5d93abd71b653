"""A province officer sends each district a form; the district fills it in and sends it back."""

from __future__ import annotations

import pytest
from conftest import figures
from openpyxl import load_workbook

from vwu_pipeline.core.errors import ConfigError
from vwu_pipeline.core.indicators import load_catalog
from vwu_pipeline.core.lookup import reporting_units
from vwu_pipeline.core.periods import Period
from vwu_pipeline.core.units import UnitTree
from vwu_pipeline.forms.demo_data import DemoFigures
from vwu_pipeline.forms.template import (
    INSTRUCTIONS_SHEET,
    write_templates,
)

TIEN_LU = "33_tinh_hung_yen/332_huyen_tien_lu_2024.xlsx"


def test_one_template_per_district_of_the_province(vwu, tmp_path):
    result = vwu("template", "--year", 2024, "--unit", "33", "--out", tmp_path)

    assert result.exit_code == 0, result.output
    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.xlsx"))
    assert len(written) == 10  # Hưng Yên has ten districts
    assert TIEN_LU in written


def test_the_form_is_prefilled_and_driven_by_the_schemas(tmp_path):
    (path,) = write_templates(2024, tmp_path, unit="332")
    catalog = load_catalog()
    workbook = load_workbook(path)

    assert workbook.sheetnames == [INSTRUCTIONS_SHEET, *(i.sheet_name for i in catalog.indicators)]
    ws = workbook["Hội viên"]
    assert [ws.cell(r, 1).value for r in range(1, 5)] == [
        "HỘI LHPN HUYỆN TIÊN LỮ",
        "BÁO CÁO KẾT QUẢ CÔNG TÁC HỘI NĂM 2024",
        "Kỳ báo cáo: Năm 2024",
        "Mã đơn vị: 332",
    ]
    header = [c.value for c in ws[7]]
    assert header == ["STT", "Mã xã", "Tên xã", *(c.header for c in catalog.get("members").columns)]
    assert [c.value for c in ws[8]][:3] == ["(1)", "(2)", "(3)"]
    first = ws[9]
    assert (first[1].value, first[2].value) == ("12337", "Thị trấn Vương")
    assert first[1].data_type == "s" and first[1].number_format == "@"  # a code is text: zeros kept
    totals = ws[ws.max_row]
    assert totals[0].value == "Tổng cộng" and totals[3].value == "=SUM(D9:D19)"


def test_figure_cells_are_validated_and_open_everything_else_locked(tmp_path):
    (path,) = write_templates(2024, tmp_path, unit="332")
    ws = load_workbook(path)["Thoát nghèo"]

    # One rule per figure column, with that column's bounds from the schema.
    validations = {str(v.sqref): v for v in ws.data_validations.dataValidation}
    assert list(validations) == ["D9:D19", "E9:E19", "F9:F19", "G9:G19", "H9:H19"]
    households, cooperatives = validations["D9:D19"], validations["H9:H19"]
    assert (households.type, households.operator, households.formula1, households.formula2) == ("whole", "between", "0", "100000")
    assert cooperatives.formula2 == "1000"
    assert households.showInputMessage and households.showErrorMessage
    assert "số nguyên từ 0 đến 100.000" in households.prompt and "số nguyên" in households.error
    assert ws.protection.sheet and not ws.protection.password
    assert ws["D9"].protection.locked is False
    assert ws["B9"].protection.locked and ws["D7"].protection.locked  # code and header


def test_a_filled_template_ingests_cleanly(vwu, tmp_path, workspace):
    (path,) = write_templates(2024, tmp_path / "forms", unit="332")
    tree = UnitTree.for_year(2024)
    plausible = DemoFigures(seed=7, period="2024")  # figures that keep the schemas' rules
    workbook = load_workbook(path)
    expected = {}
    for ws in workbook.worksheets[1:]:  # as a district officer types them into the open cells
        indicator = load_catalog().for_sheet(ws.title)
        for row in range(9, 20):
            code = ws.cell(row, 2).value
            for i, value in enumerate(plausible(tree.get("332"), tree.get(code), indicator)):
                ws.cell(row, 4 + i, value)
                expected[(code, indicator.columns[i].name)] = value
    workbook.save(path)

    result = vwu("ingest", path, "--workspace", workspace)

    assert result.exit_code == 0, result.output
    assert "Huyện Tiên Lữ (332), 2024" in result.output and "0 cảnh báo" in result.output
    assert figures(workspace) == expected  # every figure, nothing from the totals row


def test_an_island_district_reports_its_own_row(tmp_path):
    (path,) = write_templates(2024, tmp_path, unit="471")  # Cồn Cỏ, Quảng Trị: no communes
    ws = load_workbook(path)["Hội viên"]

    assert (ws["B9"].value, ws["C9"].value) == ("471", "Huyện Cồn Cỏ")
    assert ws["A10"].value == "Tổng cộng"


def test_the_2025_tree_has_province_forms_or_commune_forms(tmp_path):
    tree = UnitTree.for_year(2025)

    assert len(reporting_units(tree)) == 34
    communes = reporting_units(tree, "01", "commune")
    assert len(communes) == len(tree.leaves("01")) and all(u.level == "commune" for u in communes)
    (path,) = write_templates(2025, tmp_path, unit=communes[0].code, level="commune")
    ws = load_workbook(path)["Hội viên"]
    assert ws["B9"].value == communes[0].code and ws["A10"].value == "Tổng cộng"


def test_wrong_choices_are_explained(vwu, tmp_path):
    with pytest.raises(ConfigError, match="dưới cấp báo cáo"):
        write_templates(2024, tmp_path, unit="12337")  # a commune: its district reports for it
    with pytest.raises(ConfigError, match="không lập mẫu cho cấp 'commune'"):
        write_templates(2024, tmp_path, level="commune")

    result = vwu("template", "--year", 2024, "--unit", "99", "--out", tmp_path)

    assert result.exit_code == 2
    assert "Mã đơn vị '99' không có trong danh mục" in result.output


@pytest.mark.parametrize(
    "code,title",
    [("2024", "năm 2024"), ("2024-H1", "6 tháng đầu năm 2024"), ("2024-Q3", "quý III năm 2024"), ("2024-M03", "tháng 3 năm 2024")],
)
def test_periods_are_titled_the_way_ingest_reads_them(vwu, tmp_path, code, title):
    from vwu_pipeline.core.periods import find_period
    from vwu_pipeline.forms.template import title_lines

    unit = UnitTree.for_year(2024).get("332")

    assert Period(code).label() == title
    assert find_period(title_lines(unit, Period(code))) == code
    assert Period.parse(2024, code[5:] or None) == Period(code)
