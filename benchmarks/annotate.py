"""The checked copy of a 10,000-row workbook, timed by stage (issue 17: at most 5 s, 500 MB).

`python benchmarks/annotate.py` builds the worst case `make bench` uses (nearly every row a
commune of another district, so a problem to mark), then runs `vwu validate --annotate` on it
in its own process and prints wall time, CPU time and peak memory, then times the stages of the
copy in this process. It asserts nothing.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench import ANNOTATE_ROWS, VWU, big_workbook  # noqa: E402


def whole_command(big: Path, out: Path) -> None:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([VWU, "validate", str(big), "--annotate", str(out), "--json"], stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    print(
        f"vwu validate --annotate, {ANNOTATE_ROWS:,} rows: exit {done.returncode}, {wall:.2f} s wall, {cpu:.2f} s CPU, peak {after.ru_maxrss / 1024:.0f} MB"
    )


def stages(big: Path, out: Path) -> None:
    from vwu_pipeline.ingest import annotate
    from vwu_pipeline.ingest.run import run

    started = time.perf_counter()
    (result,) = run([big], None).files
    print(f"  validate                          {time.perf_counter() - started:6.2f} s  ({len(result.problems):,} problems)")
    started = time.perf_counter()
    annotate.annotate(big, result, out / "in_process_kiem_tra.xlsx")
    print(f"  annotate (load, mark, save)       {time.perf_counter() - started:6.2f} s")


if __name__ == "__main__":
    with tempfile.TemporaryDirectory(prefix="vwu-annotate-") as tmp:
        tmp = Path(tmp)
        big = big_workbook(tmp / "big.xlsx")
        print(f"{big.name}: {big.stat().st_size / 1e6:.1f} MB")
        whole_command(big, tmp / "out")
        if "--stages" in sys.argv:
            stages(big, tmp / "out")
