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
import time
from pathlib import Path

BUDGET_SECONDS, BUDGET_MB = 30, 500
ROOT = Path(__file__).resolve().parent.parent


def _timestamp(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def run_one(path):
    """Execute one notebook in a fresh kernel; print JSON with the seconds from the kernel's
    start to the last cell's completion, the harness's wall time, and the kernel's peak MB."""
    import nbformat

    sys.path.insert(0, str(ROOT / "scripts"))
    from notebook_client import NotebookClient  # nbclient's, without the missed-wake-up stall

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=300, kernel_name="python3", record_timing=True,
                            resources={"metadata": {"path": str(Path(path).parent)}})
    start = time.time()
    client.execute()
    wall = time.time() - start
    done = max(_timestamp(c.metadata["execution"]["iopub.status.idle"])
               for c in nb.cells if "execution" in c.metadata)
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # Linux: kilobytes
    print(json.dumps({"seconds": done - start, "wall": wall, "peak_mb": peak_kb / 1024}))


def measure(path):
    out = subprocess.run([sys.executable, __file__, "--one", str(path)], capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def report(paths):
    lines = ["| notebook | time to last cell (s) | harness wall time (s) | peak kernel memory "
             "(MB) | within budget (30 s, 500 MB) |", "|---|---:|---:|---:|---|"]
    for path in paths:
        m = measure(path)
        ok = m["seconds"] <= BUDGET_SECONDS and m["peak_mb"] <= BUDGET_MB
        lines.append(f"| {Path(path).name} | {m['seconds']:.1f} | {m['wall']:.1f} | "
                     f"{m['peak_mb']:.0f} | {'yes' if ok else '**NO**'} |")
    lines += ["", "Time to last cell: from starting the kernel to the last cell's completion, "
              "what a reader waits. Harness wall time adds nbclient's shutdown; it is larger "
              "when nbclient waits for a message the kernel has already sent (seen "
              "occasionally, see the issue notes)."]
    return "\n".join(lines)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        run_one(sys.argv[2])
    else:
        print(report(sys.argv[1:] or sorted((ROOT / "notebooks").glob("*.ipynb"))))
