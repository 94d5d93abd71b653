"""Issue 18: speed at the floor. Timings are measured by `make bench`, never asserted here;
these tests hold what the speed is built on, each with the checks it must not trade away."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import zipfile
import zlib
from pathlib import Path

import pandas as pd
import pytest
from builders import district_workbook, rows_for, submission

from vwu_pipeline.core.indicators import DEFAULT_SCHEMAS
from vwu_pipeline.core.periods import Period
from vwu_pipeline.report import charts as charts_module
from vwu_pipeline.report.ahead import FiguresAhead, periods_inside
from vwu_pipeline.report.arrays import within
from vwu_pipeline.report.charts import draw_charts, plan_charts
from vwu_pipeline.report.presentation import indicator_table
from vwu_pipeline.report.rollup import aggregate, load
from vwu_pipeline.report.workbook import write_workbook
from vwu_pipeline.store.db import Store

INGEST_AND_LIST_MODULES = """
import json, sys
from pathlib import Path
from vwu_pipeline.ingest.run import IngestOptions, run
report = run([Path(sys.argv[1])], Path(sys.argv[2]), IngestOptions(lang="en"))
problems = sorted((p.code, p.row) for f in report.files for p in f.problems)
print(json.dumps({"problems": problems, "loaded": sorted(m for m in ("pandas", "pandera", "numpy") if m in sys.modules)}))
"""


def test_ingest_checks_every_rule_without_loading_a_dataframe_library(inbox: Path, workspace: Path):
    # pandas and pandera take about a second to import: more than reading the whole country.
    # The schema's checks (whole numbers, bounds, rules between figures) still run, row by row.
    rows = rows_for("members")
    rows[0][2:6] = [100, 150, 1800, 0]  # more new members than members: error
    rows[1][2:6] = [1600, 10, 1500, 2.5]  # more members than women 18+: warning; half a member
    rows[2][2:6] = [-5, 0, 5_000_000, 0]  # negative; digits typed twice: above the maximum
    district_workbook(inbox / "rules.xlsx", ("members",), rows={"members": rows}, totals=False)

    done = subprocess.run(
        [sys.executable, "-c", INGEST_AND_LIST_MODULES, str(inbox), str(workspace)], capture_output=True, text=True, check=True
    )
    seen = json.loads(done.stdout)

    assert seen["loaded"] == []
    assert sorted(map(tuple, seen["problems"])) == [
        ("above-maximum", 8),
        ("below-minimum", 8),
        ("members-exceed-women", 7),
        ("new-exceeds-total", 6),
        ("new-exceeds-total", 8),  # 0 new members over -5
        ("not-integer", 7),
    ]


REINGEST_AND_LIST_WORK = """
import json, sys
from pathlib import Path
from vwu_pipeline.cli import main
from vwu_pipeline.core import units
sys.argv[1:] = ["ingest", sys.argv[1], "--workspace", sys.argv[2], "--quiet"]
try:
    main()
except SystemExit as done:
    code = done.code
print(json.dumps({
    "code": code,
    "loaded": sorted(m for m in ("pydantic", "yaml", "vwu_pipeline.core.schema_files") if m in sys.modules),
    "unit_trees_built": units._build.cache_info().currsize > 0,
}))
"""


def test_an_unchanged_re_ingest_reads_neither_the_schemas_nor_the_unit_master(inbox: Path, workspace: Path, tmp_path: Path):
    # Issue 11/18: a nightly re-ingest where nothing changed must cost at most a tenth of a first
    # ingest, and its fixed costs were most of it: the catalogue's strict check (pydantic, YAML)
    # and the unit master with its trees. Every file the store already holds is recognised by its
    # bytes, so neither is needed; a file that must be read still loads both (and a broken schema
    # still stops that run).
    district_workbook(inbox / "tien_lu.xlsx")
    env = {k: v for k, v in os.environ.items() if not k.startswith("VWU_")}

    def ingest() -> dict:
        done = subprocess.run(
            [sys.executable, "-c", REINGEST_AND_LIST_WORK, str(inbox), str(workspace)], capture_output=True, text=True, env=env
        )
        *said, seen = done.stdout.splitlines() or [""]
        return {**json.loads(seen or "{}"), "said": said, "stderr": done.stderr[-2000:]}

    # vwu's own schema files come checked (core/data/catalogue.json, what checking them gives:
    # tests/test_schemas.py), and so do the unit trees (core/data/units.trees, tests/test_units.py):
    # a first ingest builds the unit trees, imports neither pydantic nor YAML
    read_and_stored = {"code": 0, "loaded": [], "unit_trees_built": True}
    first = ingest()
    assert {k: first.get(k) for k in read_and_stored} == read_and_stored, first
    again = ingest()
    assert {k: again.get(k) for k in read_and_stored} == {"code": 0, "loaded": [], "unit_trees_built": False}, again

    district_workbook(inbox / "tien_lu_2.xlsx", rows={"members": rows_for("members")[:3]})  # a new file: read, checked, stored
    third = ingest()
    assert (third["code"], third["loaded"]) == (0, read_and_stored["loaded"]), third

    # schema files of its own (here vwu's, one edited): checked strictly when a file is read
    schemas = tmp_path / "schemas"
    schemas.mkdir()
    for path in DEFAULT_SCHEMAS.glob("*.yaml"):
        (schemas / path.name).write_bytes(path.read_bytes() + (b"# ours\n" if path.name == "members.yaml" else b""))
    env["VWU_SCHEMAS"] = str(schemas)
    workspace = tmp_path / "their workspace"
    theirs = ingest()
    assert (theirs["code"], theirs["loaded"]) == (0, ["pydantic", "vwu_pipeline.core.schema_files", "yaml"]), theirs


# --- aggregate and report (issue 18: aggregate + report in seconds, aggregate at 10× within 500 MB) ---


RUN_AND_LIST_CHECKS = """
import json, sys
from vwu_pipeline.cli import main
sys.argv[1:] = sys.argv[1:]
try:
    main()
except SystemExit as done:
    code = done.code
print(json.dumps({"code": code, "checked": sorted(m for m in ("pydantic", "yaml", "vwu_pipeline.core.schema_files") if m in sys.modules)}))
"""


def test_aggregate_and_report_take_the_checked_catalogue_kept_in_the_workspace(inbox: Path, workspace: Path, tmp_path: Path):
    # Issue 18: importing pydantic and checking the schema files strictly was a tenth of a second
    # of every aggregate and report. Ingest (which checks them itself) and aggregate keep the
    # checked catalogue in the workspace; aggregate and report take it while the schema files
    # (and vwu's checking code) are the same bytes. A file changed is checked again, and a
    # mistake still stops the run.
    from vwu_pipeline.core import indicators

    schemas = tmp_path / "schemas"
    schemas.mkdir()
    for path in indicators.DEFAULT_SCHEMAS.glob("*.yaml"):
        # other bytes than vwu's own (a comment): its shipped catalogue of them does not apply here
        (schemas / path.name).write_bytes(path.read_bytes() + (b"# ours\n" if path.name == "members.yaml" else b""))
    district_workbook(inbox / "tien_lu.xlsx")
    env = {k: v for k, v in os.environ.items() if not k.startswith("VWU_")}

    def run(*args: object) -> dict:
        line = [sys.executable, "-c", RUN_AND_LIST_CHECKS, *map(str, args), "--workspace", str(workspace), "--schemas", str(schemas)]
        done = subprocess.run(line, capture_output=True, text=True, env=env)
        *said, seen = done.stdout.splitlines() or [""]
        return {**json.loads(seen or "{}"), "said": said, "stderr": done.stderr[-2000:]}

    checked = ["pydantic", "vwu_pipeline.core.schema_files", "yaml"]
    ingested = run("ingest", inbox, "--quiet")
    assert (ingested["code"], ingested["checked"]) == (0, checked), ingested  # ingest always checks
    kept = workspace / ".cache" / "catalogue.json"
    assert kept.is_file()
    after_ingest = run("aggregate", "--year", 2024, "--quiet")
    assert (after_ingest["code"], after_ingest["checked"]) == (0, []), after_ingest
    kept.unlink()  # as in a workspace of an older vwu
    first = run("aggregate", "--year", 2024, "--quiet")
    assert (first["code"], first["checked"]) == (0, checked), first
    assert kept.is_file()
    indicators._CATALOGS.clear()
    assert indicators.load_catalog(schemas, kept) == indicators._load_catalog(schemas.resolve())  # the same records

    again = run("aggregate", "--year", 2024, "--quiet")
    assert (again["code"], again["checked"]) == (0, []), again
    report = run("report", "--year", 2024, "--out", tmp_path / "out", "--quiet")
    assert (report["code"], report["checked"]) == (0, []), report

    members = schemas / "members.yaml"
    members.write_text(members.read_text(encoding="utf-8") + "\n", encoding="utf-8")  # same meaning, other bytes
    changed = run("aggregate", "--year", 2024, "--quiet")
    assert (changed["code"], changed["checked"]) == (0, checked), changed
    assert run("aggregate", "--year", 2024, "--quiet")["checked"] == []

    members.write_text(members.read_text(encoding="utf-8").replace("aggregation: stock", "aggregation: sometimes"), encoding="utf-8")
    assert "sometimes" in members.read_text(encoding="utf-8")
    broken = run("aggregate", "--year", 2024, "--quiet")
    assert broken["code"] == 2 and "members.yaml" in broken["stderr"], broken

    members.write_text(members.read_text(encoding="utf-8").replace("aggregation: sometimes", "aggregation: stock"), encoding="utf-8")
    assert run("aggregate", "--year", 2024, "--quiet")["code"] == 0
    stored = json.loads(kept.read_text(encoding="utf-8"))  # one kept for other bytes (or another vwu) is not taken
    stored["key"] = "0" * 64
    stored["catalog"]["indicators"][0]["title_en"] = "Kept for other files"
    kept.write_text(json.dumps(stored), encoding="utf-8")
    assert run("aggregate", "--year", 2024, "--quiet")["checked"] == checked
    indicators._CATALOGS.clear()
    assert "Kept for other files" not in [i.title_en for i in indicators.load_catalog(schemas, kept).indicators]


def _read_ahead(workspace: Path, period: Period):
    ahead = FiguresAhead(workspace, period)
    for _ in range(1000):  # until the thread has seen its data version (no timing asserted)
        if ahead._queue.qsize():
            break
        time.sleep(0.01)
    return ahead


def _frames(result) -> list[pd.DataFrame]:
    return [result.values, result.completeness, result.outliers]


def test_figures_read_ahead_while_pandas_is_imported_are_those_the_aggregation_reads(vwu, inbox: Path, workspace: Path, tmp_path: Path):
    # Issue 18: SQLite joins the two years' figures in a thread (its own connection) while the
    # main thread imports pandas. They are taken only when that connection saw the data version
    # the aggregation's snapshot sees; a file ingested in between is not missed.
    district_workbook(inbox / "tien_lu.xlsx", ("members", "orphans"))
    assert vwu("ingest", inbox, "--workspace", workspace, "--quiet").exit_code == 0
    plain = aggregate(workspace, 2024)

    ahead = _read_ahead(workspace, Period.parse(2024, None))
    taken = []
    real = type(ahead).grouped
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(type(ahead), "grouped", lambda self, *a: taken.append(real(self, *a)) or taken[-1])
        read_ahead = aggregate(workspace, 2024, ahead=ahead)
    ahead.close()
    assert [rows is not None for rows in taken] == [True, True]
    for mine, theirs in zip(_frames(read_ahead), _frames(plain)):
        pd.testing.assert_frame_equal(mine, theirs, check_exact=True)

    late = tmp_path / "late"
    late.mkdir()
    district_workbook(late / "tien_lu_poverty.xlsx", ("poverty",))
    ahead = _read_ahead(workspace, Period.parse(2024, None))  # sees the store before the next file
    assert vwu("ingest", late, "--workspace", workspace, "--quiet").exit_code == 0
    with_late = aggregate(workspace, 2024, ahead=ahead)
    ahead.close()
    assert "poverty" in set(with_late.values["indicator"]) and "poverty" not in set(plain.values["indicator"])
    for mine, theirs in zip(_frames(with_late), _frames(aggregate(workspace, 2024))):
        pd.testing.assert_frame_equal(mine, theirs, check_exact=True)


def test_a_part_of_the_year_reads_only_the_files_inside_it(tmp_path: Path, workspace: Path):
    # Issue 18: the first half of 2025 read all of 2025 and 2024 (the year files too) to keep
    # the files inside H1; the store now reads those alone: the same figures, in the same order.
    from test_periods import ingest

    ingest(tmp_path / "inbox", workspace)
    with Store.open(workspace, create=False) as store:
        for code in ("2024-H1", "2024-Q1", "2024-Q2", "2024-Q3", "2023-H1", "2024", "2023"):
            period = Period(code)
            whole = within(store.figures_frame(period.year), period)
            inside = store.figures_frame(period.year, periods=periods_inside(store, period))
            if whole.empty:
                assert inside.empty, code
            else:
                pd.testing.assert_frame_equal(inside, whole, check_exact=True)
        assert periods_inside(store, Period("2024-H1")) and not periods_inside(store, Period("2024-Q3"))

    for code in ("H1", "Q1", None):
        plain = aggregate(workspace, 2024, period=code)
        ahead = _read_ahead(workspace, Period.parse(2024, code))
        read_ahead = aggregate(workspace, 2024, period=code, ahead=ahead)
        ahead.close()
        for mine, theirs in zip(_frames(read_ahead), _frames(plain)):
            pd.testing.assert_frame_equal(mine, theirs, check_exact=True)


def test_reading_ahead_creates_no_store_and_an_aggregate_without_one_says_so(vwu, tmp_path: Path):
    nowhere = tmp_path / "khong_co"
    nowhere.mkdir()
    result = vwu("aggregate", "--year", 2024, "--workspace", nowhere)

    assert result.exit_code == 2, result.output
    assert not (nowhere / "vwu.sqlite").exists() and not (nowhere / ".cache").exists()


def test_the_figures_read_for_an_aggregation_hold_each_unit_code_and_column_name_once(vwu, inbox: Path, workspace: Path):
    # 10× national data is 1.6 million current figures a year: one string per cell (and one
    # row tuple per figure) held over a gigabyte while the year was rolled up.
    district_workbook(inbox / "tien_lu.xlsx")
    assert vwu("ingest", inbox, "--workspace", workspace, "--quiet").exit_code == 0

    with Store.open(workspace, create=False) as store:
        frame = store.figures_frame(2024)

    assert len(frame) == frame["unit_code"].nunique() * frame["column"].nunique() > 1
    for column in ("unit_code", "column"):
        assert len({id(text) for text in frame[column]}) == frame[column].nunique(), column
    for column in ("indicator", "period", "version"):  # one per submission, not one per figure
        assert len({id(text) for text in frame[column]}) <= frame["submission_id"].nunique() < len(frame), column
    assert frame.groupby("column")["value"].sum()["members_total"] == sum(row[2] for row in rows_for("members"))


def test_the_figures_read_one_row_per_submission_are_those_read_row_by_row(vwu, inbox: Path, workspace: Path, monkeypatch):
    # SQLite joins each submission's codes, columns and values into texts (a national year was
    # 160,000 row tuples); the frame must be the one the row-by-row read gives, order included.
    district_workbook(inbox / "tien_lu.xlsx")
    assert vwu("ingest", inbox, "--workspace", workspace, "--quiet").exit_code == 0

    with Store.open(workspace, create=False) as store:
        grouped = store.figures_frame(2024)
        monkeypatch.setattr(Store, "_figures_by_submission", lambda *args: None)  # as when a value is not whole
        by_row = store.figures_frame(2024)

    assert len(grouped) > 1
    pd.testing.assert_frame_equal(grouped, by_row, check_exact=True)


def test_texts_factorized_by_their_pointers_get_the_codes_pandas_gives():
    # Columns of pointers to a few strings are factorized pointer first (no string hashed a
    # row): equal texts in distinct objects, missing values and first appearances as pandas has them.
    import numpy as np

    from vwu_pipeline.store.db import factorize_texts

    shared = ["00001", "00004", "members_total", "Phường Phúc Xá", ""]
    copies = ["".join(list(text)) for text in shared]  # the same texts, other objects
    rng = np.random.default_rng(18)
    picks = rng.integers(0, 12, 5000)
    values = np.array([(shared + copies + [None, float("nan")])[k] for k in picks], dtype=object)

    codes, names = factorize_texts(values)
    expected_codes, expected_names = pd.factorize(values)

    assert codes.tolist() == expected_codes.tolist() and names.tolist() == expected_names.tolist()
    assert (codes == -1).sum() == ((picks == 10) | (picks == 11)).sum() > 0
    assert factorize_texts(values[::2])[0].tolist() == pd.factorize(values[::2])[0].tolist()  # not contiguous: pandas itself


def _tree_index_by_walking(tree):
    """`tree_index` unit by unit, as it was built before issue 18's session 6."""
    import numpy as np

    from vwu_pipeline.core.units import NATIONAL
    from vwu_pipeline.report.arrays import TreeIndex

    units = tree.units()
    codes = np.array([NATIONAL, *(u.code for u in units)], dtype=object)
    position = {code: i for i, code in enumerate(codes)}
    parent = np.array([-1, *(position[u.parent] if u.parent else 0 for u in units)])
    level = np.array(["national", *(u.level for u in units)], dtype=object)
    leaf = np.zeros(len(codes), bool)
    leaf[[position[u.code] for u in tree.leaves()]] = True
    anc_unit, anc_of = [], []
    for i in range(1, len(codes)):
        step = i
        while step != -1:
            anc_unit.append(i)
            anc_of.append(step)
            step = parent[step]
    reporting = level == tree.reporting_level()
    reporter = np.full(len(codes), -1)
    for unit, ancestor in zip(anc_unit, anc_of):
        if reporting[ancestor]:
            reporter[unit] = ancestor
    return TreeIndex(
        codes, position, level, parent, leaf, reporter, np.array(anc_unit), np.array(anc_of), tree.counted_level() != tree.reporting_level()
    )


@pytest.mark.parametrize("year", [2024, 2025])
def test_the_tree_as_arrays_is_the_one_built_unit_by_unit(year: int):
    # The (unit, ancestor) pairs, leaves and reporting units taken with numpy for the whole tree
    # at once: the same arrays, in the same order (sums up the tree add in that order).
    import numpy as np

    from vwu_pipeline.core.units import UnitTree
    from vwu_pipeline.report.arrays import tree_index

    tree = UnitTree.for_year(year)
    fast, walked = tree_index.__wrapped__(tree), _tree_index_by_walking(tree)

    for name in ("codes", "level", "parent", "leaf", "reporter", "anc_unit", "anc_of"):
        mine, theirs = getattr(fast, name), getattr(walked, name)
        assert mine.dtype == theirs.dtype and np.array_equal(mine, theirs), name
    assert fast.position == walked.position and fast.counts_lowest == walked.counts_lowest
    assert fast.leaf.sum() == len(tree.leaves())


def test_an_aggregation_stored_before_its_text_was_coded_reads_back_the_same():
    # Text columns are stored as their distinct values and a code per row (migration 16);
    # those written as JSON lists by an earlier vwu still read back as they were.
    from vwu_pipeline.store.db import _column_bytes, _column_values

    column = pd.Series(["00", "01", "001", "00001", "01"], dtype="str")
    kind, data = _column_bytes(column)
    old = zlib.compress(json.dumps(column.tolist()).encode(), 1)

    assert kind == "codes"
    assert list(_column_values(kind, data)) == list(_column_values("json", old)) == column.tolist()
    assert _column_bytes(pd.Series(["a", None], dtype=object))[0] == "json"  # a missing value stays JSON


def test_what_the_report_reads_back_is_what_aggregate_computed(vwu, inbox: Path, workspace: Path):
    # The aggregation is stored column by column: every figure, missing previous year (NaN),
    # partial flag, text (unit codes, reasons) and an empty table come back as computed.
    district_workbook(inbox / "tien_lu.xlsx")
    assert vwu("ingest", inbox, "--workspace", workspace, "--quiet").exit_code == 0
    computed = aggregate(workspace, 2024)

    stored = load(workspace, 2024)

    assert stored is not None
    for name in ("values", "completeness", "outliers"):
        mine, back = getattr(computed, name), getattr(stored, name)
        columns = list(back.columns)
        assert columns == [c for c in mine.columns if c in columns]
        pd.testing.assert_frame_equal(mine[columns].reset_index(drop=True), back, check_dtype=False)
    assert stored.values["previous"].isna().all()  # no 2023 in the store
    assert set(stored.values["lfl_reason"]) == {"no-previous-year"}


def test_the_workbook_is_the_file_xlsxwriters_own_calls_write(vwu, inbox: Path, workspace: Path, tmp_path: Path):
    # The national workbook's 360,000 cells are stored and written as XML by vwu's own loop
    # (XlsxWriter's per-cell calls were most of a report's time): the same cells, formats,
    # shared strings, outline levels and sheets, byte for byte, as write_string/write_number
    # write them, and no cell a formula.
    members = rows_for("members")
    members[2][2:6] = [1600, 10, 1500, 1]  # more members than women 18+: a warning row
    district_workbook(inbox / "tien_lu.xlsx", rows={"members": members})
    # a district with its first half only: rows noted "chỉ có số liệu 6 tháng đầu năm 2024"
    submission(
        inbox / "ba_dinh_h1.xlsx",
        {"members": [["00001", "Phường Phúc Xá", 300, 20, 400, 3], ["00004", "Phường Trúc Bạch", 250, 10, 300, 0]]},
        report_title="BÁO CÁO KẾT QUẢ CÔNG TÁC HỘI 6 THÁNG ĐẦU NĂM 2024",
        unit_title="HỘI LHPN QUẬN BA ĐÌNH",
    )
    assert vwu("ingest", inbox, "--workspace", workspace, "--quiet").exit_code == 0
    result = aggregate(workspace, 2024)
    assert len(result.warnings)
    members_sheet = indicator_table(result, result.catalog.indicators[0])
    assert any(members_sheet.partial) and any(members_sheet.part_year) and 0 in members_sheet.depths

    for unit in ("00", "332", "001"):
        mine = write_workbook(result.for_unit(unit), tmp_path / f"fast-{unit}.xlsx")
        theirs = write_workbook(result.for_unit(unit), tmp_path / f"public-{unit}.xlsx", fast=False)

        with zipfile.ZipFile(mine) as fast, zipfile.ZipFile(theirs) as public:
            assert fast.namelist() == public.namelist()
            for name in public.namelist():
                if name != "docProps/core.xml":  # the time it was written
                    assert fast.read(name) == public.read(name), name
            assert "<f>" not in "".join(fast.read(n).decode() for n in fast.namelist() if n.startswith("xl/worksheets/"))


def test_the_shared_strings_are_written_as_xlsxwriter_writes_them():
    # The national workbook's 20,000 shared strings are joined in one write when there is
    # nothing to escape or preserve; every other string goes through XlsxWriter's own code.
    from io import StringIO

    from xlsxwriter.sharedstrings import SharedStrings, SharedStringTable

    from vwu_pipeline.report.workbook import _FastSharedStrings

    strings = ["Xã Tân Lập", " leading", "trailing ", "tab\t", "a & b", "<r>rich</r>", "x < y > z", 'say "hi"', "two\nlines"]
    strings += ["_x0041_ typed", "bell\x07", "\ufffe", "Phường 1", '=HYPERLINK("x")', "ends\n", "\u00a0nbsp", "Hội viên"]
    table = SharedStringTable()
    for string in strings:
        table._get_shared_string_index(string)
    table._sort_string_data()

    written = []
    for kind in (SharedStrings, _FastSharedStrings):
        sst = kind()
        sst.string_table = table
        sst._set_xml_writer(StringIO())
        sst._write_sst_strings()
        written.append(sst.fh.getvalue())

    assert written[0] == written[1]
    assert written[1].count("<si>") == len(strings)


REPORT_AND_SAY_WHO_DREW = """
import json, os, sys
from pathlib import Path
from vwu_pipeline.report import charts
from vwu_pipeline.report.build import report
drawn = []
original = charts._draw
def spy(pyplot, chart, lang):
    original(pyplot, chart, lang)
    with open(sys.argv[3], "a") as log:
        log.write(f"{os.getpid()} {chart.file.name}\\n")
charts._draw = spy
done = report(Path(sys.argv[1]), 2024, out=Path(sys.argv[2]))
print(json.dumps({"charts": [c["file"] for c in done.charts], "pid": os.getpid(), "matplotlib": "matplotlib" in sys.modules}))
"""


def _report_saying_who_drew(script: str, workspace: Path, tmp_path: Path) -> tuple[dict, list[list[str]]]:
    """`vwu report` in a process of its own whose drawers log each chart they draw: what the
    report said (its pid, charts, whether it imported matplotlib) and the drawers' log lines."""
    log = tmp_path / "drawn.txt"
    done = subprocess.run(
        [sys.executable, "-c", script, str(workspace), str(tmp_path / "out"), str(log)], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout), [line.split() for line in log.read_text().splitlines()]


@pytest.mark.linux
@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2 if hasattr(os, "sched_getaffinity") else True, reason="one core")
def test_the_charts_are_drawn_by_another_process_while_the_workbook_is_written(vwu, inbox: Path, workspace: Path, tmp_path: Path):
    # Importing matplotlib and drawing were a third of a national report, after the workbook:
    # on a second core they now take no time of their own, and draw the very same pictures.
    # One process draws every chart in turn and imports matplotlib itself, after the fork.
    district_workbook(inbox / "tien_lu.xlsx")
    assert vwu("ingest", inbox, "--workspace", workspace, "--quiet").exit_code == 0

    seen, drawers = _report_saying_who_drew(REPORT_AND_SAY_WHO_DREW, workspace, tmp_path)

    assert [Path(f).name for f in seen["charts"]] == ["vwu-2024-00-ranking.png"]
    assert [name for _, name in drawers] == ["vwu-2024-00-ranking.png"]
    assert all(int(pid) != seen["pid"] for pid, _ in drawers)  # drawn by another process
    assert not seen["matplotlib"]  # which imported matplotlib itself: the report's process never waits for it
    result = load(workspace, 2024)
    here = tmp_path / "here"
    here.mkdir()
    charts = plan_charts(result, here)
    draw_charts(charts, result, cache=workspace / ".cache" / "matplotlib")  # in this process
    assert (tmp_path / "out" / "vwu-2024-00-ranking.png").read_bytes() == (here / "vwu-2024-00-ranking.png").read_bytes()


REPORT_AND_SAY_WHO_DREW_FROM_WHOM = REPORT_AND_SAY_WHO_DREW.replace(
    "{os.getpid()} {chart.file.name}", "{os.getpid()} {os.getppid()} {'pandas' in sys.modules} {chart.file.name}"
)


@pytest.mark.linux
@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2 if hasattr(os, "sched_getaffinity") else True, reason="one core")
def test_two_charts_are_drawn_side_by_side_matplotlib_imported_once(vwu, inbox: Path, workspace: Path, tmp_path: Path):
    # The first drawer imports matplotlib while the report reads its aggregation, then forks the
    # second: the ranking and the change on the previous year drawn by two processes at once,
    # neither the report's, and the second a fork of the first (it did not import matplotlib).
    # The first is forked before the report imports the roll-up: no drawer imports pandas.
    district_workbook(inbox / "tien_lu_2023.xlsx", year=2023)
    district_workbook(inbox / "tien_lu_2024.xlsx", year=2024)
    assert vwu("ingest", inbox, "--workspace", workspace, "--quiet").exit_code == 0

    seen, lines = _report_saying_who_drew(REPORT_AND_SAY_WHO_DREW_FROM_WHOM, workspace, tmp_path)

    assert [Path(f).name for f in seen["charts"]] == ["vwu-2024-00-ranking.png", "vwu-2024-00-change.png"]
    assert [pandas for _, _, pandas, _ in lines] == ["False", "False"]
    drawers = {name: (int(pid), int(parent)) for pid, parent, _, name in lines}
    (first, report_process), (second, forked_from) = drawers["vwu-2024-00-ranking.png"], drawers["vwu-2024-00-change.png"]
    assert report_process == seen["pid"] and forked_from == first != second
    assert not seen["matplotlib"]
    for name in drawers:
        assert (tmp_path / "out" / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_when_the_drawing_process_fails_the_report_draws_its_charts_itself(vwu, inbox: Path, workspace: Path, tmp_path: Path, monkeypatch):
    district_workbook(inbox / "tien_lu.xlsx")
    assert vwu("ingest", inbox, "--workspace", workspace, "--quiet").exit_code == 0
    monkeypatch.setattr(charts_module, "_draw_then_exit", lambda *args: sys.exit(1))

    result = vwu("report", "--year", 2024, "--workspace", workspace, "--out", tmp_path / "out", "--quiet")

    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["vwu-2024-00-ranking.png", "vwu-2024.md", "vwu-2024.xlsx"]
    assert (tmp_path / "out" / "vwu-2024-00-ranking.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


REPORT_STOPPED_WHILE_DRAWING = """
import os, signal, sys, time
from pathlib import Path
from vwu_pipeline.report import charts
from vwu_pipeline.report.build import report
signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started with SIGINT ignored
writing = charts.replacing
def slowly(path, *args):
    with writing(path, *args) as partial:
        Path(sys.argv[3], str(os.getpid())).write_text(partial.name)
        time.sleep(60)  # a drawer's picture half written when the report is interrupted
        yield partial
charts.replacing = charts.contextmanager(slowly)
report(Path(sys.argv[1]), 2024, out=Path(sys.argv[2]))
"""


@pytest.mark.linux
@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2 if hasattr(os, "sched_getaffinity") else True, reason="one core")
def test_an_interrupted_report_stops_its_drawers_and_leaves_no_half_picture(vwu, inbox: Path, workspace: Path, tmp_path: Path):
    # The drawers are a process group of their own (the second is forked from the first): a
    # Ctrl-C stops them all, and each removes the picture it was writing.
    import signal
    import time

    district_workbook(inbox / "tien_lu.xlsx")
    assert vwu("ingest", inbox, "--workspace", workspace, "--quiet").exit_code == 0
    assert vwu("aggregate", "--year", 2024, "--workspace", workspace, "--quiet").exit_code == 0
    out, drawers = tmp_path / "out", tmp_path / "drawers"
    out.mkdir(), drawers.mkdir()
    run = subprocess.Popen(
        [sys.executable, "-c", REPORT_STOPPED_WHILE_DRAWING, str(workspace), str(out), str(drawers)], stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 60
    while not list(drawers.iterdir()) and time.monotonic() < deadline and run.poll() is None:
        time.sleep(0.05)
    (drawer,) = drawers.iterdir()
    assert (out / drawer.read_text()).exists()  # half a picture
    assert int(drawer.name) != run.pid

    run.send_signal(signal.SIGINT)
    assert run.wait(timeout=30) != 0
    assert "KeyboardInterrupt" in run.stderr.read()

    left = sorted(p.name for p in out.iterdir())
    assert not [name for name in left if name.endswith((".part", ".png"))], left  # no half picture left behind
    status = Path(f"/proc/{drawer.name}/status")
    assert not status.exists() or "\tZ" in status.read_text()  # the drawer has ended


def test_the_grid_of_panels_draws_the_picture_matplotlibs_bars_and_ticks_would(
    vwu, inbox: Path, workspace: Path, tmp_path: Path, monkeypatch
):
    # A national chart has 12 panels of 63 provinces: one Rectangle and one Tick (two lines, two
    # texts, measured at each draw) a province took most of its drawing. Bars are one collection
    # and names one text each now: the picture must stay the one barh and y ticks drew.
    from PIL import Image, ImageChops

    district_workbook(inbox / "tien_lu.xlsx")
    assert vwu("ingest", inbox, "--workspace", workspace, "--quiet").exit_code == 0
    result = aggregate(workspace, 2024)
    cache = workspace / ".cache" / "matplotlib"
    drawn, reference = tmp_path / "drawn", tmp_path / "reference"
    drawn.mkdir(), reference.mkdir()
    charts = plan_charts(result, drawn)
    assert any(len(chart.panels) > 1 for chart in charts)  # a grid, where the cheap drawing is used
    draw_charts(charts, result, cache=cache)

    monkeypatch.setattr(charts_module, "_bars", lambda axes, positions, values, colours: axes.barh(positions, values, color=colours))
    monkeypatch.setattr(
        charts_module, "_unit_labels", lambda axes, positions, labels, fontsize: axes.set_yticks(list(positions), labels, fontsize=fontsize)
    )
    draw_charts(plan_charts(result, reference), result, cache=cache)

    for chart in charts:
        mine, theirs = (Image.open(folder / chart.file.name).convert("RGB") for folder in (drawn, reference))
        assert mine.size == theirs.size
        assert ImageChops.difference(mine, theirs).getbbox() is None, chart.file.name


def test_the_charts_have_the_pixels_matplotlibs_own_canvas_draws(vwu, inbox: Path, workspace: Path, tmp_path: Path, monkeypatch):
    # Text is drawn through a cache of layouts and glyph bitmaps, and an opaque PNG is written
    # in RGB: each chart must still be, pixel for pixel, what matplotlib's Agg canvas writes
    # (a grid of panels, a single panel laid out by tight_layout, English and Vietnamese).
    from PIL import Image

    district_workbook(inbox / "tien_lu.xlsx")
    assert vwu("ingest", inbox, "--workspace", workspace, "--quiet").exit_code == 0
    result = aggregate(workspace, 2024)
    cache = workspace / ".cache" / "matplotlib"

    def planned(folder: Path, lang: str) -> list[charts_module.Chart]:
        charts = plan_charts(result, folder, lang)
        grid = charts[0]
        assert len(grid.panels) > 1
        single = charts_module.Chart("ranking", grid.title, folder / "single.png", grid.panels[:1])
        return [*charts, single]

    for lang in ("vi", "en"):
        drawn, reference = tmp_path / lang / "drawn", tmp_path / lang / "reference"
        drawn.mkdir(parents=True), reference.mkdir(parents=True)
        charts = planned(drawn, lang)
        draw_charts(charts, result, lang, cache=cache)
        with monkeypatch.context() as plain:
            plain.setattr(charts_module, "_canvas_class", lambda: lambda figure: None)  # pyplot's own canvas
            draw_charts(planned(reference, lang), result, lang, cache=cache)

        for chart in charts:
            mine, theirs = (Image.open(folder / chart.file.name) for folder in (drawn, reference))
            assert (mine.mode, theirs.mode) == ("RGB", "RGBA")  # the figure is opaque: no alpha written
            assert mine.info == theirs.info  # the same resolution, no text chunk
            assert mine.size == theirs.size
            assert mine.convert("RGBA").tobytes() == theirs.tobytes(), chart.file.name


def test_with_another_matplotlib_the_charts_are_drawn_by_its_own_canvas(vwu, inbox: Path, workspace: Path, tmp_path: Path, monkeypatch):
    # The cached text path calls matplotlib's private font methods as the locked 3.11 has them;
    # pyproject allows older and newer ones, where those calls may not exist: the report must
    # still draw its charts, with matplotlib's own canvas.
    import matplotlib
    from PIL import Image

    district_workbook(inbox / "tien_lu.xlsx")
    assert vwu("ingest", inbox, "--workspace", workspace, "--quiet").exit_code == 0
    result = aggregate(workspace, 2024)
    monkeypatch.setattr(matplotlib, "__version__", "3.8.4")
    charts_module._canvas_class.cache_clear()
    charts_module._column_class.cache_clear()

    def copied_text_calls(self, renderer):  # 3.11's private Text calls (3.9 has no get_figure(root=))
        raise AssertionError("a unit name drawn by the copy of matplotlib 3.11's Text.draw")

    try:
        monkeypatch.setattr(charts_module._column_class(), "_draw_lines", copied_text_calls)
        charts = plan_charts(result, tmp_path)
        draw_charts(charts, result, cache=workspace / ".cache" / "matplotlib")
    finally:
        charts_module._canvas_class.cache_clear()
        charts_module._column_class.cache_clear()
    assert charts
    for chart in charts:
        assert Image.open(chart.file).mode == "RGBA"  # written by matplotlib itself


def test_the_digests_made_together_in_a_reader_are_the_stores_own(inbox: Path):
    # A reader makes the file's digest and each indicator's from one repr of each figure; the
    # store compares them with digests it made one at a time: a different text would call a
    # re-saved original a new version.
    from vwu_pipeline.core.indicators import load_catalog
    from vwu_pipeline.ingest.run import _parse_chunk
    from vwu_pipeline.ops.config import Limits
    from vwu_pipeline.store.db import figures_digests, file_digest, indicator_digest

    district_workbook(inbox / "a.xlsx", ("members", "poverty"))
    [sub] = _parse_chunk([(inbox / "a.xlsx", "sha", load_catalog(None).directory, Limits(), None, None)])
    assert len(sub.figures) == 2 and sub.digest is not None
    assert (sub.digest, sub.indicator_digests) == (file_digest(sub.figures), {i: indicator_digest(r) for i, r in sub.figures.items()})
    # ties in the sort (one code and column twice, 0 and -0.0) keep the order they came in
    tied = {
        "b": [("1", "n", "S", 5, "x", 2), ("1", "n", "S", 4, "x", 1.5)],
        "a": [("2", "n", "S", 3, "y", -0.0), ("2", "n", "S", 6, "y", 0)],
    }
    assert figures_digests(tied) == (file_digest(tied), {"b": indicator_digest(tied["b"]), "a": indicator_digest(tied["a"])})


def _carry_by_texts(figures, legacy, new):
    """`reform.carry` on the text columns, as pandas' groupby did it before issue 18's session 7."""
    from vwu_pipeline.report.reform import carrying

    plan = carrying(legacy, new)
    codes = figures["unit_code"]
    out = figures.assign(unit_code=codes.map(plan.target), legacy_code=codes, tree=new.tree)
    out = out[out["unit_code"].notna()]
    out = out.assign(allocated=~out["legacy_code"].isin(plan.not_allocated))
    missing = out[~out["allocated"]][["legacy_code", "unit_code", "indicator", "column", "period", "value"]]
    summed = (
        out.groupby(["indicator", "period", "unit_code", "column"], sort=False)
        .agg(value=("value", "sum"), submission_id=("submission_id", "max"), allocated=("allocated", "all"))
        .reset_index()
        .assign(tree=new.tree)
    )
    return summed, missing.reset_index(drop=True)


def _combine_by_texts(new_figures, carried, catalog, new):
    """`reform.combine` with a key per (indicator, column, unit, period), as before session 7."""
    import numpy as np

    from vwu_pipeline.core.periods import period_months

    kinds = {(i.name, c.name): c.aggregation for i in catalog.indicators for c in i.columns}
    loose = carried[~carried["allocated"]]
    keep = np.ones(len(carried), bool)
    if not loose.empty and not new_figures.empty:
        province_of = {u.code: u.province for u in new.units()}
        reported = {}
        keys = new_figures[["indicator", "column", "unit_code", "period"]].dropna().drop_duplicates()
        for indicator, column, unit, period in keys.itertuples(index=False):
            if province := province_of.get(unit):
                reported.setdefault((indicator, column, province), []).append(period_months(period))
        positions = np.flatnonzero(~carried["allocated"].to_numpy())
        for position, (indicator, column, unit, period) in zip(
            positions, loose[["indicator", "column", "unit_code", "period"]].itertuples(index=False)
        ):
            spans, (start, end) = reported.get((indicator, column, unit), ()), period_months(period)
            kind = kinds.get((indicator, column), "flow")
            if kind == "stock":
                keep[position] = not any(e >= end for _, e in spans)
            elif kind == "opening":
                keep[position] = not any(s <= start for s, _ in spans)
            else:
                keep[position] = not any(s <= end and start <= e for s, e in spans)
    columns = list(new_figures.columns) if not new_figures.empty else list(carried.columns)
    kept = carried[keep]
    return pd.concat([new_figures, kept[[c for c in columns if c in kept.columns]]], ignore_index=True)


def _figures_across_the_reform(seed: int) -> pd.DataFrame:
    """A 2025 figures frame as the store reads it (each text a pointer to a few strings): legacy
    communes that go whole, merge into one new commune, split with and without an all-population
    piece, legacy districts' and provinces' own rows, codes the crosswalk does not know, missing
    names; new-tree communes and provinces beside them; fractional values (sums must round alike)."""
    import numpy as np

    from vwu_pipeline.core.indicators import load_catalog
    from vwu_pipeline.core.lookup import LEGACY_LAST_DAY, NEW_FIRST_DAY
    from vwu_pipeline.core.units import UnitTree
    from vwu_pipeline.report.reform import carrying

    rng = np.random.default_rng(seed)
    legacy, new = UnitTree.for_date(LEGACY_LAST_DAY), UnitTree.for_date(NEW_FIRST_DAY)
    plan = carrying(legacy, new)
    by_target: dict[str, list[str]] = {}
    for code, target in plan.target.items():
        by_target.setdefault(target, []).append(code)
    merged = [c for codes in by_target.values() if len(codes) > 1 for c in codes][:300]
    legacy_codes = [*merged, *sorted(plan.not_allocated)[:200], *(u.code for u in legacy.units("district")[:50]), "99999", "01"]
    new_codes = [u.code for u in new.units()[:400]]
    catalog = load_catalog(None)
    pairs = [(i.name, c.name) for i in catalog.indicators for c in i.columns]
    n = 6000
    legacy_rows = rng.random(n) < 0.7
    units = np.where(legacy_rows, rng.choice(np.array(legacy_codes, dtype=object), n), rng.choice(np.array(new_codes, dtype=object), n))
    pair = rng.integers(0, len(pairs), n)
    period = np.where(legacy_rows, rng.choice(["2025-H1", "2025-Q1", "2025-Q2"], n), rng.choice(["2025", "2025-H2", "2025-Q3"], n))
    value = np.round(rng.random(n) * 1000, 1)
    value[::7] = np.floor(value[::7])
    missing = rng.random(n) < 0.01

    def pointers(values) -> pd.api.extensions.ExtensionArray:
        names, at = np.unique(np.asarray(values, dtype=object), return_inverse=True)
        return pd.array(names, dtype="str").take(at)

    return pd.DataFrame(
        {
            "submission_id": rng.integers(1, 500, n),
            "indicator": pointers([pairs[k][0] for k in pair]),
            "period": pointers(period),
            "tree": pointers(np.where(legacy_rows, legacy.tree, new.tree)),
            "unit_code": pd.array(np.where(missing, None, units), dtype="str"),
            "column": pointers([pairs[k][1] for k in pair]),
            "value": value,
            "version": pointers(rng.choice(["a", "b", "c"], n)),
        }
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_figures_carried_across_the_reform_on_codes_are_those_grouped_on_texts(seed: int):
    # The legacy figures carried onto the new tree grouped on integer codes, the new tree's
    # periods per province decided once per (indicator, column, province, period): the same
    # frames as pandas' groupby on the text columns gave, sums, order and dtypes included.
    from vwu_pipeline.core.indicators import load_catalog
    from vwu_pipeline.core.lookup import LEGACY_LAST_DAY, NEW_FIRST_DAY
    from vwu_pipeline.core.units import UnitTree
    from vwu_pipeline.report.reform import carry, combine

    legacy, new = UnitTree.for_date(LEGACY_LAST_DAY), UnitTree.for_date(NEW_FIRST_DAY)
    catalog = load_catalog(None)
    figures = _figures_across_the_reform(seed)
    is_legacy = (figures["tree"] == legacy.tree).to_numpy()

    carried, missing = carry(figures[is_legacy], legacy, new)
    expected_carried, expected_missing = _carry_by_texts(figures[is_legacy], legacy, new)

    pd.testing.assert_frame_equal(carried, expected_carried, check_exact=True)
    pd.testing.assert_frame_equal(missing, expected_missing, check_exact=True)
    assert (~carried["allocated"]).sum() > 0 and len(carried) < is_legacy.sum()  # some carried to provinces, some summed
    for new_figures in (figures[~is_legacy], figures.iloc[0:0]):
        pd.testing.assert_frame_equal(
            combine(new_figures, carried, catalog, new), _combine_by_texts(new_figures, expected_carried, catalog, new), check_exact=True
        )


def test_the_cycle_collector_paused_for_an_aggregation_runs_again_after_it(inbox: Path, workspace: Path, vwu):
    # The roll-up runs with Python's cycle collector paused (its passes walked every object of
    # the process again and again); it is running again after, whether the aggregation succeeded
    # or stopped on an error, and stays off for a caller that had it off.
    import gc

    from vwu_pipeline.core.errors import VwuError

    district_workbook(inbox / "tien_lu.xlsx")
    assert vwu("ingest", inbox, "--workspace", workspace, "--quiet").exit_code == 0
    seen = []
    real_disable = gc.disable

    def disable() -> None:
        seen.append("paused")
        real_disable()

    gc.disable = disable
    try:
        aggregate(workspace, 2024)
        assert seen == ["paused"] and gc.isenabled()
        with pytest.raises(VwuError):
            aggregate(workspace, 2022)  # no figures for 2022
        assert seen == ["paused", "paused"] and gc.isenabled()
        real_disable()
        aggregate(workspace, 2024)
        assert not gc.isenabled()
    finally:
        gc.disable = real_disable
        gc.enable()


def test_the_collector_is_eased_only_while_the_readers_results_are_taken_back(vwu, inbox: Path, workspace: Path, monkeypatch):
    # The main process raises the collector's young threshold once the readers have forked
    # (unpickling their results made ≈ 900 passes over everything it holds); the readers keep
    # Python's own, and the process gets it back when the run ends, even a failed one.
    import gc

    from vwu_pipeline.ingest import run as ingest_run

    seen: list[tuple[int, ...]] = []
    finish = ingest_run._finish_batch

    def watched(*args, **kwargs):
        seen.append(gc.get_threshold())
        return finish(*args, **kwargs)

    monkeypatch.setattr(ingest_run, "_finish_batch", watched)
    district_workbook(inbox / "tien_lu.xlsx")
    before = gc.get_threshold()
    assert vwu("ingest", inbox, "--workspace", workspace, "--quiet").exit_code == 0
    assert seen and all(threshold[0] == ingest_run.YOUNG_OBJECTS_BETWEEN_COLLECTIONS for threshold in seen)
    assert gc.get_threshold() == before

    def broken(*args, **kwargs):
        raise OSError("disk gone")

    district_workbook(inbox / "tien_lu_2023.xlsx", year=2023)
    monkeypatch.setattr(ingest_run, "_finish_batch", broken)
    with pytest.raises(OSError, match="disk gone"):
        vwu("ingest", inbox, "--workspace", workspace, "--quiet")
    assert gc.get_threshold() == before


def test_prepare_rebuilds_its_records_as_dataclasses_replace_does(tmp_path: Path):
    # `replaced` skips __init__ (prepare rebuilds a file's records about ten times): what it
    # gives must be what dataclasses.replace gives, field for field and pickled byte for byte.
    import pickle
    from dataclasses import replace

    from vwu_pipeline.core.indicators import load_catalog
    from vwu_pipeline.ingest.run import parse_file
    from vwu_pipeline.ingest.validation import prepare, replaced
    from vwu_pipeline.ops.config import Limits

    path = district_workbook(tmp_path / "huyen.xlsx")
    sub = prepare(parse_file(path, "sha", load_catalog(None), Limits()), None)
    assert sub.figures and sub.unit is not None
    cases = [
        (sub, {"prepared": False, "year": 2023, "figures": {}}),
        (sub, {"digest": "d", "indicator_digests": {"members": "m"}}),
        (sub.result, {"rows": 3, "period": "2024-H1", "empty_sheets": ["Hội viên"]}),
        (sub.result, {"unit_code": "001", "unit_name": "Ba Đình", "tree": "legacy"}),
    ]
    for record, changes in cases:
        fast, slow = replaced(record, **changes), replace(record, **changes)
        assert fast is not record and type(fast) is type(slow)
        assert fast == slow and vars(fast) == vars(slow) and pickle.dumps(fast) == pickle.dumps(slow)
    # A new path still goes through __post_init__ (it makes the name printable).
    assert replaced(sub.result, path="t\udcea.xlsx").path == replace(sub.result, path="t\udcea.xlsx").path == "t\ufffd.xlsx"


def test_the_figures_a_reader_sends_back_packed_are_the_files_and_are_stored_alike(inbox: Path, tmp_path: Path):
    # A reader sends each indicator's figures packed as the store writes them (a unit's row:
    # its column names joined, its values as float64 bytes) instead of a tuple per figure. Read
    # back they are the figures the checks found, and a store holds the same from either form,
    # for a unit's first version (one statement for a file's figures) and for a later one.
    import pickle
    from dataclasses import replace

    from vwu_pipeline.core.indicators import load_catalog
    from vwu_pipeline.ingest.run import _parse_chunk, parse_file
    from vwu_pipeline.ingest.validation import prepare
    from vwu_pipeline.ops.config import Limits
    from vwu_pipeline.store.migrations import PackedFigures

    path = district_workbook(inbox / "huyen.xlsx")
    catalog = load_catalog(None)
    checked = prepare(parse_file(path, "sha", catalog, Limits()), None)
    found = {indicator: list(rows) for indicator, rows in checked.figures.items()}  # one tuple a figure
    [sub] = _parse_chunk([(path, "sha", catalog.directory, Limits(), None, None)])
    assert len(found) == 4 and all(isinstance(rows, PackedFigures) for rows in sub.figures.values())
    assert all(len(f) == 6 and isinstance(f[5], float) for rows in found.values() for f in rows)
    assert {i: list(rows) for i, rows in sub.figures.items()} == found
    assert {i: rows.rows for i, rows in sub.figures.items()} == {i: PackedFigures.of(rows).rows for i, rows in found.items()}
    assert pickle.loads(pickle.dumps(sub.figures)) == sub.figures

    def stored(figures: dict, folder: Path) -> tuple:
        with Store.open(folder) as store:
            outcomes = []
            for n, day in enumerate(("05", "16")):  # the second: a newer version of the same unit's report
                result = replace(sub.result, sha256=f"sha{n}", status="accepted", problems=[])
                outcomes.append(store.save(result, inbox / f"v{n}.xlsx", sub.year, figures, signed_on=f"2024-12-{day}"))
                outcomes.append([p.code for p in result.problems])
            origins = {column: store.figure_origins(column, sub.year) for column in ("members_total", "funds_vnd")}
            return outcomes, store.submissions(), store.current_figures(), origins

    from_tuples, from_packed = stored(found, tmp_path / "tuples"), stored(sub.figures, tmp_path / "packed")
    assert from_tuples == from_packed
    assert from_packed[0] == ["accepted", [], "replaced", []]
    assert from_packed[2] == {(f[0], f[4]): float(f[5]) for rows in found.values() for f in rows}


@pytest.mark.parametrize("seed", range(3))
def test_figures_packed_from_typed_rows_are_those_packed_from_the_long_form(seed: int):
    # prepare packs a sheet's typed rows at once (a row without an empty cell by its sum alone):
    # the same rows as packing one tuple per non-empty cell, whatever the empty cells (NaN of
    # any origin), infinities, negative zeros, rows with no figure or a short row.
    import math
    import random

    from vwu_pipeline.store.db import figures_digests, indicator_digest
    from vwu_pipeline.store.migrations import PackedFigures

    chooser = random.Random(seed)
    names = ["a", "b_2", "c", "d"]
    values = [math.nan, float("nan"), 0.0, -0.0, 1.0, 2.5, 1e300, math.inf, -math.inf, 123456789.0]
    for _ in range(300):
        rows = [
            ("Sheet", 5 + i, chooser.choice(["01", "001", "00007"]), chooser.choice(["Xã A", None]))
            + tuple(chooser.choice(values) for _ in range(chooser.choice([4, 4, 4, 3])))
            for i in range(chooser.randrange(8))
        ]
        long_form = [
            (code, name, sheet, row, column, value)
            for sheet, row, code, name, *cells in rows
            for column, value in zip(names, cells)
            if value == value
        ]
        packed = PackedFigures.of_rows(rows, names)
        assert packed.rows == PackedFigures.of(long_form).rows and len(packed) == len(long_form)
        assert [f[:5] for f in packed] == [f[:5] for f in long_form]
        assert all(math.copysign(1, a[5]) == math.copysign(1, b[5]) and a[5] == b[5] for a, b in zip(packed, long_form, strict=True))
        # the digests made from the packed figures are those of the long form (-0.0 included)
        assert indicator_digest(packed) == indicator_digest(long_form)
        assert figures_digests({"x": packed, "y": packed}) == figures_digests({"x": long_form, "y": long_form})


RUN_AS_THE_PROGRAM = """
import os, sys
from vwu_pipeline import cli

leave, command = os._exit, os.getpid()

def left_at_once(status):  # the process ends without Python's own ending (which frees every object)
    if os.getpid() == command and sys.stderr is not None:  # not a drawing process of the report's
        sys.stderr.write("left at once\\n")
        sys.stderr.flush()
    leave(status)

os._exit = left_at_once
sys.argv[0] = "vwu"
getattr(cli, sys.argv.pop(1))()
"""


def test_aggregate_and_report_end_without_freeing_their_objects_yet_say_and_record_everything(
    inbox: Path, workspace: Path, tmp_path: Path, vwu
):
    # Issue 18: a national aggregate or report ends holding hundreds of MB of objects (frames, unit
    # trees, rows), which Python freed one by one after a full collection: 0.1-0.3 s of each
    # command doing nothing. As the `vwu` program they end at once, with the same exit code,
    # output, run record and log as `main` gives; other commands end as before.
    district_workbook(inbox / "tien_lu.xlsx")
    assert vwu("ingest", inbox, "--workspace", workspace, "--quiet").exit_code == 0
    env = {k: v for k, v in os.environ.items() if not k.startswith("VWU_")}

    def run(entry: str, *args: object) -> subprocess.CompletedProcess:
        line = [sys.executable, "-c", RUN_AS_THE_PROGRAM, entry, *map(str, args), "--workspace", str(workspace)]
        return subprocess.run(line, capture_output=True, text=True, env=env)

    for args in (("aggregate", "--year", 2024, "--json"), ("report", "--year", 2024, "--json", "--out", tmp_path / "out")):
        usual, at_once = run("main", *args), run("entry", *args)
        assert usual.returncode == at_once.returncode == 0, at_once.stderr
        assert "left at once" not in usual.stderr and "left at once" in at_once.stderr
        said, said_at_once = json.loads(usual.stdout), json.loads(at_once.stdout)
        for answer in (said, said_at_once):
            answer.pop("aggregated_at", None)
        assert said_at_once == said
    assert {p.name for p in (tmp_path / "out").iterdir()} == {
        "vwu-2024.xlsx",
        "vwu-2024.md",
        *(Path(c["file"]).name for c in said["charts"]),
    }
    with Store.open(workspace, create=False) as store:
        runs = store.runs(4)
    assert [(r.command, r.exit_code) for r in runs] == [("report", 0), ("report", 0), ("aggregate", 0), ("aggregate", 0)]
    log = (workspace / "vwu.log").read_text(encoding="utf-8")
    assert (log.count("aggregate: run exit=0"), log.count("report: run exit=0")) == (2, 2)  # each run's line, written whole

    # an error keeps its exit code and its message; another command ends the usual way
    usual, at_once = run("main", "aggregate", "--year", 2022), run("entry", "aggregate", "--year", 2022)
    assert at_once.returncode == usual.returncode != 0
    assert at_once.stderr.replace("left at once\n", "") == usual.stderr and "left at once" in at_once.stderr
    log = (workspace / "vwu.log").read_text(encoding="utf-8")
    assert log.count(f"aggregate: run exit={usual.returncode}") == 2
    status = run("entry", "status")
    assert status.returncode == 0 and "left at once" not in status.stderr

    # cron or a daemon may start it with its output closed (`>&-`): Python then has no sys.stdout
    # (or sys.stderr), and the end at once still exits 0 as Python's own ending does
    for closed in (1, 2):
        line = [sys.executable, "-c", RUN_AS_THE_PROGRAM, "entry", "aggregate", "--year", "2024", "--workspace", str(workspace)]
        ended = subprocess.run(line, capture_output=True, text=True, env=env, preexec_fn=lambda fd=closed: os.close(fd))
        assert ended.returncode == 0, ended.stderr
        assert "Traceback" not in ended.stderr


FONT_LIST_OF_A_FIRST_REPORT = """
import sys
from pathlib import Path
from vwu_pipeline.report import charts
with charts._matplotlib(Path(sys.argv[1])):
    from matplotlib import _afm, font_manager
    afm = Path(font_manager.findfont(font_manager.FontProperties(family="Helvetica"), fontext="afm"))
    with afm.open("rb") as file:
        metrics = _afm.AFM(file)
    print(len(metrics._metrics), len(metrics._kern))  # the parser is whole again after the import
"""


def test_a_workspaces_first_report_lists_the_fonts_matplotlib_lists(tmp_path: Path):
    # Issue 18: the first report in a workspace has matplotlib build its font list (its cache is in
    # the workspace), which parsed 61 AFM fonts whole (≈ 0.15 s on the drawer's path) to keep what
    # their headers say. Read from their headers alone, the list is the one matplotlib builds
    # (its order is a set's: it differs between two builds of matplotlib's own).
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    done = subprocess.run([sys.executable, "-c", FONT_LIST_OF_A_FIRST_REPORT, str(ours)], capture_output=True, text=True, check=True)
    glyphs, kerning = map(int, done.stdout.split())
    assert glyphs > 100 and kerning > 100
    env = {**os.environ, "MPLCONFIGDIR": str(theirs)}
    subprocess.run([sys.executable, "-c", "import matplotlib; matplotlib.use('Agg'); from matplotlib import pyplot"], env=env, check=True)
    (mine,) = ours.glob("fontlist-*.json")
    built = theirs / mine.name
    listed, expected = json.loads(mine.read_text()), json.loads(built.read_text())
    assert listed.keys() == expected.keys()
    for key, value in expected.items():
        if isinstance(value, list):
            assert sorted(json.dumps(v, sort_keys=True) for v in listed[key]) == sorted(json.dumps(v, sort_keys=True) for v in value), key
            assert len(value) > 10, key  # matplotlib's own fonts at least
        else:
            assert listed[key] == value, key


def test_ingest_and_validate_end_without_freeing_their_objects_yet_say_and_store_everything(inbox: Path, tmp_path: Path):
    # Issue 18: ending a national ingest freed the unit trees, the catalogue and every result one
    # by one (≈ 35 ms of 1.5 s). As the `vwu` program ingest and validate end at once, with the
    # same answer, store, run record and log line as `main` gives.
    district_workbook(inbox / "tien_lu.xlsx")
    (inbox / "broken.xlsx").write_bytes(b"PK\x03\x04 not a workbook")
    env = {k: v for k, v in os.environ.items() if not k.startswith("VWU_")}

    def run(entry: str, *args: object) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-c", RUN_AS_THE_PROGRAM, entry, *map(str, args)], capture_output=True, text=True, env=env)

    answers = {}
    for entry in ("main", "entry"):
        workspace = tmp_path / f"ws-{entry}"
        ingested = run(entry, "ingest", inbox, "--workspace", workspace, "--json")
        checked = run(entry, "validate", inbox, "--json")
        assert ingested.returncode == checked.returncode == 1, ingested.stderr  # the broken file is refused
        assert ("left at once" in ingested.stderr + checked.stderr) is (entry == "entry")
        with Store.open(workspace, create=False) as store:
            stored = sorted((f.name, f.status) for f in store.files())
            runs = [(r.command, r.exit_code) for r in store.runs()]
        log = (workspace / "vwu.log").read_text(encoding="utf-8")
        answers[entry] = (
            _without_times(json.loads(ingested.stdout)),
            _without_times(json.loads(checked.stdout)),
            stored,
            runs,
            log.count("ingest: run exit=1"),
        )
    assert answers["entry"] == answers["main"]
    assert answers["entry"][2] == [("broken.xlsx", "refused"), ("tien_lu.xlsx", "accepted")]


def _without_times(answer: object) -> object:
    """An answer with its clock readings and workspace paths left out (two runs differ there only)."""
    if isinstance(answer, dict):
        return {k: _without_times(v) for k, v in answer.items() if not k.endswith(("_at", "seconds", "workspace"))}
    if isinstance(answer, list):
        return [_without_times(v) for v in answer]
    return answer
