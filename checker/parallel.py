"""How many processes a run uses (``--jobs``).

``--jobs N`` asks for N processes; ``--jobs 0`` (the command line's default) lets the run decide:
one process per CPU this process may run on (at most :data:`MAX_AUTO_JOBS`), and only when there is
enough work to share, since a worker costs a fork and the transfer of its results.
"""

from __future__ import annotations

import os

#: ``--jobs 0``: one process per usable CPU when the work is large enough.
AUTO_JOBS = 0
MAX_AUTO_JOBS = 8


def usable_cpus() -> int:
    """CPUs this process may run on (its affinity mask where the system has one)."""
    getaffinity = getattr(os, "sched_getaffinity", None)
    if getaffinity is not None:
        try:
            return max(1, len(getaffinity(0)))
        except OSError:
            pass
    return max(1, os.cpu_count() or 1)


def worker_count(jobs: int, units: int, *, minimum: int = 2, auto_minimum: int | None = None) -> int:
    """Processes for ``units`` independent pieces of work.

    ``jobs`` >= 1 is used as asked when there are at least ``minimum`` units; ``AUTO_JOBS`` uses
    :func:`usable_cpus` (at most :data:`MAX_AUTO_JOBS`) when there are at least ``auto_minimum``
    units (default: ``minimum``). Never more processes than units, never fewer than one.
    """
    if jobs == AUTO_JOBS:
        if units < (minimum if auto_minimum is None else auto_minimum):
            return 1
        jobs = min(usable_cpus(), MAX_AUTO_JOBS)
    elif units < minimum:
        return 1
    return max(1, min(jobs, units))
