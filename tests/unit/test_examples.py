"""Every example config validates and is described in examples/README.md."""
from pathlib import Path

import pytest

from mcdm.config import load_config

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.toml"))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_validates_and_is_listed(path):
    readme = (ROOT / "examples" / "README.md").read_text()
    assert path.name in readme, f"{path.name} is not described in examples/README.md"
    if path.name.startswith("scan_"):
        return  # mcdm scan configs carry a [scan] table (tested by the scan tests)
    cfg = load_config(path)
    assert cfg.run.name and cfg.run.scenario
