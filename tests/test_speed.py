"""Issue 18: speed at the floor. Timings are measured by `make bench`, never asserted here;
these tests hold what the speed is built on, each with the checks it must not trade away."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from builders import district_workbook, rows_for

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
