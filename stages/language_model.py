"""Stage language_model: next-token prediction on data.lm_corpus, with and without the KV memory
(kNN-LM) -> metrics/language_model.json (mean, std over seeds), plots/language_model/."""
import argparse
from pathlib import Path

from hsokv.benchmarks.language_model import run_seed, summary
from hsokv.cli import run_stage
from hsokv.config import load_params
from hsokv.data.lm_corpus import read_corpus, split_lines
from hsokv.io import atomic_dir, write_json
from hsokv.plots import write_language_model_plots


def main(args):
    cfg = load_params(args.params)
    lm = cfg.language_model
    train, valid, test = split_lines(read_corpus(cfg.data.lm_corpus), lm.valid_fraction, lm.test_fraction,
                                     cfg.data.lm_corpus)
    per_seed = []
    for seed in cfg.seeds:
        result = run_seed(train, valid, test, cfg, seed)
        print(f"seed {seed}: test perplexity {result['test']['without_memory']['perplexity']:.3f} without memory, "
              f"{result['test']['with_memory']['perplexity']:.3f} with ({result['datastore_entries']} entries, "
              f"{result['device']})", flush=True)
        per_seed.append(result)
    metrics = summary(per_seed, cfg, cfg.data.lm_corpus)
    with atomic_dir(args.plots) as plots:
        write_language_model_plots(metrics, per_seed, plots)
    write_json(Path(args.results), {"config": cfg.language_model.model_dump(), "seeds": per_seed})
    write_json(Path(args.metrics), metrics)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--metrics", default="metrics/language_model.json")
    parser.add_argument("--results", default="results/language_model.json")
    parser.add_argument("--plots", default="plots/language_model")
    run_stage(main, parser)
