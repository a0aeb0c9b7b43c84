"""Every kernel test also runs with NUMBA_DISABLE_JIT=1 (pure-Python mode), in a subprocess.

The JIT-compiled run of tests/kernels is the normal collection; this test re-runs the same files
with the JIT off, so a kernel that only works compiled (or only interpreted) fails CI.
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest

KERNEL_TESTS = Path(__file__).parent / "kernels"


@pytest.mark.skipif(os.environ.get("NUMBA_DISABLE_JIT") == "1", reason="already in python mode")
def test_kernel_suite_passes_without_jit():
    files = sorted(str(p) for p in KERNEL_TESTS.glob("test_*.py"))
    assert files, "no kernel tests found"
    env = dict(os.environ, NUMBA_DISABLE_JIT="1")
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x", "-m", "not slow", "-p", "no:cacheprovider", *files],
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
