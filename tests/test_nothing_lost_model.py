"""Issue 11, model-based: Đa Krông (467) sends random histories of its 2024 report — full files,
some communes only, one-sheet corrections, originals re-sent or re-saved, renamed copies —
arriving shuffled over nightly runs. An oracle of what the district meant (DOMAIN.md's
Submission rules, in a few lines of plain Python reading only the cell values written) must
equal every stored figure and aggregate, and a store rebuilt from all the files in one run must
equal the live one. Every file arrives on any night: a re-sent or re-saved copy may come before
the version it copies, and before a correction made in between; a version edited from an
earlier one keeps that one's figures on the sheets it did not change.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from vwu_pipeline.cli import app
from vwu_pipeline.core.indicators import load_catalog
from vwu_pipeline.ingest.run import IngestOptions, run
from vwu_pipeline.report.rollup import aggregate
from vwu_pipeline.store.db import Store

FIRST_ROW, LAST_ROW, TOTALS_ROW, FIRST_FIGURE = 9, 21, 22, 4
START = 1_733_000_000  # file times: one hour apart, in the order the versions were made
HOUR = 3600


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> tuple[Path, dict[str, dict[str, tuple]]]:
    """Đa Krông's demo report and its cell values: sheet -> commune code -> figures of the row."""
    out = tmp_path_factory.mktemp("demo")
    assert CliRunner().invoke(app, ["demo-data", "--year", "2024", "--unit", "45", "--out", str(out)]).exit_code == 0
    [path] = out.rglob("467_*.xlsx")
    book = openpyxl.load_workbook(path)
    cells = {
        sheet.title: {
            str(sheet.cell(row, 2).value): tuple(sheet.cell(row, col).value for col in range(FIRST_FIGURE, sheet.max_column + 1))
            for row in range(FIRST_ROW, LAST_ROW + 1)
        }
        for sheet in book.worksheets
        if sheet.cell(FIRST_ROW, 2).value
    }
    return path, cells


@dataclass
class Version:
    """One file the district makes: the cell values it writes (sheet -> code -> row figures;
    a sheet or row left out is blank), or a copy of another version."""

    made: int  # order of making: its file time is START + made hours
    kind: str  # full | partial | one-sheet | edited | resent | resaved
    rows: dict[str, dict[str, tuple]] = field(default_factory=dict)
    of: int | None = None  # resent / resaved: the version copied
    night: int = 0

    @property
    def name(self) -> str:
        return {"resent": f"467_{self.of} ({self.made}).xlsx"}.get(self.kind, f"467_ban_{self.made}.xlsx")


@st.composite
def histories(draw, cells: dict[str, dict[str, tuple]]) -> list[Version]:
    sheets = sorted(cells)
    codes = sorted(next(iter(cells.values())))
    made: list[Version] = []
    for number in range(draw(st.integers(2, 6))):
        originals = [v for v in made if v.kind not in ("resent", "resaved")]
        kind = draw(st.sampled_from(["full", "partial", "one-sheet"] + (["edited", "resent", "resaved"] if originals else [])))
        if kind in ("resent", "resaved"):
            source = draw(st.sampled_from(originals))
            made.append(Version(number, kind, source.rows, source.made, draw(st.integers(0, 2))))
            continue
        members = draw(st.lists(st.integers(0, 900), min_size=len(codes), max_size=len(codes)))
        if kind == "edited":
            # an earlier version's file opened again and one sheet changed: the others keep its figures
            source, sheet = draw(st.sampled_from(originals)), draw(st.sampled_from(sheets))
            rows = {name: dict(values) for name, values in source.rows.items()}
            rows[sheet] = {code: (*cells[sheet][code][:-1], figure) for code, figure in zip(codes, members)}
            made.append(Version(number, kind, rows, night=draw(st.integers(0, 2))))
            continue
        chosen = sheets if kind != "one-sheet" else [draw(st.sampled_from(sheets))]
        present = codes if kind != "partial" else draw(st.lists(st.sampled_from(codes), min_size=1, unique=True))
        rows = {}
        for sheet in chosen:
            rows[sheet] = {}
            for code, figure in zip(codes, members):
                if code in present:
                    # the last figure of each sheet varies (honorary members, funds, dialogues, cooperatives: no rule bounds them)
                    rows[sheet][code] = (*cells[sheet][code][:-1], figure)
        made.append(Version(number, kind, rows, night=draw(st.integers(0, 2))))
    return made


def meant(history: list[Version]) -> dict[tuple[str, str], tuple]:
    """The oracle: (sheet, commune) -> the row that counts. Per sheet, the versions in the order
    they were made, except that one whose figures equal an earlier one's (a copy re-sent, an
    original re-saved) stands where the earliest with those figures stands: saving again never
    makes a version newer. Each row present replaces, rows absent keep the older one."""

    def figures(rows: dict[str, tuple]) -> frozenset:
        return frozenset(
            (code, column, float(value)) for code, values in rows.items() for column, value in enumerate(values) if value is not None
        )

    current: dict[tuple[str, str], tuple] = {}
    for sheet in sorted({sheet for version in history for sheet in version.rows}):
        having = [version for version in history if figures(version.rows.get(sheet, {}))]

        def place(version: Version, sheet: str = sheet, having: list[Version] = having) -> tuple[int, int]:
            mine = figures(version.rows[sheet])
            return min(other.made for other in having if figures(other.rows[sheet]) == mine), version.made

        for version in sorted(having, key=place):
            for code, values in version.rows[sheet].items():
                current[(sheet, code)] = values
    return current


def write(version: Version, history: list[Version], template: Path, folder: Path) -> Path:
    target = folder / f"dem_{version.night}" / version.name
    target.parent.mkdir(parents=True, exist_ok=True)
    if version.kind == "resent":
        shutil.copyfile(folder / f"dem_{history[version.of].night}" / history[version.of].name, target)
    else:
        book = openpyxl.load_workbook(template)
        for sheet in book.worksheets:
            rows = version.rows.get(sheet.title, {})
            for row in range(FIRST_ROW, LAST_ROW + 1):
                values = rows.get(str(sheet.cell(row, 2).value))
                for offset, col in enumerate(range(FIRST_FIGURE, sheet.max_column + 1)):
                    sheet.cell(row, col).value = values[offset] if values else None
            for col in range(FIRST_FIGURE, sheet.max_column + 1):  # the totals row adds up what was written
                figures = [sheet.cell(r, col).value for r in range(FIRST_ROW, LAST_ROW + 1) if sheet.cell(r, col).value is not None]
                sheet.cell(TOTALS_ROW, col).value = sum(figures) if figures else None
            if version.kind == "resaved":
                sheet["A6"] = "Lưu lại"  # saved again: other bytes, the same figures
        book.save(target)
    os.utime(target, (START + version.made * HOUR,) * 2)
    return target


def stored(workspace: Path) -> tuple[dict, dict]:
    with Store.open(workspace, create=False) as store:
        figures = store.current_figures(2024)
        _, tables = store.read_aggregation(2024)
    aggregates = {(r["unit_code"], r["column"]): r["value"] for r in tables["aggregates"].to_dict("records")}
    return figures, aggregates


@settings(
    max_examples=12, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate]
)
@given(data=st.data())
def test_every_aggregate_is_what_the_district_meant(base, tmp_path_factory, data):
    template, cells = base
    history = data.draw(histories(cells))
    folder = tmp_path_factory.mktemp("nights")
    for version in history:
        write(version, history, template, folder)
    columns = {ind.sheet_name: [c.name for c in ind.columns] for ind in load_catalog(None).indicators}
    expected: dict[tuple[str, str], float] = {}
    for (sheet, code), values in meant(history).items():
        for name, value in zip(columns[sheet], values):
            if value is not None:
                expected[(code, name)] = float(value)

    workspace = folder / "ws"
    for night in sorted({v.night for v in history}):
        report = run([folder / f"dem_{night}"], workspace, IngestOptions(workers=0))
        refused = [f"{f.path}: {p.code} {p.sheet} {p.row} {p.message()}" for f in report.files if f.status == "refused" for p in f.problems]
        assert not refused
    aggregate(workspace, 2024)
    rebuilt = folder / "rebuilt"
    run(sorted(folder.glob("dem_*")), rebuilt, IngestOptions(workers=0))
    aggregate(rebuilt, 2024)

    figures, aggregates = stored(workspace)
    assert figures == expected
    for name in {name for _, name in expected}:  # the district, province and nation add up the communes
        total = sum(value for (_, column), value in expected.items() if column == name)
        for unit in ("467", "45", "00"):
            assert aggregates[(unit, name)] == total, (unit, name)
    assert stored(rebuilt) == (figures, aggregates)
