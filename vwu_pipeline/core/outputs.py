"""Files vwu writes for people (reports, templates, backups): into a folder that can be made,
through a uniquely named temporary file, so readers never see half a file and two runs
writing the same output at once never collide. Any failure is an `OutputError` (exit 73)
naming the path."""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from vwu_pipeline.core.errors import OutputError
from vwu_pipeline.core.messages import Said, said

# Files vwu creates are group-readable, not world-readable, unless vwu.toml says otherwise
# (file_mode): officers share a group on the server, other users see nothing.
DEFAULT_FILE_MODE = 0o640


def _reason(exc: OSError) -> Said:
    """The reason of an OS error in the words an admin acts on (catalogue keys `reason.*`)."""
    code = exc.errno
    if code in (errno.ENOSPC, errno.EDQUOT):
        return said("reason.disk-full")
    if code == errno.EFBIG:
        return said("reason.file-size-limit")
    if code in (errno.EACCES, errno.EPERM):
        return said("reason.permission")
    if code == errno.EROFS:
        return said("reason.read-only-fs")
    if code == errno.ENOTDIR:
        return said("reason.not-a-folder")
    if code == errno.EEXIST or code == errno.EISDIR:
        return said("reason.in-the-way")
    text = exc.strerror or str(exc)
    return Said(text, text)


def output_error(path: Path, exc: OSError) -> OutputError:
    return OutputError("error.output", path=path, reason=_reason(exc))


def output_folder(path: Path) -> Path:
    """The folder, created with its parents when missing; an OutputError when that cannot be."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise OutputError("error.output-is-file", path=path)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise output_error(path, exc) from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise output_error(path, PermissionError(errno.EACCES, "permission denied"))
    return path


def file_mode(mode: int | None = None) -> int:
    return DEFAULT_FILE_MODE if mode is None else mode


@contextmanager
def replacing(path: Path, mode: int | None = None) -> Iterator[Path]:
    """Yield a temporary path beside `path` to write; on success it replaces `path` at once.

    The temporary name is unique (two `vwu report` runs into one folder each have their own)
    and hidden; it is removed whatever happens."""
    import tempfile  # here: an unchanged re-ingest, which writes no output, does without it (≈ 2 ms)

    path = Path(path)
    try:
        handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    except OSError as exc:
        raise output_error(path, exc) from None
    os.close(handle)
    partial = Path(name)
    try:
        yield partial
        os.chmod(partial, file_mode(mode))
        os.replace(partial, path)
    except OSError as exc:
        raise output_error(path, exc) from None
    finally:
        partial.unlink(missing_ok=True)
