"""Stage download_lm_corpus: a SHA-256-verified copy of Tiny Shakespeare -> data/raw/tinyshakespeare/input.txt
(from data.mirror / $HSOKV_DATA_MIRROR, or the web when data.allow_download is true)."""
import argparse

from hsokv.benchmarks.lm.data import fetch_tiny_shakespeare
from hsokv.cli import run_stage
from hsokv.config import load_params


READS = ("data.mirror", "data.allow_download", "data.download_origin")


def main(args):
    cfg = load_params(args.params, READS)
    origin = fetch_tiny_shakespeare(args.out, cfg.data.mirror, cfg.data.allow_download, cfg.data.download_origin)
    print(f"tinyshakespeare: verified copy in {args.out} from {origin['input.txt']}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="data/raw/tinyshakespeare")
    run_stage(main, parser)
