"""An installed (non-editable) mcdm ships the geometry library and the default config."""
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_contains_geometry_library_and_default_config(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q",
         "-w", str(tmp_path)],
        capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    wheel = next(tmp_path.glob("mcdm-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    data = {n.split(".data/data/share/mcdm/", 1)[1] for n in names if ".data/data/share/mcdm/geometry/" in n}
    expected = {str(p.relative_to(ROOT)) for p in (ROOT / "geometry").rglob("*") if p.is_file()}
    assert expected <= data, sorted(expected - data)
    assert "mcdm/config/defaults/halo_flux_lngs.toml" in names
    assert "mcdm/config/defaults/midm_gran_sasso.toml" in names
    assert "mcdm/data/nuclear_responses/efk2023_appendix_b.toml" in names
