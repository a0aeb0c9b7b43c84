"""Suite-wide options: tests marked ``slow`` run in CI (``CI`` set), with ``--run-slow`` or with
``MCDM_RUN_SLOW=1``; elsewhere they are skipped so that the everyday run stays short."""
import os

import pytest


def pytest_addoption(parser):
    parser.addoption("--run-slow", action="store_true", default=False,
                     help="also run the tests marked slow (always on when CI or MCDM_RUN_SLOW is set)")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--run-slow") or os.environ.get("CI") or os.environ.get("MCDM_RUN_SLOW"):
        return
    skip = pytest.mark.skip(reason="slow: runs in CI (CI=true), with --run-slow or MCDM_RUN_SLOW=1")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
