"""Stage sst2_vectors: verified copies of SST-2's dev set and LM-BFF's 16-shot samples for the search
seeds, encoded once by the frozen MiniLM -> data/search_sst2/vectors.safetensors (the search stages'
shared input: every trial trains only a head on these vectors)."""
import argparse
from pathlib import Path

from hsokv.benchmarks.glue.backbones import make_backbone
from hsokv.benchmarks.glue.data import prepare
from hsokv.benchmarks.glue.search import Sst2SearchConfig  # noqa: F401  (registers the search_sst2 section)
from hsokv.benchmarks.glue.search_data import encode_seeds
from hsokv.cli import run_stage
from hsokv.config import load_params
from hsokv.io import outputs

READS = ("search_sst2.seeds", "glue.k", "glue.k_shot_source", "glue.max_length", "glue.eval_batch_size",
         "data.mirror", "data.allow_download", "data.download_origin")


def main(args):
    cfg = load_params(args.params, READS)
    seeds, g = cfg.search_sst2.seeds, cfg.glue
    out = Path(args.out)
    raw, vectors = out / "raw", out / "vectors.safetensors"   # raw: the verified TSV copies encoded
    with outputs(files=[vectors], dirs=[raw]) as new:   # replaced together or not at all
        prepare("SST-2", new[raw], seeds, g.k, g.k_shot_source, cfg.data.mirror, cfg.data.allow_download,
                cfg.data.download_origin)
        sizes = encode_seeds(new[raw], seeds, cfg, new[vectors], lambda train: make_backbone(
            "minilm", train, 2, g.max_length, cfg))
    print(f"SST-2 vectors for seeds {seeds}: {sizes} -> {vectors}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="data/search_sst2")
    run_stage(main, parser)
