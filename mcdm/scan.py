"""Parameter scans: one run config plus a ``[scan]`` table -> a table of daily rates over a grid.

A scan config is a normal run config with one extra table naming one or two config keys and their
values, e.g. the paper's Figure 7 (seed 004, digest 004 §2.14)::

    [scan]
    x = "midm.delta"
    x_range = {start = "5 keV", stop = "200 keV", num = 20, spacing = "log"}
    y = "midm.g_M"
    y_range = {start = 1e-4, stop = 1.0, num = 20, spacing = "log"}
    years = 6.0                    # exposure of the background on/off test [yr]
    zero_background_years = 1.0    # exposure of the zero-background variant [yr]
    onoff = "contiguous"           # or "highest" (digest 004 §2.14 caveat)
    window_sigma = 2.0             # background window +- n sigma_E around delta (Eq. 42)

Values may also be given as a list (``x_values = ["5 keV", "10 keV"]``). When ``midm.g_M`` is an
axis, every g_M of a point shares one set of histories (the coupling only rescales the cross
section, g_M², and the lifetime, g_M⁻²: :func:`mcdm.scenarios.midm.with_couplings`), so a 20 × 20
scan costs about as much as 20 runs. Points are computed as independent tasks whose results are
saved as they finish: an interrupted scan resumes where it stopped (``--fresh`` recomputes).
"""
from __future__ import annotations

import copy
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from mcdm.errors import ConfigError

__all__ = ["ScanAxis", "ScanPlan", "load_scan", "parse_scan", "run_scan", "scan_task", "point_documents"]

_PLAN_KEYS = {"x", "x_range", "x_values", "y", "y_range", "y_values", "years", "zero_background_years", "onoff",
              "window_sigma", "likelihood"}


@dataclass(frozen=True)
class ScanAxis:
    """One scanned config key: ``values`` in the unit ``unit`` and the config-ready ``raw`` entries."""

    key: str
    values: tuple[float, ...]
    unit: str
    raw: tuple[Any, ...]

    @property
    def label(self) -> str:
        name = self.key.split(".")[-1]
        return f"{name} [{self.unit}]" if self.unit else name


@dataclass(frozen=True)
class ScanPlan:
    """What to scan and how to judge each point (digest 004 §2.14)."""

    axes: tuple[ScanAxis, ...]
    years: float = 6.0
    zero_background_years: float = 1.0
    onoff: str = "contiguous"
    window_sigma: float = 2.0
    likelihood: bool = True
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def coupling_axis(self) -> int | None:
        """Index of the ``midm.g_M`` axis (scored with shared histories), if any."""
        keys = [a.key for a in self.axes]
        return keys.index("midm.g_M") if "midm.g_M" in keys else None

    def as_dict(self) -> dict[str, Any]:
        return {"axes": [{"key": a.key, "values": list(a.values), "unit": a.unit} for a in self.axes],
                "years": self.years, "zero_background_years": self.zero_background_years, "onoff": self.onoff,
                "window_sigma": self.window_sigma, "likelihood": self.likelihood}


def _field_spec(key: str):
    """The Spec of config key ``section.name`` (for units and ranges)."""
    import dataclasses

    from mcdm.config.load import _SECTION_TYPES

    section, _, name = key.partition(".")
    cls = _SECTION_TYPES.get(section)
    fields = {f.name: f for f in dataclasses.fields(cls)} if cls is not None else {}
    if name not in fields:
        known = sorted(f"{s}.{f.name}" for s, c in _SECTION_TYPES.items() for f in dataclasses.fields(c)
                       if f.metadata["spec"].kind in ("quantity", "float", "int"))
        raise ConfigError(f"scan: {key!r} is not a numeric config key; scannable: {known}")
    spec = fields[name].metadata["spec"]
    if spec.kind not in ("quantity", "float", "int"):
        raise ConfigError(f"scan: {key!r} is a {spec.kind} field; only numbers and quantities can be scanned")
    return spec


def _parse_axis(key: Any, table: Mapping[str, Any], which: str) -> ScanAxis:
    """Values of one axis from ``<which>_range`` or ``<which>_values``."""
    from mcdm.units import parse_quantity

    if not isinstance(key, str):
        raise ConfigError(f"scan.{which} must be a config key like \"midm.delta\", got {key!r}")
    spec = _field_spec(key)
    rng, vals = table.get(f"{which}_range"), table.get(f"{which}_values")  # None entries count as absent
    if (rng is None) == (vals is None):
        raise ConfigError(f"scan: give exactly one of {which}_range or {which}_values for {key!r}")
    quantity = spec.kind == "quantity"

    def number(raw: Any, where: str) -> float:
        if quantity:
            if isinstance(raw, (int, float)) and not isinstance(raw, bool):
                raise ConfigError(f"scan.{where} = {raw!r} has no unit; write it with one, e.g. '{raw} {spec.unit}'")
            return float(parse_quantity(raw, f"scan.{where}").to_value(spec.unit))
        if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not math.isfinite(raw):
            raise ConfigError(f"scan.{where} must be a number, got {raw!r}")
        return float(raw)

    if vals is not None:
        if not isinstance(vals, list) or not vals:
            raise ConfigError(f"scan.{which}_values must be a non-empty list, got {vals!r}")
        values = [number(v, f"{which}_values[{i}]") for i, v in enumerate(vals)]
    else:
        if not isinstance(rng, Mapping) or set(rng) - {"start", "stop", "num", "spacing"} or not {"start", "stop",
                                                                                                "num"} <= set(rng):
            raise ConfigError(f"scan.{which}_range must be a table {{start, stop, num, spacing}}, got {rng!r}")
        start, stop = number(rng["start"], f"{which}_range.start"), number(rng["stop"], f"{which}_range.stop")
        num, spacing = rng["num"], rng.get("spacing", "linear")
        if isinstance(num, bool) or not isinstance(num, int) or not 1 <= num <= 10_000:
            raise ConfigError(f"scan.{which}_range.num must be an integer in [1, 10000], got {num!r}")
        if spacing not in ("linear", "log"):
            raise ConfigError(f"scan.{which}_range.spacing must be \"linear\" or \"log\", got {spacing!r}")
        if spacing == "log" and not (start > 0 and stop > 0):
            raise ConfigError(f"scan.{which}_range: log spacing needs start, stop > 0")
        grid = np.geomspace(start, stop, num) if spacing == "log" else np.linspace(start, stop, num)
        values = [float(v) for v in grid]
    raw = tuple(f"{v!r} {spec.unit}" if quantity else v for v in values)
    unit = (spec.unit or "") if quantity else ""
    return ScanAxis(key=key, values=tuple(values), unit=unit, raw=raw)


def parse_scan(table: Any) -> ScanPlan:
    """Validate a ``[scan]`` table."""
    if not isinstance(table, Mapping):
        raise ConfigError("the scan config has no [scan] table (see mcdm.scan for the format)")
    unknown = sorted(set(table) - _PLAN_KEYS)
    if unknown:
        raise ConfigError(f"scan: unknown key(s) {unknown}; allowed: {sorted(_PLAN_KEYS)}")
    if "x" not in table:
        raise ConfigError("scan: the [scan] table needs at least x (and x_range or x_values)")
    axes = [_parse_axis(table["x"], table, "x")]
    if "y" in table:
        axes.append(_parse_axis(table["y"], table, "y"))
        if axes[0].key == axes[1].key:
            raise ConfigError(f"scan: x and y are the same key {axes[0].key!r}")
    elif "y_range" in table or "y_values" in table:
        raise ConfigError("scan: y_range/y_values given without y")

    def positive(name: str, default: float) -> float:
        v = table.get(name, default)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not (math.isfinite(v) and v > 0):
            raise ConfigError(f"scan.{name} must be a positive number, got {v!r}")
        return float(v)

    onoff = table.get("onoff", "contiguous")
    if onoff not in ("contiguous", "highest"):
        raise ConfigError(f"scan.onoff must be \"contiguous\" or \"highest\", got {onoff!r}")
    likelihood = table.get("likelihood", True)
    if not isinstance(likelihood, bool):
        raise ConfigError(f"scan.likelihood must be true or false, got {likelihood!r}")
    return ScanPlan(axes=tuple(axes), years=positive("years", 6.0),
                    zero_background_years=positive("zero_background_years", 1.0), onoff=onoff,
                    window_sigma=positive("window_sigma", 2.0), likelihood=likelihood)


def load_scan(source: str | Path | Mapping[str, Any]) -> tuple[dict[str, Any], ScanPlan]:
    """A scan config (TOML path, text or mapping) -> (base run-config document, plan); both validated."""
    from mcdm.config import config_from_dict

    if isinstance(source, Mapping):
        doc = copy.deepcopy(dict(source))
    else:
        path = Path(source) if not (isinstance(source, str) and "\n" in source) else None
        try:
            doc = tomllib.loads(path.read_text(encoding="utf-8") if path is not None else str(source))
        except FileNotFoundError:
            raise ConfigError(f"scan config {str(source)!r} not found") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"not valid TOML in {str(source)!r}: {exc}") from None
    plan = parse_scan(doc.pop("scan", None))
    cfg = config_from_dict(doc)
    if cfg.run.scenario != "midm":
        raise ConfigError(f"scan: only scenario \"midm\" can be scanned so far, got {cfg.run.scenario!r}")
    for doc_point in point_documents(doc, plan, 0):  # every point's config must validate
        config_from_dict(doc_point)
    return doc, plan


def _set(doc: dict[str, Any], key: str, value: Any) -> None:
    section, _, name = key.partition(".")
    doc.setdefault(section, {})[name] = value


def _tasks(plan: ScanPlan) -> list[tuple[int, ...]]:
    """Grid indices per task: with a g_M axis one task holds all its values (shared histories)."""
    sizes = [len(a.values) for a in plan.axes]
    g_axis = plan.coupling_axis
    outer = [range(n) if i != g_axis else range(1) for i, n in enumerate(sizes)]
    return [tuple(ix) for ix in np.ndindex(*[len(r) for r in outer])]


def point_documents(base: dict[str, Any], plan: ScanPlan, task: int) -> list[dict[str, Any]]:
    """The run-config documents of one task (one per non-coupling point; g_M handled by couplings)."""
    index = _tasks(plan)[task]
    doc = copy.deepcopy(base)
    for a, axis in enumerate(plan.axes):
        if a != plan.coupling_axis:
            _set(doc, axis.key, axis.raw[index[a]])
    if plan.coupling_axis is not None:
        _set(doc, "midm.g_M", plan.axes[plan.coupling_axis].raw[0])
    return [doc]


@dataclass(frozen=True)
class _ScanJob:
    base: dict[str, Any]
    plan: ScanPlan


def scan_task(job: _ScanJob, task: int) -> list[dict[str, Any]]:
    """Rows (one per grid point) of task ``task``: hourly and daily rates [events/day] with errors."""
    from mcdm.config import config_from_dict
    from mcdm.constants import SECONDS_PER_DAY
    from mcdm.scenarios import midm

    plan = job.plan
    index = _tasks(plan)[task]
    (doc,) = point_documents(job.base, plan, task)
    cfg = config_from_dict(doc)
    g_axis = plan.coupling_axis
    g_values = plan.axes[g_axis].values if g_axis is not None else (cfg.midm.g_M,)
    points = []
    for k in range(len(g_values)):
        ix = list(index)
        if g_axis is not None:
            ix[g_axis] = k
        points.append(tuple(ix))
    try:
        mjob, context = midm.compile_job(cfg)
    except ConfigError as exc:
        if "kinematic limit" not in str(exc):
            raise
        return [_row(plan, ix, cfg, g, None, None, closed=True) for ix, g in zip(points, g_values)]
    mjob = midm.with_couplings(mjob, g_values)
    total = midm.simulate_shard(mjob, 0)
    for shard in range(1, mjob.n_shards):
        total = total + midm.simulate_shard(mjob, shard)
    rows = []
    for k, (ix, g) in enumerate(zip(points, g_values)):
        est = midm.per_bin_rates(mjob, total, k)
        widths = np.diff(mjob.bin_edges_mjd)
        day_scale = widths[0] * SECONDS_PER_DAY / float(mjob.bin_edges_mjd[-1] - mjob.bin_edges_mjd[0])
        rows.append(_row(plan, ix, cfg, g, est, context, closed=False, day_scale=day_scale))
    return rows


def _row(plan: ScanPlan, ix: tuple[int, ...], cfg, g_m: float, est, context, closed: bool,
         day_scale: float = 1.0) -> dict[str, Any]:
    from mcdm.constants import SECONDS_PER_DAY
    from mcdm.physics.midm import MagneticInelasticDM

    row: dict[str, Any] = {}
    for a, axis in enumerate(plan.axes):
        row[axis.key] = axis.values[ix[a]]
    model = MagneticInelasticDM(m_chi=cfg.dark_matter.mass, delta=cfg.midm.delta, g_M=g_m,
                                coupling_convention=cfg.midm.coupling_convention, constants=cfg.midm.constants)
    row["delta_keV"] = cfg.midm.delta * 1e6
    row["g_M"] = g_m
    row["decay_length_450_km"] = float(model.decay_length(450.0))
    row["closed"] = closed
    n_bins = cfg.time.bins
    if closed:
        row.update(hourly=[0.0] * n_bins, hourly_err=[0.0] * n_bins, daily=0.0, daily_err=0.0)
        return row
    row["hourly"] = (est["total"] * SECONDS_PER_DAY).tolist()
    row["hourly_err"] = (est["total_err"] * SECONDS_PER_DAY).tolist()
    row["daily"] = float(est["bin_sum"] * day_scale)
    row["daily_err"] = float(est["bin_sum_err"] * day_scale)
    for i, name in enumerate(context["names"]):
        row[f"daily_{name}"] = float(est["isotope_bin_sum"][i] * day_scale)
    return row


def run_scan(base: dict[str, Any], plan: ScanPlan, workers: int | None = None, progress: bool = True,
             fresh: bool = False, output_dir: str | Path | None = None) -> Path:
    """Run every task (resumable), judge each point, write ``scan.parquet``, ``summary.json`` and the figure."""
    from mcdm.checkpoint import ShardStore, result_key
    from mcdm.config import config_from_dict, config_to_dict
    from mcdm.parallel import map_shards

    cfg = config_from_dict(base)
    outdir = Path(output_dir if output_dir is not None else cfg.run.output_dir) / cfg.run.name
    outdir.mkdir(parents=True, exist_ok=True)
    key = result_key({**config_to_dict(cfg), "scan": plan.as_dict()})
    store = ShardStore(outdir / ".scan" / key)
    if fresh:
        store.clear()
    tasks = list(range(len(_tasks(plan))))
    parts = map_shards(scan_task, _ScanJob(base, plan), tasks, workers=workers or cfg.run.workers,
                       progress=progress, description=f"scan {cfg.run.name}", store=store,
                       scheduler=cfg.run.scheduler or None)
    rows = [row for part in parts for row in part]
    from mcdm.scan_report import write_scan_outputs

    write_scan_outputs(cfg, plan, rows, outdir)
    store.clear()
    return outdir
