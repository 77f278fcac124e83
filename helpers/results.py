"""Studies: the experiments too heavy for a notebook, computed once, stored, and verified.

A study is a declaration — configurations × a learning-rate grid × seeds, trained up to a number
of epochs — plus one training function (`run`). `make results` trains every run of every
declared study that is not stored yet, on the CPUs the machine grants, and appends its rows to
``results/<study>.csv``: a tidy table with one row per run and evaluation (after every epoch),
and the columns

    config, lr, seed, epoch, step, train_loss, val_acc, test_acc

(train_loss is the mean mini-batch loss of that epoch), next to ``results/<study>.json`` with
the declaration, its digest, the code version, the package versions, the CPU and the wall time.
A notebook loads the table (`load`, a dict of equal-length columns; ``pandas.DataFrame(table)``
makes a data frame of it) and analyses it under the course's protocol (``helpers.protocol``),
so what it prints is the same on every machine. `verify` re-runs a sample of stored runs and
compares them with their records.

For a bigger sweep than 2 cores allow, joblib's dask backend spreads the same runs over a
cluster: set ``helpers.parallel.BACKEND = "dask"`` with a ``distributed.Client`` connected, then
``run_missing(study, workers=n)`` (see CONTRIBUTING.md).
"""

import csv
import dataclasses
import functools
import hashlib
import json
import platform
import time
from pathlib import Path

import numpy as np

from ._validation import check_positive_int, check_text
from .parallel import parallel_map
from .protocol import best_checkpoint, choose_learning_rate

# results/ of the repository; in an installed (not editable) package, its copy inside helpers/
_INSTALLED = Path(__file__).resolve().parent / "stored_results"
RESULTS = _INSTALLED if _INSTALLED.is_dir() else Path(__file__).resolve().parent.parent / "results"
DATASETS = ("digits", "mnist1d", "mnist1d-paper")
COLUMNS = ("config", "lr", "seed", "epoch", "step", "train_loss", "val_acc", "test_acc")


@dataclasses.dataclass(frozen=True)
class Study:
    """One declared study.

    Parameters
    ----------
    name : str
        The file name of its table, e.g. "02-prelu".
    data : {"digits", "mnist1d", "mnist1d-paper"}
        The data set: digits split with seed 0 and standardised on its training split;
        MNIST-1D with the paper's test split and a validation split (``data.load_mnist1d``); or
        "mnist1d-paper", the paper's own split for a calibration: all 4,000 training sequences
        as the generator scales them, no validation split (the test split fills its place in
        the table, so nothing may be chosen on it: only a `calibration` study uses it).
    configs : dict
        Label -> keyword arguments of ``experiments.train_mlp`` (activation, hidden, norm ...);
        "data" and "epochs" there override the study's for that configuration.
    lrs : tuple of float
        The learning-rate grid every configuration is trained on.
    seeds : tuple of int
        The same seeds for every configuration and rate (paired).
    epochs : int
        The most a run trains.
    patience : int or None
        Stop a run once its validation accuracy has not improved for this many epochs.
    common : dict
        Keyword arguments shared by every configuration (batch_size, optimizer ...).
    calibration : bool, default False
        A published recipe reproduced as it is: its learning rate (one), its number of steps,
        no early stopping, the last evaluation reported. Nothing is chosen on it, so the
        protocol's grid does not apply.
    """

    name: str
    data: str
    configs: dict
    lrs: tuple
    seeds: tuple
    epochs: int
    patience: int | None = None
    common: dict = dataclasses.field(default_factory=dict)
    calibration: bool = False

    def __post_init__(self):
        check_text(self.name, "name")
        if self.data not in DATASETS:
            raise ValueError(f"data must be 'digits' or 'mnist1d' (or 'mnist1d-paper' for a "
                             f"calibration); got {self.data!r}.")
        if not isinstance(self.configs, dict) or not self.configs:
            raise TypeError("configs must be a non-empty dict label -> keyword arguments.")
        for label, config in self.configs.items():
            if config.get("data", self.data) == "mnist1d-paper" and not self.calibration:
                raise ValueError(f"configs[{label!r}]: the paper's split has no validation "
                                 "split, so only a calibration study may train on it.")
        check_positive_int(self.epochs, "epochs")
        if self.patience is not None:
            check_positive_int(self.patience, "patience")

    def runs(self):
        """Every (config, lr, seed) of the study, in a fixed order."""
        return [(config, float(lr), int(seed)) for config in self.configs
                for lr in self.lrs for seed in self.seeds]

    def declaration(self):
        """The study as plain JSON data: what its digest covers."""
        return {"name": self.name, "data": self.data,
                "configs": {str(k): v for k, v in self.configs.items()},
                "lrs": [float(lr) for lr in self.lrs], "seeds": [int(s) for s in self.seeds],
                "epochs": self.epochs, "patience": self.patience, "common": self.common,
                **({"calibration": True} if self.calibration else {})}

    def digest(self):
        """sha256 of the declaration: stored results belong to exactly one declaration."""
        text = json.dumps(self.declaration(), sort_keys=True, default=repr)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


@functools.cache
def dataset(name):
    """The study's data split, made once per process."""
    from . import data, experiments

    if name == "digits":
        return experiments.standardized_digits(seed=0)
    if name == "mnist1d-paper":
        split = data.load_mnist1d(seed=0, standardize="generator")
        return data.Split(np.concatenate([split.X_train, split.X_val]),
                          np.concatenate([split.y_train, split.y_val]), split.X_test,
                          split.y_test, split.X_test, split.y_test, split.feature_names,
                          split.class_names)
    return data.load_mnist1d(seed=0)


def run(study, config, lr, seed):
    """Train one run of `study` and return its rows (one per evaluation), as dicts of COLUMNS."""
    from .experiments import train_mlp
    from .training import evaluate

    kwargs = {**study.common, **study.configs[config]}
    split = dataset(kwargs.pop("data", study.data))
    epochs = kwargs.pop("epochs", study.epochs)

    def test_accuracy(model):
        return evaluate(model, split.X_test, split.y_test)[1]

    result = train_mlp(split, seed=seed, lr=lr, epochs=epochs, patience=study.patience,
                       callbacks={"test_acc": test_accuracy}, **kwargs)
    history = result.history
    if result.diverged:  # no usable evaluation: one row that says so
        return [dict(config=str(config), lr=lr, seed=seed, epoch=0, step=0,
                     train_loss=np.nan, val_acc=np.nan, test_acc=np.nan)]
    return [dict(config=str(config), lr=lr, seed=seed, epoch=epoch, step=history["step"][i],
                 train_loss=history["batch_loss"][i], val_acc=history["val_acc"][i],
                 test_acc=history["test_acc"][i])
            for i, epoch in enumerate(history["epoch"])]


def _job(job):
    """One run on one BLAS thread, as every worker of `run_missing` computes it: a run done in
    this process (one job, or one CPU) then gives the same last bits as its stored record."""
    import threadpoolctl

    study, config, lr, seed = job
    with threadpoolctl.threadpool_limits(1):
        return run(study, config, lr, seed)


def table_path(study, folder=None):
    return Path(RESULTS if folder is None else folder) / f"{study.name}.csv"


def metadata_path(study, folder=None):
    return Path(RESULTS if folder is None else folder) / f"{study.name}.json"


def load(study, folder=None):
    """The stored table of `study`: dict column -> ndarray (config as str, the rest numbers)."""
    path = table_path(study, folder)
    if not path.exists():
        raise FileNotFoundError(f"no stored results for study {study.name!r} ({path}); "
                                "run `make results` to compute them.")
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    columns = {name: [row[name] for row in rows] for name in COLUMNS}
    table = {"config": np.array(columns["config"], dtype=object)}
    for name in ("lr", "train_loss", "val_acc", "test_acc"):
        table[name] = np.array(columns[name], dtype=np.float64)
    for name in ("seed", "epoch", "step"):
        table[name] = np.array(columns[name], dtype=np.int64)
    return table


def _stored_runs(study, folder):
    path = table_path(study, folder)
    if not path.exists():
        return set()
    with open(path, newline="") as f:
        return {(row["config"], float(row["lr"]), int(row["seed"])) for row in csv.DictReader(f)}


def _metadata(study, seconds):
    import importlib.metadata
    import subprocess

    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, cwd=RESULTS.parent, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    versions = {name: importlib.metadata.version(name)
                for name in ("numpy", "scipy", "scikit-learn", "mnist1d")}
    return {"study": study.declaration(), "digest": study.digest(), "code_version": commit,
            "python": platform.python_version(), "packages": versions,
            "cpu": platform.processor() or platform.machine(), "wall_time_s": round(seconds, 1)}


def run_missing(study, folder=None, *, workers=None):
    """Train the runs of `study` that are not stored yet, and append their rows.

    Stored rows of an older declaration (another digest) are discarded first: a table always
    belongs to the declaration beside it. Returns the number of runs trained.
    """
    folder = Path(RESULTS if folder is None else folder)
    folder.mkdir(parents=True, exist_ok=True)
    meta_path, path = metadata_path(study, folder), table_path(study, folder)
    previous = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    if previous.get("digest") != study.digest():
        path.unlink(missing_ok=True)
        previous = {}
    done = _stored_runs(study, folder)
    todo = [job for job in study.runs() if (str(job[0]), job[1], job[2]) not in done]
    start = time.perf_counter()
    new_file = not path.exists()
    # in chunks, so that an interrupted `make results` keeps what it finished (resumable)
    chunk = 16
    for i in range(0, len(todo), chunk):
        rows = parallel_map(_job, [(study, *job) for job in todo[i:i + chunk]],
                            workers=workers,
                            desc=f"{study.name}: runs {i + 1}-{min(i + chunk, len(todo))} "
                                 f"of {len(todo)}")
        with open(path, "a", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=COLUMNS)
            if new_file:
                writer.writeheader()
                new_file = False
            for run_rows in rows:
                writer.writerows({k: _format(v) for k, v in row.items()} for row in run_rows)
    seconds = time.perf_counter() - start + previous.get("wall_time_s", 0.0)
    meta_path.write_text(json.dumps(_metadata(study, seconds), indent=1, sort_keys=True) + "\n")
    return len(todo)


def _format(value):
    """Numbers as text that reads back to the same float64 (repr), configs as they are."""
    if isinstance(value, float | np.floating):
        return repr(float(value))
    return value


def is_current(study, folder=None):
    """True when the stored table exists, belongs to this declaration and holds every run."""
    meta_path = metadata_path(study, folder)
    if not meta_path.exists() or not table_path(study, folder).exists():
        return False
    if json.loads(meta_path.read_text()).get("digest") != study.digest():
        return False
    return _stored_runs(study, folder) == {(str(c), lr, s) for c, lr, s in study.runs()}


def verify(study, sample, seed, folder=None, *, tolerance=None):
    """Re-run `sample` stored runs of `study`, drawn with `seed`, against their records.

    Parameters
    ----------
    tolerance : float, optional
        Allowed |difference| of a run's accuracies at every evaluation. Default: exact
        (a run is deterministic on one machine); on another CPU a chaotic run may differ, and
        the notebooks assert their conclusions with margins instead.

    Returns
    -------
    list of (config, lr, seed, largest |difference| over the run's rows, passed)
    """
    sample = check_positive_int(sample, "sample")
    table = load(study, folder)
    by_run = rows_by_run(table)
    stored = sorted(by_run)
    rng = np.random.default_rng(check_positive_int(seed, "seed", minimum=0))
    picks = [stored[i] for i in rng.choice(len(stored), min(sample, len(stored)), replace=False)]
    labels = {str(c): c for c in study.configs}
    fresh = parallel_map(_job, [(study, labels[c], lr, s) for c, lr, s in picks],
                         desc=f"{study.name}: verifying {len(picks)} runs")
    report = []
    for (config, lr, s), rows in zip(picks, fresh, strict=True):
        mine = by_run[(config, lr, s)]
        old = np.array([table["val_acc"][mine], table["test_acc"][mine]])
        new = np.array([[r["val_acc"] for r in rows], [r["test_acc"] for r in rows]])
        if old.shape != new.shape:
            report.append((config, lr, s, np.inf, False))
            continue
        both_nan = np.isnan(old) & np.isnan(new)
        worst = float(np.max(np.where(both_nan, 0.0, np.abs(old - new)), initial=0.0))
        passed = worst == 0.0 if tolerance is None else worst <= tolerance
        report.append((config, lr, s, worst, bool(passed) and not np.isnan(worst)))
    return report


@dataclasses.dataclass(frozen=True)
class Judged:
    """One configuration of a study under the protocol.

    lr: the learning rate chosen on validation; val_by_lr: lr -> (seeds,) best validation
    accuracy of each run; val, test: (seeds,) at the chosen lr, each run at its best validation
    checkpoint; step: (seeds,) the step of that checkpoint; seeds: in the same order.
    """

    lr: float
    val_by_lr: dict
    val: np.ndarray
    test: np.ndarray
    step: np.ndarray
    seeds: np.ndarray


def _check_study_and_table(study, table):
    if not isinstance(study, Study):
        raise TypeError(f"study must be a results.Study (e.g. studies.CAPSTONE); got "
                        f"{type(study).__name__} {study!r:.40}.")
    if not isinstance(table, dict) or not set(COLUMNS) - {"train_loss", "epoch"} <= set(table):
        raise TypeError(f"table must be the dict of columns that results.load returns ("
                        f"{', '.join(COLUMNS)}); got {table!r:.60}.")


def rows_by_run(table):
    """(config, lr, seed) -> the indices of that run's rows, in the table's order (so the last
    index is the run's last evaluation)."""
    keys = list(zip(table["config"].tolist(), table["lr"].tolist(), table["seed"].tolist(),
                    strict=True))
    rows = {}
    for i, key in enumerate(keys):
        rows.setdefault(key, []).append(i)
    return {key: np.array(index, dtype=np.intp) for key, index in rows.items()}


def judge(study, table, *, budget=None, require_interior=True):
    """Every configuration of `study` judged by the protocol, from its stored `table`.

    Parameters
    ----------
    budget : int, optional
        Only the evaluations at step <= budget count, as if training had stopped there
        (a run that stopped earlier, by early stopping, is at its end already).
    require_interior : bool, default True
        Raise ``protocol.EdgeOptimumError`` if a configuration's best rate is at the grid's edge.

    Returns
    -------
    dict config -> Judged
    """
    _check_study_and_table(study, table)
    if budget is not None:
        budget = check_positive_int(budget, "budget")
    rows = rows_by_run(table)
    judged = {}
    for config in study.configs:
        label = str(config)
        val_by_lr, at = {}, {}
        for lr in study.lrs:
            marks = []
            for seed in study.seeds:
                mine = rows.get((label, float(lr), int(seed)), np.array([], dtype=np.intp))
                if budget is not None:
                    mine = mine[table["step"][mine] <= budget]
                cp = best_checkpoint(table["val_acc"][mine], table["test_acc"][mine])
                marks.append((cp.val_acc, cp.test_acc, table["step"][mine][cp.index]))
            val_by_lr[float(lr)] = np.array([m[0] for m in marks])
            at[float(lr)] = marks
        lr = choose_learning_rate(val_by_lr, require_interior=require_interior)
        marks = np.array(at[lr], dtype=np.float64)
        judged[config] = Judged(lr, val_by_lr, marks[:, 0], marks[:, 1],
                                marks[:, 2].astype(np.int64), np.array(study.seeds))
    return judged


def last_evaluation(study, table):
    """A calibration's result: each run's test accuracy at its last evaluation.

    Returns
    -------
    dict config -> ndarray (seeds,), for the study's one learning rate
    """
    _check_study_and_table(study, table)
    if not study.calibration or len(study.lrs) != 1:
        raise ValueError(f"last_evaluation reads a calibration study (one learning rate, no "
                         f"early stopping); {study.name!r} is judged by the protocol: use judge.")
    rows = rows_by_run(table)
    lr = float(study.lrs[0])
    return {config: np.array([table["test_acc"][rows[(str(config), lr, int(s))][-1]]
                              for s in study.seeds]) for config in study.configs}


def by_budget(study, table, budgets):
    """Test accuracy of every configuration at each budget of steps, under the protocol.

    At each budget the learning rate is chosen again on validation (a short budget may favour
    a larger rate; its optimum may sit at the grid's edge, which is allowed here), and each run
    is judged at its best validation checkpoint within the budget; None means no limit
    (convergence, by early stopping).

    Returns
    -------
    dict config -> ndarray (len(budgets), seeds), and dict config -> list of the chosen rates
    """
    tests, lrs = {}, {}
    for budget in budgets:
        judged = judge(study, table, budget=budget, require_interior=False)
        for config, j in judged.items():
            tests.setdefault(config, []).append(j.test)
            lrs.setdefault(config, []).append(j.lr)
    return {c: np.array(v) for c, v in tests.items()}, lrs


def replay(study, picks):
    """Train the runs `picks` (config, lr, seed) again, here and now, and judge each.

    A notebook replays a few stored runs within its time budget and checks that each lands
    where its stored record says (on another CPU a run may differ in its last digits, and at
    large learning rates more: compare with a margin).

    Returns
    -------
    list of protocol.Checkpoint, one per pick
    """
    fresh = parallel_map(_job, [(study, *pick) for pick in picks],
                         desc=f"{study.name}: re-running {len(picks)} stored runs")
    return [best_checkpoint([r["val_acc"] for r in rows], [r["test_acc"] for r in rows])
            for rows in fresh]


def lands_among_seeds(checkpoint, judged, margin=0.02):
    """Whether a replayed run's test accuracy lies among its configuration's stored seeds.

    On the machine that stored the study a replayed run equals its record. On another CPU
    the last digits of the arithmetic differ, and in a chaotic (deep or fast) training run
    they grow: the run then behaves like one more seed. So the check is that its test accuracy
    falls within the range of the stored seeds' test accuracies, widened by `margin`.

    Parameters
    ----------
    checkpoint : protocol.Checkpoint, from `replay`
    judged : Judged, the configuration's entry of `judge`
    margin : float, default 0.02
    """
    low, high = float(np.min(judged.test)), float(np.max(judged.test))
    return low - margin <= checkpoint.test_acc <= high + margin
