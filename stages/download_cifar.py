"""Stage download_cifar: verified copies of continual.dataset -> data/raw/continual/.

cifar10: CIFAR-10 (python or binary version) from data.mirror / $HSOKV_DATA_MIRROR (a tar.gz or the
extracted folder, MD5-checked), else the official URL when data.allow_download is true.
digits: scikit-learn's 8x8 digits (offline stand-in), SHA-256-checked."""
import argparse

from hsokv.benchmarks.continual.data import fetch_images
from hsokv.cli import run_stage
from hsokv.config import load_params
from hsokv.data.fetch import mirror_roots


READS = ("continual.dataset", "data.mirror", "data.allow_download", "data.download_origin")


def main(args):
    cfg = load_params(args.params, READS)
    manifest = fetch_images(cfg.continual.dataset, args.out, mirror_roots(cfg.data.mirror), cfg.data.allow_download,
                            cfg.data.download_origin)
    print(f"{manifest['dataset']}: {len(manifest['files'])} verified file(s) in {args.out} from {manifest['source']}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="data/raw/continual")
    run_stage(main, parser)
