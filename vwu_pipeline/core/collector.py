"""Python's cycle collector paused while a step makes many objects that are not garbage."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_collector() -> Iterator[None]:
    """The cycle collector paused, and enabled again after (also on an error) unless the caller
    had it off. Each of its passes walks every object of the process: while the unit master is
    parsed, a roll-up makes its tuples or a workbook its strings (freed by their reference
    counts), it ran again and again over the trees, the catalogue and pandas for nothing. The few
    cycles such a step leaves are collected once it runs again."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
