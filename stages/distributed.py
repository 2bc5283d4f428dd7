"""Stage distributed: on distributed.env_id, the hierarchical swarm (tuning ES or ARS) against plain
ES and ARS at equal environment steps, and the swarm run on each of distributed.node_counts workers
of distributed.backend -> metrics/distributed.{json,md}, results/distributed.json, plots/distributed/."""
import argparse
from pathlib import Path

from hsokv.benchmarks.rl import config as _section  # noqa: F401  (registers the `distributed` section)
from hsokv.benchmarks.rl.report import comparison, table, timing, write_plots
from hsokv.benchmarks.rl.scaling import cpu_count, resolve_backend, run_seeds
from hsokv.cli import run_stage
from hsokv.config import load_params
from hsokv.io import atomic_write_text, outputs, write_json

READS = ("seeds", "distributed")


def report(r):
    if "workers" in r:   # a swarm run of the scaling sweep
        modelled = " (modelled)" if r.get("simulated") else ""
        where = (f"x{r['workers']} {r['backend']}: {r['wall_seconds']:.1f}s{modelled}, "
                 f"{len(r['retries'])} retried task(s), {len(r['nodes_lost'])} node(s) lost, ")
    else:
        where = f"{r['wall_seconds']:.1f}s, "
    print(f"seed {r['seed']} {r['method']} {where}{r['env_steps']:,} env steps, "
          f"final return {r['evaluation']['mean_return']:.1f} over {r['evaluation']['episodes']} episodes", flush=True)


def main(args):
    cfg = load_params(args.params, READS)
    d = cfg.distributed.model_dump()
    backend = resolve_backend(d["backend"])
    per_seed = run_seeds(d, cfg.seeds, backend, on_run=report)
    metrics = {"preset": cfg.preset, "comparison": comparison(per_seed, d),
               "timing": timing(per_seed, d, backend, cpu_count())}
    md = Path(args.metrics).with_suffix(".md")
    with outputs(files=[args.results, md, args.metrics], dirs=[args.plots]) as new:   # together or not at all
        write_plots(per_seed, new[args.plots], metrics["timing"])
        write_json(new[args.results], {"config": d, "backend": backend, "seeds": per_seed})
        atomic_write_text(new[md], table(metrics["comparison"],
                                         f"{d['env_id']}: the swarm, ES and ARS at equal environment steps"))
        write_json(new[args.metrics], metrics)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--metrics", default="metrics/distributed.json")
    parser.add_argument("--results", default="results/distributed.json")
    parser.add_argument("--plots", default="plots/distributed")
    run_stage(main, parser)
