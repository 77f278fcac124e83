"""Independent runs (one per seed, say) spread over the CPUs this process may really use.

The engine is joblib's loky backend, a maintained pool of worker processes: they are started
fresh (never forked from a notebook's kernel, whose threads make a plain fork unsafe), reused
from one call to the next, given one BLAS thread each, and cancelled when the reader interrupts
the kernel. This module is only the course's policy on top of it:

- how many workers: the CPUs the process may use — its affinity, and the CPU *quota* of its
  control group (what a Binder, Docker, Kubernetes or Slurm container grants, however many
  cores the node has) — and no more than fit in the group's memory limit beside the kernel;
- the kernel's own BLAS threads: limited to the same count (`limit_blas_threads`, called when
  `helpers` is imported), instead of one thread per core of the node;
- a progress bar with the time left (tqdm) over the runs; ``TQDM_DISABLE=1`` turns it off.

Every run is seeded by its own seed only, so the results are the same, bit for bit, whatever
the number of workers; one worker runs everything in this process.
"""

import math
import os
import pickle
from pathlib import Path

import joblib
import threadpoolctl
from joblib.externals.loky.process_executor import TerminatedWorkerError

from ._validation import check_callable, check_positive_int, check_sequence, check_text

# A worker's memory while it trains the course's networks, with what it imports (numpy, helpers):
# about 110 MB resident (67 MB proportional) measured on notebook 06's sweeps; twice that, to
# be safe, is what a worker is counted for.
WORKER_MEMORY = 200 * 2**20
# What the kernel may still grow by while the workers run (figures, stored results).
KERNEL_HEADROOM = 400 * 2**20

# A progress bar appears only once the runs have taken this long (seconds): short cells stay quiet.
PROGRESS_DELAY = 1.0

CGROUP_ROOT = Path("/sys/fs/cgroup")
PROC_SELF_CGROUP = Path("/proc/self/cgroup")

# joblib's backend. "dask" spreads the runs over a Dask cluster (`pip install dask distributed`,
# then connect a `distributed.Client` and set helpers.parallel.BACKEND = "dask").
BACKEND = "loky"

_in_worker = False  # set in the worker processes: runs inside a worker are never spread again


def _cgroup_dirs(controller, root=None, proc_self_cgroup=None):
    """The control-group folders that limit this process for `controller`, innermost first.

    cgroup v2 has one tree (``0::/path``); v1 one tree per controller (``4:cpu,cpuacct:/path``,
    mounted at root/cpu or root/cpu,cpuacct). Inside a container the process's own group is
    usually the mount's root; on a host it is a sub-folder, and a parent may hold the limit,
    so every folder from the process's group up to the root is returned (missing ones skipped).
    """
    root = Path(CGROUP_ROOT if root is None else root)
    try:
        lines = Path(PROC_SELF_CGROUP if proc_self_cgroup is None else proc_self_cgroup
                     ).read_text().splitlines()
    except OSError:  # not Linux
        return []
    v2 = (root / "cgroup.controllers").exists()
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if v2 and controllers == "":
            mounts = [root]
        elif not v2 and controller in controllers.split(","):
            mounts = [root / controller, root / controllers]
        else:
            continue
        parts = Path(path).relative_to("/").parts
        return [mount.joinpath(*parts[:n]) for mount in mounts
                for n in range(len(parts), -1, -1) if mount.joinpath(*parts[:n]).is_dir()]
    return []


def _read(path):
    try:
        return Path(path).read_text().split()
    except OSError:
        return None


def cpu_quota(root=None, proc_self_cgroup=None):
    """CPUs' worth of time this process's control groups allow per period, or None if unlimited.

    `root` is where the cgroup file system is mounted (default /sys/fs/cgroup) and
    `proc_self_cgroup` the file naming the process's groups (default /proc/self/cgroup).
    cgroup v2: ``cpu.max`` holds "quota period" or "max period"; cgroup v1:
    ``cpu.cfs_quota_us`` (-1 when unlimited) and ``cpu.cfs_period_us``. The smallest over the
    process's group and its parents counts. Example: quota 150000 µs per 100000 µs is 1.5 CPUs.
    """
    quotas = []
    for folder in _cgroup_dirs("cpu", root, proc_self_cgroup):
        v2, quota, period = _read(folder / "cpu.max"), None, None
        if v2 is not None:
            quota, period = v2[0], v2[1]
        else:
            quota, period = _read(folder / "cpu.cfs_quota_us"), _read(folder / "cpu.cfs_period_us")
            quota, period = (quota[0] if quota else None), (period[0] if period else None)
        if quota not in (None, "max", "-1") and period is not None and int(period) > 0:
            quotas.append(int(quota) / int(period))
    return min(quotas) if quotas else None


def memory_available(root=None, proc_self_cgroup=None):
    """Bytes this process's control groups still allow (limit minus usage), or None if no limit.

    cgroup v2: ``memory.max`` ("max" when unlimited) and ``memory.current``; cgroup v1:
    ``memory.limit_in_bytes`` (a huge number when unlimited) and ``memory.usage_in_bytes``.
    """
    left = []
    for folder in _cgroup_dirs("memory", root, proc_self_cgroup):
        limit, usage = _read(folder / "memory.max"), _read(folder / "memory.current")
        if limit is None:
            limit, usage = (_read(folder / "memory.limit_in_bytes"),
                            _read(folder / "memory.usage_in_bytes"))
        if limit and limit[0] != "max" and int(limit[0]) < 2**60:  # v1's "unlimited" is ~2**63
            left.append(int(limit[0]) - (int(usage[0]) if usage else 0))
    return max(0, min(left)) if left else None


def usable_cpus():
    """CPUs this process may use: its affinity (or the CPU count), capped by its CPU quota."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    quota = cpu_quota()
    if quota is not None:
        cpus = min(cpus or 1, math.ceil(quota))  # 1.5 CPUs: two workers, each at 75 %
    return max(1, cpus or 1)


def default_workers():
    """Worker processes `parallel_map` uses: the usable CPUs, as many as fit in memory.

    The environment variable HELPERS_WORKERS overrides it (1 runs everything in this process);
    inside a worker it is always 1 (no nesting).
    """
    if _in_worker:
        return 1
    setting = os.environ.get("HELPERS_WORKERS")
    if setting is not None:
        try:
            return check_positive_int(int(setting), "HELPERS_WORKERS")
        except ValueError:
            raise ValueError(f"the environment variable HELPERS_WORKERS must be a whole number "
                             f">= 1; got {setting!r}.") from None
    workers = usable_cpus()
    memory = memory_available()
    if memory is not None:  # the kernel keeps its headroom; each worker needs its share
        workers = min(workers, max(1, (memory - KERNEL_HEADROOM) // WORKER_MEMORY))
    return workers


def limit_blas_threads():
    """Let numpy's BLAS (OpenBLAS, MKL) in this process use at most the usable CPUs.

    A BLAS library starts one thread per core it sees: in a container with a quota of 1 CPU on
    a 32-core node, 32 threads then compete for one CPU. A smaller count set by the caller
    (OPENBLAS_NUM_THREADS=1, say) is kept; HELPERS_BLAS_THREADS sets the count outright.
    Returns the number of threads now allowed.
    """
    setting = os.environ.get("HELPERS_BLAS_THREADS")
    if setting is not None:
        threads = check_positive_int(int(setting), "HELPERS_BLAS_THREADS")
    else:
        running = [i["num_threads"] for i in threadpoolctl.threadpool_info()
                   if i["user_api"] == "blas"]
        threads = min([usable_cpus(), *running])
    threadpoolctl.threadpool_limits(threads, user_api="blas")
    return threads


def _call(fn, item):
    """Run in a worker: no nested spreading from there."""
    global _in_worker
    _in_worker = True
    return fn(item)


def _progress(results, total, desc):
    """Wrap an iterator of results in a progress bar (the time left included)."""
    if desc is None:
        return results
    from tqdm.auto import tqdm  # imported on use: a notebook bar needs ipywidgets loaded

    disable = os.environ.get("TQDM_DISABLE", "").lower() in ("1", "true", "yes")
    return tqdm(results, total=total, desc=desc, unit="run", disable=disable,
                delay=PROGRESS_DELAY)


def parallel_map(fn, items, *, workers=None, desc=None):
    """``[fn(item) for item in items]``, computed on up to `workers` processes.

    Parameters
    ----------
    fn : callable
        Called once per item (in a worker process, so it and the items are pickled; a
        module-level function pickles fastest).
    items : iterable
        Arguments, one call each; the results must be picklable too.
    workers : int, optional
        Default `default_workers()`; 1 computes everything in this process.
    desc : str, optional
        Show a progress bar with this label (what is running) and the time left.

    Returns
    -------
    list, in the order of `items`.

    Examples
    --------
    >>> parallel_map(abs, [-1, 2, -3])
    [1, 2, 3]
    """
    check_callable(fn, "fn", "abs")
    items = check_sequence(items, "items", "[1, 2, 3]")
    desc = check_text(desc, "desc", optional=True)
    workers = default_workers() if workers is None else check_positive_int(workers, "workers")
    workers = min(workers, len(items))
    if workers <= 1:
        return list(_progress((fn(item) for item in items), len(items), desc))
    if BACKEND == "loky":  # one BLAS thread per worker: the workers use the CPUs already
        config = joblib.parallel_config(backend="loky", inner_max_num_threads=1)
    else:  # parallel_config registers joblib's dask backend (Parallel(backend=...) does not)
        config = joblib.parallel_config(backend=BACKEND)
    try:
        with config:
            runs = joblib.Parallel(n_jobs=workers, return_as="generator")
            results = runs(joblib.delayed(_call)(fn, item) for item in items)
            return list(_progress(results, len(items), desc))
    except pickle.PicklingError as err:
        raise TypeError(f"fn and items must be picklable to run in worker processes ({err}); "
                        "or pass workers=1.") from None
    except TerminatedWorkerError as err:  # killed, by the out-of-memory killer as a rule
        raise MemoryError(f"a worker process died ({err}); the usual cause is the memory "
                          "limit. Run with fewer workers: workers=1, or the environment "
                          "variable HELPERS_WORKERS=1.") from None
