"""Stage distributed: the hierarchical swarm improving CartPole-v1 policies by ES, run on each of
distributed.node_counts workers of distributed.backend -> metrics/distributed.json,
results/distributed.json, plots/distributed/ (speedup, throughput, reward)."""
import argparse

from hsokv.benchmarks.distributed import resolve_backend, reward_curve_rows, run_seed, summary
from hsokv.cli import run_stage
from hsokv.config import load_params
from hsokv.io import outputs, write_json
from hsokv.plots import write_distributed_plots

READS = ("seeds", "distributed")


def main(args):
    cfg = load_params(args.params, READS)
    backend = resolve_backend(cfg.distributed.backend)

    def report(r):
        print(f"seed {r['seed']} {backend} x{r['workers']}: {r['wall_seconds']:.1f}s"
              f"{' (modelled)' if r['simulated'] else ''}, {r['env_steps_per_second']:.0f} env steps/s, "
              f"evaluation {r['evaluation']['mean_return']:.1f} over {r['evaluation']['episodes']} episodes, "
              f"{len(r['retries'])} retried task(s)", flush=True)

    per_seed = [run_seed(cfg, seed, backend, on_run=report) for seed in cfg.seeds]
    metrics = summary(per_seed, cfg, backend)
    with outputs(files=[args.results, args.metrics], dirs=[args.plots]) as new:   # together or not at all
        write_distributed_plots(metrics, reward_curve_rows(per_seed), new[args.plots])
        write_json(new[args.results], {"config": cfg.distributed.model_dump(), "backend": backend, "seeds": per_seed})
        write_json(new[args.metrics], metrics)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--metrics", default="metrics/distributed.json")
    parser.add_argument("--results", default="results/distributed.json")
    parser.add_argument("--plots", default="plots/distributed")
    run_stage(main, parser)
