"""`vwu schemas`: the catalogue of indicators as tables a person reads (and a script parses)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from vwu_pipeline.core.errors import ConfigError
from vwu_pipeline.core.indicators import Catalog, Indicator, load_catalog
from vwu_pipeline.core.messages import text
from vwu_pipeline.core.text import fold_compact, number


@dataclass
class Section:
    """A titled table: what `vwu schemas` prints for one part of the catalogue."""

    title: str
    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)


def check(directory: Path | None, lang: str = "vi") -> tuple[Catalog, list[Section]]:
    """Load (and so validate) a schema folder; the catalogue's overview and every indicator."""
    catalog = load_catalog(directory)
    w = _Words(lang)
    overview = Section(
        f"{catalog.directory}",
        [w["indicator"], w["sheet"], w["columns"], w["ratio"], w["derived"], w["rule"]],
        [
            [f"{i.name} — {i.title(lang)}", i.sheet_name, str(len(i.columns)), str(len(i.ratios)), str(len(i.derived)), str(len(i.rules))]
            for i in catalog.indicators
        ],
    )
    return catalog, [overview, *(s for i in catalog.indicators for s in describe(i, lang))]


def show(directory: Path | None, name: str, lang: str = "vi") -> list[Section]:
    """One indicator, found by its name, sheet name or alias (folded, as sheets are found)."""
    catalog = load_catalog(directory)
    wanted = fold_compact(name)
    for indicator in catalog.indicators:
        if indicator.matches_sheet(name) or any(fold_compact(c.name) == wanted for c in indicator.columns):
            return describe(indicator, lang)
    names = ", ".join(i.name for i in catalog.indicators)
    raise ConfigError("error.no-indicator", name=name, directory=catalog.directory, names=names)


def describe(indicator: Indicator, lang: str = "vi") -> list[Section]:
    w = _Words(lang)
    title = f"{indicator.name} — {indicator.title(lang)} ({w['sheet']}: {indicator.sheet_name}"
    title += f"; {', '.join(indicator.sheet_aliases)})" if indicator.sheet_aliases else ")"
    columns = Section(title, [w["column"], w["header"], w["aggregation"], w["bounds"], w["form"]])
    for c in indicator.columns:
        bounds = f"{_n(c.min, lang)} … {_n(c.max, lang) if c.max is not None else '∞'}" + (f" {c.unit}" if c.unit else "")
        form = [w["since"].format(year=c.since)] if c.since else []
        form += [w["until"].format(year=c.until)] if c.until else []
        form += [w["optional"]] if c.optional else []
        name = c.name + (f" ({w['headline']})" if c.headline else "")
        columns.rows.append([name, c.header, w[c.aggregation], bounds, ", ".join(form) or "—"])
    out = [columns]
    if indicator.ratios:
        ratios = Section(f"{indicator.name}: {w['ratio']}", [w["ratio"], w["formula"], w["format"], w["threshold"]])
        for r in indicator.ratios:
            kind = w[r.format] + (f" ({r.unit(lang)})" if r.unit(lang) else "")
            threshold = "—" if r.threshold is None else (f"{r.threshold:.0%}" if r.format == "percent" else _n(r.threshold, lang))
            ratios.rows.append([f"{r.name} — {r.label(lang)}", f"{r.numerator} / {r.denominator}", kind, threshold])
        out.append(ratios)
    if indicator.derived:
        derived = Section(f"{indicator.name}: {w['derived']}", [w["derived"], w["formula"]])
        derived.rows += [[f"{d.name} — {d.label(lang)}", " + ".join(d.sum)] for d in indicator.derived]
        out.append(derived)
    if indicator.rules:
        rules = Section(f"{indicator.name}: {w['rule']}", [w["rule"], w["check"], w["severity"]])
        rules.rows += [[r.code, f"{r.left} {r.op} {r.right}", w[r.severity]] for r in indicator.rules]
        out.append(rules)
    return out


def _n(value: float | None, lang: str) -> str:
    return number(value, lang) if value is not None and float(value).is_integer() else str(value)


class _Words:
    """The catalogue's words in one language (core/messages.py, keys `schemas.*`)."""

    def __init__(self, lang: str):
        self.lang = lang

    def __getitem__(self, key: str) -> str:
        return text(f"schemas.{key}", self.lang)
