"""Not a dvc stage (a research run: ~1 minute a seed for the 27 grid points on 2 CPU cores, as a seed's
training runs once, hsokv.benchmarks.words.key_selection.trained_once): choose
hsokv_sentences' key settings on the held-out word list (hsokv.benchmarks.words.key_selection)
-> <out>/seed_<n>.json per seed; --summarize prints the table and the chosen point and writes
<out>/summary.{json,md}.

    python -m stages.words_key_selection --backbone minilm --seeds 0 1 2 3 4 --out research/words_key_selection/minilm \\
        --commit $(git rev-parse HEAD)
    python -m stages.words_key_selection --summarize --out research/words_key_selection/minilm
"""
import argparse
from pathlib import Path

from hsokv.benchmarks.glue.sentences import frozen_sentences
from hsokv.benchmarks.words.inputs import SentenceEncoder, VectorFile
from hsokv.benchmarks.words.key_selection import markdown, run_selection_seed, summarize
from hsokv.benchmarks.words.research import research_config
from hsokv.cli import run_stage
from hsokv.config import ConfigError
from hsokv.io import atomic_write_text, write_json


def main(args):
    out = Path(args.out)
    if args.summarize:
        summary = summarize(out)
        write_json(out / "summary.json", summary)
        atomic_write_text(out / "summary.md", markdown(summary))
        print(markdown(summary) + f"chosen: {summary['chosen']}")
        return
    tested = research_config(args.params, args.preset).data.word_specs
    if Path(args.word_specs).resolve() == Path(tested).resolve():
        raise ConfigError(f"--word-specs {args.word_specs}: that is the list the benchmark is tested on "
                          "(data.word_specs); choose on another list, e.g. data/heldout_words.yaml")
    cfg = research_config(args.params, args.preset, args.seeds, args.word_specs)
    backbone = SentenceEncoder(args.backbone, *frozen_sentences(args.backbone, cfg))
    cache = VectorFile(args.vectors, args.backbone)
    out.mkdir(parents=True, exist_ok=True)
    for seed in cfg.seeds:
        run_selection_seed(cfg, backbone, seed, out, args.commit)
    cache.save()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backbone", default="minilm", help="a pretrained backbone of GLUE's registry")
    parser.add_argument("--word-specs", default="data/heldout_words.yaml", help="the selection's word list (not the main one)")
    parser.add_argument("--preset", default="research")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--out", default="research/words_key_selection/minilm")
    parser.add_argument("--commit", default="unknown")
    parser.add_argument("--summarize", action="store_true", help="only aggregate the seed files of --out")
    parser.add_argument("--vectors", type=Path, help="frozen sentence vectors: read if the file exists, written at the end "
                                                    "(e.g. the research runs' results/vectors/mpnet-heldout.safetensors)")
    run_stage(main, parser)
