"""Indicators are data: one YAML file per indicator under `schemas/` drives every stage.

This module loads those files (checked by the strict model of `schema_files`) into
`Indicator` objects; ingest/validation.py checks each row's figures against them.
Adding an indicator means adding a file, not code.
"""

from __future__ import annotations

import contextlib
import operator
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vwu_pipeline.core.errors import EXIT_BUG, ConfigError, VwuError
from vwu_pipeline.core.messages import pick, text
from vwu_pipeline.core.text import fold, fold_compact

# The schemas travel in the wheel as package data (vwu_pipeline/schemas, copied by setup.py's
# build step); a source checkout (editable install) reads the repository's top-level schemas/,
# where they are edited.
_PACKAGED_SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"
_REPOSITORY_SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
DEFAULT_SCHEMAS = _PACKAGED_SCHEMAS if _PACKAGED_SCHEMAS.is_dir() else _REPOSITORY_SCHEMAS
# flow: periods add up; stock: the latest period; opening: the earliest (a count at the start)
AGGREGATIONS = ("flow", "stock", "opening")


@dataclass(frozen=True)
class Column:
    name: str
    header: str  # the Vietnamese header of the official form
    aliases: tuple[str, ...] = ()
    label_en: str = ""
    aggregation: str = "flow"  # flow: add periods up; stock: the latest period; opening: the earliest
    min: float | None = 0
    max: float | None = None
    unit: str | None = None
    headline: bool = False  # shown among the report's headline figures
    chart: bool = False  # charted by unit in the workbook
    since: int | None = None  # first report year whose form has the column
    until: int | None = None  # last report year whose form has it
    optional: bool = False  # a form may leave it out, any year

    def label(self, lang: str = "vi") -> str:
        return pick((self.header, self.label_en or self.header), lang)

    @property
    def folded_names(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(fold(h) for h in (self.header, *self.aliases)))

    def expected(self, year: int | None) -> bool:
        """Whether the form of that report year has the column (None: any year)."""
        if year is None:
            return self.until is None
        return (self.since is None or year >= self.since) and (self.until is None or year <= self.until)

    @property
    def required(self) -> bool:
        """A column every form has: a file without it cannot be added up with the others."""
        return not self.optional and self.since is None and self.until is None


@dataclass(frozen=True)
class Ratio:
    """A ratio is never added up: it is recomputed from its parts at every level."""

    name: str
    label_vi: str
    label_en: str
    numerator: str
    denominator: str
    threshold: float | None = None
    threshold_label_vi: str = ""
    threshold_label_en: str = ""
    headline: bool = False
    format: str = "percent"  # percent: 0.6 shows as 60%; decimal: 1.03 shows as 1,03 with its unit
    unit_vi: str = ""
    unit_en: str = ""

    def label(self, lang: str = "vi") -> str:
        return pick((self.label_vi, self.label_en), lang)

    def unit(self, lang: str = "vi") -> str:
        return pick((self.unit_vi, self.unit_en), lang)


@dataclass(frozen=True)
class Derived:
    """A figure computed from others after aggregation, e.g. households lifted out of
    poverty or near-poverty = lifted_from_poverty + lifted_from_near_poverty."""

    name: str
    label_vi: str
    label_en: str
    sum: tuple[str, ...]
    headline: bool = False
    chart: bool = False

    def label(self, lang: str = "vi") -> str:
        return pick((self.label_vi, self.label_en), lang)


def _is_constant(operand: str) -> bool:
    return operand[:1].isdigit()


@dataclass(frozen=True)
class Rule:
    """A rule between two figures of a row (`members_new <= members_total`); a side may be
    a derived sum or a number (`lifted_total <= 5000`)."""

    code: str
    left: str
    op: str
    right: str
    severity: str
    message_vi: str
    message_en: str

    @property
    def names(self) -> tuple[str, ...]:
        """The figures the rule reads (a number side is not one)."""
        return tuple(side for side in (self.left, self.right) if not _is_constant(side))

    @property
    def subject(self) -> str:
        """The figure a broken rule is reported at: its left side, unless that is a number."""
        return self.names[0]

    def side(self, operand: str, frame: Any) -> Any:
        """A side's values: a frame's column (pandas Series, or a dict of arrays) or the number."""
        return float(operand) if _is_constant(operand) else frame[operand]

    def holds(self, left: Any, right: Any) -> Any:
        """Vectorised: True where the rule holds (pandas Series, arrays or scalars)."""
        return COMPARISONS[self.op](left, right)


COMPARISONS: dict[str, Callable[[Any, Any], Any]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "<": operator.lt,
    ">": operator.gt,
    "==": operator.eq,
}


@dataclass(frozen=True)
class Indicator:
    name: str
    title_vi: str
    title_en: str
    sheet_name: str
    sheet_aliases: tuple[str, ...]
    columns: tuple[Column, ...]
    ratios: tuple[Ratio, ...] = ()
    rules: tuple[Rule, ...] = ()
    source: str = ""
    derived: tuple[Derived, ...] = ()
    order: int | None = None  # indicators are listed by order, then name
    short_vi: str = ""  # a sheet title when the title is over Excel's 31 characters
    short_en: str = ""

    def title(self, lang: str = "vi") -> str:
        return pick((self.title_vi, self.title_en), lang)

    def short_title(self, lang: str = "vi") -> str:
        """The title of the indicator's sheet in the report's workbook (≤ 31 characters)."""
        return pick((self.short_vi, self.short_en), lang) or self.title(lang)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    def figure_label(self, name: str, lang: str = "vi") -> str:
        """How a form names a figure: a column's header, a derived sum's label, or the number."""
        if _is_constant(name):
            return name
        derived = self.derived_figure(name)
        return derived.label(lang) if derived else self.column(name).label(lang)

    def derived_figure(self, name: str) -> Derived | None:
        return next((d for d in self.derived if d.name == name), None)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def columns_for(self, year: int | None) -> tuple[Column, ...]:
        """The columns of that report year's form."""
        return tuple(c for c in self.columns if c.expected(year))

    def matches_sheet(self, sheet_name: str) -> bool:
        wanted = {fold_compact(n) for n in (self.sheet_name, *self.sheet_aliases, self.name)}
        return fold_compact(sheet_name) in wanted


@dataclass(frozen=True)
class UnitColumn:
    name: str
    header: str
    aliases: tuple[str, ...]

    @property
    def folded_names(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(fold(h) for h in (self.header, *self.aliases)))


@dataclass(frozen=True)
class Catalog:
    """Every indicator, plus what all indicator sheets share."""

    indicators: tuple[Indicator, ...]
    unit_columns: tuple[UnitColumn, ...]
    totals_labels: frozenset[str] = field(default_factory=frozenset)
    directory: Path = DEFAULT_SCHEMAS
    digest: str = ""  # hash of the schema files (a stored aggregation made with others is stale)

    def get(self, name: str) -> Indicator:
        for indicator in self.indicators:
            if indicator.name == name:
                return indicator
        raise ConfigError("error.no-indicator", name=name, directory=self.directory, names=", ".join(i.name for i in self.indicators))

    def for_sheet(self, sheet_name: str) -> Indicator | None:
        return next((i for i in self.indicators if i.matches_sheet(sheet_name)), None)

    def is_totals_label(self, text: object) -> bool:
        return fold(text) in self.totals_labels


class CheckFailed(VwuError):
    """A check raised instead of returning a verdict: the rows were not checked."""

    exit_code = EXIT_BUG


def schemas_dir(directory: Path | str | None = None) -> Path:
    return Path(directory or os.environ.get("VWU_SCHEMAS") or DEFAULT_SCHEMAS)


def load_catalog(directory: Path | str | None = None, cache: Path | None = None, keep: bool = False) -> Catalog:
    """Load every `*.yaml` indicator file of the schema folder (cached per folder and files).

    Every file is checked against the strict model of `schema_files`: a mistake stops the
    run (exit 2) with every issue listed, file and line.

    `cache`: a file (in the workspace) holding the catalogue as JSON, as checked from exactly
    these schema bytes by exactly this vwu's checking code (`_cache_key`); a catalogue it holds
    for other bytes or another vwu is ignored. `keep`: write it there after a full check (a
    writer of the workspace; a reader only reads it). Importing pydantic and checking the
    files is a tenth of a second of every aggregate and report.
    """
    folder = schemas_dir(directory).resolve()
    if not folder.is_dir():
        raise ConfigError("error.no-schema-folder", folder=folder)
    stamp = tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(folder.glob("*.yaml")))
    found = _CATALOGS.get((folder, stamp))
    if found is not None:
        return found
    catalog = _cached_catalog(cache, folder) if cache is not None else None
    if catalog is None:
        catalog = _shipped_catalog(folder)
        if catalog is not None and cache is not None and keep:
            _keep_catalog(cache, catalog, _cache_key(catalog.directory, catalog.digest))
    if catalog is None:
        catalog = _load_catalog(folder)
        if cache is not None and keep:
            _keep_catalog(cache, catalog, _cache_key(catalog.directory, catalog.digest))
    if len(_CATALOGS) >= 8:
        _CATALOGS.pop(next(iter(_CATALOGS)))
    _CATALOGS[(folder, stamp)] = catalog
    return catalog


# Where a workspace keeps the checked catalogue (ingest writes it, aggregate too; both commands
# that read the store's figures, aggregate and report, take it).
CATALOG_CACHE = ".cache/catalogue.json"
_CATALOGS: dict[tuple[Path, tuple], Catalog] = {}  # per folder and (name, mtime, size) of its files
# The modules whose code decides what a checked catalogue holds: a cached one is taken only
# from the same code (no version number to forget to bump).
_CHECKING_CODE = ("indicators.py", "schema_files.py", "messages.py", "text.py")
CATALOG_CACHE_FORMAT = 1


def _cache_key(folder: Path, digest: str) -> str:
    import hashlib

    key = hashlib.sha256(f"{CATALOG_CACHE_FORMAT}\0{folder}\0{digest}\0".encode())
    for name in _CHECKING_CODE:
        key.update((Path(__file__).parent / name).read_bytes() + b"\0")
    return key.hexdigest()


def _cached_catalog(cache: Path, folder: Path) -> Catalog | None:
    """The catalogue in `cache` when it was checked from the schema files as they are now."""
    import json

    try:
        stored = json.loads(cache.read_bytes())
        if stored.get("key") != _cache_key(folder, _digest(folder)):
            return None
        return catalog_from_dict(stored["catalog"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # none yet, unreadable, or not one this vwu wrote: checked again


def keep_catalog(cache: Path, catalog: Catalog) -> None:
    """Keep a catalogue checked by `load_catalog` in `cache` for later runs, unless it holds it
    already (ingest: it checks the files itself, and leaves the result for aggregate and report)."""
    import json

    key = _cache_key(catalog.directory, catalog.digest)
    with contextlib.suppress(OSError, ValueError, AttributeError):
        if json.loads(cache.read_bytes()).get("key") == key:
            return
    _keep_catalog(cache, catalog, key)


def _keep_catalog(cache: Path, catalog: Catalog, key: str) -> None:
    """Write the checked catalogue to `cache` under `key` (`_cache_key`), whole or not at all:
    a temporary file renamed."""
    import json

    text = json.dumps({"key": key, "catalog": catalog_to_dict(catalog)}, ensure_ascii=False)
    temporary = cache.with_name(f"{cache.name}.{os.getpid()}.tmp")
    created = False
    try:
        cache.parent.mkdir(exist_ok=True)  # never the workspace itself: a missing one is told elsewhere
        # os.open applies the umask (group-readable like the workspace's other files); O_EXCL:
        # never written through a file or link someone else put there
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        created = True
        with os.fdopen(descriptor, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(temporary, cache)
    except OSError:  # a workspace we may not write: the next run checks the files again
        if created:
            with contextlib.suppress(OSError):
                os.unlink(temporary)


# The catalogue of vwu's own schema files, checked when vwu is built (`make shipped`), so that
# a first ingest need not import pydantic and YAML and check them (a fifth of a second before the
# readers start). Taken only for schema files byte for byte those it was checked from (any
# other folder, or an edited file, is read and checked); tests/test_schemas.py holds that it is
# what checking the files gives now.
SHIPPED_CATALOG = Path(__file__).resolve().parent / "data" / "catalogue.json"
SHIPPED_CATALOG_FORMAT = 1


def _shipped_key(digest: str) -> str:
    """The schema files' bytes and the code that checks them: after an edit of either without
    `make shipped` the shipped catalogue is ignored (slower, never wrong). vwu's own problem
    codes, which a rule may not take, are compared when it is loaded instead: a message added to
    vwu does not make the catalogue stale."""
    import hashlib

    key = hashlib.sha256(f"{SHIPPED_CATALOG_FORMAT}\0{digest}\0".encode())
    for name in _CHECKING_CODE:
        if name != "messages.py":
            key.update((Path(__file__).parent / name).read_bytes() + b"\0")
    return key.hexdigest()


def _shipped_catalog(folder: Path) -> Catalog | None:
    """The shipped catalogue when `folder` holds exactly the schema files it was checked from."""
    import json

    try:
        stored = json.loads(SHIPPED_CATALOG.read_bytes())
        digest = _digest(folder)
        if stored.get("key") != _shipped_key(digest):
            return None
        data = dict(stored["catalog"], directory=str(folder), digest=digest)
        for indicator in data["indicators"]:  # each file's own path, in this folder
            indicator["source"] = str(folder / indicator["source"])
        catalog = catalog_from_dict(data)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # none shipped, or unreadable: the files are checked
    from vwu_pipeline.core.messages import MESSAGES

    if any(rule.code in MESSAGES and "." not in rule.code for i in catalog.indicators for rule in i.rules):
        return None  # a rule's code is now one of vwu's own: checked, and refused as such
    return catalog


def ship_catalog(folder: Path | None = None, out: Path = SHIPPED_CATALOG) -> None:
    """Check the schema files (vwu's own by default) and write their catalogue for `_shipped_catalog`."""
    import json

    folder = schemas_dir(folder).resolve()
    catalog = _load_catalog(folder)
    data = catalog_to_dict(catalog)
    del data["directory"], data["digest"]  # this machine's path; the digest is the key's
    for indicator in data["indicators"]:
        indicator["source"] = Path(indicator["source"]).name
    text = json.dumps({"key": _shipped_key(catalog.digest), "catalog": data}, ensure_ascii=False, indent=1, sort_keys=True)
    out.write_text(text + "\n", encoding="utf-8")


# Fields holding other records, and what each is.
_NESTED = {
    "indicators": "Indicator",
    "columns": "Column",
    "ratios": "Ratio",
    "rules": "Rule",
    "derived": "Derived",
    "unit_columns": "UnitColumn",
}


def catalog_to_dict(catalog: Catalog) -> dict[str, Any]:
    """A checked catalogue as plain JSON data (`catalog_from_dict` makes the same one again)."""
    from dataclasses import fields

    def plain(record: Any) -> dict[str, Any]:
        out = {}
        for f in fields(record):
            value = getattr(record, f.name)
            if f.name in _NESTED:
                value = [plain(v) for v in value]
            elif isinstance(value, (tuple, frozenset)):
                value = sorted(value) if isinstance(value, frozenset) else list(value)
            elif isinstance(value, Path):
                value = str(value)
            out[f.name] = value
        return out

    return plain(catalog)


def catalog_from_dict(data: dict[str, Any]) -> Catalog:
    classes = {"Indicator": Indicator, "Column": Column, "Ratio": Ratio, "Rule": Rule, "Derived": Derived, "UnitColumn": UnitColumn}

    def record(cls: type, values: dict[str, Any]) -> Any:
        made = {}
        for name, value in values.items():
            if name in _NESTED:
                value = tuple(record(classes[_NESTED[name]], v) for v in value)
            elif isinstance(value, list):
                value = tuple(value)
            made[name] = value
        return cls(**made)

    made = dict(data)
    made["totals_labels"] = frozenset(made["totals_labels"])
    made["directory"] = Path(made["directory"])
    unit_columns = tuple(record(UnitColumn, v) for v in made.pop("unit_columns"))
    indicators = tuple(record(Indicator, v) for v in made.pop("indicators"))
    return Catalog(indicators, unit_columns, **made)


def _load_catalog(directory: Path) -> Catalog:
    from pydantic import ValidationError

    from vwu_pipeline.core import schema_files as sf
    from vwu_pipeline.core.messages import MESSAGES

    issues: list[sf.SchemaIssue] = []
    common_doc = sf.read_document(directory / "_common.yaml")
    issues += sf.duplicate_keys(common_doc)
    common = None
    try:
        common = sf.CommonFile.model_validate(common_doc.data)
        if {c.name for c in common.unit_columns} != {"unit_code", "unit_name"}:
            issues.append(
                sf.SchemaIssue(common_doc.path.name, common_doc.line(("unit_columns",)), ("unit_columns",), "schemas.issue.unit-columns")
            )
    except ValidationError as error:
        issues += sf.pydantic_issues(common_doc, error, sf.CommonFile)
    parsed: list[sf.ParsedFile] = []
    for path in sorted(directory.glob("*.yaml")):
        if path.name.startswith("_"):
            continue
        document = sf.read_document(path)
        issues += sf.duplicate_keys(document)
        try:
            parsed.append(sf.ParsedFile(document, sf.IndicatorFile.model_validate(document.data)))
        except ValidationError as error:
            issues += sf.pydantic_issues(document, error, sf.IndicatorFile)
    if not parsed and not issues:
        raise ConfigError("error.no-schema-files", folder=directory)
    issues += sf.check_catalogue(parsed, common, {code for code in MESSAGES if "." not in code})
    if issues:
        raise sf.SchemaError(directory, issues)
    indicators = sorted(
        (_indicator(p.model, str(p.document.path)) for p in parsed),
        key=lambda i: (i.order is None, i.order or 0, i.name),
    )
    unit_columns = tuple(UnitColumn(c.name, c.header, tuple(c.aliases)) for c in common.unit_columns)
    totals = frozenset(fold(label) for label in common.totals_labels)
    return Catalog(tuple(indicators), unit_columns, totals, directory, _digest(directory))


def _digest(directory: Path) -> str:
    """A hash of the schema files: a stored aggregation made with other files is stale."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted(directory.glob("*.yaml")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _indicator(model: Any, source: str) -> Indicator:
    from vwu_pipeline.core import schema_files as sf

    columns = tuple(
        Column(
            name=c.name,
            header=c.header,
            aliases=tuple(c.aliases),
            label_en=c.label.en or "",
            aggregation=c.aggregation,
            min=c.min,
            max=c.max,
            unit=c.unit,
            headline=c.headline,
            chart=c.chart,
            since=c.since,
            until=c.until,
            optional=c.optional,
        )
        for c in model.columns
    )
    ratios = tuple(
        Ratio(
            name=r.name,
            label_vi=r.label.vi,
            label_en=r.label.en,
            numerator=r.numerator,
            denominator=r.denominator,
            threshold=r.threshold,
            threshold_label_vi=r.threshold_label.vi if r.threshold_label else "",
            threshold_label_en=r.threshold_label.en if r.threshold_label else "",
            headline=r.headline,
            format=r.format,
            unit_vi=(r.unit.vi or r.unit.en or "") if r.unit else "",
            unit_en=(r.unit.en or r.unit.vi or "") if r.unit else "",
        )
        for r in model.ratios
    )
    derived = tuple(Derived(d.name, d.label.vi, d.label.en, tuple(d.sum), d.headline, d.chart) for d in model.derived)
    rules = []
    for r in model.rules:
        match = sf.RULE_PATTERN.match(r.check)
        rules.append(Rule(r.code, match[1], match[2], match[3], r.severity, r.message.vi, r.message.en))
    return Indicator(
        name=model.name,
        title_vi=model.title.vi,
        title_en=model.title.en,
        sheet_name=model.sheet.name,
        sheet_aliases=tuple(model.sheet.aliases),
        columns=columns,
        ratios=ratios,
        rules=tuple(rules),
        source=source,
        derived=derived,
        order=model.order,
        short_vi=model.short.vi if model.short else "",
        short_en=model.short.en if model.short else "",
    )


# --- the figures an indicator shows per unit (columns, derived sums, ratios, counts) ---


@dataclass(frozen=True)
class Measure:
    """One figure shown per unit: a column, a derived sum, a ratio or a threshold count."""

    indicator: str
    name: str
    label_vi: str
    label_en: str
    kind: str  # flow | stock | opening | derived | ratio | count
    headline: bool = False
    chart: bool = False
    format: str = "number"  # number | percent | decimal (a ratio's `format:`)
    unit_vi: str = ""  # a decimal ratio's unit ("người/buổi")
    unit_en: str = ""

    def label(self, lang: str = "vi") -> str:
        return pick((self.label_vi, self.label_en), lang)

    def unit(self, lang: str = "vi") -> str:
        return pick((self.unit_vi, self.unit_en), lang)

    @property
    def percent(self) -> bool:
        """A rate shown as a percentage (0.6 is 60 %): its targets may be typed as "60%"."""
        return self.kind == "ratio" and self.format == "percent"


def reached_name(ratio_name: str) -> str:
    return f"{ratio_name}_reached"


def assessed_name(ratio_name: str) -> str:
    return f"{ratio_name}_assessed"


def measures(indicator: Indicator) -> list[Measure]:
    """The figures of an indicator in report order: columns, derived sums, ratios, counts."""
    out = [Measure(indicator.name, c.name, c.header, c.label_en or c.header, c.aggregation, c.headline, c.chart) for c in indicator.columns]
    out += [Measure(indicator.name, d.name, d.label_vi, d.label_en, "derived", d.headline, d.chart) for d in indicator.derived]
    for r in indicator.ratios:
        out.append(Measure(indicator.name, r.name, r.label_vi, r.label_en, "ratio", r.headline, False, r.format, r.unit_vi, r.unit_en))
        if r.threshold is not None:
            level = f"{r.threshold:.0%}" if r.format == "percent" else f"{r.threshold:g}"
            out.append(
                Measure(
                    indicator.name,
                    reached_name(r.name),
                    r.threshold_label_vi or text("report.reached", "vi", ratio=r.label_vi.lower(), level=level),
                    r.threshold_label_en or text("report.reached", "en", ratio=r.label_en.lower(), level=level),
                    "count",
                    r.headline,
                )
            )
            out.append(
                Measure(
                    indicator.name,
                    assessed_name(r.name),
                    text("report.assessed", "vi", ratio=r.label_vi.lower()),
                    text("report.assessed", "en", ratio=r.label_en.lower()),
                    "count",
                )
            )
    return out
