"""Stages words_research, words_heldout_research and words_fresh_research: the word benchmark's committed
research runs (research/words/, research/words_heldout/ on data/heldout_words.yaml and research/words_fresh/
on data/fresh_words.yaml; written by
hsokv.benchmarks.words.research; mpnet is optional, so it runs outside dvc) -> one metrics table each."""
import argparse
from pathlib import Path

from hsokv.benchmarks.words.research_report import collect, markdown
from hsokv.cli import run_stage
from hsokv.io import atomic_write_text, outputs, write_json

READS = ()   # no params: the runs carry their own settings


def main(args):
    metrics = collect(Path(args.runs))
    md = Path(args.metrics).with_suffix(".md")
    with outputs(files=[md, args.metrics]) as new:   # together or not at all
        atomic_write_text(new[md], markdown(metrics))
        write_json(new[args.metrics], metrics)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", default="research/words")
    parser.add_argument("--metrics", default="metrics/words_research.json")
    run_stage(main, parser)
