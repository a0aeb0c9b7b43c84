"""Run provenance: git commit, package versions and the manifest written next to every result.

The manifest (``manifest.json``) holds what is needed to reproduce a run bit for bit: the fully
resolved configuration, the seed, the mcdm version and git commit (with a flag for uncommitted
changes), and the versions of Python and of the packages that shape the numbers.
"""
from __future__ import annotations

import datetime as _dt
import os
import platform
import subprocess
import sys
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

from mcdm._version import __version__
from mcdm.io import atomic_write_json, to_jsonable

__all__ = ["MANIFEST_FORMAT_VERSION", "MANIFEST_NAME", "PACKAGES", "git_commit", "git_dirty",
           "package_versions", "build_manifest", "write_manifest"]

#: Version of the manifest layout; bump when keys change meaning.
MANIFEST_FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
#: Distributions whose versions go into every manifest.
PACKAGES = ("numpy", "numba", "scipy", "astropy", "astropy-iers-data", "pandas", "pyarrow",
            "boost-histogram", "hist", "matplotlib", "healpy", "tqdm", "mcdm")
_GIT_TIMEOUT_S = 5.0


def _default_repo_dir() -> Path:
    return Path(__file__).resolve().parent


def _git(args: list[str], path: str | os.PathLike[str] | None) -> str | None:
    """Output of ``git -C path args`` (stripped), or None on any failure."""
    cwd = Path(path) if path is not None else _default_repo_dir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}  # ignore GIT_DIR etc.
    try:
        res = subprocess.run(["git", "-C", str(cwd), *args], capture_output=True, text=True,
                             timeout=_GIT_TIMEOUT_S, env=env, check=False)
    except (OSError, subprocess.SubprocessError, ValueError):
        return None
    if res.returncode != 0:
        return None
    return res.stdout.strip()


def git_commit(path: str | os.PathLike[str] | None = None) -> str | None:
    """Full commit hash of the git checkout containing ``path``.

    Parameters
    ----------
    path : str or os.PathLike, optional
        A directory inside the checkout; by default the directory of the installed ``mcdm``
        package (an editable install lives in the repository).

    Returns
    -------
    str or None
        40-hex commit id, or None if ``path`` is not in a git checkout, git is missing, or it
        does not answer within 5 s. Never raises.
    """
    out = _git(["rev-parse", "--verify", "HEAD"], path)
    if not out or len(out) < 40 or any(c not in "0123456789abcdef" for c in out.lower()):
        return None
    return out


def git_dirty(path: str | os.PathLike[str] | None = None) -> bool | None:
    """True if tracked files in the checkout containing ``path`` have uncommitted changes.

    Untracked files are ignored. None if not a git checkout (or git fails). Never raises.
    """
    out = _git(["status", "--porcelain", "--untracked-files=no"], path)
    if out is None:
        return None
    return bool(out)


def package_versions() -> dict[str, str | None]:
    """Versions of Python and of the packages in :data:`PACKAGES` (None if not installed)."""
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def build_manifest(config: Mapping[str, Any], seed: int,
                   extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Provenance record of a run.

    Parameters
    ----------
    config : dict
        The fully resolved run configuration (defaults filled in).
    seed : int
        Root seed of the run's ``numpy.random.SeedSequence``.
    extra : dict, optional
        Anything else worth recording (number of shards, command line, timings).

    Returns
    -------
    dict
        Keys ``format_version``, ``created_utc`` (ISO 8601), ``mcdm_version``, ``git``
        (``{"commit", "dirty"}``), ``host``, ``platform``, ``python``, ``packages``, ``config``,
        ``seed`` and ``extra``; values already converted to plain JSON types.
    """
    if isinstance(seed, bool) or not hasattr(seed, "__index__"):
        msg = f"seed must be an integer, got {seed!r}"
        raise TypeError(msg)
    created = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    manifest = {
        "format_version": MANIFEST_FORMAT_VERSION,
        "created_utc": created.replace("+00:00", "Z"),
        "mcdm_version": __version__,
        "git": {"commit": git_commit(), "dirty": git_dirty()},
        "host": platform.node(),
        "platform": platform.platform(),
        "python": sys.version,
        "packages": package_versions(),
        "config": dict(config),
        "seed": int(seed.__index__()),
        "extra": dict(extra or {}),
    }
    return to_jsonable(manifest)


def write_manifest(directory: str | os.PathLike[str], manifest: Mapping[str, Any]) -> Path:
    """Write ``manifest`` to ``directory/manifest.json`` atomically (sorted keys, indent 2).

    Numpy scalars and arrays, paths and dataclasses are converted to JSON types.

    Returns
    -------
    pathlib.Path
        Path of the written file.
    """
    return atomic_write_json(Path(directory) / MANIFEST_NAME, manifest, indent=2, sort_keys=True)
