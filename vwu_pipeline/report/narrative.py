"""The opening paragraph of the summary: what a union leader signs, written from the figures.

Coverage first (who has reported), then the headline figures (those the schemas flag
`headline:`) with their like-for-like change on the previous year, the targets, the leading
and lagging units, and what is still missing. No indicator is named here: everything comes
from the schemas, the aggregation and the message catalogue.
"""

from __future__ import annotations

from vwu_pipeline.core.indicators import measures
from vwu_pipeline.core.messages import pick
from vwu_pipeline.core.text import number
from vwu_pipeline.report import presentation as p
from vwu_pipeline.report.result import AggregateResult

MAX_FIGURES = 4  # headline figures told in words; the table below has them all
MAX_NAMED = 3  # units named in a sentence


def narrative(result: AggregateResult, lang: str = "vi") -> str:
    """A short paragraph in the reader's language."""
    sentences = [_coverage(result, lang), _figures(result, lang), _targets(result, lang), _leaders(result, lang)]
    return " ".join(s for s in sentences if s)


def _reporting(result: AggregateResult) -> tuple[int, int]:
    """(units answered for in at least one indicator, units expected) under the root: reporting
    units, or communes where communes send their own files (2025+)."""
    counts = [result.coverage(i.name) for i in result.catalog.indicators]
    return max((c["submitted"] for c in counts), default=0), max((c["expected"] for c in counts), default=0)


def _coverage(result: AggregateResult, lang: str) -> str:
    submitted, expected = _reporting(result)
    word = p.unit_word(result.tree.counted_level(), expected, lang)
    scope = p.scope_name(result, lang)
    if expected and submitted >= expected:
        return p.t(lang, "story_complete", scope=scope, n=number(expected, lang), units=word)
    missing = expected - submitted
    return p.t(
        lang,
        "story_partial",
        scope=scope,
        submitted=number(submitted, lang),
        expected=number(expected, lang),
        units=word,
        missing=number(missing, lang),
    )


def _figures(result: AggregateResult, lang: str) -> str:
    rows = [r for r in p.headline(result) if r.measure.kind != "count" and r.value is not None][:MAX_FIGURES]
    notes = {p.comparison_note(result, r, lang) for r in rows if r.change is not None and not r.whole}
    shared = notes.pop() if len(notes) == 1 else None  # one comparison for all: said once, at the end
    parts = []
    for row in rows:
        value = p.show(row.measure, row.value, lang) + ("*" if row.partial else "")
        label = row.measure.label(lang)
        text = p.t(lang, "story_figure", label=pick((label[:1].lower() + label[1:], label), lang), value=value)
        if row.change is not None:
            change = p.signed(row.change, lang, ratio=row.measure.kind == "ratio", decimal=row.measure.format == "decimal")
            if row.change_pct is not None:
                change += f", {p.signed_percent(row.change_pct, lang)}"
            text += f" ({change})"
        parts.append(text)
    if not parts:
        return ""
    text = p.t(lang, "story_figures", figures="; ".join(parts))
    if any(r.change is not None for r in rows):
        compared = f", {shared}" if shared else ""
        # the same part of the previous year: "năm 2023", "6 tháng đầu năm 2023"
        text += " " + p.t(lang, "story_compared", previous=result.period.previous().label(lang), compared=compared)
    return text


def _targets(result: AggregateResult, lang: str) -> str:
    own = [r for r in p.target_rows(result, lang) if r.unit_code == result.root]
    if not own:
        return ""
    met = [r.measure.label(lang) for r in own if r.status == p.MET]
    text = p.t(lang, "story_targets", tally=p.target_tally(own, lang))
    if met:
        text += " " + p.t(lang, "story_targets_met", names=", ".join(met[:MAX_NAMED]))
    return text


def _leaders(result: AggregateResult, lang: str) -> str:
    ranked = [m for i in result.catalog.indicators for m in measures(i) if m.chart]
    for measure in ranked:
        top, bottom = p.ranking(result, measure, 1)
        if top and bottom:
            (leader, high, leader_partial), (laggard, low, laggard_partial) = top[0], bottom[0]
            return p.t(
                lang,
                "story_leaders",
                label=pick((measure.label(lang).lower(), measure.label(lang)), lang),
                leader=leader,
                high=p.show(measure, high, lang) + ("*" if leader_partial else ""),
                laggard=laggard,
                low=p.show(measure, low, lang) + ("*" if laggard_partial else ""),
            )
    return ""
