"""Where the time of an ingest and a report goes, stage by stage (after `make bench`).

`python benchmarks/stages.py [FOLDER] [--provinces N]` times, in one process, each stage a
reader process runs per file, on the cached national 2024 set (or FOLDER: the messy set is
benchmarks/.cache/national-2024-messy; N provinces of it only with --provinces): CPU time (time.process_time), the stages
taking turns in each of several passes, each one's median kept, so that a busy machine disturbs it less than wall time; the
collector frozen after loading and no pandas imported, as in a reader. Then what the main
process of `vwu ingest` does per file (the results taken back from a reader, the store, the
file's line) and once per run (each in a fresh process: imports, the catalogue, the unit
trees). On the national set it then times each stage of `vwu report` on a workspace
ingested and aggregated here. It asserts nothing.
"""

from __future__ import annotations

import gc
import pickle
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from python_calamine import CalamineWorkbook

from vwu_pipeline.core.indicators import load_catalog
from vwu_pipeline.ingest import run as ingest
from vwu_pipeline.ingest.guards import check_container
from vwu_pipeline.ingest.reading import read_workbook, sha256_of
from vwu_pipeline.ingest.tables import find_tables
from vwu_pipeline.ingest.validation import prepare
from vwu_pipeline.ops.config import Limits
from vwu_pipeline.store.db import Store

NATIONAL = Path(__file__).resolve().parent / ".cache" / "national-2024"
REPEATS = 5


def per_file(stages: list[tuple[str, Callable[[Path], object]]], files: list[Path]) -> list[float]:
    """Median over REPEATS passes of each stage's CPU milliseconds per file. The stages take
    turns within each pass, so that a load that drifts over the run weighs on all of them alike
    (one stage after another, the differences between them could come out negative)."""
    runs: list[list[float]] = [[] for _ in stages]
    for _ in range(REPEATS):
        for times, (_, stage) in zip(runs, stages):
            started = time.process_time()
            for path in files:
                stage(path)
            times.append((time.process_time() - started) / len(files) * 1000)
    medians = [statistics.median(times) for times in runs]
    for (label, _), ms in zip(stages, medians):
        print(f"  {label:<58} {ms:6.2f} ms/file")
    return medians


def calamine_values(path: Path) -> None:
    book = CalamineWorkbook.from_path(str(path))
    for name in book.sheet_names:
        book.get_sheet_by_name(name).to_python()


# One run's fixed costs, each phase in a fresh process (CPU seconds): what a first ingest pays
# before its first file, whatever the number of files.
FIXED = """
import sys, time
clock = time.process_time
marks = [clock()]
import vwu_pipeline.cli, vwu_pipeline.ingest.run
marks.append(clock())
from vwu_pipeline.core.indicators import load_catalog
load_catalog(None)
marks.append(clock())
from vwu_pipeline.core.units import UnitTree
UnitTree.preload()
marks.append(clock())
print(*(b - a for a, b in zip(marks, marks[1:])))
"""


def fixed_costs() -> None:
    runs = [
        [float(x) for x in subprocess.run([sys.executable, "-c", FIXED], capture_output=True, text=True, check=True).stdout.split()]
        for _ in range(REPEATS)
    ]
    started = [
        subprocess.run([sys.executable, "-c", "import time; print(time.process_time())"], capture_output=True, text=True)
        for _ in range(REPEATS)
    ]
    start = statistics.median(float(p.stdout) for p in started)
    print(f"Once per run, CPU, median of {REPEATS} fresh processes:")
    print(f"  {'Python start':<58} {start * 1000:6.0f} ms")
    for label, column in (
        ("imports (cli, ingest)", 0),
        ("catalogue (schema files checked)", 1),
        ("unit trees (master parsed, trees built)", 2),
    ):
        print(f"  {label:<58} {statistics.median(run[column] for run in runs) * 1000:6.0f} ms")


def main_process(files: list[Path], catalog: object, limits: Limits) -> None:
    """What the main process of `vwu ingest` does per file while the readers read the next."""
    jobs = [(path, f"sha-{i}", catalog.directory, limits, None, None) for i, path in enumerate(files)]
    blob = pickle.dumps(ingest._parse_chunk(jobs))  # as a reader sends them back
    print(f"Main process per file, CPU, median of {REPEATS} ({len(blob) / len(files) / 1024:.1f} KB sent back per file):")
    runs, stored = [], []
    for _ in range(REPEATS):
        started = time.process_time()
        subs = pickle.loads(blob)
        runs.append((time.process_time() - started) / len(files) * 1000)
        with tempfile.TemporaryDirectory(prefix="vwu-stages-") as tmp, Store.open(Path(tmp)) as store:
            run_id = store.start_run("ingest")
            started = time.process_time()
            for sub in subs:
                store.save(
                    replace(sub.result, status="accepted" if sub.result.valid else "refused"),
                    sub.path,
                    sub.year,
                    sub.figures if sub.result.valid else {},
                    signed_on=sub.signed_on,
                    run_id=run_id,
                    digest=sub.digest,
                    indicator_digests=sub.indicator_digests,
                )
            stored.append((time.process_time() - started) / len(files) * 1000)
    print(f"  {'results taken back from a reader (unpickled)':<58} {statistics.median(runs):6.2f} ms/file")
    print(f"  {'stored (store.save: one transaction per file)':<58} {statistics.median(stored):6.2f} ms/file")


def timed(label: str, step: Callable[[], object]) -> object:
    started = time.perf_counter()
    out = step()
    print(f"  {label:<58} {time.perf_counter() - started:6.2f} s")
    return out


def sample(folder: Path, provinces: int | None) -> list[Path]:
    """Every workbook of the folder, or of `provinces` provinces spread over the country."""
    if not provinces:
        return sorted(folder.rglob("*.xlsx"))
    subfolders = sorted(p for p in folder.iterdir() if p.is_dir())
    step = max(1, len(subfolders) // provinces)
    return [f for sub in subfolders[::step][:provinces] for f in sorted(sub.rglob("*.xlsx"))]


def main() -> None:
    args = sys.argv[1:]
    provinces = None
    if "--provinces" in args:  # a sample (about 11 files a province): quicker on a busy machine
        at = args.index("--provinces")
        provinces = int(args[at + 1])
        del args[at : at + 2]
    folder = Path(args[0]) if args else NATIONAL
    if not folder.is_dir():
        raise SystemExit(f"{folder} is missing: run `make bench` first.")
    files = sample(folder, provinces)
    catalog, limits = load_catalog(None), Limits()
    prepare(ingest.parse_file(files[0], None, catalog, limits), None)  # warm the unit tree
    # As in a reader: no pandas (the report's modules are imported below, for its stages only),
    # and what was loaded before the readers fork frozen, never walked by the collector. Without
    # both, a pass's collections walked pandas' objects too and the reader stages read higher.
    gc.freeze()

    print(f"Reader stages, one process, CPU time, median of {REPEATS}, {len(files)} files of {folder.name}:")
    jobs = [(path, "sha", catalog.directory, limits, None, None) for path in files]
    chunks = {path: jobs[i : i + ingest.PARSE_CHUNK] for i in range(0, len(jobs), ingest.PARSE_CHUNK) for path in files[i : i + 1]}
    _, floor, _, read, found, whole, reader = per_file(
        [
            ("sha256 (in the main process)", sha256_of),
            ("calamine, values only (the read floor)", calamine_values),
            ("container guards (zip sizes, XML prologs, sheet scan)", lambda f: check_container(f, "xlsx", limits)),
            ("read_workbook (guards + calamine + conversion)", lambda f: read_workbook(f, limits)),
            ("  + find_tables (title, headers, totals, footers)", lambda f: find_tables(read_workbook(f, limits), catalog, f.name)),
            (
                "  + prepare (period, unit, tree, totals, schema checks)",
                lambda f: prepare(ingest.parse_file(f, None, catalog, limits), None),
            ),
            (
                "  + digests: a reader's whole work (_parse_chunk, chunks of 8)",
                lambda f: ingest._parse_chunk(chunks[f]) if f in chunks else None,
            ),
        ],
        files,
    )
    print(f"  header search ≈ {found - read:.2f} ms/file, per-file checks ≈ {whole - found:.2f} ms/file")
    print(f"  reader stages / calamine: {whole / floor:.1f}, with the digests {reader / floor:.1f} (target <= 3)")
    print()
    gc.unfreeze()  # the main process of an ingest is not frozen (it unfreezes once the readers fork)
    main_process(files, catalog, limits)
    print()
    fixed_costs()
    if folder != NATIONAL or provinces:
        return
    report_stages(folder)


def report_stages(folder: Path) -> None:
    from vwu_pipeline.report import presentation, rollup
    from vwu_pipeline.report.build import CHART_CACHE, current
    from vwu_pipeline.report.charts import draw_charts, plan_charts
    from vwu_pipeline.report.summary import write_summary
    from vwu_pipeline.report.workbook import write_workbook

    with tempfile.TemporaryDirectory(prefix="vwu-stages-") as tmp:
        workspace, out = Path(tmp) / "ws", Path(tmp) / "out"
        out.mkdir()
        print("\nWhole-run stages (wall time):")
        timed("vwu ingest (library call)", lambda: ingest.run([folder], workspace))
        timed("vwu aggregate (library call)", lambda: rollup.aggregate(workspace, 2024))
        result, _ = timed("report: load the stored aggregation", lambda: current(workspace, 2024))
        national = result.for_unit("00")
        timed(
            "report: indicator rows (tree order, coverage)",
            lambda: [presentation.indicator_table(national, i) for i in national.catalog.indicators],
        )
        timed("report: workbook (rows again + XlsxWriter)", lambda: write_workbook(national, out / "vwu-2024.xlsx"))
        timed("report: Markdown", lambda: write_summary(national, out / "vwu-2024.md", "vi"))
        charts = timed("report: charts planned (their bars)", lambda: plan_charts(national, out))
        timed(
            "report: charts drawn here in turn (+ matplotlib import)",
            lambda: draw_charts(charts, national, cache=workspace / CHART_CACHE),
        )


if __name__ == "__main__":
    main()
