"""Issue 13: schema files that cannot silently break. Each mistake a data officer made in a
schema file (the issue's table) stops the run with the file, the line, the key and a fix."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from builders import district_workbook

from vwu_pipeline.core.errors import EXIT_USAGE
from vwu_pipeline.core.indicators import DEFAULT_SCHEMAS, CheckFailed, Column, Indicator, load_catalog
from vwu_pipeline.core.problems import FileResult
from vwu_pipeline.ingest.tables import Table
from vwu_pipeline.ingest.validation import Submission, check_figures


@pytest.fixture
def schemas(tmp_path: Path) -> Path:
    """A copy of the shipped schema folder, for the officer to edit."""
    folder = tmp_path / "schemas"
    shutil.copytree(DEFAULT_SCHEMAS, folder)
    return folder


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in line)


def refused(vwu, folder: Path, *args: object) -> str:
    result = vwu("schemas", "check", folder, "--lang", "en", *args)
    assert result.exit_code == EXIT_USAGE, result.output
    return " ".join(result.output.replace("│", " ").split())


def test_the_shipped_schemas_are_valid_and_listed_in_domain_order(vwu):
    result = vwu("schemas", "check", "--lang", "en")
    assert result.exit_code == 0, result.output
    assert "Valid:" in result.output
    catalog = load_catalog()
    orders = [i.order for i in catalog.indicators]
    assert orders == sorted(orders) and None not in orders


def test_the_shipped_catalogue_is_what_checking_the_schema_files_gives(monkeypatch):
    """vwu ships the checked catalogue of its own schema files (a first ingest then loads neither
    pydantic nor YAML): it must be exactly what checking them gives now."""
    from vwu_pipeline.core import indicators
    from vwu_pipeline.core.messages import MESSAGES

    folder = DEFAULT_SCHEMAS.resolve()
    shipped = indicators._shipped_catalog(folder)
    assert shipped is not None, "a schema file changed since core/data/catalogue.json was written: run `make shipped`"
    checked = indicators._load_catalog(folder)
    assert shipped == checked, "the checking code now gives another catalogue: run `make shipped`"
    assert [i.source for i in shipped.indicators] == [i.source for i in checked.indicators]
    # a problem code vwu takes for itself later, which a shipped rule uses: the files are checked
    code = next(rule.code for i in shipped.indicators for rule in i.rules)
    monkeypatch.setitem(MESSAGES, code, MESSAGES["file-unreadable"])
    assert indicators._shipped_catalog(folder) is None


def test_an_edited_schema_file_is_checked_not_taken_from_the_shipped_catalogue(vwu, schemas):
    # an unchanged copy of the shipped files gives the shipped catalogue, in its own folder
    copy = load_catalog(schemas)
    assert copy.directory == schemas.resolve() and copy.digest == load_catalog().digest
    assert [(i.source, replace(i, source="")) for i in copy.indicators] == [
        (str(schemas.resolve() / Path(i.source).name), replace(i, source="")) for i in load_catalog().indicators
    ]
    # any edit: the files are checked again, a mistake refused, a new label taken
    edit(schemas / "members.yaml", "label: {en: Total members}", "label: {en: All members}")
    assert load_catalog(schemas).get("members").column("members_total").label("en") == "All members"
    edit(schemas / "members.yaml", "    aggregation: stock", "    aggregaton: stock")
    assert "aggregaton → aggregation?" in refused(vwu, schemas)


def test_a_misspelt_key_is_refused_with_its_line_and_the_likely_key(vwu, schemas):
    members = schemas / "members.yaml"
    edit(members, "    aggregation: stock", "    aggregaton: stock")
    out = refused(vwu, schemas)
    assert f"members.yaml:{line_of(members, 'aggregaton')}: columns[0].aggregaton: unknown key" in out
    assert "aggregaton → aggregation?" in out
    assert "required key missing" not in out  # the suggestion says it once


def test_rule_for_rules_is_refused_not_dropped(vwu, schemas):
    edit(schemas / "members.yaml", "\nrules:", "\nrule:")
    out = refused(vwu, schemas)
    assert f"members.yaml:{line_of(schemas / 'members.yaml', 'rule:')}: rule: unknown key" in out
    assert "rule → rules?" in out


def test_a_quoted_maximum_is_refused_and_template_exits_2_not_70(vwu, schemas, tmp_path):
    edit(schemas / "members.yaml", "max: 1_000_000", 'max: "1.000.000"')
    out = refused(vwu, schemas)
    assert "columns[0].max: expected a number (unquoted, no separators: 1_000_000), not '1.000.000'" in out
    result = vwu("template", "--year", 2024, "--unit", "332", "--out", tmp_path / "forms", "--schemas", schemas)
    assert result.exit_code == EXIT_USAGE


def test_a_check_that_errors_is_fatal_never_a_pass():
    # What a quoted maximum did before the model: the check raised, its failures carried no
    # row, and they were skipped. Built past the model here, as only a bug could.
    indicator = Indicator("x", "X", "X", "X", (), (Column("count", "Số", max="1.000.000"),))  # type: ignore[arg-type]
    table = Table(indicator, "X", (1,), {"unit_code": 0, "count": 1}, {"unit_code": "Mã xã", "count": "Số"})
    submission = Submission(Path("x.xlsx"), FileResult("x.xlsx"))
    with pytest.raises(CheckFailed, match="above-maximum"):
        check_figures(submission, table, [("X", 5, "00001", "A", 3.0)])


def test_a_label_that_is_not_a_mapping_and_a_ratio_without_name(vwu, schemas):
    members = schemas / "members.yaml"
    edit(members, "label: {en: Total members}", "label: Total members")
    edit(members, "  - name: enrolment_rate\n    label:", "  - label:")
    out = refused(vwu, schemas)
    assert (
        f"members.yaml:{line_of(members, 'label: Total members')}: columns[0].label: expected {{vi: …, en: …}}, not 'Total members'" in out
    )
    assert "ratios[0].name: required key missing" in out


def test_a_threshold_written_as_a_percentage(vwu, schemas):
    edit(schemas / "members.yaml", "threshold: 0.60", "threshold: 60%")
    out = refused(vwu, schemas)
    assert "ratios[0].threshold: expected a number" in out and "Write 0.60 for 60%." in out
    edit(schemas / "members.yaml", "threshold: 60%", "threshold: 60")
    out = refused(vwu, schemas)
    assert "a percent ratio's threshold is between 0 and 1, not 60.0" in out and "Write 0.6 for 60%." in out


def test_two_files_with_one_name_and_a_column_name_reused(vwu, schemas):
    shutil.copy(schemas / "orphans.yaml", schemas / "orphans2.yaml")
    edit(schemas / "orphans2.yaml", "name: orphans", "name: members")
    out = refused(vwu, schemas)
    assert "orphans2.yaml:1: name: indicator name 'members' collides with 'members' (members.yaml:1)" in out
    assert "figure name 'orphans_new' collides with 'orphans_new' (orphans.yaml:" in out


def test_a_new_file_whose_sheet_is_also_hoi_vien(vwu, schemas):
    shutil.copy(schemas / "policies.yaml", schemas / "project8.yaml")
    project = schemas / "project8.yaml"
    edit(project, "name: policies", "name: project8")
    edit(
        project,
        "sheet: {name: Giám sát chính sách, aliases: [GiamSat, Giam sat, policies, Giám sát, Giám sát phản biện]}",
        "sheet: {name: Hoi  vien}",
    )
    for column in ("policies_monitored_lead", "policies_monitored_joint", "drafts_reviewed", "policy_dialogues"):
        edit(project, f"name: {column}", f"name: p8_{column}")
    out = refused(vwu, schemas)
    assert "project8.yaml:4: sheet.name: sheet name 'Hoi vien' collides with 'Hội viên' (members.yaml:" in out


def test_an_unquoted_label_with_commas_is_not_cut(vwu, schemas):
    edit(schemas / "members.yaml", "label: {en: Total members}", "label: {vi: Tổng (tổ, CLB, địa chỉ), en: Total}")
    out = refused(vwu, schemas)
    assert "columns[0].label.CLB: unknown key. Allowed keys: vi, en." in out
    assert 'Quote a text that holds commas: {vi: "Tổng (tổ, CLB)"}' in out


def test_a_sheet_title_over_31_characters_needs_a_short_one(vwu, schemas, workspace, inbox):
    members = schemas / "members.yaml"
    edit(members, "title: {vi: Hội viên, en: Members}", "title: {vi: Truyền thông cộng đồng (Dự án 8) về hội viên, en: Members}")
    out = refused(vwu, schemas)
    assert "title.vi: the title is 44 characters, over Excel's 31 for a sheet name ('Truyền thông cộng đồng (Dự án 8…')" in out
    assert "Add short: {vi: …, en: …}" in out
    edit(members, "\ntitle:", "\nshort: {vi: Hội viên (Dự án 8), en: Members}\ntitle:")
    assert vwu("schemas", "check", schemas).exit_code == 0
    # The report's sheet is titled by the short title, not cut by Excel.
    district_workbook(inbox / "tien_lu.xlsx")
    assert vwu("ingest", inbox, "--workspace", workspace, "--schemas", schemas).exit_code == 0
    result = vwu("report", "--year", 2024, "--workspace", workspace, "--out", workspace / "out", "--schemas", schemas)
    assert result.exit_code == 0, result.output
    from openpyxl import load_workbook

    assert "Hội viên (Dự án 8)" in load_workbook(workspace / "out" / "vwu-2024.xlsx", read_only=True).sheetnames


def test_schema_errors_speak_the_chosen_language(vwu, schemas):
    edit(schemas / "members.yaml", "    aggregation: stock", "    aggregation: stok")
    result = vwu("schemas", "check", schemas)
    assert result.exit_code == EXIT_USAGE
    out = " ".join(result.output.replace("│", " ").split())
    assert "columns[0].aggregation: phải là một trong: flow, stock, opening; không phải 'stok'" in out
    assert "stok → stock?" in out


def test_rules_refer_to_real_columns_and_codes_are_kebab_case_and_not_builtin(vwu, schemas):
    members = schemas / "members.yaml"
    edit(members, "check: members_new <= members_total", "check: members_neww <= members_total")
    edit(members, "code: members-exceed-women", "code: above-maximum")
    edit(schemas / "orphans.yaml", "code: new-orphans-exceed-sponsored", "code: New_Orphans")
    out = refused(vwu, schemas)
    assert (
        "rules[0].check: 'members_neww' is not a column or derived figure of the indicator" in out and "members_neww → members_new?" in out
    )
    assert "rules[1].code: code 'above-maximum' is a built-in problem code of vwu" in out
    assert "rules[0].code: rule code 'New_Orphans' must be kebab-case" in out


def test_every_command_refuses_a_broken_schema_folder_the_same_way(vwu, schemas, workspace, inbox):
    edit(
        schemas / "poverty.yaml",
        "sum: [lifted_from_poverty, lifted_from_near_poverty]",
        "sum: [lifted_from_poverty, lifted_from_near_povrty]",
    )
    district_workbook(inbox / "tien_lu.xlsx")
    result = vwu("ingest", inbox, "--workspace", workspace, "--schemas", schemas, "--lang", "en")
    assert result.exit_code == EXIT_USAGE
    out = " ".join(result.output.replace("│", " ").split())
    assert "derived[0].sum[1]: 'lifted_from_near_povrty' is not a column of the indicator" in out


# --- forms change over the years (since / until / optional) ---------------------------------

SAMPLE_INBOX = Path(__file__).resolve().parents[1] / "sample_data" / "inbox"
NEW_COLUMN = """  - name: members_online
    header: Hội viên sinh hoạt trực tuyến
    label: {{en: Members meeting online}}
    aggregation: stock
    max: 1_000_000
{extra}ratios:"""


def add_members_column(schemas: Path, extra: str) -> None:
    edit(schemas / "members.yaml", "ratios:", NEW_COLUMN.format(extra=extra))


def checked(vwu, schemas: Path) -> dict[str, tuple[str, list[str]]]:
    import json

    result = vwu("validate", SAMPLE_INBOX, "--schemas", schemas, "--json", "--lang", "en")
    return {
        Path(f["path"]).name: (f["status"], sorted({p["code"] for p in f["problems"]}), f.get("period"))
        for f in json.loads(result.output)["files"]
    }


def test_a_column_new_on_a_later_form_refuses_no_file_of_the_older_forms(vwu, schemas):
    before = checked(vwu, schemas)
    add_members_column(schemas, "    since: 2026\n")
    assert checked(vwu, schemas) == before  # the 2023 to 2025 files lack it silently


def test_from_its_since_year_a_file_on_the_older_form_is_accepted_with_a_warning(vwu, schemas):
    before = checked(vwu, schemas)
    add_members_column(schemas, "    since: 2024\n")
    after = checked(vwu, schemas)
    assert {name: status for name, (status, *_) in after.items()} == {name: status for name, (status, *_) in before.items()}
    warned = {name for name, (_, codes, _) in after.items() if "column-not-on-form" in codes}
    assert "332_tien_lu_2024.xlsx" in warned and "467_dakrong_2024.xlsx" in warned
    assert not any(after[name][2].startswith("2023") for name in warned)
    result = vwu("validate", SAMPLE_INBOX / "33_hung_yen" / "332_tien_lu_2024.xlsx", "--schemas", schemas, "--lang", "en")
    assert (
        "column 'Hội viên sinh hoạt trực tuyến' of the 2024 form is missing; accepted, the column stored as not reported" in result.output
    )


def test_after_its_until_year_or_when_optional_a_missing_column_says_nothing(vwu, schemas):
    before = checked(vwu, schemas)
    add_members_column(schemas, "    until: 2022\n")
    assert checked(vwu, schemas) == before
    edit(schemas / "members.yaml", "    until: 2022\n", "    optional: true\n")
    assert checked(vwu, schemas) == before


def test_a_required_column_that_is_missing_still_refuses_naming_the_form(vwu, schemas):
    add_members_column(schemas, "")
    result = vwu("validate", SAMPLE_INBOX / "33_hung_yen" / "332_tien_lu_2024.xlsx", "--schemas", schemas, "--lang", "en")
    assert result.exit_code == 1
    out = " ".join(result.output.split())
    assert "Column 'Hội viên sinh hoạt trực tuyến' is missing. The form of Hội viên has the columns: Tổng số hội viên," in out
    assert "Hội viên danh dự, Hội viên sinh hoạt trực tuyến." in out


def test_templates_carry_the_columns_of_their_year(vwu, schemas, tmp_path):
    from openpyxl import load_workbook

    add_members_column(schemas, "    since: 2025\n")
    sheet = load_catalog(schemas).get("members").sheet_name
    headers = {}
    for year, unit in ((2024, "332"), (2025, "33")):
        assert vwu("template", "--year", year, "--unit", unit, "--out", tmp_path / str(year), "--schemas", schemas).exit_code == 0
        path = next((tmp_path / str(year)).rglob("*.xlsx"))
        ws = load_workbook(path)[sheet]
        headers[year] = {c.value for row in ws.iter_rows(max_row=12) for c in row}
    assert "Hội viên sinh hoạt trực tuyến" not in headers[2024]
    assert "Hội viên sinh hoạt trực tuyến" in headers[2025]


# --- a changed catalogue, unit master or conversion table makes the aggregation stale ---------


def test_a_stored_aggregation_is_stale_once_the_schemas_or_the_unit_master_change(vwu, schemas, workspace, inbox, tmp_path, monkeypatch):
    from vwu_pipeline.core.units import PACKAGED_MASTER

    district_workbook(inbox / "tien_lu.xlsx")
    assert vwu("ingest", inbox, "--workspace", workspace, "--schemas", schemas).exit_code == 0
    assert vwu("aggregate", "--year", 2024, "--workspace", workspace, "--schemas", schemas).exit_code == 0

    def report() -> str:
        result = vwu("report", "--year", 2024, "--workspace", workspace, "--out", tmp_path / "out", "--schemas", schemas, "--lang", "en")
        assert result.exit_code == 0, result.output
        return result.output

    assert "aggregated it first" not in report()  # nothing changed: the stored aggregation is used
    # A corrected label in a schema file: the stored aggregation was made with the old catalogue.
    edit(schemas / "members.yaml", "label: {en: Total members}", "label: {en: Members in total}")
    assert "aggregated it first" in report()
    assert "aggregated it first" not in report()
    # A replaced unit master (VWU_UNITS), even with one name changed, makes it stale too.
    master = tmp_path / "units.csv"
    master.write_text(PACKAGED_MASTER.read_text(encoding="utf-8").replace("Xã Nhật Tân", "Xã Nhật Tân mới", 1), encoding="utf-8")
    monkeypatch.setenv("VWU_UNITS", str(master))
    assert "aggregated it first" in report()


def test_the_order_key_orders_templates_workbook_and_summary(vwu, schemas, workspace, inbox, tmp_path):
    from openpyxl import load_workbook

    edit(schemas / "policies.yaml", "order: 40", "order: 5")  # policies first now
    titles = [i.title("vi") for i in load_catalog(schemas).indicators]
    assert titles[0] == "Giám sát chính sách"
    assert vwu("template", "--year", 2024, "--unit", "332", "--out", tmp_path / "forms", "--schemas", schemas).exit_code == 0
    form = next((tmp_path / "forms").rglob("*.xlsx"))
    assert load_workbook(form).sheetnames[1:] == [i.sheet_name for i in load_catalog(schemas).indicators]
    district_workbook(inbox / "tien_lu.xlsx")
    assert vwu("ingest", inbox, "--workspace", workspace, "--schemas", schemas).exit_code == 0
    assert vwu("report", "--year", 2024, "--workspace", workspace, "--out", tmp_path / "out", "--schemas", schemas).exit_code == 0
    sheets = load_workbook(tmp_path / "out" / "vwu-2024.xlsx", read_only=True).sheetnames
    assert [s for s in sheets if s in titles] == titles
    summary = (tmp_path / "out" / "vwu-2024.md").read_text(encoding="utf-8")
    first_rows = [line for line in summary.splitlines() if line.startswith("| ") and any(line.startswith(f"| {t} |") for t in titles)]
    assert first_rows[0].startswith(f"| {titles[0]} |")
