"""The written summary: GitHub-flavoured Markdown, in Vietnamese unless asked for English.

Numbers are written the way readers write them (19.668.108 in Vietnamese, 19,668,108 in
English). Unit names come from the unit master and other text from submissions, so every
piece of text is escaped: a `|` in a name must not split a table cell.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from . import presentation as p
from .aggregate import AggregateResult, measures

MAX_LISTED = 30  # missing units listed per indicator
MAX_OUTLIERS = 20  # outliers shown; the workbook lists them all
_ACTIVE = re.compile(r"([\\`*_\[\]<>|#~&])")
_LINE_START = re.compile(r"^(\d+)([.)])|^([-+=])")
STAR = "\\*"  # marks a total built from partial data


def md(text: object) -> str:
    """Text safe inside a Markdown paragraph, list item or table cell."""
    flat = " ".join(str(text).split())  # a newline would end the table row
    flat = _ACTIVE.sub(r"\\\1", flat)
    # "1. ", "- ", "+ ", "=" at the start of a line would become a list or a heading.
    return _LINE_START.sub(lambda m: f"{m[1]}\\{m[2]}" if m[1] else f"\\{m[3]}", flat)


def _table(header: list[str], rows: list[list[str]], right: set[int] = frozenset()) -> list[str]:
    align = ["--:" if i in right else "---" for i in range(len(header))]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(cells) + " |" for cells in rows]
    return lines + [""]


def _listed(units: list[tuple[str, str]], lang: str, limit: int = MAX_LISTED) -> str:
    shown = [f"{md(name)} ({code})" for code, name in units[:limit]]
    if len(units) > limit:
        shown.append(p.t(lang, "and_more", n=len(units) - limit))
    return ", ".join(shown)


def render_summary(result: AggregateResult, lang: str = "vi") -> str:
    """The Markdown text of a result's summary."""

    def t(key: str, **params: object) -> str:
        return p.t(lang, key, **params)

    partial = p.is_partial(result)
    lines = [
        f"# {md(t('heading', year=result.year))} — {md(p.scope_name(result, lang))}",
        "",
        md(t("generated", at=p.stamp(result.aggregated_at, lang), tree=p.tree_label(result, lang))),
        "",
    ]
    if partial:
        lines += [f"> **{md(t('partial_note'))}**", ""]

    lines += [f"## {t('headline')}", ""]
    previous_year = result.previous_year or result.year - 1
    rows = []
    for row in p.headline(result):
        mark = STAR if row.partial else ""
        ratio = row.measure.kind == "ratio"
        rows.append([
            md(row.indicator.title(lang)),
            md(row.measure.label(lang)),
            p.show(row.measure, row.value, lang) + mark,
            p.show(row.measure, row.previous, lang),
            p.signed(row.change, lang, ratio),
            p.percent(row.change_pct, lang) if row.change_pct is not None else "–",
        ])
    lines += _table(
        [t("indicator"), t("measure"), t("year", year=result.year), t("year", year=previous_year), t("change"), t("change_pct")],
        rows,
        right={2, 3, 4, 5},
    )

    targets = p.target_rows(result, lang)
    if targets:
        lines += [f"## {t('targets')}", ""]
        own = [r for r in targets if r.unit_code == result.root]
        if own:
            met = sum(r.met for r in own)
            lines += _table(
                [t("unit"), t("measure"), t("target"), t("achieved"), t("achieved_pct"), t("assessment")],
                [
                    [
                        md(r.unit_name),
                        md(r.measure.label(lang)),
                        p.show(r.measure, r.target, lang),
                        p.show(r.measure, r.achieved, lang) + (STAR if r.partial else ""),
                        p.percent(r.ratio, lang, 0),
                        f"**{t('met')}**" if r.met else t("not_met"),
                    ]
                    for r in own
                ],
                right={2, 3, 4},
            )
            lines += [t("met_count", met=met, total=len(own)) + ".", ""]
        below: dict[str, list[p.TargetRow]] = {}
        for r in targets:
            if r.unit_code != result.root:
                below.setdefault(r.measure.name, []).append(r)
        for group in below.values():
            missed = [(r.unit_code, r.unit_name) for r in group if not r.met]
            text = f"- **{md(group[0].measure.label(lang))}**: {t('met_count', met=len(group) - len(missed), total=len(group))}"
            if missed:
                text += f"; {t('not_met').lower()}: {_listed(missed, lang)}"
            lines.append(text)
        if below:
            lines.append("")

    ranked = [m for i in result.catalog.indicators for m in measures(i) if m.chart or (m.kind == "ratio" and m.headline)]
    board = []
    for measure in ranked:
        top, bottom = p.ranking(result, measure)

        def cell(entries: list[tuple[str, float, bool]]) -> str:
            shown = [f"{md(name)} ({p.show(measure, value, lang)}{STAR if part else ''})" for name, value, part in entries]
            return "; ".join(shown) or "–"

        if top:
            board.append([md(measure.label(lang)), cell(top), cell(bottom)])
    if board:
        lines += [f"## {t('leaders')}", ""]
        lines += _table([t("measure"), t("leading"), t("lagging")], board)

    lines += [f"## {t('completeness')}", ""]
    cover_rows, missing_lines = [], []
    for indicator in result.catalog.indicators:
        cov = result.coverage(indicator.name)
        rate = cov["submitted"] / cov["expected"] if cov["expected"] else None
        cover_rows.append([
            md(indicator.title(lang)),
            p.number(cov["submitted"], lang),
            p.number(cov["expected"], lang),
            p.percent(rate, lang),
            f"{p.number(cov['grassroots_reported'], lang)}/{p.number(cov['grassroots_expected'], lang)}",
        ])
        groups = tuple(p.missing_by_child(result, indicator.name))
        if groups:
            missing_lines.append((indicator.title(lang), groups))
    lines += _table(
        [t("indicator"), t("submitted"), t("expected"), t("rate"), f"{t('grassroots_reported')}/{t('grassroots_expected').lower()}"],
        cover_rows,
        right={1, 2, 3, 4},
    )
    if missing_lines:
        lines += [f"**{t('missing_units')}**", ""]
        # Indicators missing from the same units are listed once.
        merged: dict[tuple, list[str]] = {}
        for title, groups in missing_lines:
            merged.setdefault(groups, []).append(title)
        for groups, titles in merged.items():
            count = sum(len(units) for _, _, units in groups)
            lines.append(f"- **{md(', '.join(titles))}** ({p.number(count, lang)}):")
            # Units of which nothing came in are named once; the others list who is missing.
            whole = [(name, expected) for name, expected, units in groups if len(units) == expected and expected > 1]
            if whole:
                shown = ", ".join(f"{md(name)} ({expected})" for name, expected in whole)
                lines.append(f"  - {t('all_missing')}: {shown}")
            some = [(name, units) for name, expected, units in groups if not (len(units) == expected and expected > 1)]
            for name, units in some[:MAX_LISTED]:
                lines.append(f"  - {md(name)}: {_listed(list(units), lang, 10)}")
            if len(some) > MAX_LISTED:
                lines.append(f"  - {t('and_more', n=len(some) - MAX_LISTED)}")
        lines.append("")

    lines += [f"## {t('warnings')}", ""]
    lines += [f"- {t('count_warnings', n=p.number(len(result.warnings), lang))}", f"- {t('count_outliers', n=p.number(len(result.outliers), lang))}", ""]
    outliers = p.outlier_rows(result, lang)
    if outliers:
        lines += _table(
            [t("unit"), t("within"), t("measure"), t("value"), t("remark")],
            [
                [f"{md(o.unit_name)} ({o.unit_code})", md(o.within), md(o.measure.label(lang)), p.show(o.measure, o.value, lang), md(o.message)]
                for o in outliers[:MAX_OUTLIERS]
            ],
            right={3},
        )
        if len(outliers) > MAX_OUTLIERS:
            lines += [md(t("and_more", n=len(outliers) - MAX_OUTLIERS)), ""]
    return "\n".join(lines).rstrip() + "\n"


def write_summary(result: AggregateResult, path: Path, lang: str = "vi") -> str:
    """Write the Markdown summary and return its text."""
    text = render_summary(result, lang)
    path = Path(path)
    partial = path.with_name(path.name + ".part")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)  # readers never see half a file
    return text
