"""Indicators are data: one YAML file per indicator under `schemas/` drives every stage.

This module loads those files into `Indicator` objects and builds the pandera schema
that validates an indicator's rows. Adding an indicator means adding a file, not code.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vwu_pipeline.core.errors import ConfigError
from vwu_pipeline.core.text import fold, fold_compact

if TYPE_CHECKING:
    import pandera.pandas as pa

DEFAULT_SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
# flow: periods add up; stock: the latest period; opening: the earliest (a count at the start)
AGGREGATIONS = ("flow", "stock", "opening")
_RULE = re.compile(r"^\s*([a-z_][a-z0-9_]*)\s*(<=|>=|<|>|==)\s*([a-z_][a-z0-9_]*)\s*$")


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

    def label(self, lang: str = "vi") -> str:
        return self.label_en if lang == "en" and self.label_en else self.header

    @property
    def folded_names(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(fold(h) for h in (self.header, *self.aliases)))


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

    def label(self, lang: str = "vi") -> str:
        return self.label_en if lang == "en" else self.label_vi


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
        return self.label_en if lang == "en" else self.label_vi


@dataclass(frozen=True)
class Rule:
    """A cross-column rule such as `members_new <= members_total`."""

    code: str
    left: str
    op: str
    right: str
    severity: str
    message_vi: str
    message_en: str

    def holds(self, left: Any, right: Any) -> Any:
        """Vectorised: True where the rule holds (pandas Series or scalars)."""
        return {
            "<=": left <= right,
            ">=": left >= right,
            "<": left < right,
            ">": left > right,
            "==": left == right,
        }[self.op]


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

    def title(self, lang: str = "vi") -> str:
        return self.title_en if lang == "en" else self.title_vi

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def matches_sheet(self, sheet_name: str) -> bool:
        wanted = {fold_compact(n) for n in (self.sheet_name, *self.sheet_aliases, self.name)}
        return fold_compact(sheet_name) in wanted

    def pandera_schema(self) -> pa.DataFrameSchema:
        return _pandera_schema(self)


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

    def get(self, name: str) -> Indicator:
        for indicator in self.indicators:
            if indicator.name == name:
                return indicator
        raise ConfigError(
            f"Không có chỉ tiêu '{name}' / no indicator '{name}'.",
            f"Các chỉ tiêu có trong {self.directory}: {', '.join(i.name for i in self.indicators)}",
        )

    def for_sheet(self, sheet_name: str) -> Indicator | None:
        return next((i for i in self.indicators if i.matches_sheet(sheet_name)), None)

    def is_totals_label(self, text: object) -> bool:
        return fold(text) in self.totals_labels


def schemas_dir(directory: Path | str | None = None) -> Path:
    return Path(directory or os.environ.get("VWU_SCHEMAS") or DEFAULT_SCHEMAS)


def load_catalog(directory: Path | str | None = None) -> Catalog:
    """Load every `*.yaml` indicator file of the schema folder (cached per folder)."""
    return _load_catalog(schemas_dir(directory).resolve())


@lru_cache(maxsize=8)
def _load_catalog(directory: Path) -> Catalog:
    if not directory.is_dir():
        raise ConfigError(
            f"Không tìm thấy thư mục chỉ tiêu {directory}.",
            "Đặt VWU_SCHEMAS hoặc --schemas tới thư mục chứa các tệp *.yaml của chỉ tiêu.",
        )
    common = _read_yaml(directory / "_common.yaml")
    unit_columns = tuple(UnitColumn(c["name"], c["header"], tuple(c.get("aliases", ()))) for c in common.get("unit_columns", ()))
    if {c.name for c in unit_columns} != {"unit_code", "unit_name"}:
        raise ConfigError(
            f"{directory / '_common.yaml'}: cần khai báo unit_columns 'unit_code' và 'unit_name'.",
            "Xem mẫu trong thư mục schemas/ của dự án.",
        )
    indicators = tuple(
        _parse_indicator(path, _read_yaml(path)) for path in sorted(directory.glob("*.yaml")) if not path.name.startswith("_")
    )
    if not indicators:
        raise ConfigError(f"Thư mục {directory} không có tệp chỉ tiêu *.yaml nào.")
    totals = frozenset(fold(label) for label in common.get("totals_labels", ()))
    return Catalog(indicators, unit_columns, totals, directory)


def _read_yaml(path: Path) -> dict[str, Any]:
    import yaml

    try:
        # The C loader when PyYAML has it: the schemas are read on every run.
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except FileNotFoundError as exc:
        raise ConfigError(f"Thiếu tệp {path}.", "Khôi phục tệp từ thư mục schemas/ của dự án.") from exc
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(f"Tệp chỉ tiêu {path} sai cú pháp YAML: {exc}", "Sửa tệp rồi chạy lại.") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"Tệp chỉ tiêu {path} phải là một bảng YAML (key: value).")
    return data


def _parse_indicator(path: Path, data: dict[str, Any]) -> Indicator:
    def need(mapping: dict[str, Any], key: str, where: str) -> Any:
        if key not in mapping:
            raise ConfigError(f"{path}: thiếu khoá '{key}' trong {where}.", "Xem schemas/members.yaml làm mẫu.")
        return mapping[key]

    name = need(data, "name", "tệp")
    sheet = need(data, "sheet", "tệp")
    title = data.get("title", {})
    columns = []
    for raw in need(data, "columns", "tệp"):
        aggregation = raw.get("aggregation", "flow")
        if aggregation not in AGGREGATIONS:
            raise ConfigError(f"{path}: cột {raw.get('name')}: aggregation phải là flow, stock hoặc opening, không phải '{aggregation}'.")
        columns.append(
            Column(
                name=need(raw, "name", "cột"),
                header=need(raw, "header", f"cột {raw['name']}"),
                aliases=tuple(raw.get("aliases", ())),
                label_en=raw.get("label", {}).get("en", ""),
                aggregation=aggregation,
                min=raw.get("min", 0),
                max=raw.get("max"),
                unit=raw.get("unit"),
                headline=bool(raw.get("headline", False)),
                chart=bool(raw.get("chart", False)),
            )
        )
    known = {c.name for c in columns}
    ratios = []
    for raw in data.get("ratios", ()):
        for part in ("numerator", "denominator"):
            if need(raw, part, f"tỷ lệ {raw.get('name')}") not in known:
                raise ConfigError(f"{path}: tỷ lệ {raw.get('name')}: '{raw[part]}' không phải cột của chỉ tiêu.")
        ratios.append(
            Ratio(
                name=raw["name"],
                label_vi=raw.get("label", {}).get("vi", raw["name"]),
                label_en=raw.get("label", {}).get("en", raw["name"]),
                numerator=raw["numerator"],
                denominator=raw["denominator"],
                threshold=raw.get("threshold"),
                threshold_label_vi=raw.get("threshold_label", {}).get("vi", ""),
                threshold_label_en=raw.get("threshold_label", {}).get("en", ""),
                headline=bool(raw.get("headline", False)),
            )
        )
    derived = []
    for raw in data.get("derived", ()):
        parts = need(raw, "sum", f"số liệu tính {raw.get('name')}")
        if not isinstance(parts, list) or not parts or any(part not in known for part in parts):
            raise ConfigError(f"{path}: số liệu tính {raw.get('name')}: 'sum' phải là danh sách cột của chỉ tiêu.")
        derived.append(
            Derived(
                name=need(raw, "name", "derived"),
                label_vi=raw.get("label", {}).get("vi", raw["name"]),
                label_en=raw.get("label", {}).get("en", raw["name"]),
                sum=tuple(parts),
                headline=bool(raw.get("headline", False)),
                chart=bool(raw.get("chart", False)),
            )
        )
    rules = []
    for raw in data.get("rules", ()):
        match = _RULE.match(str(need(raw, "check", f"quy tắc {raw.get('code')}")))
        if not match or match[1] not in known or match[3] not in known:
            raise ConfigError(
                f"{path}: quy tắc {raw.get('code')}: '{raw['check']}' không hợp lệ.",
                "Viết dạng 'cột_a <= cột_b' với tên cột của chỉ tiêu.",
            )
        severity = raw.get("severity", "error")
        if severity not in ("error", "warning"):
            raise ConfigError(f"{path}: quy tắc {raw.get('code')}: severity phải là error hoặc warning.")
        message = raw.get("message", {})
        rules.append(
            Rule(
                code=need(raw, "code", "quy tắc"),
                left=match[1],
                op=match[2],
                right=match[3],
                severity=severity,
                message_vi=message.get("vi", raw["check"]),
                message_en=message.get("en", raw["check"]),
            )
        )
    return Indicator(
        name=name,
        title_vi=title.get("vi", name),
        title_en=title.get("en", name),
        sheet_name=need(sheet, "name", "sheet"),
        sheet_aliases=tuple(sheet.get("aliases", ())),
        columns=tuple(columns),
        ratios=tuple(ratios),
        rules=tuple(rules),
        source=str(path),
        derived=tuple(derived),
    )


@lru_cache(maxsize=32)
def _pandera_schema(indicator: Indicator) -> pa.DataFrameSchema:
    """Column checks are named by problem code so failures map back to messages.

    Figures are float64 with NaN for an empty cell; whole-number and bound checks
    skip the blanks. Rules compare two figures only where both are present.
    """
    import pandera.pandas as pa

    columns = {}
    for column in indicator.columns:
        checks = [pa.Check(lambda s: s.isna() | (s % 1 == 0), name="not-integer")]
        if column.min is not None:
            checks.append(pa.Check(lambda s, lo=column.min: s.isna() | (s >= lo), name="below-minimum"))
        if column.max is not None:
            checks.append(pa.Check(lambda s, hi=column.max: s.isna() | (s <= hi), name="above-maximum"))
        columns[column.name] = pa.Column(float, checks=checks, nullable=True)
    rule_checks = [
        pa.Check(
            lambda df, rule=rule: df[rule.left].isna() | df[rule.right].isna() | rule.holds(df[rule.left], df[rule.right]),
            name=rule.code,
        )
        for rule in indicator.rules
    ]
    return pa.DataFrameSchema(columns, checks=rule_checks, strict=False, name=indicator.name)
