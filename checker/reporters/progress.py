"""A progress bar on standard error for long runs on a terminal.

The CLI passes :class:`ProgressBar` as ``api.check(..., progress=bar)`` only when standard error is
a terminal; nothing is drawn until the run has lasted ``delay`` seconds (one second by default), so
a pre-commit run of a few milliseconds never flickers. ``close()`` erases the bar before the report
is printed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

PHASES = {"load": "reading", "check": "checking"}
UNITS = {"load": "files", "check": "policies"}


class ProgressBar:
    def __init__(self, stream: TextIO, *, delay: float = 1.0, width: int = 30, interval: float = 0.1,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream
        self.delay = delay
        self.width = width
        self.interval = interval
        self.clock = clock
        self.start = clock()
        self.last_draw: float | None = None
        self.drawn = False

    def __call__(self, phase: str, done: int, total: int) -> None:
        now = self.clock()
        if now - self.start < self.delay:
            return
        if self.last_draw is not None and now - self.last_draw < self.interval and done + 1 < total:
            return
        self.last_draw = now
        filled = self.width * done // total if total else self.width
        bar = "#" * filled + "-" * (self.width - filled)
        label = PHASES.get(phase, phase)
        self.stream.write(f"\r\x1b[K{label} [{bar}] {done}/{total} {UNITS.get(phase, '')}".rstrip())
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        if self.drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.drawn = False
