"""The written summary: GitHub-flavoured Markdown, in Vietnamese unless asked for English.

Numbers are written the way readers write them (19.668.108 in Vietnamese, 19,668,108 in
English). Unit names come from the unit master and other text from submissions, so every
piece of text is escaped: a `|` in a name must not split a table cell.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

from vwu_pipeline.core.indicators import measures
from vwu_pipeline.core.outputs import replacing
from vwu_pipeline.report import presentation as p
from vwu_pipeline.report.narrative import narrative
from vwu_pipeline.report.result import AggregateResult

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


def render_summary(result: AggregateResult, lang: str = "vi", charts: list[tuple[str, str]] = ()) -> str:
    """The Markdown text of a result's summary; `charts` are (file name, title) of the PNG
    charts written beside it, linked after the leading and lagging units."""
    lines = [
        f"# {md(p.heading(result, lang))} — {md(p.scope_name(result, lang))}",
        "",
        md(p.t(lang, "generated", at=p.stamp(result.aggregated_at, lang), tree=p.tree_label(result, lang))),
        "",
    ]
    story = narrative(result, lang)
    if story:
        lines += [md(story).replace("\\*", "\\*"), ""]
    if p.has_partial_marks(result):
        lines += [f"> **{md(p.t(lang, 'partial_note'))}**", ""]
    for section in (_headline, _reform, _targets, _leaders):
        lines += section(result, lang)
    if charts:
        lines += [f"## {p.t(lang, 'charts')}", ""]
        for name, title in charts:
            lines += [f"![{md(title)}]({quote(name)})", ""]
    for section in (_completeness, _warnings):
        lines += section(result, lang)
    return "\n".join(lines).rstrip() + "\n"


def _reform(result: AggregateResult, lang: str) -> list[str]:
    """Across the 2025 reform: each new province and the legacy provinces it was formed from."""
    from vwu_pipeline.report.reform import reform_rows, shows_reform

    if not shows_reform(result):
        return []
    first = next(iter(p.headline(result)), None)
    if first is None:
        return []
    previous = (result.previous_period or result.period.previous()).label(lang)  # "năm 2024", "6 tháng đầu năm 2024"
    label = first.measure.label(lang)
    rows = [
        [
            f"{md(r.name)} ({r.code})",
            ", ".join(f"{md(name)} ({code})" for code, name in r.legacy),
            p.number(r.value, lang) + (STAR if r.partial else "") if r.value is not None else "–",
            p.number(r.previous, lang) + (STAR if r.previous_partial else "") if r.previous is not None else "–",
        ]
        for r in reform_rows(result, first.indicator.name, first.measure.name)
    ]
    header = [
        p.t(lang, "reform_new"),
        p.t(lang, "reform_legacy"),
        md(p.t(lang, "reform_year_value", measure=label, period=result.period.label(lang))),
        md(p.t(lang, "reform_previous_value", measure=label, previous=previous)),
    ]
    intro = p.t(lang, "reform_intro", not_allocated=p.number(result.counts.get("not_allocated_units", 0), lang), previous=previous)
    lines = [f"## {p.t(lang, 'reform_heading')}", "", md(intro), ""]
    if note := _targets_not_carried(result, lang):
        lines += [note, ""]
    return lines + _table(header, rows, right={2, 3})


def _targets_not_carried(result: AggregateResult, lang: str) -> str:
    """The sentence saying which 2025 targets set on legacy provinces were not carried (ratios)."""
    names = result.counts.get("ratio_targets_not_carried")
    if not names:
        return ""
    labels = {m.name: m.label(lang) for i in result.catalog.indicators for m in measures(i)}
    return md(p.t(lang, "reform_targets", ratios=", ".join(labels.get(name, name) for name in names)))


def _headline(result: AggregateResult, lang: str) -> list[str]:
    rows = [
        [
            md(row.indicator.title(lang)),
            md(row.measure.label(lang)),
            p.show(row.measure, row.value, lang) + (STAR if row.partial else ""),
            p.show(row.measure, row.previous, lang) + (STAR if row.previous_partial else ""),
            p.signed(row.change, lang, ratio=row.measure.kind == "ratio", decimal=row.measure.format == "decimal"),
            p.signed_percent(row.change_pct, lang),
            md("; ".join(p.figure_notes(result, row, lang))),
        ]
        for row in p.headline(result)
    ]
    years = [p.period_label(result, lang), p.previous_label(result, lang)]
    header = [p.t(lang, "indicator"), p.t(lang, "measure"), *years, p.t(lang, "change"), p.t(lang, "change_pct"), p.t(lang, "note")]
    return [f"## {p.t(lang, 'headline')}", "", *_table(header, rows, right={2, 3, 4, 5})]


def _targets(result: AggregateResult, lang: str) -> list[str]:
    targets = p.target_rows(result, lang)
    not_carried = _targets_not_carried(result, lang)  # said here too: where a reader looks for the target
    if not targets:
        return [f"## {p.t(lang, 'targets')}", "", not_carried, ""] if not_carried else []
    lines = [f"## {p.t(lang, 'targets')}", ""]
    own = [r for r in targets if r.unit_code == result.root]
    if own:
        header = [p.t(lang, k) for k in ("unit", "measure", "target", "achieved", "achieved_pct", "assessment")]
        rows = [
            [
                md(r.unit_name),
                md(r.measure.label(lang)),
                p.show(r.measure, r.target, lang),
                p.show(r.measure, r.achieved, lang) + (STAR if r.partial else ""),
                p.percent(r.ratio, lang),
                f"**{md(r.assessment(lang))}**" if r.met else md(r.assessment(lang)),
            ]
            for r in own
        ]
        lines += _table(header, rows, right={2, 3, 4})
        lines += [p.target_tally(own, lang) + ".", ""]
        if not result.period.is_year:
            lines += [md(p.t(lang, "progress_note", period=result.period.label(lang))), ""]
    # Targets set per unit below the root (each province...): how many met them, who did not.
    below: dict[str, list[p.TargetRow]] = {}
    for r in targets:
        if r.unit_code != result.root:
            below.setdefault(r.measure.name, []).append(r)
    for group in below.values():
        # Only complete figures below their target are "not met"; units that sent nothing are not.
        missed = [(r.unit_code, r.unit_name) for r in group if r.status == p.NOT_MET]
        text = f"- **{md(group[0].measure.label(lang))}**: {p.target_tally(group, lang)}"
        lines.append(text + (f"; {p.t(lang, 'not_met').lower()}: {_listed(missed, lang)}" if missed else ""))
    lines += [""] if below else []
    return lines + ([not_carried, ""] if not_carried else [])


def _leaders(result: AggregateResult, lang: str) -> list[str]:
    """The root's children ranked on the charted figures and headline ratios."""
    ranked = [m for i in result.catalog.indicators for m in measures(i) if m.chart or (m.kind == "ratio" and m.headline)]
    board = []
    for measure in ranked:
        top, bottom = p.ranking(result, measure)
        if top:
            cells = [
                "; ".join(f"{md(name)} ({p.show(measure, value, lang)}{STAR if part else ''})" for name, value, part in entries) or "–"
                for entries in (top, bottom)
            ]
            board.append([md(measure.label(lang)), *cells])
    if not board:
        return []
    return [f"## {p.t(lang, 'leaders')}", "", *_table([p.t(lang, "measure"), p.t(lang, "leading"), p.t(lang, "lagging")], board)]


def _completeness(result: AggregateResult, lang: str) -> list[str]:
    rows, missing = [], {}
    for indicator in result.catalog.indicators:
        cov = result.coverage(indicator.name)
        rows.append(
            [
                md(indicator.title(lang)),
                p.number(cov["submitted"], lang),
                p.number(cov["expected"], lang),
                p.percent(cov["submitted"] / cov["expected"] if cov["expected"] else None, lang),
                f"{p.number(cov['grassroots_reported'], lang)}/{p.number(cov['grassroots_expected'], lang)}",
            ]
        )
        groups = (tuple(p.missing_by_child(result, indicator.name)), tuple(p.partly_covered(result, indicator.name)))
        if any(groups):  # indicators missing from the same units are listed once
            missing.setdefault(groups, []).append(indicator.title(lang))
    grassroots = f"{p.t(lang, 'grassroots_reported')}/{p.t(lang, 'grassroots_expected').lower()}"
    header = [
        p.t(lang, "indicator"),
        p.count_header(result, lang, "submitted"),
        p.count_header(result, lang, "expected"),
        p.t(lang, "rate"),
        grassroots,
    ]
    lines = [f"## {p.t(lang, 'completeness')}", "", *_table(header, rows, right={1, 2, 3, 4})]
    if not missing:
        return lines
    lines += [f"**{p.t(lang, 'missing_units')}**", ""]
    for (groups, partly), titles in missing.items():
        count = sum(len(units) for _, _, units in groups) + len(partly)
        lines.append(f"- **{md(', '.join(titles))}** ({p.number(count, lang)}):")
        if partly:
            shown = [
                md(p.t(lang, "partly_covered", name=name, code=code, covered=p.number(k, lang), expected=p.number(n, lang)))
                for code, name, k, n in partly
            ]
            more = [p.t(lang, "and_more", n=len(shown) - MAX_LISTED)] if len(shown) > MAX_LISTED else []
            lines.append(f"  - {p.t(lang, 'partly_heading')}: " + ", ".join(shown[:MAX_LISTED] + more))
        # A child that is itself a reporting unit is just listed; a child of which nothing came
        # in is named once with its count; the others list their missing units.
        alone = [unit for _, expected, units in groups if expected == 1 for unit in units]
        whole = [(name, expected) for name, expected, units in groups if expected > 1 and len(units) == expected]
        some = [(name, units) for name, expected, units in groups if expected > 1 and len(units) < expected]
        if alone:
            lines.append(f"  - {_listed(alone, lang)}")
        if whole:
            lines.append(f"  - {p.t(lang, 'all_missing')}: " + ", ".join(f"{md(name)} ({expected})" for name, expected in whole))
        lines += [f"  - {md(name)}: {_listed(list(units), lang, 10)}" for name, units in some[:MAX_LISTED]]
        if len(some) > MAX_LISTED:
            lines.append(f"  - {p.t(lang, 'and_more', n=len(some) - MAX_LISTED)}")
    return lines + [""]


def _warnings(result: AggregateResult, lang: str) -> list[str]:
    lines = [
        f"## {p.t(lang, 'warnings')}",
        "",
        f"- {p.t(lang, 'count_warnings', n=p.number(len(result.warnings), lang))}",
        f"- {p.t(lang, 'count_outliers', n=p.number(len(result.outliers), lang))}",
        "",
    ]
    outliers = p.outlier_rows(result, lang)
    if outliers:
        header = [p.t(lang, k) for k in ("unit", "within", "measure", "value", "remark")]
        rows = [
            [f"{md(o.unit_name)} ({o.unit_code})", md(o.within), md(o.measure.label(lang)), p.show(o.measure, o.value, lang), md(o.message)]
            for o in outliers[:MAX_OUTLIERS]
        ]
        lines += _table(header, rows, right={3})
        if len(outliers) > MAX_OUTLIERS:
            lines += [md(p.t(lang, "and_more_figures", n=p.number(len(outliers) - MAX_OUTLIERS, lang))), ""]
    return lines


def write_summary(result: AggregateResult, path: Path, lang: str = "vi", charts: list[tuple[str, str]] = ()) -> str:
    """Write the Markdown summary (linking the `charts` written beside it) and return its text."""
    text = render_summary(result, lang, charts)
    with replacing(Path(path)) as partial:  # readers never see half a file
        partial.write_text(text, encoding="utf-8")
    return text
