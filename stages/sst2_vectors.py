"""Stage sst2_vectors: the SST-2 search's splits (data/raw/search_sst2) encoded once by the frozen
MiniLM -> data/search_sst2/vectors.safetensors, the search stages' shared input: every trial trains
only a head on these vectors."""
import argparse
from pathlib import Path

from hsokv.benchmarks.glue.backbones import make_backbone
from hsokv.benchmarks.glue.search_config import Sst2SearchConfig  # noqa: F401  (registers search_sst2)
from hsokv.benchmarks.glue.search_data import encode_seeds
from hsokv.cli import run_stage
from hsokv.config import load_params
from hsokv.io import outputs

READS = ("search_sst2.seeds", "glue.k", "glue.k_shot_source", "glue.max_length", "glue.eval_batch_size")


def main(args):
    cfg = load_params(args.params, READS)
    seeds, g = cfg.search_sst2.seeds, cfg.glue
    vectors = Path(args.out) / "vectors.safetensors"
    with outputs(files=[vectors]) as new:
        sizes = encode_seeds(Path(args.data), seeds, cfg, new[vectors],
                             lambda train: make_backbone("minilm", train, 2, g.max_length, cfg))
    print(f"SST-2 vectors for seeds {seeds}: {sizes} examples -> {vectors}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default="data/raw/search_sst2")
    parser.add_argument("--out", default="data/search_sst2")
    run_stage(main, parser)
