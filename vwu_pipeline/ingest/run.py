"""Ingest: files -> raw sheets -> tables -> validated rows -> the store.

Files are handled in batches: each batch is read and checked by the reader processes and
stored file by file, the batch committed at once (each file all or nothing inside it), so a
crash loses at most the batch under way and never half a file.
"""

from __future__ import annotations

import errno
import gc
import os
import stat
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager, nullcontext, suppress
from dataclasses import dataclass, replace
from datetime import date
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING

from vwu_pipeline.core.errors import ConfigError, OutputError
from vwu_pipeline.core.messages import Said, said
from vwu_pipeline.core.problems import FileResult, IngestReport, Lang, Problem
from vwu_pipeline.core.text import number
from vwu_pipeline.ingest.formats import SUFFIXES
from vwu_pipeline.ops.config import Limits
from vwu_pipeline.store.db import Store, figures_digests, file_version_key, modified_text, version_key

# What only reading a file needs (the readers and their guards, the catalogue, the tables, the
# checks, the unit trees) is imported when a file has to be read: an ingest where every file
# is already stored needs none.
if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing.connection import Connection

    from vwu_pipeline.core.indicators import Catalog
    from vwu_pipeline.ingest.validation import Submission

BATCH_FILES = 100  # files validated together; bounds memory and what a crash can lose
PARSE_CHUNK = 8  # files a reader process takes at a time
TAIL_BATCH_FILES = 8  # the last batch of a large run: what is stored after the readers are done


@dataclass
class IngestOptions:
    year: int | None = None
    period: str | None = None  # --period: a full code ("2024-H1")
    lang: Lang = "vi"
    limits: Limits = Limits()
    schemas: Path | None = None
    workers: int | None = None  # reader processes; default: up to 2 cores; 0: read in this process
    # Read files already stored again, store re-saved originals on purpose, and recompute the
    # current figures of every unit from all stored versions in key order.
    force: bool = False
    # The checked copies handed back (ingest/annotate.py): written into this folder, mirroring
    # the inbox's subfolders. validate --annotate: every file checked; ingest --feedback: refused
    # files and accepted files with warnings, each with a plain-text message.
    feedback: Path | None = None
    feedback_all: bool = False
    feedback_message: bool = False
    send_to: str | None = None


def reader_processes(configured: int | None) -> int:
    """How many reader processes to start: never more than the machine has cores (16 on a
    2-core server would only compete with each other), 2 at most by default, 0 when asked
    (files read in this process: for tests and debugging, without crash isolation)."""
    cores = os.cpu_count() or 1
    if configured is None:
        return min(2, cores)
    return min(configured, cores)


def collect_files(paths: Iterable[Path]) -> tuple[list[Path], list[FileResult], dict[Path, os.stat_result]]:
    """The spreadsheets under the given files and folders, in a stable order, and the stat of
    each regular file found in a folder (what hashing asks next: one system call a file, not two).

    A symbolic link that leads outside the folder it sits in is refused: the inbox is
    written by many offices and must not reach the rest of the server.
    """
    files: list[Path] = []
    refused: list[FileResult] = []
    stats: dict[Path, os.stat_result] = {}
    for given in paths:
        given = Path(given)
        if given.is_dir():
            root = given.resolve()
            found: list[Path] = []

            def unreadable(error: OSError) -> None:
                # A folder the server may not read, or nested beyond the path limit: said, not skipped silently.
                from vwu_pipeline.ingest.guards import os_reason

                folder = Path(error.filename or given)
                problem = Problem("folder-unreadable", "error", folder.name, params=os_reason(error))
                refused.append(FileResult(str(folder), "refused", problems=[problem]))

            for folder, _, names in os.walk(given, onerror=unreadable):
                # Names filtered before a Path is made for each (an inbox holds other files too),
                # each made from its folder's (parsed once).
                base = Path(folder)
                found.extend(base / name for name in names if not name.startswith(("~$", ".")) and _suffix(name) in SUFFIXES)
            # Path's own order on Linux (part by part, case-sensitive), each path's parts made once
            for path in sorted(found, key=attrgetter("parts")):
                try:
                    info = os.lstat(path)  # one call where is_symlink() and is_file() made two
                    mode = info.st_mode
                    if stat.S_ISLNK(mode):
                        if not (target := path.resolve()).is_relative_to(root):
                            problem = Problem("outside-inbox", "error", path.name, params={"target": str(target)})
                            refused.append(FileResult(str(path), "refused", problems=[problem]))
                        elif path.is_file():
                            files.append(path)
                    elif stat.S_ISREG(mode):
                        files.append(path)
                        stats[path] = info
                except OSError as error:
                    if error.errno in _GONE:
                        continue  # gone since the folder was listed (as is_file() says of it): not there
                    from vwu_pipeline.ingest.reading import read_problem

                    refused.append(FileResult(str(path), "refused", problems=[read_problem(error, path.name)]))
        else:
            files.append(given)
    return files, refused, stats


# What pathlib's is_symlink() and is_file() answer False to instead of raising.
_GONE = (errno.ENOENT, errno.ENOTDIR, errno.EBADF, errno.ELOOP)


def _suffix(name: str) -> str:
    """`Path(name).suffix.lower()`, without making a Path."""
    dot = name.rfind(".")
    return name[dot:].lower() if 0 < dot < len(name) - 1 else ""


def parse_file(path: Path, sha256: str | None, catalog: Catalog, limits: Limits) -> Submission:
    """Read one file and locate its indicator tables; nothing is validated yet."""
    from vwu_pipeline.ingest.guards import ReadError
    from vwu_pipeline.ingest.reading import read_problem, read_workbook
    from vwu_pipeline.ingest.tables import find_tables
    from vwu_pipeline.ingest.validation import Submission, replaced

    result = FileResult(str(path), sha256=sha256)
    sub = Submission(path=path, result=result)
    try:
        sheets = read_workbook(path, limits)
    except ReadError as error:
        result.problems.append(read_problem(error, path.name))
        return sub
    except OSError as error:
        result.problems.append(read_problem(error, path.name))
        return sub
    for sheet in sheets:
        for row, col, length in sheet.long_cells:
            result.problems.append(
                Problem(
                    "cell-too-long",
                    "warning",
                    path.name,
                    sheet.name,
                    row,
                    _column_letter(col),
                    params={"length": length, "limit": limits.max_cell_chars},
                    column_index=col,
                )
            )
    tables, problems = find_tables(sheets, catalog, path.name)
    result.problems.extend(problems)
    return replaced(sub, tables=tables)


def run(
    paths: Iterable[Path],
    workspace: Path | None,
    options: IngestOptions = IngestOptions(),
    progress: Callable[[FileResult], None] | None = None,
    started: Callable[[int], None] | None = None,
) -> IngestReport:
    """Ingest files into the workspace store; with `workspace=None` only check them (vwu validate).

    `started(n)` is told how many files there are before the first is read (progress bars);
    `progress(result)` is called once per file as it is done."""
    # Loaded (and checked) on the first file that has to be read: when every file is one the
    # store already holds, a re-ingest needs neither the catalogue (nor its module) nor the unit
    # trees. Once checked it is kept in the workspace, where aggregate and report take it.
    catalog = CatalogOnDemand(options.schemas, workspace)
    paths = [Path(p) for p in paths]
    if options.feedback is not None:
        check_feedback_folder(options.feedback, paths)
    files, refused, stats = collect_files(paths)
    named = {path for path in paths if not path.is_dir()}  # `--force FILE` applies these on purpose
    names = {}
    if options.feedback:
        from vwu_pipeline.ingest.annotate import relative_names

        names = relative_names([*files, *(Path(r.path) for r in refused)], paths)
    if started:
        started(len(files) + len(refused))
    report = IngestReport(lang=options.lang)

    def feedback(result: FileResult) -> FileResult:
        """Before the file is stored, so that the store knows its copy: the result with its copy."""
        if options.feedback is not None and _wants_feedback(result, options):
            if seen_refused.get(result.sha256):
                # unchanged since it was refused and handed back: nothing new to say
                return replace(result, feedback=seen_refused[result.sha256])
            return replace(result, feedback=_write_feedback(result, names, options))
        return result

    refused_before: set[str] = set()

    def done(result: FileResult) -> None:
        if result.status == "refused" and result.sha256 in refused_before:
            result = replace(result, refused_before=True)
        report.files.append(result)
        if progress:
            progress(result)

    seen_refused: dict[str, str | None] = {}
    store = Store.open(workspace) if workspace is not None else None
    run_id = store.start_run("ingest") if store else None
    try:
        # Content already accepted (found without parsing), with its versions: one query a run.
        versions = store.accepted_versions() if store and not options.force else {}
        known = versions.keys()
        hashes = Hashes(store)
        years = YearCheck(store.latest_year() if store else None)
        in_run: dict[str, FileResult | None] = {}  # content read in this run -> its first file's result
        copies: list[tuple[Path, str]] = []
        refused_before.update(store.refused_feedback() if store else ())
        if store and options.feedback is not None:
            seen_refused = store.refused_feedback()
        for result in refused:
            done(feedback(result))
        parser = Parser(catalog, options)
        # When nothing is stored yet (a first ingest), every file will be read: the readers are
        # prepared while the files are hashed (in a process of their own when there are many).
        reading_certain = bool(files) and not known and reader_processes(options.workers) > 0
        hashed = hashes.all(files, stats, meanwhile=parser.prepare if reading_certain else None)  # (sha256, modification time, size)
        standing = _oldest_copies(hashed)
        with parser, ExitStack() as taking_back:
            # Workers read the next batch while this process validates and stores one.
            pending: tuple[list[FileResult], Callable[[], list[Submission]]] | None = None
            eased = False  # the collector's young threshold raised (`_fewer_young_collections`)
            for batch in [*_batches(files), []]:  # the empty batch finishes the last one
                unchanged: list[FileResult] = []
                fresh: list[tuple[Path, str | None]] = []
                for path in batch:
                    sha, mtime_ns, _ = hashed[path]
                    if sha in known:
                        unchanged.append(_seen_again(store, path, sha, versions[sha], mtime_ns))
                    elif sha and standing[sha] != path:
                        copies.append((path, sha))  # the same content twice in one run is read once
                    else:
                        fresh.append((path, sha))
                        if sha:
                            in_run[sha] = None
                upcoming = (unchanged, parser.submit(fresh))
                if parser.pool is not None and not eased:
                    # The readers have forked (they keep the collector as it was): from now on
                    # this process mostly makes what it unpickles and stores.
                    taking_back.enter_context(_fewer_young_collections())
                    eased = True
                if pending:
                    _finish_batch(*pending, catalog, options, store, done, feedback, run_id, in_run, years, named, hashed)
                pending = upcoming
        for path, sha in copies:
            copy = _copy_outcome(path, in_run[sha])
            if store and copy.status == "unchanged" and in_run[sha] is not None:
                copy.problems.extend(_seen_again(store, path, sha).problems)
            done(copy)
        if store:
            store.record_file_stats(hashes.recorded_now)
            if options.force:
                store.recompute_all()
            store.finish_run(run_id, report.counts, report.exit_code)
    except BaseException as error:
        if store:
            store.fail_run(run_id, error)
        raise
    finally:
        if store:
            store.close()
    return report


# Young objects allowed between two of the collector's passes while the readers' results are
# taken back (Python's default is 700). Unpickling a national run's results makes ≈ 400,000
# objects (the figures' tuples and floats) that live until their file is stored: at 700 the
# collector ran ≈ 900 young passes and dozens of older ones over them and over everything the
# process holds (unit trees, catalogue), half the unpickling's CPU. Cycles are still collected.
YOUNG_OBJECTS_BETWEEN_COLLECTIONS = 50_000


@contextmanager
def _fewer_young_collections() -> Iterator[None]:
    threshold = gc.get_threshold()
    gc.set_threshold(max(threshold[0], YOUNG_OBJECTS_BETWEEN_COLLECTIONS), *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)


def check_feedback_folder(folder: Path, paths: list[Path]) -> None:
    """Before anything is stored: copies written inside the inbox would be read back as
    submissions on the next run; a folder under a file can never be made (exit 73)."""
    target = Path(folder).resolve()
    for given in paths:
        if given.is_dir() and target.is_relative_to(given.resolve()):
            raise ConfigError("error.feedback-under-inbox", folder=folder, inbox=given)
    # A file where the folder or one of its parents should be is a mistake in the option: said
    # now. The folder itself is made when a copy is written (a share not mounted tonight must not
    # stop a nightly run that hands nothing back).
    try:
        existing = next(path for path in (target, *target.parents) if path.exists())
    except OSError:  # a folder on the way it may not look into: said when a copy is written
        return
    if existing == target and not target.is_dir():
        raise OutputError("error.output-is-file", hint="error.feedback-copy-hint", path=folder)
    if not existing.is_dir():
        raise OutputError("error.output", hint="error.feedback-copy-hint", path=folder, reason=said("reason.not-a-folder"))


def _wants_feedback(result: FileResult, options: IngestOptions) -> bool:
    if result.status in ("unchanged", "skipped"):
        return False
    return options.feedback_all or result.status == "refused" or bool(result.warnings)


def _write_feedback(result: FileResult, names: dict[Path, Path], options: IngestOptions) -> str:
    """The checked copy (and message) of one file, and where it was written. A copy that cannot
    be written (a full disk) stops the run with exit 73 naming it; the files stored before stay."""
    from vwu_pipeline.ingest.annotate import copy_path, write_feedback

    path = Path(result.path)
    out = copy_path(options.feedback, names.get(path, Path(path.name)))
    try:
        write_feedback(path, result, out, options.lang, options.send_to, options.feedback_message, options.limits)
    except OSError as error:
        raise OutputError("error.feedback-copy", path=out, reason=error.strerror or error) from error
    return os.path.abspath(out)  # status --missing lists it for a mail merge: not relative to today's folder


def _batches(files: list[Path]) -> Iterable[list[Path]]:
    """Batches of BATCH_FILES, the first ones smaller: this process waits only for a small
    first batch to be read, then validates while the readers go on. In a run of more than
    BATCH_FILES, the last ones smaller again, each half the files left (at least
    TAIL_BATCH_FILES): when the readers read the last file, this process is left to store only
    those of one small batch, not of up to a hundred."""
    start, size = 0, max(1, BATCH_FILES // 4)
    tail = len(files) > BATCH_FILES
    while start < len(files):
        left = len(files) - start
        if tail and left <= 2 * BATCH_FILES:
            size = left if left <= TAIL_BATCH_FILES else min(size, max(TAIL_BATCH_FILES, left // 2))
        yield files[start : start + size]
        start, size = start + size, min(BATCH_FILES, size * 2)


def _finish_batch(
    unchanged: list[FileResult],
    parsed: Callable[[], list[Submission]],
    catalog: CatalogOnDemand,
    options: IngestOptions,
    store: Store | None,
    done: Callable[[FileResult], None],
    feedback: Callable[[FileResult], FileResult] = lambda result: result,
    run_id: int | None = None,
    in_run: dict[str, FileResult | None] | None = None,
    years: YearCheck | None = None,
    named: set[Path] | frozenset[Path] = frozenset(),
    hashed: dict[Path, tuple[str | None, int | None, int | None]] | None = None,
) -> None:
    """Store a read batch file by file (each checked by its reader, `_parse_chunk`). `hashed`:
    each file's (sha256, modification time, size) from `Hashes.all`: its time and size as they
    were when it was hashed, without asking the file system again."""
    for result in unchanged:
        done(result)
    subs = parsed()
    if not subs:
        return
    from vwu_pipeline.ingest.validation import replaced

    years = years or YearCheck(None)
    # Stored oldest version first (the version key: signing date, else file time, then name), not
    # in name order: a re-saved original read in the same run as its correction is recognised as
    # such whatever the names, and a store rebuilt from the same files stores them alike.
    hashed = hashed or {}
    stats = {id(sub): _stat_texts(hashed.get(sub.path)) for sub in subs}
    order = sorted(subs, key=lambda sub: file_version_key(sub.path, sub.signed_on, stats[id(sub)][0])) if store is not None else subs
    outcomes: dict[int, FileResult] = {}
    # One commit for the batch (`Store.batch`), each file still all or nothing; told below, once committed.
    with store.batch() if store is not None else nullcontext():
        for sub in order:
            result = sub.result
            if result.valid and result.status != "skipped" and sub.year is not None:
                years.check(sub.year, result)
            if result.status == "skipped":
                pass  # nothing in it is a submission (a targets file, `_parse_chunk`): said why, not refused
            elif store is None or result.sha256 is None:
                # validate only; or bytes that could not be read: reported, nothing to store
                result = feedback(replaced(result, status="checked" if result.valid and store is None else "refused"))
            else:
                result = feedback(replaced(result, status="accepted" if result.valid else "refused"))
                outcome = store.save(
                    result,
                    sub.path,
                    sub.year,
                    sub.figures if result.valid else {},
                    signed_on=sub.signed_on,
                    run_id=run_id,
                    force=options.force and sub.path in named,
                    digest=sub.digest,
                    indicator_digests=sub.indicator_digests,
                    modified=stats[id(sub)][0],
                    size=stats[id(sub)][1],
                )
                result = replaced(result, status=outcome)
            if in_run is not None and result.sha256:
                in_run[result.sha256] = result
            outcomes[id(sub)] = result
    for sub in subs:  # told in the order of the files
        done(outcomes[id(sub)])


def _stat_texts(hashed: tuple[str | None, int | None, int | None] | None) -> tuple[str | None, int | None]:
    """A file's modification time as the store writes it, and its size, from the stat made when
    it was hashed; (None, None) when there was none (the store then asks the file system)."""
    if hashed is None or hashed[1] is None:
        return None, None
    return modified_text(hashed[1]), hashed[2]


class YearCheck:
    """Warns of a report year far from the others (year-unusual): the latest year is the store's,
    raised by the files accepted in this run."""

    def __init__(self, latest: int | None, today: date | None = None):
        self.latest = latest
        self.today = today or date.today()

    def check(self, year: int, result: FileResult) -> None:
        from vwu_pipeline.core.periods import reporting_year, unusual_year

        if unusual_year(year, self.latest, self.today):
            params = {"year": str(year), "latest": str(self.latest or "—"), "current": str(reporting_year(self.today))}
            result.problems.append(Problem("year-unusual", "warning", Path(result.path).name, params=params))
        elif self.latest is None or year > self.latest:
            self.latest = year  # an unusual year never becomes the reference for the next files


def _seen_again(store: Store, path: Path, sha: str, stored: list[tuple] | None = None, mtime_ns: int | None = None) -> FileResult:
    """A file whose bytes were accepted before: unchanged; an older copy lowers the stored key."""
    result = FileResult(str(path), "unchanged", sha256=sha)
    older = store.seen_again(sha, path, stored, modified_text(mtime_ns) if mtime_ns is not None else None)
    if older is not None:
        result.problems.append(older)
    return result


def _oldest_copies(hashed: dict[Path, tuple[str | None, int | None, int | None]]) -> dict[str, Path]:
    """Content -> the copy that stands for it in this run: the same bytes twice are read once,
    as the copy with the oldest version key (file time, then name; identical bytes have the same
    signing date), so that a copy made later never makes its content newer (an original and
    its browser copy "(1)" in one inbox count from the original's time). `hashed`: each file's
    (sha256, modification time, size) from `Hashes.all`."""

    def key(path: Path) -> str:  # only for content met twice: most files have one copy
        return version_key(None, modified_text(hashed[path][1]), path)

    standing: dict[str, Path] = {}
    for path, (sha, *_) in hashed.items():
        if sha and (sha not in standing or key(path) < key(standing[sha])):
            standing[sha] = path
    return standing


def _copy_outcome(path: Path, first: FileResult | None) -> FileResult:
    """A second copy of content read in this run: a refused original's copies are each refused
    with its problems, a skipped one's (a re-saved original) each skipped with its warning; a
    stored one's copies are already there."""
    if first is None:
        return FileResult(str(path), "unchanged")
    if first.status not in ("refused", "skipped"):
        status = "checked" if first.status == "checked" else "unchanged"
        return FileResult(str(path), status, sha256=first.sha256, unit_code=first.unit_code, unit_name=first.unit_name, period=first.period)
    name = Path(path).name
    problems = [replace(problem, file=name, params=dict(problem.params)) for problem in first.problems]
    return FileResult(str(path), first.status, sha256=first.sha256, problems=problems)


def _sha256_or_none(path: Path) -> str | None:
    from vwu_pipeline.ingest.reading import sha256_of

    try:
        return sha256_of(path)
    except OSError:
        return None  # parse_file reports why the file cannot be read


# Files from which looking at and hashing them in a process of their own pays: forking it and
# taking back what it found cost this process ≈ 3 ms; a file's stat and hash ≈ 30 µs (open,
# read, sha256 of a district's workbook).
HASHED_APART_FILES = 250


def _hashed_apart(paths: list[Path], recorded: dict, recording: bool, meanwhile: Callable[[], None], stats: dict) -> tuple[list, list]:
    """`_hashed(paths, recorded, recording, stats)`, done by a process of its own while this one calls
    `meanwhile` (on a first ingest the second core is otherwise idle until the readers start);
    here, after `meanwhile`, when that process cannot start or dies."""
    import multiprocessing

    from vwu_pipeline.ingest import reading  # noqa: F401 (before the fork: the readers need it too)

    context = multiprocessing.get_context("fork")  # the hasher is given the names and the records as this process holds them
    receiving, sending = context.Pipe(duplex=False)
    hasher = context.Process(target=_send_hashed, args=(sending, paths, recorded, recording, stats), daemon=True)
    try:
        hasher.start()
    except OSError:  # no process to be had
        hasher = None
    sending.close()  # the hasher's end: a hasher that dies leaves the pipe at its end (EOFError)
    found, ended = None, False
    try:
        meanwhile()
        if hasher is not None:
            with suppress(EOFError, OSError):
                found = receiving.recv()
        ended = True
    finally:
        receiving.close()
        if hasher is not None:
            if not ended:
                hasher.kill()  # an error of `meanwhile` ends the run, and the hashing with it
            hasher.join()
    return found if found is not None else _hashed(paths, recorded, recording, stats)


def _send_hashed(sending: Connection, *args: object) -> None:
    """The hasher process: what `_hashed` finds, sent back. A Ctrl-C is vwu's to handle (it ends
    the hasher with the run), and a vwu gone before it took the answer is told nothing."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    found = _hashed(*args)
    with suppress(OSError):
        sending.send(found)


def _hashed(paths: list[Path], recorded: dict, recording: bool, stats: dict[Path, os.stat_result]) -> tuple[list, list]:
    """`Hashes.all` in the process that does it: each file's (sha256, modification time, size),
    in order, and the stats to record (`recording`: into a store). `stats`: those the listing
    made (`collect_files`), moments ago; a file not among them is asked."""
    hashed: list[tuple[str | None, int | None, int | None]] = []
    to_record: list[tuple[str, int, int, int, int, int, str]] = []
    for path in paths:
        hashed_at = time.time_ns()
        try:
            info = stats.get(path) or os.stat(path)
        except OSError:
            hashed.append((None, None, None))  # parse_file reports why the file cannot be read
            continue
        # As text a database takes: a name in a legacy code page has its bytes as \xNN. Two names
        # written alike still have two inodes: the key finds a record, the stat decides.
        where = os.fsencode(os.path.abspath(path)).decode("utf-8", "backslashreplace")
        seen = (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, info.st_dev)
        known = recorded.get(where)
        if known is not None and known[:5] == seen:
            hashed.append((known[5], info.st_mtime_ns, info.st_size))
            continue
        sha = _sha256_or_none(path)
        fine = info.st_mtime_ns % 1_000_000_000 and info.st_ctime_ns % 1_000_000_000
        settled = STAT_SETTLED_NS if fine else STAT_SETTLED_WHOLE_SECONDS_NS
        if sha is not None and recording and max(info.st_mtime_ns, info.st_ctime_ns) < hashed_at - settled:
            to_record.append((where, *seen, sha))
        hashed.append((sha, info.st_mtime_ns, info.st_size))
    return hashed, to_record


# How long before it was hashed a file must have been last written (its modification and
# change times) for its stat to be trusted on the next run: a later write stamps the file with
# another time only once the clock has moved past the stamp's resolution. Stamps with a
# fraction of a second come from the kernel's coarse clock (a few ms); stamps in whole seconds
# may come from a file system that keeps no more (FAT: 2 s, ext3: 1 s).
STAT_SETTLED_NS = 100_000_000
STAT_SETTLED_WHOLE_SECONDS_NS = 2_000_000_000


class Hashes:
    """Each file's sha256, hashed only when the file is not as it was last hashed (git's index
    does the same): same path, size, modification time, change time, inode and device -> the
    recorded sha256. Any write changes the modification time; setting that time back (`touch
    -d`, `cp -p`, `rsync -t`) changes the change time, which no program can set; a file
    replaced by another (an upload renamed into place) has another inode. A stat is recorded
    only when the file had not been written for a while when it was hashed (STAT_SETTLED_NS,
    or 2 s for times in whole seconds), so that a write right after the hashing cannot leave
    the same times. What stays unseen is what git cannot see either: a file rewritten with the
    same size within the clock's resolution while its times come from another machine's clock
    (a network share whose clock lags this server's)."""

    def __init__(self, store: Store | None):
        self.recorded = store.file_stats() if store is not None else {}
        self.store = store
        self.recorded_now: list[tuple[str, int, int, int, int, int, str]] = []

    def all(
        self, paths: list[Path], stats: dict[Path, os.stat_result] | None = None, meanwhile: Callable[[], None] | None = None
    ) -> dict[Path, tuple[str | None, int | None, int | None]]:
        """Each file's sha256 (None when it cannot be read), its modification time and size, in
        the order given. `stats`: the files' stats when the caller has them (`collect_files`),
        else each is asked. `meanwhile`: what this process has to do before the files are read
        anyway; with many files (HASHED_APART_FILES), they are looked at and hashed meanwhile by
        a process of their own (`_hashed_apart`)."""
        recording = self.store is not None
        if meanwhile is not None and len(paths) >= HASHED_APART_FILES:
            hashed, to_record = _hashed_apart(paths, self.recorded, recording, meanwhile, stats or {})
        else:
            hashed, to_record = _hashed(paths, self.recorded, recording, stats or {})
        self.recorded_now += to_record
        return dict(zip(paths, hashed, strict=True))


def __getattr__(name: str) -> object:
    """concurrent.futures' ProcessPoolExecutor, imported (with multiprocessing, ≈ 15 ms) when
    the readers start: a run in which no file has to be read starts none."""
    if name == "ProcessPoolExecutor":
        from concurrent.futures import ProcessPoolExecutor

        globals()[name] = ProcessPoolExecutor
        return ProcessPoolExecutor
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class CatalogOnDemand:
    """The indicator catalogue, loaded and checked the first time it is asked for (a schema
    mistake then stops the run, exit 2, as before)."""

    def __init__(self, schemas: Path | None, workspace: Path | None = None):
        self.schemas = schemas
        self.workspace = workspace
        self._catalog: Catalog | None = None

    def get(self) -> Catalog:
        if self._catalog is None:
            from vwu_pipeline.core.indicators import CATALOG_CACHE, keep_catalog, load_catalog

            self._catalog = load_catalog(self.schemas)
            if self.workspace is not None:  # checked here: kept in the workspace for aggregate and report
                keep_catalog(Path(self.workspace) / CATALOG_CACHE, self._catalog)
        return self._catalog


class Parser:
    """Reads files in worker processes: both cores work, and a file that crashes the
    spreadsheet library (a crafted .xls can make it abort) takes down only its worker."""

    def __init__(self, catalog: CatalogOnDemand, options: IngestOptions):
        self.catalog = catalog
        self.options = options
        self.pool: ProcessPoolExecutor | None = None
        self._readers_checked = False
        self._prepared = False

    def __enter__(self) -> Parser:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool:
            self.pool.shutdown(cancel_futures=True)

    def prepare(self) -> None:
        """What the readers need, made once in this process before they fork: the catalogue
        (checked: a mistake in a schema file stops the run), the reading modules, the unit trees."""
        if self._prepared:
            return
        from vwu_pipeline.core.collector import paused_collector

        # All of it lives as long as this process: made with the collector paused, then frozen
        # (the unit trees' ≈ 100,000 objects were walked by a young and a middle pass, ≈ 8 ms,
        # before the readers started). The first submit unfreezes it once the readers have forked.
        with paused_collector():
            self.catalog.get()
            from vwu_pipeline.core.units import UnitTree
            from vwu_pipeline.ingest import reading, tables, validation  # noqa: F401 (imported once, before the fork, for every reader)

            # The unit trees built once here, before the fork: every reader inherits them instead of
            # parsing the unit master and building the same tree again.
            UnitTree.preload()
            # What each reader would otherwise import or look up after the fork, each for itself:
            # ctypes and resource (its start: `_start_reader`), zipfile's code page for member names.
            import codecs

            with suppress(ImportError):  # not on every platform: _start_reader does without them
                import ctypes  # noqa: F401
                import resource  # noqa: F401
            codecs.lookup("cp437")
            gc.freeze()
        self._prepared = True

    def _new_pool(self, workers: int) -> ProcessPoolExecutor:
        import multiprocessing

        self.prepare()
        return sys.modules[__name__].ProcessPoolExecutor(  # through the module: tests put another in its place
            max_workers=workers,
            mp_context=multiprocessing.get_context("fork"),
            initializer=_start_reader,
            initargs=(self.options.limits.worker_memory_bytes, os.getpid()),
        )

    def submit(self, items: list[tuple[Path, str | None]]) -> Callable[[], list[Submission]]:
        """Start reading files; call the returned function for the parsed submissions."""
        if not items:
            return list
        jobs = [
            (path, sha, self.catalog.get().directory, self.options.limits, self.options.year, self.options.period) for path, sha in items
        ]
        workers = reader_processes(self.options.workers)
        if workers == 0:
            return lambda: _parse_chunk(jobs)
        forking = self.pool is None
        if forking:
            self.pool = self._new_pool(workers)
            # The readers fork on the first submit. Frozen, what this process holds (the unit
            # trees, the catalogue, the libraries) is never walked by a reader's garbage
            # collector: a walk would touch, and so copy, every page they share.
            gc.freeze()
        size = max(1, min(PARSE_CHUNK, len(jobs) // 4))
        pool = self.pool
        from concurrent.futures import CancelledError
        from concurrent.futures.process import BrokenProcessPool

        try:
            futures = [pool.submit(_parse_chunk, jobs[i : i + size]) for i in range(0, len(jobs), size)]
        except BrokenProcessPool:
            # A reader crashed on a file of an earlier batch (that batch's `parsed` finds out and
            # reads its files one by one): these go to new readers.
            pool.shutdown(cancel_futures=True)
            self.pool = None
            return self.submit(items)
        finally:
            if forking:
                gc.unfreeze()

        def parsed() -> list[Submission]:
            try:
                return [sub for future in futures for sub in future.result()]
            except (BrokenProcessPool, CancelledError, MemoryError):
                if self.pool is pool:  # retire the broken pool; later batches get a new one
                    pool.shutdown(cancel_futures=True)
                    self.pool = None
                self._check_readers_can_work()
                return [self._parse_alone(job) for job in jobs]

        return parsed

    def _check_readers_can_work(self) -> None:
        """Before blaming files for a crash: can a reader process work at all under the memory
        limit? If not, every file would be called damaged; the limit is what is wrong."""
        from concurrent.futures.process import BrokenProcessPool

        if self._readers_checked:
            return
        try:
            with self._new_pool(1) as pool:
                pool.submit(_probe_reader).result()
        except (BrokenProcessPool, MemoryError, ImportError, OSError):
            limit = self.options.limits.worker_memory_bytes
            raise ConfigError("error.worker-memory", limit=Said(number(limit, "vi"), number(limit, "en"))) from None
        self._readers_checked = True

    def _parse_alone(self, job: tuple) -> Submission:
        """After a crash, each file in a process of its own, to find the one to blame."""
        from concurrent.futures.process import BrokenProcessPool

        from vwu_pipeline.ingest.validation import Submission

        with self._new_pool(1) as pool:
            try:
                return pool.submit(_parse_chunk, [job]).result()[0]
            except (BrokenProcessPool, MemoryError):
                path, sha = job[0], job[1]
                sub = Submission(path=path, result=FileResult(str(path), sha256=sha))
                reason = said("reason.reader-crashed")
                sub.result.problems.append(Problem("file-unreadable", "error", path.name, params={"reason": reason}))
                return sub


def _parse_chunk(jobs: list[tuple]) -> list[Submission]:
    """In a reader process: read each file and run the checks it decides alone. What goes back
    to the main process is checked (`validate`: its problems in sheet order, the indicators it
    has figures for; "skipped" when nothing in it is a submission) and holds no tables: the main
    process needs nothing more of them, and their headers, titles and indicators cost more to
    pickle and unpickle than the figures."""
    from vwu_pipeline.core.indicators import load_catalog
    from vwu_pipeline.ingest.validation import prepare, replaced, validate

    subs = []
    catalogs = {}  # the catalogue looked up once per chunk, not per file (it stats every schema file)
    for path, sha, schemas, limits, year, period in jobs:
        catalog = catalogs.get(schemas)
        if catalog is None:
            catalog = catalogs[schemas] = load_catalog(schemas)
        [sub] = validate([prepare(parse_file(path, sha, catalog, limits), year, period)], catalog, year, period)
        changes: dict[str, object] = {"tables": []}  # one copy of the submission for all of them
        if sub.result.valid and not sub.tables:
            changes["result"] = replaced(sub.result, status="skipped")
        if sub.figures and sub.result.valid:
            # Here, beside the reading: one process stores every file. (The figures go back
            # packed as the store writes them, `PackedFigures`: a few objects a unit's row to
            # pickle, unpickle and store instead of a tuple and a float a figure.)
            changes["digest"], changes["indicator_digests"] = figures_digests(sub.figures)
        subs.append(replaced(sub, **changes))
    return subs


READER_PROBE_BYTES = 64 * 1024**2  # what reading even a small workbook takes, with room to spare


def _probe_reader() -> bool:
    """In a reader process: the spreadsheet library loads and a modest buffer fits."""
    import python_calamine  # noqa: F401

    buffer = bytearray(READER_PROBE_BYTES)
    return len(buffer) == READER_PROBE_BYTES


def _start_reader(limit: int, parent: int | None = None) -> None:
    """A reader process's start. It ends with vwu (`_die_with_parent`) and may not grow past
    `limit` bytes: a hostile file fails alone, the server stays up. What the limit could prevent
    from loading (ctypes for prctl) is loaded first. A Ctrl-C is
    vwu's to handle (the terminal sends it to the readers too): it stops the readers once their
    chunk is read, where a reader interrupted itself printed a traceback and, holding the work
    queue's lock, could leave the run hanging (1 in ≈ 400 interrupted national ingests)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if parent is not None:
        _die_with_parent(parent)
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):
        return  # not on this platform: the size and zip-bomb checks still apply
    if limit < _address_space():
        # Below what the reader already holds: it could only work in the room it inherited,
        # reading a small file or failing on the next allocation as it happens. It ends here:
        # the pool breaks and `_check_readers_can_work` says the limit is too small, no file blamed.
        os._exit(1)


def _address_space() -> int:
    """This process's address space in bytes (Linux), else 0."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _die_with_parent(parent: int) -> None:
    """Linux: a reader process ends with vwu even when vwu is killed (kill -9, the OOM killer),
    instead of waiting forever for work that will not come."""
    try:
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return  # not Linux
    if os.getppid() != parent:  # vwu died before prctl took effect
        os._exit(1)


def _column_letter(index: int) -> str:
    """1-based column number -> Excel letters (1 -> A, 27 -> AA)."""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
