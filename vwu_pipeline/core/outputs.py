"""Files vwu writes for people (reports, templates, backups): into a folder that can be made,
through a uniquely named temporary file, so readers never see half a file and two runs
writing the same output at once never collide. Any failure is an `OutputError` (exit 73)
naming the path."""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from vwu_pipeline.core.errors import OutputError

# Files vwu creates are group-readable, not world-readable, unless vwu.toml says otherwise
# (file_mode): officers share a group on the server, other users see nothing.
DEFAULT_FILE_MODE = 0o640


def _reason(exc: OSError) -> tuple[str, str]:
    """(Vietnamese, English) reason of an OS error, in the words an admin acts on."""
    code = exc.errno
    if code in (errno.ENOSPC, errno.EDQUOT):
        return "đĩa đã đầy", "the disk is full"
    if code == errno.EFBIG:
        return "vượt giới hạn kích thước tệp (ulimit -f)", "the file-size limit (ulimit -f) was reached"
    if code in (errno.EACCES, errno.EPERM):
        return "không có quyền ghi", "permission denied"
    if code == errno.EROFS:
        return "ổ đĩa chỉ cho đọc", "read-only file system"
    if code == errno.ENOTDIR:
        return "một phần của đường dẫn là tệp, không phải thư mục", "part of the path is a file, not a folder"
    if code == errno.EEXIST or code == errno.EISDIR:
        return "đã có một tệp hoặc thư mục trùng tên", "a file or folder of that name is in the way"
    text = exc.strerror or str(exc)
    return text, text


def output_error(path: Path, exc: OSError) -> OutputError:
    vi, en = _reason(exc)
    return OutputError(
        f"Không tạo được {path}: {vi}.",
        "Chọn thư mục khác (--out), hoặc cấp quyền ghi, hoặc giải phóng chỗ trống trên đĩa rồi chạy lại.",
        en=f"Cannot create {path}: {en}.",
        en_hint="Choose another folder (--out), grant write permission, or free disk space, then run again.",
    )


def output_folder(path: Path) -> Path:
    """The folder, created with its parents when missing; an OutputError when that cannot be."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise OutputError(
            f"Không ghi được vào {path}: đó là một tệp, không phải thư mục.",
            "Chỉ --out tới một thư mục (sẽ được tạo nếu chưa có).",
            en=f"Cannot write into {path}: it is a file, not a folder.",
            en_hint="Point --out at a folder (created when missing).",
        )
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
