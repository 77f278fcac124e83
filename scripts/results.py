"""Compute, or verify, the stored results of the course's studies (helpers/studies.py).

Usage:
    python scripts/results.py                         make results: every missing run
    python scripts/results.py --verify SAMPLE SEED    make results-verify SAMPLE=k SEED=s
    python scripts/results.py --list                  the studies and whether they are current

`make results` is resumable: each study's table grows run by run, so an interrupted run
continues where it stopped. It uses every CPU the machine grants (helpers.parallel); on a
cluster, see CONTRIBUTING.md ("Bigger sweeps").
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from helpers import results, studies  # noqa: E402


def compute(names):
    for name in names:
        study = studies.STUDIES[name]
        start = time.perf_counter()
        trained = results.run_missing(study)
        print(f"{name}: {trained} runs trained in {time.perf_counter() - start:.0f} s "
              f"({len(study.runs())} in the study)", flush=True)
    return 0


def verify(names, sample, seed):
    failures = 0
    for name in names:
        study = studies.STUDIES[name]
        if not results.is_current(study):
            print(f"{name}: the stored results are missing or stale; run `make results` first")
            failures += 1
            continue
        for config, lr, s, worst, passed in results.verify(study, sample, seed):
            print(f"{name}: {config}, lr {lr:g}, seed {s}: largest difference {worst:.3g} "
                  f"{'(equal)' if passed else 'FAILED'}")
            failures += not passed
    print(f"{'all equal' if not failures else f'{failures} failed'}")
    return 1 if failures else 0


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verify", nargs=2, type=int, metavar=("SAMPLE", "SEED"))
    parser.add_argument("--list", action="store_true")
    parser.add_argument("studies", nargs="*", help="names (default: all)")
    args = parser.parse_args(argv)
    names = args.studies or list(studies.STUDIES)
    unknown = set(names) - set(studies.STUDIES)
    if unknown:
        parser.error(f"unknown studies {sorted(unknown)}; known: {sorted(studies.STUDIES)}")
    if args.list:
        for name in names:
            study = studies.STUDIES[name]
            state = "current" if results.is_current(study) else "missing or stale"
            print(f"{name}: {len(study.runs())} runs, {state}")
        return 0
    if args.verify:
        return verify(names, *args.verify)
    return compute(names)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
