"""Errors are values: every problem found in a submission is a `Problem` record.

Problems of one file are collected into a `FileResult`; the results of a run into a
`IngestReport` (modelled on frictionless-py's Report: `valid`, counts, `to_json()`).
Messages come from the catalogue (messages.py), in Vietnamese by default and English on request.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any, Literal

from vwu_pipeline.core.errors import EXIT_OK, EXIT_REFUSED
from vwu_pipeline.core.messages import MESSAGES, Lang, Said, fill, pick, text
from vwu_pipeline.core.text import number

Severity = Literal["error", "warning"]


def readable(text: str) -> str:
    """A file name as text that can be printed, logged and stored. A zip unpacked from Windows
    leaves names in a legacy code page: Python keeps their bytes as lone surrogates, which no
    terminal, JSON reader or database accepts. Those bytes are shown as U+FFFD."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return os.fsencode(text).decode("utf-8", "replace")
    except AttributeError:  # not a str
        return text


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a submission, pinned to its place in the file. Built once, never
    changed (`dataclasses.replace` makes a changed copy)."""

    code: str
    severity: Severity
    file: str
    sheet: str | None = None
    row: int | None = None  # as Excel numbers it (1-based)
    column: str | None = None  # as the header reads in the file
    value: Any = None
    params: dict[str, Any] = field(default_factory=dict)
    templates: tuple[str, str] | None = None  # set for rules that carry their own message
    # 1-based column number of the cell (A = 1): the header text alone is ambiguous under
    # merged two-row headers, and the annotated copy (ingest/annotate.py) marks this very cell
    column_index: int | None = None

    def __post_init__(self) -> None:  # names and values as they can be printed and stored
        object.__setattr__(self, "file", readable(self.file))
        object.__setattr__(self, "params", {key: _printable(value) for key, value in self.params.items()})

    def message(self, lang: Lang = "vi") -> str:
        template = pick(self.templates or MESSAGES[self.code], lang)
        # a parameter `x_en` is the English text of `x` (an OS reason, words chosen by the caller)
        params = {k: _param(k, self.params.get(f"{k}_en", v) if lang == "en" else v, lang) for k, v in self.params.items()}
        return fill(template, {"value": _show(self.value, lang), **params})

    def where(self, lang: Lang = "vi") -> str:
        """'tệp › trang › dòng 12 › cột "Tổng số hội viên"'."""
        parts = [self.file]
        if self.sheet:
            parts.append(text("where.sheet", lang) + self.sheet)
        if self.row:
            parts.append(text("where.row", lang) + str(self.row))
        if self.column:
            parts.append(text("where.column", lang) + f"“{self.column}”")
        return " › ".join(parts)

    def to_dict(self, lang: Lang = "vi") -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "file": self.file,
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "column_index": self.column_index,
            "value": _jsonable(self.value),
            "message": self.message(lang),
        }


def _printable(value: Any) -> Any:
    if isinstance(value, str):
        return readable(value)
    if isinstance(value, Said):
        return Said(readable(value.vi), readable(value.en))
    return value


_COUNTS = frozenset({"count", "limit", "size", "length"})  # sizes and counts: 1.000.000 dòng, 209.715.200 byte


def _param(key: str, value: Any, lang: Lang) -> Any:
    """Figures (floats) and sizes or counts (ints under _COUNTS) with thousands separators."""
    if isinstance(value, bool):
        return value
    if isinstance(value, Said):  # a reason given in both languages
        return pick(value, lang)
    if isinstance(value, float) or (isinstance(value, int) and key in _COUNTS):
        return _show(float(value), lang)
    return value


def _show(value: Any, lang: Lang = "vi") -> str:
    """A value as the reader writes it: figures (floats) with thousands separators, 19.668.108 in Vietnamese."""
    if isinstance(value, float) and value.is_integer():
        return number(value, lang)
    text = "" if value is None else str(value)
    return text if len(text) <= 80 else text[:77] + "…"


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, bool)):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    return str(value)


FileStatus = Literal["accepted", "replaced", "unchanged", "refused", "checked", "skipped"]
STATUSES: tuple[FileStatus, ...] = ("accepted", "replaced", "unchanged", "refused", "checked", "skipped")


@dataclass(frozen=True)
class FileResult:
    """What became of one submitted file. Built once: a stage that learns more (its period and
    unit, what the store made of it) makes a new one with `dataclasses.replace`; only the list
    of problems grows as they are found (a new result shares it)."""

    path: str
    status: FileStatus = "accepted"
    sha256: str | None = None
    unit_code: str | None = None
    unit_name: str | None = None
    period: str | None = None
    tree: str | None = None  # the unit tree its codes belong to (legacy | 2025)
    indicators: list[str] = field(default_factory=list)
    rows: int = 0
    # indicator sheets without a single figure: not submissions (they replace nothing), said on the file line
    empty_sheets: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    feedback: str | None = None  # the annotated copy handed back (validate --annotate, ingest --feedback)
    refused_before: bool = False  # refused already with these very bytes: nothing new to mail

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", readable(self.path))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def valid(self) -> bool:
        return not self.errors

    def to_dict(self, lang: Lang = "vi") -> dict[str, Any]:
        return {
            "path": self.path,
            "status": self.status,
            "sha256": self.sha256,
            "unit_code": self.unit_code,
            "unit_name": self.unit_name,
            "period": self.period,
            "tree": self.tree,
            "indicators": self.indicators,
            "rows": self.rows,
            "empty_sheets": self.empty_sheets,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "problems": [p.to_dict(lang) for p in self.problems],
            "feedback": self.feedback,
        }


@dataclass
class IngestReport:
    """The outcome of an ingest or validate run over many files."""

    files: list[FileResult] = field(default_factory=list)
    lang: Lang = "vi"

    @property
    def valid(self) -> bool:
        return all(f.status != "refused" for f in self.files)

    @property
    def counts(self) -> dict[str, int]:
        counts = {s: 0 for s in STATUSES}
        for f in self.files:
            counts[f.status] += 1
        counts["files"] = len(self.files)
        counts["rows"] = sum(f.rows for f in self.files if f.status != "refused")
        counts["errors"] = sum(len(f.errors) for f in self.files)
        counts["warnings"] = sum(len(f.warnings) for f in self.files)
        return counts

    @property
    def exit_code(self) -> int:
        return EXIT_OK if self.valid else EXIT_REFUSED

    def to_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "counts": self.counts,
            "files": [f.to_dict(self.lang) for f in self.files],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)
