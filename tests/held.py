"""An ingest in its own process that holds still after its n-th committed batch of files until
released, so a test can act "during" a run however fast the storing has become (issue 18 made
races of 60 and then 150 files end before the test acted)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

HELD_INGEST = """
import sys, time
from contextlib import contextmanager
from pathlib import Path
from vwu_pipeline.store.db import Store

after, held_at, go = int(sys.argv.pop(1)), Path(sys.argv.pop(1)), Path(sys.argv.pop(1))
batch, committed = Store.batch, []

@contextmanager
def batch_then_hold(self):
    with batch(self):
        yield
    committed.append(True)
    if len(committed) == after:
        held_at.touch()
        deadline = time.monotonic() + 120
        while not go.exists() and time.monotonic() < deadline:
            time.sleep(0.01)

Store.batch = batch_then_hold
from vwu_pipeline.cli import entry
sys.argv[0] = "vwu"
entry()
"""


@dataclass
class HeldIngest:
    process: subprocess.Popen  # a process group of its own, with its readers: a Ctrl-C can be sent to it alone
    go: Path
    stderr: Path  # what it says there

    def release(self) -> None:
        """Let the ingest go on (it would otherwise wait until the `with` block ends)."""
        self.go.touch()


@contextmanager
def ingest_held_after(batches: int, *args: object, folder: Path) -> Iterator[HeldIngest]:
    """`vwu ingest *args` held after its `batches`-th committed batch (the first holds 25 files:
    ingest.run's `_batches`) until released or the block ends; it is yielded once it holds (or has
    ended: the test's assertions then say why)."""
    held_at, go, stderr = (folder / f"{name}-{time.monotonic_ns()}" for name in ("held", "go", "stderr"))
    command = [sys.executable, "-c", HELD_INGEST, batches, held_at, go, "ingest", *args]
    with stderr.open("w") as said:
        process = subprocess.Popen([str(arg) for arg in command], stdout=subprocess.DEVNULL, stderr=said, start_new_session=True)
    run = HeldIngest(process, go, stderr)
    try:
        deadline = time.monotonic() + 120
        while not held_at.exists() and run.process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        yield run
    finally:
        run.release()
        run.process.wait(timeout=300)
