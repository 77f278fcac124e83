"""Independent runs (one per seed, say) spread over the CPU's cores.

Every run is seeded by its own seed only, so the results are the same, bit for bit, whatever
the number of workers; one worker runs everything in this process. The workers are fresh
processes, started by multiprocessing's "forkserver" method (Linux, macOS) or "spawn"
(Windows), never forked from a notebook's kernel, whose threads make a plain fork unsafe. So
the function and its arguments travel to the workers by pickling: pass a module-level
function (or a functools.partial of one), not a lambda.
"""

import multiprocessing
import os
import pickle
import signal
from concurrent.futures import ProcessPoolExecutor

import threadpoolctl

from ._validation import check_callable, check_positive_int, check_sequence

_executor, _executor_workers = None, 0


def default_workers():
    """Worker processes `parallel_map` uses: the CPUs this process may run on.

    The environment variable HELPERS_WORKERS overrides it (1 runs everything in this process);
    inside a worker it is always 1 (no nesting).
    """
    if multiprocessing.parent_process() is not None:
        return 1
    setting = os.environ.get("HELPERS_WORKERS")
    if setting is not None:
        try:
            return check_positive_int(int(setting), "HELPERS_WORKERS")
        except ValueError:
            raise ValueError(f"the environment variable HELPERS_WORKERS must be a whole number "
                             f">= 1; got {setting!r}.") from None
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _start_worker():
    # Interrupting the kernel interrupts its whole process group: leave that to the kernel,
    # which then cancels what is queued (see parallel_map), instead of killing the workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # One BLAS thread per worker: the workers already use every core, and BLAS threads that
    # spin while waiting for work would only compete with them.
    threadpoolctl.threadpool_limits(1)


def _pool(workers):
    """One pool of worker processes, kept for the next call (starting workers takes a second)."""
    global _executor, _executor_workers
    broken = getattr(_executor, "_broken", False)  # a worker died: start afresh
    if _executor is None or _executor_workers != workers or broken:
        if _executor is not None:
            _executor.shutdown(cancel_futures=True)
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("forkserver" if "forkserver" in methods
                                              else "spawn")
        if context.get_start_method() == "forkserver":
            context.set_forkserver_preload(["helpers.experiments"])  # imported once, shared
        _executor = ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker)
        _executor_workers = workers
    return _executor


def parallel_map(fn, items, *, workers=None):
    """``[fn(item) for item in items]``, computed on up to `workers` processes.

    Parameters
    ----------
    fn : callable
        A module-level function or a functools.partial of one (it is pickled).
    items : iterable
        Picklable arguments, one call each; the results must be picklable too.
    workers : int, optional
        Default `default_workers()`; 1 computes everything in this process.

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
    workers = default_workers() if workers is None else check_positive_int(workers, "workers")
    if min(workers, len(items)) <= 1:
        return [fn(item) for item in items]
    try:
        pickle.dumps(fn)
    except (pickle.PicklingError, AttributeError, TypeError) as err:
        raise TypeError(
            "fn must be picklable to run in worker processes: a module-level function or a "
            f"functools.partial of one, not a lambda or a nested function ({err}). Or pass "
            "workers=1."
        ) from None
    futures = [_pool(workers).submit(fn, item) for item in items]
    try:
        return [future.result() for future in futures]
    except BaseException:  # an error, or the reader interrupted the kernel
        for future in futures:
            future.cancel()  # drop what has not started; running calls finish unseen
        raise
