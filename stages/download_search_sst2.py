"""Stage download_search_sst2: verified copies of SST-2's GLUE dev set and LM-BFF's 16-shot samples for
search_sst2.seeds (all five of LM-BFF's by default; the glue stages' demo uses three) -> data/raw/search_sst2/."""
import argparse
from pathlib import Path

from hsokv.benchmarks.glue.data import prepare
from hsokv.benchmarks.glue.search_config import Sst2SearchConfig  # noqa: F401  (registers search_sst2)
from hsokv.cli import run_stage
from hsokv.config import load_params

READS = ("search_sst2.seeds", "glue.k", "glue.k_shot_source", "data.mirror", "data.allow_download",
         "data.download_origin")


def main(args):
    cfg = load_params(args.params, READS)
    g = cfg.glue
    origin = prepare("SST-2", Path(args.out), cfg.search_sst2.seeds, g.k, g.k_shot_source,
                     cfg.data.mirror, cfg.data.allow_download, cfg.data.download_origin)
    print(f"SST-2: {len(origin)} verified file(s) in {args.out}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="data/raw/search_sst2")
    run_stage(main, parser)
