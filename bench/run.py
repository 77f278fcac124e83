"""`make bench`: one report on the course's speed and memory, printed and optionally saved.

Usage: python bench/run.py [--output bench/RESULTS.md] [--quick]
"""

import argparse
import datetime
import os
import platform
import subprocess
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import conv  # noqa: E402  (the sibling bench modules)
import kernels  # noqa: E402
import notebook_times  # noqa: E402
import throughput  # noqa: E402
import widgets  # noqa: E402


def machine():
    model = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            model = next(line.split(":", 1)[1].strip() for line in f
                         if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (f"{model}, {cores} cores; Python {platform.python_version()}, numpy "
            f"{np.__version__}; {platform.system()} {platform.machine()}")


def widgets_in_a_fresh_process(quick):
    """bench/widgets.py's report, timed in a new Python process, as a notebook's kernel is new
    (not in this one, whose other sections start PyTorch's and BLAS's thread pools)."""
    command = [sys.executable, str(Path(widgets.__file__)), *(["--quick"] if quick else [])]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", help="also write the report to this file")
    parser.add_argument("--quick", action="store_true",
                        help="smaller kernel sizes and fewer repeats (a smoke run)")
    args = parser.parse_args()
    sizes, repeats = ((10**5,), 2) if args.quick else ((10**6, 10**7), 5)
    # first, on a quiet machine: right after the notebooks and the training sections, with
    # their kernels and worker processes just gone, redraws were seen up to 0.2 s slower
    redraws = widgets_in_a_fresh_process(args.quick)
    sections = [
        "# Benchmark report",
        "",
        f"Machine: {machine()}. Date: {datetime.date.today().isoformat()}.",
        "Times are medians over repeats after a warm-up; ratios come from the same run.",
        "",
        "## 1. Notebooks: fresh kernel, top to bottom",
        "",
        notebook_times.report(sorted((notebook_times.ROOT / "notebooks").glob("*.ipynb"))),
        "",
        "## 2. Activation kernels",
        "",
        kernels.report(sizes, repeats),
        "",
        "## 3. Training throughput of the helpers toolkit",
        "",
        throughput.report(repeats),
        "",
        "## 4. The capstone's best network: helpers against PyTorch",
        "",
        throughput.versus_torch_report(runs=1 if args.quick else 3,
                                       epochs=1 if args.quick else 3),
        "",
        "## 5. Widgets: slowest redraw",
        "",
        redraws,
        "",
        "## 6. A Conv1d layer: helpers against PyTorch",
        "",
        conv.conv_report(repeats=2 if args.quick else 7),
        "",
        "## 7. The MNIST-1D paper's CNN: helpers against PyTorch",
        "",
        conv.cnn_report(runs=1 if args.quick else 3, epochs=1 if args.quick else 3),
        "",
    ]
    text = "\n".join(sections)
    print(text)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
