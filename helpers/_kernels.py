"""Fast ELU/SELU kernels for large arrays: not part of the reading path.

`helpers.activations.elu`, `selu` and their derivatives are written as their formulas. For arrays
of `FAST_MIN_SIZE` elements or more they hand the work to the kernels below, which compute the
same numbers (tests/test_activations.py checks them equal to the formulas, bit for bit) but in
cache-sized blocks, in one pass through memory instead of one per numpy operation, and on
several threads for very large arrays. `make bench` measures the gain (3-6x at 1e6-1e7 elements).
No notebook passes arrays this large: the layers see batches of a few thousand numbers.
"""

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

FAST_MIN_SIZE = 1 << 16  # below this the formula is as fast (and the blocks would be one)
_BLOCK = 1 << 16  # elements per block: a few arrays of this size stay in a 2 MB L2 cache
_PARALLEL_MIN = 1 << 20  # below this, threads cost more than they save


def _workers():
    try:
        return max(1, min(4, len(os.sched_getaffinity(0))))
    except AttributeError:  # not on Linux
        return max(1, min(4, os.cpu_count() or 1))


_POOL = None


def _pool():
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=_workers(), thread_name_prefix="helpers-act")
    return _POOL


def _blockwise(kernel, z):
    """Apply kernel(z_block, out_block, scratch, mask) over cache-sized blocks, on threads
    (numpy's ufuncs release the GIL, so threads work on disjoint blocks in parallel)."""
    out = np.empty(z.shape, dtype=z.dtype)
    flat_z, flat_out = np.ascontiguousarray(z).reshape(-1), out.reshape(-1)

    def run(start, stop):
        scratch = np.empty(min(_BLOCK, stop - start), dtype=z.dtype)
        mask = np.empty(scratch.size, dtype=bool)
        for lo in range(start, stop, _BLOCK):
            hi = min(lo + _BLOCK, stop)
            kernel(flat_z[lo:hi], flat_out[lo:hi], scratch[: hi - lo], mask[: hi - lo])

    n = flat_z.size
    workers = _workers() if n >= _PARALLEL_MIN else 1
    if workers == 1:
        run(0, n)
    else:
        bounds = np.linspace(0, n, workers + 1).astype(int)
        list(_pool().map(run, bounds[:-1], bounds[1:]))
    return out


def scaled_elu(z, scale, scaled_alpha):
    """scale * z where z > 0, scaled_alpha * expm1(z) where z <= 0 (floating z)."""
    scale, scaled_alpha = z.dtype.type(scale), z.dtype.type(scaled_alpha)

    def kernel(zb, ob, tmp, _):
        np.minimum(zb, 0, out=tmp)
        np.expm1(tmp, out=tmp)  # never overflows: its argument is <= 0
        tmp *= scaled_alpha
        np.maximum(zb, 0, out=ob)
        if scale != 1:
            ob *= scale
        ob += tmp  # one of the two terms is exactly 0

    with np.errstate(over="ignore"):  # scale * (a huge z) may round to inf: that is the answer
        return _blockwise(kernel, z)


def scaled_elu_grad(z, scale, scaled_alpha):
    """scale where z > 0, scaled_alpha * exp(z) where z <= 0 (floating z)."""
    scale, scaled_alpha = z.dtype.type(scale), z.dtype.type(scaled_alpha)

    def kernel(zb, ob, tmp, mask):
        # Masked assignment (np.where, copyto(where=)) is slow on random signs; multiplying
        # by 0/1 masks is fast and exact.
        np.minimum(zb, 0, out=ob)
        np.exp(ob, out=ob)  # exactly 1 where z > 0
        np.less_equal(zb, 0, out=mask)
        ob *= mask  # NaN stays NaN
        ob *= scaled_alpha
        np.greater(zb, 0, out=mask)
        np.multiply(mask, scale, out=tmp)
        ob += tmp

    return _blockwise(kernel, z)
