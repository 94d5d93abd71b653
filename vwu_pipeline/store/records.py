"""What the store holds, as read back: the records of the read API that aggregate, status,
report and the tests use (`Store.files()`, `versions()`, `submissions()`, ...).

In a module of their own, imported by the `Store` methods that return them: each frozen
dataclass costs about 1 ms to define on Python 3.11 (its methods are compiled when the class
is made), and a command that only writes (an unchanged re-ingest is mostly start-up) never
reads them back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class StoredFile:
    """One submitted file as the store remembers it (accepted, or refused with its problems)."""

    id: int
    name: str
    path: str
    sha256: str
    status: str  # accepted | refused
    unit_code: str | None
    period: str | None
    year: int | None
    rows: int


@dataclass(frozen=True)
class FigureOrigin:
    """The cell a current figure was read from."""

    file: str
    sheet: str
    row: int
    value: float


@dataclass(frozen=True)
class StoredVersion:
    """An accepted file as a version of its unit's report."""

    name: str
    unit_code: str | None
    period: str | None
    signed_on: str | None  # the date of its place-and-date line
    modified: str | None  # its modification time when ingested
    version_key: str | None
    withdrawn: bool


@dataclass(frozen=True)
class StoredSubmission:
    """One indicator of one accepted file; `current` until a newer file replaces it."""

    id: int
    file_id: int
    unit_code: str
    year: int | None
    period: str
    indicator: str
    current: bool
    replaced_by: int | None
    figures: int  # figures stored for it


@dataclass(frozen=True)
class StoredFileFate:
    """What became of one file, for `vwu status --missing`: refused or accepted, and the copy handed back."""

    id: int
    name: str
    status: str  # accepted | refused
    unit_code: str
    period: str | None
    indicators: tuple[str, ...]  # the indicator sheets it held; empty for files stored before they were recorded
    feedback: str | None


@dataclass(frozen=True)
class StoredProblem:
    file: str
    code: str
    severity: str
    sheet: str | None
    row: int | None
    column: str | None
    column_index: int | None
    value: str | None
    message_vi: str
    message_en: str


@dataclass(frozen=True)
class StoredRun:
    id: int
    command: str
    started_at: str
    finished_at: str | None  # None: still running, or killed
    summary: dict[str, Any] = field(default_factory=dict)
    exit_code: int | None = None  # how it ended (None before the store recorded it)
    message: str | None = None  # why a failed run stopped


@dataclass(frozen=True)
class StoredTarget:
    year: int
    unit_code: str
    column: str
    target: float
    file: str
