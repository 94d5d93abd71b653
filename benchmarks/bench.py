"""`make bench`: vwu at national scale, side by side with the read floor and the naive way.

Generates the data once (cached under benchmarks/.cache): the national 2024 set in the
template's shape ("plain") and in the shapes offices really send ("messy": two-row merged
headers, numbers typed as text, headers without diacritics or decomposed...), the national
2023 set (the previous year a report compares with), the 2025 sets across the reform and a
10x set. Then in one run it times, each as a separate process started the way a user starts
it, with a fresh HOME and temporary folder (no cache outside the workspace can help a
"first" ingest) and its peak memory:

- the read floor: a process that starts Python, imports python-calamine and reads every
  cell of every file (one core; vwu's ingest may use both), alternated three times with
  vwu's first ingest (each followed by an unchanged re-ingest), and the medians compared;
- the naive baseline (openpyxl + a pandera call per sheet, in this process);
- every vwu step, on both national sets where it reads files;

and prints one table with the ratios side by side against the targets of issue 18. It checks
that vwu's national totals equal the naive baseline's.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
VWU = str(Path(sys.executable).with_name("vwu"))
YEAR = 2024


@dataclass
class Step:
    name: str
    seconds: float
    peak_mb: float | None = None


# Peak memory is read by a small launcher process: a child forked straight from this
# (large) benchmark process would report this process's memory as its own peak. The launcher
# starts without `site` (-S): it needs only os and sys. It also times the command, from its fork
# to its end: the launcher's own start (≈ 0.01 s) is not the command's (session 10: counted, it
# made a 0.12 s re-ingest read 0.13 s).
LAUNCHER = """
import os, sys, time
started = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
print(usage.ru_maxrss, os.waitstatus_to_exitcode(status), time.perf_counter() - started, file=sys.stderr)
"""

# The read floor as a process of its own, as vwu's is: start Python, import python-calamine,
# read every cell of every workbook (one process, one core).
FLOOR = """
import sys
from pathlib import Path
from python_calamine import CalamineWorkbook
for path in sorted(Path(sys.argv[1]).rglob("*.xlsx")):
    book = CalamineWorkbook.from_path(str(path))
    for name in book.sheet_names:
        book.get_sheet_by_name(name).to_python()
"""


def fresh_env(scratch: Path) -> dict[str, str]:
    """A new HOME and TMPDIR for one command: nothing cached by an earlier one can help it."""
    home = Path(tempfile.mkdtemp(prefix="home-", dir=scratch))
    tmp = Path(tempfile.mkdtemp(prefix="tmp-", dir=scratch))
    # PYTHONDONTWRITEBYTECODE would make every command compile vwu's source again, which an
    # installed vwu (pip compiles it) never does: vwu is compiled once, in main().
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VWU_", "XDG_")) and k != "PYTHONDONTWRITEBYTECODE"}
    env.update(HOME=str(home), TMPDIR=str(tmp), TMP=str(tmp), TEMP=str(tmp))
    return env


def run_process(command: list[str], name: str, scratch: Path) -> Step:
    """Run one command in its own process; peak memory covers its reader processes too."""
    done = subprocess.run(
        [sys.executable, "-S", "-c", LAUNCHER, *command],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=fresh_env(scratch),
    )
    *output, last = done.stderr.strip().splitlines() or [""]
    peak, status, took = last.split()
    peak_kb, code, seconds = int(peak), int(status), float(took)
    if code not in (0, 1):
        raise SystemExit(f"{name}: {' '.join(command)} exited {code}:\n" + "\n".join(output))
    return Step(name, seconds, peak_kb / 1024)


def run_vwu(*args: str, name: str, scratch: Path) -> Step:
    return run_process([VWU, *args], name, scratch)


def dataset(name: str, *generate_args: str, year: int = YEAR) -> Path:
    """Generated once, then reused: generation is not what is measured."""
    folder = CACHE / name
    if not (folder / ".complete").exists():
        shutil.rmtree(folder, ignore_errors=True)
        started = time.perf_counter()
        subprocess.run([VWU, "demo-data", "--year", str(year), "--out", str(folder), *generate_args], check=True, stdout=subprocess.DEVNULL)
        print(f"  generated {name} in {time.perf_counter() - started:.1f} s", flush=True)
        (folder / ".complete").touch()
    return folder


def datasets(skip_10x: bool) -> dict[str, Path]:
    sets = {
        "plain": dataset(f"national-{YEAR}", "--scale", "national"),
        "messy": dataset(f"national-{YEAR}-messy", "--scale", "national", "--messy"),
        "previous": dataset(f"national-{YEAR - 1}", "--scale", "national", year=YEAR - 1),
        # Across the 2025 reform: the first half from the legacy districts, the full year from
        # the new provinces; aggregating 2025 carries the legacy figures onto the new tree.
        "2025-H1": dataset("national-2025-H1", "--scale", "national", "--period", "H1", year=2025),
        "2025": dataset("national-2025", "--scale", "national", year=2025),
    }
    if not skip_10x:
        sets["10x"] = dataset(f"national-{YEAR}-x10", "--scale", "10")
    return sets


def spreadsheets(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.xlsx"))


def naive(files: list[Path]) -> tuple[Step, dict[str, float]]:
    sys.path.insert(0, str(HERE))
    from naive import naive_totals

    from vwu_pipeline.core.indicators import load_catalog

    started = time.perf_counter()
    totals = naive_totals(files, load_catalog())
    return Step("naive baseline (openpyxl + pandera per sheet)", time.perf_counter() - started), totals


def stored_totals(workspace: Path) -> dict[str, float]:
    """Each column's sum over the year's current submissions (a stored row holds a unit's
    columns and values packed: `store.migrations.pack_figures`)."""
    from vwu_pipeline.store.migrations import COLUMN_SEPARATOR, figure_values

    db = sqlite3.connect(workspace / "vwu.sqlite")
    rows = db.execute(
        "SELECT f.columns, f.vals FROM figures f JOIN submissions s ON s.id = f.submission_id WHERE s.current = 1 AND s.year = ?",
        (YEAR,),
    )
    totals: dict[str, float] = {}
    for columns, values in rows:
        for column, value in zip(columns.split(COLUMN_SEPARATOR), figure_values(values), strict=True):
            totals[column] = totals.get(column, 0.0) + value
    db.close()
    return totals


def change_files(inbox: Path, count: int, scratch: Path) -> list[Path]:
    """Replace `count` district files with the same districts generated from another seed."""
    targets = spreadsheets(inbox)[:: max(1, len(spreadsheets(inbox)) // count)][:count]
    for path in targets:
        code = path.name.split("_", 1)[0]
        out = scratch / code
        subprocess.run(
            [VWU, "demo-data", "--year", str(YEAR), "--unit", code, "--seed", "2", "--out", str(out)], check=True, stdout=subprocess.DEVNULL
        )
        (fresh,) = spreadsheets(out)
        shutil.copyfile(fresh, path)
    return targets


ANNOTATE_ROWS = 10_000


def big_workbook(path: Path, rows: int = ANNOTATE_ROWS) -> Path:
    """A 10,000-row workbook as one district could send it: the first communes of the country
    under Tiên Lữ's title. All but Tiên Lữ's own are other districts' communes, so nearly every
    row is a problem to mark: the worst case for the checked copy."""
    from openpyxl import Workbook

    from vwu_pipeline.core.units import UnitTree

    workbook = Workbook()
    ws = workbook.active
    ws.title = "Hội viên"
    ws.append(["HỘI LHPN HUYỆN TIÊN LỮ"])
    ws.append([f"BÁO CÁO KẾT QUẢ CÔNG TÁC HỘI NĂM {YEAR}"])
    ws.append([])
    ws.append(
        [
            "STT",
            "Mã xã",
            "Tên xã",
            "Tổng số hội viên",
            "Hội viên kết nạp mới trong kỳ",
            "Số phụ nữ từ 18 tuổi trở lên trên địa bàn",
            "Hội viên danh dự",
        ]
    )
    for number, unit in enumerate(UnitTree.for_year(YEAR).leaves()[:rows], start=1):
        ws.append([number, unit.code, unit.name, 1000 + number % 50, 20, 1500, 1])
    workbook.save(path)
    return path


def help_time(scratch: Path) -> Step:
    best = min((run_vwu("--help", name="help", scratch=scratch) for _ in range(5)), key=lambda s: s.seconds)
    return Step("vwu --help (best of 5)", best.seconds, best.peak_mb)


# The aggregates whose ratios are targets (2025 and H1 2025 against 2024): one run of each moved by
# ±15 % on a quiet host (session 9: H1 / 2024 0.76 in one run, 1.09 in the next, the code the same)
AGGREGATE_RUNS = 3
# The floor, the first ingest and the re-ingest, in turn: the median of each. Five since session 10
# (three before): the same code's medians of three moved from 1.32 to 1.57 s in ten minutes.
FIRST_INGEST_RUNS = 5


def median_step(steps: list[Step], name: str) -> Step:
    """The run in the middle by seconds: a shared machine disturbs one run in several."""
    middle = sorted(steps, key=lambda step: step.seconds)[len(steps) // 2]
    return Step(name, middle.seconds, middle.peak_mb)


def ingest_set(label: str, folder: Path, tmp: Path, steps: dict[str, Step]) -> Path:
    """Floor, first ingest and unchanged re-ingest of one national set; returns its workspace.
    The floor and the first ingest run FIRST_INGEST_RUNS times in turn, each ingest into a new
    empty workspace; their medians are compared (one run of each moved by ±25 % on the shared
    host). Each workspace is then ingested again unchanged, and the median of those re-ingests
    is compared with the first's (one re-ingest moved between 0.17 and 0.43 s)."""
    inbox = tmp / f"inbox-{label}"
    shutil.copytree(folder, inbox)  # the 5-files-changed step must not touch the cache
    floors, firsts, agains = [], [], []
    for attempt in range(FIRST_INGEST_RUNS):
        workspace = tmp / f"ws-{label}-{attempt}"
        floors.append(run_process([sys.executable, "-c", FLOOR, str(inbox)], "floor", tmp))
        firsts.append(run_vwu("ingest", str(inbox), "--workspace", str(workspace), "--quiet", name="first ingest", scratch=tmp))
        agains.append(run_vwu("ingest", str(inbox), "--workspace", str(workspace), "--quiet", name="ingest again", scratch=tmp))
    steps[f"floor-{label}"] = median_step(floors, f"read floor process, {label} (1 core, median of {FIRST_INGEST_RUNS})")
    steps[f"ingest-{label}"] = median_step(firsts, f"vwu ingest, {label}, empty workspace (median of {FIRST_INGEST_RUNS})")
    print(
        f"  {label}: floor {' / '.join(f'{s.seconds:.2f}' for s in floors)} s, first ingest {' / '.join(f'{s.seconds:.2f}' for s in firsts)} s,"
        f" again {' / '.join(f'{s.seconds:.2f}' for s in agains)} s",
        flush=True,
    )
    steps[f"reingest-{label}"] = median_step(agains, f"vwu ingest again, {label}, nothing changed (median of {FIRST_INGEST_RUNS})")
    return workspace


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skip-10x", action="store_true", help="leave out the 10x national scale")
    parser.add_argument("--skip-naive", action="store_true", help="leave out the naive baseline")
    parser.add_argument("--generate-only", action="store_true", help="generate the cached data sets and stop")
    options = parser.parse_args()
    started = time.perf_counter()

    print("Data (cached in benchmarks/.cache):", flush=True)
    sets = datasets(options.skip_10x)
    if options.generate_only:
        return
    for label in ("plain", "messy"):
        print(f"  national {YEAR}, {label}: {len(spreadsheets(sets[label]))} files", flush=True)
    # What pip does when it installs vwu: the bytecode written once, before anything is timed.
    import vwu_pipeline

    subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(vwu_pipeline.__file__).parent)], check=True)

    steps: dict[str, Step] = {}
    with tempfile.TemporaryDirectory(prefix="vwu-bench-") as tmp:
        tmp = Path(tmp)
        workspace = ingest_set("plain", sets["plain"], tmp, steps)
        messy_workspace = ingest_set("messy", sets["messy"], tmp, steps)
        if not options.skip_naive:
            steps["naive"], naive_sums = naive(spreadsheets(sets["plain"]))

        changed = change_files(tmp / "inbox-plain", 5, tmp / "changed")
        steps["changed"] = run_vwu(
            "ingest",
            str(tmp / "inbox-plain"),
            "--workspace",
            str(workspace),
            "--quiet",
            name=f"vwu ingest again, {len(changed)} files changed",
            scratch=tmp,
        )
        # The previous year in the store: the report compares with it.
        run_vwu("ingest", str(sets["previous"]), "--workspace", str(workspace), "--quiet", name="ingest 2023", scratch=tmp)
        steps["aggregate"] = median_step(
            [
                run_vwu("aggregate", "--year", str(YEAR), "--workspace", str(workspace), "--quiet", name="aggregate", scratch=tmp)
                for _ in range(AGGREGATE_RUNS)
            ],
            f"vwu aggregate --year 2024 (median of {AGGREGATE_RUNS})",
        )
        steps["report"] = run_vwu(
            "report",
            "--year",
            str(YEAR),
            "--workspace",
            str(workspace),
            "--out",
            str(tmp / "out"),
            "--quiet",
            name="vwu report --year 2024",
            scratch=tmp,
        )
        steps["help"] = help_time(tmp)
        big = big_workbook(tmp / "ca_nuoc_10000.xlsx")
        steps["annotate"] = run_vwu(
            "validate",
            str(big),
            "--annotate",
            str(tmp / "kiem_tra"),
            "--json",
            name=f"vwu validate --annotate, {ANNOTATE_ROWS:,} rows",
            scratch=tmp,
        )

        for folder in (sets["2025-H1"], sets["2025"]):
            run_vwu("ingest", str(folder), "--workspace", str(workspace), "--quiet", name="ingest 2025", scratch=tmp)
        steps["aggregate2025"] = median_step(
            [
                run_vwu("aggregate", "--year", "2025", "--workspace", str(workspace), "--quiet", name="aggregate 2025", scratch=tmp)
                for _ in range(AGGREGATE_RUNS)
            ],
            f"vwu aggregate --year 2025 (across the reform, median of {AGGREGATE_RUNS})",
        )
        steps["report2025"] = run_vwu(
            "report",
            "--year",
            "2025",
            "--workspace",
            str(workspace),
            "--out",
            str(tmp / "out"),
            "--quiet",
            name="vwu report --year 2025",
            scratch=tmp,
        )
        # The six-month review of the national legacy set (696 districts, the tree they sent it on),
        # aggregated and written as a report: a period costs no more than the year 2024.
        steps["aggregate2025_h1"] = median_step(
            [
                run_vwu(
                    "aggregate",
                    "--year",
                    "2025",
                    "--period",
                    "H1",
                    "--workspace",
                    str(workspace),
                    "--quiet",
                    name="aggregate H1",
                    scratch=tmp,
                )
                for _ in range(AGGREGATE_RUNS)
            ],
            f"vwu aggregate --period 2025-H1 (median of {AGGREGATE_RUNS})",
        )
        steps["report2025_h1"] = run_vwu(
            "report",
            "--period",
            "2025-H1",
            "--workspace",
            str(workspace),
            "--out",
            str(tmp / "out"),
            "--quiet",
            name="vwu report --period 2025-H1",
            scratch=tmp,
        )

        # Correctness: the same national totals as the naive baseline (before the 5 changes).
        check_ws = tmp / "check"
        run_vwu("ingest", str(sets["plain"]), "--workspace", str(check_ws), "--quiet", name="check", scratch=tmp)
        vwu_sums = stored_totals(check_ws)
        if not options.skip_naive:
            mismatched = {c: (vwu_sums.get(c), v) for c, v in naive_sums.items() if abs(vwu_sums.get(c, 0) - v) > 1e-6}
            verdict = "equal" if not mismatched else f"DIFFER: {mismatched}"
            print(f"\nNational totals, vwu vs naive baseline: {verdict} ({len(naive_sums)} columns)")
            print(f"  e.g. members_total {vwu_sums['members_total']:,.0f}, funds_vnd {vwu_sums['funds_vnd']:,.0f}")
        messy_sums = stored_totals(messy_workspace)
        differ = {c for c, v in vwu_sums.items() if abs(messy_sums.get(c, 0) - v) > 1e-6}
        print(f"National totals, messy set vs plain set: {'equal' if not differ else f'DIFFER in {sorted(differ)}'}")

        if not options.skip_10x:
            large = sets["10x"]
            print(f"  10x national: {len(spreadsheets(large))} files", flush=True)
            ws10 = str(tmp / "ws10")
            steps["ingest10"] = run_vwu(
                "ingest", str(large), "--workspace", ws10, "--quiet", name="vwu ingest, 10x national, empty workspace", scratch=tmp
            )
            steps["aggregate10"] = run_vwu(
                "aggregate", "--year", str(YEAR), "--workspace", ws10, "--quiet", name="vwu aggregate, 10x", scratch=tmp
            )
            # The same set (ten monthly reports per district) rolled up for the first half only
            # (months 1-6): a period aggregate must cost no more than the year's.
            steps["aggregate10_h1"] = run_vwu(
                "aggregate",
                "--year",
                str(YEAR),
                "--period",
                "H1",
                "--workspace",
                ws10,
                "--quiet",
                name="vwu aggregate --period H1, 10x",
                scratch=tmp,
            )

    print_table(steps)
    print(f"\nwhole benchmark run: {time.perf_counter() - started:.0f} s")


def print_table(steps: dict[str, Step]) -> None:
    print(f"\n{'step (each its own process, fresh HOME and TMPDIR)':<56} {'seconds':>9} {'peak MB':>9}")
    for step in steps.values():
        peak = f"{step.peak_mb:,.0f}" if step.peak_mb else ""
        print(f"{step.name:<56} {step.seconds:>9.2f} {peak:>9}")

    def seconds(key: str) -> float | None:
        return steps[key].seconds if key in steps else None

    def ratio(a: str, b: str) -> float | None:
        return steps[a].seconds / steps[b].seconds if a in steps and b in steps else None

    def verdict(value: float | None, limit: float, at_least: bool = False) -> str:
        if value is None:
            return "not run"
        return "met" if (value >= limit if at_least else value <= limit) else "MISSED"

    print("\nThe floor is one process on one core; vwu's ingest may use both cores.")
    print(f"{'ratio / figure':<52} {'plain':>9} {'messy':>9}  target")
    side_by_side = [
        ("vwu ingest / read floor process", "ingest", "floor", 3.0, False),
        ("unchanged re-ingest / first ingest", "reingest", "ingest", 0.10, False),
    ]
    for label, a, b, limit, at_least in side_by_side:
        values = [ratio(f"{a}-{s}", f"{b}-{s}") for s in ("plain", "messy")]
        cells = " ".join(f"{v:>9.2f}" if v is not None else f"{'':>9}" for v in values)
        verdicts = "/".join(verdict(v, limit, at_least) for v in values)
        print(f"{label:<52} {cells}  <= {limit:g}: {verdicts}")
    single = [
        ("naive / vwu ingest", ratio("naive", "ingest-plain"), 8, True),
        ("10x ingest / 1x ingest", ratio("ingest10", "ingest-plain"), 11, False),
        ("aggregate + report seconds, 2023 in the store", _add(seconds("aggregate"), seconds("report")), 5, False),
        ("aggregate 2025 / aggregate 2024", ratio("aggregate2025", "aggregate"), 2, False),
        ("H1 aggregate / year aggregate, 10x", ratio("aggregate10_h1", "aggregate10"), 1, False),
        ("H1 2025 aggregate / year 2024 aggregate", ratio("aggregate2025_h1", "aggregate"), 1, False),
        ("H1 2025 report / year 2024 report", ratio("report2025_h1", "report"), 1, False),
        ("peak MB of aggregate, 10x", steps["aggregate10"].peak_mb if "aggregate10" in steps else None, 500, False),
        ("peak MB of ingest, plain", steps["ingest-plain"].peak_mb, 500, False),
        ("vwu --help seconds", seconds("help"), 0.3, False),
        ("checked copy of 10,000 rows, seconds", seconds("annotate"), 5, False),
        ("checked copy of 10,000 rows, peak MB", steps["annotate"].peak_mb if "annotate" in steps else None, 500, False),
    ]
    for label, value, limit, at_least in single:
        cell = f"{value:>9.2f}" if value is not None else f"{'':>9}"
        print(f"{label:<52} {cell} {'':>9}  {'>=' if at_least else '<='} {limit:g}: {verdict(value, limit, at_least)}")


def _add(a: float | None, b: float | None) -> float | None:
    return a + b if a is not None and b is not None else None


if __name__ == "__main__":
    main()
