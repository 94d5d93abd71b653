"""Which side of a first `vwu ingest` is the critical path: the readers or the main process.

`python benchmarks/timeline.py [FOLDER]` ingests FOLDER (default: the cached national 2024
set) into a fresh temporary workspace, in this process as `vwu ingest --quiet` does, and
says, in seconds from the start: when the readers start reading, how long they sat between
chunks (waiting for work, or for a core), when they read their last file, how long the main
process waited for read batches (`parsed()`), how long it worked after the readers were done,
and the CPU time of the main process and of the readers (getrusage), with its system part and
the minor page faults (copy-on-write after the fork shows there). Run it a few times: on a
busy machine the seconds move a lot. It asserts nothing.
"""

from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
from pathlib import Path

START = time.perf_counter()

from vwu_pipeline.ingest import run as ingest  # noqa: E402 (the clock starts before the imports)

CACHE = Path(__file__).resolve().parent / ".cache"
CHUNKS_LOG = Path(tempfile.gettempdir()) / f"vwu-timeline-{os.getpid()}.log"
_parse_chunk = ingest._parse_chunk


def timed_chunk(jobs: list) -> list:
    """In a reader (forked: found by name there): a chunk's start and end, appended to the log."""
    began = time.perf_counter()
    subs = _parse_chunk(jobs)
    with open(CHUNKS_LOG, "a") as log:
        log.write(f"{os.getpid()} {began - START:.4f} {time.perf_counter() - START:.4f}\n")
    return subs


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else CACHE / "national-2024"
    with tempfile.TemporaryDirectory() as temporary:
        chunks_log = CHUNKS_LOG
        waits: list[tuple[float, float]] = []
        submit = ingest.Parser.submit

        def timed_submit(self: ingest.Parser, items: list) -> object:
            parsed = submit(self, items)

            def timed_parsed() -> list:
                began = time.perf_counter()
                subs = parsed()
                waits.append((began - START, time.perf_counter() - began))
                return subs

            return timed_parsed

        ingest.Parser.submit = timed_submit
        ingest._parse_chunk = timed_chunk
        from vwu_pipeline.cli import main as vwu

        sys.argv = ["vwu", "ingest", str(folder), "-w", str(Path(temporary) / "ws"), "--quiet"]
        try:
            vwu()
        except SystemExit:
            pass
        end = time.perf_counter() - START
        readers: dict[str, list[tuple[float, float]]] = {}
        for line in chunks_log.read_text().splitlines():
            pid, began, ended = line.split()
            readers.setdefault(pid, []).append((float(began), float(ended)))
        chunks_log.unlink()
    spans = [sorted(chunks) for chunks in readers.values()]
    gaps = sum(later[0] - earlier[1] for chunks in spans for earlier, later in zip(chunks, chunks[1:]))
    readers_end = max(chunks[-1][1] for chunks in spans)
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"readers start             {min(chunks[0][0] for chunks in spans):6.2f}")
    print(f"readers between chunks    {gaps:6.2f}  (all readers)")
    print(f"readers end               {readers_end:6.2f}")
    print(f"main waits for parsed()   {sum(wait for _, wait in waits):6.2f}")
    print(f"main after the readers    {end - readers_end:6.2f}")
    print(f"end                       {end:6.2f}")
    print(f"CPU main / readers        {own.ru_utime + own.ru_stime:6.2f} / {children.ru_utime + children.ru_stime:.2f}")
    # Of it the kernel's share, and the pages a process touched first (after the fork: the
    # copies of pages it shared with the main process): each small if the fork works as meant.
    print(f"system CPU main / readers {own.ru_stime:6.2f} / {children.ru_stime:.2f}")
    print(f"minor faults main/readers {own.ru_minflt:6d} / {children.ru_minflt}")


if __name__ == "__main__":
    main()
