"""Command line: ``mcdm run | check | show | config | sites``.

``mcdm run`` with no config runs the built-in default job (printed by ``mcdm config``). Every
user error ends with a one-line message on stderr and exit status 2, never a traceback.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from mcdm._version import __version__
from mcdm.errors import McdmError

__all__ = ["main"]


def _cmd_run(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from mcdm.config import default_config_text, load_config
    from mcdm.run import run

    cfg = load_config(args.config if args.config else default_config_text())
    run_section = cfg.run
    if args.output_dir is not None:
        run_section = replace(run_section, output_dir=str(args.output_dir))
    if args.workers is not None:
        if args.workers < 1:
            raise McdmError(f"--workers must be >= 1, got {args.workers}")
        run_section = replace(run_section, workers=args.workers)
    if args.scheduler is not None:
        run_section = replace(run_section, scheduler=args.scheduler)
    quiet = getattr(args, "quiet", False)
    output = replace(cfg.output, progress=False) if (args.no_progress or quiet) else cfg.output
    cfg = load_config({**_as_document(replace(cfg, run=run_section, output=output))})  # re-validated
    outdir = run(cfg, fresh=args.fresh)
    if quiet:
        return 0
    print(f"mcdm: results written to {outdir}")
    summary = outdir / "summary.json"
    if summary.is_file():
        print(_format_summary(json.loads(summary.read_text())))
    precision = json.loads((outdir / "manifest.json").read_text()).get("extra", {}).get("precision")
    if precision:
        state = "reached" if precision["reached"] else "NOT reached (sample cap)"
        print(f"  precision: worst relative error {precision['achieved_rel_error']:.3g} "
              f"(target {precision['target_rel_error']:.3g}, {state}) with {precision['histories']} histories")
    return 0


def _as_document(cfg) -> dict:
    from mcdm.config import config_to_dict

    return config_to_dict(cfg)


def _cmd_check(args: argparse.Namespace) -> int:
    from mcdm.config import config_to_toml, load_config

    cfg = load_config(args.config)
    print(f"mcdm: {args.config} is valid (scenario {cfg.run.scenario!r}, site {cfg.site.name!r})")
    if args.resolved:
        print(config_to_toml(cfg))
    return 0


def _cmd_config(args: argparse.Namespace) -> int:
    from mcdm.config import DEFAULT_CONFIG_NAME, builtin_config_names, default_config_text

    if args.list:
        for name in builtin_config_names():
            print(name + ("  (default)" if f"{name}.toml" == DEFAULT_CONFIG_NAME else ""))
        return 0
    sys.stdout.write(default_config_text(args.name))
    return 0


def _cmd_scan(args: argparse.Namespace) -> int:
    from mcdm.scan import load_scan, run_scan

    base, plan = load_scan(args.config)
    if args.workers is not None and args.workers < 1:
        raise McdmError(f"--workers must be >= 1, got {args.workers}")
    outdir = run_scan(base, plan, workers=args.workers, progress=not args.no_progress, fresh=args.fresh,
                      output_dir=args.output_dir)
    print(f"mcdm: scan written to {outdir}")
    print(_format_summary(json.loads((outdir / "summary.json").read_text())))
    return 0


def _cmd_analyze(args: argparse.Namespace) -> int:
    from mcdm.analysis.analyze import analyze_path, main_summary

    report = analyze_path(args.path, years=args.years, background=args.background, window_sigma=args.window_sigma,
                          onoff=args.onoff, period=args.period, drift=args.drift, n_bins=args.bins,
                          plot=not args.no_plot, output_dir=args.output_dir)
    print(f"mcdm: analysis of {args.path} written to {report['output']}")
    print(main_summary(report))
    return 0


def _cmd_sites(args: argparse.Namespace) -> int:
    from mcdm.geometry import library

    print(f"{'site':22s} {'lat [deg]':>10s} {'lon [deg]':>10s} {'depth [km]':>10s}  aliases")
    for name in library.available("sites"):
        s = library.load_site(name)
        print(f"{name:22s} {s.latitude_deg:10.4f} {s.longitude_deg:10.4f} {s.depth_km:10.3f}  {', '.join(s.aliases)}")
    return 0


def _format_summary(summary: dict) -> str:
    lines = []
    for key, value in summary.get("headline", {}).items():
        lines.append(f"  {key}: {value}")
    return "\n".join(lines)


def _cmd_show(args: argparse.Namespace) -> int:
    from mcdm.io import read_summary

    path = Path(args.results)
    summary = path / "summary.json"
    if not summary.is_file():
        raise McdmError(f"{str(path)!r} holds no summary.json; give a folder written by 'mcdm run'")
    data = read_summary(summary)  # checks the schema version
    print(f"run {data.get('name', path.name)!r} ({data.get('scenario', '?')})")
    print(_format_summary(data))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mcdm", description="Monte Carlo event simulation for dark matter.")
    parser.add_argument("--version", action="version", version=f"mcdm {__version__}")
    parser.add_argument("--log-level", default="warning", choices=("debug", "info", "warning", "error"),
                        help="structured log lines on stderr (info: run and shard events)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("run", help="run a config (default: the built-in main job, seed-004 MIDM at Gran Sasso)")
    p.add_argument("config", nargs="?", help="TOML run configuration (omit for the built-in default)")
    p.add_argument("--output-dir", type=Path, help="override [run] output_dir")
    p.add_argument("--workers", type=int, help="override [run] workers (does not change the numbers)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--scheduler", help="Dask scheduler: \"local\" (a LocalCluster of --workers processes) or tcp://HOST:PORT")
    p.add_argument("--fresh", action="store_true", help="recompute finished shards instead of resuming")
    p.add_argument("--quiet", action="store_true", help="no progress bar, no summary, warnings only")
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("scan", help="run a parameter scan (a run config with a [scan] table), e.g. Fig. 7 of seed 004")
    p.add_argument("config", help="TOML scan configuration (see mcdm.scan for the [scan] table)")
    p.add_argument("--output-dir", type=Path, help="override [run] output_dir")
    p.add_argument("--workers", type=int, help="processes (does not change the numbers)")
    p.add_argument("--fresh", action="store_true", help="recompute finished points instead of resuming")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_scan)

    p = sub.add_parser("analyze", help="significance, amplitude and phase of a run's rate.json and/or events.parquet")
    p.add_argument("path", help="a run folder, its rate.json or an events.parquet")
    p.add_argument("--years", type=float, default=6.0, help="exposure for the rate histogram [yr] (default 6)")
    p.add_argument("--background", type=float, help="flat background [events/keV/yr] (default: the run's [detector])")
    p.add_argument("--window-sigma", type=float, default=2.0, help="energy window +- n sigma_E (Eq. 42), default 2")
    p.add_argument("--onoff", choices=("contiguous", "highest"), default="contiguous", help="on half of the day")
    p.add_argument("--period", default="sidereal", help="catalog period: sidereal, solar, annual or days")
    p.add_argument("--drift", choices=("none", "linear", "exponential"), default="none", help="catalog background")
    p.add_argument("--bins", type=int, default=24, help="phase bins for the catalog fold")
    p.add_argument("--output-dir", type=Path, help="where analysis.json and the PNGs go (default: the folder)")
    p.add_argument("--no-plot", action="store_true", help="no PNGs")
    p.set_defaults(func=_cmd_analyze)

    p = sub.add_parser("check", help="validate a config without running it")
    p.add_argument("config")
    p.add_argument("--resolved", action="store_true", help="print the config with every default filled in")
    p.set_defaults(func=_cmd_check)

    p = sub.add_parser("config", help="print the built-in default config (or another built-in one)")
    p.add_argument("--name", help="a built-in config, e.g. halo_flux_lngs (--list shows them)")
    p.add_argument("--list", action="store_true", help="list the built-in configs")
    p.set_defaults(func=_cmd_config)

    p = sub.add_parser("sites", help="list the underground sites in the geometry library")
    p.set_defaults(func=_cmd_sites)

    p = sub.add_parser("show", help="print the summary of a results folder")
    p.add_argument("results")
    p.set_defaults(func=_cmd_show)
    return parser


def _configure_logging(level: str) -> None:
    """Structured ``key=value`` log lines of the ``mcdm`` logger on stderr."""
    import logging

    logger = logging.getLogger("mcdm")
    if not any(getattr(h, "_mcdm", False) for h in logger.handlers):
        handler = logging.StreamHandler()
        handler._mcdm = True  # type: ignore[attr-defined]
        handler.setFormatter(logging.Formatter("mcdm %(asctime)s level=%(levelname)s %(message)s",
                                               datefmt="%Y-%m-%dT%H:%M:%S"))
        logger.addHandler(handler)
    logger.setLevel(level.upper())


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _configure_logging("error" if getattr(args, "quiet", False) else args.log_level)
    try:
        return int(args.func(args))
    except McdmError as exc:
        print(f"mcdm: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("mcdm: interrupted; finished outputs are kept", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
