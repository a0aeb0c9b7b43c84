"""``python3 -m benchmarks`` writes a complete report (smoke tests: no wall time is asserted)."""
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # benchmarks/ sits beside mcdm/ and is not installed
    sys.path.insert(0, str(REPO))

from benchmarks import GROUPS  # noqa: E402
from benchmarks.render import load_data, render  # noqa: E402

HEADINGS = ["Machine", "Targets", "Ray kernels", "Halo sampling", "Halo-flux job",
            "Transport: continuous slowing-down and discrete Monte Carlo",
            "Seed-004 main job (MIDM next-event estimator)", "20 × 20 sensitivity scan",
            "Scaling: local processes and Dask", "Dask overhead per shard", "Peer codes"]
TARGETS = ["ray–3-shell traversals", "halo velocities", "20 × 20 scan", "continuous stopping ≥ 1e6",
           "parallel efficiency 1 → 2 (local processes)", "Dask overhead per shard"]


def _benchmarks(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "benchmarks", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=900)


@pytest.mark.slow
def test_quick_run_writes_every_section_and_only_keeps_the_other_groups(tmp_path):
    out = tmp_path / "benchmarks.md"
    proc = _benchmarks("--quick", "--output", str(out))
    assert proc.returncode == 0, proc.stderr[-3000:]
    text = out.read_text(encoding="utf-8")
    for heading in HEADINGS:
        assert f"\n## {heading}\n" in text, heading
    for target in TARGETS:
        assert target in text, target
    assert "quick mode" in text and "(quick run: not judged)" in text
    first = load_data(out)
    assert set(first["groups"]) == set(GROUPS) and all(g["quick"] for g in first["groups"].values())

    proc = _benchmarks("--quick", "--only", "halo", "--output", str(out))  # re-measures one group only
    assert proc.returncode == 0, proc.stderr[-3000:]
    second = load_data(out)
    assert set(second["groups"]) == set(GROUPS)
    assert second["groups"]["kernels"] == first["groups"]["kernels"]
    assert second["groups"]["halo"]["result"] != first["groups"]["halo"]["result"]


def test_unknown_group_is_refused_with_the_known_names(tmp_path):
    proc = _benchmarks("--only", "nosuch", "--output", str(tmp_path / "b.md"))
    assert proc.returncode == 2
    assert "nosuch" in proc.stderr and "dask_overhead" in proc.stderr
    assert not (tmp_path / "b.md").exists()


def test_report_without_measurements_has_machine_peers_and_round_trips(tmp_path):
    data = {"groups": {}, "machine": {"cpu": "CPU X", "cores": 2, "cores_available": 2, "memory_gib": 1.0,
                                      "platform": "p", "versions": {"numba": "0"}, "commit": None, "dirty": None,
                                      "date": "d", "load_before": 0.5, "load_after": 0.7}}
    path = tmp_path / "b.md"
    path.write_text(render(data), encoding="utf-8")
    text = path.read_text(encoding="utf-8")
    assert "## Machine" in text and "CPU X" in text and "## Peer codes" in text and "several hours" in text
    assert "## Ray kernels" not in text
    assert load_data(path) == data
    path.write_text(text.replace("| CPU | CPU X", "| CPU | edited"), encoding="utf-8")  # hand edit of the table
    proc = _benchmarks("--render-only", "--output", str(path))  # rewrites the report from its own numbers
    assert proc.returncode == 0, proc.stderr
    assert path.read_text(encoding="utf-8") == text
