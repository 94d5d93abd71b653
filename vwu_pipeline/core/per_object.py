"""Values worked out once per object and kept for the process: what the readers read of a
catalogue, an indicator or a header's fields at every file (folded names, search patterns, the
checks of a schema) is made the first time and looked up after."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def made_once(caches: dict[int, tuple[Any, Any]], owner: object, make: Callable[[Any], T], kept: int = 8) -> T:
    """`make(owner)`, made once per object `owner` and kept in `caches` by its id().

    The owner is kept beside its value, and a value is taken only for the very object it was
    made for: once an object is gone its id() can be given to another (another schema folder
    loaded in the same process), which must not get the first one's value. Keeping the owner
    also keeps its id() from being reused while the entry lives. At `kept` entries the caches
    start again empty (a process sees a handful of catalogues at most)."""
    entry = caches.get(id(owner))
    if entry is None or entry[0] is not owner:
        if len(caches) >= kept:
            caches.clear()
        entry = caches[id(owner)] = (owner, make(owner))
    return entry[1]
