"""helpers.results and helpers.studies: stored studies are tidy, resumable, current and verified."""

import dataclasses
import json

import numpy as np
import pytest

from helpers import protocol, results, studies

TINY = results.Study(
    name="tiny", data="digits",
    configs={"relu": {"activation": "relu"}, "prelu": {"activation": "prelu"}},
    lrs=(0.001, 0.003, 0.009, 0.027, 0.081), seeds=(0, 1), epochs=2,
    common={"hidden": (8,), "optimizer": "sgd", "batch_size": 256})


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    folder = tmp_path_factory.mktemp("results")
    assert results.run_missing(TINY, folder, workers=1) == 20
    return folder


def test_a_table_has_one_row_per_run_and_evaluation(stored):
    table = results.load(TINY, stored)
    assert set(table) == set(results.COLUMNS)
    assert len(table["seed"]) == 20 * 3  # 20 runs, evaluated before training and after 2 epochs
    assert sorted(set(table["config"])) == ["prelu", "relu"]
    assert set(table["epoch"]) == {0, 1, 2}
    assert set(table["step"]) == {0, 5, 10}  # 1,077 samples in batches of 256: 5 per epoch
    assert np.all(np.isnan(table["train_loss"][table["epoch"] == 0]))
    assert np.all((table["val_acc"] >= 0) & (table["val_acc"] <= 1))


def test_a_stored_run_is_the_run_itself(stored):
    table = results.load(TINY, stored)
    rows = results.run(TINY, "prelu", 0.081, 1)
    mine = (table["config"] == "prelu") & (table["lr"] == 0.081) & (table["seed"] == 1)
    assert table["test_acc"][mine].tolist() == [r["test_acc"] for r in rows]  # float64 exact
    assert table["train_loss"][mine][1:].tolist() == [r["train_loss"] for r in rows][1:]


def test_the_metadata_names_the_declaration_and_the_machine(stored):
    meta = json.loads(results.metadata_path(TINY, stored).read_text())
    assert meta["digest"] == TINY.digest()
    assert meta["study"]["seeds"] == [0, 1]
    assert {"numpy", "scipy", "scikit-learn"} <= set(meta["packages"])
    assert meta["wall_time_s"] > 0 and meta["code_version"] and meta["cpu"]


def test_runs_that_are_stored_are_not_run_again(stored):
    assert results.is_current(TINY, stored)
    assert results.run_missing(TINY, stored, workers=1) == 0


def test_an_interrupted_study_resumes_and_a_changed_one_starts_afresh(tmp_path, stored):
    # half the table, as if `make results` had been interrupted
    lines = results.table_path(TINY, stored).read_text().splitlines(keepends=True)
    results.table_path(TINY, tmp_path).write_text("".join(lines[:1 + 24]))  # 8 runs of 3 rows
    results.metadata_path(TINY, tmp_path).write_text(
        results.metadata_path(TINY, stored).read_text())
    assert not results.is_current(TINY, tmp_path)
    assert results.run_missing(TINY, tmp_path, workers=1) == 12
    assert results.is_current(TINY, tmp_path)
    assert results.table_path(TINY, tmp_path).read_text() == \
        results.table_path(TINY, stored).read_text()
    changed = dataclasses.replace(TINY, epochs=3)
    assert changed.digest() != TINY.digest() and not results.is_current(changed, tmp_path)
    assert results.run_missing(changed, tmp_path, workers=1) == 20  # nothing old is kept


def test_verification_finds_equal_runs_equal_and_a_tampered_one(tmp_path, stored):
    import csv

    assert all(passed for *_, passed in results.verify(TINY, 3, seed=0, folder=stored))
    (tmp_path / "tiny.json").write_text((stored / "tiny.json").read_text())
    with open(stored / "tiny.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows:  # one run's last accuracy, off by 0.01
        if (row["config"], row["lr"], row["seed"], row["epoch"]) == ("relu", "0.027", "1", "2"):
            row["test_acc"] = repr(float(row["test_acc"]) - 0.01)
    with open(tmp_path / "tiny.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=results.COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    report = results.verify(TINY, 20, seed=0, folder=tmp_path)
    failed = [(c, lr, s, worst) for c, lr, s, worst, passed in report if not passed]
    assert failed == [("relu", 0.027, 1, pytest.approx(0.01))]
    tolerant = results.verify(TINY, 20, seed=0, folder=tmp_path, tolerance=0.02)
    assert all(passed for *_, passed in tolerant)


def test_the_protocol_reads_a_stored_table(stored):
    table = results.load(TINY, stored)
    mine = (table["config"] == "relu") & (table["lr"] == 0.081) & (table["seed"] == 0)
    cp = protocol.best_checkpoint(table["val_acc"][mine], table["test_acc"][mine])
    assert 0 <= cp.index <= 2 and cp.test_acc == table["test_acc"][mine][cp.index]


def test_a_missing_table_says_how_to_make_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="make results"):
        results.load(TINY, tmp_path)


def test_declarations_are_checked():
    with pytest.raises(ValueError, match="data must be 'digits' or 'mnist1d'"):
        dataclasses.replace(TINY, data="cifar")
    with pytest.raises(ValueError, match="patience must be an integer >= 1"):
        dataclasses.replace(TINY, patience=0)


@pytest.mark.parametrize("name", list(studies.STUDIES))
def test_every_declared_study_follows_the_protocol(name):
    study = studies.STUDIES[name]
    assert len(study.seeds) >= 10, "at least 10 paired seeds per arm"
    if study.calibration:  # a published recipe: its one rate, its steps, no early stopping
        assert len(study.lrs) == 1 and study.patience is None
        return
    assert len(study.lrs) >= protocol.MIN_GRID
    protocol.choose_learning_rate({lr: [0.0] for lr in study.lrs}, require_interior=False)


@pytest.mark.parametrize("name", list(studies.STUDIES))
def test_every_declared_study_has_current_stored_results(name):
    """A declaration changed without `make results`: its stored table no longer belongs to it."""
    study = studies.STUDIES[name]
    assert results.is_current(study), (
        f"results/{name}.csv is missing, incomplete or from another declaration of the study: "
        "run `make results` and commit results/.")


def test_judging_a_table_applies_the_protocol(stored):
    table = results.load(TINY, stored)
    judged = results.judge(TINY, table, require_interior=False)
    assert set(judged) == {"relu", "prelu"}
    for config, j in judged.items():
        assert j.lr == protocol.choose_learning_rate(j.val_by_lr, require_interior=False)
        for seed, val, test, step in zip(j.seeds, j.val, j.test, j.step, strict=True):
            mine = (table["config"] == config) & (table["lr"] == j.lr) & (table["seed"] == seed)
            cp = protocol.best_checkpoint(table["val_acc"][mine], table["test_acc"][mine])
            assert (val, test, step) == (cp.val_acc, cp.test_acc, table["step"][mine][cp.index])
    small = dataclasses.replace(TINY, lrs=TINY.lrs[:4])
    with pytest.raises(ValueError, match="at least 5 rates"):
        results.judge(small, table)  # a grid of 4 rates is no protocol


def test_a_budget_judges_each_run_as_if_it_had_stopped_there(stored):
    table = results.load(TINY, stored)
    tests, lrs = results.by_budget(TINY, table, [5, None])
    assert tests["relu"].shape == (2, 2) and len(lrs["relu"]) == 2
    at_5 = results.judge(TINY, table, budget=5, require_interior=False)
    assert tests["relu"][0].tolist() == at_5["relu"].test.tolist()
    assert np.all(at_5["relu"].step <= 5)


def test_a_replayed_run_lands_on_its_record(stored):
    table = results.load(TINY, stored)
    judged = results.judge(TINY, table, require_interior=False)
    j = judged["prelu"]
    live = results.replay(TINY, [("prelu", j.lr, int(j.seeds[1]))])
    assert live[0].test_acc == j.test[1] and live[0].val_acc == j.val[1]


def test_a_replayed_run_is_judged_among_the_stored_seeds():
    from helpers.protocol import Checkpoint

    judged = results.Judged(0.01, {}, np.array([0.9, 0.9]), np.array([0.90, 0.94]),
                            np.array([10, 20]), np.array([0, 1]))
    assert results.lands_among_seeds(Checkpoint(3, 0.9, 0.93), judged)
    assert results.lands_among_seeds(Checkpoint(3, 0.9, 0.885), judged)  # within the margin
    assert not results.lands_among_seeds(Checkpoint(3, 0.9, 0.87), judged)
    assert not results.lands_among_seeds(Checkpoint(3, 0.9, 0.97), judged)


def test_a_configuration_may_change_the_data_and_the_epochs_and_the_paper_split_is_kept_apart():
    calib = results.Study(
        name="calib", data="mnist1d", calibration=True, lrs=(0.01,), seeds=(0,), epochs=1,
        configs={"paper": {"data": "mnist1d-paper", "epochs": 2}, "course": {}},
        common={"hidden": (4,), "batch_size": 1000})
    paper, course = results.run(calib, "paper", 0.01, 0), results.run(calib, "course", 0.01, 0)
    assert [r["step"] for r in paper] == [0, 4, 8]  # 4,000 training sequences, 2 epochs
    assert [r["step"] for r in course] == [0, 4]    # 3,200 (batches of 1,000: 4), 1 epoch
    assert all(r["val_acc"] == r["test_acc"] for r in paper)  # no validation split there
    split = results.dataset("mnist1d-paper")
    assert len(split.y_train) == 4000 and np.array_equal(split.X_val, split.X_test)
    assert "calibration" in calib.declaration() and "calibration" not in TINY.declaration()
    with pytest.raises(ValueError, match="only a calibration study"):
        dataclasses.replace(calib, calibration=False)


def test_a_study_runs_on_a_local_dask_cluster_with_the_same_table(tmp_path, monkeypatch):
    """CONTRIBUTING's "bigger sweeps": joblib's dask backend, on a local cluster of two
    processes (skipped unless `distributed` is installed: `pip install "dask[distributed]"`)."""
    distributed = pytest.importorskip("distributed")
    from helpers import parallel

    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, distributed.Client(cluster):
        monkeypatch.setattr(parallel, "BACKEND", "dask")
        assert results.run_missing(TINY, tmp_path / "dask", workers=2) == 20
    monkeypatch.setattr(parallel, "BACKEND", "loky")
    results.run_missing(TINY, tmp_path / "loky", workers=2)
    assert (results.table_path(TINY, tmp_path / "dask").read_text()
            == results.table_path(TINY, tmp_path / "loky").read_text())


def test_rows_by_run_groups_each_runs_evaluations_in_order(stored):
    table = results.load(TINY, stored)
    rows = results.rows_by_run(table)
    assert sorted(rows) == sorted((c, float(lr), s) for c, lr, s in TINY.runs())
    for (config, lr, seed), index in rows.items():
        assert table["step"][index].tolist() == [0, 5, 10]  # every evaluation, in order
        assert set(table["config"][index]) == {config} and set(table["seed"][index]) == {seed}
        assert set(table["lr"][index]) == {lr}


def test_a_run_in_this_process_uses_one_blas_thread_like_the_workers(monkeypatch):
    """verify and replay with one job run in this process: with the process's BLAS threads the
    last bits of a CNN run differed from its record (trained by a one-thread worker)."""
    import threadpoolctl

    seen = []
    monkeypatch.setattr(results, "run", lambda *args: seen.append(
        {info["num_threads"] for info in threadpoolctl.threadpool_info()
         if info["user_api"] == "blas"}))
    results._job((None, "c", 0.1, 0))
    assert seen == [{1}]
