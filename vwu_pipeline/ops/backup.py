"""vwu backup: a consistent copy of the store, taken while an ingest may be running, rotated.

SQLite's online backup API copies the database page by page from a read snapshot: the copy
holds every file whole or not at all, whatever a writer does meanwhile, and the store is never
locked for long. Copies are written under a temporary name, then renamed
`vwu-YYYYMMDD-HHMMSS.sqlite`, so a copy that exists is complete; the oldest beyond `keep` go.

Restore: stop cron's vwu jobs, move `vwu.sqlite` (and any `vwu.sqlite-wal`, `vwu.sqlite-shm`)
away, copy the chosen backup to `WORKSPACE/vwu.sqlite`, run `vwu status`.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from vwu_pipeline.core.errors import ConfigError
from vwu_pipeline.core.outputs import output_error, output_folder, replacing
from vwu_pipeline.store.db import DB_NAME, no_workspace, store_error

BACKUP_FOLDER = "backups"  # under the workspace, unless --to says otherwise
DEFAULT_KEEP = 7  # a week of nightly copies
PAGES_PER_STEP = 256  # pages copied between pauses: writers wait at most one step


@dataclass
class BackupResult:
    path: Path
    size: int
    check: str  # PRAGMA integrity_check of the copy: "ok"
    removed: list[Path] = field(default_factory=list)  # older copies rotated out
    kept: list[Path] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(
            {
                "path": str(self.path),
                "size": self.size,
                "check": self.check,
                "removed": [str(p) for p in self.removed],
                "kept": [str(p) for p in self.kept],
            },
            ensure_ascii=False,
            indent=2,
        )


def backup(workspace: Path, to: Path | None = None, keep: int = DEFAULT_KEEP, now: datetime | None = None) -> BackupResult:
    """Copy WORKSPACE/vwu.sqlite into `to` (default WORKSPACE/backups), check the copy, keep the newest `keep`."""
    if keep < 1:
        raise ConfigError("error.backup-keep", keep=keep)
    workspace = Path(workspace)
    source_path = workspace / DB_NAME
    if not source_path.exists():
        raise no_workspace(workspace)
    folder = output_folder(Path(to) if to is not None else workspace / BACKUP_FOLDER)
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    target = folder / f"vwu-{stamp}.sqlite"
    try:
        source = sqlite3.connect(f"file:{source_path.absolute()}?mode=ro", uri=True, timeout=30)
    except sqlite3.DatabaseError as exc:
        raise store_error(exc, source_path) from exc
    try:
        with replacing(target) as partial:
            copy = sqlite3.connect(partial)
            try:
                source.backup(copy, pages=PAGES_PER_STEP)
                (check,) = copy.execute("PRAGMA integrity_check(1)").fetchone()
            finally:
                copy.close()
            if check != "ok":
                raise store_error(sqlite3.DatabaseError(f"integrity_check: {check}"), source_path)
    except sqlite3.DatabaseError as exc:
        if "disk" in str(exc).lower() or "full" in str(exc).lower():
            raise output_error(target, OSError(28, str(exc))) from exc
        raise store_error(exc, source_path) from exc
    finally:
        source.close()
    copies = sorted(folder.glob("vwu-*.sqlite"))
    removed = copies[:-keep]
    for old in removed:
        try:
            old.unlink()
        except OSError as exc:
            raise output_error(old, exc) from None
    return BackupResult(target, target.stat().st_size, check, removed, copies[-keep:])
