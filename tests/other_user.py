"""Run a vwu command as another OS user: what root may do (write into any folder), an officer
may not, and CI runs as root."""

from __future__ import annotations

import json
import os
import tempfile
from types import SimpleNamespace
from unittest import mock

from typer.testing import CliRunner

from vwu_pipeline.cli import app

NOBODY = 65534  # the unprivileged user and group every Linux has ("nobody", "nogroup")


def as_user(uid: int, gid: int, *args: object) -> SimpleNamespace:
    """The command run by a forked copy of this process that dropped root (the interpreter
    under /root cannot be started by that user, but the one already running can): its
    exit_code, stdout and stderr."""
    _import_what_vwu_imports_late()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: become the user, run the command, report back, leave
        try:
            os.close(read)
            os.setgroups([gid])
            os.setgid(gid)
            os.setuid(uid)
            result = CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)
            payload = json.dumps([result.exit_code, result.stdout, result.stderr])
        except BaseException as exc:  # noqa: BLE001 - anything must reach the parent
            payload = json.dumps([-1, "", repr(exc)])
        os.write(write, payload.encode())
        os._exit(0)
    os.close(write)
    chunks = []
    while chunk := os.read(read, 65536):
        chunks.append(chunk)
    os.close(read)
    os.waitpid(pid, 0)
    code, out, err = json.loads(b"".join(chunks))
    return SimpleNamespace(exit_code=code, stdout=out, stderr=err, output=out + err)


def _import_what_vwu_imports_late() -> None:
    """The user cannot read the interpreter's library under /root, so a module vwu imports only
    when needed (matplotlib, for a report's charts; rich, for coloured or tabular output) is
    imported here, before root is dropped; on a real server the library is readable by every user."""
    import rich.console  # noqa: F401
    import rich.markup  # noqa: F401
    import rich.panel  # noqa: F401
    import rich.progress  # noqa: F401
    import rich.table  # noqa: F401

    with tempfile.TemporaryDirectory() as cache, mock.patch.dict(os.environ, {"MPLCONFIGDIR": cache}):
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot  # noqa: F401
