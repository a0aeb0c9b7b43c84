"""Schema versions of mcdm's output files (mcdm.io "Schema versions"): writers stamp them, readers
accept older and version-less files and refuse newer ones with an McdmError naming the file."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from astropy.time import Time

from mcdm.cli import main
from mcdm.errors import McdmError
from mcdm.events import FORMAT_VERSION as EVENTS_VERSION
from mcdm.events import SCHEMA as EVENTS_SCHEMA
from mcdm.events import CatalogError, EventCatalog
from mcdm.io import (SUMMARY_SCHEMA, SUMMARY_SCHEMA_VERSION, FileFormatError, atomic_write_json,
                     check_schema, read_summary, write_summary)
from mcdm.tally import FORMAT_VERSION as TALLY_VERSION
from mcdm.tally import Tally, time_axis

REPO = Path(__file__).resolve().parents[2]


def test_check_schema_reads_old_and_current_refuses_newer():
    assert check_schema(None, None, schema="s", current=2, where="f") == 0
    assert check_schema("s", 2, schema="s", current=2, where="f") == 2
    assert check_schema("s", "1", schema="s", current=2, where="f") == 1
    with pytest.raises(FileFormatError, match=r"'f.json' has schema_version 3 \(s\), newer .* 0\.\.2"):
        check_schema("s", 3, schema="s", current=2, where="'f.json'")
    for bad in (-1, 1.5, True, "x"):
        with pytest.raises(FileFormatError, match="not a version number"):
            check_schema("s", bad, schema="s", current=2, where="f")
    with pytest.raises(FileFormatError, match="is a 'other' file, not 's'"):
        check_schema("other", 1, schema="s", current=2, where="f")


def test_summary_is_stamped_and_read_back(tmp_path):
    path = write_summary(tmp_path / "summary.json", {"name": "x", "headline": {"a": "1"}})
    data = json.loads(path.read_text())
    assert (data["schema"], data["schema_version"]) == (SUMMARY_SCHEMA, SUMMARY_SCHEMA_VERSION)
    assert read_summary(path)["headline"] == {"a": "1"}


def test_summary_without_version_reads_silently(tmp_path):
    atomic_write_json(tmp_path / "summary.json", {"name": "old"})
    assert read_summary(tmp_path / "summary.json") == {"name": "old"}


@pytest.mark.parametrize(("content", "needle"), [
    ({"schema": SUMMARY_SCHEMA, "schema_version": SUMMARY_SCHEMA_VERSION + 1}, "newer than this mcdm"),
    ({"schema": "mcdm.Tally", "schema_version": 1}, "not 'mcdm.summary'"),
    ([1, 2], "not a run summary"),
])
def test_summary_refuses_newer_or_foreign_files(tmp_path, content, needle):
    atomic_write_json(tmp_path / "summary.json", content)
    with pytest.raises(FileFormatError, match=needle):
        read_summary(tmp_path / "summary.json")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(FileFormatError, match="not a JSON run summary"):
        read_summary(tmp_path / "bad.json")


def test_show_refuses_a_newer_summary_and_reads_an_old_one(tmp_path, capsys):
    atomic_write_json(tmp_path / "summary.json", {"name": "n", "scenario": "midm", "schema": SUMMARY_SCHEMA,
                                                  "schema_version": 99, "headline": {}})
    assert main(["show", str(tmp_path)]) == 2
    assert "schema_version 99" in capsys.readouterr().err
    atomic_write_json(tmp_path / "summary.json", {"name": "n", "scenario": "midm", "headline": {"k": "v"}})
    assert main(["show", str(tmp_path)]) == 0
    assert "k: v" in capsys.readouterr().out


def test_reference_summaries_in_git_still_read():
    """results/*/ summaries committed before versioning read as version 0."""
    import subprocess

    try:  # committed files only: local run outputs under results/<run>/ are not versioned
        listed = subprocess.run(["git", "ls-files", "results"], cwd=REPO, capture_output=True, text=True,
                                check=True).stdout.split()
        paths = sorted(REPO / p for p in listed if p.endswith("/summary.json"))
    except (OSError, subprocess.CalledProcessError):  # not a git checkout
        paths = sorted(REPO.glob("results/**/summary.json"))
    assert paths, "no reference summaries found under results/"
    for path in paths:
        assert isinstance(read_summary(path), dict)


def _tally() -> Tally:
    t = Tally(time_axis(51544.0 + np.arange(5) / 4.0), quantity="rate", unit="s^-1", n_histories=3)
    t.fill(51544.1 + np.arange(3) / 4.0, weight=np.array([1.0, 2.0, 3.0]))
    return t


def test_tally_versions(tmp_path):
    t = _tally()
    d = t.to_dict()
    assert (d["kind"], d["format_version"]) == ("mcdm.Tally", TALLY_VERSION)
    old = {k: v for k, v in d.items() if k not in ("format_version", "kind")}  # before versioning
    assert Tally.from_dict(old) == t
    atomic_write_json(tmp_path / "new.json", {**d, "format_version": TALLY_VERSION + 1})
    with pytest.raises(FileFormatError, match=r"new\.json' has format_version 2 .*newer"):
        Tally.load(tmp_path / "new.json")


def test_event_catalog_versions(tmp_path):
    cat = EventCatalog.from_arrays(Time([51544.5], format="mjd"), [15.0], "LNGS")
    path = cat.to_parquet(tmp_path / "events.parquet")
    meta = pq.read_schema(path).metadata
    assert meta[b"mcdm.schema"] == EVENTS_SCHEMA.encode()
    assert int(meta[b"mcdm.format_version"]) == EVENTS_VERSION
    table = pq.read_table(path)
    stripped = {k: v for k, v in meta.items() if k not in (b"mcdm.schema", b"mcdm.format_version")}
    pq.write_table(table.replace_schema_metadata(stripped), tmp_path / "old.parquet")
    assert EventCatalog.read_parquet(tmp_path / "old.parquet").equals(cat)
    pq.write_table(table.replace_schema_metadata({**meta, b"mcdm.schema": b"mcdm.Tally"}),
                   tmp_path / "foreign.parquet")
    with pytest.raises(CatalogError, match="not 'mcdm.EventCatalog'"):
        EventCatalog.read_parquet(tmp_path / "foreign.parquet")
    assert issubclass(CatalogError, McdmError) and issubclass(FileFormatError, McdmError)
