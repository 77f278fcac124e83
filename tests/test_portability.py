"""scripts/portability.py: a configuration that cannot run here is skipped, never passed."""

import importlib.util
import os

import pytest
from _notebooks import ROOT

spec = importlib.util.spec_from_file_location("portability", ROOT / "scripts" / "portability.py")
portability = importlib.util.module_from_spec(spec)
spec.loader.exec_module(portability)


def test_a_crashing_probe_is_reported_with_its_signal():
    ok, _, why = portability._run("import os; os.abort()", dict(os.environ))
    assert not ok and "crashed" in why and "signal 6" in why


def test_a_hanging_probe_is_stopped():
    ok, _, why = portability._run("import time; time.sleep(30)", dict(os.environ), timeout=1)
    assert not ok and why == "the probe hung for 1 s"


def test_a_probe_that_writes_to_stderr_does_not_pass():
    ok, _, why = portability._run("import sys; sys.stderr.write('Warning: oops')",
                                  dict(os.environ))
    assert not ok and "Warning: oops" in why


def test_every_configuration_sets_only_what_it_names(monkeypatch):
    monkeypatch.setenv("OPENBLAS_CORETYPE", "Prescott")  # leftovers from the caller are cleared
    monkeypatch.setenv("ATEN_CPU_CAPABILITY", "avx2")
    env, detail = portability.environment("native-1")
    if env is None:
        pytest.skip(detail)
    assert env["OPENBLAS_NUM_THREADS"] == env["OMP_NUM_THREADS"] == "1"
    assert "OPENBLAS_CORETYPE" not in env and "ATEN_CPU_CAPABILITY" not in env
    assert detail == "OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1"


def test_the_torch_probe_passes_without_torch_and_catches_a_bad_setting():
    """Without PyTorch the probe has nothing to check; with it, a setting PyTorch refuses (it
    warns on stderr) makes the configuration skipped."""
    hidden = "import sys; sys.modules['torch'] = None\n"  # find_spec("torch") is then None
    assert portability._run(hidden + portability._TORCH_PROBE, dict(os.environ))[:2] == (
        True, "ok")
    if importlib.util.find_spec("torch") is None:
        pytest.skip("PyTorch is not installed")
    ok, _, why = portability._run(portability._TORCH_PROBE,
                                  {**os.environ, "ATEN_CPU_CAPABILITY": "not-a-cpu"})
    assert not ok and "ATEN_CPU_CAPABILITY" in why


def test_all_skipped_is_a_failure(monkeypatch, capsys):
    monkeypatch.setattr(portability, "environment", lambda name: (None, "not here"))
    assert portability.test(list(portability.CONFIGS), [], ROOT / "build") == 1
    out = capsys.readouterr().out
    assert "SKIPPED" in out and "nothing was tested" in out


# ---------------------------------------------------------------- scripts/container.py

spec = importlib.util.spec_from_file_location("container", ROOT / "scripts" / "container.py")
container = importlib.util.module_from_spec(spec)
spec.loader.exec_module(container)


def test_the_container_test_says_why_it_cannot_run(monkeypatch, tmp_path):
    monkeypatch.setattr(container.os, "geteuid", lambda: 1000)
    with pytest.raises(container.Unavailable, match="not root"):
        container.Group("x", 1, 2**31, root=tmp_path)
    monkeypatch.setattr(container.os, "geteuid", lambda: 0)
    with pytest.raises(container.Unavailable, match="no cgroup v1 cpu and memory controllers"):
        container.Group("x", 1, 2**31, root=tmp_path)  # a folder that is no cgroup file system
    assert list(tmp_path.iterdir()) == []  # nothing left behind


@pytest.mark.skipif(not hasattr(os, "sched_getaffinity"), reason="Linux only, as control groups")
def test_the_container_makes_python_see_a_big_node(tmp_path):
    import subprocess
    import sys

    (tmp_path / "sitecustomize.py").write_text(container.SITECUSTOMIZE.format(cores=32))
    code = "import os; print(os.cpu_count(), len(os.sched_getaffinity(0)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**os.environ, "PYTHONPATH": str(tmp_path)}).stdout
    assert out.split() == ["32", "32"]
