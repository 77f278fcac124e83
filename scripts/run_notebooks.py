"""Re-execute notebooks in place in a fresh kernel and store clean outputs.

Usage: python scripts/run_notebooks.py notebooks/*.ipynb

Each notebook runs top to bottom in a new kernel with its own folder as the working
directory. What is stored is what nbval compares against: outputs with execution counts
1..n, and nothing that changes from run to run or machine to machine (no widget state,
no per-cell timing metadata).
"""

import os
import sys
import time
from pathlib import Path

import nbformat
from notebook_client import NotebookClient  # nbclient's, without the missed-wake-up stall

# No progress bars in stored outputs (helpers.parallel draws them for a reader; nbval's kernels
# draw none either, see conftest.py).
os.environ["TQDM_DISABLE"] = "1"

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def coalesce_streams(outputs):
    """Merge consecutive prints to the same stream: how they are chunked depends on timing."""
    merged = []
    for output in outputs:
        previous = merged[-1] if merged else None
        if (output.get("output_type") == "stream" and previous is not None
                and previous.get("output_type") == "stream"
                and previous.get("name") == output.get("name")):
            previous["text"] += output["text"]
        else:
            merged.append(output)
    return merged


def clean(nb):
    """Drop run-to-run noise: widget state, timing metadata, widget model ids."""
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        cell.metadata.pop("collapsed", None)
        if cell.cell_type != "code":
            continue
        cell.outputs = coalesce_streams(cell.outputs)
        for output in cell.outputs:
            # A widget view points at a model that is not stored; keep the text fallback.
            output.get("data", {}).pop(WIDGET_VIEW, None)
    return nb


def run(path):
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=300,  # seconds per cell: a hung kernel fails the run instead of blocking it
        kernel_name="python3",
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    start = time.perf_counter()
    client.execute()
    nbformat.write(clean(nb), path)
    return time.perf_counter() - start


def main(paths):
    """Run the given notebooks; with none, every notebook of notebooks/ (so that the command
    needs no shell glob, which PowerShell and cmd do not expand)."""
    if not paths:
        paths = sorted(Path(__file__).resolve().parent.parent.glob("notebooks/*.ipynb"))
    for path in paths:
        seconds = run(path)
        print(f"{path}: executed in {seconds:.1f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
