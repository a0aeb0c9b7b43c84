"""Atomic file output and JSON helpers used for every file mcdm writes.

A file is written to a temporary name in its destination directory and moved onto its final
name with :func:`os.replace` only once it is complete, so a reader (or a resumed run) never sees
a half-written result: the old file, or none, stays in place if writing fails.

Examples
--------
>>> from mcdm.io import atomic_path
>>> with atomic_path("results/run/events.parquet") as tmp:   # doctest: +SKIP
...     pyarrow.parquet.write_table(table, tmp)
"""
from __future__ import annotations

import contextlib
import dataclasses
import datetime as _dt
import functools
import json
import os
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from mcdm.errors import McdmError

__all__ = [
    "FileFormatError",
    "atomic_path",
    "atomic_write_bytes",
    "atomic_write_text",
    "atomic_write_json",
    "to_jsonable",
    "markdown_table",
]


class FileFormatError(McdmError, ValueError):
    """A file mcdm reads is not in the expected format or has an unsupported format version."""


@functools.lru_cache(maxsize=1)
def _default_file_mode() -> int:
    """Permission bits a plain ``open(path, "w")`` would give: 0o666 minus the umask."""
    umask = None
    try:  # Linux: read the umask without changing it (thread safe)
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    umask = int(line.split()[1], 8)
                    break
    except OSError:
        pass
    if umask is None:
        umask = os.umask(0o022)
        os.umask(umask)
    return 0o666 & ~umask


def _fsync_path(path: Path) -> None:
    """Flush a file's content to disk (best effort)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _fsync_dir(directory: Path) -> None:
    """Flush a directory entry after a rename (POSIX only; best effort)."""
    if os.name != "posix":
        return
    _fsync_path(directory)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path next to ``path`` and move it onto ``path`` on success.

    The parent directories of ``path`` are created. The temporary file already exists (empty)
    when it is yielded, so writers that refuse to overwrite need ``overwrite=True``. It keeps
    the suffix of ``path`` so writers that infer the format from the extension still work. If
    the ``with`` block raises, the temporary file is removed, ``path`` is left untouched and
    the exception propagates.

    Parameters
    ----------
    path : str or os.PathLike
        Final destination of the file.

    Yields
    ------
    pathlib.Path
        Temporary path in the same directory as ``path``; write the complete file there.
    """
    final = Path(path)
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(
        dir=final.parent, prefix=f".{final.name}.", suffix=f".tmp{final.suffix}"
    )
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        if not tmp.exists():
            msg = f"the writer removed the temporary file {str(tmp)!r} meant for {str(final)!r}"
            raise FileNotFoundError(msg)
        os.chmod(tmp, _default_file_mode())
        _fsync_path(tmp)
        os.replace(tmp, final)
        _fsync_dir(final.parent)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_path`).

    Parameters
    ----------
    path : str or os.PathLike
        Destination file; parent directories are created.
    data : bytes
        Complete file content.

    Returns
    -------
    pathlib.Path
        The destination path.
    """
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(data)
    return Path(path)


def atomic_write_text(path: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically, encoded with ``encoding`` (no newline translation).

    Parameters
    ----------
    path : str or os.PathLike
        Destination file; parent directories are created.
    text : str
        Complete file content.
    encoding : str
        Text encoding, UTF-8 by default.

    Returns
    -------
    pathlib.Path
        The destination path.
    """
    return atomic_write_bytes(path, text.encode(encoding))


def to_jsonable(obj: Any) -> Any:
    """Convert ``obj`` recursively into plain JSON types.

    Handles numpy scalars and arrays, tuples and sets (as lists), :class:`pathlib.Path`,
    dates and times (ISO 8601), dataclass instances (as dicts), astropy ``Quantity``
    (``{"value": ..., "unit": ...}``) and astropy ``Time`` (ISO 8601 UTC strings).
    Non-finite floats are kept (Python's JSON writes them as ``NaN``/``Infinity``).

    Raises
    ------
    TypeError
        If an object of an unsupported type is found; the message names its type.
    """
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, int):
        return int(obj)
    if isinstance(obj, float):
        return float(obj)
    if isinstance(obj, Mapping):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, (set, frozenset)):
        return [to_jsonable(v) for v in sorted(obj, key=repr)]
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    if isinstance(obj, (_dt.datetime, _dt.date, _dt.time)):
        return obj.isoformat()
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    module = type(obj).__module__ or ""
    if module.startswith("astropy"):
        if hasattr(obj, "utc") and hasattr(obj, "isot"):  # astropy Time
            return to_jsonable(obj.utc.isot.tolist() if obj.shape else obj.utc.isot)
        if hasattr(obj, "unit") and hasattr(obj, "value"):  # astropy Quantity
            return {"value": to_jsonable(obj.value), "unit": obj.unit.to_string()}
    if hasattr(obj, "tolist") and hasattr(obj, "dtype"):  # numpy scalar or array
        return to_jsonable(obj.tolist())
    if isinstance(obj, complex):
        msg = f"complex number {obj!r} cannot be stored in JSON; store real and imaginary parts"
        raise TypeError(msg)
    msg = f"object of type {type(obj).__name__} cannot be converted to JSON: {obj!r:.80}"
    raise TypeError(msg)


def atomic_write_json(
    path: str | os.PathLike[str], obj: Any, *, indent: int | None = 2, sort_keys: bool = True
) -> Path:
    """Write ``obj`` as JSON to ``path`` atomically, converting numpy types via :func:`to_jsonable`.

    Parameters
    ----------
    path : str or os.PathLike
        Destination file; parent directories are created.
    obj : object
        Anything :func:`to_jsonable` accepts.
    indent : int or None
        JSON indentation; None for the most compact form.
    sort_keys : bool
        Sort dictionary keys, so equal content gives equal bytes.

    Returns
    -------
    pathlib.Path
        The destination path.
    """
    text = json.dumps(to_jsonable(obj), indent=indent, sort_keys=sort_keys)
    return atomic_write_text(path, text + "\n")



def markdown_table(header: list[str], rows: list[list[Any]]) -> str:
    """A GitHub-flavoured Markdown table (cells converted with ``str``, pipes escaped)."""

    def cell(x: Any) -> str:
        return str(x).replace("|", "\\|")

    lines = ["| " + " | ".join(cell(h) for h in header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(x) for x in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"
