"""Stage rl_research: the committed per-run results of hsokv.benchmarks.rl.runner (research/rl/*.json,
one per method and seed) -> metrics/rl_research.{json,md} and plots/rl_research/returns.csv. Runs are
grouped by the spec's preset and environment; each group is one table; a seed counts only when its
swarm, ES and ARS runs are all there (the lineage-mode swarm is a row when every counted seed has it)."""
import argparse
from pathlib import Path

from hsokv.benchmarks.rl.report import comparison, table, write_plots
from hsokv.cli import run_stage
from hsokv.config import ConfigError
from hsokv.io import atomic_write_text, outputs, read_json, write_json

READS = ()   # no params: the runs carry their own spec


def main(args):
    files = sorted(Path(args.runs).glob("*.json"))
    if not files:
        raise ConfigError(f"{args.runs}: no run results; run hsokv.benchmarks.rl.runner first")
    groups: dict[tuple, dict[int, dict]] = {}
    for f in files:
        r = read_json(f)
        if not (isinstance(r, dict) and {"spec", "seed", "method"} <= set(r) and isinstance(r["spec"], dict)
                and {"preset", "env_id"} <= set(r["spec"])):   # a file of another kind: a bare KeyError before
            raise ConfigError(f"{f}: not a policy-search run result (needs seed, method and spec.preset / "
                              "spec.env_id); hsokv.benchmarks.rl.runner writes these")
        groups.setdefault((r["spec"]["preset"], r["spec"]["env_id"]), {}).setdefault(r["seed"], {})[r["method"]] = r
    metrics, tables, largest = {}, [], None
    for (preset, env_id), by_seed in sorted(groups.items()):
        per_seed = [{"seed": s, "methods": m} for s, m in sorted(by_seed.items()) if {"swarm", "es", "ars"} <= set(m)]
        if not per_seed:
            continue
        runs = [r for s in per_seed for r in s["methods"].values()]
        c = comparison(per_seed, runs[0]["spec"])
        c.update(preset=preset, cpu_count=sorted({r["cpu_count"] for r in runs}),
                 versions=sorted({str(r["versions"]) for r in runs}), commits=sorted({r["commit"] for r in runs}),
                 cpu_seconds=sum(r["job_seconds"] for r in runs))
        metrics[f"{preset} {env_id}"] = c
        tables.append(table(c, f"{env_id}, {preset}: the swarm, ES and ARS at equal environment steps"))
        if largest is None or len(per_seed) > len(largest):
            largest = per_seed
    if largest is None:
        raise ConfigError(f"{args.runs}: no seed has all of swarm, es and ars")
    md = Path(args.metrics).with_suffix(".md")
    with outputs(files=[md, args.metrics], dirs=[args.plots]) as new:   # together or not at all
        write_plots(largest, new[args.plots])
        atomic_write_text(new[md], "\n".join(tables))
        write_json(new[args.metrics], metrics)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", default="research/rl")
    parser.add_argument("--metrics", default="metrics/rl_research.json")
    parser.add_argument("--plots", default="plots/rl_research")
    run_stage(main, parser)
