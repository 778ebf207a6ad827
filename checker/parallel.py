"""How many processes a run uses (``--jobs``), and the one way it runs them.

``--jobs N`` asks for N processes; ``--jobs 0`` (the command line's default) lets the run decide:
one process per CPU this process may run on (at most :data:`MAX_AUTO_JOBS`), and only when there is
enough work to share, since a worker costs a fork and the transfer of its results. The work is
shared by :func:`process_pool`: a :class:`concurrent.futures.ProcessPoolExecutor`, used by both the
JSON files and the Terraform root modules.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

#: ``--jobs 0``: one process per usable CPU when the work is large enough.
AUTO_JOBS = 0
MAX_AUTO_JOBS = 8


def usable_cpus() -> int:
    """CPUs this process may run on: its affinity mask where the system has one, at most the CPU
    time its control group grants (a container limited to one CPU on a large host gets one)."""
    count = os.cpu_count() or 1
    getaffinity = getattr(os, "sched_getaffinity", None)
    if getaffinity is not None:
        with contextlib.suppress(OSError):
            count = len(getaffinity(0))
    quota = cgroup_cpu_quota()
    if quota is not None:
        count = min(count, quota)
    return max(1, count)


# Where Linux control groups state a CPU limit: v2 ("QUOTA PERIOD" or "max PERIOD"), then v1.
CGROUP_V2_CPU_MAX = "/sys/fs/cgroup/cpu.max"
CGROUP_V1_QUOTA = "/sys/fs/cgroup/cpu/cpu.cfs_quota_us"
CGROUP_V1_PERIOD = "/sys/fs/cgroup/cpu/cpu.cfs_period_us"


def cgroup_cpu_quota() -> int | None:
    """The CPUs the control group's quota grants (rounded up), or None when there is no limit
    or it cannot be read."""
    try:
        with open(CGROUP_V2_CPU_MAX, encoding="ascii") as fh:
            quota, _, period = fh.read().strip().partition(" ")
    except (OSError, ValueError):
        try:
            with open(CGROUP_V1_QUOTA, encoding="ascii") as fh:
                quota = fh.read().strip()
            with open(CGROUP_V1_PERIOD, encoding="ascii") as fh:
                period = fh.read().strip()
        except (OSError, ValueError):
            return None
    try:
        q, t = int(quota), int(period)
    except ValueError:  # "max": no limit
        return None
    if q <= 0 or t <= 0:  # v1 writes -1 for no limit
        return None
    return -(-q // t)


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


@contextlib.contextmanager
def process_pool(jobs: int) -> Iterator[ProcessPoolExecutor]:
    """A pool of ``jobs`` worker processes for independent pieces of work.

    Workers are forked where the system can (they start with what this process has loaded: the
    catalog, the rules), else spawned. A worker's exception is raised where its result is read;
    a worker that dies without one (killed, out of memory) fails the run with a RuntimeError, never
    a partial report. Leaving the block early (an error) cancels the work not yet started.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    context = multiprocessing.get_context("fork") if "fork" in multiprocessing.get_all_start_methods() else None
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=context)
    try:
        yield pool
    except BrokenProcessPool as exc:
        raise RuntimeError("a worker process ended unexpectedly: the run is incomplete") from exc
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
