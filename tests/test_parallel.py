"""helpers.parallel: the CPUs and memory a container really grants, the same results with any
number of workers, and clear errors."""

import functools
import threading

import numpy as np
import pytest
import threadpoolctl

from helpers import experiments, parallel

GiB = 2**30


def _square(x):
    return x * x


# ---------------------------------------------------------------- cgroup files, faked


def fake_cgroup(tmp_path, version, *, quota=None, period=100_000, memory=None, usage=0,
                group="/", parent_quota=None):
    """A /sys/fs/cgroup tree and a /proc/self/cgroup file, as a container or host shows them.

    quota: CPU time per period in µs (None: unlimited); memory: limit in bytes (None: none).
    group: the process's own group (a container sees "/"; a host process a sub-folder).
    parent_quota: a quota on the root of the tree instead of (or as well as) the group's own.
    """
    root = tmp_path / "cgroup"
    parts = [p for p in group.split("/") if p]
    if version == 2:
        root.mkdir(parents=True)
        (root / "cgroup.controllers").write_text("cpu memory\n")
        own = root.joinpath(*parts)
        own.mkdir(parents=True, exist_ok=True)
        (own / "cpu.max").write_text(f"{'max' if quota is None else quota} {period}\n")
        (own / "memory.max").write_text(f"{'max' if memory is None else memory}\n")
        (own / "memory.current").write_text(f"{usage}\n")
        if parent_quota is not None:
            (root / "cpu.max").write_text(f"{parent_quota} {period}\n")
        proc = "0::" + group + "\n"
    else:
        cpu, mem = root / "cpu,cpuacct", root / "memory"
        for controller in (cpu, mem):
            controller.joinpath(*parts).mkdir(parents=True, exist_ok=True)
        own_cpu, own_mem = cpu.joinpath(*parts), mem.joinpath(*parts)
        (own_cpu / "cpu.cfs_quota_us").write_text(f"{-1 if quota is None else quota}\n")
        (own_cpu / "cpu.cfs_period_us").write_text(f"{period}\n")
        unlimited = 9223372036854771712  # what v1 shows without a limit
        limit = unlimited if memory is None else memory
        (own_mem / "memory.limit_in_bytes").write_text(f"{limit}\n")
        (own_mem / "memory.usage_in_bytes").write_text(f"{usage}\n")
        if parent_quota is not None:
            (cpu / "cpu.cfs_quota_us").write_text(f"{parent_quota}\n")
            (cpu / "cpu.cfs_period_us").write_text(f"{period}\n")
        proc = (f"12:memory:{group}\n11:cpu,cpuacct:{group}\n"
                f"1:name=systemd:{group}\n0::/\n")
    proc_file = root.parent / "proc-self-cgroup"
    proc_file.write_text(proc)
    return root, proc_file


@pytest.mark.parametrize("version", [1, 2])
@pytest.mark.parametrize(("quota", "expected"), [(None, None), (100_000, 1.0),
                                                  (150_000, 1.5), (50_000, 0.5)])
def test_cpu_quota_from_either_cgroup_version(tmp_path, version, quota, expected):
    root, proc = fake_cgroup(tmp_path, version, quota=quota)
    assert parallel.cpu_quota(root, proc) == expected


@pytest.mark.parametrize("version", [1, 2])
def test_a_host_process_in_a_subgroup_and_the_limit_on_a_parent(tmp_path, version):
    root, proc = fake_cgroup(tmp_path, version, quota=None, group="/slurm/job_7",
                             parent_quota=200_000)
    assert parallel.cpu_quota(root, proc) == 2.0  # the parent's limit applies to its children
    root2, proc2 = fake_cgroup(tmp_path / "b", version, quota=100_000, group="/slurm/job_7",
                               parent_quota=400_000)
    assert parallel.cpu_quota(root2, proc2) == 1.0  # the smallest counts


@pytest.mark.parametrize("version", [1, 2])
@pytest.mark.parametrize(("memory", "usage", "expected"),
                         [(None, 5 * GiB, None), (2 * GiB, GiB // 4, 2 * GiB - GiB // 4),
                          (GiB, 2 * GiB, 0)])
def test_memory_available_from_either_cgroup_version(tmp_path, version, memory, usage, expected):
    root, proc = fake_cgroup(tmp_path, version, memory=memory, usage=usage)
    assert parallel.memory_available(root, proc) == expected


def test_no_cgroups_at_all(tmp_path):
    """macOS, Windows, or a Linux without the files: no quota and no memory limit known."""
    missing = tmp_path / "none"
    assert parallel.cpu_quota(missing, missing) is None
    assert parallel.memory_available(missing, missing) is None


def binder(monkeypatch, tmp_path, *, cores_seen, version=2, quota=100_000, memory=2 * GiB,
           usage=300 * 2**20):
    """A Binder-like pod: `cores_seen` cores on the node, a CPU quota and a memory limit."""
    monkeypatch.delenv("HELPERS_WORKERS", raising=False)
    monkeypatch.delenv("HELPERS_BLAS_THREADS", raising=False)
    root, proc = fake_cgroup(tmp_path, version, quota=quota, memory=memory, usage=usage)
    monkeypatch.setattr(parallel, "CGROUP_ROOT", root)
    monkeypatch.setattr(parallel, "PROC_SELF_CGROUP", proc)
    monkeypatch.setattr(parallel.os, "sched_getaffinity", lambda pid: set(range(cores_seen)),
                        raising=False)
    monkeypatch.setattr(parallel.os, "cpu_count", lambda: cores_seen)


@pytest.mark.parametrize("version", [1, 2])
def test_workers_follow_the_quota_not_the_node(monkeypatch, tmp_path, version):
    binder(monkeypatch, tmp_path, cores_seen=32, version=version, quota=100_000)
    assert parallel.usable_cpus() == 1
    assert parallel.default_workers() == 1
    binder(monkeypatch, tmp_path / "b", cores_seen=32, version=version, quota=200_000,
           memory=None)
    assert parallel.default_workers() == 2
    binder(monkeypatch, tmp_path / "c", cores_seen=2, version=version, quota=None, memory=None)
    assert parallel.default_workers() == 2  # no quota: the affinity


def test_workers_that_do_not_fit_in_memory_are_not_started(monkeypatch, tmp_path):
    # 8 CPUs of quota, 2 GB, 300 MB used: (2048 - 300 - 400) MB left for 200 MB workers -> 6
    binder(monkeypatch, tmp_path, cores_seen=32, quota=800_000, memory=2 * GiB,
           usage=300 * 2**20)
    expected = (2 * GiB - 300 * 2**20 - parallel.KERNEL_HEADROOM) // parallel.WORKER_MEMORY
    assert parallel.default_workers() == expected == 6
    # almost full: still one (everything in the kernel), never zero
    binder(monkeypatch, tmp_path / "b", cores_seen=32, quota=800_000, memory=GiB,
           usage=GiB - 2**20)
    assert parallel.default_workers() == 1


def test_blas_threads_follow_the_quota(monkeypatch, tmp_path):
    binder(monkeypatch, tmp_path, cores_seen=32, quota=100_000)
    with threadpoolctl.threadpool_limits(4, user_api="blas"):  # restored afterwards
        assert parallel.limit_blas_threads() == 1
        assert {p["num_threads"] for p in threadpoolctl.threadpool_info()
                if p["user_api"] == "blas"} == {1}
        monkeypatch.setenv("HELPERS_BLAS_THREADS", "2")
        assert parallel.limit_blas_threads() == 2
    binder(monkeypatch, tmp_path / "b", cores_seen=32, quota=400_000)
    with threadpoolctl.threadpool_limits(1, user_api="blas"):  # OPENBLAS_NUM_THREADS=1, say
        assert parallel.limit_blas_threads() == 1  # a smaller count is kept, never raised


def test_importing_helpers_limits_blas_threads_to_the_quota(tmp_path):
    """In a fresh interpreter that sees 32 cores and OPENBLAS_NUM_THREADS=32, a quota of 1."""
    import os
    import subprocess
    import sys

    root, proc = fake_cgroup(tmp_path, 2, quota=100_000)
    code = (
        "import os; os.sched_getaffinity = lambda pid: set(range(32)); "
        "from pathlib import Path; import helpers.parallel as p; "
        f"p.CGROUP_ROOT = Path({str(root)!r}); p.PROC_SELF_CGROUP = Path({str(proc)!r}); "
        "p.limit_blas_threads(); import threadpoolctl; "
        "print(sorted({i['num_threads'] for i in threadpoolctl.threadpool_info() "
        "if i['user_api'] == 'blas'}))"
    )
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "32"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[1]"


def test_worker_count_from_the_environment(monkeypatch):
    monkeypatch.setenv("HELPERS_WORKERS", "1")
    assert parallel.default_workers() == 1
    monkeypatch.setenv("HELPERS_WORKERS", "7")
    assert parallel.default_workers() == 7  # the override wins over quota and memory
    monkeypatch.setenv("HELPERS_WORKERS", "two")
    with pytest.raises(ValueError, match="HELPERS_WORKERS must be a whole number >= 1; got 'two'"):
        parallel.default_workers()
    monkeypatch.setenv("HELPERS_WORKERS", "0")
    with pytest.raises(ValueError, match="HELPERS_WORKERS must be a whole number >= 1; got '0'"):
        parallel.default_workers()
    with pytest.raises(ValueError, match="workers must be an integer >= 1"):
        parallel.parallel_map(_square, [1], workers=0)


# ---------------------------------------------------------------- the runs themselves


def test_results_in_order_with_and_without_workers():
    items = list(range(7))
    assert parallel.parallel_map(_square, items, workers=1) == [x * x for x in items]
    assert parallel.parallel_map(_square, items, workers=2) == [x * x for x in items]


def test_training_runs_are_bit_identical_whatever_the_number_of_workers():
    data = experiments.standardized_digits(seed=0)
    job = functools.partial(experiments.train_mlp, data, hidden=(16,), epochs=2, lr=0.03)
    serial = [job(seed=s) for s in (0, 1, 2)]
    spread = experiments.repeat(data, (0, 1, 2), hidden=(16,), epochs=2, lr=0.03)
    for a, b in zip(serial, spread, strict=True):
        assert a.test_acc == b.test_acc
        for key, value in a.model.params.items():
            assert np.array_equal(value, b.model.params[key])


def _workers_seen(_):
    return parallel.default_workers()


def test_a_worker_never_spreads_its_own_runs():
    assert parallel.parallel_map(_workers_seen, [0, 1], workers=2) == [1, 1]


def test_a_lambda_runs_and_an_unpicklable_item_gets_a_clear_error():
    assert parallel.parallel_map(lambda x: x + 1, [1, 2], workers=2) == [2, 3]
    with pytest.raises(TypeError, match="items must be picklable.*workers=1"):
        parallel.parallel_map(_square, [threading.Lock(), 2], workers=2)
    assert len(parallel.parallel_map(id, [threading.Lock()], workers=1)) == 1  # no pickling


def test_errors_in_workers_reach_the_caller():
    with pytest.raises(ValueError, match="math domain error"):
        parallel.parallel_map(_sqrt_of, [4.0, -1.0], workers=2)


def _sqrt_of(x):
    import math

    return math.sqrt(x)


def test_a_progress_bar_names_what_runs_and_counts_the_runs(capsys, monkeypatch):
    monkeypatch.delenv("TQDM_DISABLE", raising=False)
    monkeypatch.setattr(parallel, "PROGRESS_DELAY", 0.0)  # these runs are quick
    assert parallel.parallel_map(_square, [1, 2, 3], workers=1, desc="seeds") == [1, 4, 9]
    err = capsys.readouterr().err
    assert "seeds" in err and "3/3" in err
    monkeypatch.setenv("TQDM_DISABLE", "1")  # how the tests and `make run` turn it off
    parallel.parallel_map(_square, [1, 2, 3], workers=2, desc="seeds")
    assert capsys.readouterr().err == ""
