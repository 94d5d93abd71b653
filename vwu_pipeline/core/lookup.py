"""Finding units across the 2025 reform: by name in either tree (`vwu units`), and what a code
of one tree became in the other (the answer to `--unit 45 --year 2025`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from vwu_pipeline.core.crosswalk import load_crosswalk
from vwu_pipeline.core.errors import ConfigError
from vwu_pipeline.core.messages import said
from vwu_pipeline.core.per_object import made_once
from vwu_pipeline.core.periods import Period, covering, period_days, period_months
from vwu_pipeline.core.text import fold
from vwu_pipeline.core.units import LEVELS, Unit, UnitTree

LEGACY_LAST_DAY = date(2025, 6, 30)
NEW_FIRST_DAY = date(2025, 7, 1)


@dataclass(frozen=True)
class Related:
    """A unit on the other side of the reform, with the official note of the piece."""

    code: str
    name: str
    note: str = ""  # whole | partial | … ("" for provinces and districts)


@dataclass
class Found:
    """One unit matching a query, in one tree, with its path and its other-tree relatives."""

    tree: str  # legacy | 2025
    unit: Unit
    path: list[Unit]
    successors: list[Related] = field(default_factory=list)  # legacy unit -> new units
    predecessors: list[Related] = field(default_factory=list)  # new unit -> legacy units

    def to_dict(self) -> dict:
        return {
            "tree": self.tree,
            "code": self.unit.code,
            "name": self.unit.name,
            "level": self.unit.level,
            "path": [{"code": u.code, "name": u.name} for u in self.path],
            "successors": [r.__dict__ for r in self.successors],
            "predecessors": [r.__dict__ for r in self.predecessors],
        }


def trees_of_year(year: int | None) -> list[UnitTree]:
    """The trees a year can use: both for 2025 (the reform year), one otherwise, both for None."""
    legacy, new = UnitTree.for_date(LEGACY_LAST_DAY), UnitTree.for_date(NEW_FIRST_DAY)
    if year is None:
        return [legacy, new]
    return UnitTree.during(date(year, 1, 1), date(year, 11, 30))


def find_units(query: str, year: int | None = None) -> list[Found]:
    """Units whose code is `query`, or whose name matches it (case, accents, spacing and the type
    word ignored; else every name containing it), in the trees of `year`."""
    query = query.strip()
    found: list[Found] = []
    for tree in trees_of_year(year):
        if query.isdigit():
            units = [tree.get(query)] if query in tree else []
        else:
            units = tree.find_by_name(query)
            if not units:
                wanted = fold(query).replace(" ", "")
                units = [u for u in tree.units() if wanted and wanted in fold(u.name).replace(" ", "")]
        found += [describe(tree, u) for u in units]
    return found


def describe(tree: UnitTree, unit: Unit) -> Found:
    """A unit with its path and, across the reform, its successors or predecessors."""
    crosswalk = load_crosswalk()
    found = Found(tree.tree, unit, tree.path(unit.code))
    new_tree = UnitTree.for_date(NEW_FIRST_DAY)
    legacy_tree = UnitTree.for_date(LEGACY_LAST_DAY)
    if tree.tree == legacy_tree.tree:
        if unit.level == "province":
            code = crosswalk.new_province(unit.code)
            found.successors = [Related(code, new_tree.get(code).name)] if code and code in new_tree else []
        else:
            leaves = [unit] if unit.code not in {u.parent for u in tree.units()} else tree.leaves(unit.code)
            seen: dict[str, Related] = {}
            for leaf in leaves:
                for piece in crosswalk.successors(leaf.code):
                    note = piece.note if unit.level == "commune" else ""
                    seen.setdefault(piece.new_code, Related(piece.new_code, piece.new_name, note))
            found.successors = sorted(seen.values(), key=lambda r: r.code)
    else:
        if unit.level == "province":
            found.predecessors = [Related(c, legacy_tree.get(c).name) for c in crosswalk.legacy_provinces(unit.code)]
        else:
            found.predecessors = [Related(p.legacy_code, p.legacy_name, p.note) for p in crosswalk.predecessors(unit.code)]
    return found


def not_in_tree(code: str, tree: UnitTree, year: int | None = None) -> ConfigError:
    """The error for a --unit code missing from the tree in use, saying what the code was or
    became on the other side of the reform when it is a unit there."""
    other = [t for t in trees_of_year(None) if t.tree != tree.tree and code in t]
    when = str(year) if year else tree.tree
    if not other:
        return ConfigError("error.unit-unknown", code=code, year=when)
    found = describe(other[0], other[0].get(code))
    unit = found.unit
    if found.successors:  # a legacy code, asked of the 2025 tree
        targets = ", ".join(f"{r.name} ({r.code})" for r in found.successors[:6])
        if len(found.successors) > 6:
            targets += ", …"
        key = "error.unit-became" if unit.level != "district" else "error.district-abolished"
        province = found.successors[0].code if unit.level == "province" else _new_province(found)
        new_tree = UnitTree.for_date(NEW_FIRST_DAY)
        province_name = new_tree.get(province).name if province in new_tree else ""
        return ConfigError(
            key,
            "error.unit-became-hint",
            name=unit.name,
            code=unit.code,
            targets=targets,
            province=province,
            province_name=province_name,
            new_code=province or found.successors[0].code,
            year=year or 2025,
        )
    before = ", ".join(f"{r.name} ({r.code})" for r in found.predecessors[:6]) or "–"
    return ConfigError("error.unit-new", "error.unit-unknown-hint", name=unit.name, code=unit.code, before=before, year=when)


def _new_province(found: Found) -> str:
    new_tree = UnitTree.for_date(NEW_FIRST_DAY)
    codes = {new_tree.get(r.code).province for r in found.successors if r.code in new_tree}
    return next(iter(codes)) if len(codes) == 1 else ""


def form_tree(period: str, level: str | None = None, unit: str | None = None) -> UnitTree:
    """The tree a form for `period` is made on: the period's own tree (2025-H1: the legacy
    districts), or the next one when the level asked is only reported there (`--level province`
    for a first-half 2025 review compiled by the new province in July), or when the unit is a
    unit of the next tree only."""
    own, *others = UnitTree.candidates(period)
    first, last = period_days(period)
    during = UnitTree.during(first, last)
    # only a tree that began after the period: an older tree is never the one compiling it
    trees = [own, *(t for t in others if t not in during)]
    if level is not None:
        return next((t for t in trees if level in t.report_levels()), trees[0])
    if unit is not None and unit not in trees[0]:
        return next((t for t in trees if unit in t), trees[0])
    return trees[0]


def reporting_units(tree: UnitTree, unit: str | None = None, level: str | None = None, year: int | None = None) -> list[Unit]:
    """The units that send (and get a form for) a submission: every unit of `level` at or
    under `unit` (the whole country for None)."""
    level = level or tree.reporting_level()
    allowed = tree.report_levels()
    if level not in allowed:
        raise ConfigError("error.level-not-reported", tree=tree.tree, level=level, levels=", ".join(allowed))
    if unit is None:
        return tree.units(level)
    scope = tree.get(unit)
    if scope is None:
        from vwu_pipeline.core.lookup import not_in_tree  # lookup builds on this module

        raise not_in_tree(unit, tree, year)
    if LEVELS.index(scope.level) > LEVELS.index(level):
        owner = next(u for u in tree.path(scope.code) if u.level == level)
        raise ConfigError(
            "error.below-reporting-level",
            name=scope.name,
            code=scope.code,
            unit_level=said(f"level.{scope.level}"),
            level=level,
            level_name=said(f"level.{level}"),
            owner=owner.name,
            owner_code=owner.code,
        )
    if scope.level == level:
        return [scope]
    return [u for u in tree.descendants(scope.code) if u.level == level]


# --- who has submitted, across the reform ------------------------------------------------------


def reporter_in(tree: UnitTree, *, or_itself: bool = True) -> Callable[[str], str | None]:
    """The reporting unit of `tree` at or above a unit (a commune's own file counts for its
    district, or on the 2025 tree its province). A code with none (no unit of the tree, or a
    unit above the reporting level) stays itself with `or_itself` (figures across the reform
    keep such codes), else is None (status counts only the reporting units of the tree)."""
    level = tree.reporting_level()
    found: dict[str, str | None] = {}

    def reporter(code: str) -> str | None:
        if code not in found:
            above = next((u.code for u in tree.path(code) if u.level == level), None) if code in tree else None
            found[code] = code if above is None and or_itself else above
        return found[code]

    return reporter


def legacy_reporters(legacy: UnitTree, new: UnitTree) -> dict[str, set[str]]:
    """new province -> the legacy reporting units (districts) of the provinces it was formed
    from: provinces merged whole, so all of them together are exactly the new province."""
    crosswalk = load_crosswalk()
    out: dict[str, set[str]] = {}
    for unit in legacy.units(legacy.reporting_level()):
        province = crosswalk.new_province(unit.province)
        if province is not None and province in new:
            out.setdefault(province, set()).add(unit.code)
    return out


def legacy_reporters_of_communes(legacy: UnitTree, new: UnitTree) -> dict[str, frozenset[str]]:
    """new commune -> the legacy reporting units (districts, or an island district itself) of
    every legacy commune it took ground from, whole or in part. A new commune is answered for by
    legacy files only when all of these have sent: a piece of a split commune counts too, though
    its figures may go to another commune or to the province only (its ground is still there)."""
    crosswalk = load_crosswalk()
    # per crosswalk object (made_once keeps it beside its answers: an id() alone could be another
    # conversion file's once the first is gone), then per pair of trees
    by_trees = made_once(_COMMUNE_REPORTERS, crosswalk, lambda _: {}, kept=4)
    key = (legacy.tree, new.tree)
    if key not in by_trees:
        reporter = reporter_in(legacy)
        by_trees[key] = {
            commune.code: frozenset(reporter(p.legacy_code) for p in crosswalk.predecessors(commune.code)) for commune in new.leaves()
        }
    return by_trees[key]


_COMMUNE_REPORTERS: dict[int, tuple] = {}


def _months_by(periods: Iterable[tuple[str, str, str]], reporter: Callable[[str], str]) -> dict[tuple[str, str], set[int]]:
    months: dict[tuple[str, str], set[int]] = {}
    for indicator, unit, code in periods:
        start, end = period_months(code)
        months.setdefault((indicator, reporter(unit)), set()).update(range(start, end + 1))
    return months


def submitted_on_new_tree(
    new_periods: Iterable[tuple[str, str, str]],
    legacy_periods: Iterable[tuple[str, str, str]],
    period: Period,
    legacy: UnitTree,
    new: UnitTree,
) -> list[tuple[str, str]]:
    """(indicator, unit of the new tree) that have submitted for `period`, counted on the tree of
    each file: the new tree's own submissions as usual; a new province when every legacy
    district of the provinces it was formed from has (for a part of the year, their months
    together with the province's own cover it; for the year, each sent something); otherwise
    each new commune whose legacy districts have all sent (its months, likewise, with the
    province's own): one district's first half answers for the new communes its communes went
    to, never for its whole new province."""
    new_reporter, legacy_reporter = reporter_in(new), reporter_in(legacy)
    districts_of = legacy_reporters(legacy, new)
    new_inside = [(i, u, p) for i, u, p in new_periods if period.contains(p)]
    legacy_inside = [(i, u, p) for i, u, p in legacy_periods if period.contains(p)]
    done = set(covering(new_inside, period, new_reporter))
    if not legacy_inside:
        return sorted(done)
    everything = set(range(1, 13))
    if period.is_year:  # any file of the year counts for the year: every month, as it were
        months = {(i, legacy_reporter(u)): everything for i, u, _ in legacy_inside}
        own = {(i, new_reporter(u)): everything for i, u, _ in new_inside}
        needed = everything
    else:
        months = _months_by(legacy_inside, legacy_reporter)
        own = _months_by(new_inside, new_reporter)
        first, last = period.months
        needed = set(range(first, last + 1))
    communes = legacy_reporters_of_communes(legacy, new)
    nothing: set[int] = set()
    for indicator in {i for i, _, _ in legacy_inside}:
        for province, districts in districts_of.items():
            if (indicator, province) in done:
                continue
            province_months = own.get((indicator, province), nothing)
            common = set.intersection(*(months.get((indicator, d), nothing) for d in districts))
            if needed <= common | province_months:
                done.add((indicator, province))
                continue
            if not any((indicator, d) in months for d in districts):
                continue
            for commune in new.leaves(province):
                sources = communes.get(commune.code)
                if not sources:
                    continue
                got = set.intersection(*(months.get((indicator, d), nothing) for d in sources))
                if needed <= got | province_months:
                    done.add((indicator, commune.code))
    return sorted(done)


def submitted_on_legacy_tree(
    legacy_periods: Iterable[tuple[str, str, str]],
    new_periods: Iterable[tuple[str, str, str]],
    period: Period,
    legacy: UnitTree,
    new: UnitTree,
) -> tuple[list[tuple[str, str]], set[tuple[str, str]]]:
    """(indicator, legacy district) that have submitted for a period of the legacy tree (the
    first half of 2025): their own files, and every district of a new province that compiled the
    period, or the months of it its districts lack, itself on the new tree in July (provinces
    merged whole, so its file covers them all: Q1 from the district and Q2 from the new province
    make the district's first half). Also returns the pairs that only the new province's files
    cover."""
    legacy_inside = [s for s in legacy_periods if period.contains(s[2])]
    new_inside = [s for s in new_periods if period.contains(s[2])]
    done = set(covering(legacy_inside, period, reporter_in(legacy)))
    if not new_inside:
        return sorted(done), set()
    districts_of = legacy_reporters(legacy, new)
    if period.is_year:
        province_months = {(i, p): set(range(1, 13)) for i, p in covering(new_inside, period, reporter_in(new))}
        needed: set[int] = set(range(1, 13))
        months: dict[tuple[str, str], set[int]] = {}
    else:
        province_months = _months_by(new_inside, reporter_in(new))
        months = _months_by(legacy_inside, reporter_in(legacy))
        first, last = period.months
        needed = set(range(first, last + 1))
    by_province = {
        (i, d) for (i, p), got in province_months.items() for d in districts_of.get(p, ()) if needed <= got | months.get((i, d), set())
    }
    return sorted(done | by_province), by_province - done


def submitted_on(tree: UnitTree, by_tree: dict[str, list[tuple[str, str, str]]], period: Period) -> list[tuple[str, str]]:
    """(indicator, reporting unit of `tree`) submitted for `period`, from a year's current
    submissions grouped by the tree of their files (`by_tree`: tree name -> (indicator, unit,
    period)), each counted on its own tree and carried across the reform whole-province-wise."""
    own = by_tree.get(tree.tree, [])
    if not any(subs for name, subs in by_tree.items() if name != tree.tree):
        # Every file on the period's own tree (every year but 2025): the other tree is not
        # needed, nor built (its 3,355 units cost a tenth of a second).
        return covering([s for s in own if period.contains(s[2])], period, reporter_in(tree))
    legacy, new = UnitTree.for_date(LEGACY_LAST_DAY), UnitTree.for_date(NEW_FIRST_DAY)
    if tree.tree == legacy.tree and by_tree.get(new.tree):
        return submitted_on_legacy_tree(own, by_tree[new.tree], period, legacy, new)[0]
    if tree.tree == new.tree and by_tree.get(legacy.tree):
        return submitted_on_new_tree(own, by_tree[legacy.tree], period, legacy, new)
    return covering([s for s in own if period.contains(s[2])], period, reporter_in(tree))
