"""One writer at a time: `ingest`, `aggregate` and `targets` hold `vwu.lock` in the workspace.

The lock is an OS lock (a POSIX record lock, `lockf`, or Windows' `msvcrt.locking`, through the
fasteners package): the kernel releases it when the holding process ends, however it ends, so
a run killed by the OOM killer or `kill -9` never blocks the next one. Nothing has to be
deleted by hand. (filelock did the same; its 4.x import cost ≈ 14 ms on every writer command,
a tenth of an unchanged re-ingest: README, benchmark levers.) A record lock belongs to the
process, so a second take in the same process is refused as another process's would be.

Beside it, `vwu.lock.json` says who holds the lock (pid, command, user, host, start time),
only so that the message of a second run can name the first. It is a hint, never the lock:
a stale one (its process gone) is ignored.

Readers (`status`, `validate`, and `report` of a fresh aggregation) take no lock: SQLite in
WAL mode lets them read while a writer writes. `report` re-aggregating a missing or stale year
is a writer: it takes the lock like `aggregate`.
"""

from __future__ import annotations

import getpass
import json
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from fasteners import InterProcessLock

from vwu_pipeline.core.errors import StoreError, WorkspaceLocked
from vwu_pipeline.core.messages import Said, said

LOCK_NAME = "vwu.lock"
HOLDER_NAME = "vwu.lock.json"


@contextmanager
def workspace_lock(workspace: Path, command: str, timeout: float, create: bool = True) -> Iterator[None]:
    """Hold the workspace's writer lock; wait at most `timeout` seconds, then raise WorkspaceLocked.

    With `create=False` a missing workspace is an error (aggregate: nothing to aggregate)
    rather than a new empty folder."""
    workspace = Path(workspace)
    if not create and not workspace.is_dir():
        from vwu_pipeline.store.db import no_workspace

        raise no_workspace(workspace)
    try:
        workspace.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError("error.workspace-create", workspace=workspace, reason=exc.strerror or exc) from None
    held_here = workspace.resolve()
    with _RESERVING:  # checked and reserved at once: two threads of one process cannot both pass
        if held_here in _HELD:
            # A record lock is the process's: taken again it would be granted at once, and its
            # release would free the first holder's too. The same answer another process gets.
            raise locked_error(workspace, 0)
        _HELD.add(held_here)
    try:
        lock = InterProcessLock(workspace / LOCK_NAME)
        try:
            held = lock.acquire(blocking=timeout > 0, timeout=timeout)
        except (OSError, threading.ThreadError) as exc:
            # fasteners says a lock the file system refuses (ENOLCK on a share) as a ThreadError
            cause = exc if isinstance(exc, OSError) else exc.__context__
            reason = getattr(cause, "strerror", None) or cause or exc
            raise StoreError("error.lock-create", path=workspace / LOCK_NAME, reason=reason) from None
        if not held:
            raise locked_error(workspace, timeout)
    except BaseException:
        _HELD.discard(held_here)
        raise
    me = _write_holder(workspace, command)
    try:
        yield
    finally:
        try:
            _remove_holder(workspace, me)
            lock.release()
        finally:  # only once released: a thread of this process taking it now would be granted it
            _HELD.discard(held_here)


_HELD: set[Path] = set()  # the workspaces this process holds (or is taking) the lock of
_RESERVING = threading.Lock()


def holder(workspace: Path) -> dict[str, Any] | None:
    """Who holds the lock, from the side file; None when nobody (or a process that is gone)."""
    try:
        info = json.loads((Path(workspace) / HOLDER_NAME).read_text(encoding="utf-8"))
        pid = int(info["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if info.get("host") == socket.gethostname() and not _alive(pid):
        return None
    return info


def locked_error(workspace: Path, timeout: float) -> WorkspaceLocked:
    info = holder(workspace)
    waited = f"{timeout:g}".replace(".", ",")
    if info:
        started = str(info.get("started_at", "?"))
        try:
            moment = datetime.fromisoformat(started)
            started = Said(moment.strftime("%H:%M:%S ngày %d/%m/%Y"), moment.strftime("%H:%M:%S on %Y-%m-%d"))
        except ValueError:
            pass
        who = said(
            "error.locked-by",
            command=info.get("command", "?"),
            pid=info.get("pid"),
            user=info.get("user", "?"),
            host=info.get("host", "?"),
            started=started,
        )
    else:
        who = said("error.locked-by-someone")
    return WorkspaceLocked("error.locked", workspace=workspace, who=who, waited=waited)


def _write_holder(workspace: Path, command: str) -> dict[str, Any]:
    info = {
        "pid": os.getpid(),
        "command": command,
        "user": _user(),
        "host": socket.gethostname(),
        "started_at": datetime.now().astimezone().isoformat(timespec="seconds"),
    }
    path = Path(workspace) / HOLDER_NAME
    partial = path.with_name(f"{HOLDER_NAME}.{os.getpid()}")
    try:
        partial.write_text(json.dumps(info, ensure_ascii=False), encoding="utf-8")
        os.replace(partial, path)  # a reader never sees half a file
    except OSError:
        pass  # only a hint for the message of a second run
    return info


def _remove_holder(workspace: Path, me: dict[str, Any]) -> None:
    path = Path(workspace) / HOLDER_NAME
    try:
        if json.loads(path.read_text(encoding="utf-8")).get("pid") == me["pid"]:
            path.unlink()
    except (OSError, ValueError, AttributeError):
        pass


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no name for this uid (containers)
        return str(os.getuid()) if hasattr(os, "getuid") else "?"
