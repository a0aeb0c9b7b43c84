"""Unit tests of mcdm.provenance (git commit, package versions, run manifest)."""
from __future__ import annotations

import json
import shutil
import subprocess

import numpy as np
import pytest

import mcdm
from mcdm import provenance

KEYS = {"format_version", "created_utc", "mcdm_version", "git", "host", "platform", "python",
        "packages", "config", "seed", "extra"}


def test_git_commit_none_outside_repo(tmp_path):
    assert provenance.git_commit(tmp_path) is None
    assert provenance.git_dirty(tmp_path) is None
    assert provenance.git_commit(tmp_path / "does-not-exist") is None


@pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")
def test_git_commit_in_fresh_repo(tmp_path):
    def git(*args):
        subprocess.run(["git", "-C", str(tmp_path), *args], check=True, capture_output=True)

    git("init", "-q")
    (tmp_path / "f.txt").write_text("x")
    git("add", "f.txt")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "init")
    out = subprocess.run(["git", "-C", str(tmp_path), "rev-parse", "HEAD"], check=True,
                         capture_output=True, text=True).stdout.strip()
    assert provenance.git_commit(tmp_path) == out
    assert provenance.git_dirty(tmp_path) is False
    (tmp_path / "f.txt").write_text("y")
    assert provenance.git_dirty(tmp_path) is True


def test_package_versions():
    v = provenance.package_versions()
    assert v["mcdm"] == mcdm.__version__ and v["numpy"] == np.__version__
    assert {"python", "numba", "astropy-iers-data", "boost-histogram", "hist"} <= set(v)


def test_manifest_keys_and_numpy_types(tmp_path):
    config = {"name": "demo", "n": np.int64(10), "delta_keV": np.float32(100.0),
              "edges": np.linspace(0.0, 1.0, 3), "flag": np.bool_(True), "path": tmp_path,
              "nested": {"t": (1, 2)}}
    m = provenance.build_manifest(config, seed=np.int64(2024), extra={"shards": np.int32(8)})
    assert set(m) == KEYS
    assert m["seed"] == 2024 and type(m["seed"]) is int
    assert m["config"]["edges"] == [0.0, 0.5, 1.0] and m["config"]["flag"] is True
    assert m["config"]["nested"]["t"] == [1, 2] and m["extra"] == {"shards": 8}
    assert m["created_utc"].endswith("Z") and m["mcdm_version"] == mcdm.__version__
    assert set(m["git"]) == {"commit", "dirty"}
    json.dumps(m, allow_nan=False)  # plain JSON types only
    path = provenance.write_manifest(tmp_path / "run", m)
    assert path.name == "manifest.json"
    text = path.read_text()
    assert json.loads(text) == m
    assert text == json.dumps(m, sort_keys=True, indent=2) + "\n"


def test_write_manifest_converts_numpy_scalars(tmp_path):
    path = provenance.write_manifest(tmp_path, {"x": np.float64(1.5), "y": np.arange(3)})
    assert json.loads(path.read_text()) == {"x": 1.5, "y": [0, 1, 2]}


def test_manifest_rejects_bad_seed():
    with pytest.raises(TypeError, match="seed must be an integer"):
        provenance.build_manifest({}, seed=1.5)
