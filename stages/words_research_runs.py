"""Not a dvc stage (mpnet is optional): the word benchmark's research runs on one backbone ->
research/words/<backbone>/*.json, which stage words_research aggregates (hsokv.benchmarks.words.research
says what is written). The pretrained backbone comes from GLUE's registry, loaded here, where the
two benchmarks may meet; a missing optional backbone stops with the command that installs it.

    python -m stages.words_research_runs --backbone mpnet --methods hsokv_sentences,hsokv,finetune,knn \\
        --vectors results/vectors/mpnet.safetensors --commit $(git rev-parse HEAD)
    python -m stages.words_research_runs --backbone text --methods lookup,bm25 --commit $(git rev-parse HEAD)
    python -m stages.words_research_runs --word-specs data/heldout_words.yaml --out research/words_heldout ...
"""
import argparse
from pathlib import Path

from hsokv.benchmarks.glue.sentences import frozen_sentences
from hsokv.benchmarks.words.inputs import SentenceEncoder
from hsokv.benchmarks.words.research import research_config, run
from hsokv.benchmarks.words.research_report import LEXICAL
from hsokv.cli import run_stage
from hsokv.config import ConfigError


def main(args):
    cfg = research_config(args.params, args.preset, args.seeds, args.word_specs)
    if args.backbone == "scratch":
        raise ConfigError("--backbone scratch: the from-scratch rows are the demo stages' (dvc repro)")
    backbone = LEXICAL if args.backbone == LEXICAL else SentenceEncoder(args.backbone, *frozen_sentences(args.backbone, cfg))
    run(cfg, backbone, args.methods.split(","), Path(args.out), args.commit, vectors=args.vectors)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backbone", required=True, help=f"{LEXICAL} (the lexical controls) or a pretrained backbone")
    parser.add_argument("--methods", required=True, help="comma-separated methods of hsokv.benchmarks.words.methods")
    parser.add_argument("--preset", default="research")
    parser.add_argument("--seeds", type=int, nargs="*", help="instead of the preset's")
    parser.add_argument("--word-specs", help="another word list than params' data.word_specs (e.g. data/heldout_words.yaml)")
    parser.add_argument("--out", default="research/words")
    parser.add_argument("--commit", default="unknown")
    parser.add_argument("--vectors", type=Path, help="frozen sentence vectors: read if the file exists, written at the end")
    run_stage(main, parser)
