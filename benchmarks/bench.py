"""`make bench`: vwu at national scale, side by side with what a user would otherwise write.

Generates the national 2024 data once (cached under benchmarks/.cache), then in one run
times the naive baseline, the raw read floor, every vwu step (as the command a user
runs, in its own process, with its peak memory) and 10x the national scale, and prints
a table with the ratios and the targets of issue 5. It also checks that vwu's national
totals equal the naive baseline's.
"""

from __future__ import annotations

import argparse
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
    note: str = ""


# Peak memory is read by a small launcher process: a child forked straight from this
# (large) benchmark process would report this process's memory as its own peak.
LAUNCHER = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
print(usage.ru_maxrss, os.waitstatus_to_exitcode(status), file=sys.stderr)
"""


def run_vwu(*args: str, name: str) -> Step:
    """Run one vwu command in its own process; peak memory covers its reader processes too."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", LAUNCHER, VWU, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - started
    *output, last = done.stderr.strip().splitlines() or [""]
    peak_kb, code = (int(x) for x in last.split())
    if code not in (0, 1):
        raise SystemExit(f"{name}: vwu {' '.join(args)} exited {code}:\n" + "\n".join(output))
    return Step(name, seconds, peak_kb / 1024)


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


def spreadsheets(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.xlsx"))


def read_floor(files: list[Path]) -> Step:
    """Every sheet of every file read with python-calamine, and nothing else."""
    from python_calamine import CalamineWorkbook

    started = time.perf_counter()
    for path in files:
        workbook = CalamineWorkbook.from_path(str(path))
        for sheet in workbook.sheet_names:
            workbook.get_sheet_by_name(sheet).to_python()
    return Step("raw read floor (calamine)", time.perf_counter() - started)


def naive(files: list[Path]) -> tuple[Step, dict[str, float]]:
    sys.path.insert(0, str(HERE))
    from naive import naive_totals

    from vwu_pipeline.core.indicators import load_catalog

    started = time.perf_counter()
    totals = naive_totals(files, load_catalog())
    return Step("naive baseline (openpyxl + pandera per sheet)", time.perf_counter() - started), totals


def stored_totals(workspace: Path) -> dict[str, float]:
    db = sqlite3.connect(workspace / "vwu.sqlite")
    rows = db.execute(
        "SELECT f.column, sum(f.value) FROM figures f JOIN submissions s ON s.id = f.submission_id"
        " WHERE s.current = 1 AND s.year = ? GROUP BY f.column",
        (YEAR,),
    ).fetchall()
    return dict(rows)


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


def help_time() -> Step:
    def once() -> float:
        started = time.perf_counter()
        subprocess.run([VWU, "--help"], stdout=subprocess.DEVNULL, check=True)
        return time.perf_counter() - started

    best = min(once() for _ in range(5))
    return Step("vwu --help (best of 5)", best)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skip-10x", action="store_true", help="leave out the 10x national scale")
    parser.add_argument("--skip-naive", action="store_true", help="leave out the naive baseline")
    options = parser.parse_args()
    started = time.perf_counter()

    print("Data (cached in benchmarks/.cache):", flush=True)
    national = dataset(f"national-{YEAR}", "--scale", "national")
    files = spreadsheets(national)
    print(f"  national {YEAR}: {len(files)} files", flush=True)

    steps: dict[str, Step] = {}
    with tempfile.TemporaryDirectory(prefix="vwu-bench-") as tmp:
        tmp = Path(tmp)
        inbox = tmp / "inbox"
        shutil.copytree(national, inbox)  # the 5-files-changed step must not touch the cache
        workspace = tmp / "ws"

        steps["floor"] = read_floor(files)
        if not options.skip_naive:
            steps["naive"], naive_sums = naive(files)
        steps["ingest"] = run_vwu(
            "ingest", str(inbox), "--workspace", str(workspace), "--quiet", name="vwu ingest, national, empty workspace"
        )
        steps["reingest"] = run_vwu(
            "ingest", str(inbox), "--workspace", str(workspace), "--quiet", name="vwu ingest again, nothing changed"
        )
        changed = change_files(inbox, 5, tmp / "changed")
        steps["changed"] = run_vwu(
            "ingest", str(inbox), "--workspace", str(workspace), "--quiet", name=f"vwu ingest again, {len(changed)} files changed"
        )
        steps["aggregate"] = run_vwu(
            "aggregate", "--year", str(YEAR), "--workspace", str(workspace), "--quiet", name="vwu aggregate --year 2024"
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
        )
        steps["help"] = help_time()
        big = big_workbook(tmp / "ca_nuoc_10000.xlsx")
        steps["annotate"] = run_vwu(
            "validate", str(big), "--annotate", str(tmp / "kiem_tra"), "--json", name=f"vwu validate --annotate, {ANNOTATE_ROWS:,} rows"
        )

        # Across the 2025 reform: 2024 national, 2025 first half from the legacy districts, 2025
        # full year from the new provinces, in one store; aggregating 2025 carries the legacy
        # figures onto the new tree and compares with 2024 carried forward (target: <= 2x 2024).
        first_half = dataset("national-2025-H1", "--scale", "national", "--period", "H1", year=2025)
        new_tree = dataset("national-2025", "--scale", "national", year=2025)
        for folder in (first_half, new_tree):
            run_vwu("ingest", str(folder), "--workspace", str(workspace), "--quiet", name="ingest 2025")
        steps["aggregate2025"] = run_vwu(
            "aggregate", "--year", "2025", "--workspace", str(workspace), "--quiet", name="vwu aggregate --year 2025 (across the reform)"
        )
        # The six-month review of the national legacy set (696 districts, the tree they sent it on),
        # aggregated and written as a report: a period costs no more than the year 2024.
        steps["aggregate2025_h1"] = run_vwu(
            "aggregate", "--year", "2025", "--period", "H1", "--workspace", str(workspace), "--quiet", name="vwu aggregate --period 2025-H1"
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
        )

        # Correctness: the same national totals as the naive baseline (before the 5 changes).
        check_ws = tmp / "check"
        run_vwu("ingest", str(national), "--workspace", str(check_ws), "--quiet", name="check")
        vwu_sums = stored_totals(check_ws)
        if not options.skip_naive:
            mismatched = {c: (vwu_sums.get(c), v) for c, v in naive_sums.items() if abs(vwu_sums.get(c, 0) - v) > 1e-6}
            verdict = "equal" if not mismatched else f"DIFFER: {mismatched}"
            print(f"\nNational totals, vwu vs naive baseline: {verdict} ({len(naive_sums)} columns)")
            print(f"  e.g. members_total {vwu_sums['members_total']:,.0f}, funds_vnd {vwu_sums['funds_vnd']:,.0f}")

        if not options.skip_10x:
            large = dataset(f"national-{YEAR}-x10", "--scale", "10")
            large_files = spreadsheets(large)
            print(f"  10x national: {len(large_files)} files", flush=True)
            steps["ingest10"] = run_vwu(
                "ingest", str(large), "--workspace", str(tmp / "ws10"), "--quiet", name="vwu ingest, 10x national, empty workspace"
            )
            steps["aggregate10"] = run_vwu(
                "aggregate", "--year", str(YEAR), "--workspace", str(tmp / "ws10"), "--quiet", name="vwu aggregate, 10x"
            )
            # The same national set (ten monthly reports per district) rolled up for the first
            # half only (months 1-6): a period aggregate must cost no more than the year's.
            steps["aggregate10_h1"] = run_vwu(
                "aggregate",
                "--year",
                str(YEAR),
                "--period",
                "H1",
                "--workspace",
                str(tmp / "ws10"),
                "--quiet",
                name="vwu aggregate --period H1, 10x",
            )

    print_table(steps)
    print(f"\nwhole benchmark run: {time.perf_counter() - started:.0f} s")


def print_table(steps: dict[str, Step]) -> None:
    print(f"\n{'step':<52} {'seconds':>9} {'peak MB':>9}")
    for step in steps.values():
        peak = f"{step.peak_mb:,.0f}" if step.peak_mb else ""
        print(f"{step.name:<52} {step.seconds:>9.2f} {peak:>9}")

    def ratio(a: str, b: str) -> float | None:
        return steps[a].seconds / steps[b].seconds if a in steps and b in steps else None

    checks = [
        ("naive / vwu ingest (target >= 8)", ratio("naive", "ingest"), lambda r: r >= 8),
        ("vwu ingest / read floor (target <= 3)", ratio("ingest", "floor"), lambda r: r <= 3),
        ("unchanged re-ingest / first ingest (target <= 0.10)", ratio("reingest", "ingest"), lambda r: r <= 0.10),
        ("5 changed / first ingest", ratio("changed", "ingest"), lambda r: True),
        ("10x ingest / 1x ingest (target <= 11)", ratio("ingest10", "ingest"), lambda r: r <= 11),
        ("H1 aggregate / year aggregate, 10x (target <= 1)", ratio("aggregate10_h1", "aggregate10"), lambda r: r <= 1),
        ("aggregate 2025 / aggregate 2024 (target <= 2)", ratio("aggregate2025", "aggregate"), lambda r: r <= 2),
        ("H1 2025 aggregate / year 2024 aggregate (target <= 1)", ratio("aggregate2025_h1", "aggregate"), lambda r: r <= 1),
        ("H1 2025 report / year 2024 report (target <= 1)", ratio("report2025_h1", "report"), lambda r: r <= 1),
    ]
    print(f"\n{'ratio':<52} {'value':>9}  target")
    for label, value, met in checks:
        if value is not None:
            print(f"{label:<52} {value:>9.2f}  {'met' if met(value) else 'MISSED'}")
    absolute = [
        ("peak memory of ingest (target <= 500 MB)", steps["ingest"].peak_mb, 500),
        ("vwu --help seconds (target <= 0.3)", steps["help"].seconds, 0.3),
        ("aggregate + report seconds (target <= 5)", steps["aggregate"].seconds + steps["report"].seconds, 5),
        ("checked copy of 10,000 rows, seconds (target <= 5)", steps["annotate"].seconds, 5),
        ("checked copy of 10,000 rows, peak MB (target <= 500)", steps["annotate"].peak_mb, 500),
    ]
    for label, value, limit in absolute:
        print(f"{label:<52} {value:>9.2f}  {'met' if value <= limit else 'MISSED'}")


if __name__ == "__main__":
    main()
