"""Synthetic national data: one filled workbook per reporting unit of the real unit tree.

Figures are plausible against the published national figures (DOMAIN.md): about 1,960
members per commune (19.7M nationally), women aged 18+ above members, poverty higher in
the northern mountains and the Central Highlands and lower in urban wards, a few new
cooperatives and policy dialogues in the whole country. Every figure is drawn from a
random generator seeded with the seed, the unit and (for flows) the period, so the output
does not depend on the order or the process the workbooks are written in.

Workbooks are written through the template code (`template.WorkbookJob`): same title
block, header, numbering and totals row as the forms offices fill in. `messy` varies the
layout the way real offices do (merged two-row headers, no numbering row, headers without
diacritics or decomposed, other totals labels or none, numbers typed as text "1.234").
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass
from pathlib import Path

from vwu_pipeline.core.errors import ConfigError
from vwu_pipeline.core.indicators import Indicator, load_catalog
from vwu_pipeline.core.lookup import form_tree, reporting_units
from vwu_pipeline.core.periods import Period
from vwu_pipeline.core.units import Unit, UnitTree, typed_code
from vwu_pipeline.forms.layout import OFFICIAL, Shape
from vwu_pipeline.forms.template import (
    WorkbookJob,
    workbook_path,
    write_workbooks,
)

MAX_SCALE = 120  # ten years of monthly reports
LEGACY_COMMUNES = 10_035  # the figures below are per commune of the legacy tree

# Northern mountain and Central Highlands provinces (legacy codes): poverty is about three times
# the national rate there. The 2025 provinces keep the code of one of their predecessors.
HIGH_POVERTY = frozenset("02 04 06 08 10 11 12 14 15 17 20 62 64 66 67".split())


@dataclass(frozen=True)
class DemoData:
    files: list[Path]
    rows: int  # unit rows per indicator sheet, over all files
    indicators: int
    seconds: float


def parse_scale(text: str | int) -> int:
    """ "national" (one report per unit) or a number N (N monthly reports per unit)."""
    value = str(text).strip().lower()
    if value in ("national", "1"):
        return 1
    if value.isdigit() and 1 <= int(value) <= MAX_SCALE:
        return int(value)
    raise ConfigError("error.scale", scale=text, most=MAX_SCALE)


def demo_periods(year: int, scale: int) -> list[Period]:
    """Scale 1: the year's report. Scale N: N monthly reports, the months of the year, then of
    the nearest years of the same unit tree. Months never overlap, so flows still add up to
    about a year's worth and every file is a distinct submission (no replacement, no dedup)."""
    if scale == 1:
        return [Period(str(year))]
    tree = UnitTree.for_year(year).tree
    years = []
    for candidate in sorted(range(year - 10, year + 11), key=lambda y: (abs(y - year), -y)):
        try:
            if UnitTree.for_year(candidate).tree == tree:
                years.append(candidate)
        except ConfigError:
            continue  # no tree that year
    months = [Period(f"{y}-M{m:02d}") for y in years for m in range(1, 13)]
    if scale > len(months):
        raise ConfigError("error.scale-months", scale=scale, year=year, months=len(months))
    return months[:scale]


def generate(
    out_dir: Path,
    year: int = 2024,
    scale: int | str = 1,
    unit: str | None = None,
    level: str | None = None,
    seed: int = 1,
    messy: bool = False,
    workers: int | None = None,
    schemas: Path | None = None,
    period: str | None = None,
) -> DemoData:
    """Write one filled workbook per reporting unit (under `unit`) and period into `out_dir`.

    Scale 1: out/<province>/<unit>_<year>.xlsx. Scale N: out/<period>/<province>/... .
    """
    started = time.perf_counter()
    scale = parse_scale(scale)
    # One period (2025-H1: the legacy tree, from its districts), else the year or its months.
    chosen = Period.parse(year, period) if period else None
    tree = form_tree(chosen.code, level, typed_code(unit)) if chosen else UnitTree.for_year(year)
    catalog = load_catalog(schemas)
    units = reporting_units(tree, unit, level)
    periods = [chosen] if chosen and scale == 1 else demo_periods(year, scale)
    out_dir = Path(out_dir)
    # A 2025 commune merged about three legacy ones: its figures are about three times larger.
    size = LEGACY_COMMUNES / max(1, len(tree.units("commune")))
    jobs = []
    for period in periods:
        base = out_dir if scale == 1 else out_dir / period.code
        for u in units:
            shape, text_numbers = messy_shape(seed, period.code, u.code) if messy else (OFFICIAL, False)
            figures = DemoFigures(seed, period.code, text_numbers, size)
            jobs.append(WorkbookJob(workbook_path(base, u, tree, period), u.code, period.code, figures, shape, schemas, tree.tree))
    files = write_workbooks(jobs, workers)
    rows = sum(len(tree.leaves(u.code)) for u in units) * len(periods)
    return DemoData(files, rows, len(catalog.indicators), time.perf_counter() - started)


def messy_shape(seed: int, period: str, unit: str) -> tuple[Shape, bool]:
    """A layout as one office makes it, and whether it types numbers as text."""
    rng = random.Random(f"{seed}:shape:{period}:{unit}")
    shape = Shape(
        two_row_header=rng.random() < 0.3,
        numbering=rng.random() < 0.6,
        headers=rng.choices(("official", "plain", "nfd"), weights=(6, 3, 1))[0],
        totals_label=rng.choice(("Tổng cộng", "Tổng cộng", "Cộng", "Tổng", "TỔNG CỘNG", None)),
    )
    return shape, rng.random() < 0.4


@dataclass(frozen=True)
class DemoFigures:
    """The `figures` callback of the template writer (a dataclass, so it travels to workers)."""

    seed: int
    period: str
    text_numbers: bool = False
    size: float = 1.0  # population relative to a legacy commune

    def __call__(self, reporting: Unit, row: Unit, indicator: Indicator) -> list[object]:
        period = Period(self.period)
        known = unit_figures(row, self.seed, period, self.size)
        values: dict[str, float] = {}
        for column in indicator.columns:
            if column.name in known:
                values[column.name] = known[column.name]
            else:  # an indicator added after this generator: counts that grow with the unit's size
                # (and, for a flow, with the share of the year), within the column's bounds
                rng = random.Random(f"{self.seed}:{self.period}:{row.code}:{column.name}")
                mean = 20.0 * self.size * (period.fraction if column.aggregation == "flow" else 1.0)
                values[column.name] = _bounded(_poisson(rng, mean), column)
        respect_rules(values, indicator)
        if not self.text_numbers:
            return [values[c.name] for c in indicator.columns]
        rng = random.Random(f"{self.seed}:{self.period}:{row.code}:text")
        return [_as_text(values[c.name], rng) for c in indicator.columns]


def unit_figures(unit: Unit, seed: int, period: Period, size: float = 1.0) -> dict[str, int]:
    """One commune's figures for a period, for a commune `size` times as populous as a legacy one.

    Stocks come from a generator seeded by the unit alone, then drift by year (members grow
    about 1.3% a year, poverty falls), so a unit's months and years tell one consistent story;
    flows are drawn per period and scale with the share of the year it covers.
    """
    base = random.Random(f"{seed}:{unit.code}")
    rng = random.Random(f"{seed}:{period.code}:{unit.code}")
    years = period.year - 2023  # the seeds' figures are those of November 2023
    members = round(base.lognormvariate(math.log(1850 * size), 0.35) * 1.0126**years)  # ≈ 19.7M nationally
    women = math.ceil(members / base.uniform(0.45, 0.95))
    poverty = size * (3.0 if unit.province in HIGH_POVERTY else 1.0) * (0.2 if unit.name.startswith("Phường") else 1.0)
    poor = round(_poisson(base, 18 * poverty) * 0.85**years)
    near_poor = round(_poisson(base, 22 * poverty) * 0.9**years)
    sponsored = _poisson(base, 2.75 * size)  # 27,670 nationally
    honorary = _poisson(base, 2.0 * size)  # 20,500 nationally
    fraction = period.fraction
    events = fraction * size  # expected counts of events scale with the period and the population
    return {
        "members_total": members,
        "members_new": round(members * rng.uniform(0.006, 0.03) * fraction),
        "women_18_plus": women,
        "honorary_members": honorary,
        "poor_households_start": poor,
        "near_poor_households_start": near_poor,
        "lifted_from_poverty": round(poor * rng.uniform(0.08, 0.22) * fraction),  # ≈ 68,786 with the next
        "lifted_from_near_poverty": round(near_poor * rng.uniform(0.08, 0.2) * fraction),
        "new_cooperatives": _poisson(rng, 0.021 * events),  # 209 nationally
        "orphans_new": min(sponsored, _poisson(rng, 0.9 * events)),
        "orphans_sponsored": sponsored,
        "funds_vnd": round(sponsored * rng.randint(20, 80) * fraction) * 100_000,  # ≈ 150 billion đồng
        "policies_monitored_lead": _poisson(rng, 0.3 * events),
        "policies_monitored_joint": _poisson(rng, 1.0 * events),  # 10,128 nationally
        "drafts_reviewed": _poisson(rng, 0.8 * events),
        "policy_dialogues": _poisson(rng, 0.037 * events),  # 376 nationally
    }


def _poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    if mean > 30:  # normal approximation; Knuth's product underflows for large means
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def _bounded(value: float, column) -> float:
    low = column.min if column.min is not None else 0
    return min(max(value, low), column.max) if column.max is not None else max(value, low)


def respect_rules(values: dict[str, float], indicator: Indicator) -> None:
    """Move figures until every rule of the schema holds, warnings too (a demo that broke its
    own warning rules would bury real warnings). A rule's side may be a column, a derived
    sum or a number: a column is set to the other side; a derived sum is scaled (or its first
    part raised). A few passes settle rules that share a figure."""
    columns = {c.name: c for c in indicator.columns}

    def side(name: str) -> float:
        if name[:1].isdigit():
            return float(name)
        derived = indicator.derived_figure(name)
        return float(sum(values[part] for part in derived.sum)) if derived else float(values[name])

    def put(name: str, wanted: float) -> None:
        derived = indicator.derived_figure(name)
        if derived is None:
            values[name] = _bounded(math.floor(wanted) if wanted >= 0 else 0, columns[name])
            return
        total = side(name)
        if total > wanted:  # shrink every part alike
            share = max(wanted, 0) / total if total else 0
            for part in derived.sum:
                values[part] = _bounded(math.floor(values[part] * share), columns[part])
        else:
            first = derived.sum[0]
            values[first] = _bounded(values[first] + math.ceil(wanted - total), columns[first])

    for _ in range(6):
        broken = False
        for rule in indicator.rules:
            left, right = side(rule.left), side(rule.right)
            if rule.holds(left, right):
                continue
            broken = True
            # Move the left side when it is a figure, else the right one (`1000 >= b`).
            target, other, op = (rule.left, right, rule.op) if not rule.left[:1].isdigit() else (rule.right, left, _FLIP[rule.op])
            put(target, {"<=": other, "==": other, ">=": other, "<": other - 1, ">": other + 1}[op])
        if not broken:
            return


_FLIP = {"<=": ">=", ">=": "<=", "<": ">", ">": "<", "==": "=="}


def _as_text(value: float, rng: random.Random) -> object:
    """Numbers the way an office types them into text cells: "1.234", "1 234", "-" for nothing."""
    if value == 0:
        return "-" if rng.random() < 0.5 else 0
    if value >= 1000:
        grouped = f"{int(value):,}"
        return grouped.replace(",", "." if rng.random() < 0.7 else " ")
    return str(int(value)) if rng.random() < 0.5 else value
