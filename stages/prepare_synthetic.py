"""Stage prepare_synthetic: word specs -> per-seed story splits and tokenizer under data/synthetic/."""
import argparse
import json

from hsokv.benchmarks.words.data import SPLIT_PARAMS, prepare
from hsokv.benchmarks.words.specs import load_word_specs
from hsokv.cli import run_stage
from hsokv.config import load_params
from hsokv.io import atomic_dir

READS = ("seeds", *SPLIT_PARAMS)


def main(args):
    cfg = load_params(args.params, READS)
    specs = load_word_specs(cfg.data.word_specs)
    with atomic_dir(args.out) as tmp:
        counts = prepare(specs, cfg.data, cfg.seeds, tmp, cfg.synthetic.candidates)
    print(json.dumps(counts, indent=1))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="data/synthetic")
    run_stage(main, parser)
