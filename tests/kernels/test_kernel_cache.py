"""The numba cache is keyed by the source of all kernel modules (mcdm.kernels docstring)."""
import numba

import mcdm.kernels as kernels


def test_cache_dir_carries_the_kernel_source_hash():
    h = kernels.kernel_source_hash()
    assert len(h) == 16 and h == kernels.kernel_source_hash()
    if numba.config.CACHE_DIR and "numba-" in numba.config.CACHE_DIR:
        assert numba.config.CACHE_DIR.endswith(f"numba-{h}")
