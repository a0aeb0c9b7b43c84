"""A run killed mid-way (SIGKILL or SIGINT, in a subprocess) keeps its finished shards, leaves no
half-written output, and resumed gives exactly the numbers of an uninterrupted run."""
import json
import signal
import subprocess
import sys
import time

import pytest
import tomli_w

from mcdm.checkpoint import ShardStore
from mcdm.scenarios.midm import point_config
from mcdm.tally import Tally

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


def _config_file(tmp_path, name):
    doc = point_config(name, tmp_path / "out", samples=48_000)
    doc["run"]["shards"] = 48
    doc["time"].update(bins=6, width="4 h")
    doc["output"]["plot"] = True
    path = tmp_path / f"{name}.toml"
    path.write_text(tomli_w.dumps(doc))
    return path


def _start(config):
    return subprocess.Popen([sys.executable, "-m", "mcdm", "run", str(config), "--no-progress"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_shards(folder, n, proc, timeout=120.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if len(list(folder.glob(".shards/*/shard_*.pkl"))) >= n:
            return
        if proc.poll() is not None:
            pytest.fail(f"run ended before {n} shards were stored: {proc.stderr.read()[-2000:]}")
        time.sleep(0.05)
    pytest.fail("no shards appeared")


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
def test_killed_run_resumes_to_the_same_numbers(tmp_path, sig):
    reference = _config_file(tmp_path, "ref")
    assert subprocess.run([sys.executable, "-m", "mcdm", "run", str(reference), "--quiet"]).returncode == 0

    config = _config_file(tmp_path, "killed")
    folder = tmp_path / "out" / "killed"
    proc = _start(config)
    _wait_for_shards(folder, 3, proc)
    proc.send_signal(sig)
    code = proc.wait(timeout=60)
    assert code == (-signal.SIGKILL if sig == signal.SIGKILL else 130)
    # no output of the run was written, and every stored shard is complete and readable
    assert not (folder / "rate.json").exists() and not (folder / "summary.json").exists()
    stored = list(folder.glob(".shards/*/shard_*.pkl"))
    assert 3 <= len(stored) < 48
    store = ShardStore(stored[0].parent)
    assert all(store.load(k) is not None for k in store.finished())
    if sig == signal.SIGINT:  # (a SIGKILL inside a write may leave a hidden temp file, never a final one)
        assert not list(folder.rglob("*.tmp*"))

    resumed = subprocess.run([sys.executable, "-m", "mcdm", "--log-level", "info", "run", str(config),
                              "--no-progress"], capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert f"cached={len(stored)}" in resumed.stderr
    ref_dir = tmp_path / "out" / "ref"
    assert Tally.load(folder / "rate.json") == Tally.load(ref_dir / "rate.json")
    assert (json.loads((folder / "summary.json").read_text())["bins"]
            == json.loads((ref_dir / "summary.json").read_text())["bins"])
    assert not (folder / ".shards").exists()
