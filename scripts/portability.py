"""`make test-portability`: the notebooks under other CPUs' arithmetic, emulated on this machine.

The last bits of a matrix product depend on the BLAS kernel that OpenBLAS picks for the CPU
(and numpy's own loops on the SIMD features it dispatches to). A reader's laptop, Binder, Colab
and CI all pick differently. This script runs nbval (strict, as `make test`) on every notebook
under several such configurations, one after the other, and fails if any compared output
changes in any of them.

Usage:
    python scripts/portability.py                 # every configuration, every notebook
    python scripts/portability.py --only haswell  # one configuration (see --list)
    python scripts/portability.py --spread        # no nbval: print the outputs of the cells
                                                  # nbval ignores, side by side per
                                                  # configuration (to justify tolerances)

PyTorch (notebook 07, where installed) has its own switches: each configuration sets them to
the same CPU (ATen's kernels, MKL's code path, oneDNN's instruction set, its threads).

Before a configuration runs, probes import numpy under it in a subprocess and multiply two
matrices, then do the same with PyTorch if it is installed. Forcing a core type the CPU cannot
execute crashes (e.g. OpenBLAS 0.3.34 forcing Haswell on an AVX-512 machine segfaults), so a
configuration whose probe crashes, hangs, writes to stderr or does not apply here is skipped
with a line saying why; a skipped configuration never counts as passed.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROBE_TIMEOUT_S = 60

# What numpy can dispatch to on this CPU, and the AVX-512 part of it (names differ between
# numpy 1.x and 2.x, so they are read from numpy itself).
_AVX512_PROBE = r"""
import numpy as np
try:
    from numpy._core import _multiarray_umath as m
except ImportError:  # numpy 1.x
    from numpy.core import _multiarray_umath as m
have = {k for k, v in m.__cpu_features__.items() if v}
print(" ".join(f for f in m.__cpu_dispatch__ if f in have and ("AVX512" in f or f == "X86_V4")))
"""

# A product large enough for OpenBLAS to use its optimised kernel (and threads).
_MATMUL_PROBE = r"""
import numpy as np
a = np.random.default_rng(0).standard_normal((256, 256))
assert np.isfinite(a @ a).all()
print("ok")
"""

# The same with PyTorch, if installed: a float32 product (MKL), a linear layer and SiLU
# (ATen's vectorised kernels, picked by ATEN_CPU_CAPABILITY). Without PyTorch, nothing to probe.
_TORCH_PROBE = r"""
import importlib.util
if importlib.util.find_spec("torch") is not None:
    import torch
    a = torch.randn(256, 256, generator=torch.Generator().manual_seed(0))
    assert torch.isfinite(torch.nn.functional.silu(torch.nn.Linear(256, 256)(a @ a))).all()
print("ok")
"""

# PyTorch's switches: OMP_NUM_THREADS its intra-op threads; ATEN_CPU_CAPABILITY its own kernels
# (default, avx2, avx512); MKL_CBWR the code path of MKL, which does its float32 matrix
# products; ONEDNN_MAX_CPU_ISA the newest instructions oneDNN may use. ATen has no AVX-only
# kernels: for Sandybridge (AVX, no AVX2) it runs its baseline ones.
CONFIGS = {
    "native-1": ("native kernels, 1 BLAS and PyTorch thread",
                 {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}),
    "native-2": ("native kernels, 2 BLAS and PyTorch threads",
                 {"OPENBLAS_NUM_THREADS": "2", "OMP_NUM_THREADS": "2"}),
    "haswell": ("OpenBLAS core Haswell, PyTorch at AVX2",
                {"OPENBLAS_CORETYPE": "Haswell", "ATEN_CPU_CAPABILITY": "avx2",
                 "MKL_CBWR": "AVX2", "ONEDNN_MAX_CPU_ISA": "AVX2"}),
    "skylakex": ("OpenBLAS core SkylakeX, PyTorch at AVX-512",
                 {"OPENBLAS_CORETYPE": "SkylakeX", "ATEN_CPU_CAPABILITY": "avx512",
                  "MKL_CBWR": "AVX512"}),
    "sandybridge": ("OpenBLAS core Sandybridge, PyTorch at AVX",
                    {"OPENBLAS_CORETYPE": "Sandybridge", "ATEN_CPU_CAPABILITY": "default",
                     "MKL_CBWR": "AVX", "ONEDNN_MAX_CPU_ISA": "AVX"}),
    "no-avx512": ("numpy's AVX-512 loops switched off", {"NPY_DISABLE_CPU_FEATURES": None}),
}
# Every variable a configuration sets: cleared from the caller's environment first, so that
# each configuration runs with exactly what it names.
MANAGED = sorted({key for _, changes in CONFIGS.values() for key in changes})


def _run(code, env, timeout=PROBE_TIMEOUT_S):
    """Run python -c code under env; return (ok, stdout, why)."""
    try:
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                             text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return False, "", f"the probe hung for {timeout} s"
    if out.returncode != 0:
        signal = f" (signal {-out.returncode})" if out.returncode < 0 else ""
        last = (out.stderr.strip().splitlines() or [""])[-1]
        return False, "", f"the probe crashed with exit code {out.returncode}{signal} {last}"
    if out.stderr.strip():
        return False, "", f"the probe wrote to stderr: {out.stderr.strip().splitlines()[-1]}"
    return True, out.stdout.strip(), ""


def environment(name):
    """The environment of configuration `name`, or (None, reason) if it cannot run here."""
    label, changes = CONFIGS[name]
    env = dict(os.environ)
    for key in MANAGED:
        env.pop(key, None)
    changes = dict(changes)
    if "NPY_DISABLE_CPU_FEATURES" in changes:
        ok, features, why = _run(_AVX512_PROBE, env)
        if not ok:
            return None, why
        if not features:
            return None, "numpy dispatches to no AVX-512 loops on this CPU (nothing to switch off)"
        changes["NPY_DISABLE_CPU_FEATURES"] = features
    env.update(changes)
    ok, _, why = _run(_MATMUL_PROBE, env)
    if not ok:
        return None, why
    ok, _, why = _run(_TORCH_PROBE, env)
    if not ok:
        return None, f"PyTorch: {why}"
    return env, " ".join(f"{k}={v}" for k, v in changes.items())


def run_nbval(env, notebooks, log):
    """Strict nbval on the notebooks under env (as `make test` runs it); returns the exit code."""
    cmd = [sys.executable, "-m", "pytest", "-q", *map(str, notebooks)]
    with open(log, "w") as f:
        return subprocess.run(cmd, env=env, cwd=ROOT, stdout=f, stderr=subprocess.STDOUT).returncode


def summary_line(log):
    """The last line pytest printed, e.g. '3 failed, 120 passed in 61.2s'."""
    lines = [line for line in Path(log).read_text().splitlines() if line.strip()]
    return lines[-1].strip("= ") if lines else "no output"


def failed_cells(log):
    return [line.split(" - ")[0].removeprefix("FAILED ") for line in
            Path(log).read_text().splitlines() if line.startswith("FAILED ")]


def test(names, notebooks, logdir):
    rows, failures = [], 0
    for name in names:
        label = CONFIGS[name][0]
        env, detail = environment(name)
        if env is None:
            print(f"[{name}] SKIPPED: {label}: {detail}", flush=True)
            rows.append((name, "skipped", "-", detail))
            continue
        print(f"[{name}] {label} ({detail}) ...", flush=True)
        log = logdir / f"{name}.log"
        start = time.perf_counter()
        code = run_nbval(env, notebooks, log)
        seconds = time.perf_counter() - start
        verdict = "passed" if code == 0 else "FAILED"
        failures += code != 0
        print(f"[{name}] {verdict} in {seconds:.0f} s: {summary_line(log)}", flush=True)
        for cell in failed_cells(log):
            print(f"    {cell}", flush=True)
        rows.append((name, verdict, f"{seconds:.0f} s", detail))
    print("\n| configuration | result | time | settings |\n|---|---|---:|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    if all(r[1] == "skipped" for r in rows):
        print("every configuration was skipped: nothing was tested")
        return 1
    return 1 if failures else 0


def spread(names, notebooks, outdir):
    """Execute each notebook under each configuration; print ignored cells side by side."""
    import nbformat

    outputs = {}
    for name in names:
        env, detail = environment(name)
        if env is None:
            print(f"[{name}] skipped: {detail}")
            continue
        for path in notebooks:
            target = outdir / name / path.name
            target.parent.mkdir(parents=True, exist_ok=True)
            code = ("import sys, nbformat; sys.path.insert(0, sys.argv[4]); "
                    "from notebook_client import NotebookClient; "
                    "nb = nbformat.read(sys.argv[1], as_version=4); "
                    "NotebookClient(nb, timeout=600, kernel_name='python3', resources="
                    "{'metadata': {'path': sys.argv[3]}}).execute(); "
                    "nbformat.write(nb, sys.argv[2])")
            subprocess.run([sys.executable, "-c", code, str(path), str(target),
                            str(path.parent), str(ROOT / "scripts")], env=env, check=True)
            nb = nbformat.read(target, as_version=4)
            for i, cell in enumerate(nb.cells):
                if "nbval-ignore-output" in cell.metadata.get("tags", []):
                    text = "".join(o.get("text", "") for o in cell.outputs
                                   if o.get("output_type") == "stream")
                    outputs.setdefault((path.name, i), {})[name] = text
        print(f"[{name}] executed ({detail})", flush=True)
    for (nb_name, index), by_config in outputs.items():
        print(f"\n===== {nb_name}, cell {index}")
        for name, text in by_config.items():
            print(f"--- {name}\n{text.rstrip()}")
    (outdir / "spread.json").write_text(json.dumps(
        {f"{k[0]}#{k[1]}": v for k, v in outputs.items()}, indent=1))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", choices=sorted(CONFIGS),
                        help="run this configuration (repeatable); default: all")
    parser.add_argument("--list", action="store_true", help="list the configurations")
    parser.add_argument("--spread", action="store_true",
                        help="print ignored cells' outputs per configuration instead of nbval")
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="default: every notebook in notebooks/")
    args = parser.parse_args()
    if args.list:
        for name, (label, _) in CONFIGS.items():
            print(f"{name:<12} {label}")
        return 0
    names = args.only or list(CONFIGS)
    notebooks = [p.resolve() for p in args.notebooks] or sorted((ROOT / "notebooks").glob(
        "*.ipynb"))
    outdir = ROOT / "build" / "portability"
    outdir.mkdir(parents=True, exist_ok=True)
    if args.spread:
        spread(names, notebooks, outdir)
        return 0
    return test(names, notebooks, outdir)


if __name__ == "__main__":
    sys.exit(main())
