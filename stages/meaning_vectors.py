"""Stage meaning_vectors: for every seed of search_meaning.seeds, the word splits' phase-1 training
stories, masked validation stories, cloze and recall test items, encoded once by the frozen
MiniLM sentence by sentence -> data/search_meaning/vectors.safetensors, the meaning search stages'
shared input (hsokv.benchmarks.words.meaning_search_data)."""
import argparse
from pathlib import Path

from hsokv.benchmarks.glue import sentences
from hsokv.benchmarks.words.data import SPLIT_PARAMS
from hsokv.benchmarks.words.inputs import SentenceEncoder
from hsokv.benchmarks.words.meaning_search_config import MeaningSearchConfig  # noqa: F401  (registers search_meaning)
from hsokv.benchmarks.words.meaning_search_data import encode_seeds
from hsokv.benchmarks.words.specs import load_word_specs
from hsokv.cli import run_stage
from hsokv.config import load_params
from hsokv.io import outputs

READS = tuple(dict.fromkeys(("search_meaning.seeds",) + SPLIT_PARAMS + sentences.READS))


def main(args):
    cfg = load_params(args.params, READS)
    seeds = cfg.search_meaning.seeds
    vectors = Path(args.out) / "vectors.safetensors"
    with outputs(files=[vectors]) as new:
        sizes = encode_seeds(load_word_specs(cfg.data.word_specs), cfg, seeds,
                             SentenceEncoder("minilm", *sentences.frozen_sentences("minilm", cfg)), new[vectors])
    print(f"meaning search vectors for seeds {seeds}: {sizes} (items of the first seed) -> {vectors}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="data/search_meaning")
    run_stage(main, parser)
