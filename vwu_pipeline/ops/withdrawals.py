"""vwu withdraw: an officer takes a stored file's figures out of the current ones, or puts them
back (DOMAIN.md, Submission rules: withdrawing is an explicit act, recorded with who, when and
why, never a side effect of another file). With row-by-row replacement a file sent for the
wrong unit or period can no longer be undone by sending another one: this is how.

The store keeps every version; withdrawing marks the file and recomputes, for each of its
submissions, which figures count (store/db.py, Store.recompute). The next aggregate and
report see the change (the store's data version counts withdrawals).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from vwu_pipeline.core.errors import ConfigError
from vwu_pipeline.store.db import Store, current_user


@dataclass
class WithdrawResult:
    """What `vwu withdraw` did: the file, its unit and period, and the act recorded."""

    action: str  # withdraw | restore
    file: str
    path: str
    sha256: str
    unit_code: str | None
    period: str | None
    who: str
    at: str
    reason: str | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)


def withdraw(workspace: Path, target: str, reason: str | None = None, undo: bool = False) -> WithdrawResult:
    """Withdraw the accepted file `target` (a name, a path, or its sha256 or first 8+ characters
    of it), or with `undo` put a withdrawn one back. Raises ConfigError when `target` names no
    stored file, several, or one already in the state asked for."""
    with Store.open(Path(workspace), create=False) as store:
        matches = store.find_file(target)
        if not matches:
            raise _error("error.withdraw-none", target=target)
        if len(matches) > 1:
            listed = "; ".join(f"{name} ({sha[:12]}, {path})" for _, name, sha, path, _ in matches)
            raise _error("error.withdraw-several", target=target, files=listed)
        [(file_id, name, sha, path, withdrawn)] = matches
        if bool(withdrawn) != undo:
            raise _error("error.withdraw-undone" if undo else "error.withdraw-already", file=name, sha=sha[:12])
        store.set_withdrawn(file_id, not undo, current_user(), reason)
        [stored] = [f for f in store.files("accepted") if f.id == file_id]
        [act] = store.withdrawal_history(file_id)[-1:]
    return WithdrawResult(
        "restore" if undo else "withdraw", name, path, sha, stored.unit_code, stored.period, act["who"], act["at"], act["reason"]
    )


def _error(key: str, **params: object) -> ConfigError:
    return ConfigError(key, **params)
