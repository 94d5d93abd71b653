"""CPU time of `write_workbook` alone, the report's own process's largest step.

`python benchmarks/workbook.py WORKSPACE [YEAR] [RUNS] [UNIT]` reads the stored aggregation of
YEAR (default 2024; WORKSPACE must hold it: `vwu aggregate --year YEAR` first, or it is
computed here) and writes its workbook RUNS times (default 5) into a temporary folder, each
time from a fresh copy of the result (`dataclasses.replace`: nothing it keeps between calls
is reused), and prints each call's CPU time (`time.process_time`), their minimum and median.
Run it in turns with another version of vwu (`git worktree add`, then that tree's python with
PYTHONPATH=THAT_TREE) for a before and after: on a busy machine the seconds move a lot, the
minimum least. It writes nothing into WORKSPACE unless the aggregation has to be computed,
and asserts nothing.
"""

from __future__ import annotations

import dataclasses
import statistics
import sys
import tempfile
import time
from pathlib import Path

from vwu_pipeline.report import build
from vwu_pipeline.report.workbook import write_workbook


def main() -> None:
    workspace = Path(sys.argv[1])
    year = int(sys.argv[2]) if len(sys.argv) > 2 else 2024
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    unit = sys.argv[4] if len(sys.argv) > 4 else "00"
    result = build.current(workspace, year)[0].for_unit(unit)
    seconds = []
    with tempfile.TemporaryDirectory() as folder:
        for run in range(runs):
            fresh = dataclasses.replace(result)
            began = time.process_time()
            write_workbook(fresh, Path(folder) / f"vwu-{year}-{run}.xlsx")
            seconds.append(time.process_time() - began)
    shown = " ".join(f"{s:.3f}" for s in seconds)
    print(f"write_workbook {year} {unit}: {shown} s CPU; min {min(seconds):.3f}, median {statistics.median(seconds):.3f}")


if __name__ == "__main__":
    main()
