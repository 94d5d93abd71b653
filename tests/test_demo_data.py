"""A developer generates synthetic submissions for the real unit tree and ingests them."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from conftest import figures

from vwu_pipeline.core.errors import ConfigError
from vwu_pipeline.core.indicators import load_catalog
from vwu_pipeline.forms.demo_data import demo_periods, generate, parse_scale
from vwu_pipeline.ingest.run import run


def digests(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*.xlsx"))}


def test_a_province_of_generated_data_is_accepted_whole(vwu, tmp_path, workspace):
    out = tmp_path / "demo"

    made = vwu("demo-data", "--year", 2024, "--unit", "33", "--out", out)
    result = vwu("ingest", out, "--workspace", workspace, "--json")

    assert made.exit_code == 0, made.output
    assert f"Đã ghi 10 tệp, 139 dòng đơn vị × {len(load_catalog().indicators)} chỉ tiêu" in made.output
    assert result.exit_code == 0, result.output
    assert [f["status"] for f in json.loads(result.output)["files"]] == ["accepted"] * 10
    stored = figures(workspace, "members_total")
    assert len(stored) == 139  # every commune of Hưng Yên, nothing from the totals rows
    assert 1_000 * 139 < sum(stored.values()) < 3_000 * 139  # ≈ 1,960 members per commune


def test_messy_shapes_and_monthly_copies_are_all_accepted(tmp_path, workspace):
    data = generate(tmp_path / "demo", 2024, scale=3, unit="33", messy=True)

    report = run([tmp_path / "demo"], workspace)

    assert len(data.files) == 30
    assert sorted({p.parent.parent.name for p in data.files}) == ["2024-M01", "2024-M02", "2024-M03"]
    assert report.valid, [p.message() for f in report.files for p in f.errors]
    assert [f.status for f in report.files] == ["accepted"] * 30  # distinct content: nothing deduplicated
    assert sorted({f.period for f in report.files}) == ["2024-M01", "2024-M02", "2024-M03"]


def test_the_same_seed_gives_the_same_bytes_and_another_seed_other_figures(tmp_path):
    generate(tmp_path / "a", 2024, unit="332", seed=5, messy=True)
    generate(tmp_path / "b", 2024, unit="332", seed=5, messy=True)
    generate(tmp_path / "c", 2024, unit="332", seed=6, messy=True)

    assert digests(tmp_path / "a") == digests(tmp_path / "b")
    assert digests(tmp_path / "a") != digests(tmp_path / "c")


def test_the_2025_tree_writes_one_workbook_per_province(tmp_path, workspace):
    data = generate(tmp_path / "demo", 2025, unit="33")

    report = run([tmp_path / "demo"], workspace)

    assert [p.name for p in data.files] == ["33_tinh_hung_yen_2025.xlsx"]
    assert report.valid and report.files[0].unit_code == "33"


def test_scale_and_periods():
    assert parse_scale("national") == 1 and parse_scale("10") == 10
    with pytest.raises(ConfigError):
        parse_scale("huge")
    assert [p.code for p in demo_periods(2024, 1)] == ["2024"]
    assert [p.code for p in demo_periods(2024, 14)][-3:] == ["2024-M12", "2023-M01", "2023-M02"]
    assert [p.code for p in demo_periods(2025, 13)][-1] == "2026-M01"  # 2024 is the other tree
