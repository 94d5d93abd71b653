"""The reader's per-file work after the reading, alone: `find_tables` + `prepare` + the digests.

    python benchmarks/reader_checks.py dump FOLDER SHEETS   # read every workbook once, pickle its sheets
    python benchmarks/reader_checks.py pass SHEETS [OUT]    # one pass as `_parse_chunk` runs them

`pass` prints the CPU milliseconds a file of each part (time.process_time) and, with OUT, pickles
the submissions (compare two versions' files byte for byte, or by repr). For instruction counts
(steadier than CPU on a shared machine), run `pass` under cachegrind and subtract a pass over no
file (`dump` of an empty folder):

    PYTHONHASHSEED=0 valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \\
        python benchmarks/reader_checks.py pass SHEETS

Another version of vwu is measured with PYTHONPATH set to its tree (the script's own folder
comes first on sys.path, not the current one). It asserts nothing.
"""

from __future__ import annotations

import pickle
import sys
import time
from pathlib import Path

from vwu_pipeline.core.indicators import load_catalog
from vwu_pipeline.core.problems import FileResult
from vwu_pipeline.core.units import UnitTree
from vwu_pipeline.ingest.reading import read_workbook
from vwu_pipeline.ingest.run import _parse_chunk  # noqa: F401  # what a reader has imported
from vwu_pipeline.ingest.tables import find_tables
from vwu_pipeline.ingest.validation import Submission, prepare, replaced
from vwu_pipeline.ops.config import Limits
from vwu_pipeline.store.db import figures_digests


def dump(folder: Path, out: Path) -> None:
    read = []
    for path in sorted(folder.rglob("*.xlsx")):
        try:
            read.append((path, read_workbook(path, Limits())))
        except Exception:  # noqa: BLE001  # a file that cannot be read is not this script's business
            continue
    out.write_bytes(pickle.dumps(read))
    print(f"{len(read)} files")


def one_pass(sheets_file: Path, out: Path | None) -> None:
    catalog = load_catalog(None)
    UnitTree.preload()
    read = pickle.loads(sheets_file.read_bytes())
    clock = time.process_time
    spent = {"find_tables": 0.0, "prepare": 0.0, "digests": 0.0}
    subs = []
    for path, sheets in read:
        started = clock()
        sub = Submission(path=path, result=FileResult(str(path), sha256="-"))
        tables, problems = find_tables(sheets, catalog, path.name)
        sub.result.problems.extend(problems)
        sub = replaced(sub, tables=tables)
        found = clock()
        sub = prepare(sub, None, None)
        prepared = clock()
        if sub.figures and sub.result.valid:
            digest, indicators = figures_digests(sub.figures)
            sub = replaced(sub, digest=digest, indicator_digests=indicators)
        spent["find_tables"] += found - started
        spent["prepare"] += prepared - found
        spent["digests"] += clock() - prepared
        subs.append(sub)
    count = max(1, len(read))
    print(" ".join(f"{part} {seconds / count * 1000:.3f}" for part, seconds in spent.items()), "ms/file")
    if out is not None:
        out.write_bytes(pickle.dumps(subs))


def main() -> None:
    args = sys.argv[1:]
    if len(args) == 3 and args[0] == "dump":
        dump(Path(args[1]), Path(args[2]))
    elif len(args) in (2, 3) and args[0] == "pass":
        one_pass(Path(args[1]), Path(args[2]) if len(args) == 3 else None)
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
