"""Ingest: files -> raw sheets -> tables -> validated rows -> the store.

Files are handled in batches: each batch is read, validated together (one pandera call
per indicator) and stored file by file, each file in its own transaction, so a crash
loses at most the batch under way and never half a file.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from .headers import find_tables
from .indicators import Catalog, load_catalog
from .problems import FileResult, Lang, Problem, Report
from .reading import SUFFIXES, Limits, ReadError, read_workbook, sha256_of
from .store import Store
from .validation import Submission, validate

BATCH_FILES = 200


@dataclass
class IngestOptions:
    year: int | None = None
    lang: Lang = "vi"
    limits: Limits = Limits()
    schemas: Path | None = None


def collect_files(paths: Iterable[Path]) -> tuple[list[Path], list[FileResult]]:
    """The spreadsheets under the given files and folders, in a stable order.

    A symbolic link that leads outside the folder it sits in is refused: the inbox is
    written by many offices and must not reach the rest of the server.
    """
    files: list[Path] = []
    refused: list[FileResult] = []
    for given in paths:
        given = Path(given)
        if given.is_dir():
            root = given.resolve()
            for path in sorted(given.rglob("*")):
                if path.name.startswith(("~$", ".")) or path.suffix.lower() not in SUFFIXES:
                    continue
                target = path.resolve()
                if path.is_symlink() and not target.is_relative_to(root):
                    result = FileResult(str(path), "refused")
                    result.problems.append(Problem("outside-inbox", "error", path.name, params={"target": str(target)}))
                    refused.append(result)
                elif target.is_file():
                    files.append(path)
        else:
            files.append(given)
    return files, refused


def parse_file(path: Path, sha256: str, catalog: Catalog, limits: Limits) -> Submission:
    """Read one file and locate its indicator tables; nothing is validated yet."""
    result = FileResult(str(path), sha256=sha256)
    sub = Submission(path=path, result=result)
    try:
        sheets = read_workbook(path, limits)
    except ReadError as error:
        result.problems.append(Problem(error.code, "error", path.name, params=error.params))
        return sub
    except OSError as error:
        result.problems.append(Problem("file-unreadable", "error", path.name, params={"reason": error.strerror or str(error)}))
        return sub
    for sheet in sheets:
        for row, col, length in sheet.long_cells:
            result.problems.append(
                Problem("cell-too-long", "warning", path.name, sheet.name, row, _column_letter(col), params={"length": length, "limit": limits.max_cell_chars})
            )
    sub.tables, problems = find_tables(sheets, catalog, path.name)
    result.problems.extend(problems)
    return sub


def run(
    paths: Iterable[Path],
    workspace: Path | None,
    options: IngestOptions = IngestOptions(),
    progress: Callable[[FileResult], None] | None = None,
) -> Report:
    """Ingest files into the workspace store; with `workspace=None` only check them (vwu validate)."""
    catalog = load_catalog(options.schemas)
    files, refused = collect_files(paths)
    report = Report(lang=options.lang)
    for result in refused:
        report.files.append(result)
        if progress:
            progress(result)
    store = Store.open(workspace) if workspace is not None else None
    try:
        run_id = store.start_run("ingest") if store else None
        known = store.accepted_hashes() if store else set()
        for start in range(0, len(files), BATCH_FILES):
            batch = files[start : start + BATCH_FILES]
            fresh: list[tuple[Path, str]] = []
            for path in batch:
                try:
                    sha = sha256_of(path)
                except OSError:
                    sha = f"unreadable:{path}"  # parse_file reports why
                if sha in known:
                    result = FileResult(str(path), "unchanged", sha256=sha)
                    report.files.append(result)
                    if progress:
                        progress(result)
                else:
                    fresh.append((path, sha))
                    known.add(sha)  # the same content twice in one run is ingested once
            subs = [parse_file(path, sha, catalog, options.limits) for path, sha in fresh]
            validate(subs, catalog, options.year)
            for sub in subs:
                result = sub.result
                if store is None:
                    result.status = "checked" if result.valid else "refused"
                else:
                    replaced = store.save(result, sub.path, sub.year, sub.frames if result.valid else {})
                    result.status = "refused" if not result.valid else "replaced" if replaced else "accepted"
                report.files.append(result)
                if progress:
                    progress(result)
        if store:
            store.finish_run(run_id, report.counts)
    finally:
        if store:
            store.close()
    return report


def _column_letter(index: int) -> str:
    """1-based column number -> Excel letters (1 -> A, 27 -> AA)."""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
