"""Atomic file output and JSON helpers used for every file mcdm writes.

A file is written to a temporary name in its destination directory and moved onto its final
name with :func:`os.replace` only once it is complete, so a reader (or a resumed run) never sees
a half-written result: the old file, or none, stays in place if writing fails.

Schema versions
---------------
Every file mcdm writes for later reading names its schema and carries an integer schema
version, bumped when the layout changes incompatibly:

==================  ====================================  ======================================
file                schema name / version keys             current
==================  ====================================  ======================================
``summary.json``    ``"schema"`` / ``"schema_version"``    ``mcdm.summary`` v1 (:func:`write_summary`)
scan summary.json   ``"schema"`` / ``"schema_version"``    ``mcdm.scan_summary`` v1
``analysis.json``   ``"schema"`` / ``"schema_version"``    ``mcdm.analysis`` v1
``manifest.json``   ``"format_version"``                   v1 (:mod:`mcdm.provenance`)
tally ``*.json``    ``"kind"`` / ``"format_version"``      ``mcdm.Tally`` v1 (:mod:`mcdm.tally`)
``events.parquet``  ``mcdm.schema`` / ``mcdm.format_version``  ``mcdm.EventCatalog`` v1 (metadata)
==================  ====================================  ======================================

Readers go through :func:`check_schema`: a file without a version was written before versioning
and reads as version 0 (same layout as version 1), silently; a version above the reader's, or one
that is not an integer, raises :class:`FileFormatError` (an :class:`~mcdm.errors.McdmError`)
naming the file, the version found and the versions this mcdm reads. A different schema name
(a tally given where a summary is expected) is the same error.

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
    "SUMMARY_SCHEMA",
    "SUMMARY_SCHEMA_VERSION",
    "SCAN_SUMMARY_SCHEMA",
    "SCAN_SUMMARY_SCHEMA_VERSION",
    "ANALYSIS_SCHEMA",
    "ANALYSIS_SCHEMA_VERSION",
    "check_schema",
    "write_summary",
    "read_summary",
    "atomic_path",
    "atomic_write_bytes",
    "atomic_write_text",
    "atomic_write_json",
    "to_jsonable",
    "markdown_table",
]


class FileFormatError(McdmError, ValueError):
    """A file mcdm reads is not in the expected format or has an unsupported format version."""


#: schema name and version stamped into every run's summary.json by :func:`write_summary`
SUMMARY_SCHEMA = "mcdm.summary"
SUMMARY_SCHEMA_VERSION = 1
#: schemas of the other JSON reports: ``mcdm scan``'s summary.json and ``mcdm analyze``'s analysis.json
SCAN_SUMMARY_SCHEMA, SCAN_SUMMARY_SCHEMA_VERSION = "mcdm.scan_summary", 1
ANALYSIS_SCHEMA, ANALYSIS_SCHEMA_VERSION = "mcdm.analysis", 1


def check_schema(found_name: Any, found_version: Any, *, schema: str, current: int, where: str,
                 key: str = "schema_version", error: type[McdmError] = FileFormatError) -> int:
    """Check a file's schema name and version against what this mcdm reads; return the version.

    Parameters
    ----------
    found_name : str or None
        Schema name stored in the file; None if the file has none (not checked then).
    found_version : int, str or None
        Schema version stored in the file; None for files written before versioning (read as
        version 0, the same layout as version 1).
    schema : str
        The schema this reader expects, e.g. ``"mcdm.summary"``.
    current : int
        The newest version this reader understands (it reads 0 .. current).
    where : str
        The file, for the message.
    key : str
        Name of the version field in the file, for the message.
    error : type
        Exception raised (a subclass of :class:`~mcdm.errors.McdmError`).

    Raises
    ------
    McdmError
        (``error``) if the name differs, the version is not an integer, or it is newer than
        ``current``.
    """
    from mcdm._version import __version__

    if found_name is not None and found_name != schema:
        raise error(f"{where} is a {found_name!r} file, not {schema!r}")
    if found_version is None:
        return 0
    try:
        version = int(found_version) if not isinstance(found_version, (bool, float)) else None
    except (TypeError, ValueError):
        version = None
    if version is None or version < 0:
        raise error(f"{where} has {key} {found_version!r} ({schema}), which is not a version number; "
                    f"this mcdm ({__version__}) reads versions 0..{current}")
    if version > current:
        raise error(f"{where} has {key} {found_version!r} ({schema}), newer than this mcdm "
                    f"({__version__}) reads (versions 0..{current}); upgrade mcdm to read it")
    return version

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



def write_summary(path: str | os.PathLike[str], summary: Mapping[str, Any], *, schema: str = SUMMARY_SCHEMA,
                  version: int = SUMMARY_SCHEMA_VERSION) -> Path:
    """Write a run's ``summary.json`` atomically, stamped with its schema name and version.

    Parameters
    ----------
    path : str or os.PathLike
        Destination, normally ``<outdir>/summary.json``.
    summary : mapping
        The summary (anything :func:`to_jsonable` accepts); ``"schema"`` and ``"schema_version"``
        are added (:data:`SUMMARY_SCHEMA`, :data:`SUMMARY_SCHEMA_VERSION` unless given).
    schema, version : str, int
        Another schema for another JSON report (``mcdm.scan_summary``, ``mcdm.analysis``).

    Returns
    -------
    pathlib.Path
        The destination path.
    """
    if not isinstance(summary, Mapping):
        raise TypeError(f"a summary is a mapping, got {type(summary).__name__}")
    stamped = {**summary, "schema": schema, "schema_version": int(version)}
    return atomic_write_json(path, stamped)


def read_summary(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a run's ``summary.json`` and check its schema (:func:`check_schema`).

    Summaries written before versioning (no ``"schema_version"``) read as version 0.

    Raises
    ------
    FileFormatError
        The file is not JSON, not an object, another schema, or a newer schema version.
    FileNotFoundError
        There is no such file.
    """
    where = repr(str(path))
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise FileFormatError(f"{where} is not a JSON run summary: {exc}") from None
    except UnicodeDecodeError:
        raise FileFormatError(f"{where} is not a text (JSON) run summary") from None
    if not isinstance(data, dict):
        raise FileFormatError(f"{where} is not a run summary (a JSON object), got {type(data).__name__}")
    check_schema(data.get("schema"), data.get("schema_version"), schema=SUMMARY_SCHEMA,
                 current=SUMMARY_SCHEMA_VERSION, where=where)
    return data


def markdown_table(header: list[str], rows: list[list[Any]]) -> str:
    """A GitHub-flavoured Markdown table (cells converted with ``str``, pipes escaped)."""

    def cell(x: Any) -> str:
        return str(x).replace("|", "\\|")

    lines = ["| " + " | ".join(cell(h) for h in header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(x) for x in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"
