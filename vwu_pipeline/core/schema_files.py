"""The strict model of the schema files (`schemas/*.yaml`, `_common.yaml`), and its errors.

A schema file drives every stage, so a mistake in one must stop the run with a message
that says where and how to fix it, never pass silently: unknown keys are refused (with
the likely key suggested: "aggregaton → aggregation?"), numbers must be numbers, words
must be among the allowed ones, and names must refer to real columns. pydantic checks
each file's shape; `check_catalogue` then checks what spans files (uniqueness after
folding case, accents and spaces, as sheets are found). Each issue names its file and
line (from the YAML parser's marks, followed along the issue's key path).
"""

from __future__ import annotations

import difflib
import re
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from vwu_pipeline.core.errors import ConfigError
from vwu_pipeline.core.messages import Said, said
from vwu_pipeline.core.messages import text as catalogue_text
from vwu_pipeline.core.text import fold_compact

AGGREGATIONS = ("flow", "stock", "opening")
RATIO_FORMATS = ("percent", "decimal")
SEVERITIES = ("error", "warning")
SHEET_TITLE_MAX = 31  # Excel's limit on a sheet's name
_SHEET_FORBIDDEN = set("[]:*?/\\")
NAME_PATTERN = r"^[a-z][a-z0-9_]*$"
CODE_PATTERN = r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$"
_OPERAND = r"([a-z_][a-z0-9_]*|[0-9]+(?:\.[0-9]+)?)"
RULE_PATTERN = re.compile(rf"^\s*{_OPERAND}\s*(<=|>=|<|>|==)\s*{_OPERAND}\s*$")

Name = Annotated[str, StringConstraints(pattern=NAME_PATTERN)]
Code = Annotated[str, StringConstraints(pattern=CODE_PATTERN)]
Text = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]
Number = Annotated[float, Field(strict=True)]
Year = Annotated[int, Field(ge=2000, le=2100)]


class _Strict(BaseModel):
    # strict: "1.000.000" (quoted) is not read as a number, "yes" is not a boolean.
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Label(_Strict):
    vi: Text | None = None
    en: Text | None = None


class BothLabels(_Strict):
    vi: Text
    en: Text


class SheetSpec(_Strict):
    name: Annotated[str, StringConstraints(min_length=1, max_length=SHEET_TITLE_MAX)]
    aliases: list[Text] = []


class ColumnSpec(_Strict):
    name: Name
    header: Text
    aliases: list[Text] = []
    label: Label = Label()
    aggregation: Literal["flow", "stock", "opening"]
    min: Number = 0
    max: Number | None = None
    unit: Text | None = None
    headline: bool = False
    chart: bool = False
    since: Year | None = None
    until: Year | None = None
    optional: bool = False


class RatioSpec(_Strict):
    name: Name
    label: BothLabels
    numerator: Name
    denominator: Name
    format: Literal["percent", "decimal"] = "percent"
    unit: Label | None = None
    threshold: Annotated[float, Field(strict=True, ge=0)] | None = None
    threshold_label: BothLabels | None = None
    headline: bool = False


class DerivedSpec(_Strict):
    name: Name
    label: BothLabels
    sum: Annotated[list[Name], Field(min_length=1)]
    headline: bool = False
    chart: bool = False


class RuleSpec(_Strict):
    code: Code
    check: Text
    severity: Literal["error", "warning"] = "error"
    message: BothLabels


class IndicatorFile(_Strict):
    name: Name
    title: BothLabels
    short: BothLabels | None = None
    order: Annotated[int, Field(ge=0)] | None = None
    sheet: SheetSpec
    columns: Annotated[list[ColumnSpec], Field(min_length=1)]
    ratios: list[RatioSpec] = []
    derived: list[DerivedSpec] = []
    rules: list[RuleSpec] = []


class UnitColumnSpec(_Strict):
    name: Literal["unit_code", "unit_name"]
    header: Text
    aliases: list[Text] = []


class CommonFile(_Strict):
    unit_columns: Annotated[list[UnitColumnSpec], Field(min_length=2, max_length=2)]
    totals_labels: list[Text] = []


# --- issues ---------------------------------------------------------------------------------


Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class SchemaIssue:
    """One mistake in a schema file: where, what is wrong and how to fix it, both as catalogue
    keys (core/messages.py, `schemas.issue.*`) filled from the same parameters."""

    file: str
    line: int | None
    path: Path_
    key: str
    params: dict[str, object] = field(default_factory=dict)
    hint: str | None = None

    def key_path(self) -> str:
        out = ""
        for step in self.path:
            out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
        return out

    def render(self, lang: str = "vi") -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        key = self.key_path()
        what = catalogue_text(self.key, lang, **self.params)
        hint = catalogue_text(self.hint, lang, **self.params) if self.hint else ""
        return f"{where}: {key + ': ' if key else ''}{what}{' — ' + hint if hint else ''}"


class SchemaError(ConfigError):
    """The schema folder holds mistakes: every one is listed, in the chosen language."""

    def __init__(self, directory: Path, issues: list[SchemaIssue], lang: str = "vi"):
        self.directory = directory
        self.issues = issues
        self.lang = lang
        Exception.__init__(self, directory)  # its text is the list of issues, not one catalogue message

    def render(self, lang: str | None = None) -> str:
        lang = lang or self.lang
        head = catalogue_text("schemas.mistakes", lang, folder=self.directory, count=len(self.issues))
        tail = catalogue_text("schemas.fix", lang)
        return "\n".join([head, *(f"  {issue.render(lang)}" for issue in self.issues), tail])

    def __str__(self) -> str:
        return self.render()

    def __reduce__(self):
        return (SchemaError, (self.directory, self.issues, self.lang))


# --- reading a file with its line marks ------------------------------------------------------


@dataclass
class SchemaDocument:
    path: Path
    data: Any
    node: Any  # the YAML node tree, for line numbers

    def line(self, path: Path_, key: bool = True) -> int | None:
        """The 1-based line of a key path; as far down the path as the file goes."""
        node, line = self.node, None
        if node is None:
            return None
        line = node.start_mark.line + 1
        for step in path:
            found = None
            if node.id == "mapping" and isinstance(step, str):
                for key_node, value_node in node.value:
                    if key_node.value == step:
                        found, line = value_node, key_node.start_mark.line + 1
                        break
            elif node.id == "sequence" and isinstance(step, int) and step < len(node.value):
                found = node.value[step]
                line = found.start_mark.line + 1
            if found is None:
                break
            node = found
        return line


def read_document(path: Path) -> SchemaDocument:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    name = path.name
    try:
        text = path.read_text(encoding="utf-8")
        node = yaml.compose(text, Loader=loader)
        data = yaml.load(text, Loader=loader)
    except FileNotFoundError as exc:
        raise ConfigError("error.schema-file-missing", path=path) from exc
    except UnicodeDecodeError as exc:
        raise SchemaError(
            path.parent,
            [SchemaIssue(name, None, (), "schemas.issue.not-utf8", hint="schemas.issue.not-utf8-hint")],
        ) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        reason = f"{getattr(exc, 'problem', '') or exc}"
        raise SchemaError(
            path.parent,
            [
                SchemaIssue(
                    name,
                    mark.line + 1 if mark else None,
                    (),
                    "schemas.issue.yaml-syntax",
                    {"reason": reason},
                    "schemas.issue.yaml-syntax-hint",
                )
            ],
        ) from exc
    return SchemaDocument(path, data, node)


def duplicate_keys(document: SchemaDocument) -> list[SchemaIssue]:
    """PyYAML keeps the last of two equal keys silently: a second `columns:` would hide the first."""
    issues: list[SchemaIssue] = []

    def walk(node: Any, path: Path_) -> None:
        if node.id == "mapping":
            seen: set[str] = set()
            for key_node, value_node in node.value:
                key = key_node.value
                if key in seen:
                    issues.append(
                        SchemaIssue(
                            document.path.name,
                            key_node.start_mark.line + 1,
                            (*path, key),
                            "schemas.issue.duplicate-key",
                            hint="schemas.issue.duplicate-key-hint",
                        )
                    )
                seen.add(key)
                walk(value_node, (*path, key))
        elif node.id == "sequence":
            for index, item in enumerate(node.value):
                walk(item, (*path, index))

    if document.node is not None:
        walk(document.node, ())
    return issues


# --- pydantic errors as issues --------------------------------------------------------------


def _model_at(model: type[BaseModel], loc: Path_) -> type[BaseModel] | None:
    """The model class that holds the key at the end of `loc` (for suggestions)."""
    current: Any = model
    for step in loc:
        if isinstance(step, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)) or step not in current.model_fields:
            return None
        current = _inner_model(current.model_fields[step].annotation)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _inner_model(annotation: Any) -> Any:
    """list[X] | None, Annotated[...]: the model class inside, if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        inner = _inner_model(arg)
        if inner is not None:
            return inner
    return None


def _suggest(word: str, choices: list[str]) -> str | None:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return close[0] if close else None


_TYPE_WORDS = ("float_type", "int_type", "bool_type", "string_type", "list_type", "model_type", "dict_type")
LABEL_EXAMPLE = "{vi: …, en: …}"
_MODEL_HINTS = {Label: "schemas.type.label", BothLabels: "schemas.type.both-labels"}


def pydantic_issues(document: SchemaDocument, error: ValidationError, model: type[BaseModel]) -> list[SchemaIssue]:
    issues = []
    for item in error.errors(include_url=False):
        loc: Path_ = tuple(item["loc"])
        kind = item["type"]
        given = item.get("input")
        line = document.line(loc)
        key, params, hint = "schemas.issue.other", {"detail": item["msg"], "given": repr(given)}, None
        if kind == "extra_forbidden":
            owner = _model_at(model, loc[:-1])
            allowed = list(owner.model_fields) if owner else []
            key, params = "schemas.issue.unknown-key-allowed" if allowed else "schemas.issue.unknown-key", {"allowed": ", ".join(allowed)}
            guess = _suggest(str(loc[-1]), allowed)
            if guess:
                params, hint = {**params, "word": loc[-1], "guess": guess}, "schemas.issue.guess"
            elif given is None and owner in (Label, BothLabels):
                params, hint = {**params, "example": '{vi: "Tổng (tổ, CLB)"}'}, "schemas.issue.quote-commas"
        elif kind == "missing":
            key, params = "schemas.issue.missing", {}
            line = document.line(loc[:-1])
        elif kind == "literal_error":
            words = re.findall(r"'([^']*)'", item.get("ctx", {}).get("expected", ""))
            key, params = "schemas.issue.not-a-choice", {"choices": ", ".join(words), "given": given}
            guess = _suggest(str(given), words)
            if guess:
                params, hint = {**params, "word": given, "guess": guess}, "schemas.issue.guess"
        elif kind in _TYPE_WORDS or kind.endswith("_type"):
            owner = _inner_model(_field_annotation(model, loc))
            if owner in _MODEL_HINTS:
                want: Said | str = said(_MODEL_HINTS[owner], example=LABEL_EXAMPLE)
            else:
                want = said(f"schemas.type.{kind}") if kind in _TYPE_WORDS else kind
            key, params = "schemas.issue.wrong-type", {"want": want, "given": repr(given)}
            if kind == "float_type" and isinstance(given, str):
                hint = "schemas.issue.threshold-as-fraction" if loc and loc[-1] == "threshold" else "schemas.issue.number-unquoted"
        elif kind == "string_pattern_mismatch":
            key = "schemas.issue.rule-code-pattern" if loc and loc[-1] == "code" else "schemas.issue.name-pattern"
            params = {"given": given}
        elif kind == "string_too_long":
            key, params = "schemas.issue.too-long", {"limit": item.get("ctx", {}).get("max_length"), "given": given}
        elif kind in ("too_short", "string_too_short"):
            key, params = "schemas.issue.empty", {}
        elif kind == "too_long":
            key, params = "schemas.issue.too-many", {"detail": item["msg"]}
        elif kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
            key, params = "schemas.issue.out-of-range", {"given": repr(given), "detail": item["msg"]}
        issues.append(SchemaIssue(document.path.name, line, loc, key, params, hint))
    # A misspelt key is also a missing one: the suggestion says it all, once.
    suggested = {(i.path[:-1], i.params["guess"]) for i in issues if i.hint == "schemas.issue.guess" and i.path}
    return [i for i in issues if not (i.key == "schemas.issue.missing" and (i.path[:-1], i.path[-1]) in suggested)]


def _field_annotation(model: type[BaseModel], loc: Path_) -> Any:
    """The annotation of the field at `loc` (None when the path leaves the model)."""
    current: Any = model
    annotation: Any = None
    for step in loc:
        if isinstance(step, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)) or step not in current.model_fields:
            return annotation
        annotation = current.model_fields[step].annotation
        current = _inner_model(annotation)
    return annotation


# --- what spans fields and files ------------------------------------------------------------


@dataclass
class ParsedFile:
    document: SchemaDocument
    model: IndicatorFile


def _issue(parsed: ParsedFile, path: Path_, key: str, hint: str | None = None, **params: object) -> SchemaIssue:
    return SchemaIssue(parsed.document.path.name, parsed.document.line(path), path, key, params, hint)


def check_indicator(parsed: ParsedFile, builtin_codes: set[str]) -> list[SchemaIssue]:
    """References to real columns, names unique in the file, rules well formed, titles that fit."""
    model = parsed.model
    issues: list[SchemaIssue] = []
    columns = [c.name for c in model.columns]
    figures = columns + [d.name for d in model.derived]

    def ref(path: Path_, name: str, allowed: list[str], what: str) -> None:
        if name not in allowed:
            guess = _suggest(name, allowed)
            hint = "schemas.issue.guess" if guess else None
            issues.append(
                _issue(
                    parsed,
                    path,
                    "schemas.issue.not-a-reference",
                    hint,
                    name=name,
                    what=said(what),
                    allowed=", ".join(allowed),
                    word=name,
                    guess=guess,
                )
            )

    for index, column in enumerate(model.columns):
        if column.max is not None and column.max < column.min:
            issues.append(_issue(parsed, ("columns", index, "max"), "schemas.issue.max-below-min", max=column.max, min=column.min))
        if column.since and column.until and column.until < column.since:
            issues.append(
                _issue(parsed, ("columns", index, "until"), "schemas.issue.until-before-since", until=column.until, since=column.since)
            )
    for index, derived in enumerate(model.derived):
        for k, part in enumerate(derived.sum):
            ref(("derived", index, "sum", k), part, columns, "schemas.what.column")
    for index, ratio in enumerate(model.ratios):
        for part in ("numerator", "denominator"):
            ref(("ratios", index, part), getattr(ratio, part), figures, "schemas.what.figure")
        if ratio.format == "percent" and ratio.unit is not None:
            issues.append(_issue(parsed, ("ratios", index, "unit"), "schemas.issue.percent-unit", "schemas.issue.percent-unit-hint"))
        if ratio.format == "percent" and ratio.threshold is not None and ratio.threshold > 1:
            issues.append(
                _issue(
                    parsed,
                    ("ratios", index, "threshold"),
                    "schemas.issue.percent-threshold",
                    "schemas.issue.percent-threshold-hint",
                    threshold=ratio.threshold,
                    fraction=f"{ratio.threshold / 100:g}",
                    percent=f"{ratio.threshold:g}",
                )
            )
    for index, rule in enumerate(model.rules):
        match = RULE_PATTERN.match(rule.check)
        if not match or _is_number(match[1]) and _is_number(match[3]):
            issues.append(
                _issue(
                    parsed, ("rules", index, "check"), "schemas.issue.bad-comparison", "schemas.issue.bad-comparison-hint", check=rule.check
                )
            )
        else:
            for side in (match[1], match[3]):
                if not _is_number(side):
                    ref(("rules", index, "check"), side, figures, "schemas.what.figure")
        if rule.code in builtin_codes:
            issues.append(
                _issue(
                    parsed,
                    ("rules", index, "code"),
                    "schemas.issue.builtin-code",
                    "schemas.issue.builtin-code-hint",
                    code=rule.code,
                    indicator=model.name,
                )
            )
    # Sheet names and titles: Excel allows 31 characters and none of []:*?/\
    if set(model.sheet.name) & _SHEET_FORBIDDEN:
        issues.append(_issue(parsed, ("sheet", "name"), "schemas.issue.sheet-characters", characters="[]:*?/\\"))
    for lang in ("vi", "en"):
        title = getattr(model.title, lang)
        short = getattr(model.short, lang) if model.short else None
        if short is not None and len(short) > SHEET_TITLE_MAX:
            issues.append(_issue(parsed, ("short", lang), "schemas.issue.short-too-long", limit=SHEET_TITLE_MAX))
        if short is None and len(title) > SHEET_TITLE_MAX:
            issues.append(
                _issue(
                    parsed,
                    ("title", lang),
                    "schemas.issue.title-too-long",
                    "schemas.issue.title-too-long-hint",
                    length=len(title),
                    limit=SHEET_TITLE_MAX,
                    start=title[:SHEET_TITLE_MAX],
                    example=LABEL_EXAMPLE,
                )
            )
    return issues


def _is_number(text: str) -> bool:
    return bool(re.fullmatch(r"[0-9]+(?:\.[0-9]+)?", text))


def check_catalogue(files: list[ParsedFile], common: CommonFile | None, builtin_codes: set[str]) -> list[SchemaIssue]:
    """What spans files: names, sheet names and aliases, rule codes; header aliases within an indicator."""
    issues: list[SchemaIssue] = []
    for parsed in files:
        issues += check_indicator(parsed, builtin_codes)

    def unique(kind: str, entries: list[tuple[str, ParsedFile, Path_]]) -> None:
        first: dict[str, tuple[str, ParsedFile, Path_]] = {}
        for text, parsed, path in entries:
            key = fold_compact(text)
            if key in first:
                other_text, other, other_path = first[key]
                where = f"{other.document.path.name}:{other.document.line(other_path)}"
                issues.append(
                    _issue(
                        parsed,
                        path,
                        "schemas.issue.collides",
                        "schemas.issue.collides-hint",
                        kind=said(kind),
                        text=text,
                        other=other_text,
                        where=where,
                    )
                )
            else:
                first[key] = (text, parsed, path)

    unique("schemas.kind.indicator", [(p.model.name, p, ("name",)) for p in files])
    # Targets name figures by their name alone: one namespace for every file.
    figures = []
    for p in files:
        figures += [(c.name, p, ("columns", k, "name")) for k, c in enumerate(p.model.columns)]
        figures += [(d.name, p, ("derived", k, "name")) for k, d in enumerate(p.model.derived)]
        for k, r in enumerate(p.model.ratios):
            figures.append((r.name, p, ("ratios", k, "name")))
            if r.threshold is not None:
                figures += [(f"{r.name}_reached", p, ("ratios", k, "name")), (f"{r.name}_assessed", p, ("ratios", k, "name"))]
    unique("schemas.kind.figure", figures)
    # Sheets are found by name or alias (and the indicator's name), folded: one namespace too.
    sheets = []
    for p in files:
        names = {fold_compact(p.model.name): (p.model.name, ("name",))}
        names.setdefault(fold_compact(p.model.sheet.name), (p.model.sheet.name, ("sheet", "name")))
        for k, alias in enumerate(p.model.sheet.aliases):
            names.setdefault(fold_compact(alias), (alias, ("sheet", "aliases", k)))
        sheets += [(text, p, path) for text, path in names.values()]
    unique("schemas.kind.sheet", sheets)
    unique("schemas.kind.rule", [(r.code, p, ("rules", k, "code")) for p in files for k, r in enumerate(p.model.rules)])
    shared = [
        (text, name)
        for c in (common.unit_columns if common else ())
        for text, name in ((c.header, c.name), *((a, c.name) for a in c.aliases))
    ]
    for p in files:
        owner: dict[str, tuple[str, str, Path_ | None]] = {fold_compact(t): (t, n, None) for t, n in shared}
        for k, c in enumerate(p.model.columns):
            texts = [(c.header, ("columns", k, "header"))] + [(a, ("columns", k, "aliases", j)) for j, a in enumerate(c.aliases)]
            for text, path in texts:
                key = fold_compact(text)
                if key in owner and owner[key][1] != c.name:
                    issues.append(
                        _issue(
                            p, path, "schemas.issue.header-ambiguous", "schemas.issue.header-ambiguous-hint", text=text, other=owner[key][1]
                        )
                    )
                owner.setdefault(key, (text, c.name, path))
    return issues
