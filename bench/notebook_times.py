"""Time and peak memory of each notebook, executed top to bottom in a fresh kernel.

Usage: python bench/notebook_times.py [NOTEBOOK ...]   (default: every notebook)

Each notebook runs in its own subprocess, so the peak resident memory of that subprocess's
children (the kernel) belongs to that notebook alone. Outputs are discarded: the stored
notebooks are not touched.
"""

import datetime
import json
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

BUDGET_SECONDS, BUDGET_MB = 30, 500
# The capstone (reads a stored study, re-trains a sample of it): its own budget (COURSE.md).
CAPSTONE, CAPSTONE_SECONDS, CAPSTONE_MB = "06-choosing.ipynb", 90, 1000


def budget(path):
    """(seconds, MB) a notebook may take."""
    return (CAPSTONE_SECONDS, CAPSTONE_MB) if Path(path).name == CAPSTONE else (
        BUDGET_SECONDS, BUDGET_MB)
ROOT = Path(__file__).resolve().parent.parent


def _timestamp(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def _children(pid):
    """Every descendant of process `pid` (Linux /proc)."""
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        kids = parents.get(todo.pop(), [])
        found += kids
        todo += kids
    return found


def _tree_memory_mb(pid):
    """Proportional set size (shared pages split between the processes that share them) of a
    process and all its descendants: the kernel plus its worker processes, counted once."""
    total_kb = 0
    for p in [pid, *_children(pid)]:
        try:
            text = Path(f"/proc/{p}/smaps_rollup").read_text()
        except OSError:
            continue
        total_kb += next(int(line.split()[1]) for line in text.splitlines()
                         if line.startswith("Pss:"))
    return total_kb / 1024


class _MemorySampler(threading.Thread):
    """Samples the kernel's process tree every 0.1 s and keeps the peak."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.peak_mb, self.stop = pid, 0.0, threading.Event()

    def run(self):
        while not self.stop.wait(0.1):
            self.peak_mb = max(self.peak_mb, _tree_memory_mb(self.pid))


def run_one(path):
    """Execute one notebook in a fresh kernel; print JSON with the seconds from the kernel's
    start to the last cell's completion, the harness's wall time, and the peak memory (MB) of
    the kernel and its worker processes together (Linux; elsewhere the kernel's own peak)."""
    import nbformat

    sys.path.insert(0, str(ROOT / "scripts"))
    from notebook_client import NotebookClient  # nbclient's, without the missed-wake-up stall

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=300, kernel_name="python3", record_timing=True,
                            resources={"metadata": {"path": str(Path(path).parent)}})
    samplers = []
    if Path("/proc/self/smaps_rollup").exists():
        def start_sampler(**_):
            samplers.append(_MemorySampler(client.km.provisioner.pid))
            samplers[0].start()
        client.on_notebook_start = start_sampler
    start = time.time()
    client.execute()
    wall = time.time() - start
    done = max(_timestamp(c.metadata["execution"]["iopub.status.idle"])
               for c in nb.cells if "execution" in c.metadata)
    if samplers:
        samplers[0].stop.set()
        peak_mb = samplers[0].peak_mb
    else:
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # kilobytes
    print(json.dumps({"seconds": done - start, "wall": wall, "peak_mb": peak_mb}))


def measure(path):
    out = subprocess.run([sys.executable, __file__, "--one", str(path)], capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def report(paths):
    lines = ["| notebook | time to last cell (s) | harness wall time (s) | peak memory, kernel "
             "+ workers (MB) | budget | within budget |", "|---|---:|---:|---:|---|---|"]
    for path in paths:
        m = measure(path)
        seconds, mb = budget(path)
        ok = m["seconds"] <= seconds and m["peak_mb"] <= mb
        lines.append(f"| {Path(path).name} | {m['seconds']:.1f} | {m['wall']:.1f} | "
                     f"{m['peak_mb']:.0f} | {seconds} s, {mb} MB | {'yes' if ok else '**NO**'} |")
    lines += ["", "Time to last cell: from starting the kernel to the last cell's completion, "
              "what a reader waits. Harness wall time adds the kernel's start and shutdown. "
              "Memory: the proportional set size of the kernel and of the worker processes "
              "that run seeds in parallel (shared pages counted once), sampled every 0.1 s."]
    return "\n".join(lines)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        run_one(sys.argv[2])
    else:
        print(report(sys.argv[1:] or sorted((ROOT / "notebooks").glob("*.ipynb"))))
