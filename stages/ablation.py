"""Stage ablation: H-SOKV with one memory change per variant of ablation.variants, on every seed ->
results/ablation/<variant>.json, DVCLive logs under results/ablation_live/<variant>/. The
(variant, seed) runs go side by side in ablation.workers processes (hsokv.benchmarks.words.runs)."""
import argparse
from pathlib import Path

from hsokv.benchmarks.words.runs import ABLATION_READS, run_variant, side_by_side, variant_config
from hsokv.cli import run_stage
from hsokv.config import as_dict, load_params
from hsokv.io import outputs, write_json

READS = tuple(dict.fromkeys(ABLATION_READS + ("ablation.variants", "ablation.workers", "ablation.threads")))


def main(args):
    section = load_params(args.params, READS)
    variants = {v: variant_config(args.params, v) for v in section.ablation.variants}   # unknown names fail here
    runs = [(v, seed) for v in variants for seed in section.seeds]
    with outputs(dirs=[args.out, args.live]) as new:   # replaced together: a failed run keeps the last results and logs
        results = side_by_side(run_variant, [(args.params, v, seed, new[Path(args.live)] / v) for v, seed in runs],
                               section.ablation.workers, section.ablation.threads)
        for v, cfg in variants.items():
            seeds = [r for (rv, _), r in zip(runs, results) if rv == v]
            write_json(new[Path(args.out)] / f"{v}.json", {"variant": v, "config": as_dict(cfg), "seeds": seeds})


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="results/ablation")
    parser.add_argument("--live", default="results/ablation_live")
    run_stage(main, parser)
